"""Public names of the IR (``da4ml.types``), as existing user code imports them."""

from .ir import CombLogic, HWConfig, Op, Opcode, Pipeline, QInterval, kif_of, qint_of

__all__ = ["CombLogic", "HWConfig", "Op", "Opcode", "Pipeline", "QInterval", "kif_of", "qint_of"]
