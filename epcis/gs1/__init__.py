"""GS1 identifiers and data carriers' content: AI dictionary, element strings, Digital Link, EPC URNs.

``parse(text)`` reads any GS1 representation into a validated :class:`ElementString`;
``element_string(mapping, form)`` writes one back. Errors are :class:`Gs1Error` (a ``ValueError``).
"""

from epcis.gs1.checkdigit import check_digit, is_valid
from epcis.gs1.cset import CSET39, CSET64, CSET82, check_cset82, is_cset82
from epcis.gs1.dates import Gs1Date, parse_yymmdd, resolve_century
from epcis.gs1.dictionary import AiEntry, Component, ai_table, lookup
from epcis.gs1.digital_link import CANONICAL_STEM, generate_digital_link, parse_digital_link
from epcis.gs1.elementstring import GS, Form, element_string, parse
from epcis.gs1.epc import epc_escape, parse_epc_urn
from epcis.gs1.errors import (
    DictionaryError,
    DigitalLinkError,
    EpcUrnError,
    Gs1AssociationError,
    Gs1CheckDigitError,
    Gs1DateError,
    Gs1Error,
    Gs1FormatError,
    Gs1LintError,
    Gs1SyntaxError,
)
from epcis.gs1.identifiers import Gln, Gtin, Lgtin, Sgln, Sgtin, Sscc
from epcis.gs1.message import ElementString
from epcis.gs1.validate import check_value

__all__ = [
    "CANONICAL_STEM",
    "CSET39",
    "CSET64",
    "CSET82",
    "GS",
    "AiEntry",
    "Component",
    "DictionaryError",
    "DigitalLinkError",
    "ElementString",
    "EpcUrnError",
    "Form",
    "Gln",
    "Gs1AssociationError",
    "Gs1CheckDigitError",
    "Gs1Date",
    "Gs1DateError",
    "Gs1Error",
    "Gs1FormatError",
    "Gs1LintError",
    "Gs1SyntaxError",
    "Gtin",
    "Lgtin",
    "Sgln",
    "Sgtin",
    "Sscc",
    "ai_table",
    "check_cset82",
    "check_digit",
    "check_value",
    "element_string",
    "epc_escape",
    "generate_digital_link",
    "is_cset82",
    "is_valid",
    "lookup",
    "parse",
    "parse_digital_link",
    "parse_epc_urn",
    "parse_yymmdd",
    "resolve_century",
]
