"""Receiving: one session per incoming delivery, its scans compared with what was expected, then one receiving event.

What is expected comes from our own shipment record (a transfer between our sites or a return) or from
the partner's imported data (`dscsa.partner_data`). The comparison lists what is missing, what was not
expected and where the lot or expiry on the barcode differs from the record; only a delivery without
unexpected or mismatching scans is received.

A partner's file is the DSCSA transaction record of the delivery: its codes are expected only when the
file affirms the transaction statement and, when it names a receiver, is addressed to one of our
locations. Scans that only such a file covers are listed as refused, with the reason, and block receiving.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import Database
from app.models import Batch, Location, TradingPartner
from app.models.dscsa import DscsaImport
from app.models.shipments import Receipt, ReceiptItem, ReceiptStatus, Shipment, ShipmentItem, ShipmentStatus
from app.services import audit, dscsa, logistics_capture, state
from app.services.logistics_common import (
    batches,
    gln_of,
    label,
    own_glns,
    own_location,
    partner,
    place_label,
    read_scan,
    states,
)
from app.services.security import Principal
from epcis import gs1, model

MAX_SCANS = 20_000


@dataclass
class Expected:
    """What the record says about one code: its lot and expiry (YYMMDD) when known, its parent."""

    lot: str | None = None
    expiry: str | None = None
    parent: str | None = None


@dataclass
class Comparison:
    """Scans against the record: matched codes, missing units, unexpected codes, lot/expiry mismatches."""

    matched: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    mismatches: list[dict[str, str]] = field(default_factory=list)
    refused: list[dict[str, str]] = field(default_factory=list)  # {"epc", "reason"}: the partner file is not acceptable

    @property
    def clean(self) -> bool:
        return not self.unexpected and not self.mismatches and not self.refused


def open_receipt(
    database: Database,
    actor: Principal,
    *,
    location_id: int | None,
    shipment_id: int | None = None,
    partner_id: int | None = None,
) -> dict[str, Any]:
    """Start receiving a delivery at one of our locations: our shipment `shipment_id` or a partner's delivery."""
    with database.write() as session:
        where = own_location(session, location_id, "location")
        if (shipment_id is None) == (partner_id is None):
            raise ValidationFailed(
                "choose either the shipment being received or the partner it comes from", field="shipment"
            )
        if shipment_id is not None:
            shipment = session.get(Shipment, shipment_id)
            if shipment is None:
                raise ValidationFailed(f"no shipment {shipment_id}", field="shipment")
            if shipment.status is not ShipmentStatus.SHIPPED:
                raise ValidationFailed(f"shipment {shipment.reference} has not been shipped yet", field="shipment")
            destination = session.get(Location, shipment.ship_to_id)
            assert destination is not None
            if destination.id != where.id and destination.gln != where.gln:
                raise ValidationFailed(
                    f"shipment {shipment.reference} goes to {destination.name} ({destination.gln}); "
                    f"it is received there, not at {where.name}",
                    field="location",
                )
            earlier = session.scalar(select(Receipt.id).where(Receipt.shipment_id == shipment.id))
            if earlier is not None:
                raise ValidationFailed(
                    f"shipment {shipment.reference} already has receipt {earlier}; continue that one", field="shipment"
                )
        else:
            assert partner_id is not None
            partner(session, partner_id)
        receipt = Receipt(
            location_id=where.id,
            shipment_id=shipment_id,
            partner_id=partner_id,
            status=ReceiptStatus.OPEN,
            created_by=actor.name,
        )
        session.add(receipt)
        session.flush()
        audit.record(
            session,
            actor=actor.name,
            action="receipt.open",
            entity="receipt",
            entity_id=receipt.id,
            after={"location": where.gln, "shipment_id": shipment_id, "partner_id": partner_id},
        )
        return view(session, receipt)


def _open(session: Session, receipt_id: int, *, lock: bool = False) -> Receipt:
    query = select(Receipt).where(Receipt.id == receipt_id)
    if lock:
        query = query.with_for_update()
    receipt = session.scalar(query)
    if receipt is None:
        raise NotFound(f"no receipt {receipt_id}", field="receipt")
    if receipt.status is not ReceiptStatus.OPEN:
        raise Conflict(f"receipt {receipt.id} is already received; start a new one", field="receipt")
    return receipt


