"""uvicorn's httptools protocol with each response written to the socket in one piece.

uvicorn writes a response's head and its body with two separate ``transport.write`` calls; on a
socket with ``TCP_NODELAY`` that is two system calls and two segments, and the client wakes twice.
Both writes happen in the same step of the request's task, so collecting a step's writes and
sending them together from the next turn of the event loop costs one callback and saves a system
call and a segment per response.
"""

from __future__ import annotations

import asyncio
import os
import socket
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class CoalescingTransport:
    """A transport whose writes made in one step of the event loop leave in one system call.

    On a plain TCP socket whose transport has nothing queued, that call is ``os.write``, which
    lets go of the interpreter lock: uvloop's own write keeps it, and on a loopback or local
    connection the kernel delivers the data inside the call and wakes the reader, which may take
    the core at once. Meanwhile the database threads could not run. Whatever ``os.write`` does
    not take goes to the transport, which queues it and reports errors as usual.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._fd = _plain_socket_fd(transport)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._pending:
            self._loop.call_soon(self.flush)
        self._pending.append(bytes(data))

    def flush(self) -> None:
        if self._pending:
            data = b"".join(self._pending) if len(self._pending) > 1 else self._pending[0]
            self._pending.clear()
            transport = self._transport
            if transport.is_closing():
                return
            if self._fd >= 0 and not transport.get_write_buffer_size():
                try:
                    written = os.write(self._fd, data)
                except OSError:  # would block, reset, …: the transport finds out and reports it
                    written = 0
                if written == len(data):
                    return
                data = data[written:]
            transport.write(data)

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


def _plain_socket_fd(transport: asyncio.Transport) -> int:
    """The socket's descriptor for a TCP or Unix transport without TLS; -1 otherwise."""
    if transport.get_extra_info("sslcontext") or transport.get_extra_info("ssl_object"):
        return -1
    sock = transport.get_extra_info("socket")
    if sock is None or sock.family not in (socket.AF_INET, socket.AF_INET6, socket.AF_UNIX):
        return -1
    return int(sock.fileno())


class CoalescingHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol writing through a :class:`CoalescingTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        coalescing: Any = CoalescingTransport(transport, self.loop)
        super().connection_made(coalescing)
