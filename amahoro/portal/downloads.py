"""Open-data downloads of the portal: each dataset as rows (aggregates only), written as CSV with an HXL
hashtag row under the header (https://hxlstandard.org) or as JSON."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from amahoro.core import tabular

from . import selectors


@dataclass(frozen=True)
class Column:
    name: str
    hxl: str


@dataclass(frozen=True)
class Dataset:
    name: str
    title: str | Promise  # in the page's language
    columns: tuple[Column, ...]
    rows: Callable[[], list[dict[str, Any]]]


def _progress_rows() -> list[dict[str, Any]]:
    data = selectors.nap_progress()
    if not data:
        return []
    out = []
    for pillar in data["pillars"]:
        for node, parent in [(pillar, ""), *((o, pillar["code"]) for o in pillar["outcomes"])]:
            out.append(
                {
                    "framework": data["framework"]["code"],
                    "code": node["code"],
                    "kind": node["kind"],
                    "name": node["name"],
                    "parent": parent,
                    "status": node["status"],
                    "score_pct": node["score"],
                    "start": data["period"]["start"],
                    "end": data["period"]["end"],
                }
            )
    return out


def _funding_rows() -> list[dict[str, Any]]:
    return [
        {
            "framework": selectors.portal_framework_code(),
            "code": r["node_code"],
            "name": r["node_name"],
            "planned": r["planned"],
            "committed": r["committed"],
            "disbursed": r["disbursed"],
            "spent": r["spent"],
            "gap": r["gap"],
            "burn_rate": r["burn_rate"],
            "currency": r["currency"],
        }
        for r in selectors.funding_by_pillar()
    ]


def _participation_rows() -> list[dict[str, Any]]:
    return list(selectors.participation()["history"])


def _peacekeeping_rows() -> list[dict[str, Any]]:
    out = []
    for s in selectors.participation()["parity"]:
        target = s["targets"][-1] if s["targets"] else None
        for p in s["points"]:
            out.append(
                {
                    "personnel_type": s["label"],
                    "period": p["period"],
                    "women": p["women"],
                    "men": p["men"],
                    "share_women_pct": p["share"],
                    "target_pct": target["value"] if target else None,
                    "target_period": target["period"] if target else None,
                }
            )
    return out


def _assessment_rows() -> list[dict[str, Any]]:
    out = []
    for summary in selectors.consultations():
        rnd = summary["round"]
        for outcome in summary["outcomes"]:
            for a in outcome["cso_assessments"]:
                out.append(
                    {
                        "round": rnd["title"],
                        "framework": rnd["framework"],
                        "published": rnd["published_at"],
                        "outcome": outcome["code"],
                        "outcome_name": outcome["name"],
                        "official_status": outcome["official_status"],
                        "organisation": a["organisation"],
                        "rating": a["rating"],
                        "rating_label": a["rating_label"],
                        "evidence": a["evidence"],
                        "comment": a["comment"],
                        "responses": " | ".join(f"{r['agency']}: {r['text']}" for r in a["responses"]),
                    }
                )
    return out


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(
            "progress",
            _("NAP progress by pillar and outcome"),
            (
                Column("framework", "#meta+framework"),
                Column("code", "#output+code"),
                Column("kind", "#output+type"),
                Column("name", "#output+name"),
                Column("parent", "#output+parent+code"),
                Column("status", "#status+progress"),
                Column("score_pct", "#indicator+score+pct"),
                Column("start", "#date+start"),
                Column("end", "#date+end"),
            ),
            _progress_rows,
        ),
        Dataset(
            "funding",
            _("Funding per pillar"),
            (
                Column("framework", "#meta+framework"),
                Column("code", "#output+code"),
                Column("name", "#output+name"),
                Column("planned", "#value+planned"),
                Column("committed", "#value+committed"),
                Column("disbursed", "#value+disbursed"),
                Column("spent", "#value+spent"),
                Column("gap", "#value+gap"),
                Column("burn_rate", "#indicator+burn_rate"),
                Column("currency", "#currency"),
            ),
            _funding_rows,
        ),
        Dataset(
            "participation",
            _("Women's representation series"),
            (
                Column("series", "#indicator+code"),
                Column("series_name", "#indicator+name"),
                Column("group", "#meta+group"),
                Column("period", "#date+period"),
                Column("women", "#population+f"),
                Column("men", "#population+m"),
                Column("share", "#indicator+pct+f"),
            ),
            _participation_rows,
        ),
        Dataset(
            "peacekeeping",
            _("Women in UN peace operations against the parity targets"),
            (
                Column("personnel_type", "#meta+personnel_type"),
                Column("period", "#date+period"),
                Column("women", "#population+f"),
                Column("men", "#population+m"),
                Column("share_women_pct", "#indicator+pct+f"),
                Column("target_pct", "#indicator+pct+target"),
                Column("target_period", "#date+target"),
            ),
            _peacekeeping_rows,
        ),
        Dataset(
            "assessments",
            _("Published civil-society assessments"),
            (
                Column("round", "#meta+round"),
                Column("framework", "#meta+framework"),
                Column("published", "#date+published"),
                Column("outcome", "#output+code"),
                Column("outcome_name", "#output+name"),
                Column("official_status", "#status+official"),
                Column("organisation", "#org+name"),
                Column("rating", "#indicator+rating"),
                Column("rating_label", "#status+cso"),
                Column("evidence", "#description+evidence"),
                Column("comment", "#description+comment"),
                Column("responses", "#description+response"),
            ),
            _assessment_rows,
        ),
    )
}


def as_csv(dataset: Dataset) -> str:
    """The dataset as CSV: a header, the HXL hashtags, then the rows."""
    body = ([row.get(c.name) for c in dataset.columns] for row in dataset.rows())
    header = [c.name for c in dataset.columns]
    return tabular.csv_text([header, *body], hxl=[c.hxl for c in dataset.columns], lineterminator="\n")


def as_json(dataset: Dataset) -> dict[str, Any]:
    return {
        "dataset": dataset.name,
        "title": str(dataset.title),
        "hxl": {c.name: c.hxl for c in dataset.columns},
        "rows": [{c.name: row.get(c.name) for c in dataset.columns} for row in dataset.rows()],
    }
