"""The OpenRosa 1.0 server that ODK Collect, KoboCollect and Enketo talk to (mounted at /openrosa/).

formList (xformsList), form download, media manifest and files, HEAD/POST submission. Clients sign in
with HTTP Basic (user accounts other than case roles, whose password alone is refused; 401 challenge) or carry a collector token in the URL
(/openrosa/c/<token>/...). These views are CSRF-exempt because field clients hold no cookies; they accept
no session authentication for the same reason.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.http import http_date
from django.views.decorators.csrf import csrf_exempt

from amahoro.accounts.services import needs_two_factor
from amahoro.core.errors import AmahoroError
from amahoro.policy import Actor

from . import services
from .models import CollectorToken, FormMedia, XForm

log = logging.getLogger(__name__)

REALM = "Amahoro OpenRosa"
BASIC_CACHE_SECONDS = 300
User = get_user_model()
XML_TYPE = "text/xml; charset=utf-8"


def max_content_length() -> int:
    return int(getattr(settings, "OPENROSA_MAX_CONTENT_LENGTH", 10 * 1024 * 1024))


def _headers(resp: HttpResponse, *, accept_length: bool = False) -> HttpResponse:
    resp["X-OpenRosa-Version"] = "1.0"
    resp["Date"] = http_date()
    if accept_length:
        resp["X-OpenRosa-Accept-Content-Length"] = str(max_content_length())
    return resp


def openrosa_message(message: str, *, status: int, nature: str = "") -> HttpResponse:
    nature_attr = f' nature="{escape(nature)}"' if nature else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
        f"<message{nature_attr}>{escape(message)}</message></OpenRosaResponse>"
    )
    return _headers(HttpResponse(body, status=status, content_type=XML_TYPE), accept_length=True)


def _challenge() -> HttpResponse:
    resp = openrosa_message("Authentication required", status=401)
    resp["WWW-Authenticate"] = f'Basic realm="{REALM}", charset="UTF-8"'
    return resp


class Caller:
    def __init__(
        self, user: Actor | None = None, token: CollectorToken | None = None, base: str = "/openrosa"
    ) -> None:
        self.user = user
        self.token = token
        self.base = base


def _password_tag(user: AbstractBaseUser) -> str:
    """A short digest of the stored password hash: a cached sign-in stops counting when the password changes."""
    return hashlib.sha256(f"{settings.SECRET_KEY}:{user.password}".encode()).hexdigest()[:16]


def _basic_user(request: HttpRequest, *, fetch: bool = True) -> Any:
    """The user of an HTTP Basic header, or None.

    A device posts many submissions with the same credentials; checking an Argon2 hash each time would cap
    throughput, so a successful check is remembered for a few minutes (keyed by a digest of the header, never
    the password itself) together with a digest of the stored hash, so a password change or deactivation
    ends it at the next request. With fetch=False (a HEAD probe, which returns nothing) a remembered sign-in
    is accepted without reading the user: the caller gets True instead of a user.
    """
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        decoded = base64.b64decode(header[6:].strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, sep, password = decoded.partition(":")
    if not sep:
        return None
    key = "openrosa-basic:" + hashlib.sha256(f"{settings.SECRET_KEY}:{header}".encode()).hexdigest()
    remembered = cache.get(key)
    if isinstance(remembered, tuple) and len(remembered) == 2:
        if not fetch:
            return True
        user = User.objects.filter(pk=remembered[0], is_active=True).first()
        if user is not None and _password_tag(user) == remembered[1]:
            return user
        cache.delete(key)
    user = authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        return None
    if needs_two_factor(user):
        return user  # refused by the caller; never remembered, so a HEAD probe cannot ride on it
    cache.set(key, (user.pk, _password_tag(user)), BASIC_CACHE_SECONDS)
    return user if fetch else True


View = Callable[..., HttpResponse]


def openrosa_view(func: Callable[..., HttpResponse]) -> View:
    """Authenticate (Basic or URL token), then run; AmahoroErrors become OpenRosaResponses."""

    @csrf_exempt
    def wrapper(request: HttpRequest, *args: Any, token: str | None = None, **kwargs: Any) -> HttpResponse:
        if token is not None:
            found = services.token_lookup(token)
            if found is None:
                return openrosa_message("Unknown or revoked collector token", status=404)
            caller = Caller(token=found, base=f"/openrosa/c/{token}")
        else:
            # HEAD /submission only probes the accepted length: a remembered sign-in is enough for it.
            probe = request.method == "HEAD" and getattr(func, "openrosa_probe", False)
            user = _basic_user(request, fetch=not probe)
            if user is None:
                return _challenge()
            if user is not True and needs_two_factor(user):
                # A case role's password alone is one factor: field collection uses collector tokens.
                return openrosa_message(
                    "Case workers and case supervisors cannot use a password here: use a collector token",
                    status=403,
                )
            caller = Caller(user=None if user is True else user)
        try:
            return func(request, caller, *args, **kwargs)
        except AmahoroError as exc:
            return openrosa_message(exc.message, status=exc.status)

    wrapper.__name__ = func.__name__
    wrapper.__doc__ = func.__doc__
    return wrapper


def _absolute(request: HttpRequest, path: str) -> str:
    return request.build_absolute_uri(path)


def _visible_form(caller: Caller, form_id: str) -> XForm | None:
    for form in services.forms_for_collector(user=caller.user, token=caller.token):
        if form.form_id == form_id:
            return form
    return None


@openrosa_view
def form_list(request: HttpRequest, caller: Caller) -> HttpResponse:
    """GET formList: the forms this caller may fill in (optionally ?formID=...)."""
    if request.method not in ("GET", "HEAD"):
        return openrosa_message("Method not allowed", status=405)
    wanted = request.GET.get("formID", "")
    items = []
    for form in services.forms_for_collector(user=caller.user, token=caller.token):
        if wanted and form.form_id != wanted:
            continue
        base = f"{caller.base}/forms/{form.form_id}"
        manifest = (
            f"<manifestUrl>{escape(_absolute(request, base + '/manifest'))}</manifestUrl>"
            if list(form.media.all())
            else ""
        )
        items.append(
            "<xform>"
            f"<formID>{escape(form.form_id)}</formID>"
            f"<name>{escape(form.title)}</name>"
            f"<version>{escape(form.version)}</version>"
            f"<hash>md5:{form.md5}</hash>"
            f"<downloadUrl>{escape(_absolute(request, base + '/form.xml'))}</downloadUrl>"
            f"{manifest}</xform>"
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<xforms xmlns="http://openrosa.org/xforms/xformsList">{"".join(items)}</xforms>'
    )
    return _headers(HttpResponse(body, content_type=XML_TYPE))


@openrosa_view
def form_download(request: HttpRequest, caller: Caller, form_id: str) -> HttpResponse:
    form = _visible_form(caller, form_id)
    if form is None:
        return openrosa_message(f"No form {form_id} here", status=404)
    return _headers(HttpResponse(form.xml, content_type=XML_TYPE))


@openrosa_view
def form_manifest(request: HttpRequest, caller: Caller, form_id: str) -> HttpResponse:
    form = _visible_form(caller, form_id)
    if form is None:
        return openrosa_message(f"No form {form_id} here", status=404)
    files = "".join(
        "<mediaFile>"
        f"<filename>{escape(m.filename)}</filename><hash>md5:{m.md5}</hash>"
        f"<downloadUrl>{escape(_absolute(request, f'{caller.base}/forms/{form.form_id}/media/{m.filename}'))}"
        "</downloadUrl></mediaFile>"
        for m in form.media.all()
    )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>'
        f'<manifest xmlns="http://openrosa.org/xforms/xformsManifest">{files}</manifest>'
    )
    return _headers(HttpResponse(body, content_type=XML_TYPE))


@openrosa_view
def form_media(request: HttpRequest, caller: Caller, form_id: str, filename: str) -> HttpResponse:
    form = _visible_form(caller, form_id)
    media = FormMedia.objects.filter(form=form, filename=filename).first() if form else None
    if media is None:
        return openrosa_message(f"No media file {filename} here", status=404)
    resp = HttpResponse(bytes(media.content), content_type=media.content_type or "application/octet-stream")
    resp["Content-Disposition"] = f'attachment; filename="{media.filename}"'
    return _headers(resp)


def _probe(func: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    func.openrosa_probe = True  # type: ignore[attr-defined]
    return func


@openrosa_view
@_probe
def submission(request: HttpRequest, caller: Caller) -> HttpResponse:
    """HEAD: 204 with the accepted length. POST: multipart xml_submission_file + attachments."""
    if request.method == "HEAD" or (request.method == "GET" and not request.body):
        return _headers(HttpResponse(status=204), accept_length=True)
    if request.method != "POST":
        return openrosa_message("Method not allowed", status=405)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > max_content_length():
        log.info("submission refused: body of %s bytes is over the limit", length)
        return openrosa_message(
            f"The submission is larger than {max_content_length()} bytes: send it in parts", status=413
        )
    xml_file = request.FILES.get("xml_submission_file")
    if xml_file is None:
        log.info("submission refused: no xml_submission_file")
        return openrosa_message("The submission has no xml_submission_file", status=400)
    files = [
        services.UploadedFile(name=f.name or key, content=f.read(), content_type=f.content_type or "")
        for key, items in request.FILES.lists()
        if key != "xml_submission_file"
        for f in items
    ]
    received = services.submission_receive(
        xml=xml_file.read(), files=files, user=caller.user, token=caller.token
    )
    if received.created:
        return openrosa_message("Thank you: the submission was received", status=201, nature="submit_success")
    return openrosa_message("This submission was already received", status=202, nature="submit_success")
