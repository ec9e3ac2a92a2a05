"""The DSCSA shipment document: EPCIS 1.2 XML in the GS1 US guideline R1.3 shape (SBDH, EPCClass and Location
master data, transaction statement, guideline version) with the commissioning, packing and shipping events
of exactly the shipped hierarchy, identifiers written as EPC URNs where the company prefix is known."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from app.models import EpcisEvent, EventEpc
from app.models.dscsa import DscsaAddress, DscsaProduct
from app.services import epcformat, eventstore, state
from app.services.bulk import member
from epcis import model
from epcis.errors import EpcisError
from epcis.jsonld import EPCIS_CONTEXT, parse_jsonld
from epcis.validate import validate
from epcis.xml import to_xml

GS1USHC = "http://epcis.gs1us.org/hc/ns"
CBVMDA = "urn:epcglobal:cbv:mda"
MDA = "urn:epcglobal:cbv:mda#"
GUIDELINE = "GS1 US DSCSA R1.3"
LEGAL_NOTICE = "Seller has complied with each applicable subsection of FDCA Sec. 581(27)(A)-(G)."
EPC_CLASS = "urn:epcglobal:epcis:vtype:EPCClass"
LOCATION = "urn:epcglobal:epcis:vtype:Location"
CHUNK = 50_000

_SGTIN = re.compile(r"https://id\.gs1\.org/01/(\d{14})/21/(.+)\Z")
# Digital Links that are canonical already (plain alphanumeric serials): canonicalising them is the identity.
_CANONICAL = re.compile(r"https://id\.gs1\.org/(?:01/\d{14}/21/[A-Za-z0-9]{1,20}|00/\d{18})\Z")
_PARTY = re.compile(r"https://id\.gs1\.org/(?:414|417)/(\d{13})(?:/254/.+)?\Z")
# The JSON-LD context spells cbvmda with a trailing colon; GS1 US files use the namespace without it.
_CBVMDA_JSONLD = "{urn:epcglobal:cbv:mda:}"


class MissingData(Exception):
    """The document cannot be made (yet): `reasons` says which master data to add, or what is wrong."""

    def __init__(self, reasons: list[str]) -> None:
        super().__init__("; ".join(reasons))
        self.reasons = reasons


@dataclass(frozen=True)
class Parties:
    """GLNs of the transferor (SBDH sender) and the transferee (SBDH receiver)."""

    sender: str
    receiver: str


def gln_of(identifier: str) -> str | None:
    """The 13-digit GLN of an SGLN/PGLN URN or Digital Link, else None."""
    match = _PARTY.match(eventstore.canonical(identifier))
    return match.group(1) if match else None


def parties(event: model.Event, receiver: str) -> Parties | None:
    """Sender: the source owning party, else the source location, else where the goods left; None if none."""
    ranked = [s.value for s in event.sources if s.type.endswith("owning_party")]
    ranked += [s.value for s in event.sources if s.type.endswith("location")]
    ranked += [loc.id for loc in (event.biz_location, event.read_point) if loc is not None]
    for candidate in ranked:
        gln = gln_of(candidate)
        if gln is not None:
            return Parties(sender=gln, receiver=receiver)
    return None


def shipped_codes(session: Session, event: model.Event) -> list[str]:
    """The canonical codes of a shipping event and everything packed inside them."""
    shipped = [eventstore.canonical(e) for e in getattr(event, "epc_list", [])]
    return list(dict.fromkeys(shipped + state.descendants(session, shipped)))


def _stored_events(session: Session, codes: list[str], shipping_id: str) -> list[model.Event]:
    """Commissioning, packing and this shipping event of `codes`, as models in event-time order."""
    found: dict[int, tuple[datetime, int, dict[str, Any]]] = {}
    for i in range(0, len(codes), CHUNK):
        touching = select(EventEpc.event_pk).where(member(session, EventEpc.epc, codes[i : i + CHUNK]))
        query = select(EpcisEvent.event_time, EpcisEvent.id, EpcisEvent.body).where(
            EpcisEvent.id.in_(touching), or_(EpcisEvent.action == "ADD", EpcisEvent.event_id == shipping_id)
        )
        for t, pk, body in session.execute(query):
            found[pk] = (t, pk, body)
    rows = sorted(found.values(), key=lambda r: (r[0], r[1]))
    return models([body for _, _, body in rows])


def models(bodies: list[dict[str, Any]]) -> list[model.Event]:
    """Stored JSON-LD event bodies as model events, in the given order.

    Bodies are parsed in groups that share one `@context`: stored events may bind the same generated
    prefix (`ext1`) to different namespaces, so their contexts cannot be merged into one document's.
    """
    groups: dict[str, list[int]] = {}
    for index, body in enumerate(bodies):
        groups.setdefault(json.dumps(body.get("@context") or [], sort_keys=True), []).append(index)
    out: list[model.Event | None] = [None] * len(bodies)
    for key, indexes in groups.items():
        own = [c for c in json.loads(key) if isinstance(c, dict)]
        events = [{k: v for k, v in bodies[i].items() if k != "@context"} for i in indexes]
        document = parse_jsonld(
            {
                "@context": [EPCIS_CONTEXT, *own],
                "type": "EPCISDocument",
                "schemaVersion": "2.0",
                "epcisBody": {"eventList": events},
            }
        )
        for i, event in zip(indexes, document.events, strict=True):
            out[i] = event
    return [e for e in out if e is not None]


def _memo() -> Callable[[str], str]:
    """`eventstore.canonical` remembered per value (a code appears in several events), canonical forms too."""
    cache: dict[str, str] = {}

    def canon(value: str) -> str:
        found = cache.get(value)
        if found is None:
            found = value if _CANONICAL.match(value) else eventstore.canonical(value)
            cache[value] = cache[found] = found
        return found

    return canon


def _trimmed(
    events: list[model.Event], codes: set[str], shipping_id: str, canon: Callable[[str], str]
) -> list[model.Event]:
    """Only the shipped hierarchy: commissioning of its codes, packing into its containers, the shipment."""
    out: list[model.Event] = []
    for event in events:
        event.record_time = None  # the receiver records its own
        if event.event_id == shipping_id:
            out.append(event)
        elif isinstance(event, model.ObjectEvent) and event.action == "ADD":
            kept = [e for e in event.epc_list if canon(e) in codes]
            if kept:
                if len(kept) < len(event.epc_list):
                    # A part of the event is not that event: its eventID must not be reused for it.
                    event.event_id = None
                event.epc_list = kept
                out.append(event)
        elif (
            isinstance(event, model.AggregationEvent)
            and event.action == "ADD"
            and event.parent_id
            and canon(event.parent_id) in codes
        ):
            kept = [e for e in event.child_epcs if canon(e) in codes]
            if len(kept) < len(event.child_epcs):
                event.event_id = None
            event.child_epcs = kept
            out.append(event)
    return out


def _converter(session: Session, addresses: Iterable[DscsaAddress]) -> Callable[[str], str]:
    """Digital Link -> EPC URN where the company prefix is known (our products, SSCCs, addresses' GLNs)."""
    prefixes = set(epcformat.known_prefixes(session))
    prefixes |= {a.gln[: a.company_prefix_length] for a in addresses if a.company_prefix_length}
    general = epcformat.translator("Always_EPC_URN", sorted(prefixes, key=len, reverse=True))
    assert general is not None
    by_gtin: dict[str, int | None] = {}
    done: dict[str, str] = {}  # packs appear in their commissioning and in their packing event

    def fresh(value: str) -> str:
        match = _SGTIN.match(value)
        if match is None:
            return general(value)
        gtin, serial = match.groups()
        if gtin not in by_gtin:
            found = next((p for p in sorted(prefixes, key=len, reverse=True) if gtin[1:].startswith(p)), None)
            by_gtin[gtin] = len(found) if found else None
        n = by_gtin[gtin]
        if n is None or "%" in serial:
            return general(value)
        return f"urn:epc:id:sgtin:{gtin[1 : 1 + n]}.{gtin[0]}{gtin[1 + n : 13]}.{serial}"

    def convert(value: str) -> str:
        found = done.get(value)
        if found is None:
            found = done[value] = fresh(value)
        return found

    return convert


def _urns(event: model.Event, convert: Callable[[str], str], canon: Callable[[str], str]) -> None:
    for attr in ("epc_list", "child_epcs"):
        values = getattr(event, attr, None)
        if values:
            setattr(event, attr, [model.Epc(convert(canon(v))) for v in values])
    parent = getattr(event, "parent_id", None)
    if parent:
        event.parent_id = model.Epc(convert(canon(parent)))  # type: ignore[attr-defined]
    for loc in (event.read_point, event.biz_location):
        if loc is not None:
            loc.id = model.Epc(convert(canon(loc.id)))
    for sd in (*event.sources, *event.destinations):
        sd.value = model.Epc(convert(canon(sd.value)))
    for attr in ("quantity_list", "child_quantity_list"):
        for q in getattr(event, attr, None) or ():
            q.epc_class = model.Epc(convert(canon(q.epc_class)))
    ilmd = getattr(event, "ilmd", None)
    if ilmd:
        for ext in ilmd:
            if ext.name.startswith(_CBVMDA_JSONLD):
                ext.name = "{" + CBVMDA + "}" + ext.name[len(_CBVMDA_JSONLD) :]


def _ilmd(event: model.Event, local: str) -> str | None:
    for ext in getattr(event, "ilmd", None) or ():
        if ext.name.rpartition("}")[2] == local:
            return ext.text
    return None


def _attr(name: str, value: str | None) -> list[model.VocabularyAttribute]:
    return [model.VocabularyAttribute(id=MDA + name, value=value)] if value else []


def _product_element(gtin: str, data: DscsaProduct, convert: Callable[[str], str]) -> model.VocabularyElement:
    element_id = convert(f"https://id.gs1.org/01/{gtin}")
    attributes = [
        *_attr("additionalTradeItemIdentification", data.ndc),
        *_attr("additionalTradeItemIdentificationTypeCode", data.ndc_type),
        *_attr("regulatedProductName", data.drug_name),
        *_attr("manufacturerOfTradeItemPartyName", data.manufacturer),
        *_attr("dosageFormType", data.dosage_form),
        *_attr("strengthDescription", data.strength),
        *_attr("netContentDescription", data.container_size),
    ]
    return model.VocabularyElement(id=element_id, attributes=attributes)


def _lot_element(gtin: str, lot: str, expiry: str | None, convert: Callable[[str], str]) -> model.VocabularyElement:
    element_id = convert(f"https://id.gs1.org/01/{gtin}/10/{quote(lot, safe='')}")
    attributes = [*_attr("lotNumber", lot), *_attr("itemExpirationDate", expiry)]
    return model.VocabularyElement(id=element_id, attributes=attributes)


def _location_element(element_id: str, address: DscsaAddress) -> model.VocabularyElement:
    attributes = [
        *_attr("name", address.name),
        *_attr("streetAddressOne", address.street_one),
        *_attr("streetAddressTwo", address.street_two),
        *_attr("city", address.city),
        *_attr("state", address.state),
        *_attr("postalCode", address.postal_code),
        *_attr("countryCode", address.country),
    ]
    return model.VocabularyElement(id=element_id, attributes=attributes)


def _identifier(gln: str, convert: Callable[[str], str]) -> model.Partner:
    urn = convert(f"https://id.gs1.org/414/{gln}")
    if urn.startswith("urn:"):
        return model.Partner(identifier=urn, authority="GS1")
    return model.Partner(identifier=gln, authority="GLN")


def _ext(name: str, text: str | None = None, *children: model.Extension) -> model.Extension:
    return model.Extension(name="{" + GS1USHC + "}" + name, text=text, children=list(children))


def build(
    session: Session,
    shipping: model.Event,
    receiver_gln: str,
    *,
    now: datetime | None = None,
    check: bool = True,
) -> bytes:
    """The DSCSA document of one stored shipping event for the partner `receiver_gln`.

    Raises `MissingData` naming every gap (product data per GTIN, addresses of sender and receiver).
    With `check`, the document is validated against the EPCIS 1.2 XSD before it is returned.
    """
    assert shipping.event_id is not None
    who = parties(shipping, receiver_gln)
    if who is None:
        raise MissingData(["the shipping event names no source owning party, source location or bizLocation GLN"])
    with model.gc_paused():  # many small model objects and no cycles: the collector's passes are pure cost
        return _build(session, shipping, who, now=now, check=check)


def _build(session: Session, shipping: model.Event, who: Parties, *, now: datetime | None, check: bool) -> bytes:
    assert shipping.event_id is not None
    canon = _memo()
    codes = shipped_codes(session, shipping)
    if not codes:
        raise MissingData(["the shipping event names no serialised codes (epcList): DSCSA needs package-level data"])
    events = _trimmed(_stored_events(session, codes, shipping.event_id), set(codes), shipping.event_id, canon)

    gtins = sorted({m.group(1) for code in codes if (m := _SGTIN.match(code))})
    products = {p.gtin: p for p in session.scalars(select(DscsaProduct).where(DscsaProduct.gtin.in_(gtins)))}
    reasons = [
        f"GTIN {g} has no DSCSA product data (PUT /api/v1/dscsa/products/{g})" for g in gtins if g not in products
    ]

    glns = {who.sender, who.receiver}
    for event in events:
        for ident in (
            *(loc.id for loc in (event.read_point, event.biz_location) if loc is not None),
            *(sd.value for sd in (*event.sources, *event.destinations)),
        ):
            if (gln := gln_of(ident)) is not None:
                glns.add(gln)
    addresses = {a.gln: a for a in session.scalars(select(DscsaAddress).where(DscsaAddress.gln.in_(sorted(glns))))}
    for role, gln in (("sender", who.sender), ("receiver", who.receiver)):
        if gln not in addresses:
            reasons.append(f"the {role} GLN {gln} has no DSCSA address (PUT /api/v1/dscsa/addresses/{gln})")
    if reasons:
        raise MissingData(reasons)

    convert = _converter(session, addresses.values())
    lots: dict[tuple[str, str], str | None] = {}
    for event in events:
        if isinstance(event, model.ObjectEvent) and (lot := _ilmd(event, "lotNumber")):
            for epc in event.epc_list:
                if m := _SGTIN.match(canon(epc)):
                    lots.setdefault((m.group(1), lot), _ilmd(event, "itemExpirationDate"))
        _urns(event, convert, canon)
    ship = next(e for e in events if e.event_id == shipping.event_id)
    if not any(x.name == "{" + GS1USHC + "}dropShipment" for x in ship.extensions):
        ship.extensions.append(_ext("dropShipment", "false"))

    classes = [_product_element(g, products[g], convert) for g in gtins]
    classes += [_lot_element(g, lot, expiry, convert) for (g, lot), expiry in sorted(lots.items())]
    location_ids: dict[str, str] = {}
    for gln in (who.sender, who.receiver, *sorted(glns)):
        if gln in addresses:
            location_ids.setdefault(convert(f"https://id.gs1.org/414/{gln}"), gln)
    for event in events:
        for ident in (
            *(loc.id for loc in (event.read_point, event.biz_location) if loc is not None),
            *(sd.value for sd in (*event.sources, *event.destinations)),
        ):
            gln = gln_of(ident)
            if gln in addresses:
                location_ids.setdefault(str(ident), gln)
    locations = [_location_element(ident, addresses[gln]) for ident, gln in location_ids.items()]

    created = now or datetime.now(UTC)
    stamp = model.format_time(created)
    sbdh = model.Sbdh(
        header_version="1.0",
        senders=[_identifier(who.sender, convert)],
        receivers=[_identifier(who.receiver, convert)],
        standard="EPCglobal",
        type_version="1.0",
        instance_identifier=hashlib.sha256(shipping.event_id.encode()).hexdigest()[:32],
        document_type="Events",
        creation_date_and_time=stamp,
    )
    header = model.Header(
        sbdh=sbdh,
        master_data=[
            model.Vocabulary(type=EPC_CLASS, elements=classes),
            model.Vocabulary(type=LOCATION, elements=locations),
        ],
        extensions=[
            _ext("guidelineVersion", GUIDELINE),
            _ext(
                "dscsaTransactionStatement",
                None,
                _ext("affirmTransactionStatement", "true"),
                _ext("legalNotice", LEGAL_NOTICE),
            ),
        ],
    )
    document = model.Document(
        creation_date=created,
        header=header,
        events=events,
        namespaces={"cbvmda": CBVMDA, "gs1ushc": GS1USHC},
    )
    try:
        data = to_xml(document, version="1.2")
    except EpcisError as exc:
        raise MissingData([f"the events cannot be written as EPCIS 1.2: {exc}"]) from None
    if check:
        issues = validate(data)
        if issues:
            raise MissingData(
                [f"the document failed its EPCIS 1.2 schema check: {issues[0].field}: {issues[0].message}"]
            )
    return data
