"""The one door: `require` / `@requires`, the SYSTEM actor, a missing actor failing closed, and the by-code
selectors every app uses instead of hand look-ups."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.core import rest
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.geo.selectors import org_unit_by_code
from amahoro.organisations.selectors import organisation_by_code
from amahoro.roles import Perm


def test_require_lets_a_holder_through_and_refuses_others_with_the_permission_named(cast: Any) -> None:
    policy.require(cast.me_nyarugenge, Perm.DATA_ENTER)
    with pytest.raises(PermissionDenied) as refused:
        policy.require(cast.viewer_nyarugenge, Perm.DATA_ENTER)
    assert refused.value.status == 403
    assert refused.value.code == "permission_denied"
    # Named in words, in the active language (people read it on refusal pages), not as its code `data.enter`.
    assert refused.value.message == "Your roles do not allow this: Enter data."
    with pytest.raises(PermissionDenied):
        policy.require(AnonymousUser(), Perm.ORGUNIT_VIEW)
    with pytest.raises(PermissionDenied, match="not yours"):
        policy.require(cast.nobody, Perm.ORGUNIT_VIEW, message="not yours")


def test_require_on_an_object_and_on_a_place_follows_the_subtree(cast: Any) -> None:
    inside, outside = OrgUnit.objects.get(code="110101"), OrgUnit.objects.get(code="1201")
    policy.require(cast.me_nyarugenge, Perm.ORGUNIT_VIEW, inside)
    with pytest.raises(PermissionDenied):
        policy.require(cast.me_nyarugenge, Perm.ORGUNIT_VIEW, outside)
    policy.require(cast.me_nyarugenge, Perm.DATA_ENTER, organisation=cast.ngo, org_unit=inside)
    with pytest.raises(PermissionDenied):
        policy.require(cast.me_nyarugenge, Perm.DATA_ENTER, organisation=cast.ngo, org_unit=outside)
    with pytest.raises(PermissionDenied):  # the same place, another organisation
        policy.require(cast.me_nyarugenge, Perm.DATA_ENTER, organisation=cast.police, org_unit=inside)


def test_a_missing_actor_fails_closed_and_system_passes(cast: Any) -> None:
    with pytest.raises(PermissionDenied) as refused:
        policy.require(None, Perm.ORGUNIT_VIEW)
    assert refused.value.code == "no_actor"
    with pytest.raises(PermissionDenied):
        policy.check_actor(None)
    policy.check_actor(policy.SYSTEM)
    policy.require(policy.SYSTEM, Perm.CASE_VIEW, OrgUnit.objects.get(code="1201"))
    policy.require(policy.SYSTEM, Perm.DATA_ENTER, organisation=cast.police, org_unit="/RW/")
    assert policy.is_system(policy.SYSTEM) and not policy.is_system(cast.sysadmin)
    assert policy.visible(policy.SYSTEM, Perm.ORGUNIT_VIEW, OrgUnit.objects.all()).count() == (
        OrgUnit.objects.count()
    )
    assert not policy.allows(None, Perm.ORGUNIT_VIEW)


def test_system_is_audited_as_no_user(cast: Any) -> None:
    from amahoro.audit.models import AuditAction
    from amahoro.audit.services import audit_record

    audit_record(actor=policy.SYSTEM, action=AuditAction.CREATE, obj=cast.ngo)
    event = AuditEvent.objects.latest("pk")
    assert event.actor is None and event.actor_username == ""


def test_requires_decorates_view_functions_and_api_methods(cast: Any) -> None:
    @policy.requires(Perm.DATA_ENTER)
    def page(request: Any) -> str:
        return "ok"

    class Endpoint:
        @policy.requires(Perm.DATA_ENTER, message="clerks only")
        def post(self, request: Any) -> str:
            return "ok"

    request = RequestFactory().get("/")
    request.user = cast.clerk_sector
    assert page(request) == "ok" and Endpoint().post(request) == "ok"
    request.user = cast.viewer_nyarugenge
    with pytest.raises(PermissionDenied):
        page(request)
    with pytest.raises(PermissionDenied, match="clerks only"):
        Endpoint().post(request)
    assert page.required_perms == (Perm.DATA_ENTER,)  # type: ignore[attr-defined]


def test_require_any(cast: Any) -> None:
    policy.require_any(cast.viewer_nyarugenge, [Perm.DATA_ENTER, Perm.ORGUNIT_VIEW])
    with pytest.raises(PermissionDenied):
        policy.require_any(cast.nobody, [Perm.DATA_ENTER, Perm.ORGUNIT_VIEW])


@pytest.mark.django_db
def test_org_unit_by_code_names_the_field() -> None:
    assert org_unit_by_code("11").name == "Nyarugenge"
    assert org_unit_by_code(" 11 ").code == "11"
    with pytest.raises(ValidationFailed) as unknown:
        org_unit_by_code("Musanze", field="orgUnit")
    assert unknown.value.field == "orgUnit" and "Musanze" in unknown.value.message
    with pytest.raises(ValidationFailed, match="required"):
        org_unit_by_code("")
    assert org_unit_by_code(None, required=False) is None
    unit = OrgUnit.objects.get(code="1101")
    unit.closed_on = dt.date(2020, 1, 1)
    unit.save(update_fields=["closed_on"])
    assert org_unit_by_code("1101", on=dt.date(2019, 6, 1)).code == "1101"
    with pytest.raises(ValidationFailed, match="not open on 2021-01-01"):
        org_unit_by_code("1101", on=dt.date(2021, 1, 1))


def test_organisation_by_code_refuses_unknown_and_inactive(cast: Any) -> None:
    assert organisation_by_code("NGO1") == cast.ngo
    with pytest.raises(ValidationFailed) as unknown:
        organisation_by_code("NOPE", field="provider")
    assert unknown.value.field == "provider"
    cast.police.is_active = False
    cast.police.save(update_fields=["is_active"])
    with pytest.raises(ValidationFailed):
        organisation_by_code("RNP")
    assert organisation_by_code("RNP", active=False) == cast.police
    assert organisation_by_code("", required=False) is None


class _Body(rest.StrictInput):
    name = serializers.CharField(max_length=5)
    count = serializers.IntegerField(min_value=0)


class _Query(serializers.Serializer):  # type: ignore[type-arg]
    code = serializers.ListField(child=serializers.CharField(), required=False)
    limit = serializers.IntegerField(required=False, max_value=10)


def test_parse_validates_with_the_endpoint_contract() -> None:
    assert rest.parse(_Body, {"name": "ab", "count": 2}) == {"name": "ab", "count": 2}
    from rest_framework.exceptions import ValidationError

    with pytest.raises(ValidationError) as bad:
        rest.parse(_Body, {"name": "ab", "count": -1})
    assert "count" in bad.value.detail  # type: ignore[operator]
    with pytest.raises(ValidationError) as typo:
        rest.parse(_Body, {"name": "ab", "count": 1, "cuont": 1})
    assert "cuont" in typo.value.detail  # type: ignore[operator]
    with pytest.raises(ValidationFailed, match="JSON object"):
        rest.parse(_Body, ["name"])


def test_parse_query_takes_declared_parameters_only() -> None:
    from rest_framework.exceptions import ValidationError
    from rest_framework.request import Request

    def req(qs: str) -> Request:
        return Request(APIRequestFactory().get(f"/x?{qs}"))

    assert rest.parse_query(_Query, req("code=a&code=b&limit=3&format=json")) == {
        "code": ["a", "b"],
        "limit": 3,
    }
    with pytest.raises(ValidationFailed, match="did you mean 'limit'"):
        rest.parse_query(_Query, req("limt=3"))
    with pytest.raises(ValidationError):
        rest.parse_query(_Query, req("limit=99"))


def test_a_page_refused_by_require_gets_the_403_page_not_a_500(cast: Any) -> None:
    from django.core.exceptions import PermissionDenied as DjangoPermissionDenied

    assert issubclass(PermissionDenied, DjangoPermissionDenied)
    from django.test import Client

    client = Client(raise_request_exception=False)
    client.force_login(cast.nobody)
    # /help/ is open to any signed-in user; the audit page needs audit.view, which nobody has.
    assert client.get("/audit/").status_code in (403, 404)


def test_a_named_check_decides_how_grants_cover_an_organisation_and_a_place(cast: Any) -> None:
    """`register_check` names a rule an app words its own way; `allows`/`require(..., check=name)` ask it."""
    seen: list[tuple[int | None, str | None]] = []

    def same_organisation(g: policy.Grant, organisation_id: int | None, path: str | None) -> bool:
        seen.append((organisation_id, path))
        return g.is_global or g.organisation_id == organisation_id

    policy.register_check("tests.same_organisation", same_organisation)
    try:
        outside = OrgUnit.objects.get(code="1201")
        # district 11's officer holds data.enter in the NGO: the check ignores the place, can_in does not
        assert policy.allows(
            cast.me_nyarugenge,
            Perm.DATA_ENTER,
            organisation=cast.ngo,
            org_unit=outside,
            check="tests.same_organisation",
        )
        assert not policy.allows(cast.me_nyarugenge, Perm.DATA_ENTER, organisation=cast.ngo, org_unit=outside)
        assert (cast.ngo.pk, outside.path) in seen
        with pytest.raises(PermissionDenied, match="not theirs"):
            policy.require(
                cast.me_nyarugenge,
                Perm.DATA_ENTER,
                organisation=cast.police,
                check="tests.same_organisation",
                message="not theirs",
            )
        assert policy.allows(
            policy.SYSTEM, Perm.DATA_ENTER, organisation=cast.police, check="tests.same_organisation"
        )
        assert not policy.allows(
            None, Perm.DATA_ENTER, organisation=cast.ngo, check="tests.same_organisation"
        )
        with pytest.raises(LookupError):
            policy.allows(cast.me_nyarugenge, Perm.DATA_ENTER, organisation=cast.ngo, check="tests.unknown")
    finally:
        policy.CHECKS.pop("tests.same_organisation", None)


def test_apps_register_their_named_checks() -> None:
    assert {"collection.holds_in_org", "funding.may_manage"} <= set(policy.CHECKS)
