"""Real XLSForms (pyxform's own test files, see fixtures/README.md): the form_id of a form without
settings/form_id, uploads never becoming versions of forms they did not name, settings/submission_url,
and the media a form refers to (missing media, manifest, itemsets.csv for select_one_external)."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings

from amahoro.collection import services
from amahoro.collection.models import FormMedia, FormVersion, XForm
from amahoro.collection.xforms import md5_hex
from amahoro.core.errors import Conflict, ValidationFailed

from .factories import dialogue_form, upload, xlsx

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def _upload_file(actor: Any, org: Any, name: str, **kw: Any) -> XForm:
    return services.form_upload(actor=actor, organisation=org, content=fixture(name), filename=name, **kw)


def _api_upload(api_client: Any, content: bytes, name: str, **data: Any) -> Any:
    return api_client.post(
        "/api/v1/forms", {"xlsform": SimpleUploadedFile(name, content), **data}, format="multipart"
    )


def without_form_id(title: str = "A form") -> bytes:
    return xlsx(
        {
            "survey": [["type", "name", "label"], ["text", "q", "Q"]],
            "settings": [["form_title", "version"], [title, "1"]],
        }
    )


# ---------------------------------------------------------------------------------------------------------
# 10. form_id from the file name; no silent versions of another form


def test_form_without_settings_form_id_takes_its_file_name(cast: Any) -> None:
    form = _upload_file(cast.ngo_admin, cast.ngo, "UCL_Biomass_Plot_Form.xlsx")
    assert form.form_id == "UCL_Biomass_Plot_Form"
    assert 'id="UCL_Biomass_Plot_Form"' in form.xml
    widgets = _upload_file(cast.ngo_admin, cast.ngo, "widgets.xls")
    assert widgets.form_id == "widgets"
    assert XForm.objects.count() == 2 and FormVersion.objects.count() == 2


def test_real_form_does_not_become_a_version_of_an_unrelated_form(cast: Any) -> None:
    """Before: both forms were form_id "data" and UCL_Biomass_Plot_Form was stored as version 2 of the
    first one, so devices got the wrong form."""
    first = services.form_upload(
        actor=cast.ngo_admin, organisation=cast.ngo, content=without_form_id(), filename="data.xlsx"
    )
    assert first.form_id == "data"
    ucl = _upload_file(cast.ngo_admin, cast.ngo, "UCL_Biomass_Plot_Form.xlsx")
    assert ucl.pk != first.pk
    first.refresh_from_db()
    assert first.versions.count() == 1 and "UCL" not in first.xml


def test_upload_colliding_with_an_existing_form_id_is_409_without_naming_the_form(cast: Any) -> None:
    _upload_file(cast.ngo_admin, cast.ngo, "widgets.xls")
    with pytest.raises(Conflict, match=r"form_id 'widgets' \(taken from its file name") as err:
        services.form_upload(
            actor=cast.ngo_admin, organisation=cast.ngo, content=without_form_id(), filename="widgets.xlsx"
        )
    assert err.value.field == "xlsform"
    upload(cast.ngo_admin, cast.ngo)  # dialogue, settings/form_id
    with pytest.raises(Conflict, match=r"'dialogue' \(taken from its settings sheet\)"):
        services.form_upload(
            actor=cast.ngo_admin,
            organisation=cast.ngo,
            content=dialogue_form(version="2"),
            filename="other.xlsx",
        )
    assert XForm.objects.get(form_id="dialogue").versions.count() == 1


def test_new_version_when_the_upload_names_the_form(cast: Any) -> None:
    widgets = _upload_file(cast.ngo_admin, cast.ngo, "widgets.xls")
    # A renamed file without settings/form_id is a version of the form it is uploaded to.
    renamed = xlsx(
        {
            "survey": [["type", "name", "label"], ["text", "q", "Q"]],
            "settings": [["version"], ["2"]],
        }
    )
    again = services.form_upload(
        actor=cast.ngo_admin, content=renamed, filename="copy (2).xlsx", form=widgets
    )
    assert again.pk == widgets.pk and again.version == "2" and again.versions.count() == 2
    # An XLSForm naming another form_id is not a version of this one.
    with pytest.raises(ValidationFailed, match="settings/form_id is 'dialogue', not 'widgets'"):
        services.form_upload(actor=cast.ngo_admin, content=dialogue_form(), filename="d.xlsx", form=widgets)


def test_api_form_id_field_adds_a_version_and_409_without_it(cast: Any, api_client: Any) -> None:
    api_client.force_authenticate(cast.me_nyarugenge)
    first = _api_upload(api_client, dialogue_form(), "dialogue.xlsx")
    assert first.status_code == 201 and first.json()["form_id"] == "dialogue"
    clash = _api_upload(api_client, dialogue_form(version="2"), "dialogue.xlsx", organisation="NGO1")
    assert clash.status_code == 409 and clash.json()["field"] == "xlsform"
    assert "form_id=dialogue" in clash.json()["error"]
    again = _api_upload(api_client, dialogue_form(version="2"), "dialogue.xlsx", form_id="dialogue")
    assert again.status_code == 201, again.content
    assert again.json()["form_id"] == "dialogue" and again.json()["version"] == "2"
    assert again.json()["versions"] == ["2", "1"]
    # Naming a form one cannot manage (another organisation) or that does not exist: 404.
    api_client.force_authenticate(cast.police_me_nyarugenge)
    other = _api_upload(api_client, dialogue_form(version="3"), "dialogue.xlsx", form_id="dialogue")
    assert other.status_code == 404
    missing = _api_upload(api_client, dialogue_form(version="3"), "dialogue.xlsx", form_id="nope")
    assert missing.status_code == 404
    assert XForm.objects.get(form_id="dialogue").versions.count() == 2


def test_form_page_uploads_a_new_version(cast: Any, client: Client) -> None:
    form = upload(cast.ngo_admin, cast.ngo)
    client.force_login(cast.ngo_admin)
    page = client.get(f"/collection/forms/{form.form_id}/")
    assert 'id="version-form"' in page.content.decode()
    resp = client.post(
        f"/collection/forms/{form.form_id}/settings",
        {"xlsform": SimpleUploadedFile("whatever.xlsx", dialogue_form(version="2"))},
    )
    assert resp.status_code == 302
    form.refresh_from_db()
    assert form.version == "2"
    # The forms list page creates forms only: the same XLSForm there is refused, nothing changes.
    resp = client.post(
        "/collection/",
        {"xlsform": SimpleUploadedFile("d.xlsx", dialogue_form(version="3")), "organisation": "NGO1"},
    )
    assert resp.status_code == 400 and "exists already" in resp.content.decode()
    form.refresh_from_db()
    assert form.version == "2"


# ---------------------------------------------------------------------------------------------------------
# 11. settings/submission_url


def with_submission_url(url: str, form_id: str = "leaky") -> bytes:
    return xlsx(
        {
            "survey": [["type", "name", "label"], ["text", "q", "Q"]],
            "settings": [["form_id", "version", "submission_url"], [form_id, "1", url]],
        }
    )


def test_submission_url_to_a_foreign_server_is_refused(cast: Any) -> None:
    with pytest.raises(
        ValidationFailed, match=re.escape("settings/submission_url 'https://evil.example.org/submission'")
    ) as err:
        services.form_upload(
            actor=cast.ngo_admin,
            organisation=cast.ngo,
            content=with_submission_url("https://evil.example.org/submission"),
            filename="leaky.xlsx",
        )
    assert err.value.field == "xlsform" and err.value.code == "submission_url_refused"
    assert not XForm.objects.exists()


def test_submission_url_refused_over_the_api_with_400(cast: Any, api_client: Any) -> None:
    api_client.force_authenticate(cast.me_nyarugenge)
    resp = _api_upload(api_client, with_submission_url("https://evil.example.org/s"), "leaky.xlsx")
    assert resp.status_code == 400 and "submission_url" in resp.json()["error"]
    assert not XForm.objects.exists()


def test_submission_url_allowed_by_the_organisation_setting(cast: Any) -> None:
    url = "https://kobo.example.org/submission"
    with override_settings(COLLECTION_SUBMISSION_URLS={"NGO1": [url]}):
        form = services.form_upload(
            actor=cast.ngo_admin, organisation=cast.ngo, content=with_submission_url(url), filename="l.xlsx"
        )
    assert f'action="{url}"' in form.xml
    # Allowed for NGO1 only: another organisation's setting does not allow it.
    with (
        override_settings(COLLECTION_SUBMISSION_URLS={"RNP": [url]}),
        pytest.raises(ValidationFailed, match="submission_url"),
    ):
        services.form_upload(
            actor=cast.ngo_admin,
            organisation=cast.ngo,
            content=with_submission_url(url),
            filename="l.xlsx",
            form=form,
        )


# ---------------------------------------------------------------------------------------------------------
# 12. Media


def test_missing_media_listed_on_upload_detail_and_page(cast: Any, api_client: Any, client: Client) -> None:
    api_client.force_authenticate(cast.me_nyarugenge)
    resp = _api_upload(api_client, fixture("UCL_Biomass_Plot_Form.xlsx"), "UCL_Biomass_Plot_Form.xlsx")
    assert resp.status_code == 201
    expected = [
        "UCL_districts.csv",
        "UCL_regions.csv",
        "UCL_villages.csv",
        "ULC_Biomass_Plots.csv",
        "species_names.csv",
    ]
    assert resp.json()["missing_media"] == expected
    assert FormVersion.objects.get().media_expected == expected
    media = api_client.post(
        "/api/v1/forms/UCL_Biomass_Plot_Form/media",
        {"file": SimpleUploadedFile("species_names.csv", b"name,label\nacacia,Acacia\n", "text/csv")},
        format="multipart",
    )
    assert media.status_code == 201 and "species_names.csv" not in media.json()["missing_media"]
    detail = api_client.get("/api/v1/forms/UCL_Biomass_Plot_Form").json()
    assert detail["media"] == ["species_names.csv"] and len(detail["missing_media"]) == 4
    client.force_login(cast.ngo_admin)
    page = client.get("/collection/forms/UCL_Biomass_Plot_Form/").content.decode()
    assert 'id="missing-media"' in page and "UCL_villages.csv" in page


def test_images_in_choices_are_expected_media(cast: Any) -> None:
    form = _upload_file(cast.ngo_admin, cast.ngo, "widgets.xls")
    assert services.form_missing_media(form) == ["a.jpg", "b.jpg", "happy.jpg", "sad.jpg"]
    pulldata = _upload_file(cast.ngo_admin, cast.ngo, "pull_data.xlsx")
    assert services.form_missing_media(pulldata) == ["fruits.csv"]


def test_select_one_from_file_is_expected_media(cast: Any) -> None:
    content = xlsx(
        {
            "survey": [
                ["type", "name", "label"],
                ["select_one_from_file villages.csv", "village", "Village"],
                ["select_multiple_from_file services.xml", "services", "Services"],
                ["image", "photo", "Photo"],
            ],
            "settings": [["form_id", "version"], ["from_file", "1"]],
        }
    )
    form = services.form_upload(
        actor=cast.ngo_admin, organisation=cast.ngo, content=content, filename="f.xlsx"
    )
    # The photo question is an answer, not media the form needs.
    assert services.form_missing_media(form) == ["services.xml", "villages.csv"]


def test_select_one_external_gets_itemsets_csv_attached(cast: Any) -> None:
    form = _upload_file(cast.ngo_admin, cast.ngo, "choice_name_as_type.xls")
    media = FormMedia.objects.get(form=form, filename="itemsets.csv")
    rows = list(csv.DictReader(io.StringIO(bytes(media.content).decode())))
    assert [(r["list name"], r["name"], r["label"]) for r in rows] == [
        ("zone", "zone", "Zone"),
        ("type", "a", "Type A"),
    ]
    assert rows[1]["zone"] == "zone"  # the choice_filter column travels with the choices
    assert media.md5 == md5_hex(bytes(media.content)) and media.content_type == "text/csv"
    assert services.form_missing_media(form) == []


def test_manifest_url_once_media_is_attached_and_manifest_lists_md5(cast: Any) -> None:
    form = _upload_file(cast.ngo_admin, cast.ngo, "widgets.xls")
    _token, raw = services.token_create(actor=cast.ngo_admin, organisation=cast.ngo, name="Tablet")
    base = f"/openrosa/c/{raw}"
    c = Client()
    listing = c.get(f"{base}/formList").content.decode()
    assert "<formID>widgets</formID>" in listing and "<manifestUrl>" not in listing
    jpeg = b"\xff\xd8jpeg-a"
    services.form_media_add(actor=cast.ngo_admin, form=form, filename="a.jpg", content=jpeg)
    listing = c.get(f"{base}/formList").content.decode()
    assert f"<manifestUrl>http://testserver{base}/forms/widgets/manifest</manifestUrl>" in listing
    manifest = c.get(f"{base}/forms/widgets/manifest").content.decode()
    assert "<filename>a.jpg</filename>" in manifest
    assert f"<hash>md5:{md5_hex(jpeg)}</hash>" in manifest
    got = c.get(f"{base}/forms/widgets/media/a.jpg")
    assert got.status_code == 200 and got.content == jpeg


def test_forms_stored_before_the_rule_lose_a_foreign_submission_url(cast: Any) -> None:
    import importlib

    from django.apps import apps as global_apps

    from amahoro.collection.models import FormVersion, XForm
    from amahoro.collection.xforms import form_meta, md5_hex

    migration = importlib.import_module("amahoro.collection.migrations.0005_strip_foreign_submission_urls")
    url = "https://evil.example.org/submission"
    allowed = "https://kobo.example.org/submission"
    with override_settings(COLLECTION_SUBMISSION_URLS={"NGO1": [url, allowed]}):
        foreign = services.form_upload(
            actor=cast.ngo_admin, organisation=cast.ngo, content=with_submission_url(url), filename="a.xlsx"
        )
        kept = services.form_upload(
            actor=cast.ngo_admin,
            organisation=cast.ngo,
            content=with_submission_url(allowed, "kept"),
            filename="b.xlsx",
        )
    with override_settings(COLLECTION_SUBMISSION_URLS={"NGO1": [allowed]}):
        migration.forward(global_apps, None)
    foreign.refresh_from_db()
    assert url not in foreign.xml and "<submission" in foreign.xml and foreign.md5 == md5_hex(foreign.xml)
    version = FormVersion.objects.get(form=foreign)
    assert url not in version.xml and version.md5 == md5_hex(version.xml)
    assert form_meta(foreign.xml).submission_url == ""
    assert allowed in XForm.objects.get(pk=kept.pk).xml  # an allowed URL stays
    # An encrypted form's public key in the same element is kept.
    assert (
        migration.strip_actions(f'<submission action="{url}" base64RsaPublicKey="KEY" method="post"/>', set())
        == '<submission base64RsaPublicKey="KEY" method="post"/>'
    )
