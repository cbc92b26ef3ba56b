"""Framework files: a results framework with its nodes, indicators, targets and links, imported from and
exported to YAML or JSON (the shape of the NAP reference file, amahoro/frameworks/data/) and an XLSX
template that M&E officers fill in (sheets Framework, Nodes, Indicators, Targets, Links).

An import creates or updates by code and never deletes. It is all-or-nothing: every error is collected
with where it is (`Nodes row 5`, `framework.pillars[1].outcomes[0]`) and nothing is written when there is
one. All writes go through the services, so the policy and the audit log apply as everywhere else.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction

from amahoro import policy
from amahoro.core import tabular
from amahoro.core.errors import AmahoroError, NotFound, PermissionDenied, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import services
from .models import Framework, Indicator, Node, NodeKind, NodeLink, Target

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000

# Keys under which the children of a node (or the framework's top nodes) are listed, by kind.
KIND_KEYS: dict[str, str] = {
    "goals": NodeKind.GOAL,
    "pillars": NodeKind.PILLAR,
    "outcomes": NodeKind.OUTCOME,
    "outputs": NodeKind.OUTPUT,
    "activities": NodeKind.ACTIVITY,
}
KIND_PLURAL: dict[str, str] = {str(kind): key for key, kind in KIND_KEYS.items()}
GENERIC_KEYS = ("nodes", "children")  # entries name their own `kind`

FRAMEWORK_KEYS = (
    "code",
    "name",
    "name_fr",
    "name_rw",
    "description",
    "description_fr",
    "description_rw",
    "organisation",
    "org_unit",
    "start",
    "end",
    "is_public",
)
NODE_KEYS = (
    "code",
    "kind",
    "parent",
    "name",
    "name_fr",
    "name_rw",
    "description",
    "description_fr",
    "description_rw",
    "responsible",
    "supporting",
    "start",
    "end",
)
INDICATOR_KEYS = (
    "code",
    "name",
    "name_fr",
    "name_rw",
    "short_name",
    "definition",
    "definition_fr",
    "definition_rw",
    "type",
    "unit",
    "direction",
    "aggregation_time",
    "aggregation_place",
    "numerator",
    "numerator_description",
    "denominator",
    "denominator_description",
    "missing_value_strategy",
    "factor",
    "decimals",
    "baseline_value",
    "baseline_date",
    "means_of_verification",
    "data_source",
    "on_track_threshold",
    "at_risk_threshold",
    "nodes",
)
TARGET_KEYS = ("indicator", "org_unit", "period", "value", "lower", "upper", "note")
LINK_KEYS = ("source", "target_framework", "target_node", "note")


class FrameworkImportFailed(ValidationFailed):
    """The file has errors; nothing was written. `errors`: [{"where", "message", "field"?}]."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        first = errors[0]
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(
            f"{first['where']}: {first['message']}{more}", field=first.get("field"), code="import_failed"
        )
        self.errors = errors

    def as_dict(self) -> dict[str, Any]:  # type: ignore[override]
        return {**super().as_dict(), "errors": self.errors}


@dataclass
class Spec:
    where: str
    data: dict[str, Any]


@dataclass
class Bundle:
    """A framework file read into flat lists, before anything is checked against the database."""

    framework: Spec | None = None
    nodes: list[Spec] = field(default_factory=list)
    indicators: list[Spec] = field(default_factory=list)
    targets: list[Spec] = field(default_factory=list)
    links: list[Spec] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)

    def error(self, where: str, message: str, field_name: str | None = None) -> None:
        entry: dict[str, Any] = {"where": where, "message": message}
        if field_name:
            entry["field"] = field_name
        self.errors.append(entry)


@dataclass
class ImportReport:
    framework: Framework
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    def count(self, kind: str, created: bool) -> None:
        bucket = self.created if created else self.updated
        bucket[kind] = bucket.get(kind, 0) + 1

    def summary(self) -> str:
        def fmt(d: dict[str, int]) -> str:
            return ", ".join(f"{n} {k}" for k, n in d.items()) or "nothing"

        prefix = "Dry run, nothing written: " if self.dry_run else ""
        return f"{prefix}framework {self.framework.code}: created {fmt(self.created)}; updated {fmt(self.updated)}."

    def as_dict(self) -> dict[str, Any]:
        return {
            "framework": self.framework.code,
            "created": self.created,
            "updated": self.updated,
            "dry_run": self.dry_run,
        }


