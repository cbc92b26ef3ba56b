"""`submission_received`: sent once per new submission after the commit (not for a resend), and a receiver's
failure never fails the receipt."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro.collection import services
from amahoro.collection.models import Submission
from amahoro.collection.signals import submission_received

from .factories import instance_xml, upload

pytestmark = pytest.mark.django_db


def test_sent_once_per_new_submission_after_commit(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    upload(cast.ngo_admin, cast.ngo)
    got: list[str] = []

    def receiver(sender: Any, submission: Submission, **kwargs: Any) -> None:
        got.append(submission.instance_id)

    submission_received.connect(receiver, dispatch_uid="test-receiver")
    try:
        xml = instance_xml(instance_id="uuid:aaaa-1")
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            services.submission_receive(xml=xml, user=cast.clerk_sector)
        assert got == [] and len(callbacks) == 1  # not before the commit
        callbacks[0]()
        with django_capture_on_commit_callbacks(execute=True):
            assert services.submission_receive(xml=xml, user=cast.clerk_sector).created is False
        assert got == ["uuid:aaaa-1"]
    finally:
        submission_received.disconnect(dispatch_uid="test-receiver")


def test_a_failing_receiver_never_fails_the_receipt(
    cast: Any, django_capture_on_commit_callbacks: Any
) -> None:
    upload(cast.ngo_admin, cast.ngo)

    def broken(sender: Any, submission: Submission, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    submission_received.connect(broken, dispatch_uid="test-broken")
    try:
        with django_capture_on_commit_callbacks(execute=True):
            received = services.submission_receive(xml=instance_xml(), user=cast.clerk_sector)
        assert received.created and Submission.objects.count() == 1
    finally:
        submission_received.disconnect(dispatch_uid="test-broken")
