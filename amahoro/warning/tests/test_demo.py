"""The early-warning demo: rules, about twenty signals in Musanze moved along by the demo focal point and
responder, and nothing added by a second run."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.warning import selectors
from amahoro.warning.models import RoutingRule, Signal, SignalStatus, Transition


@pytest.mark.django_db
class TestWarningDemo:
    def test_demo_signals_rules_and_scope(self, demo_once: Any) -> None:
        assert Signal.objects.filter(source_ref__startswith="demo-").count() == 20
        assert RoutingRule.objects.filter(
            responder__code="MINIJUST", signal_type__code="land_dispute"
        ).exists()
        statuses = set(Signal.objects.values_list("status", flat=True))
        assert {SignalStatus.NEW, SignalStatus.ASSIGNED, SignalStatus.RESOLVED} <= statuses
        assert Transition.objects.filter(by__username="ewer_police_musanze", to_status="resolved").exists()
        focal = User.objects.get(username="ewer_musanze")
        assert selectors.signals_visible_to(user=focal).count() == 20
        case_worker = User.objects.get(username="case_worker")
        assert selectors.signals_visible_to(user=case_worker).count() == 0
        assert selectors.signals_search(user=focal, overdue=True).exists()

    def test_demo_writes_this_months_p2o3_figures(self, demo_once: Any) -> None:
        from django.utils import timezone

        from amahoro.data.models import DataValue

        values = DataValue.objects.filter(
            data_element__code="EWER_SIGNALS_RECEIVED",
            period__code=timezone.localdate().strftime("%Y%m"),
            org_unit__code="43",
            deleted=False,
        )
        assert [v.value for v in values] == ["20"]

    def test_second_run_adds_nothing(self, demo_once: Any) -> None:
        from amahoro.warning.demo import warning_demo_step

        before = (Signal.objects.count(), Transition.objects.count(), RoutingRule.objects.count())
        warning_demo_step(demo_once, policy.SYSTEM)
        assert (Signal.objects.count(), Transition.objects.count(), RoutingRule.objects.count()) == before
