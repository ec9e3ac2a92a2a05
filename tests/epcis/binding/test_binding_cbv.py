"""CBV code lists from the bundled context and normalisation between URN, Web URI, CURIE and bare word."""

from __future__ import annotations

import pytest

from epcis import cbv


def test_code_lists_have_the_standard_sizes() -> None:
    sizes = {name: len(v.words) for name, v in cbv.vocabularies().items()}
    assert sizes == {
        "bizStep": 41,
        "disposition": 33,
        "bizTransactionType": 13,
        "sourceDestType": 3,
        "errorReason": 2,
        "component": 14,
        "measurementType": 72,
        "sensorAlertType": 2,
    }


@pytest.mark.parametrize(
    ("name", "value", "bare", "web", "urn"),
    [
        (
            "bizStep",
            "shipping",
            "shipping",
            "https://ref.gs1.org/cbv/BizStep-shipping",
            "urn:epcglobal:cbv:bizstep:shipping",
        ),
        (
            "bizStep",
            "urn:epcglobal:cbv:bizstep:receiving",
            "receiving",
            "https://ref.gs1.org/cbv/BizStep-receiving",
            "urn:epcglobal:cbv:bizstep:receiving",
        ),
        (
            "disposition",
            "https://ref.gs1.org/cbv/Disp-in_transit",
            "in_transit",
            "https://ref.gs1.org/cbv/Disp-in_transit",
            "urn:epcglobal:cbv:disp:in_transit",
        ),
        ("bizTransactionType", "cbv:BTT-po", "po", "https://ref.gs1.org/cbv/BTT-po", "urn:epcglobal:cbv:btt:po"),
        (
            "sourceDestType",
            "owning_party",
            "owning_party",
            "https://ref.gs1.org/cbv/SDT-owning_party",
            "urn:epcglobal:cbv:sdt:owning_party",
        ),
        (
            "errorReason",
            "urn:epcglobal:cbv:er:did_not_occur",
            "did_not_occur",
            "https://ref.gs1.org/cbv/ER-did_not_occur",
            "urn:epcglobal:cbv:er:did_not_occur",
        ),
        (
            "measurementType",
            "gs1:Temperature",
            "Temperature",
            "https://gs1.org/voc/Temperature",
            "https://gs1.org/voc/Temperature",
        ),
        (
            "component",
            "latitude",
            "latitude",
            "https://ref.gs1.org/cbv/Comp-latitude",
            "https://ref.gs1.org/cbv/Comp-latitude",
        ),
    ],
)
def test_forms(name: str, value: str, bare: str, web: str, urn: str) -> None:
    assert cbv.bare(name, value) == bare
    assert cbv.web_uri(name, value) == web
    assert cbv.urn(name, value) == urn


@pytest.mark.parametrize(
    "value",
    ["https://example.com/steps/labelling", "urn:epcglobal:cbv:bizstep:not_a_step", "labelling", "Shipping"],
)
def test_non_cbv_values_pass_through(value: str) -> None:
    assert cbv.bare("bizStep", value) == value
    assert cbv.web_uri("bizStep", value) == value
    assert cbv.urn("bizStep", value) == value


def test_unknown_code_list() -> None:
    with pytest.raises(KeyError):
        cbv.vocabulary("colour")
