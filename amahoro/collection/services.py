"""Writes for field data collection: form uploads (pyxform), media, collector tokens, receiving submissions
exactly once, reviews and edits, private keys for encrypted forms. Every write is atomic and audited."""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pyxform.errors import PyXFormError
from pyxform.xls2xform import convert

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record, diff
from amahoro.core import crypto
from amahoro.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from amahoro.core.tabular import check_xlsx_archive
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.roles import Perm

from . import encryption
from .models import (
    Attachment,
    CollectorToken,
    FormMedia,
    FormVersion,
    ReviewState,
    Submission,
    XForm,
)
from .xforms import FormMeta, XMLRefused, form_meta, md5_hex, parse_instance

log = logging.getLogger(__name__)

COLLECT_PERMS = (Perm.DATA_ENTER, Perm.FORM_MANAGE)
XLSFORM_TYPES = {".xlsx": ".xlsx", ".xlsm": ".xlsm", ".xls": ".xls", ".csv": ".csv"}


# ---------------------------------------------------------------------------------------------------------
# Forms


def holds_in_org(user: Any, perm: Perm, organisation_id: int) -> bool:
    """Forms are the organisation's, wherever in the country the user works for it."""
    return any(g.is_global or g.organisation_id == organisation_id for g in policy.grants_with(user, perm))


def _organisation_for(actor: Any, organisation: Organisation | None, perm: Perm) -> Organisation:
    if organisation is not None:
        if not holds_in_org(actor, perm, organisation.pk):
            raise PermissionDenied(
                _("You may not manage forms of %(org)s") % {"org": organisation.code}, field="organisation"
            )
        return organisation
    org_ids = policy.organisations_with(actor, perm)
    if org_ids is not None and len(org_ids) == 1:
        return Organisation.objects.get(pk=next(iter(org_ids)))
    if org_ids == set():
        raise PermissionDenied(_("You may not manage forms"))
    raise ValidationFailed(_("Say which organisation the form belongs to"), field="organisation")


def _convert(content: bytes, filename: str) -> str:
    ext = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    file_type = XLSFORM_TYPES.get(ext)
    if file_type is None:
        raise ValidationFailed(
            _("An XLSForm must be a .xlsx, .xls or .csv file, not '%(name)s'") % {"name": filename},
            field="xlsform",
        )
    if file_type in (".xlsx", ".xlsm"):
        check_xlsx_archive(content, field="xlsform")  # pyxform opens it with openpyxl: guard it first
    try:
        return str(convert(xlsform=content, file_type=file_type).xform)
    except PyXFormError as exc:
        raise ValidationFailed(_("XLSForm refused: %(msg)s") % {"msg": exc}, field="xlsform") from exc
    except Exception as exc:
        raise ValidationFailed(
            _("XLSForm could not be read: %(msg)s") % {"msg": exc}, field="xlsform"
        ) from exc


@transaction.atomic
def form_upload(
    *, actor: Any, content: bytes, filename: str, organisation: Organisation | None = None
) -> XForm:
    """Convert an XLSForm and store it as a new version of its form (a new form for a new form_id)."""
    org = _organisation_for(actor, organisation, Perm.FORM_MANAGE)
    xml = _convert(content, filename)
    meta = form_meta(xml)
    if not meta.form_id:
        raise ValidationFailed(_("The XLSForm gives no form_id"), field="xlsform")
    md5 = md5_hex(xml)
    form = XForm.objects.select_for_update().filter(form_id=meta.form_id).first()
    if form is not None:
        if form.organisation_id != org.pk:
            raise ValidationFailed(
                _("form_id '%(id)s' is already used by another organisation: change settings/form_id")
                % {"id": meta.form_id},
                field="xlsform",
            )
        if not policy.can(actor, Perm.FORM_MANAGE, form):
            raise PermissionDenied(_("You may not change this form"))
        same = form.versions.filter(version=meta.version).first()
        if same is not None:
            if same.md5 == md5:
                return form
            raise ValidationFailed(
                _("Version '%(v)s' of '%(id)s' exists with other content: raise settings/version")
                % {"v": meta.version, "id": meta.form_id},
                field="xlsform",
            )
        before = {"version": form.version, "md5": form.md5}
    else:
        form = XForm(organisation=org, form_id=meta.form_id, created_by=actor)
        before = {}
    form.title = meta.title or meta.form_id
    form.version = meta.version
    form.md5 = md5
    form.xml = xml
    form.xlsform = content
    form.xlsform_name = filename[:255]
    form.public_key = meta.public_key
    form.save()
    FormVersion.objects.create(
        form=form,
        version=meta.version,
        md5=md5,
        xml=xml,
        xlsform=content,
        xlsform_name=filename[:255],
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        obj=form,
        organisation_id=org.pk,
        changes=diff(before, {"version": form.version, "md5": md5}),
        message=f"XLSForm {filename} uploaded",
    )
    return form


