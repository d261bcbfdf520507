"""Opening a dispute from My paylater through TestClient: the form, its files, CSRF, isolation."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from paylater.db import Database
from paylater.disputes import attachments
from paylater.disputes.models import dispute_attachments, disputes
from paylater.kit.clock import FixedClock
from tests.backoffice.support import add_merchant_user, add_operator
from tests.backoffice.support import log_in as staff_log_in
from tests.web.support import buy, csrf_of, log_in

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _counts(database: Database) -> tuple[int, int]:
    def work(connection: Any) -> tuple[int, int]:
        return (
            int(connection.execute(select(func.count()).select_from(disputes)).scalar()),
            int(connection.execute(select(func.count()).select_from(dispute_attachments)).scalar()),
        )

    return database.run(work, readonly=True)


def _post(
    client: TestClient,
    order_id: str,
    files: list[tuple[str, tuple[str, bytes, str]]],
    *,
    token: str | None = None,
    reason: str = "faulty",
    message: str = "The zip broke on the first day",
) -> Any:
    if token is None:
        token = csrf_of(client.get(f"/my/purchases/{order_id}").text)
    return client.post(
        f"/my/purchases/{order_id}/dispute",
        data={"csrf_token": token, "reason": reason, "message": message},
        files=files or [("attachments", ("", b"", "application/octet-stream"))],
        follow_redirects=False,
    )


def test_a_dispute_with_photos_shows_on_the_purchase_and_to_the_merchant(
    client: TestClient, database: Database, merchant: dict[str, Any], clock: FixedClock
) -> None:
    order_id = buy(client, database, merchant, "maja@example.se")
    client.cookies.clear()
    log_in(client, database, "maja@example.se")
    page = client.get(f"/my/purchases/{order_id}")
    assert 'id="dispute-form"' in page.text
    answer = _post(
        client,
        order_id,
        [
            ("attachments", ("../../etc/zip photo.png", PNG, "image/png")),
            ("attachments", ("delivery note.pdf", PDF, "application/pdf")),
        ],
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == f"/my/purchases/{order_id}?disputed=1"
    shown = client.get(answer.headers["location"]).text
    assert 'id="dispute-notice"' in shown
    assert "Waiting for the store&#39;s answer" in shown
    assert "zip photo.png" in shown and "delivery note.pdf" in shown
    assert 'id="dispute-form"' not in shown  # one open dispute at a time
    assert _counts(database) == (1, 2)

    link = re.search(r'href="(/my/disputes/attachments/[^"]+)">zip photo.png', shown)
    assert link
    download = client.get(link.group(1))
    assert download.status_code == 200 and download.content == PNG
    assert download.headers["content-type"] == "image/png"
    assert download.headers["content-disposition"] == 'attachment; filename="zip photo.png"'

    # The merchant sees the file's name and can fetch it; another merchant cannot.
    add_merchant_user(database, clock, merchant["id"], "owner@shop.example")
    staff = TestClient(client.app)
    assert staff_log_in(staff, "merchant", "owner@shop.example").status_code == 303
    listing = staff.get("/merchant/disputes").text
    assert "zip photo.png" in listing and "delivery note.pdf" in listing
    attachment_id = link.group(1).rsplit("/", 1)[1]
    assert staff.get(f"/merchant/disputes/attachments/{attachment_id}").content == PNG
    # The Disputes API lists the same files (names, types and sizes; same-time uploads by name).
    listed = client.get("/disputes/v1/disputes", headers=merchant["headers"]).json()
    described = [
        (item["filename"], item["content_type"], item["size"])
        for item in listed["disputes"][0]["attachments"]
    ]
    assert described == [
        ("delivery note.pdf", "application/pdf", len(PDF)),
        ("zip photo.png", "image/png", len(PNG)),
    ]
    assert attachment_id in {item["attachment_id"] for item in listed["disputes"][0]["attachments"]}


def test_csrf_is_required(client: TestClient, database: Database, merchant: dict[str, Any]) -> None:
    order_id = buy(client, database, merchant, "nils@example.se")
    client.cookies.clear()
    log_in(client, database, "nils@example.se")
    answer = _post(client, order_id, [("attachments", ("a.png", PNG, "image/png"))], token="0" * 64)
    assert answer.status_code == 403
    assert _counts(database) == (0, 0)


def test_a_bad_file_is_refused_with_a_clear_message_and_nothing_is_written(
    client: TestClient, database: Database, merchant: dict[str, Any]
) -> None:
    order_id = buy(client, database, merchant, "tove@example.se")
    client.cookies.clear()
    log_in(client, database, "tove@example.se")
    script = b"<html><script>alert(1)</script></html>"
    answer = _post(
        client,
        order_id,
        [
            ("attachments", ("photo.png", PNG, "image/png")),
            ("attachments", ("invoice.pdf", script, "application/pdf")),
        ],
    )
    assert answer.status_code == 400
    assert 'id="dispute-error"' in answer.text, answer.text[answer.text.find("error") - 300 :][:800]
    assert "The file invoice.pdf is not a photo (PNG, JPEG, WebP, GIF) or a PDF." in answer.text
    assert "The zip broke on the first day" in answer.text  # the message is kept in the form
    big = PDF + b"0" * attachments.MAX_BYTES
    too_large = _post(client, order_id, [("attachments", ("scan.pdf", big, "application/pdf"))])
    assert too_large.status_code == 400
    assert "The file scan.pdf is larger than 5 MB." in too_large.text
    too_many = _post(
        client, order_id, [("attachments", (f"p{n}.png", PNG, "image/png")) for n in range(6)]
    )
    assert "You can attach at most 5 files." in too_many.text
    assert _counts(database) == (0, 0)
    # In French, the same refusal reads in French.
    client.cookies.set("pl_lang", "fr")
    french = _post(client, order_id, [("attachments", ("x.exe", b"MZ\x90\x00", "image/png"))])
    assert "Le fichier x.exe n&#39;est ni une photo" in french.text
    assert _counts(database) == (0, 0)


def test_another_consumer_gets_404(
    client: TestClient, database: Database, merchant: dict[str, Any], clock: FixedClock
) -> None:
    order_id = buy(client, database, merchant, "owner@example.se", clock=clock)
    client.cookies.clear()
    log_in(client, database, "owner@example.se")
    assert _post(client, order_id, [("attachments", ("a.png", PNG, "image/png"))]).is_redirect
    shown = client.get(f"/my/purchases/{order_id}").text
    attachment = re.search(r"/my/disputes/attachments/(dat_[0-9a-f]+)", shown)
    assert attachment

    buy(client, database, merchant, "other@example.se", clock=clock)
    client.cookies.clear()
    log_in(client, database, "other@example.se")
    assert client.get(f"/my/purchases/{order_id}").status_code == 404
    assert client.get(f"/my/disputes/attachments/{attachment.group(1)}").status_code == 404
    token = csrf_of(client.get("/my/").text)
    answer = _post(client, order_id, [("attachments", ("b.png", PNG, "image/png"))], token=token)
    assert answer.status_code == 404
    assert _counts(database) == (1, 1)

    # Another merchant's user: 404 too; an operator may read it.
    add_operator(database, clock, "ops@lender.example")
    staff = TestClient(client.app)
    assert staff_log_in(staff, "backoffice", "ops@lender.example").status_code == 303
    assert "a.png" in staff.get("/backoffice/disputes?status=open").text
    fetched = staff.get(f"/backoffice/disputes/attachments/{attachment.group(1)}")
    assert fetched.status_code == 200 and fetched.content == PNG


def test_another_merchant_gets_404(
    client: TestClient,
    database: Database,
    merchant: dict[str, Any],
    make_merchant: Any,
    clock: FixedClock,
) -> None:
    order_id = buy(client, database, merchant, "lisa@example.se")
    client.cookies.clear()
    log_in(client, database, "lisa@example.se")
    assert _post(client, order_id, [("attachments", ("a.png", PNG, "image/png"))]).is_redirect
    shown = client.get(f"/my/purchases/{order_id}").text
    attachment = re.search(r"/my/disputes/attachments/(dat_[0-9a-f]+)", shown)
    assert attachment
    other = make_merchant(name="Other Shop")
    add_merchant_user(database, clock, other["id"], "owner@other.example")
    staff = TestClient(client.app)
    assert staff_log_in(staff, "merchant", "owner@other.example").status_code == 303
    assert "a.png" not in staff.get("/merchant/disputes").text
    assert staff.get(f"/merchant/disputes/attachments/{attachment.group(1)}").status_code == 404
