"""Importing a partner's DSCSA file: EPCIS 1.2 or 2.0 (XML or JSON-LD) in any vendor's shape, stored in the
repository (so trace and receiving see its events) with one row per code saying product, lot, expiry and
container. Vendor variations are tolerated and listed as warnings; a file that cannot be read is refused
with the reason and nothing is written."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, FieldError, NotFound, ValidationFailed
from app.extensions import Database
from app.models.dscsa import DscsaImport
from app.services import eventstore, state, subscriptions
from app.services.bulk import insert_rows
from app.services.identifiers import parse_gln
from app.services.security import Principal
from epcis import model
from epcis.errors import EpcisError, EpcisParseError
from epcis.hashing import event_hash
from epcis.jsonld import parse_jsonld
from epcis.parsing import detect_format
from epcis.validate import validate
from epcis.validation.schemas import xml_parser
from epcis.xml import parse_xml_tree

MAX_WARNINGS = 20
GS1USHC = "http://epcis.gs1us.org/hc/ns"
LOT_NAMES = frozenset({"lotNumber", "LOTNO", "lot", "batchNumber"})
EXPIRY_NAMES = frozenset({"itemExpirationDate", "DATEX", "expirationDate", "bestBeforeDate"})
TIME_TAGS = frozenset({"eventTime", "recordTime", "declarationTime"})
_ZONE = re.compile(r"(Z|[+-]\d\d:\d\d)\s*\Z")
_DATE = re.compile(r"\s*(\d{4}-\d\d-\d\d)")
_BARE_GLN = re.compile(r"\s*(\d{13})\s*\Z")
_SGTIN = re.compile(r"https://id\.gs1\.org/01/(\d{14})/21/")
_LGTIN = re.compile(r"https://id\.gs1\.org/01/(\d{14})/10/(.+)\Z")
_PARTY = re.compile(r"https://id\.gs1\.org/(?:414|417)/(\d{13})")


@dataclass
class CodeInfo:
    gtin: str | None = None
    lot: str | None = None
    expiry: str | None = None
    parent: str | None = None


@dataclass
class Reading:
    """A partner file read into the model, with what had to be tolerated."""

    document: model.Document
    warnings: list[str] = field(default_factory=list)


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _zoned(text: str, offset: str | None) -> str:
    stripped = text.strip()
    return stripped + (offset.strip() if offset and offset.strip() != "+00:00" else "Z")


def _tolerate_times(root: Any, warnings: list[str]) -> None:
    """Times written without a zone (seen in vendor exports) are read in the event's own offset, else UTC."""
    created = root.get("creationDate")
    if created and not _ZONE.search(created):
        root.set("creationDate", _zoned(created, None))
        warnings.append(f"creationDate '{created.strip()}' has no time zone: read as UTC")
    for el in root.iter():
        if _local(el.tag) not in TIME_TAGS or not el.text or _ZONE.search(el.text):
            continue
        parent = el.getparent()
        offset = (
            next((c.text for c in parent if _local(c.tag) == "eventTimeZoneOffset"), None)
            if parent is not None
            else None
        )
        original = el.text.strip()
        el.text = _zoned(el.text, offset)
        warnings.append(f"{_local(el.tag)} '{original}' has no time zone: read as {el.text}")


def read(data: bytes) -> Reading:
    """Parse a partner file leniently; `ValidationFailed` (field `body` or the event's field) when it cannot be read."""
    try:
        form = detect_format(data)
    except EpcisParseError as exc:
        raise ValidationFailed(str(exc), field="body") from None
    warnings: list[str] = []
    try:
        if form == "jsonld":
            document = parse_jsonld(data)
        else:
            try:
                root = etree.fromstring(data, xml_parser())
            except etree.XMLSyntaxError as exc:
                raise ValidationFailed(f"not well-formed XML: {exc}", field="body") from None
            # The times are mended on the tree, so comments and PIs go first (they are no part of a value).
            etree.strip_tags(root, etree.Comment, etree.ProcessingInstruction)
            _tolerate_times(root, warnings)
            document = parse_xml_tree(root, stripped=True)
    except EpcisParseError as exc:
        where = f"eventList[{exc.event_index}]" if exc.event_index is not None else None
        name = ".".join(p for p in (where, exc.field) if p) or "body"
        raise ValidationFailed(str(exc), field=name) from None
    except EpcisError as exc:
        raise ValidationFailed(str(exc), field="body") from None
    if document.kind == "EPCISMasterDataDocument" or not document.events:
        raise ValidationFailed(
            "the file holds no EPCIS events (expected an EPCISDocument with an EventList)", field="body"
        )
    issues = validate(data)
    for issue in issues[:MAX_WARNINGS]:
        warnings.append(f"schema: {issue.field}: {issue.message}" if issue.field else f"schema: {issue.message}")
    if len(issues) > MAX_WARNINGS:
        warnings.append(f"schema: {len(issues) - MAX_WARNINGS} more issues")
    return Reading(document, warnings)


