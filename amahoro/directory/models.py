"""The service directory: providers (an organisation, or a unit of one such as an RIB station or an Isange
One Stop Centre) with the services they give, the places they serve and how to reach them. Referrals from a
case name a provider from here."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from amahoro.core.models import BaseModel


class ServiceKind(models.TextChoices):
    # The same codes as a case's service types (cases.ServiceType), so a referral of type X goes to a
    # provider offering X.
    HEALTH = "health", _("Health")
    PSYCHOSOCIAL = "psychosocial", _("Psychosocial")
    POLICE = "police", _("Police / RIB investigation")
    LEGAL = "legal", _("Legal aid")
    SAFE_HOUSE = "safe_house", _("Safe house")
    LIVELIHOODS = "livelihoods", _("Economic empowerment")
    CHILD_PROTECTION = "child_protection", _("Child protection")
    MALE_ENGAGEMENT = "male_engagement", _("Male-engagement programme")


class ServiceProvider(BaseModel):
    organisation = models.ForeignKey(
        "organisations.Organisation", on_delete=models.PROTECT, related_name="service_providers"
    )
    name = models.CharField(max_length=200, help_text=_("The unit, e.g. 'RIB Musanze station'"))
    services = models.JSONField(default=list, help_text=_("Service kinds offered (codes)"))
    org_unit = models.ForeignKey(
        "geo.OrgUnit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text=_("Where it is"),
    )
    areas = models.ManyToManyField(
        "geo.OrgUnit", blank=True, related_name="service_providers", help_text=_("Places it serves")
    )
    # A provider's public contact (a desk, a hotline), not a person's.
    phone = models.CharField(max_length=40, blank=True)
    email = models.EmailField(blank=True)
    address = models.CharField(max_length=300, blank=True)
    hours = models.CharField(
        max_length=200, blank=True, help_text=_("e.g. 'Mon-Fri 8:00-17:00; 24/7 hotline'")
    )
    languages = models.JSONField(default=list, blank=True, help_text=_("Language codes: rw, fr, en, sw"))
    accessibility = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return self.name

    @property
    def service_labels(self) -> list[str]:
        """The services offered, as a person reads them in the active language (not their codes)."""
        labels = dict(ServiceKind.choices)
        return [str(labels.get(code, code)) for code in self.services]

    @property
    def language_labels(self) -> list[str]:
        labels = {**dict(settings.LANGUAGES), "sw": _("Swahili")}
        return [str(labels.get(code, code)) for code in self.languages]
