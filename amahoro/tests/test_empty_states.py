"""Issue 17, honest wording: a list that is empty for the user says "you have no access" when things exist
that their roles do not show, and keeps "No ... yet." when there is nothing at all."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy
from conftest import client_for

pytestmark = pytest.mark.django_db

NO_ACCESS = b'data-reason="no-access"'
EMPTY = b'data-reason="empty"'


def _says(user: Any, url: str) -> bytes:
    r = client_for(user).get(url)
    assert r.status_code == 200, url
    return r.content


def _ngo_plan(cast: Any) -> Any:
    """A framework of the NGO in district 11, which the police do not see."""
    from amahoro.frameworks import services
    from amahoro.geo.models import OrgUnit

    return services.framework_create(
        actor=policy.SYSTEM,
        code="NGO1-NYA",
        name="NGO1 plan",
        organisation=cast.ngo,
        org_unit=OrgUnit.objects.get(code="11"),
    )


def test_hides_all_answers_only_for_an_empty_list(cast: Any) -> None:
    from amahoro.organisations.models import Organisation

    everything = Organisation.objects.all()
    assert policy.hides_all(shown=[], existing=everything)
    assert policy.hides_all(shown=everything.none(), existing=everything)
    assert not policy.hides_all(shown=[1], existing=everything)
    assert not policy.hides_all(shown=everything, existing=everything)
    assert not policy.hides_all(shown=0, existing=everything.none())


def test_frameworks(cast: Any) -> None:
    from amahoro.frameworks.models import Framework

    _ngo_plan(cast)
    # The police M&E officer may view frameworks, but the only one belongs to the NGO.
    html = _says(cast.police_me_nyarugenge, "/frameworks/")
    assert NO_ACCESS in html and b"You have no access" in html and b"NGO1-NYA" not in html
    assert b'href="/help/"' in html and b"No framework yet." not in html
    assert b"NGO1-NYA" in _says(cast.me_nyarugenge, "/frameworks/")
    Framework.objects.all().delete()
    html = _says(cast.police_me_nyarugenge, "/frameworks/")
    assert EMPTY in html and b"No framework yet." in html and NO_ACCESS not in html


def test_consultation_rounds(cast: Any) -> None:
    from amahoro.consultations import services
    from amahoro.consultations.models import ConsultationRound

    fw = _ngo_plan(cast)
    services.round_create(
        actor=policy.SYSTEM, framework=fw, organisation=cast.ngo, title="NGO review", period="2024"
    )
    html = _says(cast.police_me_nyarugenge, "/consultations/")
    assert NO_ACCESS in html and b"You have no access" in html and b"NGO review" not in html
    assert b"No consultation round yet." not in html
    assert b"NGO review" in _says(cast.me_nyarugenge, "/consultations/")
    ConsultationRound.objects.all().delete()
    html = _says(cast.police_me_nyarugenge, "/consultations/")
    assert EMPTY in html and b"No consultation round yet." in html and NO_ACCESS not in html


def test_collection_forms(cast: Any) -> None:
    from amahoro.collection.models import XForm
    from amahoro.collection.tests.factories import upload

    upload(policy.SYSTEM, cast.ngo)
    html = _says(cast.police_me_nyarugenge, "/collection/")
    assert NO_ACCESS in html and b"You have no access" in html and b"dialogue" not in html
    assert b"No forms yet." not in html
    assert b"dialogue" in _says(cast.me_nyarugenge, "/collection/")
    XForm.objects.all().delete()
    html = _says(cast.police_me_nyarugenge, "/collection/")
    assert EMPTY in html and b"No forms yet." in html and NO_ACCESS not in html


def test_funding_without_a_framework(cast: Any) -> None:
    from amahoro.frameworks.models import Framework

    _ngo_plan(cast)
    html = _says(cast.police_me_nyarugenge, "/funding/")
    assert NO_ACCESS in html and b"You have no access" in html and b"NGO1-NYA" not in html
    assert b"No results framework yet" not in html
    Framework.objects.all().delete()
    html = _says(cast.police_me_nyarugenge, "/funding/")
    assert EMPTY in html and b"No results framework yet" in html and NO_ACCESS not in html


def test_data_completeness(cast: Any) -> None:
    from amahoro.data.models import DataSet
    from amahoro.geo.models import OrgUnit

    ds = DataSet.objects.create(
        code="NGO_MONTHLY", name="NGO monthly", period_type="Monthly", organisation=cast.ngo
    )
    ds.org_units.set(OrgUnit.objects.filter(code__in=("1101",)))
    html = _says(cast.police_me_nyarugenge, "/data/completeness/")
    assert NO_ACCESS in html and b"You have no access" in html and b"NGO_MONTHLY" not in html
    assert b"NGO_MONTHLY" in _says(cast.me_nyarugenge, "/data/completeness/")
    DataSet.objects.all().delete()
    html = _says(cast.police_me_nyarugenge, "/data/completeness/")
    assert EMPTY in html and b"assigned places yet." in html and NO_ACCESS not in html


def test_indicators(cast: Any) -> None:
    from amahoro.frameworks.models import Indicator

    Indicator.objects.create(
        code="NGO1-REACH", name="People reached", framework=_ngo_plan(cast), numerator="1"
    )
    html = _says(cast.police_me_nyarugenge, "/indicators/")
    assert NO_ACCESS in html and b"You have no access" in html and b"NGO1-REACH" not in html
    assert b"NGO1-REACH" in _says(cast.me_nyarugenge, "/indicators/")
    Indicator.objects.all().delete()
    html = _says(cast.police_me_nyarugenge, "/indicators/")
    assert EMPTY in html and b"No indicator yet." in html and NO_ACCESS not in html


def test_data_set_and_validation_rule_setup_lists(cast: Any) -> None:
    from amahoro.data.models import DataSet, ValidationRule

    DataSet.objects.create(code="NGO_MONTHLY", name="NGO monthly", organisation=cast.ngo)
    ValidationRule.objects.create(
        code="NGO_RULE", name="NGO rule", left="1", operator="==", right="1", organisation=cast.ngo
    )
    pages = (
        ("/setup/data-sets/", b"NGO_MONTHLY", b"No data set yet."),
        ("/setup/validation-rules/", b"NGO_RULE", b"No validation rule yet."),
    )
    for url, name, _empty in pages:
        html = _says(cast.police_me_nyarugenge, url)
        assert NO_ACCESS in html and b"You have no access" in html and name not in html, url
        assert name in _says(cast.me_nyarugenge, url), url
    DataSet.objects.all().delete()
    ValidationRule.objects.all().delete()
    for url, _name, empty_text in pages:
        html = _says(cast.police_me_nyarugenge, url)
        assert EMPTY in html and empty_text in html and NO_ACCESS not in html, url
