"""Writes of the funding app: exchange rates, budget lines, transactions and mapping rules (the IATI import
lives in iati.py, the spreadsheet import in spreadsheet.py). Every function takes `actor=` (None: the
the signed-in user, or `policy.SYSTEM` for the platform, e.g. `load_demo`), checks the policy and records the change in the audit log in one transaction."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from typing import TypedDict

from django.conf import settings
from django.db import transaction

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import NotFound, PermissionDenied, ValidationFailed
from amahoro.frameworks.models import Node
from amahoro.geo.models import OrgUnit
from amahoro.metadata import periods as period_lib
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from .access import MAY_MANAGE
from .currencies import currency_check
from .models import BudgetLine, ExchangeRate, MappingRule, RuleKind, Source, Transaction, TransactionKind

MAX_AMOUNT = Decimal("1e17")  # DecimalField(20, 2)
MAX_RATE = Decimal("1e13")  # DecimalField(24, 10)


def fiscal_year_type() -> str:
    """The period type of fiscal years: Rwanda's July-June (`FinancialJuly`, codes like `2024July`)."""
    return str(getattr(settings, "FUNDING_FISCAL_YEAR", "FinancialJuly"))


def fiscal_year_of(day: dt.date) -> period_lib.Period:
    return period_lib.period_for_date(fiscal_year_type(), day)


def fiscal_year_parse(code: str, *, field: str = "fiscal_year") -> period_lib.Period:
    try:
        return period_lib.parse_period(str(code).strip())
    except (period_lib.InvalidPeriod, ValueError) as exc:
        example = fiscal_year_of(dt.date.today()).code
        raise ValidationFailed(
            f"{field}: '{code}' is not a period code (e.g. {example})", field=field
        ) from exc


# Commas only as thousands separators in whole groups ("1,234,567.89"); "200,5" (a decimal comma) or
# "1.234,56" is refused rather than read as 2005 or 1.23.
THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")


def amount_check(value: object, *, field: str = "amount", allow_negative: bool = False) -> Decimal:
    text = str(value).strip() if value is not None else ""
    if "," in text:
        if not THOUSANDS.fullmatch(text):
            raise ValidationFailed(
                f"{field}: '{value}' is not a number: write decimals with '.' (1234.56); a ',' may only "
                "separate thousands (1,234.56)",
                field=field,
            )
        text = text.replace(",", "")
    try:
        amount = Decimal(text) if value is not None else None
    except InvalidOperation:
        amount = None
    if amount is None or not amount.is_finite():
        raise ValidationFailed(f"{field}: '{value}' is not a number", field=field)
    if abs(amount) >= MAX_AMOUNT:
        raise ValidationFailed(f"{field}: {value} is too large", field=field)
    if amount < 0 and not allow_negative:
        raise ValidationFailed(f"{field}: must not be negative ({value})", field=field)
    return amount.quantize(Decimal("0.01"))


def _check_manage(actor: Actor, organisation: Organisation, org_unit: OrgUnit | None) -> None:
    where = f" in {org_unit.code}" if org_unit else " nationally"
    policy.require(
        actor,
        Perm.FUNDING_MANAGE,
        organisation=organisation,
        org_unit=org_unit,
        check=MAY_MANAGE,
        message=f"You may not manage funding of {organisation.code}{where}",
    )


def _check_node(actor: Actor, node: Node | None) -> None:
    if node is not None and not policy.allows(actor, Perm.FRAMEWORK_VIEW, node):
        raise NotFound("framework node not found", field="node")


class _Scope(TypedDict):
    organisation_id: int
    org_unit_path: str


def _scope(record: BudgetLine | Transaction) -> _Scope:
    return {
        "organisation_id": record.organisation_id,
        "org_unit_path": record.org_unit.path if record.org_unit is not None else "",
    }


def _parties(fields: dict[str, object]) -> dict[str, Organisation | None]:
    out: dict[str, Organisation | None] = {}
    for key in ("implementing_partner", "funder"):
        org = fields.get(key)
        if org is not None and not isinstance(org, Organisation):
            raise ValidationFailed(f"{key} must be an organisation", field=key)
        out[key] = org
    return out


@transaction.atomic
def exchange_rate_set(
    *, actor: Actor, currency: str, quote: str = "RWF", rate: object, valid_from: dt.date, source: str = ""
) -> ExchangeRate:
    """Record (or correct) the rate of a pair from a date. Shared data: system administrators only."""
    policy.check_actor(actor)
    if not policy.is_system(actor) and not (
        policy.is_system_admin(actor) and policy.has_perm(actor, Perm.FUNDING_MANAGE)
    ):
        raise PermissionDenied("Only system administrators change exchange rates")
    cur, q = currency_check(currency), currency_check(quote, field="quote")
    if cur == q:
        raise ValidationFailed("currency and quote must differ", field="quote")
    try:
        value = Decimal(str(rate).strip())
    except InvalidOperation as exc:
        raise ValidationFailed(f"rate: '{rate}' is not a number", field="rate") from exc
    if not value.is_finite() or value >= MAX_RATE:
        raise ValidationFailed(f"rate: '{rate}' is out of range", field="rate")
    value = value.quantize(Decimal("1e-10"))  # what the column keeps
    if value <= 0:
        raise ValidationFailed("rate must be positive (at least 0.0000000001)", field="rate")
    obj, created = ExchangeRate.objects.update_or_create(
        currency=cur, quote=q, valid_from=valid_from, defaults={"rate": value, "source": source}
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=obj,
        changes={"rate": str(value), "valid_from": valid_from.isoformat(), "pair": f"{cur}/{q}"},
    )
    return obj


