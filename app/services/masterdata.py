"""Master data use cases: products (with their serial pool), locations and trading partners."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound, ValidationFailed
from app.extensions import Database
from app.models import (
    Batch,
    Location,
    LocationKind,
    PartnerChannel,
    Product,
    SerialPool,
    SerialSource,
    TradingPartner,
)
from app.schemas import ChannelIn, LocationIn, LocationPatch, PartnerIn, PartnerPatch, ProductIn, ProductPatch
from app.serialgen import PoolTooSmallError, SerialScheme
from app.services import audit
from app.services.codes import NHRN_AI
from app.services.common import Page, paginate, snapshot
from app.services.identifiers import check_x20, parse_gln, parse_gtin
from app.services.security import Principal

PRODUCT_FIELDS = [
    "gtin",
    "name",
    "dosage_form",
    "strength",
    "pack_size",
    "company_prefix_length",
    "ndc",
    "national_numbers",
    "target_markets",
    "resolver_domain",
]
LOCATION_FIELDS = ["id", "gln", "extension", "name", "address", "country", "kind"]
PARTNER_FIELDS = ["id", "name", "gln", "country"]


def product_view(p: Product) -> dict[str, Any]:
    out = snapshot(p, PRODUCT_FIELDS)
    out["serial_scheme"] = {
        "alphabet": p.serial_alphabet,
        "length": p.serial_length,
        "source": p.serial_source.value,
        "lifetime_volume": p.lifetime_volume,
    }
    out["created_at"] = p.created_at.isoformat()
    out["updated_at"] = p.updated_at.isoformat()
    return out


def _check_national_numbers(numbers: dict[str, str]) -> dict[str, str]:
    for market, value in numbers.items():
        ai = NHRN_AI.get(market)
        if ai is None:
            known = ", ".join(sorted(NHRN_AI))
            raise ValidationFailed(
                f"market {market} has no GS1 national number AI; known: {known}",
                field=f"national_numbers.{market}",
            )
        check_x20(ai, value, field=f"national_numbers.{market}")
    return dict(numbers)


def _scheme(alphabet: str, length: int, volume: int, field: str) -> SerialScheme:
    try:
        scheme = SerialScheme(alphabet, length)
        scheme.check_capacity(volume)
    except PoolTooSmallError as exc:
        raise ValidationFailed(str(exc), field=field) from None
    except ValueError as exc:
        raise ValidationFailed(str(exc), field=field) from None
    return scheme


def _get_product(session: Session, gtin: str) -> Product:
    product = session.scalar(select(Product).where(Product.gtin == gtin))
    if product is None:
        raise NotFound(f"no product with GTIN {gtin}", field="gtin")
    return product


def create_product(database: Database, actor: Principal, data: ProductIn, default_volume: int) -> dict[str, Any]:
    gtin = parse_gtin(data.gtin)
    ss = data.serial_scheme
    volume = ss.lifetime_volume or default_volume
    _scheme(ss.alphabet, ss.length, volume, "serial_scheme.length")
    numbers = _check_national_numbers(data.national_numbers)
    with database.write() as session:
        if session.scalar(select(Product.id).where(Product.gtin == gtin)) is not None:
            raise Conflict(f"a product with GTIN {gtin} already exists", field="gtin")
        product = Product(
            gtin=gtin,
            name=data.name,
            dosage_form=data.dosage_form,
            strength=data.strength,
            pack_size=data.pack_size,
            company_prefix_length=data.company_prefix_length,
            ndc=data.ndc,
            national_numbers=numbers,
            target_markets=list(data.target_markets),
            serial_alphabet=ss.alphabet,
            serial_length=ss.length,
            serial_source=SerialSource(ss.source),
            resolver_domain=data.resolver_domain,
            lifetime_volume=volume,
        )
        session.add(product)
        if product.serial_source is SerialSource.POOL:
            session.add(
                SerialPool(
                    gtin=gtin,
                    alphabet=ss.alphabet,
                    length=ss.length,
                    key=secrets.token_bytes(32),
                    next_counter=0,
                )
            )
        session.flush()
        view = product_view(product)
        audit.record(session, actor=actor.name, action="product.create", entity="product", entity_id=gtin, after=view)
        return view


def update_product(database: Database, actor: Principal, gtin_text: str, patch: ProductPatch) -> dict[str, Any]:
    gtin = parse_gtin(gtin_text)
    changes = patch.model_dump(exclude_unset=True, exclude={"reason", "serial_scheme"})
    if "national_numbers" in changes and changes["national_numbers"] is not None:
        changes["national_numbers"] = _check_national_numbers(changes["national_numbers"])
    with database.write() as session:
        product = _get_product(session, gtin)
        before = product_view(product)
        has_batches = session.scalar(select(Batch.id).where(Batch.product_id == product.id).limit(1)) is not None
        if patch.serial_scheme is not None:
            ss = patch.serial_scheme
            if has_batches:
                raise Conflict(
                    "the serial scheme cannot change once batches exist for this GTIN: serials "
                    "from two schemes could collide",
                    field="serial_scheme",
                )
            volume = ss.lifetime_volume or product.lifetime_volume
            _scheme(ss.alphabet, ss.length, volume, "serial_scheme.length")
            product.serial_alphabet, product.serial_length = ss.alphabet, ss.length
            product.serial_source, product.lifetime_volume = SerialSource(ss.source), volume
            pool = session.get(SerialPool, gtin)
            if product.serial_source is SerialSource.POOL:
                if pool is None:
                    session.add(
                        SerialPool(
                            gtin=gtin,
                            alphabet=ss.alphabet,
                            length=ss.length,
                            key=secrets.token_bytes(32),
                            next_counter=0,
                        )
                    )
                else:
                    pool.alphabet, pool.length = ss.alphabet, ss.length
            elif pool is not None:
                session.delete(pool)
        if "company_prefix_length" in changes and has_batches:
            raise Conflict(
                "company_prefix_length cannot change once batches exist (EPCs were issued)",
                field="company_prefix_length",
            )
        for name, value in changes.items():
            if value is None and name in {
                "name",
                "company_prefix_length",
                "national_numbers",
                "target_markets",
            }:
                raise ValidationFailed(f"{name} cannot be null", field=name)
            setattr(product, name, value)
        session.flush()
        after = product_view(product)
        audit.record(
            session,
            actor=actor.name,
            action="product.update",
            entity="product",
            entity_id=gtin,
            before=before,
            after=after,
            reason=patch.reason,
        )
        return after


def get_product(database: Database, gtin_text: str) -> dict[str, Any]:
    gtin = parse_gtin(gtin_text)
    with database.read() as session:
        return product_view(_get_product(session, gtin))


def list_products(database: Database, page: Page) -> tuple[list[dict[str, Any]], int]:
    with database.read() as session:
        rows, total = paginate(session, select(Product).order_by(Product.id), page)
        return [product_view(p) for p in rows], total


def location_view(loc: Location) -> dict[str, Any]:
    out = snapshot(loc, LOCATION_FIELDS)
    out["extension"] = loc.extension or None
    return out


def create_location(database: Database, actor: Principal, data: LocationIn) -> dict[str, Any]:
    gln = parse_gln(data.gln)
    extension = data.extension or ""
    with database.write() as session:
        exists = session.scalar(select(Location.id).where(Location.gln == gln, Location.extension == extension))
        if exists is not None:
            raise Conflict(f"location {gln}{'/' + extension if extension else ''} already exists", field="gln")
        loc = Location(
            gln=gln,
            extension=extension,
            name=data.name,
            address=data.address,
            country=data.country,
            kind=LocationKind(data.kind),
        )
        session.add(loc)
        session.flush()
        view = location_view(loc)
        audit.record(
            session,
            actor=actor.name,
            action="location.create",
            entity="location",
            entity_id=loc.id,
            after=view,
        )
        return view


def update_location(database: Database, actor: Principal, location_id: int, patch: LocationPatch) -> dict[str, Any]:
    changes = patch.model_dump(exclude_unset=True, exclude={"reason"})
    with database.write() as session:
        loc = session.get(Location, location_id)
        if loc is None:
            raise NotFound(f"no location with id {location_id}", field="id")
        before = location_view(loc)
        for name, value in changes.items():
            if value is None and name in {"name", "kind"}:
                raise ValidationFailed(f"{name} cannot be null", field=name)
            setattr(loc, name, LocationKind(value) if name == "kind" else value)
        session.flush()
        after = location_view(loc)
        audit.record(
            session,
            actor=actor.name,
            action="location.update",
            entity="location",
            entity_id=loc.id,
            before=before,
            after=after,
            reason=patch.reason,
        )
        return after


def get_location(database: Database, location_id: int) -> dict[str, Any]:
    with database.read() as session:
        loc = session.get(Location, location_id)
        if loc is None:
            raise NotFound(f"no location with id {location_id}", field="id")
        return location_view(loc)


def list_locations(database: Database, page: Page, gln: str | None = None) -> tuple[list[dict[str, Any]], int]:
    query = select(Location).order_by(Location.id)
    if gln:
        query = query.where(Location.gln == parse_gln(gln))
    with database.read() as session:
        rows, total = paginate(session, query, page)
        return [location_view(x) for x in rows], total


def create_partner(database: Database, actor: Principal, data: PartnerIn) -> dict[str, Any]:
    gln = parse_gln(data.gln)
    with database.write() as session:
        if session.scalar(select(TradingPartner.id).where(TradingPartner.gln == gln)) is not None:
            raise Conflict(f"a trading partner with GLN {gln} already exists", field="gln")
        partner = TradingPartner(name=data.name, gln=gln, country=data.country)
        session.add(partner)
        session.flush()
        view = snapshot(partner, PARTNER_FIELDS)
        audit.record(
            session,
            actor=actor.name,
            action="partner.create",
            entity="trading_partner",
            entity_id=partner.id,
            after=view,
        )
        return view


def update_partner(database: Database, actor: Principal, partner_id: int, patch: PartnerPatch) -> dict[str, Any]:
    changes = patch.model_dump(exclude_unset=True, exclude={"reason"})
    with database.write() as session:
        partner = session.get(TradingPartner, partner_id)
        if partner is None:
            raise NotFound(f"no trading partner with id {partner_id}", field="id")
        before = snapshot(partner, PARTNER_FIELDS)
        for name, value in changes.items():
            if value is None:
                raise ValidationFailed(f"{name} cannot be null", field=name)
            setattr(partner, name, value)
        session.flush()
        after = snapshot(partner, PARTNER_FIELDS)
        audit.record(
            session,
            actor=actor.name,
            action="partner.update",
            entity="trading_partner",
            entity_id=partner.id,
            before=before,
            after=after,
            reason=patch.reason,
        )
        return after


def get_partner(database: Database, partner_id: int) -> dict[str, Any]:
    with database.read() as session:
        partner = session.get(TradingPartner, partner_id)
        if partner is None:
            raise NotFound(f"no trading partner with id {partner_id}", field="id")
        return snapshot(partner, PARTNER_FIELDS)


def list_partners(database: Database, page: Page) -> tuple[list[dict[str, Any]], int]:
    with database.read() as session:
        rows, total = paginate(session, select(TradingPartner).order_by(TradingPartner.id), page)
        return [snapshot(x, PARTNER_FIELDS) for x in rows], total


CHANNELS = ("epcis2", "dscsa")


def _check_tls(data: ChannelIn) -> None:
    """PEM material must load, and a client certificate comes with its key (and only with it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, load_pem_private_key

    def loads(field: str, text: str | None, load: Any) -> None:
        if text is None:
            return
        try:
            load(text.encode())
        except (ValueError, TypeError) as exc:
            raise ValidationFailed(f"{field} is not valid PEM: {exc}", field=field) from None

    loads("ca_bundle", data.ca_bundle, x509.load_pem_x509_certificates)
    loads("client_certificate", data.client_certificate, x509.load_pem_x509_certificates)
    loads("client_key", data.client_key, lambda raw: load_pem_private_key(raw, password=None))
    if (data.client_certificate is None) != (data.client_key is None):
        missing = "client_key" if data.client_key is None else "client_certificate"
        raise ValidationFailed("client_certificate and client_key go together: give both or neither", field=missing)
    if data.client_certificate is not None and data.client_key is not None:
        certificate = x509.load_pem_x509_certificates(data.client_certificate.encode())[0]
        key = load_pem_private_key(data.client_key.encode(), password=None)
        spki = (Encoding.DER, PublicFormat.SubjectPublicKeyInfo)  # comparable for every key type
        if certificate.public_key().public_bytes(*spki) != key.public_key().public_bytes(*spki):
            raise ValidationFailed(
                "client_key is not the private key of client_certificate (the first certificate)", field="client_key"
            )


def channel_view(channel: PartnerChannel) -> dict[str, Any]:
    """A channel as answered and audited: whether a credential is set, never the credential."""
    return {
        "channel": channel.channel,
        "endpoint": channel.endpoint,
        "active": channel.active,
        "authorization_set": channel.auth_header is not None,
        "tls_verify": channel.tls_verify,
        "ca_bundle_set": channel.ca_bundle is not None,
        "client_certificate_set": channel.client_cert is not None,
    }


def set_channel(database: Database, actor: Principal, partner_id: int, name: str, data: ChannelIn) -> dict[str, Any]:
    if name not in CHANNELS:
        raise NotFound(f"unknown channel {name!r}; known: {', '.join(CHANNELS)}", field="channel")
    _check_tls(data)
    with database.write() as session:
        if session.get(TradingPartner, partner_id) is None:
            raise NotFound(f"no trading partner with id {partner_id}", field="id")
        channel = session.scalar(
            select(PartnerChannel).where(PartnerChannel.partner_id == partner_id, PartnerChannel.channel == name)
        )
        before = channel_view(channel) if channel is not None else None
        if channel is None:
            channel = PartnerChannel(partner_id=partner_id, channel=name, endpoint=data.endpoint)
            session.add(channel)
        channel.endpoint, channel.auth_header, channel.active = data.endpoint, data.authorization, data.active
        channel.tls_verify, channel.ca_bundle = data.tls_verify, data.ca_bundle
        channel.client_cert, channel.client_key = data.client_certificate, data.client_key
        session.flush()
        after = channel_view(channel)
        audit.record(
            session,
            actor=actor.name,
            action="partner.channel",
            entity="trading_partner",
            entity_id=partner_id,
            before=before,
            after=after,
        )
        return after


def list_channels(database: Database, partner_id: int) -> list[dict[str, Any]]:
    with database.read() as session:
        if session.get(TradingPartner, partner_id) is None:
            raise NotFound(f"no trading partner with id {partner_id}", field="id")
        rows = session.scalars(
            select(PartnerChannel).where(PartnerChannel.partner_id == partner_id).order_by(PartnerChannel.channel)
        )
        return [channel_view(c) for c in rows]
