"""Writes of the frameworks app: frameworks and their nodes, links between nodes of different frameworks,
indicators and targets. Every write takes `actor=` (a user, or `policy.SYSTEM` for a management command;
None is refused), checks the policy and audits in the same transaction. Framework files are in
`interchange.py`; category option combos and the DHIS2 metadata import are in amahoro.metadata."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.db import transaction

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record, diff
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods
from amahoro.metadata.access import manages_organisation
from amahoro.metadata.services import (
    check_code,
    check_expression,
    check_name,
)
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from .models import (
    Direction,
    Framework,
    Indicator,
    IndicatorType,
    MissingValueStrategy,
    Node,
    NodeKind,
    NodeLink,
    PlaceAggregation,
    Target,
    TimeAggregation,
)


def _user(actor: Actor) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def _check(actor: Actor, perm: Perm, obj: Any, message: str) -> None:
    """The actor must hold `perm` on `obj` (SYSTEM may do anything; a missing actor is refused)."""
    policy.require(actor, perm, obj, message=message)


# ---------------------------------------------------------------------------------------------------------
# Frameworks and nodes


def _date(value: Any, field: str) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(
            f"{field} must be a date as YYYY-MM-DD, got '{str(value)[:30]}'", field=field
        ) from None


def _check_dates(start: dt.date | None, end: dt.date | None) -> None:
    if start and end and end < start:
        raise ValidationFailed("end is before start", field="end")


FRAMEWORK_FIELDS = (
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


@transaction.atomic
def framework_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    organisation: Organisation | None = None,
    org_unit: OrgUnit | None = None,
    name_fr: str = "",
    name_rw: str = "",
    description: str = "",
    description_fr: str = "",
    description_rw: str = "",
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    is_public: bool = False,
) -> Framework:
    policy.check_actor(actor)
    code = check_code(code)
    name = check_name(name)
    start_d, end_d = _date(start, "start"), _date(end, "end")
    _check_dates(start_d, end_d)
    policy.require(
        actor,
        Perm.FRAMEWORK_MANAGE,
        organisation=organisation,
        org_unit=_scope_path(org_unit),
        message="you may not create a framework for this organisation and place",
    )
    if organisation is None and not policy.is_system_admin(actor):
        raise PermissionDenied(
            "only system administrators create national frameworks (without an organisation)"
        )
    if Framework.objects.filter(code__iexact=code).exists():
        raise ValidationFailed(f"a framework with code '{code}' already exists", field="code")
    fw = Framework.objects.create(
        code=code,
        name=name,
        name_fr=check_name(name_fr, field="name_fr", required=False),
        name_rw=check_name(name_rw, field="name_rw", required=False),
        description=description or "",
        description_fr=description_fr or "",
        description_rw=description_rw or "",
        organisation=organisation,
        org_unit=org_unit,
        start=start_d,
        end=end_d,
        is_public=bool(is_public),
        created_by=_user(actor),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=fw,
        organisation_id=fw.organisation_id,
        org_unit_path=org_unit.path if org_unit else "",
        changes={"code": code, "name": name},
    )
    return fw


@transaction.atomic
def framework_update(*, actor: Actor, framework: Framework, **fields: Any) -> Framework:
    policy.check_actor(actor)
    unknown = set(fields) - set(FRAMEWORK_FIELDS)
    if unknown:
        raise ValidationFailed(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    _check(actor, Perm.FRAMEWORK_MANAGE, framework, "you may not change this framework")
    if "name" in fields:
        fields["name"] = check_name(fields["name"])
    for f in ("start", "end"):
        if f in fields:
            fields[f] = _date(fields[f], f)
    _check_dates(fields.get("start", framework.start), fields.get("end", framework.end))
    if "organisation" in fields or "org_unit" in fields:
        org = fields.get("organisation", framework.organisation)
        unit = fields.get("org_unit", framework.org_unit)
        if not policy.can_in(actor, Perm.FRAMEWORK_MANAGE, organisation=org, org_unit=_scope_path(unit)) or (
            org is None and not policy.is_system_admin(actor)
        ):
            raise PermissionDenied("you may not move the framework to this organisation or place")
    before = {k: _plain(getattr(framework, k)) for k in fields}
    for k, v in fields.items():
        setattr(framework, k, v)
    framework.save()
    changes = diff(before, {k: _plain(v) for k, v in fields.items()})
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=framework,
            organisation_id=framework.organisation_id,
            changes=changes,
        )
    return framework


def _scope_path(org_unit: OrgUnit | None) -> str | None:
    """A framework without a place covers the whole country: the root's path (None if none is loaded)."""
    if org_unit is not None:
        return org_unit.path
    root = OrgUnit.objects.filter(parent__isnull=True).order_by("path").values_list("path", flat=True).first()
    return root


