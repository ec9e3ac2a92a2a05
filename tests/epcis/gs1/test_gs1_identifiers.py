"""Identifier value objects, EPC URNs and their Digital Link URIs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from epcis.gs1 import (
    CSET82,
    EpcUrnError,
    Gln,
    Gs1CheckDigitError,
    Gs1Error,
    Gs1FormatError,
    Gtin,
    Lgtin,
    Sgln,
    Sgtin,
    Sscc,
    check_digit,
    parse_epc_urn,
)

GTIN = Gtin("09506000134352")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("09506000134352", "09506000134352"),
        ("9506000134352", "09506000134352"),
        ("614141123452", "00614141123452"),
        ("96385074", "00000096385074"),
    ],
)
def test_gtin_parse_pads_to_14(text: str, value: str) -> None:
    gtin = Gtin.parse(text)
    assert gtin.value == value and str(gtin) == value


@pytest.mark.parametrize(
    ("text", "error", "message"),
    [
        ("09506000134353", Gs1CheckDigitError, "(01) 09506000134353: check digit 3 is wrong, expected 2"),
        ("123", Gs1FormatError, "(01) 123: 3 digits, expected 8, 12, 13 or 14"),
        (
            "0950600013435A",
            Gs1FormatError,
            "(01) 0950600013435A: character 'A' at position 14 is not a digit",
        ),
        ("", Gs1FormatError, "(01) : 0 digits, expected 8, 12, 13 or 14"),
    ],
)
def test_gtin_parse_errors(text: str, error: type[Gs1Error], message: str) -> None:
    with pytest.raises(error) as caught:
        Gtin.parse(text)
    assert str(caught.value) == message
    assert caught.value.ai == "01" and caught.value.value == text


def test_constructors_validate() -> None:
    with pytest.raises(Gs1FormatError, match=r"^\(01\) 9506000134352: 13 digits, expected 14$"):
        Gtin("9506000134352")
    with pytest.raises(Gs1CheckDigitError, match=r"^\(414\) 9520123456789: check digit 9 is wrong, expected 8$"):
        Gln.parse("9520123456789")
    with pytest.raises(Gs1FormatError, match=r"^\(00\) 10614141234567890: 17 digits, expected 18$"):
        Sscc.parse("10614141234567890")
    with pytest.raises(Gs1FormatError, match=r"^\(21\) 123456789012345678901: 21 characters, expected 1 to 20$"):
        Sgtin(GTIN, "123456789012345678901")
    with pytest.raises(Gs1FormatError, match=r"^\(10\) A B: character ' ' at position 2 is not in CSET 82$"):
        Lgtin(GTIN, "A B")
    with pytest.raises(Gs1FormatError, match=r"^\(254\) : is empty, expected 1 to 20 characters$"):
        Sgln(Gln("9520123456788"), "")


def test_value_objects_are_frozen() -> None:
    with pytest.raises(AttributeError):
        GTIN.value = "x"  # type: ignore[misc]


def test_sscc_build() -> None:
    sscc = Sscc.build(1, "0614141", 234567890)
    assert sscc == Sscc("106141412345678908")
    assert sscc.extension_digit == 1
    assert Sscc.build(0, "0614141", 7).value == "006141410000000074"
    assert Sscc.build(9, "123456789012", 42).value[:17] == "91234567890120042"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((10, "0614141", 1), "extension digit 10 is not 0-9"),
        ((1, "061", 1), "company prefix '061' is not 4-12 digits"),
        ((1, "0614141234567", 1), "company prefix '0614141234567' is not 4-12 digits"),
        ((1, "06141A1", 1), "company prefix '06141A1' is not 4-12 digits"),
        (
            (1, "0614141", 10**9),
            "serial reference 1000000000 does not fit in 9 digits after company prefix 0614141",
        ),
        ((1, "0614141", -1), "serial reference -1 does not fit in 9 digits after company prefix 0614141"),
    ],
)
def test_sscc_build_errors(args: tuple[int, str, int], message: str) -> None:
    with pytest.raises(Gs1FormatError) as caught:
        Sscc.build(*args)
    assert str(caught.value) == message


def test_epc_urns() -> None:
    assert Sgtin(GTIN, "XYZ98765").epc_urn(7) == "urn:epc:id:sgtin:9506000.013435.XYZ98765"
    assert Sgtin(Gtin("80614141123458"), "6789").epc_urn(7) == "urn:epc:id:sgtin:0614141.812345.6789"
    assert Sgtin(GTIN, 'a"%&/<>?b').epc_urn(7) == "urn:epc:id:sgtin:9506000.013435.a%22%25%26%2F%3C%3E%3Fb"
    assert Sgtin(GTIN, "!'()*+,-.:;=_").epc_urn(7) == "urn:epc:id:sgtin:9506000.013435.!'()*+,-.:;=_"
    assert Sscc("106141412345678908").epc_urn(7) == "urn:epc:id:sscc:0614141.1234567890"
    assert Sgln(Gln("9520123456788")).epc_urn(7) == "urn:epc:id:sgln:9520123.45678.0"
    assert Sgln(Gln("9520123456788"), "32a/b").epc_urn(7) == "urn:epc:id:sgln:9520123.45678.32a%2Fb"
    assert Sgln(Gln("9520123456788")).epc_urn(12) == "urn:epc:id:sgln:952012345678..0"
    assert Lgtin(GTIN, "ABC123").epc_class_urn(7) == "urn:epc:class:lgtin:9506000.013435.ABC123"
    assert GTIN.epc_class_urn(9) == "urn:epc:idpat:sgtin:950600013.0435.*"
    assert GTIN.epc_class_urn(12) == "urn:epc:idpat:sgtin:950600013435.0.*"


@pytest.mark.parametrize("cp_len", [3, 13])
def test_epc_urn_company_prefix_length(cp_len: int) -> None:
    with pytest.raises(EpcUrnError, match=rf"^company prefix length {cp_len} is not 4-12$"):
        Sgtin(GTIN, "1").epc_urn(cp_len)


def test_parse_epc_urn() -> None:
    assert parse_epc_urn("urn:epc:id:sgtin:0614141.812345.6789") == Sgtin(Gtin("80614141123458"), "6789")
    assert parse_epc_urn("urn:epc:id:sscc:0614141.1234567890") == Sscc("106141412345678908")
    assert parse_epc_urn("urn:epc:id:sgln:9520123.45678.0") == Sgln(Gln("9520123456788"))
    assert parse_epc_urn("urn:epc:id:sgln:9520123.45678.32a%2Fb") == Sgln(Gln("9520123456788"), "32a/b")
    assert parse_epc_urn("urn:epc:class:lgtin:9506000.013435.A%25B") == Lgtin(GTIN, "A%B")
    assert parse_epc_urn("urn:epc:idpat:sgtin:9506000.013435.*") == GTIN
    assert Sgtin.from_epc_urn("urn:epc:id:sgtin:9506000.013435.XYZ98765") == Sgtin(GTIN, "XYZ98765")
    assert Gtin.from_epc_urn("urn:epc:idpat:sgtin:9506000.013435.*") == GTIN
    assert Sscc.from_epc_urn("urn:epc:id:sscc:0614141.1234567890").value == "106141412345678908"
    assert Lgtin.from_epc_urn("urn:epc:class:lgtin:9506000.013435.L1").lot == "L1"
    assert Sgln.from_epc_urn("urn:epc:id:sgln:9520123.45678.7").extension == "7"


@pytest.mark.parametrize(
    ("urn", "message"),
    [
        (
            "urn:epc:id:sgtin:9506000.01343.1",
            "'urn:epc:id:sgtin:9506000.01343.1': company prefix and reference have 12 digits, expected 13",
        ),
        (
            "urn:epc:id:giai:9506000.1",
            "'urn:epc:id:giai:9506000.1': is not an sgtin, sscc or sgln EPC URN, an lgtin class or an sgtin pattern",
        ),
        (
            "urn:epc:id:sgtin:9506000.013435.a/b",
            "'urn:epc:id:sgtin:9506000.013435.a/b': character '/' must be percent-escaped as %XX",
        ),
        (
            "urn:epc:id:sgtin:9506000.013435.a%zz",
            "'urn:epc:id:sgtin:9506000.013435.a%zz': character '%' must be percent-escaped as %XX",
        ),
        (
            "urn:epc:id:sgtin:9506000.013435",
            "'urn:epc:id:sgtin:9506000.013435': the third part (serial, lot or extension) is missing",
        ),
        (
            "urn:epc:id:sscc:0614141.1234567890.1",
            "'urn:epc:id:sscc:0614141.1234567890.1': an SSCC URN has no third part",
        ),
        (
            "urn:epc:idpat:sgtin:9506000.013435.1",
            "'urn:epc:idpat:sgtin:9506000.013435.1': an sgtin pattern must end in '.*'",
        ),
        ("urn:epc:id:sgtin:950.0134350000.1", "company prefix length 3 is not 4-12"),
    ],
)
def test_parse_epc_urn_errors(urn: str, message: str) -> None:
    with pytest.raises(EpcUrnError) as caught:
        parse_epc_urn(urn)
    assert str(caught.value) == message


def test_parse_epc_urn_serial_rules_apply() -> None:
    with pytest.raises(Gs1FormatError, match=r"^\(21\) a b: character ' ' at position 2 is not in CSET 82$"):
        parse_epc_urn("urn:epc:id:sgtin:9506000.013435.a%20b")
    with pytest.raises(EpcUrnError, match=r"^'urn:epc:id:sscc:0614141.1234567890': is not a SGTIN URN$"):
        Sgtin.from_epc_urn("urn:epc:id:sscc:0614141.1234567890")


def test_digital_links() -> None:
    assert Sgtin(GTIN, "XYZ98765").digital_link() == "https://id.gs1.org/01/09506000134352/21/XYZ98765"
    assert Sgtin(GTIN, "A/B+C").digital_link("https://brand.example/") == (
        "https://brand.example/01/09506000134352/21/A%2FB%2BC"
    )
    assert Sscc("106141412345678908").digital_link() == "https://id.gs1.org/00/106141412345678908"
    assert Sgln(Gln("9520123456788"), "32a/b").digital_link() == "https://id.gs1.org/414/9520123456788/254/32a%2Fb"
    assert Sgln(Gln("9520123456788")).digital_link() == "https://id.gs1.org/414/9520123456788"
    assert Lgtin(GTIN, "L1").digital_link() == "https://id.gs1.org/01/09506000134352/10/L1"
    assert GTIN.digital_link() == "https://id.gs1.org/01/09506000134352"


bodies = st.text(alphabet="0123456789", min_size=13, max_size=13)
serials = st.text(alphabet=CSET82, min_size=1, max_size=20)


@given(bodies, serials, st.integers(4, 12))
def test_sgtin_urn_round_trip(body: str, serial: str, cp_len: int) -> None:
    sgtin = Sgtin(Gtin(body + str(check_digit(body))), serial)
    assert parse_epc_urn(sgtin.epc_urn(cp_len)) == sgtin
    lgtin = Lgtin(sgtin.gtin, serial)
    assert parse_epc_urn(lgtin.epc_class_urn(cp_len)) == lgtin


@given(st.integers(0, 9), st.integers(4, 12), st.data())
def test_sscc_urn_round_trip(extension: int, cp_len: int, data: st.DataObject) -> None:
    prefix = data.draw(st.text(alphabet="0123456789", min_size=cp_len, max_size=cp_len))
    serial = data.draw(st.integers(0, 10 ** (16 - cp_len) - 1))
    sscc = Sscc.build(extension, prefix, serial)
    assert parse_epc_urn(sscc.epc_urn(cp_len)) == sscc
