"""notify(): in-app rows for each recipient, deliveries per channel following the preferences, the send
task queued on commit, and text that never carries a survivor's name or phone."""

from __future__ import annotations

from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from amahoro import policy
from amahoro.audit.models import AuditEvent
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.notifications import services
from amahoro.notifications.models import Channel, Delivery, DeliveryStatus, Notification, Preference
from conftest import make_user

from .conftest import PLAIN, URGENT

pytestmark = pytest.mark.django_db


def channels(notification: Notification) -> set[str]:
    return set(notification.deliveries.values_list("channel", flat=True))


def test_notify_writes_the_event_text_in_each_recipients_language(ana: Any, ben: Any) -> None:
    ben.language = "fr"
    ben.save()
    out = services.notify(
        [ana, ben, ana],
        PLAIN,
        actor=policy.SYSTEM,
        link="/cases/x/",
        context={"code": "GBV-AB12-CD34", "service": "health"},
    )
    assert [n.recipient for n in out] == [ana, ben]  # once each
    assert out[0].title == "Case GBV-AB12-CD34: something to look at"
    assert out[0].body == "Service: health"
    assert out[0].link == "/cases/x/"
    assert Notification.objects.count() == 2


def test_the_object_is_named_by_label_and_uuid(ana: Any) -> None:
    (n,) = services.notify([ana], PLAIN, ana, actor=policy.SYSTEM, context={"code": "c", "service": "s"})
    assert n.object_type == "accounts.user"
    assert n.object_id == str(ana.pk)


def test_inactive_users_are_skipped(ana: Any, ben: Any) -> None:
    ben.is_active = False
    ben.save()
    out = services.notify([ana, ben], PLAIN, actor=policy.SYSTEM, context={"code": "c", "service": "s"})
    assert [n.recipient for n in out] == [ana]


def test_an_unknown_event_or_no_actor_is_refused(ana: Any) -> None:
    with pytest.raises(ValueError, match="unknown notification event"):
        services.notify([ana], "no.such", actor=policy.SYSTEM)
    with pytest.raises(PermissionDenied):
        services.notify([ana], PLAIN, actor=None, context={"code": "c", "service": "s"})  # type: ignore[arg-type]


def test_email_by_default_when_the_user_has_an_address(ana: Any) -> None:
    (n,) = services.notify([ana], PLAIN, actor=policy.SYSTEM, context={"code": "c", "service": "s"})
    assert channels(n) == {Channel.EMAIL}
    delivery = n.deliveries.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.next_attempt_at is not None


def test_no_email_without_an_address_or_with_email_off(ana: Any, ben: Any) -> None:
    ana.email = ""
    ana.save()
    Preference.objects.create(user=ben, email=False)
    out = services.notify([ana, ben], PLAIN, actor=policy.SYSTEM, context={"code": "c", "service": "s"})
    assert all(channels(n) == set() for n in out)


def test_sms_only_for_urgent_events_with_sms_on_and_a_phone(ana: Any, ben: Any) -> None:
    Preference.objects.create(user=ana, sms=True, phone="+250788000111")
    Preference.objects.create(user=ben, sms=False, phone="+250788000222")
    plain = services.notify([ana], PLAIN, actor=policy.SYSTEM, context={"code": "c", "service": "s"})
    urgent = services.notify([ana, ben], URGENT, actor=policy.SYSTEM, context={"code": "c"})
    assert channels(plain[0]) == {Channel.EMAIL}
    assert channels(urgent[0]) == {Channel.EMAIL, Channel.SMS}
    assert channels(urgent[1]) == {Channel.EMAIL}


