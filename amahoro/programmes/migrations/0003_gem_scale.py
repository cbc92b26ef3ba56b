"""Reference data: the built-in GEM scale (24 items), so it is there on every installation."""

from typing import Any

from django.db import migrations


def create_gem(apps: Any, schema_editor: Any) -> None:
    from amahoro.programmes.scoring import gem_definition

    Scale = apps.get_model("programmes", "Scale")
    ScaleItem = apps.get_model("programmes", "ScaleItem")
    ScaleBand = apps.get_model("programmes", "ScaleBand")
    d = gem_definition()
    if Scale.objects.filter(code=d.code).exists():
        return
    scale = Scale.objects.create(
        code=d.code,
        name=d.name,
        name_fr=d.name_fr,
        name_rw=d.name_rw,
        description=d.description,
        source=d.source,
        max_missing=d.max_missing,
        builtin=True,
    )
    for n, i in enumerate(d.items):
        ScaleItem.objects.create(
            scale=scale, code=i.code, text=i.text, subscale=i.subscale, scores=i.scores, sort_order=n
        )
    for n, b in enumerate(d.bands):
        ScaleBand.objects.create(scale=scale, name=b.name, min=b.min, max=b.max, sort_order=n)


def remove_gem(apps: Any, schema_editor: Any) -> None:
    Scale = apps.get_model("programmes", "Scale")
    Scale.objects.filter(code="GEM-24", builtin=True, rounds__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("programmes", "0002_programme_band_elements")]

    operations = [migrations.RunPython(create_gem, remove_gem)]
