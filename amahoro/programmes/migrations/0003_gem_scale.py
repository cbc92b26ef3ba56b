"""Reference data: the built-in GEM scale (24 items), so it is there on every installation.

The definition is a frozen copy of `programmes.scoring.gem_definition()` as it was when this migration was
written: a migration must not import live code, which may change or disappear later."""

from typing import Any

from django.db import migrations

AGREE, PARTIALLY, DISAGREE = "agree", "partially_agree", "do_not_agree"
INEQUITABLE_SCORES = {AGREE: 1.0, PARTIALLY: 2.0, DISAGREE: 3.0}
EQUITABLE_SCORES = {AGREE: 3.0, PARTIALLY: 2.0, DISAGREE: 1.0}  # reverse-scored

GEM_INEQUITABLE = (
    "It is the man who decides what type of sex to have.",
    "A woman's most important role is to take care of her home and cook for her family.",
    "Men need sex more than women do.",
    "You don't talk about sex, you just do it.",
    'Women who carry condoms on them are "easy".',
    "A man needs other women, even if things with his wife are fine.",
    "There are times when a woman deserves to be beaten.",
    "Changing diapers, giving the kids a bath, and feeding the kids are the mother's responsibility.",
    "It is a woman's responsibility to avoid getting pregnant.",
    "A man should have the final word about decisions in his home.",
    "Men are always ready to have sex.",
    "A woman should tolerate violence in order to keep her family together.",
    "If a woman cheats on a man, it is okay for him to hit her.",
    "If someone insults me, I will defend my reputation, with force if I have to.",
    "I would be outraged if my wife asked me to use a condom.",
    "It is okay for a man to hit his wife if she won't have sex with him.",
    "I would never have a gay friend.",
)
GEM_EQUITABLE = (
    "A couple should decide together if they want to have children.",
    "In my opinion, a woman can suggest using condoms just like a man can.",
    "If a guy gets a woman pregnant, the child is the responsibility of both.",
    "A man should know what his partner likes during sex.",
    "It is important that a father is present in the lives of his children, even if he is no longer "
    "with the mother.",
    "A man and a woman should decide together what type of contraceptive to use.",
    "It is important to have a male friend that you can talk about your problems with.",
)
GEM_SOURCE = (
    "Pulerwitz J, Barker G. Measuring attitudes toward gender norms among young men in Brazil: development "
    "and psychometric evaluation of the GEM Scale. Men and Masculinities 2008;10(3):322-338. Items and "
    "scoring (17 inequitable items: agree 1, partially agree 2, do not agree 3; 7 equitable items "
    "reverse-scored; higher = more equitable). Bands: the total range 24-72 cut in three equal parts "
    "(low 24-40, moderate 41-56, high 57-72), the categorisation used by Horizons/Promundo reports; other "
    "sources cut differently (see docs/programmes.md)."
)
BANDS = (("low", 24, 40), ("moderate", 41, 56), ("high", 57, 72))
CODE = "GEM-24"
NAME = "Gender Equitable Men (GEM) scale, 24 items"
NAME_FR = "Échelle GEM (hommes équitables), 24 items"
DESCRIPTION = "Attitudes toward gender norms; a higher total means more support for gender equity."


def create_gem(apps: Any, schema_editor: Any) -> None:
    Scale = apps.get_model("programmes", "Scale")
    ScaleItem = apps.get_model("programmes", "ScaleItem")
    ScaleBand = apps.get_model("programmes", "ScaleBand")
    if Scale.objects.filter(code=CODE).exists():
        return
    scale = Scale.objects.create(
        code=CODE,
        name=NAME,
        name_fr=NAME_FR,
        name_rw="",
        description=DESCRIPTION,
        source=GEM_SOURCE,
        max_missing=0,
        builtin=True,
    )
    items = [(text, INEQUITABLE_SCORES, "inequitable") for text in GEM_INEQUITABLE] + [
        (text, EQUITABLE_SCORES, "equitable") for text in GEM_EQUITABLE
    ]
    for n, (text, scores, subscale) in enumerate(items):
        ScaleItem.objects.create(
            scale=scale, code=f"GEM{n + 1:02d}", text=text, subscale=subscale, scores=dict(scores), sort_order=n
        )
    for n, (name, low, high) in enumerate(BANDS):
        ScaleBand.objects.create(scale=scale, name=name, min=low, max=high, sort_order=n)


def remove_gem(apps: Any, schema_editor: Any) -> None:
    Scale = apps.get_model("programmes", "Scale")
    Scale.objects.filter(code=CODE, builtin=True, rounds__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("programmes", "0002_programme_band_elements")]

    operations = [migrations.RunPython(create_gem, remove_gem)]
