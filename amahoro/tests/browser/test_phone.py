"""Every main page on a phone (360 x 740, issue 17): nothing scrolls sideways, and axe-core (vendored from
npm by scripts/vendor_static.py) finds no serious or critical accessibility violation.

The demo (`load_demo`) is loaded once and each demo role walks the pages of its own menu, plus a few
detail pages the menu leads to; a page already visited by an earlier role is not visited again, so the
walk stays near a minute. Failures are collected and reported together, by role and page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.frontend, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "static" / "vendor" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 740}
# Roles chosen so that together their menus hold every main page (admin sees all but the case pages).
ROLES = ("admin", "case_worker", "clerk_musanze", "viewer", "police_gasabo", "ewer_musanze")
# Detail pages the menus lead to, by a link matching the pattern on the list page (first match).
DETAILS = (
    ("/frameworks/", r"^/frameworks/[^/]+/$"),
    ("/programmes/", r"^/programmes/[^/]+/$"),
    ("/cases/", r"^/cases/[0-9a-f-]{36}/$"),
    ("/warning/", r"^/warning/[0-9a-f-]{36}/$"),
    ("/organisations/", r"^/organisations/[^/]+/$"),
)
# Never followed: they change state, leave the site's pages, or are files.
SKIP = re.compile(r"^/(accounts/logout|admin/|i18n/|api/|public/.*\.(csv|xlsx|json))")
# Controls a finger presses, shown on the page, less than 44 CSS px tall (checkboxes and radios aside: their
# labels are the target); at most three named.
SMALL_TARGETS = """() => [...document.querySelectorAll(
    'button, select, textarea, input:not([type=hidden]):not([type=checkbox]):not([type=radio]), .button')]
  .filter(e => { const r = e.getBoundingClientRect(); return r.width > 0 && r.height > 0 && r.height < 43.5; })
  .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.name ? '[name=' + e.name + ']' : '')
    + ' ' + Math.round(e.getBoundingClientRect().height) + 'px')"""
# The folded menu's share of the first screen (the header's height over the viewport's).
HEADER_SHARE = (
    "() => document.querySelector('header.top').getBoundingClientRect().height / window.innerHeight"
)
AXE_RUN = """async () => {
  const r = await axe.run(document, {resultTypes: ['violations']});
  return r.violations.filter(v => v.impact === 'serious' || v.impact === 'critical').map(
    v => v.id + ' (' + v.impact + '): ' + v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | '));
}"""


@pytest.fixture
def demo(rwanda_slice: dict[str, int]) -> Any:
    from amahoro.site import demo

    return demo.demo_load()


def _sign_in(page: Any, live_server: Any, username: str, password: str) -> None:
    page.goto("about:blank")  # the last page's polling (bell, entry queue) must not run signed out
    page.context.clear_cookies()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def _menu(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "nav#main-menu a[href^='/']", "els => els.map(a => a.getAttribute('href'))"
    )


def _problems(page: Any) -> list[str]:
    out: list[str] = []
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > PHONE["width"]:
        wide = page.evaluate(
            """() => [...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 361)
                 .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                 + (e.className && typeof e.className === 'string' ? '.' + e.className.split(' ').join('.') : ''))"""
        )
        out.append(f"scrolls sideways: {width} px wide ({', '.join(wide)})")
    small = page.evaluate(SMALL_TARGETS)
    if small:
        out.append(f"touch targets under 44 px: {', '.join(small)}")
    out.extend(f"axe: {v}" for v in page.evaluate(AXE_RUN))
    return out


def test_every_main_page_fits_a_phone_and_passes_axe(browser, live_server, demo, console) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-GB", is_mobile=True, has_touch=True)
    context.add_init_script(path=str(AXE))  # by the browser's debugger: no CSP exception on the site
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.on("console", console.on_console)
    page.on("pageerror", console.on_page_error)
    failures: list[str] = []
    seen: set[str] = set()
    visited = 0
    try:
        for username in ROLES:
            _sign_in(page, live_server, username, demo.password)
            share = page.evaluate(HEADER_SHARE)
            if share > 0.15:
                failures.append(f"{username} /: the folded menu takes {share:.0%} of the first screen")
            paths = ["/", *_menu(page)]
            for start, pattern in DETAILS:
                if start in paths:
                    page.goto(f"{live_server.url}{start}")
                    links = [h for h in _menu_free_links(page) if re.match(pattern, h)]
                    paths.extend(links[:1])
            for path in dict.fromkeys(paths):
                if SKIP.match(path) or (path in seen and path != "/"):
                    continue
                seen.add(path)
                response = page.goto(f"{live_server.url}{path}")
                assert response is not None
                page.wait_for_load_state("load")
                visited += 1
                if response.status >= 400:
                    failures.append(f"{username} {path}: HTTP {response.status}")
                    continue
                failures.extend(f"{username} {path}: {p}" for p in _problems(page))
    finally:
        context.close()
    assert visited >= 25, f"only {visited} pages visited"
    assert not failures, "\n".join(failures)
    assert not console.errors


def _menu_free_links(page: Any) -> list[str]:
    return page.eval_on_selector_all("main a[href^='/']", "els => els.map(a => a.getAttribute('href'))")
