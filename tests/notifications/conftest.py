"""A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from paylater.config import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    message: EmailMessage


@dataclass
class Collector:
    """An aiosmtpd handler: records each message; can hang before answering the first N."""

    received: list[Received] = field(default_factory=list)
    hang_first: int = 0
    hang_seconds: float = 0.0
    refuse: frozenset[str] = frozenset()  # recipients answered with 550
    connections: int = 0

    async def handle_EHLO(
        self, server: Any, session: Any, envelope: Any, hostname: str, responses: list[str]
    ) -> list[str]:
        self.connections += 1
        session.host_name = hostname
        return responses

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), parsed))
        if len(self.received) <= self.hang_first:
            await asyncio.sleep(self.hang_seconds)
        return "250 Message accepted for delivery"

    def message_ids(self) -> list[str]:
        return [item.message["Message-ID"] for item in self.received]


@dataclass
class SmtpServer:
    port: int
    collector: Collector
    controller: Controller | None = None

    def start(self) -> SmtpServer:
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server() -> Iterator[Callable[..., SmtpServer]]:
    """Starts SMTP servers (``port=None``: a free one) and stops them after the test."""
    started: list[SmtpServer] = []

    def start(port: int | None = None, **options: Any) -> SmtpServer:
        server = SmtpServer(port or free_port(), Collector(**options)).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def smtp_settings(settings: Settings) -> Callable[[int], Settings]:
    def for_port(port: int) -> Settings:
        return settings.model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": port})

    return for_port
