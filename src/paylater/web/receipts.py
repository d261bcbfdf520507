"""PDF receipts for card payments (fpdf2).

A Unicode font (DejaVu Sans, where the system has it) is embedded so that every currency sign and
every language's letters print; without it the built-in Helvetica is used and the few characters
it lacks are spelled out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from pathlib import Path

from fpdf import FPDF

from paylater.web.i18n import Translate

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"),
    Path("/usr/share/fonts/TTF/DejaVuSans.ttf"),
    Path("/usr/local/share/fonts/DejaVuSans.ttf"),
)
_SPELLED = {"€": "EUR", "\u202f": " ", "\u2009": " ", "•": "*", "−": "-", "£": "GBP"}


@dataclass(frozen=True, slots=True)
class ReceiptData:
    receipt_number: str
    paid_on: date
    paid_on_text: str
    amount_text: str
    card: str
    merchant: str
    purchase_reference: str
    consumer_name: str
    consumer_email: str
    outstanding_text: str


def _font() -> Path | None:
    return next((path for path in FONT_CANDIDATES if path.exists()), None)


def _latin(text: str) -> str:
    for character, spelled in _SPELLED.items():
        text = text.replace(character, spelled)
    return text.encode("latin-1", "replace").decode("latin-1")


def receipt_pdf(data: ReceiptData, _: Translate) -> bytes:
    pdf = FPDF(format="A4")
    pdf.set_title(_("Receipt") + " " + data.receipt_number)
    pdf.set_author("paylater")
    # A fixed date (the payment's) keeps the same receipt byte for byte on every download.
    pdf.set_creation_date(datetime.combine(data.paid_on, time(), UTC))
    pdf.add_page()
    font = _font()
    if font is not None:
        pdf.add_font("Body", "", str(font))
        family = "Body"

        def clean(text: str) -> str:
            return text
    else:
        family = "Helvetica"
        clean = _latin
    pdf.set_font(family, size=22)
    pdf.cell(0, 14, "paylater", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, size=16)
    pdf.cell(0, 10, clean(_("Receipt")), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(family, size=11)
    rows = (
        (_("Receipt number"), data.receipt_number),
        (_("Date"), data.paid_on_text),
        (_("Amount paid"), data.amount_text),
        (_("Paid with"), data.card),
        (_("Store"), data.merchant),
        (_("Purchase"), data.purchase_reference),
        (_("Paid by"), f"{data.consumer_name} <{data.consumer_email}>"),
        (_("Still to pay on this purchase"), data.outstanding_text),
    )
    for label, value in rows:
        pdf.cell(70, 8, clean(label))
        pdf.cell(0, 8, clean(value), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(6)
    pdf.set_font(family, size=9)
    pdf.multi_cell(
        0, 5, clean(_("Thank you for your payment. Keep this receipt as proof of payment."))
    )
    return bytes(pdf.output())
