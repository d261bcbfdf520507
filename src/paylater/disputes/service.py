"""Disputes: the consumer's claim against a purchase, the merchant's answer, the outcome.

Life of a dispute::

    open ──respond──▶ responded ──operator decides──▶ closed (consumer | merchant)
      │ └──accept──────────────────────────────────▶ closed (consumer, accepted)
      └──deadline passes unanswered────────────────▶ closed (consumer, late)

Opening one (up to 180 days after the purchase's last capture) pauses the plan (for the answer
window plus two weeks of review; an operator may extend the pause), withholds the
disputed amount from the merchant's payouts (merchant payable → dispute hold, and a
``DISPUTE_HOLD`` statement row) and tells the merchant by webhook, with a deadline: 7 days for an
unauthorized purchase, 21 for the other reasons. Closing releases the hold; if the consumer wins,
the purchase is refunded through the ordinary refund (so the merchant's payout loses the amount as
a ``DISPUTE_LOSS``), otherwise the pause ends and the plan resumes. Both sides are told.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import Connection, func, select

from paylater.disputes import attachments as files
from paylater.disputes import messages
from paylater.disputes.models import dispute_events, disputes
from paylater.jobs.queue import enqueue
from paylater.kit.errors import BadValue, Conflict, NotAllowed, NotFound
from paylater.kit.ids import new_id
from paylater.kit.money import Money
from paylater.ledger.service import AccountKind, Posting, account, post
from paylater.merchants.service import get_merchant
from paylater.notifications import webhooks
from paylater.notifications.consumer_mail import email_consumer
from paylater.orders import service as orders_service
from paylater.orders.models import captures, orders
from paylater.servicing import pauses
from paylater.settlement import transactions
from paylater.settlement.transactions import TransactionType

DEADLINE_JOB = "disputes.deadline"
OPENING_WINDOW = timedelta(days=180)
REVIEW_DAYS = 14  # the plan stays paused this long after the deadline, for the review
MESSAGE_LIMIT = 5000
EVIDENCE_LIMIT = 20_000
OPEN, RESPONDED, CLOSED = "open", "responded", "closed"


class DisputeReason(StrEnum):
    not_received = "not_received"
    faulty = "faulty"
    not_as_described = "not_as_described"
    unauthorized = "unauthorized"


class Outcome(StrEnum):
    consumer = "consumer"
    merchant = "merchant"


class DisputeWindowClosed(NotAllowed):
    code = "DISPUTE_WINDOW_CLOSED"


class DisputeDeadlinePassed(NotAllowed):
    code = "DISPUTE_DEADLINE_PASSED"


class DisputeClosed(NotAllowed):
    code = "DISPUTE_CLOSED"


class AlreadyDisputed(Conflict):
    code = "ALREADY_DISPUTED"


def response_window(reason: DisputeReason) -> timedelta:
    return timedelta(days=7 if reason is DisputeReason.unauthorized else 21)


def _event(
    connection: Connection, dispute_id: str, kind: str, actor: str, note: str, at: datetime
) -> None:
    connection.execute(
        dispute_events.insert().values(
            dispute_id=dispute_id, kind=kind, actor=actor, note=note, at=at
        )
    )


def _notify_merchant(
    connection: Connection, dispute: dict[str, Any], event: str, at: datetime
) -> None:
    webhooks.emit(
        connection,
        dispute["merchant_id"],
        event,
        {
            "dispute_id": dispute["id"],
            "order_id": dispute["order_id"],
            "reason": dispute["reason"],
            "status": dispute["status"],
            "outcome": dispute["outcome"],
            "disputed_amount": dispute["amount"],
            "currency_code": dispute["currency"],
            "response_deadline": dispute["deadline"].isoformat(),
        },
        at=at,
    )


def _move_hold(
    connection: Connection, dispute: dict[str, Any], *, release: bool, at: datetime
) -> None:
    """Withhold (or give back) the disputed amount in the ledger and the merchant's statement."""
    amount = Money(dispute["amount"], dispute["currency"])
    merchant_id = dispute["merchant_id"]
    moved = -amount if release else amount
    post(
        connection,
        kind="dispute_release" if release else "dispute_hold",
        reference=dispute["id"],
        at=at,
        entry_postings=[
            Posting(account(AccountKind.MERCHANT_PAYABLE, amount.currency, merchant_id), moved),
            Posting(account(AccountKind.DISPUTE_HOLD, amount.currency, merchant_id), -moved),
        ],
    )
    transactions.record(
        connection,
        merchant_id=merchant_id,
        kind=TransactionType.DISPUTE_RELEASE if release else TransactionType.DISPUTE_HOLD,
        amount=-moved,
        source_id=dispute["id"],
        order_id=dispute["order_id"],
        at=at,
        available_on=at.date(),
    )


