"""The packing list of a shipment as a PDF (reportlab): ship-from, ship-to, despatch advice, units and contents."""

from __future__ import annotations

import io
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from app.extensions import Database
from app.services import shipments


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else "not shipped yet"


def packing_list(database: Database, shipment_id: int) -> tuple[str, bytes]:
    """(file name, PDF bytes) of a shipment's packing list; drafts are marked as such."""
    data = shipments.get(database, shipment_id)
    styles = getSampleStyleSheet()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=f"Packing list {data['reference']}",
        invariant=1,
    )
    draft = " (DRAFT: not shipped)" if data["status"] == "draft" else ""
    buyer = data["partner"]
    header = [
        ["Despatch advice", data["reference"], "Shipped", _when(data["shipped_at"])],
        ["Ship from", data["ship_from"]["label"], "Ship to", data["ship_to"]["label"]],
        [
            "",
            data["ship_from"]["address"] or "",
            "Consignee",
            f"{buyer['name']} ({buyer['gln']})" if buyer else "our site",
        ],
        ["Business transaction", data["desadv"], "", ""],
    ]
    rows: list[list[Any]] = [["#", "Unit", "Cases", "Packs", "GTIN", "Lot", "Expiry", "Count"]]
    for number, item in enumerate(data["items"], start=1):
        lines = item["lines"] or [{"gtin": "", "lot": "", "expiry": "", "count": ""}]
        for k, line in enumerate(lines):
            first = k == 0
            rows.append(
                [
                    str(number) if first else "",
                    item["label"] if first else "",
                    str(item["cases"]) if first else "",
                    str(item["packs"]) if first else "",
                    line["gtin"],
                    line["lot"],
                    line["expiry"],
                    str(line["count"]),
                ]
            )
    cases = sum(i["cases"] for i in data["items"])
    rows.append(["", f"{len(data['items'])} units", str(cases), str(data["packs"]), "", "", "", ""])
    grid = TableStyle(
        [
            ("FONT", (0, 0), (-1, 0), "Helvetica-Bold"),
            ("FONTSIZE", (0, 0), (-1, -1), 8),
            ("GRID", (0, 0), (-1, -1), 0.25, colors.black),
            ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
            ("FONT", (0, -1), (-1, -1), "Helvetica-Bold"),
        ]
    )
    story = [
        Paragraph(escape(f"Packing list {data['reference']}{draft}"), styles["Title"]),
        Table(header, colWidths=[32 * mm, 60 * mm, 22 * mm, 66 * mm], style=[("FONTSIZE", (0, 0), (-1, -1), 8)]),
        Spacer(1, 6 * mm),
        Table(
            rows,
            colWidths=[8 * mm, 52 * mm, 12 * mm, 12 * mm, 28 * mm, 28 * mm, 22 * mm, 14 * mm],
            repeatRows=1,
            style=grid,
        ),
    ]
    doc.build(story)
    return f"packing-list-{data['reference']}.pdf", out.getvalue()