_SCHEMAS: dict[tuple[int, str], FormMeta] = {}
# The XForm fields receiving a submission reads (may_submit, form_schema, _org_unit_for, the checks).
RECEIVE_FORM_FIELDS = ("pk", "form_id", "organisation_id", "md5", "public_key", "org_unit_field", "is_active")


def _remember(store: dict[Any, Any], key: Any, build: Callable[[], Any], limit: int) -> Any:
    """A per-process memo: `build()` once per key (a None result is not kept); emptied past `limit` keys."""
    found = store.get(key)
    if found is None:
        found = build()
        if found is not None:
            if len(store) > limit:
                store.clear()
            store[key] = found
    return found


def form_schema(form: XForm) -> FormMeta:
    """The form's fields, cached per process by (form, md5): the XML is read only when it changed."""

    def build() -> FormMeta:
        xml = form.__dict__.get("xml")
        if xml is None:  # deferred on the hot path
            xml = XForm.objects.filter(pk=form.pk).values_list("xml", flat=True).get()
        return form_meta(xml)

    return _remember(_SCHEMAS, (form.pk, form.md5), build, 256)  # type: ignore[no-any-return]


@transaction.atomic
def form_media_add(
    *, actor: Any, form: XForm, filename: str, content: bytes, content_type: str = ""
) -> FormMedia:
    if not policy.can(actor, Perm.FORM_MANAGE, form):
        raise PermissionDenied(_("You may not change this form"))
    name = filename.rsplit("/", 1)[-1]
    if not name:
        raise ValidationFailed(_("The media file needs a name"), field="file")
    media, _created = FormMedia.objects.update_or_create(
        form=form,
        filename=name,
        defaults={"content": content, "content_type": content_type, "md5": md5_hex(content)},
    )
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=form,
        organisation_id=form.organisation_id,
        message=f"media file {name} added",
    )
    return media


@transaction.atomic
def form_set_options(
    *, actor: Any, form: XForm, org_unit_field: str | None = None, is_active: bool | None = None
) -> XForm:
    if not policy.can(actor, Perm.FORM_MANAGE, form):
        raise PermissionDenied(_("You may not change this form"))
    before = {"org_unit_field": form.org_unit_field, "is_active": form.is_active}
    if org_unit_field is not None:
        if org_unit_field and form_schema(form).field_named(org_unit_field) is None:
            raise ValidationFailed(
                _("The form has no field named '%(f)s'") % {"f": org_unit_field}, field="org_unit_field"
            )
        form.org_unit_field = org_unit_field
    if is_active is not None:
        form.is_active = is_active
    form.save()
    after = {"org_unit_field": form.org_unit_field, "is_active": form.is_active}
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=form,
        organisation_id=form.organisation_id,
        changes=diff(before, after),
    )
    return form


