"""Writes for field data collection: form uploads (pyxform), media, collector tokens, receiving submissions
exactly once, reviews and edits, private keys for encrypted forms. Every write is atomic and audited."""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from io import BytesIO
from typing import TypeVar

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pyxform.errors import PyXFormError
from pyxform.xls2json_backends import Definition, get_xlsform
from pyxform.xls2xform import convert

from amahoro import policy
from amahoro.accounts.models import User
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record, diff
from amahoro.core import crypto
from amahoro.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from amahoro.core.tabular import check_xlsx_archive
from amahoro.geo.models import OrgUnit
from amahoro.organisations.models import Organisation
from amahoro.policy import Actor
from amahoro.roles import Perm

from . import encryption
from .access import HOLDS_IN_ORG
from .models import (
    Attachment,
    CollectorToken,
    FormMedia,
    FormVersion,
    ReviewState,
    Submission,
    XForm,
)
from .signals import submission_received
from .xforms import (
    ITEMSETS_CSV,
    Answers,
    FormMeta,
    Instance,
    XMLRefused,
    form_meta,
    md5_hex,
    media_references,
    parse_instance,
)

log = logging.getLogger(__name__)
K = TypeVar("K")
V = TypeVar("V")

COLLECT_PERMS = (Perm.DATA_ENTER, Perm.FORM_MANAGE)
XLSFORM_TYPES = {".xlsx": ".xlsx", ".xlsm": ".xlsm", ".xls": ".xls", ".csv": ".csv"}


# ---------------------------------------------------------------------------------------------------------
# Forms


def user_of(actor: Actor) -> User | None:
    """The user row a change records as its author (`created_by`); None for the platform itself."""
    return actor if isinstance(actor, User) else None


def _organisation_for(actor: Actor, organisation: Organisation | None, perm: Perm) -> Organisation:
    if organisation is not None:
        if not policy.allows(actor, perm, organisation=organisation, check=HOLDS_IN_ORG):
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


# What a form_id taken from a file name may hold: it appears in URLs (/openrosa/forms/<form_id>/...).
_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def form_id_from_filename(filename: str) -> str:
    """The form_id of an XLSForm whose settings give none: its file name without the extension, as pyxform,
    ODK Central and Kobo take it ("UCL_Biomass_Plot_Form.xlsx" -> "UCL_Biomass_Plot_Form"); characters that
    do not belong in a URL become "_"."""
    stem = filename.replace("\\", "/").rsplit("/", 1)[-1]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    return _ID_UNSAFE.sub("_", stem.strip()).strip("_.-")[:200]


@dataclass
class Converted:
    xml: str
    # True when the XLSForm's settings sheet names the form (form_id / id_string), False when the id was
    # derived (from the file name, or the form the upload is a version of).
    id_from_settings: bool
    itemsets: str | None  # select_one_external: the external_choices sheet as itemsets.csv


def _settings_form_id(workbook: object) -> str:
    rows = getattr(workbook, "settings", None) or []
    first = rows[0] if rows else {}
    for key, value in first.items():
        if str(key).strip().lower() in ("form_id", "id_string") and str(value or "").strip():
            return str(value).strip()
    return ""


def _convert(content: bytes, filename: str, fallback_id: str) -> Converted:
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
        # Read once, then convert what was read: pyxform takes the form_id from the settings sheet, else
        # from `fallback_form_name` (a file's stem; "data" when it has none, which made every such form
        # the same form).
        definition = Definition(data=BytesIO(content), file_type=None, file_path_stem=fallback_id)
        workbook = get_xlsform(xlsform=definition, file_type=file_type)  # type: ignore[arg-type]
        explicit = _settings_form_id(workbook)
        book = {f.name: getattr(workbook, f.name) for f in dataclasses.fields(workbook)}
        result = convert(xlsform=book, file_type=file_type)
        return Converted(xml=str(result.xform), id_from_settings=bool(explicit), itemsets=result.itemsets)
    except PyXFormError as exc:
        raise ValidationFailed(_("XLSForm refused: %(msg)s") % {"msg": exc}, field="xlsform") from exc
    except Exception as exc:
        raise ValidationFailed(
            _("XLSForm could not be read: %(msg)s") % {"msg": exc}, field="xlsform"
        ) from exc


