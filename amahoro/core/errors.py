"""Errors raised by services; views and the API turn them into 4xx answers with the message.

They live in `amahoro.errors` (the bottom layer, beside `roles`, so that `policy` can raise them); this
module is the name the rest of the code base imports them by."""

from __future__ import annotations

from amahoro.errors import AmahoroError, Conflict, NotFound, PermissionDenied, ValidationFailed

__all__ = ["AmahoroError", "Conflict", "NotFound", "PermissionDenied", "ValidationFailed"]
