from __future__ import annotations

from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from amahoro.audit.models import AuditEvent
from amahoro.collection import encryption, selectors, services
from amahoro.collection.models import FormVersion, Submission, XForm
from amahoro.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from .factories import dialogue_form, instance_xml, upload, xlsx

pytestmark = pytest.mark.django_db


def test_upload_converts_groups_repeats_or_other_and_calculations(cast: Any) -> None:
    form = upload(cast.ngo_admin, cast.ngo)
    assert form.form_id == "dialogue" and form.version == "1" and form.organisation == cast.ngo
    schema = services.form_schema(form)
    names = {f.name: f for f in schema.fields}
    assert schema.repeats == ["participant"]
    assert names["p_sex"].repeat == "participant"
    assert names["fac_sex"].type == "select1" and names["topics"].type == "select"
    assert "topics_other" in names and names["location"].type == "geopoint"
    assert "<bind" in form.xml and 'calculate=" /data/men  +  /data/women "' in form.xml
    assert AuditEvent.objects.filter(object_type="collection.xform", action="create").count() == 1


def test_every_version_is_kept_and_same_version_other_content_is_refused(cast: Any) -> None:
    upload(cast.ngo_admin, cast.ngo)
    upload(cast.ngo_admin, cast.ngo)  # identical: no new version
    form = upload(cast.ngo_admin, cast.ngo, version="2")
    assert form.version == "2"
    assert list(FormVersion.objects.filter(form=form).values_list("version", flat=True)) == ["2", "1"]
    bad = xlsx(
        {
            "survey": [["type", "name", "label"], ["text", "x", "X"]],
            "settings": [["form_id", "version"], ["dialogue", "2"]],
        }
    )
    with pytest.raises(ValidationFailed, match="raise settings/version"):
        services.form_upload(actor=cast.ngo_admin, content=bad, filename="d.xlsx", form=form)


def test_pyxform_error_is_a_400_with_its_row_and_nothing_is_stored(cast: Any) -> None:
    bad = xlsx({"survey": [["type", "name", "label"], ["begin group", "g", "G"], ["text", "x", "X"]]})
    with pytest.raises(ValidationFailed, match=r"row : 2.*Unmatched 'begin_group'") as err:
        services.form_upload(actor=cast.ngo_admin, organisation=cast.ngo, content=bad, filename="bad.xlsx")
    assert err.value.field == "xlsform"
    with pytest.raises(ValidationFailed, match=r"must be a \.xlsx"):
        services.form_upload(actor=cast.ngo_admin, organisation=cast.ngo, content=b"x", filename="form.pdf")
    assert not XForm.objects.exists() and not FormVersion.objects.exists()


def test_form_id_of_another_organisation_is_refused(cast: Any) -> None:
    upload(cast.ngo_admin, cast.ngo)
    with pytest.raises(ValidationFailed, match="another organisation"):
        upload(cast.sysadmin, cast.police)


def test_viewer_may_not_upload(cast: Any) -> None:
    with pytest.raises(PermissionDenied):
        upload(cast.viewer_nyarugenge, cast.ngo)


def test_submission_is_flattened_and_placed_by_the_village_field(cast: Any, village: Any) -> None:
    form = upload(cast.ngo_admin, cast.ngo)
    services.form_set_options(actor=cast.ngo_admin, form=form, org_unit_field="village")
    got = services.submission_receive(xml=instance_xml(village=village.code), user=cast.clerk_sector)
    sub = got.submission
    assert got.created and sub.org_unit == village and sub.submitted_by == cast.clerk_sector
    assert sub.data["fac_sex"] == "F" and sub.data["men"] == "4" and sub.data["topics"] == "gbv other"
    assert sub.data["participant"] == [{"p_sex": "F", "p_age": "15_24"}, {"p_sex": "M", "p_age": "25_49"}]
    assert sub.form_version is not None and sub.form_version.version == "1"
    assert list(selectors.submissions_for_form(form_id="dialogue")) == [sub]


