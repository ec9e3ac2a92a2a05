"""The label package's error tree: every rendering failure is a ``LabelError`` (a ``ValueError``)."""

from __future__ import annotations


class LabelError(ValueError):
    """A payload, option or image that cannot be turned into (or read from) a code or label.

    ``field`` names what is at fault: an AI such as ``"01"`` for GS1 data, an option name such as
    ``"module_px"``, or ``None`` when the input as a whole is wrong.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class BackendUnavailable(LabelError):
    """The requested encoder or decoder is not installed on this machine (e.g. libdmtx)."""
