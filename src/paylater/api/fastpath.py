"""A direct route for well-formed merchant API calls, in front of FastAPI's request pipeline.

FastAPI's routing, middleware stack and dependency solving cost about as much CPU per request as
the transaction a checkout call runs. Every merchant API endpoint has the same simple shape —
string path parameters, at most one JSON body model, the ``Request`` and the caller's
credentials — so a request that matches such an endpoint, carries a JSON body that validates and
raises nothing unexpected can be run by calling the endpoint directly.

Everything else goes down FastAPI's path unchanged: an unknown path, a missing or non-JSON body,
a body that fails validation (so that FastAPI phrases the error exactly as documented), or an
endpoint whose signature has anything more (query parameters, other dependencies). Domain errors
raised by the endpoint get the same answer the application's exception handler gives.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, get_type_hints

import orjson
from fastapi import APIRouter, Request
from fastapi.params import Depends
from fastapi.responses import Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paylater.api.http import Caller, api_caller, domain_error_response
from paylater.kit.errors import DomainError

MAX_BODY = 1 << 20  # larger bodies take FastAPI's path, which applies the application's limits
_JSON_TYPES = (b"application/json", b"application/json; charset=utf-8")

Endpoint = Callable[..., Awaitable[Response]]


@dataclass(frozen=True, slots=True)
class _Route:
    """One endpoint the direct route can call, with how to build its arguments."""

    pattern: re.Pattern[str]
    endpoint: Endpoint
    path_parameters: tuple[str, ...]
    body_parameter: str | None
    body_model: type[BaseModel] | None
    request_parameter: str | None
    caller_parameter: str | None


def _direct_route(route: APIRoute) -> _Route | None:
    """How to call ``route`` directly, or None when its signature needs FastAPI."""
    if route.dependencies or route.dependency_overrides_provider is not None:
        return None
    hints = get_type_hints(route.endpoint)
    if hints.get("return") is not Response:
        return None
    names = set(route.param_convertors)
    path_parameters: list[str] = []
    body: tuple[str, type[BaseModel]] | None = None
    request_parameter = caller_parameter = None
    for name, parameter in inspect.signature(route.endpoint).parameters.items():
        annotation = hints.get(name)
        if name in names and annotation is str and parameter.default is inspect.Parameter.empty:
            path_parameters.append(name)
        elif annotation is Request:
            request_parameter = name
        elif (
            annotation is Caller
            and isinstance(parameter.default, Depends)
            and parameter.default.dependency is api_caller
        ):
            caller_parameter = name
        elif (
            isinstance(annotation, type)
            and issubclass(annotation, BaseModel)
            and body is None
            and parameter.default is inspect.Parameter.empty
        ):
            body = (name, annotation)
        else:
            return None
    if set(path_parameters) != names:
        return None
    return _Route(
        pattern=route.path_regex,
        endpoint=route.endpoint,
        path_parameters=tuple(path_parameters),
        body_parameter=body[0] if body else None,
        body_model=body[1] if body else None,
        request_parameter=request_parameter,
        caller_parameter=caller_parameter,
    )


DirectRouteTable = dict[str, list[_Route]]


def direct_routes(routers: Sequence[APIRouter]) -> DirectRouteTable:
    """The endpoints of ``routers`` that can be called directly, by HTTP method, in route order."""
    table: dict[str, list[_Route]] = {}
    for router in routers:
        for route in router.routes:
            if not isinstance(route, APIRoute):
                continue
            direct = _direct_route(route)
            if direct is None:
                continue
            for method in route.methods or ():
                table.setdefault(method, []).append(direct)
    return table


def _content_type(scope: Scope) -> bytes | None:
    for name, value in scope["headers"]:
        if name == b"content-type":
            return bytes(value).lower()
    return None


class DirectRoutes:
    """ASGI middleware: calls well-formed merchant API requests' endpoints directly.

    It sits in front of the application's own middleware (see :class:`paylater.app.PaylaterAPI`);
    a path with NUL in it goes on to the application, which refuses it. An unexpected exception
    reaches the server, which answers 500 as the application's error middleware would.
    """

    def __init__(self, app: ASGIApp, routes: DirectRouteTable) -> None:
        self.app = app
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("root_path") or "\x00" in scope["path"]:
            await self.app(scope, receive, send)
            return
        candidates = self.routes.get(scope["method"], ())
        path = scope["path"]
        for route in candidates:
            found = route.pattern.match(path)
            if found is not None:
                break
        else:
            await self.app(scope, receive, send)
            return
        body = b""
        if route.body_model is not None or scope["method"] != "GET":
            body, complete = await _read_body(receive)
            if complete is None:  # the client went away
                return
            if not complete:
                await self.app(scope, _replay(body, receive, more=True), send)
                return
        arguments: dict[str, Any] = {name: found.group(name) for name in route.path_parameters}
        if route.body_model is not None:
            model = _validated(route.body_model, body, scope)
            if model is None:
                await self.app(scope, _replay(body, receive), send)
                return
            arguments[route.body_parameter or ""] = model
        request = Request(scope, _replay(body, receive))
        if route.request_parameter is not None:
            arguments[route.request_parameter] = request
        try:
            if route.caller_parameter is not None:
                arguments[route.caller_parameter] = await api_caller(request)
            response = await route.endpoint(**arguments)
        except DomainError as error:
            response = domain_error_response(error)
        await response(scope, receive, send)


def _validated(model: type[BaseModel], body: bytes, scope: Scope) -> BaseModel | None:
    """The body as ``model``, or None when FastAPI should answer (and phrase the error)."""
    if not body or _content_type(scope) not in _JSON_TYPES:
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict):
        return None
    try:
        return model.model_validate(data)
    except ValidationError:
        return None


async def _read_body(receive: Receive) -> tuple[bytes, bool | None]:
    """The request body, and whether it was read whole within :data:`MAX_BODY` (None: the client
    disconnected)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"", None
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY:
            return b"".join(chunks), False
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, receive: Receive, *, more: bool = False) -> Receive:
    """A ``receive`` that gives the ``body`` already read first, then whatever the client still
    sends (``more``: the body continues)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": more}
        return await receive()

    return replay