@transaction.atomic
def form_private_key_set(*, actor: Any, form: XForm, pem: bytes) -> XForm:
    """Keep the organisation's private key (encrypted at rest) so it can decrypt this form's submissions."""
    if not policy.can(actor, Perm.FORM_MANAGE, form):
        raise PermissionDenied(_("You may not change this form"))
    if not form.public_key:
        raise ValidationFailed(
            _("This form is not encrypted (no public_key in its settings)"), field="private_key"
        )
    try:
        key = encryption.load_private_key(pem)
    except encryption.DecryptionError as exc:
        raise ValidationFailed(str(exc), field="private_key") from exc
    if not encryption.keys_match(key, form.public_key):
        raise ValidationFailed(
            _("This private key does not match the form's public_key"), field="private_key"
        )
    form.private_key_enc = crypto.encrypt_bytes(pem)
    form.save(update_fields=["private_key_enc", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=form,
        organisation_id=form.organisation_id,
        changes={"private_key": "[scrubbed]"},
        message="private key uploaded",
    )
    return form


# ---------------------------------------------------------------------------------------------------------
# Collector tokens


def _token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def token_create(
    *,
    actor: Any,
    organisation: Organisation,
    name: str,
    forms: list[XForm] | None = None,
    org_unit: OrgUnit | None = None,
) -> tuple[CollectorToken, str]:
    """A new device token; the raw value is returned once and only its hash is kept."""
    allowed = (
        policy.can_in(actor, Perm.FORM_MANAGE, organisation=organisation, org_unit=org_unit)
        if org_unit is not None
        else holds_in_org(actor, Perm.FORM_MANAGE, organisation.pk)
    )
    if not allowed:
        raise PermissionDenied(_("You may not issue collector tokens for this organisation"))
    if not name.strip():
        raise ValidationFailed(_("Give the token a name (who or which device holds it)"), field="name")
    for form in forms or []:
        if form.organisation_id != organisation.pk:
            raise ValidationFailed(
                _("Form %(id)s belongs to another organisation") % {"id": form.form_id}, field="forms"
            )
    raw = secrets.token_urlsafe(24)
    token = CollectorToken.objects.create(
        organisation=organisation,
        name=name.strip(),
        token_hash=_token_hash(raw),
        prefix=raw[:8],
        org_unit=org_unit,
        created_by=actor,
    )
    token.forms.set(forms or [])
    audit_record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=token,
        organisation_id=organisation.pk,
        message=f"collector token {token.prefix}… issued",
    )
    return token, raw


@transaction.atomic
def token_revoke(*, actor: Any, token: CollectorToken) -> CollectorToken:
    if not policy.can(actor, Perm.FORM_MANAGE, token):
        raise PermissionDenied(_("You may not revoke this token"))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
        audit_record(actor=actor, action=AuditAction.REVOKE, obj=token, organisation_id=token.organisation_id)
    return token


def token_lookup(raw: str) -> CollectorToken | None:
    token = (
        CollectorToken.objects.select_related("organisation", "org_unit")
        .filter(token_hash=_token_hash(raw), revoked_at__isnull=True)
        .first()
    )
    if token is not None and (
        token.last_used_at is None or (timezone.now() - token.last_used_at).seconds > 300
    ):
        CollectorToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token


# ---------------------------------------------------------------------------------------------------------
# Who may collect


def may_submit(*, form: XForm, user: Any = None, token: CollectorToken | None = None) -> bool:
    if not form.is_active:
        return False
    if token is not None:
        if token.revoked_at is not None or token.organisation_id != form.organisation_id:
            return False
        allowed = list(token.forms.values_list("pk", flat=True))
        return not allowed or form.pk in allowed
    if user is None:
        return False
    # Enumerators: anyone who enters data or manages forms for the form's organisation (anywhere in it).
    return any(holds_in_org(user, perm, form.organisation_id) for perm in COLLECT_PERMS)


def forms_for_collector(*, user: Any = None, token: CollectorToken | None = None) -> list[XForm]:
    if token is not None:
        qs = XForm.objects.filter(organisation_id=token.organisation_id, is_active=True)
        allowed = list(token.forms.values_list("pk", flat=True))
        if allowed:
            qs = qs.filter(pk__in=allowed)
        return list(qs.prefetch_related("media"))
    forms = policy.visible(
        user, Perm.FORM_VIEW, XForm.objects.filter(is_active=True).prefetch_related("media")
    )
    return [f for f in forms if may_submit(form=f, user=user)]


# ---------------------------------------------------------------------------------------------------------
# Receiving submissions


