# Top-level convenience targets. Simulation is done by da4ml.verif (one runner for make, CLI and pytest).
#   make sim DESIGN=<project dir> [SIM=icarus|verilator] [SEED=n] [N_SAMPLES=n] [WAVES=1] [MAX_MISMATCHES=n]
#   make test-hdl [SIM=...]        the pytest HDL regression (tests marked `simulator`)

PYTHON ?= python3
SIM ?=
SEED ?=
N_SAMPLES ?=
WAVES ?= 0
MAX_MISMATCHES ?=

.PHONY: help sim test-hdl

help:
	@echo "make sim DESIGN=<project dir> [SIM=icarus|verilator] [SEED=n] [N_SAMPLES=n] [WAVES=1] [MAX_MISMATCHES=n]"
	@echo "make test-hdl [SIM=icarus|verilator]"

sim:
	@test -n "$(DESIGN)" || { echo "error: DESIGN=<project dir> is required (a directory with manifest.json)"; exit 2; }
	$(PYTHON) -m da4ml.verif run $(DESIGN) $(if $(SIM),--sim $(SIM)) $(if $(SEED),--seed $(SEED)) \
	  $(if $(N_SAMPLES),--n-samples $(N_SAMPLES)) $(if $(MAX_MISMATCHES),--max-mismatches $(MAX_MISMATCHES)) \
	  $(if $(filter 1 yes true,$(WAVES)),--waves)

test-hdl:
	$(PYTHON) -m pytest -m simulator $(if $(SIM),--sim $(SIM)) tests
