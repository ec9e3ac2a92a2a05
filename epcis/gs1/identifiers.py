"""GS1 identifier value objects (GTIN, GLN, SSCC, SGLN, SGTIN, LGTIN), validated on construction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar
from urllib.parse import quote

from epcis.gs1.checkdigit import check_digit
from epcis.gs1.digital_link import CANONICAL_STEM
from epcis.gs1.epc import check_cp_length, epc_escape, parse_epc_urn
from epcis.gs1.errors import EpcUrnError, Gs1CheckDigitError, Gs1FormatError
from epcis.gs1.validate import check_value

_T = TypeVar("_T")


def _check_digits(ai: str, text: str, lengths: tuple[int, ...], shown: str) -> None:
    for position, char in enumerate(text, 1):
        if not "0" <= char <= "9":
            raise Gs1FormatError(
                f"character {char!r} at position {position} is not a digit", rule="charset", ai=ai, value=text
            )
    if len(text) not in lengths:
        raise Gs1FormatError(f"{len(text)} digits, expected {shown}", rule="length", ai=ai, value=text)
    expected = check_digit(text[:-1])
    if int(text[-1]) != expected:
        raise Gs1CheckDigitError(
            f"check digit {text[-1]} is wrong, expected {expected}", rule="csum", ai=ai, value=text
        )


def _expect(cls: type[_T], urn: str) -> _T:
    parsed = parse_epc_urn(urn)
    if not isinstance(parsed, cls):
        raise EpcUrnError(f"is not a {cls.__name__.upper()} URN", rule="epc-urn", value=urn)
    return parsed


def _link(domain: str, *pairs: tuple[str, str]) -> str:
    stem = domain[:-1] if domain.endswith("/") else domain
    return stem + "".join(f"/{ai}/{quote(value, safe='')}" for ai, value in pairs)


@dataclass(frozen=True, slots=True)
class Gtin:
    """A GTIN held as 14 digits (GTIN-8/12/13 are left-padded with zeros by :meth:`parse`)."""

    value: str

    def __post_init__(self) -> None:
        _check_digits("01", self.value, (14,), "14")

    @classmethod
    def from_epc_urn(cls, urn: str) -> Gtin:
        """Parse an SGTIN pattern ``urn:epc:idpat:sgtin:CP.ITEM.*``; the check digit is recomputed."""
        return _expect(cls, urn)

    @classmethod
    def parse(cls, text: str) -> Gtin:
        """Parse a GTIN-8, -12, -13 or -14 and verify its check digit."""
        _check_digits("01", text, (8, 12, 13, 14), "8, 12, 13 or 14")
        return cls(text.zfill(14))

    def __str__(self) -> str:
        return self.value

    @property
    def indicator(self) -> str:
        """The indicator (packaging level) digit, the first of the 14."""
        return self.value[0]

    def _epc_parts(self, cp_len: int) -> tuple[str, str]:
        check_cp_length(cp_len)
        return self.value[1 : 1 + cp_len], self.value[0] + self.value[1 + cp_len : 13]

    def epc_class_urn(self, cp_len: int) -> str:
        """The EPC pattern for every serial of this GTIN: ``urn:epc:idpat:sgtin:CP.ITEM.*``."""
        prefix, item = self._epc_parts(cp_len)
        return f"urn:epc:idpat:sgtin:{prefix}.{item}.*"

    def digital_link(self, domain: str = CANONICAL_STEM) -> str:
        """``{domain}/01/{gtin}``."""
        return _link(domain, ("01", self.value))


@dataclass(frozen=True, slots=True)
class Gln:
    """A 13-digit Global Location Number."""

    value: str

    def __post_init__(self) -> None:
        _check_digits("414", self.value, (13,), "13")

    @classmethod
    def parse(cls, text: str) -> Gln:
        """Parse a GLN and verify its check digit."""
        return cls(text)

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True, slots=True)
class Sscc:
    """An 18-digit Serial Shipping Container Code."""

    value: str

    def __post_init__(self) -> None:
        _check_digits("00", self.value, (18,), "18")

    @classmethod
    def from_epc_urn(cls, urn: str) -> Sscc:
        """Parse an SSCC EPC URN; the check digit is recomputed."""
        return _expect(cls, urn)

    @classmethod
    def parse(cls, text: str) -> Sscc:
        """Parse an SSCC and verify its check digit."""
        return cls(text)

    @classmethod
    def build(cls, extension_digit: int, company_prefix: str, serial_reference: int) -> Sscc:
        """Assemble extension digit + company prefix (4-12 digits) + serial reference, padded to
        16 - len(prefix) digits, and append the check digit."""
        if not 0 <= extension_digit <= 9:
            raise Gs1FormatError(f"extension digit {extension_digit} is not 0-9", rule="extension")
        if not (company_prefix.isascii() and company_prefix.isdigit() and 4 <= len(company_prefix) <= 12):
            raise Gs1FormatError(f"company prefix {company_prefix!r} is not 4-12 digits", rule="company-prefix")
        width = 16 - len(company_prefix)
        if not 0 <= serial_reference < 10**width:
            raise Gs1FormatError(
                f"serial reference {serial_reference} does not fit in {width} digits"
                f" after company prefix {company_prefix}",
                rule="serial-reference",
            )
        body = f"{extension_digit}{company_prefix}{serial_reference:0{width}d}"
        return cls(body + str(check_digit(body)))

    def __str__(self) -> str:
        return self.value

    @property
    def extension_digit(self) -> int:
        """The extension digit chosen by the company."""
        return int(self.value[0])

    def epc_urn(self, cp_len: int) -> str:
        """``urn:epc:id:sscc:{company prefix}.{extension digit}{serial reference}``."""
        check_cp_length(cp_len)
        return f"urn:epc:id:sscc:{self.value[1 : 1 + cp_len]}.{self.value[0]}{self.value[1 + cp_len : 17]}"

    def digital_link(self, domain: str = CANONICAL_STEM) -> str:
        """``{domain}/00/{sscc}``."""
        return _link(domain, ("00", self.value))


@dataclass(frozen=True, slots=True)
class Sgln:
    """A GLN with an optional extension (AI 254), e.g. a storage location inside a site."""

    gln: Gln
    extension: str | None = None

    def __post_init__(self) -> None:
        if self.extension is not None:
            check_value("254", self.extension)

    @classmethod
    def from_epc_urn(cls, urn: str) -> Sgln:
        """Parse an SGLN EPC URN (extension ``0`` means none); the check digit is recomputed."""
        return _expect(cls, urn)

    def epc_urn(self, cp_len: int) -> str:
        """``urn:epc:id:sgln:{company prefix}.{location reference}.{extension}`` (``0`` when none)."""
        check_cp_length(cp_len)
        gln = self.gln.value
        extension = "0" if self.extension is None else epc_escape(self.extension)
        return f"urn:epc:id:sgln:{gln[:cp_len]}.{gln[cp_len:12]}.{extension}"

    def digital_link(self, domain: str = CANONICAL_STEM) -> str:
        """``{domain}/414/{gln}`` plus ``/254/{extension}`` when there is one."""
        pairs = [("414", self.gln.value)]
        if self.extension is not None:
            pairs.append(("254", self.extension))
        return _link(domain, *pairs)


@dataclass(frozen=True, slots=True)
class Sgtin:
    """A serialised trade item: GTIN plus serial number (AI 21, CSET 82, up to 20 characters)."""

    gtin: Gtin
    serial: str

    def __post_init__(self) -> None:
        check_value("21", self.serial)

    @classmethod
    def from_epc_urn(cls, urn: str) -> Sgtin:
        """Parse an SGTIN EPC URN; the check digit is recomputed."""
        return _expect(cls, urn)

    def epc_urn(self, cp_len: int) -> str:
        """``urn:epc:id:sgtin:{company prefix}.{indicator}{item reference}.{escaped serial}``."""
        prefix, item = self.gtin._epc_parts(cp_len)
        return f"urn:epc:id:sgtin:{prefix}.{item}.{epc_escape(self.serial)}"

    def digital_link(self, domain: str = CANONICAL_STEM) -> str:
        """``{domain}/01/{gtin}/21/{serial}``."""
        return _link(domain, ("01", self.gtin.value), ("21", self.serial))


@dataclass(frozen=True, slots=True)
class Lgtin:
    """A batch/lot of a trade item: GTIN plus lot (AI 10, CSET 82, up to 20 characters)."""

    gtin: Gtin
    lot: str

    def __post_init__(self) -> None:
        check_value("10", self.lot)

    @classmethod
    def from_epc_urn(cls, urn: str) -> Lgtin:
        """Parse an LGTIN EPC class URN; the check digit is recomputed."""
        return _expect(cls, urn)

    def epc_class_urn(self, cp_len: int) -> str:
        """``urn:epc:class:lgtin:{company prefix}.{indicator}{item reference}.{escaped lot}``."""
        prefix, item = self.gtin._epc_parts(cp_len)
        return f"urn:epc:class:lgtin:{prefix}.{item}.{epc_escape(self.lot)}"

    def digital_link(self, domain: str = CANONICAL_STEM) -> str:
        """``{domain}/01/{gtin}/10/{lot}``."""
        return _link(domain, ("01", self.gtin.value), ("10", self.lot))
