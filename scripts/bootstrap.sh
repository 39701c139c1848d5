#!/usr/bin/env bash
# Installs the C libraries Backfill links (libarchive, libxml2, SQLite, uchardet) when they are missing, Python 3 with
# venv/ensurepip for the SDK conformance suite (scripts/sdk-conformance.sh), and Chromium for the browser tests.
# Debian/Ubuntu; runs apt-get as root or through sudo. Safe to run again.
set -euo pipefail
need=()
for pc in libarchive:libarchive-dev libxml-2.0:libxml2-dev sqlite3:libsqlite3-dev uchardet:libuchardet-dev; do
    if ! pkg-config --exists "${pc%%:*}" 2>/dev/null; then need+=("${pc##*:}"); fi
done
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
# /usr/bin/time -v measures the children of the hostile-input tests (peak RSS).
[ -x /usr/bin/time ] || need+=(time)
# readelf: fuzz/build.sh checks that the fuzz binary carries coverage counters.
command -v readelf >/dev/null 2>&1 || need+=(binutils)
# Headless Chromium opens the HTML reports in the browser tests (scripts/browser-tests.sh); a font draws their text.
command -v chromium >/dev/null 2>&1 || need+=(chromium fonts-dejavu-core)
if ! command -v python3 >/dev/null 2>&1 || ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    need+=(python3 python3-venv)
fi
if [ ${#need[@]} -gt 0 ]; then
    echo "bootstrap: installing ${need[*]}" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq
    $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" pkg-config
fi
command -v swift >/dev/null 2>&1 || { echo "bootstrap: swift is not on PATH (Swift 6.1+ is needed)" >&2; exit 1; }
