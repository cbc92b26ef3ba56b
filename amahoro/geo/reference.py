"""Reference data sets of this app, loadable with `amahoro load_reference NAME` (registered in apps.py)."""

from __future__ import annotations

import time

from amahoro import policy

from .models import OrgUnit
from .services import (
    BOUNDARY_ATTRIBUTION,
    RWANDA_CREDIT,
    SHIPPED_BOUNDARY_LEVELS,
    SHIPPED_BOUNDARY_SOURCE,
    rwanda_load,
    shipped_boundaries_load,
)

__all__ = ["BOUNDARY_ATTRIBUTION", "SHIPPED_BOUNDARY_SOURCE", "load_rwanda"]


def load_rwanda() -> str:
    """`amahoro load_reference rwanda`: the country's hierarchy, then the shipped province, district and
    sector boundaries (by NISR code), with their credits."""
    result = rwanda_load(actor=policy.SYSTEM)
    counts = {
        lvl: OrgUnit.objects.filter(level__code=lvl).count()
        for lvl in ("province", "district", "sector", "cell", "village")
    }
    started = time.perf_counter()
    shapes = shipped_boundaries_load(actor=policy.SYSTEM)
    seconds = time.perf_counter() - started
    with_shape = {
        lvl: OrgUnit.objects.filter(level__code=lvl, geometry__isnull=False).count()
        for lvl in SHIPPED_BOUNDARY_LEVELS
    }
    lines = [
        f"Rwanda loaded: {counts['province']} provinces, {counts['district']} districts, {counts['sector']} sectors, "
        f"{counts['cell']} cells, {counts['village']} villages "
        f"(created {sum(result.created.values())}, updated {sum(result.updated.values())}).",
        f"Boundaries: {with_shape['province']} provinces, {with_shape['district']} districts, "
        f"{with_shape['sector']} sectors have a shape (set or refreshed {sum(shapes.updated.values())}, "
        f"unchanged {sum(shapes.unchanged.values())}, kept from an import {len(shapes.kept)}; {seconds:.2f} s).",
    ]
    if shapes.absent_files:
        lines.append(f"Boundary files not found: {', '.join(shapes.absent_files)}.")
    if shapes.missing:
        lines.append(f"Boundaries with no org unit of that code: {', '.join(shapes.missing[:20])}.")
    if shapes.name_mismatches:
        pairs = "; ".join(
            f"{code} '{ours}' / '{theirs}'" for code, ours, theirs in shapes.name_mismatches[:20]
        )
        lines.append(f"Matched by code, but the names differ: {pairs}.")
    lines.append(RWANDA_CREDIT)
    lines.append(f"Boundaries: {BOUNDARY_ATTRIBUTION} (rw-admin-boundary, simplified).")
    return "\n".join(lines)
