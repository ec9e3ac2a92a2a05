"""JSON-binding-shaped view of one XML event, with the element behind each field for locating issues.

Only the fields the rules read are lifted; `extension` and `baseExtension` wrappers (EPCIS 1.2, and
2.0's remaining ones) are flattened so both XML versions look like the JSON binding. The
field-to-element map is only built when an issue needs locating, which keeps the valid path cheap.
"""

from __future__ import annotations

import re
from typing import Any

from lxml import etree

_STRIPPED = frozenset({"action", "parentID", "eventTime", "recordTime", "bizStep", "disposition"})
_EPC_LISTS = frozenset({"epcList", "childEPCs", "inputEPCList", "outputEPCList"})
_QUANTITY_LISTS = frozenset({"quantityList", "childQuantityList", "inputQuantityList", "outputQuantityList"})
_WRAPPERS = frozenset({"extension", "baseExtension"})
_LIFTED = _STRIPPED | _EPC_LISTS | _QUANTITY_LISTS | _WRAPPERS
_LIFTED |= {"eventTimeZoneOffset", "readPoint", "bizLocation", "errorDeclaration", "persistentDisposition"}
_LIFTED |= {"sensorElementList"}


class EventView:
    """`data` mirrors the JSON binding; `locate` maps a field path back to its element."""

    __slots__ = ("_elements", "data", "element")

    def __init__(self, element: etree._Element) -> None:
        self.element = element
        self.data: dict[str, Any] = {"type": element.tag}
        self._elements: dict[str, etree._Element] | None = None
        _lift(element, self.data, None)

    def locate(self, path: str) -> tuple[str, int | None]:
        """XPath-like location and source line of a field path such as `quantityList[0].uom`."""
        elements = self._elements
        if elements is None:
            elements = self._elements = {}
            _lift(self.element, {}, elements)
        prefix, rest = path, ""
        while prefix and prefix not in elements:
            cut = max(prefix.rfind("."), prefix.rfind("["))
            if cut <= 0:
                prefix, rest = "", "." + path
                break
            prefix, rest = prefix[:cut], prefix[cut:] + rest
        element = elements[prefix] if prefix else self.element
        attribute = element.tag in ("sensorMetadata", "sensorReport")
        return element.getroottree().getpath(element) + _xpath_suffix(rest, attribute), element.sourceline


def _raw_text(element: etree._Element) -> str:
    # Comments or processing instructions split the text into nodes; the XSD reads them joined.
    return "".join(element.itertext()) if len(element) else element.text or ""


def _text(element: etree._Element) -> str:
    return _raw_text(element).strip()


def _lift(parent: etree._Element, data: dict[str, Any], at: dict[str, etree._Element] | None) -> None:
    """Copy the rule-relevant children of an event into `data`; record elements in `at` if given."""
    for child in parent:
        tag = child.tag
        if tag not in _LIFTED:
            continue  # comments, processing instructions, user extensions, fields no rule reads
        if tag in _STRIPPED:
            data[tag] = _text(child)
        elif tag == "eventTimeZoneOffset":
            # xsd:string keeps whitespace, and so does the offset grammar: no strip here.
            data[tag] = _raw_text(child)
        elif tag in _EPC_LISTS:
            epcs = [epc for epc in child if epc.tag == "epc"]
            data[tag] = [_text(epc) for epc in epcs]
            if at is not None:
                at.update((f"{tag}[{n}]", epc) for n, epc in enumerate(epcs))
        elif tag in _WRAPPERS:
            _lift(child, data, at)
            continue
        elif tag in _QUANTITY_LISTS:
            data[tag] = _quantities(tag, child, at)
        elif tag in ("readPoint", "bizLocation"):
            ident = child.find("id")
            data[tag] = {"id": "" if ident is None else _text(ident)}
            if at is not None and ident is not None:
                at[f"{tag}.id"] = ident
        elif tag == "errorDeclaration":
            data[tag] = _declaration(child, at)
        elif tag == "persistentDisposition":
            data[tag] = _persistent(child, at)
        else:
            data[tag] = _sensors(child, at)
        if at is not None:
            at[tag] = child


def _quantities(name: str, container: etree._Element, at: dict[str, etree._Element] | None) -> list[dict[str, str]]:
    result = []
    for position, element in enumerate(e for e in container if e.tag == "quantityElement"):
        entry = {}
        for child in element:
            if child.tag in ("epcClass", "quantity", "uom"):
                entry[child.tag] = _text(child)
                if at is not None:
                    at[f"{name}[{position}].{child.tag}"] = child
        if at is not None:
            at[f"{name}[{position}]"] = element
        result.append(entry)
    return result


def _declaration(element: etree._Element, at: dict[str, etree._Element] | None) -> dict[str, str]:
    time = element.find("declarationTime")
    if time is None:
        return {}
    if at is not None:
        at["errorDeclaration.declarationTime"] = time
    return {"declarationTime": _text(time)}


def _persistent(container: etree._Element, at: dict[str, etree._Element] | None) -> dict[str, list[str]]:
    disposition: dict[str, list[str]] = {}
    for child in container:
        if child.tag in ("set", "unset"):
            values = disposition.setdefault(child.tag, [])
            if at is not None:
                at[f"persistentDisposition.{child.tag}[{len(values)}]"] = child
            values.append(_text(child))
    return disposition


def _sensors(container: etree._Element, at: dict[str, etree._Element] | None) -> list[dict[str, Any]]:
    elements: list[dict[str, Any]] = []
    for sensor in container:
        if sensor.tag != "sensorElement":
            continue
        path = f"sensorElementList[{len(elements)}]"
        entry: dict[str, Any] = {"sensorReport": []}
        for child in sensor:
            if child.tag == "sensorMetadata":
                entry["sensorMetadata"] = dict(child.attrib)
                if at is not None:
                    at[f"{path}.sensorMetadata"] = child
            elif child.tag == "sensorReport":
                if at is not None:
                    at[f"{path}.sensorReport[{len(entry['sensorReport'])}]"] = child
                entry["sensorReport"].append(dict(child.attrib))
        if at is not None:
            at[path] = sensor
        elements.append(entry)
    return elements


_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")


def _xpath_suffix(rest: str, attribute: bool) -> str:
    parts = []
    for name, index in _STEP.findall(rest):
        if name:
            parts.append(f"/@{name}" if attribute else f"/{name}")
        else:
            parts.append(f"[{int(index) + 1}]")
    return "".join(parts)
