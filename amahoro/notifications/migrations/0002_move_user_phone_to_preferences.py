"""Phone numbers live encrypted in notification preferences only: move any number typed into the
account's old plaintext `phone` field there, and blank the plaintext. Reversible (copies them back)."""

from django.db import migrations


def forwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Preference = apps.get_model("notifications", "Preference")
    for user in User.objects.exclude(phone="").iterator():
        preference, _ = Preference.objects.get_or_create(user=user)
        if not preference.phone:
            preference.phone = user.phone.strip()
            preference.save(update_fields=["phone"])
        User.objects.filter(pk=user.pk).update(phone="")


def backwards(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    Preference = apps.get_model("notifications", "Preference")
    for preference in Preference.objects.exclude(phone="").iterator():
        User.objects.filter(pk=preference.user_id, phone="").update(phone=preference.phone[:40])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0005_service_provider_role"),
        ("notifications", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
