"""The GS1 US DSCSA EPCIS 1.2 example: read with SBDH and master data, written back as XSD-valid 1.2 and 2.0."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from epcis import parse, to_xml
from epcis.model import AggregationEvent, Document, ObjectEvent, Partner, TransactionEvent

REFERENCE = Path(__file__).resolve().parents[3] / ".." / "shared" / "reference"
DSCSA = (
    REFERENCE
    / "epcis/examples/openepcis-test-resources/1.2/EPCIS/XML/Capture/Documents/GS1_US_Pharma_Example_2_2_1_1.xml"
)


@pytest.fixture(scope="module")
def dscsa(reference: Path) -> Document:
    return parse(DSCSA.read_bytes())


def _schema(reference: Path, relative: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(reference / "epcis" / "xsd" / relative)))


def test_dscsa_document_is_read_whole(dscsa: Document) -> None:
    assert dscsa.schema_version == "1.2"
    header = dscsa.header
    assert header is not None and header.sbdh is not None
    assert header.sbdh.senders == [Partner(identifier="urn:epc:id:sgln:030001.111111.0", authority="GS1")]
    assert header.sbdh.receivers == [Partner(identifier="urn:epc:id:sgln:039999.999999.0", authority="GS1")]
    assert header.sbdh.instance_identifier == "1100220001"
    assert header.sbdh.creation_date_and_time == "2023-04-01T08:45:16Z"
    assert [v.type for v in header.master_data] == [
        "urn:epcglobal:epcis:vtype:EPCClass",
        "urn:epcglobal:epcis:vtype:Location",
    ]
    ndc = header.master_data[0].elements[0].attributes[0]
    assert (ndc.id, ndc.value) == ("urn:epcglobal:cbv:mda#additionalTradeItemIdentification", "0001-0123-45")
    assert [e.name.rpartition("}")[2] for e in header.extensions] == ["guidelineVersion", "dscsaTransactionStatement"]
    kinds = [type(e) for e in dscsa.events]
    assert kinds.count(ObjectEvent) >= 2
    assert AggregationEvent in kinds
    shipping = [e for e in dscsa.events if e.biz_step == "shipping"]
    assert shipping and all(isinstance(e, ObjectEvent) for e in shipping)
    assert {b.type for e in shipping for b in e.biz_transactions} >= {"po"}
    assert not any(isinstance(e, TransactionEvent) for e in dscsa.events)


def test_dscsa_re_exports_as_valid_epcis_12(dscsa: Document, reference: Path) -> None:
    schema = _schema(reference, "1.2-original/EPCglobal-epcis-1_2.xsd")
    tree = etree.fromstring(to_xml(dscsa, "1.2"))
    assert schema.validate(tree), schema.error_log
    assert parse(etree.tostring(tree)) == dscsa


def test_dscsa_re_exports_as_valid_epcis_20(dscsa: Document, reference: Path) -> None:
    schema = _schema(reference, "2.0/EPCglobal-epcis-2_0.xsd")
    tree = etree.fromstring(to_xml(dscsa, "2.0"))
    assert schema.validate(tree), schema.error_log
    again = parse(etree.tostring(tree))
    assert again.events == dscsa.events
    assert again.header is not None and dscsa.header is not None
    assert again.header.sbdh == dscsa.header.sbdh
    assert again.header.master_data == dscsa.header.master_data


@pytest.mark.parametrize("name", ["AggregationEvent", "ObjectEvent", "TransactionEvent", "TransformationEvent"])
def test_gs1_12_examples_re_export_as_valid_12_and_20(name: str, reference: Path) -> None:
    doc = parse((reference / "epcis/examples/xml-1.2" / f"{name}.xml").read_bytes())
    if name == "ObjectEvent":
        # Its unqualified <myField> is only legal inside a 1.2 <extension>.
        doc.events[1].extensions = [e for e in doc.events[1].extensions if e.name.startswith("{")]
    for version, xsd in (("1.2", "1.2-original/EPCglobal-epcis-1_2.xsd"), ("2.0", "2.0/EPCglobal-epcis-2_0.xsd")):
        schema = _schema(reference, xsd)
        assert schema.validate(etree.fromstring(to_xml(doc, version))), (version, schema.error_log)
