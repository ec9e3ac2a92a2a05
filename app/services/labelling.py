"""Codes and labels for what this service issued: DataMatrix/QR/pack labels for issued serials, SSCC
labels for allocated SSCCs, and the print-verification verdict for a photographed code.

Nothing renders that was not allocated: an unknown or voided serial, or an SSCC never issued, is a 404.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import and_, or_, select

from app import labels
from app.errors import NotFound, ValidationFailed
from app.extensions import Database
from app.models import Batch, Location, SsccAllocation, TradingPartner
from app.services.batches import check_line_scope
from app.services.codes import DEFAULT_DOMAIN, PackCode, pack_code
from app.services.security import Principal
from app.services.serials import lookup

Symbol = Literal["datamatrix", "qr", "label"]
CodeFormat = Literal["png", "svg", "pdf"]
GS1_SYMBOLOGIES = {
    "]d2": "GS1 DataMatrix",
    "]d8": "GS1 DataMatrix, rectangular extension (DMRE)",  # zxing-cpp adds 6 to the modifier for DMRE
    "]Q3": "GS1 QR Code",
    "]C1": "GS1-128",
    "]e0": "GS1 DataBar",
}
LINK_SYMBOLOGIES = {"]Q1": "QR Code (Digital Link)", "]d1": "Data Matrix (Digital Link)"}


def issued_code(
    database: Database, gtin: str, serial: str, domain: str, actor: Principal | None = None
) -> tuple[PackCode, dict[str, Any]]:
    """The pack code of an issued, not voided serial; 404 otherwise (403 for a line token of another line)."""
    answer = lookup(database, gtin, serial)
    if not answer["issued"] or answer["status"] == "voided":
        state = "was voided" if answer["status"] == "voided" else "was never issued"
        raise NotFound(f"serial {serial} of GTIN {answer['gtin']} {state}: nothing is rendered", field="serial")
    with database.read() as session:
        batch = session.get(Batch, answer["batch_id"])
        assert batch is not None
        if actor is not None:
            check_line_scope(actor, batch)
        return pack_code(batch, batch.product, domain), answer


def render_code(
    database: Database,
    gtin: str,
    serial: str,
    fmt: CodeFormat,
    symbol: Symbol,
    options: labels.RenderOptions,
    domain: str,
    backend: str = "zint",
    error_correction: Literal["L", "M", "Q", "H"] = "M",
    actor: Principal | None = None,
) -> bytes:
    code, _ = issued_code(database, gtin, serial, domain, actor)
    mapping = code.mapping(serial)
    if symbol == "label":
        nhrn = code.nhrn[0] if code.nhrn else None
        data = labels.PackLabel(
            gtin=code.gtin, serial=serial, lot=code.lot, expiry=code.expiry, nhrn=nhrn, product_name=None, ndc=None
        )
        return labels.pack_label(data, fmt, options)
    if fmt == "pdf":
        raise ValidationFailed("PDF is available for symbol=label only", field="format")
    if symbol == "qr":
        from epcis import gs1

        uri = gs1.element_string(mapping, form="digital_link", domain=code.domain)
        return labels.digital_link_qr(uri, options, error_correction=error_correction)
    return labels.datamatrix(mapping, options, backend=backend)


def _party(session: Any, gln: str | None) -> str:
    if gln is None:
        return ""
    loc = session.scalar(select(Location).where(Location.gln == gln).order_by(Location.id).limit(1))
    if loc is not None:
        return "\n".join(x for x in (loc.name, loc.address or "", f"GLN {gln}") if x)
    partner = session.scalar(select(TradingPartner).where(TradingPartner.gln == gln))
    if partner is not None:
        return f"{partner.name}\n{partner.country}\nGLN {gln}"
    return f"GLN {gln}"


def sscc_label_data(database: Database, sscc_text: str, count: int | None) -> labels.SsccLabel:
    """Label data of an allocated SSCC: ship-from/ship-to from its batch, content when `count` is given."""
    from epcis import gs1

    try:
        sscc = gs1.Sscc.parse(sscc_text).value
    except gs1.Gs1Error as exc:
        raise ValidationFailed(str(exc), field="sscc") from None
    ext = int(sscc[0])
    candidates = [
        and_(
            SsccAllocation.company_prefix == sscc[1 : 1 + n],
            SsccAllocation.start_ref <= int(sscc[1 + n : 17]),
        )
        for n in range(6, 13)
    ]
    with database.read() as session:
        rows = session.scalars(
            select(SsccAllocation).where(SsccAllocation.extension_digit == ext, or_(*candidates))
        ).all()
        row = next((r for r in rows if int(sscc[1 + len(r.company_prefix) : 17]) < r.start_ref + r.count), None)
        if row is None:
            raise NotFound(f"SSCC {sscc} was never allocated here: no label is printed", field="sscc")
        batch = session.get(Batch, row.batch_id) if row.batch_id is not None else None
        content = None
        if count is not None:
            if batch is None:
                raise ValidationFailed("count needs an SSCC allocated for a batch", field="count")
            content = labels.SsccContent(gtin=batch.gtin, count=count, lot=batch.lot, expiry=batch.expiry)
        return labels.SsccLabel(
            sscc=sscc,
            ship_from=_party(session, batch.site_gln if batch else None),
            ship_to=_party(session, batch.destination_gln if batch else None),
            content=content,
        )


@dataclass
class Verdict:
    """The camera check's answer: pass or fail, every reason, and what was read and matched."""

    verdict: Literal["pass", "fail"] = "pass"
    reasons: list[str] = field(default_factory=list)
    symbology: str | None = None
    text: str | None = None
    data: dict[str, str] = field(default_factory=dict)
    allocation: dict[str, Any] | None = None

    def fail(self, reason: str) -> Verdict:
        self.verdict = "fail"
        self.reasons.append(reason)
        return self

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict,
            "reasons": self.reasons,
            "symbology": self.symbology,
            "text": self.text,
            "data": self.data,
            "allocation": self.allocation,
        }


