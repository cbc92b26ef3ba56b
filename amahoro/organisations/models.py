"""Organisations working in the hierarchy: NGOs, ministries, police, Isange One Stop Centres, donors,
UN agencies, civil society; with where they operate and whom to contact."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from amahoro.core.models import BaseModel
from amahoro.geo.models import OrgUnit


class OrganisationType(models.TextChoices):
    NGO = "ngo", _("NGO")
    MINISTRY = "ministry", _("Ministry / government agency")
    POLICE = "police", _("Police")
    OSC = "osc", _("Isange One Stop Centre")
    DONOR = "donor", _("Donor")
    UN = "un", _("UN agency")
    CSO = "cso", _("Civil society organisation")


class Organisation(BaseModel):
    code = models.SlugField(max_length=50, unique=True, allow_unicode=False)
    name = models.CharField(max_length=200)
    short_name = models.CharField(max_length=50, blank=True)
    type = models.CharField(max_length=20, choices=OrganisationType.choices)
    description = models.TextField(blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="branches"
    )
    areas = models.ManyToManyField(
        OrgUnit, blank=True, related_name="organisations", help_text=_("Org units where it operates")
    )
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    website = models.URLField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    iati_identifier = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contact(BaseModel):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    org_unit = models.ForeignKey(OrgUnit, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.organisation})"
