#!/usr/bin/env bash
# Set up, build the graph from ontology/ and data/, and serve it on the
# embedded store at http://127.0.0.1:5000/ (override with --host/--port).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/kg build
exec .venv/bin/kg serve "$@"
