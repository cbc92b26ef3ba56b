"""Framework files: YAML/JSON in the reference file's shape plus indicators, targets and links; the XLSX
template; all-or-nothing imports with row-level errors; the import_framework / export_framework commands."""

from __future__ import annotations

import io
import json
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook, load_workbook

from amahoro import policy
from amahoro.frameworks import interchange
from amahoro.frameworks.models import Framework, Indicator, Node, NodeLink, Target

from .factories import ngo_framework

pytestmark = pytest.mark.django_db

PLAN = """
framework:
  code: NGO1-SP-2022
  name: NGO1 strategic plan 2022-2026
  name_fr: Plan stratégique
  organisation: NGO1
  org_unit: "11"
  start: 2022-01-01
  end: 2026-12-31
  goals:
    - code: G1
      name: Communities free of GBV
      responsible: [NGO1]
      outcomes:
        - code: O1
          name: Men and boys engaged in preventing GBV
          outputs:
            - {code: O1.1, name: Awareness sessions held}
  indicators:
    - code: SP-REACH
      name: People reached by awareness sessions
      type: count
      unit: people
      numerator: "#{GBV_AWARE}"
      baseline: {value: 1200, date: 2021-12-31}
      means_of_verification: Attendance sheets
      nodes: [O1]
      targets:
        - {org_unit: "11", period: "2022", value: 1500}
        - {org_unit: "11", period: "2023", value: 2000, lower: 1800, upper: 2500}
    - code: SP-WOMEN
      name: Share of women reached
      type: percentage
      numerator: "#{GBV_AWARE.F_15_24} + #{GBV_AWARE.F_25_49}"
      denominator: "#{GBV_AWARE}"
      factor: 100
      nodes: [O1.1]
  links:
    - source: O1
      target: {framework: RW-NAP1325-2018, node: P2.O1}
"""


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


@pytest.fixture
def setup(cast: Any, nap: Any, sex_age: None) -> Any:
    return cast


def test_yaml_import_creates_everything(setup: Any) -> None:
    report = interchange.framework_import(
        actor=setup.me_nyarugenge, bundle=interchange.parse_text(PLAN, "yaml")
    )
    assert report.created == {"frameworks": 1, "nodes": 3, "indicators": 2, "targets": 2, "links": 1}
    fw = Framework.objects.get(code="NGO1-SP-2022")
    assert fw.organisation == setup.ngo and fw.org_unit.code == "11" and fw.name_fr == "Plan stratégique"
    assert Node.objects.get(framework=fw, code="O1.1").parent.code == "O1"
    assert list(Node.objects.get(framework=fw, code="G1").responsible.values_list("code", flat=True)) == [
        "NGO1"
    ]
    reach = Indicator.objects.get(code="SP-REACH")
    assert (
        reach.framework == fw
        and reach.baseline_value == 1200
        and [n.code for n in reach.nodes.all()] == ["O1"]
    )
    band = Target.objects.get(indicator=reach, period="2023")
    assert (band.value, band.lower, band.upper, str(band.start)) == (2000, 1800, 2500, "2023-01-01")
    assert NodeLink.objects.get(source__framework=fw).target.code == "P2.O1"
    # Again: everything is found by code and updated; nothing is duplicated.
    again = interchange.framework_import(
        actor=setup.me_nyarugenge, bundle=interchange.parse_text(PLAN, "yaml")
    )
    assert again.created == {} and again.updated["nodes"] == 3
    assert Node.objects.filter(framework=fw).count() == 3 and Target.objects.count() == 2


