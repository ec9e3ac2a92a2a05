"""The event hash's fast paths give exactly what the general paths give."""

from __future__ import annotations

import gc
from datetime import UTC, datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from epcis.hashing import _epc_value, canonical_value, document_hashes, event_hash, utc_millis
from epcis.model import Document, Epc, Extension, Location, ObjectEvent, gc_paused


def _general_utc_millis(value: datetime) -> str:
    # The plain formulation: UTC, microseconds rounded half-even to milliseconds, ISO text with Z.
    value = value.astimezone(UTC)
    micro = value.microsecond
    if micro % 1000:
        value += timedelta(microseconds=round(micro, -3) - micro)
    return value.isoformat(timespec="milliseconds")[:-6] + "Z"


@settings(max_examples=400, deadline=None)
@given(
    moment=st.datetimes(min_value=datetime(2, 1, 1), max_value=datetime(9998, 12, 31)),
    offset_minutes=st.integers(-1439, 1439),
    micro=st.sampled_from([None, 0, 500, 999_500, 999_999, 1_500, 2_500]),
)
def test_utc_millis_matches_the_iso_formulation(moment: datetime, offset_minutes: int, micro: int | None) -> None:
    if micro is not None:
        moment = moment.replace(microsecond=micro)
    value = moment.replace(tzinfo=timezone(timedelta(minutes=offset_minutes)))
    assert utc_millis(value) == _general_utc_millis(value)


@settings(max_examples=300, deadline=None)
@given(
    prefix_len=st.integers(4, 13),
    digits=st.text("0123456789", min_size=12, max_size=14),
    serial=st.text("09AZaz!'()*+,-.:;=_%/ \u0663", max_size=22),
)
def test_sgtin_fast_path_agrees_with_canonical_value(prefix_len: int, digits: str, serial: str) -> None:
    value = f"urn:epc:id:sgtin:{digits[:prefix_len]}.{digits[prefix_len:]}.{serial}"
    canonical_value.cache_clear()
    assert _epc_value(value) == canonical_value(value)


def test_sgtin_fast_path_edge_cases() -> None:
    for value in (
        "urn:epc:id:sgtin:4012345.011111.9876",
        "urn:epc:id:sgtin:4012345.011111.a.b",
        "urn:epc:id:sgtin:4012345.011111.98!7:6",
        "urn:epc:id:sgtin:4012345.011111.",
        "urn:epc:id:sgtin:4012345.011111",
        "urn:epc:id:sgtin:4012345011111",
        "urn:epc:id:sgtin:.011111.1",
        "urn:epc:id:sgtin:4012345.011111." + "x" * 20,
        "urn:epc:id:sgtin:4012345.011111." + "x" * 21,
    ):
        assert _epc_value(value) == canonical_value(value), value
    assert _epc_value("urn:epc:id:sgtin:4012345.011111.9876") == "https://id.gs1.org/01/04012345111118/21/9876"


def _event(extensions: list[Extension], epcs: list[str]) -> ObjectEvent:
    return ObjectEvent(
        event_time=datetime(2024, 1, 2, 10, 0, 0, 123_456, tzinfo=timezone(timedelta(hours=1))),
        event_time_zone_offset="+01:00",
        action="OBSERVE",
        epc_list=[Epc(e) for e in epcs],
        read_point=Location(id=Epc("urn:epc:id:sgln:4012345.00001.0")),
        extensions=extensions,
    )


def test_leaf_extensions_hash_like_their_general_form() -> None:
    leaf = Extension(name="{https://ns.example.com/epcis/}line", text=" cbv:BizStep-shipping ")
    # The same value with an empty attribute map and child list taken apart differently: an attribute
    # turns the leaf into a structured extension, so the two must differ, and an ignored one must vanish.
    attributed = Extension(name=leaf.name, text=leaf.text, attributes={"a": "1"})
    plain = _event([leaf], ["urn:epc:id:sgtin:4012345.011111.2", "urn:epc:id:sgtin:4012345.011111.1"])
    assert event_hash(plain) != event_hash(_event([attributed], ["urn:epc:id:sgtin:4012345.011111.1"]))
    assert event_hash(plain, {leaf.name}) == event_hash(
        _event([], ["urn:epc:id:sgtin:4012345.011111.1", "urn:epc:id:sgtin:4012345.011111.2"])
    )
    blank = Extension(name=leaf.name, text="   ")
    assert event_hash(_event([blank], [])) != event_hash(_event([], []))


def test_document_hashes_equal_event_hash_per_event() -> None:
    events = [_event([], [f"urn:epc:id:sgtin:4012345.011111.{n}"]) for n in range(5)]
    doc = Document(events=list(events))
    assert document_hashes(doc) == [event_hash(e) for e in events]


def test_gc_paused_moves_new_objects_out_of_the_young_generation() -> None:
    was = gc.isenabled()
    gc.enable()
    try:
        gc.collect()
        with gc_paused():
            assert not gc.isenabled()
            kept = [[n] for n in range(10_000)]
        assert gc.isenabled()
        assert gc.get_count()[0] < 1_000  # no pass over the 10,000 lists pending
        assert gc.get_freeze_count() == 0
        assert all(gc.is_tracked(item) for item in kept)
    finally:
        (gc.enable if was else gc.disable)()


def test_gc_paused_leaves_a_frozen_process_alone() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        with gc_paused():
            _ = [[n] for n in range(100)]
        assert gc.get_freeze_count() == frozen
    finally:
        gc.unfreeze()
