"""IATI activity files in: activities, participating organisations, sectors, tags, recipient countries and
regions, budgets and transactions (commitments, disbursements, expenditures), with their value dates and
currencies. Standard versions 2.01-2.03 and 1.01-1.05; any other version is refused by name.

XML is parsed with defusedxml, DTDs refused outright: no XXE, no entity expansion ("billion laughs").
One file is one transaction: any error (a transaction without a date, an unknown currency, ...) names the
activity and the item, and nothing is saved. What the platform does not track (incoming funds, loan
repayments, planned disbursements, a superseded original budget, an activity owned by another organisation)
is skipped with a reason. Re-importing updates activities by iati-identifier, and their budgets and
transactions by their position-independent key, so nothing is duplicated.
"""

from __future__ import annotations

import datetime as dt
import re
import xml.etree.ElementTree as ET  # types and ParseError only: parsing goes through defusedxml
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import ValidationFailed
from amahoro.frameworks.models import Node
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from .access import MAY_MANAGE
from .currencies import ISO_4217
from .models import BudgetLine, IatiActivity, MappingMethod, MappingRule, RuleKind, Source, Transaction
from .services import amount_check, fiscal_year_of

SUPPORTED_VERSIONS = ("1.01", "1.02", "1.03", "1.04", "1.05", "2.01", "2.02", "2.03")
MAX_BYTES = 25 * 1024 * 1024
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# IATI TransactionType codelist: 2.x numeric codes, 1.x letter codes.
TRACKED_TYPES = {"2": "commitment", "3": "disbursement", "4": "expenditure", "C": "commitment",
                 "D": "disbursement", "E": "expenditure"}  # fmt: skip
TYPE_NAMES = {
    "1": "Incoming Funds", "5": "Interest Payment", "6": "Loan Repayment", "7": "Reimbursement",
    "8": "Purchase of Equity", "9": "Sale of Equity", "10": "Credit Guarantee", "11": "Incoming Commitment",
    "12": "Outgoing Pledge", "13": "Incoming Pledge", "IF": "Incoming Funds", "IR": "Interest Repayment",
    "LR": "Loan Repayment", "R": "Reimbursement", "QP": "Purchase of Equity", "QS": "Sale of Equity",
    "CG": "Credit Guarantee",
}  # fmt: skip
# OrganisationRole codelist: 2.x numeric, 1.x names.
ROLES = {"1": "funding", "2": "accountable", "3": "extending", "4": "implementing", "funding": "funding",
         "accountable": "accountable", "extending": "extending", "implementing": "implementing"}  # fmt: skip
HUNDRED = Decimal(100)


def country() -> str:
    """The recipient country this installation tracks money for (ISO 3166-1 alpha-2; Rwanda by default)."""
    return str(getattr(settings, "AMAHORO_IATI_COUNTRY", "RW")).upper()


@dataclass(frozen=True)
class Share:
    """The part of an activity's money that is the tracked country's: `fraction` (None: none of it) and why."""

    fraction: Decimal | None
    note: str = ""


def country_share(recipient_countries: list[dict[str, str]], where: str, code: str | None = None) -> Share:
    """IATI splits a multi-country activity with recipient-country percentages: only the tracked country's
    percentage of each budget and transaction is counted. No recipient-country (a regional or global
    activity): counted in full, noted. Countries without percentages: one is 100%, several are split
    equally, noted. Countries that leave out the tracked one: nothing is counted."""
    code = code or country()
    if not recipient_countries:
        return Share(Decimal(1))  # regional or global: counted in full
    codes = [c.get("code", "").upper() for c in recipient_countries]
    if code not in codes:
        return Share(None, f"recipient countries {', '.join(codes)} do not include {code}")
    raw = recipient_countries[codes.index(code)].get("percentage", "").strip()
    if not raw:
        if len(codes) == 1:
            return Share(Decimal(1))
        return Share(Decimal(1) / len(codes), f"{code} share assumed equal (1/{len(codes)}): no percentages")
    try:
        pct = Decimal(raw)
    except ArithmeticError:
        raise IatiError(
            f"{where}: recipient-country {code} percentage '{raw}' is not a number", field="file"
        ) from None
    if not 0 <= pct <= HUNDRED:
        raise IatiError(
            f"{where}: recipient-country {code} percentage {raw} is not between 0 and 100", field="file"
        )
    return Share(pct / HUNDRED, "" if pct == HUNDRED else f"{code} share {pct.normalize():f}%")


