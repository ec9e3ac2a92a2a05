"""GS1 error hierarchy: every failure names the AI, the value and the broken rule."""

from __future__ import annotations


class Gs1Error(ValueError):
    """Base class for every GS1 parsing or validation failure.

    ``ai`` is the Application Identifier at fault (``None`` when the input as a whole is
    malformed), ``value`` the offending value or input, ``rule`` a short stable rule name
    (``"csum"``, ``"length"``, ``"req"`` ...) that callers may branch on.
    """

    def __init__(self, finding: str, *, rule: str, ai: str | None = None, value: str | None = None) -> None:
        self.finding = finding
        self.rule = rule
        self.ai = ai
        self.value = value
        if ai is not None:
            message = f"({ai}) {value}: {finding}"
        elif value is not None:
            message = f"{value!r}: {finding}"
        else:
            message = finding
        super().__init__(message)


class Gs1SyntaxError(Gs1Error):
    """The input cannot be split into AIs and values (unknown AI, bad brackets, bad prefix)."""


class Gs1FormatError(Gs1Error):
    """A value has the wrong length or a character outside its character set."""


class Gs1LintError(Gs1Error):
    """A value fails one of the syntax dictionary's content tests (linters)."""


class Gs1CheckDigitError(Gs1LintError):
    """A GS1 mod-10 or alphanumeric check digit is wrong."""


class Gs1DateError(Gs1LintError):
    """A date or time component is not a real calendar date or time."""


class Gs1AssociationError(Gs1Error):
    """An AI requires another AI that is missing, excludes one that is present, or repeats."""


class DigitalLinkError(Gs1SyntaxError):
    """A GS1 Digital Link URI is malformed or cannot be generated from the given data."""


class EpcUrnError(Gs1SyntaxError):
    """An EPC URN is malformed or cannot be built for the given company-prefix length."""


class DictionaryError(Gs1Error):
    """The syntax dictionary text has a line this parser does not understand."""

    def __init__(self, finding: str) -> None:
        super().__init__(f"syntax dictionary: {finding}", rule="dictionary")
