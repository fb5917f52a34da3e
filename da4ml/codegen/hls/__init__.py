"""HLS C++ code generation (Vitis/Vivado HLS, ap_fixed) from DAIS programs (shared/spec/api.md, da4ml.codegen).

``hls_logic_and_bridge_gen`` gives one function template, as hls4ml's ``distributed_arithmetic`` strategy
inlines it; ``HLSModel`` writes a whole project and runs it bit-exactly through a compiled C-simulation bridge.
Python decides (``lower``: every type and expression); the templates in ``da4ml/hls_templates`` only lay out.
"""

from .model import HLSModel
from .render import hls_logic_and_bridge_gen

__all__ = ["HLSModel", "hls_logic_and_bridge_gen"]
