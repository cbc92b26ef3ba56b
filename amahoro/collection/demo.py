"""Demo content for field data collection: RWAMREC's community dialogue session form (an XLSForm with a
group, a participants repeat, select_multiple with or_other, a calculation and a geopoint), sessions
submitted from Musanze by the demo data clerk, reviews, a collector token, and a mapping rule that turns
the participants into RWAMREC_PARTICIPANTS values (by sex) of the RWAMREC strategic plan.

Idempotent: the form is re-uploaded only when it changed, submissions carry fixed instanceIDs (a resend
is stored once), the token and the rule are created once. Every person is fictional.
"""

from __future__ import annotations

import random

from amahoro.accounts.models import User
from amahoro.core import tabular
from amahoro.core.demo import DemoResult
from amahoro.geo.models import OrgUnit
from amahoro.metadata.models import DataElement
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor

FORM_ID = "rwamrec_dialogue"
VERSION = "2026010101"
NGO = "RWAMREC"
FORM_ADMIN = "rwamrec_admin"
ENUMERATOR = "clerk_musanze"
REVIEWER = "me_officer"
SESSIONS = 14

SURVEY = [
    ["type", "name", "label", "hint", "calculation", "required", "hxl"],
    ["date", "session_date", "Session date", "", "", "yes", "#date"],
    ["text", "village", "Village code", "8-digit NISR code", "", "yes", "#adm5 +code"],
    ["begin group", "facilitation", "Facilitation", "", "", "", ""],
    ["text", "facilitator", "Facilitator (first name)", "", "", "", ""],
    ["select_one session_type", "session_type", "Session type", "", "", "yes", "#activity +type"],
    ["end group", "", "", "", "", "", ""],
    ["integer", "men", "Men attending", "", "", "yes", "#reached +m"],
    ["integer", "women", "Women attending", "", "", "yes", "#reached +f"],
    ["calculate", "total", "", "", "${men} + ${women}", "", "#reached +total"],
    ["select_multiple topic or_other", "topics", "Topics discussed", "", "", "", "#sector +topic"],
    ["begin repeat", "participant", "Participants who enrolled", "", "", "", ""],
    ["select_one sex", "p_sex", "Sex", "", "", "yes", "#reached +sex"],
    ["select_one age", "p_age", "Age band", "", "", "yes", "#reached +age"],
    ["end repeat", "", "", "", "", "", ""],
    ["select_one yn", "referral", "Was a GBV case referred?", "", "", "", ""],
    ["geopoint", "location", "Location", "", "", "", "#geo +coord"],
]
CHOICES = [
    ["list_name", "name", "label"],
    ["session_type", "couples", "Couples' dialogue"],
    ["session_type", "men_group", "Men's discussion group"],
    ["session_type", "youth", "Youth session"],
    ["topic", "gbv_prevention", "GBV prevention"],
    ["topic", "positive_masculinity", "Positive masculinity"],
    ["topic", "household_decisions", "Joint household decisions"],
    ["topic", "parenting", "Positive parenting"],
    ["sex", "F", "Female"],
    ["sex", "M", "Male"],
    ["age", "15_24", "15-24"],
    ["age", "25_49", "25-49"],
    ["age", "50_plus", "50+"],
    ["yn", "yes", "Yes"],
    ["yn", "no", "No"],
]
FACILITATORS = ("Didier", "Josiane", "Emmanuel", "Vestine")
TOPICS = ("gbv_prevention", "positive_masculinity", "household_decisions", "parenting")


def dialogue_xlsform() -> bytes:
    settings_rows = [
        ["form_id", "version", "form_title"],
        [FORM_ID, VERSION, "RWAMREC community dialogue session"],
    ]
    return tabular.xlsx_bytes([("survey", SURVEY), ("choices", CHOICES), ("settings", settings_rows)])


