"""RTL code generation from DAIS programs (shared/spec/api.md, section da4ml.codegen).

Python decides (view objects in ``da4ml.codegen.verilog``: every width, shift, slice and name); the
templates in ``da4ml/rtl_templates`` only lay out, through one strict Jinja environment.
"""

from .rtl_model import RTLModel, VerilogModel, VHDLModel

__all__ = ["RTLModel", "VHDLModel", "VerilogModel"]
