"""What one pack's code says: the batch-level GS1 data plus a serial, in every form the line needs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from app.models import Batch, Product
from epcis import gs1

NHRN_AI = {"DE": "710", "FR": "711", "ES": "712", "BR": "713", "PT": "714", "US": "715", "IT": "716"}
DEFAULT_DOMAIN = "https://id.gs1.org"


@dataclass(frozen=True)
class PackCode:
    """GTIN, expiry, lot, national number and EPC prefix length of a batch: a serial completes a code."""

    gtin: str
    expiry: str
    lot: str
    company_prefix_length: int
    nhrn: tuple[tuple[str, str], ...] = ()
    domain: str = DEFAULT_DOMAIN

    def mapping(self, serial: str) -> dict[str, str]:
        return {"01": self.gtin, "17": self.expiry, "10": self.lot, "21": serial, **dict(self.nhrn)}

    def fields(self, serial: str) -> dict[str, Any]:
        mapping = self.mapping(serial)
        return {
            "serial": serial,
            "element_string": gs1.element_string(mapping, form="bracketed"),
            "digital_link": gs1.element_string(mapping, form="digital_link", domain=self.domain),
            "epc": gs1.Sgtin(gs1.Gtin.parse(self.gtin), serial).epc_urn(self.company_prefix_length),
        }


def pack_code(batch: Batch, product: Product, domain: str = DEFAULT_DOMAIN) -> PackCode:
    nhrn: tuple[tuple[str, str], ...] = ()
    if batch.market and batch.market in product.national_numbers and batch.market in NHRN_AI:
        nhrn = ((NHRN_AI[batch.market], product.national_numbers[batch.market]),)
    resolver = product.resolver_domain or domain  # the product's own resolver, else the service default
    return PackCode(batch.gtin, batch.expiry, batch.lot, product.company_prefix_length, nhrn, resolver)
