"""Verilog-2005 back end: view objects (Python decides) rendered by templates (layout only)."""
