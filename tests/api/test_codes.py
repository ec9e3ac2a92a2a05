"""Rendered codes and labels over REST (decoded with zxing-cpp), and the print-verification verdicts."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app import labels
from epcis import gs1
from tests.conftest import GTIN

Auth = dict[str, dict[str, str]]


@pytest.fixture
def issued(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> list[str]:
    answer = client.post(f"/api/v1/batches/{batch['id']}/serials", headers=auth["line"], json={"count": 3})
    return [s["serial"] for s in answer.get_json()["serials"]]


def mapping(serial: str, lot: str = "LOT-001") -> dict[str, str]:
    return {"01": GTIN, "17": "271231", "10": lot, "21": serial}


@pytest.mark.parametrize("backend", labels.available_backends())
def test_datamatrix_of_an_issued_serial(client: FlaskClient, auth: Auth, issued: list[str], backend: str) -> None:
    answer = client.get(f"/api/v1/codes/{GTIN}/{issued[0]}.png?backend={backend}&module_px=4", headers=auth["line"])
    assert answer.status_code == 200 and answer.mimetype == "image/png"
    [symbol] = labels.decode(answer.data)
    assert symbol.symbology_identifier == "]d2"
    assert symbol.text == gs1.element_string(mapping(issued[0]), form="raw")


def test_other_symbols_and_formats(client: FlaskClient, auth: Auth, issued: list[str]) -> None:
    svg = client.get(f"/api/v1/codes/{GTIN}/{issued[0]}.svg", headers=auth["qa"])
    assert svg.mimetype == "image/svg+xml" and svg.data.lstrip().startswith(b"<")
    qr = client.get(f"/api/v1/codes/{GTIN}/{issued[1]}.png?symbol=qr", headers=auth["qa"])
    [symbol] = labels.decode(qr.data)
    assert symbol.symbology_identifier == "]Q1"
    assert symbol.text == f"https://id.gs1.org/01/{GTIN}/10/LOT-001/21/{issued[1]}?17=271231"
    pdf = client.get(f"/api/v1/codes/{GTIN}/{issued[2]}.pdf?symbol=label", headers=auth["qa"])
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    assert client.get(f"/api/v1/codes/{GTIN}/{issued[2]}.pdf", headers=auth["qa"]).get_json()["field"] == "format"
    assert client.get(f"/api/v1/codes/{GTIN}/{issued[2]}.png?shape=round", headers=auth["qa"]).status_code == 422
    assert client.get(f"/api/v1/codes/{GTIN}/{issued[2]}.png?backend=ink", headers=auth["qa"]).status_code == 422


def test_nothing_renders_that_was_not_allocated(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], issued: list[str]
) -> None:
    never = client.get(f"/api/v1/codes/{GTIN}/ZZZZZZZZZZZZ.png", headers=auth["line"])
    assert never.status_code == 404
    assert never.get_json()["detail"] == f"serial ZZZZZZZZZZZZ of GTIN {GTIN} was never issued: nothing is rendered"
    client.post(f"/api/v1/batches/{batch['id']}/serials/return", headers=auth["line"], json={"serials": [issued[0]]})
    assert client.get(f"/api/v1/codes/{GTIN}/{issued[0]}.png", headers=auth["line"]).status_code == 404
    assert client.get(f"/api/v1/codes/{GTIN}/{issued[1]}.png", headers=auth["regulator"]).status_code == 403


def test_sscc_labels(client: FlaskClient, auth: Auth, batch: dict[str, Any]) -> None:
    sscc = client.post(
        "/api/v1/sscc",
        headers=auth["logistics"],
        json={"company_prefix": "9506000", "extension_digit": 1, "count": 1, "batch_id": batch["id"]},
    ).get_json()["sscc"][0]
    pdf = client.get(f"/api/v1/sscc/{sscc}/label.pdf?size=4x6&count=12", headers=auth["logistics"])
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    zpl = client.get(f"/api/v1/sscc/{sscc}/label.zpl", headers=auth["logistics"]).get_data(as_text=True)
    assert zpl.startswith("^XA") and zpl.rstrip().endswith("^XZ") and sscc in zpl
    png = client.get(f"/api/v1/sscc/{sscc}/label.png", headers=auth["logistics"])
    texts = {(d.symbology_identifier, d.text) for d in labels.decode(png.data)}
    assert ("]C1", f"00{sscc}") in texts
    unknown = client.get("/api/v1/sscc/095060000000000000/label.pdf", headers=auth["logistics"])
    assert unknown.status_code in (404, 422)
    assert client.get(f"/api/v1/sscc/{sscc}/label.pdf?size=a4", headers=auth["logistics"]).status_code == 422


def verify(client: FlaskClient, auth: Auth, image: bytes, mimetype: str = "image/png") -> Any:
    return client.post("/api/v1/verify", data=image, headers={**auth["line"], "Content-Type": mimetype})


def test_verify_pass_and_fail(
    client: FlaskClient, auth: Auth, batch: dict[str, Any], issued: list[str], reference: Any
) -> None:
    good = client.get(f"/api/v1/codes/{GTIN}/{issued[0]}.png", headers=auth["line"]).data
    verdict = verify(client, auth, good).get_json()
    assert verdict["verdict"] == "pass" and verdict["reasons"] == []
    assert verdict["allocation"]["batch_id"] == batch["id"] and verdict["symbology"] == "]d2"

    wrong_lot = labels.datamatrix(mapping(issued[1], lot="LOT-999"))
    assert verify(client, auth, wrong_lot).get_json()["reasons"] == [
        "lot LOT-999 does not match the batch's lot LOT-001"
    ]
    stranger = labels.datamatrix(mapping("NEVER1234567"))
    assert verify(client, auth, stranger).get_json()["reasons"] == [
        f"serial NEVER1234567 of GTIN {GTIN} was never issued"
    ]
    naive = (reference / "gs1" / "samples" / "NAIVE-not-gs1-datamatrix-pylibdmtx-default.png").read_bytes()
    reasons = verify(client, auth, naive).get_json()["reasons"]
    assert reasons == ["symbology ]d1 (DataMatrix) is not GS1: FNC1 in first position is missing"]


def test_verify_input_errors(client: FlaskClient, auth: Auth, issued: list[str]) -> None:
    assert verify(client, auth, b"", "image/png").status_code == 400
    assert verify(client, auth, b"hello", "text/plain").status_code == 415
    assert verify(client, auth, b"not an image").status_code == 422
    blank = labels.datamatrix(mapping(issued[0]))[:0]
    assert verify(client, auth, blank).status_code == 400


def test_verify_accepts_rectangular_dmre(client: FlaskClient, auth: Auth, issued: list[str]) -> None:
    image = labels.datamatrix(mapping(issued[0]), labels.RenderOptions(shape="rectangular"))
    verdict = verify(client, auth, image).get_json()
    assert verdict["symbology"] in ("]d2", "]d8")
    assert verdict["verdict"] == "pass", verdict


def test_qr_error_correction_level(client: FlaskClient, auth: Auth, issued: list[str]) -> None:
    low = client.get(f"/api/v1/codes/{GTIN}/{issued[0]}.png?symbol=qr&ec=L&module_px=2", headers=auth["qa"]).data
    high = client.get(f"/api/v1/codes/{GTIN}/{issued[0]}.png?symbol=qr&ec=H&module_px=2", headers=auth["qa"]).data
    assert [d.text for d in labels.decode(low)] == [d.text for d in labels.decode(high)]
    assert len(high) > len(low)
    assert (
        client.get(f"/api/v1/codes/{GTIN}/{issued[0]}.png?symbol=qr&ec=Z", headers=auth["qa"]).get_json()["field"]
        == "ec"
    )


def test_product_resolver_domain(client: FlaskClient, auth: Auth, unchanged: Any) -> None:
    with unchanged():
        bad = client.post(
            "/api/v1/products",
            headers=auth["erp"],
            json={"gtin": GTIN, "name": "P", "company_prefix_length": 7, "resolver_domain": "http://dl.example.com/"},
        )
        assert bad.status_code == 422 and bad.get_json()["field"] == "resolver_domain"
    created = client.post(
        "/api/v1/products",
        headers=auth["erp"],
        json={
            "gtin": GTIN,
            "name": "P",
            "company_prefix_length": 7,
            "resolver_domain": "https://dl.example-pharma.com/p",
        },
    )
    assert created.get_json()["resolver_domain"] == "https://dl.example-pharma.com/p"
    batch = client.post(
        "/api/v1/batches", headers=auth["erp"], json={"gtin": GTIN, "lot": "R1", "expiry": "271231", "quantity": 5}
    ).get_json()
    item = client.post(f"/api/v1/batches/{batch['id']}/serials", headers=auth["line"], json={"count": 1}).get_json()[
        "serials"
    ][0]
    expected = f"https://dl.example-pharma.com/p/01/{GTIN}/10/R1/21/{item['serial']}?17=271231"
    assert item["digital_link"] == expected
    qr = client.get(f"/api/v1/codes/{GTIN}/{item['serial']}.png?symbol=qr", headers=auth["qa"]).data
    assert [d.text for d in labels.decode(qr)] == [expected]


def test_verify_checks_the_national_number_of_the_batchs_market(
    client: FlaskClient, auth: Auth, product: dict[str, Any], issued: list[str]
) -> None:
    body = {"gtin": GTIN, "lot": "DE-1", "expiry": "2027-12-31", "quantity": 10, "market": "DE"}
    german = client.post("/api/v1/batches", headers=auth["erp"], json=body).get_json()
    serial = client.post(f"/api/v1/batches/{german['id']}/serials", headers=auth["line"], json={"count": 1}).get_json()[
        "serials"
    ][0]["serial"]
    printed = client.get(f"/api/v1/codes/{GTIN}/{serial}.png", headers=auth["line"]).data
    assert verify(client, auth, printed).get_json()["verdict"] == "pass"
    plain = {"01": GTIN, "17": "271231", "10": "DE-1", "21": serial}
    for extra, reason in (
        ({}, "national number (710) missing does not match the batch's market: (710) 12345678"),
        ({"710": "87654321"}, "national number (710) 87654321 does not match the batch's market: (710) 12345678"),
    ):
        verdict = verify(client, auth, labels.datamatrix({**plain, **extra})).get_json()
        assert (verdict["verdict"], verdict["reasons"]) == ("fail", [reason])
    elsewhere = labels.datamatrix({**mapping(issued[0]), "710": "12345678"})  # a batch with no market
    assert verify(client, auth, elsewhere).get_json()["reasons"] == [
        "national number (710) 12345678 does not match the batch's market: none"
    ]
