"""Fixed-width byte templates: millions of answer lines that differ only in the serial, built without
per-serial Python work.

A line is rendered twice through the real formatter with two placeholder serials; the columns that
differ are where the serial goes. Serial alphabets are alphanumeric, so no serial character is ever
escaped (JSON, CSV, percent-encoding, EPC URIs) and every line has the same width. The template is
checked against the real formatter, so a formatter change can never silently desynchronise it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


class LineTemplate:
    """One line's bytes with the serial's start columns; `fill` writes many serials at once."""

    def __init__(self, render: Callable[[str], bytes], length: int) -> None:
        a, b = render("A" * length), render("B" * length)
        if len(a) != len(b):
            raise ValueError("serial placement is not width-stable")
        base = np.frombuffer(a, dtype=np.uint8)
        cols = np.flatnonzero(base != np.frombuffer(b, dtype=np.uint8))
        starts = [int(c) for c in cols[::length]]
        contiguous = all(int(cols[i * length + length - 1]) == s + length - 1 for i, s in enumerate(starts))
        if len(cols) % length or not contiguous:
            raise ValueError("serial columns do not line up")
        self.length = length
        self.width = len(a)
        self._base = base
        self._starts = starts
        self._render = render
        self._buffer = np.empty((0, self.width), dtype=np.uint8)

    def fill(self, chars: np.ndarray) -> bytes:
        """Lines for `chars` (uint8, shape (n, length), ASCII) concatenated."""
        n = len(chars)
        if len(self._buffer) < n:
            self._buffer = np.empty((n, self.width), dtype=np.uint8)
            self._buffer[:] = self._base
        out = self._buffer[:n]
        for col in self._starts:
            out[:, col : col + self.length] = chars
        return out.tobytes()

    def check(self, serial: str) -> None:
        """Assert the template reproduces the formatter for `serial` (cheap; run once per answer)."""
        chars = np.frombuffer(serial.encode("ascii"), dtype=np.uint8).reshape(1, -1)
        if self.fill(chars) != self._render(serial):
            raise AssertionError("line template disagrees with its formatter")
