"""The default category combo and its one option combo (code `default`, like DHIS2): what data elements
without a disaggregation, and values without an attribute, are recorded against."""

from django.db import migrations


def create_default(apps, schema_editor):
    CategoryCombo = apps.get_model("frameworks", "CategoryCombo")
    CategoryOptionCombo = apps.get_model("frameworks", "CategoryOptionCombo")
    combo, _ = CategoryCombo.objects.get_or_create(code="default", defaults={"name": "default"})
    CategoryOptionCombo.objects.get_or_create(
        combo=combo, code="default", defaults={"name": "default", "option_key": "default"}
    )


class Migration(migrations.Migration):
    dependencies = [("frameworks", "0002_indicators_targets_metadata_owners")]

    operations = [migrations.RunPython(create_default, migrations.RunPython.noop)]
