"""Signals by SMS: the keyword grammar ("GBV Kimironko what happened", in rw/fr/en), its short replies, and
the inbound endpoint `POST /api/v1/ewer/inbound/sms/<channel>` for Africa's Talking and RapidPro.

The grammar is pure (`parse`, `reply_text`) over a keyword table and a place index, so it is tested without
a database. A message is TYPE PLACE free text: the type is one of the signal types' keywords (case and accents
ignored), its language is the reply's; the place is an org-unit code or a name (a sector, cell or village,
optionally qualified by the names above it: "MUSANZE Muhoza"). Replies confirm with the signal's reference or
say what is missing; they never repeat the description and never read anything back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
import threading
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Max
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from amahoro import policy
from amahoro.audit.models import AuditAction
from amahoro.audit.services import audit_record
from amahoro.core.errors import ValidationFailed
from amahoro.core.tasks import in_background
from amahoro.geo.models import OrgUnit
from amahoro.notifications import sms as sms_gateway
from amahoro.roles import Perm
from amahoro.warning import services
from amahoro.warning.models import Signal, SignalType, SmsChannel, Source

log = logging.getLogger(__name__)

LANGUAGES = ("rw", "fr", "en")
HELP_WORDS = {"HELP": "en", "AIDE": "fr", "UBUFASHA": "rw"}
# Levels a place name is looked for at, in order of preference; a province, district, sector or cell name
# may also qualify the name that follows it ("MUSANZE Muhoza").
PREFERRED_LEVELS = ("sector", "cell", "village")
QUALIFYING_LEVELS = ("province", "district", "sector", "cell")
SMS_LIMIT = 160

# The language of the keywords of the default taxonomy and of common words; any other keyword takes the
# language of the type name it is a word of (name_rw, name_fr, name), else EWER_SMS_DEFAULT_LANGUAGE.
KNOWN_KEYWORDS: Mapping[str, str] = {
    **dict.fromkeys(
        (
            *(
                "GBV",
                "ABUSE",
                "RAPE",
                "MARRIAGE",
                "LEADER",
                "DEFENDER",
                "FAMILY",
                "THREAT",
                "DISPUTE",
                "LAND",
            ),
            *("TRAFFICKING", "HATE", "OTHER"),
        ),
        "en",
    ),
    **dict.fromkeys(
        (
            *("VIOLENCE", "VBG", "VIOL", "MARIAGE", "MENACE", "FAMILLE", "CONFLIT", "FONCIER", "TERRE"),
            *("TRAITE", "HAINE", "AUTRE"),
        ),
        "fr",
    ),
    **dict.fromkeys(
        (
            *("IHOHOTERWA", "GUSHYINGIRA", "GUSHYINGIRWA", "UMUYOBOZI", "ITERABWOBA", "AMAKIMBIRANE"),
            *("UBUTAKA", "ICURUZWA", "UBUCURUZI", "URWANGO", "IBINDI"),
        ),
        "rw",
    ),
}


def fold(text: str) -> str:
    """Upper case, accents and surrounding punctuation dropped: "Kimironko," and "KIMIRONKO" match."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.upper().split()).strip(".,;:!?\"'()[]#*-_/")


# ---------------------------------------------------------------------------------------------------------
# Places


@dataclass(frozen=True)
class Place:
    pk: int
    code: str
    name: str
    level: str
    depth: int
    path: str
    district: str = ""

    def label(self) -> str:
        return f"{self.code} {self.name}" + (f" ({self.district})" if self.district else "")


class PlaceIndex:
    """Places by folded code and by every folded name (name, name_en, name_fr, name_rw)."""

    def __init__(self, places: Iterable[Place], names: Mapping[int, Iterable[str]] | None = None) -> None:
        self._by_code: dict[str, Place] = {}
        self._by_name: dict[str, list[Place]] = {}
        names = names or {}
        for place in places:
            self._by_code[fold(place.code)] = place
            for name in {fold(n) for n in (place.name, *names.get(place.pk, ())) if n}:
                self._by_name.setdefault(name, []).append(place)
        self.longest_name = max((n.count(" ") + 1 for n in self._by_name), default=1)

    def coded(self, token: str) -> Place | None:
        return self._by_code.get(fold(token))

    def named(self, words: str) -> list[Place]:
        return self._by_name.get(fold(words), [])


