"""The bulk XML screen may only skip the per-event rules when they would find nothing."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from epcis.validate import ValidationIssue, validate
from epcis.validation.rules import check_event
from epcis.validation.xmlscreen import is_clean
from epcis.validation.xmlview import EventView

EVENT = (
    "<ObjectEvent><eventTime>2026-03-01T10:00:00Z</eventTime>"
    "<eventTimeZoneOffset>{offset}</eventTimeZoneOffset>"
    "<epcList><epc>urn:epc:id:sgtin:0614141.107346.{serial}</epc></epcList><action>OBSERVE</action>"
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
    return EVENT.format(offset=offset, serial=serial, biz_step=biz_step)


def test_plain_bulk_document_is_screened_clean() -> None:
    text = document(*(plain(n) for n in range(50)))
    assert is_clean(etree.fromstring(text.encode()))
    assert validate(text) == []


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
    "serial": st.sampled_from(["1", "A%2F1", "x" * 21, "a b", "", "1\u0663", "!'()*+,-.:;=_"]),
}


@settings(max_examples=120, deadline=None)
@given(st.lists(st.fixed_dictionaries(VALUES), min_size=1, max_size=4))
def test_screen_never_hides_a_rule_finding(fields: list[dict[str, str]]) -> None:
    events = [EVENT.format(**value) for value in fields]
    root = etree.fromstring(document(*events).encode())
    if is_clean(root):
        assert _rule_findings(root) == []