# ---------------------------------------------------------------------------------------------------------
# Reading files


# A cell or document value as text (dates as YYYY-MM-DD, 12.0 as 12).
_text = tabular.day_text


def _codes(value: Any) -> list[str]:
    """A list of codes from a YAML list or a comma/semicolon-separated cell."""
    if value in (None, ""):
        return []
    if isinstance(value, list | tuple):
        return [_text(v) for v in value if _text(v)]
    return [part.strip() for part in _text(value).replace(";", ",").split(",") if part.strip()]


def parse_document(doc: Any) -> Bundle:
    """A YAML/JSON document (the reference file's shape) as a Bundle."""
    bundle = Bundle()
    if not isinstance(doc, dict) or not isinstance(doc.get("framework"), dict):
        bundle.error("file", "expected a mapping with a 'framework' key holding the framework")
        return bundle
    fw = doc["framework"]
    _unknown_keys(
        bundle,
        "framework",
        fw,
        {*FRAMEWORK_KEYS, "country", "indicators", "targets", "links", *KIND_KEYS, *GENERIC_KEYS},
    )
    data = {k: fw.get(k) for k in FRAMEWORK_KEYS if k in fw}
    if "org_unit" not in data and fw.get("country"):
        data["org_unit"] = fw["country"]
        data["_country"] = True
    bundle.framework = Spec("framework", data)

    def walk(container: dict[str, Any], where: str, parent: str | None) -> None:
        for key in (*KIND_KEYS, *GENERIC_KEYS):
            items = container.get(key)
            if items is None:
                continue
            if not isinstance(items, list):
                bundle.error(f"{where}.{key}", "must be a list")
                continue
            for i, item in enumerate(items):
                w = f"{where}.{key}[{i}]"
                if not isinstance(item, dict):
                    bundle.error(w, "must be a mapping with code and name")
                    continue
                _unknown_keys(bundle, w, item, {*NODE_KEYS, *KIND_KEYS, *GENERIC_KEYS} - {"parent"})
                node = {k: item.get(k) for k in NODE_KEYS if k in item}
                node["kind"] = item.get("kind") or KIND_KEYS.get(key)
                node["parent"] = parent
                node["_order"] = i
                bundle.nodes.append(Spec(w, node))
                walk(item, w, _text(item.get("code")) or None)

    walk(fw, "framework", None)
    for key in ("indicators", "targets", "links"):
        items = fw.get(key, doc.get(key))
        if items is None:
            continue
        if not isinstance(items, list):
            bundle.error(f"framework.{key}", "must be a list")
            continue
        for i, item in enumerate(items):
            w = f"framework.{key}[{i}]"
            if not isinstance(item, dict):
                bundle.error(w, "must be a mapping")
                continue
            if key == "indicators":
                _unknown_keys(bundle, w, item, {*INDICATOR_KEYS, "baseline", "targets"})
                data = {k: item.get(k) for k in INDICATOR_KEYS if k in item}
                baseline = item.get("baseline")
                if isinstance(baseline, dict):
                    data.setdefault("baseline_value", baseline.get("value"))
                    data.setdefault("baseline_date", baseline.get("date"))
                bundle.indicators.append(Spec(w, data))
                for j, t in enumerate(item.get("targets") or []):
                    if isinstance(t, dict):
                        bundle.targets.append(
                            Spec(
                                f"{w}.targets[{j}]",
                                {
                                    **{k: t.get(k) for k in TARGET_KEYS if k in t},
                                    "indicator": item.get("code"),
                                },
                            )
                        )
                    else:
                        bundle.error(f"{w}.targets[{j}]", "must be a mapping")
            elif key == "targets":
                _unknown_keys(bundle, w, item, set(TARGET_KEYS))
                bundle.targets.append(Spec(w, {k: item.get(k) for k in TARGET_KEYS if k in item}))
            else:
                target = item.get("target")
                data = {"source": item.get("source"), "note": item.get("note", "")}
                if isinstance(target, dict):
                    data["target_framework"], data["target_node"] = (
                        target.get("framework"),
                        target.get("node"),
                    )
                elif isinstance(target, str) and ":" in target:
                    data["target_framework"], data["target_node"] = target.split(":", 1)
                else:
                    data["target_framework"], data["target_node"] = (
                        item.get("target_framework"),
                        item.get("target_node"),
                    )
                bundle.links.append(Spec(w, data))
    return bundle