def session_xml(i: int, village: OrgUnit, rng: random.Random) -> bytes:
    month = 1 + i % 3
    day = 3 + (i * 5) % 24
    men, women = rng.randint(6, 18), rng.randint(5, 16)
    topics = " ".join(sorted(rng.sample(TOPICS, 2)))
    people = "".join(
        f"<participant><p_sex>{rng.choice('FM')}</p_sex><p_age>{rng.choice(['15_24', '25_49', '50_plus'])}</p_age></participant>"
        for _ in range(rng.randint(2, 6))
    )
    lat, lon = -1.50 + rng.uniform(-0.05, 0.05), 29.63 + rng.uniform(-0.05, 0.05)
    return (
        f'<?xml version="1.0"?><data xmlns:jr="http://openrosa.org/javarosa" '
        f'xmlns:orx="http://openrosa.org/xforms" id="{FORM_ID}" version="{VERSION}">'
        f"<session_date>2026-{month:02d}-{day:02d}</session_date><village>{village.code}</village>"
        f"<facilitation><facilitator>{FACILITATORS[i % len(FACILITATORS)]}</facilitator>"
        f"<session_type>{('couples', 'men_group', 'youth')[i % 3]}</session_type></facilitation>"
        f"<men>{men}</men><women>{women}</women><total>{men + women}</total>"
        f"<topics>{topics}</topics><topics_other/>{people}"
        f"<referral>{'yes' if i % 5 == 0 else 'no'}</referral>"
        f"<location>{lat:.5f} {lon:.5f} 1850 8</location>"
        f"<meta><instanceID>uuid:00000000-demo-4000-8000-{i:012d}</instanceID></meta></data>"
    ).encode()


def collection_demo_step(result: DemoResult, actor: Actor) -> None:
    from . import mapping, services
    from .models import CollectorToken, MappingRule, XForm

    ngo = Organisation.objects.get(code=NGO)
    admin = User.objects.get(username=FORM_ADMIN)
    clerk = User.objects.get(username=ENUMERATOR)
    reviewer = User.objects.get(username=REVIEWER)
    form = XForm.objects.filter(form_id=FORM_ID).first()
    if form is None or form.version != VERSION:
        form = services.form_upload(
            actor=admin,
            organisation=ngo,
            content=dialogue_xlsform(),
            filename="rwamrec_dialogue.xlsx",
            form=form,  # a new version of the demo form when it exists
        )
    if form.org_unit_field != "village":
        services.form_set_options(actor=admin, form=form, org_unit_field="village")
    villages = list(
        OrgUnit.objects.filter(
            path__startswith="/RW/", level__code="village", path__contains="/43/"
        ).order_by("code")[:40]
    )
    rng = random.Random(1325)  # fictional, repeatable demo numbers
    created = 0
    for i in range(SESSIONS):
        village = villages[(i * 7) % len(villages)] if villages else None
        if village is None:
            break
        got = services.submission_receive(xml=session_xml(i, village, rng), user=clerk)
        created += int(got.created)
        if got.created and i % 6 == 1:
            services.submission_review(actor=reviewer, submission=got.submission, state="approved")
        elif got.created and i % 6 == 4:
            services.submission_review(
                actor=reviewer, submission=got.submission, state="has_issues", comment="Check the women count"
            )
    result.notes.append(
        f"collection: form {FORM_ID} v{form.version}, {created} new demo sessions from {ENUMERATOR}"
    )
    if not CollectorToken.objects.filter(organisation=ngo, name="Demo tablet (Musanze)").exists():
        _token, raw = services.token_create(
            actor=admin, organisation=ngo, name="Demo tablet (Musanze)", forms=[form]
        )
        result.notes.append(f"collection: collector token URL /openrosa/c/{raw}/ (shown once)")
    de = DataElement.objects.filter(code="RWAMREC_PARTICIPANTS").first()
    if de is not None:
        rule = MappingRule.objects.filter(form=form, name="Participants enrolled by sex").first()
        if rule is None:
            rule, run = mapping.mapping_rule_save(
                actor=reviewer,
                form=form,
                data_element=de,
                name="Participants enrolled by sex",
                repeat="participant",
                disaggregate_by=["p_sex"],
                period_field="session_date",
            )
        else:
            run = mapping.mapping_run(actor=reviewer, rule=rule)
        result.notes.append(f"collection: mapping rule wrote {run.values} RWAMREC_PARTICIPANTS values (2026)")
