"""Errors raised by services; views and the API turn them into 4xx answers with the message (the bottom
layer of the house: `policy` raises them, and so does every app, through `amahoro.core.errors`)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied


class AmahoroError(Exception):
    """Base: a clear, user-facing message, optionally naming the field/row at fault."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code or self.__class__.__name__

    def as_dict(self) -> dict[str, str]:
        out = {"error": self.message, "code": self.code}
        if self.field:
            out["field"] = self.field
        return out


class ValidationFailed(AmahoroError):
    status = 400


class NotFound(AmahoroError):
    """Missing, or not visible to this user: the two are answered the same way."""

    status = 404


class PermissionDenied(AmahoroError, DjangoPermissionDenied):
    """Also Django's PermissionDenied, so that a page refused by `policy.require` answers the 403 page (with
    the message) rather than a 500; the API's handler answers it in the API's error shape first."""

    status = 403


class Conflict(AmahoroError):
    status = 409
