#!/usr/bin/env bash
# Sourced by the Python suites' scripts: `python_venv VENV REQUIREMENTS` creates or reuses the venv and installs the
# pinned requirements, again only when the pins changed since the last install.
python_venv() {
    local venv=$1 requirements=$2
    if [ ! -x "$venv/bin/python" ]; then
        python3 -m venv "$venv"
    fi
    local stamp="$venv/.requirements"
    if ! cmp -s "$requirements" "$stamp"; then
        "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
        cp "$requirements" "$stamp"
    fi
}
