"""Helpers for thin management commands."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from django.core.management.base import CommandError

from amahoro.core.errors import AmahoroError

T = TypeVar("T")


@contextmanager
def service_errors() -> Iterator[None]:
    """Service errors become CommandError: a clear message on stderr and a non-zero exit."""
    try:
        yield
    except AmahoroError as exc:
        where = f" ({exc.field})" if exc.field else ""
        raise CommandError(f"{exc.message}{where}") from exc


def call(fn: Callable[..., T], **kwargs: object) -> T:
    with service_errors():
        return fn(**kwargs)
