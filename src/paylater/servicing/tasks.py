"""Registers servicing's daily tasks: pause expiry, then reminders and fees."""

from __future__ import annotations

from paylater.servicing import pauses, reminders

__all__ = ["pauses", "reminders"]
