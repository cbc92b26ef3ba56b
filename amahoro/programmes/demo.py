"""Programme demo data for `amahoro load_demo` (registered as a demo step in ProgrammesConfig.ready).

A Bandebereho-like couples' curriculum run by the RWAMREC-like NGO in three of its districts (Gasabo,
Huye, Musanze): one intervention cohort of 12 couples per district meeting for 17 weekly sessions
(completed with at least 12), and a comparison group of 8 couples in Musanze; fictional participants
(invented names, example phone numbers), attendance, and GEM baseline and endline rounds. Two participants
are registered twice with a spelling variant, so the duplicates page has something to show. Reach and
completion are pushed to two Sex-disaggregated data elements for 2026 through the data import service.

Everything comes from a seeded generator and goes through the services; a second run finds the programme
and changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from amahoro.accounts.models import User
from amahoro.core.i18n import name_translations
from amahoro.frameworks.models import Node
from amahoro.geo.models import OrgUnit
from amahoro.metadata.importer import metadata_import
from amahoro.metadata.models import DataElement
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor

from . import selectors
from .models import Programme
from .services import attendance as attendance_services
from .services import participants as participant_services
from .services import programmes as programme_services
from .services import scales as scale_services

PROGRAMME_CODE = "BANDEBEREHO-DEMO"
NGO = "RWAMREC"
DISTRICTS = ("12", "24", "43")  # Gasabo, Huye, Musanze
COMPARISON_DISTRICT = "43"
SEED = 1706
START = date(2026, 1, 12)
SESSIONS = 17
COMPLETION_MIN = 12
COUPLES = 12
COMPARISON_COUPLES = 8
PUSH_USER = "me_officer"
PUSH_PERIOD = "2026"

MEN = (
    "Jean",
    "Eric",
    "Claude",
    "Emmanuel",
    "Innocent",
    "Patrick",
    "Olivier",
    "Didier",
    "Fabrice",
    "Samuel",
    "Theogene",
    "Alphonse",
    "Evariste",
    "Gilbert",
    "Faustin",
    "Damascene",
)
WOMEN = (
    "Aline",
    "Grace",
    "Claudine",
    "Josiane",
    "Solange",
    "Chantal",
    "Diane",
    "Vestine",
    "Jeanne",
    "Alice",
    "Clementine",
    "Esperance",
    "Beatha",
    "Odette",
    "Francine",
    "Immaculee",
)
FAMILY = (
    "Habimana",
    "Uwase",
    "Mugabo",
    "Niyonzima",
    "Mukamana",
    "Nshimiyimana",
    "Ingabire",
    "Hakizimana",
    "Uwimana",
    "Bizimana",
    "Mukeshimana",
    "Ndayisaba",
    "Nyirahabimana",
    "Twagirayezu",
    "Uwera",
    "Kayitesi",
)

DATA_ELEMENTS: dict[str, Any] = {
    "dataElements": [
        {
            "code": "BANDEBEREHO_REACH",
            "name": "Unique participants of the couples' curriculum (reached at least once)",
            "shortName": "Curriculum unique reach",
            "translations": name_translations(
                "Participants uniques du curriculum des couples (atteints au moins une fois)",
                "Abitabiriye integanyanyigisho y’abashakanye batandukanye (bagezweho nibura rimwe)",
            ),
            "valueType": "INTEGER_ZERO_OR_POSITIVE",
            "aggregationType": "SUM",
            "categoryCombo": {"code": "SEX"},
        },
        {
            "code": "BANDEBEREHO_COMPLETED",
            "name": "Participants who completed the couples' curriculum (12 of 17 sessions)",
            "shortName": "Curriculum completed",
            "translations": name_translations(
                "Participants ayant achevé le curriculum des couples (12 séances sur 17)",
                "Abarangije integanyanyigisho y’abashakanye (amasomo 12 kuri 17)",
            ),
            "valueType": "INTEGER_ZERO_OR_POSITIVE",
            "aggregationType": "SUM",
            "categoryCombo": {"code": "SEX"},
        },
        {
            "code": "BANDEBEREHO_GEM_HIGH",
            "name": "Curriculum participants with high support for gender equity (GEM, latest round)",
            "shortName": "GEM high equity",
            "translations": name_translations(
                "Participants du curriculum très favorables à l’égalité des genres (GEM, dernière enquête)",
                "Abitabiriye integanyanyigisho bashyigikira cyane uburinganire (GEM, isuzuma riheruka)",
            ),
            "valueType": "INTEGER_ZERO_OR_POSITIVE",
            "aggregationType": "SUM",
            "categoryCombo": {"code": "SEX"},
        },
        {
            "code": "BANDEBEREHO_GEM_RESPONDENTS",
            "name": "Curriculum participants who answered the GEM scale (latest round)",
            "shortName": "GEM respondents",
            "translations": name_translations(
                "Participants du curriculum ayant répondu à l’échelle GEM (dernière enquête)",
                "Abitabiriye integanyanyigisho basubije ibibazo bya GEM (isuzuma riheruka)",
            ),
            "valueType": "INTEGER_ZERO_OR_POSITIVE",
            "aggregationType": "SUM",
            "categoryCombo": {"code": "SEX"},
        },
    ]
}


def _answers(rng: random.Random, level: float, definition: Any) -> dict[str, str]:
    """GEM answers around a latent level (0 = least, 2 = most equitable)."""
    out = {}
    for item in definition.items:
        x = min(2, max(0, round(level + rng.gauss(0, 0.7))))
        if item.subscale == "inequitable":
            out[item.code] = ("agree", "partially_agree", "do_not_agree")[x]
        else:
            out[item.code] = ("do_not_agree", "partially_agree", "agree")[x]
    return out


def programmes_demo_step(result: Any, actor: Actor) -> None:
    # The demo is the platform acting on its own; core.demo still hands its steps None.
    if Programme.objects.filter(code=PROGRAMME_CODE).exists():
        result.notes.append(f"programmes: {PROGRAMME_CODE} already there (unchanged)")
        return
    ngo = Organisation.objects.filter(code=NGO).first()
    if ngo is None:
        return
    if not DataElement.objects.filter(code="BANDEBEREHO_GEM_RESPONDENTS").exists():
        report = metadata_import(actor=actor, payload=DATA_ELEMENTS)
        if report.status != "OK":
            result.notes.append(f"programmes: data elements not created ({report.status})")
    rng = random.Random(SEED)
    districts = list(OrgUnit.objects.filter(code__in=DISTRICTS).order_by("code"))
    programme = programme_services.programme_create(
        actor=actor,
        code=PROGRAMME_CODE,
        name="Bandebereho couples' curriculum (demo)",
        description="Fictional demo: 17 weekly sessions for couples on gender equality, fatherhood, "
        "family planning and non-violence; completed with at least 12 sessions.",
        organisation=ngo,
        districts=districts,
        framework_nodes=Node.objects.filter(framework__code="RWAMREC-SP-2022-2026", code="O1"),
        start=START,
        end=START + timedelta(weeks=26),
        reach_data_element=DataElement.objects.filter(code="BANDEBEREHO_REACH").first(),
        completion_data_element=DataElement.objects.filter(code="BANDEBEREHO_COMPLETED").first(),
        band_name="high",
        band_data_element=DataElement.objects.filter(code="BANDEBEREHO_GEM_HIGH").first(),
        respondents_data_element=DataElement.objects.filter(code="BANDEBEREHO_GEM_RESPONDENTS").first(),
    )
    gem = scale_services.gem_ensure()
    definition = selectors.scale_definition(gem)
    total_people = 0
    plans = [(d, "intervention", COUPLES) for d in districts]
    plans.append(
        (next(d for d in districts if d.code == COMPARISON_DISTRICT), "comparison", COMPARISON_COUPLES)
    )
    for n, (district, arm, couples) in enumerate(plans, start=1):
        sector = OrgUnit.objects.filter(parent=district).order_by("code")[n % 3]
        villages = list(
            OrgUnit.objects.filter(path__startswith=sector.path, level__code="village").order_by("code")[:6]
        )
        villages = villages or [sector]
        intervention = arm == "intervention"
        cohort = programme_services.cohort_create(
            actor=actor,
            programme=programme,
            code=f"{'C' if intervention else 'CMP'}-{district.code}",
            name=f"{'Couples' if intervention else 'Comparison couples'}, {sector.name} ({district.name})",
            org_unit=sector,
            start=START,
            end=START + timedelta(weeks=24),
            planned_sessions=SESSIONS if intervention else 1,
            completion_min=COMPLETION_MIN if intervention else 1,
            arm=arm,
        )
        people = []
        for k in range(couples):
            family = rng.choice(FAMILY)
            village = villages[k % len(villages)]
            man = participant_services.participant_create(
                actor=actor,
                organisation=ngo,
                sex="M",
                village=village,
                birth_year=rng.randint(1980, 2000),
                role="husband",
                name=f"{rng.choice(MEN)} {family}",
                phone=f"+25078{rng.randint(1000000, 9999999)}",
            )
            woman = participant_services.participant_create(
                actor=actor,
                organisation=ngo,
                sex="F",
                village=village,
                birth_year=rng.randint(1982, 2003),
                role="wife",
                name=f"{rng.choice(WOMEN)} {rng.choice(FAMILY)}",
            )
            participant_services.participant_link(actor=actor, a=man, b=woman, kind="couple")
            people += [man, woman]
        total_people += len(people)
        participant_services.enrolment_add(actor=actor, cohort=cohort, participants=people)
        if intervention:
            propensity = {p.pk: rng.uniform(0.45, 0.98) for p in people}
            for s in range(1, SESSIONS + 1):
                session = attendance_services.session_create(
                    actor=actor,
                    cohort=cohort,
                    number=s,
                    date=START + timedelta(weeks=s - 1),
                    place=villages[s % len(villages)],
                    facilitators="Demo facilitator couple",
                    topics=f"Session {s}",
                )
                attendance_services.attendance_record(
                    actor=actor,
                    session=session,
                    presence={p: rng.random() < propensity[p.pk] for p in people},
                )
        baseline = scale_services.survey_round_create(
            actor=actor, cohort=cohort, scale=gem, kind="baseline", date=START
        )
        endline = scale_services.survey_round_create(
            actor=actor, cohort=cohort, scale=gem, kind="endline", date=START + timedelta(weeks=20)
        )
        levels = {p.pk: rng.uniform(0.4, 1.3) for p in people}
        gain = 0.45 if intervention else 0.08
        scale_services.responses_record(
            actor=actor, survey=baseline, answers={p: _answers(rng, levels[p.pk], definition) for p in people}
        )
        scale_services.responses_record(
            actor=actor,
            survey=endline,
            answers={p: _answers(rng, levels[p.pk] + gain + rng.gauss(0, 0.15), definition) for p in people},
        )
        if n == 1:
            # The same man registered again, with a spelling variant, in a neighbouring village
            first = people[0]
            twin = participant_services.participant_create(
                actor=actor,
                organisation=ngo,
                sex="M",
                village=villages[1 % len(villages)],
                birth_year=first.birth_year,
                role="husband",
                name=first.name_enc.replace("i", "y", 1),
            )
            attendance_services.attendance_record(
                actor=actor, session=cohort.sessions.get(number=SESSIONS), presence={twin: True}
            )
    note = f"programmes: {PROGRAMME_CODE} with {len(plans)} cohorts and {total_people} fictional participants"
    pusher = User.objects.filter(username=PUSH_USER).first()
    if pusher is not None and programme.reach_data_element is not None:
        out = programme_services.programme_indicators_push(
            actor=pusher, programme=programme, period=PUSH_PERIOD
        )
        note += f"; reach and completion pushed for {PUSH_PERIOD} ({out.get('reach', {}).get('status', '')})"
    result.notes.append(note)
