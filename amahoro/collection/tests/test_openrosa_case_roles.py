"""A case role's password alone opens nothing: OpenRosa Basic sign-in is refused for case workers and
case supervisors (whatever else they hold, and whatever AMAHORO_REQUIRE_2FA says); collector tokens work."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from amahoro.collection.models import Submission
from conftest import make_user

from .factories import instance_xml
from .test_openrosa import basic, form, post_submission

__all__ = ["form"]

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("require_2fa", [True, False])
def test_case_roles_cannot_use_openrosa_with_a_password(
    cast: Any, form: Any, settings: Any, require_2fa: bool
) -> None:
    settings.AMAHORO_REQUIRE_2FA = require_2fa
    cache.clear()
    worker = make_user("osc_worker", ("case_worker", cast.ngo, "11"))
    # Also a data clerk: the case role still decides.
    both = make_user(
        "clerk_and_supervisor", ("data_clerk", cast.ngo, "1101"), ("case_supervisor", cast.ngo, "11")
    )
    c = Client()
    for user in (worker, both):
        for resp in (
            c.get("/openrosa/formList", **basic(user)),
            c.get(f"/openrosa/forms/{form.form_id}/form.xml", **basic(user)),
            c.head("/openrosa/submission", **basic(user)),
            c.head("/openrosa/submission", **basic(user)),  # never remembered
            post_submission(c, instance_xml(instance_id=f"uuid:case-{user.pk}"), **basic(user)),
        ):
            assert resp.status_code == 403, (user.username, resp.status_code)
            assert resp.request["REQUEST_METHOD"] == "HEAD" or "collector token" in resp.content.decode()
    assert not Submission.objects.exists()
    # The same endpoints still serve other roles by password.
    assert c.get("/openrosa/formList", **basic(cast.clerk_sector)).status_code == 200
