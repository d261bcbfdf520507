"""Servicing a plan after checkout: reminders, fees, grace and pauses, run by the daily job."""
