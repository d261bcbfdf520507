"""/openapi.json documents every route the app serves, with its real success status."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from paylater.app import create_app
from paylater.config import Settings
from paylater.db import Database
from paylater.kit.clock import FixedClock

try:  # FastAPI ≥ 0.120 keeps included routers lazily in app.routes
    from fastapi.routing import iter_route_contexts
except ImportError:  # pragma: no cover - older FastAPI lists the routes themselves

    def iter_route_contexts(routes: Any) -> Any:  # type: ignore[misc]
        return iter(routes)


UNDOCUMENTED = {
    "/openapi.json",
    "/docs",
    "/docs/oauth2-redirect",
    "/",
    "/health",
    "/assets/badges/{plan}.svg",
}
ORDER = "/ordermanagement/v1/orders/{order_id}"
TOKEN = "/payments/v1/authorizations/{authorization_token}"
# The success statuses existing Klarna clients check (PRODUCT.md §2), and ours.
EXPECTED = {
    ("POST", "/payments/v1/sessions"): 200,
    ("GET", "/payments/v1/sessions/{session_id}"): 200,
    ("POST", "/payments/v1/sessions/{session_id}"): 204,
    ("POST", f"{TOKEN}/order"): 200,
    ("DELETE", TOKEN): 204,
    ("POST", f"{TOKEN}/customer-token"): 200,
    ("GET", "/customer-token/v1/tokens/{token_id}"): 200,
    ("PATCH", "/customer-token/v1/tokens/{token_id}/status"): 202,
    ("POST", "/customer-token/v1/tokens/{token_id}/order"): 200,
    ("GET", ORDER): 200,
    ("POST", f"{ORDER}/captures"): 201,
    ("GET", f"{ORDER}/captures"): 200,
    ("GET", f"{ORDER}/captures/{{capture_id}}"): 200,
    ("POST", f"{ORDER}/captures/{{capture_id}}/shipping-info"): 204,
    ("POST", f"{ORDER}/refunds"): 201,
    ("GET", f"{ORDER}/refunds/{{refund_id}}"): 200,
    ("POST", f"{ORDER}/cancel"): 204,
    ("POST", f"{ORDER}/release-remaining-authorization"): 204,
    ("POST", f"{ORDER}/extend-authorization-time"): 204,
    ("PATCH", f"{ORDER}/authorization"): 204,
    ("PATCH", f"{ORDER}/merchant-references"): 204,
    ("GET", "/merchant/v1/credentials"): 200,
    ("POST", "/merchant/v1/credentials"): 201,
    ("DELETE", "/merchant/v1/credentials/{username}"): 204,
    ("GET", "/merchant/v1/webhooks"): 200,
    ("POST", "/merchant/v1/webhooks"): 201,
    ("DELETE", "/merchant/v1/webhooks/{endpoint_id}"): 204,
    ("POST", "/merchant/v1/webhooks/{endpoint_id}/rotate-secret"): 200,
    ("GET", "/merchant/v1/webhooks/{endpoint_id}/deliveries"): 200,
    ("POST", "/admin/v1/merchants"): 201,
    ("GET", "/admin/v1/orders/{order_id}/servicing"): 200,
    ("POST", "/admin/v1/orders/{order_id}/pauses"): 201,
    ("POST", "/admin/v1/pauses/{pause_id}/end"): 200,
    ("POST", "/admin/v1/pauses/{pause_id}/extend"): 200,
    ("GET", "/admin/v1/collections/ageing"): 200,
    ("GET", "/admin/v1/collections/cases"): 200,
    ("GET", "/admin/v1/collections/export.csv"): 200,
    ("POST", "/admin/v1/collections/cases/{case_id}/write-off"): 200,
    ("GET", "/settlements/v1/payouts"): 200,
    ("GET", "/settlements/v1/payouts/{payment_reference}"): 200,
    ("GET", "/settlements/v1/transactions"): 200,
    ("GET", "/settlements/v1/reports/payout-with-transactions"): 200,
    ("GET", "/admin/v1/merchants/{merchant_id}/settlement"): 200,
    ("PUT", "/admin/v1/merchants/{merchant_id}/settlement"): 200,
    ("GET", "/disputes/v1/disputes"): 200,
    ("GET", "/disputes/v1/disputes/{dispute_id}"): 200,
    ("POST", "/disputes/v1/disputes/{dispute_id}/respond"): 200,
    ("POST", "/disputes/v1/disputes/{dispute_id}/accept"): 200,
    ("GET", "/admin/v1/disputes"): 200,
    ("POST", "/admin/v1/disputes/{dispute_id}/decide"): 200,
    ("POST", "/admin/v1/bank/statements"): 201,
    ("GET", "/admin/v1/bank/unmatched"): 200,
    ("POST", "/admin/v1/bank/entries/{entry_id}/apply"): 200,
    ("POST", "/admin/v1/bank/entries/{entry_id}/return"): 200,
    ("POST", "/sandbox/v1/sessions/{session_id}/authorize"): 200,
    ("GET", "/sandbox/v1/clock"): 200,
    ("POST", "/sandbox/v1/clock/advance"): 200,
}


def _served(app: FastAPI) -> dict[tuple[str, str], int]:
    """(method, path) → declared success status, for every route the app routes to."""
    served: dict[tuple[str, str], int] = {}
    for route in iter_route_contexts(app.routes):
        path = route.path
        if path is None or path in UNDOCUMENTED:
            continue
        if not getattr(route, "include_in_schema", True):  # pages, not API (paylater.web)
            continue
        for method in route.methods or ():
            if method != "HEAD":
                served[(method, path)] = getattr(route, "status_code", None) or 200
    return served


def test_openapi_lists_every_route_with_its_success_status(client: TestClient) -> None:
    answer = client.get("/openapi.json")
    assert answer.status_code == 200
    spec = answer.json()
    documented = {
        (method.upper(), path): operation
        for path, operations in spec["paths"].items()
        for method, operation in operations.items()
    }
    served = _served(client.app)  # type: ignore[arg-type]
    assert served == EXPECTED
    assert set(documented) == set(served)
    for key, status in served.items():
        responses = documented[key]["responses"]
        successes = sorted(code for code in responses if code.startswith("2"))
        assert successes == [str(status)], (key, successes)


def test_documented_errors(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    schemes = spec["components"]["securitySchemes"]
    assert schemes["merchantCredentials"] == {
        "type": "http",
        "scheme": "basic",
        "description": "API username and secret",
    }
    assert schemes["adminToken"]["scheme"] == "bearer"
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            responses = operation["responses"]
            if path.startswith("/admin/"):
                assert operation["security"] == [{"adminToken": []}]
                assert "401" in responses
                continue
            assert operation["security"] == [{"merchantCredentials": []}], (method, path)
            # Every merchant route needs credentials; every error is the Klarna shape.
            assert "401" in responses, (method, path)
            assert "404" in responses, (method, path)
            if "requestBody" in operation:
                assert "400" in responses, (method, path)
                # Invalid bodies are 400 BAD_VALUE: no route may advertise FastAPI's 422.
                assert "HTTPValidationError" not in str(responses.get("422", "")), (method, path)


def test_sandbox_routes_only_in_sandbox_mode(
    database: Database, clock: FixedClock, settings: Settings
) -> None:
    production = settings.model_copy(update={"sandbox": False})
    app = create_app(production, database, clock)
    served = _served(app)
    assert not [key for key in served if key[1].startswith("/sandbox/")]
    assert set(served) == {key for key in EXPECTED if not key[1].startswith("/sandbox/")}
    with TestClient(app) as client:
        paths = client.get("/openapi.json").json()["paths"]
        assert not [path for path in paths if path.startswith("/sandbox/")]
        assert client.get("/health").json() == {"status": "ok", "sandbox": False}
