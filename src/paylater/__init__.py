"""paylater: an open-source buy now, pay later platform."""

__version__ = "0.1.0"
