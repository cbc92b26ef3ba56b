"""SMS gateway adapters, one chosen by the environment (SMS_BACKEND, docs/notifications.md):

- "http": a generic JSON gateway: POST SMS_URL {"to": "+2507...", "text": "..."}, optional
  `Authorization: Bearer SMS_TOKEN`; any 2xx is sent.
- "africastalking": Africa's Talking's messaging API: form-encoded POST to <AFRICASTALKING_URL>/version1/messaging
  with the `apiKey` header; the recipient's status in SMSMessageData.Recipients decides.
- "console": written to the log (development; the default without SMS_URL).

Every call has a timeout (SMS_TIMEOUT). A failure that trying again may fix raises SmsError; one that it
will not (an invalid or blacklisted number) raises SmsRejected. Errors never include the number or text.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

log = logging.getLogger(__name__)

# Africa's Talking's per-recipient status codes: 100 Processed, 101 Sent, 102 Queued are accepted; these
# are about the number itself, so retrying would not help.
AT_ACCEPTED = {100, 101, 102}
AT_PERMANENT = {403: "InvalidPhoneNumber", 404: "UnsupportedNumberType", 406: "UserInBlacklist"}


class SmsError(Exception):
    """The gateway did not take the message (down, refused, timed out): retry later."""


class SmsRejected(SmsError):
    """The gateway refused this number for good: do not retry."""


class SmsBackend(Protocol):
    name: str

    def send(self, to: str, text: str) -> str:
        """Send one SMS; returns the gateway's message id (or "")."""
        ...


def _check_url(url: str, setting: str) -> str:
    if not url.lower().startswith(("http://", "https://")):
        raise ImproperlyConfigured(f"{setting} must be an http:// or https:// URL")
    return url


def _post(url: str, data: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    request = urllib.request.Request(url, data=data, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as response:  # noqa: S310
            return response.status, response.read(65536)
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(2048) if exc.fp else b""
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise SmsError(f"the SMS gateway could not be reached: {reason}") from None


class ConsoleBackend:
    name = "console"

    def send(self, to: str, text: str) -> str:
        # The number is cut to its last 3 digits even here: logs travel further than the database.
        log.info("SMS (console backend) to ...%s: %s", to[-3:], text)
        return ""


class HttpJsonBackend:
    name = "http"

    def __init__(self, url: str, token: str = "") -> None:
        if not url:
            raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_URL")
        self.url, self.token = _check_url(url, "SMS_URL"), token

    def send(self, to: str, text: str) -> str:
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        status, body = _post(self.url, json.dumps({"to": to, "text": text}).encode(), headers)
        if not 200 <= status < 300:
            raise SmsError(f"the SMS gateway answered HTTP {status}")
        try:
            answer: Any = json.loads(body or b"{}")
        except ValueError:
            return ""
        return str(answer.get("id", "")) if isinstance(answer, dict) else ""


class AfricasTalkingBackend:
    name = "africastalking"

    def __init__(self, *, base_url: str, username: str, api_key: str, sender_id: str = "") -> None:
        if not (username and api_key):
            raise ImproperlyConfigured(
                "SMS_BACKEND=africastalking needs AFRICASTALKING_USERNAME and AFRICASTALKING_API_KEY"
            )
        self.url = _check_url(base_url, "AFRICASTALKING_URL").rstrip("/") + "/version1/messaging"
        self.username, self.api_key, self.sender_id = username, api_key, sender_id

    def send(self, to: str, text: str) -> str:
        form = {"username": self.username, "to": to, "message": text}
        if self.sender_id:
            form["from"] = self.sender_id
        headers = {
            "apiKey": self.api_key,
            "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded",
        }
        status, body = _post(self.url, urllib.parse.urlencode(form).encode(), headers)
        if not 200 <= status < 300:
            raise SmsError(f"Africa's Talking answered HTTP {status}")
        try:
            recipients = json.loads(body)["SMSMessageData"]["Recipients"]
            recipient = recipients[0]
            code = int(recipient.get("statusCode", 0))
        except (ValueError, KeyError, IndexError, TypeError, AttributeError):
            raise SmsError("Africa's Talking's answer had no recipient status") from None
        if code in AT_ACCEPTED:
            return str(recipient.get("messageId", ""))
        label = str(recipient.get("status", "") or AT_PERMANENT.get(code, "error"))[:60]
        if code in AT_PERMANENT:
            raise SmsRejected(f"Africa's Talking refused the number: {label} ({code})")
        raise SmsError(f"Africa's Talking did not send it: {label} ({code})")


def backend() -> SmsBackend:
    """The adapter the settings name (read on each call, so tests may override the settings)."""
    name = settings.SMS_BACKEND or ("http" if settings.SMS_URL else "console")
    if name == "http":
        return HttpJsonBackend(settings.SMS_URL, settings.SMS_TOKEN)
    if name == "africastalking":
        return AfricasTalkingBackend(
            base_url=settings.AFRICASTALKING_URL,
            username=settings.AFRICASTALKING_USERNAME,
            api_key=settings.AFRICASTALKING_API_KEY,
            sender_id=settings.AFRICASTALKING_SENDER_ID,
        )
    if name == "console":
        return ConsoleBackend()
    raise ImproperlyConfigured(f"SMS_BACKEND '{name}' is not one of http, africastalking, console")
