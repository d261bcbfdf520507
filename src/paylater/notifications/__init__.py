"""Notifications: e-mail to consumers (each one also a message in the portal), webhooks to
merchants. Both are written to the outbox (``paylater.jobs``) in the transaction of the state
change that causes them and delivered by the worker after commit."""
