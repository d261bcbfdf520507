"""The lender's back office: fraud reviews, disputes, reported problems, lookup, ledger,
collections, the unmatched bank queue and the audit log. Every action writes its audit row in
the action's own transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import anyio
from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import Connection, func, select
from starlette.datastructures import UploadFile

from paylater.backoffice import audit, lookup, problems, reviews
from paylater.backoffice.accounts import OPERATOR, StaffUser
from paylater.backoffice.pages import (
    error,
    form_data,
    found,
    now,
    read,
    redirect,
    refused,
    render,
    signed_in,
    to_login,
    write,
)
from paylater.bank import service as bank
from paylater.bank.camt import BankFileError
from paylater.bank.matching import IS_OPEN
from paylater.bank.models import bank_entries
from paylater.bank.references import settings as bank_settings
from paylater.bank.statements import ImportReport, import_file
from paylater.collections.ageing import ageing
from paylater.disputes import attachments as dispute_files
from paylater.disputes import service as disputes
from paylater.kit.errors import BadValue, DomainError, NotAllowed, NotFound
from paylater.ledger import service as ledger
from paylater.servicing import pauses as pause_service
from paylater.servicing.models import problem_reports

router = APIRouter(prefix="/backoffice")
Action = Callable[[Connection, StaffUser, dict[str, str], datetime], object]


async def _viewer(request: Request) -> StaffUser | Response:
    user = await signed_in(request, OPERATOR)
    return user if user is not None else to_login(OPERATOR)


async def _act(request: Request, back: str, action: Action) -> Response:
    """Run an operator's action (with its audit row) and go back to ``back``."""
    user = await signed_in(request, OPERATOR)
    if user is None:
        return to_login(OPERATOR)
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    if not user.can_act:
        return error(request, 403, "Your role can view the back office but not act.", user)
    moment = now(request)
    try:
        await write(request, lambda c: action(c, user, fields, moment))
    except DomainError as refusal:
        return error(request, refusal.status, "; ".join(refusal.messages), user)
    return redirect(back)


