#!/usr/bin/env bash
# CI smoke: builds the sanitizer binary once, then fuzzes every target briefly (FUZZ_SMOKE_SECONDS, default 10),
# two at a time, from its seeds; fails on any finding. The findings and logs stay in fuzz/work/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${FUZZ_SMOKE_SECONDS:-10}
jobs=${FUZZ_JOBS:-2}
start=$(date +%s)
bin=$(fuzz/build.sh)
built=$(date +%s)
echo "fuzz-smoke: sanitizer build $((built - start)) s"
targets=$(FUZZ_TARGET=list "$bin" | awk '{ print $1 }')
failed=0
# Run every target even after a failure; report them all.
printf '%s\n' $targets | FUZZ_BIN=$bin xargs -P "$jobs" -I{} fuzz/run.sh {} "$seconds" || failed=1
echo "fuzz-smoke: $(printf '%s\n' $targets | wc -l) targets, $(($(date +%s) - start)) s in total"
exit $failed
