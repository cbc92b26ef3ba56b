"""Demo data: organisations, contacts and one user per role; idempotent; scoped like real users."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from amahoro import policy
from amahoro.accounts.models import RoleAssignment, User
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Contact, Organisation
from amahoro.roles import Perm, Role
from amahoro.site import demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def loaded(demo_once: demo.DemoResult) -> demo.DemoResult:
    return demo_once  # the test database holds Rwanda without shapes unless a test attaches them


class TestLoadedDemo:
    """The tests that read one load of the demo (loaded once for the class: conftest.demo_once)."""

    def test_creates_the_demo_organisations_with_their_areas(self, loaded: demo.DemoResult) -> None:
        assert sorted(loaded.organisations_created) == sorted(o.code for o in demo.ORGANISATIONS)
        rwamrec = Organisation.objects.get(code="RWAMREC")
        assert rwamrec.name == "Rwanda Men's Resource Centre (RWAMREC)"
        assert rwamrec.type == "ngo"
        areas = set(rwamrec.areas.values_list("code", flat=True))
        assert len(areas) == 24
        assert OrgUnit.objects.filter(code__in=areas, level__code="district").count() == 24
        assert "43" in areas and "23" not in areas
        assert Organisation.objects.get(code="ISANGE-KACYIRU").type == "osc"
        assert list(Organisation.objects.get(code="ISANGE-KACYIRU").areas.values_list("code", flat=True)) == [
            "12"
        ]
        assert {
            o.type for o in Organisation.objects.filter(code__in=[s.code for s in demo.ORGANISATIONS])
        } == {
            "ngo",
            "ministry",
            "police",
            "osc",
            "un",
            "donor",
            "cso",
        }

    def test_contacts_are_fictional(self, loaded: demo.DemoResult) -> None:
        contacts = Contact.objects.filter(organisation__code__in=[s.code for s in demo.ORGANISATIONS])
        assert contacts.count() == sum(len(s.contacts) for s in demo.ORGANISATIONS)
        assert all(c.email.endswith("example.org") for c in contacts)

    def test_one_user_per_role_scoped_as_documented(self, loaded: demo.DemoResult) -> None:
        grants = {
            (a.user.username, a.role, a.organisation.code, a.org_unit.code if a.org_unit else None)
            for a in RoleAssignment.objects.filter(user__username__in=[u.username for u in demo.USERS])
        }
        assert grants == {
            ("admin", "system_admin", "MIGEPROF", "RW"),
            ("rwamrec_admin", "org_admin", "RWAMREC", "RW"),
            ("me_officer", "me_officer", "RWAMREC", "RW"),
            ("clerk_musanze", "data_clerk", "RWAMREC", "43"),
            ("case_worker", "case_worker", "ISANGE-KACYIRU", "12"),
            ("case_supervisor", "case_supervisor", "ISANGE-KACYIRU", "1"),
            ("viewer", "viewer", "MIGEPROF", "RW"),
            ("moderator", "assessment_moderator", "PROFEMMES", "RW"),
            ("police_gasabo", "service_provider", "RNP", "12"),
            ("ewer_musanze", "ewer_focal_point", "RWAMREC", "43"),
            ("ewer_police_musanze", "ewer_responder", "RNP", "43"),
        }
        assert {u.role for u in demo.USERS} == set(Role)
        admin = User.objects.get(username="admin")
        assert admin.is_superuser and admin.is_staff
        assert not User.objects.filter(username__in=["viewer", "case_worker"], is_staff=True).exists()
        assert all(
            User.objects.get(username=u.username).check_password(demo.DEFAULT_PASSWORD) for u in demo.USERS
        )

    def test_demo_users_get_only_their_scope(self, loaded: demo.DemoResult) -> None:
        clerk = User.objects.get(username="clerk_musanze")
        assert policy.can(clerk, Perm.ORGUNIT_VIEW, OrgUnit.objects.get(code="4301"))
        assert not policy.can(clerk, Perm.ORGUNIT_VIEW, OrgUnit.objects.get(code="12"))
        assert not policy.has_perm(clerk, Perm.CASE_VIEW)
        assert policy.can_in(
            clerk,
            Perm.DATA_ENTER,
            organisation=Organisation.objects.get(code="RWAMREC"),
            org_unit="/RW/4/43/",
        )
        assert not policy.can_in(
            clerk, Perm.DATA_ENTER, organisation=Organisation.objects.get(code="RNP"), org_unit="/RW/4/43/"
        )
        worker = User.objects.get(username="case_worker")
        kacyiru = Organisation.objects.get(code="ISANGE-KACYIRU")
        assert policy.can_in(worker, Perm.CASE_MANAGE, organisation=kacyiru, org_unit="/RW/1/12/")
        assert not policy.can_in(worker, Perm.CASE_MANAGE, organisation=kacyiru, org_unit="/RW/1/11/")
        assert not policy.can_in(
            worker,
            Perm.CASE_MANAGE,
            organisation=Organisation.objects.get(code="ISANGE-HUYE"),
            org_unit="/RW/1/12/",
        )
        admin = User.objects.get(username="admin")
        assert policy.is_system_admin(admin)
        assert not policy.has_perm(admin, Perm.CASE_VIEW)  # system administrators never read case files
        viewer = User.objects.get(username="viewer")
        assert not policy.has_perm(viewer, Perm.DATA_ENTER)

    def test_second_run_changes_nothing(self, loaded: demo.DemoResult) -> None:
        counts = (
            Organisation.objects.count(),
            Contact.objects.count(),
            User.objects.count(),
            RoleAssignment.objects.count(),
        )
        events = AuditEvent.objects.count()
        again = demo.demo_load()
        assert again.organisations_created == [] and again.users_created == []
        assert (
            Organisation.objects.count(),
            Contact.objects.count(),
            User.objects.count(),
            RoleAssignment.objects.count(),
        ) == counts
        assert AuditEvent.objects.count() == events
        # The core users first; other apps' demo steps add their own logins after them.
        assert [lg.username for lg in again.logins][: len(demo.USERS)] == [u.username for u in demo.USERS]

    def test_second_run_repairs_areas_and_password(
        self, loaded: demo.DemoResult, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        Organisation.objects.get(code="RWAMREC").areas.clear()
        monkeypatch.setenv(demo.PASSWORD_ENV, "another-demo-pass-77")
        demo.demo_load()
        assert Organisation.objects.get(code="RWAMREC").areas.count() == 24
        assert User.objects.get(username="viewer").check_password("another-demo-pass-77")

    def test_writes_audit_rows_for_what_it_creates(self, loaded: demo.DemoResult) -> None:
        assert (
            AuditEvent.objects.filter(action="create", object_type="organisations.organisation").count() >= 8
        )
        assert AuditEvent.objects.filter(action="grant", object_type="accounts.roleassignment").count() >= 7
        assert not AuditEvent.objects.filter(changes__password=demo.DEFAULT_PASSWORD).exists()


def test_refuses_without_rwanda_loaded() -> None:
    OrgUnit.objects.filter(code="43").update(code="43-moved")
    with pytest.raises(ValidationFailed, match="load_reference rwanda"):
        demo.demo_load()
    with pytest.raises(CommandError, match="load_reference rwanda"):
        call_command("load_demo", stdout=StringIO())
    assert not Organisation.objects.filter(code="RWAMREC").exists()


def test_command_prints_the_logins_table() -> None:
    out = StringIO()
    call_command("load_demo", stdout=out)
    text = out.getvalue()
    for spec in demo.USERS:
        assert spec.username in text
    assert demo.DEFAULT_PASSWORD in text
    assert "43 Musanze" in text
    assert "TOTP" in text
    assert "no district shapes" in text
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "case_supervisor" in out.getvalue() and "1 Kigali City" in out.getvalue()


def test_demo_logins_without_demo_users_is_an_error() -> None:
    with pytest.raises(CommandError, match="load_demo"):
        call_command("demo_logins", stdout=StringIO())


def test_reports_the_shapes_that_load_reference_attached() -> None:
    from amahoro.geo.services import shipped_boundaries_load

    shipped_boundaries_load(actor=policy.SYSTEM)
    result = demo.demo_load()
    assert "boundary shapes: 5 provinces, 30 districts, 416 sectors" in result.notes