def test_yaml_and_json_export_round_trip(setup: Any) -> None:
    interchange.framework_import(actor=policy.SYSTEM, bundle=interchange.parse_text(PLAN, "yaml"))
    fw = Framework.objects.get(code="NGO1-SP-2022")
    doc = yaml.safe_load(interchange.framework_yaml(fw))
    original = yaml.safe_load(PLAN)
    assert doc["framework"]["goals"] == original["framework"]["goals"]
    assert doc["framework"]["links"] == original["framework"]["links"]
    assert doc["framework"]["indicators"][0]["targets"][1] == {
        "org_unit": "11",
        "period": "2023",
        "value": 2000.0,
        "lower": 1800.0,
        "upper": 2500.0,
    }
    as_json = json.loads(interchange.framework_json(fw))
    assert as_json["framework"]["start"] == "2022-01-01"
    # The export of the NAP has the reference file's shape.
    nap = yaml.safe_load(interchange.framework_yaml(Framework.objects.get(code="RW-NAP1325-2018")))[
        "framework"
    ]
    ref = yaml.safe_load(
        Path(interchange.__file__).parent.joinpath("data", "rwanda-nap-1325-2018-2022.yaml").read_text()
    )["framework"]
    assert nap["pillars"] == ref["pillars"]
    # Importing an export again changes nothing.
    Framework.objects.filter(code="NGO1-SP-2022").update(name="changed")
    interchange.framework_import(actor=policy.SYSTEM, bundle=interchange.parse_document(as_json))
    assert Framework.objects.get(code="NGO1-SP-2022").name == "NGO1 strategic plan 2022-2026"


def test_every_error_is_reported_and_nothing_is_written(setup: Any) -> None:
    doc = yaml.safe_load(PLAN)
    fw = doc["framework"]
    fw["goals"][0]["outcomes"][0]["outputs"][0]["kind"] = "dream"
    fw["goals"][0]["outcomes"].append({"code": "O1", "name": "Twice", "colour": "red"})
    fw["indicators"][0]["numerator"] = "#{GBV_AWARE} *"
    fw["indicators"][1]["nodes"] = ["NOPE"]
    fw["indicators"][0]["targets"][0]["period"] = "2022Q5"
    fw["indicators"][0]["targets"][1]["org_unit"] = "99"
    fw["links"][0]["target"]["node"] = "P9.O9"
    with pytest.raises(interchange.FrameworkImportFailed) as info:
        interchange.framework_import(actor=policy.SYSTEM, bundle=interchange.parse_document(doc))
    where = {e["where"]: e["message"] for e in info.value.errors}
    assert "unknown key(s) 'colour'" in where["framework.goals[0].outcomes[1]"]
    assert len(info.value.errors) == 1  # the file's shape first: nothing is checked against the database yet
    del fw["goals"][0]["outcomes"][1]["colour"]
    with pytest.raises(interchange.FrameworkImportFailed) as info:
        interchange.framework_import(actor=policy.SYSTEM, bundle=interchange.parse_document(doc))
    where = {e["where"]: e["message"] for e in info.value.errors}
    assert "unknown node kind 'dream'" in where["framework.goals[0].outcomes[0].outputs[0]"]
    assert "used twice" in where["framework.goals[0].outcomes[1]"]
    assert "unexpected end of expression at position 15" in where["framework.indicators[0]"]
    assert "unknown node 'NOPE'" in where["framework.indicators[1]"]
    assert "unknown target node 'P9.O9'" in where["framework.links[0]"]
    assert info.value.as_dict()["errors"] == info.value.errors
    assert not Framework.objects.filter(code="NGO1-SP-2022").exists()
    assert not Indicator.objects.exists()


def test_import_refusals(setup: Any) -> None:
    bundle = interchange.parse_text(PLAN, "yaml")
    with pytest.raises(interchange.FrameworkImportFailed, match="may not create"):
        interchange.framework_import(actor=setup.police_me_nyarugenge, bundle=bundle)  # NGO1's plan
    with pytest.raises(interchange.FrameworkImportFailed, match="may not create"):
        interchange.framework_import(actor=setup.me_gasabo, bundle=bundle)  # Nyarugenge's plan
    interchange.framework_import(actor=setup.me_nyarugenge, bundle=bundle)
    with pytest.raises(interchange.FrameworkImportFailed, match="may not change"):
        interchange.framework_import(actor=setup.police_me_nyarugenge, bundle=bundle)


