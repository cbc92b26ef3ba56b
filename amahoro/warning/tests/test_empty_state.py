"""Issue 17, honest wording: the signal list tells "no access" apart from "no signal yet" and "no match"."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.warning.models import Signal
from conftest import client_for

from .conftest import create

pytestmark = pytest.mark.django_db


def _html(user: Any, url: str = "/warning/") -> str:
    r = client_for(user).get(url)
    assert r.status_code == 200
    return r.content.decode()


def test_an_empty_signal_list_says_why(ec: Any) -> None:
    create(org_unit="1101")  # in Nyarugenge: the Gasabo focal point does not see it
    html = _html(ec.focal_gasabo)
    assert 'data-reason="no-access"' in html and "You have no access" in html and "No signal yet." not in html
    assert 'href="/help/"' in html
    assert 'data-reason="no-access"' not in _html(ec.focal)
    # A filter that matches nothing says so, whoever the user is.
    html = _html(ec.focal_gasabo, "/warning/?status=resolved")
    assert 'data-reason="no-match"' in html and "No signal matches." in html
    Signal.objects.all().delete()
    html = _html(ec.focal_gasabo)
    assert 'data-reason="empty"' in html and "No signal yet." in html and "You have no access" not in html
