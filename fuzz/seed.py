#!/usr/bin/env python3
"""Builds the seed corpora under fuzz/work/seeds/TARGET from samples/, the hand-written seeds in fuzz/corpus/TARGET
and the findings' inputs in fuzz/regressions/TARGET (derived inputs such as the Slack bundle and the archives are
made here, not committed).

Usage: fuzz/seed.py [TARGET...]   (all targets when none is named)
"""
import glob, gzip, bz2, io, lzma, os, shutil, sys, tarfile, zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
S = os.path.join(ROOT, "samples")
OUT = os.path.join(ROOT, "fuzz", "work", "seeds")

def g(*patterns):
    files = []
    for p in patterns:
        files += [f for f in glob.glob(os.path.join(S, p), recursive=True) if os.path.isfile(f)]
    return sorted(set(files))

FILES = {
    "mbox": g("email/*.mbox", "bad/email/*.mbox"),
    "mime": g("email/*.eml", "email/maildir/cur/*", "email/maildir/new/*", "bad/email/*.eml"),
    "json": g("**/*.json", "requests/*.jsonl"),
    "json-array": g("chat/chatgpt/*.json", "chat/claude/*.json", "chat/discord/*.json", "chat/telegram/*.json",
                    "bad/chat/*.json"),
    "chatgpt": g("chat/chatgpt/*.json", "bad/chat/chatgpt-*.json"),
    "claude": g("chat/claude/*.json", "bad/chat/claude-*.json"),
    "discord": g("chat/discord/*.json"),
    "telegram": g("chat/telegram/*.json"),
    "messenger": g("chat/messenger/**/*.json"),
    "google-chat": g("chat/google-chat/**/messages.json", "bad/chat/google-chat-truncated/*.json"),
    "whatsapp": g("chat/whatsapp/*.txt", "bad/chat/whatsapp-*.txt"),
    "chat-spec": g("chat/spec/*"),
    "webvtt": g("transcripts/*.vtt", "bad/transcripts/*.vtt"),
    "srt": g("transcripts/*.srt", "bad/transcripts/*.srt"),
    "ttml": g("transcripts/*.ttml", "transcripts/*.dfxp", "bad/transcripts/*.ttml"),
    "transcript-text": g("transcripts/*.txt"),
    "requests-jsonl": g("requests/*.jsonl", "bad/*.jsonl"),
    "html": g("documents/*.html"),
    "charset": g("transcripts/interview-cp1252.srt", "email/utf16.eml", "bad/invalid-utf8.txt"),
    "redact": g("email/*.eml", "email/*.mbox", "documents/*.txt"),
    "strip": g("email/*.eml", "email/*.mbox") + sorted(glob.glob(os.path.join(ROOT, "Tests", "BackfillCleanTests", "Goldens", "strip", "*.txt"))),
    "enex": g("documents/*.enex", "bad/*.enex"),
    "text-parts": g("documents/*.txt", "documents/*.md", "transcripts/*.txt"),
    "headers": [], "email-date": [], "entry-names": [], "timestamp": [], "slack": [], "archive": [],
}

# Slack: the bundle's files joined by NUL bytes, in the order of FuzzTargets.slackLayout.
SLACK_LAYOUT = ["users.json", "channels.json", "dms.json", "general/2024-03-04.json", "general/2024-03-05.json",
                "D01AB/2024-03-04.json", "groups.json", "mpims.json"]

def slack_seed():
    parts = []
    for name in SLACK_LAYOUT:
        path = os.path.join(S, "chat", "slack-export", name)
        parts.append(open(path, "rb").read() if os.path.exists(path) else b"[]")
    return b"\0".join(parts)

def archive_seeds():
    members = [(os.path.relpath(f, S), open(f, "rb").read())
               for f in g("chat/whatsapp/android-en-us.txt", "documents/meeting-notes.txt", "requests/*.jsonl")]
    out = {}
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members: z.writestr(name, data)
    out["deflate.zip"] = buf.getvalue()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
        for name, data in members: z.writestr("export/" + name, data)
    out["stored.zip"] = buf.getvalue()
    for mode, suffix in (("w", "tar"), ("w:gz", "tar.gz"), ("w:bz2", "tar.bz2"), ("w:xz", "tar.xz")):
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode=mode, format=tarfile.PAX_FORMAT) as t:
            for name, data in members:
                info = tarfile.TarInfo(name); info.size = len(data); info.mtime = 1700000000
                t.addfile(info, io.BytesIO(data))
        out["members." + suffix] = buf.getvalue()
    first = members[0][1]
    out["single.gz"] = gzip.compress(first, mtime=0)
    out["single.bz2"] = bz2.compress(first)
    out["single.xz"] = lzma.compress(first)
    return out

def main(targets):
    for target in targets or sorted(FILES):
        if target not in FILES: sys.exit(f"seed.py: unknown target {target}")
        dest = os.path.join(OUT, target)
        shutil.rmtree(dest, ignore_errors=True)
        os.makedirs(dest)
        for i, f in enumerate(FILES[target]):
            shutil.copyfile(f, os.path.join(dest, f"sample-{i:02d}-" + os.path.basename(f).replace(" ", "_")))
        # Hand-written seeds, and the minimised inputs of past findings (fuzz/regressions: each has a test).
        for kind in ("corpus", "regressions"):
            committed = os.path.join(ROOT, "fuzz", kind, target)
            if os.path.isdir(committed):
                for name in sorted(os.listdir(committed)):
                    shutil.copyfile(os.path.join(committed, name), os.path.join(dest, kind + "-" + name))
        if target == "slack":
            open(os.path.join(dest, "bundle"), "wb").write(slack_seed())
        if target == "archive":
            for name, data in archive_seeds().items():
                open(os.path.join(dest, name), "wb").write(data)
        # A target with no seed at all starts from an empty input.
        if not os.listdir(dest): open(os.path.join(dest, "empty"), "wb").close()

if __name__ == "__main__":
    main(sys.argv[1:])