@dataclass(frozen=True)
class PlaceMatch:
    place: Place | None = None
    choices: tuple[Place, ...] = ()  # ambiguous: the candidates (a reply lists up to 3)
    consumed: int = 0  # how many words named the place


def _named_at(words: Sequence[str], start: int, index: PlaceIndex) -> tuple[list[Place], int]:
    """The places named by the longest run of words from `start` (multi-word names first)."""
    for size in range(min(index.longest_name, len(words) - start), 0, -1):
        found = index.named(" ".join(words[start : start + size]))
        if found:
            return found, size
    return [], 0


def match_place(words: Sequence[str], index: PlaceIndex) -> PlaceMatch:
    """The place the first words name: a code, or a name narrowed by the names that follow it when they
    are places inside it ("MUSANZE Muhoza" = sector Muhoza of district Musanze)."""
    if not words:
        return PlaceMatch()
    coded = index.coded(words[0])
    if coded is not None:
        return PlaceMatch(place=coded, consumed=1)
    candidates, consumed = _named_at(words, 0, index)
    if not candidates:
        return PlaceMatch()
    while consumed < len(words):
        following, size = _named_at(words, consumed, index)
        parents = [c for c in candidates if c.level in QUALIFYING_LEVELS]
        inside = [p for p in following if any(p.path.startswith(c.path) and p.pk != c.pk for c in parents)]
        if not inside:
            break
        candidates, consumed = inside, consumed + size
    # A signal names a sector, cell or village (a district alone is too wide to act on): the shallowest
    # of those wins, so "Musanze" is the sector, not the district.
    preferred = [c for c in candidates if c.level in PREFERRED_LEVELS]
    if not preferred:
        return PlaceMatch()
    top = min(c.depth for c in preferred)
    candidates = [c for c in preferred if c.depth == top]
    candidates = sorted({c.pk: c for c in candidates}.values(), key=lambda c: c.path)
    if len(candidates) == 1:
        return PlaceMatch(place=candidates[0], consumed=consumed)
    return PlaceMatch(choices=tuple(candidates), consumed=consumed)


_INDEX_LOCK = threading.Lock()
_INDEX: dict[str, Any] = {}


def place_index() -> PlaceIndex:
    """The open org units of the database, built once per process and rebuilt when a place changes."""
    stamp = OrgUnit.objects.aggregate(n=Count("pk"), at=Max("updated_at"))
    key = f"{stamp['n']}:{stamp['at']}"
    with _INDEX_LOCK:
        if _INDEX.get("key") == key:
            return _INDEX["index"]  # type: ignore[no-any-return]
        today = timezone.localdate()
        rows = list(
            OrgUnit.objects.valid_on(today)
            .order_by()
            .values_list(
                "pk", "code", "name", "name_en", "name_fr", "name_rw", "level__code", "depth", "path"
            )
        )
        district_names = {
            r[1]: r[2]
            for r in rows
            if r[6] == "district"  # codes are unique: the district of a path is one of its codes
        }
        places: list[Place] = []
        names: dict[int, tuple[str, ...]] = {}
        for pk, code, name, name_en, name_fr, name_rw, level, depth, path in rows:
            district = next(
                (district_names[c] for c in path.strip("/").split("/") if c in district_names), ""
            )
            places.append(Place(pk, code, name, level, depth, path, "" if level == "district" else district))
            names[pk] = (name_en, name_fr, name_rw)
        index = PlaceIndex(places, names)
        _INDEX.update(key=key, index=index)
        return index


# ---------------------------------------------------------------------------------------------------------
# Keywords


@dataclass(frozen=True)
class Keyword:
    type_code: str
    language: str


def keyword_language(keyword: str, *, name: str = "", name_fr: str = "", name_rw: str = "") -> str:
    word = fold(keyword)
    if word in KNOWN_KEYWORDS:
        return KNOWN_KEYWORDS[word]
    for language, label in (("rw", name_rw), ("fr", name_fr), ("en", name)):
        if word in fold(label).split():
            return language
    return default_language()