def verify_image(database: Database, image: bytes) -> Verdict:
    """Decode a printed code, check it is GS1, parse it and match it to what was allocated."""
    from epcis import gs1

    verdict = Verdict()
    try:
        symbols = labels.decode(image)
    except labels.LabelError as exc:
        raise ValidationFailed(str(exc), field="image") from None
    if not symbols:
        return verdict.fail("no barcode found in the image")
    symbol = symbols[0]
    verdict.symbology, verdict.text = symbol.symbology_identifier, symbol.text
    is_link = symbol.symbology_identifier in LINK_SYMBOLOGIES and symbol.text.startswith(("http://", "https://"))
    if symbol.symbology_identifier not in GS1_SYMBOLOGIES and not is_link:
        return verdict.fail(
            f"symbology {symbol.symbology_identifier} ({symbol.format}) is not GS1: FNC1 in first position is missing"
        )
    try:
        prefix = "]d2" if symbol.symbology_identifier == "]d8" else symbol.symbology_identifier
        data = dict(gs1.parse(symbol.text if is_link else prefix + symbol.text))
    except gs1.Gs1Error as exc:
        return verdict.fail(f"not a valid GS1 message: {exc}")
    verdict.data = data
    if "01" not in data or "21" not in data:
        return verdict.fail("the code carries no GTIN (01) and serial (21)")
    answer = lookup(database, data["01"], data["21"])
    if not answer["issued"]:
        return verdict.fail(f"serial {data['21']} of GTIN {data['01']} was never issued")
    verdict.allocation = {k: answer.get(k) for k in ("batch_id", "allocation_id", "lot", "expiry", "status")}
    if answer["status"] == "voided":
        verdict.fail(f"serial {data['21']} was voided and must not be printed")
    if data.get("10") != answer["lot"]:
        verdict.fail(f"lot {data.get('10')} does not match the batch's lot {answer['lot']}")
    if data.get("17") != answer["expiry"]:
        verdict.fail(f"expiry {data.get('17')} does not match the batch's expiry {answer['expiry']}")
    with database.read() as session:
        batch = session.get(Batch, answer["batch_id"])
        expected = dict(pack_code(batch, batch.product, DEFAULT_DOMAIN).nhrn) if batch is not None else {}
    for ai in sorted(set(expected) | (set(data) & NATIONAL_AIS)):  # the market's number, and no other
        if data.get(ai) != expected.get(ai):
            wanted = f"({ai}) {expected[ai]}" if ai in expected else "none"
            verdict.fail(
                f"national number ({ai}) {data.get(ai) or 'missing'} does not match the batch's market: {wanted}"
            )
    return verdict


NATIONAL_AIS = frozenset({"710", "711", "712", "713", "714", "715", "716"})
