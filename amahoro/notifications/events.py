"""The events modules send, with their wording: each module registers its own (in its AppConfig.ready), so
notification text is written once, translated, and never built from case content."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise


@dataclass(frozen=True)
class Event:
    code: str
    # %(name)s placeholders filled from notify(context=...): survivor codes, service labels, place names,
    # never names, phones or narratives.
    title: str | Promise
    body: str | Promise = ""
    # Also an SMS (if the user allows SMS): only for what cannot wait. The default of the event's
    # notifications; notify(urgent=...) decides per notification.
    urgent: bool = False


EVENTS: dict[str, Event] = {}


def register(event: Event) -> Event:
    EVENTS[event.code] = event
    return event


def get(code: str) -> Event:
    try:
        return EVENTS[code]
    except KeyError:
        raise ValueError(f"unknown notification event '{code}'") from None
