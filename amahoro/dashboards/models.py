"""Favourites (a saved visualizer view: its query string) and dashboards (an ordered set of favourites and
text items), with the dashboard each role lands on (`landing_role`)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from amahoro.core.models import BaseModel
from amahoro.organisations.models import Organisation
from amahoro.roles import ROLE_CHOICES

QUERY_MAX = 2000


class Sharing(models.TextChoices):
    PRIVATE = "private", _("Private (only me)")
    ORGANISATION = "organisation", _("My organisation")
    PUBLIC = "public", _("Public (also on the portal)")


class Favourite(BaseModel):
    """A visualizer view saved under a name: `query` is the /analytics/ query string (contract C3), without
    the leading "?"."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    query = models.CharField(max_length=QUERY_MAX)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="favourites",
        help_text=_("Who saved it; empty = the platform (demo and landing dashboards)"),
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="favourites",
        help_text=_("The owner's organisation, with whose members it is shared; empty = every organisation"),
    )
    sharing = models.CharField(max_length=20, choices=Sharing.choices, default=Sharing.PRIVATE)

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class Dashboard(BaseModel):
    """An ordered set of items. `landing_role`: the role whose members land on it (home page)."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="dashboards",
        help_text=_("Who made it; empty = the platform"),
    )
    organisation = models.ForeignKey(
        Organisation,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="dashboards",
        help_text=_("Shared with this organisation's members; empty = every organisation"),
    )
    sharing = models.CharField(max_length=20, choices=Sharing.choices, default=Sharing.PRIVATE)
    landing_role = models.CharField(
        max_length=30,
        choices=ROLE_CHOICES,
        blank=True,
        help_text=_("Users holding this role land on this dashboard (home page)"),
    )

    class Meta:
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class ItemKind(models.TextChoices):
    FAVOURITE = "favourite", _("Favourite (chart, table or map)")
    TEXT = "text", _("Text")
    DUE = "due", _("My places and what is due")


class DashboardItem(BaseModel):
    dashboard = models.ForeignKey(Dashboard, on_delete=models.CASCADE, related_name="items")
    order = models.PositiveIntegerField(default=0)
    kind = models.CharField(max_length=20, choices=ItemKind.choices, default=ItemKind.FAVOURITE)
    favourite = models.ForeignKey(
        Favourite, null=True, blank=True, on_delete=models.CASCADE, related_name="dashboard_items"
    )
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(kind="favourite") & Q(favourite__isnull=False))
                | (~Q(kind="favourite") & Q(favourite__isnull=True)),
                name="dashboards_item_favourite_iff_kind",
            )
        ]

    def __str__(self) -> str:
        return f"{self.dashboard_id}#{self.order} {self.kind}"
