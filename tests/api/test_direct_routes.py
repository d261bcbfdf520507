"""Well-formed merchant API calls take the direct route; everything else gets FastAPI's answers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import ASGIApp, Receive, Scope, Send

from paylater.api.fastpath import DirectRoutes, direct_routes
from paylater.checkout.routes import router as checkout_router
from paylater.orders.routes import router as orders_router
from paylater.sandbox.routes import router as sandbox_router
from tests.api.flows import assert_error, capture, place_order, read_order, refund, session_body


class _CountingFallback:
    """Wraps the application's pipeline behind the direct route and counts the calls it gets."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.paths: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            self.paths.append(scope["path"])
        await self.app(scope, receive, send)


@pytest.fixture
def fallback(client: TestClient) -> Iterator[_CountingFallback]:
    client.get("/health")  # builds the middleware stack
    app = client.app
    assert isinstance(app, FastAPI)
    layer: Any = app.middleware_stack
    while not isinstance(layer, DirectRoutes):
        layer = layer.app
    counting = _CountingFallback(layer.app)
    layer.app = counting
    yield counting
    layer.app = counting.app


def test_the_checkout_flow_runs_without_fastapis_pipeline(
    client: TestClient, merchant: dict[str, Any], fallback: _CountingFallback
) -> None:
    headers = merchant["headers"]
    order_id = place_order(client, headers, 60_000)
    assert capture(client, headers, order_id, 60_000).status_code == 201
    assert refund(client, headers, order_id, 10_000).status_code == 201
    order = read_order(client, headers, order_id)
    assert (order["captured_amount"], order["refunded_amount"]) == (60_000, 10_000)
    assert fallback.paths == []


def test_a_body_that_fails_validation_gets_fastapis_error(
    client: TestClient, merchant: dict[str, Any], fallback: _CountingFallback
) -> None:
    body = {**session_body(10_000), "order_amount": "10000"}
    answer = client.post("/payments/v1/sessions", json=body, headers=merchant["headers"])
    error = assert_error(answer, 400, "BAD_VALUE")
    assert any("order_amount" in message for message in error["error_messages"])
    assert fallback.paths == ["/payments/v1/sessions"]


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"", "application/json"),
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b'{"order_amount": 1}', "text/plain"),
    ],
)
def test_bodies_fastapi_must_judge_are_passed_on_whole(
    client: TestClient,
    merchant: dict[str, Any],
    fallback: _CountingFallback,
    content: bytes,
    content_type: str,
) -> None:
    answer = client.post(
        "/payments/v1/sessions",
        content=content,
        headers={**merchant["headers"], "Content-Type": content_type},
    )
    assert answer.status_code in (400, 415, 422)
    assert_error(answer, answer.status_code)
    assert fallback.paths == ["/payments/v1/sessions"]


def test_wrong_credentials_are_refused_on_the_direct_route(
    client: TestClient, fallback: _CountingFallback
) -> None:
    answer = client.post("/payments/v1/sessions", json=session_body(10_000))
    assert_error(answer, 401)
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="paylater"'
    assert fallback.paths == []


def test_other_merchants_orders_stay_not_found(
    client: TestClient, merchant: dict[str, Any], make_merchant: Any
) -> None:
    order_id = place_order(client, merchant["headers"], 60_000)
    other = make_merchant(name="Other Shop AB")
    assert_error(capture(client, other["headers"], order_id, 60_000), 404)


def test_only_endpoints_of_the_simple_shape_are_routed_directly() -> None:
    table = direct_routes([checkout_router, orders_router, sandbox_router])
    patterns = {route.pattern.pattern for routes in table.values() for route in routes}
    for path in (
        "/payments/v1/sessions",
        "/sandbox/v1/sessions/s/authorize",
        "/payments/v1/authorizations/t/order",
        "/ordermanagement/v1/orders/o/captures",
        "/ordermanagement/v1/orders/o/refunds",
    ):
        assert any(route.pattern.match(path) for route in table["POST"]), path
    assert all(pattern.startswith("^/") and pattern.endswith("$") for pattern in patterns)
