"""Content tests ("linters") named by the syntax dictionary, ported from their published rules.

Each linter takes one component's text and returns ``None`` when it passes, else a finding that
names what is wrong. Linters listed in :data:`UNIMPLEMENTED` need tables or grammars not bundled
here (IBAN country formats, the packaging-type code list, coupon grammars) and pass
everything; the test suite pins that list so a linter new to the dictionary cannot be skipped
silently. The GS1 Company Prefix linters check the minimum 4-digit prefix only: allocations need
GS1's online registry.
"""

from __future__ import annotations

from collections.abc import Callable

from epcis.gs1.checkdigit import check_digit
from epcis.gs1.cset import CSET82
from epcis.gs1.dates import yymmdd_finding
from epcis.gs1.errors import Gs1CheckDigitError, Gs1DateError, Gs1LintError

Linter = Callable[[str], "str | None"]

# ISO 3166-1 numeric country codes, as listed by the GS1 reference linter (lint_iso3166.c).
_ISO3166_TEXT = """
004 008 010 012 016 020 024 028 031 032 036 040 044 048 050 051 052 056 060 064 068 070 072 074
076 084 086 090 092 096 100 104 108 112 116 120 124 132 136 140 144 148 152 156 158 162 166 170
174 175 178 180 184 188 191 192 196 203 204 208 212 214 218 222 226 231 232 233 234 238 239 242
246 248 250 254 258 260 262 266 268 270 275 276 288 292 296 300 304 308 312 316 320 324 328 332
334 336 340 344 348 352 356 360 364 368 372 376 380 384 388 392 398 400 404 408 410 414 417 418
422 426 428 430 434 438 440 442 446 450 454 458 462 466 470 474 478 480 484 492 496 498 499 500
504 508 512 516 520 524 528 531 533 534 535 540 548 554 558 562 566 570 574 578 580 581 583 584
585 586 591 598 600 604 608 612 616 620 624 626 630 634 638 642 643 646 652 654 659 660 662 663
666 670 674 678 682 686 688 690 694 702 703 704 705 706 710 716 724 728 729 732 740 744 748 752
756 760 762 764 768 772 776 780 784 788 792 795 796 798 800 804 807 818 826 831 832 833 834 840
850 854 858 860 862 876 882 887 894
"""
_ISO3166 = frozenset(_ISO3166_TEXT.split())