@dataclass
class Received:
    submission: Submission
    created: bool  # False: an identical resend (stored once)


@dataclass
class UploadedFile:
    name: str
    content: bytes
    content_type: str = ""


def _org_unit_for(
    form: XForm, data: dict[str, Any], user: Any, token: CollectorToken | None
) -> OrgUnit | None:
    units = OrgUnit.objects.only("pk", "code", "path").order_by()  # what a submission keeps of it
    if form.org_unit_field:
        code = str(data.get(form.org_unit_field) or "").strip()
        if code:
            # Exact first (indexed); NISR codes are digits, other schemes may differ in case.
            unit = units.filter(code=code).first() or units.filter(code__iexact=code).first()
            if unit is not None:
                return unit
    if token is not None and token.org_unit_id:
        return token.org_unit
    if user is not None:
        paths = [
            g.path
            for g in policy.grants(user)
            if g.organisation_id == form.organisation_id and g.path is not None
        ]
        if len(set(paths)) == 1:
            return units.filter(path=paths[0]).first()
    return None


def _store_attachments(submission: Submission, files: list[UploadedFile]) -> None:
    if not files:
        return
    existing = set(submission.attachments.values_list("filename", flat=True))
    Attachment.objects.bulk_create(
        [
            Attachment(
                submission=submission,
                filename=f.name[:255],
                content_type=f.content_type[:100],
                content_enc=crypto.encrypt_bytes(f.content),
                size=len(f.content),
                md5=md5_hex(f.content),
            )
            for f in files
            if f.name not in existing
        ]
    )


def _refuse(exc: Exception, form_id: str) -> None:
    log.info("submission refused (form %s): %s", form_id or "?", exc)


def submission_receive(
    *,
    xml: bytes,
    files: list[UploadedFile] | None = None,
    user: Any = None,
    token: CollectorToken | None = None,
) -> Received:
    """Store one OpenRosa submission exactly once (by form and meta/instanceID).

    Identical resend: stored once (extra attachments of a split upload are added). Same instanceID with
    other XML: Conflict. meta/deprecatedID: the new version replaces the old one, which stays as history.
    Refusals raise (ValidationFailed 400, NotFound 404, PermissionDenied 403, Conflict 409); nothing is
    stored and a log line says why.
    """
    files = files or []
    form_id = ""
    try:
        try:
            head = parse_instance(xml)
        except XMLRefused as exc:
            raise ValidationFailed(str(exc), field="xml_submission_file") from exc
        form_id = head.form_id
        # Only what receiving needs (the XML, XLSForm and key are large and read elsewhere).
        form = XForm.objects.only(*RECEIVE_FORM_FIELDS).filter(form_id=form_id).order_by().first()
        if form is None or not may_submit(form=form, user=user, token=token):
            if form is not None and form.is_active and (user is not None or token is not None):
                raise PermissionDenied(_("You may not submit to form %(id)s") % {"id": form_id})
            raise NotFound(_("No form %(id)s here") % {"id": form_id})
        schema = form_schema(form)
        instance = (
            head if head.encrypted or not schema.repeats else parse_instance(xml, repeats=set(schema.repeats))
        )
        if not instance.instance_id:
            raise ValidationFailed(_("The submission has no meta/instanceID"), field="meta/instanceID")
        if instance.encrypted:
            if not form.encrypted:
                raise ValidationFailed(_("Encrypted submission for a form that is not encrypted"))
            names = {f.name for f in files}
            if instance.encrypted_xml_file not in names:
                raise ValidationFailed(
                    _("Encrypted submission without its %(f)s")
                    % {"f": instance.encrypted_xml_file or "submission.xml.enc"},
                    field=instance.encrypted_xml_file or "submission.xml.enc",
                )
        elif form.encrypted:
            raise ValidationFailed(_("This form is encrypted: the client must encrypt its submissions"))
        if not files and not instance.deprecated_id:
            # ODK Collect's usual post: a new record, no attachments, not an edit. One INSERT, no explicit
            # transaction or row lock: the (form, instanceID) unique constraint settles a race between two
            # identical resends (the loser gets 409 "retry", and its retry is answered as a resend).
            return instance_store(form, instance, xml, files, user, token, lock=False)
        with transaction.atomic():
            return instance_store(form, instance, xml, files, user, token)
    except (ValidationFailed, NotFound, PermissionDenied, Conflict) as exc:
        _refuse(exc, form_id)
        raise


