"""Idempotency and row locks under real concurrency: a uvicorn server and 50 clients (S10)."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import text

from paylater.app import create_app
from paylater.config import Settings
from paylater.db import Database
from paylater.kit.clock import FixedClock
from paylater.ledger.service import verify
from tests.api.flows import consumer, session_body


@pytest.fixture
def server(settings: Settings, database: Database, clock: FixedClock) -> Iterator[str]:
    """The app on a real uvicorn server in a background thread; yields its base URL."""
    app = create_app(settings, database, clock)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        loop="asyncio",
        lifespan="off",
        log_level="warning",
        access_log=False,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 15
    while True:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    yield base
    server.should_exit = True
    thread.join(timeout=15)
    sock.close()


def _order(base: str, headers: dict[str, str], amount: int, email: str) -> str:
    token = _token(base, headers, amount, email)
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        answer = http.post(f"/payments/v1/authorizations/{token}/order", json=session_body(amount))
        assert answer.status_code == 200, answer.text
        return str(answer.json()["order_id"])


def _token(base: str, headers: dict[str, str], amount: int, email: str) -> str:
    with httpx.Client(base_url=base, headers=headers, timeout=30) as http:
        session = http.post("/payments/v1/sessions", json=session_body(amount))
        assert session.status_code == 200, session.text
        answer = http.post(
            f"/sandbox/v1/sessions/{session.json()['session_id']}/authorize",
            json={"payment_method_category": "pay_later", "consumer": consumer(email)},
        )
        assert answer.status_code == 200 and answer.json()["approved"], answer.text
        return str(answer.json()["authorization_token"])


def _at_once(
    count: int, request: Callable[[httpx.Client], httpx.Response], base: str
) -> list[httpx.Response]:
    """``count`` clients, each with its own connection, released together by a barrier."""
    barrier = threading.Barrier(count)

    def one(_: int) -> httpx.Response:
        with httpx.Client(base_url=base, timeout=60) as http:
            barrier.wait()
            response = request(http)
            response.read()
            return response

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def _scalar(database: Database, sql: str, **params: Any) -> Any:
    return database.run(lambda c: c.execute(text(sql), params).scalar_one(), readonly=True)


def _comparable(response: httpx.Response) -> tuple[int, bytes, list[tuple[str, str]]]:
    headers = sorted((k, v) for k, v in response.headers.items() if k.lower() != "date")
    return response.status_code, response.content, headers


def test_fifty_identical_captures_with_one_key(
    server: str, make_merchant: Any, database: Database
) -> None:
    alpha, beta = make_merchant("Alpha AB"), make_merchant("Beta AB")
    order_id = _order(server, alpha["headers"], 10000, "alpha-buyer@example.com")
    path = f"/ordermanagement/v1/orders/{order_id}/captures"
    headers = {**alpha["headers"], "Idempotency-Key": "K"}

    answers = _at_once(
        50, lambda http: http.post(path, json={"captured_amount": 10000}, headers=headers), server
    )

    statuses = Counter(answer.status_code for answer in answers)
    assert set(statuses) <= {201, 409}, statuses
    assert statuses[201] >= 1
    created = [answer for answer in answers if answer.status_code == 201]
    first = _comparable(created[0])
    assert all(_comparable(answer) == first for answer in created)
    capture_id = created[0].headers["Capture-Id"]
    assert created[0].headers["Location"] == f"{path}/{capture_id}"
    for conflict in (a for a in answers if a.status_code == 409):
        assert conflict.json()["error_code"]
    assert _scalar(database, "SELECT COUNT(*) FROM captures") == 1
    assert (
        _scalar(database, "SELECT captured_amount FROM orders WHERE id = :o", o=order_id) == 10000
    )
    assert _scalar(database, "SELECT COUNT(*) FROM idempotency_keys") == 1

    with httpx.Client(base_url=server, timeout=30) as http:
        # After the storm, the key keeps answering the stored 201 byte for byte.
        replay = http.post(path, json={"captured_amount": 10000}, headers=headers)
        assert _comparable(replay) == first
        # The same key with another body is refused, and captures nothing.
        other = http.post(path, json={"captured_amount": 9000}, headers=headers)
        assert other.status_code == 422
        assert other.json()["error_code"] == "IDEMPOTENCY_KEY_REUSED"
        # Klarna's header name is the same key.
        klarna = http.post(
            path,
            json={"captured_amount": 10000},
            headers={**alpha["headers"], "Klarna-Idempotency-Key": "K"},
        )
        assert klarna.headers["Capture-Id"] == capture_id

        # Another merchant using K is unaffected: its own order, its own capture.
        beta_order = _order(server, beta["headers"], 10000, "beta-buyer@example.com")
        beta_path = f"/ordermanagement/v1/orders/{beta_order}/captures"
        beta_answer = http.post(
            beta_path,
            json={"captured_amount": 10000},
            headers={**beta["headers"], "Idempotency-Key": "K"},
        )
        assert beta_answer.status_code == 201, beta_answer.text
        assert beta_answer.headers["Capture-Id"] != capture_id
        assert beta_answer.headers["Location"].startswith(beta_path)
    assert _scalar(database, "SELECT COUNT(*) FROM captures") == 2
    assert database.run(verify).ok


def test_fifty_order_creations_with_one_key(
    server: str, merchant: dict[str, Any], database: Database
) -> None:
    token = _token(server, merchant["headers"], 10000, "orders@example.com")
    headers = {**merchant["headers"], "Idempotency-Key": "create-order-1"}
    answers = _at_once(
        50,
        lambda http: http.post(
            f"/payments/v1/authorizations/{token}/order", json=session_body(10000), headers=headers
        ),
        server,
    )
    statuses = Counter(answer.status_code for answer in answers)
    assert set(statuses) <= {200, 409}, statuses
    bodies = {answer.content for answer in answers if answer.status_code == 200}
    assert len(bodies) == 1
    assert _scalar(database, "SELECT COUNT(*) FROM orders") == 1
    order_id = _scalar(database, "SELECT id FROM orders")
    assert answers[0].json()["order_id"] == order_id or answers[0].status_code == 409


def test_fifty_order_creations_without_a_key(
    server: str, merchant: dict[str, Any], database: Database
) -> None:
    token = _token(server, merchant["headers"], 10000, "nokey@example.com")
    answers = _at_once(
        50,
        lambda http: http.post(
            f"/payments/v1/authorizations/{token}/order",
            json=session_body(10000),
            headers=merchant["headers"],
        ),
        server,
    )
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {200: 1, 403: 49}, statuses
    assert _scalar(database, "SELECT COUNT(*) FROM orders") == 1


def test_concurrent_captures_never_exceed_the_authorization(
    server: str, merchant: dict[str, Any], database: Database
) -> None:
    order_id = _order(server, merchant["headers"], 10000, "split@example.com")
    path = f"/ordermanagement/v1/orders/{order_id}/captures"
    answers = _at_once(
        20,
        lambda http: http.post(path, json={"captured_amount": 1000}, headers=merchant["headers"]),
        server,
    )
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 10, 403: 10}, statuses
    assert all(
        a.json()["error_code"] == "CAPTURE_NOT_ALLOWED" for a in answers if a.status_code == 403
    )
    assert len({a.headers["Capture-Id"] for a in answers if a.status_code == 201}) == 10
    assert (
        _scalar(database, "SELECT captured_amount FROM orders WHERE id = :o", o=order_id) == 10000
    )
    assert _scalar(database, "SELECT SUM(captured_amount) FROM captures") == 10000
    assert _scalar(database, "SELECT SUM(amount) FROM instalments") == 10000
    assert _scalar(database, "SELECT status FROM orders WHERE id = :o", o=order_id) == "CAPTURED"
    assert database.run(verify).ok


def test_concurrent_refunds_never_exceed_the_capture(
    server: str, merchant: dict[str, Any], database: Database
) -> None:
    order_id = _order(server, merchant["headers"], 10000, "refunds@example.com")
    with httpx.Client(base_url=server, headers=merchant["headers"], timeout=30) as http:
        assert (
            http.post(
                f"/ordermanagement/v1/orders/{order_id}/captures", json={"captured_amount": 10000}
            ).status_code
            == 201
        )
    path = f"/ordermanagement/v1/orders/{order_id}/refunds"
    answers = _at_once(
        20,
        lambda http: http.post(path, json={"refunded_amount": 1000}, headers=merchant["headers"]),
        server,
    )
    statuses = Counter(answer.status_code for answer in answers)
    assert statuses == {201: 10, 403: 10}, statuses
    assert (
        _scalar(database, "SELECT refunded_amount FROM orders WHERE id = :o", o=order_id) == 10000
    )
    assert _scalar(database, "SELECT SUM(refunded_amount) FROM refunds") == 10000
    assert _scalar(database, "SELECT SUM(amount) FROM instalments") == 0
    assert database.run(verify).ok


def test_one_new_consumer_authorizing_twenty_checkouts_at_once(
    server: str, merchant: dict[str, Any], database: Database
) -> None:
    """Each authorization looks the e-mail up and, finding no one, creates the consumer; on
    PostgreSQL all but one of those inserts meet the unique e-mail, and their transactions run
    again and find the consumer the first one committed."""
    headers = merchant["headers"]
    with httpx.Client(base_url=server, headers=headers, timeout=30) as http:
        session_ids = [
            http.post("/payments/v1/sessions", json=session_body(10000)).json()["session_id"]
            for _ in range(20)
        ]
    taken = iter(session_ids)
    lock = threading.Lock()

    def authorize(http: httpx.Client) -> httpx.Response:
        with lock:
            session_id = next(taken)
        return http.post(
            f"/sandbox/v1/sessions/{session_id}/authorize",
            json={"payment_method_category": "pay_later", "consumer": consumer("twin@example.com")},
            headers=headers,
        )

    answers = _at_once(20, authorize, server)
    assert Counter(answer.status_code for answer in answers) == {200: 20}
    assert any(answer.json()["approved"] for answer in answers)
    assert (
        _scalar(database, "SELECT COUNT(*) FROM consumers WHERE email = :e", e="twin@example.com")
        == 1
    )
    tokens = [
        answer.json()["authorization_token"] for answer in answers if answer.json()["approved"]
    ]
    assert _scalar(database, "SELECT COUNT(DISTINCT consumer_id) FROM authorizations") == 1
    assert _scalar(database, "SELECT COUNT(*) FROM authorizations") == len(tokens)
