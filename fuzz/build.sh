#!/usr/bin/env bash
# Builds the fuzzers once: release, libFuzzer + address sanitizer, in its own scratch path (.build-fuzz), so the
# normal .build is untouched. Prints the binary's path.
#
# Why `-Xswiftc -sanitize=fuzzer,address` beside SwiftPM's own flags: SwiftPM hands swiftc one `-sanitize=` flag per
# sanitizer, in the order of a Set (it changes from run to run), and swiftc keeps only the last `-sanitize=` flag. When
# address came last, every Swift module was built without coverage counters and libFuzzer fuzzed blind (the CI of
# 2026-11-29: "no interesting inputs were found"; `swiftc -sanitize=fuzzer -sanitize=address` emits no __sancov
# sections, `-sanitize=fuzzer,address` does). Our flag comes after SwiftPM's, so it is the one kept. The check at the
# end refuses a binary whose harness has no counters.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product backfill-fuzz --sanitize=fuzzer --sanitize=address --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING >&2
objects=(.build-fuzz/release/backfill_fuzz.build/FuzzTargets.swift.o
    .build-fuzz/release/BackfillChatAdapter.build/SlackAdapter.swift.o)
for object in "${objects[@]}"; do
    # (grep -c reads to the end: with `grep -q`, readelf could die of SIGPIPE and pipefail would fail the check.)
    if [ "$(readelf -S -W "$object" | grep -c __sancov_cntrs)" -eq 0 ]; then
        echo "fuzz/build.sh: $object has no coverage counters (built without -sanitize=fuzzer); rm -rf .build-fuzz" >&2
        exit 1
    fi
done
echo "$PWD/.build-fuzz/release/backfill-fuzz"
