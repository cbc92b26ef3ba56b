"""The public report page `/report/`: anyone may report a risk (no sign-in), in en/fr/rw, on a feature phone's
browser (one plain form, no script, no external file). It stores a signal as the platform (source "web") and
answers only with the report's number, what happens next and the emergency numbers: nothing is ever read
back. Submissions are throttled per client address; a re-sent form is stored once (its form token)."""

from __future__ import annotations

import hashlib
import re
import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from amahoro import policy
from amahoro.core.client import client_ip
from amahoro.core.errors import ValidationFailed
from amahoro.geo.models import OrgUnit
from amahoro.warning import services
from amahoro.warning.models import SignalType, Source, Urgency
from amahoro.warning.sms import match_place, place_index, short_ref

LANGUAGES = (("en", "English"), ("fr", "Français"), ("rw", "Kinyarwanda"))
MAX_TEXT = 1000
TOKEN = re.compile(r"^[A-Za-z0-9_-]{16,64}$")
# The service's field names -> this form's.
FIELDS = {"type": "type", "org_unit": "place", "occurred_on": "occurred_on", "urgency": "urgency"}
FIELDS |= {"description": "description", "reporter.name": "name", "reporter.phone": "phone"}


def _types() -> list[SignalType]:
    return list(SignalType.objects.filter(is_active=True).exclude(code="statistical_alarm").order_by("code"))


def _units(level: str, parent: str = "") -> list[OrgUnit]:
    units = OrgUnit.objects.valid_on(timezone.localdate()).filter(level__code=level)
    if parent:
        units = units.filter(parent__code=parent)
    return list(units.order_by("name").only("code", "name", "name_en", "name_fr", "name_rw"))


class ReportForm(forms.Form):
    type = forms.ChoiceField(label=_lazy("What is happening?"))
    place = forms.CharField(
        label=_lazy("Where? (sector, cell or village name or code)"), required=False, max_length=100
    )
    sector = forms.ChoiceField(label=_lazy("Or choose the sector"), required=False)
    occurred_on = forms.DateField(label=_lazy("When? (YYYY-MM-DD)"))
    urgency = forms.ChoiceField(label=_lazy("How urgent?"), required=False)
    description = forms.CharField(
        label=_lazy("What happened?"), widget=forms.Textarea(attrs={"rows": 5}), max_length=MAX_TEXT
    )
    name = forms.CharField(label=_lazy("Your name (optional)"), required=False, max_length=200)
    phone = forms.CharField(label=_lazy("Your phone (optional)"), required=False, max_length=30)
    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, district: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        sectors = _units("sector", district) if district else []
        choices: dict[str, list[tuple[str, str]]] = {
            "type": [("", "—")] + [(t.code, t.display_name) for t in _types()],
            "urgency": [("", _("As usual for this type")), *((str(v), str(n)) for v, n in Urgency.choices)],
            "sector": [("", "—")] + [(u.code, u.display_name) for u in sectors],
        }
        for name, options in choices.items():
            field = self.fields[name]
            assert isinstance(field, forms.ChoiceField)
            field.choices = options
        self.org_unit: OrgUnit | None = None

    def clean_occurred_on(self) -> Any:
        day = self.cleaned_data.get("occurred_on")
        if day is not None and day > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."))
        return day

    def clean_token(self) -> str:
        token = str(self.cleaned_data.get("token", ""))
        if not TOKEN.match(token):
            raise forms.ValidationError(_("This form has expired: please fill it again."))
        return token

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        words = str(data.get("place") or "").split()
        if words:
            found = match_place(words, place_index())
            if found.choices:
                listed = "; ".join(c.label() for c in found.choices[:3])
                self.add_error(
                    "place", _("Several places have this name; type one of these codes: %s") % listed
                )
            elif found.place is None or found.consumed != len(words):
                self.add_error(
                    "place", _("Unknown place: type the name or code of a sector, cell or village.")
                )
            else:
                self.org_unit = OrgUnit.objects.select_related("level").get(pk=found.place.pk)
        elif data.get("sector"):
            self.org_unit = OrgUnit.objects.select_related("level").filter(code=data["sector"]).first()
        elif "place" not in self.errors:
            self.add_error("place", _("Say where: type a place, or choose the district and then the sector."))
        return data


def _language(request: HttpRequest) -> str:
    asked = str(request.POST.get("lang") or request.GET.get("lang") or "")
    known = {code for code, _name in LANGUAGES}
    if asked in known:
        return asked
    current = (translation.get_language() or "en")[:2]
    return current if current in known else "en"


def _throttle_key(request: HttpRequest) -> str:
    address = client_ip(request) or "unknown"
    return "ewer-report:" + hashlib.sha256(address.encode()).hexdigest()


def _throttled(request: HttpRequest) -> bool:
    return int(cache.get(_throttle_key(request)) or 0) >= int(getattr(settings, "EWER_REPORT_PER_HOUR", 5))


def _count(request: HttpRequest) -> None:
    key = _throttle_key(request)
    cache.add(key, 0, timeout=3600)
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, timeout=3600)


def _hours(signal: Any) -> int:
    if signal.due_at is None:
        return 0
    return max(1, round((signal.due_at - signal.created_at).total_seconds() / 3600))


@require_http_methods(["GET", "POST"])
def report_view(request: HttpRequest) -> HttpResponse:
    lang = _language(request)
    with translation.override(lang):
        return _report(request, lang)


def _report(request: HttpRequest, lang: str) -> HttpResponse:
    district = str(request.POST.get("district") or request.GET.get("district") or "")[:10]
    context: dict[str, Any] = {
        "lang": lang,
        "languages": LANGUAGES,
        "district": district,
        "districts": _units("district"),
    }
    if request.method == "GET":
        form = ReportForm(
            district=district,
            initial={"token": secrets.token_urlsafe(24), "occurred_on": timezone.localdate().isoformat()},
        )
        return render(request, "warning/public/report.html", {**context, "form": form})
    if _throttled(request):
        return render(request, "warning/public/throttled.html", context, status=429)
    form = ReportForm(request.POST, district=district)
    if form.is_valid() and form.org_unit is not None:
        data = form.cleaned_data
        reporter = {k: str(data.get(k) or "").strip() for k in ("name", "phone") if data.get(k)}
        try:
            signal, created = services.signal_create(
                actor=policy.SYSTEM,
                type=data["type"],
                org_unit=form.org_unit,
                occurred_on=data["occurred_on"],
                urgency=data.get("urgency") or "",
                description=data["description"],
                reporter=reporter or None,
                source=Source.WEB,
                source_ref=f"form:{data['token']}",
            )
        except ValidationFailed as exc:
            form.add_error(FIELDS.get(exc.field or "", None), exc.message)
        else:
            if created:
                _count(request)
            thanks = {**context, "ref": short_ref(signal), "hours": _hours(signal)}
            return render(request, "warning/public/thanks.html", thanks)
    return render(request, "warning/public/report.html", {**context, "form": form}, status=400)
