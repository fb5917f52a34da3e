"""Errors of da4ml.report: a file that cannot be read says which file and what is wrong with it."""

from __future__ import annotations


class ReportError(ValueError):
    """A project or result file da4ml.report cannot read (the message names the file and the problem)."""


class VendorReportError(ReportError):
    """A vendor report that does not have its documented layout (the message says what is missing)."""
