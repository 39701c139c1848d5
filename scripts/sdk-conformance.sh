#!/usr/bin/env bash
# The vendors' official Python SDKs (Tests/sdk-conformance/requirements.txt) against the built sandbox:
# creates or reuses the venv .venv-sdk/, builds `backfill`, runs pytest. Exit code is pytest's.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python-venv.sh
python_venv .venv-sdk Tests/sdk-conformance/requirements.txt
# Always build: a stale binary would test yesterday's sandbox (a no-op when it is current).
swift build --product backfill
exec .venv-sdk/bin/python -m pytest -q -p no:cacheprovider Tests/sdk-conformance "$@"
