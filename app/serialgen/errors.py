"""Error tree of the serial generator: every failure is a `SerialgenError`, itself a `ValueError`."""

from __future__ import annotations


class SerialgenError(ValueError):
    """Base of every error raised by `app.serialgen`."""


class SerialSchemeError(SerialgenError):
    """A serial scheme (alphabet, length) or an argument checked against it is not valid."""


class PoolTooSmallError(SerialgenError):
    """A serial space is too small for the lifetime volume it is asked to carry."""


class PermutationKeyError(SerialgenError):
    """A permutation key or tweak is not usable."""


class CounterRangeError(SerialgenError):
    """A counter or counter range lies outside what the permutation can encode."""
