"""Org units: a generic place hierarchy (country > province > district > sector > cell > village ...)
with official codes, names in three languages, a materialised path for subtree queries, optional
geometry and validity dates, so a restructured place keeps its history."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext_lazy as _

PATH_SEP = "/"


class OrgUnitLevel(models.Model):
    """A level of the hierarchy. `code` is what the API and commands use (`district`)."""

    level = models.PositiveSmallIntegerField(unique=True, help_text=_("1 = country, 2 = province, ..."))
    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=100)
    name_fr = models.CharField(max_length=100, blank=True)
    name_rw = models.CharField(max_length=100, blank=True)

    class Meta:
        ordering = ["level"]

    def __str__(self) -> str:
        return self.code


class OrgUnitQuerySet(models.QuerySet["OrgUnit"]):
    def descendants_of(self, unit: OrgUnit, *, include_self: bool = True) -> OrgUnitQuerySet:
        qs = self.filter(path__startswith=unit.path)
        return qs if include_self else qs.exclude(pk=unit.pk)

    def valid_on(self, day: dt.date) -> OrgUnitQuerySet:
        return self.filter(Q(opened_on__isnull=True) | Q(opened_on__lte=day)).filter(
            Q(closed_on__isnull=True) | Q(closed_on__gt=day)
        )


class OrgUnit(models.Model):
    code = models.CharField(
        max_length=50, unique=True, help_text=_("Official code, e.g. NISR code 11 = Nyarugenge")
    )
    # DHIS2's uid for the place, when it is also in a DHIS2 instance (orgUnitIdScheme=UID).
    uid = models.CharField(max_length=11, unique=True, null=True, blank=True)
    name = models.CharField(max_length=200, db_index=True)
    name_en = models.CharField(max_length=200, blank=True)
    name_fr = models.CharField(max_length=200, blank=True)
    name_rw = models.CharField(max_length=200, blank=True)
    level = models.ForeignKey(OrgUnitLevel, on_delete=models.PROTECT, related_name="units")
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    # "/RW/1/11/1101/": codes from the root, wrapped in separators so a prefix match is a subtree.
    path = models.CharField(max_length=400, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(editable=False, default=1)
    iso_code = models.CharField(max_length=10, blank=True, help_text=_("ISO 3166-2 code where one exists"))
    opened_on = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    replaced_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="replaces"
    )
    geometry = models.JSONField(null=True, blank=True, help_text=_("GeoJSON geometry (WGS 84)"))
    # Where the geometry came from: the boundaries shipped with Amahoro (SHIPPED_BOUNDARY_SOURCE, refreshed by
    # `load_reference rwanda`) or an `import_boundaries` file (kept by it). Blank: unknown or none.
    geometry_source = models.CharField(max_length=200, blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    source = models.CharField(max_length=200, blank=True)
    attribute_values = models.JSONField(
        default=dict, blank=True, help_text=_("DHIS2 attribute values, by attribute uid and code")
    )
    updated_at = models.DateTimeField(auto_now=True)

    objects = OrgUnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        indexes = [
            models.Index(fields=["level", "name"], name="geo_orgunit_level_name"),
            models.Index(fields=["path"], name="geo_orgunit_path_like", opclasses=["varchar_pattern_ops"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True)
                | Q(opened_on__isnull=True)
                | Q(closed_on__gt=models.F("opened_on")),
                name="geo_orgunit_closed_after_opened",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.code})"

    @property
    def display_name(self) -> str:
        lang = (translation.get_language() or "en")[:2]
        return {"fr": self.name_fr, "rw": self.name_rw, "en": self.name_en}.get(lang) or self.name

    @property
    def ancestor_codes(self) -> list[str]:
        return self.path.strip(PATH_SEP).split(PATH_SEP)[:-1]

    @property
    def ancestor_paths(self) -> list[str]:
        return ancestor_paths(self.path)[:-1]

    def is_active_on(self, day: dt.date) -> bool:
        return (self.opened_on is None or self.opened_on <= day) and (
            self.closed_on is None or self.closed_on > day
        )

    def compute_path(self) -> str:
        base = self.parent.path if self.parent_id and self.parent else PATH_SEP
        return f"{base}{self.code}{PATH_SEP}"


def ancestor_paths(path: str) -> list[str]:
    """'/RW/1/11/' -> ['/RW/', '/RW/1/', '/RW/1/11/'] (self included, root first)."""
    parts = path.strip(PATH_SEP).split(PATH_SEP)
    return [PATH_SEP + PATH_SEP.join(parts[: i + 1]) + PATH_SEP for i in range(len(parts))]
