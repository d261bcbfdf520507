"""Webhook signatures: ``Paylater-Signature: t=<unix>,v1=<hex>[,v1=<hex>…]``.

Each ``v1`` is the hex HMAC-SHA256 of ``"<t>.<body>"`` under one of the endpoint's active secrets
(several during a rotation). A receiver accepts the request when any ``v1`` matches one of its
secrets and ``t`` is within the tolerance of its own clock, which defeats replays.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence

HEADER = "Paylater-Signature"
TOLERANCE_SECONDS = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def header_value(secrets: Sequence[str], timestamp: int, body: bytes) -> str:
    parts = [f"t={timestamp}"] + [f"v1={signature(s, timestamp, body)}" for s in secrets]
    return ",".join(parts)


def verify(
    header: str,
    body: bytes,
    secrets: Sequence[str],
    *,
    now: int,
    tolerance: int = TOLERANCE_SECONDS,
) -> bool:
    """True when the header carries a fresh timestamp and a valid signature of ``body``."""
    timestamp: int | None = None
    candidates: list[str] = []
    for part in header.split(","):
        name, _, value = part.strip().partition("=")
        if name == "t" and value.isdigit():
            timestamp = int(value)
        elif name == "v1" and value:
            candidates.append(value)
    if timestamp is None or not candidates or abs(now - timestamp) > tolerance:
        return False
    expected = [signature(secret, timestamp, body) for secret in secrets]
    return any(
        hmac.compare_digest(candidate, wanted) for candidate in candidates for wanted in expected
    )
