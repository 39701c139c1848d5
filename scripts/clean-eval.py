#!/usr/bin/env python3
"""Measures `--strip quotes,signatures` and `--redact …` on a generated corpus with line-level truth (issue 20).

    scripts/clean-eval.py                       # 2,000 messages (seed 1), release build, prints the Markdown tables
    scripts/clean-eval.py --no-build --check    # exit 1 when an acceptance threshold fails (each failure named)
    scripts/clean-eval.py --write               # … and puts the tables into BENCHMARKS.md between the clean markers
    scripts/clean-eval.py --speed               # also times the 200 MB bench mbox with cleaning off vs on
    scripts/clean-eval.py --baseline            # no cleaning flags: checks that the truth matches the rendering

The corpus is bench/gen_clean_corpus.py's (`.bench-cache/clean-N-seedS.mbox` with its `.truth.json`, regenerated
when the generator changed). The import is `backfill import CORPUS --target jsonl --out OUT --ledger TMP
--strip quotes,signatures --redact email,phone,card,iban,ip,secret --json`; documents map to messages by
`metadata.message_id` (else the document id). Per message, every truth line becomes a pattern: its planted values
(and, for values given with a `span`, optionally the span around them) become the kind's placeholder
(`[KIND-xxxxxxxx]`, `--placeholder` to change). Matching is by line, whitespace at the ends ignored, counted: a
line the body holds once is kept once (the author's own lines claim matches first, then signatures, forward
headers, quotes).

  quoted removed      quoted truth lines (attributions, header blocks, `>` lines, unindented old messages) not kept
  signatures removed  signature lines (delimiter, contact block, mobile footer, disclaimer) not kept
  own lines lost      the author's own lines not kept (strict: each planted value must be exactly its placeholder)
  recall (kind)       planted values (own lines; signature phones/emails) absent from the whole document, headers
                      included, with a placeholder of the kind present (a signature value also counts when the
                      signature is gone)
  precision (kind)    per document min(explained, found) / found: found = placeholders of the kind in the body,
                      explained = planted values of the kind in truth lines still there (a line counts as still
                      there when it matches with every planted value and look-alike relaxed)
  headers             From/To/Cc addresses: absent from the header lines, an EMAIL placeholder in their place
  look-alikes         present verbatim / (present + in a line still there but changed); lost with a removed line
                      is not counted
  stability           a value always gets one placeholder; one placeholder never stands for two values (values
                      compared as the redactor keys them: e-mail lower-cased, phone and card digits, …)

Undelimited contact blocks (name, title, phone without `-- `) are measured and shown apart from the signature
figure: the acceptance names signatures after `-- `, mobile footers and disclaimers. `--examples N` lists the first
N mismatches of each kind (message id, truth line, the nearest output line). Exit status: 0; 1 when `--check`
finds a threshold failed; 2 when nothing could be measured (no binary, flags rejected, the import failed).
"""
import argparse
import difflib
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / ".bench-cache"
GEN = ROOT / "bench" / "gen_clean_corpus.py"
BIN = ROOT / ".build" / "release" / "backfill"
DOC = ROOT / "BENCHMARKS.md"
BEGIN, END = "<!-- clean:begin -->", "<!-- clean:end -->"
KINDS = ["email", "phone", "card", "iban", "ip", "secret"]
STRIP = "quotes,signatures"
REDACT = ",".join(KINDS)
RECALL_MIN = {"email": 99, "phone": 95, "card": 99, "iban": 99, "ip": 95, "secret": 99}
PRECISION_MIN = 95
QUOTED_MIN, SIGNATURE_MIN, OWN_LOST_MAX, LOOK_MIN, HEADER_MIN, COST_MAX = 95, 90, 1, 95, 99, 25

sys.path.insert(0, str(ROOT / "bench"))
import gen_clean_corpus as gen  # noqa: E402  (the phrase tables, to name signature styles)

MOBILE = {x for v in gen.MOBILE.values() for x in v}
DISCLAIMER_TEXT = " ".join(x for v in gen.DISCLAIMERS.values() for x in v)


def log(message):
    print(f"clean-eval: {message}", file=sys.stderr, flush=True)


