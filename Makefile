# The README's two commands: `make demo` (import samples/ into the embedded sandbox) and `make test`.
.PHONY: deps demo test release-smoke sdk-conformance browser-tests libarchive-corpus fuzz-smoke build release format

deps:
	@scripts/bootstrap.sh

demo: deps
	swift build --product backfill
	.build/debug/backfill import samples

test: deps
	python3 scripts/house-check.py
	swift test
	scripts/release-smoke.sh
	python3 scripts/clean-eval.py --no-build --check
	scripts/sdk-conformance.sh
	scripts/browser-tests.sh
	scripts/libarchive-corpus.sh
	fuzz/smoke.sh

# Every fuzz target briefly, after a sanitizer build in .build-fuzz (fuzz/README.md); fails on any finding.
fuzz-smoke: deps
	fuzz/smoke.sh

# The optimized binary on the samples (scripts/release-smoke.sh): the suite itself runs a debug build.
release-smoke: deps
	scripts/release-smoke.sh

# --strip and --redact on a generated corpus with truth; fails when an issue-20 threshold does (BENCHMARKS.md).
clean-eval: deps
	python3 scripts/clean-eval.py --no-build --check

# The vendors' official Python SDKs against the built sandbox (Tests/sdk-conformance/README.md).
sdk-conformance: deps
	scripts/sdk-conformance.sh

# The HTML reports in headless Chromium (Tests/browser/README.md).
browser-tests: deps
	scripts/browser-tests.sh

# libarchive's own test archives and a gzip quine through `backfill plan` (scripts/libarchive-corpus.sh).
libarchive-corpus: deps
	scripts/libarchive-corpus.sh

build: deps
	swift build

release: deps
	swift build -c release --product backfill

format:
	swift format --in-place --recursive Sources adapters fuzz/Sources Tests Package.swift