def default_language() -> str:
    language = str(getattr(settings, "EWER_SMS_DEFAULT_LANGUAGE", "rw"))
    return language if language in LANGUAGES else "rw"


def keyword_table(types: Iterable[SignalType]) -> dict[str, Keyword]:
    """Folded keyword -> (type code, language), for the given (active) types; the first type claiming a
    keyword keeps it."""
    table: dict[str, Keyword] = {}
    for signal_type in types:
        for keyword in signal_type.keywords or []:
            word = fold(str(keyword))
            if word and " " not in word and word not in table and word not in HELP_WORDS:
                table[word] = Keyword(
                    signal_type.code,
                    keyword_language(
                        word, name=signal_type.name, name_fr=signal_type.name_fr, name_rw=signal_type.name_rw
                    ),
                )
    return table


def active_keyword_table() -> dict[str, Keyword]:
    return keyword_table(
        SignalType.objects.filter(is_active=True).exclude(code="statistical_alarm").order_by("code")
    )


# ---------------------------------------------------------------------------------------------------------
# The grammar


class Outcome:
    SIGNAL = "signal"
    HELP = "help"
    EMPTY = "empty"
    UNKNOWN_TYPE = "unknown_type"
    NO_PLACE = "no_place"
    UNKNOWN_PLACE = "unknown_place"
    AMBIGUOUS_PLACE = "ambiguous_place"
    TOO_LONG = "too_long"
    FAILED = "failed"


@dataclass(frozen=True)
class Parsed:
    outcome: str
    language: str
    type_code: str = ""
    place: Place | None = None
    choices: tuple[Place, ...] = ()
    description: str = ""
    # The place name that is several places (the reply asks which), or the unknown word (kept for the caller,
    # never put in a reply: a first word that is no keyword or place may be the description's).
    word: str = ""
    keywords: tuple[str, ...] = field(default=(), compare=False)  # the type keywords in the language


def _keywords_in(table: Mapping[str, Keyword], language: str) -> tuple[str, ...]:
    own = [w for w, k in table.items() if k.language == language]
    return tuple(own or table)


def parse(text: str, *, keywords: Mapping[str, Keyword], places: PlaceIndex) -> Parsed:
    """TYPE PLACE free text -> what the message says, or what is missing."""
    words = text.split()
    if not words:
        lang = default_language()
        return Parsed(Outcome.EMPTY, lang, keywords=_keywords_in(keywords, lang))
    first = fold(words[0])
    if first in HELP_WORDS:
        lang = HELP_WORDS[first]
        return Parsed(Outcome.HELP, lang, keywords=_keywords_in(keywords, lang))
    keyword = keywords.get(first)
    if keyword is None:
        lang = default_language()
        return Parsed(Outcome.UNKNOWN_TYPE, lang, word=words[0][:20], keywords=_keywords_in(keywords, lang))
    lang = keyword.language
    known = _keywords_in(keywords, lang)
    rest = words[1:]
    if not rest:
        return Parsed(Outcome.NO_PLACE, lang, type_code=keyword.type_code, keywords=known)
    found = match_place(rest, places)
    if found.choices:
        return Parsed(
            Outcome.AMBIGUOUS_PLACE,
            lang,
            type_code=keyword.type_code,
            choices=found.choices,
            word=rest[0][:20],
            keywords=known,
        )
    if found.place is None:
        return Parsed(
            Outcome.UNKNOWN_PLACE, lang, type_code=keyword.type_code, word=rest[0][:20], keywords=known
        )
    return Parsed(
        Outcome.SIGNAL,
        lang,
        type_code=keyword.type_code,
        place=found.place,
        description=" ".join(rest[found.consumed :]),
        keywords=known,
    )


