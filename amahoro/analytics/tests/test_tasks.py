"""The refresh task and command: thin wrappers over store.refresh()."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from amahoro.analytics.tasks import analytics_refresh
from amahoro.core.tasks import run_task

from .conftest import Dataset


def test_task_builds_then_refreshes(
    dataset: Dataset, analytics_store: Any, django_capture_on_commit_callbacks: Any
) -> None:
    assert analytics_refresh()["kind"] == "full"  # nothing yet: a full build
    assert analytics_refresh()["kind"] == "incremental"
    assert analytics_refresh("full")["kind"] == "full"
    with django_capture_on_commit_callbacks(execute=True):
        run_task("amahoro.analytics.tasks.analytics_refresh")
    with pytest.raises(ValueError, match="unknown mode"):
        analytics_refresh("everything")


def test_command_prints_the_result(dataset: Dataset, analytics_store: Any) -> None:
    out = StringIO()
    call_command("analytics_refresh", "--full", stdout=out)
    result = json.loads(out.getvalue())
    assert result["kind"] == "full" and result["base_rows"] > 0
