# flickrsync — the two set-up commands are `make demo` and `make test`.
# Both work from a fresh clone with Python 3.11+, make, and access to the package registries.

PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
# exiftool 13.x (with ImageDataHash) from npm: Debian's is too old. Only the tests need it.
EXIFTOOL_NPM := exiftool-vendored.pl@13.59.0
EXIFTOOL     := .tools/node_modules/exiftool-vendored.pl/bin/exiftool
export FLICKRSYNC_EXIFTOOL := $(CURDIR)/$(EXIFTOOL)

.PHONY: demo test lint typecheck unit venv clean browser

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

# Debian's Chromium and its driver, for the review page's browser tests (tests/scenarios/browser.py);
# where they cannot be installed (not root, no apt-get) those tests are skipped with the reason.
# APT's download sandbox user is root here: some sandboxes give it no usable /dev/null.
APT := apt-get -o APT::Sandbox::User=root
browser:
	@if command -v chromium >/dev/null && command -v chromedriver >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  $(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq chromium chromium-driver >/dev/null \
	  || echo "note: Chromium could not be installed: the browser tests will be skipped"; \
	else echo "note: no Chromium (apt-get install chromium chromium-driver): the browser tests will be skipped"; fi

## make demo: start fakeflickr, seed it, make sample photos, authenticate, and run the main job.
demo: $(BIN)/.installed
	$(BIN)/python scripts/demo.py

lint: $(BIN)/.installed-test
	$(BIN)/ruff check src tests benchmarks $(wildcard scripts)
	$(BIN)/ruff format --check src tests benchmarks $(wildcard scripts)

typecheck: $(BIN)/.installed-test
	$(BIN)/mypy

## make test: install test dependencies and run lint, type checks and the whole suite.
test: $(BIN)/.installed-test $(EXIFTOOL) browser lint typecheck
	$(BIN)/pytest -q

unit: $(BIN)/.installed-test
	$(BIN)/pytest -q tests/unit tests/property

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache build dist