def open_dispute(
    connection: Connection,
    *,
    consumer_id: str,
    order_id: str,
    reason: DisputeReason | str,
    message: str,
    now: datetime,
    attachments: Sequence[files.Attachment] = (),
) -> dict[str, Any]:
    """The consumer disputes a purchase, with checked files (:mod:`.attachments`) if any;
    returns the new dispute."""
    try:
        reason = DisputeReason(reason)
    except ValueError:
        raise BadValue(f"reason must be one of {[r.value for r in DisputeReason]}") from None
    message = message.strip()
    if not message or len(message) > MESSAGE_LIMIT:
        raise BadValue(f"message must be 1 to {MESSAGE_LIMIT} characters")
    if len(attachments) > files.MAX_FILES:
        raise files.AttachmentRefused(
            f"at most {files.MAX_FILES} files can be attached", kind="too_many"
        )
    order = connection.execute(
        select(orders)
        .where(orders.c.id == order_id, orders.c.consumer_id == consumer_id)
        .with_for_update()
    ).first()
    if order is None:
        raise NotFound(f"purchase {order_id} not found")
    last_capture = connection.execute(
        select(func.max(captures.c.captured_at)).where(captures.c.order_id == order_id)
    ).scalar()
    if last_capture is None:
        raise NotAllowed(
            "nothing has been charged for this purchase, so there is nothing to dispute"
        )
    if now - last_capture > OPENING_WINDOW:
        raise DisputeWindowClosed("a purchase can be disputed up to 180 days after it was charged")
    pending = connection.execute(
        select(disputes.c.id).where(disputes.c.order_id == order_id, disputes.c.status != CLOSED)
    ).first()
    if pending is not None:
        raise AlreadyDisputed(f"this purchase is already disputed ({pending.id})")
    amount = order.captured_amount - order.refunded_amount
    if amount <= 0:
        raise NotAllowed("this purchase has been refunded in full")
    try:
        pause_id: str | None = pauses.start_pause(
            connection,
            order_id=order_id,
            reason="dispute",
            days=response_window(reason).days + REVIEW_DAYS,
            note=message,
            now=now,
        )["id"]
    except pauses.AlreadyPaused:
        pause_id = pauses.active_pause(connection, order_id).id
    except Conflict:  # nothing left to pay: nothing to pause
        pause_id = None
    dispute: dict[str, Any] = {
        "id": new_id("dsp"),
        "order_id": order_id,
        "merchant_id": order.merchant_id,
        "consumer_id": consumer_id,
        "reason": reason.value,
        "message": message,
        "amount": amount,
        "currency": order.purchase_currency,
        "status": OPEN,
        "outcome": None,
        "resolution": None,
        "deadline": now + response_window(reason),
        "evidence": None,
        "decision_note": None,
        "pause_id": pause_id,
        "refund_id": None,
        "opened_at": now,
        "responded_at": None,
        "decided_at": None,
    }
    connection.execute(disputes.insert().values(**dispute))
    files.store(connection, dispute["id"], attachments, uploaded_by="consumer", now=now)
    _move_hold(connection, dispute, release=False, at=now)
    _event(connection, dispute["id"], "opened", "consumer", message, now)
    enqueue(
        connection,
        DEADLINE_JOB,
        {"dispute_id": dispute["id"]},
        run_at=dispute["deadline"],
        dedupe_key=dispute["id"],
        created_at=now,
    )
    _notify_merchant(connection, dispute, "dispute.opened", now)
    email_consumer(
        connection,
        consumer_id=consumer_id,
        kind=messages.OPENED,
        values={
            "order_ref": order_id[:8],
            "amount": Money(amount, dispute["currency"]),
            "deadline": dispute["deadline"].date(),
        },
        at=now,
        dedupe_key=dispute["id"],
    )
    return dispute


