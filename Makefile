# Everything runs from the project virtualenv (.venv), which the first target that needs it creates.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
READY := $(VENV)/.ready
PYTEST := $(BIN)/python -m pytest -p no:cacheprovider -n 2
# The tested ansible-core range beside .venv's: the oldest and the newest release the collection supports
# (meta/runtime.yml requires_ansible), each on a Python it supports as a controller: <ansible-core>-py<X.Y>.
MATRIX ?= 2.16.19-py3.12 2.21.5-py3.13
MATRIX_VENVS := $(MATRIX:%=.venv-matrix/%/.ready)

.PHONY: demo test format format-check ruff units integration sanity matrix lint changelog-lint docs-lint docs-build bench soak clean

$(READY): requirements.txt tests/requirements.txt tests/ansible-core.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r tests/requirements.txt -c tests/ansible-core.txt
	touch $@

## demo: start the emulator on loopback, price and protect a disk with the collection, stop the emulator
demo: $(READY)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python scripts/demo.py

## test: everything CI runs
test: format-check ruff units integration sanity matrix lint changelog-lint docs-lint

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

## matrix: sanity, the unit tests and the integration smoke on each ansible-core of MATRIX, in .venv-matrix/
matrix: $(MATRIX_VENVS)
	scripts/matrix.sh test $(MATRIX)

.venv-matrix/%/.ready: requirements.txt tests/requirements.txt
	scripts/matrix.sh venv $*

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
	rm -rf $(VENV) .venv-matrix collections tests/output
