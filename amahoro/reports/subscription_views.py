"""Subscription pages (under /reports/subscriptions/): the list with each one's schedule, last send, last
error and delivery log, and the forms to create, change and delete one. The owner only: another's is 404."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from amahoro.core.errors import AmahoroError, NotFound, PermissionDenied

from . import kinds
from . import subscriptions as subs
from .models import Format, Frequency, Subscription

# The parameters a subscription form offers (those that apply to the chosen kind are read by it).
PARAM_FIELDS = ("framework", "org_unit", "lang")


class SubscriptionForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Report"))
    format = forms.ChoiceField(label=gettext_lazy("Format"), choices=Format.choices)
    frequency = forms.ChoiceField(
        label=gettext_lazy("Frequency"),
        choices=Frequency.choices,
        help_text=gettext_lazy("Quarterly reports go out in January, April, July and October."),
    )
    day = forms.IntegerField(
        label=gettext_lazy("Day of the month"),
        min_value=subs.DAY_MIN,
        max_value=subs.DAY_MAX,
        initial=5,
        help_text=gettext_lazy("Each send reports on the last complete month or quarter before that day."),
    )
    framework = forms.CharField(
        label=gettext_lazy("Framework code"),
        required=False,
        max_length=subs.PARAM_VALUE_MAX,
        help_text=gettext_lazy("For the NAP progress report and the indicator tracking table."),
    )
    org_unit = forms.CharField(
        label=gettext_lazy("Place (org unit code)"),
        required=False,
        max_length=subs.PARAM_VALUE_MAX,
        help_text=gettext_lazy("Required for the GBV monthly statistics; optional for the others."),
    )
    lang = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES)
    active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field: forms.ChoiceField = self.fields["kind"]  # type: ignore[assignment]
        kind_field.choices = [(k.code, str(k.title)) for k in subs.kinds_for(user)]

    def params(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in PARAM_FIELDS if self.cleaned_data.get(name)}

    def refuse(self, exc: AmahoroError) -> None:
        """Show a service's refusal beside the field it names."""
        field = (exc.field or "").removeprefix("params.")
        self.add_error(field if field in self.fields else None, exc.message)


def _initial(subscription: Subscription) -> dict[str, Any]:
    return {
        "kind": subscription.kind,
        "format": subscription.format,
        "frequency": subscription.frequency,
        "day": subscription.day,
        "active": subscription.active,
        **{name: subscription.params.get(name, "") for name in PARAM_FIELDS},
    }


def _subscription(request: HttpRequest, uuid: Any) -> Subscription:
    try:
        return subs.subscription_get(user=request.user, uuid=uuid)
    except NotFound:
        raise Http404("not found") from None


def _titles() -> dict[str, str]:
    return {kind.code: str(kind.title) for kind in kinds.all_kinds()}


@login_required
@require_GET
def subscription_list(request: HttpRequest) -> HttpResponse:
    titles = _titles()
    rows = [
        {"s": s, "title": titles.get(s.kind, s.kind), "deliveries": subs.recent_deliveries(s)}
        for s in subs.subscriptions_of(user=request.user)
    ]
    return render(
        request,
        "reports/subscriptions/list.html",
        {
            "rows": rows,
            "may_subscribe": bool(subs.kinds_for(request.user)),
            "max_attempts": subs.MAX_ATTEMPTS,
        },
    )


def _form_page(
    request: HttpRequest, form: SubscriptionForm, subscription: Subscription | None, status: int = 200
) -> HttpResponse:
    return render(
        request,
        "reports/subscriptions/form.html",
        {"form": form, "subscription": subscription},
        status=status,
    )


def _save(request: HttpRequest, form: SubscriptionForm, subscription: Subscription | None) -> HttpResponse:
    if not form.is_valid():
        return _form_page(request, form, subscription, status=400)
    data = form.cleaned_data
    values = {
        "kind": data["kind"],
        "params": {**form.params(), "lang": data["lang"]},
        "fmt": data["format"],
        "frequency": data["frequency"],
        "day": data["day"],
        "active": data["active"],
    }
    try:
        if subscription is None:
            subscription = subs.subscription_create(actor=request.user, **values)
            messages.success(
                request,
                _("Subscribed: the first report is sent on %(date)s.") % {"date": subscription.next_due},
            )
        else:
            subscription = subs.subscription_update(actor=request.user, subscription=subscription, **values)
            messages.success(
                request,
                _("Subscription saved: the next report is sent on %(date)s.")
                % {"date": subscription.next_due},
            )
    except PermissionDenied as exc:
        form.refuse(exc)
        return _form_page(request, form, subscription, status=403)
    except AmahoroError as exc:
        form.refuse(exc)
        return _form_page(request, form, subscription, status=400)
    return redirect("reports:subscriptions")


@login_required
@require_http_methods(["GET", "POST"])
def subscription_create(request: HttpRequest) -> HttpResponse:
    if not subs.kinds_for(request.user):
        raise PermissionDenied(_("None of the reports is open to your roles."), code="permission_denied")
    if request.method == "POST":
        return _save(request, SubscriptionForm(request.POST, user=request.user), None)
    lang = request.LANGUAGE_CODE if request.LANGUAGE_CODE in kinds.LANGS else "en"
    return _form_page(
        request, SubscriptionForm(user=request.user, initial={"lang": lang, "active": True}), None
    )


@login_required
@require_http_methods(["GET", "POST"])
def subscription_edit(request: HttpRequest, uuid: Any) -> HttpResponse:
    subscription = _subscription(request, uuid)
    if request.method == "POST":
        return _save(request, SubscriptionForm(request.POST, user=request.user), subscription)
    return _form_page(
        request, SubscriptionForm(user=request.user, initial=_initial(subscription)), subscription
    )


@login_required
@require_http_methods(["GET", "POST"])
def subscription_delete(request: HttpRequest, uuid: Any) -> HttpResponse:
    subscription = _subscription(request, uuid)
    if request.method == "POST":
        subs.subscription_delete(actor=request.user, subscription=subscription)
        messages.success(request, _("Subscription deleted: no more reports will be sent."))
        return redirect("reports:subscriptions")
    titles = _titles()
    return render(
        request,
        "reports/subscriptions/delete.html",
        {"subscription": subscription, "title": titles.get(subscription.kind, subscription.kind)},
    )
