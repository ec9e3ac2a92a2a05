"""Benchmark: EPCIS parse + event hash against raw lxml / json.loads, and against the reference hasher.

Builds an EPCIS 2.0 document of 100,000 events (``--quick``: 5,000) as XML and as JSON-LD, then prints
(a) our parse + hash of every event beside bare ``lxml.etree.fromstring`` / ``json.loads``, then validate +
parse + hash (as two calls, and as one ``epcis.parse_validated``) beside lxml parse + XSD validation, and for
JSON-LD (on a subset: plain jsonschema takes milliseconds per event) beside ``json.loads`` + the same
JSON schema; (b) our ``event_hash`` beside ``epcis_event_hash_generator`` on the same documents, after
checking both give identical hash IDs.
Times are CPU seconds of this process.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lxml import etree

from epcis import parse, to_jsonld, to_xml
from epcis.epc import _gtin_base, canonical_digital_link
from epcis.hashing import _DAYS, canonical_value, document_hashes
from epcis.model import (
    AggregationEvent,
    BizTransaction,
    Document,
    Epc,
    Event,
    Extension,
    Location,
    ObjectEvent,
    QuantityElement,
)

EX = "https://ns.example.com/epcis/"


def build_document(count: int, seed: int = 11) -> Document:
    """``count`` pharma-like events: commissioning/shipping ObjectEvents and packing AggregationEvents."""
    rng = random.Random(seed)
    tz = timezone(timedelta(hours=-5))
    start = datetime(2024, 3, 1, 8, 0, tzinfo=tz)
    events: list[Event] = []
    for i in range(count):
        when = start + timedelta(milliseconds=1_537 * i + rng.randint(0, 999))
        serials = [f"urn:epc:id:sgtin:0300012.012345.{rng.randrange(10**11):011d}" for _ in range(rng.randint(1, 3))]
        common: dict[str, Any] = {
            "event_time": when,
            "event_time_zone_offset": "-05:00",
            "action": "ADD" if i % 3 else "OBSERVE",
            "read_point": Location(id=Epc("urn:epc:id:sgln:0300012.00001.0")),
            "biz_location": Location(id=Epc("urn:epc:id:sgln:0300012.00001.0")),
        }
        if i % 5 == 4:
            events.append(
                AggregationEvent(
                    **common,
                    biz_step="packing",
                    disposition="in_progress",
                    parent_id=Epc(f"urn:epc:id:sscc:0300012.{rng.randrange(10**10):010d}"),
                    child_epcs=[Epc(s) for s in serials],
                )
            )
            continue
        shipping = i % 5 == 3
        events.append(
            ObjectEvent(
                **common,
                biz_step="shipping" if shipping else "commissioning",
                disposition="in_transit" if shipping else "active",
                epc_list=[Epc(s) for s in serials],
                quantity_list=[
                    QuantityElement(epc_class=Epc("urn:epc:class:lgtin:0300012.012345.L1"), quantity=Decimal(2))
                ]
                if i % 7 == 0
                else [],
                biz_transactions=[BizTransaction(value=f"urn:epcglobal:cbv:bt:0300012000004:PO{i}", type="po")]
                if shipping
                else [],
                extensions=[Extension(name=f"{{{EX}}}line", text=f"L{i % 4}")],
            )
        )
    return Document(creation_date=datetime(2024, 3, 1, tzinfo=UTC), events=events, namespaces={"example": EX})


def timed(label: str, func: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
    """Best CPU time of ``repeat`` runs (CPU time, not wall time: the figures stay stable on a busy machine)."""
    best = float("inf")
    result: Any = None
    for _ in range(repeat):
        started = time.process_time()
        result = func()
        best = min(best, time.process_time() - started)
    print(f"  {label:<56} {best:8.3f} s", flush=True)
    return best, result


def _clear_caches() -> None:
    """Forget canonical forms seen before, so every timed run starts cold."""
    canonical_value.cache_clear()
    canonical_digital_link.cache_clear()
    _gtin_base.cache_clear()
    _DAYS.clear()
    try:
        from epcis.validation.schemas import forget_passes
    except ImportError:
        return
    forget_passes()


def _xsd_schema() -> etree.XMLSchema | None:
    path = Path(__file__).resolve().parents[1] / "epcis" / "data" / "xsd" / "2.0" / "EPCglobal-epcis-2_0.xsd"
    return etree.XMLSchema(etree.parse(str(path))) if path.exists() else None


def _ours(data: bytes | str) -> list[str]:
    return document_hashes(parse(data))


def _validated(data: bytes) -> list[str]:
    from epcis.validate import parse_validated

    doc, issues = parse_validated(data)
    assert doc is not None, issues[:3]
    return document_hashes(doc)


def bench_json_validated(doc: Document, limit: int) -> None:
    """JSON-LD validate + parse + hash of the first ``limit`` events beside json.loads + the same JSON schema."""
    from jsonschema import Draft7Validator

    subset = Document(creation_date=doc.creation_date, events=doc.events[:limit], namespaces=doc.namespaces)
    data = json.dumps(to_jsonld(subset)).encode()
    path = Path(__file__).resolve().parents[1] / "epcis" / "data" / "jsonschema" / "epcis-json-schema-2.0.1.json"
    schema = Draft7Validator(json.loads(path.read_text()), format_checker=Draft7Validator.FORMAT_CHECKER)
    print(f"  JSON-LD, {limit:,} events:")
    base, errors = timed(
        "baseline: json.loads + Draft7Validator (format checks)", lambda: list(schema.iter_errors(json.loads(data)))
    )
    assert errors == [], errors[:3]
    _clear_caches()
    ours, _ = timed("epcis.parse_validated(jsonld) + hash", lambda: _validated(data))
    print(f"  -> JSON-LD validate+parse+hash: {ours / base:.2f}x json.loads + JSON schema (target <= 4x)")


def bench_parse(xml: bytes, json_text: str, count: int) -> list[str]:
    print(f"(a) parse + hash of {count:,} events ({len(xml) / 1e6:.1f} MB XML, {len(json_text) / 1e6:.1f} MB JSON-LD)")
    base_xml, _ = timed("baseline: lxml.etree.fromstring", lambda: etree.fromstring(xml), repeat=3)
    _clear_caches()
    ours_xml, hashes = timed("epcis.parse(xml) + event_hash for every event", lambda: _ours(xml))
    print(f"  -> XML: {count / ours_xml:,.0f} events/s, {ours_xml / base_xml:.1f}x the bare lxml parse")
    base_json, _ = timed("baseline: json.loads", lambda: json.loads(json_text), repeat=3)
    _clear_caches()
    ours_json, json_hashes = timed("epcis.parse(jsonld) + event_hash for every event", lambda: _ours(json_text))
    print(f"  -> JSON-LD: {count / ours_json:,.0f} events/s, {ours_json / base_json:.1f}x json.loads")
    assert json_hashes == hashes, "XML and JSON-LD give different hash IDs"
    try:
        from epcis.validate import validate
    except ImportError:
        print("  (epcis.validate not available: XSD comparison skipped)")
        return hashes
    schema = _xsd_schema()
    if schema is not None:
        base_xsd, valid = timed(
            "baseline: lxml parse + XSD validate", lambda: schema.validate(etree.fromstring(xml)), repeat=3
        )
        assert valid, schema.error_log
        _clear_caches()
        full, issues = timed("epcis.validate + parse + hash", lambda: (validate(xml), _ours(xml))[0])
        assert issues == [], issues[:3]
        alone, _ = timed("of which epcis.validate alone", lambda: validate(xml))
        print(f"  -> validate+parse+hash: {full / base_xsd:.1f}x lxml parse + XSD validate (target <= 4x);")
        print(f"     parse+hash alone: {(full - alone) / base_xsd:.1f}x, epcis.validate alone: {alone / base_xsd:.1f}x")
        _clear_caches()
        one, one_hashes = timed("epcis.parse_validated + hash (one lxml parse)", lambda: _validated(xml))
        assert one_hashes == hashes, "parse_validated gives other hash IDs"
        print(f"  -> parse_validated+hash: {one / base_xsd:.1f}x lxml parse + XSD validate (target <= 4x)")
    return hashes


def bench_hash(doc: Document, xml: bytes, json_text: str, hashes: list[str], json_limit: int) -> int:
    count = len(doc.events)
    print("(b) event hash IDs, ours vs the reference implementation (epcis_event_hash_generator)")
    try:
        from epcis_event_hash_generator import json_to_py, xml_to_py
        from epcis_event_hash_generator.hash_generator import epcis_hashes_from_events
    except ImportError:
        print("  epcis_event_hash_generator is not installed: comparison skipped")
        return 0
    _clear_caches()
    ours, _ = timed("ours: event_hash over parsed events", lambda: document_hashes(doc))
    text = xml.decode("utf-8")
    ref_parsed, ref_events = timed(
        "reference: XML -> its event tree", lambda: xml_to_py.event_list_from_epcis_document_str(text)
    )
    ref_hash, ref_hashes = timed("reference: hashes from its event tree", lambda: epcis_hashes_from_events(ref_events))
    if ref_hashes != hashes:
        print("  MISMATCH between our hash IDs and the reference ones")
        return 1
    print(f"  identical hash IDs for all {count:,} XML events")
    print(
        f"  -> hashing: ours {count / ours:,.0f} events/s, reference {count / ref_hash:,.0f} events/s:"
        f" {ref_hash / ours:.1f}x faster (target >= 5x)"
    )
    _clear_caches()
    ours_full, _ = timed("ours: parse XML + hash", lambda: _ours(xml))
    print(f"  -> XML to hash IDs: {(ref_parsed + ref_hash) / ours_full:.1f}x faster than the reference")
    subset = doc.events[:json_limit]
    small = json.dumps(to_jsonld(Document(creation_date=doc.creation_date, events=subset, namespaces=doc.namespaces)))
    _clear_caches()
    ours_json, ours_small = timed(f"ours: parse JSON-LD + hash ({len(subset):,} events)", lambda: _ours(small))
    ref_json, ref_small = timed(
        f"reference: JSON-LD -> hashes ({len(subset):,} events)",
        lambda: epcis_hashes_from_events(json_to_py.event_list_from_epcis_document_str(small)),
    )
    if ref_small != ours_small:
        print("  MISMATCH between our JSON-LD hash IDs and the reference ones")
        return 1
    print(f"  -> JSON-LD to hash IDs: identical, {ref_json / ours_json:.1f}x faster than the reference")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="5,000 events instead of 100,000")
    args = parser.parse_args(argv)
    count = 5_000 if args.quick else 100_000
    from epcis.compiled import XMLWALK

    reader = "pure Python (EPCIS_PURE_PYTHON=1 or not built)" if XMLWALK is None else "compiled (epcis/_xmlwalk)"
    print(f"XML reader: {reader}")
    doc = build_document(count)
    _, xml = timed("building the XML document (to_xml)", lambda: to_xml(doc))
    _, json_text = timed("building the JSON-LD document (to_jsonld)", lambda: json.dumps(to_jsonld(doc)))
    hashes = bench_parse(xml, json_text, count)
    bench_json_validated(doc, 500 if args.quick else 2_000)
    return bench_hash(doc, xml, json_text, hashes, json_limit=500 if args.quick else 2_000)


if __name__ == "__main__":
    raise SystemExit(main())
