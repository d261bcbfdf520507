"""A steady, light load on the merchant API: one payment-session request every 20 ms.

    probe.py PORT BASIC_AUTH OUT_FILE

Writes each request's latency in seconds, one per line, to OUT_FILE when terminated. The client
is a bare HTTP/1.1 one on a kept-alive socket with the request prepared once, so that its own CPU
time (a few tens of microseconds per request, against ~0.5 ms for a full HTTP library) and its
scheduling on a busy machine add as little as possible to the latency it measures.
"""

from __future__ import annotations

import json
import signal
import socket
import sys
import time
from pathlib import Path

BODY = {
    "purchase_country": "SE",
    "purchase_currency": "SEK",
    "locale": "sv-SE",
    "order_amount": 10_000,
    "order_tax_amount": 0,
    "order_lines": [
        {
            "name": "Probe",
            "quantity": 1,
            "unit_price": 10_000,
            "total_amount": 10_000,
            "tax_rate": 0,
            "total_tax_amount": 0,
        }
    ],
}
INTERVAL = 0.02


def _request(port: int, auth: str) -> bytes:
    body = json.dumps(BODY).encode()
    head = (
        f"POST /payments/v1/sessions HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Basic {auth}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    )
    return head.encode() + body


def _exchange(sock: socket.socket, request: bytes) -> bytes:
    """Send the request and read one whole response; returns its status line."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    while len(rest) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("server closed the connection")
        rest += chunk
    return head.split(b"\r\n", 1)[0]


def main() -> None:
    port, auth, out = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    latencies: list[float] = []
    running = True

    def stop(_signum: int, _frame: object) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    request = _request(port, auth)
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        next_at = time.perf_counter()
        while running:
            started = time.perf_counter()
            status = _exchange(sock, request)
            latencies.append(time.perf_counter() - started)
            if b" 200 " not in status:
                print(f"probe: {status.decode(errors='replace')}", file=sys.stderr)
            next_at += INTERVAL
            time.sleep(max(0.0, next_at - time.perf_counter()))
    out.write_text("\n".join(f"{value:.6f}" for value in latencies))


if __name__ == "__main__":
    main()
