"""Code generation from DAIS programs (shared/spec/api.md, section da4ml.codegen): RTL and HLS C++.

Python decides (view objects in ``da4ml.codegen.verilog`` and ``da4ml.codegen.hls``: every width, shift,
type and name); the templates in ``da4ml/rtl_templates`` and ``da4ml/hls_templates`` only lay out, through
one strict Jinja environment.
"""

from .hls import HLSModel
from .rtl_model import RTLModel, VerilogModel, VHDLModel

__all__ = ["HLSModel", "RTLModel", "VHDLModel", "VerilogModel"]
