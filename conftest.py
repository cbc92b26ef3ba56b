"""Shared test fixtures: Rwanda's hierarchy loaded once per test database, and a cast of users in two
organisations and two districts, so every test can prove refusal as well as success."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from hypothesis import HealthCheck, settings

# Hypothesis' timing checks measure the machine, not the code: on a busy 2-core CI machine, and under the
# coverage tracer of `make test`, drawing one example can take seconds. No deadline, no "too slow" health
# check; every other health check and each test's own settings still apply.
settings.register_profile("amahoro", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("amahoro")

PASSWORD = "correct-horse-battery-staple-9"  # noqa: S105 (test accounts only)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup: Any, django_db_blocker: Any) -> None:
    from amahoro import policy
    from amahoro.geo.services import rwanda_load

    with django_db_blocker.unblock():
        rwanda_load(actor=policy.SYSTEM)


@pytest.fixture(scope="class")
def demo_once(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The demo (`load_demo`, ~14 s of CPU) loaded once for a class of tests instead of once per test: in a
    transaction rolled back after the class, around the savepoint each test still runs in (and rolls back),
    so a test's own writes never reach the next test and the demo never outlives the class. Only for
    non-transactional tests (a transactional test would flush the database inside the transaction)."""
    from django.db import transaction

    from amahoro.site import demo

    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield demo.demo_load()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """Per-process caches keyed by primary keys (form versions, form schemas) must not outlive a test: a
    rolled-back SQLite test database hands the same keys out again (the analytics engine's live path keeps
    the org units, periods and option combos it read, by key, for a minute)."""
    from amahoro.analytics import engine
    from amahoro.collection import services

    services._VERSION_IDS.clear()
    services._SCHEMAS.clear()
    engine.forget_cache()


def make_user(username: str, *roles: tuple[str, Any, str | None], superuser: bool = False) -> Any:
    """make_user("ana", ("me_officer", org, "11")): a user with role assignments (org-unit code or None)."""
    from amahoro.accounts.models import RoleAssignment, User
    from amahoro.geo.models import OrgUnit

    user = User.objects.create_user(
        username=username,
        password=PASSWORD,
        email=f"{username}@example.org",
        is_superuser=superuser,
        is_staff=superuser,
    )
    for role, org, unit_code in roles:
        unit = OrgUnit.objects.get(code=unit_code) if unit_code else None
        RoleAssignment.objects.create(user=user, organisation=org, role=role, org_unit=unit)
    return user


def make_org(code: str, type: str = "ngo", areas: tuple[str, ...] = ()) -> Any:
    from amahoro.geo.models import OrgUnit
    from amahoro.organisations.models import Organisation

    org = Organisation.objects.create(code=code, name=f"{code} organisation", type=type)
    if areas:
        org.areas.set(OrgUnit.objects.filter(code__in=areas))
    return org


@dataclass
class Cast:
    """Two organisations (an NGO and the police), two districts (11 Nyarugenge, 12 Gasabo)."""

    ngo: Any
    police: Any
    platform: Any
    sysadmin: Any
    ngo_admin: Any  # org_admin of the NGO, whole country
    me_nyarugenge: Any  # NGO M&E officer over district 11
    me_gasabo: Any  # NGO M&E officer over district 12
    police_me_nyarugenge: Any  # same role, other organisation, district 11
    viewer_nyarugenge: Any  # NGO viewer over district 11
    clerk_sector: Any  # NGO data clerk over sector 1101
    nobody: Any  # an account with no role


@pytest.fixture
def cast(db: Any) -> Cast:
    ngo = make_org("NGO1", "ngo", areas=("11", "12", "21"))
    police = make_org("RNP", "police", areas=("RW",))
    platform = make_org("PLATFORM", "ministry")
    return Cast(
        ngo=ngo,
        police=police,
        platform=platform,
        sysadmin=make_user("sysadmin", ("system_admin", platform, "RW")),
        ngo_admin=make_user("ngo_admin", ("org_admin", ngo, "RW")),
        me_nyarugenge=make_user("me_nyarugenge", ("me_officer", ngo, "11")),
        me_gasabo=make_user("me_gasabo", ("me_officer", ngo, "12")),
        police_me_nyarugenge=make_user("police_me_nyarugenge", ("me_officer", police, "11")),
        viewer_nyarugenge=make_user("viewer_nyarugenge", ("viewer", ngo, "11")),
        clerk_sector=make_user("clerk_sector", ("data_clerk", ngo, "1101")),
        nobody=make_user("nobody"),
    )


def client_for(user: Any) -> Client:
    c = Client()
    c.force_login(user)
    return c


@pytest.fixture
def api_client() -> Any:
    from rest_framework.test import APIClient

    return APIClient()


# Page assertions shared by the view tests of every app.
INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.IGNORECASE
)
INLINE_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def assert_page_ok(response, *, status: int = 200) -> str:
    """A rendered page: expected status, a CSP that forbids inline scripts, and no inline script/handler."""
    assert response.status_code == status, response.content[:500]
    csp = response.headers.get("Content-Security-Policy", "")
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
    html = response.content.decode()
    assert not INLINE_SCRIPT.search(html), INLINE_SCRIPT.search(html).group(0)
    assert not INLINE_HANDLER.search(html), INLINE_HANDLER.search(html).group(0)
    return html


def assert_login_redirect(response) -> None:
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")


def pytest_configure(config: Any) -> None:
    """On SQLite the live server's request threads share the one in-memory connection (Django shares it so
    they see the test's data). Two requests at once on it (a page and its map's JSON, or the bell's poll) hung
    a browser test for good on a loaded CI machine, both threads waiting inside sqlite3. So on SQLite the
    live server runs one request at a time: still threaded (a kept-alive connection never blocks another),
    but the application is called under a lock, its body read out before the lock is let go."""
    import threading

    from django.conf import settings as django_settings

    if django_settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread

    class OneRequestAtATime(ThreadedWSGIServer):
        lock = threading.Lock()

        def set_app(self, application: Any) -> None:
            def serialised(environ: Any, start_response: Any) -> Any:
                with self.lock:
                    result = application(environ, start_response)
                    try:
                        body = b"".join(result)
                    finally:
                        close = getattr(result, "close", None)
                        if close is not None:
                            close()
                return [body]

            super().set_app(serialised)

    LiveServerThread.server_class = OneRequestAtATime  # type: ignore[attr-defined]
