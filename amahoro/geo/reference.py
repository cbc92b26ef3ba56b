"""Reference data sets of this app, loadable with `amahoro load_reference NAME` (registered in apps.py)."""

from __future__ import annotations

from amahoro import policy

from .models import OrgUnit
from .services import RWANDA_CREDIT, rwanda_load


def load_rwanda() -> str:
    """`amahoro load_reference rwanda`: the country's hierarchy (and its boundaries' credit)."""
    result = rwanda_load(actor=policy.SYSTEM)
    counts = {
        lvl: OrgUnit.objects.filter(level__code=lvl).count()
        for lvl in ("province", "district", "sector", "cell", "village")
    }
    return (
        f"Rwanda loaded: {counts['province']} provinces, {counts['district']} districts, {counts['sector']} sectors, "
        f"{counts['cell']} cells, {counts['village']} villages "
        f"(created {sum(result.created.values())}, updated {sum(result.updated.values())}).\n{RWANDA_CREDIT}"
    )
