"""Holders of case roles must have passed a TOTP check in this session before any page but the 2FA ones."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect

from .services import needs_two_factor

EXEMPT_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/openrosa/", "/health")


class RequireTwoFactorMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            settings.AMAHORO_REQUIRE_2FA
            and user is not None
            and user.is_authenticated
            and not request.path.startswith(EXEMPT_PREFIXES)
            and not user.is_verified()  # type: ignore[union-attr]
            and needs_two_factor(user)
        ):
            if request.path.startswith("/api/"):
                return JsonResponse(
                    {
                        "error": "two-factor verification required for case roles",
                        "code": "two_factor_required",
                    },
                    status=403,
                )
            return redirect(f"{settings.LOGIN_URL_2FA}?next={request.get_full_path()}")
        return self.get_response(request)