# ISO 3166-1 alpha-2 country codes, as listed by the GS1 reference linter (lint_iso3166alpha2.c).
_ISO3166_ALPHA2_TEXT = """
AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT
BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH
ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT
HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS
LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI
NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG
SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG
UM US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
_ISO3166_ALPHA2 = frozenset(_ISO3166_ALPHA2_TEXT.split())

# ISO 4217 numeric currency codes, as listed by the GS1 reference linter (lint_iso4217.c).
_ISO4217_TEXT = """
008 012 032 036 044 048 050 051 052 060 064 068 072 084 090 096 104 108 116 124 132 136 144 152
156 170 174 188 191 192 203 208 214 222 230 232 238 242 262 270 292 320 324 328 332 340 344 348
352 356 360 364 368 376 388 392 398 400 404 408 410 414 417 418 422 426 430 434 446 454 458 462
480 484 496 498 504 512 516 524 532 533 548 554 558 566 578 586 590 598 600 604 608 634 643 646
654 682 690 694 702 704 706 710 728 748 752 756 760 764 776 780 784 788 800 807 818 826 834 840
858 860 882 886 901 925 927 928 929 930 931 932 933 934 936 938 940 941 943 944 946 947 948 949
950 951 952 953 955 956 957 958 959 960 961 962 963 964 965 967 968 969 970 971 972 973 975 976
977 978 979 980 981 984 985 986 990 994 997 999
"""
_ISO4217 = frozenset(_ISO4217_TEXT.split())

_PRIMES = (
    2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97,
    101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193,
    197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307,
    311, 313, 317, 331, 337, 347, 349, 353, 359, 367, 373, 379, 383, 389, 397, 401, 409, 419, 421,
    431, 433, 439, 443, 449, 457, 461, 463, 467, 479, 487, 491, 499, 503, 509,
)  # fmt: skip
_GCP_MIN_LENGTH = 4
_IMPORTER_INDEX = frozenset("-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz")
_CSET32 = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
_CSET82_VALUE = {c: i for i, c in enumerate(CSET82)}
_HEX = frozenset("0123456789ABCDEFabcdef")


def csum(text: str) -> str | None:
    """GS1 mod-10 check digit in the last position."""
    expected = check_digit(text[:-1])
    if ord(text[-1]) - 48 != expected:
        return f"check digit {text[-1]} is wrong, expected {expected}"
    return None


def csumalpha(text: str) -> str | None:
    """Check character pair of the GMN (8013) and MUDI (8014): prime-weighted sum mod 1021."""
    if len(text) < 2:
        return "too short for a check character pair"
    if len(text) - 2 > len(_PRIMES):
        return "too long for a check character pair"
    body = text[:-2]
    total = sum(_CSET82_VALUE[c] * _PRIMES[len(body) - 1 - i] for i, c in enumerate(body)) % 1021
    expected = _CSET32[total >> 5] + _CSET32[total & 31]
    if text[-2:] != expected:
        return f"check characters {text[-2:]} are wrong, expected {expected}"
    return None


def yymmd0(text: str) -> str | None:
    """YYMMDD where DD=00 (end of month) is allowed."""
    return yymmdd_finding(text, allow_day_zero=True)


def yymmdd(text: str) -> str | None:
    """YYMMDD, a real calendar date."""
    return yymmdd_finding(text, allow_day_zero=False)


def _yyyymmdd(text: str, allow_day_zero: bool) -> str | None:
    return yymmdd_finding(text[2:], allow_day_zero=allow_day_zero, year=int(text[:4]))


def yyyymmdd(text: str) -> str | None:
    """YYYYMMDD, a real calendar date."""
    return _yyyymmdd(text, False)


def yyyymmd0(text: str) -> str | None:
    """YYYYMMDD where DD=00 is allowed."""
    return _yyyymmdd(text, True)


def _range(text: str, name: str, low: int, high: int) -> str | None:
    if not low <= int(text) <= high:
        return f"{name} {text} is not {low:0{len(text)}d}-{high:0{len(text)}d}"
    return None


def hh(text: str) -> str | None:
    """Hour 00-23."""
    return _range(text, "hour", 0, 23)


def mi(text: str) -> str | None:
    """Minute 00-59."""
    return _range(text, "minute", 0, 59)


def ss(text: str) -> str | None:
    """Second 00-59."""
    return _range(text, "second", 0, 59)


def hhmi(text: str) -> str | None:
    """Time of day HHMM."""
    return hh(text[:2]) or mi(text[2:])


def nonzero(text: str) -> str | None:
    """A number other than zero."""
    return "must not be zero" if int(text) == 0 else None


def zero(text: str) -> str | None:
    """The digit 0."""
    return None if text == "0" else f"{text} is not 0"


def yesno(text: str) -> str | None:
    """0 (no) or 1 (yes)."""
    return None if text in ("0", "1") else f"{text} is not 0 or 1"


def winding(text: str) -> str | None:
    """Winding direction: 0, 1 or 9."""
    return None if text in ("0", "1", "9") else f"winding direction {text} is not 0, 1 or 9"


def iso5218(text: str) -> str | None:
    """Biological sex code per ISO/IEC 5218: 0, 1, 2 or 9."""
    return None if text in ("0", "1", "2", "9") else f"{text} is not an ISO/IEC 5218 code (0, 1, 2, 9)"


def hyphen(text: str) -> str | None:
    """A single hyphen (negative sign)."""
    return None if text == "-" else f"{text!r} is not '-'"


def iso3166(text: str) -> str | None:
    """An ISO 3166-1 numeric country code."""
    return None if text in _ISO3166 else f"{text} is not an ISO 3166 country code"


def iso3166999(text: str) -> str | None:
    """An ISO 3166-1 numeric country code, or 999 (unknown)."""
    return None if text == "999" or text in _ISO3166 else f"{text} is not an ISO 3166 country code or 999"


def iso3166alpha2(text: str) -> str | None:
    """An ISO 3166-1 alpha-2 country code."""
    return None if text in _ISO3166_ALPHA2 else f"{text} is not an ISO 3166 alpha-2 country code"


def iso4217(text: str) -> str | None:
    """An ISO 4217 numeric currency code."""
    return None if text in _ISO4217 else f"{text} is not an ISO 4217 currency code"


def _gcp_at(text: str, offset: int) -> str | None:
    prefix = text[offset : offset + _GCP_MIN_LENGTH]
    if len(prefix) < _GCP_MIN_LENGTH:
        return f"too short to hold a GS1 Company Prefix ({_GCP_MIN_LENGTH} digits) at position {offset + 1}"
    for position, char in enumerate(prefix, offset + 1):
        if not "0" <= char <= "9":
            return f"character {char!r} at position {position} cannot be part of a GS1 Company Prefix"
    return None


def gcppos1(text: str) -> str | None:
    """Starts with a GS1 Company Prefix: at least its minimum 4 digits (allocations are not checked)."""
    return _gcp_at(text, 0)


def gcppos2(text: str) -> str | None:
    """A GS1 Company Prefix from the second character (after an indicator or extension digit)."""
    return _gcp_at(text, 1)


def importeridx(text: str) -> str | None:
    """Importer index of a tobacco UIC (7040): one of ``-``, digits, letters, ``_``."""
    return None if text in _IMPORTER_INDEX else f"{text!r} is not an importer index character"


def pieceoftotal(text: str) -> str | None:
    """NNMM: piece NN of a total of MM pieces, 1 <= NN <= MM."""
    piece, total = int(text[:2]), int(text[2:])
    if piece == 0 or total == 0 or piece > total:
        return f"piece {text[:2]} of {text[2:]} is not between 01 and the total"
    return None


def posinseqslash(text: str) -> str | None:
    """N/M: position N of M in a sequence, 1 <= N <= M."""
    pos, slash, total = text[:1], text[1:2], text[2:]
    if slash != "/" or not pos.isdigit() or not total.isdigit() or not 0 < int(pos) <= int(total):
        return f"{text} is not a position N/M with 1 <= N <= M"
    return None


def hasnondigit(text: str) -> str | None:
    """At least one character that is not a digit."""
    return "must contain a non-digit character" if text.isdigit() else None


def nozeroprefix(text: str) -> str | None:
    """No leading zero (unless the whole value is 0)."""
    return "must not start with 0" if len(text) > 1 and text[0] == "0" else None


def pcenc(text: str) -> str | None:
    """Valid percent-encoding: every % starts a two-hex-digit escape."""
    i = text.find("%")
    while i != -1:
        if not (len(text) >= i + 3 and text[i + 1] in _HEX and text[i + 2] in _HEX):
            return f"'%' at position {i + 1} does not start a percent escape %XX"
        i = text.find("%", i + 3)
    return None


def latitude(text: str) -> str | None:
    """Latitude as N10, 0-1800000000 (offset by 90 degrees)."""
    return None if int(text) <= 1800000000 else f"latitude {text} is more than 1800000000"


def longitude(text: str) -> str | None:
    """Longitude as N10, 0-3600000000 (offset by 180 degrees)."""
    return None if int(text) <= 3600000000 else f"longitude {text} is more than 3600000000"


def mediatype(text: str) -> str | None:
    """AIDC media type: 01-10 or 80-99."""
    value = int(text)
    return None if 1 <= value <= 10 or 80 <= value <= 99 else f"media type {text} is not 01-10 or 80-99"


#: Linters that need external reference tables or grammars; they are accepted without a test.
UNIMPLEMENTED = frozenset(
    {
        "iban",
        "packagetype",
        "couponcode",
        "couponposoffer",
    }
)

#: Linter name -> (test, error class raised when it fails).
LINTERS: dict[str, tuple[Linter, type[Gs1LintError]]] = {
    "csum": (csum, Gs1CheckDigitError),
    "csumalpha": (csumalpha, Gs1CheckDigitError),
    "gcppos1": (gcppos1, Gs1LintError),
    "gcppos2": (gcppos2, Gs1LintError),
    "yymmd0": (yymmd0, Gs1DateError),
    "yymmdd": (yymmdd, Gs1DateError),
    "yyyymmdd": (yyyymmdd, Gs1DateError),
    "yyyymmd0": (yyyymmd0, Gs1DateError),
    "hh": (hh, Gs1DateError),
    "mi": (mi, Gs1DateError),
    "ss": (ss, Gs1DateError),
    "hhmi": (hhmi, Gs1DateError),
    "nonzero": (nonzero, Gs1LintError),
    "zero": (zero, Gs1LintError),
    "yesno": (yesno, Gs1LintError),
    "winding": (winding, Gs1LintError),
    "iso5218": (iso5218, Gs1LintError),
    "hyphen": (hyphen, Gs1LintError),
    "iso3166": (iso3166, Gs1LintError),
    "iso3166999": (iso3166999, Gs1LintError),
    "iso3166alpha2": (iso3166alpha2, Gs1LintError),
    "iso4217": (iso4217, Gs1LintError),
    "pieceoftotal": (pieceoftotal, Gs1LintError),
    "posinseqslash": (posinseqslash, Gs1LintError),
    "hasnondigit": (hasnondigit, Gs1LintError),
    "importeridx": (importeridx, Gs1LintError),
    "nozeroprefix": (nozeroprefix, Gs1LintError),
    "pcenc": (pcenc, Gs1LintError),
    "latitude": (latitude, Gs1LintError),
    "longitude": (longitude, Gs1LintError),
    "mediatype": (mediatype, Gs1LintError),
}
