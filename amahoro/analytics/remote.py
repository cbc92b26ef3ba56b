"""The analytics store on an S3-compatible object store (AMAHORO_ANALYTICS_STORE = s3://bucket/prefix).

The worker builds each snapshot in a local working directory (amahoro.analytics.store) and publishes it
here: first the new Parquet files (their names carry the generation and a random tag, so a file once
written never changes), then `manifest.json`, one small object whose PUT replaces it whole; a reader on
any host sees the previous snapshot or the new one, never a mix. App hosts read the manifest with boto3
and scan the Parquet files with Polars' own object-store reader (no copy on the host's disk).
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from django.conf import settings

if TYPE_CHECKING:
    from amahoro.analytics.store import Manifest

MANIFEST = "manifest.json"


@dataclass(frozen=True)
class S3Location:
    bucket: str
    prefix: str  # "" or "some/prefix/" (always ends with "/" when set)

    @classmethod
    def parse(cls, url: str) -> S3Location:
        parsed = urlparse(url)
        if parsed.scheme != "s3" or not parsed.netloc:
            raise ValueError(f"AMAHORO_ANALYTICS_STORE: {url!r} is not s3://bucket/prefix")
        prefix = parsed.path.strip("/")
        return cls(parsed.netloc, f"{prefix}/" if prefix else "")

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}"

    def key(self, name: str) -> str:
        return self.prefix + name

    def uri(self, name: str) -> str:
        return f"s3://{self.bucket}/{self.key(name)}"


def _credentials() -> tuple[str, str]:
    import os

    key_id = getattr(settings, "AMAHORO_S3_ACCESS_KEY_ID", "") or os.environ.get("AWS_ACCESS_KEY_ID", "")
    secret = getattr(settings, "AMAHORO_S3_SECRET_ACCESS_KEY", "") or os.environ.get(
        "AWS_SECRET_ACCESS_KEY", ""
    )
    return key_id, secret


def storage_options() -> dict[str, str]:
    """Polars' object-store options for the configured endpoint and credentials."""
    options = {"aws_region": getattr(settings, "AMAHORO_S3_REGION", "") or "us-east-1"}
    endpoint = getattr(settings, "AMAHORO_S3_ENDPOINT_URL", "")
    if endpoint:
        options["aws_endpoint_url"] = endpoint
        if endpoint.startswith("http://"):
            options["aws_allow_http"] = "true"
    key_id, secret = _credentials()
    if key_id and secret:
        options["aws_access_key_id"] = key_id
        options["aws_secret_access_key"] = secret
    return options


def client() -> Any:
    import boto3

    key_id, secret = _credentials()
    return boto3.client(
        "s3",
        endpoint_url=getattr(settings, "AMAHORO_S3_ENDPOINT_URL", "") or None,
        region_name=getattr(settings, "AMAHORO_S3_REGION", "") or "us-east-1",
        aws_access_key_id=key_id or None,
        aws_secret_access_key=secret or None,
    )


def read_manifest_data(location: S3Location) -> dict[str, Any] | None:
    s3 = client()
    try:
        body = s3.get_object(Bucket=location.bucket, Key=location.key(MANIFEST))["Body"].read()
    except s3.exceptions.NoSuchKey:
        return None
    return json.loads(body)  # type: ignore[no-any-return]


def publish(location: S3Location, local_root: Path, manifest: Manifest) -> None:
    """Upload the snapshot's files the bucket lacks, then swap the manifest."""
    s3 = client()
    present = set(_listing(s3, location))
    for name in sorted(manifest.files()):
        if location.key(name) not in present:
            s3.upload_file(str(local_root / name), location.bucket, location.key(name))
    s3.put_object(
        Bucket=location.bucket,
        Key=location.key(MANIFEST),
        Body=json.dumps(manifest.as_json(), indent=1).encode(),
        ContentType="application/json",
    )


def remove_stale(location: S3Location, manifest: Manifest, *, grace_seconds: float) -> int:
    """Delete Parquet objects the manifest no longer names, once older than the grace period (readers
    may still scan the previous snapshot's files)."""
    s3 = client()
    keep = {location.key(name) for name in manifest.files()}
    cutoff = time.time() - grace_seconds
    stale = [
        key
        for key, modified in _listing(s3, location).items()
        if key.endswith(".parquet") and key not in keep and modified < cutoff
    ]
    for start in range(0, len(stale), 1000):
        s3.delete_objects(
            Bucket=location.bucket,
            Delete={"Objects": [{"Key": key} for key in stale[start : start + 1000]], "Quiet": True},
        )
    return len(stale)


def _listing(s3: Any, location: S3Location) -> dict[str, float]:
    """key -> last modified (epoch seconds) of the objects directly under the prefix."""
    found: dict[str, float] = {}
    for page in s3.get_paginator("list_objects_v2").paginate(
        Bucket=location.bucket, Prefix=location.prefix, Delimiter="/"
    ):
        for item in page.get("Contents", []):
            found[item["Key"]] = item["LastModified"].timestamp()
    return found
