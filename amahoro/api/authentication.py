"""API authentication: HTTP Basic, `Authorization: Token <key>` (hashed tokens; DHIS2's `ApiToken <key>`
as well), and the session."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils import timezone
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from amahoro.accounts.models import ApiToken

# Sent with every 401, whichever class is listed first: DRF takes the challenge from the first one, and the
# session (which has none) comes first, which would otherwise turn "no credentials" into a 403.
CHALLENGE = 'Token realm="amahoro", Basic realm="amahoro"'


class BasicAuthentication(authentication.BasicAuthentication):
    www_authenticate_realm = "amahoro"

    def authenticate_credentials(self, userid: str, password: str, request: Any = None) -> tuple[Any, None]:
        user, auth = super().authenticate_credentials(userid, password, request)
        # A password alone is one factor: holders of case roles must use a token or a verified session,
        # whatever AMAHORO_REQUIRE_2FA says (it governs the sign-in pages, never a bare password here).
        from amahoro.accounts.services import needs_two_factor

        if needs_two_factor(user):
            raise exceptions.AuthenticationFailed("case roles cannot use HTTP Basic: use an API token")
        return user, auth

    def authenticate_header(self, request: Request) -> str:
        return CHALLENGE


class TokenAuthentication(authentication.BaseAuthentication):
    keyword = "Token"
    # DHIS2 clients send personal access tokens as `Authorization: ApiToken <key>`: the same tokens work.
    keywords = (b"token", b"apitoken")

    def authenticate(self, request: Request) -> tuple[Any, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed("invalid token header: expected 'Token <key>'")
        try:
            key = header[1].decode()
        except UnicodeError as exc:
            raise exceptions.AuthenticationFailed("invalid token header") from exc
        token = (
            ApiToken.objects.select_related("user")
            .filter(key_hash=ApiToken.hash(key), revoked_at__isnull=True)
            .first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed("invalid or revoked token")
        now = timezone.now()
        if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token

    def authenticate_header(self, request: Request) -> str:
        return CHALLENGE


class SessionAuthentication(authentication.SessionAuthentication):
    """Session auth with CSRF enforced (as DRF does)."""

    def authenticate_header(self, request: Request) -> str:
        return CHALLENGE


# How the three schemes appear in the OpenAPI document (drf-spectacular only knows DRF's own classes).


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = TokenAuthentication
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; keys are created by an administrator and shown once.",
        }


class BasicScheme(OpenApiAuthenticationExtension):
    target_class = BasicAuthentication
    name = "basicAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "http", "scheme": "basic"}


class SessionScheme(OpenApiAuthenticationExtension):
    target_class = SessionAuthentication
    name = "cookieAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
