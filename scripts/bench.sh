#!/usr/bin/env bash
# Set up (with the benchmark's peers) and run the benchmark: one table of
# figures, ours against peers measured in the same run (bench/run.py).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m pip install --quiet -e '.[bench]'
exec .venv/bin/python -m bench.run "$@"
