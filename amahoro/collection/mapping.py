"""Submissions to indicator values: a form's mapping rules produce DHIS2-style data values, written through
the data app's import engine (amahoro.data.services.datavalues_import), so the policy, locks, approvals
and audit of data values apply exactly as for any other import.

A rule counts the submissions (or the entries of one repeat, e.g. participants) that meet its condition,
or sums/averages a field; groups them by org unit (a place-code field, else where the submission was
placed), period (from a date field, else the day received) and category option combo (from the answers
of its `disaggregate_by` fields, mapped through `option_map`); and keeps, per value, the submissions it
came from (MappedValue). Running again recomputes everything: changed values are updated, values no
longer produced are deleted, so a run is idempotent and a changed rule simply replaces its values.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record, diff
from amahoro.core.errors import ValidationFailed
from amahoro.data.importing import default_option_combo
from amahoro.data.services import datavalues_import
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.metadata.models import CategoryOptionCombo, DataElement
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import selectors
from .models import Aggregation, MappedValue, MappingRule, ReviewState, Submission, XForm
from .services import form_schema, submission_data, user_of

Key = tuple[int, str, int]  # org unit id, period code, category option combo id


@dataclass
class RunResult:
    rule: str
    values: int = 0
    deleted: int = 0
    skipped: list[str] = field(default_factory=list)  # why some submissions did not count
    import_summary: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "values": self.values,
            "deleted": self.deleted,
            "skipped": self.skipped[:50],
            "import": self.import_summary,
        }


# ---------------------------------------------------------------------------------------------------------
# Rules


def _check_rule(form: XForm, data_element: DataElement, values: dict[str, Any]) -> None:
    schema = form_schema(form)
    known = {f.name for f in schema.fields}
    if values.get("aggregation") not in Aggregation.values:
        raise ValidationFailed(
            _("aggregation must be one of %(v)s") % {"v": ", ".join(Aggregation.values)}, field="aggregation"
        )
    if values["aggregation"] != Aggregation.COUNT and not values.get("value_field"):
        raise ValidationFailed(_("Sum and average need a value_field"), field="value_field")
    if values.get("repeat") and values["repeat"] not in schema.repeats:
        raise ValidationFailed(
            _("The form has no repeat named '%(r)s'") % {"r": values["repeat"]}, field="repeat"
        )
    names = [values.get("value_field"), values.get("org_unit_field"), values.get("period_field")]
    names += list(values.get("disaggregate_by") or []) + list((values.get("condition") or {}).keys())
    for name in names:
        if name and name not in known:
            raise ValidationFailed(_("The form has no field named '%(f)s'") % {"f": name}, field=str(name))
    try:
        period_lib.normalize_period_type(values.get("period_type") or "Monthly")
    except (ValueError, KeyError) as exc:
        raise ValidationFailed(str(exc), field="period_type") from exc
    if not isinstance(values.get("condition") or {}, dict):
        raise ValidationFailed(_("condition must be an object of field: value"), field="condition")
    if len(values.get("disaggregate_by") or []) and data_element.category_combo.option_combos.count() <= 1:
        raise ValidationFailed(_("The data element has no disaggregation to fill"), field="disaggregate_by")


RULE_FIELDS = (
    "name",
    "aggregation",
    "value_field",
    "repeat",
    "condition",
    "disaggregate_by",
    "option_map",
    "org_unit_field",
    "period_field",
    "period_type",
    "approved_only",
    "is_active",
)


@transaction.atomic
def mapping_rule_save(
    *, actor: Actor, form: XForm, data_element: DataElement, rule: MappingRule | None = None, **values: Any
) -> tuple[MappingRule, RunResult]:
    """Create or change a rule, then recompute its values (a changed rule replaces what it produced)."""
    policy.require(actor, Perm.FORM_MANAGE, form, message=_("You may not change this form's mapping rules"))
    current = {k: getattr(rule, k) for k in RULE_FIELDS} if rule else {}
    merged = {**{"aggregation": Aggregation.COUNT, "period_type": "Monthly"}, **current, **values}
    if not str(merged.get("name") or "").strip():
        raise ValidationFailed(_("Give the rule a name"), field="name")
    _check_rule(form, data_element, merged)
    if rule is None:
        rule = MappingRule(form=form, created_by=user_of(actor))
    rule.data_element = data_element
    for k in RULE_FIELDS:
        if k in merged:
            setattr(rule, k, merged[k])
    rule.save()
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if current else AuditAction.CREATE,
        obj=rule,
        organisation_id=form.organisation_id,
        changes=diff(current, {k: getattr(rule, k) for k in RULE_FIELDS}),
    )
    return rule, mapping_run(actor=actor, rule=rule)


# ---------------------------------------------------------------------------------------------------------
# Running


def _matches(answers: dict[str, Any], condition: dict[str, Any]) -> bool:
    for name, wanted in condition.items():
        value = str(answers.get(name, "") or "")
        options = [str(w) for w in wanted] if isinstance(wanted, list) else [str(wanted)]
        # select_multiple answers are space-separated: any chosen option may match.
        if value not in options and not set(value.split()) & set(options):
            return False
    return True


def _number(value: Any) -> float | None:
    try:
        return float(str(value).strip())
    except (TypeError, ValueError):
        return None


def _day(value: Any) -> dt.date | None:
    text = str(value or "").strip()[:10]
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


class _Combos:
    """From a set of category option codes to the data element's combo cell."""

    def __init__(self, data_element: DataElement) -> None:
        self.by_options: dict[frozenset[str], CategoryOptionCombo] = {}
        for coc in data_element.category_combo.option_combos.prefetch_related("options"):
            self.by_options[frozenset(o.code.casefold() for o in coc.options.all())] = coc
        self.default = default_option_combo() if len(self.by_options) <= 1 else None
        if len(self.by_options) == 1:
            self.default = next(iter(self.by_options.values()))

    def find(self, codes: Iterable[str]) -> CategoryOptionCombo | None:
        wanted = frozenset(c.casefold() for c in codes if c)
        if not wanted:
            return self.default
        return self.by_options.get(wanted)