def die(message):
    """A run that cannot measure (no binary, flags rejected, import failed): exit 2, apart from a failed check (1)."""
    log(message)
    sys.exit(2)


def git(*args):
    return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()


def commit_name():
    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "Sources", "adapters", "targets", "Package.swift")
    return commit + ("+changes" if dirty else "")


# ------------------------------------------------------------------ corpus and run --
def corpus(messages, seed):
    CACHE.mkdir(exist_ok=True)
    path = CACHE / f"clean-{messages}-seed{seed}.mbox"
    stamp = path.with_name(path.name + ".gen")
    digest = hashlib.sha256(GEN.read_bytes() + (ROOT / "bench" / "gen_corpus.py").read_bytes()).hexdigest()
    truth = path.with_name(path.name + ".truth.json")
    if path.exists() and truth.exists() and stamp.exists() and stamp.read_text() == digest:
        return path, truth
    log(f"generating {path.name}")
    subprocess.run([sys.executable, str(GEN), "--messages", str(messages), "--seed", str(seed), "--out", str(path)],
                   check=True, stdout=sys.stderr)
    stamp.write_text(digest)
    return path, truth


def ensure_binary(binary, no_build):
    if binary.exists():
        return
    if no_build or binary != BIN:
        die(f"{binary} does not exist (build it: swift build -c release --product backfill)")
    log("building: swift build -c release --product backfill")
    subprocess.run(["swift", "build", "-c", "release", "--product", "backfill"], cwd=ROOT, check=True)


def check_flags(binary):
    """Exits with a clear message when this binary has no --strip/--redact."""
    out = subprocess.run([str(binary), "import", "--help"], capture_output=True, text=True)
    text = out.stdout + out.stderr
    missing = [f for f in ("--strip", "--redact") if f not in text]
    if missing:
        die(f"{binary} import has no {' and '.join(missing)} option "
                         f"(an older build? rebuild, or pass --bin)")


def run_import(binary, mbox, work, clean=True, out=None):
    ledger = work / "ledger.sqlite"
    for leftover in work.glob("ledger.sqlite*"):
        leftover.unlink()
    out = out or work / "out.jsonl"
    command = [str(binary), "import", str(mbox), "--target", "jsonl", "--out", str(out), "--ledger", str(ledger),
               "--progress", "none", "--json"]
    if clean:
        command += ["--strip", STRIP, "--redact", REDACT]
    env = dict(os.environ, BACKFILL_HOME=str(work / "home"))
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - started
    if result.returncode != 0:
        hint = ""
        if re.search(r"unknown option|unexpected argument|--strip|--redact", result.stderr):
            hint = "\n(the binary rejected the cleaning flags: is it built with issue 20's options?)"
        die(f"import failed ({result.returncode}): {' '.join(command)}\n"
                         f"{result.stderr[-3000:]}{hint}")
    return wall, out, result.stdout


# ------------------------------------------------------------------ matching --
class Patterns:
    def __init__(self, placeholder, baseline=False):
        self.template = placeholder
        self.baseline = baseline
        self.any = re.compile(placeholder.replace("{KIND}", "(?:" + "|".join(k.upper() for k in KINDS) + ")"))
        self.kind = {k: re.compile(placeholder.replace("{KIND}", k.upper())) for k in KINDS}

    def ph(self, kind):
        return "(" + self.template.replace("{KIND}", kind.upper()) + ")"


def literal(s):
    return r"[ \t]*\n[ \t]*".join(re.escape(part) for part in s.split("\n"))


def occurrences(text, items):
    """Non-overlapping (start, end, kind, value, span) of the items in text, longest first."""
    taken = [False] * len(text)
    found = []
    for kind, value, span in sorted(items, key=lambda x: -len(x[2] or x[1])):
        for target, use_span in ([(span, True)] if span else []) + [(value, False)]:
            start = 0
            while True:
                i = text.find(target, start)
                if i < 0:
                    break
                j = i + len(target)
                if not any(taken[i:j]):
                    for k in range(i, j):
                        taken[k] = True
                    found.append((i, j, kind, value, span if use_span else None))
                start = j
    return sorted(found)


