"""Fill FormVersion.media_expected for versions uploaded before it existed (read from their XML)."""

from typing import Any

from django.db import migrations


def backfill(apps: Any, schema_editor: Any) -> None:
    from amahoro.collection.xforms import XMLRefused, media_references

    FormVersion = apps.get_model("collection", "FormVersion")
    for version in FormVersion.objects.filter(media_expected=[]).only("pk", "xml").iterator():
        try:
            names = media_references(version.xml)
        except XMLRefused:
            continue
        if names:
            FormVersion.objects.filter(pk=version.pk).update(media_expected=names)


class Migration(migrations.Migration):
    dependencies = [("collection", "0003_form_version_media_expected")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