def scan(database: Database, actor: Principal, receipt_id: int, raw: str) -> dict[str, Any]:
    """Record one scan of an incoming delivery; returns the receipt with its comparison."""
    scanned = read_scan(raw)
    with database.write() as session:
        receipt = _open(session, receipt_id, lock=True)
        items = _scans(session, receipt.id)
        if scanned.epc in items:
            raise ValidationFailed(f"{label(scanned.epc)} is already scanned for this delivery", field="code")
        if len(items) >= MAX_SCANS:
            raise ValidationFailed(f"a receipt holds at most {MAX_SCANS} scans; start another", field="code")
        session.add(ReceiptItem(receipt_id=receipt.id, epc=scanned.epc, lot=scanned.lot, expiry=scanned.expiry))
        session.flush()
        return view(session, receipt)


def unscan(database: Database, actor: Principal, receipt_id: int, epc: str) -> None:
    """Take a scan back (the unit is set aside, e.g. for quarantine)."""
    with database.write() as session:
        receipt = _open(session, receipt_id, lock=True)
        item = session.scalar(select(ReceiptItem).where(ReceiptItem.receipt_id == receipt.id, ReceiptItem.epc == epc))
        if item is None:
            raise NotFound(f"{label(epc)} was not scanned for receipt {receipt.id}", field="code")
        session.delete(item)


def receive(database: Database, actor: Principal, receipt_id: int) -> dict[str, Any]:
    """Capture the receiving event of the scanned units at the receipt's location and close it, in one transaction."""
    with database.write() as session:
        receipt = _open(session, receipt_id, lock=True)
        items = _scans(session, receipt.id)
        if not items:
            raise ValidationFailed("scan the delivery's pallets, cases or packs before receiving", field="code")
        result = compare(session, receipt, items)
        if result.refused:
            first = result.refused[0]
            raise ValidationFailed(
                f"{len(result.refused)} scans are covered only by a partner file that cannot be accepted "
                f"({first['reason']}): ask the partner for a corrected file, or set those units aside",
                field="code",
            )
        if not result.clean:
            raise ValidationFailed(
                f"{len(result.unexpected)} unexpected and {len(result.mismatches)} mismatching scans: set those "
                "units aside and remove their scans before receiving",
                field="code",
            )
        where = session.get(Location, receipt.location_id)
        assert where is not None
        event = _receiving_event(session, receipt, where, _outermost(session, list(items)))
        receipt.event_id = logistics_capture.record(session, actor, event)
        receipt.status = ReceiptStatus.RECEIVED
        receipt.received_by = actor.name
        receipt.received_at = event.event_time
        audit.record(
            session,
            actor=actor.name,
            action="receipt.receive",
            entity="receipt",
            entity_id=receipt.id,
            before={"status": ReceiptStatus.OPEN.value},
            after={
                "status": ReceiptStatus.RECEIVED.value,
                "event_id": receipt.event_id,
                "scans": len(items),
                "missing": len(result.missing),
            },
        )
        return view(session, receipt)


def _outermost(session: Session, epcs: list[str]) -> list[str]:
    """The scanned codes not inside another scanned code (the event names those; their contents follow)."""
    scanned = set(epcs)
    return sorted(e for e in epcs if not scanned.intersection(state.ancestors(session, e)))


def _receiving_event(session: Session, receipt: Receipt, where: Location, epcs: list[str]) -> model.ObjectEvent:
    here = model.Location(id=logistics_capture.place(where.gln, where.extension))
    sources: list[model.SourceDest] = []
    transactions: list[model.BizTransaction] = []
    if receipt.shipment_id is not None:
        from app.services.shipments import desadv

        shipment = session.get(Shipment, receipt.shipment_id)
        assert shipment is not None
        origin = session.get(Location, shipment.ship_from_id)
        assert origin is not None
        sources.append(model.SourceDest(type="owning_party", value=logistics_capture.party(origin.gln)))
        transactions.append(model.BizTransaction(type="desadv", value=desadv(shipment, origin)))
    elif receipt.partner_id is not None:
        seller = session.get(TradingPartner, receipt.partner_id)
        assert seller is not None
        sources.append(model.SourceDest(type="owning_party", value=logistics_capture.party(seller.gln)))
    return model.ObjectEvent(
        action="OBSERVE",
        epc_list=[model.Epc(e) for e in epcs],
        event_time=logistics_capture.now(),
        event_time_zone_offset="+00:00",
        biz_step="receiving",
        disposition="in_progress",
        read_point=here,
        biz_location=here,
        biz_transactions=transactions,
        sources=sources,
        destinations=[
            model.SourceDest(type="owning_party", value=logistics_capture.party(where.gln)),
            model.SourceDest(type="location", value=logistics_capture.place(where.gln, where.extension)),
        ],
    )


