"""DSCSA master data use cases: transaction information per GTIN and the address of each GLN, set
(create or replace, audited) and read."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.errors import NotFound, ValidationFailed
from app.extensions import Database
from app.models.dscsa import DscsaAddress, DscsaProduct
from app.services import audit
from app.services.common import snapshot
from app.services.identifiers import parse_gln, parse_gtin
from app.services.security import Principal

PRODUCT_FIELDS = [
    "gtin",
    "ndc",
    "ndc_type",
    "drug_name",
    "dosage_form",
    "strength",
    "container_size",
    "manufacturer",
]
ADDRESS_FIELDS = [
    "gln",
    "company_prefix_length",
    "name",
    "street_one",
    "street_two",
    "city",
    "state",
    "postal_code",
    "country",
]
NDC_DIGITS = {"US_FDA_NDC": (10, 11), "FDA_NDC_11": (11,)}


def product_view(row: DscsaProduct) -> dict[str, Any]:
    return {**snapshot(row, PRODUCT_FIELDS), "updated_at": row.updated_at.isoformat()}


def address_view(row: DscsaAddress) -> dict[str, Any]:
    return {**snapshot(row, ADDRESS_FIELDS), "updated_at": row.updated_at.isoformat()}


def _check_ndc(ndc: str, ndc_type: str) -> None:
    digits = ndc.replace("-", "")
    allowed = NDC_DIGITS[ndc_type]
    if len(digits) not in allowed:
        expected = " or ".join(str(n) for n in allowed)
        raise ValidationFailed(f"NDC '{ndc}' has {len(digits)} digits; {ndc_type} needs {expected}", field="ndc")


@dataclass(frozen=True)
class _Kind:
    """What differs between the two kinds of DSCSA master data: table, key column, fields, audit action, view."""

    model: type[DscsaProduct] | type[DscsaAddress]
    key: str
    fields: list[str]
    action: str
    view: Callable[[Any], dict[str, Any]]


PRODUCT = _Kind(DscsaProduct, "gtin", PRODUCT_FIELDS, "dscsa.product.set", product_view)
ADDRESS = _Kind(DscsaAddress, "gln", ADDRESS_FIELDS, "dscsa.address.set", address_view)


def _put(database: Database, actor: Principal, kind: _Kind, key: str, data: dict[str, Any]) -> dict[str, Any]:
    """Create or replace the row of `kind` keyed `key` (its GTIN or GLN) with `data`, audited; its view."""
    with database.write() as session:
        row: Any = session.scalar(select(kind.model).where(getattr(kind.model, kind.key) == key))
        before = snapshot(row, kind.fields) if row else None
        if row is None:
            row = kind.model(**{kind.key: key}, **data)
            session.add(row)
        else:
            for name, value in data.items():
                setattr(row, name, value)
        session.flush()
        audit.record(
            session,
            actor=actor.name,
            action=kind.action,
            entity=kind.model.__tablename__,
            entity_id=key,
            before=before,
            after=snapshot(row, kind.fields),
        )
        return kind.view(row)


def set_product(database: Database, actor: Principal, gtin: str, data: dict[str, Any]) -> dict[str, Any]:
    """Create or replace the DSCSA data of a GTIN."""
    key = parse_gtin(gtin)
    _check_ndc(data["ndc"], data["ndc_type"])
    return _put(database, actor, PRODUCT, key, data)


def get_product(database: Database, gtin: str) -> dict[str, Any]:
    key = parse_gtin(gtin)
    with database.read() as session:
        row = session.scalar(select(DscsaProduct).where(DscsaProduct.gtin == key))
        if row is None:
            raise NotFound(f"no DSCSA product data for GTIN {key}", field="gtin")
        return product_view(row)


def list_products(database: Database) -> list[dict[str, Any]]:
    with database.read() as session:
        return [product_view(r) for r in session.scalars(select(DscsaProduct).order_by(DscsaProduct.gtin))]


def set_address(database: Database, actor: Principal, gln: str, data: dict[str, Any]) -> dict[str, Any]:
    """Create or replace the name and address of a GLN."""
    key = parse_gln(gln)
    cp = data.get("company_prefix_length")
    if cp is not None and not 6 <= cp <= 12:
        raise ValidationFailed(f"company prefix length {cp} is not between 6 and 12", field="company_prefix_length")
    return _put(database, actor, ADDRESS, key, data)


def get_address(database: Database, gln: str) -> dict[str, Any]:
    key = parse_gln(gln)
    with database.read() as session:
        row = session.scalar(select(DscsaAddress).where(DscsaAddress.gln == key))
        if row is None:
            raise NotFound(f"no DSCSA address for GLN {key}", field="gln")
        return address_view(row)


def list_addresses(database: Database) -> list[dict[str, Any]]:
    with database.read() as session:
        return [address_view(r) for r in session.scalars(select(DscsaAddress).order_by(DscsaAddress.gln))]
