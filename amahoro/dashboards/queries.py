"""The one check of a favourite's query: the /analytics/ query string (contracts C2 and C3), e.g.
`dimension=dx:RWAMREC_PARTICIPANTS&dimension=pe:LAST_12_MONTHS&filter=ou:RW&type=line&rows=pe`.

Saving checks it with the analytics API's own parser (names, syntax, data/period/category codes) and the
view's layout; places are checked when the view is drawn, for whoever looks at it, within what they may see."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from amahoro.core.errors import ValidationFailed
from amahoro.visualizer import dimensions as dims
from amahoro.visualizer.query import PARAMS as ANALYTICS_PARAMS
from amahoro.visualizer.query import parse_options

from .models import QUERY_MAX

VIEW_TYPES = ("pivot", "column", "bar", "line", "stacked", "pie", "map")
# Parameters of GET /api/v1/analytics (C2, as the API reads them) and of the page's layout (C3).
API_PARAMS = frozenset(ANALYTICS_PARAMS)
LAYOUT_PARAMS = frozenset({"type", "rows", "columns"})
PARAMS = API_PARAMS | LAYOUT_PARAMS


def _bad(message: str) -> ValidationFailed:
    return ValidationFailed(message, field="query")


def _short(value: str) -> str:
    return value if len(value) <= 60 else value[:57] + "..."


def query_clean(query: str) -> str:
    """The query string, checked and normalised (no leading "?"), or ValidationFailed(field="query") whose
    message names the parameter and the bad value. Dimensions are parsed by the analytics API's own parser
    (amahoro.visualizer.dimensions) and their data, period and category items resolved: an unknown code
    is refused when saving, not discovered by whoever opens the view. Places are checked when the view is
    drawn, for its reader (USER_ORGUNIT means the reader's own places)."""
    text = (query or "").strip().lstrip("?")
    if not text:
        raise _bad("the query is empty: save a view of the data visualizer (dimension=dx:...)")
    if len(text) > QUERY_MAX:
        raise _bad(f"the query is longer than {QUERY_MAX} characters")
    try:
        pairs = parse_qsl(text, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise _bad(f"'{_short(text)}' is not a query string (name=value&...)") from None
    single: dict[str, str] = {}
    repeated: dict[str, list[str]] = {"dimension": [], "filter": []}
    for name, value in pairs:
        if name not in PARAMS:
            raise _bad(f"unknown parameter '{_short(name)}' (expected: {', '.join(sorted(PARAMS))})")
        if name in repeated:
            repeated[name].append(value)
        elif name in single:
            raise _bad(f"the parameter '{name}' is given twice")
        else:
            single[name] = value
    try:
        options = parse_options({k: [v] for k, v in single.items()})
        specs = dims.parse_all(repeated["dimension"], repeated["filter"])
        kinds = {spec.key: spec.param for spec in specs}
        for required, example in (
            ("dx", "dx:<data element or indicator codes>"),
            ("pe", "pe:LAST_12_MONTHS"),
        ):
            if required not in kinds:
                raise ValidationFailed(f"the query has no {required}: add dimension={example}")
        for spec in specs:
            if spec.key == "dx":
                dims.resolve_dx(spec)
            elif spec.key == "pe":
                dims.resolve_pe(spec, today=options.today)
            elif spec.key != "ou":
                dims.resolve_category(spec)
    except ValidationFailed as exc:
        raise _bad(exc.message) from None
    except (ValueError, OverflowError):  # e.g. relative periods of a date near year 9999
        raise _bad(f"'{_short(text)}' names periods outside the calendar") from None
    _check_layout(single, kinds)
    return urlencode(pairs, safe=":;,")


def _check_layout(single: dict[str, str], dims_given: dict[str, str]) -> None:
    view = single.get("type", "pivot")
    if view not in VIEW_TYPES:
        raise _bad(f"type='{_short(view)}' is not a view type (expected: {', '.join(VIEW_TYPES)})")
    for axis in ("rows", "columns"):
        for dim in filter(None, single.get(axis, "").split(",")):
            if dims_given.get(dim) != "dimension":
                raise _bad(
                    f"{axis}='{_short(single[axis])}': '{_short(dim)}' is not a dimension= of the query"
                )
    if view == "map" and dims_given.get("ou") != "dimension":
        raise _bad("type='map' needs dimension=ou:... (the places to colour)")


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