def entry_patterns(text, items, looks, P):
    """(strict regex, its group values, kinds Counter, loose regex or None) for one truth entry."""
    text = text.strip()
    occ = occurrences(text, items)
    strict, values, pos = [], [], 0
    for i, j, kind, value, span in occ:
        strict.append(literal(text[pos:i]))
        if P.baseline:                      # nothing redacted: the value as written
            strict.append("(" + literal(text[i:j]) + ")")
        elif span:
            pre, _, suf = span.partition(value)
            strict.append(f"(?:{re.escape(pre)})?{P.ph(kind)}(?:{re.escape(suf)})?")
        else:
            strict.append(P.ph(kind))
        values.append((kind, value))
        pos = j
    strict.append(literal(text[pos:]))
    kinds = Counter(kind for _, _, kind, _, _ in occ)
    loose = None
    relax = occurrences(text, items + [("look", v, None) for v in looks])
    if relax:
        parts, pos, kept = [], 0, 0
        for i, j, *_ in relax:
            parts.append(literal(text[pos:i])); kept += len(text[pos:i].strip())
            parts.append(r"[^\n]*?")
            pos = j
        parts.append(literal(text[pos:])); kept += len(text[pos:].strip())
        if kept >= 2:
            loose = r"(?m)^[ \t]*" + "".join(parts) + r"[ \t]*$"
    return r"(?m)^[ \t]*" + "".join(strict) + r"[ \t]*$", values, kinds, loose


ROLES = ("own", "signature", "neutral", "quoted")


