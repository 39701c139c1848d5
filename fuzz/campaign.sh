#!/usr/bin/env bash
# fuzz/campaign.sh SECONDS-PER-TARGET [TARGET...]
#
# The long runs behind the table in fuzz/README.md: every target (or the ones named) for SECONDS, two at a time (one
# per core, FUZZ_JOBS), at low priority (nice 10) so other builds on the machine still progress. Each run appends to
# fuzz/work/runs.tsv; fuzz/report.sh sums them. Runs that find something stop early and keep the input in
# fuzz/work/findings/TARGET/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:?usage: fuzz/campaign.sh SECONDS-PER-TARGET [TARGET...]}
shift
# A copy of the binary, so that rebuilding while the campaign runs changes nothing under it.
built=$(fuzz/build.sh)
commit=$(git rev-parse --short HEAD)$(git status --porcelain -- Sources adapters fuzz/Sources Package.swift | grep -q . && echo "+dirty" || true)
mkdir -p fuzz/work/bin
bin=$PWD/fuzz/work/bin/backfill-fuzz-$commit
cp "$built" "$bin"
export FUZZ_COMMIT=$commit
if [ $# -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(FUZZ_TARGET=list "$bin" | awk '{ print $1 }'); fi
printf '%s\n' "${targets[@]}" | FUZZ_BIN=$bin xargs -P "${FUZZ_JOBS:-2}" -I{} nice -n 10 fuzz/run.sh {} "$seconds" || true
fuzz/report.sh
