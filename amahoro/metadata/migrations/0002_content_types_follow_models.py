"""Content types of the moved models follow them (frameworks.* -> metadata.*), so permissions and admin log
entries keep pointing at them. Data only; reversible. A database that already has both (e.g. created new
rows after a partial migration) keeps the metadata ones and loses nothing else."""

from django.db import migrations

MODELS = (
    "categoryoption",
    "category",
    "categoryoptionmembership",
    "categorycombo",
    "categorycombomembership",
    "categoryoptioncombo",
    "dataelement",
)


def _move(apps, schema_editor, source, target):
    ContentType = apps.get_model("contenttypes", "ContentType")
    db = schema_editor.connection.alias
    for model in MODELS:
        taken = ContentType.objects.using(db).filter(app_label=target, model=model).exists()
        if not taken:
            ContentType.objects.using(db).filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor):
    _move(apps, schema_editor, "frameworks", "metadata")


def backwards(apps, schema_editor):
    _move(apps, schema_editor, "metadata", "frameworks")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("metadata", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