def measure(docs, truth, P, examples_per=5):
    R = defaultdict(Counter)
    ex = defaultdict(list)
    value_ph, ph_value = defaultdict(set), defaultdict(set)
    T = truth["messages"]
    by_lower = {mid.lower(): mid for mid in T}

    def example(cat, *what):
        if len(ex[cat]) < examples_per:
            ex[cat].append(what)

    mapped = {}
    for d in docs:
        meta = d.get("metadata") or {}
        mid = meta.get("message_id")
        if mid not in T:
            did = d.get("document_id", "")
            mid = by_lower.get(did[len("email:"):] if did.startswith("email:") else did)
        if mid in T:
            mapped[mid] = d
    R["docs"]["messages"] = len(T)
    R["docs"]["mapped"] = len(mapped)
    for mid, t in T.items():
        d = mapped.get(mid)
        if d is None:
            example("unmapped", mid)
            continue
        doc = d["document"]
        header, _, body = doc.partition("\n\n")
        style = t["style"]
        items = ([(p["kind"], p["value"], p.get("span")) for p in t["pii"]] +
                 [(p["kind"], p["value"], None) for p in t["pii_other"]] +
                 [("email", a, None) for a in [t["from"]] + t["to"] + t["cc"]])
        looks = [x["value"] for x in t["lookalikes"]]
        consumed, loose_consumed = Counter(), Counter()
        cache = {}
        explained = Counter()
        kept_text = []                      # own entries kept loosely (for look-alikes)
        exact = set()                       # values whose own line is there with exactly their placeholder

        def compiled(text):
            if text not in cache:
                strict, values, kinds, loose = entry_patterns(text, items, looks, P)
                rs = re.compile(strict)
                ms = list(rs.finditer(body))
                ml = len(re.findall(loose, body)) if loose else len(ms)
                cache[text] = (strict, values, kinds, loose, ms, ml)
            return cache[text]

        uses = Counter(compiled(text)[0] for role in ROLES for text in t[role])
        for role in ROLES:
            for text in t[role]:
                strict, values, kinds, loose, ms, ml = compiled(text)
                kept = consumed[strict] < len(ms)
                if kept and uses[strict] == 1 and len(ms) == 1:     # which value got which placeholder
                    m = ms[consumed[strict]]
                    for (kind, value), g in zip(values, m.groups()):
                        if g:
                            value_ph[normal(kind, value)].add(g); ph_value[g].add(normal(kind, value))
                consumed[strict] += 1
                if kept and role == "own":
                    exact.update(v for _, v in values)
                lkey = loose or strict
                lkept = loose_consumed[lkey] < ml
                loose_consumed[lkey] += 1
                R[role]["lines"] += 1
                R[role]["kept"] += kept
                if role == "signature" and sig_kind(text, style) == "undelimited contact block":
                    R["contact"]["lines"] += 1
                    R["contact"]["kept"] += kept
                R[role]["kept_loose"] += lkept
                bucket = {"own": f"{style['reply']}/{t['format']}", "quoted": f"{style['attribution']}/{t['format']}",
                          "neutral": style["attribution"], "signature": sig_kind(text, style)}[role]
                R[role + "_by"][bucket + " lines"] += 1
                R[role + "_by"][bucket + " kept"] += kept
                if lkept:
                    explained.update(kinds)
                    if role == "own":
                        kept_text.append(text)
                if role == "own" and not kept:
                    close = difflib.get_close_matches(text.strip(), body.split("\n"), n=1, cutoff=0.6)
                    example("own lost" + (" (a planted value redacted differently)" if lkept else ""),
                            mid, text, close[0] if close else "(no similar line)")
                if role in ("quoted", "signature") and kept:
                    example(f"{role} kept", mid, f"{bucket}: {text}")
        # placeholders: body precision, header emails
        for kind in KINDS:
            found = len(P.kind[kind].findall(body))
            R["found"][kind] += found
            R["explained"][kind] += min(found, explained[kind])
            if found > explained[kind]:
                example(f"unexplained {kind} placeholders", mid, f"{found} found, {explained[kind]} explained",
                        unexplained_lines(body, kind, t, P))
        addrs = [t["from"]] + t["to"] + t["cc"]
        hfound = len(P.kind["email"].findall(header))
        R["header"]["planted"] += len(addrs)
        R["header"]["found"] += hfound
        R["header"]["explained"] += min(hfound, len(addrs))
        for a in addrs:
            R["header"]["hit"] += a not in header and bool(hfound)
            if a in header:
                example("header address kept", mid, a)
        map_header(header, t, P, value_ph, ph_value)
        # recall
        for p in t["pii"] + [p for p in t["pii_other"] if p["where"] == "signature"]:
            kind, value = p["kind"], p["value"]
            where = "signature" if "where" in p else "own"
            R["planted"][kind] += 1
            R["planted_" + where][kind] += 1
            gone = value not in doc
            hit = gone and (where == "signature" or bool(P.kind[kind].search(doc)))
            R["hit"][kind] += hit
            R["exact"][kind] += where == "own" and value in exact
            shape = kind + " " + re.sub(r"^(?:[A-Z]{2}_|email_|secret_)", "", p["shape"])
            R["shape_planted"][shape] += 1
            R["shape_hit"][shape] += hit
            if not hit:
                example(f"{kind} not redacted", mid, p["shape"], value, line_with(doc, value))
        for p in t["pii_other"]:
            if p["where"] == "quoted":
                R["quoted_pii"]["planted"] += 1
                R["quoted_pii"]["gone"] += p["value"] not in doc
        # look-alikes
        for x in t["lookalikes"]:
            v = x["value"]
            if v in doc:
                R["look"]["present"] += 1
                R["look_kind"][x["kind"] + " present"] += 1
            elif any(v in k for k in kept_text):
                R["look"]["altered"] += 1
                R["look_kind"][x["kind"] + " altered"] += 1
                example("look-alike changed", mid, x["kind"], v, near(body, v))
            else:
                R["look"]["lost_with_line"] += 1
    R["stability"]["values"] = len(value_ph)
    R["stability"]["values with several placeholders"] = sum(len(s) > 1 for s in value_ph.values())
    R["stability"]["placeholders for several values"] = sum(len(s) > 1 for s in ph_value.values())
    for v, s in value_ph.items():
        if len(s) > 1:
            example("unstable placeholder", v, sorted(s))
    for ph, s in ph_value.items():
        if len(s) > 1:
            example("placeholder collision", ph, sorted(s))
    return R, ex


def normal(kind, value):
    """The value as the redactor keys it (one value written two ways is one value)."""
    if kind in ("email", "ip"):
        return kind, value.lower()
    if kind in ("phone", "card"):
        v = value.replace("(0)", "")
        return kind, ("+" if v.startswith("+") else "") + re.sub(r"\D", "", v)
    if kind == "iban":
        return kind, value.replace(" ", "").upper()
    return kind, value