def test_malformed_files(setup: Any) -> None:
    for text, message in (
        ("[1, 2]", "'framework' key"),
        ("framework: {code: X, name: Y, goals: 3}", "must be a list"),
    ):
        with pytest.raises(interchange.FrameworkImportFailed, match=message):
            interchange.framework_import(actor=policy.SYSTEM, bundle=interchange.parse_text(text, "yaml"))
    with pytest.raises(interchange.ValidationFailed, match="not valid YAML"):
        interchange.parse_text("framework: [", "yaml")
    with pytest.raises(interchange.ValidationFailed, match="not valid JSON"):
        interchange.parse_text("{", "json")
    with pytest.raises(interchange.ValidationFailed, match=r"not a readable \.xlsx"):
        interchange.parse_xlsx(b"not a zip")


def test_xlsx_template_round_trip_with_row_errors(setup: Any) -> None:
    empty = load_workbook(io.BytesIO(interchange.framework_xlsx(None)))
    assert empty.sheetnames == ["Framework", "Nodes", "Indicators", "Targets", "Links", "Help"]
    assert [c.value for c in empty["Nodes"][1]][:4] == ["code", "kind", "parent", "name"]
    interchange.framework_import(actor=policy.SYSTEM, bundle=interchange.parse_text(PLAN, "yaml"))
    data = interchange.framework_xlsx(Framework.objects.get(code="NGO1-SP-2022"))
    wb = load_workbook(io.BytesIO(data))
    assert [r[0] for r in wb["Nodes"].iter_rows(min_row=2, values_only=True)] == ["G1", "O1", "O1.1"]
    assert wb["Targets"].max_row == 3 and wb["Links"]["C2"].value == "P2.O1"
    # An M&E officer edits it: a new output under O1, whose parent they misspell in one row.
    wb["Nodes"].append(["O1.2", "output", "O1", "Community dialogues held"])
    wb["Nodes"].append(["O1.3", "output", "01", "Typo in the parent"])
    wb["Targets"].append(["SP-REACH", "11", "2024", "lots"])
    bad = io.BytesIO()
    wb.save(bad)
    with pytest.raises(interchange.FrameworkImportFailed) as info:
        interchange.framework_import(actor=setup.me_nyarugenge, bundle=interchange.parse_xlsx(bad.getvalue()))
    where = {e["where"]: e["message"] for e in info.value.errors}
    assert where == {
        "Nodes row 6": "parent node '01' is not in this file nor in the framework",
        "Targets row 4": "value must be a number, got 'lots'",
    }
    assert not Node.objects.filter(code="O1.2").exists()  # all or nothing
    wb["Nodes"].delete_rows(6)
    wb["Targets"].delete_rows(4)
    good = io.BytesIO()
    wb.save(good)
    report = interchange.framework_import(
        actor=setup.me_nyarugenge, bundle=interchange.parse_xlsx(good.getvalue())
    )
    assert report.created == {"nodes": 1} and Node.objects.get(code="O1.2").parent.code == "O1"


