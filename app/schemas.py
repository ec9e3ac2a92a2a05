"""Request bodies as pydantic models: types, required fields and bounds; GS1 rules are checked by services."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StringConstraints

Str100 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Str200 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Digits = Annotated[str, StringConstraints(pattern=r"^[0-9]+$")]
# A GS1 Digital Link resolver: https scheme and host, optional path stem, no query, no trailing slash.
Resolver = Annotated[
    str, StringConstraints(pattern=r"^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~-]+)*$", max_length=200)
]


DB_INT_MAX = 2**63 - 1  # the largest id or count an integer column holds (SQLite INTEGER, PostgreSQL BIGINT)
DbInt = Annotated[StrictInt, Field(ge=1, le=DB_INT_MAX)]  # JSON numbers only: not true, not "5"


def whole_number(text: str | None) -> int | None:
    """`text` as a whole number an integer column can hold, when it is ASCII digits (not "²"); else None."""
    if text is None or not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return int(text)


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class SerialSchemeIn(Strict):
    alphabet: Literal["numeric", "alphanumeric"] = "alphanumeric"
    length: int = Field(12, ge=1, le=20)
    source: Literal["pool", "external"] = "pool"
    lifetime_volume: int | None = Field(None, ge=1, le=10**15)


class ProductIn(Strict):
    gtin: str
    name: Str200
    company_prefix_length: int = Field(ge=6, le=12)
    dosage_form: Str100 | None = None
    strength: Str100 | None = None
    pack_size: Str100 | None = None
    ndc: Annotated[str, StringConstraints(pattern=r"^[0-9]{10,11}$|^[0-9]{4,5}-[0-9]{3,4}-[0-9]{1,2}$")] | None = None
    national_numbers: dict[Country, str] = Field(default_factory=dict)
    target_markets: list[Country] = Field(default_factory=list)
    serial_scheme: SerialSchemeIn = Field(default_factory=lambda: SerialSchemeIn())
    resolver_domain: Resolver | None = None


class ProductPatch(Strict):
    name: Str200 | None = None
    dosage_form: Str100 | None = None
    strength: Str100 | None = None
    pack_size: Str100 | None = None
    ndc: Annotated[str, StringConstraints(pattern=r"^[0-9]{10,11}$|^[0-9]{4,5}-[0-9]{3,4}-[0-9]{1,2}$")] | None = None
    national_numbers: dict[Country, str] | None = None
    target_markets: list[Country] | None = None
    company_prefix_length: int | None = Field(None, ge=6, le=12)
    serial_scheme: SerialSchemeIn | None = None
    resolver_domain: Resolver | None = None
    reason: Str200 | None = None


class LocationIn(Strict):
    gln: str
    extension: Annotated[str, StringConstraints(pattern=r"^[!%-?A-Z_a-z\"]{1,20}$")] | None = None
    name: Str200
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    country: Country | None = None
    kind: Literal["site", "line", "warehouse", "partner_site"]


class LocationPatch(Strict):
    name: Str200 | None = None
    address: Annotated[str, StringConstraints(max_length=500)] | None = None
    country: Country | None = None
    kind: Literal["site", "line", "warehouse", "partner_site"] | None = None
    reason: Str200 | None = None


class PartnerIn(Strict):
    name: Str200
    gln: str
    country: Country


class PartnerPatch(Strict):
    name: Str200 | None = None
    country: Country | None = None
    reason: Str200 | None = None


class BatchIn(Strict):
    gtin: str
    lot: str
    expiry: str
    quantity: StrictInt = Field(ge=1, le=100_000_000)
    site_gln: str | None = None
    line_gln: str | None = None
    destination_gln: str | None = None
    market: Country | None = None
    order_ref: Str100 | None = None
    patient_ref: Str100 | None = None


class BatchTransitionIn(Strict):
    status: Literal["planned", "in_production", "closed", "released", "recalled"]
    reason: Str200 | None = None


class SerialRequest(Strict):
    count: StrictInt


class SerialList(Strict):
    serials: list[str] = Field(min_length=1, max_length=1_000_000)
    reason: Str200 | None = None


class SsccRequest(Strict):
    company_prefix: Digits
    extension_digit: StrictInt = Field(ge=0, le=9)
    count: StrictInt = 1
    batch_id: DbInt | None = None


class LineOperation(Strict):
    """One line operation; `op` decides which fields are needed."""

    op: Literal["commission", "decommission", "undo_decommission", "pack", "unpack"]
    batch_id: DbInt | None = None
    serials: list[str] = Field(default_factory=list, max_length=100_000)
    reason: (
        Literal[
            "destroyed", "stolen", "sample", "free_sample", "locked", "exported", "dispensed", "recalled", "expired"
        ]
        | None
    ) = None
    parent: str | None = None
    children: list[str] = Field(default_factory=list, max_length=100_000)
    event_id: Str200 | None = None


class LineEvents(Strict):
    operations: list[LineOperation] = Field(min_length=1, max_length=1000)


class OutboxAction(Strict):
    """Resend or cancel an outgoing message: why (kept in the audit trail)."""

    reason: Str200


Pem = Annotated[str, StringConstraints(min_length=1, max_length=65536)]


class ChannelIn(Strict):
    """A partner's endpoint for one channel: `authorization` is sent as the `Authorization` header;
    `ca_bundle` (PEM certificates) is trusted instead of the system store; `client_certificate` and
    `client_key` (PEM, key unencrypted) answer mutual TLS; `tls_verify: false` is for test endpoints only."""

    endpoint: Annotated[str, StringConstraints(pattern=r"^https?://[^\s]+$", max_length=2048)]
    authorization: Annotated[str, StringConstraints(min_length=1, max_length=1024)] | None = None
    active: bool = True
    tls_verify: bool = True
    ca_bundle: Pem | None = None
    client_certificate: Pem | None = None
    client_key: Pem | None = None
