"""Every published example document parses, with the event count its source file shows."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree

from epcis import parse
from epcis.model import EVENT_TYPES

# Every test here runs with the compiled XML reader and with the pure-Python one.
pytestmark = pytest.mark.usefixtures("both_readers")

REFERENCE = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference"
EXAMPLES = REFERENCE / "epcis" / "examples"
HASH_EXAMPLES = REFERENCE / "epcis-hash"

# Files in the example folders that are not EPCIS event documents, or are documented as broken.
NOT_DOCUMENTS = {
    "xml/CaptureJob": "EPCISCaptureJob status responses of the REST binding, not EPCIS documents",
    "openepcis-test-resources/2.0/EPCIS/XML/Query/Queries": "query definitions, not EPCIS documents",
    "openepcis-test-resources/2.0/EPCIS/JSON/Query/Queries": "query definitions, not EPCIS documents",
    "regulator-extensions/gs1-egypt-hc/hc-context.jsonld": "a JSON-LD context, not an EPCIS document",
}


def _files() -> list[object]:
    if not EXAMPLES.is_dir():
        return []
    out: list[object] = []
    patterns = [
        (EXAMPLES, "xml/**/*.xml"),
        (EXAMPLES, "xml-1.2/*.xml"),
        (EXAMPLES, "json/**/*.jsonld"),
        (EXAMPLES, "openepcis-test-resources/**/*.xml"),
        (EXAMPLES, "openepcis-test-resources/**/*.json"),
        (EXAMPLES, "regulator-extensions/**/*.json*"),
        (HASH_EXAMPLES, "examples/*.xml"),
        (HASH_EXAMPLES, "examples/*.json*"),
        (HASH_EXAMPLES, "expected_equal/*"),
    ]
    for base, pattern in patterns:
        for path in sorted(base.glob(pattern)):
            rel = path.relative_to(base).as_posix()
            if "/Invalid/" in rel:
                continue  # negative cases of the schema validators, not of the parser
            reason = next((why for prefix, why in NOT_DOCUMENTS.items() if rel.startswith(prefix)), None)
            marks = [pytest.mark.skip(reason=reason)] if reason else []
            out.append(pytest.param(path, id=rel, marks=marks))
    return out


def _expected_event_count(path: Path) -> int:
    if path.suffix == ".xml":
        root = etree.parse(str(path)).getroot()
        return sum(1 for el in root.iter() if isinstance(el.tag, str) and etree.QName(el).localname in EVENT_TYPES)
    obj = json.loads(path.read_text("utf-8"))
    if obj.get("type") in EVENT_TYPES:
        return 1
    body = obj["epcisBody"]
    if "queryResults" in body:
        return len(body["queryResults"]["resultsBody"]["eventList"])
    return 1 if "event" in body else len(body["eventList"])


@pytest.mark.parametrize("path", _files())
def test_example_parses(path: Path, reference: Path) -> None:
    doc = parse(path.read_bytes())
    assert len(doc.events) == _expected_event_count(path)
    for event in doc.events:
        assert event.event_time.tzinfo is not None
        assert event.event_time_zone_offset[0] in "+-"


def test_examples_are_present(reference: Path) -> None:
    assert len(_files()) > 250