@transaction.atomic
def budget_line_create(
    *,
    actor: Actor,
    organisation: Organisation,
    node: Node | None,
    amount: object,
    currency: str,
    fiscal_year: str | None = None,
    period_start: dt.date | None = None,
    period_end: dt.date | None = None,
    org_unit: OrgUnit | None = None,
    implementing_partner: Organisation | None = None,
    funder: Organisation | None = None,
    funder_name: str = "",
    description: str = "",
    is_published: bool = False,
    is_sensitive: bool = False,
    source: str = Source.MANUAL,
) -> BudgetLine:
    """Planned money for a node: a fiscal-year code (`2024July`) or an explicit start/end."""
    _check_manage(actor, organisation, org_unit)
    _check_node(actor, node)
    if fiscal_year:
        period = fiscal_year_parse(fiscal_year)
        period_start, period_end, code = period.start, period.end, period.code
    elif period_start is not None:
        period_end = period_end or fiscal_year_of(period_start).end
        code = fiscal_year_of(period_start).code
    else:
        raise ValidationFailed("fiscal_year is required (e.g. 2024July)", field="fiscal_year")
    if period_end < period_start:
        raise ValidationFailed("period_end is before period_start", field="period_end")
    line = BudgetLine.objects.create(
        organisation=organisation,
        node=node,
        amount=amount_check(amount),
        currency=currency_check(currency),
        fiscal_year=code,
        period_start=period_start,
        period_end=period_end,
        org_unit=org_unit,
        funder_name=funder_name,
        description=description,
        is_published=is_published,
        is_sensitive=is_sensitive,
        source=source,
        created_by=actor if isinstance(actor, User) else None,
        **_parties({"implementing_partner": implementing_partner, "funder": funder}),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=line,
        changes={"amount": str(line.amount), "currency": line.currency, "fiscal_year": code},
        **_scope(line),
    )
    return line


@transaction.atomic
def transaction_create(
    *,
    actor: Actor,
    organisation: Organisation,
    node: Node | None,
    kind: str,
    amount: object,
    currency: str,
    date: dt.date | None,
    org_unit: OrgUnit | None = None,
    implementing_partner: Organisation | None = None,
    funder: Organisation | None = None,
    funder_name: str = "",
    description: str = "",
    reference: str = "",
    is_published: bool = False,
    is_sensitive: bool = False,
    source: str = Source.MANUAL,
) -> Transaction:
    """A commitment, disbursement or expenditure (negative amounts are corrections)."""
    _check_manage(actor, organisation, org_unit)
    _check_node(actor, node)
    if kind not in TransactionKind.values:
        raise ValidationFailed(
            f"kind must be one of {', '.join(TransactionKind.values)}, not '{kind}'", field="kind"
        )
    if date is None:
        raise ValidationFailed("date is required", field="date")
    tx = Transaction.objects.create(
        organisation=organisation,
        node=node,
        kind=kind,
        amount=amount_check(amount, allow_negative=True),
        currency=currency_check(currency),
        date=date,
        org_unit=org_unit,
        funder_name=funder_name,
        description=description,
        reference=reference,
        is_published=is_published,
        is_sensitive=is_sensitive,
        source=source,
        created_by=actor if isinstance(actor, User) else None,
        **_parties({"implementing_partner": implementing_partner, "funder": funder}),
    )
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=tx,
        changes={"kind": kind, "amount": str(tx.amount), "currency": tx.currency, "date": date.isoformat()},
        **_scope(tx),
    )
    return tx


@transaction.atomic
def funding_record_delete(*, actor: Actor, record: BudgetLine | Transaction) -> None:
    _check_manage(actor, record.organisation, record.org_unit)
    audit_record(actor=actor, action=AuditAction.DELETE, obj=record, **_scope(record))
    record.delete()


@transaction.atomic
def mapping_rule_create(
    *,
    actor: Actor,
    node: Node,
    kind: str,
    value: str,
    priority: int = 100,
    organisation: Organisation | None = None,
) -> MappingRule:
    """A rule mapping IATI activities to `node`: a sector code, a tag code, or a keyword."""
    if kind not in RuleKind.values:
        raise ValidationFailed(
            f"kind must be one of {', '.join(RuleKind.values)}, not '{kind}'", field="kind"
        )
    value = (value or "").strip()
    if not value:
        raise ValidationFailed("value is required", field="value")
    policy.check_actor(actor)
    if organisation is None and not (policy.is_system(actor) or policy.is_system_admin(actor)):
        raise PermissionDenied("Only system administrators create shared mapping rules")
    if organisation is not None:
        policy.require(
            actor,
            Perm.FUNDING_MANAGE,
            organisation=organisation,
            org_unit=None,
            check=MAY_MANAGE,
            message=f"You may not manage funding of {organisation.code}",
        )
    _check_node(actor, node)
    rule, created = MappingRule.objects.get_or_create(
        framework=node.framework,
        kind=kind,
        value=value,
        organisation=organisation,
        defaults={"node": node, "priority": priority},
    )
    if not created and (rule.node_id != node.pk or rule.priority != priority):
        rule.node, rule.priority = node, priority
        rule.save(update_fields=["node", "priority", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=rule,
        organisation_id=organisation.pk if organisation else None,
        changes={"kind": kind, "value": value, "node": str(node)},
    )
    return rule
