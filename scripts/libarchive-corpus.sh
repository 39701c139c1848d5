#!/usr/bin/env bash
# libarchive's own test archives through Backfill: every reference file of libarchive's test suites (the `.uu`
# files of the Debian source package of the installed libarchive, uudecoded) plus a generated gzip quine
# (Tests/hostile/gzip_quine.py) is run through `backfill plan FILE`. Each must end within 30 s with exit 0 or 1
# and stay under 500 MB RSS. Prints one line per failure and a summary; exit 1 when any failed.
# Needs deb-src access to Debian's archive (added for the run if missing), sharutils (uudecode) and time.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=${LIBARCHIVE_CORPUS_DIR:-$root/.build/libarchive-corpus}
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
need=()
command -v uudecode >/dev/null 2>&1 || need+=(sharutils)
[ -x /usr/bin/time ] || need+=(time)
command -v dpkg-source >/dev/null 2>&1 || need+=(dpkg-dev)
if [ ${#need[@]} -gt 0 ]; then
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
version=$(dpkg-query -W -f '${Version}' libarchive-dev 2>/dev/null || echo unknown)
mkdir -p "$work"
if [ ! -f "$work/.source-$version" ]; then
    rm -rf "$work/src" && mkdir -p "$work/src"
    if ! grep -rqs '^Types:.*deb-src' /etc/apt/sources.list.d/ && ! grep -qs '^deb-src' /etc/apt/sources.list; then
        # The same mirror and suite as the binary packages, for source packages.
        src=$(grep -rh '^URIs:' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1 | awk '{print $2}')
        suite=$(. /etc/os-release && echo "$VERSION_CODENAME")
        printf 'Types: deb-src\nURIs: %s\nSuites: %s\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
            "${src:-http://deb.debian.org/debian}" "$suite" | $SUDO tee /etc/apt/sources.list.d/backfill-src.sources >/dev/null
        $SUDO apt-get update -qq
    fi
    (cd "$work/src" && apt-get source -qq --download-only libarchive >/dev/null 2>&1 && tar xf libarchive_*.orig.tar.?z)
    rm -rf "$work/files" && mkdir -p "$work/files"
    for uu in "$work"/src/libarchive-*/*/test/*.uu; do
        suite_dir="$work/files/$(basename "$(dirname "$(dirname "$uu")")")"
        mkdir -p "$suite_dir"
        out="$suite_dir/$(basename "$uu" .uu)"
        # A few files lack uuencode's closing line: uudecode says "Short file" but writes what it decoded; those are
        # run like the others. Only a file it could not decode at all is left out, and named.
        if ! uudecode -o "$out" "$uu" 2>/dev/null; then
            if [ -s "$out" ]; then echo "decoded with a warning (no closing line): $uu" >&2
            else rm -f "$out"; echo "not decodable, left out: $uu" >&2; fi
        fi
    done
    touch "$work/.source-$version"
fi
python3 Tests/hostile/gzip_quine.py "$work/files/gzip-quine.gz"
swift build --product backfill >/dev/null
bin=$(swift build --show-bin-path)/backfill
export HOME="$work/home" && mkdir -p "$HOME"
total=0 failed=0 slowest=0 slowest_file="" biggest=0 biggest_file=""
while IFS= read -r -d '' file; do
    total=$((total + 1))
    start=$(date +%s%N)
    set +e
    /usr/bin/time -f '%M' -o "$work/rss" timeout -s KILL 30 "$bin" plan "$file" --json >/dev/null 2>"$work/stderr"
    rc=$?
    set -e
    ms=$(( ($(date +%s%N) - start) / 1000000 ))
    rss=$(tail -1 "$work/rss" | tr -dc 0-9); rss=${rss:-0}
    [ "$ms" -gt "$slowest" ] && slowest=$ms slowest_file=$file
    [ "$rss" -gt "$biggest" ] && biggest=$rss biggest_file=$file
    if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ]; then
        failed=$((failed + 1)); echo "FAIL exit $rc after ${ms} ms: $file ($(head -c 300 "$work/stderr"))"
    elif [ "$rss" -gt 512000 ]; then
        failed=$((failed + 1)); echo "FAIL ${rss} KiB RSS: $file"
    fi
done < <(find "$work/files" -type f -print0 | sort -z)
echo "libarchive corpus (libarchive-dev $version): $total files, $failed failed;" \
    "slowest ${slowest} ms ($(basename "$slowest_file")), largest RSS $((biggest / 1024)) MiB ($(basename "$biggest_file"))"
[ "$failed" -eq 0 ]
