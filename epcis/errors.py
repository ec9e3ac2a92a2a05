"""Error hierarchy of the EPCIS model, bindings and hashing: every error is a ``ValueError``."""

from __future__ import annotations


class EpcisError(ValueError):
    """Base of every EPCIS model, binding and hashing error."""


class EpcisParseError(EpcisError):
    """A document could not be read; the message names the event index and field when known."""

    def __init__(self, reason: str, *, event_index: int | None = None, field: str | None = None) -> None:
        self.reason = reason
        self.event_index = event_index
        self.field = field
        where = []
        if event_index is not None:
            where.append(f"event {event_index}")
        if field is not None:
            where.append(f"field {field!r}")
        super().__init__(f"{', '.join(where)}: {reason}" if where else reason)


class EpcisExportError(EpcisError):
    """The model holds something the requested output format cannot express."""
