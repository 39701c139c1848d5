#!/usr/bin/env bash
# The vendors' official Python SDKs (Tests/sdk-conformance/requirements.txt) against the built sandbox:
# creates or reuses the venv .venv-sdk/, builds `backfill`, runs pytest. Exit code is pytest's.
set -euo pipefail
cd "$(dirname "$0")/.."
venv=.venv-sdk
requirements=Tests/sdk-conformance/requirements.txt
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
# Reinstall only when the pins changed since the last install.
stamp="$venv/.requirements"
if ! cmp -s "$requirements" "$stamp"; then
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
fi
# Always build: a stale binary would test yesterday's sandbox (a no-op when it is current).
swift build --product backfill
exec "$venv/bin/python" -m pytest -q -p no:cacheprovider Tests/sdk-conformance "$@"
