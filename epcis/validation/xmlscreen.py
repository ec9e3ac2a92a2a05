"""Fast path for bulk XML: a generated XSD that accepts only event lists the rules cannot fault.

Bulk documents are mostly ObjectEvents and TransactionEvents with the same handful of fields.
Once GS1's 2.0 XSD has accepted a document (event types, actions, zoned times and field order are
then settled), this small schema, run by libxml2 in C over the same parsed tree, checks the values
the rules read: time-zone offsets, actions, standard CBV bizStep/disposition URIs, and SGTIN /
SSCC / SGLN URNs or plain GS1 Digital Links. A document it accepts has no rule finding; anything
else (other event types or fields, custom vocabularies, other identifiers) goes through the
per-event rules, which also locate each finding.
"""

from __future__ import annotations

import threading

from lxml import etree

from epcis.validation.rules import standard_cbv_values
from epcis.validation.schemas import NS_EPCIS_2
from epcis.validation.syntax import split_digits

_GS3A3 = r"([A-Za-z0-9!'()*+,\-.:;=_]|%[0-9A-Fa-f]{2})"
# The XSD-regex twin of syntax.EPC_VALID, plus Digital Links whose first path segment is the key.
_IDENTIFIER = "|".join(
    [
        rf"urn:epc:id:sgtin:({split_digits(13)})\.{_GS3A3}{{1,20}}",
        rf"urn:epc:id:sscc:({split_digits(17)})",
        rf"urn:epc:id:sgln:({split_digits(12, min_rest=0)})\.{_GS3A3}{{1,20}}",
        r"https?://[^/?#]+/(00/[0-9]{18}|01/([0-9]{14}|[0-9]{13}|[0-9]{12}|[0-9]{8})|414/[0-9]{13})([/?#].*)?",
    ]
)
_OFFSET = r"[+\-]((0[0-9]|1[0-3]):[0-5][0-9]|14:00)"
_PLAIN_FIELDS = {
    "eventTime": "xs:string",
    "recordTime": "xs:string",
    "eventTimeZoneOffset": "s:Offset",
    "eventID": "xs:string",
    "certificationInfo": "xs:string",
    "epcList": "s:EPCList",
    "action": "s:Action",
    "bizStep": "s:BizStep",
    "disposition": "s:Disposition",
    "readPoint": "s:Location",
    "bizLocation": "s:Location",
    "bizTransactionList": "s:Opaque",
    "sourceList": "s:Opaque",
    "destinationList": "s:Opaque",
    "ilmd": "s:Opaque",
}


def _enumeration(name: str, values: list[str]) -> str:
    facets = "".join(f'<xs:enumeration value="{value}"/>' for value in values)
    return f'<xs:simpleType name="{name}"><xs:restriction base="xs:string">{facets}</xs:restriction></xs:simpleType>'


def _pattern(name: str, pattern: str) -> str:
    escaped = pattern.replace("&", "&amp;").replace("'", "&apos;")
    return (
        f'<xs:simpleType name="{name}"><xs:restriction base="xs:string">'
        f"<xs:pattern value='{escaped}'/></xs:restriction></xs:simpleType>"
    )


def screen_source() -> str:
    """The screen schema's text (generated, so its CBV lists follow the bundled JSON schema)."""
    fields = "".join(f'<xs:element name="{name}" type="{kind}"/>' for name, kind in _PLAIN_FIELDS.items())
    skip = '<xs:any namespace="##other" processContents="skip"/>'
    any_attribute = '<xs:anyAttribute processContents="skip"/>'
    return f"""<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:s="{NS_EPCIS_2}"
 targetNamespace="{NS_EPCIS_2}" elementFormDefault="unqualified">
<xs:element name="EPCISDocument"><xs:complexType><xs:sequence>
 <xs:element name="EPCISHeader" type="s:Opaque" minOccurs="0"/>
 <xs:element name="EPCISBody"><xs:complexType><xs:sequence>
  <xs:element name="EventList"><xs:complexType><xs:choice minOccurs="0" maxOccurs="unbounded">
   <xs:element name="ObjectEvent" type="s:PlainEvent"/><xs:element name="TransactionEvent" type="s:PlainEvent"/>
  </xs:choice>{any_attribute}</xs:complexType></xs:element>
  <xs:any namespace="##other" processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
 </xs:sequence>{any_attribute}</xs:complexType></xs:element>
 <xs:any namespace="##other" processContents="skip" minOccurs="0" maxOccurs="unbounded"/>
</xs:sequence>{any_attribute}</xs:complexType></xs:element>
<xs:complexType name="PlainEvent"><xs:choice minOccurs="0" maxOccurs="unbounded">{fields}{skip}</xs:choice>
 {any_attribute}</xs:complexType>
<xs:complexType name="EPCList"><xs:sequence>
 <xs:element name="epc" type="s:Identifier" minOccurs="0" maxOccurs="unbounded"/></xs:sequence></xs:complexType>
<xs:complexType name="Location"><xs:choice minOccurs="0" maxOccurs="unbounded">
 <xs:element name="id" type="s:Identifier"/>{skip}</xs:choice>{any_attribute}</xs:complexType>
<xs:complexType name="Opaque" mixed="true"><xs:sequence>
 <xs:any namespace="##any" processContents="skip" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
 {any_attribute}</xs:complexType>
{_pattern("Identifier", _IDENTIFIER)}
{_pattern("Offset", _OFFSET)}
{_enumeration("Action", ["ADD", "OBSERVE", "DELETE"])}
{_enumeration("BizStep", sorted(standard_cbv_values("bizStep", xml=True)))}
{_enumeration("Disposition", sorted(standard_cbv_values("disposition", xml=True)))}
</xs:schema>"""


_local = threading.local()


def is_clean(root: etree._Element) -> bool:
    """True when no event can have a rule finding (strict rules included).

    Only meaningful for an EPCIS 2.0 EPCISDocument that GS1's 2.0 XSD has just accepted.
    """
    schema: etree.XMLSchema | None = getattr(_local, "schema", None)
    if schema is None:
        schema = _local.schema = etree.XMLSchema(etree.fromstring(screen_source()))
    return bool(schema.validate(root))