# Short texts per language: an SMS reply has 160 characters, so these are not gettext strings of a page but
# the whole answer, picked by the language of the keyword the sender used.
REPLIES: Mapping[str, Mapping[str, str]] = {
    "confirm": {
        "en": "Thank you. Report {ref} received; a focal point will check it. Emergency: call 3512 (Isange/RIB) or 112.",
        "fr": "Merci. Signalement {ref} reçu; un point focal va le vérifier. Urgence: appelez 3512 (Isange/RIB) ou 112.",
        "rw": "Murakoze. Ubutumwa {ref} bwakiriwe; ushinzwe aho hantu azabukurikirana. Ubutabazi: 3512 (Isange/RIB) cg 112.",
    },
    "format": {
        "en": "Send: TYPE PLACE message, e.g. {example} Kimironko what happened. Types: {keywords}",
        "fr": "Envoyez: TYPE LIEU message, ex. {example} Kimironko ce qui s'est passé. Types: {keywords}",
        "rw": "Ohereza: UBWOKO AHANTU ubutumwa, urugero: {example} Kimironko ibyabaye. Ubwoko: {keywords}",
    },
    "unknown_type": {
        "en": "Unknown type. Start with one of: {keywords}. Send: TYPE PLACE message",
        "fr": "Type inconnu. Commencez par: {keywords}. Envoyez: TYPE LIEU message",
        "rw": "Ubwoko ntibuzwi. Tangira na: {keywords}. Ohereza: UBWOKO AHANTU ubutumwa",
    },
    "no_place": {
        "en": "Where? Send: TYPE PLACE message, with a sector, cell or village name or code.",
        "fr": "Où? Envoyez: TYPE LIEU message, avec le nom ou code du secteur, de la cellule ou du village.",
        "rw": "Ni hehe? Ohereza: UBWOKO AHANTU ubutumwa, n'izina cg kode y'umurenge, akagari cg umudugudu.",
    },
    "unknown_place": {
        "en": "Place not found. Send: TYPE PLACE message, with a sector, cell or village name or code.",
        "fr": "Lieu introuvable. Envoyez: TYPE LIEU message, avec le nom ou code du secteur, cellule ou village.",
        "rw": "Ahantu ntihabonetse. Ohereza: UBWOKO AHANTU ubutumwa, n'izina cg kode y'umurenge, akagari cg umudugudu.",
    },
    "ambiguous_place": {
        "en": "Which {word}? Send again with the code: {choices}",
        "fr": "Quel {word}? Renvoyez avec le code: {choices}",
        "rw": "{word} iyihe? Ongera wohereze ukoresheje kode: {choices}",
    },
    "too_long": {
        "en": "Message too long (max {limit} characters). Send a shorter one: TYPE PLACE message.",
        "fr": "Message trop long (max {limit} caractères). Envoyez plus court: TYPE LIEU message.",
        "rw": "Ubutumwa ni burebure cyane (ntarengwa {limit}). Ohereza ubugufi: UBWOKO AHANTU ubutumwa.",
    },
    "failed": {
        "en": "Your report could not be recorded. Send: TYPE PLACE message. Emergency: 3512 or 112.",
        "fr": "Votre signalement n'a pas pu être enregistré. Envoyez: TYPE LIEU message. Urgence: 3512 ou 112.",
        "rw": "Ubutumwa bwanyu ntibwabitswe. Ohereza: UBWOKO AHANTU ubutumwa. Ubutabazi: 3512 cg 112.",
    },
}


def _fit(template: str, listed: Sequence[str], sep: str, **values: str) -> str:
    """The template with as many of `listed` as fit in one SMS (at least the first)."""
    shown = list(listed)
    while True:
        text = template.format(**values, listed=sep.join(shown))
        if len(text) <= SMS_LIMIT or len(shown) <= 1:
            return text[:SMS_LIMIT]
        shown.pop()


