"""The tracer's one error type."""


class TraceError(ValueError):
    """A traced operation cannot be built as asked (the message says why and how to fix it)."""
