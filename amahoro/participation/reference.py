"""What women's participation is measured with: the representation series (data elements disaggregated by
sex, some also by rank or peacekeeping personnel type), the indicators of women's share linked to the NAP,
and the targets of the UN Uniformed Gender Parity Strategy 2018-2028.

Everything is ordinary frameworks metadata created through the frameworks services (metadata import,
indicator_save, target_set), so the values are entered, imported, approved and aggregated like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from amahoro.core.i18n import active_language, name_translations

SEX_CATEGORY = "SEX"
SEX_COMBO = "SEX"
PK_CATEGORY = "PK_TYPE"
PK_COMBO = "SEX_PK_TYPE"
RANK_CATEGORY = "SEC_RANK"
RANK_COMBO = "SEX_SEC_RANK"
PK_ELEMENT = "WPS_PK_DEPLOYED"
NAP_CODE = "RW-NAP1325-2018"


@dataclass(frozen=True)
class PersonnelType:
    option: str  # category option code
    label: str  # as in the UN CSV's Personnel_Type column
    target_2028: float  # UN Uniformed Gender Parity Strategy 2018-2028, share of women in %
    indicator: str


# The strategy's end-of-period targets (2028). It groups staff officers with military experts (observers):
# both carry the 25% target. Intermediate yearly targets are left out on purpose: only the 2028 figures are
# given in the source Amahoro cites (docs/participation.md); add more with `target_set` when you have one.
PERSONNEL_TYPES: tuple[PersonnelType, ...] = (
    PersonnelType("PK_TROOPS", "Troops", 15.0, "WPS_PK_SHARE_TROOPS"),
    PersonnelType("PK_STAFF", "Staff Officer", 25.0, "WPS_PK_SHARE_STAFF"),
    PersonnelType("PK_EOM", "Experts on Mission", 25.0, "WPS_PK_SHARE_EOM"),
    PersonnelType("PK_FPU", "Formed Police Units", 20.0, "WPS_PK_SHARE_FPU"),
    PersonnelType("PK_IPO", "Individual Police", 30.0, "WPS_PK_SHARE_IPO"),
)
PERSONNEL_BY_LABEL = {p.label.casefold(): p for p in PERSONNEL_TYPES}
PARITY_SOURCE = (
    "UN Department of Peace Operations, Uniformed Gender Parity Strategy 2018-2028 (targets for 2028)"
)
PARITY_TARGET_PERIOD = "2028"

RANKS = (
    ("RANK_SENIOR", "Senior officers (commanders)"),
    ("RANK_OFFICER", "Junior officers"),
    ("RANK_OTHER", "Non-commissioned and other ranks"),
)


@dataclass(frozen=True)
class Series:
    element: str
    name: str
    combo: str
    indicator: str
    nap_node: str
    # Rwanda's Constitution (2003, revised 2015), article 10: women hold at least 30% of posts in
    # decision-making organs. Used as the yearly NAP target for the decision-making series.
    constitutional_minimum: bool = False


SERIES: tuple[Series, ...] = (
    Series(
        "WPS_PARLIAMENT_DEPUTIES",
        "Members of the Chamber of Deputies",
        SEX_COMBO,
        "WPS_SHARE_DEPUTIES",
        "P1",
        True,
    ),
    Series("WPS_PARLIAMENT_SENATORS", "Members of the Senate", SEX_COMBO, "WPS_SHARE_SENATORS", "P1", True),
    Series(
        "WPS_CABINET",
        "Cabinet members (ministers and ministers of state)",
        SEX_COMBO,
        "WPS_SHARE_CABINET",
        "P1",
        True,
    ),
    Series(
        "WPS_LOCAL_COUNCILS", "District council members", SEX_COMBO, "WPS_SHARE_LOCAL_COUNCILS", "P1.O1", True
    ),
    Series("WPS_POLICE", "Rwanda National Police personnel by rank", RANK_COMBO, "WPS_SHARE_POLICE", "P1.O2"),
    Series("WPS_DEFENCE", "Rwanda Defence Force personnel by rank", RANK_COMBO, "WPS_SHARE_DEFENCE", "P1.O2"),
    Series(
        "WPS_FOREIGN_SERVICE",
        "Heads of diplomatic missions (ambassadors, high commissioners)",
        SEX_COMBO,
        "WPS_SHARE_FOREIGN_SERVICE",
        "P5.O2",
    ),
    Series(
        PK_ELEMENT,
        "Uniformed personnel deployed to UN peace operations",
        PK_COMBO,
        "WPS_SHARE_PEACEKEEPING",
        "P5.O2",
    ),
)
SERIES_BY_ELEMENT = {s.element: s for s in SERIES}
CONSTITUTIONAL_MINIMUM = 30.0
CONSTITUTION_SOURCE = "Constitution of the Republic of Rwanda (2003, revised 2015), article 10"


# French and Kinyarwanda names of the series, options, categories and combos above, by English name.
TRANSLATIONS: dict[str, tuple[str, str]] = {
    "Female": ("Femme", "Gore"),
    "Male": ("Homme", "Gabo"),
    "Sex": ("Sexe", "Igitsina"),
    "Troops": ("Troupes", "Abasirikare"),
    "Staff Officer": ("Officiers d’état-major", "Abofisiye b’ubuyobozi"),
    "Experts on Mission": ("Experts en mission", "Impuguke ziri mu butumwa"),
    "Formed Police Units": ("Unités de police constituées", "Imitwe ya polisi yateguwe"),
    "Individual Police": ("Policiers individuels", "Abapolisi ku giti cyabo"),
    "Senior officers (commanders)": ("Officiers supérieurs (commandants)", "Abofisiye bakuru (abayobozi)"),
    "Junior officers": ("Officiers subalternes", "Abofisiye bato"),
    "Non-commissioned and other ranks": (
        "Sous-officiers et hommes du rang",
        "Ba su-ofisiye n’abandi bafite andi mapeti",
    ),
    "Peacekeeping personnel type": (
        "Catégorie de personnel de maintien de la paix",
        "Ubwoko bw’abari mu butumwa bw’amahoro",
    ),
    "Rank group (security forces)": (
        "Groupe de grades (forces de sécurité)",
        "Itsinda ry’amapeti (inzego z’umutekano)",
    ),
    "Sex and peacekeeping personnel type": (
        "Sexe et catégorie de personnel de maintien de la paix",
        "Igitsina n’ubwoko bw’abari mu butumwa bw’amahoro",
    ),
    "Sex and rank group": ("Sexe et groupe de grades", "Igitsina n’itsinda ry’amapeti"),
    "Members of the Chamber of Deputies": ("Membres de la Chambre des députés", "Abagize Umutwe w’Abadepite"),
    "Members of the Senate": ("Membres du Sénat", "Abagize Sena"),
    "Cabinet members (ministers and ministers of state)": (
        "Membres du Conseil des ministres (ministres et ministres d’État)",
        "Abagize Inama y’Abaminisitiri (abaminisitiri n’abanyamabanga ba Leta)",
    ),
    "District council members": ("Membres des conseils de district", "Abagize inama njyanama z’uturere"),
    "Rwanda National Police personnel by rank": (
        "Personnel de la Police nationale du Rwanda par grade",
        "Abakozi ba Polisi y’u Rwanda hakurikijwe amapeti",
    ),
    "Rwanda Defence Force personnel by rank": (
        "Personnel des Forces rwandaises de défense par grade",
        "Abakozi b’Ingabo z’u Rwanda hakurikijwe amapeti",
    ),
    "Heads of diplomatic missions (ambassadors, high commissioners)": (
        "Chefs de missions diplomatiques (ambassadeurs, hauts-commissaires)",
        "Abayobozi b’ubutumwa bw’ububanyi n’amahanga (ba ambasaderi, ba komiseri bakuru)",
    ),
    "Uniformed personnel deployed to UN peace operations": (
        "Personnel en uniforme déployé dans les opérations de paix de l’ONU",
        "Abambaye impuzankano boherejwe mu butumwa bw’amahoro bwa Loni",
    ),
}


def local(name: str) -> str:
    """`name` (a series, option or category above) in the active language."""
    fr, rw = TRANSLATIONS.get(name, ("", ""))
    return {"fr": fr, "rw": rw}.get(active_language()) or name


def translated(name: str) -> list[dict[str, str]]:
    return name_translations(*TRANSLATIONS.get(name, ("", "")))


def share_names(name: str) -> tuple[str, str]:
    """French and Kinyarwanda names of the indicator "Share of women: <series>"."""
    fr, rw = TRANSLATIONS.get(name, ("", ""))
    return (f"Part des femmes : {fr}" if fr else "", f"Igipimo cy’abagore: {rw}" if rw else "")


def peacekeeping_share_names(label: str) -> tuple[str, str]:
    """... of "Share of women among <personnel type> deployed to UN peace operations"."""
    fr, rw = TRANSLATIONS.get(label, ("", ""))
    return (
        f"Part des femmes parmi les {fr.lower()} déployés dans les opérations de paix de l’ONU" if fr else "",
        f"Igipimo cy’abagore mu {rw.lower()} boherejwe mu butumwa bw’amahoro bwa Loni" if rw else "",
    )


def metadata_payload() -> dict[str, Any]:
    """The categories, combos and data elements, in the DHIS2 metadata shape (imported with CREATE)."""
    return {
        "categoryOptions": [
            {"code": "F", "name": "Female", "translations": translated("Female")},
            {"code": "M", "name": "Male", "translations": translated("Male")},
            *(
                {"code": p.option, "name": p.label, "translations": translated(p.label)}
                for p in PERSONNEL_TYPES
            ),
            *({"code": code, "name": name, "translations": translated(name)} for code, name in RANKS),
        ],
        "categories": [
            {
                "code": SEX_CATEGORY,
                "name": "Sex",
                "translations": translated("Sex"),
                "categoryOptions": [{"code": "F"}, {"code": "M"}],
            },
            {
                "code": PK_CATEGORY,
                "name": "Peacekeeping personnel type",
                "translations": translated("Peacekeeping personnel type"),
                "categoryOptions": [{"code": p.option} for p in PERSONNEL_TYPES],
            },
            {
                "code": RANK_CATEGORY,
                "name": "Rank group (security forces)",
                "translations": translated("Rank group (security forces)"),
                "categoryOptions": [{"code": code} for code, _ in RANKS],
            },
        ],
        "categoryCombos": [
            {
                "code": SEX_COMBO,
                "name": "Sex",
                "translations": translated("Sex"),
                "categories": [{"code": SEX_CATEGORY}],
            },
            {
                "code": PK_COMBO,
                "name": "Sex and peacekeeping personnel type",
                "translations": translated("Sex and peacekeeping personnel type"),
                "categories": [{"code": SEX_CATEGORY}, {"code": PK_CATEGORY}],
            },
            {
                "code": RANK_COMBO,
                "name": "Sex and rank group",
                "translations": translated("Sex and rank group"),
                "categories": [{"code": SEX_CATEGORY}, {"code": RANK_CATEGORY}],
            },
        ],
        "dataElements": [
            {
                "code": s.element,
                "name": s.name,
                "shortName": s.name[:50],
                "translations": translated(s.name),
                "valueType": "INTEGER_ZERO_OR_POSITIVE",
                # Headcounts are stocks: the latest period counts, never a sum over months.
                "aggregationType": "LAST",
                "zeroIsSignificant": True,
                "categoryCombo": {"code": s.combo},
            }
            for s in SERIES
        ],
    }


def coc_code(sex: str, second: str | None = None) -> str:
    """The option combo code the frameworks app generates (option codes joined in category order)."""
    return f"{sex}_{second}" if second else sex