def get_dispute(
    connection: Connection, dispute_id: str, *, merchant_id: str | None = None, lock: bool = False
) -> dict[str, Any]:
    """The dispute (only the merchant's own when ``merchant_id`` is given), or NotFound."""
    query = select(disputes).where(disputes.c.id == dispute_id)
    if merchant_id is not None:
        query = query.where(disputes.c.merchant_id == merchant_id)
    row = connection.execute(query).first()
    if row is None:
        raise NotFound(f"no dispute {dispute_id}")
    if lock:
        # The documented lock order starts with the order: lock it, then the dispute.
        connection.execute(select(orders.c.id).where(orders.c.id == row.order_id).with_for_update())
        row = connection.execute(query.with_for_update()).one()
    return dict(row._mapping)


def respond(
    connection: Connection, merchant_id: str, dispute_id: str, *, evidence: str, now: datetime
) -> dict[str, Any]:
    """The merchant contests the dispute with evidence; an operator will decide."""
    evidence = evidence.strip()
    if not evidence or len(evidence) > EVIDENCE_LIMIT:
        raise BadValue(f"evidence must be 1 to {EVIDENCE_LIMIT} characters")
    dispute = get_dispute(connection, dispute_id, merchant_id=merchant_id, lock=True)
    if dispute["status"] != OPEN:
        raise DisputeClosed(f"the dispute is {dispute['status']}; it can no longer be answered")
    if now > dispute["deadline"]:
        raise DisputeDeadlinePassed("the deadline to answer this dispute has passed")
    connection.execute(
        disputes.update()
        .where(disputes.c.id == dispute_id)
        .values(status=RESPONDED, evidence=evidence, responded_at=now)
    )
    _event(connection, dispute_id, "responded", "merchant", evidence, now)
    dispute.update(status=RESPONDED, evidence=evidence, responded_at=now)
    _notify_merchant(connection, dispute, "dispute.updated", now)
    return dispute


def _close(
    connection: Connection,
    dispute: dict[str, Any],
    *,
    outcome: Outcome,
    resolution: str,
    actor: str,
    note: str,
    now: datetime,
) -> dict[str, Any]:
    _move_hold(connection, dispute, release=True, at=now)
    refund_id = None
    order = orders_service.load_order(connection, dispute["merchant_id"], dispute["order_id"])
    refundable = order["captured_amount"] - order["refunded_amount"]
    refunded = min(dispute["amount"], refundable)
    if outcome is Outcome.consumer and refunded > 0:
        merchant = get_merchant(connection, dispute["merchant_id"])
        refund_id = orders_service.refund(
            connection,
            merchant,
            dispute["order_id"],
            amount=refunded,
            description=f"dispute {dispute['id']}",
            reference=dispute["id"],
            order_lines=[],
            now=now,
        )
    elif dispute["pause_id"]:
        pauses.end_pause(connection, dispute["pause_id"], reason="dispute", now=now)
    values = {
        "status": CLOSED,
        "outcome": outcome.value,
        "resolution": resolution,
        "decided_at": now,
        "decision_note": note or None,
        "refund_id": refund_id,
    }
    connection.execute(disputes.update().where(disputes.c.id == dispute["id"]).values(**values))
    dispute.update(values)
    _event(connection, dispute["id"], resolution, actor, note, now)
    _notify_merchant(connection, dispute, "dispute.updated", now)
    won = outcome is Outcome.consumer
    email_consumer(
        connection,
        consumer_id=dispute["consumer_id"],
        kind=messages.WON if won else messages.LOST,
        values={
            "order_ref": dispute["order_id"][:8],
            "amount": Money(refunded, dispute["currency"]),
        },
        at=now,
        dedupe_key=dispute["id"],
    )
    return dispute


def accept(
    connection: Connection, merchant_id: str, dispute_id: str, *, now: datetime
) -> dict[str, Any]:
    """The merchant accepts the dispute: the consumer is refunded the disputed amount."""
    dispute = get_dispute(connection, dispute_id, merchant_id=merchant_id, lock=True)
    if dispute["status"] == CLOSED:
        raise DisputeClosed("the dispute is already closed")
    return _close(
        connection,
        dispute,
        outcome=Outcome.consumer,
        resolution="accepted",
        actor="merchant",
        note="",
        now=now,
    )


