"""DHIS2 identifier schemes (`idScheme`, `dataElementIdScheme`, `orgUnitIdScheme`,
`categoryOptionComboIdScheme`, `dataSetIdScheme`): how a payload names data elements, places and option
combos. UID, CODE, NAME, ID (our numeric key) and ATTRIBUTE:<attribute> (an attribute value imported with
the metadata's `attributeValues`), matched exactly as DHIS2 does; a name or attribute value that names
several objects is ambiguous, never a guess.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db.models import CharField, QuerySet
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast

from amahoro.core.errors import ValidationFailed

# DHIS2's built-in "default" objects: their uids are the same in every DHIS2 instance, so exported files
# name them by uid. They are our `default` category option combo, combo, category and option.
DEFAULT_COC_UID = "HllvX50cXC0"
DEFAULT_COMBO_UID = "bjDvmb4bfuf"
DEFAULT_CATEGORY_UID = "GLevLNI9wkl"
DEFAULT_OPTION_UID = "xYerKDKCefk"
DEFAULT_UIDS = frozenset({DEFAULT_COC_UID, DEFAULT_COMBO_UID, DEFAULT_CATEGORY_UID, DEFAULT_OPTION_UID})

SIMPLE_SCHEMES = ("code", "uid", "name", "id")
ID_SCHEMES = (*SIMPLE_SCHEMES, "attribute:<attribute>")
UID_RE = re.compile(r"^[A-Za-z][A-Za-z0-9]{10}$")
_ATTRIBUTE_RE = re.compile(r"^[A-Za-z0-9_.-]{1,50}$")
_IN_CHUNK = 500
AMBIGUOUS = None


def parse_scheme(raw: str | None, *, param: str, default: str = "code") -> str:
    """'UID' -> 'uid', 'ATTRIBUTE:abc' -> 'attribute:abc'; anything else is refused naming the parameter."""
    value = (raw or "").strip() or default
    lowered = value.lower()
    if lowered in SIMPLE_SCHEMES:
        return lowered
    if lowered.startswith("attribute:"):
        attribute = value.split(":", 1)[1].strip()
        if _ATTRIBUTE_RE.match(attribute):
            return f"attribute:{attribute}"
        raise ValidationFailed(
            f"{param}: '{value[:60]}' does not name an attribute (ATTRIBUTE:<attribute uid or code>)",
            field=param,
        )
    raise ValidationFailed(
        f"{param} must be one of UID, CODE, NAME, ID or ATTRIBUTE:<attribute>, not '{value[:60]}'",
        field=param,
    )


def _field(qs: QuerySet[Any], scheme: str) -> tuple[QuerySet[Any], str]:
    if scheme.startswith("attribute:"):
        # Cast: a plain text comparison (JSON key lookups would JSON-decode the wanted values on SQLite).
        value = Cast(KeyTextTransform(scheme.split(":", 1)[1], "attribute_values"), CharField())
        return qs.annotate(_scheme_ident=value), "_scheme_ident"
    return qs, {"id": "pk"}.get(scheme, scheme)


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def match(
    qs: QuerySet[Any], scheme: str, idents: Iterable[str], values: Sequence[str]
) -> dict[str, dict[str, Any] | None]:
    """{identifier: row of `values`} for the objects of `qs` the identifiers name under `scheme`; an
    identifier naming several objects maps to AMBIGUOUS (None); unknown ones are absent."""
    wanted = sorted({i for i in idents if i})
    if scheme == "id":
        wanted = [i for i in wanted if i.isdigit() and len(i) < 18]
    qs, field = _field(qs, scheme)
    columns = list(dict.fromkeys([*values, "pk", field]))
    out: dict[str, dict[str, Any] | None] = {}
    for chunk in _chunks(wanted, _IN_CHUNK):
        lookup: list[Any] = [int(i) for i in chunk] if scheme == "id" else list(chunk)
        for row in qs.filter(**{f"{field}__in": lookup}).values(*columns):
            key = str(row[field])
            if key in out:
                seen = out[key]
                if seen is not None and seen["pk"] != row["pk"]:
                    out[key] = AMBIGUOUS
            else:
                out[key] = row
    return out


def ident_of(row: Mapping[str, Any], scheme: str, prefix: str = "") -> str:
    """The identifier of an exported row under `scheme` (falling back to the code when it has none)."""
    code = str(row.get(f"{prefix}code") or "")
    if scheme in ("uid", "name"):
        return str(row.get(f"{prefix}{scheme}") or code)
    if scheme == "id":
        return str(row.get(f"{prefix}id") or code)
    if scheme.startswith("attribute:"):
        attrs = row.get(f"{prefix}attribute_values") or {}
        found = attrs.get(scheme.split(":", 1)[1]) if isinstance(attrs, dict) else None
        return str(found) if found not in (None, "") else code
    return code


def attribute_values(entry: Mapping[str, Any]) -> dict[str, str] | None:
    """DHIS2 `attributeValues` ([{"attribute": {"id"|"code": ...}, "value": ...}]) as {attribute: value},
    keyed by the attribute's uid and its code (either may be used in ATTRIBUTE:<attribute>). None when the
    entry has none."""
    raw = entry.get("attributeValues")
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise ValidationFailed("attributeValues must be a list", field="attributeValues")
    out: dict[str, str] = {}
    for n, item in enumerate(raw):
        attribute = item.get("attribute") if isinstance(item, dict) else None
        if not isinstance(attribute, dict) or not isinstance(item.get("value"), str | int | float | bool):
            raise ValidationFailed(
                f'attributeValues[{n}] must be {{"attribute": {{"id": ...}}, "value": ...}}',
                field="attributeValues",
            )
        value = str(item["value"])[:500]
        for key in (attribute.get("id"), attribute.get("code")):
            if isinstance(key, str) and _ATTRIBUTE_RE.match(key):
                out[key] = value
    return out


def find(qs: QuerySet[Any], scheme: str, idents: Iterable[str]) -> dict[str, Any]:
    """{identifier: object} for query parameters (dataElement=, orgUnit=, dataSet=): under `scheme` first,
    then by uid, then by code, so a DHIS2 client's uids work without an idScheme. Ambiguous ones are left
    out (the caller reports them unknown)."""
    wanted = {i for i in idents if i}
    found: dict[str, Any] = {}
    for attempt in dict.fromkeys((scheme, "uid", "code")):
        rest = wanted - set(found)
        if not rest:
            break
        if attempt == "uid" and not any(f.name == "uid" for f in qs.model._meta.fields):
            continue
        rows = match(qs, attempt, rest, ("pk",))
        pks = {ident: row["pk"] for ident, row in rows.items() if row is not None}
        objects = qs.in_bulk(list(set(pks.values())))
        found.update({ident: objects[pk] for ident, pk in pks.items() if pk in objects})
    return found
