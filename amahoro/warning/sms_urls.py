"""The inbound SMS endpoint (under /api/v1/): one URL per channel, authenticated by the channel's secret."""

from django.urls import path

from amahoro.warning import sms

urlpatterns = [
    path("ewer/inbound/sms/<slug:channel>", sms.inbound_sms_view, name="ewer-inbound-sms"),
]
