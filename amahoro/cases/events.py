"""The notifications the referral pathway sends (registered in CasesConfig.ready). Their wording names the
case by survivor code only, with the service, urgency and organisations: never a name, phone or account."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from amahoro.notifications.events import Event, register


def register_events() -> None:
    register(
        Event(
            "referral.received",
            _("New referral %(code)s: %(service)s (%(urgency)s)"),
            _(
                "%(referrer)s referred survivor %(code)s to %(provider)s for %(service)s. Open the referral inbox to accept or decline it."
            ),
            urgent=True,
        )
    )
    register(Event("referral.accepted", _("Referral %(code)s accepted by %(provider)s"), _("%(service)s")))
    register(
        Event(
            "referral.declined",
            _("Referral %(code)s declined by %(provider)s"),
            _("%(service)s: see the reason on the case and refer elsewhere if needed."),
        )
    )
    register(Event("referral.completed", _("Referral %(code)s completed by %(provider)s"), _("%(service)s")))
    # Consent withdrawn: the receiver learns nothing but that the referral is closed.
    register(Event("referral.closed", _("Referral %(code)s was closed")))
    register(
        Event(
            "referral.overdue",
            _("Referral %(code)s awaits a reply from %(provider)s"),
            _("%(service)s (%(urgency)s): no reply by the due time. Follow it up with the provider."),
            urgent=True,
        )
    )
