#!/usr/bin/env bash
# One command for a fresh machine: install what is missing, lint (ruff, mypy --strict), then run
# the whole test suite (unit, functional with moto and the WebSocket emulator, end to end with
# the local stack and headless Chromium). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/python -m ruff check .
.venv/bin/python -m mypy  # strict, on every package (pyproject.toml [tool.mypy])
mkdir -p test-artifacts
exec .venv/bin/python -m pytest -q "$@"