def sig_kind(text, style):
    line = text.strip()
    if line in MOBILE:
        return "mobile footer"
    if style["disclaimer"] != "none" and line in DISCLAIMER_TEXT:
        return "disclaimer " + style["disclaimer"]
    return {"dashdash": "after `-- `", "dashdash_nospace": "after `--`",
            "block": "undelimited contact block"}.get(style["signature"], "signature " + style["signature"])


def line_with(doc, value):
    probe = value.split("\n")[0][:12]
    for line in doc.split("\n"):
        if probe and probe in line:
            return line
    digits = re.sub(r"\D", "", value)[-6:]
    for line in doc.split("\n"):
        if len(digits) >= 4 and digits in re.sub(r"\D", "", line):
            return line
    return "(value gone, no placeholder of the kind in the document)"


def near(body, value):
    for line in body.split("\n"):
        if value[:4] in line or value[-4:] in line:
            return line
    return ""


def unexplained_lines(body, kind, t, P):
    lines = [line for line in body.split("\n") if P.kind[kind].search(line)]
    return " | ".join(lines[:3])


def map_header(header, t, P, value_ph, ph_value):
    """Header placeholders in order against the truth addresses (From, To, Cc lines)."""
    fields = {"From": [t["from"]], "To": t["to"], "Cc": t["cc"]}
    for line in header.split("\n"):
        name, _, rest = line.partition(": ")
        if name in fields:
            found = P.kind["email"].findall(rest)
            if len(found) == len(fields[name]):
                for a, ph in zip(fields[name], found):
                    value_ph[normal("email", a)].add(ph); ph_value[ph].add(normal("email", a))


# ------------------------------------------------------------------ report --
def pct(a, b):
    return 100.0 * a / b if b else float("nan")


def fmt(x):
    return "—" if x != x else f"{x:.1f} %"


def results(R):
    q, s, o, c = R["quoted"], R["signature"], R["own"], R["contact"]
    s_lines, s_kept = s["lines"] - c["lines"], s["kept"] - c["kept"]
    out = {"quoted_removed": pct(q["lines"] - q["kept"], q["lines"]), "quoted_lines": q["lines"],
           "signature_removed": pct(s_lines - s_kept, s_lines), "signature_lines": s_lines,
           "contact_removed": pct(c["lines"] - c["kept"], c["lines"]), "contact_lines": c["lines"],
           "own_lost": pct(o["lines"] - o["kept"], o["lines"]), "own_lines": o["lines"],
           "own_lost_loose": pct(o["lines"] - o["kept_loose"], o["lines"]),
           "neutral_kept": pct(R["neutral"]["kept"], R["neutral"]["lines"]), "neutral_lines": R["neutral"]["lines"],
           "kinds": {}, "header": {}, "look": {}}
    for k in KINDS:
        out["kinds"][k] = {"planted": R["planted"][k], "own": R["planted_own"][k], "signature": R["planted_signature"][k],
                           "recall": pct(R["hit"][k], R["planted"][k]), "found": R["found"][k],
                           "exact": pct(R["exact"][k], R["planted_own"][k]),
                           "precision": pct(R["explained"][k], R["found"][k])}
    h = R["header"]
    out["header"] = {"planted": h["planted"], "recall": pct(h["hit"], h["planted"]), "found": h["found"],
                     "precision": pct(h["explained"], h["found"])}
    lk = R["look"]
    out["look"] = {"planted": lk["present"] + lk["altered"] + lk["lost_with_line"],
                   "survival": pct(lk["present"], lk["present"] + lk["altered"]), "altered": lk["altered"],
                   "lost_with_line": lk["lost_with_line"]}
    out["stability"] = dict(R["stability"])
    out["quoted_pii_gone"] = pct(R["quoted_pii"]["gone"], R["quoted_pii"]["planted"])
    return out


