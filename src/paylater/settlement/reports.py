"""The payout report as PDF: the payout, its totals by type and every transaction in it.

The same rows and totals as the CSV report and the Settlements API. A Unicode font is embedded
when the system has DejaVu Sans (so every currency sign prints); otherwise the built-in Helvetica
is used with the few characters it lacks written out.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from fpdf import FPDF

from paylater.kit.money import Money
from paylater.settlement.transactions import totals

_FONTS = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
)
_WRITTEN_OUT = {"€": "EUR", "£": "GBP", "\u202f": " ", "\u00a0": " ", "−": "-"}
_TOTAL_LABELS = (
    ("sale_amount", "Sales"),
    ("fee_amount", "Fees"),
    ("return_amount", "Refunds"),
    ("dispute_hold_amount", "Held for open disputes"),
    ("dispute_release_amount", "Dispute holds released"),
    ("dispute_loss_amount", "Disputes lost"),
    ("reserve_hold_amount", "Rolling reserve withheld"),
    ("reserve_release_amount", "Rolling reserve released"),
)
_COLUMNS = (("Date", 24), ("Type", 38), ("Order", 34), ("Merchant reference", 54), ("Amount", 30))


def payout_pdf(payout: dict[str, Any], merchant_name: str, rows: Sequence[dict[str, Any]]) -> bytes:
    """The report of one payout; the same payout gives the same bytes every time."""
    currency = payout["currency"]
    pdf = FPDF(format="A4")
    pdf.set_title(f"Payout {payout['payment_reference']}")
    pdf.set_author("paylater")
    pdf.set_creation_date(datetime.combine(payout["run_date"], time(), UTC))
    pdf.add_page()
    font = next((path for path in _FONTS if path.exists()), None)
    family = "Helvetica"
    if font is not None:
        pdf.add_font("Report", "", str(font))
        family = "Report"

    def text(value: str) -> str:
        if font is not None:
            return value
        for character, written in _WRITTEN_OUT.items():
            value = value.replace(character, written)
        return value.encode("latin-1", "replace").decode("latin-1")

    def amount(minor: int) -> str:
        return text(Money(minor, currency).format("en_GB"))

    pdf.set_font(family, size=18)
    pdf.cell(0, 12, text(f"Payout {payout['payment_reference']}"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=11)
    for label, value in (
        ("Merchant", merchant_name),
        ("Payment date", payout["run_date"].isoformat()),
        ("Amount paid", amount(payout["amount"])),
        ("Transactions", str(payout["transaction_count"])),
    ):
        pdf.cell(45, 7, text(label))
        pdf.cell(0, 7, text(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(3)
    sums = totals(rows)
    for key, label in _TOTAL_LABELS:
        if sums[key]:
            pdf.cell(70, 6, text(label))
            pdf.cell(40, 6, amount(sums[key]), align="R", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(family, size=9)
    for title, width in _COLUMNS:
        pdf.cell(width, 6, title, border="B", align="R" if title == "Amount" else "L")
    pdf.ln()
    for row in rows:
        cells = (
            row["occurred_at"].date().isoformat(),
            row["type"],
            (row["order_id"] or "")[:18],
            (row.get("merchant_reference1") or "")[:30],
        )
        for (_title, width), value in zip(_COLUMNS, cells, strict=False):
            pdf.cell(width, 5, text(value))
        pdf.cell(
            _COLUMNS[-1][1], 5, amount(row["amount"]), align="R", new_x="LMARGIN", new_y="NEXT"
        )
    return bytes(pdf.output())
