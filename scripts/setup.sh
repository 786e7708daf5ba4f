#!/usr/bin/env bash
# Set up everything the atlas needs on a fresh Debian machine with Python 3.11+:
# a virtual environment with the package (and, with --test, the test tools),
# the query page's SPARQL editor from the npm registry (package-lock.json),
# plus Debian's chromium and virtuoso-opensource for the tests. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
    "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
if [ "${1:-}" = "--test" ]; then
    .venv/bin/python -m pip install --quiet -e '.[test]'
    # Debian packages for the tests: chromium (browser tests) and Virtuoso 7
    # (a second SPARQL store for the remote-store tests).
    missing=""
    command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
    command -v virtuoso-t >/dev/null 2>&1 || missing="$missing virtuoso-opensource"
    if [ -n "$missing" ]; then
        echo "Installing Debian's$missing for the tests..."
        SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
        $SUDO apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing >/dev/null
        case "$missing" in *virtuoso*)
            # The package starts a system instance (ports 1111, 8890) where it
            # can; the tests run their own, so stop and disable that one.
            if [ -d /run/systemd/system ]; then
                $SUDO systemctl disable --now virtuoso-opensource-7 >/dev/null 2>&1 || true
            elif [ -x /etc/init.d/virtuoso-opensource-7 ]; then
                $SUDO /etc/init.d/virtuoso-opensource-7 stop >/dev/null 2>&1 || true
            fi
        esac
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
