"""/report/: the public report page (no sign-in)."""

from django.urls import path

from amahoro.warning import public

app_name = "report"
urlpatterns = [path("", public.report_view, name="form")]
