#!/usr/bin/env bash
# fuzz/run.sh TARGET SECONDS [libFuzzer flags...]
#
# Builds the sanitizer binary (fuzz/build.sh; skipped with FUZZ_BIN=path), refreshes the target's seeds from samples/
# (fuzz/seed.py), and fuzzes TARGET for SECONDS with its dictionary. The growing corpus is kept in
# fuzz/work/corpus/TARGET, crashes, timeouts and OOMs in fuzz/work/findings/TARGET/ (both ignored by git), the log in
# fuzz/work/logs/, and one line per run in fuzz/work/runs.tsv (target, seconds, executions, corpus size, findings,
# commit, exit status) — fuzz/report.sh sums it. A hang (an input slower than -timeout) and memory past
# -rss_limit_mb are findings, like crashes. Exit status: 0 no finding, 1 a finding.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: fuzz/run.sh TARGET SECONDS [libFuzzer flags...]}
seconds=${2:?usage: fuzz/run.sh TARGET SECONDS [libFuzzer flags...]}
shift 2
bin=${FUZZ_BIN:-$(fuzz/build.sh)}
work=fuzz/work
mkdir -p "$work/corpus/$target" "$work/findings/$target" "$work/logs"
python3 fuzz/seed.py "$target"
dict=$(FUZZ_TARGET=list "$bin" | awk -v t="$target" '$1 == t { print $2 }')
[ -n "$dict" ] || { echo "fuzz/run.sh: unknown target $target (FUZZ_TARGET=list $bin)" >&2; exit 2; }
flags=(
    -max_total_time="$seconds" -timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb="${FUZZ_RSS_MB:-2048}"
    -malloc_limit_mb="${FUZZ_RSS_MB:-2048}" -max_len="${FUZZ_MAX_LEN:-65536}" -print_final_stats=1
    -artifact_prefix="$work/findings/$target/"
)
if [ "$dict" != "-" ]; then flags+=(-dict="fuzz/dict/$dict.dict"); fi
log="$work/logs/$target-$(date -u +%Y%m%dT%H%M%S).log"
start=$(date +%s)
set +e
FUZZ_TARGET=$target ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0} \
    "$bin" "${flags[@]}" "$@" "$work/corpus/$target" "$work/seeds/$target" >"$log" 2>&1
status=$?
set -e
elapsed=$(($(date +%s) - start))
# A binary without coverage instrumentation fuzzes blind: libFuzzer's first status line then has no `cov:` (seen on
# 2026-11-29 after an incremental sanitizer rebuild of .build-fuzz: every target stuck at one input). Not a finding in
# the parsers, but the run proves nothing: fail it (exit 3) so the smoke and campaigns say so.
if [ "$status" -eq 0 ] && ! grep -q 'INITED cov:' "$log"; then
    echo "fuzz/run.sh: $target ran without coverage (no 'cov:' in $log); rebuild clean: rm -rf .build-fuzz" >&2
    status=3
fi
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
corpus=$(find "$work/corpus/$target" -type f | wc -l)
findings=$(grep -cE '^(==[0-9]+==ERROR|SUMMARY: libFuzzer|ALARM: working on the last Unit|fuzz invariant broken)' "$log" || true)
commit=${FUZZ_COMMIT:-$(git rev-parse --short HEAD)$(git status --porcelain -- Sources adapters fuzz/Sources \
    Package.swift | grep -q . && echo "+dirty" || true)}
printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$target" "$elapsed" "${execs:-0}" "$corpus" "$findings" "$commit" "$status" \
    >>"$work/runs.tsv"
echo "$target: ${elapsed}s, ${execs:-0} executions, corpus $corpus, exit $status (log $log)"
if [ "$status" -eq 3 ]; then exit 3; fi
if [ "$status" -ne 0 ]; then
    grep -E '^(==[0-9]+==ERROR|SUMMARY|artifact_prefix|Test unit written|fuzz invariant)' "$log" | head -5 || true
    exit 1
fi
