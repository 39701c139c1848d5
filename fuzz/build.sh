#!/usr/bin/env bash
# Builds the fuzzers once: release, libFuzzer + address sanitizer, in its own scratch path (.build-fuzz), so the
# normal .build is untouched. Prints the binary's path.
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product backfill-fuzz --sanitize=fuzzer --sanitize=address --scratch-path .build-fuzz \
    -Xswiftc -DFUZZING >&2
echo "$PWD/.build-fuzz/release/backfill-fuzz"
