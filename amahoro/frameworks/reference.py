"""`amahoro load_reference nap-rw-2018`: Rwanda's National Action Plan on UNSCR 1325 (2018-2022), its 5
pillars and 15 outcomes, from the copy kept in amahoro/frameworks/data/. Loading twice changes nothing."""

from __future__ import annotations

from pathlib import Path

from amahoro import policy

NAP_FILE = Path(__file__).parent / "data" / "rwanda-nap-1325-2018-2022.yaml"
NAP_CODE = "RW-NAP1325-2018"
NAP_CREDIT = "Pillars and outcomes: Rwanda National Action Plan 2018-2022 on UNSCR 1325, as summarised in the project's seed."


def load_nap_rw_2018() -> str:
    from .interchange import framework_import, read_file
    from .models import Node

    report = framework_import(actor=policy.SYSTEM, bundle=read_file(NAP_FILE))
    fw = report.framework
    pillars = Node.objects.filter(framework=fw, kind="pillar").count()
    outcomes = Node.objects.filter(framework=fw, kind="outcome").count()
    return f"{fw.code} loaded: {pillars} pillars, {outcomes} outcomes. {report.summary()}\n{NAP_CREDIT}"