def _check_submission_url(meta: FormMeta, org: Organisation) -> None:
    """settings/submission_url sends finalised records to that server, not here: refused unless the
    organisation's entry in COLLECTION_SUBMISSION_URLS names that exact URL."""
    if not meta.submission_url:
        return
    allowed = getattr(settings, "COLLECTION_SUBMISSION_URLS", {}) or {}
    if meta.submission_url in (allowed.get(org.code) or ()):
        return
    raise ValidationFailed(
        _(
            "settings/submission_url '%(url)s' would make field clients send finalised records to "
            "another server, not to Amahoro: remove it from the settings sheet"
        )
        % {"url": meta.submission_url[:200]},
        field="xlsform",
        code="submission_url_refused",
    )


@transaction.atomic
def form_upload(
    *,
    actor: Actor,
    content: bytes,
    filename: str,
    organisation: Organisation | None = None,
    form: XForm | None = None,
) -> XForm:
    """Convert an XLSForm and store it: a new form, or (with `form`) a new version of that form.

    A new version is always asked for by naming the form (`form`: the form's page, or `form_id` in the API);
    an upload whose form_id (from its settings, else from its file name) is a form that exists already is
    refused with Conflict, so a form never silently becomes a version of another one.
    """
    policy.check_actor(actor)
    if form is not None:
        policy.require(actor, Perm.FORM_MANAGE, form, message=_("You may not change this form"))
        if organisation is not None and organisation.pk != form.organisation_id:
            raise ValidationFailed(
                _("Form %(id)s belongs to another organisation") % {"id": form.form_id}, field="organisation"
            )
        org = form.organisation
        fallback = form.form_id
    else:
        org = _organisation_for(actor, organisation, Perm.FORM_MANAGE)
        fallback = form_id_from_filename(filename)
    converted = _convert(content, filename, fallback)
    xml = converted.xml
    meta = form_meta(xml)
    if not meta.form_id:
        raise ValidationFailed(
            _("The XLSForm gives no form_id: add one to its settings sheet"), field="xlsform"
        )
    _check_submission_url(meta, org)
    md5 = md5_hex(xml)
    if form is not None:
        form = XForm.objects.select_for_update().get(pk=form.pk)
        if meta.form_id != form.form_id:
            raise ValidationFailed(
                _(
                    "This XLSForm's settings/form_id is '%(new)s', not '%(id)s': a new version of "
                    "%(id)s must keep its form_id"
                )
                % {"new": meta.form_id, "id": form.form_id},
                field="xlsform",
            )
    else:
        existing = XForm.objects.select_for_update().filter(form_id=meta.form_id).first()
        if existing is not None:
            if existing.organisation_id != org.pk:
                raise ValidationFailed(
                    _("form_id '%(id)s' is already used by another organisation: change settings/form_id")
                    % {"id": meta.form_id},
                    field="xlsform",
                )
            source = (
                _("its settings sheet")
                if converted.id_from_settings
                else _("its file name (the settings sheet gives no form_id)")
            )
            raise Conflict(
                _(
                    "A form with form_id '%(id)s' (taken from %(source)s) exists already. To upload a "
                    "new version of it, upload on that form's page or send form_id=%(id)s; for a new "
                    "form, give it another form_id in the settings sheet."
                )
                % {"id": meta.form_id, "source": source},
                field="xlsform",
                code="form_exists",
            )
    if form is not None:
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
        form = XForm(organisation=org, form_id=meta.form_id, created_by=user_of(actor))
        before = {}
    form.title = meta.title or meta.form_id
    form.version = meta.version
    form.md5 = md5
    form.xml = xml
    form.xlsform = content
    form.xlsform_name = filename[:255]
    form.public_key = meta.public_key
    form.save()
    expected = media_references(xml)
    FormVersion.objects.create(
        form=form,
        version=meta.version,
        md5=md5,
        xml=xml,
        xlsform=content,
        xlsform_name=filename[:255],
        media_expected=expected,
        created_by=user_of(actor),
    )
    if converted.itemsets is not None:
        # select_one_external: Collect reads the choices from itemsets.csv in the form's media.
        _media_store(form, ITEMSETS_CSV, converted.itemsets.encode("utf-8"), "text/csv")
    audit_record(
        actor=actor,
        action=AuditAction.UPDATE if before else AuditAction.CREATE,
        obj=form,
        organisation_id=org.pk,
        changes=diff(before, {"version": form.version, "md5": md5}),
        message=f"XLSForm {filename} uploaded",
    )
    return form


