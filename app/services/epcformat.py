"""EPC forms in query answers (`GS1-EPC-Format`): as captured, always GS1 Digital Link, or always EPC URN.

A Digital Link does not say where the GS1 Company Prefix ends; the URN needs it. Prefixes are
known for this service's own products and SSCC ranges; an identifier under another company's
prefix stays a Digital Link (there is no way to split it correctly).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Product, SsccAllocation
from app.services.eventstore import canonical, gs1_key
from epcis import cbv
from epcis.model import Epc

FORMATS = ("No_Preference", "Always_GS1_Digital_Link", "Always_EPC_URN", "Never_Translates")
_LISTS = ("epcList", "childEPCs", "inputEPCList", "outputEPCList")
_QUANTITIES = ("quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList")
_KEY = re.compile(r"https://id\.gs1\.org/(01|00|414|417|8003|8004)/(\d+)")


def known_prefixes(session: Session) -> list[str]:
    """GS1 Company Prefixes this service knows the length of, longest first."""
    prefixes = {gtin[1 : 1 + n] for gtin, n in session.execute(select(Product.gtin, Product.company_prefix_length))}
    prefixes |= set(session.scalars(select(SsccAllocation.company_prefix).distinct()))
    return sorted(prefixes, key=len, reverse=True)


def translator(fmt: str, prefixes: list[str]) -> Callable[[str], str] | None:
    """The function applied to every identifier for `fmt`, or None to leave answers as captured."""
    if fmt == "Always_GS1_Digital_Link":
        return canonical
    if fmt != "Always_EPC_URN":
        return None

    def to_urn(value: str) -> str:
        # A serial or lot with %-escapes has no link in the hash rules' form; its key (for an item) or the
        # link itself (for a lot class) converts all the same.
        link = gs1_key(value) or (value if value.startswith("https://id.gs1.org/") else None)
        if link is None:
            return value
        match = _KEY.match(link)
        if match is None:
            return value
        ai, key = match.groups()
        digits = key[1:] if ai in ("01", "00", "8003") else key
        for prefix in prefixes:
            if digits.startswith(prefix):
                return Epc(link).to_urn(len(prefix)) or value
        return value

    return to_urn


def translate(event: dict[str, Any], convert: Callable[[str], str]) -> dict[str, Any]:
    """A copy of one JSON-LD event with every EPC-bearing field passed through `convert`."""
    out = dict(event)
    for name in _LISTS:
        if name in out:
            out[name] = [convert(v) for v in out[name]]
    if "parentID" in out:
        out["parentID"] = convert(out["parentID"])
    for name in _QUANTITIES:
        if name in out:
            out[name] = [{**q, "epcClass": convert(q["epcClass"])} for q in out[name]]
    for name in ("readPoint", "bizLocation"):
        if isinstance(out.get(name), dict) and "id" in out[name]:
            out[name] = {**out[name], "id": convert(out[name]["id"])}
    for name, key in (("sourceList", "source"), ("destinationList", "destination")):
        if name in out:
            out[name] = [{**item, key: convert(item[key])} for item in out[name]]
    return out


# `GS1-CBV-XML-Format` (XML answers only): the form of the CBV codes in the document.
CBV_FORMATS = ("No_Preference", "Always_Web_URI", "Always_URN", "Never_Translates")
# Elements whose text is a CBV code, by their parent's local name (None: any parent), with the code list.
_CBV_TEXT: dict[tuple[str | None, str], str] = {
    (None, "bizStep"): "bizStep",
    (None, "disposition"): "disposition",
    ("errorDeclaration", "reason"): "errorReason",
    ("persistentDisposition", "set"): "disposition",
    ("persistentDisposition", "unset"): "disposition",
}
# Elements whose `type` attribute is a CBV code.
_CBV_TYPE = {"bizTransaction": "bizTransactionType", "source": "sourceDestType", "destination": "sourceDestType"}


def cbv_xml(xml: bytes, fmt: str) -> bytes:
    """An XML answer with its CBV codes in the form `fmt` asks for.

    The XML writer gives URNs, which is also what `No_Preference` gets. Codes are kept in their bare-word
    form once captured, so `Never_Translates` cannot give back the captured form: it gets URNs too.
    """
    if fmt != "Always_Web_URI":
        return xml
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    root = etree.fromstring(xml, parser)
    for element in root.iter("*"):
        local = etree.QName(element).localname
        parent = element.getparent()
        above = etree.QName(parent).localname if parent is not None else None
        vocabulary = _CBV_TEXT.get((above, local)) or _CBV_TEXT.get((None, local))
        if vocabulary and element.text:
            element.text = cbv.web_uri(vocabulary, element.text.strip())
        if local in _CBV_TYPE and element.get("type"):
            element.set("type", cbv.web_uri(_CBV_TYPE[local], element.get("type", "")))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
