"""The import engine through `datavalues_import`: counts, history, each conflict, strategies, dry run,
atomic imports, data sets, and the policy (org units and organisations)."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import ValidationFailed
from amahoro.data import services
from amahoro.data.models import DataValue, DataValueAudit, Period
from amahoro.geo.models import OrgUnit
from amahoro.roles import Perm

pytestmark = pytest.mark.django_db


def dv(
    de: str,
    period: str,
    ou: str,
    value: Any,
    coc: str | None = None,
    aoc: str | None = None,
    comment: str | None = None,
) -> dict[str, Any]:
    row: dict[str, Any] = {"dataElement": de, "period": period, "orgUnit": ou, "value": value}
    if coc:
        row["categoryOptionCombo"] = coc
    if aoc:
        row["attributeOptionCombo"] = aoc
    if comment is not None:
        row["comment"] = comment
    return row


def run(actor: Any, *values: dict[str, Any], **kw: Any) -> dict[str, Any]:
    return services.datavalues_import(actor=actor, payload={"dataValues": list(values)}, **kw).as_dict()


def only_conflict(summary: dict[str, Any]) -> dict[str, Any]:
    assert len(summary["conflicts"]) == 1, summary
    return summary["conflicts"][0]


def test_import_creates_values_with_history_and_one_audit_row(cast, meta) -> None:
    before_audit = AuditEvent.objects.count()
    summary = run(
        cast.me_nyarugenge,
        dv("GBV_CASES", "202401", "1101", "3", "F", comment="from the register"),
        dv("GBV_CASES", "202401", "1101", "4", "M"),
        dv("GBV_TOTAL", "202401", "1101", "7"),
    )
    assert summary["status"] == "SUCCESS", summary
    assert summary["importCount"] == {"imported": 3, "updated": 0, "ignored": 0, "deleted": 0}
    value = DataValue.objects.get(data_element=meta.cases, category_option_combo=meta.female)
    assert (value.value, value.numeric_value, value.comment) == ("3", 3.0, "from the register")
    assert value.stored_by == cast.me_nyarugenge
    assert value.attribute_option_combo == meta.default and value.organisation is None
    assert Period.objects.get(code="202401").type == "Monthly"
    assert DataValueAudit.objects.filter(kind="CREATE").count() == 3
    assert AuditEvent.objects.count() == before_audit + 1
    event = AuditEvent.objects.first()
    assert event.action == "import" and event.changes["imported"] == 3


def test_reimport_unchanged_is_ignored_and_a_change_is_an_update_with_history(cast, meta) -> None:
    run(cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "1101", "7"))
    again = run(cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "1101", "7"))
    assert again["importCount"] == {"imported": 0, "updated": 0, "ignored": 1, "deleted": 0}
    assert again["status"] == "SUCCESS"
    changed = run(cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "1101", "9"))
    assert changed["importCount"]["updated"] == 1
    value = DataValue.objects.get(data_element=meta.total)
    assert value.value == "9"
    update = value.history.get(kind="UPDATE")
    assert (update.previous_value, update.value, update.by) == ("7", "9", cast.me_nyarugenge)


def test_empty_value_soft_deletes_and_a_new_value_revives(cast, meta) -> None:
    run(cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "1101", "7"))
    deleted = run(cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "1101", ""))
    assert deleted["importCount"]["deleted"] == 1
    value = DataValue.objects.get(data_element=meta.total)
    assert value.deleted and value.value == "7"
    assert value.history.filter(kind="DELETE").exists()
    revived = run(cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "1101", "8"))
    assert revived["importCount"]["imported"] == 1
    value.refresh_from_db()
    assert not value.deleted and value.value == "8"


def test_top_level_period_org_unit_and_attribute_apply_to_values(cast, meta) -> None:
    payload = {
        "period": "2024Q1",
        "orgUnit": "1101",
        "attributeOptionCombo": "NGO1",
        "dataValues": [{"dataElement": "GBV_TOTAL", "value": 5}, {"dataElement": "FLAG", "value": True}],
    }
    summary = services.datavalues_import(actor=cast.me_nyarugenge, payload=payload).as_dict()
    assert summary["importCount"]["imported"] == 2, summary
    value = DataValue.objects.get(data_element=meta.total)
    assert value.period.code == "2024Q1" and value.org_unit.code == "1101"
    assert value.attribute_option_combo == meta.aoc_ngo and value.organisation == cast.ngo
    assert DataValue.objects.get(data_element=meta.flag).value == "true"


@pytest.mark.parametrize(
    ("row", "code", "prop", "words"),
    [
        (dv("NOPE", "202401", "1101", "1"), "E7610", "dataElement", "Data element not found"),
        (dv("GBV_TOTAL", "202401", "NOWHERE", "1"), "E7612", "orgUnit", "Organisation unit not found"),
        (dv("GBV_CASES", "202401", "1101", "1", "X"), "E7613", "categoryOptionCombo", "not found"),
        (
            dv("GBV_CASES", "202401", "1101", "1", "NGO1"),
            "E7634",
            "categoryOptionCombo",
            "must be part of category combo",
        ),
        (dv("GBV_CASES", "202401", "1101", "1"), "E7630", "categoryOptionCombo", "required"),
        (
            dv("GBV_TOTAL", "202401", "1101", "1", aoc="NOPE"),
            "E7615",
            "attributeOptionCombo",
            "Attribute option combo",
        ),
        (dv("GBV_TOTAL", "2014W53", "1101", "1"), "E7611", "period", "2014 has only 52 ISO weeks"),
        (dv("GBV_TOTAL", "2014Q5", "1101", "1"), "E7611", "period", "2014Q5"),
        (dv("GBV_TOTAL", "201407B", "1101", "1"), "E7611", "period", "201407B"),
        (dv("GBV_TOTAL", "", "1101", "1"), "E7611", "period", "required"),
        (dv("GBV_TOTAL", "202401", "1101", "1.5"), "E7619", "value", "not an integer"),
        (dv("GBV_TOTAL", "202401", "1101", "abc"), "E7619", "value", "not an integer"),
        (dv("GBV_CASES", "202401", "1101", "-1", "F"), "E7619", "value", "positive or zero"),
        (dv("POP", "202401", "1101", "1,5"), "E7619", "value", "not a number"),
        (dv("PCT", "202401", "1101", "101"), "E7619", "value", "between 0 and 100"),
        (dv("FLAG", "202401", "1101", "yes"), "E7619", "value", "boolean"),
        (dv("GBV_TOTAL", "202401", "1101", ""), "E7618", "value", "not specified"),
        (dv("GBV_TOTAL", "202401", "1101", "1", comment="x" * 5001), "E7620", "comment", "comment"),
    ],
)
def test_each_bad_value_is_a_conflict_naming_it(cast, meta, row, code, prop, words) -> None:
    summary = run(cast.me_nyarugenge, row, dv("GBV_TOTAL", "202402", "1101", "2"))
    conflict = only_conflict(summary)
    assert conflict["errorCode"] == code and conflict["property"] == prop, conflict
    assert words in conflict["value"], conflict
    assert conflict["indexes"] == [0]
    assert summary["status"] == "WARNING"
    assert summary["importCount"] == {"imported": 1, "updated": 0, "ignored": 1, "deleted": 0}
    assert DataValue.objects.count() == 1


def test_valid_values_of_every_type_are_accepted(cast, meta) -> None:
    summary = run(
        cast.me_nyarugenge,
        dv("GBV_TOTAL", "202401", "1101", "-4"),
        dv("POP", "202401", "1101", "1234.5"),
        dv("PCT", "202401", "1101", "99.5"),
        dv("FLAG", "202401", "1101", "false"),
        dv("NOTE", "202401", "1101", "anything, even 1,5"),
        dv("GBV_CASES", "20240115", "1101", "0", "F"),
        dv("GBV_CASES", "2024W5", "1101", "2", "M"),
    )
    assert summary["status"] == "SUCCESS", summary
    assert summary["importCount"]["imported"] == 7
    assert DataValue.objects.get(data_element=meta.note).numeric_value is None
    assert DataValue.objects.get(data_element=meta.flag).numeric_value == 0.0


def test_all_values_conflicting_is_an_error(cast, meta) -> None:
    summary = run(cast.me_nyarugenge, dv("NOPE", "202401", "1101", "1"), dv("NOPE", "202402", "1101", "1"))
    assert summary["status"] == "ERROR"
    conflict = only_conflict(summary)  # the same problem twice is one conflict with both indexes
    assert conflict["indexes"] == [0, 1]
    assert summary["importCount"]["ignored"] == 2


def test_dry_run_changes_nothing(cast, meta) -> None:
    run(cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "1101", "7"))
    counts = (
        DataValue.objects.count(),
        DataValueAudit.objects.count(),
        Period.objects.count(),
        AuditEvent.objects.count(),
    )
    summary = run(
        cast.me_nyarugenge,
        dv("GBV_TOTAL", "202401", "1101", "8"),
        dv("GBV_TOTAL", "202405", "1101", "1"),
        dv("NOPE", "202401", "1101", "1"),
        dry_run=True,
    )
    assert summary["dryRun"] is True and "dry run" in summary["description"]
    assert summary["importCount"] == {"imported": 1, "updated": 1, "ignored": 1, "deleted": 0}
    assert counts == (
        DataValue.objects.count(),
        DataValueAudit.objects.count(),
        Period.objects.count(),
        AuditEvent.objects.count(),
    )
    assert DataValue.objects.get().value == "7"


def test_atomic_import_saves_nothing_when_anything_conflicts(cast, meta) -> None:
    summary = run(
        cast.me_nyarugenge,
        dv("GBV_TOTAL", "202401", "1101", "7"),
        dv("NOPE", "202401", "1101", "1"),
        atomic=True,
    )
    assert summary["status"] == "ERROR"
    assert summary["importCount"] == {"imported": 0, "updated": 0, "ignored": 2, "deleted": 0}
    assert not DataValue.objects.exists()


def test_import_strategies(cast, meta) -> None:
    run(cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "1101", "7"))
    create = run(cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "1101", "8"), import_strategy="CREATE")
    assert "already exists" in only_conflict(create)["value"]
    update = run(cast.me_nyarugenge, dv("GBV_TOTAL", "202402", "1101", "8"), import_strategy="UPDATE")
    assert only_conflict(update)["errorCode"] == "E2032"
    delete = run(cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "1101", "7"), import_strategy="DELETE")
    assert delete["importCount"]["deleted"] == 1
    assert DataValue.objects.get().deleted
    with pytest.raises(ValidationFailed) as exc:
        run(cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "1101", "7"), import_strategy="MERGE")
    assert exc.value.field == "importStrategy"


def test_later_duplicate_in_one_payload_wins(cast, meta) -> None:
    summary = run(
        cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "1101", "1"), dv("GBV_TOTAL", "202401", "1101", "2")
    )
    assert summary["importCount"] == {"imported": 1, "updated": 1, "ignored": 0, "deleted": 0}
    assert DataValue.objects.get().value == "2"


def test_bad_payload_shape_is_a_validation_error(cast, meta) -> None:
    for payload, field in (
        ([], None),
        ({}, "dataValues"),
        ({"dataValues": {}}, "dataValues"),
        ({"dataValues": [1]}, "dataValues[0]"),
    ):
        with pytest.raises(ValidationFailed) as exc:
            services.datavalues_import(actor=cast.me_nyarugenge, payload=payload)
        assert exc.value.field == field
    with pytest.raises(ValidationFailed) as exc:
        run(cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "1101", "1"), id_scheme="label")
    assert exc.value.field == "idScheme"


def test_uid_scheme(cast, meta) -> None:
    meta.female.uid = "uFemale0001"
    meta.female.save()
    # Places are named by code here (orgUnitIdScheme=UID is honoured: see test_dhis2.py).
    summary = run(
        cast.me_nyarugenge,
        dv("uGBV_CASES", "202401", "1101", "1", "uFemale0001"),
        id_scheme="uid",
        org_unit_id_scheme="code",
    )
    assert summary["status"] == "SUCCESS", summary
    summary = run(
        cast.me_nyarugenge,
        dv("GBV_CASES", "202401", "1101", "1", "uFemale0001"),
        id_scheme="uid",
        data_element_id_scheme="code",
        org_unit_id_scheme="code",
    )
    assert summary["importCount"]["ignored"] == 1 and not summary["conflicts"]


# --- policy ----------------------------------------------------------------------------------------------


def test_user_of_district_11_cannot_write_in_district_12(cast, meta) -> None:
    summary = run(
        cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "1201", "1"), dv("GBV_TOTAL", "202401", "12", "1")
    )
    assert summary["status"] == "ERROR"
    conflict = summary["conflicts"][0]
    assert conflict["errorCode"] == "E7617" and "not in hierarchy" in conflict["value"]
    assert not DataValue.objects.exists()


def test_sector_clerk_cannot_write_at_the_district(cast, meta) -> None:
    summary = run(
        cast.clerk_sector, dv("GBV_TOTAL", "202401", "11", "1"), dv("GBV_TOTAL", "202401", "110101", "1")
    )
    assert summary["importCount"]["imported"] == 1
    assert only_conflict(summary)["indexes"] == [0]


def test_viewer_and_nobody_cannot_write(cast, meta) -> None:
    # The viewer sees the data element but may not write; someone without a role does not even see it.
    for user, code in ((cast.viewer_nyarugenge, "E7617"), (cast.nobody, "E7610")):
        summary = run(user, dv("GBV_TOTAL", "202401", "1101", "1"))
        assert summary["status"] == "ERROR" and only_conflict(summary)["errorCode"] == code


def test_other_organisation_cannot_write_values_attributed_to_the_ngo(cast, meta) -> None:
    summary = run(
        cast.police_me_nyarugenge,
        dv("GBV_TOTAL", "202401", "1101", "1", aoc="NGO1"),
        dv("GBV_TOTAL", "202401", "1101", "1", aoc="RNP"),
    )
    conflict = only_conflict(summary)
    assert conflict["errorCode"] == "E7616" and conflict["indexes"] == [0]
    assert DataValue.objects.get().organisation == cast.police


def test_values_are_visible_only_in_the_subtree_and_organisation(cast, meta) -> None:
    run(
        cast.sysadmin,
        dv("GBV_TOTAL", "202401", "1101", "1"),
        dv("GBV_TOTAL", "202401", "1201", "2"),
        dv("GBV_TOTAL", "202401", "1102", "3", aoc="NGO1"),
    )

    def seen(user: Any) -> set[str]:
        return set(
            policy.visible(user, Perm.DATA_VIEW, DataValue.objects.all()).values_list("value", flat=True)
        )

    assert seen(cast.me_nyarugenge) == {"1", "3"}
    assert seen(cast.me_gasabo) == {"2"}
    assert seen(cast.police_me_nyarugenge) == {"1"}  # not the NGO's value
    assert seen(cast.clerk_sector) == {"1"}
    assert seen(cast.sysadmin) == {"1", "2", "3"}
    assert seen(cast.nobody) == set()


def test_values_of_an_organisations_own_data_element_belong_to_it(cast, meta) -> None:
    meta.population.organisation = cast.ngo
    meta.population.save()
    summary = run(cast.police_me_nyarugenge, dv("POP", "202401", "1101", "1"))
    assert only_conflict(summary)["errorCode"] == "E7610"  # another organisation's data element: not found
    run(cast.me_nyarugenge, dv("POP", "202401", "1101", "1"))
    assert DataValue.objects.get().organisation == cast.ngo


def test_closed_org_unit_refuses_values(cast, meta) -> None:
    import datetime as dt

    OrgUnit.objects.filter(code="110101").update(closed_on=dt.date(2020, 1, 1))
    summary = run(cast.me_nyarugenge, dv("GBV_TOTAL", "202401", "110101", "1"))
    assert only_conflict(summary)["errorCode"] == "E2019"
