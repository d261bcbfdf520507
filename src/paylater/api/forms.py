"""CSRF protection for server-rendered forms (the consumer portal and the staff pages).

Each browser gets a random nonce in a cookie; a form carries ``HMAC(key, purpose | nonce)``; a
POST is accepted only with that cookie, that token and, when the browser sends one, an ``Origin``
of this host. The purpose keeps a consumer page's token from being valid on a staff page.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from urllib.parse import urlsplit

from starlette.requests import Request


def same_origin(request: Request) -> bool:
    """No ``Origin`` header (old browsers, same-site navigations) or one naming this host."""
    origin = request.headers.get("origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc == request.headers.get("host", "")


@dataclass(frozen=True)
class FormGuard:
    cookie: str  # the nonce cookie's name
    purpose: bytes  # mixed into the token, e.g. b"csrf|"

    def nonce(self, request: Request) -> str:
        """The browser's nonce: its cookie, or one made for this request (and set by the page)."""
        value = request.cookies.get(self.cookie)
        if value and 20 <= len(value) <= 64:
            return value
        made: dict[str, str] | None = getattr(request.state, "form_nonces", None)
        if made is None:
            made = request.state.form_nonces = {}
        return made.setdefault(self.cookie, secrets.token_urlsafe(24))

    def token(self, request: Request, key: bytes) -> str:
        return hmac.new(
            key, self.purpose + self.nonce(request).encode(), hashlib.sha256
        ).hexdigest()

    def accepts(self, request: Request, given: str, key: bytes) -> bool:
        """Whether a POST with form token ``given`` comes from our own page in this browser."""
        return (
            self.cookie in request.cookies
            and same_origin(request)
            and hmac.compare_digest(given, self.token(request, key))
        )
