#!/usr/bin/env bash
# fuzz/report.sh [COMMIT...]
# Sums fuzz/work/runs.tsv per target: runs, seconds, executions, the last corpus size, findings, commits fuzzed.
# With commits named, only the runs of those binaries (e.g. the ones built with address sanitizer in the Swift code).
set -euo pipefail
cd "$(dirname "$0")/.."
awk -F'\t' -v only="$*" '
    BEGIN { n = split(only, list, " "); for (i = 1; i <= n; i++) keep[list[i]] = 1 }
    n > 0 && !($6 in keep) { next }
    { t=$1; runs[t]++; secs[t]+=$2; execs[t]+=$3; corpus[t]=$4; finds[t]+=$5
      if (index(commits[t], $6) == 0) commits[t] = commits[t] (commits[t] == "" ? "" : " ") $6 }
    END {
        for (t in runs) printf "| %s | %d | %d | %.1f | %d | %d | %d | %s |\n", t, runs[t], secs[t], secs[t]/60, execs[t], corpus[t], finds[t], commits[t]
    }' fuzz/work/runs.tsv | sort >"${TMPDIR:-/tmp}/fuzz-report.$$"
echo "| target | runs | seconds | minutes | executions | corpus | findings | commits |"
echo "|---|---|---|---|---|---|---|---|"
cat "${TMPDIR:-/tmp}/fuzz-report.$$"
rm -f "${TMPDIR:-/tmp}/fuzz-report.$$"