def test_without_a_village_field_the_submitter_assignment_places_it(cast: Any) -> None:
    upload(cast.ngo_admin, cast.ngo)
    sub = services.submission_receive(xml=instance_xml(), user=cast.clerk_sector).submission
    assert sub.org_unit is not None and sub.org_unit.code == "1101"


def test_identical_resend_is_stored_once_and_different_xml_conflicts(cast: Any) -> None:
    upload(cast.ngo_admin, cast.ngo)
    xml = instance_xml(instance_id="uuid:one")
    first = services.submission_receive(xml=xml, user=cast.clerk_sector)
    again = services.submission_receive(
        xml=xml, user=cast.clerk_sector, files=[services.UploadedFile("photo.jpg", b"\xff\xd8jpeg")]
    )
    assert first.created and not again.created and again.submission.pk == first.submission.pk
    assert Submission.objects.count() == 1
    assert [a.filename for a in again.submission.attachments.all()] == ["photo.jpg"]
    with pytest.raises(Conflict):
        services.submission_receive(xml=instance_xml(instance_id="uuid:one", men=9), user=cast.clerk_sector)
    assert Submission.objects.count() == 1


def test_edit_with_deprecated_id_replaces_and_keeps_history(cast: Any) -> None:
    upload(cast.ngo_admin, cast.ngo)
    services.submission_receive(xml=instance_xml(instance_id="uuid:one"), user=cast.clerk_sector)
    new = services.submission_receive(
        xml=instance_xml(instance_id="uuid:two", deprecated_id="uuid:one", men=5), user=cast.clerk_sector
    ).submission
    old = Submission.objects.get(instance_id="uuid:one")
    assert not old.is_current and old.replaced_by == new
    assert [s.instance_id for s in selectors.submissions_for_form(form_id="dialogue")] == ["uuid:two"]
    assert [s.instance_id for s in selectors.submission_history(submission=new)] == ["uuid:two", "uuid:one"]
    assert AuditEvent.objects.filter(
        object_type="collection.submission", message__contains="edit replaces"
    ).exists()


def test_unknown_form_bad_xml_and_missing_instance_id_store_nothing(cast: Any) -> None:
    upload(cast.ngo_admin, cast.ngo)
    with pytest.raises(NotFound):
        services.submission_receive(xml=instance_xml(form_id="nope"), user=cast.clerk_sector)
    with pytest.raises(ValidationFailed, match="malformed"):
        services.submission_receive(xml=b"<data id='dialogue'><oops></data>", user=cast.clerk_sector)
    xxe = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]><data id="dialogue">&x;</data>'
    with pytest.raises(ValidationFailed, match="refused"):
        services.submission_receive(xml=xxe, user=cast.clerk_sector)
    with pytest.raises(ValidationFailed, match="instanceID"):
        services.submission_receive(xml=b'<data id="dialogue"><men>1</men></data>', user=cast.clerk_sector)
    assert not Submission.objects.exists()


def test_other_organisation_may_not_submit_and_selector_scopes_by_district(cast: Any, village: Any) -> None:
    form = upload(cast.ngo_admin, cast.ngo)
    services.form_set_options(actor=cast.ngo_admin, form=form, org_unit_field="village")
    with pytest.raises(PermissionDenied):
        services.submission_receive(xml=instance_xml(), user=cast.police_me_nyarugenge)
    services.submission_receive(xml=instance_xml(village=village.code), user=cast.clerk_sector)
    assert selectors.submissions_for_form(form_id="dialogue", user=cast.me_nyarugenge).count() == 1
    assert selectors.submissions_for_form(form_id="dialogue", user=cast.me_gasabo).count() == 0
    assert selectors.submissions_for_form(form_id="dialogue", user=cast.police_me_nyarugenge).count() == 0


