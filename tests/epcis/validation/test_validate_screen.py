"""The bulk XML screen may only skip the per-event rules when they would find nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from epcis.validate import ValidationIssue, validate
from epcis.validation.rules import check_event
from epcis.validation.schemas import NS_EPCIS_2, xml_schema
from epcis.validation.xmlscreen import is_clean
from epcis.validation.xmlview import EventView

# Every test here runs with the compiled XML reader and with the pure-Python one.
pytestmark = pytest.mark.usefixtures("both_readers")

EVENT = (
    "<ObjectEvent><eventTime>2026-03-01T10:00:00Z</eventTime>"
    "<eventTimeZoneOffset>{offset}</eventTimeZoneOffset>"
    "<epcList><epc>{epc}</epc></epcList><action>OBSERVE</action>"
    "<bizStep>{biz_step}</bizStep><disposition>urn:epcglobal:cbv:disp:in_transit</disposition>"
    "<readPoint><id>urn:epc:id:sgln:0614141.00777.0</id></readPoint></ObjectEvent>"
)
SHIPPING = "urn:epcglobal:cbv:bizstep:shipping"


def document(*events: str) -> str:
    return (
        '<epcis:EPCISDocument xmlns:epcis="urn:epcglobal:epcis:xsd:2" schemaVersion="2.0"'
        ' creationDate="2026-03-01T10:00:00Z"><EPCISBody><EventList>'
        + "".join(events)
        + "</EventList></EPCISBody></epcis:EPCISDocument>"
    )


def plain(serial: int, offset: str = "+00:00", biz_step: str = SHIPPING) -> str:
    return EVENT.format(offset=offset, epc=f"urn:epc:id:sgtin:0614141.107346.{serial}", biz_step=biz_step)


def test_plain_bulk_document_is_screened_clean() -> None:
    text = document(*(plain(n) for n in range(50)))
    assert is_clean(etree.fromstring(text.encode()))
    assert validate(text) == []


def test_digital_link_epcs_are_screened() -> None:
    events = [
        plain(n).replace("urn:epc:id:sgtin:0614141.107346.", "https://id.gs1.org/01/09521141012345/21/")
        for n in range(5)
    ]
    assert is_clean(etree.fromstring(document(*events).encode()))
    events[3] = events[3].replace("09521141012345", "0952114101234X")
    assert not is_clean(etree.fromstring(document(*events).encode()))
    [issue] = validate(document(*events))
    assert (issue.event_index, issue.rule) == (3, "digital-link")


@pytest.mark.parametrize(
    ("bad_event", "rule"),
    [
        (plain(7, offset="+14:01"), "time-zone-offset"),
        (plain(7, biz_step="urn:epcglobal:cbv:bizstep:shiping"), "cbv-bizstep"),
        (plain(7, biz_step=""), "cbv-bizstep"),
        (plain(7).replace(".107346.7", ".10734.7"), "epc-syntax"),
        (plain(7).replace("00777.0", "0777.0"), "epc-syntax"),
        (plain(7).replace("<epcList>", "<parentID>urn:epc:id:sscc:0614141.1234567890</parentID><epcList>"), None),
    ],
)
def test_one_bad_event_among_many_trips_the_screen(bad_event: str, rule: str | None) -> None:
    events = [plain(n) for n in range(20)]
    events[7] = bad_event
    issues = validate(document(*events))
    # ObjectEvent has no parentID: the XSD says so (rule None), and the screen must not hide it.
    assert [(issue.event_index, issue.rule) for issue in issues] == [(7, rule or "xsd")]


def test_value_split_by_comment_is_read_whole_like_the_xsd_reads_it() -> None:
    split = plain(3).replace(SHIPPING, "urn:epcglobal:cbv:bizstep:<!-- x -->shiping")
    fine = plain(4).replace(SHIPPING, "urn:epcglobal:cbv:bizstep:<?pi x?>shipping")
    assert validate(document(plain(1), fine)) == []
    assert not is_clean(etree.fromstring(document(plain(1), split).encode()))
    assert validate(document(plain(1), split)) == [
        ValidationIssue(
            1,
            "/epcis:EPCISDocument/EPCISBody/EventList/ObjectEvent[2]/bizStep",
            "'urn:epcglobal:cbv:bizstep:shiping' is not a standard CBV bizStep",
            "cbv-bizstep",
            1,
        )
    ]


def _rule_findings(root: etree._Element) -> list[str]:
    events = root.find("EPCISBody/EventList")
    assert events is not None
    return [finding.rule for event in events for finding in check_event(EventView(event).data, xml=True, strict=True)]


VALUES = {
    "offset": st.sampled_from(["+00:00", "-05:00", "+14:00", "+14:01", " +01:00", "+1:00"]),
    "biz_step": st.sampled_from(
        [SHIPPING, "urn:epcglobal:cbv:bizstep:shiping", "shipping", "urn:x:y", "", " " + SHIPPING]
    ),
    "epc": st.sampled_from(
        [f"urn:epc:id:sgtin:0614141.107346.{serial}" for serial in ("1", "A%2F1", "x" * 21, "a b", "", "!'()*+,-.:;=_")]
        + ["urn:epc:id:sscc:0614141.1234567890", "urn:epc:id:sscc:0614141.123456789", "urn:epc:id:sgln:061414100777..0"]
        + ["https://id.gs1.org/01/09521141012345/21/x", "https://id.gs1.org/01/0952114101234X", "http://e.com/00/1"]
        + ["https://example.com/414/9521141123452?x", "https://id.gs1.org/x/01/1", "https://a b/01/09521141012345"]
    ),
}


@settings(max_examples=120, deadline=None)
@given(st.lists(st.fixed_dictionaries(VALUES), min_size=1, max_size=4))
def test_screen_never_hides_a_rule_finding(fields: list[dict[str, str]]) -> None:
    events = [EVENT.format(**value) for value in fields]
    root = etree.fromstring(document(*events).encode())
    if is_clean(root):
        assert _rule_findings(root) == []


def aggregation(serial: int, action: str = "ADD", parent: str | None = "urn:epc:id:sscc:0614141.1234567890") -> str:
    parent_xml = "" if parent is None else f"<parentID>{parent}</parentID>"
    return (
        "<AggregationEvent><eventTime>2026-03-01T10:00:00Z</eventTime>"
        f"<eventTimeZoneOffset>+00:00</eventTimeZoneOffset>{parent_xml}"
        f"<childEPCs><epc>urn:epc:id:sgtin:0614141.107346.{serial}</epc></childEPCs><action>{action}</action>"
        "<bizStep>urn:epcglobal:cbv:bizstep:packing</bizStep></AggregationEvent>"
    )


def test_aggregation_events_are_screened() -> None:
    events = [plain(1), aggregation(2), aggregation(3, "DELETE"), plain(4)]
    assert is_clean(etree.fromstring(document(*events).encode()))
    assert validate(document(*events)) == []


@pytest.mark.parametrize(
    ("event", "expected"),
    [
        (aggregation(2, "OBSERVE", parent=None), []),
        (aggregation(2, "ADD", parent=None), [(1, "aggregation-parent")]),
        (aggregation(2, "ADD", parent="urn:epc:id:sscc:0614141.123456789"), [(1, "epc-syntax")]),
        (aggregation(2, "ADD", parent=" "), [(1, "aggregation-parent")]),
    ],
)
def test_aggregation_outside_the_screen(event: str, expected: list[tuple[int, str]]) -> None:
    text = document(plain(1), event)
    assert not is_clean(etree.fromstring(text.encode()))
    assert [(issue.event_index, issue.rule) for issue in validate(text)] == expected


EXAMPLES = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference" / "epcis" / "examples"


def test_screen_agrees_with_the_rules_on_every_reference_document() -> None:
    if not EXAMPLES.is_dir():
        pytest.skip(f"GS1 reference data not found at {EXAMPLES}")
    screened = 0
    for path in sorted(EXAMPLES.glob("**/*.xml")):
        root = etree.parse(str(path)).getroot()
        if root.tag != "{urn:epcglobal:epcis:xsd:2}EPCISDocument" or root.find("EPCISBody/EventList") is None:
            continue
        # The screen runs only after GS1's XSD has accepted the document (it relies on that).
        if xml_schema(NS_EPCIS_2).validate(root) and is_clean(root):
            screened += 1
            assert _rule_findings(root) == [], path
    assert screened >= 5  # the plain ones; the others exercise the per-event rules


def with_quantity(serial: int, quantity: str, uom: str = "") -> str:
    element = f"<quantityElement><epcClass>urn:epc:class:lgtin:0614141.107346.L1</epcClass>{quantity}{uom}"
    return plain(serial).replace(
        "</ObjectEvent>", f"<quantityList>{element}</quantityElement></quantityList></ObjectEvent>"
    )


def test_quantity_lists_are_screened() -> None:
    events = [
        plain(1),
        with_quantity(2, "<quantity>2</quantity>", "<uom>KGM</uom>"),
        with_quantity(3, "<quantity>0.5</quantity>"),
    ]
    text = document(*events)
    assert is_clean(etree.fromstring(text.encode()))
    assert validate(text) == []


@pytest.mark.parametrize(
    ("quantity", "shown"), [("<quantity>-2</quantity>", "-2"), ("<quantity> -0.5 </quantity>", "-0.5")]
)
def test_negative_quantity_trips_the_screen(quantity: str, shown: str) -> None:
    text = document(plain(1), with_quantity(2, quantity))
    assert not is_clean(etree.fromstring(text.encode()))
    assert validate(text) == [
        ValidationIssue(
            1,
            "/epcis:EPCISDocument/EPCISBody/EventList/ObjectEvent[2]/quantityList/quantityElement/quantity",
            f"quantity {shown} is negative",
            "quantity-negative",
            1,
        )
    ]


def test_nil_quantity_goes_through_the_rules() -> None:
    nil = '<quantity xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:nil="true"/>'
    text = document(plain(1), with_quantity(2, nil))
    assert not is_clean(etree.fromstring(text.encode()))
    assert validate(text) == []


def test_percent_escaped_serials_are_screened() -> None:
    events = [plain(n).replace(f".107346.{n}<", f".107346.A%2F{n}<") for n in range(5)]
    assert is_clean(etree.fromstring(document(*events).encode()))
    events[2] = events[2].replace("%2F", "%2G")
    assert not is_clean(etree.fromstring(document(*events).encode()))
    [issue] = validate(document(*events))
    assert (issue.event_index, issue.rule) == (2, "epc-syntax")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(["2", "0", "-0", "1.5", " 3 ", "-1", "-0.001", "+4", None]), min_size=1, max_size=4))
def test_screen_never_hides_a_quantity_finding(quantities: list[str | None]) -> None:
    events = [
        plain(n) if q is None else with_quantity(n, f"<quantity>{q}</quantity>") for n, q in enumerate(quantities)
    ]
    root = etree.fromstring(document(*events).encode())
    assert xml_schema(NS_EPCIS_2).validate(root)
    if is_clean(root):
        assert _rule_findings(root) == []
    else:
        assert "quantity-negative" in _rule_findings(root)


def test_an_epc_hiding_a_line_break_is_not_screened_clean() -> None:
    """Two valid EPCs in one <epc>, split by a line break: the joined-lines match alone would take them."""
    two = "urn:epc:id:sgtin:0614141.107346.1\nurn:epc:id:sgtin:0614141.107346.2"
    text = document(plain(1), EVENT.format(offset="+00:00", epc=two, biz_step=SHIPPING))
    assert not is_clean(etree.fromstring(text.encode()))
    [issue] = validate(text)
    assert (issue.event_index, issue.rule) == (1, "epc-syntax")
