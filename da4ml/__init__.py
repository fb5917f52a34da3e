"""da4ml: quantized fixed-point computation graphs to ultra-low-latency FPGA firmware."""

__version__ = "0.1.0"