_VERSION_IDS: dict[tuple[int, str], int] = {}


def _form_version_id(form_pk: int, version: str) -> int | None:
    """The FormVersion key of (form, version), remembered per process: a version row never changes (a new
    upload with other content needs a new version), and only found keys are remembered."""
    # Only the key: a version row carries the form's XML and XLSForm, which this path never reads.
    versions = FormVersion.objects.filter(form_id=form_pk, version=version).order_by()
    return _remember(_VERSION_IDS, (form_pk, version), versions.values_list("pk", flat=True).first, 4096)  # type: ignore[no-any-return]


def instance_store(
    form: XForm,
    instance: Any,
    xml: bytes,
    files: list[UploadedFile],
    user: Any,
    token: CollectorToken | None,
    *,
    lock: bool = True,
) -> Received:
    """Store a parsed instance exactly once, after the access checks. With lock (the default) call it inside
    a transaction: an existing record is locked. lock=False is for a single new record without attachments
    or edit, where the unique constraint alone keeps it exactly once."""
    xml_md5 = md5_hex(xml)
    same_id = Submission.objects.filter(form=form, instance_id=instance.instance_id).order_by()
    existing = (same_id.select_for_update() if lock else same_id).first()
    if existing is not None:
        if existing.xml_md5 != xml_md5:
            raise Conflict(
                _("A different submission with instanceID %(id)s was already received")
                % {"id": instance.instance_id},
                field="meta/instanceID",
            )
        _store_attachments(existing, files)
        return Received(existing, created=False)
    previous = None
    if instance.deprecated_id:
        previous = (
            Submission.objects.select_for_update()
            .filter(form=form, instance_id=instance.deprecated_id)
            .first()
        )
    version_id = _form_version_id(form.pk, instance.version)
    data = instance.data
    submitter = user if getattr(user, "is_authenticated", False) else None
    org_unit = _org_unit_for(form, data, submitter, token)
    if org_unit is None and previous is not None:
        org_unit = previous.org_unit
    sub = Submission(
        form=form,
        form_version_id=version_id,
        instance_id=instance.instance_id,
        deprecated_id=instance.deprecated_id,
        xml=xml.decode("utf-8", errors="replace"),
        xml_md5=xml_md5,
        data=data,
        org_unit=org_unit,
        submitted_by=submitter if submitter is not None else (previous.submitted_by if previous else None),
        collector_token=token,
        encrypted=instance.encrypted,
        created_by=submitter,
    )
    try:
        # No savepoint: a failure here aborts the caller's transaction, which is what a refusal wants.
        sub.save()
    except IntegrityError as exc:  # a concurrent identical resend won the race
        raise Conflict(
            _("This submission is being received already; retry"), field="meta/instanceID"
        ) from exc
    _store_attachments(sub, files)
    if previous is not None:
        previous.is_current = False
        previous.replaced_by = sub
        previous.save(update_fields=["is_current", "replaced_by", "updated_at"])
        audit_record(
            actor=submitter,
            action=AuditAction.UPDATE,
            obj=sub,
            organisation_id=form.organisation_id,
            org_unit_path=org_unit.path if org_unit else "",
            changes=diff(previous.data, data) if not sub.encrypted else {},
            message=f"edit replaces {previous.instance_id}",
        )
    return Received(sub, created=True)


# ---------------------------------------------------------------------------------------------------------
# Encrypted submissions


def _private_key(form: XForm) -> encryption.RSAPrivateKey:
    stored = XForm.objects.filter(pk=form.pk).values_list("private_key_enc", flat=True).first()
    if not stored:
        raise ValidationFailed(
            _("Upload this form's private key to decrypt its submissions"), field="private_key"
        )
    return encryption.load_private_key(crypto.decrypt_bytes(bytes(stored)))


