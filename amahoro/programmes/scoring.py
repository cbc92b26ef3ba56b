"""Scoring of attitude scales, independent of the database: a scale definition (items with response
options and their scores, subscales, bands, tolerated missing answers) and a function that scores one set
of responses. The built-in GEM scale is defined here too.

A reverse-scored item is nothing special: its options simply map to scores the other way round.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from amahoro.core.errors import ValidationFailed

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,49}$")


@dataclass(frozen=True)
class ItemDef:
    code: str
    text: str
    scores: dict[str, float]
    subscale: str = ""
    text_fr: str = ""
    text_rw: str = ""


@dataclass(frozen=True)
class BandDef:
    name: str
    min: float
    max: float


@dataclass(frozen=True)
class ScaleDef:
    code: str
    name: str
    items: tuple[ItemDef, ...]
    bands: tuple[BandDef, ...] = ()
    max_missing: int = 0
    description: str = ""
    source: str = ""
    name_fr: str = ""
    name_rw: str = ""

    @property
    def min_total(self) -> float:
        return sum(min(i.scores.values()) for i in self.items)

    @property
    def max_total(self) -> float:
        return sum(max(i.scores.values()) for i in self.items)

    @property
    def subscale_names(self) -> list[str]:
        seen: dict[str, None] = {}
        for item in self.items:
            if item.subscale:
                seen.setdefault(item.subscale, None)
        return list(seen)


@dataclass
class Score:
    total: float
    subscales: dict[str, float | None]
    band: str
    item_scores: dict[str, float | None] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"total": self.total, "subscales": self.subscales, "band": self.band}


def _text(value: Any, name: str, *, required: bool = True, max_length: int = 500) -> str:
    if value is None or value == "":
        if required:
            raise ValidationFailed(f"{name} is required", field=name)
        return ""
    if not isinstance(value, str):
        raise ValidationFailed(f"{name} must be text", field=name)
    if len(value) > max_length:
        raise ValidationFailed(f"{name} is longer than {max_length} characters", field=name)
    return value.strip()


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValidationFailed(f"{name} must be a number", field=name)
    return float(value)


def parse_definition(payload: Any) -> ScaleDef:
    """A scale definition from the API's JSON shape; ValidationFailed names the field at fault."""
    if not isinstance(payload, Mapping):
        raise ValidationFailed("the body must be a JSON object")
    code = _text(payload.get("code"), "code", max_length=50)
    if not CODE_RE.match(code):
        raise ValidationFailed("code may hold letters, digits, '_', '-' and '.' only", field="code")
    name = _text(payload.get("name"), "name", max_length=300)
    raw_items = payload.get("items")
    if not isinstance(raw_items, list) or not raw_items:
        raise ValidationFailed("items must be a non-empty list", field="items")
    items: list[ItemDef] = []
    seen: set[str] = set()
    for n, raw in enumerate(raw_items):
        where = f"items.{n}"
        if not isinstance(raw, Mapping):
            raise ValidationFailed(f"{where} must be an object", field=where)
        icode = _text(raw.get("code"), f"{where}.code", max_length=50)
        if not CODE_RE.match(icode):
            raise ValidationFailed(f"{where}.code '{icode}' is not a valid item code", field=f"{where}.code")
        if icode in seen:
            raise ValidationFailed(f"item code '{icode}' is used twice", field=f"{where}.code")
        seen.add(icode)
        scores = raw.get("scores")
        if not isinstance(scores, Mapping) or not scores:
            raise ValidationFailed(
                f"item '{icode}': scores must map each response option to a number", field=f"{where}.scores"
            )
        parsed_scores = {
            _text(str(opt), f"{where}.scores", max_length=100): _number(v, f"{where}.scores.{opt}")
            for opt, v in scores.items()
        }
        items.append(
            ItemDef(
                code=icode,
                text=_text(raw.get("text"), f"{where}.text"),
                scores=parsed_scores,
                subscale=_text(raw.get("subscale"), f"{where}.subscale", required=False, max_length=100),
                text_fr=_text(raw.get("text_fr"), f"{where}.text_fr", required=False),
                text_rw=_text(raw.get("text_rw"), f"{where}.text_rw", required=False),
            )
        )
    raw_bands = payload.get("bands", [])
    if not isinstance(raw_bands, list):
        raise ValidationFailed("bands must be a list", field="bands")
    bands: list[BandDef] = []
    for n, raw in enumerate(raw_bands):
        where = f"bands.{n}"
        if not isinstance(raw, Mapping):
            raise ValidationFailed(f"{where} must be an object", field=where)
        band = BandDef(
            name=_text(raw.get("name"), f"{where}.name", max_length=100),
            min=_number(raw.get("min"), f"{where}.min"),
            max=_number(raw.get("max"), f"{where}.max"),
        )
        if band.min > band.max:
            raise ValidationFailed(f"band '{band.name}': min is above max", field=f"{where}.min")
        bands.append(band)
    ordered = sorted(bands, key=lambda b: b.min)
    for lower, upper in pairwise(ordered):
        if upper.min <= lower.max:
            raise ValidationFailed(f"bands '{lower.name}' and '{upper.name}' overlap", field="bands")
    max_missing = payload.get("max_missing", 0)
    if isinstance(max_missing, bool) or not isinstance(max_missing, int) or not 0 <= max_missing < len(items):
        raise ValidationFailed(
            "max_missing must be a whole number from 0 to the number of items - 1", field="max_missing"
        )
    return ScaleDef(
        code=code,
        name=name,
        items=tuple(items),
        bands=tuple(bands),
        max_missing=max_missing,
        description=_text(payload.get("description"), "description", required=False, max_length=5000),
        source=_text(payload.get("source"), "source", required=False, max_length=5000),
        name_fr=_text(payload.get("name_fr"), "name_fr", required=False, max_length=300),
        name_rw=_text(payload.get("name_rw"), "name_rw", required=False, max_length=300),
    )


