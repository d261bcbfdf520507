"""Webhooks to merchants: endpoints per event type, signed deliveries, retried for three days.

An event is written in the same transaction as the state change it reports, together with one
delivery job per subscribed endpoint (the outbox): if the change rolls back, nobody hears of it;
if it commits, every endpoint is told at least once, with the same event id on every attempt so
receivers can drop duplicates. Each attempt is logged for the merchant, success or not.
"""

from __future__ import annotations

import secrets as random_secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
from sqlalchemy import Connection, bindparam, select

from paylater.fastsql import execute, execute_soon
from paylater.jobs.queue import enqueue
from paylater.jobs.registry import JobContext, exponential_backoff, register_external
from paylater.kit.errors import BadValue, NotFound
from paylater.kit.ids import new_id, new_ordered_uuid
from paylater.notifications.signing import HEADER, header_value
from paylater.notifications.ssrf import check_url, pinned_transport
from paylater.notifications.webhook_models import (
    webhook_deliveries,
    webhook_endpoints,
    webhook_events,
)

EVENT_TYPES = (
    "order.captured",
    "order.refunded",
    "order.cancelled",
    "order.authorization_expired",
    "dispute.opened",
    "dispute.updated",
    "payout.sent",
)
DELIVER = "webhook.deliver"
ROTATION_GRACE = timedelta(hours=24)
RETRY_WINDOW = timedelta(days=3)
TIMEOUT_SECONDS = 10.0


_INSERT_EVENT = webhook_events.insert()
_SUBSCRIBERS = (
    select(webhook_endpoints.c.id, webhook_endpoints.c.event_types)
    .where(webhook_endpoints.c.merchant_id == bindparam("merchant_id"))
    .where(webhook_endpoints.c.disabled_at.is_(None))
)


class DeliveryFailed(Exception):
    """The receiver did not answer 2xx; the job system retries with backoff."""


def _check_types(event_types: list[str]) -> list[str]:
    unknown = sorted(set(event_types) - set(EVENT_TYPES))
    if not event_types or unknown:
        raise BadValue(
            f"event_types must be a non-empty subset of {list(EVENT_TYPES)}"
            + (f"; unknown: {unknown}" if unknown else "")
        )
    return sorted(set(event_types))


def new_secret() -> str:
    return "whsec_" + random_secrets.token_urlsafe(32)


def register_endpoint(
    connection: Connection,
    merchant_id: str,
    *,
    url: str,
    event_types: list[str],
    at: datetime,
    allow_loopback: bool,
) -> tuple[dict[str, Any], str]:
    """Add an endpoint; returns it and its signing secret (shown to the merchant once)."""
    check_url(url, allow_loopback=allow_loopback)
    secret = new_secret()
    endpoint = {
        "id": new_id("whe"),
        "merchant_id": merchant_id,
        "url": url,
        "event_types": _check_types(event_types),
        "secrets": [{"secret": secret, "expires_at": None}],
        "created_at": at,
        "disabled_at": None,
    }
    connection.execute(webhook_endpoints.insert().values(**endpoint))
    return endpoint, secret


def _load(connection: Connection, merchant_id: str, endpoint_id: str) -> dict[str, Any]:
    row = connection.execute(
        select(webhook_endpoints)
        .where(webhook_endpoints.c.id == endpoint_id)
        .where(webhook_endpoints.c.merchant_id == merchant_id)
        .where(webhook_endpoints.c.disabled_at.is_(None))
    ).first()
    if row is None:
        raise NotFound(f"no webhook endpoint {endpoint_id}")
    return dict(row._mapping)


def list_endpoints(connection: Connection, merchant_id: str) -> list[dict[str, Any]]:
    rows = connection.execute(
        select(
            webhook_endpoints.c.id,
            webhook_endpoints.c.url,
            webhook_endpoints.c.event_types,
            webhook_endpoints.c.created_at,
        )
        .where(webhook_endpoints.c.merchant_id == merchant_id)
        .where(webhook_endpoints.c.disabled_at.is_(None))
        .order_by(webhook_endpoints.c.created_at)
    ).all()
    return [dict(row._mapping) for row in rows]


def disable_endpoint(
    connection: Connection, merchant_id: str, endpoint_id: str, *, at: datetime
) -> None:
    _load(connection, merchant_id, endpoint_id)
    connection.execute(
        webhook_endpoints.update()
        .where(webhook_endpoints.c.id == endpoint_id)
        .values(disabled_at=at)
    )


def rotate_secret(
    connection: Connection, merchant_id: str, endpoint_id: str, *, at: datetime
) -> str:
    """A new signing secret; the previous ones keep signing for 24 hours."""
    endpoint = _load(connection, merchant_id, endpoint_id)
    grace_end = (at + ROTATION_GRACE).isoformat()
    kept = [
        {"secret": item["secret"], "expires_at": item["expires_at"] or grace_end}
        for item in endpoint["secrets"]
        if item["expires_at"] is None or datetime.fromisoformat(item["expires_at"]) > at
    ]
    secret = new_secret()
    connection.execute(
        webhook_endpoints.update()
        .where(webhook_endpoints.c.id == endpoint_id)
        .values(secrets=[{"secret": secret, "expires_at": None}, *kept])
    )
    return secret


def active_secrets(endpoint: dict[str, Any], now: datetime) -> list[str]:
    return [
        item["secret"]
        for item in endpoint["secrets"]
        if item["expires_at"] is None or datetime.fromisoformat(item["expires_at"]) > now
    ]


