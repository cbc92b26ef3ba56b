"""Every page in French and Kinyarwanda, as each demo role, shows no English left (issue 17, item 4).

The crawl starts at each role's home page and a list of main pages, follows the links (and the htmx
fragments a page loads) it finds, and reads every visible text (and the texts of title, placeholder,
aria-label, alt attributes). A text fails when it is:
- an English message of our catalogue (amahoro/locale/<lang>/LC_MESSAGES/django.po, read at test time) whose
  translation differs from it, printed untranslated, alone or with its placeholders filled in;
- the English name or description of content (frameworks, nodes, indicators, data elements, options,
  signal types) that has another name in the language, or none at all;
- an English month name ("December 2018");
- a raw code (`sexual_assault`, `safe_house`): words joined by underscores, or a permission code (`case.view`).
Proper nouns and codes that are the same in every language are listed in ALLOWED (and usernames are names).
Text inside <code>, or marked translate="no" (raw submitted data), or in another language (lang="en" on a
notification written in its recipient's language) is not read.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from amahoro.accounts.models import User
from amahoro.dashboards.models import Dashboard, Favourite
from amahoro.roles import Perm
from amahoro.site import demo

pytestmark = [pytest.mark.django_db, pytest.mark.frontend]

LANGS = ("rw", "fr")
LOCALE = Path(settings.LOCALE_PATHS[0])

# The main pages: each role reads those its pages link to; the others are read once per language even when no
# link leads there (a role without access gets its refusal page, which must be translated too).
MAIN_URLS = (
    "/",
    "/my-work/",
    "/help/",
    "/about/",
    "/places/",
    "/frameworks/",
    "/data/entry/",
    "/data/completeness/",
    "/analytics/",
    "/dashboards/",
    "/reports/",
    "/funding/",
    "/programmes/",
    "/collection/",
    "/cases/",
    "/cases/statistics/",
    "/cases/referrals/incoming/",
    "/warning/",
    "/directory/",
    "/consultations/",
    "/participation/",
    "/public/",
    "/organisations/",
    "/users/",
    "/audit/",
    "/notifications/",
    "/report/",
)
# Never followed: leaving the site, signing out, the admin (Django's own, translated by Django), files.
SKIP = re.compile(
    r"^/(?:api/|admin/|i18n/|accounts/logout|openrosa/|static/|media/|health|metrics)"
    r"|\.(?:csv|xlsx|pdf|json|geojson|png|xml|zip|yaml|yml|js|css)(?:$|\?)"
    r"|/(?:download|export)s?(?:/|$|\?)"
)
# How many pages of one shape (ids replaced) are read per language: the second case page says what the first said.
PER_SHAPE = 1
MAX_PAGES_PER_ROLE = 50

# Texts that are the same in every language: names of the platform and of organisations, programmes,
# standards and products.
ALLOWED = {
    "Amahoro",
    "RWAMREC",
    "Isange",
    "DHIS2",
    "GBVIMS",
    "HXL",
    "IATI",
    "ODK",
    "ODK Collect",
    "KoboCollect",
    "Enketo",
    "OpenRosa",
    "XLSForm",
    "CSV",
    "XLSX",
    "PDF",
    "JSON",
    "YAML",
    "PNG",
    "API",
    "SMS",
    "TOTP",
    "PEP",
    "URL",
    "OK",
    "English",
    "Français",
    "Kinyarwanda",
}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
MONTH_RE = re.compile(r"\b(?:" + "|".join(MONTHS) + r")\b")
RAW_CODE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")
PERM_CODE = re.compile(r"\b(?:" + "|".join(re.escape(p.value) for p in Perm) + r")\b")
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sdf]|%[sdf]|\{[a-z_]*\}")
TEXT_ATTRS = ("title", "placeholder", "aria-label", "alt")


# ---------------------------------------------------------------------------------------------------------
# The catalogue: English messages and their translations, as they stand when the test runs.


def _po_entries(po: Path) -> Iterator[tuple[str, str, str]]:
    """(msgctxt, msgid, msgstr) of each entry of a .po file (plural forms: the singular and msgstr[0])."""

    def unquote(s: str) -> str:
        return s[1:-1].encode("raw_unicode_escape").decode("unicode_escape")

    entry: dict[str, str] = {}
    key = ""
    for line in [*po.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line or line.startswith("#"):
            if "msgid" in entry:
                yield entry.get("msgctxt", ""), entry["msgid"], entry.get("msgstr", "")
            if not line:
                entry, key = {}, ""
            continue
        if line.startswith('"'):
            if key:
                entry[key] = entry.get(key, "") + unquote(line)
            continue
        word, _, rest = line.partition(" ")
        key = {"msgstr[0]": "msgstr"}.get(word, word)
        if key in ("msgctxt", "msgid", "msgstr"):
            entry[key] = unquote(rest)
        else:
            key = ""


def _norm(text: str) -> str:
    return " ".join(text.split())


@dataclass
class Catalogue:
    lang: str
    english: set[str] = field(default_factory=set)  # messages that read differently in the language
    templates: list[re.Pattern[str]] = field(default_factory=list)  # the same, with placeholders
    own: set[str] = field(default_factory=set)  # texts of the language (a translation is never "English")
    names: set[str] = field(default_factory=set)  # people's usernames: names, the same in every language

    @classmethod
    def load(cls, lang: str) -> Catalogue:
        cat = cls(lang)
        with translation.override(lang):
            compiled = translation.trans_real.translation(lang)._catalog  # type: ignore[attr-defined]
        for ctxt, msgid, _msgstr in _po_entries(LOCALE / lang / "LC_MESSAGES" / "django.po"):
            if not msgid:
                continue
            key = f"{ctxt}\x04{msgid}" if ctxt else msgid
            found = compiled.get(key) or compiled.get((key, 0)) or ""
            english = _norm(msgid)
            if found:
                cat.own.add(_norm(found))
            if _norm(found) == english or english in ALLOWED or not re.search(r"[A-Za-z]{2}", english):
                continue
            if PLACEHOLDER.search(english):
                literal = PLACEHOLDER.sub("", english)
                if len(re.sub(r"\W", "", literal)) >= 8:  # "%(n)s / %(m)s" says nothing English
                    parts = [re.escape(p) for p in PLACEHOLDER.split(english)]
                    cat.templates.append(re.compile(".+?".join(parts)))
            else:
                cat.english.add(english)
        return cat

    def content(self, names: Iterable[tuple[str, str]]) -> None:
        """English names of content: each (English, in this language) pair that differs."""
        for english, own in names:
            english = _norm(english or "")
            if english and english != _norm(own or "") and english not in ALLOWED:
                self.english.add(english)
                if own:
                    self.own.add(_norm(own))


def _content_names(lang: str) -> Iterator[tuple[str, str]]:
    from amahoro.frameworks.models import Framework, Indicator, Node
    from amahoro.metadata.models import Category, CategoryCombo, CategoryOption, DataElement
    from amahoro.warning.models import SignalType

    for model in (
        Framework,
        Node,
        Indicator,
        DataElement,
        Category,
        CategoryCombo,
        CategoryOption,
        SignalType,
    ):
        for row in model.objects.all():
            yield row.name, getattr(row, f"name_{lang}")
            if getattr(row, "description", "") and hasattr(row, f"description_{lang}"):
                yield row.description, getattr(row, f"description_{lang}")


# ---------------------------------------------------------------------------------------------------------
# Reading a page


class _Texts(HTMLParser):
    """Visible texts, the texts of TEXT_ATTRS and the links (href, hx-get) of a page."""

    HIDDEN = {"script", "style", "template", "code", "pre", "kbd", "samp", "noscript"}
    VOID = {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    }

    def __init__(self, lang: str = "") -> None:
        super().__init__(convert_charrefs=True)
        self.lang = lang
        self.texts: list[str] = []
        self.links: list[str] = []
        self._stack: list[tuple[str, bool]] = []  # (tag, hides its text)

    def _hidden(self) -> bool:
        return any(h for _, h in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        hides = (
            tag in self.HIDDEN
            or a.get("translate") == "no"
            or (bool(a.get("lang")) and tag != "html" and not a["lang"].startswith(self.lang))
            or ("aria-hidden" in a and tag == "svg")
        )
        for name in ("href", "hx-get"):
            if a.get(name):
                self.links.append(a[name])
        if not self._hidden() and not hides:
            self.texts += [a[k] for k in TEXT_ATTRS if a.get(k)]
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.texts.append(a["value"])
        if tag not in self.VOID:
            self._stack.append((tag, hides))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                return

    def handle_data(self, data: str) -> None:
        text = _norm(data)
        if text and not self._hidden():
            self.texts.append(text)


def english_left(html: str, cat: Catalogue) -> tuple[list[str], list[str]]:
    parser = _Texts(cat.lang)
    parser.feed(html)
    found = []
    for text in parser.texts:
        if text in ALLOWED or text in cat.own or text in cat.names or text.split(" · ")[0] in cat.names:
            continue
        # "Status: Verified" and "Home ·" are read as their parts too.
        pieces = {text, *(p.strip(" :·|,.()") for p in re.split(r"[:·|]", text))}
        bad = (
            any(p in cat.english for p in pieces if p and p not in cat.own)
            or bool(MONTH_RE.search(text))
            or bool(RAW_CODE.match(text))
            or bool(PERM_CODE.search(text))
            or any(t.fullmatch(text) for t in cat.templates)
        )
        if bad:
            found.append(text)
    return found, parser.links


# ---------------------------------------------------------------------------------------------------------
# The crawl


SHAPE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\d+")


def _shape(url: str) -> str:
    path = urlsplit(url).path
    return SHAPE.sub("#", path)


def crawl(
    client: Client, cat: Catalogue, shapes: dict[str, int], read: set[str]
) -> tuple[dict[str, list[str]], int]:
    """{url: English texts} for the pages a role reaches, and how many pages were read.

    Each role reads its home page and every main page its pages link to (what each role may see differs
    most there); a main page no link leads to (a refusal, mostly) is read once per language (`read`), and
    any other page once per URL shape per language (`shapes`): the second case page says what the first
    said."""
    queue = ["/"]
    seen: set[str] = set()
    linked: set[str] = set()
    problems: dict[str, list[str]] = {}
    pages = 0
    while pages < MAX_PAGES_PER_ROLE:
        if not queue:
            rest = [u for u in MAIN_URLS if u not in seen and u not in read]
            if not rest:
                break
            queue.append(rest[0])
        url = urldefrag(queue.pop(0))[0]
        if url in seen or not url.startswith("/") or url.startswith("//") or SKIP.search(url):
            continue
        if re.search(r"[?&]lang=", url) and f"lang={cat.lang}" not in url:  # a link to another language
            continue
        seen.add(url)
        if url in MAIN_URLS:
            if url not in linked and url != "/" and url in read:
                continue
        else:
            shape = _shape(url)
            if shapes.get(shape, 0) >= PER_SHAPE:
                continue
            shapes[shape] = shapes.get(shape, 0) + 1
        read.add(url)
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=cat.lang)
        if response.status_code in (301, 302):
            queue.insert(0, response["Location"])
            continue
        if "text/html" not in response.get("Content-Type", ""):
            continue
        pages += 1
        english, links = english_left(response.content.decode(), cat)
        if english:
            problems[url] = sorted(set(english))
        linked.update(links)
        queue += [link for link in links if link not in seen]
    return problems, pages


@pytest.fixture
def loaded(demo_once: demo.DemoResult) -> demo.DemoResult:
    return demo_once


class TestEveryPageIsTranslated:
    @pytest.mark.parametrize("lang", LANGS)
    def test_no_english_left_for_any_demo_role(self, loaded: demo.DemoResult, lang: str) -> None:
        cat = Catalogue.load(lang)
        cat.content(_content_names(lang))
        # Usernames, and the titles people gave their dashboards and favourites: names, not UI.
        cat.names = {
            *User.objects.values_list("username", flat=True),
            *Dashboard.objects.values_list("name", flat=True),
            *Favourite.objects.values_list("name", flat=True),
        }
        started = time.monotonic()
        report: list[str] = []
        total = 0
        shapes: dict[str, int] = {}
        read: set[str] = set()
        for spec in demo.USERS:
            client = Client()
            client.force_login(User.objects.get(username=spec.username))
            client.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
            problems, pages = crawl(client, cat, shapes, read)
            total += pages
            report += [f"{spec.username} {url}: {texts}" for url, texts in problems.items()]
        anonymous = Client()
        anonymous.cookies[settings.LANGUAGE_COOKIE_NAME] = lang
        problems, pages = crawl(anonymous, cat, shapes, read)
        total += pages
        report += [f"anonymous {url}: {texts}" for url, texts in problems.items()]
        assert total > 150, f"the crawl read only {total} pages"
        assert not report, f"English left in {lang} ({len(report)} pages):\n" + "\n".join(report)
        print(f"{lang}: {total} pages in {time.monotonic() - started:.1f} s")


def test_the_checker_finds_english_months_codes_and_messages() -> None:
    cat = Catalogue(lang="rw", english={"Referral inbox"}, own={"Ubutumwa"})
    cat.templates.append(re.compile("Signed in as .+?"))
    html = (
        "<main><h1>Referral inbox</h1><p>Ukuboza 2018</p><td>December 2018</td><td>sexual_assault</td>"
        '<input placeholder="Referral inbox"><code>safe_house</code><p>Signed in as Alice</p>'
        "<script>var x = 'Referral inbox'</script><span>Amahoro</span><p>Ubutumwa</p>"
        '<p lang="en">Referral inbox</p><td translate="no">safe_house</td><td>case.view, data.enter</td></main>'
    )
    found, _ = english_left(html, cat)
    assert found == [
        "Referral inbox",
        "December 2018",
        "sexual_assault",
        "Referral inbox",
        "Signed in as Alice",
        "case.view, data.enter",
    ]


def test_the_catalogue_reader_knows_the_navigation() -> None:
    cat = Catalogue.load("rw")
    assert "Referral inbox" in cat.english
    assert "Amahoro" not in cat.english
