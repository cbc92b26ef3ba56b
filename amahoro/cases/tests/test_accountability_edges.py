"""The accountability push's edges: referrals counted per district, cases above district level left out,
and a locked period refusing the whole push."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy
from amahoro.cases import services
from amahoro.cases.accountability import RAPE, REFERRALS, REFERRALS_DONE, accountability_push
from amahoro.core.errors import ValidationFailed
from conftest import make_user

from .conftest import consent_referral
from .test_accountability import MONTH, _rapes, _values, setup  # noqa: F401 (setup is a fixture)


def test_referrals_count_per_district_and_cases_above_district_level_are_left_out(setup: Any) -> None:  # noqa: F811
    cc = setup
    incidents = _rapes(cc.worker, 10, early=True, pep=False)
    for incident in incidents:
        consent_referral(cc.worker, incident, "legal")
        services.service_record(
            actor=cc.worker, incident=incident, type="legal", status="referred", provider=cc.ngo
        )
    # A case recorded at province level cannot be attributed to a district.
    province_worker = make_user("province_worker", ("case_worker", cc.osc, "1"))
    _rapes(province_worker, 1, early=True, pep=False, org_unit="1")
    accountability_push(actor=cc.me_officer, period=MONTH)
    values = _values()
    assert values[(REFERRALS, "12")] == "10" and values[(REFERRALS_DONE, "12")] == "0"
    assert values[(RAPE, "12")] == "10"


def test_a_locked_period_refuses_the_push_and_writes_nothing(setup: Any) -> None:  # noqa: F811
    from amahoro.data.models import DataLock
    from amahoro.data.services import period_ensure
    from amahoro.geo.models import OrgUnit

    cc = setup
    _rapes(cc.worker, 10, early=True, pep=True)
    DataLock.objects.create(period=period_ensure(code=MONTH), org_unit=OrgUnit.objects.get(code="12"))
    with pytest.raises(ValidationFailed, match="nothing written") as exc:
        accountability_push(actor=cc.me_officer, period=MONTH)
    assert exc.value.field == "period"
    assert _values() == {}


def test_setup_stops_at_the_first_metadata_error_naming_it(db: Any, monkeypatch: Any) -> None:
    from amahoro.cases import accountability

    broken = {"dataElements": [{"code": "GBV_BROKEN", "name": "Broken", "valueType": "NO_SUCH_TYPE"}]}
    monkeypatch.setattr(accountability, "metadata_payload", lambda: broken)
    with pytest.raises(ValidationFailed, match="accountability metadata: "):
        accountability.accountability_setup(actor=policy.SYSTEM)