def attachment_content(attachment: Attachment) -> bytes:
    return crypto.decrypt_bytes(bytes(attachment.content_enc))


def submission_decrypt(*, submission: Submission) -> encryption.Decrypted:
    """Open an encrypted submission with its form's stored private key (nothing decrypted is stored)."""
    form = submission.form
    head = parse_instance(submission.xml)
    files = {a.filename: attachment_content(a) for a in submission.attachments.all()}
    try:
        return encryption.decrypt_record(
            private_key=_private_key(form),
            form_id=head.form_id,
            version=head.version,
            instance_id=head.instance_id,
            encrypted_key_b64=head.encrypted_key,
            signature_b64=head.signature,
            media=head.media,
            encrypted_xml_name=head.encrypted_xml_file,
            files=files,
        )
    except encryption.DecryptionError as exc:
        raise ValidationFailed(str(exc), field="private_key") from exc


def submission_data(*, submission: Submission) -> dict[str, Any]:
    """The answers; for an encrypted submission, decrypted now with the stored key ({} without one)."""
    if not submission.encrypted:
        return submission.data
    if not XForm.objects.filter(pk=submission.form_id, private_key_enc__isnull=False).exists():
        return {}
    opened = submission_decrypt(submission=submission)
    schema = form_schema(submission.form)
    return parse_instance(opened.xml, repeats=set(schema.repeats)).data


# ---------------------------------------------------------------------------------------------------------
# Review and edits


@transaction.atomic
def submission_review(*, actor: Any, submission: Submission, state: str, comment: str = "") -> Submission:
    if not policy.can(actor, Perm.SUBMISSION_REVIEW, submission):
        raise PermissionDenied(_("You may not review this submission"))
    if state not in ReviewState.values:
        raise ValidationFailed(
            _("review_state must be one of %(states)s") % {"states": ", ".join(ReviewState.values)},
            field="review_state",
        )
    before = {"review_state": submission.review_state, "review_comment": submission.review_comment}
    submission.review_state = state
    submission.review_comment = comment
    submission.save(update_fields=["review_state", "review_comment", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=submission,
        organisation_id=submission.form.organisation_id,
        org_unit_path=submission.org_unit.path if submission.org_unit else "",
        changes=diff(before, {"review_state": state, "review_comment": comment}),
        message="review",
    )
    return submission


@transaction.atomic
def submission_edit(*, actor: Any, submission: Submission, changes: dict[str, str]) -> Submission:
    """Correct answers of top-level questions; the XML stays as received and the audit keeps old values."""
    if not policy.can(actor, Perm.SUBMISSION_REVIEW, submission):
        raise PermissionDenied(_("You may not edit this submission"))
    if submission.encrypted:
        raise ValidationFailed(_("Encrypted submissions cannot be edited on the server"))
    schema = form_schema(submission.form)
    names = {f.name for f in schema.top_fields()}
    for name in changes:
        if name not in names:
            raise ValidationFailed(
                _("The form has no top-level field named '%(f)s'") % {"f": name}, field=name
            )
    before = dict(submission.data)
    data = dict(submission.data)
    data.update({k: str(v) for k, v in changes.items()})
    submission.data = data
    if submission.form.org_unit_field in changes:
        unit = _org_unit_for(submission.form, data, None, None)
        if unit is not None:
            submission.org_unit = unit
    submission.save(update_fields=["data", "org_unit", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=submission,
        organisation_id=submission.form.organisation_id,
        org_unit_path=submission.org_unit.path if submission.org_unit else "",
        changes=diff(before, data),
        message="answers edited",
    )
    return submission


@transaction.atomic
def submission_delete(*, actor: Any, submission: Submission) -> Submission:
    if not policy.can(actor, Perm.SUBMISSION_REVIEW, submission):
        raise PermissionDenied(_("You may not delete this submission"))
    submission.deleted = True
    submission.save(update_fields=["deleted", "updated_at"])
    audit_record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=submission,
        organisation_id=submission.form.organisation_id,
        org_unit_path=submission.org_unit.path if submission.org_unit else "",
    )
    return submission
