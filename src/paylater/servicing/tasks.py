"""Registers servicing's daily tasks: pause expiry, interest earned, reminders and fees."""

from __future__ import annotations

from paylater.billing import interest
from paylater.servicing import pauses, reminder_mail, reminders

__all__ = ["interest", "pauses", "reminder_mail", "reminders"]
