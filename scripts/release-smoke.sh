#!/usr/bin/env bash
# The optimized binary, as users build it (README: `make release`), run on the samples: the suite runs a debug
# build, and an optimizer-only crash once shipped unseen (a task-local of function type: every release run died of
# SIGSEGV while every test passed). Builds `swift build -c release --product backfill`, then
#   1. `plan samples --json`                        exit 0 (or 1: samples hold deliberate rejections), a report
#   2. `import samples` into the embedded sandbox    the same exit code as the plan, documents accepted
#   3. `import samples --target jsonl --out -`       one request line per accepted document
# Broken on purpose: with the closure task-local back in StopCheck, step 1 exited 139 and this script failed.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product backfill
bin=.build/release/backfill
work=$(mktemp -d /tmp/backfill-release-smoke.XXXXXX)
trap 'rm -rf "$work"' EXIT
export BACKFILL_HOME="$work/home"
fail() { echo "release-smoke: $*" >&2; exit 1; }

set +e
"$bin" plan samples --json >"$work/plan.json" 2>"$work/plan.err"; plan=$?
"$bin" import samples --progress none --json >"$work/import.json" 2>"$work/import.err"; import=$?
"$bin" import samples --target jsonl --out - --job smoke-jsonl --progress none >"$work/requests.jsonl" 2>"$work/jsonl.err"
jsonl=$?
set -e
[ "$plan" -le 1 ] || { tail -20 "$work/plan.err" >&2; fail "plan exited $plan"; }
[ "$import" -eq "$plan" ] || { tail -20 "$work/import.err" >&2; fail "import exited $import, plan $plan"; }
[ "$jsonl" -eq "$plan" ] || { tail -20 "$work/jsonl.err" >&2; fail "import --target jsonl exited $jsonl"; }
python3 - "$work" <<'PY'
import json, sys
work = sys.argv[1]
plan = json.load(open(f"{work}/plan.json"))
imported = json.load(open(f"{work}/import.json"))
lines = [json.loads(line) for line in open(f"{work}/requests.jsonl") if line.strip()]
accepted = imported["documents"]["accepted"]
assert accepted > 0, imported["documents"]
assert len(lines) == accepted, (len(lines), accepted)
assert len({line["document_id"] for line in lines}) == accepted, "duplicate ids"
print(f"release-smoke: plan, import ({accepted} accepted) and {len(lines)} request lines from the release build")
PY