def _units(codes: set[str]) -> dict[str, OrgUnit]:
    return {u.code.casefold(): u for u in OrgUnit.objects.filter(code__in=codes)} if codes else {}


def _units_ci(codes: set[str]) -> dict[str, OrgUnit]:
    found = _units(codes)
    missing = {c for c in codes if c.casefold() not in found}
    for unit in OrgUnit.objects.filter(code__in={c.upper() for c in missing} | {c.lower() for c in missing}):
        found[unit.code.casefold()] = unit
    return found


@dataclass(frozen=True)
class Record:
    """What a rule reads of a submission (plain values: mapping reads 100k of them)."""

    pk: int
    instance_id: str
    org_unit_id: int | None
    received: dt.date
    data: dict[str, Any]


def compute(
    rule: MappingRule, records: Iterable[Record]
) -> tuple[dict[Key, list[float]], dict[Key, set[int]], list[str]]:
    """Group the rule's counted units; returns the numbers per key, the submissions per key, and skips."""
    combos = _Combos(rule.data_element)
    ou_field = rule.org_unit_field or rule.form.org_unit_field
    numbers: dict[Key, list[float]] = defaultdict(list)
    sources: dict[Key, set[int]] = defaultdict(set)
    skipped: list[str] = []
    rows: list[tuple[Record, dict[str, Any]]] = []
    for rec in records:
        data = rec.data
        if not data:
            skipped.append(f"{rec.instance_id}: no answers (encrypted, without the private key?)")
            continue
        entries = (
            [{**data, **e} for e in data.get(rule.repeat) or [] if isinstance(e, dict)]
            if rule.repeat
            else [data]
        )
        rows.extend((rec, e) for e in entries)
    units = _units_ci({str(e.get(ou_field, "")).strip() for _r, e in rows if ou_field and e.get(ou_field)})
    condition = rule.condition or {}
    option_map = rule.option_map or {}
    periods: dict[dt.date, str] = {}
    cells: dict[tuple[str, ...], CategoryOptionCombo | None] = {}
    for rec, answers in rows:
        if condition and not _matches(answers, condition):
            continue
        unit = units.get(str(answers.get(ou_field, "")).strip().casefold()) if ou_field else None
        unit_id = unit.pk if unit is not None else rec.org_unit_id
        if unit_id is None:
            skipped.append(f"{rec.instance_id}: no place")
            continue
        day = _day(answers.get(rule.period_field)) if rule.period_field else rec.received
        if day is None:
            skipped.append(f"{rec.instance_id}: {rule.period_field} is not a date")
            continue
        period = periods.get(day)
        if period is None:
            period = periods[day] = period_lib.period_for_date(rule.period_type, day).code
        codes = tuple(
            str(option_map.get(name, {}).get(raw, raw))
            for name in rule.disaggregate_by or []
            for raw in [str(answers.get(name, "") or "")]
        )
        if codes not in cells:
            cells[codes] = combos.find(codes)
        coc = cells[codes]
        if coc is None:
            skipped.append(f"{rec.instance_id}: no disaggregation for {'/'.join(codes) or '(none)'}")
            continue
        if rule.aggregation == Aggregation.COUNT:
            number = 1.0
        else:
            found = _number(answers.get(rule.value_field))
            if found is None:
                continue
            number = found
        key = (unit_id, period, coc.pk)
        numbers[key].append(number)
        sources[key].add(rec.pk)
    return numbers, sources, skipped


def _value_text(rule: MappingRule, numbers: list[float]) -> str:
    total = sum(numbers) if rule.aggregation != Aggregation.AVERAGE else sum(numbers) / len(numbers)
    return str(int(total)) if float(total).is_integer() else f"{total:.4f}".rstrip("0")


def rule_records(rule: MappingRule) -> Iterator[Record]:
    """The submissions a rule counts (rejected ones never), as plain records; encrypted ones decrypted."""
    qs = selectors.submissions_for_form(form_id=rule.form.form_id).exclude(review_state=ReviewState.REJECTED)
    if rule.approved_only:
        qs = qs.filter(review_state=ReviewState.APPROVED)
    fields = ("pk", "instance_id", "org_unit_id", "created_at", "data", "encrypted")
    for pk, instance_id, unit_id, created, data, encrypted in (
        qs.order_by("pk").values_list(*fields).iterator(chunk_size=5000)
    ):
        if encrypted:
            data = submission_data(submission=Submission.objects.select_related("form").get(pk=pk))
        yield Record(pk, instance_id, unit_id, timezone.localdate(created), data)


