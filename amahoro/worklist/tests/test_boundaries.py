"""The PEP countdown on the worker's rendered My work page at the 72 h boundary: one minute left at 71 h 59 min,
the window passed at exactly 72 h 00 min and at 72 h 01 min after the incident (cases/deadlines.py)."""

from __future__ import annotations

import datetime as dt
import functools
import re
from typing import Any

import pytest

from amahoro.cases import deadlines
from amahoro.worklist import selectors
from conftest import assert_page_ok, client_for

from .conftest import rape_case


def pep_item(html: str) -> tuple[str, str]:
    """(data-state, link text) of the rendered PEP item."""
    found = re.search(r'<li data-kind="pep" data-state="([a-z]*)"[^>]*>\s*<a href="[^"]+">([^<]+)</a>', html)
    assert found, html
    return found.group(1), found.group(2)


@pytest.mark.parametrize(
    ("after", "state", "text"),
    [
        (dt.timedelta(hours=71, minutes=59), "closing", "PEP for case {code}: 0 h 01 min left"),
        (dt.timedelta(hours=72), "passed", "PEP window passed for case {code}: record what was done"),
        (
            dt.timedelta(hours=72, minutes=1),
            "passed",
            "PEP window passed for case {code}: record what was done",
        ),
    ],
)
def test_the_pep_item_at_the_72_hour_boundary(
    wc: Any, monkeypatch: Any, after: dt.timedelta, state: str, text: str
) -> None:
    incident = rape_case(wc.worker)
    now = deadlines.clock_start(incident.incident_date, incident.incident_time) + after
    # The page reads the worklist at that instant (the same clock the case page and the API read).
    monkeypatch.setattr(selectors, "worklist", functools.partial(selectors.worklist, now=now))
    html = assert_page_ok(client_for(wc.worker).get("/my-work/"))
    assert pep_item(html) == (state, text.format(code=incident.survivor.code))
    # Emergency contraception (120 h) is still open at all three instants.
    assert '<li data-kind="ec" data-state="open"' in html
