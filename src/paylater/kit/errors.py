"""Domain errors: each carries a Klarna-style error code and the HTTP status it maps to.

Domain code raises these; one handler in the web layer renders them as
``{"error_code", "error_messages", "correlation_id"}``. Nothing here knows about HTTP frameworks.
"""

from __future__ import annotations


class DomainError(Exception):
    code = "BAD_VALUE"
    status = 400

    def __init__(self, *messages: str, code: str | None = None) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)
        if code is not None:
            self.code = code


class BadValue(DomainError):
    code = "BAD_VALUE"
    status = 400


class Unauthorized(DomainError):
    code = "UNAUTHORIZED"
    status = 401


class NotFound(DomainError):
    code = "NOT_FOUND"
    status = 404


class NoSuchOrder(NotFound):
    code = "NO_SUCH_ORDER"


class NotAllowed(DomainError):
    code = "NOT_ALLOWED"
    status = 403


class CaptureNotAllowed(NotAllowed):
    code = "CAPTURE_NOT_ALLOWED"


class RefundNotAllowed(NotAllowed):
    code = "REFUND_NOT_ALLOWED"


class Rejected(NotAllowed):
    code = "REJECTED"


class InvalidOperation(NotAllowed):
    code = "INVALID_OPERATION"


class Conflict(DomainError):
    code = "CONFLICT"
    status = 409


class IdempotencyKeyReused(DomainError):
    code = "IDEMPOTENCY_KEY_REUSED"
    status = 422
