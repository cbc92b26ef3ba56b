"""Classification codes are shown as labels in the active language, never as `child_sexual_abuse`."""

from __future__ import annotations

from django.template import Context, Template
from django.utils import translation

from amahoro.cases import classification as cl
from amahoro.cases import labels
from amahoro.cases.forms import IncidentForm


def test_every_code_has_a_label() -> None:
    for kind, codes in (
        ("context", cl.CONTEXTS),
        ("relationship", cl.RELATIONSHIPS),
        ("abduction", cl.ABDUCTION),
    ):
        assert all(labels.label(kind, c) != c for c in codes), kind
    assert labels.label("age_group", "61+") == "61 years and over"
    assert labels.label("context", "not_a_code") == "not_a_code"  # unknown: the code, not an error
    assert labels.choices("abduction")[1][0] == "forced_conscription"


def test_the_template_filter_prints_the_label_in_the_active_language() -> None:
    template = Template('{% load case_labels %}{{ c|case_label:"context" }} / {{ s|case_label:"sex" }}')
    with translation.override("rw"):
        html = template.render(Context({"c": "child_sexual_abuse", "s": "female"}))
    assert "child_sexual_abuse" not in html and "female" not in html


def test_form_choices_follow_the_language_of_the_page() -> None:
    with translation.override("en"):
        english = str(dict(IncidentForm(places=[]).fields["survivor_sex"].choices)["female"])
    with translation.override("rw"):
        kinyarwanda = str(dict(IncidentForm(places=[]).fields["survivor_sex"].choices)["female"])
    assert english == "Female" and kinyarwanda != "Female"


def test_a_cases_service_type_reads_as_the_directory_names_that_service() -> None:
    """One name per service on both sides of a referral ("Police / RIB investigation", "Economic
    empowerment"); the stored codes are the same."""
    from amahoro.cases.models import ServiceType
    from amahoro.directory.models import ServiceKind

    def names(choices: list[tuple[str, object]]) -> dict[str, str]:
        return {code: str(label) for code, label in choices}

    assert names(ServiceType.choices) == names(ServiceKind.choices)
    assert names(ServiceType.choices)["police"] == "Police / RIB investigation"
    assert names(ServiceType.choices)["livelihoods"] == "Economic empowerment"