def failures(res, speed):
    bad = []
    if not res["quoted_removed"] >= QUOTED_MIN:
        bad.append(f"quoted lines removed {fmt(res['quoted_removed'])} < {QUOTED_MIN} %")
    if not res["signature_removed"] >= SIGNATURE_MIN:
        bad.append(f"signature lines removed {fmt(res['signature_removed'])} < {SIGNATURE_MIN} %")
    if not res["own_lost"] <= OWN_LOST_MAX:
        bad.append(f"own lines lost {fmt(res['own_lost'])} > {OWN_LOST_MAX} %")
    for k, v in res["kinds"].items():
        if v["planted"] and not v["recall"] >= RECALL_MIN[k]:
            bad.append(f"{k} recall {fmt(v['recall'])} < {RECALL_MIN[k]} %")
        if v["found"] and not v["precision"] >= PRECISION_MIN:
            bad.append(f"{k} precision {fmt(v['precision'])} < {PRECISION_MIN} %")
        if not v["found"]:
            bad.append(f"{k}: no placeholder found at all")
    if not res["header"]["recall"] >= HEADER_MIN:
        bad.append(f"header addresses redacted {fmt(res['header']['recall'])} < {HEADER_MIN} %")
    if res["header"]["found"] and not res["header"]["precision"] >= PRECISION_MIN:
        bad.append(f"header email precision {fmt(res['header']['precision'])} < {PRECISION_MIN} %")
    if not res["look"]["survival"] >= LOOK_MIN:
        bad.append(f"look-alike survival {fmt(res['look']['survival'])} < {LOOK_MIN} %")
    st = res["stability"]
    if st.get("values with several placeholders") or st.get("placeholders for several values"):
        bad.append(f"placeholders not stable per value: {st}")
    if speed and not speed["cost"] <= COST_MAX:
        bad.append(f"cleaning costs {speed['cost']:.1f} % of mbox throughput > {COST_MAX} %")
    return bad


def markdown(res, R, meta, speed, old_speed_row=None):
    L = []
    L.append(f"Measured by `scripts/clean-eval.py` at commit **{meta['commit']}**, {meta['date']}: "
             f"`backfill import` with `--strip {STRIP} --redact {REDACT}` of "
             f"`bench/gen_clean_corpus.py --messages {meta['messages']} --seed {meta['seed']}` "
             f"({meta['count']} messages, {meta['mb']:.1f} MB: 11 languages; text/plain, multipart/alternative and "
             f"HTML-only), compared line by line with its truth.")
    L.append("")
    L.append("| what | truth | result | target |")
    L.append("|---|---|---|---|")
    L.append(f"| quoted lines removed (attributions, header blocks, `>` lines, old messages) | {res['quoted_lines']:,} | "
             f"{fmt(res['quoted_removed'])} | ≥ {QUOTED_MIN} % |")
    L.append(f"| signature lines removed (after `-- `, mobile footers, disclaimers) | {res['signature_lines']:,} | "
             f"{fmt(res['signature_removed'])} | ≥ {SIGNATURE_MIN} % |")
    L.append(f"| undelimited contact blocks removed (name, title, phone; no `-- `) | {res['contact_lines']:,} | "
             f"{fmt(res['contact_removed'])} | (not in the acceptance) |")
    L.append(f"| the authors' own lines lost | {res['own_lines']:,} | {fmt(res['own_lost'])} "
             f"({fmt(res['own_lost_loose'])} apart from how planted values were replaced) | ≤ {OWN_LOST_MAX} % |")
    L.append(f"| look-alikes unchanged (dates, prices, order numbers, versions, ISBNs, …) | {res['look']['planted']:,} | "
             f"{fmt(res['look']['survival'])} | ≥ {LOOK_MIN} % |")
    if speed:
        L.append(speed_row(speed, meta["commit"]))
    elif old_speed_row:
        L.append(old_speed_row)
    L.append("")
    L.append("| kind | planted (own + signature) | recall | own lines exact | placeholders in bodies | precision "
             "| target |")
    L.append("|---|---|---|---|---|---|---|")
    for k, v in res["kinds"].items():
        L.append(f"| {k} | {v['planted']:,} ({v['own']:,} + {v['signature']:,}) | {fmt(v['recall'])} | "
                 f"{fmt(v['exact'])} | {v['found']:,} | {fmt(v['precision'])} | "
                 f"recall ≥ {RECALL_MIN[k]} %, precision ≥ {PRECISION_MIN} % |")
    h = res["header"]
    L.append(f"| email in From/To/Cc headers | {h['planted']:,} | {fmt(h['recall'])} | — | {h['found']:,} | "
             f"{fmt(h['precision'])} | ≥ {HEADER_MIN} % |")
    st = res["stability"]
    L.append("")
    L.append(f"Placeholders: {st.get('values', 0):,} values seen, {st.get('values with several placeholders', 0)} with "
             f"more than one placeholder, {st.get('placeholders for several values', 0)} placeholders standing for "
             f"more than one value. Forward headers kept: {fmt(res['neutral_kept'])} of {res['neutral_lines']:,}; "
             f"planted values inside quotes gone: {fmt(res['quoted_pii_gone'])}.")
    L.append("")
    L.append("<details><summary>By style</summary>")
    L.append("")
    L.append("| quoted lines, by attribution / format | lines | removed |")
    L.append("|---|---|---|")
    L += by_rows(R["quoted_by"])
    L.append("")
    L.append("| signature lines, by kind | lines | removed |")
    L.append("|---|---|---|")
    L += by_rows(R["signature_by"])
    L.append("")
    L.append("| own lines, by reply style / format | lines | lost |")
    L.append("|---|---|---|")
    L += by_rows(R["own_by"])
    L.append("")
    L.append("| planted shape | planted | recall |")
    L.append("|---|---|---|")
    for shape in sorted(R["shape_planted"]):
        n, hit = R["shape_planted"][shape], R["shape_hit"][shape]
        L.append(f"| {shape} | {n} | {fmt(pct(hit, n))} |")
    L.append("")
    L.append("| look-alike | unchanged | changed |")
    L.append("|---|---|---|")
    kinds = sorted({k.rsplit(' ', 1)[0] for k in R["look_kind"]})
    for k in kinds:
        L.append(f"| {k} | {R['look_kind'][k + ' present']} | {R['look_kind'][k + ' altered']} |")
    L.append("")
    L.append("</details>")
    return "\n".join(L)


