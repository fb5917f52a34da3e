"""The project contract between the code generators (da4ml.codegen) and the verification kit (da4ml.verif).

A project directory (docs/project_layout.md) is described by one typed, versioned ``Manifest``; its ports
carry ``Lane``s packed by one packer (``packing``), real values map to lane integers in ``values``; every
generated file starts with one ``Header`` (``provenance``) and is rendered by one strict Jinja environment
(``templates``). Nothing here depends on a particular HDL: Verilog, VHDL and HLS projects share it.
"""

from .lanes import MAX_LANE_WIDTH, Lane, Port, bus_width, check_input_read, kif_rows, lanes_of
from .manifest import FORMAT, LANGUAGES, MANIFEST_NAME, Manifest, ManifestError
from .provenance import GENERATOR, Header, options_sha256, program_sha256

__all__ = [
    "FORMAT",
    "GENERATOR",
    "LANGUAGES",
    "MANIFEST_NAME",
    "MAX_LANE_WIDTH",
    "Header",
    "Lane",
    "Manifest",
    "ManifestError",
    "Port",
    "bus_width",
    "check_input_read",
    "kif_rows",
    "lanes_of",
    "options_sha256",
    "program_sha256",
]
