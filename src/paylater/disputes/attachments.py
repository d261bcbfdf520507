"""Files a consumer sends with a dispute: photos of the item, a PDF of a delivery note.

Each file is checked before anything is written: at most :data:`MAX_FILES` files of at most
:data:`MAX_BYTES` each, and only PNG, JPEG, WebP, GIF or PDF, recognised by the file's own first
bytes (the name's extension and the browser's declared type are not trusted). The bytes are kept
in the database, in the same transaction as the dispute, under a generated id; the name the
consumer gave is cleaned and only ever shown or offered as a download name.

Reading one back always names who asks: the consumer who opened the dispute, the merchant it is
against, or an operator (no owner): anyone else gets NotFound.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from paylater.disputes.models import dispute_attachments, disputes
from paylater.kit.errors import BadValue, NotFound
from paylater.kit.ids import new_id

MAX_FILES = 5
MAX_BYTES = 5 * 1024 * 1024
NAME_LIMIT = 120
# The first bytes of each accepted kind of file, and the type it is served as.
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"GIF87a", "image/gif", ".gif"),
    (b"GIF89a", "image/gif", ".gif"),
    (b"%PDF-", "application/pdf", ".pdf"),
)
ACCEPT = ".png,.jpg,.jpeg,.gif,.webp,.pdf"


class AttachmentRefused(BadValue):
    """A file that cannot be kept; ``kind`` (empty, too_large, wrong_type, too_many) says why."""

    code = "ATTACHMENT_REFUSED"

    def __init__(self, message: str, *, kind: str, name: str = "") -> None:
        super().__init__(message)
        self.kind = kind
        self.name = name


@dataclass(frozen=True, slots=True)
class Attachment:
    """A checked file, ready to be stored."""

    filename: str
    content_type: str
    content: bytes


def sniff(content: bytes) -> tuple[str, str] | None:
    """The served content type and usual extension of an accepted file, from its bytes."""
    for magic, content_type, extension in SIGNATURES:
        if content.startswith(magic):
            return content_type, extension
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "image/webp", ".webp"
    return None


def clean_name(filename: str, extension: str) -> str:
    """A display name: no folders, no control or odd characters, bounded, ending in ``extension``
    (the one its bytes call for) when given."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFKC", base)
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" ._") or "attachment"
    if not extension:  # the name as given (cleaned), to say which file was refused
        return base[:NAME_LIMIT]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return f"{stem[: NAME_LIMIT - len(extension)]}{extension}"


def check(filename: str, content: bytes) -> Attachment:
    """One uploaded file, checked; AttachmentRefused says why it cannot be kept."""
    shown = clean_name(filename, "")[:60] or "the file"
    if not content:
        raise AttachmentRefused(f"{shown} is empty", kind="empty", name=shown)
    if len(content) > MAX_BYTES:
        raise AttachmentRefused(
            f"{shown} is larger than {MAX_BYTES // (1024 * 1024)} MB", kind="too_large", name=shown
        )
    kind = sniff(content)
    if kind is None:
        raise AttachmentRefused(
            f"{shown} is not a photo (PNG, JPEG, WebP, GIF) or a PDF", kind="wrong_type", name=shown
        )
    content_type, extension = kind
    return Attachment(clean_name(filename, extension), content_type, content)


def check_all(files: Iterable[tuple[str, bytes]]) -> list[Attachment]:
    checked = [check(name, content) for name, content in files]
    if len(checked) > MAX_FILES:
        raise AttachmentRefused(f"at most {MAX_FILES} files can be attached", kind="too_many")
    return checked


def store(
    connection: Connection,
    dispute_id: str,
    attachments: Sequence[Attachment],
    *,
    uploaded_by: str,
    now: datetime,
) -> list[str]:
    """Keep the files of a dispute; returns their ids."""
    ids = []
    for attachment in attachments:
        attachment_id = new_id("dat")
        connection.execute(
            dispute_attachments.insert().values(
                id=attachment_id,
                dispute_id=dispute_id,
                filename=attachment.filename,
                content_type=attachment.content_type,
                size=len(attachment.content),
                sha256=hashlib.sha256(attachment.content).hexdigest(),
                content=attachment.content,
                uploaded_by=uploaded_by,
                created_at=now,
            )
        )
        ids.append(attachment_id)
    return ids


def listed(connection: Connection, dispute_ids: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """The attachments of these disputes (without their bytes), by dispute id."""
    found: dict[str, list[dict[str, Any]]] = {dispute_id: [] for dispute_id in dispute_ids}
    if not dispute_ids:
        return found
    rows = connection.execute(
        select(
            dispute_attachments.c.id,
            dispute_attachments.c.dispute_id,
            dispute_attachments.c.filename,
            dispute_attachments.c.content_type,
            dispute_attachments.c.size,
        )
        .where(dispute_attachments.c.dispute_id.in_(list(dispute_ids)))
        .order_by(dispute_attachments.c.created_at, dispute_attachments.c.filename)
    )
    for row in rows:
        found[row.dispute_id].append(dict(row._mapping))
    return found


def load(
    connection: Connection,
    attachment_id: str,
    *,
    consumer_id: str | None = None,
    merchant_id: str | None = None,
) -> dict[str, Any]:
    """One attachment with its bytes, if the asker may read it; NotFound otherwise."""
    query = (
        select(
            dispute_attachments.c.id,
            dispute_attachments.c.filename,
            dispute_attachments.c.content_type,
            dispute_attachments.c.content,
        )
        .join(disputes, disputes.c.id == dispute_attachments.c.dispute_id)
        .where(dispute_attachments.c.id == attachment_id)
    )
    if consumer_id is not None:
        query = query.where(disputes.c.consumer_id == consumer_id)
    if merchant_id is not None:
        query = query.where(disputes.c.merchant_id == merchant_id)
    row = connection.execute(query).first()
    if row is None:
        raise NotFound(f"no attachment {attachment_id}")
    return dict(row._mapping)


def download_headers(filename: str) -> dict[str, str]:
    """Headers that make a browser save the file rather than run it in the page."""
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return {
        "Content-Disposition": f'attachment; filename="{ascii_name}"',
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }


def with_files(connection: Connection, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The disputes, each given the list of its attachments (names, types, sizes)."""
    found = listed(connection, [row["id"] for row in rows])
    for row in rows:
        row["attachments"] = found[row["id"]]
    return rows