def by_rows(counter):
    rows = []
    for key in sorted({k.rsplit(" ", 1)[0] for k in counter}):
        n, kept = counter[key + " lines"], counter[key + " kept"]
        rows.append(f"| {key} | {n:,} | {fmt(pct(n - kept, n))} |")
    return rows


def speed_row(speed, commit):
    return (f"| cleaning's cost: `import` of {speed['name']} ({speed['mb']:.0f} MB) to JSONL, best of {speed['runs']} | "
            f"off {speed['off']:.2f} s ({speed['mb'] / speed['off']:.1f} MB/s) | on {speed['on']:.2f} s "
            f"({speed['mb'] / speed['on']:.1f} MB/s): costs {speed['cost']:.1f} % of throughput ({commit}) | "
            f"≤ {COST_MAX} % |")


def print_examples(ex):
    for cat, items in ex.items():
        print(f"\n#### {cat} (first {len(items)})")
        for it in items:
            print("- " + " — ".join(repr(x) if isinstance(x, str) else str(x) for x in it))


# ------------------------------------------------------------------ speed --
def measure_speed(binary, runs):
    mbox = CACHE / "mail-200M.mbox"
    if not mbox.exists():
        log("generating mail-200M.mbox")
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen_corpus.py"), "mbox", "--size", "200M", "--out",
                        str(mbox), "--no-truth"], check=True, stdout=subprocess.DEVNULL)
    work = Path(tempfile.mkdtemp(prefix="clean-speed-", dir=CACHE))
    try:
        times = {"off": [], "on": []}
        for i in range(runs):
            for side in ("off", "on"):
                wall, _, _ = run_import(binary, mbox, work, clean=side == "on", out=Path("/dev/null"))
                log(f"  cleaning {side} run {i + 1}: {wall:.2f} s")
                times[side].append(wall)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    off, on = min(times["off"]), min(times["on"])
    return {"name": mbox.name, "mb": mbox.stat().st_size / 1e6, "runs": runs, "off": off, "on": on,
            "cost": (1 - off / on) * 100}


