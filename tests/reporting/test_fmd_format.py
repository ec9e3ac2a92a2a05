"""The EU FMD message format: every document type is valid against the bundled XSD and reads back as built;
documents that break the schema are refused with the place named."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from app.services import fmd_format as fmt

GTIN = "09506000134352"
T0 = datetime(2026, 11, 27, 9, 30, tzinfo=UTC)
MAH = fmt.Party("MAH-1", "Example Pharma GmbH", "Hauptstrasse 1, 10115 Berlin")
CSET82 = "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"

EVERY_TYPE: list[fmt.Document] = [
    fmt.ProductMasterData(
        GTIN,
        "GTIN",
        "Examplumab 40 mg",
        "examplumab",
        "solution for injection",
        "40 mg",
        "pre-filled syringe",
        "1",
        (fmt.MarketData("DE", MAH, "12345678"), fmt.MarketData("FR", MAH)),
    ),
    fmt.PackData(GTIN, "GTIN", "LOT-1", "271200", ["A1", "B&2", "C<3"], 2, 3),
    fmt.BatchRecall(GTIN, "GTIN", "LOT-1", "sterility failure"),
    fmt.ProductWithdrawal(GTIN, "GTIN", "no longer marketed", ("DE",)),
    fmt.ProductWithdrawal("04150999999N", "PPN", "everywhere"),
    *[fmt.PackStatusChange(GTIN, "GTIN", "LOT-1", s, s == "sample", ["A1"]) for s in fmt.PACK_STATUSES],
    fmt.Alert("DE-1", "A68", "critical", T0, GTIN, "GTIN", "batch mismatch", "DE", "LOT-1", "A1"),
    fmt.Alert("DE-2", "A3", "warning", T0, GTIN, "GTIN", "pack not found"),
]


@pytest.mark.parametrize("doc", EVERY_TYPE, ids=lambda d: type(d).__name__)
def test_every_document_type_is_schema_valid_and_reads_back(doc: fmt.Document) -> None:
    body = fmt.build(doc, created=T0, sender="OBP-1")
    root = etree.fromstring(body)
    assert fmt.schema().validate(root), fmt.schema().error_log
    assert etree.QName(root) == etree.QName(fmt.NS, type(doc).__name__)
    envelope = fmt.parse(body)
    assert envelope.document == doc if not hasattr(doc, "serials") else _same(envelope.document, doc)
    assert envelope.created == T0 and envelope.sender == "OBP-1"


def _same(read: fmt.Document, built: fmt.Document) -> bool:
    return vars(read) | {"serials": list(vars(read)["serials"])} == vars(built) | {
        "serials": list(vars(built)["serials"])
    }


@settings(max_examples=80, deadline=None)
@given(
    serials=st.lists(st.text(alphabet=CSET82, min_size=1, max_size=20), min_size=1, max_size=30, unique=True),
    lot=st.text(alphabet=CSET82, min_size=1, max_size=20),
)
def test_any_gs1_serials_and_lot_round_trip(serials: list[str], lot: str) -> None:
    doc = fmt.PackData(GTIN, "GTIN", lot, "291231", serials)
    read = fmt.parse(fmt.build(doc, created=T0)).document
    assert isinstance(read, fmt.PackData)
    assert (read.batch, list(read.serials)) == (lot, serials)


@pytest.mark.parametrize(
    ("doc", "path", "fragment"),
    [
        (fmt.PackData(GTIN, "GTIN", "L1", "271331", ["A"]), "/*/*[3]", "'271331' is not accepted by the pattern"),
        (fmt.PackData(GTIN, "GTIN", "L1", "271231", []), "/*/*[4]", "Missing child element(s)"),
        (fmt.PackData(GTIN, "GTIN", "L1", "271231", ["A" * 21]), "/*/*[4]/*", "is not accepted by the pattern"),
        (fmt.PackData(GTIN, "GTIN", "L1", "271231", ["é"]), "/*/*[4]/*", "is not accepted by the pattern"),
        (fmt.PackData("123", "GTIN", "L1", "271231", ["A"]), "/*/*[1]", "is not accepted by the pattern"),
        (fmt.PackStatusChange(GTIN, "GTIN", "L1", "sold", False, ["A"]), "/*/*[3]", "not an element of the set"),
        (fmt.BatchRecall(GTIN, "EAN", "L1", "x"), "/*/*[1]", "not an element of the set"),
    ],
)
def test_invalid_documents_are_refused_before_they_leave(doc: fmt.Document, path: str, fragment: str) -> None:
    with pytest.raises(fmt.FormatError) as caught:
        fmt.build(doc, created=T0)
    assert caught.value.field == path
    assert fragment in caught.value.detail


def test_parse_refuses_foreign_namespaces_doctypes_and_broken_xml() -> None:
    with pytest.raises(fmt.FormatError, match="namespace urn:custody:eu-fmd:1"):
        fmt.parse(b"<PackData/>")
    with pytest.raises(fmt.FormatError, match="DOCTYPE is not allowed"):
        fmt.parse(b'<!DOCTYPE x [<!ENTITY a "b">]><PackData xmlns="urn:custody:eu-fmd:1"/>')
    with pytest.raises(fmt.FormatError, match="not well-formed XML"):
        fmt.parse(b"<PackData")
    local = fmt.build(fmt.BatchRecall(GTIN, "GTIN", "L1", "x"), created=T0).replace(b"00.000Z", b"00.000")
    with pytest.raises(fmt.FormatError, match="not accepted by the pattern"):
        fmt.parse(local)  # a local time without its offset is refused
    missing = b'<BatchRecall xmlns="urn:custody:eu-fmd:1" version="1.0" created="2026-11-27T00:00:00Z"/>'
    with pytest.raises(fmt.FormatError, match="Missing child element"):
        fmt.parse(missing)


def test_the_schema_and_its_readme_ship_in_the_package() -> None:
    assert fmt.SCHEMA_PATH.is_file()
    readme = (fmt.SCHEMA_PATH.parent / "README.md").read_text()
    for name in ("ProductMasterData", "PackData", "BatchRecall", "ProductWithdrawal", "PackStatusChange", "Alert"):
        assert f"`{name}`" in readme


@settings(max_examples=100, deadline=None)
@given(count=st.integers(min_value=0, max_value=2_000), size=st.integers(min_value=1, max_value=600))
def test_split_parts_cover_the_list_in_order_within_the_size(count: int, size: int) -> None:
    from app.services.fmd import split

    serials = [f"S{i:06d}" for i in range(count)]
    parts = split(serials, size)
    assert len(parts) == -(-count // size)
    assert all(1 <= len(p) <= size for p in parts)
    assert all(len(p) == size for p in parts[:-1])  # only the last part is short
    assert [s for p in parts for s in p] == serials
