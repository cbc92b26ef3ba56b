"""Data migrations hold frozen copies of what they need (a migration never imports live code); these tests
prove the copies still agree with the live code they were taken from."""

from __future__ import annotations

import importlib

from amahoro.collection import xforms
from amahoro.programmes import scoring


def test_gem_migration_creates_the_live_gem_definition() -> None:
    mig = importlib.import_module("amahoro.programmes.migrations.0003_gem_scale")
    live = scoring.gem_definition()
    assert (
        live.code,
        live.name,
        live.name_fr,
        live.description,
        live.source,
    ) == (mig.CODE, mig.NAME, mig.NAME_FR, mig.DESCRIPTION, mig.GEM_SOURCE)
    frozen = [(t, mig.INEQUITABLE_SCORES, "inequitable") for t in mig.GEM_INEQUITABLE] + [
        (t, mig.EQUITABLE_SCORES, "equitable") for t in mig.GEM_EQUITABLE
    ]
    assert [(f"GEM{n + 1:02d}", *row) for n, row in enumerate(frozen)] == [
        (i.code, i.text, i.scores, i.subscale) for i in live.items
    ]
    assert list(mig.BANDS) == [(b.name, b.min, b.max) for b in live.bands]
    assert live.max_missing == 0


def test_media_backfill_migration_reads_media_like_the_live_reader() -> None:
    mig = importlib.import_module("amahoro.collection.migrations.0004_backfill_media_expected")
    xml = (
        '<h:html xmlns="http://www.w3.org/2002/xforms" xmlns:h="http://www.w3.org/1999/xhtml"><h:head>'
        "<model><instance><data><q/></data></instance></model></h:head><h:body>"
        '<input ref="/data/q" query="instance(\'x\')/root/item"><label>jr://images/logo.png</label></input>'
        '<upload mediatype="audio/*" ref="/data/a"><hint ref="jr:itext(\'h\')"/>'
        "<label>jr://audio/hello.mp3 and jr://file-csv/list.csv</label></upload>"
        "</h:body></h:html>"
    )
    assert mig.media_references(xml) == xforms.media_references(xml)
    assert mig.media_references(xml) == ["hello.mp3", "itemsets.csv", "list.csv", "logo.png"]
    assert mig.media_references("<not xml") is None
    assert mig.media_references('<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>') is None