def _shared(amount: Decimal, share: Share) -> Decimal:
    return amount if share.fraction == 1 else (amount * (share.fraction or 0)).quantize(Decimal("0.01"))


def _share_note(amount: Decimal, currency: str, share: Share) -> str:
    return "" if share.fraction == 1 else f" ({share.note} of {amount:f} {currency})"


PLANNED_DISBURSEMENT_SKIP = "planned disbursements (forecasts) are not tracked; budgets and transactions are"
START_TYPES = ("2", "1", "start-actual", "start-planned")  # actual before planned
END_TYPES = ("4", "3", "end-actual", "end-planned")


class IatiError(ValidationFailed):
    """A file that cannot be imported: the message names the activity and item at fault."""


@dataclass
class Skip:
    activity: str
    item: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"activity": self.activity, "item": self.item, "reason": self.reason}


@dataclass
class ImportSummary:
    version: str = ""
    activities: Counter[str] = field(default_factory=Counter)
    transactions: Counter[str] = field(default_factory=Counter)
    budgets: Counter[str] = field(default_factory=Counter)
    skipped: list[Skip] = field(default_factory=list)
    unmapped: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        def counts(c: Counter[str]) -> dict[str, int]:
            return {k: c.get(k, 0) for k in ("imported", "updated", "unchanged", "skipped", "removed")}

        return {
            "status": "OK",
            "iati_version": self.version,
            "activities": counts(self.activities),
            "transactions": counts(self.transactions),
            "budgets": counts(self.budgets),
            "skipped": [s.as_dict() for s in self.skipped],
            "unmapped": self.unmapped,
        }


# ---------------------------------------------------------------------------------------------------------
# Parsing: XML -> plain dicts (no database)


def _text(el: ET.Element | None) -> str:
    """An element's text: 2.x keeps it in <narrative> children (English or unlabelled first), 1.x inline."""
    if el is None:
        return ""
    narratives = el.findall("narrative")
    if narratives:
        preferred = [n for n in narratives if n.get(XML_LANG, "en").lower().startswith("en")] or narratives
        return " ".join((preferred[0].text or "").split())
    return " ".join((el.text or "").split())


def _attr(parent: ET.Element, tag: str, name: str) -> str | None:
    # Not `find(...) or default`: an element without children is falsy.
    el = parent.find(tag)
    return None if el is None else el.get(name)


def _date(raw: str | None, where: str) -> dt.date | None:
    if not raw or not raw.strip():
        return None
    try:
        return dt.date.fromisoformat(raw.strip()[:10])
    except ValueError as exc:
        raise IatiError(f"{where}: '{raw}' is not a date (YYYY-MM-DD)", field="file") from exc


def _currency(raw: str | None, default: str, where: str) -> str:
    code = (raw or default or "").strip().upper()
    if not code:
        raise IatiError(f"{where}: no currency (no @currency and no default-currency)", field="file")
    if code not in ISO_4217:
        raise IatiError(f"{where}: unknown currency '{code}'", field="file")
    return code


# xsd:decimal, the type of every IATI <value>: an optional sign, digits, an optional "." and fraction.
# Nothing else: "200,5" or "1.234,56" are refused rather than guessed (2005.00 and 1.23 were stored).
XSD_DECIMAL = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")


def _amount(el: ET.Element | None, where: str) -> Decimal:
    if el is None:
        raise IatiError(f"{where}: no <value>", field="file")
    raw = (el.text or "").strip()  # xsd whitespace "collapse": surrounding spaces are allowed
    if not XSD_DECIMAL.fullmatch(raw):
        shown = raw if len(raw) <= 40 else raw[:40] + "…"
        raise IatiError(
            f"{where}: '{shown}' is not an IATI amount: a value is a plain decimal (digits with an "
            "optional '.' and fraction, e.g. 1234.56; no ',' or spaces between digits)",
            field="file",
            code="iati_value",
        )
    try:
        return amount_check(raw, field=where, allow_negative=True)
    except ValidationFailed as exc:
        raise IatiError(f"{where}: '{raw}' is not an amount ({exc.message})", field="file") from exc


