"""Stateless app hosts: the store's location (absolute, shared, or s3://), the live path while there is no
snapshot (same answers as the store), and the worker's beat schedule."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from amahoro.analytics import engine, store
from amahoro.analytics.engine import aggregate
from amahoro.data.models import DataValue

from .conftest import Dataset

H1 = {"start": date(2024, 1, 1), "end": date(2024, 6, 30)}
PROJECT_DIR = Path(__file__).resolve().parents[3]


def _queries(dataset: Dataset) -> list[dict[str, Any]]:
    sums = [dataset.sum_de.pk, dataset.other_sum_de.pk]
    return [
        {"data_element_ids": sums, "group_by": ["district", "month", "category_option"], "category": "SEX"},
        {"data_element_ids": [dataset.sum_de.pk], "group_by": ["period"]},
        {
            "data_element_ids": [dataset.sum_de.pk],
            "group_by": ["province", "org_unit"],
            "period_type": "Monthly",
        },
        {"data_element_ids": [dataset.average_de.pk], "group_by": ["district"]},
        {"data_element_ids": [dataset.last_de.pk], "group_by": ["district", "category_option_combo"]},
        {"data_element_ids": sums, "group_by": ["data_element"], "org_unit_paths": ["/RW/1/11/"]},
        {"data_element_ids": sums, "organisation_ids": []},
    ]


def test_live_path_and_store_give_the_same_answers(dataset: Dataset, analytics_store: Path) -> None:
    live = [aggregate(**q, **H1) for q in _queries(dataset)]
    assert engine.current_snapshot().live
    assert all(live[:5])
    store.refresh()
    engine.forget_cache()
    assert not engine.current_snapshot().live
    assert [aggregate(**q, **H1) for q in _queries(dataset)] == live


def test_a_saved_value_counts_on_the_live_path(dataset: Dataset, analytics_store: Path) -> None:
    query = {"data_element_ids": [dataset.sum_de.pk], "period_type": "Monthly", **H1}
    before = aggregate(**query)[0]["value"]
    value = dataset.values[0]
    DataValue.objects.filter(pk=value.pk).update(numeric_value=value.numeric_value + 1000, value="x")
    assert aggregate(**query)[0]["value"] == before + 1000
    DataValue.objects.filter(pk=value.pk).update(deleted=True)
    assert aggregate(**query)[0]["value"] == before - value.numeric_value


def test_a_relative_store_path_is_refused(settings: Any) -> None:
    settings.AMAHORO_ANALYTICS_DIR = None
    settings.AMAHORO_ANALYTICS_STORE = "var/analytics"
    with pytest.raises(ImproperlyConfigured, match="absolute"):
        store.store_dir()


def test_default_locations_are_absolute_under_the_data_dir_whatever_the_working_directory(
    tmp_path: Path,
) -> None:
    """systemd starts services in /: the store (and the data directory) must not follow the working
    directory (it used to land in an unwritable /var/analytics)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("AMAHORO_") and k not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "amahoro.settings.base"
    code = (
        "from django.conf import settings as s; "
        "print(s.VAR_DIR); print(s.AMAHORO_ANALYTICS_STORE); print(s.AMAHORO_BACKUP_DIR)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    var_dir, analytics, backups = (Path(line) for line in result.stdout.split())
    assert var_dir == PROJECT_DIR / "var"
    assert analytics == var_dir / "analytics" and analytics.is_absolute()
    assert backups == var_dir / "backups"
    assert not str(analytics).startswith(str(tmp_path))


def test_beat_refreshes_every_minute_and_rebuilds_nightly(settings: Any) -> None:
    from celery.schedules import crontab

    from amahoro.core.tasks import resolve

    entries = {
        name: entry
        for name, entry in settings.CELERY_BEAT_SCHEDULE.items()
        if entry["args"][:1] == ["amahoro.analytics.tasks.analytics_refresh"]
    }
    assert len(entries) == 2
    minute = entries["analytics-refresh-every-minute"]
    assert minute["schedule"] == 60.0 and minute["args"] == ["amahoro.analytics.tasks.analytics_refresh"]
    nightly = entries["analytics-refresh-full-nightly"]
    assert isinstance(nightly["schedule"], crontab) and nightly["args"][1:] == ["full"]
    for entry in entries.values():
        assert entry["task"] == "amahoro.core.tasks.run_path"
        resolve(entry["args"][0])
