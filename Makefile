# Two commands on a fresh machine: `make run` and `make test`. Everything installs into .venv/.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export GRADIO_ANALYTICS_ENABLED := False
export ANONYMIZED_TELEMETRY := False

.PHONY: install run test test-fast test-llm system-deps local-model bench eval clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# Debian packages for the browser tests (Playwright cannot download its own browser here).
system-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

run: install
	$(PY) app.py

# Unit, integration and browser tests (not the slow local-LLM tier).
test: install system-deps
	$(PY) -m pytest -m "not llm" tests

test-fast: install
	$(PY) -m pytest -m "not llm and not e2e and not integration" tests

eval: install
	$(VENV)/bin/gnist eval
	$(VENV)/bin/gnist eval --questions ../shared/eval/retrieval_synthetic.json -k 3

bench: install
	$(PY) scripts/benchmark.py

clean:
	rm -rf $(VENV) data
