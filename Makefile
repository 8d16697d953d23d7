# One-command set-up: every target installs what it needs first.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: install assets build run test test-fast lint typecheck bench soak clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

# Front-end assets (YASGUI, Chart.js, Cytoscape.js + its SVG export) from npm, pinned in package-lock.json; vendor/ is build output.
VENDOR := service/web/static/vendor
ASSETS := $(VENDOR)/.assets-stamp
$(ASSETS): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is missing: install Node.js 20+ (apt-get install nodejs npm)"; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp node_modules/@zazuko/yasgui/build/yasgui.min.js node_modules/@zazuko/yasgui/build/yasgui.min.css $(VENDOR)/
	cp node_modules/chart.js/dist/chart.umd.min.js $(VENDOR)/chart.min.js
	cp node_modules/cytoscape/dist/cytoscape.min.js node_modules/cytoscape-svg/cytoscape-svg.js $(VENDOR)/
	touch $@

assets: $(ASSETS)

install: $(STAMP) $(ASSETS)

build: install
	$(BIN)/cpkg build

run: build
	$(BIN)/cpkg serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check service tests bench

typecheck: install
	$(BIN)/mypy

# Every test: Virtuoso, browser (Chromium), server and fuzz tests included; a missing component
# fails the run (tests/components.py), it is never skipped quietly.
test: install lint typecheck
	$(BIN)/pytest

# Unit and in-process tests only (under a minute, on every core): no Virtuoso, browser, server,
# fuzz or command-line (subprocess) tests.
test-fast: install
	$(BIN)/pytest -q -n auto -m "not virtuoso and not browser and not server and not fuzz and not cli"

# Longer security runs (tests/security): 10x the fuzz examples, a 2-minute load with 64 clients.
SOAK_SECONDS ?= 120
soak: install
	CPKG_FUZZ_EXAMPLES=2000 CPKG_FUZZ_RANDOM=1 CPKG_LOAD_SECONDS=$(SOAK_SECONDS) \
	CPKG_LOAD_CLIENTS=64 $(BIN)/pytest -s -p no:cacheprovider tests/security

# Benchmarks (bench/README.md): peers and tools in bench/.venv, system tools via apt when root.
BENCH_VENV  := bench/.venv
BENCH_STAMP := $(BENCH_VENV)/.installed-stamp
$(BENCH_STAMP): bench/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --upgrade pip==25.3
	$(BENCH_VENV)/bin/pip install --quiet -r bench/requirements.txt
	touch $@

bench: $(STAMP) $(BENCH_STAMP)
	sh bench/install-tools.sh
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache node_modules $(VENDOR) test-artifacts
