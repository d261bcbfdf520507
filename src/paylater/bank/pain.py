"""Building ISO 20022 payment initiation (pain) messages.

A small builder shared by the direct-debit export (pain.008) and, later, the merchant payout file
(pain.001): elements are added by slash-separated paths in the message's namespace, amounts are
written from integer minor units, and free text is reduced to the SEPA character set.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from decimal import Decimal

from lxml import etree

from paylater.kit.money import exponent

_SEPA_CHARACTERS = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")


def amount_text(minor: int, currency: str) -> str:
    """``12345`` EUR → ``"123.45"``, as pain and camt amounts are written."""
    digits = exponent(currency)
    return f"{Decimal(minor).scaleb(-digits):.{digits}f}"


def sepa_text(value: str, limit: int) -> str:
    """Text restricted to the SEPA Latin character set (accents dropped), at most ``limit``."""
    plain = unicodedata.normalize("NFKD", value)
    plain = "".join(c for c in plain if not unicodedata.combining(c))
    cleaned = _SEPARATE_SPACES.sub(" ", _SEPA_CHARACTERS.sub(" ", plain)).strip()
    return cleaned[:limit] or "NOTPROVIDED"[:limit]


_SEPARATE_SPACES = re.compile(r"\s+")


class PainDocument:
    """One pain message, e.g. ``PainDocument("pain.008.001.02", "CstmrDrctDbtInitn")``."""

    def __init__(self, message: str, root: str) -> None:
        self.message = message
        self.namespace = f"urn:iso:std:iso:20022:tech:xsd:{message}"
        self.document = etree.Element(self._q("Document"), nsmap={None: self.namespace})
        self.body = etree.SubElement(self.document, self._q(root))

    def _q(self, name: str) -> str:
        return f"{{{self.namespace}}}{name}"

    def add(
        self,
        parent: etree._Element,
        path: str,
        text: str | None = None,
        **attributes: str,
    ) -> etree._Element:
        """Append the chain of elements ``path`` (``"A/B/C"``) under ``parent``; return the last,
        which gets ``text`` and ``attributes``."""
        element = parent
        for name in path.split("/"):
            element = etree.SubElement(element, self._q(name))
        if text is not None:
            element.text = text
        for key, value in attributes.items():
            element.set(key, value)
        return element

    def amount(self, parent: etree._Element, path: str, minor: int, currency: str) -> None:
        self.add(parent, path, amount_text(minor, currency), Ccy=currency)

    def group_header(
        self,
        *,
        message_id: str,
        created: datetime,
        transactions: int,
        control_sum: str,
        initiator: str,
    ) -> etree._Element:
        header = self.add(self.body, "GrpHdr")
        self.add(header, "MsgId", message_id)
        self.add(header, "CreDtTm", created.replace(microsecond=0, tzinfo=None).isoformat())
        self.add(header, "NbOfTxs", str(transactions))
        self.add(header, "CtrlSum", control_sum)
        self.add(header, "InitgPty/Nm", sepa_text(initiator, 70))
        return header

    def agent(self, parent: etree._Element, path: str, bic: str) -> None:
        """A financial institution by BIC, or ``NOTPROVIDED`` when the BIC is unknown."""
        if bic:
            self.add(parent, f"{path}/FinInstnId/BIC", bic)
        else:
            self.add(parent, f"{path}/FinInstnId/Othr/Id", "NOTPROVIDED")

    def to_bytes(self) -> bytes:
        return bytes(
            etree.tostring(self.document, xml_declaration=True, encoding="UTF-8", pretty_print=True)
        )