def _plain(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "code"):
        return value.code
    return value


NODE_FIELDS = (
    "name",
    "name_fr",
    "name_rw",
    "description",
    "description_fr",
    "description_rw",
    "kind",
    "parent",
    "sort_order",
    "start",
    "end",
)


@transaction.atomic
def node_create(
    *,
    actor: Actor,
    framework: Framework,
    code: str,
    name: str,
    kind: str,
    parent: Node | None = None,
    name_fr: str = "",
    name_rw: str = "",
    description: str = "",
    description_fr: str = "",
    description_rw: str = "",
    sort_order: int = 0,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    responsible: list[Organisation] | None = None,
    supporting: list[Organisation] | None = None,
) -> Node:
    policy.check_actor(actor)
    _check(actor, Perm.FRAMEWORK_MANAGE, framework, "you may not change this framework")
    code = check_code(code)
    if kind not in NodeKind.values:
        raise ValidationFailed(
            f"unknown node kind '{kind}' (one of: {', '.join(NodeKind.values)})", field="kind"
        )
    if parent is not None and parent.framework_id != framework.pk:
        raise ValidationFailed("the parent node belongs to another framework", field="parent")
    if Node.objects.filter(framework=framework, code=code).exists():
        raise ValidationFailed(f"framework '{framework.code}' already has a node '{code}'", field="code")
    start_d, end_d = _date(start, "start"), _date(end, "end")
    _check_dates(start_d, end_d)
    node = Node.objects.create(
        framework=framework,
        code=code,
        name=check_name(name),
        kind=kind,
        parent=parent,
        name_fr=check_name(name_fr, field="name_fr", required=False),
        name_rw=check_name(name_rw, field="name_rw", required=False),
        description=description or "",
        description_fr=description_fr or "",
        description_rw=description_rw or "",
        sort_order=int(sort_order or 0),
        start=start_d,
        end=end_d,
        created_by=_user(actor),
    )
    if responsible:
        node.responsible.set(responsible)
    if supporting:
        node.supporting.set(supporting)
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=node,
        organisation_id=framework.organisation_id,
        changes={"code": code, "kind": kind, "parent": parent.code if parent else None},
    )
    return node


@transaction.atomic
def node_update(
    *,
    actor: Actor,
    node: Node,
    responsible: list[Organisation] | None = None,
    supporting: list[Organisation] | None = None,
    **fields: Any,
) -> Node:
    policy.check_actor(actor)
    unknown = set(fields) - set(NODE_FIELDS)
    if unknown:
        raise ValidationFailed(f"cannot change {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    _check(actor, Perm.FRAMEWORK_MANAGE, node.framework, "you may not change this framework")
    if "name" in fields:
        fields["name"] = check_name(fields["name"])
    if "kind" in fields and fields["kind"] not in NodeKind.values:
        raise ValidationFailed(f"unknown node kind '{fields['kind']}'", field="kind")
    parent = fields.get("parent")
    if parent is not None:
        if parent.framework_id != node.framework_id:
            raise ValidationFailed("the parent node belongs to another framework", field="parent")
        ancestor: Node | None = parent
        while ancestor is not None:
            if ancestor.pk == node.pk:
                raise ValidationFailed(
                    f"node '{node.code}' cannot be placed under its own descendant", field="parent"
                )
            ancestor = ancestor.parent
    for f in ("start", "end"):
        if f in fields:
            fields[f] = _date(fields[f], f)
    before = {k: _plain(getattr(node, k)) for k in fields}
    for k, v in fields.items():
        setattr(node, k, v)
    node.save()
    changes = diff(before, {k: _plain(v) for k, v in fields.items()})
    for rel, orgs in (("responsible", responsible), ("supporting", supporting)):
        if orgs is None:
            continue
        old = sorted(getattr(node, rel).values_list("code", flat=True))
        getattr(node, rel).set(orgs)
        new = sorted(o.code for o in orgs)
        if old != new:
            changes[rel] = [old, new]
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=node,
            organisation_id=node.framework.organisation_id,
            changes=changes,
        )
    return node