def test_xlsx_filled_from_scratch(setup: Any) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Framework"
    for row in (
        ["field", "value"],
        ["code", "DONOR-LF"],
        ["name", "Donor logframe"],
        ["organisation", "NGO1"],
        ["start", "2024-01-01"],
    ):
        ws.append(row)
    nodes = wb.create_sheet("Nodes")
    nodes.append(["Code", "Kind", "Parent", "Name"])  # headers in any case
    nodes.append(["OC1", "Outcome", None, "Outcome one"])
    nodes.append(["OP1", "output", "OC1", "Output one"])
    inds = wb.create_sheet("Indicators")
    inds.append(["code", "name", "numerator", "nodes", "factor"])
    inds.append(["LF-1", "Participants", "#{PARTICIPANTS}", "OC1, OP1", 1])
    targets = wb.create_sheet("Targets")
    targets.append(["indicator", "org_unit", "period", "value"])
    targets.append(["LF-1", "RW", 2024, 300])
    out = io.BytesIO()
    wb.save(out)
    interchange.framework_import(actor=setup.ngo_admin, bundle=interchange.parse_xlsx(out.getvalue()))
    assert Target.objects.get(indicator__code="LF-1").period == "2024"
    assert sorted(n.code for n in Indicator.objects.get(code="LF-1").nodes.all()) == ["OC1", "OP1"]
    ws.append(["colour", "blue"])
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(interchange.FrameworkImportFailed, match="Framework row 6: unknown field 'colour'"):
        interchange.framework_import(actor=policy.SYSTEM, bundle=interchange.parse_xlsx(out.getvalue()))


def test_commands(setup: Any, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(PLAN.replace("  organisation: NGO1\n", ""))
    out = run("import_framework", str(plan), "--organisation", "NGO1", "--dry-run")
    assert "Dry run" in out and not Framework.objects.filter(code="NGO1-SP-2022").exists()
    out = run("import_framework", str(plan), "--organisation", "NGO1")
    assert "created 1 frameworks, 3 nodes, 2 indicators, 2 targets, 1 links" in out
    assert Framework.objects.get(code="NGO1-SP-2022").organisation == setup.ngo
    for fmt in ("yaml", "json", "xlsx"):
        target = tmp_path / f"out.{fmt}"
        assert "written to" in run("export_framework", "NGO1-SP-2022", "--format", fmt, "-o", str(target))
        assert target.stat().st_size > 100
    assert "code: NGO1-SP-2022" in run("export_framework", "NGO1-SP-2022")
    Framework.objects.filter(code="NGO1-SP-2022").update(name="changed")
    run("import_framework", str(tmp_path / "out.xlsx"))
    assert Framework.objects.get(code="NGO1-SP-2022").name == "NGO1 strategic plan 2022-2026"
    broken = tmp_path / "broken.yaml"
    broken.write_text(PLAN.replace('"11"', '"999"'))
    with pytest.raises(CommandError, match="nothing was imported"):
        run("import_framework", str(broken))
    with pytest.raises(CommandError, match="unknown organisation 'NOPE'"):
        run("import_framework", str(plan), "--organisation", "NOPE")
    with pytest.raises(CommandError, match="unknown file type"):
        run("import_framework", str(tmp_path / "plan.txt"))
    with pytest.raises(CommandError, match="cannot read"):
        run("import_framework", str(tmp_path / "missing.yaml"))
    with pytest.raises(CommandError, match="unknown framework"):
        run("export_framework", "NOPE")


def test_ngo_framework_factory_exports(setup: Any) -> None:
    fw = ngo_framework(setup.ngo)
    assert (
        interchange.framework_document(fw)["framework"]["goals"][0]["outcomes"][0]["outputs"][0]["code"]
        == "O1.1"
    )


@pytest.mark.parametrize("text", ["=cmd|' /C calc'!A0", "+1", "-1+1", "@SUM(1)", "\t=1+1", "\r=1+1"])
def test_xlsx_export_escapes_formulas_and_has_no_formula_cells(setup: Any, text: str) -> None:
    interchange.framework_import(actor=policy.SYSTEM, bundle=interchange.parse_text(PLAN, "yaml"))
    framework = Framework.objects.get(code="NGO1-SP-2022")
    Node.objects.filter(framework=framework, code="G1").update(name=text)
    wb = load_workbook(io.BytesIO(interchange.framework_xlsx(framework)))
    assert all(c.data_type != "f" for ws in wb.worksheets for row in ws.iter_rows() for c in row)
    names = {r[0]: r[3] for r in wb["Nodes"].iter_rows(min_row=2, values_only=True)}
    assert names["G1"] == "'" + text.replace("\r", "\n")