def reply_text(parsed: Parsed, *, ref: str = "") -> str:
    """The reply to a parsed message: at most 160 characters, and no word of the message but a place name
    that is several places (an unknown word might be the description's first)."""
    lang = parsed.language if parsed.language in LANGUAGES else "rw"
    keywords = parsed.keywords or ("GBV",)
    example = keywords[0]
    if parsed.outcome == Outcome.SIGNAL:
        return REPLIES["confirm"][lang].format(ref=ref)[:SMS_LIMIT]
    if parsed.outcome in (Outcome.HELP, Outcome.EMPTY):
        template = REPLIES["format"][lang].replace("{keywords}", "{listed}")
        return _fit(template, keywords, ", ", example=example)
    if parsed.outcome == Outcome.UNKNOWN_TYPE:
        template = REPLIES["unknown_type"][lang].replace("{keywords}", "{listed}")
        return _fit(template, keywords, ", ")
    if parsed.outcome == Outcome.AMBIGUOUS_PLACE:
        template = REPLIES["ambiguous_place"][lang].replace("{choices}", "{listed}")
        return _fit(template, [c.label() for c in parsed.choices[:3]], "; ", word=parsed.word)
    if parsed.outcome == Outcome.UNKNOWN_PLACE:
        return REPLIES["unknown_place"][lang][:SMS_LIMIT]
    if parsed.outcome == Outcome.NO_PLACE:
        return REPLIES["no_place"][lang][:SMS_LIMIT]
    if parsed.outcome == Outcome.TOO_LONG:
        return REPLIES["too_long"][lang].format(limit=max_length())[:SMS_LIMIT]
    return REPLIES["failed"][lang][:SMS_LIMIT]


def max_length() -> int:
    return int(getattr(settings, "EWER_SMS_MAX_LENGTH", 1000))


def short_ref(signal: Signal) -> str:
    """The reference a reporter is given: the first 8 characters of the signal's id, upper case."""
    return str(signal.uuid)[:8].upper()


# ---------------------------------------------------------------------------------------------------------
# Channels


def _secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def sms_channel_create(*, actor: policy.Actor, code: str, name: str) -> tuple[SmsChannel, str]:
    """A new channel, or a new secret for an existing one (the old secret stops working). Returns the secret,
    which is shown once: only its SHA-256 is kept."""
    policy.require(actor, Perm.SIGNAL_CONFIGURE, message="You may not configure SMS channels")
    code = (code or "").strip().lower()
    if not code or not code.replace("-", "").replace("_", "").isalnum() or len(code) > 50:
        raise ValidationFailed("the channel code must be letters, digits, - or _", field="code")
    secret = secrets.token_urlsafe(32)
    channel = SmsChannel.objects.filter(code=code).first()
    action = AuditAction.UPDATE if channel is not None else AuditAction.CREATE
    if channel is None:
        channel = SmsChannel(code=code)
    channel.name = (name or channel.name or code)[:200]
    channel.secret_hash = _secret_hash(secret)
    channel.is_active = True
    channel.save()
    audit_record(
        actor=actor,
        action=action,
        obj=channel,
        changes={"code": code, "name": channel.name, "secret": "new"},
        message=f"SMS channel {code}: new secret",
    )
    return channel, secret


def channel_authenticate(code: str, secret: str) -> SmsChannel | None:
    """The active channel whose secret this is, else None (unknown, inactive and wrong answer alike)."""
    channel = SmsChannel.objects.filter(code=code[:50], is_active=True).first()
    expected = channel.secret_hash if channel is not None else "0" * 64
    # Compared even for an unknown channel, so that the time taken does not tell which codes exist.
    matches = hmac.compare_digest(_secret_hash(secret or ""), expected)
    return channel if channel is not None and matches and bool(secret) else None


# ---------------------------------------------------------------------------------------------------------
# Receiving


@dataclass(frozen=True)
class Message:
    sender: str
    text: str
    message_id: str
    inline_reply: bool = False  # the gateway sends the reply in our answer itself (RapidPro)
    # When the gateway received the message (Africa's Talking's `date`), timezone-aware; None: not given or
    # unusable, and then the time we received it stands (date_problem says why, for the audit row).
    sent_at: dt.datetime | None = None
    date_problem: str = ""


# A gateway's clock may run a little ahead of ours; beyond this its date is not believed.
CLOCK_SKEW = dt.timedelta(minutes=10)