def _scans(session: Session, receipt_id: int) -> dict[str, ReceiptItem]:
    rows = session.scalars(select(ReceiptItem).where(ReceiptItem.receipt_id == receipt_id).order_by(ReceiptItem.id))
    return {r.epc: r for r in rows}


def _same_party(value: object, gln: str) -> bool:
    """Whether a partner file's party (a bare GLN or an identifier holding one; none given) is `gln`."""
    text = str(value or "")
    return not text or text == gln or gln_of(text) == gln


def _file_problems(session: Session, import_ids: set[int]) -> dict[int, str]:
    """Why each of these imported partner files cannot vouch for a delivery (acceptable files are absent)."""
    if not import_ids:
        return {}
    ours = own_glns(session)
    out: dict[int, str] = {}
    for row in session.scalars(select(DscsaImport).where(DscsaImport.id.in_(import_ids))):
        name = f"partner file {row.document_id or row.id}"
        if row.transaction_statement is not True:
            state_of = "denies" if row.transaction_statement is False else "does not carry"
            out[row.id] = f"{name} {state_of} the DSCSA transaction statement"
        elif row.receiver_gln is not None and row.receiver_gln not in ours:
            out[row.id] = f"{name} is addressed to {row.receiver_gln}, not to one of our locations"
    return out


def _yymmdd(value: str | None) -> str | None:
    """An expiry as YYMMDD whether the record wrote it as an ISO date or as printed."""
    if value and len(value) == 10 and value[4] == "-" and value[7] == "-":
        return value[2:4] + value[5:7] + value[8:10]
    return value or None


def _same_expiry(scanned: str | None, wanted: str | None) -> bool:
    """Whether two YYMMDD expiries name one date: (17)271200 is 2027-12-31, the month's last day."""
    if scanned == wanted:
        return True
    try:
        return (
            gs1.parse_yymmdd(scanned or "", allow_day_zero=True).date
            == gs1.parse_yymmdd(wanted or "", allow_day_zero=True).date
        )
    except gs1.Gs1Error:
        return False


def expected_from_shipment(session: Session, shipment: Shipment) -> tuple[list[str], dict[str, Expected]]:
    """Our own shipment's top-level units and everything inside them, with lot and expiry from the batches."""
    top = list(session.scalars(select(ShipmentItem.epc).where(ShipmentItem.shipment_id == shipment.id)))
    every = top + state.descendants(session, top)
    rows = states(session, every)
    found: dict[int, Batch] = batches(session, list(rows.values()))
    out: dict[str, Expected] = {}
    for epc in every:
        row = rows.get(epc)
        batch = found.get(row.batch_id) if row is not None and row.batch_id is not None else None
        out[epc] = Expected(
            lot=batch.lot if batch else None,
            expiry=batch.expiry if batch else None,
            parent=row.parent if row is not None and epc not in top else None,
        )
    return top, out


