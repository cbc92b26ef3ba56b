"""The analytics store on an S3-compatible bucket (moto's server on 127.0.0.1): the worker publishes, a host
with nothing on its disk reads through Polars' object store, and stale objects go after the grace period."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from amahoro.analytics import engine, remote, store
from amahoro.analytics.engine import aggregate
from amahoro.data.models import DataValue

from .conftest import Dataset

H1 = {"start": date(2024, 1, 1), "end": date(2024, 6, 30)}
BUCKET = "amahoro-analytics"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    try:
        from moto.server import ThreadedMotoServer

        port = _free_port()
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
    except Exception as exc:
        pytest.skip(f"moto's S3 server could not start: {exc}")
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_store(settings: Any, s3_endpoint: str, tmp_path: Path) -> Iterator[remote.S3Location]:
    settings.AMAHORO_S3_ENDPOINT_URL = s3_endpoint
    settings.AMAHORO_S3_REGION = "us-east-1"
    settings.AMAHORO_S3_ACCESS_KEY_ID = "testing"
    settings.AMAHORO_S3_SECRET_ACCESS_KEY = "testing"
    settings.AMAHORO_ANALYTICS_DIR = None
    prefix = f"store-{tmp_path.name}"
    settings.AMAHORO_ANALYTICS_STORE = f"s3://{BUCKET}/{prefix}"
    settings.AMAHORO_ANALYTICS_WORK_DIR = str(tmp_path / "worker")
    settings.AMAHORO_ANALYTICS_QUERY_OVERLAP = 0
    settings.AMAHORO_ANALYTICS_REFRESH_OVERLAP = 0
    s3 = remote.client()
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=BUCKET)
    engine.forget_cache()
    yield remote.S3Location.parse(settings.AMAHORO_ANALYTICS_STORE)
    engine.forget_cache()


def _keys(location: remote.S3Location) -> set[str]:
    listing = remote.client().list_objects_v2(Bucket=location.bucket, Prefix=location.prefix)
    return {item["Key"].removeprefix(location.prefix) for item in listing.get("Contents", [])}


def _by_district(dataset: Dataset) -> list[dict[str, Any]]:
    return aggregate(data_element_ids=[dataset.sum_de.pk], group_by=["district", "month"], **H1)


def test_worker_publishes_and_a_host_with_an_empty_disk_reads_the_bucket(
    dataset: Dataset, s3_store: remote.S3Location, settings: Any, tmp_path: Path
) -> None:
    live = _by_district(dataset)  # nothing published yet: the live path
    assert engine.current_snapshot().live and store.store_age_seconds() is None

    result = store.refresh()
    assert result.kind == "full"
    keys = _keys(s3_store)
    assert "manifest.json" in keys and any(k.startswith("base-") for k in keys)

    # Another host: nothing on its disk, only the bucket.
    settings.AMAHORO_ANALYTICS_WORK_DIR = str(tmp_path / "elsewhere")
    engine.forget_cache()
    snapshot = engine.current_snapshot()
    assert not snapshot.live and snapshot.where == settings.AMAHORO_ANALYTICS_STORE
    assert _by_district(dataset) == live
    assert not (tmp_path / "elsewhere").exists()
    assert store.store_age_seconds() is not None

    # A saved value counts at once (the database's changes since the watermark).
    value = dataset.values[0]
    DataValue.objects.filter(pk=value.pk).update(
        numeric_value=value.numeric_value + 500, value="x", updated_at=timezone.now()
    )
    after = _by_district(dataset)
    assert sum(r["value"] for r in after) == sum(r["value"] for r in live) + 500


def test_incremental_refresh_swaps_the_manifest_and_removes_stale_objects(
    dataset: Dataset, s3_store: remote.S3Location, settings: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    store.refresh()
    first = store.current_manifest()
    assert first is not None
    value = dataset.values[1]
    DataValue.objects.filter(pk=value.pk).update(
        numeric_value=value.numeric_value + 7, value="x", updated_at=timezone.now()
    )
    second_result = store.refresh()
    assert second_result.kind == "incremental"
    second = store.current_manifest()
    assert second is not None and second.generation == first.generation + 1 and second.delta
    engine.forget_cache()
    expected = sum(r["value"] for r in _by_district(dataset))

    # A worker on a new host (no working copy) starts over in full, after the published generation.
    settings.AMAHORO_ANALYTICS_WORK_DIR = str(tmp_path / "new-worker")
    monkeypatch.setattr(store, "GRACE_SECONDS", 0)
    third_result = store.refresh()
    assert third_result.kind == "full" and third_result.generation == second.generation + 1
    third = store.current_manifest()
    assert third is not None
    assert {k for k in _keys(s3_store) if k.endswith(".parquet")} == third.files()
    engine.forget_cache()
    assert sum(r["value"] for r in _by_district(dataset)) == expected


def test_refreshes_of_a_bucket_never_overlap(dataset: Dataset, s3_store: remote.S3Location) -> None:
    with store.shared_lock(wait=False) as held:
        assert held
        assert store.refresh().kind == "skipped"
    assert store.refresh().kind == "full"


def test_a_bucket_out_of_reach_answers_from_the_database(
    dataset: Dataset, settings: Any, tmp_path: Path
) -> None:
    settings.AMAHORO_ANALYTICS_DIR = None
    settings.AMAHORO_ANALYTICS_STORE = f"s3://{BUCKET}/unreachable"
    settings.AMAHORO_S3_ENDPOINT_URL = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    settings.AMAHORO_S3_ACCESS_KEY_ID = "testing"
    settings.AMAHORO_S3_SECRET_ACCESS_KEY = "testing"
    engine.forget_cache()
    try:
        rows = _by_district(dataset)
        assert rows and engine.current_snapshot().live
    finally:
        engine.forget_cache()
