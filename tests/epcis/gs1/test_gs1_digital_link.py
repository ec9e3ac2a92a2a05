"""GS1 Digital Link: the reference vectors (GS1 engine verdicts) and the URI rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from epcis.gs1 import DigitalLinkError, Gs1Error, Gs1SyntaxError, element_string, parse, parse_digital_link

REFERENCE = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference"
VECTORS_FILE = REFERENCE / "gs1" / "digital-link" / "dl-uri-vectors.json"


def _vectors(group: str) -> list[dict[str, Any]]:
    if not VECTORS_FILE.is_file():
        return []
    return list(json.loads(VECTORS_FILE.read_text(encoding="utf-8"))[group])


def _ids(cases: list[dict[str, Any]], key: str) -> list[str]:
    return [str(case[key]) for case in cases]


@pytest.fixture(autouse=True)
def _need_reference() -> None:
    if not VECTORS_FILE.is_file():
        pytest.skip(f"reference vectors not found at {VECTORS_FILE}")


PARSE = _vectors("parse_spec_examples")
GENERATE = _vectors("generate_from_ai_data")
DLJS = _vectors("digital_link_js_validation")


def test_vector_counts() -> None:
    assert (len(PARSE), len(GENERATE), len(DLJS)) == (21, 12, 17)


@pytest.mark.parametrize("case", PARSE, ids=_ids(PARSE, "uri"))
def test_parse_spec_examples(case: dict[str, Any]) -> None:
    valid_by_default = case["valid"] and not case["valid_only_if_zero_suppressed_gtin_permitted"]
    if not valid_by_default:
        with pytest.raises(Gs1Error):
            parse(case["uri"])
    else:
        message = parse(case["uri"])
        assert list(message.items()) == list(case["fields"].items())
        assert element_string(message, "bracketed") == case["expected_hri"]
        assert list(parse(case["expected_element_string"]).items()) == list(case["fields"].items())
    if case["valid_only_if_zero_suppressed_gtin_permitted"]:
        relaxed = parse_digital_link(case["uri"], permit_zero_suppressed_gtin=True)
        assert dict(relaxed) == case["fields"]


@pytest.mark.parametrize("case", GENERATE, ids=_ids(GENERATE, "ai_data"))
def test_generate_from_ai_data(case: dict[str, Any]) -> None:
    message = parse(case["ai_data"])
    if case["expected_uri"] is None:
        with pytest.raises(DigitalLinkError):
            element_string(message, "digital_link", domain=case["stem"])
    else:
        uri = element_string(message, "digital_link", domain=case["stem"])
        assert uri == case["expected_uri"]
        assert parse(uri) == message


@pytest.mark.parametrize("case", DLJS, ids=_ids(DLJS, "uri"))
def test_digital_link_js_cases_follow_the_engine(case: dict[str, Any]) -> None:
    if case["engine_valid"]:
        parse(case["uri"])
    else:
        with pytest.raises(Gs1Error):
            parse(case["uri"])


@pytest.mark.parametrize(
    ("uri", "message", "rule"),
    [
        ("https://example.com/gtin/09506000134352", "no GS1 Digital Link primary key in the path", "dl-key"),
        ("https://example.com/01/09506000134352/", "no GS1 Digital Link primary key in the path", "dl-key"),
        ("ftp://example.com/01/09506000134352", "scheme is not http:// or https://", "dl-scheme"),
        ("HtTp://example.com/01/09506000134352", "scheme is not http:// or https://", "dl-scheme"),
        ("https:///01/09506000134352", "has no domain or no path", "dl-domain"),
        (
            "https://ex$ample.com/01/09506000134352",
            "domain contains a character that is not allowed there",
            "dl-domain",
        ),
        (
            "https://example.com/01/0950600013 4352",
            "contains characters that are not allowed in a URI",
            "dl-uri",
        ),
        (
            "https://example.com/01/09506000134352/21/A/10/B",
            "path AIs (01)(21)(10) are not a valid key-qualifier sequence",
            "dl-path",
        ),
    ],
)
def test_uri_structure_errors(uri: str, message: str, rule: str) -> None:
    with pytest.raises(DigitalLinkError) as caught:
        parse(uri)
    assert str(caught.value) == f"{uri!r}: {message}"
    assert caught.value.rule == rule


@pytest.mark.parametrize(
    ("uri", "message", "error"),
    [
        (
            "https://a.example/01/09506000134352?10=ABC",
            "(10) ABC: is a key qualifier and belongs in the path",
            DigitalLinkError,
        ),
        ("https://a.example/01/09506000134352?99=A&99=A", "(99) A: appears more than once", DigitalLinkError),
        (
            "https://a.example/01/09506000134352?21=A",
            "(21) A: is not permitted as a Digital Link data attribute",
            DigitalLinkError,
        ),
        ("https://a.example/01/09506000134352?98x=1&89=1", "(89) 1: unknown AI in the query", Gs1SyntaxError),
        ("https://a.example/01/09506000134352?99=", "(99) : empty value in the query", DigitalLinkError),
        (
            "https://a.example/01/09506000134352?99=A+B",
            "(99) A B: character ' ' at position 2 is not in CSET 82",
            Gs1Error,
        ),
    ],
)
def test_query_errors(uri: str, message: str, error: type[Gs1Error]) -> None:
    with pytest.raises(error) as caught:
        parse(uri)
    assert str(caught.value) == message


def test_query_details() -> None:
    # Non-AI parameters and singletons are ignored; a short GTIN in the query is padded (as the engine does).
    message = parse("https://a.example/00/106141412345678908?linkType=all&flag&01=9506000134352&10=A%2FB")
    assert dict(message) == {"00": "106141412345678908", "01": "09506000134352", "10": "A/B"}
    assert element_string(message, "digital_link") == (
        "https://id.gs1.org/00/106141412345678908?01=09506000134352&10=A%2FB"
    )