def gateway_date(raw: str, *, now: dt.datetime | None = None) -> tuple[dt.datetime | None, str]:
    """Africa's Talking's `date` ("2026-12-07 10:00:00", "2026-12-07T10:00:00.000Z", with or without an
    offset; without one it is UTC, the gateway's clock) -> (timezone-aware moment, "") or (None, the problem):
    unreadable, in the future, or older than EWER_MAX_AGE_DAYS."""
    text = (raw or "").strip()
    if not text:
        return None, ""
    try:
        moment = parse_datetime(text[:40])
    except ValueError:
        moment = None
    if moment is None:
        return None, "unreadable"
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=dt.UTC)
    now = now or timezone.now()
    if moment > now + CLOCK_SKEW:
        return None, "in the future"
    if moment < now - dt.timedelta(days=int(getattr(settings, "EWER_MAX_AGE_DAYS", 365))):
        return None, "too old"
    return min(moment, now), ""


def message_from_africastalking(form: Mapping[str, str]) -> Message | None:
    """Africa's Talking's incoming-message callback: form fields from, to, text, date, id (and linkId)."""
    sender, message_id = str(form.get("from", "")).strip(), str(form.get("id", "")).strip()
    if not sender or not message_id:
        return None
    sent_at, problem = gateway_date(str(form.get("date", "")))
    return Message(
        sender=sender,
        text=str(form.get("text", "")),
        message_id=message_id,
        sent_at=sent_at,
        date_problem=problem,
    )


def _object(body: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = body.get(key)
    return value if isinstance(value, Mapping) else {}


def message_from_rapidpro(body: Mapping[str, Any]) -> Message | None:
    """RapidPro's "Call webhook" default body: {"contact": {"urn": "tel:+250..."}, "input": {"uuid", "text"},
    "run": {"uuid"}, "results", "flow", "path"}. The message's uuid is the gateway's id."""
    contact, given = _object(body, "contact"), _object(body, "input")
    urn = str(contact.get("urn") or "")
    sender = urn.split(":", 1)[1] if ":" in urn else urn
    sender = sender.split("?", 1)[0].strip()
    text = given.get("text")
    message_id = str(given.get("uuid") or "").strip()
    if not message_id:
        message_id = str(_object(body, "run").get("uuid") or "").strip()
    if not sender or not message_id or not isinstance(text, str):
        return None
    return Message(sender=sender, text=text, message_id=message_id, inline_reply=True)


@dataclass
class Handled:
    reply: str
    status: int = 200
    signal: Signal | None = None
    created: bool = False


def _key(kind: str, value: str) -> str:
    return f"ewer-sms:{kind}:{hashlib.sha256(value.encode()).hexdigest()}"


def _flooding(sender: str) -> bool:
    """More than EWER_SMS_PER_HOUR messages from this number in the hour from its first."""
    key = _key("flood", "".join(c for c in sender if c.isdigit()) or sender)
    cache.add(key, 0, timeout=3600)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=3600)
        count = 1
    return count > int(getattr(settings, "EWER_SMS_PER_HOUR", 10))


def _send_reply(to: str, text: str) -> None:
    if not (settings.SMS_BACKEND or settings.SMS_URL):
        return
    try:
        sms_gateway.backend().send(to, text)
    except sms_gateway.SmsError as exc:
        # The number and the text stay out of the log.
        log.warning("EWER SMS reply not sent: %s", exc)


def _send_reply_later(to: str, text: str) -> None:
    """Like the notifications: the gateway's callback never waits for the outbound SMS (a thread), except
    where NOTIFICATIONS_SEND_INLINE asks to send in place (tests)."""
    in_background(
        _send_reply,
        to,
        text,
        name="ewer-sms-reply",
        inline=getattr(settings, "NOTIFICATIONS_SEND_INLINE", False),
    )


