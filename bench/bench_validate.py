"""Benchmark: `epcis.validate.validate` against bare lxml XSD and jsonschema validation of the same bytes.

Builds an EPCIS 2.0 XML document of ObjectEvents and its JSON-LD twin, then times
  XML : our validate (XSD + rules, one parse)  vs  lxml.etree.fromstring + XMLSchema.validate
  JSON: our validate (schema per event + rules) vs  json.loads + Draft7Validator on the whole document
Run: python bench/bench_validate.py [--quick] [--events N] [--json-events N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from jsonschema import Draft7Validator  # noqa: E402
from lxml import etree  # noqa: E402

from epcis.validate import ValidationIssue, validate  # noqa: E402
from epcis.validation.schemas import forget_passes  # noqa: E402

NS = "urn:epcglobal:epcis:xsd:2"
CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
XSD = ROOT / "epcis" / "data" / "xsd" / "2.0" / "EPCglobal-epcis-2_0.xsd"
JSON_SCHEMA = ROOT / "epcis" / "data" / "jsonschema" / "epcis-json-schema-2.0.1.json"
EPCS_PER_EVENT = 3


def _epc(event: int, item: int) -> str:
    return f"urn:epc:id:sgtin:0614141.107346.{event * EPCS_PER_EVENT + item}"


def _time(event: int) -> str:
    return f"2026-03-01T{(event // 3600) % 24:02d}:{(event // 60) % 60:02d}:{event % 60:02d}.000+01:00"


def _escaped(event: int, item: int) -> str:
    return f"urn:epc:id:sgtin:0614141.107346.A%2F{event * EPCS_PER_EVENT + item}"


def build_xml(events: int, epc: Callable[[int, int], str] = _epc) -> bytes:
    root = etree.Element(
        etree.QName(NS, "EPCISDocument"), nsmap={"epcis": NS}, schemaVersion="2.0", creationDate="2026-03-01T00:00:00Z"
    )
    event_list = etree.SubElement(etree.SubElement(root, "EPCISBody"), "EventList")
    sub = etree.SubElement
    for n in range(events):
        event = sub(event_list, "ObjectEvent")
        sub(event, "eventTime").text = _time(n)
        sub(event, "eventTimeZoneOffset").text = "+01:00"
        epcs = sub(event, "epcList")
        for item in range(EPCS_PER_EVENT):
            sub(epcs, "epc").text = epc(n, item)
        sub(event, "action").text = "OBSERVE"
        sub(event, "bizStep").text = "urn:epcglobal:cbv:bizstep:shipping"
        sub(event, "disposition").text = "urn:epcglobal:cbv:disp:in_transit"
        sub(sub(event, "readPoint"), "id").text = "urn:epc:id:sgln:0614141.00777.0"
        sub(sub(event, "bizLocation"), "id").text = "urn:epc:id:sgln:0614141.00888.0"
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def build_json(events: int) -> bytes:
    document: dict[str, Any] = {
        "@context": [CONTEXT],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2026-03-01T00:00:00Z",
        "epcisBody": {
            "eventList": [
                {
                    "type": "ObjectEvent",
                    "eventTime": _time(n),
                    "eventTimeZoneOffset": "+01:00",
                    "epcList": [_epc(n, item) for item in range(EPCS_PER_EVENT)],
                    "action": "OBSERVE",
                    "bizStep": "shipping",
                    "disposition": "in_transit",
                    "readPoint": {"id": "urn:epc:id:sgln:0614141.00777.0"},
                    "bizLocation": {"id": "urn:epc:id:sgln:0614141.00888.0"},
                }
                for n in range(events)
            ]
        },
    }
    return json.dumps(document).encode()


def _timed(action: Callable[[], object]) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def _best_of(repeat: int, ours: Callable[[], object], raw: Callable[[], object]) -> tuple[float, object, float, object]:
    """Best time of each over `repeat` interleaved rounds (interleaving spreads machine noise evenly)."""
    best_ours = best_raw = float("inf")
    ours_result: object = None
    raw_result: object = None
    for _ in range(repeat):
        elapsed, raw_result = _timed(raw)
        best_raw = min(best_raw, elapsed)
        elapsed, ours_result = _timed(ours)
        best_ours = min(best_ours, elapsed)
    return best_ours, ours_result, best_raw, raw_result


def _report(label: str, events: int, ours: float, raw: float, raw_label: str) -> None:
    print(f"{label} ours     : {ours:7.2f} s  {events / ours:10,.0f} events/s")
    print(f"{label} baseline : {raw:7.2f} s  {events / raw:10,.0f} events/s  ({raw_label})")
    print(f"{label} ratio    : {ours / raw:7.2f}x the baseline time")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="5,000 events instead of 100,000")
    parser.add_argument("--events", type=int, help="number of events (overrides --quick)")
    parser.add_argument(
        "--json-events",
        type=int,
        help="events in the JSON twin (default: at most 2,000, since plain jsonschema takes ~6 ms per event)",
    )
    parser.add_argument("--repeat", type=int, default=3, help="interleaved rounds; the best time counts")
    args = parser.parse_args(argv)
    events = args.events or (5_000 if args.quick else 100_000)
    json_events = args.json_events or min(events, 2_000)

    build_time, xml_bytes = _timed(lambda: build_xml(events))
    assert isinstance(xml_bytes, bytes)
    json_time, json_bytes = _timed(lambda: build_json(json_events))
    assert isinstance(json_bytes, bytes)
    print(f"{events:,} ObjectEvents (XML), {json_events:,} (JSON), {EPCS_PER_EVENT} EPCs each")
    print(f"built XML {len(xml_bytes) / 1e6:.1f} MB in {build_time:.2f} s", end=", ")
    print(f"JSON {len(json_bytes) / 1e6:.1f} MB in {json_time:.2f} s")

    validate(b"<warm-up/>")  # compile the schemas outside the timed region, as the baseline does
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    parser_xml = etree.XMLParser(resolve_entities=False, no_network=True)

    def raw_xml() -> bool:
        return bool(schema.validate(etree.fromstring(xml_bytes, parser_xml)))

    ours_time, issues, raw_time, raw_ok = _best_of(args.repeat, lambda: validate(xml_bytes), raw_xml)
    if not raw_ok or issues:
        print(f"unexpected XML result: baseline valid={raw_ok}, issues={issues!r:.300}")
        return 1
    _report("XML ", events, ours_time, raw_time, "etree.fromstring + XMLSchema.validate")

    # Serials with %-escapes: the bulk screen's slower EPC pattern (before it, every event took the per-event rules).
    custom_bytes = build_xml(events, epc=_escaped)

    def raw_custom() -> bool:
        return bool(schema.validate(etree.fromstring(custom_bytes, parser_xml)))

    ours_time, issues, raw_time, raw_ok = _best_of(args.repeat, lambda: validate(custom_bytes), raw_custom)
    if not raw_ok or issues:
        print(f"unexpected XML result: baseline valid={raw_ok}, issues={issues!r:.300}")
        return 1
    _report("XML*", events, ours_time, raw_time, "same, %-escaped serials")

    validator = Draft7Validator(json.loads(JSON_SCHEMA.read_text()), format_checker=Draft7Validator.FORMAT_CHECKER)
    validate(b'{"type": "EPCISDocument"}')

    def raw_json() -> list[Any]:
        return list(validator.iter_errors(json.loads(json_bytes)))

    def ours_json() -> list[ValidationIssue]:
        forget_passes()  # a cold start each round: real documents bring new EPCs
        return validate(json_bytes)

    ours_time, issues, raw_time, raw_errors = _best_of(args.repeat, ours_json, raw_json)
    if raw_errors or issues:
        print(f"unexpected JSON result: baseline errors={raw_errors!r:.300}, issues={issues!r:.300}")
        return 1
    _report("JSON", json_events, ours_time, raw_time, "json.loads + Draft7Validator(format checks)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
