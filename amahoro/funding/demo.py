"""Funding demo data for `amahoro load_demo` (registered as a demo step in FundingConfig.ready).

Invented, illustrative figures (not official budgets, not official exchange rates): dated USD and EUR rates;
budgets and transactions on the NAP 1325 outcomes for the ministry, the police and UN Women; budget lines
and spending on RWAMREC's strategic plan (which contributes to NAP P2 through node links); mapping rules;
and the fictional "Demo Donor Fund" IATI 2.03 file imported for the demo donor. A second run finds
everything and changes nothing (the IATI file is imported once).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from amahoro.core.demo import DemoResult
from amahoro.core.errors import ValidationFailed
from amahoro.frameworks.models import Node
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor

from .models import BudgetLine, ExchangeRate, MappingRule, Transaction

NAP = "RW-NAP1325-2018"
NGO_PLAN = "RWAMREC-SP-2022-2026"
IATI_FILE = Path(__file__).parent / "data" / "demo-donor-activities-2.03.xml"
RATE_SOURCE = "Demo rates (illustrative, not official)"
# (valid_from, RWF per USD, RWF per EUR)
RATES = (
    ("2018-07-01", "870", "1010"), ("2020-07-01", "950", "1080"), ("2022-07-01", "1030", "1040"),
    ("2023-07-01", "1160", "1265"), ("2024-01-01", "1270", "1390"), ("2024-07-01", "1310", "1420"),
    ("2025-01-01", "1390", "1450"), ("2025-07-01", "1440", "1680"),
)  # fmt: skip
IATI_REFS = {"DEMO-DONOR": "XM-DAC-99999", "RWAMREC": "RW-RGB-DEMO-0001"}
RULES = (  # (kind, value, framework, node)
    ("sector", "15180", NAP, "P2.O1"),  # Ending violence against women and girls
    ("sector", "15170", NAP, "P1.O1"),  # Women's rights organisations and movements
    ("tag", "5.5", NAP, "P1"),  # SDG target 5.5: women's participation in decision-making
    ("keyword", "Isange", NAP, "P3.O2"),
)

# (organisation, framework, node, fiscal year, amount, currency, funder code, description, published)
BUDGETS = (
    ("MIGEPROF", NAP, "P1.O1", "2023July", "180000000", "RWF", "", "Women in local governance: mentoring and forums", True),
    ("MIGEPROF", NAP, "P1.O1", "2024July", "210000000", "RWF", "", "Women in local governance: mentoring and forums", True),
    ("RNP", NAP, "P1.O2", "2024July", "95000000", "RWF", "", "Gender desk and women officers' leadership course", True),
    ("MIGEPROF", NAP, "P2.O1", "2024July", "120000", "USD", "UNWOMEN-RW", "GBV awareness campaign (radio, community)", True),
    ("RNP", NAP, "P3.O2", "2024July", "350000000", "RWF", "", "Isange One Stop Centres: staff and equipment", True),
    ("UNWOMEN-RW", NAP, "P4.O2", "2024July", "90000", "USD", "DEMO-DONOR", "Women in humanitarian and early recovery programmes", True),
    ("MIGEPROF", NAP, "P5.O1", "2024July", "60000000", "RWF", "", "NAP coordination and monitoring", True),
    ("MIGEPROF", NAP, "P5.O4", "2025July", "45000", "EUR", "UNWOMEN-RW", "WPS research and documentation", False),
    ("RWAMREC", NGO_PLAN, "OP1.1", "2024July", "48000000", "RWF", "DEMO-DONOR", "Couples' dialogue and fatherhood sessions", True),
    ("RWAMREC", NGO_PLAN, "OP1.2", "2024July", "22000000", "RWF", "DEMO-DONOR", "Community dialogue by male role models", True),
    ("RWAMREC", NGO_PLAN, "OP2.1", "2024July", "15000000", "RWF", "", "Referral of GBV cases to Isange and RNP", False),
    ("RWAMREC", NGO_PLAN, "OP1.1", "2025July", "52000000", "RWF", "DEMO-DONOR", "Couples' dialogue and fatherhood sessions", True),
)  # fmt: skip
# (organisation, framework, node, kind, date, amount, currency, funder code, description, published)
TRANSACTIONS = (
    ("MIGEPROF", NAP, "P1.O1", "commitment", "2023-08-01", "150000000", "RWF", "", "Budget law allocation FY2023/24", True),
    ("MIGEPROF", NAP, "P1.O1", "disbursement", "2023-09-15", "120000000", "RWF", "", "Transfer to districts", True),
    ("MIGEPROF", NAP, "P1.O1", "expenditure", "2024-05-31", "104000000", "RWF", "", "Mentoring and forums FY2023/24", True),
    ("MIGEPROF", NAP, "P1.O1", "commitment", "2024-08-01", "160000000", "RWF", "", "Budget law allocation FY2024/25", True),
    ("MIGEPROF", NAP, "P1.O1", "disbursement", "2024-09-15", "90000000", "RWF", "", "Transfer to districts", True),
    ("MIGEPROF", NAP, "P1.O1", "expenditure", "2025-03-31", "61000000", "RWF", "", "Mentoring and forums, to March", True),
    ("RNP", NAP, "P3.O2", "commitment", "2024-07-15", "300000000", "RWF", "", "Isange staffing FY2024/25", True),
    ("RNP", NAP, "P3.O2", "disbursement", "2024-08-01", "250000000", "RWF", "", "Isange staffing, first tranche", True),
    ("RNP", NAP, "P3.O2", "expenditure", "2025-02-28", "198000000", "RWF", "", "Salaries and kits", True),
    ("MIGEPROF", NAP, "P2.O1", "commitment", "2024-09-01", "100000", "USD", "UNWOMEN-RW", "UN Women grant", True),
    ("MIGEPROF", NAP, "P2.O1", "disbursement", "2024-10-01", "60000", "USD", "UNWOMEN-RW", "First instalment", True),
    ("MIGEPROF", NAP, "P2.O1", "expenditure", "2025-04-30", "52000000", "RWF", "", "Radio spots and community meetings", True),
    ("UNWOMEN-RW", NAP, "P4.O2", "commitment", "2024-10-01", "60000", "USD", "DEMO-DONOR", "Donor agreement", True),
    ("RWAMREC", NGO_PLAN, "OP1.1", "commitment", "2024-07-20", "45000000", "RWF", "DEMO-DONOR", "Grant agreement", True),
    ("RWAMREC", NGO_PLAN, "OP1.1", "disbursement", "2024-08-10", "30000000", "RWF", "DEMO-DONOR", "First tranche", True),
    ("RWAMREC", NGO_PLAN, "OP1.1", "expenditure", "2025-01-31", "21500000", "RWF", "", "Facilitators and venues, Jul-Jan", True),
    ("RWAMREC", NGO_PLAN, "OP1.2", "commitment", "2024-07-20", "18000000", "RWF", "DEMO-DONOR", "Grant agreement", True),
    ("RWAMREC", NGO_PLAN, "OP1.2", "disbursement", "2024-08-10", "12000000", "RWF", "DEMO-DONOR", "First tranche", True),
    ("RWAMREC", NGO_PLAN, "OP1.2", "expenditure", "2025-01-31", "9800000", "RWF", "", "Role-model training and sessions", True),
    ("RWAMREC", NGO_PLAN, "OP2.1", "expenditure", "2025-02-28", "4100000", "RWF", "", "Transport for referrals (sensitive details kept out)", False),
)  # fmt: skip


def _node(framework: str, code: str) -> Node:
    node = Node.objects.filter(framework__code=framework, code=code).first()
    if node is None:
        raise ValidationFailed(
            f"funding demo: node {framework} {code} is missing (run the frameworks demo first)"
        )
    return node


def funding_demo_step(result: DemoResult, actor: Actor) -> None:
    from amahoro.organisations.services import organisation_update

    from . import iati, services

    # The demo loader runs as the platform itself (until every caller passes policy.SYSTEM, None means it).
    orgs = {
        o.code: o
        for o in Organisation.objects.filter(
            code__in=["MIGEPROF", "RNP", "UNWOMEN-RW", "RWAMREC", "DEMO-DONOR"]
        )
    }
    for code, ref in IATI_REFS.items():
        if orgs[code].iati_identifier != ref:
            organisation_update(actor=actor, organisation=orgs[code], iati_identifier=ref)
    for valid_from, usd, eur in RATES:
        start = dt.date.fromisoformat(valid_from)
        for cur, rate in (("USD", usd), ("EUR", eur)):
            if not ExchangeRate.objects.filter(currency=cur, quote="RWF", valid_from=start).exists():
                services.exchange_rate_set(
                    actor=actor, currency=cur, rate=rate, valid_from=start, source=RATE_SOURCE
                )
    for kind, value, fw, code in RULES:
        if not MappingRule.objects.filter(kind=kind, value=value, organisation__isnull=True).exists():
            services.mapping_rule_create(actor=actor, node=_node(fw, code), kind=kind, value=value)
    made = 0
    for org, fw, code, fy, amount, cur, funder, text, published in BUDGETS:
        node = _node(fw, code)
        if BudgetLine.objects.filter(
            organisation=orgs[org], node=node, fiscal_year=fy, description=text
        ).exists():
            continue
        services.budget_line_create(
            actor=actor, organisation=orgs[org], node=node, fiscal_year=fy, amount=amount, currency=cur,
            funder=orgs.get(funder), description=text, is_published=published,
        )  # fmt: skip
        made += 1
    for org, fw, code, kind, day, amount, cur, funder, text, published in TRANSACTIONS:
        node = _node(fw, code)
        when = dt.date.fromisoformat(day)
        if Transaction.objects.filter(
            organisation=orgs[org], node=node, kind=kind, date=when, description=text
        ).exists():
            continue
        services.transaction_create(
            actor=actor, organisation=orgs[org], node=node, kind=kind, date=when, amount=amount, currency=cur,
            funder=orgs.get(funder), description=text, is_published=published,
        )  # fmt: skip
        made += 1
    from .models import IatiActivity

    if IatiActivity.objects.filter(organisation=orgs["DEMO-DONOR"]).exists():
        # Imported by an earlier run: a re-import would update in place and add an audit row for nothing.
        result.notes.append(
            f"funding: {made} budget lines and transactions added; IATI demo file already imported"
        )
        return
    summary = iati.iati_import(
        actor=actor, content=IATI_FILE.read_bytes(), organisation=orgs["DEMO-DONOR"], filename=IATI_FILE.name
    ).as_dict()
    result.notes.append(
        f"funding: {made} budget lines and transactions added; IATI demo file: "
        f"{summary['activities']['imported']} activities imported, {summary['activities']['updated']} updated, "
        f"{len(summary['unmapped'])} in the unmapped queue"
    )
