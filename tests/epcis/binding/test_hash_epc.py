"""Canonical GS1 Digital Link form of EPC URNs and Digital Links, checked against the reference normaliser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epcis.epc import _urn_to_dl, canonical_digital_link, check_digit, is_digital_link, plain_sgtin
from epcis.model import Epc

reference = pytest.importorskip("epcis_event_hash_generator.dl_normaliser")

CASES = [
    ("urn:epc:id:sgtin:4012345.011111.9876", "https://id.gs1.org/01/04012345111118/21/9876"),
    ("urn:epc:id:sgtin:4012345.011111.98!7:6", "https://id.gs1.org/01/04012345111118/21/98%217%3A6"),
    ("urn:epc:id:sscc:4012345.0000000111", "https://id.gs1.org/00/040123450000001112"),
    ("urn:epc:id:sgln:4012345.00005.0", "https://id.gs1.org/414/4012345000054"),
    ("urn:epc:id:sgln:4012345.00005.987", "https://id.gs1.org/414/4012345000054/254/987"),
    ("urn:epc:id:grai:4012345.55555.987", "https://id.gs1.org/8003/04012345555554987"),
    ("urn:epc:id:giai:4000001.111", "https://id.gs1.org/8004/4000001111"),
    ("urn:epc:id:gsrn:4012345.1234567890", "https://id.gs1.org/8018/401234512345678900"),
    ("urn:epc:id:gsrnp:4012345.1234567890", "https://id.gs1.org/8017/401234512345678900"),
    ("urn:epc:id:gdti:4012345.11111.123", "https://id.gs1.org/253/4012345111118123"),
    ("urn:epc:id:pgln:4012345.00000", "https://id.gs1.org/417/4012345000009"),
    ("urn:epc:id:sgcn:4012345.67890.04711", "https://id.gs1.org/255/401234567890104711"),
    ("urn:epc:id:cpi:0614141.123ABC.123456789", "https://id.gs1.org/8010/0614141123ABC/8011/123456789"),
    ("urn:epc:id:itip:4012345.011111.01.02.987", "https://id.gs1.org/8006/040123451111180102/21/987"),
    ("urn:epc:id:ginc:0614141.xyz3311cde", "https://id.gs1.org/401/0614141xyz3311cde"),
    ("urn:epc:id:gsin:0614141.123456789", "https://id.gs1.org/402/06141411234567890"),
    ("urn:epc:class:lgtin:4054739.099961.2015-03-30a", "https://id.gs1.org/01/04054739999612/10/2015-03-30a"),
    ("urn:epc:idpat:sgtin:4012345.011111.*", "https://id.gs1.org/01/04012345111118"),
    ("urn:epc:idpat:grai:4012345.55555.*", "https://id.gs1.org/8003/04012345555554"),
    ("https://example.com/01/4012345111118/10/ABC/21/9876?x=1", "https://id.gs1.org/01/04012345111118/21/9876"),
    ("https://id.gs1.org/gtin/9520123456788/cpv/2A", "https://id.gs1.org/01/09520123456788"),
    ("https://id.gs1.org/01/09520123456788/22/2A/21/12345", "https://id.gs1.org/01/09520123456788/21/12345"),
    ("https://id.gs1.org/01/09520123456788/22/2A/10/ABC123/21/12345", None),
    ("https://example.org/8004/401234599999", "https://id.gs1.org/8004/401234599999"),
    ("urn:epc:id:sgtin:4012345.01111.9876", None),
    ("https://example.org/x/y.html", None),
    ("shipping", None),
]


@pytest.mark.parametrize(("value", "expected"), CASES)
def test_canonical_digital_link(value: str, expected: str | None) -> None:
    assert canonical_digital_link(value) == expected
    assert reference.normaliser(value) == expected


def test_epc_keeps_its_string_and_knows_its_forms() -> None:
    urn = Epc("urn:epc:id:sscc:4012345.0000000111")
    link = Epc("https://id.gs1.org/00/040123450000001112")
    assert urn == "urn:epc:id:sscc:4012345.0000000111"
    assert urn.digital_link == link.digital_link == "https://id.gs1.org/00/040123450000001112"
    assert urn.urn == "urn:epc:id:sscc:4012345.0000000111"
    assert Epc("https://example.org/thing").urn is None
    assert is_digital_link(link)
    assert not is_digital_link(urn)


@pytest.mark.parametrize(
    ("digits", "expected"), [("401234511111", "8"), ("0401234500000011", "1"), ("629104150021", "3")]
)
def test_check_digit(digits: str, expected: str) -> None:
    assert check_digit(digits) == expected


_serial = st.text(alphabet="0123456789ABCDEFabcxyz-_.!*:'()+,;=", min_size=1, max_size=20)


@settings(max_examples=150, deadline=None)
@given(prefix_len=st.integers(6, 12), digits=st.text("0123456789", min_size=13, max_size=13), serial=_serial)
def test_sgtin_urns_match_the_reference(prefix_len: int, digits: str, serial: str) -> None:
    urn = f"urn:epc:id:sgtin:{digits[:prefix_len]}.{digits[prefix_len:]}.{serial}"
    assert canonical_digital_link(urn) == reference.normaliser(urn)


@settings(max_examples=150, deadline=None)
@given(
    host=st.sampled_from(["https://id.gs1.org", "https://example.com", "http://brand.example/p"]),
    gtin=st.text("0123456789", min_size=8, max_size=14).filter(lambda g: len(g) in (8, 12, 13, 14)),
    lot=st.none() | st.text(alphabet="0123456789ABCabc-", min_size=1, max_size=20),
    serial=st.none() | st.text(alphabet="0123456789ABCabc-", min_size=1, max_size=20),
    query=st.sampled_from(["", "?linkType=all", "?17=250101"]),
)
def test_digital_links_match_the_reference(
    host: str, gtin: str, lot: str | None, serial: str | None, query: str
) -> None:
    uri = f"{host}/01/{gtin}" + (f"/10/{lot}" if lot else "") + (f"/21/{serial}" if serial else "") + query
    assert canonical_digital_link(uri) == reference.normaliser(uri)


@settings(max_examples=100, deadline=None)
@given(
    prefix_len=st.integers(6, 12),
    digits=st.text("0123456789", min_size=17, max_size=17),
    serial=_serial,
    kind=st.sampled_from(["sgtin", "lgtin", "sscc", "sgln", "grai", "giai"]),
)
def test_urn_to_digital_link_and_back(prefix_len: int, digits: str, serial: str, kind: str) -> None:
    cp = digits[:prefix_len]
    urn = {
        "sgtin": f"urn:epc:id:sgtin:{cp}.{digits[prefix_len:13]}.{serial}",
        "lgtin": f"urn:epc:class:lgtin:{cp}.{digits[prefix_len:13]}.{serial}",
        "sscc": f"urn:epc:id:sscc:{cp}.{digits[prefix_len:17]}",
        "sgln": f"urn:epc:id:sgln:{cp}.{digits[prefix_len:12]}.{serial}",
        "grai": f"urn:epc:id:grai:{cp}.{digits[prefix_len:12]}.{serial[:16]}",
        "giai": f"urn:epc:id:giai:{cp}.{serial}",
    }[kind]
    link = canonical_digital_link(urn)
    if link is None:  # e.g. a GIAI longer than 30 characters
        return
    assert Epc(link).to_urn(prefix_len) == urn


def test_to_urn_needs_a_valid_prefix_length() -> None:
    with pytest.raises(ValueError, match="company prefix length 5 is not between 6 and 12"):
        Epc("https://id.gs1.org/00/040123450000001112").to_urn(5)
    assert Epc("https://example.org/thing").to_urn(7) is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("urn:epc:id:sgtin:4012345.011111.9876", "https://id.gs1.org/01/04012345111118/21/9876"),
        ("urn:epc:id:sgtin:4012345.011111.98!7:6", "https://id.gs1.org/01/04012345111118/21/98%217%3A6"),
        ("urn:epc:id:sgtin:4012345.011111.a.b", "https://id.gs1.org/01/04012345111118/21/a.b"),
        ("urn:epc:id:sgtin:4012345.011111.A%2F1", None),  # %-escapes: the general path reads them
        ("urn:epc:id:sgtin:4012345.011111." + "x" * 21, None),
        ("urn:epc:id:sgtin:4012345.011111.", None),
        ("urn:epc:id:sgtin:4012345.01111.9876", None),
        ("urn:epc:id:sgtin:4012345011111.9876", None),
        ("urn:epc:id:sgtin:12345.0111111.9876", None),
        ("urn:epc:id:sscc:4012345.0000000111", None),
    ],
)
def test_plain_sgtin(value: str, expected: str | None) -> None:
    assert plain_sgtin(value) == expected


@settings(max_examples=150, deadline=None)
@given(
    prefix_len=st.integers(4, 13),
    digits=st.text("0123456789", min_size=12, max_size=14),
    serial=st.text("09AZaz!'()*+,-.:;=_%/ ", max_size=22),
)
def test_plain_sgtin_agrees_with_the_general_path(prefix_len: int, digits: str, serial: str) -> None:
    value = f"urn:epc:id:sgtin:{digits[:prefix_len]}.{digits[prefix_len:]}.{serial}"
    plain = plain_sgtin(value)
    assert plain is None or plain == _urn_to_dl("id", "sgtin", digits[:prefix_len], f"{digits[prefix_len:]}.{serial}")