def sms_receive(*, channel: SmsChannel, message: Message) -> Handled:
    """One inbound message, handled once per gateway message id: a signal and a confirmation, or a reply
    saying what is missing. The sender's number is kept only as the signal's (encrypted) reporter phone."""
    source_ref = f"{channel.code}:{message.message_id}"[:200]
    keywords = active_keyword_table()
    existing = Signal.objects.filter(source=Source.SMS, source_ref=source_ref).first()
    seen_key = _key("seen", source_ref)
    if existing is not None or cache.get(seen_key):
        # A repeat (the gateway did not get our answer): the same reply, nothing stored or sent again.
        if len(message.text) > max_length():
            return Handled(reply_text(Parsed(Outcome.TOO_LONG, default_language())))
        parsed = parse(message.text, keywords=keywords, places=place_index())
        if existing is not None:
            return Handled(reply_text(parsed, ref=short_ref(existing)), signal=existing)
        return Handled(reply_text(parsed))
    if _flooding(message.sender):
        return Handled(reply="", status=429)
    if len(message.text) > max_length():
        parsed = Parsed(Outcome.TOO_LONG, default_language())
        handled = Handled(reply_text(parsed))
    else:
        parsed = parse(message.text, keywords=keywords, places=place_index())
        handled = _create(parsed, message=message, source_ref=source_ref)
    cache.set(seen_key, 1, timeout=24 * 3600)
    if not message.inline_reply:
        transaction.on_commit(lambda: _send_reply_later(message.sender, handled.reply))
    return handled


def _create(parsed: Parsed, *, message: Message, source_ref: str) -> Handled:
    if parsed.outcome != Outcome.SIGNAL or parsed.place is None:
        return Handled(reply_text(parsed))
    try:
        signal, created = services.signal_create(
            actor=policy.SYSTEM,
            type=parsed.type_code,
            org_unit=OrgUnit.objects.select_related("level").get(pk=parsed.place.pk),
            # The grammar has no date: the day the gateway received it (else the day we did).
            occurred_on=timezone.localdate(message.sent_at) if message.sent_at else timezone.localdate(),
            description=parsed.description,
            reporter={"phone": message.sender[: services.MAX_REPORTER_PHONE]},
            source=Source.SMS,
            source_ref=source_ref,
        )
    except ValidationFailed as exc:
        log.info("EWER SMS refused on %s", exc.field or "?")
        outcome = {"org_unit": Outcome.UNKNOWN_PLACE, "type": Outcome.UNKNOWN_TYPE}.get(exc.field or "")
        failed = Parsed(outcome or Outcome.FAILED, parsed.language, word="", keywords=parsed.keywords)
        return Handled(reply_text(failed))
    if created and message.date_problem:
        # Noted where the signal's history is read (the audit), never with the number or the text.
        log.info("EWER SMS: gateway date %s, the time received used", message.date_problem)
        audit_record(
            actor=policy.SYSTEM,
            action=AuditAction.UPDATE,
            object_type="warning.signal",
            object_id=str(signal.uuid),
            object_repr=str(signal),
            org_unit_path=signal.org_unit.path,
            sensitive=True,
            changes={"gateway_date": message.date_problem, "occurred_on": "received"},
            message=f"SMS gateway date {message.date_problem}: the day received used",
        )
    return Handled(reply_text(parsed, ref=short_ref(signal)), signal=signal, created=created)


def _secret_of(request: HttpRequest) -> str:
    return request.headers.get("X-Amahoro-Secret", "") or request.GET.get("secret", "")


@csrf_exempt
@require_POST
def inbound_sms_view(request: HttpRequest, channel: str) -> HttpResponse:
    """`POST /api/v1/ewer/inbound/sms/<channel>`: Africa's Talking (form) or RapidPro (JSON)."""
    found = channel_authenticate(channel, _secret_of(request))
    if found is None:
        return HttpResponse(status=403)
    message: Message | None
    if request.content_type == "application/json":
        try:
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None
        message = message_from_rapidpro(body) if isinstance(body, dict) else None
    else:
        message = message_from_africastalking(request.POST)
    if message is None:
        return JsonResponse(
            {"error": "expected Africa's Talking or RapidPro fields (sender, id, text)"}, status=400
        )
    handled = sms_receive(channel=found, message=message)
    if handled.status == 429:
        return JsonResponse({"error": "too many messages from this number; try again later"}, status=429)
    return JsonResponse({"reply": handled.reply}, status=handled.status)