def _unknown_keys(bundle: Bundle, where: str, item: dict[str, Any], allowed: set[str]) -> None:
    """A misspelt key (or a YAML value cut short at a comma) is an error, not silently dropped."""
    unknown = sorted(str(k) for k in item if k not in allowed)
    if unknown:
        bundle.error(
            where, f"unknown key(s) {', '.join(repr(k) for k in unknown)} (quote values that contain commas)"
        )


def parse_text(text: str | bytes, fmt: str) -> Bundle:
    if len(text) > MAX_FILE_BYTES:
        raise ValidationFailed(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", field="file")
    try:
        doc = json.loads(text) if fmt == "json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise ValidationFailed(
            f"the file is not valid {fmt.upper()}: {str(exc)[:300]}", field="file"
        ) from None
    return parse_document(doc)


def parse_xlsx(data: bytes) -> Bundle:
    """The XLSX template as a Bundle: sheet Framework (field, value rows), and one row per node, indicator,
    target and link in the other sheets, with the header in row 1."""
    if len(data) > MAX_FILE_BYTES:
        raise ValidationFailed(f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", field="file")
    with tabular.XLSXBook(data) as book:
        return _parse_book(book)


def _parse_book(book: tabular.XLSXBook) -> Bundle:
    bundle = Bundle()
    sheets = {name.strip().lower(): name for name in book.sheet_names}
    if "framework" not in sheets:
        bundle.error("file", "the workbook has no 'Framework' sheet (download the template)")
        return bundle
    fw: dict[str, Any] = {}
    for n, row in enumerate(book.rows(sheets["framework"], min_row=2), start=2):
        if not row or row[0] in (None, ""):
            continue
        key = _text(row[0]).lower()
        if key not in FRAMEWORK_KEYS:
            bundle.error(
                f"Framework row {n}", f"unknown field '{key}' (one of: {', '.join(FRAMEWORK_KEYS)})", "field"
            )
            continue
        fw[key] = row[1] if len(row) > 1 else None
    bundle.framework = Spec("Framework sheet", fw)
    for title, keys, target, required in (
        ("nodes", NODE_KEYS, bundle.nodes, ("code", "kind", "name")),
        ("indicators", INDICATOR_KEYS, bundle.indicators, ("code", "name", "numerator")),
        ("targets", TARGET_KEYS, bundle.targets, ("indicator", "org_unit", "period", "value")),
        ("links", LINK_KEYS, bundle.links, ("source", "target_framework", "target_node")),
    ):
        sheet_name = sheets.get(title)
        if sheet_name is None:
            continue
        rows = book.rows(sheet_name)
        header = next(rows, None)
        label = title.capitalize()
        if header is None:
            continue
        columns = [_text(h).lower().replace(" ", "_") for h in header]
        missing = [k for k in required if k not in columns]
        if missing:
            bundle.error(f"{label} sheet", f"missing column(s) {', '.join(missing)} in row 1")
            continue
        for n, row in enumerate(rows, start=2):
            if n > MAX_ROWS:
                bundle.error(f"{label} sheet", f"more than {MAX_ROWS} rows")
                break
            if row is None or all(v in (None, "") for v in row):
                continue
            item = {col: row[i] for i, col in enumerate(columns) if col in keys and i < len(row)}
            item["_order"] = n
            target.append(Spec(f"{label} row {n}", item))
    return bundle


def read_file(path: str | Path) -> Bundle:
    """A framework file by its extension: .yaml/.yml, .json or .xlsx."""
    p = Path(path)
    suffix = p.suffix.lower().lstrip(".")
    if suffix not in ("yaml", "yml", "json", "xlsx"):
        raise ValidationFailed(f"unknown file type '.{suffix}': use .yaml, .json or .xlsx", field="file")
    try:
        if p.stat().st_size > MAX_FILE_BYTES:
            raise ValidationFailed(
                f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB", field="file"
            )
        raw = p.read_bytes()
    except OSError as exc:
        raise ValidationFailed(f"cannot read {p}: {exc.strerror}", field="file") from None
    if suffix == "xlsx":
        return parse_xlsx(raw)
    return parse_text(raw, "json" if suffix == "json" else "yaml")


# ---------------------------------------------------------------------------------------------------------
# Importing


class _Abort(Exception):
    pass


def _org(code: Any, cache: dict[str, Organisation | None]) -> Organisation:
    text = _text(code)
    if text not in cache:
        cache[text] = Organisation.objects.filter(code=text).first()
    org = cache[text]
    if org is None:
        raise ValidationFailed(f"unknown organisation '{text}'", field="organisation")
    return org


def _unit(code: Any, field_name: str = "org_unit") -> OrgUnit:
    text = _text(code)
    unit = OrgUnit.objects.filter(code=text).first()
    if unit is None:
        raise ValidationFailed(f"unknown org unit '{text}'", field=field_name)
    return unit


def framework_import(
    *, actor: Actor, bundle: Bundle, organisation: Organisation | None = None, dry_run: bool = False
) -> ImportReport:
    """Create or update the framework of `bundle` with its nodes, indicators, targets and links.
    `organisation` (e.g. `--organisation NGO1`) overrides the file's owner. Raises FrameworkImportFailed
    listing every error; then nothing is written. `dry_run` checks everything and writes nothing."""
    policy.check_actor(actor)
    if bundle.errors:
        raise FrameworkImportFailed(bundle.errors)
    if bundle.framework is None:
        raise FrameworkImportFailed([{"where": "file", "message": "no framework in the file"}])
    errors: list[dict[str, Any]] = []
    report: ImportReport | None = None

    def fail(spec: Spec, exc: AmahoroError | str, field_name: str | None = None) -> None:
        message = exc.message if isinstance(exc, AmahoroError) else exc
        entry: dict[str, Any] = {"where": spec.where, "message": message}
        name = exc.field if isinstance(exc, AmahoroError) else field_name
        if name:
            entry["field"] = name
        errors.append(entry)

    orgs: dict[str, Organisation | None] = {}
    try:
        with transaction.atomic():
            fw_spec = bundle.framework
            try:
                fw, created = _import_framework(actor, fw_spec.data, organisation, orgs)
            except AmahoroError as exc:
                fail(fw_spec, exc)
                raise _Abort from None
            report = ImportReport(framework=fw, dry_run=dry_run)
            report.count("frameworks", created)
            nodes = _import_nodes(actor, fw, bundle.nodes, orgs, report, fail)
            indicators = _import_indicators(actor, fw, nodes, bundle.indicators, report, fail)
            _import_targets(actor, fw, indicators, bundle.targets, report, fail)
            _import_links(actor, nodes, bundle.links, report, fail)
            if errors or dry_run:
                raise _Abort
    except _Abort:
        pass
    if errors:
        raise FrameworkImportFailed(errors)
    assert report is not None
    return report


def _import_framework(
    actor: Actor, data: dict[str, Any], override: Organisation | None, orgs: dict[str, Organisation | None]
) -> tuple[Framework, bool]:
    code = services.check_code(_text(data.get("code")))
    fields: dict[str, Any] = {}
    for k in ("name", "name_fr", "name_rw", "description", "description_fr", "description_rw"):
        if k in data:
            fields[k] = _text(data[k])
    for k in ("start", "end"):
        if k in data:
            fields[k] = data[k] if isinstance(data[k], dt.date) else _text(data[k]) or None
    if "is_public" in data:
        fields["is_public"] = _bool(data["is_public"], "is_public")
    if override is not None:
        fields["organisation"] = override
    elif _text(data.get("organisation")):
        fields["organisation"] = _org(data["organisation"], orgs)
    if _text(data.get("org_unit")):
        unit = OrgUnit.objects.filter(code=_text(data["org_unit"])).first()
        if unit is None and not data.get("_country"):
            raise ValidationFailed(f"unknown org unit '{_text(data['org_unit'])}'", field="org_unit")
        fields["org_unit"] = unit
    existing = Framework.objects.filter(code=code).first()
    if existing is None:
        return services.framework_create(actor=actor, code=code, **fields), True
    if not policy.allows(actor, Perm.FRAMEWORK_MANAGE, existing):
        raise PermissionDenied(f"framework '{code}' exists and you may not change it", field="code")
    return services.framework_update(actor=actor, framework=existing, **fields), False


def _bool(value: Any, field_name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).lower()
    if text in ("1", "true", "yes", "y"):
        return True
    if text in ("", "0", "false", "no", "n"):
        return False
    raise ValidationFailed(f"{field_name} must be true or false, got '{text[:20]}'", field=field_name)


def _import_nodes(
    actor: Actor,
    fw: Framework,
    specs: list[Spec],
    orgs: dict[str, Organisation | None],
    report: ImportReport,
    fail: Any,
) -> dict[str, Node]:
    nodes = {n.code: n for n in Node.objects.filter(framework=fw).select_related("parent")}
    seen: dict[str, str] = {}
    pending: list[Spec] = []
    for spec in specs:
        code = _text(spec.data.get("code"))
        if not code:
            fail(spec, "code is required", "code")
            continue
        if code in seen:
            fail(spec, f"node code '{code}' is used twice (also {seen[code]})", "code")
            continue
        seen[code] = spec.where
        pending.append(spec)
    # Parents first, whatever the order of the rows.
    while pending:
        progressed = False
        rest: list[Spec] = []
        for spec in pending:
            parent_code = _text(spec.data.get("parent"))
            if parent_code and parent_code not in nodes:
                rest.append(spec)
                continue
            progressed = True
            _import_node(
                actor, fw, spec, nodes.get(parent_code) if parent_code else None, nodes, orgs, report, fail
            )
        if not progressed:
            for spec in rest:
                parent_code = _text(spec.data.get("parent"))
                reason = (
                    "was not imported" if parent_code in seen else "is not in this file nor in the framework"
                )
                fail(spec, f"parent node '{parent_code}' {reason}", "parent")
            break
        pending = rest
    return nodes


def _import_node(
    actor: Actor,
    fw: Framework,
    spec: Spec,
    parent: Node | None,
    nodes: dict[str, Node],
    orgs: dict[str, Organisation | None],
    report: ImportReport,
    fail: Any,
) -> None:
    data = spec.data
    code = _text(data.get("code"))
    try:
        fields: dict[str, Any] = {"parent": parent, "sort_order": int(data.get("_order") or 0)}
        for k in ("name", "name_fr", "name_rw", "description", "description_fr", "description_rw", "kind"):
            if k in data:
                fields[k] = _text(data[k]).lower() if k == "kind" else _text(data[k])
        for k in ("start", "end"):
            if k in data:
                fields[k] = data[k] if isinstance(data[k], dt.date) else _text(data[k]) or None
        rel = {
            k: [_org(c, orgs) for c in _codes(data[k])] for k in ("responsible", "supporting") if k in data
        }
        existing = nodes.get(code)
        if existing is None:
            if not fields.get("kind"):
                raise ValidationFailed(
                    "kind is required (goal, pillar, outcome, output, activity)", field="kind"
                )
            kwargs: dict[str, Any] = {**fields, **rel}
            nodes[code] = services.node_create(
                actor=actor, framework=fw, code=code, name=kwargs.pop("name", ""), **kwargs
            )
            report.count("nodes", True)
        else:
            nodes[code] = services.node_update(actor=actor, node=existing, **fields, **rel)
            report.count("nodes", False)
    except AmahoroError as exc:
        fail(spec, exc)


def _import_indicators(
    actor: Actor, fw: Framework, nodes: dict[str, Node], specs: list[Spec], report: ImportReport, fail: Any
) -> dict[str, Indicator]:
    out: dict[str, Indicator] = {i.code: i for i in Indicator.objects.filter(framework=fw)}
    seen: set[str] = set()
    for spec in specs:
        data = dict(spec.data)
        data.pop("_order", None)
        code = _text(data.pop("code", ""))
        if code in seen:
            fail(spec, f"indicator code '{code}' is used twice", "code")
            continue
        seen.add(code)
        try:
            node_list = []
            for c in _codes(data.pop("nodes", None)):
                if c not in nodes:
                    raise ValidationFailed(f"unknown node '{c}' in this framework", field="nodes")
                node_list.append(nodes[c])
            fields: dict[str, Any] = {
                k: (v if isinstance(v, int | float | dt.date) and not isinstance(v, bool) else _text(v))
                for k, v in data.items()
            }
            existing = Indicator.objects.filter(code=code).first()
            if existing is not None and existing.framework_id not in (None, fw.pk):
                raise ValidationFailed(f"indicator '{code}' belongs to another framework", field="code")
            indicator, created = services.indicator_save(
                actor=actor, code=code, framework=fw, nodes=node_list, **fields
            )
            out[indicator.code] = indicator
            report.count("indicators", created)
        except AmahoroError as exc:
            fail(spec, exc)
    return out


def _import_targets(
    actor: Actor,
    fw: Framework,
    indicators: dict[str, Indicator],
    specs: list[Spec],
    report: ImportReport,
    fail: Any,
) -> None:
    units: dict[str, OrgUnit] = {}
    seen: dict[tuple[str, str, str], str] = {}
    for spec in specs:
        data = spec.data
        try:
            code = _text(data.get("indicator"))
            indicator = indicators.get(code)
            if indicator is None:
                raise ValidationFailed(
                    f"unknown indicator '{code}' (define it in this framework)", field="indicator"
                )
            unit_code = _text(data.get("org_unit"))
            if unit_code not in units:
                units[unit_code] = _unit(unit_code)
            period = _text(data.get("period"))
            key = (code, unit_code, period)
            if key in seen:
                raise ValidationFailed(
                    f"a second target for {code} at {unit_code} in {period} (also {seen[key]})",
                    field="period",
                )
            seen[key] = spec.where
            _, created = services.target_set(
                actor=actor,
                indicator=indicator,
                org_unit=units[unit_code],
                period=period,
                value=data.get("value"),
                lower=data.get("lower"),
                upper=data.get("upper"),
                note=_text(data.get("note")),
            )
            report.count("targets", created)
        except AmahoroError as exc:
            fail(spec, exc)


def _import_links(
    actor: Actor, nodes: dict[str, Node], specs: list[Spec], report: ImportReport, fail: Any
) -> None:
    for spec in specs:
        data = spec.data
        try:
            source = nodes.get(_text(data.get("source")))
            if source is None:
                raise ValidationFailed(
                    f"unknown source node '{_text(data.get('source'))}' in this framework", field="source"
                )
            target = _target_node(actor, _text(data.get("target_framework")), _text(data.get("target_node")))
            before = NodeLink.objects.filter(source=source, target=target).exists()
            services.node_link(actor=actor, source=source, target=target, note=_text(data.get("note")))
            report.count("links", not before)
        except AmahoroError as exc:
            fail(spec, exc)


def _target_node(actor: Actor, framework_code: str, node_code: str) -> Node:
    qs = Node.objects.filter(framework__code=framework_code, code=node_code).select_related("framework")
    qs = policy.visible(actor, Perm.FRAMEWORK_VIEW, qs)
    node = qs.first()
    if node is None:
        raise NotFound(
            f"unknown target node '{node_code}' in framework '{framework_code}'", field="target_node"
        )
    return node


# ---------------------------------------------------------------------------------------------------------
# Exporting (the caller has checked that the user may see the framework)


def _node_dict(node: Node, children: dict[int | None, list[Node]]) -> dict[str, Any]:
    out: dict[str, Any] = {"code": node.code, "name": node.name}
    for k in ("name_fr", "name_rw", "description", "description_fr", "description_rw"):
        if getattr(node, k):
            out[k] = getattr(node, k)
    for k in ("start", "end"):
        if getattr(node, k):
            out[k] = getattr(node, k)
    for rel in ("responsible", "supporting"):
        codes = [o.code for o in getattr(node, rel).all()]
        if codes:
            out[rel] = codes
    kids = children.get(node.pk, [])
    for kind in NodeKind.values:
        group = [k for k in kids if k.kind == kind]
        if group:
            out[KIND_PLURAL[kind]] = [_node_dict(k, children) for k in group]
    return out


def framework_document(framework: Framework) -> dict[str, Any]:
    """The framework in the reference file's shape, plus indicators (with their targets) and links."""
    fw: dict[str, Any] = {"code": framework.code, "name": framework.name}
    for k in ("name_fr", "name_rw", "description", "description_fr", "description_rw"):
        if getattr(framework, k):
            fw[k] = getattr(framework, k)
    if framework.organisation_id:
        fw["organisation"] = framework.organisation.code if framework.organisation else None
    if framework.org_unit_id and framework.org_unit:
        fw["org_unit"] = framework.org_unit.code
    for k in ("start", "end"):
        if getattr(framework, k):
            fw[k] = getattr(framework, k)
    if framework.is_public:
        fw["is_public"] = True
    all_nodes = list(
        Node.objects.filter(framework=framework)
        .prefetch_related("responsible", "supporting")
        .order_by("sort_order", "code")
    )
    children: dict[int | None, list[Node]] = {}
    for n in all_nodes:
        children.setdefault(n.parent_id, []).append(n)
    roots = children.get(None, [])
    for kind in NodeKind.values:
        group = [r for r in roots if r.kind == kind]
        if group:
            fw[KIND_PLURAL[kind]] = [_node_dict(r, children) for r in group]
    indicators = []
    for ind in Indicator.objects.filter(framework=framework).prefetch_related("nodes").order_by("code"):
        item: dict[str, Any] = {"code": ind.code, "name": ind.name}
        for k in INDICATOR_KEYS[2:-1]:
            value = getattr(ind, k)
            if value not in (None, "") and not (k == "denominator" and value == "1"):
                item[k] = value
        nodes = sorted(n.code for n in ind.nodes.all())
        if nodes:
            item["nodes"] = nodes
        targets = [
            {
                k: v
                for k, v in (
                    ("org_unit", t.org_unit.code),
                    ("period", t.period),
                    ("value", t.value),
                    ("lower", t.lower),
                    ("upper", t.upper),
                    ("note", t.note),
                )
                if v not in (None, "")
            }
            for t in Target.objects.filter(indicator=ind)
            .select_related("org_unit")
            .order_by("start", "org_unit__path")
        ]
        if targets:
            item["targets"] = targets
        indicators.append(item)
    if indicators:
        fw["indicators"] = indicators
    links = [
        {
            "source": link.source.code,
            "target": {"framework": link.target.framework.code, "node": link.target.code},
            **({"note": link.note} if link.note else {}),
        }
        for link in NodeLink.objects.filter(source__framework=framework)
        .select_related("source", "target__framework")
        .order_by("source__code", "target__code")
    ]
    if links:
        fw["links"] = links
    return {"framework": fw}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def framework_yaml(framework: Framework) -> str:
    return yaml.safe_dump(framework_document(framework), sort_keys=False, allow_unicode=True, width=110)


def framework_json(framework: Framework) -> str:
    return json.dumps(_jsonable(framework_document(framework)), indent=2, ensure_ascii=False)


HELP_ROWS = (
    (
        "Framework",
        "One row per field: code (required), name (required), name_fr, name_rw, description, organisation (owner code; empty = national), org_unit (scope code, e.g. RW or 11), start, end (YYYY-MM-DD), is_public (yes/no).",
    ),
    (
        "Nodes",
        "One row per node. kind: goal, pillar, outcome, output or activity. parent: code of the node above (empty for the top). responsible, supporting: organisation codes separated by commas.",
    ),
    (
        "Indicators",
        "One row per indicator. numerator and denominator use DHIS2 syntax: #{DATA_ELEMENT} or #{DATA_ELEMENT.OPTION_COMBO}, + - * / ^, parentheses, if(), isNull(). type: count, percentage, ratio, mean, yes_no. direction: higher or lower. factor: 100 for a percentage. nodes: node codes separated by commas.",
    ),
    (
        "Targets",
        "One row per target: indicator code, org unit code, DHIS2 period code (2024, 2024Q1, 2024July, 202401), value, optional lower/upper band.",
    ),
    (
        "Links",
        "Optional: this framework's node (source) contributes to a node of another framework (target_framework, target_node), e.g. RW-NAP1325-2018 / P2.O1.",
    ),
    (
        "Import",
        "amahoro import_framework FILE.xlsx [--organisation CODE]. All-or-nothing: every error is listed with its sheet and row.",
    ),
)


def framework_xlsx(framework: Framework | None = None) -> bytes:
    """The XLSX template, filled with `framework` when given (an export), else empty with examples."""
    from .models import Direction, IndicatorType, MissingValueStrategy, PlaceAggregation, TimeAggregation

    doc = framework_document(framework)["framework"] if framework else {}
    rows: dict[str, list[list[Any]]] = {
        "Nodes": [list(NODE_KEYS)],
        "Indicators": [list(INDICATOR_KEYS)],
        "Targets": [list(TARGET_KEYS)],
        "Links": [list(LINK_KEYS)],
    }
    if framework is not None:
        _fill_rows(framework, rows)

    def lists(keys: Sequence[str], choices: dict[str, Iterable[str]]) -> dict[int, list[str]]:
        return {keys.index(column) + 1: list(values) for column, values in choices.items()}

    choices = {
        "Nodes": lists(NODE_KEYS, {"kind": NodeKind.values}),
        "Indicators": lists(
            INDICATOR_KEYS,
            {
                "type": IndicatorType.values,
                "direction": Direction.values,
                "aggregation_time": TimeAggregation.values,
                "aggregation_place": PlaceAggregation.values,
                "missing_value_strategy": MissingValueStrategy.values,
            },
        ),
    }
    return tabular.xlsx_bytes(
        [
            tabular.Sheet(
                "Framework",
                [["field", "value"], *([k, _cell(doc.get(k, ""))] for k in FRAMEWORK_KEYS)],
                styled=True,
            ),
            *(
                tabular.Sheet(title, table, styled=True, choices=choices.get(title, {}), choice_rows=MAX_ROWS)
                for title, table in rows.items()
            ),
            tabular.Sheet("Help", [["sheet", "how to fill it in"], *HELP_ROWS], styled=True, widths={2: 120}),
        ]
    )


def _cell(value: Any) -> Any:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return value


def _fill_rows(framework: Framework, sheets: dict[str, list[list[Any]]]) -> None:
    nodes = list(
        Node.objects.filter(framework=framework)
        .select_related("parent")
        .prefetch_related("responsible", "supporting")
    )
    by_parent: dict[int | None, list[Node]] = {}
    for n in sorted(nodes, key=lambda n: (n.sort_order, n.code)):
        by_parent.setdefault(n.parent_id, []).append(n)

    def emit(parent_id: int | None) -> None:
        for n in by_parent.get(parent_id, []):
            sheets["Nodes"].append(
                [
                    n.code,
                    n.kind,
                    n.parent.code if n.parent else "",
                    n.name,
                    n.name_fr,
                    n.name_rw,
                    n.description,
                    ", ".join(o.code for o in n.responsible.all()),
                    ", ".join(o.code for o in n.supporting.all()),
                    n.start,
                    n.end,
                ]
            )
            emit(n.pk)

    emit(None)
    for ind in Indicator.objects.filter(framework=framework).prefetch_related("nodes").order_by("code"):
        sheets["Indicators"].append(
            [
                _cell(getattr(ind, k)) if k != "nodes" else ", ".join(sorted(n.code for n in ind.nodes.all()))
                for k in INDICATOR_KEYS
            ]
        )
        for t in (
            Target.objects.filter(indicator=ind)
            .select_related("org_unit")
            .order_by("start", "org_unit__path")
        ):
            sheets["Targets"].append([ind.code, t.org_unit.code, t.period, t.value, t.lower, t.upper, t.note])
    for link in (
        NodeLink.objects.filter(source__framework=framework)
        .select_related("source", "target__framework")
        .order_by("source__code")
    ):
        sheets["Links"].append([link.source.code, link.target.framework.code, link.target.code, link.note])


EXPORT_FORMATS = {
    "yaml": "application/yaml; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def framework_export(*, actor: Actor, framework: Framework, fmt: str) -> tuple[bytes, str, str]:
    """The framework as a file (bytes, content type, file name); the export is audited."""
    policy.check_actor(actor)
    from amahoro.audit.models import AuditAction
    from amahoro.audit.services import audit_record

    if fmt not in EXPORT_FORMATS:
        raise ValidationFailed(
            f"unknown format '{fmt}' (one of: {', '.join(EXPORT_FORMATS)})", field="format"
        )
    if fmt == "xlsx":
        content = framework_xlsx(framework)
    else:
        content = (framework_yaml(framework) if fmt == "yaml" else framework_json(framework)).encode()
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=AuditAction.EXPORT,
            obj=framework,
            organisation_id=framework.organisation_id,
            changes={"format": fmt},
        )
    return content, EXPORT_FORMATS[fmt], f"{framework.code}.{fmt}"