def band_of(total: float, bands: tuple[BandDef, ...] | list[BandDef]) -> str:
    """The band holding the total; a prorated total falling between two bands goes to the lower one."""
    chosen = ""
    ordered = sorted(bands, key=lambda b: b.min)
    for band in ordered:
        if total >= band.min:
            chosen = band.name
    if ordered and (total < ordered[0].min or total > ordered[-1].max):
        return ""
    return chosen


def score(scale: ScaleDef, responses: Any, *, field_prefix: str = "responses") -> Score:
    """Score one respondent. Unknown items, answers outside an item's options, and more missing answers
    than the scale tolerates are refused with a message naming the item. With tolerated missing answers,
    the total (and each subscale) is prorated: mean of the answered items x number of items."""
    if not isinstance(responses, Mapping):
        raise ValidationFailed(f"{field_prefix} must be an object of item code -> option", field=field_prefix)
    by_code = {i.code: i for i in scale.items}
    for code in responses:
        if code not in by_code:
            raise ValidationFailed(
                f"unknown item '{code}' for scale {scale.code}", field=f"{field_prefix}.{code}"
            )
    item_scores: dict[str, float | None] = {}
    missing: list[str] = []
    for item in scale.items:
        raw = responses.get(item.code)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            missing.append(item.code)
            item_scores[item.code] = None
            continue
        option = str(raw).strip()
        if option not in item.scores:
            allowed = ", ".join(item.scores)
            raise ValidationFailed(
                f"item '{item.code}': '{option}' is not one of its options ({allowed})",
                field=f"{field_prefix}.{item.code}",
            )
        item_scores[item.code] = item.scores[option]
    if len(missing) > scale.max_missing:
        raise ValidationFailed(
            f"item '{missing[0]}' has no answer"
            + (f" ({len(missing)} missing, {scale.max_missing} tolerated)" if len(missing) > 1 else ""),
            field=f"{field_prefix}.{missing[0]}",
        )

    def prorated(codes: list[str]) -> float | None:
        answered = [item_scores[c] for c in codes if item_scores[c] is not None]
        if not answered:
            return None
        total = sum(a for a in answered if a is not None)
        if len(answered) == len(codes):
            return float(total)
        return round(total * len(codes) / len(answered), 6)

    total = prorated([i.code for i in scale.items])
    assert total is not None  # at least one answer: max_missing < number of items
    subscales = {
        name: prorated([i.code for i in scale.items if i.subscale == name]) for name in scale.subscale_names
    }
    return Score(
        total=total,
        subscales=subscales,
        band=band_of(total, scale.bands),
        item_scores=item_scores,
        missing=missing,
    )


# ---------------------------------------------------------------------------------------------------------
# The GEM scale (Pulerwitz & Barker 2008), 24 items

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
GEM_BANDS = (BandDef("low", 24, 40), BandDef("moderate", 41, 56), BandDef("high", 57, 72))


def gem_definition() -> ScaleDef:
    items = [
        ItemDef(code=f"GEM{n:02d}", text=text, scores=dict(INEQUITABLE_SCORES), subscale="inequitable")
        for n, text in enumerate(GEM_INEQUITABLE, start=1)
    ] + [
        ItemDef(code=f"GEM{n:02d}", text=text, scores=dict(EQUITABLE_SCORES), subscale="equitable")
        for n, text in enumerate(GEM_EQUITABLE, start=len(GEM_INEQUITABLE) + 1)
    ]
    return ScaleDef(
        code="GEM-24",
        name="Gender Equitable Men (GEM) scale, 24 items",
        name_fr="Échelle GEM (hommes équitables), 24 items",
        items=tuple(items),
        bands=GEM_BANDS,
        max_missing=0,
        description="Attitudes toward gender norms; a higher total means more support for gender equity.",
        source=GEM_SOURCE,
    )
