#!/usr/bin/env bash
# The HTML reports (`--html`) in headless Chromium (Tests/browser/): creates or reuses the venv .venv-browser/,
# builds `backfill`, runs pytest. Needs Debian's `chromium` (scripts/bootstrap.sh installs it). Exit code is pytest's.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/python-venv.sh
python_venv .venv-browser Tests/browser/requirements.txt
swift build --product backfill
# The million-document test runs the optimized binary (a no-op when current; release-smoke built it).
swift build -c release --product backfill
exec .venv-browser/bin/python -m pytest -q -p no:cacheprovider Tests/browser "$@"
