"""The EPC key queries and the index compare by: the shortcut for already-canonical Digital Links gives
exactly what parsing gives."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from app.services.eventstore import canonical, parsed_key

ALPHANUMERIC = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
gtins = st.text("0123456789", min_size=14, max_size=14)
serials = st.text(ALPHANUMERIC + "-._%/!", min_size=1, max_size=22)
ssccs = st.text("0123456789", min_size=17, max_size=19)


def parsed(value: str) -> str:
    return parsed_key(value) or value


@given(gtin=gtins, serial=serials, host=st.sampled_from(["id.gs1.org", "example.com/gs1"]))
def test_sgtin_keys_match_the_parser(gtin: str, serial: str, host: str) -> None:
    value = f"https://{host}/01/{gtin}/21/{serial}"
    assert canonical(value) == parsed(value)


@given(sscc=ssccs)
def test_sscc_keys_match_the_parser(sscc: str) -> None:
    value = f"https://id.gs1.org/00/{sscc}"
    assert canonical(value) == parsed(value)


def test_other_forms_are_still_parsed() -> None:
    assert canonical("urn:epc:id:sgtin:9506000.013435.ABC") == "https://id.gs1.org/01/09506000134352/21/ABC"
    assert canonical("https://id.gs1.org/01/9506000134352/21/A") == "https://id.gs1.org/01/09506000134352/21/A"
    assert canonical("urn:example:thing:1") == "urn:example:thing:1"
