"""The demo's registry: what every app's demo step shares (the result it appends to, the login it reports,
the demo password) and the list of steps. The orchestration (`amahoro load_demo`: organisations, users,
then every registered step) lives in `amahoro.site.demo`, above every app; apps register their step here from
`AppConfig.ready()` so that no app imports the layer above it.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_PASSWORD = "amahoro-demo-2026"  # noqa: S105 - demo only, printed on screen
PASSWORD_ENV = "AMAHORO_DEMO_PASSWORD"  # noqa: S105 - the name of the variable
# RWAMREC-like male-engagement NGO: present in 24 of the 30 districts (not in these six).
RWAMREC_ABSENT = (
    "23",
    "25",
    "32",
    "35",
    "44",
    "55",
)  # Nyaruguru, Nyamagabe, Rutsiro, Ngororero, Burera, Kirehe


@dataclass
class DemoLogin:
    username: str
    role: str
    organisation: str
    scope: str  # "11 Nyarugenge"
    two_factor: bool
    enrolment: str = ""  # a fresh TOTP enrolment code, for case roles without an authenticator yet


@dataclass
class DemoResult:
    password: str
    logins: list[DemoLogin] = field(default_factory=list)
    organisations_created: list[str] = field(default_factory=list)
    users_created: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# Later domain apps add their own demo content (frameworks, data values, ...) here; each step receives the
# DemoResult (to append notes) and the acting user, and must be idempotent.
DemoStep = Callable[[DemoResult, Any], None]
DEMO_STEPS: list[DemoStep] = []


def register_step(step: DemoStep) -> DemoStep:
    DEMO_STEPS.append(step)
    return step


def demo_password() -> str:
    return os.environ.get(PASSWORD_ENV) or DEFAULT_PASSWORD
