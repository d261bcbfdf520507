"""The API server writes each response to the socket in one piece."""

from __future__ import annotations

import asyncio
from typing import Any

from paylater.api.transport import CoalescingTransport


class _RecordingTransport:
    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.closed = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_extra_info(self, name: str) -> Any:
        return ("127.0.0.1", 1234) if name == "peername" else None


def test_writes_of_one_step_leave_together_in_order() -> None:
    async def scenario() -> list[bytes]:
        raw = _RecordingTransport()
        transport = CoalescingTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.write(b"HTTP/1.1 200 OK\r\n\r\n")
        transport.write(b'{"ok": true}')
        assert raw.writes == []
        await asyncio.sleep(0)
        transport.write(b"next")
        await asyncio.sleep(0)
        return raw.writes

    assert asyncio.run(scenario()) == [b'HTTP/1.1 200 OK\r\n\r\n{"ok": true}', b"next"]


def test_close_sends_what_is_pending_first_and_other_calls_reach_the_socket() -> None:
    async def scenario() -> _RecordingTransport:
        raw = _RecordingTransport()
        transport = CoalescingTransport(raw, asyncio.get_running_loop())  # type: ignore[arg-type]
        transport.write(bytearray(b"last words"))
        assert transport.get_extra_info("peername") == ("127.0.0.1", 1234)
        transport.close()
        await asyncio.sleep(0)
        return raw

    raw = asyncio.run(scenario())
    assert raw.writes == [b"last words"] and raw.closed


def test_on_a_real_socket_every_byte_arrives_in_order_past_a_full_socket_buffer() -> None:
    """Large writes fill the socket: what ``os.write`` does not take is queued by the transport,
    and later writes go behind it."""
    import uvloop

    chunks = [bytes([number]) * 3_000_000 for number in range(1, 4)] + [b"end"]

    async def scenario() -> bytes:
        loop = asyncio.get_running_loop()
        sent: asyncio.Future[None] = loop.create_future()
        tasks: list[asyncio.Task[None]] = []

        class Writer(asyncio.Protocol):
            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                coalescing = CoalescingTransport(transport, loop)  # type: ignore[arg-type]
                assert coalescing._fd >= 0  # a plain TCP socket: written directly

                async def send() -> None:
                    for chunk in chunks:
                        coalescing.write(chunk)
                        await asyncio.sleep(0)
                    coalescing.close()
                    sent.set_result(None)

                tasks.append(loop.create_task(send()))

        server = await loop.create_server(Writer, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, _writer = await asyncio.open_connection("127.0.0.1", port)
        received = await reader.read(-1)
        await sent
        server.close()
        return received

    assert uvloop.run(scenario()) == b"".join(chunks)
