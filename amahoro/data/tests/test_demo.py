"""The demo's reporting completeness: a monthly RWAMREC report assigned to four Northern districts, with
reports on time, late and missing, shown on the completeness page and in the Musanze clerk's due list."""

from __future__ import annotations

import pytest

from amahoro.accounts.models import User
from amahoro.data import completeness
from amahoro.data.demo import CODE, ISANGE_CODE, RULES
from amahoro.data.models import CompleteDataSetRegistration, DataSet, ValidationRule
from amahoro.data.selectors import data_sets_visible_to
from amahoro.metadata.models import CategoryCombo, CategoryOptionCombo, DataElement
from amahoro.site import demo
from conftest import client_for

pytestmark = pytest.mark.django_db


class TestLoadedDemo:
    def test_demo_completeness_page_and_worklist(self, demo_once: demo.DemoResult) -> None:
        data_set = DataSet.objects.get(code=CODE)
        assert sorted(data_set.org_units.values_list("code", flat=True)) == ["41", "42", "43", "45"]
        assert CompleteDataSetRegistration.objects.filter(data_set=data_set).count() >= 8
        assert any(note.startswith("completeness:") for note in demo_once.notes)
        clerk = User.objects.get(username="clerk_musanze")
        page = client_for(clerk).get("/data/completeness/", {"data_set": CODE})
        html = page.content.decode()
        assert page.status_code == 200 and 'id="completeness-table"' in html
        assert (
            'data-state="late"' in html and 'data-state="missing"' in html and 'data-state="on_time"' in html
        )
        due = completeness.due_for(user=clerk)
        assert any(item.state == "late" and item.org_unit_code == "43" for item in due)
        assert {item.org_unit_code for item in due} == {"43"}
        # The national M&E officer sees all four districts.
        table = client_for(User.objects.get(username="me_officer")).get(
            "/data/completeness/", {"data_set": CODE}
        )
        assert table.content.decode().count('<th scope="row">') >= 4 + 2
        # A second run registers nothing new.
        count = CompleteDataSetRegistration.objects.count()
        demo.demo_load()
        assert CompleteDataSetRegistration.objects.count() == count

    def test_the_musanze_clerk_has_two_data_sets_disaggregated_by_sex_and_age(
        self, demo_once: demo.DemoResult
    ) -> None:
        clerk = User.objects.get(username="clerk_musanze")
        theirs = data_sets_visible_to(user=clerk).filter(org_units__code="43")
        assert set(theirs.values_list("code", flat=True)) >= {CODE, ISANGE_CODE}
        isange = DataSet.objects.get(code=ISANGE_CODE)
        assert isange.organisation is None and isange.period_type == "Monthly"
        assert sorted(isange.org_units.values_list("code", flat=True)) == ["12", "24", "43"]
        assert isange.data_elements.count() == 4
        sex_age = CategoryCombo.objects.get(code="SEX_AGE")
        assert sex_age.option_combos.count() == 6
        assert DataElement.objects.get(code="ISANGE_SURVIVORS").category_combo == sex_age
        rwamrec = DataSet.objects.get(code=CODE)
        assert rwamrec.data_elements.filter(category_combo=sex_age).exists()
        assert ValidationRule.objects.filter(code__in=[r[0] for r in RULES]).count() == len(RULES)
        # The M&E officer (RWAMREC's metadata manager) finds both on the set-up page; only RWAMREC's is theirs.
        html = client_for(User.objects.get(username="me_officer")).get("/setup/data-sets/").content.decode()
        assert ISANGE_CODE in html and f"/setup/data-sets/{CODE}/edit/" in html
        assert f"/setup/data-sets/{ISANGE_CODE}/edit/" not in html
        # A second run makes the same rows.
        counts = [m.objects.count() for m in (DataSet, DataElement, CategoryOptionCombo, ValidationRule)] + [
            rwamrec.data_elements.count(),
            isange.org_units.count(),
        ]
        demo.demo_load()
        assert counts == [
            m.objects.count() for m in (DataSet, DataElement, CategoryOptionCombo, ValidationRule)
        ] + [rwamrec.data_elements.count(), isange.org_units.count()]