def test_the_caller_decides_urgency_per_notification(ana: Any, ben: Any) -> None:
    """urgent=None keeps the event's default; True/False override it for this notification only, and SMS
    still needs SMS on and a phone."""
    Preference.objects.create(user=ana, sms=True, phone="+250788000111")
    Preference.objects.create(user=ben, sms=False, phone="+250788000222")
    ctx = {"code": "c", "service": "s"}
    (plain_urgent, ben_plain_urgent) = services.notify(
        [ana, ben], PLAIN, actor=policy.SYSTEM, context=ctx, urgent=True
    )
    (urgent_not,) = services.notify([ana], URGENT, actor=policy.SYSTEM, context=ctx, urgent=False)
    (urgent_default,) = services.notify([ana], URGENT, actor=policy.SYSTEM, context=ctx, urgent=None)
    assert channels(plain_urgent) == {Channel.EMAIL, Channel.SMS}
    assert channels(ben_plain_urgent) == {Channel.EMAIL}  # SMS off
    assert channels(urgent_not) == {Channel.EMAIL}
    assert channels(urgent_default) == {Channel.EMAIL, Channel.SMS}


def test_a_muted_event_stays_in_the_app_only(ana: Any) -> None:
    Preference.objects.create(user=ana, sms=True, phone="+250788000111", muted_events=[URGENT])
    (n,) = services.notify([ana], URGENT, actor=policy.SYSTEM, context={"code": "c"})
    assert channels(n) == set()
    assert Notification.objects.filter(recipient=ana).count() == 1


def test_sending_is_queued_when_the_transaction_commits(
    ana: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.notify([ana], PLAIN, actor=policy.SYSTEM, context={"code": "c", "service": "s"})
    assert len(callbacks) == 1
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        ana.email = ""
        ana.save()
        services.notify([ana], PLAIN, actor=policy.SYSTEM, context={"code": "c", "service": "s"})
    assert callbacks == []  # nothing to send, no task


@pytest.mark.parametrize("key", ["survivor_name", "phone", "narrative", "address"])
def test_context_keys_naming_a_person_are_refused(ana: Any, key: str) -> None:
    with pytest.raises(ValueError, match="may identify a person"):
        services.notify([ana], PLAIN, actor=policy.SYSTEM, context={"code": "c", "service": "s", key: "x"})
    assert not Notification.objects.exists()


@pytest.mark.parametrize("value", ["+250 788 123 456", "0788123456", "250-788-123-456"])
def test_a_phone_number_as_a_context_value_is_refused(ana: Any, value: str) -> None:
    with pytest.raises(ValueError, match="phone number"):
        services.notify([ana], PLAIN, actor=policy.SYSTEM, context={"code": value, "service": "s"})


def test_survivor_codes_and_counts_are_fine(ana: Any) -> None:
    (n,) = services.notify([ana], PLAIN, actor=policy.SYSTEM, context={"code": "GBV-1234-5678", "service": 3})
    assert "GBV-1234-5678" in n.title


# --- Preferences --------------------------------------------------------------------------------------


def test_preferences_default_to_email_on_sms_off(ana: Any) -> None:
    pref = services.preference_of(ana)
    assert (pref.email, pref.sms, pref.phone, pref.pk) == (True, False, "", None)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0788 123 456", "+250788123456"),
        ("250788123456", "+250788123456"),
        ("+256 772 123456", "+256772123456"),
    ],
)
def test_phone_numbers_are_normalised(ana: Any, typed: str, stored: str) -> None:
    pref = services.preference_update(actor=ana, phone=typed)
    assert pref.phone == stored


def test_the_phone_is_encrypted_at_rest(ana: Any) -> None:
    pref = services.preference_update(actor=ana, sms=True, phone="0788123456")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM notifications_preference WHERE id = %s", [pref.pk])
        (raw,) = cursor.fetchone()
    assert raw.startswith("enc1:") and "788123456" not in raw
    assert Preference.objects.get(pk=pref.pk).phone == "+250788123456"