def test_collector_token_restricted_to_forms_and_revocable(cast: Any) -> None:
    form = upload(cast.ngo_admin, cast.ngo)
    other = services.form_upload(
        actor=cast.ngo_admin,
        organisation=cast.ngo,
        content=xlsx(
            {"survey": [["type", "name", "label"], ["text", "x", "X"]], "settings": [["form_id"], ["other"]]}
        ),
        filename="o.xlsx",
    )
    token, raw = services.token_create(
        actor=cast.ngo_admin, organisation=cast.ngo, name="Tablet 3", forms=[form]
    )
    assert token.token_hash != raw and services.token_lookup(raw) == token
    assert services.may_submit(form=form, token=token) and not services.may_submit(form=other, token=token)
    with pytest.raises(PermissionDenied):
        services.token_create(actor=cast.police_me_nyarugenge, organisation=cast.ngo, name="x")
    services.token_revoke(actor=cast.ngo_admin, token=token)
    assert services.token_lookup(raw) is None


def _keypair() -> tuple[bytes, str]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return pem, encryption.public_key_setting(key)


def test_encrypted_submission_is_stored_and_decrypted_with_the_private_key(cast: Any) -> None:
    pem, public = _keypair()
    form = upload(cast.ngo_admin, cast.ngo, form_id="gbv", public_key=public)
    assert form.encrypted and form.public_key == public
    plain = instance_xml(form_id="gbv", instance_id="uuid:enc-1")
    record = encryption.encrypt_record(
        public_key_setting_b64=public,
        form_id="gbv",
        version="1",
        instance_id="uuid:enc-1",
        xml=plain,
        media={"photo.jpg": b"\xff\xd8 a photo"},
    )
    files = [services.UploadedFile(n, b) for n, b in record.files.items()]
    sub = services.submission_receive(xml=record.envelope, files=files, user=cast.clerk_sector).submission
    assert sub.encrypted and sub.data == {} and b"<men>" not in sub.xml.encode()
    with pytest.raises(ValidationFailed, match="private key"):
        services.submission_decrypt(submission=sub)
    _wrong_pem, _ = _keypair()
    with pytest.raises(ValidationFailed, match="does not match"):
        services.form_private_key_set(actor=cast.ngo_admin, form=form, pem=_wrong_pem)
    services.form_private_key_set(actor=cast.ngo_admin, form=form, pem=pem)
    form.refresh_from_db()
    assert pem not in bytes(form.private_key_enc)
    opened = services.submission_decrypt(submission=sub)
    assert opened.xml == plain and opened.media == {"photo.jpg": b"\xff\xd8 a photo"} and opened.signature_ok
    assert services.submission_data(submission=sub)["participant"][0] == {"p_sex": "F", "p_age": "15_24"}


def test_plain_submission_to_encrypted_form_is_refused(cast: Any) -> None:
    _pem, public = _keypair()
    upload(cast.ngo_admin, cast.ngo, form_id="gbv", public_key=public)
    with pytest.raises(ValidationFailed, match="encrypt"):
        services.submission_receive(xml=instance_xml(form_id="gbv"), user=cast.clerk_sector)


def test_review_and_edit_are_audited_and_scoped(cast: Any) -> None:
    upload(cast.ngo_admin, cast.ngo)
    sub = services.submission_receive(xml=instance_xml(), user=cast.clerk_sector).submission
    with pytest.raises(PermissionDenied):
        services.submission_review(actor=cast.me_gasabo, submission=sub, state="approved")
    services.submission_review(actor=cast.me_nyarugenge, submission=sub, state="has_issues", comment="men?")
    services.submission_edit(actor=cast.me_nyarugenge, submission=sub, changes={"men": "6"})
    sub.refresh_from_db()
    assert sub.review_state == "has_issues" and sub.data["men"] == "6"
    ev = AuditEvent.objects.filter(object_type="collection.submission", message="answers edited").get()
    assert ev.changes == {"men": ["4", "6"]}
    with pytest.raises(ValidationFailed, match="no top-level field"):
        services.submission_edit(actor=cast.me_nyarugenge, submission=sub, changes={"p_sex": "F"})


def test_dialogue_form_bytes_are_a_workbook() -> None:
    assert dialogue_form()[:2] == b"PK"
