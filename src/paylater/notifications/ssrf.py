"""Where webhooks may go: public addresses only, checked at registration and at delivery.

A merchant's endpoint URL is resolved and every address it resolves to must be a public unicast
address: no loopback, private (RFC 1918, unique-local), link-local (cloud metadata lives at
169.254.169.254), multicast, reserved or unspecified ones. Local development and the test suite
can allow loopback explicitly (``PAYLATER_WEBHOOKS_ALLOW_LOOPBACK``); nothing else is ever allowed.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any
from urllib.parse import urlsplit

import httpcore
import httpx

from paylater.kit.errors import BadValue


class UnsafeDestination(BadValue):
    """The URL is malformed or points somewhere webhooks must never go."""


def _is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return not (
        address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
    )


def check_url(url: str, *, allow_loopback: bool = False) -> list[str]:
    """Validate a webhook URL; returns the addresses it resolves to, or raises."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeDestination("webhook url must be an absolute http(s) URL")
    if parts.username or parts.password:
        raise UnsafeDestination("webhook url must not carry credentials")
    if parts.scheme == "http" and not allow_loopback:
        raise UnsafeDestination("webhook url must use https")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
        infos = socket.getaddrinfo(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, ValueError) as error:
        raise UnsafeDestination(f"webhook host {parts.hostname} does not resolve") from error
    addresses = sorted({str(info[4][0]) for info in infos})
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if allow_loopback and address.is_loopback:
            continue
        if not _is_public(address):
            raise UnsafeDestination(
                f"webhook host {parts.hostname} resolves to {text}, which is not a public address"
            )
    return addresses


class _PinnedBackend(httpcore.SyncBackend):
    """Connects to addresses already checked by :func:`check_url`, whatever the host name now
    resolves to: a DNS answer that changes between the check and the connection (rebinding)
    cannot send the request somewhere private. TLS still verifies the URL's host name."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        failure: Exception | None = None
        for address in self.addresses:
            try:
                return super().connect_tcp(address, port, timeout, local_address, socket_options)
            except httpcore.ConnectError as error:
                failure = error
        raise failure or httpcore.ConnectError(f"no checked address for {host}")


def pinned_transport(addresses: list[str]) -> httpx.HTTPTransport:
    """An httpx transport that only ever connects to ``addresses`` (see :class:`_PinnedBackend`)."""
    transport = httpx.HTTPTransport()
    pool = transport._pool
    if not hasattr(pool, "_network_backend"):  # guard against a changed httpcore layout
        raise RuntimeError("this httpcore version cannot pin webhook addresses")
    pool._network_backend = _PinnedBackend(addresses)
    return transport