def write_doc(section):
    text = DOC.read_text()
    block = f"{BEGIN}\n\n{section}\n\n{END}"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + (
            "\n\n## Cleaning: recall and precision\n\n"
            "`--strip quotes,signatures` and `--redact email,phone,card,iban,ip,secret` measured on a generated mail "
            "corpus whose truth names every line (the author's own, quoted, signature) and every planted value "
            "(`bench/gen_clean_corpus.py`; `scripts/clean-eval.py --write` regenerates this section, `--speed` adds "
            "the cost on the 200 MB bench mbox).\n\n" + block + "\n")
    DOC.write_text(text)


def old_speed_row():
    text = DOC.read_text() if DOC.exists() else ""
    if BEGIN in text and END in text:
        section = text.split(BEGIN, 1)[1].split(END, 1)[0]
        for line in section.split("\n"):
            if line.startswith("| cleaning's cost"):
                return line
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--messages", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--bin", type=Path, default=BIN)
    ap.add_argument("--no-build", action="store_true")
    ap.add_argument("--check", action="store_true", help="exit 1 when a threshold fails")
    ap.add_argument("--write", action="store_true", help="replace the clean section of BENCHMARKS.md")
    ap.add_argument("--speed", action="store_true", help="also time mail-200M.mbox with cleaning off vs on")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--baseline", action="store_true", help="import without cleaning: the truth must match the text")
    ap.add_argument("--jsonl", type=Path, help="measure this JSONL output instead of running the import")
    ap.add_argument("--examples", type=int, default=5, help="mismatch examples per category (0: none)")
    ap.add_argument("--placeholder", default=gen.PLACEHOLDER, help="regex of a placeholder; {KIND} = EMAIL, …")
    ap.add_argument("--json-out", type=Path, help="write the figures as JSON")
    a = ap.parse_args()
    binary = a.bin.resolve() if a.bin != BIN else BIN
    mbox, truth_path = corpus(a.messages, a.seed)
    truth = json.loads(truth_path.read_text())
    work = Path(tempfile.mkdtemp(prefix="clean-eval-", dir=CACHE))
    try:
        if a.jsonl:
            out = a.jsonl
        else:
            ensure_binary(binary, a.no_build)
            if not a.baseline:
                check_flags(binary)
            log(f"importing {mbox.name} {'without' if a.baseline else 'with'} cleaning")
            _, out, _ = run_import(binary, mbox, work, clean=not a.baseline)
        docs = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
        R, ex = measure(docs, truth, Patterns(a.placeholder, a.baseline), a.examples)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    res = results(R)
    meta = {"commit": commit_name(), "date": date.today().isoformat(), "messages": a.messages, "seed": a.seed,
            "count": truth["count"], "mb": mbox.stat().st_size / 1e6}
    if R["docs"]["mapped"] != R["docs"]["messages"]:
        log(f"only {R['docs']['mapped']} of {R['docs']['messages']} messages found in the output")
    speed = measure_speed(binary, a.runs) if a.speed else None
    section = markdown(res, R, meta, speed, None if speed else old_speed_row())
    if not a.baseline:
        print(section)
    if a.examples:
        print_examples({k: v for k, v in ex.items() if not a.baseline or k.startswith(("own lost", "unmapped"))}
                       if a.baseline else ex)
    if a.json_out:
        a.json_out.write_text(json.dumps({"meta": meta, "results": res, "speed": speed}, indent=1))
    if a.baseline:
        # nothing removed, nothing redacted: every truth line must be there as written
        lost = {r: R[r]["lines"] - R[r]["kept"] for r in ROLES}
        for r in ROLES:
            print(f"baseline: {r} lines {R[r]['lines']:,}, found as written {R[r]['kept']:,}")
        print(f"\nbaseline: truth lines not found as written: {lost}")
        return 1 if any(lost.values()) or R["docs"]["mapped"] != R["docs"]["messages"] else 0
    if a.write:
        write_doc(section)
        log(f"wrote {DOC.name}")
    bad = failures(res, speed)
    if R["docs"]["mapped"] != R["docs"]["messages"]:
        bad.insert(0, f"only {R['docs']['mapped']} of {R['docs']['messages']} messages found in the output")
    if bad:
        print("\nFAILS: " + "; ".join(bad))
    if a.check and bad:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
