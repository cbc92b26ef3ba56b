"""The demo's reporting completeness: a monthly RWAMREC report assigned to four Northern districts, with
reports on time, late and missing, shown on the completeness page and in the Musanze clerk's due list."""

from __future__ import annotations

import pytest

from amahoro.accounts.models import User
from amahoro.data import completeness
from amahoro.data.demo import CODE
from amahoro.data.models import CompleteDataSetRegistration, DataSet
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