def test_sms_needs_a_phone_and_muted_events_must_exist(ana: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        services.preference_update(actor=ana, sms=True)
    assert exc.value.field == "phone"
    with pytest.raises(ValidationFailed) as exc:
        services.preference_update(actor=ana, phone="12")
    assert exc.value.field == "phone"
    with pytest.raises(ValidationFailed) as exc:
        services.preference_update(actor=ana, muted_events=["no.such"])
    assert exc.value.field == "muted_events"
    assert not Preference.objects.exists()


def test_a_preference_change_is_audited_without_the_number(ana: Any) -> None:
    services.preference_update(actor=ana, sms=True, phone="0788123456", muted_events=[PLAIN])
    event = AuditEvent.objects.get(object_type="notifications.preference")
    assert "788123456" not in str(event.changes)
    assert event.changes["sms"] == [False, True]


def test_mark_read_and_read_all(ana: Any, ben: Any) -> None:
    a1, a2 = (
        services.notify([ana], PLAIN, actor=policy.SYSTEM, context={"code": "c", "service": "s"})[0]
        for _ in range(2)
    )
    (b1,) = services.notify([ben], PLAIN, actor=policy.SYSTEM, context={"code": "c", "service": "s"})
    services.notification_mark_read(actor=ana, notification=a1)
    a1.refresh_from_db()
    assert a1.read_at is not None
    with pytest.raises(ValueError):
        services.notification_mark_read(actor=ana, notification=b1)
    assert services.notifications_mark_all_read(actor=ana) == 1
    a2.refresh_from_db()
    b1.refresh_from_db()
    assert a2.read_at is not None and b1.read_at is None


def test_a_failed_delivery_may_be_tried_again_by_its_recipient(ana: Any, ben: Any) -> None:
    (n,) = services.notify([ana], PLAIN, actor=policy.SYSTEM, context={"code": "c", "service": "s"})
    Delivery.objects.filter(notification=n).update(status=DeliveryStatus.FAILED, attempts=6)
    delivery = n.deliveries.get()
    with pytest.raises(ValueError):
        services.delivery_retry(actor=ben, delivery=delivery)
    delivery = services.delivery_retry(actor=ana, delivery=delivery)
    # In tests the send runs at once (console e-mail backend of the test settings: locmem) and succeeds.
    assert delivery.status in (DeliveryStatus.PENDING, DeliveryStatus.SENT)


# --- The phone number moved out of the account ------------------------------------------------------


def test_the_migration_moves_plaintext_account_phones_into_encrypted_preferences() -> None:
    from importlib import import_module

    migration = import_module("amahoro.notifications.migrations.0002_move_user_phone_to_preferences")
    kept = make_user("kept")
    Preference.objects.create(user=kept, phone="+250788000999")
    kept.phone = "0788000111"
    kept.save()
    moved = make_user("moved")
    moved.phone = "+250788000222"
    moved.save()
    migration.forwards(apps, None)
    moved.refresh_from_db()
    kept.refresh_from_db()
    assert moved.phone == "" and Preference.objects.get(user=moved).phone == "+250788000222"
    assert kept.phone == "" and Preference.objects.get(user=kept).phone == "+250788000999"
    migration.backwards(apps, None)
    moved.refresh_from_db()
    assert moved.phone == "+250788000222"


def test_recipients_of_lists_who_got_an_event_and_how(ana: Any, ben: Any) -> None:
    from amahoro.notifications.testing import recipients_of

    Preference.objects.create(user=ben, email=False, sms=True, phone="+250788000222")
    services.notify([ana, ben], URGENT, ana, actor=policy.SYSTEM, context={"code": "c"})
    services.notify([ben], PLAIN, actor=policy.SYSTEM, context={"code": "c", "service": "s"})
    assert recipients_of(URGENT) == {"ana": {"in_app", "email"}, "ben": {"in_app", "sms"}}
    assert recipients_of(URGENT, ana) == recipients_of(URGENT)
    assert recipients_of(URGENT, ben) == {}
    assert recipients_of(PLAIN) == {"ben": {"in_app"}}