def _gln(identifier: str | None) -> str | None:
    if not identifier:
        return None
    if m := _BARE_GLN.match(identifier):
        return m.group(1)
    if m := _PARTY.match(eventstore.canonical(identifier.strip())):
        return m.group(1)
    return None


def _find(extensions: list[model.Extension], names: frozenset[str]) -> str | None:
    """The first value under one of `names`, searched depth first (ILMD, vendor wrappers such as SAPExtension)."""
    for ext in extensions:
        if _local(ext.name) in names and ext.text and ext.text.strip():
            return ext.text.strip()
        found = _find(ext.children, names)
        if found is not None:
            return found
    return None


def _expiry(text: str | None) -> str | None:
    if text is None:
        return None
    match = _DATE.match(text)
    return match.group(1) if match else None


def _header_value(document: model.Document, local: str) -> model.Extension | None:
    header = document.header
    for ext in header.extensions if header else []:
        if ext.name == "{" + GS1USHC + "}" + local:
            return ext
    return None


def _sender(document: model.Document) -> str | None:
    sbdh = document.header.sbdh if document.header else None
    if sbdh and sbdh.senders:
        return _gln(sbdh.senders[0].identifier)
    for event in document.events:
        if event.biz_step == "shipping":
            for source in event.sources:
                if source.type.endswith("owning_party") and (gln := _gln(source.value)):
                    return gln
    return None


def _receiver(document: model.Document) -> str | None:
    sbdh = document.header.sbdh if document.header else None
    return _gln(sbdh.receivers[0].identifier) if sbdh and sbdh.receivers else None


def _products(document: model.Document) -> tuple[list[dict[str, str]], dict[tuple[str, str], str]]:
    """EPCClass master data: product descriptions, and expiry dates per (GTIN, lot) from LGTIN classes."""
    products: list[dict[str, str]] = []
    lot_expiry: dict[tuple[str, str], str] = {}
    for vocabulary in document.header.master_data if document.header else []:
        if not vocabulary.type.endswith("EPCClass"):
            continue
        for element in vocabulary.elements:
            values = {a.id.rpartition("#")[2]: a.value for a in element.attributes if a.value}
            link = eventstore.canonical(element.id)
            if (m := _LGTIN.match(link)) and (expiry := _expiry(values.get("itemExpirationDate"))):
                lot_expiry[(m.group(1), m.group(2))] = expiry
            entry = {"class": element.id}
            for key, name in (
                ("additionalTradeItemIdentification", "ndc"),
                ("additionalTradeItemIdentificationTypeCode", "ndc_type"),
                ("regulatedProductName", "name"),
                ("dosageFormType", "dosage_form"),
                ("strengthDescription", "strength"),
                ("netContentDescription", "container_size"),
                ("manufacturerOfTradeItemPartyName", "manufacturer"),
            ):
                if key in values:
                    entry[name] = str(values[key])
            if len(entry) > 1:
                products.append(entry)
    return products, lot_expiry


def codes_of(document: model.Document) -> dict[str, CodeInfo]:
    """Per canonical code: GTIN, lot and expiry (commissioning ILMD or vendor fields), container (packing)."""
    _, lot_expiry = _products(document)
    codes: dict[str, CodeInfo] = {}

    def info(epc: str) -> CodeInfo:
        key = eventstore.canonical(epc)
        found = codes.get(key)
        if found is None:
            m = _SGTIN.match(key)
            found = codes[key] = CodeInfo(gtin=m.group(1) if m else None)
        return found

    for event in document.events:
        for attr, _role in eventstore.EPC_ROLES:
            for epc in getattr(event, attr, ()):
                info(epc)
        parent = getattr(event, "parent_id", None)
        if parent:
            info(parent)
        if isinstance(event, model.ObjectEvent) and event.action == "ADD":
            # Lot and expiry are given where codes are commissioned: ILMD, or vendor fields beside it.
            fields = [*(event.ilmd or []), *event.extensions]
            lot, expiry = _find(fields, LOT_NAMES), _expiry(_find(fields, EXPIRY_NAMES))
            for epc in event.epc_list if lot or expiry else ():
                code = info(epc)
                if code.gtin is not None:
                    code.lot = lot or code.lot
                    code.expiry = expiry or code.expiry
        elif isinstance(event, model.AggregationEvent) and parent:
            container = eventstore.canonical(parent)
            for epc in event.child_epcs:
                info(epc).parent = (
                    container if event.action == "ADD" else None if event.action == "DELETE" else info(epc).parent
                )
            if event.action == "DELETE" and not event.child_epcs:
                for code in codes.values():
                    if code.parent == container:
                        code.parent = None
    for code in codes.values():
        if code.expiry is None and code.gtin and code.lot:
            code.expiry = lot_expiry.get((code.gtin, code.lot))
    return codes


def import_view(row: DscsaImport) -> dict[str, Any]:
    return {
        "id": row.id,
        "partner_gln": row.partner_gln,
        "receiver_gln": row.receiver_gln,
        "document_id": row.document_id,
        "schema_version": row.schema_version,
        "guideline": row.guideline,
        "transaction_statement": row.transaction_statement,
        "events": row.event_count,
        "stored": row.stored_count,
        "codes": row.code_count,
        "products": row.products,
        "warnings": row.warnings,
        "imported_by": row.imported_by,
        "created_at": row.created_at.isoformat(),
    }


