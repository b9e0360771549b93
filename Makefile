# Everything runs from the project virtualenv (.venv), which the first target that needs it creates.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider -n 2

.PHONY: demo test format format-check ruff units integration sanity lint changelog-lint docs-lint docs-build bench soak clean

$(READY): requirements.txt tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r tests/requirements.txt
	touch $@

## demo: start the emulator on loopback, price and protect a disk with the collection, stop the emulator
demo: $(READY)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python scripts/demo.py

## test: everything CI runs
test: format-check ruff units integration sanity lint changelog-lint docs-lint

## format: format the Python code (ruff, settings in ruff.toml)
format: $(READY)
	$(BIN)/ruff format .

format-check: $(READY)
	$(BIN)/ruff format --check .

ruff: $(READY)
	$(BIN)/ruff check .

units: $(READY)
	$(PYTEST) tests/unit

integration: $(READY)
	$(PYTEST) tests/integration

sanity: $(READY)
	scripts/sanity.sh

lint: $(READY)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ansible-lint --profile production

changelog-lint: $(READY)
	$(BIN)/antsibull-changelog lint

docs-lint: $(READY)
	scripts/docs.sh lint

## docs-build: the module, role and filter reference (RST) from the plugins' own docs, into build/docs
docs-build: $(READY)
	scripts/docs.sh build

## bench: the fleet roles on 1000 emulated disks against the API's rate limit, and a plain loop beside them
bench: $(READY)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python tests/benchmarks/fleet_bench.py $(BENCH_ARGS)

## soak: the fleet roles on 1000 emulated disks with every fault at once, until converged
soak: $(READY)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python tests/benchmarks/soak.py $(SOAK_ARGS)

clean:
	rm -rf $(VENV) collections tests/output
