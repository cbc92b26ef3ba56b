"""`amahoro load_reference ewer-default`: the default taxonomy with en/fr/rw names and SMS keywords; twice
changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from amahoro.warning.models import SignalType

pytestmark = pytest.mark.django_db


def test_load_is_complete_and_idempotent() -> None:
    out = StringIO()
    call_command("load_reference", "ewer-default", stdout=out)
    codes = set(SignalType.objects.values_list("code", flat=True))
    assert codes == {
        "gbv",
        "early_marriage",
        "threat_to_woman_leader",
        "domestic_tension",
        "land_dispute",
        "trafficking",
        "hate_speech",
        "statistical_alarm",
        "other",
    }
    gbv = SignalType.objects.get(code="gbv")
    assert gbv.keywords == ["GBV", "IHOHOTERWA", "VIOLENCE"] and gbv.is_gbv
    assert all(t.name and t.name_fr and t.name_rw for t in SignalType.objects.all())
    keywords = [k for t in SignalType.objects.all() for k in t.keywords]
    assert len(keywords) == len(set(keywords))  # one type per keyword
    before = list(SignalType.objects.values_list("code", "updated_at"))
    again = StringIO()
    call_command("load_reference", "ewer-default", stdout=again)
    assert "0 signal type(s) created, 0 updated" in again.getvalue()
    assert list(SignalType.objects.values_list("code", "updated_at")) == before
