"""Consultation demo for `amahoro load_demo` (registered in ConsultationsConfig.ready): a published round
on the NAP 1325 convened by MIGEPROF, rated by Pro-Femmes and by a fictional women's network that asked to
stay anonymous, with answers from MIGEPROF and the police. Every person and text is invented. Idempotent:
a second run finds the round and changes nothing."""

from __future__ import annotations

from amahoro.accounts.demo import demo_user_ensure
from amahoro.accounts.models import User
from amahoro.core.demo import DemoResult
from amahoro.frameworks.models import Framework, Node
from amahoro.frameworks.services import node_update
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.organisations.services import organisation_create
from amahoro.policy import Actor
from amahoro.roles import Role

from . import services
from .models import Assessment, ConsultationRound

NAP = "RW-NAP1325-2018"
ROUND_TITLE = "NAP 1325 civil-society review 2024"
NETWORK = "DEMO-WPS-NETWORK"
# (username, first name, last name, role, organisation)
USERS = (
    ("cso_profemmes", "Diane", "Mukarugwiza", Role.ME_OFFICER, "PROFEMMES"),
    ("cso_network", "Olive", "Nyiransabimana", Role.DATA_CLERK, NETWORK),
    ("migeprof_me", "Jean", "Ndayisaba", Role.ME_OFFICER, "MIGEPROF"),
    ("rnp_me", "Agnes", "Mukandoli", Role.ME_OFFICER, "RNP"),
)
RESPONSIBLE = {
    "P1.O1": ("MIGEPROF",),
    "P1.O2": ("RNP", "MIGEPROF"),
    "P2.O1": ("MIGEPROF",),
    "P3.O2": ("RNP",),
}
# (outcome, author, anonymous, rating, evidence, comment, responses {agency: text})
ASSESSMENTS: tuple[tuple[str, str, bool, int, str, str, dict[str, str]], ...] = (
    (
        "P1.O1",
        "PROFEMMES",
        False,
        4,
        "Women hold a majority of seats in the Chamber of Deputies; our district focal points count more "
        "women in sector councils than in 2019.",
        "Representation is high; influence over budgets at district level is still limited.",
        {
            "MIGEPROF": "Agreed. The 2025 district planning guidelines ask councils to report gender budget statements."
        },
    ),
    (
        "P1.O2",
        "PROFEMMES",
        False,
        2,
        "Few women in senior ranks of the police and defence forces in the figures we could obtain.",
        "Progress in recruitment, little in promotion to command posts.",
        {
            "RNP": "Women's share of police officers rose; a mentoring programme for women officers started in 2024.",
            "MIGEPROF": "We will publish the rank-disaggregated figures in the next NAP progress report.",
        },
    ),
    (
        "P2.O1",
        NETWORK,
        True,
        3,
        "Community dialogues reached many villages in our area, but follow-up after sessions is irregular.",
        "Our members asked not to be named.",
        {"MIGEPROF": "Thank you. Follow-up visits are planned with the National Women's Council in 2025."},
    ),
    (
        "P3.O2",
        NETWORK,
        True,
        2,
        "Survivors in remote sectors report long travel times to the nearest Isange One Stop Centre.",
        "",
        {"RNP": "Two more centres open at district hospitals; transport support is under discussion."},
    ),
)


def _org(code: str, actor: Actor) -> Organisation:
    org = Organisation.objects.filter(code=code).first()
    if org is None:
        org = organisation_create(
            actor=actor,
            code=NETWORK,
            name="Demo Women Peacebuilders Network",
            type="cso",
            short_name="WP Network",
            areas=list(OrgUnit.objects.filter(code="RW")),
            description="A fictional network of grassroots women's groups, for demonstrating anonymous assessments.",
        )
    return org


def _user(spec: tuple[str, str, str, Role, str], actor: Actor, result: DemoResult) -> User:
    return demo_user_ensure(spec, _org(spec[4], actor), actor, result)


def consultations_demo_step(result: DemoResult, actor: Actor) -> None:
    # The demo is the platform acting on its own; core.demo still hands its steps None.
    fw = Framework.objects.filter(code=NAP).first()
    if fw is None:
        result.notes.append("consultations: the NAP is not loaded; no demo round")
        return
    users = {spec[0]: _user(spec, actor, result) for spec in USERS}
    for code, agencies in RESPONSIBLE.items():
        node = Node.objects.get(framework=fw, code=code)
        wanted = set(agencies)
        if not wanted <= set(node.responsible.values_list("code", flat=True)):
            orgs = list(node.responsible.all()) + list(Organisation.objects.filter(code__in=wanted))
            node_update(actor=actor, node=node, responsible=list({o.pk: o for o in orgs}.values()))
    if ConsultationRound.objects.filter(framework=fw, title=ROUND_TITLE).exists():
        result.notes.append(f"consultations: '{ROUND_TITLE}' already there")
        return
    convener, migeprof = users["migeprof_me"], Organisation.objects.get(code="MIGEPROF")
    rnd = services.round_create(
        actor=convener,
        framework=fw,
        organisation=migeprof,
        title=ROUND_TITLE,
        description="Civil-society organisations rate progress on the NAP outcomes they follow.",
        period="",  # the official status over the plan's whole span (2018-2022)
    )
    authors = {"PROFEMMES": users["cso_profemmes"], NETWORK: users["cso_network"]}
    responders = {"MIGEPROF": users["migeprof_me"], "RNP": users["rnp_me"]}
    for code, author, anonymous, rating, evidence, comment, responses in ASSESSMENTS:
        node = Node.objects.get(framework=fw, code=code)
        assessment = services.assessment_submit(
            actor=authors[author],
            round=rnd,
            node=node,
            rating=rating,
            evidence=evidence,
            comment=comment,
            anonymous=anonymous,
        )
        for agency, text in responses.items():
            services.response_submit(
                actor=responders[agency],
                assessment=assessment,
                text=text,
                organisation=Organisation.objects.get(code=agency),
            )
        services.assessment_moderate(actor=convener, assessment=assessment, decision="approved")
    services.round_publish(actor=convener, round=rnd)
    count = Assessment.objects.filter(round=rnd).count()
    result.notes.append(f"consultations: '{ROUND_TITLE}' published with {count} assessments (2 anonymous)")
