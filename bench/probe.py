"""A steady, light load on the merchant API: one payment-session request every 20 ms.

    probe.py PORT BASIC_AUTH OUT_FILE

Writes each request's latency in seconds, one per line, to OUT_FILE when terminated.
"""

from __future__ import annotations

import signal
import sys
import time
from pathlib import Path

import httpx

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


def main() -> None:
    port, auth, out = int(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
    latencies: list[float] = []
    running = True

    def stop(_signum: int, _frame: object) -> None:
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    with httpx.Client(
        base_url=f"http://127.0.0.1:{port}", headers={"Authorization": f"Basic {auth}"}
    ) as client:
        next_at = time.perf_counter()
        while running:
            started = time.perf_counter()
            answer = client.post("/payments/v1/sessions", json=BODY)
            latencies.append(time.perf_counter() - started)
            if answer.status_code != 200:
                print(f"probe: {answer.status_code} {answer.text[:200]}", file=sys.stderr)
            next_at += INTERVAL
            time.sleep(max(0.0, next_at - time.perf_counter()))
    out.write_text("\n".join(f"{value:.6f}" for value in latencies))


if __name__ == "__main__":
    main()
