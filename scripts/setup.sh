#!/usr/bin/env bash
# Set up everything the atlas needs on a fresh Debian machine with Python 3.11+:
# a virtual environment with the package (and, with --test, the test tools),
# the query page's SPARQL editor from the npm registry (package-lock.json),
# plus, for the tests, the Debian packages listed in DEBIAN_TEST_PACKAGES.
# Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need, and nothing they would recommend:
# chromium for the browser tests, virtuoso-opensource-7-bin (virtuoso-t and
# isql-vt, no system service) as a second SPARQL store for the remote-store tests.
DEBIAN_TEST_PACKAGES="chromium virtuoso-opensource-7-bin"

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
# setuptools says "Editable installation ... be careful with folders" on every
# editable install of a flat layout; it is information, not a fault of ours.
export PYTHONWARNINGS="ignore:Editable installation"
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "--test" ]; then
    .venv/bin/python -m pip install --quiet -e '.[test]'
    missing=""
    for pkg in $DEBIAN_TEST_PACKAGES; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
    done
    if [ -n "$missing" ]; then
        echo "Installing Debian's$missing for the tests..."
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
    fi
else
    .venv/bin/python -m pip install --quiet -e .
fi

# The query page's SPARQL editor (YASQE, with CodeMirror), installed exactly as
# package-lock.json pins it and copied into web/static/vendor, where the app
# serves it from; nothing is fetched by browsers from elsewhere. Without it the
# query page falls back to a plain text area.
if ! command -v npm >/dev/null 2>&1; then
    echo "Installing Debian's nodejs and npm for the query editor..."
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null || true
fi
if command -v npm >/dev/null 2>&1 && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error >/dev/null; then
    mkdir -p web/static/vendor
    cp node_modules/@zazuko/yasqe/build/yasqe.min.js node_modules/@zazuko/yasqe/build/yasqe.min.css \
        web/static/vendor/
else
    echo "warning: npm is unavailable or failed: the query page will use a plain text area" >&2
fi