def decide(
    connection: Connection, dispute_id: str, *, outcome: Outcome, note: str, now: datetime
) -> dict[str, Any]:
    """An operator decides a contested dispute (one the merchant answered in time)."""
    dispute = get_dispute(connection, dispute_id, lock=True)
    if dispute["status"] == CLOSED:
        raise DisputeClosed("the dispute is already closed")
    if dispute["status"] != RESPONDED:
        raise NotAllowed("the merchant has not answered yet; it has until the deadline")
    return _close(
        connection,
        dispute,
        outcome=outcome,
        resolution="decided",
        actor="operator",
        note=note,
        now=now,
    )


def expire_if_late(connection: Connection, dispute_id: str, *, now: datetime) -> bool:
    """An unanswered dispute whose deadline has passed is lost by the merchant."""
    dispute = get_dispute(connection, dispute_id, lock=True)
    if dispute["status"] != OPEN or dispute["deadline"] > now:
        return False
    _close(
        connection,
        dispute,
        outcome=Outcome.consumer,
        resolution="late",
        actor="system",
        note="no answer before the deadline",
        now=now,
    )
    return True


def expire_due(connection: Connection, *, now: datetime) -> int:
    """Close every unanswered dispute past its deadline (a backstop for the deadline jobs)."""
    late = connection.execute(
        select(disputes.c.id)
        .where(disputes.c.status == OPEN, disputes.c.deadline <= now)
        .order_by(disputes.c.deadline, disputes.c.id)
    ).scalars()
    return sum(expire_if_late(connection, dispute_id, now=now) for dispute_id in list(late))


def list_disputes(
    connection: Connection,
    *,
    merchant_id: str | None = None,
    consumer_id: str | None = None,
    status: str | None = None,
    limit: int = 20,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    """Disputes, newest first (a merchant's, a consumer's or all), and how many match."""
    conditions = []
    if merchant_id is not None:
        conditions.append(disputes.c.merchant_id == merchant_id)
    if consumer_id is not None:
        conditions.append(disputes.c.consumer_id == consumer_id)
    if status is not None:
        conditions.append(disputes.c.status == status)
    total = connection.execute(
        select(func.count()).select_from(disputes).where(*conditions)
    ).scalar()
    rows = connection.execute(
        select(disputes)
        .where(*conditions)
        .order_by(disputes.c.opened_at.desc(), disputes.c.id)
        .limit(limit)
        .offset(offset)
    )
    return [dict(row._mapping) for row in rows], int(total or 0)


def events_of(connection: Connection, dispute_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(
            dispute_events.c.kind,
            dispute_events.c.actor,
            dispute_events.c.note,
            dispute_events.c.at,
        )
        .where(dispute_events.c.dispute_id == dispute_id)
        .order_by(dispute_events.c.id)
    )
    return [{"kind": r.kind, "actor": r.actor, "note": r.note, "at": r.at} for r in rows]


def dispute_json(
    connection: Connection, dispute: dict[str, Any], *, with_events: bool = True
) -> dict[str, Any]:
    """What merchants and operators see (no consumer personal data beyond the claim itself)."""

    def moment(value: datetime | None) -> str | None:
        return value.isoformat() if value else None

    reference = connection.execute(
        select(orders.c.merchant_reference1).where(orders.c.id == dispute["order_id"])
    ).scalar()
    data: dict[str, Any] = {
        "dispute_id": dispute["id"],
        "order_id": dispute["order_id"],
        "merchant_reference1": reference or "",
        "reason": dispute["reason"],
        "message": dispute["message"],
        "status": dispute["status"],
        "outcome": dispute["outcome"],
        "resolution": dispute["resolution"],
        "disputed_amount": dispute["amount"],
        "currency_code": dispute["currency"],
        "opened_at": moment(dispute["opened_at"]),
        "response_deadline": moment(dispute["deadline"]),
        "responded_at": moment(dispute["responded_at"]),
        "evidence": dispute["evidence"],
        "decided_at": moment(dispute["decided_at"]),
        "refund_id": dispute["refund_id"],
        "attachments": [
            {
                "attachment_id": item["id"],
                "filename": item["filename"],
                "content_type": item["content_type"],
                "size": item["size"],
            }
            for item in files.listed(connection, [dispute["id"]])[dispute["id"]]
        ],
    }
    if with_events:
        data["events"] = [
            {**event, "at": event["at"].isoformat()}
            for event in events_of(connection, dispute["id"])
        ]
    return data
