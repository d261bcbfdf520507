"""Webhooks end to end: a real receiver on 127.0.0.1 that fails, hangs and resets."""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import orjson
import pytest
from fastapi.testclient import TestClient

from paylater.app import create_app
from paylater.config import Settings
from paylater.db import Database
from paylater.jobs import Worker
from paylater.kit.clock import FixedClock
from paylater.notifications import webhooks
from paylater.notifications.signing import verify
from tests.api.flows import capture, place_order, refund

HOOKS = "/merchant/v1/webhooks"


class Receiver:
    """An HTTP endpoint whose answers follow a script: ok, fail (500), hang or reset."""

    def __init__(self) -> None:
        self.script: list[str] = []
        self.seen: list[tuple[dict[str, str], bytes, str]] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with receiver.lock:
                    mode = receiver.script.pop(0) if receiver.script else "ok"
                    receiver.seen.append((dict(self.headers), body, mode))
                if mode == "hang":
                    time.sleep(3)
                    return
                if mode == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.connection.close()
                    return
                self.send_response(500 if mode == "fail" else 200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/paylater"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def loopback_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"webhooks_allow_loopback": True})


@pytest.fixture
def hooks_client(
    loopback_settings: Settings, database: Database, clock: FixedClock
) -> Iterator[TestClient]:
    with TestClient(create_app(loopback_settings, database, clock)) as client:
        yield client


@pytest.fixture
def worker(database: Database, clock: FixedClock, loopback_settings: Settings) -> Worker:
    return Worker(database, clock=clock, settings=loopback_settings, worker_id="hooks")


def _register(client: TestClient, headers: dict[str, str], url: str) -> dict[str, Any]:
    answer = client.post(
        HOOKS,
        json={"url": url, "event_types": ["order.captured", "order.refunded"]},
        headers=headers,
    )
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def test_every_event_arrives_signed_despite_failures_hangs_and_resets(
    hooks_client: TestClient,
    merchant: dict[str, Any],
    receiver: Receiver,
    worker: Worker,
    clock: FixedClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(webhooks, "TIMEOUT_SECONDS", 1.0)
    headers = merchant["headers"]
    endpoint = _register(hooks_client, headers, receiver.url)
    order_id = place_order(hooks_client, headers, 100_000)
    assert capture(hooks_client, headers, order_id, 100_000).status_code == 201
    receiver.script = ["fail", "hang", "reset", "ok"]

    worker.drain()
    for wait in (31, 61, 121):
        clock.advance(timedelta(seconds=wait))
        worker.drain()
    clock.advance(timedelta(hours=12))
    worker.drain()  # delivered already: nothing is sent again

    assert [mode for _, _, mode in receiver.seen] == ["fail", "hang", "reset", "ok"]
    event_ids = {sent_headers["Paylater-Event-Id"] for sent_headers, _, _ in receiver.seen}
    assert len(event_ids) == 1
    assert len({body for _, body, _ in receiver.seen}) == 1
    sent_headers, body, _ = receiver.seen[-1]
    event = orjson.loads(body)
    assert event["id"] in event_ids
    assert event["type"] == "order.captured"
    assert event["data"]["order_id"] == order_id
    assert event["data"]["captured_amount"] == 100_000
    timestamp = int(sent_headers["Paylater-Signature"].split(",")[0][2:])
    assert verify(sent_headers["Paylater-Signature"], body, [endpoint["secret"]], now=timestamp)
    assert not verify(sent_headers["Paylater-Signature"], body, ["whsec_other"], now=timestamp)

    log = hooks_client.get(f"{HOOKS}/{endpoint['id']}/deliveries", headers=headers).json()
    assert [entry["delivered"] for entry in log] == [True, False, False, False]
    assert [entry["attempt"] for entry in log] == [4, 3, 2, 1]
    assert log[-1]["status_code"] == 500
    assert log[0]["status_code"] == 200


def test_rotation_signs_with_old_and_new_secrets(
    hooks_client: TestClient,
    merchant: dict[str, Any],
    receiver: Receiver,
    worker: Worker,
    clock: FixedClock,
) -> None:
    headers = merchant["headers"]
    endpoint = _register(hooks_client, headers, receiver.url)
    rotated = hooks_client.post(f"{HOOKS}/{endpoint['id']}/rotate-secret", headers=headers)
    assert rotated.status_code == 200
    new_secret = rotated.json()["secret"]
    order_id = place_order(hooks_client, headers, 100_000)
    assert capture(hooks_client, headers, order_id, 100_000).status_code == 201
    worker.drain()
    sent_headers, body, _ = receiver.seen[-1]
    now = int(clock.now().timestamp())
    signature = sent_headers["Paylater-Signature"]
    assert signature.count("v1=") == 2
    assert verify(signature, body, [endpoint["secret"]], now=now)
    assert verify(signature, body, [new_secret], now=now)

    clock.advance(timedelta(hours=25))  # the old secret's grace period is over
    assert refund(hooks_client, headers, order_id, 10_000).status_code == 201
    worker.drain()
    sent_headers, body, _ = receiver.seen[-1]
    assert orjson.loads(body)["type"] == "order.refunded"
    now = int(clock.now().timestamp())
    assert sent_headers["Paylater-Signature"].count("v1=") == 1
    assert verify(sent_headers["Paylater-Signature"], body, [new_secret], now=now)
    assert not verify(sent_headers["Paylater-Signature"], body, [endpoint["secret"]], now=now)


def test_no_event_without_a_committed_change_and_none_for_other_types(
    hooks_client: TestClient,
    merchant: dict[str, Any],
    receiver: Receiver,
    worker: Worker,
) -> None:
    headers = merchant["headers"]
    _register(hooks_client, headers, receiver.url)
    order_id = place_order(hooks_client, headers, 100_000)
    refused = capture(hooks_client, headers, order_id, 200_000)  # more than authorized
    assert refused.status_code == 403
    assert (
        hooks_client.post(
            f"/ordermanagement/v1/orders/{order_id}/cancel", headers=headers
        ).status_code
        == 204
    )  # order.cancelled: not subscribed
    worker.drain()
    assert receiver.seen == []


def test_destinations_are_checked_at_registration(
    client: TestClient, hooks_client: TestClient, merchant: dict[str, Any], receiver: Receiver
) -> None:
    headers = merchant["headers"]
    for url in ("https://10.0.0.7/hook", "https://169.254.169.254/latest", "https://[fd00::1]/x"):
        answer = hooks_client.post(
            HOOKS, json={"url": url, "event_types": ["order.captured"]}, headers=headers
        )
        assert answer.status_code == 400, url
        assert answer.json()["error_code"] == "BAD_VALUE"
    # Loopback is refused unless the deployment allows it (local development, tests).
    answer = client.post(
        HOOKS, json={"url": receiver.url, "event_types": ["order.captured"]}, headers=headers
    )
    assert answer.status_code == 400
    answer = hooks_client.post(
        HOOKS, json={"url": receiver.url, "event_types": ["order.shipped"]}, headers=headers
    )
    assert answer.status_code == 400


def test_endpoints_belong_to_their_merchant(
    hooks_client: TestClient, merchant: dict[str, Any], make_merchant: Any, receiver: Receiver
) -> None:
    endpoint = _register(hooks_client, merchant["headers"], receiver.url)
    other = make_merchant(name="Other AB")
    assert hooks_client.get(HOOKS, headers=other["headers"]).json() == []
    for method, path in (
        ("get", f"{HOOKS}/{endpoint['id']}/deliveries"),
        ("post", f"{HOOKS}/{endpoint['id']}/rotate-secret"),
        ("delete", f"{HOOKS}/{endpoint['id']}"),
    ):
        assert getattr(hooks_client, method)(path, headers=other["headers"]).status_code == 404
    assert (
        hooks_client.delete(f"{HOOKS}/{endpoint['id']}", headers=merchant["headers"]).status_code
        == 204
    )
    assert hooks_client.get(HOOKS, headers=merchant["headers"]).json() == []


def test_delivery_connects_to_the_checked_address_even_if_dns_changes(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    import httpx

    from paylater.notifications.ssrf import check_url, pinned_transport

    port = receiver.server.server_address[1]
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1"] + ["10.255.255.1"] * 10)  # checked once, then rebound

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.example":
            return real(next(answers), *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    url = f"http://hooks.example:{port}/hooks/paylater"
    addresses = check_url(url, allow_loopback=True)
    assert addresses == ["127.0.0.1"]
    with httpx.Client(transport=pinned_transport(addresses), timeout=5) as client:
        assert client.post(url, content=b"{}").status_code == 200
    headers, _body, _mode = receiver.seen[-1]
    assert headers["Host"] == f"hooks.example:{port}"
    # The private address the name now points to is refused at the next check.
    with pytest.raises(Exception, match="not a public address"):
        check_url(url, allow_loopback=True)