def compare(session: Session, receipt: Receipt, items: dict[str, ReceiptItem] | None = None) -> Comparison:
    """Compare the receipt's scans with what was expected."""
    items = _scans(session, receipt.id) if items is None else items
    result = Comparison()
    refused: dict[str, str] = {}
    if receipt.shipment_id is not None:
        shipment = session.get(Shipment, receipt.shipment_id)
        assert shipment is not None
        _, expected = expected_from_shipment(session, shipment)
        covered = set(items)
        covered.update(state.descendants(session, [e for e in items if e in expected]))
        touched: set[str] = set()  # containers something inside of was scanned: opened, not missing
        for epc in covered & expected.keys():
            parent = expected[epc].parent
            while parent is not None and parent not in touched:
                touched.add(parent)
                parent = expected[parent].parent if parent in expected else None
        gone = {e for e in expected if e not in covered and e not in touched}
        result.missing = [e for e in expected if e in gone and expected[e].parent not in gone]
    else:
        seller = session.get(TradingPartner, receipt.partner_id)
        assert seller is not None
        data = {
            code: d
            for code, d in dscsa.partner_data(session, list(items)).items()
            if _same_party(d.get("partner_gln"), seller.gln)
        }
        problems = _file_problems(session, {d["import_id"] for d in data.values()})
        refused = {code: problems[d["import_id"]] for code, d in data.items() if d["import_id"] in problems}
        result.refused = [{"epc": code, "reason": refused[code]} for code in items if code in refused]
        expected = {
            code: Expected(lot=d.get("lot"), expiry=_yymmdd(d.get("expiry")), parent=d.get("parent"))
            for code, d in data.items()
            if code not in refused
        }
    for epc, item in items.items():
        record = expected.get(epc)
        if record is None:
            if epc in refused:
                continue
            result.unexpected.append(epc)
            continue
        result.matched.append(epc)
        for name, scanned, wanted in (("lot", item.lot, record.lot), ("expiry", item.expiry, record.expiry)):
            same = _same_expiry(scanned, wanted) if name == "expiry" else scanned == wanted
            if scanned is not None and wanted is not None and not same:
                result.mismatches.append({"epc": epc, "field": name, "expected": wanted, "scanned": scanned})
    return result


def view(session: Session, receipt: Receipt, *, with_comparison: bool = True) -> dict[str, Any]:
    where = session.get(Location, receipt.location_id)
    assert where is not None
    shipment = session.get(Shipment, receipt.shipment_id) if receipt.shipment_id is not None else None
    seller = session.get(TradingPartner, receipt.partner_id) if receipt.partner_id is not None else None
    items = _scans(session, receipt.id)
    out: dict[str, Any] = {
        "id": receipt.id,
        "status": receipt.status.value,
        "location": {"id": where.id, "label": place_label(where), "gln": where.gln},
        "shipment": {"id": shipment.id, "reference": shipment.reference} if shipment else None,
        "partner": {"id": seller.id, "name": seller.name, "gln": seller.gln} if seller else None,
        "created_by": receipt.created_by,
        "created_at": receipt.created_at,
        "received_by": receipt.received_by,
        "received_at": receipt.received_at,
        "event_id": receipt.event_id,
        "scans": [{"epc": e, "label": label(e), "lot": i.lot, "expiry": i.expiry} for e, i in items.items()],
    }
    if with_comparison:
        result = compare(session, receipt, items)
        out.update(
            matched=result.matched,
            missing=[{"epc": e, "label": label(e)} for e in result.missing],
            unexpected=[{"epc": e, "label": label(e)} for e in result.unexpected],
            mismatches=[{**m, "label": label(m["epc"])} for m in result.mismatches],
            refused=[{**r, "label": label(r["epc"])} for r in result.refused],
            clean=result.clean,
        )
    return out


def get(database: Database, receipt_id: int) -> dict[str, Any]:
    with database.read() as session:
        receipt = session.get(Receipt, receipt_id)
        if receipt is None:
            raise NotFound(f"no receipt {receipt_id}", field="receipt")
        return view(session, receipt)


def listing(database: Database, limit: int = 100) -> list[dict[str, Any]]:
    """The newest receipts first (open ones included), without their comparisons."""
    with database.read() as session:
        rows = session.scalars(select(Receipt).order_by(Receipt.id.desc()).limit(limit))
        return [view(session, r, with_comparison=False) for r in rows]


def awaiting(database: Database) -> list[dict[str, Any]]:
    """Our shipped shipments no receipt has been started for: what the receiving form offers."""
    with database.read() as session:
        started = select(Receipt.shipment_id).where(Receipt.shipment_id.is_not(None))
        rows = session.scalars(
            select(Shipment)
            .where(Shipment.status == ShipmentStatus.SHIPPED, Shipment.id.not_in(started))
            .order_by(Shipment.id.desc())
            .limit(200)
        )
        out = []
        for s in rows:
            target = session.get(Location, s.ship_to_id)
            assert target is not None
            out.append({"id": s.id, "reference": s.reference, "ship_to": place_label(target)})
        return out
