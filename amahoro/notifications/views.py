"""Notification pages (under /notifications/): the bell's partial (htmx), the list with each notification's
delivery log, marking read, the user's channel settings, and the failed deliveries for administrators.
Each user sees their own notifications only: another's answers 404 as a missing one does."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from amahoro import policy
from amahoro.core.errors import AmahoroError, NotFound, PermissionDenied
from amahoro.roles import Perm

from . import events, selectors, services
from .models import Notification

PAGE_SIZE = 50
BELL_ITEMS = 8
STOP_POLLING = 286  # htmx: stop the `every 60s` trigger
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def _mask(phone: str) -> str:
    return "•••• " + phone[-3:] if phone else ""


def _own(request: HttpRequest, uuid: Any) -> Notification:
    try:
        return selectors.access_notification(user=request.user, id=uuid)
    except NotFound:
        raise Http404("not found") from None


def _safe_link(request: HttpRequest, link: str) -> str:
    ok = url_has_allowed_host_and_scheme(link, allowed_hosts={request.get_host()}, require_https=False)
    return link if link and ok else ""


@require_GET
def bell_count(request: HttpRequest) -> HttpResponse:
    """The header's unread count, re-fetched by htmx every minute (one indexed COUNT). Once the session has
    ended, 286 tells htmx to stop polling (instead of swapping the sign-in page into the header)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=STOP_POLLING)
    return render(
        request,
        "notifications/_bell_count.html",
        {"notifications_unread": selectors.unread_count(user=request.user)},
    )


@login_required
@require_GET
def bell_list(request: HttpRequest) -> HttpResponse:
    """The latest few notifications, loaded when the bell's menu opens."""
    return render(
        request,
        "notifications/_bell_list.html",
        {"latest": list(selectors.notifications_of(user=request.user)[:BELL_ITEMS])},
    )


@login_required
@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    unread = request.GET.get("unread") in ("1", "true")
    page = Paginator(selectors.notifications_of(user=request.user, unread=unread), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "notifications/list.html",
        {
            "page": page,
            "unread_only": unread,
            "unread": selectors.unread_count(user=request.user),
            "may_see_failures": policy.has_perm(request.user, Perm.USER_MANAGE),
        },
    )


@login_required
@require_POST
def notification_read(request: HttpRequest, uuid: Any) -> HttpResponse:
    """Mark read; `?go=1` then follows the notification's link (the "open" button)."""
    notification = services.notification_mark_read(actor=request.user, notification=_own(request, uuid))
    if request.POST.get("go") and _safe_link(request, notification.link):
        return redirect(notification.link)
    return redirect("notifications:list")


@login_required
@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    n = services.notifications_mark_all_read(actor=request.user)
    messages.success(
        request, ngettext("%(n)d notification marked read.", "%(n)d notifications marked read.", n) % {"n": n}
    )
    return redirect("notifications:list")


@login_required
@require_POST
def delivery_retry(request: HttpRequest, id: int) -> HttpResponse:
    try:
        delivery = selectors.access_delivery(user=request.user, id=id)
    except NotFound:
        raise Http404("not found") from None
    services.delivery_retry(actor=request.user, delivery=delivery)
    messages.success(request, _("It will be sent again in a moment."))
    return redirect("notifications:list")


class PreferenceForm(forms.Form):
    email = forms.BooleanField(label=gettext_lazy("E-mail"), required=False)
    sms = forms.BooleanField(
        label=gettext_lazy("SMS"),
        required=False,
        help_text=gettext_lazy("Only for what cannot wait (for example an urgent referral)."),
    )
    phone = forms.CharField(
        label=gettext_lazy("Mobile number for SMS"),
        required=False,
        max_length=30,
        help_text=gettext_lazy("Stored encrypted. Leave empty to keep the number you gave before."),
    )
    clear_phone = forms.BooleanField(label=gettext_lazy("Remove my number"), required=False)
    muted_events = forms.MultipleChoiceField(
        label=gettext_lazy("Only in the app, never by e-mail or SMS"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: forms.MultipleChoiceField = self.fields["muted_events"]  # type: ignore[assignment]
        field.choices = [
            (e.code, _event_label(e)) for e in sorted(events.EVENTS.values(), key=lambda e: e.code)
        ]


def _event_label(event: events.Event) -> str:
    """The event's title with its placeholders as "…" (the form lists events, not notifications)."""
    return f"{re.sub(PLACEHOLDER, '…', str(event.title))} ({event.code})"


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: HttpRequest) -> HttpResponse:
    preference = services.preference_of(request.user)
    status = 200
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            phone = "" if data["clear_phone"] else (data["phone"] or None)
            try:
                services.preference_update(
                    actor=request.user,
                    email=data["email"],
                    sms=data["sms"],
                    phone=phone,
                    muted_events=data["muted_events"],
                )
            except AmahoroError as exc:
                form.add_error(exc.field if exc.field in form.fields else None, exc.message)
                status = 400
            else:
                messages.success(request, _("Your notification settings are saved."))
                return redirect("notifications:preferences")
        else:
            status = 400
    else:
        form = PreferenceForm(
            initial={
                "email": preference.email,
                "sms": preference.sms,
                "muted_events": preference.muted_events,
            }
        )
    return render(
        request,
        "notifications/preferences.html",
        {
            "form": form,
            "phone_masked": _mask(preference.phone),
            "has_email": bool(getattr(request.user, "email", "")),
        },
        status=status,
    )


@login_required
@require_GET
def delivery_failures(request: HttpRequest) -> HttpResponse:
    if not policy.has_perm(request.user, Perm.USER_MANAGE):
        raise PermissionDenied(_("Only those who manage users see failed deliveries."))
    return render(
        request,
        "notifications/failures.html",
        {"failures": selectors.delivery_failures_visible_to(user=request.user)},
    )