def _store_events(session: Session, document: model.Document, actor: Principal) -> list[model.Event]:
    """Store the file's events like a capture (idempotent repeats, our codes held to the rules)."""
    ctx = state.Context()
    now = datetime.now(UTC)
    stored: list[model.Event] = []
    for index, event in enumerate(document.events):
        problem = eventstore.storage_problem(event)  # first: the hash cannot convert a time UTC cannot hold
        if problem is not None:
            raise ValidationFailed(problem[1], field=f"eventList[{index}].{problem[0]}")
        try:
            digest = event_hash(event)
        except EpcisError as exc:
            raise ValidationFailed(str(exc), field=f"eventList[{index}]") from None
        event.event_id = event.event_id or digest
        existing = eventstore.find(session, event.event_id)
        if existing is not None:
            if existing.hash_id == digest:
                continue
            raise Conflict(
                f"eventID {event.event_id} is already used by a different event", field=f"eventList[{index}].eventID"
            )
        try:
            state.apply(session, event, ctx)
        except state.RuleViolation as exc:
            name = f"eventList[{index}]" + (f".{exc.field}" if exc.field else "")
            raise ValidationFailed(exc.detail, errors=[FieldError(name, exc.detail)]) from None
        eventstore.store(session, event, record_time=now, captured_by=actor.name, capture_id=None, hash_id=digest)
        stored.append(event)
    return stored


def _repeats(count: int, stored: int) -> list[str]:
    skipped = count - stored
    if not skipped:
        return []
    return [f"{skipped} of {count} events were stored already (an earlier file, or repeated in this one): kept once"]


def import_file(
    database: Database, actor: Principal, data: bytes, *, partner_gln: str | None = None
) -> tuple[dict[str, Any], bool]:
    """Import a partner's file; returns its view and whether it is new (the same bytes again answer the first)."""
    if not data.strip():
        raise ValidationFailed("the body is empty: send the partner's EPCIS file", field="body")
    override = parse_gln(partner_gln, field="partner_gln") if partner_gln else None
    digest = hashlib.sha256(data).hexdigest()
    with database.read() as session:
        known = session.scalar(select(DscsaImport).where(DscsaImport.sha256 == digest))
        if known is not None:
            return import_view(known), False
    reading = read(data)
    document = reading.document
    codes = codes_of(document)
    if len(document.schema_version or "") > 16:
        raise ValidationFailed(
            f"schemaVersion {document.schema_version[:40]!r}… is not an EPCIS version", field="schemaVersion"
        )
    for epc, code in codes.items():
        if code.lot is not None and len(code.lot) > 20:
            raise ValidationFailed(
                f"lot {code.lot[:40]!r}… of {epc[:255]} is longer than 20 characters (AI 10)", field="lot"
            )
    products, _ = _products(document)
    statement = _header_value(document, "dscsaTransactionStatement")
    affirmed = _find(statement.children, frozenset({"affirmTransactionStatement"})) if statement else None
    guideline = _header_value(document, "guidelineVersion")
    sbdh = document.header.sbdh if document.header else None
    with database.write() as session:
        from app.services import reporting  # imported here: reporting imports the DSCSA service

        stored = _store_events(session, document, actor)
        eventstore.store_hierarchy(session, document)
        subscriptions.on_captured(session, [str(e.event_id) for e in stored])
        # A file that changes our own codes (a decommissioning) reaches the EU hub like a capture would.
        reporting.on_imported(session, stored)
        row = DscsaImport(
            sha256=digest,
            partner_gln=override or _sender(document),
            receiver_gln=_receiver(document),
            document_id=(sbdh.instance_identifier or "").strip()[:255] or None if sbdh else None,
            schema_version=document.schema_version,
            guideline=(guideline.text or "").strip()[:100] or None if guideline else None,
            transaction_statement=None if affirmed is None else affirmed.lower() in ("true", "1"),
            event_count=len(document.events),
            stored_count=len(stored),
            code_count=len(codes),
            products=products,
            warnings=reading.warnings + _repeats(len(document.events), len(stored)),
            imported_by=actor.name,
        )
        session.add(row)
        session.flush()
        insert_rows(
            session,
            "dscsa_code",
            ("import_id", "epc", "gtin", "lot", "expiry", "parent"),
            [(row.id, epc, c.gtin, c.lot, c.expiry, c.parent) for epc, c in codes.items()],
        )
        return import_view(row), True


def list_imports(database: Database, *, limit: int) -> list[dict[str, Any]]:
    with database.read() as session:
        return [
            import_view(r) for r in session.scalars(select(DscsaImport).order_by(DscsaImport.id.desc()).limit(limit))
        ]


def get_import(database: Database, import_id: int) -> dict[str, Any]:
    with database.read() as session:
        row = session.get(DscsaImport, import_id)
        if row is None:
            raise NotFound(f"no DSCSA import {import_id}", field="import_id")
        return import_view(row)
