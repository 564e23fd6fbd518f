#!/usr/bin/env bash
# One command for a fresh machine: install what is missing, then run the whole stack locally
# (moto's server + local_ws + the Chalice app + one runner). Ctrl-C stops everything.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python -m local_stack "$@"
