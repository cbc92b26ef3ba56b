from __future__ import annotations

from typing import Any

import pytest

from amahoro.collection import mapping, services
from amahoro.collection.models import MappedValue, Submission
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.data.models import DataValue
from amahoro.frameworks import selectors as fw_selectors
from amahoro.frameworks.tests.factories import indicator, load_sex_age, ngo_framework
from amahoro.geo.models import OrgUnit
from amahoro.metadata.models import DataElement

from .factories import instance_xml, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup(cast: Any, village: Any) -> Any:
    load_sex_age()
    form = upload(cast.ngo_admin, cast.ngo)
    services.form_set_options(actor=cast.ngo_admin, form=form, org_unit_field="village")
    sub = cast.clerk_sector
    services.submission_receive(
        xml=instance_xml(
            instance_id="uuid:1",
            village=village.code,
            participants=(("F", "15_24"), ("F", "15_24"), ("M", "25_49")),
        ),
        user=sub,
    )
    services.submission_receive(
        xml=instance_xml(
            instance_id="uuid:2",
            village=village.code,
            participants=(("F", "25_49"),),
            session_date="2026-04-02",
        ),
        user=sub,
    )
    return form


def _values(code: str) -> dict[tuple[str, str, str], str]:
    return {
        (v.org_unit.code, v.period.code, v.category_option_combo.code): v.value
        for v in DataValue.objects.filter(data_element__code=code, deleted=False).select_related(
            "org_unit", "period", "category_option_combo"
        )
    }


def test_participants_by_sex_and_age_become_data_values_and_indicator_progress(
    cast: Any, setup: Any, village: Any
) -> None:
    rule, run = mapping.mapping_rule_save(
        actor=cast.me_nyarugenge,
        form=setup,
        data_element=DataElement.objects.get(code="GBV_AWARE"),
        name="Participants reached",
        repeat="participant",
        disaggregate_by=["p_sex", "p_age"],
        period_field="session_date",
    )
    assert run.import_summary["status"] == "SUCCESS", run.as_dict()
    assert _values("GBV_AWARE") == {
        (village.code, "202603", "F_15_24"): "2",
        (village.code, "202603", "M_25_49"): "1",
        (village.code, "202604", "F_25_49"): "1",
    }
    mv = MappedValue.objects.get(rule=rule, period="202603", category_option_combo__code="F_15_24")
    assert [s.instance_id for s in mv.submissions.all()] == ["uuid:1"]
    ngo_framework(cast.ngo)
    progress = fw_selectors.indicator_progress(
        user=cast.me_nyarugenge,
        indicator=indicator("NGO1-SP-REACH"),
        org_unit=OrgUnit.objects.get(code="11"),
        span=fw_selectors.span_of(period="2026"),
    )
    assert progress.actual == 4


def test_rerun_is_idempotent_and_follows_changes(cast: Any, setup: Any, village: Any) -> None:
    de = DataElement.objects.get(code="PARTICIPANTS")
    rule, _run = mapping.mapping_rule_save(
        actor=cast.me_nyarugenge,
        form=setup,
        data_element=de,
        name="Women",
        aggregation="sum",
        value_field="women",
    )
    month = next(iter(_values("PARTICIPANTS")))[1]
    assert _values("PARTICIPANTS") == {(village.code, month, "default"): "14"}
    again = mapping.mapping_run(actor=cast.me_nyarugenge, rule=rule)
    assert again.values == 1 and DataValue.objects.filter(data_element=de).count() == 1
    # A rejected submission stops counting; a changed rule replaces its values.
    services.submission_review(
        actor=cast.me_nyarugenge, submission=Submission.objects.get(instance_id="uuid:2"), state="rejected"
    )
    mapping.mapping_run(actor=cast.me_nyarugenge, rule=rule)
    assert _values("PARTICIPANTS") == {(village.code, month, "default"): "7"}
    mapping.mapping_rule_save(
        actor=cast.me_nyarugenge,
        form=setup,
        data_element=de,
        rule=rule,
        aggregation="count",
        condition={"topics": "gbv"},
    )
    assert _values("PARTICIPANTS") == {(village.code, month, "default"): "1"}
    mapping.mapping_rule_save(
        actor=cast.me_nyarugenge, form=setup, data_element=de, rule=rule, condition={"topics": "none"}
    )
    assert _values("PARTICIPANTS") == {} and not MappedValue.objects.filter(rule=rule).exists()


def test_policy_applies_to_mapping(cast: Any, setup: Any) -> None:
    de = DataElement.objects.get(code="PARTICIPANTS")
    with pytest.raises(PermissionDenied):
        mapping.mapping_rule_save(actor=cast.police_me_nyarugenge, form=setup, data_element=de, name="x")
    # Gasabo's officer may define the rule, but the data engine refuses values in Nyarugenge.
    _rule, run = mapping.mapping_rule_save(actor=cast.me_gasabo, form=setup, data_element=de, name="x")
    assert run.values == 0 and run.import_summary["conflicts"]
    assert not DataValue.objects.exists()


def test_bad_rules_are_refused(cast: Any, setup: Any) -> None:
    de = DataElement.objects.get(code="GBV_AWARE")
    with pytest.raises(ValidationFailed, match="no field named 'gender'"):
        mapping.mapping_rule_save(
            actor=cast.me_nyarugenge, form=setup, data_element=de, name="x", disaggregate_by=["gender"]
        )
    with pytest.raises(ValidationFailed, match="value_field"):
        mapping.mapping_rule_save(
            actor=cast.me_nyarugenge, form=setup, data_element=de, name="x", aggregation="sum"
        )
    with pytest.raises(ValidationFailed, match="no repeat"):
        mapping.mapping_rule_save(
            actor=cast.me_nyarugenge, form=setup, data_element=de, name="x", repeat="kids"
        )


def test_mapping_rules_api_and_page(cast: Any, setup: Any, api_client: Any) -> None:
    url = "/api/v1/forms/dialogue/mapping-rules"
    body = {"name": "Sessions", "data_element": "PARTICIPANTS", "aggregation": "count"}
    api_client.force_authenticate(cast.viewer_nyarugenge)
    assert api_client.post(url, body, format="json").status_code == 403
    api_client.force_authenticate(cast.police_me_nyarugenge)
    assert api_client.post(url, body, format="json").status_code == 404
    api_client.force_authenticate(cast.me_nyarugenge)
    resp = api_client.post(url, body, format="json")
    assert resp.status_code == 201 and resp.json()["run"]["values"] == 1, resp.content
    pk = resp.json()["id"]
    bad = api_client.patch(f"{url}/{pk}", {"value_field": "nope", "aggregation": "sum"}, format="json")
    assert bad.status_code == 400 and bad.json()["field"] == "nope"
    assert api_client.post(f"{url}/{pk}/run").json()["values"] == 1
    # Each URL answers its own method only (and the OpenAPI schema says so).
    assert api_client.post(f"{url}/{pk}").status_code == 405
    assert api_client.patch(f"{url}/{pk}/run", {}, format="json").status_code == 405
    assert api_client.get(url).json()["results"][0]["values"] == 1
    from conftest import client_for

    page = client_for(cast.me_nyarugenge)
    resp = page.post(
        "/collection/forms/dialogue/rules",
        {
            "name": "Women",
            "data_element": "PARTICIPANTS",
            "aggregation": "sum",
            "value_field": "women",
            "condition": "topics=gbv",
        },
    )
    assert resp.status_code == 302
    assert "Women" in page.get("/collection/forms/dialogue/").content.decode()
