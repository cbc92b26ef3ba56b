"""Amahoro: see what works against gender-based violence, serve survivors safely, account for results."""

__version__ = "0.1.0"