@transaction.atomic
def node_link(*, actor: Actor, source: Node, target: Node, note: str = "") -> NodeLink:
    """Record that `source` (e.g. an NGO outcome) contributes to `target` (e.g. NAP outcome P2.O1) of
    another framework. Needs framework.manage on the source's framework and sight of the target. Linking
    twice returns the existing link."""
    policy.check_actor(actor)
    _check(
        actor, Perm.FRAMEWORK_MANAGE, source.framework, "you may not change the framework of the source node"
    )
    policy.require(actor, Perm.FRAMEWORK_VIEW, target, message="you may not see the target node")
    if source.pk == target.pk:
        raise ValidationFailed("a node cannot contribute to itself", field="target")
    if source.framework_id == target.framework_id:
        raise ValidationFailed(
            "link nodes of two different frameworks (inside one framework, use the tree)", field="target"
        )
    link, created = NodeLink.objects.get_or_create(
        source=source,
        target=target,
        defaults={"note": check_name(note, field="note", required=False), "created_by": _user(actor)},
    )
    if created:
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=link,
            organisation_id=source.framework.organisation_id,
            changes={"source": str(source), "target": str(target)},
        )
    return link


@transaction.atomic
def node_unlink(*, actor: Actor, link: NodeLink) -> None:
    policy.check_actor(actor)
    _check(
        actor,
        Perm.FRAMEWORK_MANAGE,
        link.source.framework,
        "you may not change the framework of the source node",
    )
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=link,
        organisation_id=link.source.framework.organisation_id,
        changes={"source": str(link.source), "target": str(link.target)},
    )
    link.delete()


# ---------------------------------------------------------------------------------------------------------
# Indicators and targets


INDICATOR_FIELDS = (
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
    "uid",
)
_CHOICES = {
    "type": IndicatorType.values,
    "direction": Direction.values,
    "aggregation_time": TimeAggregation.values,
    "aggregation_place": PlaceAggregation.values,
    "missing_value_strategy": MissingValueStrategy.values,
}
_NUMBERS = ("factor", "baseline_value", "on_track_threshold", "at_risk_threshold")


def _number(value: Any, field: str) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, bool):
        raise ValidationFailed(f"{field} must be a number", field=field)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValidationFailed(f"{field} must be a number, got '{str(value)[:30]}'", field=field) from None
    if not math.isfinite(number):
        raise ValidationFailed(f"{field} must be a finite number", field=field)
    return number


