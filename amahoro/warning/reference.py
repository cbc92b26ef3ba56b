"""The default signal taxonomy, loadable with `amahoro load_reference ewer-default` (registered in apps.py):
names in en/fr/rw, the SMS keywords that name each type (upper case, unique across types), a default
urgency, and whether it is a GBV signal (which may open a case through a case worker)."""

from __future__ import annotations

from amahoro import policy

from .models import Urgency
from .services import SignalTypeRow, signal_types_load

DEFAULT_TYPES: tuple[SignalTypeRow, ...] = (
    SignalTypeRow(
        "gbv",
        "GBV incident or threat",
        "Violence basée sur le genre (incident ou menace)",
        "Ihohoterwa rishingiye ku gitsina",
        ("GBV", "IHOHOTERWA", "VIOLENCE"),
        Urgency.HIGH,
        is_gbv=True,
    ),
    SignalTypeRow(
        "early_marriage",
        "Early or forced marriage risk",
        "Risque de mariage précoce ou forcé",
        "Gushyingirwa imburagihe cyangwa ku gahato",
        ("MARRIAGE", "MARIAGE", "GUSHYINGIRA"),
        Urgency.HIGH,
        is_gbv=True,
    ),
    SignalTypeRow(
        "threat_to_woman_leader",
        "Threat to a woman leader or human-rights defender",
        "Menace contre une femme leader ou défenseure des droits humains",
        "Guhungabanya umugore w'umuyobozi cyangwa uharanira uburenganzira bwa muntu",
        ("LEADER", "DEFENDER", "UMUYOBOZI"),
        Urgency.HIGH,
    ),
    SignalTypeRow(
        "domestic_tension",
        "Domestic tension escalating",
        "Tensions familiales croissantes",
        "Amakimbirane yo mu muryango yiyongera",
        ("FAMILY", "FAMILLE", "AMAKIMBIRANE"),
        Urgency.ROUTINE,
    ),
    SignalTypeRow(
        "land_dispute",
        "Land or inheritance dispute",
        "Conflit foncier ou de succession",
        "Amakimbirane ashingiye ku butaka cyangwa ku izungura",
        ("LAND", "TERRE", "UBUTAKA"),
        Urgency.ROUTINE,
    ),
    SignalTypeRow(
        "trafficking",
        "Trafficking risk",
        "Risque de traite des personnes",
        "Icuruzwa ry'abantu",
        ("TRAFFICKING", "TRAITE", "ICURUZWA"),
        Urgency.IMMEDIATE,
    ),
    SignalTypeRow(
        "hate_speech",
        "Hate speech or community tension",
        "Discours de haine ou tension communautaire",
        "Imvugo y'urwango cyangwa umwuka mubi mu baturage",
        ("HATE", "HAINE", "URWANGO"),
        Urgency.HIGH,
    ),
    SignalTypeRow(
        "statistical_alarm",
        "Statistical alarm",
        "Alerte statistique",
        "Impuruza ishingiye ku mibare",
        (),
        Urgency.ROUTINE,
    ),
    SignalTypeRow("other", "Other", "Autre", "Ibindi", ("OTHER", "AUTRE", "IBINDI"), Urgency.ROUTINE),
)


def load_ewer_default() -> str:
    created, updated = signal_types_load(actor=policy.SYSTEM, rows=DEFAULT_TYPES)
    return (
        f"ewer-default: {created} signal type(s) created, {updated} updated ({len(DEFAULT_TYPES)} in the set)"
    )


def load_ewer_nap() -> str:
    """The NAP P2.O3 data elements and indicators the monthly publishing writes to (publishing.py)."""
    from .publishing import nap_setup

    return nap_setup(actor=policy.SYSTEM)