@router.get("/")
async def dashboard(request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user

    def work(connection: Connection) -> dict[str, Any]:
        return {
            "reviews": len(reviews.pending(connection)),
            "disputes": disputes.list_disputes(connection, status=disputes.RESPONDED, limit=1)[1],
            "unmatched": connection.execute(
                select(func.count()).select_from(bank_entries).where(IS_OPEN)
            ).scalar_one(),
        }

    counts = await read(request, work)
    return render(request, "operator/dashboard.html", {"user": user, **counts})


# --- fraud reviews ------------------------------------------------------------------------------


@router.get("/reviews")
async def review_list(request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    rows = await read(request, reviews.pending)
    return render(request, "operator/reviews.html", {"user": user, "orders": rows})


@router.post("/reviews/{order_id}/{decision}")
async def review(order_id: str, decision: str, request: Request) -> Response:
    if decision not in ("approve", "reject"):
        return error(request, 404, "Page not found.")

    def action(c: Connection, user: StaffUser, _f: dict[str, str], at: datetime) -> None:
        if decision == "approve":
            before = reviews.approve(c, order_id)
            after = {"fraud_status": "ACCEPTED", "status": before["status"]}
        else:
            before = reviews.reject(c, order_id, now=at)
            after = {"fraud_status": "REJECTED", "status": "CANCELLED"}
        audit.record(
            c,
            user,
            f"fraud_review.{decision}",
            "order",
            order_id,
            before=before,
            after=after,
            at=at,
        )

    return await _act(request, "/backoffice/reviews", action)


# --- disputes -----------------------------------------------------------------------------------


@router.get("/disputes")
async def dispute_list(request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    status = request.query_params.get("status", disputes.RESPONDED)
    if status not in (disputes.OPEN, disputes.RESPONDED, disputes.CLOSED):
        status = disputes.RESPONDED

    def load(connection: Connection) -> tuple[list[dict[str, Any]], int]:
        rows, total = disputes.list_disputes(connection, status=status, limit=100)
        return dispute_files.with_files(connection, rows), total

    rows, total = await read(request, load)
    return render(
        request,
        "operator/disputes.html",
        {"user": user, "disputes": rows, "total": total, "status": status},
    )


@router.get("/disputes/attachments/{attachment_id}")
async def dispute_attachment(attachment_id: str, request: Request) -> Response:
    """A file a consumer sent with a dispute, as a download."""
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    try:
        row = await read(request, lambda c: dispute_files.load(c, attachment_id))
    except NotFound:
        return error(request, 404, "Page not found.")
    return Response(
        row["content"],
        media_type=row["content_type"],
        headers=dispute_files.download_headers(row["filename"]),
    )


@router.post("/disputes/{dispute_id}/decide")
async def decide(dispute_id: str, request: Request) -> Response:
    def action(c: Connection, user: StaffUser, fields: dict[str, str], at: datetime) -> None:
        try:
            outcome = disputes.Outcome(fields.get("outcome", ""))
        except ValueError as wrong:
            raise BadValue("choose the consumer or the merchant") from wrong
        before = disputes.get_dispute(c, dispute_id)
        after = disputes.decide(
            c, dispute_id, outcome=outcome, note=fields.get("note", "")[:2000], now=at
        )
        keys = ("status", "outcome", "resolution", "decision_note")
        audit.record(
            c,
            user,
            "dispute.decide",
            "dispute",
            dispute_id,
            before={key: before.get(key) for key in keys},
            after={key: after.get(key) for key in keys},
            at=at,
        )

    return await _act(request, "/backoffice/disputes", action)


# --- lookup, ledger, collections ----------------------------------------------------------------


@router.get("/lookup")
async def lookup_page(request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    text = request.query_params.get("q", "")[:254]

    def work(connection: Connection) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        return lookup.find_consumers(connection, text), lookup.find_merchants(connection, text)

    found_consumers, found_merchants = await read(request, work)
    return render(
        request,
        "operator/lookup.html",
        {"user": user, "q": text, "consumers": found_consumers, "merchants": found_merchants},
    )


@router.get("/ledger")
async def ledger_page(request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user

    def work(connection: Connection) -> tuple[ledger.VerifyReport, dict[tuple[str, str], int]]:
        return ledger.verify(connection), ledger.balances_by_kind(connection)

    report, balances = await read(request, work)
    return render(
        request, "operator/ledger.html", {"user": user, "report": report, "balances": balances}
    )


@router.get("/collections")
async def collections_page(request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    today = now(request).date()
    report = await read(request, lambda c: ageing(c, today))
    return render(request, "operator/collections.html", {"user": user, "report": report.as_dict()})


# --- the unmatched bank queue -------------------------------------------------------------------


@router.get("/bank")
async def bank_queue(request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    name = request.query_params.get("name", "")[:100] or None
    entries = await read(request, lambda c: bank.search_unmatched(c, name=name, limit=100))
    return render(
        request, "operator/bank.html", {"user": user, "entries": entries, "name": name or ""}
    )


@router.post("/bank/{entry_id}/apply")
async def bank_apply(entry_id: str, request: Request) -> Response:
    def action(c: Connection, user: StaffUser, fields: dict[str, str], at: datetime) -> None:
        instalment_id = fields.get("instalment_id", "")
        applied = bank.apply_suggestion(c, entry_id, instalment_id, user.email, at)
        audit.record(
            c,
            user,
            "bank.apply",
            "bank_entry",
            entry_id,
            before={"state": "unmatched"},
            after={"instalment_id": instalment_id, "applied": applied},
            at=at,
        )

    return await _act(request, "/backoffice/bank", action)


@router.post("/bank/{entry_id}/return")
async def bank_return(entry_id: str, request: Request) -> Response:
    def action(c: Connection, user: StaffUser, fields: dict[str, str], at: datetime) -> None:
        note = fields.get("note", "")[:500]
        bank.return_to_sender(c, entry_id, user.email, at, note)
        audit.record(
            c,
            user,
            "bank.return",
            "bank_entry",
            entry_id,
            before={"state": "unmatched"},
            after={"state": "returned", "note": note},
            at=at,
        )

    return await _act(request, "/backoffice/bank", action)


@router.post("/bank/import")
async def bank_import(request: Request) -> Response:
    """Import a camt.053, camt.054 or pain.002 file uploaded by an operator."""
    user = await signed_in(request, OPERATOR)
    if user is None:
        return to_login(OPERATOR)
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    if not user.can_act:
        return error(request, 403, "Your role can view the back office but not act.", user)
    upload = (await request.form()).get("file")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return error(request, 400, "Choose a bank file (camt.053, camt.054 or pain.002).", user)
    limit = bank_settings().max_upload_bytes
    content = await upload.read(limit + 1)
    if len(content) > limit:
        return error(request, 413, f"The file is larger than the limit of {limit} bytes.", user)
    name, moment = upload.filename[:255], now(request)
    database = found(request).database

    def work(connection: Connection) -> ImportReport:
        report = import_file(
            connection, content, at=moment, name=name, operator=user.email, max_bytes=limit
        )
        audit.record(
            connection, user, "bank.import", "bank_file", report.file_id,
            before={}, after=report.as_dict(), at=moment,
        )  # fmt: skip
        return report

    try:
        # Its own transaction in a thread: a large file must not hold up the API's writer.
        report = await anyio.to_thread.run_sync(lambda: database.run(work, checkpoint_later=True))
    except BankFileError as refusal:
        return error(request, 400, f"Bank file refused: {refusal}", user)
    return render(request, "operator/bank_import.html", {"user": user, "report": report})


# --- the audit log ------------------------------------------------------------------------------


@router.get("/audit")
async def audit_page(request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    subject = request.query_params.get("subject", "")[:64] or None
    rows = await read(request, lambda c: audit.entries(c, subject_id=subject, limit=200))
    return render(
        request, "operator/audit.html", {"user": user, "entries": rows, "subject": subject or ""}
    )


# --- reported problems --------------------------------------------------------------------------


@router.get("/problems")
async def problem_list(request: Request) -> Response:
    user = await _viewer(request)
    if isinstance(user, Response):
        return user
    moment = now(request)
    rows = await read(request, lambda c: problems.open_reports(c, now=moment))
    return render(request, "operator/problems.html", {"user": user, "reports": rows})


def _report(connection: Connection, report_id: str) -> Any:
    row = connection.execute(
        select(problem_reports).where(problem_reports.c.id == report_id)
    ).first()
    if row is None:
        raise NotFound(f"no reported problem {report_id}")
    return row


@router.post("/problems/{report_id}/{action}")
async def problem_action(report_id: str, action: str, request: Request) -> Response:
    if action not in ("apply", "end", "extend"):
        return error(request, 404, "Page not found.")

    def act(c: Connection, user: StaffUser, fields: dict[str, str], at: datetime) -> None:
        report = _report(c, report_id)
        before = {"status": report.status, "pause_id": report.pause_id}
        if action == "apply":
            entry_id, instalment_id = fields.get("entry_id", ""), fields.get("instalment_id", "")
            applied = bank.apply_suggestion(c, entry_id, instalment_id, user.email, at)
            after: dict[str, Any] = {"entry_id": entry_id, "instalment_id": instalment_id}
            after["applied"] = applied
        elif report.pause_id is None:
            raise NotAllowed("this report paused nothing")
        elif action == "end":
            if not pause_service.end_pause(c, report.pause_id, reason="operator", now=at):
                raise NotAllowed("the pause has already ended")
            after = {"status": "resolved", "pause": "ended"}
        else:
            try:
                days = int(fields.get("days", "14"))
            except ValueError as wrong:
                raise BadValue("days must be a whole number") from wrong
            ends_on = pause_service.extend_pause(c, report.pause_id, days=days, now=at)
            after = {"pause_ends_on": ends_on}
        audit.record(
            c,
            user,
            f"problem.{action}",
            "problem_report",
            report_id,
            before=before,
            after=after,
            at=at,
        )

    return await _act(request, "/backoffice/problems", act)
