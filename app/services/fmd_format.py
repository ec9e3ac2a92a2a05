"""The EU FMD message format (`urn:custody:eu-fmd:1`): typed documents, built and parsed with lxml and
checked against the bundled XSD (`fmd_schema/eu-fmd-1.xsd`) both ways. No Flask, no database."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from lxml import etree

NS = "urn:custody:eu-fmd:1"
CONTENT_TYPE = "application/xml"
SCHEMA_PATH = Path(__file__).with_name("fmd_schema") / "eu-fmd-1.xsd"
VERSION = "1.0"

PACK_STATUSES = ("supplied", "exported", "sample", "free_sample", "locked", "stolen", "destroyed")
# Never undone (Art. 13 DR 2016/161; EMVO status model); "locked" may be undone at any time, the rest in 10 days.
IRREVERSIBLE = frozenset({"stolen", "destroyed"})
UNDO_ANY_TIME = frozenset({"locked"})


def _q(local: str) -> str:
    return f"{{{NS}}}{local}"


class FormatError(ValueError):
    """A document that is not well-formed XML of this format or breaks its schema; `field` says where."""

    def __init__(self, detail: str, field: str = "body") -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


@dataclass(frozen=True)
class Party:
    id: str
    name: str
    address: str


@dataclass(frozen=True)
class MarketData:
    country: str
    mah: Party
    national_code: str | None = None


@dataclass(frozen=True)
class ProductMasterData:
    product_code: str
    scheme: str
    name: str
    common_name: str
    pharmaceutical_form: str
    strength: str
    pack_type: str
    pack_size: str
    markets: tuple[MarketData, ...]


@dataclass(frozen=True)
class PackData:
    product_code: str
    scheme: str
    batch: str
    expiry: str
    serials: Sequence[str]
    part: int = 1
    parts: int = 1


@dataclass(frozen=True)
class BatchRecall:
    product_code: str
    scheme: str
    batch: str
    reason: str


@dataclass(frozen=True)
class ProductWithdrawal:
    product_code: str
    scheme: str
    reason: str
    markets: tuple[str, ...] = ()


@dataclass(frozen=True)
class PackStatusChange:
    product_code: str
    scheme: str
    batch: str
    status: str
    undo: bool
    serials: Sequence[str]


@dataclass(frozen=True)
class Alert:
    alert_id: str
    code: str
    severity: str
    raised_at: datetime
    product_code: str
    scheme: str
    message: str
    market: str | None = None
    batch: str | None = None
    serial: str | None = None


Document = ProductMasterData | PackData | BatchRecall | ProductWithdrawal | PackStatusChange | Alert


@dataclass(frozen=True)
class Envelope:
    """A parsed document with its header attributes."""

    document: Document
    created: datetime
    sender: str | None = field(default=None)


@cache
def schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def _time(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _text(parent: etree._Element, local: str, value: str) -> etree._Element:
    child = etree.SubElement(parent, _q(local))
    child.text = value
    return child


def _code(parent: etree._Element, code: str, scheme: str) -> None:
    _text(parent, "productCode", code).set("scheme", scheme)


def _serials(parent: etree._Element, serials: Sequence[str]) -> None:
    holder = etree.SubElement(parent, _q("serials"))
    sn = _q("sn")
    sub = etree.SubElement
    for serial in serials:
        sub(holder, sn).text = serial


def tree(doc: Document, *, created: datetime, sender: str | None = None) -> etree._Element:
    """The document as an lxml element (not yet validated)."""
    root = etree.Element(_q(type(doc).__name__), nsmap={None: NS})
    root.set("version", VERSION)
    root.set("created", _time(created))
    if sender:
        root.set("sender", sender)
    if isinstance(doc, ProductMasterData):
        _code(root, doc.product_code, doc.scheme)
        for local, value in (
            ("name", doc.name),
            ("commonName", doc.common_name),
            ("pharmaceuticalForm", doc.pharmaceutical_form),
            ("strength", doc.strength),
            ("packType", doc.pack_type),
            ("packSize", doc.pack_size),
        ):
            _text(root, local, value)
        for market in doc.markets:
            node = etree.SubElement(root, _q("market"), country=market.country)
            if market.national_code:
                _text(node, "nationalCode", market.national_code)
            mah = etree.SubElement(node, _q("mah"))
            _text(mah, "id", market.mah.id)
            _text(mah, "name", market.mah.name)
            _text(mah, "address", market.mah.address)
    elif isinstance(doc, PackData):
        root.set("part", str(doc.part))
        root.set("parts", str(doc.parts))
        _code(root, doc.product_code, doc.scheme)
        _text(root, "batch", doc.batch)
        _text(root, "expiry", doc.expiry)
        _serials(root, doc.serials)
    elif isinstance(doc, BatchRecall):
        _code(root, doc.product_code, doc.scheme)
        _text(root, "batch", doc.batch)
        _text(root, "reason", doc.reason)
    elif isinstance(doc, ProductWithdrawal):
        _code(root, doc.product_code, doc.scheme)
        for country in doc.markets:
            _text(root, "market", country)
        _text(root, "reason", doc.reason)
    elif isinstance(doc, PackStatusChange):
        root.set("undo", "true" if doc.undo else "false")
        _code(root, doc.product_code, doc.scheme)
        _text(root, "batch", doc.batch)
        _text(root, "status", doc.status)
        _serials(root, doc.serials)
    else:
        _text(root, "alertId", doc.alert_id)
        _text(root, "code", doc.code)
        _text(root, "severity", doc.severity)
        _text(root, "raisedAt", _time(doc.raised_at))
        if doc.market:
            _text(root, "market", doc.market)
        _code(root, doc.product_code, doc.scheme)
        if doc.batch:
            _text(root, "batch", doc.batch)
        if doc.serial:
            _text(root, "serial", doc.serial)
        _text(root, "message", doc.message)
    return root


def _schema_error(log: etree._ListErrorLog) -> FormatError:
    first = log[0]
    path = first.path or "body"
    return FormatError(f"line {first.line}: {first.message}", field=path)


def check(root: etree._Element) -> None:
    """Raise FormatError with the first schema violation unless `root` is valid."""
    validator = schema()
    if not validator.validate(root):
        raise _schema_error(validator.error_log)


def build(doc: Document, *, created: datetime, sender: str | None = None) -> bytes:
    """The document as UTF-8 XML, validated against the schema before it is returned."""
    root = tree(doc, created=created, sender=sender)
    check(root)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


_PARSERS = threading.local()


def _parser() -> etree.XMLParser:
    """One parser per thread (lxml parsers are not shared between threads), with libxml2's size and depth
    limits kept on: documents come from outside (the hub's alerts, messages to the simulator)."""
    parser = getattr(_PARSERS, "parser", None)
    if parser is None:
        parser = _PARSERS.parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    return parser


def parse(data: bytes) -> Envelope:
    """Parse and validate a document; FormatError names the first problem."""
    if b"<!DOCTYPE" in data[:4096]:
        raise FormatError("a DOCTYPE is not allowed")
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        raise FormatError(f"not well-formed XML: {exc}") from None
    if etree.QName(root).namespace != NS:
        raise FormatError(f"the root element must be in namespace {NS}")
    check(root)
    return Envelope(_read(root), datetime.fromisoformat(root.get("created", "")), root.get("sender"))


def _one(root: etree._Element, local: str) -> str:
    found = root.find(_q(local))
    return found.text or "" if found is not None else ""


def _maybe(root: etree._Element, local: str) -> str | None:
    found = root.find(_q(local))
    return (found.text or "") if found is not None else None


def _product(root: etree._Element) -> tuple[str, str]:
    node = root.find(_q("productCode"))
    assert node is not None  # the schema requires it
    return node.text or "", node.get("scheme", "")


def _serial_list(root: etree._Element) -> list[str]:
    holder = root.find(_q("serials"))
    return [] if holder is None else [sn.text or "" for sn in holder]


def _read(root: etree._Element) -> Document:
    kind = etree.QName(root).localname
    code, scheme = _product(root)
    if kind == "ProductMasterData":
        markets = []
        for node in root.iterfind(_q("market")):
            mah = node.find(_q("mah"))
            assert mah is not None
            markets.append(
                MarketData(
                    country=node.get("country", ""),
                    national_code=_maybe(node, "nationalCode"),
                    mah=Party(_one(mah, "id"), _one(mah, "name"), _one(mah, "address")),
                )
            )
        return ProductMasterData(
            code,
            scheme,
            _one(root, "name"),
            _one(root, "commonName"),
            _one(root, "pharmaceuticalForm"),
            _one(root, "strength"),
            _one(root, "packType"),
            _one(root, "packSize"),
            tuple(markets),
        )
    if kind == "PackData":
        return PackData(
            code,
            scheme,
            _one(root, "batch"),
            _one(root, "expiry"),
            _serial_list(root),
            int(root.get("part", "1")),
            int(root.get("parts", "1")),
        )
    if kind == "BatchRecall":
        return BatchRecall(code, scheme, _one(root, "batch"), _one(root, "reason"))
    if kind == "ProductWithdrawal":
        countries = tuple(m.text or "" for m in root.iterfind(_q("market")))
        return ProductWithdrawal(code, scheme, _one(root, "reason"), countries)
    if kind == "PackStatusChange":
        return PackStatusChange(
            code,
            scheme,
            _one(root, "batch"),
            _one(root, "status"),
            root.get("undo") in ("true", "1"),
            _serial_list(root),
        )
    return Alert(
        alert_id=_one(root, "alertId"),
        code=_one(root, "code"),
        severity=_one(root, "severity"),
        raised_at=datetime.fromisoformat(_one(root, "raisedAt")),
        product_code=code,
        scheme=scheme,
        message=_one(root, "message"),
        market=_maybe(root, "market"),
        batch=_maybe(root, "batch"),
        serial=_maybe(root, "serial"),
    )
