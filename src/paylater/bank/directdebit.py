"""SEPA Core direct debit: mandates, the pain.008 collection file, and returns.

The export collects every due, unpaid EUR instalment of a consumer with an active mandate, marks it
as collecting (``processing_until``: no overdue reminder or fee while the debit is under way) and
writes one pain.008.001.02 per collection date; asking again for the same date hands back the same
file. The first collection under a mandate is FRST, later ones RCUR.

The bank credits each collection in a camt.054 (matched by end-to-end id, see
:mod:`paylater.bank.statements`). A rejection (pain.002) or a return (a camt.054 debit entry with a
reason code such as AC04, AM04 or MD06) reopens the instalment; if the collection had already been
applied, the payment is reversed in the ledger. The consumer is told by e-mail either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, insert, select, update
from stdnum import bic as stdnum_bic
from stdnum import iban as stdnum_iban
from stdnum.exceptions import ValidationError

from paylater.bank import references
from paylater.bank.messages import DIRECT_DEBIT_RETURNED, return_reason_text
from paylater.bank.models import bank_collections, bank_exports, bank_mandates
from paylater.bank.pain import PainDocument, amount_text, sepa_text
from paylater.billing.models import instalments, payment_plans
from paylater.consumers.models import consumers
from paylater.kit.errors import BadValue
from paylater.kit.ids import new_uuid
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, Posting, account, post
from paylater.notifications.consumer_mail import email_consumer

PAIN_008 = "pain.008.001.02"
COLLECTING_DAYS = 5  # the instalment stays "being collected" this long after the date


@dataclass(frozen=True, slots=True)
class Mandate:
    id: str
    consumer_id: str
    iban: str
    bic: str
    holder: str
    signed_on: date


@dataclass(frozen=True, slots=True)
class Export:
    message_id: str
    transactions: int
    content: bytes
    created: bool  # False when the file for this date already existed


def create_mandate(
    connection: Connection,
    *,
    consumer_id: str,
    iban: str,
    signed_on: date,
    at: datetime,
    holder: str = "",
    bic: str = "",
    mandate_id: str | None = None,
) -> Mandate:
    """Record a signed SEPA mandate; the IBAN (and BIC, when given) must be valid."""
    try:
        iban = stdnum_iban.validate(iban)
        bic = stdnum_bic.validate(bic) if bic else ""
    except ValidationError as error:
        raise BadValue(f"invalid bank account: {error}") from error
    person = connection.execute(
        select(consumers.c.given_name, consumers.c.family_name).where(consumers.c.id == consumer_id)
    ).first()
    if person is None:
        raise BadValue(f"no consumer {consumer_id}")
    holder = holder or f"{person.given_name} {person.family_name}".strip()
    mandate_id = mandate_id or "PLM" + new_uuid().replace("-", "")[:24].upper()
    if len(mandate_id) > 35:
        raise BadValue("a mandate id is at most 35 characters")
    connection.execute(
        insert(bank_mandates).values(
            id=mandate_id,
            consumer_id=consumer_id,
            iban=iban,
            bic=bic,
            holder=holder[:140],
            signed_on=signed_on,
            status="active",
            created_at=at,
        )
    )
    return Mandate(mandate_id, consumer_id, iban, bic, holder, signed_on)


def revoke_mandate(connection: Connection, mandate_id: str) -> None:
    connection.execute(
        update(bank_mandates).where(bank_mandates.c.id == mandate_id).values(status="revoked")
    )


def _due(connection: Connection, collection_date: date) -> list[Any]:
    busy = exists().where(
        and_(
            bank_collections.c.instalment_id == instalments.c.id,
            bank_collections.c.status == "collecting",
        )
    )
    query = (
        select(
            instalments.c.id,
            instalments.c.consumer_id,
            instalments.c.amount,
            instalments.c.paid_amount,
            instalments.c.currency,
            instalments.c.due_date,
            bank_mandates.c.id.label("mandate_id"),
            bank_mandates.c.iban,
            bank_mandates.c.bic,
            bank_mandates.c.holder,
            bank_mandates.c.signed_on,
        )
        .join(bank_mandates, bank_mandates.c.consumer_id == instalments.c.consumer_id)
        .where(bank_mandates.c.status == "active")
        .where(instalments.c.status == "open")
        .where(instalments.c.currency == "EUR")
        .where(instalments.c.due_date <= collection_date)
        .where(instalments.c.amount > instalments.c.paid_amount)
        .where(
            (instalments.c.processing_until.is_(None))
            | (instalments.c.processing_until < collection_date)
        )
        .where(~busy)
        .order_by(
            instalments.c.consumer_id,
            instalments.c.due_date,
            instalments.c.id,
            bank_mandates.c.signed_on.desc(),
        )
    )
    if connection.dialect.name == "postgresql":
        query = query.with_for_update(of=instalments)
    return list(connection.execute(query))


def export_direct_debits(
    connection: Connection,
    *,
    collection_date: date,
    at: datetime,
    config: references.BankSettings | None = None,
) -> Export:
    """The pain.008 for ``collection_date``: created on the first call, the same file after."""
    known = connection.execute(
        select(bank_exports.c.id, bank_exports.c.transactions, bank_exports.c.content).where(
            and_(bank_exports.c.kind == PAIN_008, bank_exports.c.business_date == collection_date)
        )
    ).first()
    if known is not None:
        return Export(known.id, int(known.transactions), known.content.encode(), False)
    config = config or references.settings()
    rows: list[Any] = []
    seen: set[str] = set()
    for row in _due(connection, collection_date):
        if row.id not in seen:  # one mandate per instalment: the latest signed
            seen.add(row.id)
            rows.append(row)
    message_id = f"PLDD-{collection_date.isoformat()}"
    if not rows:
        return Export(message_id, 0, b"", False)
    used = set(
        connection.execute(
            select(bank_collections.c.mandate_id)
            .where(bank_collections.c.mandate_id.in_({r.mandate_id for r in rows}))
            .where(bank_collections.c.status != "returned")
        ).scalars()
    )
    transactions: dict[str, list[dict[str, Any]]] = {"FRST": [], "RCUR": []}
    for row in rows:
        amount = int(row.amount) - int(row.paid_amount)
        sequence = "RCUR" if row.mandate_id in used else "FRST"
        collection = {
            "id": "PLDD" + new_uuid().replace("-", "")[:28].upper(),
            "instalment_id": row.id,
            "mandate_id": row.mandate_id,
            "collection_date": collection_date,
            "amount": amount,
            "currency": row.currency,
            "sequence": sequence,
            "status": "collecting",
            "return_reason": "",
            "created_at": at,
        }
        transactions[sequence].append(
            {
                **collection,
                "row": row,
                "reference": references.reference_for_instalment(connection, row.id, at, config),
            }
        )
    all_collections = [c for group in transactions.values() for c in group]
    connection.execute(
        insert(bank_collections),
        [{k: v for k, v in c.items() if k not in ("row", "reference")} for c in all_collections],
    )
    connection.execute(
        update(instalments)
        .where(instalments.c.id.in_([c["instalment_id"] for c in all_collections]))
        .values(processing_until=collection_date + timedelta(days=COLLECTING_DAYS))
    )
    content = _pain008(message_id, collection_date, at, transactions, config)
    connection.execute(
        insert(bank_exports).values(
            id=message_id,
            kind=PAIN_008,
            business_date=collection_date,
            transactions=len(all_collections),
            content=content.decode(),
            created_at=at,
        )
    )
    return Export(message_id, len(all_collections), content, True)


def _pain008(
    message_id: str,
    collection_date: date,
    at: datetime,
    transactions: dict[str, list[dict[str, Any]]],
    config: references.BankSettings,
) -> bytes:
    doc = PainDocument(PAIN_008, "CstmrDrctDbtInitn")
    everything = [c for group in transactions.values() for c in group]
    doc.group_header(
        message_id=message_id,
        created=at,
        transactions=len(everything),
        control_sum=amount_text(sum(c["amount"] for c in everything), "EUR"),
        initiator=config.account_name,
    )
    for sequence, group in transactions.items():
        if not group:
            continue
        info = doc.add(doc.body, "PmtInf")
        doc.add(info, "PmtInfId", f"{message_id}-{sequence}")
        doc.add(info, "PmtMtd", "DD")
        doc.add(info, "NbOfTxs", str(len(group)))
        doc.add(info, "CtrlSum", amount_text(sum(c["amount"] for c in group), "EUR"))
        kind = doc.add(info, "PmtTpInf")
        doc.add(kind, "SvcLvl/Cd", "SEPA")
        doc.add(kind, "LclInstrm/Cd", "CORE")
        doc.add(kind, "SeqTp", sequence)
        doc.add(info, "ReqdColltnDt", collection_date.isoformat())
        doc.add(info, "Cdtr/Nm", sepa_text(config.account_name, 70))
        doc.add(info, "CdtrAcct/Id/IBAN", config.iban)
        doc.agent(info, "CdtrAgt", config.bic)
        doc.add(info, "ChrgBr", "SLEV")
        scheme = doc.add(info, "CdtrSchmeId/Id/PrvtId/Othr")
        doc.add(scheme, "Id", config.creditor_id)
        doc.add(scheme, "SchmeNm/Prtry", "SEPA")
        for c in group:
            row = c["row"]
            tx = doc.add(info, "DrctDbtTxInf")
            doc.add(tx, "PmtId/EndToEndId", c["id"])
            doc.amount(tx, "InstdAmt", c["amount"], "EUR")
            mandate = doc.add(tx, "DrctDbtTx/MndtRltdInf")
            doc.add(mandate, "MndtId", row.mandate_id)
            doc.add(mandate, "DtOfSgntr", row.signed_on.isoformat())
            doc.agent(tx, "DbtrAgt", row.bic)
            doc.add(tx, "Dbtr/Nm", sepa_text(row.holder, 70))
            doc.add(tx, "DbtrAcct/Id/IBAN", row.iban)
            doc.add(tx, "RmtInf/Ustrd", c["reference"])
    return doc.to_bytes()


def collecting(connection: Connection, end_to_end_id: str) -> Any:
    """The collection still being collected under ``end_to_end_id``, if any."""
    return connection.execute(
        select(bank_collections).where(
            and_(
                bank_collections.c.id == end_to_end_id,
                bank_collections.c.status == "collecting",
            )
        )
    ).first()


def settled(connection: Connection, collection_id: str, *, at: datetime) -> None:
    connection.execute(
        update(bank_collections)
        .where(bank_collections.c.id == collection_id)
        .values(status="settled")
    )


def process_return(
    connection: Connection,
    *,
    end_to_end_id: str,
    reason: str,
    at: datetime,
    entry_id: str | None = None,
) -> bool:
    """A collection rejected or returned by the bank: reopen its instalment, reverse the payment
    if it had been applied, and tell the consumer. False when no such collection is open."""
    collection = connection.execute(
        select(bank_collections)
        .where(bank_collections.c.id == end_to_end_id)
        .where(bank_collections.c.status.in_(("collecting", "settled")))
        .with_for_update()
    ).first()
    if collection is None:
        return False
    connection.execute(
        update(bank_collections)
        .where(bank_collections.c.id == collection.id)
        .values(status="returned", return_reason=reason[:4])
    )
    instalment = connection.execute(
        select(instalments).where(instalments.c.id == collection.instalment_id).with_for_update()
    ).one()
    paid = int(instalment.paid_amount)
    taken = min(int(collection.amount), paid) if collection.status == "settled" else 0
    new_paid = paid - taken
    amount = int(instalment.amount)
    connection.execute(
        update(instalments)
        .where(instalments.c.id == instalment.id)
        .values(
            paid_amount=new_paid,
            status="open" if new_paid < amount else instalment.status,
            paid_at=None if new_paid < amount else instalment.paid_at,
            processing_until=None,
        )
    )
    if taken:
        connection.execute(
            update(payment_plans)
            .where(payment_plans.c.id == instalment.plan_id)
            .where(payment_plans.c.status == "paid")
            .values(status="active")
        )
        currency = instalment.currency
        post(
            connection,
            kind="bank:direct_debit_return",
            reference=entry_id or collection.id,
            at=at,
            memo=f"return {reason} of {collection.id}",
            entry_postings=[
                Posting(
                    account(AccountKind.CONSUMER_RECEIVABLE, currency, instalment.consumer_id),
                    Money(taken, currency),
                ),
                Posting(account(AccountKind.BANK_CLEARING, currency), Money(-taken, currency)),
            ],
        )
    locale = connection.execute(
        select(consumers.c.locale).where(consumers.c.id == instalment.consumer_id)
    ).scalar_one()
    email_consumer(
        connection,
        consumer_id=instalment.consumer_id,
        kind=DIRECT_DEBIT_RETURNED,
        values={
            "amount": Money(int(collection.amount), instalment.currency),
            "due_date": instalment.due_date,
            "reason": reason or "-",
            "reason_text": return_reason_text(reason, locale),
        },
        at=at,
        dedupe_key=collection.id,
    )
    return True