def clean_indicator_fields(
    fields: dict[str, Any], *, known_elements: dict[str, set[str]] | None = None
) -> dict[str, Any]:
    """Validated indicator fields (a subset of INDICATOR_FIELDS), for create and update alike."""
    unknown = set(fields) - set(INDICATOR_FIELDS)
    if unknown:
        raise ValidationFailed(
            f"unknown indicator field {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    out = dict(fields)
    if "name" in out:
        out["name"] = check_name(out["name"])
    for f in ("name_fr", "name_rw"):
        if f in out:
            out[f] = check_name(out[f], field=f, required=False)
    if "short_name" in out:
        out["short_name"] = check_name(out["short_name"], field="short_name", required=False, max_length=100)
    for f in ("unit", "data_source"):
        if f in out:
            out[f] = check_name(out[f], field=f, required=False, max_length=50 if f == "unit" else 300)
    for f in ("numerator_description", "denominator_description"):
        if f in out:
            out[f] = check_name(out[f], field=f, required=False)
    for f in ("definition", "means_of_verification"):
        if f in out:
            out[f] = str(out[f] or "")
    for f, choices in _CHOICES.items():
        if f in out:
            if out[f] in (None, ""):
                out.pop(f)
            elif out[f] not in choices:
                raise ValidationFailed(f"unknown {f} '{out[f]}' (one of: {', '.join(choices)})", field=f)
    for f in _NUMBERS:
        if f in out:
            out[f] = _number(out[f], f)
            if out[f] is None and f != "baseline_value":
                out.pop(f)
    if out.get("factor") == 0:
        raise ValidationFailed("factor must not be 0", field="factor")
    if "decimals" in out and out["decimals"] not in (None, ""):
        try:
            out["decimals"] = int(out["decimals"])
        except (TypeError, ValueError):
            raise ValidationFailed("decimals must be a whole number", field="decimals") from None
        if not 0 <= out["decimals"] <= 10:
            raise ValidationFailed("decimals must be between 0 and 10", field="decimals")
    elif "decimals" in out:
        out["decimals"] = None
    if "baseline_date" in out:
        out["baseline_date"] = _date(out["baseline_date"], "baseline_date")
    if "numerator" in out:
        out["numerator"] = check_expression(
            out["numerator"], field="numerator", known_elements=known_elements
        )
    if "denominator" in out:
        out["denominator"] = check_expression(
            out["denominator"] or "1", field="denominator", known_elements=known_elements
        )
    if "uid" in out:
        out["uid"] = str(out["uid"] or "").strip() or None
    for f in ("on_track_threshold", "at_risk_threshold"):
        if f in out and not 0 <= out[f] <= 10:
            raise ValidationFailed(f"{f} is a share of the target, e.g. 0.9 for 90%", field=f)
    return out


@transaction.atomic
def indicator_save(
    *,
    actor: Actor,
    code: str,
    framework: Framework | None = None,
    organisation: Organisation | None = None,
    nodes: list[Node] | None = None,
    **fields: Any,
) -> tuple[Indicator, bool]:
    """Create or update the indicator `code` (with `framework` or `organisation` as its scope on
    creation). Returns (indicator, created)."""
    policy.check_actor(actor)
    code = check_code(code)
    cleaned = clean_indicator_fields(fields)
    indicator = Indicator.objects.filter(code=code).first()
    if framework is not None:
        _check(actor, Perm.FRAMEWORK_MANAGE, framework, "you may not change this framework")
        organisation = framework.organisation
    if framework is not None and nodes and any(n.framework_id != framework.pk for n in nodes):
        raise ValidationFailed("the indicator's nodes must belong to its framework", field="nodes")
    if framework is None and nodes:
        for n in nodes:
            _check(
                actor,
                Perm.FRAMEWORK_MANAGE,
                n.framework,
                f"you may not link indicators to framework '{n.framework.code}'",
            )
    if indicator is None:
        if "numerator" not in cleaned:
            raise ValidationFailed("numerator is required", field="numerator")
        if "name" not in cleaned:
            raise ValidationFailed("name is required", field="name")
        if framework is None:
            if organisation is None and not policy.is_system_admin(actor):
                raise PermissionDenied("only system administrators create shared indicators")
            if organisation is not None and not manages_organisation(actor, organisation):
                raise PermissionDenied("you may not create indicators for this organisation")
        _check_thresholds(cleaned.get("at_risk_threshold"), cleaned.get("on_track_threshold"), None)
        indicator = Indicator.objects.create(
            code=code, framework=framework, organisation=organisation, created_by=_user(actor), **cleaned
        )
        if nodes:
            indicator.nodes.set(nodes)
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=indicator,
            organisation_id=indicator.organisation_id,
            changes={"code": code, "numerator": indicator.numerator, "denominator": indicator.denominator},
        )
        return indicator, True
    _check(actor, Perm.FRAMEWORK_MANAGE, indicator, f"you may not change indicator '{code}'")
    _check_thresholds(cleaned.get("at_risk_threshold"), cleaned.get("on_track_threshold"), indicator)
    before = {k: _plain(getattr(indicator, k)) for k in cleaned}
    for k, v in cleaned.items():
        setattr(indicator, k, v)
    if framework is not None and indicator.framework_id != framework.pk:
        before["framework"] = indicator.framework.code if indicator.framework else None
        indicator.framework = framework
        indicator.organisation = framework.organisation
    indicator.save()
    changes = diff(
        before,
        {k: _plain(v) for k, v in cleaned.items()}
        | ({"framework": framework.code} if "framework" in before and framework else {}),
    )
    if nodes is not None:
        old = sorted(str(n) for n in indicator.nodes.all())
        indicator.nodes.set(nodes)
        new = sorted(str(n) for n in nodes)
        if old != new:
            changes["nodes"] = [old, new]
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=indicator,
            organisation_id=indicator.organisation_id,
            changes=changes,
        )
    return indicator, False


