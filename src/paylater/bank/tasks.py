"""Jobs and daily tasks of this package (imported by workers to register them)."""

from __future__ import annotations

from paylater.bank import receipts

__all__ = ["receipts"]
