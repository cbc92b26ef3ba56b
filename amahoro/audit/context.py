"""The current request's origin, for audit rows written deep inside services."""

from __future__ import annotations

from contextvars import ContextVar, Token
from dataclasses import dataclass


@dataclass(frozen=True)
class RequestContext:
    ip_address: str | None = None
    user_agent: str = ""
    request_id: str = ""


_current: ContextVar[RequestContext] = ContextVar("amahoro_request_context", default=RequestContext())  # noqa: B039 (frozen)


def set_context(ctx: RequestContext) -> Token[RequestContext]:
    return _current.set(ctx)


def reset_context(token: Token[RequestContext]) -> None:
    _current.reset(token)


def current() -> RequestContext:
    return _current.get()