def form_missing_media(form: XForm) -> list[str]:
    """The media files the form's current version refers to that are not attached (sorted)."""
    expected = (
        FormVersion.objects.filter(form=form, version=form.version)
        .values_list("media_expected", flat=True)
        .first()
    )
    if not expected:
        return []
    attached = set(FormMedia.objects.filter(form=form).values_list("filename", flat=True))
    return [name for name in expected if name not in attached]


_SCHEMAS: dict[tuple[int, str], FormMeta] = {}
# The XForm fields receiving a submission reads (may_submit, form_schema, _org_unit_for, the checks).
RECEIVE_FORM_FIELDS = ("pk", "form_id", "organisation_id", "md5", "public_key", "org_unit_field", "is_active")


def _remember(store: dict[K, V], key: K, build: Callable[[], V | None], limit: int) -> V | None:
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

    schema = _remember(_SCHEMAS, (form.pk, form.md5), build, 256)
    return schema if schema is not None else build()


def _media_store(form: XForm, name: str, content: bytes, content_type: str) -> FormMedia:
    media, _created = FormMedia.objects.update_or_create(
        form=form,
        filename=name,
        defaults={"content": content, "content_type": content_type, "md5": md5_hex(content)},
    )
    return media


@transaction.atomic
def form_media_add(
    *, actor: Actor, form: XForm, filename: str, content: bytes, content_type: str = ""
) -> FormMedia:
    policy.require(actor, Perm.FORM_MANAGE, form, message=_("You may not change this form"))
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    if not name:
        raise ValidationFailed(_("The media file needs a name"), field="file")
    media = _media_store(form, name, content, content_type)
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
    *, actor: Actor, form: XForm, org_unit_field: str | None = None, is_active: bool | None = None
) -> XForm:
    policy.require(actor, Perm.FORM_MANAGE, form, message=_("You may not change this form"))
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
def form_private_key_set(*, actor: Actor, form: XForm, pem: bytes) -> XForm:
    """Keep the organisation's private key (encrypted at rest) so it can decrypt this form's submissions."""
    policy.require(actor, Perm.FORM_MANAGE, form, message=_("You may not change this form"))
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
    actor: Actor,
    organisation: Organisation,
    name: str,
    forms: list[XForm] | None = None,
    org_unit: OrgUnit | None = None,
) -> tuple[CollectorToken, str]:
    """A new device token; the raw value is returned once and only its hash is kept."""
    policy.check_actor(actor)
    allowed = (
        policy.allows(actor, Perm.FORM_MANAGE, organisation=organisation, org_unit=org_unit)
        if org_unit is not None
        else policy.allows(actor, Perm.FORM_MANAGE, organisation=organisation, check=HOLDS_IN_ORG)
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
        created_by=user_of(actor),
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
def token_revoke(*, actor: Actor, token: CollectorToken) -> CollectorToken:
    policy.require(actor, Perm.FORM_MANAGE, token, message=_("You may not revoke this token"))
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


def may_submit(*, form: XForm, user: Actor | None = None, token: CollectorToken | None = None) -> bool:
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
    return any(
        policy.allows(user, perm, organisation=form.organisation_id, check=HOLDS_IN_ORG)
        for perm in COLLECT_PERMS
    )


def forms_for_collector(*, user: Actor | None = None, token: CollectorToken | None = None) -> list[XForm]:
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
    form: XForm, data: Answers, user: Actor | None, token: CollectorToken | None
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


def _announce(submission: Submission) -> None:
    """Tell the apps above (early warning) of a new submission; their failure never fails the receipt."""
    for receiver, result in submission_received.send_robust(sender=Submission, submission=submission):
        if isinstance(result, Exception):
            log.error(
                "submission_received: %s failed on %s: %r",
                getattr(receiver, "__qualname__", receiver),
                submission.instance_id,
                result,
            )


def _refuse(exc: Exception, form_id: str) -> None:
    log.info("submission refused (form %s): %s", form_id or "?", exc)


def submission_receive(
    *,
    xml: bytes,
    files: list[UploadedFile] | None = None,
    user: Actor | None = None,
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
            received = instance_store(form, instance, xml, files, user, token, lock=False)
        else:
            with transaction.atomic():
                received = instance_store(form, instance, xml, files, user, token)
        if received.created:
            stored = received.submission
            transaction.on_commit(lambda: _announce(stored))
        return received
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
    instance: Instance,
    xml: bytes,
    files: list[UploadedFile],
    user: Actor | None,
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
    submitter = user if isinstance(user, User) and user.is_authenticated else None
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


# What a stored attachment may be served as; anything else goes out as application/octet-stream, so an
# uploaded HTML or SVG file can never run in the browser of the person opening it.
SAFE_ATTACHMENT_TYPES = (
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "audio/",
    "video/",
    "application/pdf",
)


@dataclass(frozen=True)
class AttachmentFile:
    filename: str
    content: bytes
    content_type: str


def _safe_type(declared: str, filename: str) -> str:
    import mimetypes

    kind = (declared or mimetypes.guess_type(filename)[0] or "").split(";")[0].strip().lower()
    if any(kind == t or (t.endswith("/") and kind.startswith(t)) for t in SAFE_ATTACHMENT_TYPES):
        return kind
    return "application/octet-stream"


def attachment_read(*, user: Actor, form_id: str, instance_id: str, filename: str) -> AttachmentFile:
    """A submission's photo, audio or file, decrypted, for a user who may view the submission.

    Missing and forbidden are both NotFound; every read and every refused attempt is audited. For an
    encrypted form the name is the one the form used (`photo.jpg`, not `photo.jpg.enc`) and the file is
    opened with the form's stored private key; the encrypted parts themselves are never served."""
    sub = (
        policy.visible(user, Perm.SUBMISSION_VIEW, Submission.objects.select_related("form", "org_unit"))
        .filter(form__form_id=form_id, instance_id=instance_id, deleted=False)
        .first()
    )
    if sub is None or not policy.has_perm(user, Perm.SUBMISSION_VIEW):
        audit_record(
            actor=user,
            action=AuditAction.READ,
            object_type="collection.attachment",
            object_repr=f"{form_id}/{instance_id}"[:200],
            message="attachment read refused: submission not found or not visible",
        )
        raise NotFound(_("No such submission"))
    content: bytes | None = None
    declared = ""
    if sub.encrypted:
        if not filename.endswith(".enc") and sub.attachments.filter(filename=f"{filename}.enc").exists():
            content = submission_decrypt(submission=sub).media.get(filename)
    else:
        att = sub.attachments.filter(filename=filename).first()
        if att is not None:
            content, declared = attachment_content(att), att.content_type
    if content is None:
        raise NotFound(_("The submission has no attachment named %(name)s") % {"name": filename[:100]})
    audit_record(
        actor=user,
        action=AuditAction.READ,
        obj=sub,
        organisation_id=sub.form.organisation_id,
        org_unit_path=sub.org_unit.path if sub.org_unit else "",
        message=f"attachment {filename[:100]} read",
    )
    return AttachmentFile(filename=filename, content=content, content_type=_safe_type(declared, filename))


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


def submission_data(*, submission: Submission) -> Answers:
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
def submission_review(*, actor: Actor, submission: Submission, state: str, comment: str = "") -> Submission:
    policy.require(actor, Perm.SUBMISSION_REVIEW, submission, message=_("You may not review this submission"))
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
def submission_edit(*, actor: Actor, submission: Submission, changes: dict[str, str]) -> Submission:
    """Correct answers of top-level questions; the XML stays as received and the audit keeps old values."""
    policy.require(actor, Perm.SUBMISSION_REVIEW, submission, message=_("You may not edit this submission"))
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
def submission_delete(*, actor: Actor, submission: Submission) -> Submission:
    policy.require(actor, Perm.SUBMISSION_REVIEW, submission, message=_("You may not delete this submission"))
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
