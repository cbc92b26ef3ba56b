"""What women's participation is measured with: the representation series (data elements disaggregated by
sex, some also by rank or peacekeeping personnel type), the indicators of women's share linked to the NAP,
and the targets of the UN Uniformed Gender Parity Strategy 2018-2028.

Everything is ordinary frameworks metadata created through the frameworks services (metadata import,
indicator_save, target_set), so the values are entered, imported, approved and aggregated like any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


def metadata_payload() -> dict[str, Any]:
    """The categories, combos and data elements, in the DHIS2 metadata shape (imported with CREATE)."""
    return {
        "categoryOptions": [
            {"code": "F", "name": "Female"},
            {"code": "M", "name": "Male"},
            *({"code": p.option, "name": p.label} for p in PERSONNEL_TYPES),
            *({"code": code, "name": name} for code, name in RANKS),
        ],
        "categories": [
            {"code": SEX_CATEGORY, "name": "Sex", "categoryOptions": [{"code": "F"}, {"code": "M"}]},
            {
                "code": PK_CATEGORY,
                "name": "Peacekeeping personnel type",
                "categoryOptions": [{"code": p.option} for p in PERSONNEL_TYPES],
            },
            {
                "code": RANK_CATEGORY,
                "name": "Rank group (security forces)",
                "categoryOptions": [{"code": code} for code, _ in RANKS],
            },
        ],
        "categoryCombos": [
            {"code": SEX_COMBO, "name": "Sex", "categories": [{"code": SEX_CATEGORY}]},
            {
                "code": PK_COMBO,
                "name": "Sex and peacekeeping personnel type",
                "categories": [{"code": SEX_CATEGORY}, {"code": PK_CATEGORY}],
            },
            {
                "code": RANK_COMBO,
                "name": "Sex and rank group",
                "categories": [{"code": SEX_CATEGORY}, {"code": RANK_CATEGORY}],
            },
        ],
        "dataElements": [
            {
                "code": s.element,
                "name": s.name,
                "shortName": s.name[:50],
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
