"""The demo gives every worklist role something to do (load_demo, then My work of each demo login)."""

from __future__ import annotations

import pytest

from amahoro.accounts.models import User
from amahoro.worklist import selectors
from conftest import client_for

from .links import assert_item_actionable


@pytest.mark.django_db
@pytest.mark.usefixtures("demo_once")
class TestDemoWorklists:
    def kinds(self, username: str) -> set[str]:
        user = User.objects.get(username=username)
        return {i.kind for s in selectors.worklist(user=user) for i in s.items}

    def test_case_worker_has_a_pep_countdown_and_a_closure_sent_back(self) -> None:
        assert {"pep", "ec", "closure_returned"} <= self.kinds("case_worker")

    def test_case_supervisor_has_a_closure_to_approve(self) -> None:
        assert "closure_to_approve" in self.kinds("case_supervisor")

    def test_me_officer_has_data_to_approve(self) -> None:
        assert "approval" in self.kinds("me_officer")

    def test_org_admin_has_a_role_request(self) -> None:
        assert "role_request" in self.kinds("rwamrec_admin")

    def test_every_item_of_every_demo_login_opens_a_page_with_its_action(self) -> None:
        followed: set[str] = set()
        for user in User.objects.filter(is_active=True).order_by("username"):
            items = [i for s in selectors.worklist(user=user) for i in s.items]
            if not items:
                continue
            client = client_for(user)
            for item in items:
                assert_item_actionable(client, item)
                followed.add(item.kind)
        assert {"pep", "ec", "closure_returned", "closure_to_approve", "approval", "role_request"} <= followed
