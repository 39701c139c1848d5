#!/usr/bin/env bash
# Upload benchmark (issue 3): documents/s end to end and peak RSS, for
#   1. requests JSONL → backfill import → the sandbox on loopback (no limits, no faults, in-memory store);
#   2. requests JSONL → backfill import --target jsonl (reading, validation, batching and the ledger's outcome
#      writes, without HTTP) — the ledger's sustained outcome writes/s.
#
# Usage: scripts/bench-upload.sh [N]          N documents (default 200000)
# Environment:
#   BACKFILL_BIN=PATH     binary to measure (default: .build/release/backfill, built first)
#   SKIP_BUILD=1          do not run `swift build -c release --product backfill`
#   BENCH_DIR=DIR         working folder (default: a new mktemp folder, kept for inspection)
#   BENCH_IMPORT_ARGS=".." extra import flags for both runs (e.g. "--concurrency 8")
# Prints a Markdown table to paste into BENCHMARKS.md; raw outputs stay in BENCH_DIR.
set -euo pipefail
cd "$(dirname "$0")/.."

N="${1:-${N:-200000}}"
BIN="${BACKFILL_BIN:-.build/release/backfill}"
WORK="${BENCH_DIR:-$(mktemp -d /tmp/backfill-bench.XXXXXX)}"
EXTRA=(${BENCH_IMPORT_ARGS:-})
mkdir -p "$WORK"

if [[ -z "${BACKFILL_BIN:-}" && "${SKIP_BUILD:-0}" != 1 ]]; then
    echo "building: swift build -c release --product backfill" >&2
    swift build -c release --product backfill >&2
fi
[[ -x "$BIN" ]] || { echo "no binary at $BIN" >&2; exit 1; }
[[ -x /usr/bin/time ]] || { echo "/usr/bin/time (GNU time) is needed: apt-get install time" >&2; exit 1; }

# 1. N ready requests, one per line (~420 bytes each), deterministic.
INPUT="$WORK/requests-$N.jsonl"
if [[ ! -s "$INPUT" ]]; then
    echo "generating $N requests → $INPUT" >&2
    python3 - "$N" "$INPUT" <<'PY'
import json, random, sys
n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(1)
words = ("meeting notes decision follow-up budget roadmap release incident customer review design "
         "migration schedule owner risk metric launch draft contract invoice summary").split()
with open(out, "w") as f:
    for i in range(1, n + 1):
        text = f"Document {i}: " + " ".join(rng.choice(words) for _ in range(50)) + "."
        f.write(json.dumps({
            "document": text,
            "document_type": "document",
            "document_id": f"bench-{i:08d}",
            "document_created_at": f"20{15 + i % 10}-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00Z",
            "metadata": {"source": "bench", "n": i},
        }, separators=(",", ":")) + "\n")
PY
fi
BYTES=$(stat -c %s "$INPUT")

# 2. The sandbox on a free port: its first stdout line is "sandbox listening on http://127.0.0.1:PORT …".
"$BIN" sandbox --port 0 >"$WORK/sandbox.out" 2>"$WORK/sandbox.err" &
SANDBOX_PID=$!
trap 'kill "$SANDBOX_PID" 2>/dev/null || true' EXIT
BASE_URL=""
for _ in $(seq 1 300); do
    BASE_URL=$(grep -o 'http://127\.0\.0\.1:[0-9]*' "$WORK/sandbox.out" 2>/dev/null | head -1 || true)
    [[ -n "$BASE_URL" ]] && break
    kill -0 "$SANDBOX_PID" 2>/dev/null || { cat "$WORK/sandbox.err" >&2; exit 1; }
    sleep 0.1
done
[[ -n "$BASE_URL" ]] || { echo "the sandbox did not print its address" >&2; exit 1; }
echo "sandbox at $BASE_URL (pid $SANDBOX_PID)" >&2

# One timed import: REPORT.json (stdout), REPORT.time (GNU time -v, with the binary's stderr before it).
timed_import() {
    local name=$1; shift
    rm -f "$WORK/$name.sqlite" "$WORK/$name.sqlite-wal" "$WORK/$name.sqlite-shm" "$WORK/$name.dead-letter.jsonl"
    echo "running: $name" >&2
    set +e
    SYNAP_API_KEY=synap_bench_key BACKFILL_HOME="$WORK/home" /usr/bin/time -v -o "$WORK/$name.time" \
        "$BIN" import "$INPUT" --job "bench-$name" --ledger "$WORK/$name.sqlite" --json "$@" ${EXTRA[@]+"${EXTRA[@]}"} \
        >"$WORK/$name.json" 2>"$WORK/$name.stderr"
    local status=$?
    set -e
    echo "$status" >"$WORK/$name.status"
}

timed_import synap --target synap --base-url "$BASE_URL"
timed_import jsonl --target jsonl --out "$WORK/jsonl-out.jsonl"

# 3. The figures.
python3 - "$WORK" "$N" "$BYTES" "$BASE_URL" <<'PY'
import json, os, re, subprocess, sys, urllib.request
work, n, size, base = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def report(name):
    text = open(os.path.join(work, name + ".json")).read()
    for candidate in [text] + text.splitlines()[::-1]:
        try:
            value = json.loads(candidate)
            if isinstance(value, dict):
                return value
        except ValueError:
            pass
    return {}

def timing(name):
    text = open(os.path.join(work, name + ".time")).read()
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", text)
    cpu_user = re.search(r"User time \(seconds\): ([\d.]+)", text)
    cpu_sys = re.search(r"System time \(seconds\): ([\d.]+)", text)
    seconds = 0.0
    if wall:
        for part in wall.group(1).split(":"):
            seconds = seconds * 60 + float(part)
    return {
        "rss_mb": int(rss.group(1)) / 1024 if rss else float("nan"),
        "wall": seconds,
        "cpu": (float(cpu_user.group(1)) if cpu_user else 0) + (float(cpu_sys.group(1)) if cpu_sys else 0),
    }

try:
    stats = json.load(urllib.request.urlopen(base + "/_sandbox/stats", timeout=10))
except Exception as error:  # noqa: BLE001 — informational only
    stats = {"error": str(error)}

rows = []
for name, label in [("synap", "JSONL → sandbox (HTTP, loopback)"), ("jsonl", "JSONL → --target jsonl (ledger, no HTTP)")]:
    r, t = report(name), timing(name)
    status = open(os.path.join(work, name + ".status")).read().strip()
    docs = r.get("documents", {})
    done = (docs.get("accepted") or 0) + (docs.get("duplicate") or 0)
    wall = r.get("wall_seconds") or t["wall"]
    reqs = r.get("requests", {})
    rows.append((label, status, done, wall, done / wall if wall else 0, t["wall"], t["cpu"], t["rss_mb"],
                 reqs.get("requests", "?")))

try:
    version = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
except Exception:  # noqa: BLE001
    version = "?"
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
print(f"\n{n} documents, {size / 1e6:.1f} MB of requests JSONL; {os.cpu_count()} cores ({cpu}); {version}\n")
print("| run | exit | documents done | report wall s | documents/s | process wall s | CPU s | peak RSS MB | HTTP requests |")
print("|---|---|---|---|---|---|---|---|---|")
for label, status, done, wall, rate, pwall, cpu_s, rss, reqs in rows:
    print(f"| {label} | {status} | {done} | {wall:.2f} | {rate:,.0f} | {pwall:.2f} | {cpu_s:.2f} | {rss:.0f} | {reqs} |")
print(f"\nsandbox stats after both runs: {json.dumps(stats)}")
print(f"raw outputs: {work}")
PY
