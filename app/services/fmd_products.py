"""EU FMD product data: the hub's common elements and per-market data (national code, MAH) of a product,
their upload as product master data, and the product's withdrawal from markets (final)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import Database
from app.models import Batch, OutboxMessage, OutboxStatus, Product
from app.models.base import utcnow
from app.models.fmd import FmdMarket, FmdProduct
from app.services import audit
from app.services import fmd_format as fmt
from app.services.fmd import EEA, SCHEME, About, Hub, fmd_product, queue, require_hub
from app.services.fmd_schemas import FmdProductIn, FmdWithdrawalIn
from app.services.identifiers import parse_gtin
from app.services.security import Principal


def _product(session: Session, gtin_text: str) -> Product:
    gtin = parse_gtin(gtin_text)
    product = session.scalar(select(Product).where(Product.gtin == gtin))
    if product is None:
        raise NotFound(f"no product with GTIN {gtin}", field="gtin")
    return product


def product_view(product: Product, data: FmdProduct | None) -> dict[str, Any]:
    if data is None:
        return {"gtin": product.gtin, "configured": False, "markets": []}
    return {
        "gtin": product.gtin,
        "configured": True,
        "coding_scheme": SCHEME,
        "name": product.name,
        "common_name": data.common_name,
        "pharmaceutical_form": data.pharmaceutical_form,
        "strength": data.strength,
        "pack_type": data.pack_type,
        "pack_size": data.pack_size,
        "markets": [
            {
                "market": m.market,
                "national_code": m.national_code,
                "mah": {"id": m.mah_id, "name": m.mah_name, "address": m.mah_address},
                "withdrawn_at": m.withdrawn_at.isoformat() if m.withdrawn_at else None,
                "withdrawal_reason": m.withdrawal_reason,
            }
            for m in data.markets
        ],
    }


def put_product(database: Database, actor: Principal, gtin: str, data: FmdProductIn) -> dict[str, Any]:
    """Set the hub data of a product (audited). Markets may be added, never removed (the hub keeps them)."""
    with database.write() as session:
        product = _product(session, gtin)
        row = fmd_product(session, product.id)
        before = product_view(product, row)
        common = {
            "pharmaceutical_form": data.pharmaceutical_form or product.dosage_form,
            "strength": data.strength or product.strength,
            "pack_size": data.pack_size or product.pack_size,
        }
        for name, value in common.items():
            if not value:
                raise ValidationFailed(f"{name} is required (the product has none to default to)", field=name)
        seen: set[str] = set()
        for index, market in enumerate(data.markets):
            if market.market not in EEA:
                raise ValidationFailed(
                    f"{market.market} is not an EU/EEA market under the FMD", field=f"markets[{index}].market"
                )
            if market.market in seen:
                raise ValidationFailed(f"market {market.market} is listed twice", field=f"markets[{index}].market")
            seen.add(market.market)
        if row is None:
            row = FmdProduct(product_id=product.id, common_name=data.common_name, pack_type=data.pack_type, **common)
            session.add(row)
            session.flush()
        else:
            dropped = sorted({m.market for m in row.markets} - seen)
            if dropped:
                raise Conflict(
                    f"market {dropped[0]} was sent to the hub and cannot be removed; withdraw the product there",
                    field="markets",
                )
            row.common_name, row.pack_type = data.common_name, data.pack_type
            for name, value in common.items():
                setattr(row, name, value)
        existing = {m.market: m for m in row.markets}
        for market in data.markets:
            target = existing.get(market.market)
            if target is None:
                target = FmdMarket(market=market.market)
                row.markets.append(target)
            target.national_code = market.national_code or product.national_numbers.get(market.market)
            target.mah_id, target.mah_name, target.mah_address = market.mah.id, market.mah.name, market.mah.address
        session.flush()
        session.refresh(row)
        after = product_view(product, row)
        audit.record(
            session,
            actor=actor.name,
            action="fmd.product.set",
            entity="product",
            entity_id=product.gtin,
            before=before,
            after=after,
            reason=data.reason,
        )
        return after


def get_product(database: Database, gtin: str) -> dict[str, Any]:
    with database.read() as session:
        product = _product(session, gtin)
        return product_view(product, fmd_product(session, product.id))


def _configured(session: Session, product: Product) -> FmdProduct:
    row = fmd_product(session, product.id)
    if row is None:
        raise Conflict(f"product {product.gtin} has no EU FMD data; PUT it first", field="gtin")
    return row


def upload_product(database: Database, hub: Hub | None, actor: Principal, gtin: str) -> dict[str, Any]:
    """Queue the product master data (common elements and every market) for the hub."""
    target = require_hub(hub)
    with database.write() as session:
        product = _product(session, gtin)
        row = _configured(session, product)
        doc = fmt.ProductMasterData(
            product.gtin,
            SCHEME,
            product.name,
            row.common_name,
            row.pharmaceutical_form,
            row.strength,
            row.pack_type,
            row.pack_size,
            tuple(
                fmt.MarketData(m.market, fmt.Party(m.mah_id, m.mah_name, m.mah_address), m.national_code)
                for m in row.markets
            ),
        )
        message_id = _send(session, target, product, doc, "pmd", utcnow())
        audit.record(
            session,
            actor=actor.name,
            action="fmd.product.upload",
            entity="product",
            entity_id=product.gtin,
            after={"message_id": message_id, "markets": [m.market for m in row.markets]},
        )
        return {"gtin": product.gtin, "kind": "ProductMasterData", "messageID": message_id}


def _send(session: Session, target: Hub, product: Product, doc: fmt.Document, kind: str, at: datetime) -> str:
    """Queue a product message (`kind`: "pmd" master data, "withdraw") for the hub, after the product's
    earlier messages; returns its id."""
    return queue(
        session,
        target,
        doc,
        About(product.id),
        reference=f"fmd:product:{product.gtin}",
        dedupe_key=f"fmd:{kind}:{product.gtin}:{at.isoformat()}",
    )


def _check_nothing_pending(session: Session, product: Product) -> None:
    """A withdrawal is final at the hub, which then refuses any pack status of the product: it must not
    overtake an upload or status change of one of its batches that is still on its way."""
    references = [f"fmd:batch:{b}" for b in session.scalars(select(Batch.id).where(Batch.gtin == product.gtin))]
    waiting = session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.reference.in_(references),
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.NEEDS_ATTENTION)),
        )
    )
    if waiting:
        raise Conflict(
            f"{waiting} hub message(s) about batches of {product.gtin} are not delivered yet; withdraw the product "
            "once they are (or after cancelling them in the monitor)",
            field="gtin",
        )


def withdraw_product(
    database: Database, hub: Hub | None, actor: Principal, gtin: str, data: FmdWithdrawalIn
) -> dict[str, Any]:
    """Withdraw a product from markets (every market when none is named); final, and queued for the hub."""
    target = require_hub(hub)
    with database.write() as session:
        product = _product(session, gtin)
        row = _configured(session, product)
        markets = {m.market: m for m in row.markets}
        for index, market in enumerate(data.markets):
            if market not in markets:
                raise ValidationFailed(f"product {product.gtin} is not listed for {market}", field=f"markets[{index}]")
            if markets[market].withdrawn_at is not None:
                raise Conflict(f"product {product.gtin} is withdrawn in {market} already", field=f"markets[{index}]")
        chosen = list(data.markets) or [m for m, r in markets.items() if r.withdrawn_at is None]
        if not chosen:
            raise Conflict(f"product {product.gtin} is withdrawn from every market already", field="markets")
        _check_nothing_pending(session, product)
        now = utcnow()
        for market in chosen:
            markets[market].withdrawn_at, markets[market].withdrawal_reason = now, data.reason
        doc = fmt.ProductWithdrawal(product.gtin, SCHEME, data.reason, tuple(data.markets))
        message_id = _send(session, target, product, doc, "withdraw", now)
        audit.record(
            session,
            actor=actor.name,
            action="fmd.product.withdraw",
            entity="product",
            entity_id=product.gtin,
            after={"markets": sorted(chosen), "message_id": message_id},
            reason=data.reason,
        )
        return {"gtin": product.gtin, "kind": "ProductWithdrawal", "markets": sorted(chosen), "messageID": message_id}