def parse_document(content: bytes) -> tuple[str, ET.Element]:
    """The version and the root element; IatiError for hostile, malformed or unsupported files."""
    if len(content) > MAX_BYTES:
        raise IatiError(f"the file is larger than {MAX_BYTES // (1024 * 1024)} MB", field="file")
    try:
        root = fromstring(content, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise IatiError(
            "the file was refused: it declares a DTD or entities (not allowed in IATI files; "
            f"{type(exc).__name__})",
            field="file",
            code="xml_forbidden",
        ) from exc
    except ET.ParseError as exc:
        raise IatiError(
            f"the file is not well-formed XML: {exc}", field="file", code="xml_malformed"
        ) from exc
    if root.tag != "iati-activities":
        raise IatiError(
            f"not an IATI activity file: the root element is <{root.tag}>, expected <iati-activities>",
            field="file",
        )
    version = (root.get("version") or "").strip()
    if version not in SUPPORTED_VERSIONS:
        shown = version or "(none)"
        raise IatiError(
            f"IATI standard version {shown} is not supported; supported: {', '.join(SUPPORTED_VERSIONS)}",
            field="file",
            code="iati_version",
        )
    return version, root


def _orgs(act: ET.Element) -> list[dict[str, str]]:
    out = []
    for po in act.findall("participating-org"):
        role = ROLES.get((po.get("role") or "").strip().lower(), (po.get("role") or "").strip())
        out.append(
            {"ref": po.get("ref", "").strip(), "role": role, "type": po.get("type", ""), "name": _text(po)}
        )
    return out


def _coded(act: ET.Element, tag: str) -> list[dict[str, str]]:
    out = []
    for el in act.findall(tag):
        item = {"code": (el.get("code") or "").strip(), "vocabulary": el.get("vocabulary", ""),
                "percentage": el.get("percentage", "")}  # fmt: skip
        name = _text(el)
        if name:
            item["name"] = name
        out.append(item)
    return out


def _sectors(act: ET.Element) -> list[dict[str, str]]:
    """The activity's sectors; when it has none, those of its transactions (IATI 2.x lets a publisher report
    sectors on every transaction instead), marked `"level": "transaction"`, each code once."""
    sectors = _coded(act, "sector")
    if sectors:
        return sectors
    seen: set[tuple[str, str]] = set()
    for t in act.findall("transaction"):
        for item in _coded(t, "sector"):
            key = (item["code"], item["vocabulary"])
            if item["code"] and key not in seen:
                seen.add(key)
                sectors.append(item | {"percentage": "", "level": "transaction"})
    return sectors


def _activity_dates(act: ET.Element, where: str) -> tuple[dt.date | None, dt.date | None]:
    found: dict[str, dt.date | None] = {}
    for el in act.findall("activity-date"):
        found[(el.get("type") or "").strip()] = _date(el.get("iso-date"), f"{where} activity-date")
    start = next((found[t] for t in START_TYPES if found.get(t)), None)
    end = next((found[t] for t in END_TYPES if found.get(t)), None)
    return start, end


def parse_activities(root: ET.Element) -> list[dict[str, Any]]:
    """Every <iati-activity> as a dict of plain values; raises IatiError naming the activity and item."""
    activities: list[dict[str, Any]] = []
    seen: set[str] = set()
    for a_index, act in enumerate(root.findall("iati-activity"), start=1):
        ident = " ".join((act.findtext("iati-identifier") or "").split())
        where = f"activity {a_index}" + (f" ({ident})" if ident else "")
        if not ident:
            raise IatiError(f"{where}: no <iati-identifier>", field="file")
        if ident in seen:
            raise IatiError(f"{where}: iati-identifier appears twice in the file", field="file")
        seen.add(ident)
        default_currency = (act.get("default-currency") or "").strip().upper()
        reporting = act.find("reporting-org")
        start, end = _activity_dates(act, where)
        status = act.find("activity-status")
        budgets = []
        for b_index, b in enumerate(act.findall("budget"), start=1):
            bw = f"{where}, budget {b_index}"
            value = b.find("value")
            p_start = _date(_attr(b, "period-start", "iso-date"), f"{bw} period-start")
            p_end = _date(_attr(b, "period-end", "iso-date"), f"{bw} period-end")
            if p_start is None:
                raise IatiError(f"{bw}: no period-start date", field="file")
            budgets.append({
                "index": b_index,
                "type": (b.get("type") or "1").strip(),
                "period_start": p_start,
                "period_end": p_end or fiscal_year_of(p_start).end,
                "amount": _amount(value, f"{bw} value"),
                "currency": _currency(value.get("currency") if value is not None else None, default_currency, bw),
                "value_date": _date(value.get("value-date") if value is not None else None, f"{bw} value-date"),
            })  # fmt: skip
        transactions = []
        for t_index, t in enumerate(act.findall("transaction"), start=1):
            type_el = t.find("transaction-type")
            code = (type_el.get("code") if type_el is not None else "") or ""
            code = code.strip().upper()
            tw = f"{where}, transaction {t_index}" + (
                f" (type {code}, {TRACKED_TYPES.get(code) or TYPE_NAMES.get(code, 'unknown')})"
                if code
                else ""
            )
            item: dict[str, Any] = {"index": t_index, "type": code, "ref": (t.get("ref") or "").strip()}
            if code not in TRACKED_TYPES:
                item["skip"] = (
                    f"transaction type {code} ({TYPE_NAMES.get(code, 'unknown')}) is not tracked"
                    if code
                    else "no transaction-type"
                )
                transactions.append(item)
                continue
            value = t.find("value")
            date_el = t.find("transaction-date")
            value_date = _date(value.get("value-date") if value is not None else None, f"{tw} value-date")
            tx_date = _date(
                date_el.get("iso-date") if date_el is not None else None, f"{tw} transaction-date"
            )
            if value_date is None and tx_date is None:
                raise IatiError(
                    f"{tw}: no date (neither transaction-date/@iso-date nor value/@value-date)", field="file"
                )
            # The transaction happened on its transaction-date (that gives its fiscal year); its value-date
            # is the date its amount is converted at. The import key keeps the date it always used.
            provider = t.find("provider-org")
            receiver = t.find("receiver-org")
            t_country = t.find("recipient-country")
            item.update({
                "kind": TRACKED_TYPES[code],
                "date": tx_date or value_date,
                "rate_date": value_date if value_date and value_date != (tx_date or value_date) else None,
                "key_date": value_date or tx_date,
                "amount": _amount(value, f"{tw} value"),
                "currency": _currency(value.get("currency") if value is not None else None, default_currency, tw),
                "description": _text(t.find("description"))[:500],
                "provider_ref": (provider.get("ref") or "").strip() if provider is not None else "",
                "provider_name": _text(provider),
                "receiver_ref": (receiver.get("ref") or "").strip() if receiver is not None else "",
                "receiver_name": _text(receiver),
                "recipient_country": (t_country.get("code") or "").strip().upper() if t_country is not None else "",
            })  # fmt: skip
            transactions.append(item)
        activities.append({
            "iati_identifier": ident,
            "where": where,
            "title": _text(act.find("title"))[:500],
            "description": _text(act.find("description")),
            "reporting_org_ref": (reporting.get("ref") or "").strip() if reporting is not None else "",
            "reporting_org_name": _text(reporting)[:300],
            "activity_status": (status.get("code") or "").strip() if status is not None else "",
            "default_currency": default_currency,
            "start": start,
            "end": end,
            "participating_orgs": _orgs(act),
            "sectors": _sectors(act),
            "tags": _coded(act, "tag"),
            "recipient_countries": _coded(act, "recipient-country"),
            "recipient_regions": _coded(act, "recipient-region"),
            "budgets": budgets,
            "transactions": transactions,
            "planned_disbursements": len(act.findall("planned-disbursement")),
        })  # fmt: skip
    if not activities:
        raise IatiError("the file holds no <iati-activity>", field="file")
    return activities


# ---------------------------------------------------------------------------------------------------------
# Mapping rules


def rules_for(organisation: Organisation) -> list[MappingRule]:
    return list(
        MappingRule.objects.filter(Q(organisation__isnull=True) | Q(organisation=organisation))
        .select_related("node__framework")
        .order_by("priority", "pk")
    )


def match_rule(activity: IatiActivity, rules: list[MappingRule]) -> MappingRule | None:
    """The first rule (by priority) matching a sector code, a tag code or a keyword of the activity."""
    sectors = {str(s.get("code", "")).strip() for s in activity.sectors}
    tags = {str(t.get("code", "")).strip().lower() for t in activity.tags}
    text = f"{activity.title} {activity.description}".lower()
    for rule in rules:
        value = rule.value.strip()
        if rule.kind == RuleKind.SECTOR and value in sectors:
            return rule
        if rule.kind == RuleKind.TAG and value.lower() in tags:
            return rule
        if rule.kind == RuleKind.KEYWORD and value.lower() in text:
            return rule
    return None


def _rule_note(rule: MappingRule) -> str:
    return f"rule: {rule.get_kind_display()} {rule.value}"[:300]


# ---------------------------------------------------------------------------------------------------------
# Import


def _org_by_ref(refs: set[str]) -> dict[str, Organisation]:
    refs.discard("")
    if not refs:
        return {}
    return {o.iati_identifier: o for o in Organisation.objects.filter(iati_identifier__in=refs)}


def _budget_key(b: dict[str, Any]) -> str:
    return f"budget|{b['type']}|{b['period_start'].isoformat()}|{b['period_end'].isoformat()}"


def _transaction_keys(items: list[dict[str, Any]]) -> list[str]:
    """`ref` when the publisher gives one; else type|date|amount|currency, numbered when repeated."""
    counter: Counter[str] = Counter()
    keys = []
    for t in items:
        if t["ref"]:
            base = f"ref|{t['ref']}"
        else:
            base = f"{t['type']}|{t['key_date'].isoformat()}|{t['amount']}|{t['currency']}"
        counter[base] += 1
        keys.append(base if counter[base] == 1 else f"{base}#{counter[base]}")
    return keys


def _activity_fields(a: dict[str, Any], version: str) -> dict[str, Any]:
    keys = ("title", "description", "reporting_org_ref", "reporting_org_name", "activity_status",
            "default_currency", "start", "end", "participating_orgs", "sectors", "tags", "recipient_countries",
            "recipient_regions")  # fmt: skip
    return {k: a[k] for k in keys} | {"iati_version": version}


def _assign(record: Any, values: dict[str, Any]) -> bool:
    """Set `values` on a stored record; True when any differs from what is stored (a re-import of an
    unchanged file reports its rows as unchanged). Related objects are compared by key, without loading."""
    changed = False
    for name, value in values.items():
        field_ = record._meta.get_field(name)
        if field_.is_relation:
            new_id = value.pk if value is not None else None
            if getattr(record, field_.attname) != new_id:
                setattr(record, name, value)
                changed = True
        elif getattr(record, name) != value:
            setattr(record, name, value)
            changed = True
    return changed


def _funder_of(a: dict[str, Any], t: dict[str, Any] | None, orgs: dict[str, Organisation]) -> tuple[Any, str]:
    if t and (t.get("provider_ref") or t.get("provider_name")):
        return orgs.get(t["provider_ref"]), t["provider_name"] or t["provider_ref"]
    for po in a["participating_orgs"]:
        if po["role"] == "funding":
            return orgs.get(po["ref"]), po["name"] or po["ref"]
    return None, ""


def _implementer_of(a: dict[str, Any], orgs: dict[str, Organisation]) -> tuple[Any, str]:
    for po in a["participating_orgs"]:
        if po["role"] == "implementing":
            return orgs.get(po["ref"]), po["name"] or po["ref"]
    return None, ""


@transaction.atomic
def iati_import(
    *, actor: Actor, content: bytes, organisation: Organisation, filename: str = ""
) -> ImportSummary:
    """Import an IATI activity file for `organisation` (the agency the activities are recorded under)."""
    policy.require(
        actor,
        Perm.FUNDING_MANAGE,
        organisation=organisation,
        org_unit=None,
        check=MAY_MANAGE,
        message=f"You may not manage funding of {organisation.code} nationally",
    )
    version, root = parse_document(content)
    parsed = parse_activities(root)
    summary = ImportSummary(version=version)
    rules = rules_for(organisation)
    refs = {po["ref"] for a in parsed for po in a["participating_orgs"]}
    refs |= {t.get("provider_ref", "") for a in parsed for t in a["transactions"]}
    orgs = _org_by_ref(refs)
    existing = {
        x.iati_identifier: x
        for x in IatiActivity.objects.filter(iati_identifier__in=[a["iati_identifier"] for a in parsed])
    }
    now = timezone.now()
    for a in parsed:
        ident = a["iati_identifier"]
        activity = existing.get(ident)
        if activity is not None and activity.organisation_id != organisation.pk:
            summary.activities["skipped"] += 1
            n_tx = len(a["transactions"])
            summary.transactions["skipped"] += n_tx
            summary.budgets["skipped"] += len(a["budgets"])
            summary.skipped.append(Skip(ident, "activity", "already imported for another organisation"))
            continue
        fields = _activity_fields(a, version)
        changed = False
        if activity is None:
            activity = IatiActivity.objects.create(
                iati_identifier=ident, organisation=organisation, last_imported_at=now, **fields
            )
            summary.activities["imported"] += 1
        else:
            changed = _assign(activity, fields)
            activity.last_imported_at = now
        if activity.mapping_method != MappingMethod.MANUAL:
            rule = match_rule(activity, rules)
            mapped = {
                "node": rule.node if rule else None,
                "mapping_method": MappingMethod.RULE if rule else MappingMethod.NONE,
                "mapping_note": _rule_note(rule) if rule else "",
            }
            changed = _assign(activity, mapped) or changed
        if ident in existing:
            summary.activities["updated" if changed else "unchanged"] += 1
        activity.save()
        if activity.node_id is None:
            summary.unmapped.append(ident)
        implementer, implementer_name = _implementer_of(a, orgs)
        common = {
            "organisation": organisation, "node": activity.node, "implementing_partner": implementer,
            "implementer_name": implementer_name[:300], "is_published": activity.is_published,
            "source": Source.IATI, "iati_activity": activity,
        }  # fmt: skip
        share = country_share(a["recipient_countries"], a["where"])
        _import_budgets(a, activity, common, orgs, summary, share)
        _import_transactions(a, activity, common, orgs, summary, share)
        for p_index in range(1, a["planned_disbursements"] + 1):
            summary.skipped.append(Skip(ident, f"planned-disbursement {p_index}", PLANNED_DISBURSEMENT_SKIP))
    audit_record(
        actor=actor,
        action=AuditAction.IMPORT,
        object_type="funding.iatiactivity",
        object_repr=f"IATI {version} {filename}"[:200],
        organisation_id=organisation.pk,
        changes={
            "activities": dict(summary.activities),
            "transactions": dict(summary.transactions),
            "budgets": dict(summary.budgets),
        },
        message=f"IATI import of {filename or 'a file'}: {len(parsed)} activities",
    )
    return summary


def _import_budgets(
    a: dict[str, Any],
    activity: IatiActivity,
    common: dict[str, Any],
    orgs: dict[str, Organisation],
    summary: ImportSummary,
    share: Share,
) -> None:
    revised = {b["period_start"] for b in a["budgets"] if b["type"] == "2"}
    funder, funder_name = _funder_of(a, None, orgs)
    old = {b.iati_key: b for b in BudgetLine.objects.filter(iati_activity=activity)}
    keep: set[str] = set()
    for b in a["budgets"]:
        item = f"budget {b['index']}"
        if b["type"] != "2" and b["period_start"] in revised:
            summary.budgets["skipped"] += 1
            summary.skipped.append(
                Skip(a["iati_identifier"], item, "original budget superseded by a revised one")
            )
            continue
        if b["amount"] < 0:
            summary.budgets["skipped"] += 1
            summary.skipped.append(Skip(a["iati_identifier"], item, "negative budget"))
            continue
        if share.fraction is None:
            summary.budgets["skipped"] += 1
            summary.skipped.append(Skip(a["iati_identifier"], item, share.note))
            continue
        key = _budget_key(b)
        keep.add(key)
        values = common | {
            "amount": _shared(b["amount"], share), "currency": b["currency"], "period_start": b["period_start"],
            "period_end": b["period_end"], "fiscal_year": fiscal_year_of(b["period_start"]).code,
            "funder": funder, "funder_name": funder_name[:300],
            "description": (f"IATI budget {b['period_start']:%Y-%m-%d}..{b['period_end']:%Y-%m-%d}"
                            + _share_note(b["amount"], b["currency"], share))[:500],
        }  # fmt: skip
        line = old.get(key)
        if line is None:
            BudgetLine.objects.create(iati_key=key, **values)
            summary.budgets["imported"] += 1
        elif _assign(line, values):
            line.save()
            summary.budgets["updated"] += 1
        else:
            summary.budgets["unchanged"] += 1
    gone = [pk for key, b in old.items() if key not in keep for pk in [b.pk]]
    if gone:
        BudgetLine.objects.filter(pk__in=gone).delete()
        summary.budgets["removed"] += len(gone)


def _transaction_share(t: dict[str, Any], share: Share) -> Share:
    """A transaction may name its own recipient country (then the activity names none): all or nothing."""
    own = t["recipient_country"]
    if not own:
        return share
    tracked = country()
    return Share(Decimal(1)) if own == tracked else Share(None, f"transaction for {own}, not {tracked}")


def _import_transactions(
    a: dict[str, Any],
    activity: IatiActivity,
    common: dict[str, Any],
    orgs: dict[str, Organisation],
    summary: ImportSummary,
    share: Share,
) -> None:
    tracked = []
    shares: list[Share] = []
    for t in a["transactions"]:
        t_share = share if "skip" in t else _transaction_share(t, share)
        reason = t.get("skip") or (t_share.note if t_share.fraction is None else "")
        if reason:
            summary.transactions["skipped"] += 1
            summary.skipped.append(Skip(a["iati_identifier"], f"transaction {t['index']}", reason))
        else:
            tracked.append(t)
            shares.append(t_share)
    old = {t.iati_key: t for t in Transaction.objects.filter(iati_activity=activity)}
    keep: set[str] = set()
    for t, key, t_share in zip(tracked, _transaction_keys(tracked), shares, strict=True):
        keep.add(key)
        funder, funder_name = _funder_of(a, t, orgs)
        values = common | {
            "kind": t["kind"], "date": t["date"], "rate_date": t["rate_date"],
            "amount": _shared(t["amount"], t_share), "currency": t["currency"],
            "description": ((t["description"] or f"IATI {t['kind']}")
                            + _share_note(t["amount"], t["currency"], t_share))[:500],
            "reference": t["ref"][:200],
            "funder": funder, "funder_name": funder_name[:300],
        }  # fmt: skip
        tx = old.get(key)
        if tx is None:
            Transaction.objects.create(iati_key=key, **values)
            summary.transactions["imported"] += 1
        elif _assign(tx, values):
            tx.save()
            summary.transactions["updated"] += 1
        else:
            summary.transactions["unchanged"] += 1
    gone = [tx.pk for key, tx in old.items() if key not in keep]
    if gone:
        Transaction.objects.filter(pk__in=gone).delete()
        summary.transactions["removed"] += len(gone)


@transaction.atomic
def iati_activity_map(*, actor: Actor, activity: IatiActivity, node: Node | None) -> IatiActivity:
    """Map an activity to a node by hand (None: back to the unmapped queue); its money follows."""
    policy.require(actor, Perm.FUNDING_MANAGE, activity, message="You may not map this activity")
    if node is not None and not policy.allows(actor, Perm.FRAMEWORK_VIEW, node):
        raise ValidationFailed("framework node not found", field="node")
    before = activity.node_id
    activity.node = node
    activity.mapping_method = MappingMethod.MANUAL if node is not None else MappingMethod.NONE
    activity.mapping_note = ""
    activity.save(update_fields=["node", "mapping_method", "mapping_note", "updated_at"])
    BudgetLine.objects.filter(iati_activity=activity).update(node=node)
    Transaction.objects.filter(iati_activity=activity).update(node=node)
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=activity,
        organisation_id=activity.organisation_id,
        changes={"node": [before, node.pk if node else None]},
    )
    return activity
