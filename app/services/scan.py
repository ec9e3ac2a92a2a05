"""What a barcode scanner types, made readable: separator stand-ins, symbology prefixes, then the code's key.

USB and camera scanners in keyboard-wedge mode cannot always type the GS1 group separator (ASCII 29, FNC1):
depending on the keyboard layout and the scanner's programming it arrives as the raw control character,
as `^]` (how terminals echo Ctrl+]), as a caret-notation or escaped literal (`\\x1d`, `\\u001d`, `\\035`),
as a substitution string configured in the scanner (`<GS>`, `{GS}`, `[GS]`, `<FNC1>`, `{FNC1}`, `~1`),
or as the Unicode symbol for it (`␝`, U+241D). None of these can occur inside GS1 data (CSET 82 has no
`^`, `\\`, `{`, `}`, `[`, `]`, `~` and no control characters), so replacing them is safe.
"""

from __future__ import annotations

import re

from app.errors import ValidationFailed
from app.services import trace
from epcis.gs1 import GS

MAX_SCAN = 512

# Longest first so `<FNC1>` is not half-eaten by a shorter stand-in.
STAND_INS: tuple[str, ...] = (
    "<FNC1>",
    "{FNC1}",
    "[FNC1]",
    "\\u001d",
    "\\u001D",
    "\\x1d",
    "\\x1D",
    "\\035",
    "<GS>",
    "{GS}",
    "[GS]",
    "<gs>",
    "{gs}",
    "[gs]",
    "^]",
    "~1",
    "\u241d",
)
_STAND_IN = re.compile("|".join(re.escape(s) for s in STAND_INS))
# Scanners add CR, LF or TAB as the terminating "suffix"; some keyboards type FNC1 as these mid-string too.
_TRAILERS = "\r\n\t "
_URI = re.compile(r"(?i)(https?://|urn:)")


def normalise(raw: str) -> str:
    """The scan with every separator stand-in as GS and the scanner's suffix removed (text otherwise kept)."""
    if len(raw) > MAX_SCAN:
        raise ValidationFailed(f"a scan is at most {MAX_SCAN} characters; got {len(raw)}", field="code")
    text = raw.strip(_TRAILERS)
    if not text:
        raise ValidationFailed("scan or type a code: the field is empty", field="code")
    text = _STAND_IN.sub(GS, text)
    # A symbology identifier before a URI (`]Q1`, `]Q3`, `]d1`, `]d2`): the URI is the code.
    if text.startswith("]") and _URI.match(text[3:]):
        text = text[3:]
    if _URI.match(text):
        return text.replace(GS, "")
    return text


def resolve(raw: str) -> str:
    """The canonical key (Digital Link of an SGTIN or SSCC) of a scan in any form a scanner types."""
    return trace.resolve(normalise(raw))
