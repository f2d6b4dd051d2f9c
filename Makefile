# The two commands: `make run` and `make test`. Everything else builds on them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

# llama-cpp-python compiles from source (~10 min on 2 cores, then pip's cache reuses the wheel):
# build it portable, not with -march=native baked into a cached wheel.
export CMAKE_ARGS ?= -DGGML_NATIVE=OFF

.PHONY: install run serve ingest download-data test lint typecheck browser mlflow clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "ragops needs Python 3.11: make PYTHON=/path/to/python3.11")'
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --editable ".[dev]"
	touch $(STAMP)

run: install  ## install, ingest the demo corpus (idempotent), serve on 127.0.0.1:8000
	$(BIN)/ragops ingest
	$(BIN)/ragops serve

serve: install
	$(BIN)/ragops serve

ingest: install
	$(BIN)/ragops ingest

# Recent retrieval / RAG papers from the arXiv API into the raw store (~3 min at arXiv's one request / 3 s);
# resumable and idempotent. Then: $(BIN)/ragops ingest --from-raw --collection arxiv-fetched
download-data: install  ## fetch recent arXiv papers on retrieval into the raw store
	$(BIN)/ragops fetch arxiv --collection arxiv-fetched --max 500 \
		--query 'cat:cs.IR AND (abs:retrieval OR abs:"retrieval-augmented")'

test: install lint typecheck browser  ## the whole suite: lint, types, tests on the real database and models
	$(BIN)/pytest

# The web page is tested in Debian's headless Chromium (Playwright's own download cannot work offline).
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	else echo "note: install chromium and chromium-driver (apt) to run the browser test; it is skipped without them"; fi

lint: install
	$(BIN)/ruff check src tests
	$(BIN)/ruff format --check src tests

typecheck: install
	$(BIN)/mypy

mlflow: install  ## MLflow UI on 127.0.0.1:5000 over <home>/mlflow.db (traces, monitoring and eval runs, the model registry)
	$(BIN)/ragops mlflow ui

clean:
	rm -rf $(VENV) .ragops .mypy_cache .ruff_cache .pytest_cache