def subscribers_soon(connection: Connection, merchant_id: str) -> Callable[[], Any]:
    """The merchant's active endpoints, read with the transaction's next batch on PostgreSQL:
    for an :func:`emit` whose caller has reads of its own to make first."""
    return execute_soon(connection, _SUBSCRIBERS, {"merchant_id": merchant_id})


def emit(
    connection: Connection,
    merchant_id: str,
    event_type: str,
    data: dict[str, Any],
    *,
    at: datetime,
    subscribers: Callable[[], Any] | None = None,
) -> str:
    """Record an event and queue its delivery to every subscribed endpoint (same transaction).

    ``subscribers``: the endpoints' read started earlier (:func:`subscribers_soon`)."""
    if event_type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {event_type}")
    event_id = new_ordered_uuid()
    execute(
        connection,
        _INSERT_EVENT,
        {
            "id": event_id,
            "merchant_id": merchant_id,
            "type": event_type,
            "data": data,
            "created_at": at,
        },
    )
    if subscribers is None:
        subscribers = subscribers_soon(connection, merchant_id)
    endpoints = subscribers().all()
    for endpoint in endpoints:
        if event_type in endpoint.event_types:
            enqueue(
                connection,
                DELIVER,
                {"event_id": event_id, "endpoint_id": endpoint.id},
                run_at=at,
                dedupe_key=f"{event_id}:{endpoint.id}",
                max_attempts=MAX_ATTEMPTS,
            )
    return event_id


def event_body(event: dict[str, Any]) -> bytes:
    created = event["created_at"].isoformat().replace("+00:00", "Z")
    return orjson.dumps(
        {"id": event["id"], "type": event["type"], "created_at": created, "data": event["data"]}
    )


def retry_backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, … doubling up to 6 h between attempts."""
    return exponential_backoff(attempts, base=timedelta(seconds=30), cap=timedelta(hours=6))


def attempts_within(window: timedelta) -> int:
    """How many attempts the backoff makes before ``window`` has passed since the first."""
    attempts, elapsed = 1, timedelta(0)
    while elapsed + retry_backoff(attempts) <= window:
        elapsed += retry_backoff(attempts)
        attempts += 1
    return attempts


MAX_ATTEMPTS = attempts_within(RETRY_WINDOW)


@dataclass(frozen=True)
class _Delivery:
    event_id: str
    endpoint_id: str
    url: str
    secrets: list[str]
    body: bytes


class WebhookDelivery:
    """The job that sends one event to one endpoint (see paylater.jobs.ExternalHandler)."""

    def load(
        self, connection: Connection, payload: dict[str, Any], context: JobContext
    ) -> _Delivery | None:
        endpoint = connection.execute(
            select(webhook_endpoints).where(webhook_endpoints.c.id == payload["endpoint_id"])
        ).first()
        event = connection.execute(
            select(webhook_events).where(webhook_events.c.id == payload["event_id"])
        ).first()
        if endpoint is None or event is None or endpoint.disabled_at is not None:
            return None  # the endpoint was removed since: nothing to deliver
        return _Delivery(
            event_id=event.id,
            endpoint_id=endpoint.id,
            url=endpoint.url,
            secrets=active_secrets(dict(endpoint._mapping), context.now),
            body=event_body(dict(event._mapping)),
        )

    def perform(self, delivery: _Delivery, context: JobContext) -> None:
        """POST the event; every attempt is logged, and anything but 2xx is retried."""
        status_code: int | None = None
        error: str | None = None
        started = time.perf_counter()
        try:
            # Checked again at delivery (DNS may point elsewhere than at registration), and the
            # connection goes to the addresses just checked, never to a fresh DNS answer.
            addresses = check_url(
                delivery.url, allow_loopback=context.settings.webhooks_allow_loopback
            )
            headers = {
                "Content-Type": "application/json",
                "User-Agent": "paylater-webhooks/1",
                "Paylater-Event-Id": delivery.event_id,
                HEADER: header_value(delivery.secrets, int(context.now.timestamp()), delivery.body),
            }
            with httpx.Client(
                follow_redirects=False,
                timeout=TIMEOUT_SECONDS,
                transport=pinned_transport(addresses),
            ) as client:
                status_code = client.post(
                    delivery.url, content=delivery.body, headers=headers
                ).status_code
            if not 200 <= status_code < 300:
                error = f"answered {status_code}"
        except (httpx.HTTPError, BadValue) as failure:
            error = f"{type(failure).__name__}: {failure}"
        elapsed_ms = int((time.perf_counter() - started) * 1000)
        # Logged in its own transaction so that a failed attempt shows in the merchant's log too.
        context.database.run(
            lambda c: c.execute(
                webhook_deliveries.insert().values(
                    event_id=delivery.event_id,
                    endpoint_id=delivery.endpoint_id,
                    attempt=context.attempt,
                    status_code=status_code,
                    error=error,
                    duration_ms=elapsed_ms,
                    delivered=1 if error is None else 0,
                    at=context.now,
                )
            )
        )
        if error is not None:
            raise DeliveryFailed(error)

    def record(self, connection: Connection, delivery: _Delivery, context: JobContext) -> None:
        """Nothing more to write: the attempt was logged by ``perform``."""


register_external(DELIVER, WebhookDelivery(), backoff=retry_backoff)


def deliveries(
    connection: Connection, merchant_id: str, endpoint_id: str, limit: int = 100
) -> list[dict[str, Any]]:
    _load(connection, merchant_id, endpoint_id)
    rows = connection.execute(
        select(webhook_deliveries)
        .where(webhook_deliveries.c.endpoint_id == endpoint_id)
        .order_by(webhook_deliveries.c.at.desc(), webhook_deliveries.c.id.desc())
        .limit(limit)
    ).all()
    return [dict(row._mapping) for row in rows]
