"""FastAPI application factory: routers, error handlers, shared services."""

from __future__ import annotations

import gc
from html import escape
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from paylater import __version__
from paylater.api.fastpath import DirectRoutes, DirectRouteTable, direct_routes
from paylater.api.http import Services, domain_error_response, error_body, json_response
from paylater.backoffice.routes import router as backoffice_router
from paylater.bank.routes import router as bank_router
from paylater.checkout.routes import router as checkout_router
from paylater.checkout.service import PLAN_NAMES
from paylater.collections.routes import router as collections_router
from paylater.config import Settings
from paylater.db import Database
from paylater.disputes.routes import router as disputes_router
from paylater.kit.clock import Clock, SystemClock
from paylater.kit.errors import DomainError
from paylater.merchants.routes import router as merchants_router
from paylater.notifications.routes import router as webhooks_router
from paylater.orders.routes import router as orders_router
from paylater.payments.routes import router as payments_router
from paylater.plans.schedule import PlanType
from paylater.sandbox.routes import router as sandbox_router
from paylater.sandbox.service import shared_clock
from paylater.servicing.routes import router as servicing_router
from paylater.settlement.routes import router as settlement_router
from paylater.web.routes import router as web_router

DESCRIPTION = """
paylater's merchant API follows the shapes of Klarna's Payments v1 and Order Management v1:
amounts are integers in minor units, credentials are HTTP Basic (API username and secret), every
POST accepts `Idempotency-Key` (or `Klarna-Idempotency-Key`), and errors read
`{"error_code", "error_messages", "correlation_id"}`.
"""


class RefuseNulInPath:
    """No identifier contains NUL; refuse such paths before PostgreSQL meets them mid-transaction.

    A plain ASGI middleware: Starlette's decorator-style middleware costs a task group per request.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and "\x00" in scope["path"]:
            response = json_response(error_body("NOT_FOUND", ["no such resource"]), 404)
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class PaylaterAPI(FastAPI):
    """The FastAPI application, with the direct route for well-formed merchant API calls in front
    of its whole middleware stack (see :mod:`paylater.api.fastpath`)."""

    direct_routes: DirectRouteTable | None = None

    def build_middleware_stack(self) -> ASGIApp:
        return DirectRoutes(super().build_middleware_stack(), self.direct_routes or {})


def _validation_messages(error: RequestValidationError) -> list[str]:
    messages = []
    for item in error.errors():
        location = ".".join(str(part) for part in item.get("loc", ()) if part != "body")
        messages.append(f"{location}: {item.get('msg')}" if location else str(item.get("msg")))
    return messages or ["invalid request"]


def create_app(
    settings: Settings | None = None,
    database: Database | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or Settings()
    database = database or Database(settings.database_url, pool_size=settings.db_pool_size)
    if clock is None:
        clock = shared_clock(database) if settings.sandbox else SystemClock()
    app = PaylaterAPI(
        title="paylater merchant API",
        version=__version__,
        description=DESCRIPTION,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.services = Services(settings=settings, database=database, clock=clock)

    direct = [checkout_router, orders_router, *([sandbox_router] if settings.sandbox else [])]
    app.direct_routes = direct_routes(direct)
    app.add_middleware(RefuseNulInPath)

    @app.exception_handler(DomainError)
    async def _domain_error(_request: Request, error: DomainError) -> Response:
        return domain_error_response(error)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, error: RequestValidationError) -> Response:
        return json_response(error_body("BAD_VALUE", _validation_messages(error)), 400)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_request: Request, error: StarletteHTTPException) -> Response:
        code = {400: "BAD_VALUE", 404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(
            error.status_code, "BAD_REQUEST"
        )
        return json_response(error_body(code, [str(error.detail)]), error.status_code)

    # Starlette matches routes in order: the merchant API's hot paths come first, the pages
    # (many routes, nested routers) last.
    app.include_router(checkout_router)
    app.include_router(orders_router)
    if settings.sandbox:
        app.include_router(sandbox_router)
    app.include_router(merchants_router)
    app.include_router(webhooks_router)
    app.include_router(servicing_router)
    app.include_router(payments_router)
    app.include_router(collections_router)
    app.include_router(bank_router)
    app.include_router(settlement_router)
    app.include_router(disputes_router)
    app.include_router(web_router)
    app.include_router(backoffice_router)

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title, version=app.version, description=app.description, routes=app.routes
            )
            schema.setdefault("components", {})["securitySchemes"] = {
                "merchantCredentials": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "API username and secret",
                },
                "adminToken": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "PAYLATER_ADMIN_TOKEN",
                },
            }
            for path, operations in schema["paths"].items():
                scheme = "adminToken" if path.startswith("/admin/") else "merchantCredentials"
                for operation in operations.values():
                    operation["security"] = [{scheme: []}]
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    @app.get("/", include_in_schema=False)
    async def _root() -> Response:
        return RedirectResponse("/docs")

    @app.get("/health", include_in_schema=False)
    async def _health() -> Response:
        return json_response({"status": "ok", "sandbox": settings.sandbox})

    @app.get("/assets/badges/{plan}.svg", include_in_schema=False)
    async def _badge(plan: str) -> Response:
        try:
            label = PLAN_NAMES[PlanType(plan)]
        except ValueError:
            return json_response(error_body("NOT_FOUND", [f"no plan {plan}"]), 404)
        width = 16 + 7 * len(label)
        svg = (
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="28" role="img" '
            f'aria-label="{escape(label)}"><rect rx="6" width="{width}" height="28" '
            f'fill="#1f3a5f"/><text x="8" y="19" font-family="sans-serif" font-size="13" '
            f'fill="#fff">{escape(label)}</text></svg>'
        )
        return Response(
            svg, media_type="image/svg+xml", headers={"Cache-Control": "public, max-age=86400"}
        )

    return app


def tune_garbage_collector() -> None:
    """Keep collector pauses out of request latency.

    Requests allocate many short-lived objects: collect the young generation less often, and never
    scan the long-lived objects created at start-up again.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 100)


def serving_app() -> FastAPI:
    """Application factory for `paylater serve --workers N` (one per process)."""
    app = create_app()
    tune_garbage_collector()
    return app
