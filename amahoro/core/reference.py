"""Registry of reference data sets loadable with `amahoro load_reference NAME`."""

from __future__ import annotations

from collections.abc import Callable


def _rwanda() -> str:
    from amahoro import policy
    from amahoro.geo.models import OrgUnit
    from amahoro.geo.services import RWANDA_CREDIT, rwanda_load

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


REFERENCE_LOADERS: dict[str, Callable[[], str]] = {"rwanda": _rwanda}


def register(name: str, loader: Callable[[], str]) -> None:
    REFERENCE_LOADERS[name] = loader
