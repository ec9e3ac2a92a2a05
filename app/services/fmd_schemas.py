"""Request bodies of the EU FMD routes as pydantic models (bounds as the hub's format sets them)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Text255 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]
Text1000 = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=1000)]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MahIn(_Strict):
    """The marketing authorisation holder in one market."""

    id: Text255
    name: Text255
    address: Text1000


class FmdMarketIn(_Strict):
    """One target market: national code (defaults to the product's national number there) and MAH."""

    market: Country
    national_code: Text255 | None = None
    mah: MahIn


class FmdProductIn(_Strict):
    """The hub's product master data; form, strength and pack size default to the product's own."""

    common_name: Text255
    pharmaceutical_form: Text255 | None = None
    strength: Text255 | None = None
    pack_type: Text255
    pack_size: Text255 | None = None
    markets: list[FmdMarketIn] = Field(min_length=1, max_length=40)
    reason: Text255 | None = None


class FmdWithdrawalIn(_Strict):
    """Withdraw a product from the hub: from the listed markets, or from every market when none is listed."""

    reason: Text1000
    markets: list[Country] = Field(default_factory=list, max_length=40)


class FmdAcknowledgeIn(_Strict):
    """Acknowledge an alert, with what was done about it."""

    note: Text1000 | None = None
