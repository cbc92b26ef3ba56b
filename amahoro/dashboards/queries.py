"""The one check of a favourite's query: the /analytics/ query string (contracts C2 and C3), e.g.
`dimension=dx:RWAMREC_PARTICIPANTS&dimension=pe:LAST_12_MONTHS&filter=ou:RW&type=line&rows=pe`.

Saving checks its shape (names, syntax, the view type and layout), not whether every code exists: the
visualizer's API answers that when the view is drawn, for whoever looks at it, within what they may see."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlencode

from amahoro.core.errors import ValidationFailed

from .models import QUERY_MAX

VIEW_TYPES = ("pivot", "column", "bar", "line", "stacked", "pie", "map")
# Parameters of GET /api/v1/analytics (C2) and of the page's layout (C3).
API_PARAMS = frozenset(
    {
        "dimension",
        "filter",
        "relativePeriodDate",
        "outputIdScheme",
        "aggregationType",
        "skipMeta",
        "displayProperty",
    }
)
LAYOUT_PARAMS = frozenset({"type", "rows", "columns"})
PARAMS = API_PARAMS | LAYOUT_PARAMS
# dx, pe, ou or a category code, then optionally ":item;item" (items: codes, relative periods, LEVEL-n, ...)
DIMENSION = re.compile(r"^(?P<dim>[A-Za-z0-9_.\-]{1,50})(?::(?P<items>[^:;]{1,100}(?:;[^:;]{1,100})*))?$")
NEEDS_ITEMS = ("dx", "pe", "ou")
ID_SCHEMES = ("CODE", "NAME")
AGGREGATION_TYPES = ("SUM", "AVERAGE", "AVERAGE_SUM_ORG_UNIT", "LAST", "COUNT", "MIN", "MAX")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _bad(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="query")


def _short(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "..."


def query_clean(query: str) -> str:
    """The query string, checked and normalised (no leading "?", parameters in their given order), or
    ValidationFailed(field="query") naming the parameter and the bad value."""
    text = (query or "").strip().lstrip("?")
    if not text:
        raise _bad("the query is empty: save a view of the data visualizer (dimension=dx:...)")
    if len(text) > QUERY_MAX:
        raise _bad(f"the query is longer than {QUERY_MAX} characters")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise _bad(f"'{_short(text)}' is not a query string (name=value&...)") from None
    seen_dims: dict[str, str] = {}
    single: dict[str, str] = {}
    for name, value in pairs:
        if name not in PARAMS:
            raise _bad(f"unknown parameter '{_short(name)}' (expected: {', '.join(sorted(PARAMS))})")
        if name in ("dimension", "filter"):
            match = DIMENSION.match(value)
            if not match:
                raise _bad(f"{name}='{_short(value)}' is not a dimension (e.g. dx:CODE;CODE, pe:2024, ou:RW)")
            dim = match.group("dim")
            if dim in NEEDS_ITEMS and not match.group("items"):
                raise _bad(f"{name}='{_short(value)}' names no items (e.g. {dim}:...)")
            if dim in seen_dims:
                raise _bad(f"the dimension '{dim}' is given twice ({seen_dims[dim]} and {name})")
            seen_dims[dim] = name
            continue
        if name in single:
            raise _bad(f"the parameter '{name}' is given twice")
        single[name] = value
    if "dx" not in seen_dims:
        raise _bad("the query has no data: add dimension=dx:<data element or indicator codes>")
    _check_single(single, seen_dims)
    return urlencode(pairs, safe=":;,")


def _check_single(single: dict[str, str], dims: dict[str, str]) -> None:
    view = single.get("type", "pivot")
    if view not in VIEW_TYPES:
        raise _bad(f"type='{_short(view)}' is not a view type (expected: {', '.join(VIEW_TYPES)})")
    for axis in ("rows", "columns"):
        for dim in filter(None, single.get(axis, "").split(",")):
            if dims.get(dim) != "dimension":
                raise _bad(
                    f"{axis}='{_short(single[axis])}': '{_short(dim)}' is not a dimension= of the query"
                )
    if view == "map" and dims.get("ou") != "dimension":
        raise _bad("type='map' needs dimension=ou:... (the places to colour)")
    if "outputIdScheme" in single and single["outputIdScheme"] not in ID_SCHEMES:
        raise _bad(
            f"outputIdScheme='{_short(single['outputIdScheme'])}' is not one of {', '.join(ID_SCHEMES)}"
        )
    if "aggregationType" in single and single["aggregationType"] not in AGGREGATION_TYPES:
        raise _bad(
            f"aggregationType='{_short(single['aggregationType'])}' is not one of {', '.join(AGGREGATION_TYPES)}"
        )
    if "relativePeriodDate" in single and not DATE.match(single["relativePeriodDate"]):
        raise _bad(f"relativePeriodDate='{_short(single['relativePeriodDate'])}' is not a date (YYYY-MM-DD)")


def query_params(query: str) -> dict[str, list[str]]:
    """The query as a mapping of lists (what `amahoro.visualizer.query.run` takes), without the layout."""
    params: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name in API_PARAMS:
            params.setdefault(name, []).append(value)
    return params


def query_type(query: str) -> str:
    for name, value in parse_qsl(query, keep_blank_values=True):
        if name == "type":
            return value
    return "pivot"