def _check_thresholds(at_risk: float | None, on_track: float | None, indicator: Indicator | None) -> None:
    from .models import DEFAULT_AT_RISK, DEFAULT_ON_TRACK

    low = at_risk if at_risk is not None else (indicator.at_risk_threshold if indicator else DEFAULT_AT_RISK)
    high = (
        on_track
        if on_track is not None
        else (indicator.on_track_threshold if indicator else DEFAULT_ON_TRACK)
    )
    if low > high:
        raise ValidationFailed(
            "at_risk_threshold must not be above on_track_threshold", field="at_risk_threshold"
        )


def check_period(code: Any, *, field: str = "period") -> Any:
    try:
        return periods.parse_period(str(code or "").strip())
    except periods.InvalidPeriod as exc:
        raise ValidationFailed(f"{field}: {exc}", field=field) from None


@transaction.atomic
def target_set(
    *,
    actor: Actor,
    indicator: Indicator,
    org_unit: OrgUnit,
    period: str,
    value: Any,
    lower: Any = None,
    upper: Any = None,
    note: str = "",
) -> tuple[Target, bool]:
    """Create or replace the target of an indicator at an org unit for a period. Returns (target, created)."""
    policy.check_actor(actor)
    _check(
        actor,
        Perm.FRAMEWORK_MANAGE,
        indicator,
        f"you may not change the targets of indicator '{indicator.code}'",
    )
    parsed = check_period(period)
    number = _number(value, "value")
    if number is None:
        raise ValidationFailed("value is required", field="value")
    low, high = _number(lower, "lower"), _number(upper, "upper")
    if low is not None and high is not None and low > high:
        raise ValidationFailed("lower is above upper", field="lower")
    fields = {
        "start": parsed.start,
        "end": parsed.end,
        "value": number,
        "lower": low,
        "upper": high,
        "note": check_name(note, field="note", required=False),
    }
    target = Target.objects.filter(indicator=indicator, org_unit=org_unit, period=parsed.code).first()
    if target is None:
        target = Target.objects.create(
            indicator=indicator, org_unit=org_unit, period=parsed.code, created_by=_user(actor), **fields
        )
        audit_record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=target,
            organisation_id=indicator.organisation_id,
            org_unit_path=org_unit.path,
            changes={
                "indicator": indicator.code,
                "org_unit": org_unit.code,
                "period": parsed.code,
                "value": number,
            },
        )
        return target, True
    before = {k: _plain(getattr(target, k)) for k in fields}
    for k, v in fields.items():
        setattr(target, k, v)
    target.save()
    changes = diff(before, {k: _plain(v) for k, v in fields.items()})
    if changes:
        audit_record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=target,
            organisation_id=indicator.organisation_id,
            org_unit_path=org_unit.path,
            changes=changes,
        )
    return target, False
