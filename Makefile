# The two commands a fresh machine needs: `make dev` (the whole stack locally) and `make test`.
PY := .venv/bin/python
STAGE ?= dev

.PHONY: setup dev test lint bench deploy destroy

setup:
	bash scripts/setup.sh

dev:
	bash scripts/dev.sh

test:
	bash scripts/test.sh

lint: setup
	$(PY) -m ruff check .
	$(PY) -m mypy

bench: setup
	$(PY) -m bench

deploy: setup
	bash infra/deploy.sh $(STAGE)

destroy: setup
	bash infra/destroy.sh $(STAGE)
