"""The DSCSA document of one shipment of 10 pallets / 1,000 cases / 100,000 packs (EPCIS 1.2 XML with SBDH,
master data, the commissioning, packing and shipping events, EPC URNs): seconds, with and without the XSD
check, beside bare lxml building and serialisation of the same events; peak Python memory of one build."""

from __future__ import annotations

import gc
import json
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_capture import CONTEXT, build_document, links, serialised_batch  # noqa: E402
from common import GTIN, fresh_app, seed_product  # noqa: E402

OUR_GLN, PARTNER_GLN = "9506000000008", "4012345000009"
ADDRESS = {"street_one": "1 Example Way", "city": "Springfield", "state": "NJ", "postal_code": "07081", "country": "US"}


def _urn_sgtin(serial: str) -> str:
    return f"urn:epc:id:sgtin:9506000.{GTIN[0]}{GTIN[8:13]}.{serial}"


def _urn_sscc(sscc: str) -> str:
    return f"urn:epc:id:sscc:9506000.{sscc[0]}{sscc[8:17]}"


def bare_lxml(serials: list[str], cases: list[str], pallets: list[str]) -> tuple[float, int]:
    """Seconds to build with SubElement and serialise the same events (URNs prepared beforehand); bytes."""
    from lxml import etree

    packs = [_urn_sgtin(s) for s in serials]
    case_urns, pallet_urns = [_urn_sscc(c) for c in cases], [_urn_sscc(p) for p in pallets]
    site = "urn:epc:id:sgln:9506000.00000.0"
    started = time.perf_counter()
    root = etree.Element("{urn:epcglobal:epcis:xsd:1}EPCISDocument", schemaVersion="1.2")
    events = etree.SubElement(etree.SubElement(root, "EPCISBody"), "EventList")

    def event(tag: str, action: str, step: str, parent: str | None, children: list[str]) -> None:
        el = etree.SubElement(events, tag)
        etree.SubElement(el, "eventTime").text = "2026-11-27T10:00:00.000+01:00"
        etree.SubElement(el, "eventTimeZoneOffset").text = "+01:00"
        if parent is not None:
            etree.SubElement(el, "parentID").text = parent
        epcs = etree.SubElement(el, "childEPCs" if parent else "epcList")
        for code in children:
            etree.SubElement(epcs, "epc").text = code
        etree.SubElement(el, "action").text = action
        etree.SubElement(el, "bizStep").text = f"urn:epcglobal:cbv:bizstep:{step}"
        etree.SubElement(etree.SubElement(el, "bizLocation"), "id").text = site

    event("ObjectEvent", "ADD", "commissioning", None, packs)
    per_case, per_pallet = len(packs) // len(case_urns), len(case_urns) // len(pallet_urns)
    for i, case in enumerate(case_urns):
        event("AggregationEvent", "ADD", "packing", case, packs[i * per_case : (i + 1) * per_case])
    for i, pallet in enumerate(pallet_urns):
        event("AggregationEvent", "ADD", "packing", pallet, case_urns[i * per_pallet : (i + 1) * per_pallet])
    event("ObjectEvent", "OBSERVE", "shipping", None, pallet_urns)
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return time.perf_counter() - started, len(data)


def shipping_document(pallets: list[str]) -> bytes:
    event = {
        "type": "ObjectEvent",
        "eventTime": "2026-11-27T12:00:00+01:00",
        "eventTimeZoneOffset": "+01:00",
        "action": "OBSERVE",
        "bizStep": "shipping",
        "disposition": "in_transit",
        "epcList": [f"https://id.gs1.org/00/{p}" for p in pallets],
        "bizLocation": {"id": f"https://id.gs1.org/414/{OUR_GLN}"},
        "sourceList": [{"type": "owning_party", "source": f"https://id.gs1.org/417/{OUR_GLN}"}],
        "destinationList": [{"type": "owning_party", "destination": f"https://id.gs1.org/417/{PARTNER_GLN}"}],
    }
    return json.dumps(
        {
            "@context": [CONTEXT],
            "type": "EPCISDocument",
            "schemaVersion": "2.0",
            "creationDate": "2026-11-27T12:00:00Z",
            "epcisBody": {"eventList": [event]},
        }
    ).encode()


def run(backend: str, count: int) -> None:
    from sqlalchemy import select

    from app.models import EpcisEvent
    from app.services import capture, dscsa_document, dscsa_masterdata

    with fresh_app(backend) as app:
        if app is None:
            print(f"{backend}: skipped (no database server)")
            return
        database = app.extensions["custody.db"]
        admin = seed_product(database)
        strings, cases, pallets = serialised_batch(database, admin, count)
        limits = capture.CaptureLimits(max_events=100_000, max_bytes=200 * 2**20)
        for body in (build_document(strings, links(cases), links(pallets)), shipping_document(pallets)):
            job = capture.capture(database, admin, capture.parse_document(body, limits))
            assert job["success"], job["errors"][:1]
        product = {
            "ndc": "50090-1234-1",
            "ndc_type": "US_FDA_NDC",
            "drug_name": "Benchumab",
            "dosage_form": "TABLET",
            "strength": "10 mg",
            "container_size": "30 tablets",
            "manufacturer": "Bench Pharma",
        }
        dscsa_masterdata.set_product(database, admin, GTIN, product)
        for gln in (OUR_GLN, PARTNER_GLN):
            data = {**ADDRESS, "name": f"Site {gln}", "street_two": None, "company_prefix_length": 7}
            dscsa_masterdata.set_address(database, admin, gln, data)

        with database.read() as session:
            body = session.scalar(select(EpcisEvent.body).where(EpcisEvent.biz_step == "shipping"))
            assert body is not None
            shipping = dscsa_document.models([body])[0]
            timings: dict[bool, float] = {}
            size = 0
            dscsa_document.build(session, shipping, PARTNER_GLN, check=False)  # warm the database's caches
            for check in (False, True):
                gc.collect()
                started = time.perf_counter()
                document = dscsa_document.build(session, shipping, PARTNER_GLN, check=check)
                timings[check] = time.perf_counter() - started
                size = len(document)
            gc.collect()
            tracemalloc.start()
            dscsa_document.build(session, shipping, PARTNER_GLN, check=False)
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
        base, base_size = bare_lxml(strings, cases, pallets)
        print(
            f"{backend:<10} {len(pallets):,} pallets / {len(cases):,} cases / {count:,} packs: "
            f"document {size / 2**20:.1f} MB in {timings[False]:.2f} s, with the XSD check {timings[True]:.2f} s; "
            f"peak Python memory {peak / 2**20:.0f} MB",
            flush=True,
        )
        print(
            f"{'':<10} bare lxml build + tostring of the same events ({base_size / 2**20:.1f} MB) {base:.2f} s; "
            f"ratio {timings[False] / base:.1f}x (with the check {timings[True] / base:.1f}x)",
            flush=True,
        )


def main(argv: list[str] | None = None) -> int:
    count = 5_000 if "--quick" in (argv or []) else 100_000
    for backend in ("sqlite", "postgresql"):
        run(backend, count)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
