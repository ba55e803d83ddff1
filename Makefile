# flickrsync — the two set-up commands are `make demo` and `make test`.
# Both work from a fresh clone with Python 3.11+, make, and access to the package registries.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
# exiftool 13.x (with ImageDataHash) from npm: Debian's is too old. Only the tests need it.
EXIFTOOL_NPM := exiftool-vendored.pl@13.59.0
EXIFTOOL     := .tools/node_modules/exiftool-vendored.pl/bin/exiftool
export FLICKRSYNC_EXIFTOOL := $(CURDIR)/$(EXIFTOOL)

.PHONY: demo test lint typecheck unit venv clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[emulator]'
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

$(EXIFTOOL):
	mkdir -p .tools
	npm install --silent --no-audit --no-fund --prefix .tools $(EXIFTOOL_NPM)
	$(EXIFTOOL) -ver

venv: $(BIN)/.installed

## make demo: start fakeflickr, seed it, make sample photos, authenticate, and run the main job.
demo: $(BIN)/.installed
	$(BIN)/python scripts/demo.py

lint: $(BIN)/.installed-test
	$(BIN)/ruff check src tests benchmarks $(wildcard scripts)
	$(BIN)/ruff format --check src tests benchmarks $(wildcard scripts)

typecheck: $(BIN)/.installed-test
	$(BIN)/mypy

## make test: install test dependencies and run lint, type checks and the whole suite.
test: $(BIN)/.installed-test $(EXIFTOOL) lint typecheck
	$(BIN)/pytest -q

unit: $(BIN)/.installed-test
	$(BIN)/pytest -q tests/unit tests/property

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache build dist
