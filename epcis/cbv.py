"""Core Business Vocabulary code lists and normalisation between URN, Web URI, CURIE and bare-word forms.

The code lists are read from the bundled EPCIS 2.0 JSON-LD context, which lists every standard code
per field. Values that are not standard codes (user-defined URIs) pass through unchanged.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

CBV_WEB = "https://ref.gs1.org/cbv/"
GS1_VOC = "https://gs1.org/voc/"


@dataclass(frozen=True)
class Vocabulary:
    """One CBV code list: its name, URN prefix (if any), Web URI prefix and the standard bare words."""

    name: str
    urn_prefix: str | None
    web_prefix: str
    curie_prefix: str
    words: frozenset[str]
    # Every accepted form (bare, Web URI, URN, CURIE) -> bare word: one dict lookup per value.
    forms: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        prefixes = ("", self.web_prefix, self.urn_prefix or "", self.curie_prefix)
        forms = {prefix + word: word for word in self.words for prefix in prefixes}
        object.__setattr__(self, "forms", forms)

    def to_bare(self, value: str) -> str:
        """The bare word for a standard code in any form; other values unchanged."""
        return self.forms.get(value, value)

    def to_web(self, value: str) -> str:
        """The Web URI of a standard code (given in any form); other values unchanged."""
        bare = self.to_bare(value)
        return self.web_prefix + bare if bare in self.words else value

    def to_urn(self, value: str) -> str:
        """The URN of a standard code when the list has URNs, else its Web URI; other values unchanged."""
        bare = self.to_bare(value)
        if bare not in self.words:
            return value
        return (self.urn_prefix or self.web_prefix) + bare

    def to_curie(self, value: str) -> str:
        """The CURIE (``gs1:Temperature``) of a standard code; other values unchanged."""
        bare = self.to_bare(value)
        return self.curie_prefix + bare if bare in self.words else value


def _context() -> dict[str, Any]:
    text = resources.files("epcis").joinpath("data/contexts/epcis-context.jsonld").read_text("utf-8")
    return json.loads(text)["@context"]


def _words(ctx: Any) -> frozenset[str]:
    if isinstance(ctx, list):
        ctx = next(c for c in ctx if any(isinstance(v, str) and ":" in v for v in c.values()))
    return frozenset(k for k, v in ctx.items() if isinstance(v, str) and not k.startswith("@") and ":" in v)


@cache
def vocabularies() -> dict[str, Vocabulary]:
    """Every CBV/GS1 code list this library knows, by name."""
    ctx = _context()
    sensor = ctx["sensorElementList"]["@context"]["sensorReport"]["@context"]
    spec = {
        "bizStep": ("urn:epcglobal:cbv:bizstep:", "BizStep-", ctx["bizStep"]["@context"]),
        "disposition": ("urn:epcglobal:cbv:disp:", "Disp-", ctx["disposition"]["@context"]),
        "bizTransactionType": (
            "urn:epcglobal:cbv:btt:",
            "BTT-",
            ctx["bizTransactionList"]["@context"]["type"]["@context"],
        ),
        "sourceDestType": (
            "urn:epcglobal:cbv:sdt:",
            "SDT-",
            ctx["sourceList"]["@context"]["type"]["@context"],
        ),
        "errorReason": (
            "urn:epcglobal:cbv:er:",
            "ER-",
            ctx["errorDeclaration"]["@context"]["reason"]["@context"],
        ),
        "component": (None, "Comp-", sensor["component"]["@context"]),
    }
    out = {
        name: Vocabulary(name, urn, CBV_WEB + tail, "cbv:" + tail, _words(words))
        for name, (urn, tail, words) in spec.items()
    }
    for name, key in (("measurementType", "type"), ("sensorAlertType", "exception")):
        out[name] = Vocabulary(name, None, GS1_VOC, "gs1:", _words(sensor[key]["@context"]))
    return out


def vocabulary(name: str) -> Vocabulary:
    """The code list called ``name`` (``bizStep``, ``disposition``, ``bizTransactionType``, ...)."""
    return vocabularies()[name]


def bare(name: str, value: str) -> str:
    """Bare-word form of ``value`` in code list ``name`` (``shipping``); non-CBV values unchanged."""
    return vocabularies()[name].to_bare(value)


def web_uri(name: str, value: str) -> str:
    """Web URI form (``https://ref.gs1.org/cbv/BizStep-shipping``); non-CBV values unchanged."""
    return vocabularies()[name].to_web(value)


def urn(name: str, value: str) -> str:
    """URN form (``urn:epcglobal:cbv:bizstep:shipping``); non-CBV values unchanged."""
    return vocabularies()[name].to_urn(value)
