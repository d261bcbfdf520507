"""The payout file: pending payouts as one pain.001.001.03 credit-transfer message.

Each payout is one credit transfer to the merchant's settlement IBAN; its payment reference is
both the end-to-end id and the remittance text, so it is what the merchant sees on the bank line.
Payouts are grouped into one payment information block per currency and paying account. An
export marks its payouts sent, moves their amounts from merchant payable to bank clearing and
tells each merchant (``payout.sent``). The document is stored: exporting with nothing new to pay
returns the last file unchanged, so running the export twice never pays twice. Payouts of a
merchant without a settlement IBAN stay pending until one is set.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, select

from paylater.bank.pain import PainDocument, amount_text, sepa_text
from paylater.bank.references import BankSettings, bank_details
from paylater.kit.errors import NotFound
from paylater.kit.ids import new_uuid
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, Posting, account, post
from paylater.merchants.models import merchants
from paylater.notifications import webhooks
from paylater.settlement.models import payout_exports, payouts
from paylater.settlement.payouts import PENDING, SENT, serialize_settlement
from paylater.settlement.settings import get_settings

MESSAGE = "pain.001.001.03"


@dataclass
class PayoutExport:
    export_id: str
    message_id: str
    document: bytes
    payouts: list[dict[str, Any]] = field(default_factory=list)
    created: bool = True  # False: nothing new was due; this is the previous file
    waiting_for_iban: list[str] = field(default_factory=list)


def _pending(connection: Connection) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(payouts, merchants.c.name, merchants.c.country)
        .join(merchants, merchants.c.id == payouts.c.merchant_id)
        .where(payouts.c.status == PENDING)
        .order_by(payouts.c.run_date, payouts.c.payment_reference)
        .with_for_update(of=payouts)
    )
    return [dict(row._mapping) for row in rows]


def build_document(
    message_id: str,
    created: datetime,
    transfers: list[dict[str, Any]],
    *,
    config: BankSettings | None = None,
) -> bytes:
    """The pain.001.001.03 message for ``transfers`` (payout rows with ``iban``, ``bic``,
    ``holder`` and ``country``)."""
    groups: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for transfer in transfers:
        debtor = bank_details(transfer["country"], config)
        groups[(transfer["currency"], *debtor)].append(transfer)
    total = sum((Decimal(amount_text(t["amount"], t["currency"])) for t in transfers), Decimal(0))
    doc = PainDocument(MESSAGE, "CstmrCdtTrfInitn")
    initiator = (config or BankSettings()).account_name
    doc.group_header(
        message_id=message_id,
        created=created,
        transactions=len(transfers),
        control_sum=str(total),
        initiator=initiator,
    )
    for number, ((currency, iban, bic, name), group) in enumerate(sorted(groups.items()), 1):
        block = doc.add(doc.body, "PmtInf")
        doc.add(block, "PmtInfId", f"{message_id[:30]}-{number}")
        doc.add(block, "PmtMtd", "TRF")
        doc.add(block, "NbOfTxs", str(len(group)))
        group_sum = sum((Decimal(amount_text(t["amount"], currency)) for t in group), Decimal(0))
        doc.add(block, "CtrlSum", str(group_sum))
        if currency == "EUR":
            doc.add(block, "PmtTpInf/SvcLvl/Cd", "SEPA")
        doc.add(block, "ReqdExctnDt", created.date().isoformat())
        doc.add(block, "Dbtr/Nm", sepa_text(name, 70))
        doc.add(block, "DbtrAcct/Id/IBAN", iban)
        doc.agent(block, "DbtrAgt", bic)
        doc.add(block, "ChrgBr", "SLEV" if currency == "EUR" else "SHAR")
        for transfer in group:
            item = doc.add(block, "CdtTrfTxInf")
            doc.add(item, "PmtId/EndToEndId", transfer["payment_reference"])
            doc.amount(item, "Amt/InstdAmt", transfer["amount"], currency)
            if transfer["bic"]:
                doc.agent(item, "CdtrAgt", transfer["bic"])
            doc.add(item, "Cdtr/Nm", sepa_text(transfer["holder"], 70))
            doc.add(item, "CdtrAcct/Id/IBAN", transfer["iban"])
            doc.add(item, "RmtInf/Ustrd", transfer["payment_reference"])
    return doc.to_bytes()


def _latest(connection: Connection) -> dict[str, Any] | None:
    row = connection.execute(
        select(payout_exports).order_by(payout_exports.c.created_at.desc()).limit(1)
    ).first()
    return dict(row._mapping) if row is not None else None


def load_export(connection: Connection, export_id: str) -> PayoutExport:
    row = connection.execute(select(payout_exports).where(payout_exports.c.id == export_id)).first()
    if row is None:
        raise NotFound(f"no payout export {export_id}")
    paid = connection.execute(select(payouts).where(payouts.c.export_id == export_id)).all()
    return PayoutExport(
        row.id, row.message_id, row.document, [dict(p._mapping) for p in paid], created=False
    )


def export_payouts(
    connection: Connection, *, now: datetime, config: BankSettings | None = None
) -> PayoutExport | None:
    """Put every pending payout with a settlement IBAN in a new pain.001 file and mark it sent.

    With none to send, returns the previous file (``created`` false), or ``None`` if there is none.
    """
    serialize_settlement(connection)
    transfers = []
    waiting = []
    for payout in _pending(connection):
        settings = get_settings(connection, payout["merchant_id"])
        if not settings.iban:
            waiting.append(payout["payment_reference"])
            continue
        holder = settings.account_holder or payout["name"]
        transfers.append({**payout, "iban": settings.iban, "bic": settings.bic, "holder": holder})
    if not transfers:
        previous = _latest(connection)
        if previous is None:
            return None
        found = load_export(connection, previous["id"])
        found.waiting_for_iban = waiting
        return found
    export_id = new_uuid()
    message_id = f"PLPAYOUT{now:%Y%m%d%H%M%S}{export_id[:8].upper()}"
    document = build_document(message_id, now, transfers, config=config)
    connection.execute(
        payout_exports.insert().values(
            id=export_id,
            message_id=message_id,
            payouts=len(transfers),
            document=document,
            created_at=now,
        )
    )
    for transfer in transfers:
        _mark_sent(connection, transfer, export_id, now)
    return PayoutExport(export_id, message_id, document, transfers, True, waiting)


def _mark_sent(
    connection: Connection, payout: dict[str, Any], export_id: str, now: datetime
) -> None:
    amount = Money(payout["amount"], payout["currency"])
    merchant_id = payout["merchant_id"]
    connection.execute(
        payouts.update()
        .where(payouts.c.id == payout["id"])
        .values(status=SENT, sent_at=now, export_id=export_id)
    )
    post(
        connection,
        kind="payout",
        reference=payout["payment_reference"],
        at=now,
        entry_postings=[
            Posting(account(AccountKind.MERCHANT_PAYABLE, amount.currency, merchant_id), amount),
            Posting(account(AccountKind.BANK_CLEARING, amount.currency), -amount),
        ],
    )
    webhooks.emit(
        connection,
        merchant_id,
        "payout.sent",
        {
            "payment_reference": payout["payment_reference"],
            "payment_date": payout["run_date"].isoformat(),
            "amount": amount.minor,
            "currency_code": amount.currency,
            "transaction_count": payout["transaction_count"],
        },
        at=now,
    )
