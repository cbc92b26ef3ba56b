"""/report/: the public report page. No sign-in, three languages, a feature phone's browser, per-field errors
with nothing stored, CSRF, throttled per address, stored once per form, and never anything read back."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from amahoro.warning.models import Signal

from .conftest import DESCRIPTION

pytestmark = pytest.mark.django_db
URL = "/report/"


@pytest.fixture(autouse=True)
def _clean_cache() -> None:
    cache.clear()


def form_fields(client: Client, **params: str) -> dict[str, str]:
    page = client.get(URL, params).content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    return {
        "token": token.group(1),
        "type": "gbv",
        "place": "Kimironko",
        "occurred_on": dt.date.today().isoformat(),
        "urgency": "",
        "description": DESCRIPTION,
        "name": "",
        "phone": "",
        "lang": params.get("lang", "en"),
    }


def test_the_page_is_small_plain_and_gives_the_emergency_numbers(ec: Any, client: Client) -> None:
    resp = client.get(URL)
    assert resp.status_code == 200
    page = resp.content.decode()
    assert len(resp.content) < 20_000
    assert "3512" in page and "112" in page
    assert "<script" not in page and "src=" not in page and 'rel="stylesheet"' not in page
    assert "statistical_alarm" not in page
    assert 'name="csrfmiddlewaretoken"' in page


@pytest.mark.parametrize(
    ("lang", "label"), [("en", "GBV incident or threat"), ("fr", "Violence basée sur le genre")]
)
def test_three_languages(ec: Any, client: Client, lang: str, label: str) -> None:
    page = client.get(URL, {"lang": lang}).content.decode()
    assert f'<html lang="{lang}">' in page and label in page
    rw = client.get(URL, {"lang": "rw"}).content.decode()
    assert '<html lang="rw">' in rw and "<b>Kinyarwanda</b>" in rw and "3512" in rw


def test_a_report_is_stored_as_the_platform_and_answered_with_its_number_only(
    ec: Any, client: Client
) -> None:
    data = form_fields(client) | {"name": "Zakiya", "phone": "+250788555444", "urgency": "immediate"}
    resp = client.post(URL, data)
    assert resp.status_code == 200
    signal = Signal.objects.get()
    assert (signal.source, signal.type.code, signal.org_unit.code, signal.urgency) == (
        "web",
        "gbv",
        "1209",
        "immediate",
    )
    assert signal.created_by is None and signal.description == DESCRIPTION
    assert signal.reporter == {"name": "Zakiya", "phone": "+250788555444"}
    page = resp.content.decode()
    assert str(signal.uuid)[:8].upper() in page and "3512" in page and "What happens next" in page
    assert "Qwertyuiop" not in page and "Zakiya" not in page and "788555444" not in page


def test_a_resent_form_is_stored_once(ec: Any, client: Client) -> None:
    data = form_fields(client)
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert Signal.objects.count() == 1 and first.content == second.content


def test_the_sector_chosen_from_the_district_list(ec: Any, client: Client) -> None:
    resp = client.get(URL, {"district": "12", "lang": "fr"})
    page = resp.content.decode()
    assert '<option value="1209">Kimironko</option>' in page and len(resp.content) < 20_000
    assert 'href="?lang=rw&amp;district=12"' in page  # the language switch keeps the step
    data = form_fields(client, district="12") | {"place": "", "sector": "1209", "district": "12"}
    assert client.post(URL, data).status_code == 200
    assert Signal.objects.get().org_unit.code == "1209"


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"description": ""}, "description", "This field is required"),
        ({"description": "x" * 1001}, "description", "at most 1000"),
        ({"place": "Atlantis"}, "place", "Unknown place"),
        ({"place": ""}, "place", "Say where"),
        ({"place": "Remera"}, "place", "Several places have this name"),
        ({"place": "Gasabo Remera"}, None, None),  # a district narrows the name: accepted
        ({"occurred_on": (dt.date.today() + dt.timedelta(days=2)).isoformat()}, "occurred_on", "future"),
        ({"occurred_on": "last week"}, "occurred_on", "Enter a valid date"),
        ({"type": "statistical_alarm"}, "type", "Select a valid choice"),
        ({"phone": "12"}, "phone", "too few digits"),
        ({"token": "x"}, "token", "expired"),
    ],
)
def test_bad_input_gets_a_message_per_field_and_nothing_stored(
    ec: Any, client: Client, change: dict[str, str], field: str | None, message: str | None
) -> None:
    resp = client.post(URL, form_fields(client) | change)
    if field is None:
        assert resp.status_code == 200 and Signal.objects.get().org_unit.code == "1213"
        return
    assert resp.status_code == 400 and not Signal.objects.exists()
    page = resp.content.decode()
    assert message in page
    if field != "token":
        assert f'id="{field}-error"' in page


def test_csrf_is_required(ec: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    data = form_fields(client)
    assert Client(enforce_csrf_checks=True).post(URL, data).status_code == 403
    assert client.post(URL, data).status_code == 403  # the cookie alone is not the token
    page = client.get(URL).content.decode()
    csrf = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert csrf is not None
    assert client.post(URL, data | {"csrfmiddlewaretoken": csrf.group(1)}).status_code == 200
    assert Signal.objects.count() == 1


def test_throttled_per_address(ec: Any, client: Client, settings: Any) -> None:
    settings.EWER_REPORT_PER_HOUR = 2
    for _ in range(2):
        assert client.post(URL, form_fields(client)).status_code == 200
    resp = client.post(URL, form_fields(client))
    assert resp.status_code == 429 and "3512" in resp.content.decode()
    assert Signal.objects.count() == 2
    other = Client(REMOTE_ADDR="10.9.8.7")
    assert other.post(URL, form_fields(other)).status_code == 200


def test_nothing_is_ever_read_back(ec: Any, client: Client) -> None:
    client.post(URL, form_fields(client))
    ref = str(Signal.objects.get().uuid)[:8].upper()
    for params in ({"ref": ref}, {"id": str(Signal.objects.get().uuid)}, {"q": "Qwertyuiop"}):
        page = client.get(URL, params).content.decode()
        assert ref not in page and "Qwertyuiop" not in page
    assert client.get(URL + "1/").status_code == 404


def test_no_sign_in_needed_and_a_signed_in_user_is_not_recorded(ec: Any, client: Client) -> None:
    client.force_login(ec.focal)
    resp = client.post(URL, form_fields(client))
    assert resp.status_code == 200
    assert Signal.objects.get().created_by is None
