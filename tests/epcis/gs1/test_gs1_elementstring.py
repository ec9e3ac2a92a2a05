"""Element strings: every input form, every output form, validation and association rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from epcis.gs1 import (
    CSET82,
    GS,
    DigitalLinkError,
    ElementString,
    Gs1AssociationError,
    Gs1CheckDigitError,
    Gs1Error,
    Gs1FormatError,
    Gs1SyntaxError,
    check_digit,
    element_string,
    parse,
)

PACK = {"01": "09506000134352", "17": "270131", "10": "ABC123", "21": "XYZ98765"}
RAW = "01095060001343521727013110ABC123\x1d21XYZ98765"
HRI = "(01) 09506000134352 (17) 270131 (10) ABC123 (21) XYZ98765"
BRACKETED = "(01)09506000134352(17)270131(10)ABC123(21)XYZ98765"
DL = "https://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ98765?17=270131"


def test_pack_in_every_form() -> None:
    assert element_string(PACK, "raw") == RAW
    assert element_string(PACK, "bracketed") == BRACKETED
    assert element_string(PACK) == BRACKETED
    assert element_string(PACK, "hri") == HRI
    assert element_string(PACK, "digital_link") == DL
    assert element_string(PACK, "digital_link", domain="https://brand.example/dl/") == (
        "https://brand.example/dl/01/09506000134352/10/ABC123/21/XYZ98765?17=270131"
    )


@pytest.mark.parametrize(
    "text",
    [
        RAW,
        BRACKETED,
        HRI,
        DL,
        "]d2" + RAW,
        "]C1" + RAW,
        "]Q3" + RAW,
        "]e0" + RAW,
        GS + RAW,
        "^" + RAW,
        "[01]09506000134352[17]270131[10]ABC123[21]XYZ98765",
        "^01095060001343521727013110ABC123^21XYZ98765",
        "]Q1" + DL,
        "]d1" + DL,
        "0109506000134352\x1d1727013110ABC123\x1d21XYZ98765\x1d",
        "HTTP://id.gs1.org/01/09506000134352/10/ABC123/21/XYZ98765?17=270131&linkType=gs1:pip#frag",
    ],
)
def test_every_input_form_parses_to_the_pack(text: str) -> None:
    assert parse(text) == PACK


def test_parse_keeps_order_and_is_a_mapping() -> None:
    message = parse(BRACKETED)
    assert list(message.items()) == list(PACK.items())
    assert isinstance(message, ElementString) and message["21"] == "XYZ98765" and "17" in message
    assert message.get("99") is None and len(message) == 4
    assert repr(message) == f"ElementString({PACK!r})"
    assert str(message) == BRACKETED
    assert hash(message) == hash(parse(RAW)) and message == parse(RAW)
    with pytest.raises(AttributeError, match="immutable"):
        message._data = {}


def test_raw_form_puts_predefined_length_ais_first() -> None:
    shuffled = {"21": "S1", "10": "L1", "01": "09506000134352", "11": "260101", "710": "12345678"}
    assert element_string(shuffled, "raw") == "0109506000134352" + "11260101" + "21S1\x1d10L1\x1d71012345678"
    assert element_string({"01": "09506000134352", "10": "L1"}, "raw") == "010950600013435210L1"


def test_missing_separator_makes_the_lot_swallow_the_serial() -> None:
    assert parse("010950600013435210ABC12321XYZ98765") == {"01": "09506000134352", "10": "ABC12321XYZ98765"}


def test_bracketed_escapes_parentheses() -> None:
    message = {"01": "09506000134352", "10": "A(B)", "21": "(21)"}
    text = element_string(message)
    assert text == "(01)09506000134352(10)A\\(B)(21)\\(21)"
    assert parse(text) == message
    assert element_string(message, "hri") == "(01) 09506000134352 (10) A(B) (21) (21)"
    assert parse(element_string(message, "hri")) == message


def test_repeated_ai_with_identical_value_is_kept_once() -> None:
    assert list(parse("(01)09506000134352(21)A(21)A")) == ["01", "21"]


@pytest.mark.parametrize(
    ("text", "error", "message", "rule"),
    [
        ("(21)XYZ98765", Gs1AssociationError, "(21) XYZ98765: requires (01), (03) or (8006)", "req"),
        (
            "(01)09506000134352(02)09506000134352",
            Gs1AssociationError,
            "(02) 09506000134352: not allowed together with (01)",
            "ex",
        ),
        ("(254)A1", Gs1AssociationError, "(254) A1: requires (414)", "req"),
        (
            "(01)09506000134352(3103)000195(3102)000195",
            Gs1AssociationError,
            "(3103) 000195: not allowed together with (3102)",
            "ex",
        ),
        ("(01)09506000134352(250)X", Gs1AssociationError, "(250) X: requires (21)", "req"),
        (
            "(01)09506000134352(21)A(21)B",
            Gs1AssociationError,
            "(21) B: repeats (21) with a different value A",
            "duplicate",
        ),
        (
            "(01)09506000134353",
            Gs1CheckDigitError,
            "(01) 09506000134353: check digit 3 is wrong, expected 2",
            "csum",
        ),
        (
            "(00)106141412345678909",
            Gs1CheckDigitError,
            "(00) 106141412345678909: check digit 9 is wrong, expected 8",
            "csum",
        ),
        (
            "(01)0950600013435",
            Gs1FormatError,
            "(01) 0950600013435: 13 characters, expected exactly 14",
            "length",
        ),
        ("(01)09506000134352(10)", Gs1FormatError, "(10) : is empty, expected 1 to 20 characters", "length"),
        (
            "(01)09506000134352(21)AB CD",
            Gs1FormatError,
            "(21) AB CD: character ' ' at position 3 is not in CSET 82",
            "charset",
        ),
        (
            "(01)09506000134352(21)1234567890123456789012",
            Gs1FormatError,
            "(21) 1234567890123456789012: 22 characters, expected 1 to 20",
            "length",
        ),
        (
            "(01)0950600013435X",
            Gs1FormatError,
            "(01) 0950600013435X: character 'X' at position 14 is not a digit",
            "charset",
        ),
        (
            "(01)09506000134352(17)2712",
            Gs1FormatError,
            "(17) 2712: 4 characters, expected exactly 6",
            "length",
        ),
        (
            "(01)09506000134352(423)0040",
            Gs1FormatError,
            "(423) 0040: component 2 ([N3]) '0' is too short",
            "length",
        ),
        ("(999)x", Gs1SyntaxError, "'(999)x': (999) at position 1 is not a known AI", "unknown-ai"),
        ("#1", Gs1SyntaxError, "'#1': no known AI at position 1", "unknown-ai"),
        ("x", DigitalLinkError, "'x': scheme is not http:// or https://", "dl-scheme"),
        (
            "01095060001343521",
            Gs1SyntaxError,
            "'01095060001343521': no known AI at position 17",
            "unknown-ai",
        ),
        ("", Gs1SyntaxError, "'': empty input", "empty"),
        (
            "[01]09506000134352x[10]1",
            Gs1FormatError,
            "(01) 09506000134352x: 15 characters, expected exactly 14",
            "length",
        ),
        ("[01]09506000134352]", Gs1FormatError, "(01) 09506000134352]: 15 characters, expected exactly 14", "length"),
        (
            "[01]09506000134352[9x]1",
            Gs1SyntaxError,
            "'[01]09506000134352[9x]1': expected '[AI]' at position 19",
            "brackets",
        ),
        ("[999]1", Gs1SyntaxError, "'[999]1': [999] at position 1 is not a known AI", "unknown-ai"),
        ("(01", Gs1SyntaxError, "'(01': unclosed '(' at position 1", "brackets"),
        (
            "]d1" + RAW,
            Gs1SyntaxError,
            f"{']d1' + RAW!r}: symbology identifier ]d1 does not carry GS1 data",
            "symbology",
        ),
        ("]d2", Gs1SyntaxError, "']d2': no data after the symbology identifier", "empty"),
        (
            "(01) 09506000134352 (17)",
            Gs1SyntaxError,
            "'(01) 09506000134352 (17)': HRI must alternate '(AI)' and value, separated by single spaces",
            "hri",
        ),
    ],
)
def test_parse_errors(text: str, error: type[Gs1Error], message: str, rule: str) -> None:
    with pytest.raises(error) as caught:
        parse(text)
    assert str(caught.value) == message
    assert caught.value.rule == rule
    assert isinstance(caught.value, ValueError)


def test_error_attributes() -> None:
    with pytest.raises(Gs1Error) as caught:
        parse("(01)09506000134352(17)271300")
    assert (caught.value.ai, caught.value.value, caught.value.rule) == ("17", "271300", "yymmd0")
    assert caught.value.finding == "month 13 is not 01-12"


def test_element_string_validates_plain_mappings() -> None:
    with pytest.raises(Gs1AssociationError, match=r"^\(21\) X: requires \(01\), \(03\) or \(8006\)$"):
        element_string({"21": "X"})
    with pytest.raises(Gs1SyntaxError, match=r"^\(98x\) 1: unknown AI$"):
        element_string({"98x": "1"})
    with pytest.raises(Gs1Error, match=r"^'png': unknown form: expected 'bracketed', 'raw', 'hri' or 'digital_link'$"):
        element_string(PACK, "png")  # type: ignore[arg-type]


def test_digital_link_generation_errors() -> None:
    with pytest.raises(DigitalLinkError, match=r"^'\(99\)A\(10\)B': no Digital Link primary key among \(99\)\(10\)$"):
        element_string(ElementString._trusted({"99": "A", "10": "B"}), "digital_link")
    with pytest.raises(DigitalLinkError, match=r"^\(254\) A: is not permitted as a Digital Link data attribute$"):
        element_string({"01": "09506000134352", "414": "9520123456788", "254": "A"}, "digital_link")


# ---- property: every form round-trips ---------------------------------------------------------

cset82_values = st.text(alphabet=CSET82, min_size=1, max_size=20)
dates = st.builds(lambda y, m, d: f"{y:02d}{m:02d}{d:02d}", st.integers(0, 99), st.integers(1, 12), st.integers(0, 28))


def _with_check_digit(length: int) -> st.SearchStrategy[str]:
    body = st.text(alphabet="0123456789", min_size=length - 1, max_size=length - 1)
    return body.map(lambda b: b + str(check_digit(b)))


@st.composite
def pharma_payloads(draw: st.DrawFn) -> dict[str, str]:
    fields: dict[str, str] = {}
    if draw(st.booleans()):
        fields["01"] = draw(_with_check_digit(14))
        for ai, strategy in (("17", dates), ("11", dates), ("10", cset82_values), ("21", cset82_values)):
            if draw(st.booleans()):
                fields[ai] = draw(strategy)
        for ai in draw(st.sets(st.sampled_from(["710", "711", "712", "713", "714", "715"]), max_size=2)):
            fields[ai] = draw(cset82_values)
    if draw(st.booleans()) or not fields:
        fields["00"] = draw(_with_check_digit(18))
    if draw(st.booleans()):
        fields["414"] = draw(_with_check_digit(13))
        if draw(st.booleans()):
            fields["254"] = draw(cset82_values)
    order = draw(st.permutations(list(fields)))
    return {ai: fields[ai] for ai in order}


@settings(max_examples=300, deadline=None)
@given(pharma_payloads(), st.sampled_from(["bracketed", "raw", "hri", "digital_link"]))
def test_every_form_round_trips(payload: dict[str, str], form: str) -> None:
    key = next(ai for ai in payload if ai in ("01", "00", "414"))
    # (21) and (254) are not DL data attributes: they can only be qualifiers of (01) and (414).
    stranded = [ai for ai, owner in (("21", "01"), ("254", "414")) if ai in payload and key != owner]
    if form == "digital_link" and stranded:
        with pytest.raises(DigitalLinkError) as caught:
            element_string(payload, "digital_link")
        assert caught.value.ai in stranded and caught.value.rule == "dl-attribute"
        return
    text = element_string(payload, form)  # type: ignore[arg-type]
    assert parse(text) == payload
    if form in ("bracketed", "hri"):
        assert list(parse(text)) == list(payload)


def test_forms_match_the_reference_samples() -> None:
    samples = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference" / "gs1" / "samples" / "samples.json"
    if not samples.is_file():
        pytest.skip(f"reference samples not found at {samples}")
    expected = json.loads(samples.read_text(encoding="utf-8"))
    message = parse(expected["hri"])
    assert element_string(message, "raw") == expected["element_string"]
    assert element_string(message, "digital_link") == expected["dl_uri"]
    for sample in expected["samples"]:
        scanned = sample["symbology_identifier"] + sample["decoded_text_escaped"].replace("<GS>", GS)
        if sample["symbology_identifier"] == "]d1" and not scanned[3:].startswith("http"):
            with pytest.raises(Gs1SyntaxError, match="symbology identifier ]d1 does not carry GS1 data"):
                parse(scanned)
        else:
            assert parse(scanned) == message


@settings(max_examples=400, deadline=None)
@given(
    st.sampled_from([BRACKETED, RAW, DL, "]d2" + RAW, "[01]09506000134352[21]1"]),
    st.lists(st.tuples(st.integers(0, 80), st.sampled_from("0123456789()[]\\^\x1d %/?&=+#.]dQh")), max_size=4),
)
def test_mangled_input_raises_only_gs1_errors(seed: str, edits: list[tuple[int, str]]) -> None:
    text = seed
    for position, char in edits:
        text = text[:position] + char + text[position + 1 :]
    try:
        message = parse(text)
    except Gs1Error:
        return
    for form in ("raw", "bracketed", "hri"):
        assert parse(element_string(message, form)) == message
