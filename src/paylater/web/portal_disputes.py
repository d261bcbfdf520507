"""Buyer protection in My paylater: the consumer disputes a purchase and reads its files back.

The form (on the purchase page) posts the reason, a message and up to
:data:`~paylater.disputes.attachments.MAX_FILES` photos or PDFs. Every file is checked before
anything is written; a refused file, like any other refusal, shows the purchase page again with
the reason in the consumer's language and leaves the database as it was.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Connection
from starlette.datastructures import UploadFile

from paylater.disputes import attachments as files
from paylater.disputes import service as disputes
from paylater.kit.errors import DomainError, NotFound
from paylater.web import portal_data
from paylater.web.i18n import translator
from paylater.web.pages import form_data, found, not_found, read, refused, write
from paylater.web.portal import Me, page, purchase_context, signed_in, to_login

router = APIRouter(include_in_schema=False)

# What the consumer is told, by the kind of refused file (``{name}`` is the file's name).
FILE_ERRORS = {
    "empty": "The file {name} is empty.",
    "too_large": "The file {name} is larger than 5 MB.",
    "wrong_type": "The file {name} is not a photo (PNG, JPEG, WebP, GIF) or a PDF.",
    "too_many": "You can attach at most 5 files.",
}
# ... and by the refusal of the dispute itself (the domain error's code).
DISPUTE_ERRORS = {
    "ALREADY_DISPUTED": "This purchase is already disputed.",
    "DISPUTE_WINDOW_CLOSED": "A purchase can be disputed up to 180 days after it was charged.",
    "NOT_ALLOWED": "This purchase cannot be disputed: nothing is left that was charged.",
    "BAD_VALUE": "Please choose a reason and describe the problem.",
}


async def _uploads(request: Request) -> list[tuple[str, bytes]]:
    """The chosen files, each read up to one byte past the limit (so an oversized one shows)."""
    form = await request.form()
    chosen: list[tuple[str, bytes]] = []
    for upload in form.getlist("attachments"):
        if not isinstance(upload, UploadFile) or not upload.filename:
            continue
        chosen.append((upload.filename, await upload.read(files.MAX_BYTES + 1)))
        if len(chosen) > files.MAX_FILES:
            break
    return chosen


async def _again(
    request: Request, me: Me, order_id: str, message: str, fields: dict[str, str]
) -> Response:
    """The purchase page with the refusal, and the consumer's text kept in the form."""
    order = await read(request, lambda c: portal_data.purchase(c, me.consumer_id, order_id))
    if order is None:
        return not_found(request)
    context = purchase_context(
        request,
        order,
        dispute_error=message,
        dispute_form={"reason": fields.get("reason", ""), "message": fields.get("message", "")},
    )
    return page(request, me, "portal/purchase.html", context, status=400)


@router.post("/my/purchases/{order_id}/dispute")
async def open_dispute(request: Request, order_id: str) -> Response:
    fields = await form_data(request)
    if fields is None:
        return refused(request)
    me = await signed_in(request)
    if me is None:
        return to_login()
    now = found(request).clock.now()
    try:
        checked = files.check_all(await _uploads(request))
    except files.AttachmentRefused as refusal:
        text = _translated(me, FILE_ERRORS[refusal.kind], name=refusal.name)
        return await _again(request, me, order_id, text, fields)
    reason, message = fields.get("reason", ""), fields.get("message", "")[: disputes.MESSAGE_LIMIT]

    def work(connection: Connection) -> dict[str, Any]:
        return disputes.open_dispute(
            connection,
            consumer_id=me.consumer_id,
            order_id=order_id,
            reason=reason,
            message=message,
            now=now,
            attachments=checked,
        )

    try:
        await write(request, work)
    except NotFound:
        return not_found(request)
    except DomainError as refusal:
        key = DISPUTE_ERRORS.get(refusal.code, DISPUTE_ERRORS["NOT_ALLOWED"])
        return await _again(request, me, order_id, _translated(me, key), fields)
    return RedirectResponse(f"/my/purchases/{order_id}?disputed=1", status_code=303)


def _translated(me: Me, key: str, **values: str) -> str:
    return translator(me.lang)(key, **values)


@router.get("/my/disputes/attachments/{attachment_id}")
async def attachment(request: Request, attachment_id: str) -> Response:
    """One of the signed-in consumer's own dispute files, as a download."""
    me = await signed_in(request)
    if me is None:
        return to_login()
    try:
        row = await read(
            request, lambda c: files.load(c, attachment_id, consumer_id=me.consumer_id)
        )
    except NotFound:
        return not_found(request)
    return Response(
        row["content"],
        media_type=row["content_type"],
        headers=files.download_headers(row["filename"]),
    )
