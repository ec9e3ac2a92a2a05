"""What the shipment, receiving and decommission services share: our locations, scanned codes, batch checks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import ValidationFailed
from app.extensions import Database
from app.models import Batch, BatchStatus, CodeState, Location, LocationKind, TradingPartner
from app.services import scan, state
from app.services.bulk import member
from app.services.eventstore import canonical
from epcis import gs1

OWN_KINDS = (LocationKind.SITE, LocationKind.WAREHOUSE)
_GLN_IN = re.compile(r"https://id\.gs1\.org/(?:417|414)/(\d{13})")
_SGTIN = re.compile(r"https://id\.gs1\.org/01/(\d{14})/21/(.+)\Z")
_SSCC = re.compile(r"https://id\.gs1\.org/00/(\d{18})\Z")


@dataclass(frozen=True)
class Scanned:
    """A scan read once: the code's canonical key and the lot (10) and expiry (17) its barcode carried."""

    epc: str
    lot: str | None = None
    expiry: str | None = None


def read_scan(raw: str, field: str = "code") -> Scanned:
    """Whatever a scanner typed (any GS1 form, with or without separators) as a `Scanned`."""
    try:
        key = scan.resolve(raw)
    except ValidationFailed as exc:
        raise ValidationFailed(exc.detail, field=field) from None
    lot = expiry = None
    try:
        data = gs1.parse(scan.normalise(raw))
        lot, expiry = data.get("10"), data.get("17")
    except ValueError:
        pass  # an EPC URN or bare SSCC: resolve() read the key, and such forms carry no lot or expiry
    return Scanned(key, lot, expiry)


def label(epc: str) -> str:
    """A code as people read it on a label: `SSCC 095060000000000018` or `GTIN 0950... serial ABC`."""
    if m := _SSCC.match(epc):
        return f"SSCC {m.group(1)}"
    if m := _SGTIN.match(epc):
        from urllib.parse import unquote

        return f"GTIN {m.group(1)} serial {unquote(m.group(2))}"
    return epc


def kind_of(epc: str) -> str:
    return "sscc" if _SSCC.match(epc) else "sgtin" if _SGTIN.match(epc) else "other"


def gln_of(value: str | None) -> str | None:
    """The GLN inside a party or location identifier (Digital Link or EPC URN), if any."""
    if not value:
        return None
    m = _GLN_IN.match(canonical(value))
    return m.group(1) if m else None


def own_location(session: Session, location_id: int | None, field: str) -> Location:
    """One of our sites or warehouses, or a `ValidationFailed` naming `field`."""
    if location_id is None:
        raise ValidationFailed("choose one of our sites or warehouses", field=field)
    loc = session.get(Location, location_id)
    if loc is None:
        raise ValidationFailed(f"no location with id {location_id}", field=field)
    if loc.kind not in OWN_KINDS:
        raise ValidationFailed(
            f"{loc.name} ({loc.gln}) is a {loc.kind.value}, not one of our sites or warehouses", field=field
        )
    return loc


def own_glns(session: Session) -> set[str]:
    return set(session.scalars(select(Location.gln).where(Location.kind.in_(OWN_KINDS))))


def partner(session: Session, partner_id: int, field: str = "partner") -> TradingPartner:
    found = session.get(TradingPartner, partner_id)
    if found is None:
        raise ValidationFailed(f"no trading partner with id {partner_id}", field=field)
    return found


def location_choices(session: Session, kinds: tuple[LocationKind, ...]) -> list[tuple[int, str]]:
    """(id, "name (GLN)") of the locations of these kinds, by name: the options of a select."""
    rows = session.scalars(select(Location).where(Location.kind.in_(kinds)).order_by(Location.name, Location.id))
    return [(loc.id, place_label(loc)) for loc in rows]


def partner_choices(session: Session) -> list[tuple[int, str]]:
    rows = session.scalars(select(TradingPartner).order_by(TradingPartner.name, TradingPartner.id))
    return [(p.id, f"{p.name} ({p.gln})") for p in rows]


def place_label(loc: Location) -> str:
    return f"{loc.name} ({loc.gln}{'/' + loc.extension if loc.extension else ''})"


def states(session: Session, epcs: list[str]) -> dict[str, CodeState]:
    if not epcs:
        return {}
    return {row.epc: row for row in session.scalars(select(CodeState).where(member(session, CodeState.epc, epcs)))}


def contents(session: Session, epc: str) -> list[CodeState]:
    """Every code inside `epc` at any depth, with its state."""
    inside = state.descendants(session, [epc])
    found = states(session, inside)
    return [found[e] for e in inside if e in found]


def batch_problem(batch: Batch, today: datetime | None = None, *, to_partner: bool = False) -> str | None:
    """Why packs of `batch` may not move on (recalled or expired; to a partner also: not released by QA),
    or None. Transfers between our own sites may carry quarantined (unreleased) goods."""
    day = (today or datetime.now(UTC)).date()
    if batch.status is BatchStatus.RECALLED:
        return f"batch {batch.lot} of GTIN {batch.gtin} is recalled"
    if batch.expiry_date < day:
        return f"batch {batch.lot} of GTIN {batch.gtin} expired on {batch.expiry_date.isoformat()}"
    if to_partner and batch.status is not BatchStatus.RELEASED:
        return f"batch {batch.lot} of GTIN {batch.gtin} is not released by QA (it is {batch.status.value})"
    return None


def batches(session: Session, rows: list[CodeState]) -> dict[int, Batch]:
    ids = sorted({r.batch_id for r in rows if r.batch_id is not None})
    if not ids:
        return {}
    return {b.id: b for b in session.scalars(select(Batch).where(Batch.id.in_(ids)))}


def summary(session: Session, epc: str) -> dict[str, Any]:
    """A unit as a packing list or a scan answer shows it: cases and packs inside, their GTIN/lot/expiry lines."""
    row = session.get(CodeState, epc)
    inside = contents(session, epc)
    packs = [r for r in ([row] if row is not None else []) + inside if r.kind == "sgtin"]
    found = batches(session, packs)
    lines: dict[tuple[str, str, str], int] = {}
    for pack in packs:
        batch = found.get(pack.batch_id) if pack.batch_id is not None else None
        key = (pack.gtin or "", batch.lot if batch else "", batch.expiry_date.isoformat() if batch else "")
        lines[key] = lines.get(key, 0) + 1
    return {
        "epc": epc,
        "label": label(epc),
        "kind": kind_of(epc),
        "packs": len(packs),
        "cases": sum(1 for r in inside if r.kind == "sscc"),
        "lines": [{"gtin": g, "lot": lot, "expiry": exp, "count": n} for (g, lot, exp), n in sorted(lines.items())],
    }


def unknown(epc: str, field: str = "code") -> ValidationFailed:
    """A scan of a code with no record here (a typo, another company's code, never commissioned)."""
    return ValidationFailed(f"no record of {label(epc)}: it was never commissioned here", field=field)


def form_choices(database: Database) -> dict[str, list[tuple[int, str]]]:
    """The options the logistics forms offer: our locations, partners and partner sites."""
    with database.read() as session:
        return {
            "own": location_choices(session, OWN_KINDS),
            "partner_sites": location_choices(session, (LocationKind.PARTNER_SITE,)),
            "partners": partner_choices(session),
        }