@transaction.atomic
def mapping_run(*, actor: Actor, rule: MappingRule) -> RunResult:
    """Recompute the rule's values and write them (and deletions) through the data import engine."""
    policy.require(actor, Perm.FORM_MANAGE, rule.form, message=_("You may not run this form's mapping rules"))
    result = RunResult(rule=rule.name)
    numbers, sources, skipped = compute(rule, rule_records(rule) if rule.is_active else [])
    result.skipped = skipped
    units = {
        u.pk: u.code
        for u in OrgUnit.objects.filter(
            pk__in={k[0] for k in numbers} | set(rule.values.values_list("org_unit_id", flat=True))
        )
    }
    cocs = {c.pk: c.code for c in CategoryOptionCombo.objects.filter(combo=rule.data_element.category_combo)}
    default = default_option_combo()
    if default is not None:
        cocs.setdefault(default.pk, default.code)
    previous = {(v.org_unit_id, v.period, v.category_option_combo_id): v for v in rule.values.all()}
    rows: list[dict[str, Any]] = []
    keys: list[tuple[Key, bool]] = []
    for key, nums in sorted(numbers.items(), key=lambda kv: (kv[0][1], units[kv[0][0]], kv[0][2])):
        rows.append(
            {
                "dataElement": rule.data_element.code,
                "orgUnit": units[key[0]],
                "period": key[1],
                "categoryOptionCombo": cocs[key[2]],
                "value": _value_text(rule, nums),
                "comment": f"from form {rule.form.form_id} ({len(sources[key])} submissions, rule {rule.name})"[
                    :200
                ],
            }
        )
        keys.append((key, True))
    for key in previous.keys() - numbers.keys():
        rows.append(
            {
                "dataElement": rule.data_element.code,
                "orgUnit": units.get(key[0]) or OrgUnit.objects.get(pk=key[0]).code,
                "period": key[1],
                "categoryOptionCombo": cocs[key[2]],
                "value": "",
                "deleted": True,
            }
        )
        keys.append((key, False))
    summary = datavalues_import(
        actor=actor, payload={"dataValues": rows}, source=f"collection rule {rule.name}"
    )
    result.import_summary = summary.as_dict()
    rejected = summary.rejected_indexes
    _keep_trace(
        rule,
        previous,
        produced={k: rows[i]["value"] for i, (k, made) in enumerate(keys) if made and i not in rejected},
        removed=[k for i, (k, made) in enumerate(keys) if not made and i not in rejected],
        sources=sources,
    )
    result.values = sum(1 for i, (_k, made) in enumerate(keys) if made and i not in rejected)
    result.deleted = sum(1 for i, (_k, made) in enumerate(keys) if not made and i not in rejected)
    rule.last_run_at = timezone.now()
    rule.save(update_fields=["last_run_at", "updated_at"])
    return result


def _keep_trace(
    rule: MappingRule,
    previous: dict[Key, MappedValue],
    *,
    produced: dict[Key, str],
    removed: list[Key],
    sources: dict[Key, set[int]],
) -> None:
    """Store which submissions each written value came from, in bulk (a run may write thousands)."""
    MappedValue.objects.filter(pk__in=[previous[k].pk for k in removed]).delete()
    changed = []
    for key, value in produced.items():
        mv = previous.get(key)
        if mv is not None and mv.value != value:
            mv.value = value
            changed.append(mv)
    MappedValue.objects.bulk_update(changed, ["value"], batch_size=2000)
    new = [
        MappedValue(rule=rule, org_unit_id=k[0], period=k[1], category_option_combo_id=k[2], value=v)
        for k, v in produced.items()
        if k not in previous
    ]
    MappedValue.objects.bulk_create(new, batch_size=2000)
    ids = {(v.org_unit_id, v.period, v.category_option_combo_id): v.pk for v in rule.values.all()}
    link = MappedValue.submissions.through
    wanted = {(ids[k], sub) for k in produced for sub in sources[k]}
    existing = set(link.objects.filter(mappedvalue__rule=rule).values_list("mappedvalue_id", "submission_id"))
    stale = existing - wanted
    if stale:
        stale_ids = link.objects.filter(mappedvalue__rule=rule).values_list(
            "pk", "mappedvalue_id", "submission_id"
        )
        link.objects.filter(pk__in=[pk for pk, m, s in stale_ids if (m, s) in stale]).delete()
    link.objects.bulk_create(
        [link(mappedvalue_id=m, submission_id=s) for m, s in wanted - existing], batch_size=5000
    )


def mapping_run_form(*, actor: Actor, form: XForm) -> list[RunResult]:
    policy.check_actor(actor)
    return [mapping_run(actor=actor, rule=r) for r in form.mapping_rules.filter(is_active=True)]
