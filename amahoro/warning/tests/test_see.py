"""See and account: the map of signals by sector (GeoJSON, suppressed, scoped), the response-time summary
per responder, the NAP P2.O3 publishing through the import engine, and the See page itself."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from amahoro import policy
from amahoro.core.errors import PermissionDenied, ValidationFailed
from conftest import assert_page_ok, client_for, make_user

from .conftest import create

pytestmark = pytest.mark.django_db

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[30.0, -1.9], [30.0123456, -1.9], [30.01, -1.95], [30.0, -1.9]]],
}


def _shapes(*codes: str) -> None:
    from amahoro.geo.models import OrgUnit

    OrgUnit.objects.filter(code__in=codes).update(geometry=SQUARE)


def _features(response: Any) -> dict[str, str]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/geo+json")
    return {f["properties"]["code"]: f["properties"]["signals"] for f in response.json()["features"]}


# --- The map ----------------------------------------------------------------------------------------------


def test_map_gives_suppressed_counts_of_the_sectors_in_scope(ec: Any) -> None:
    _shapes("1101", "1102", "1201")
    for _ in range(6):
        create()
    create(org_unit="1102")
    create(org_unit="1201")
    got = _features(client_for(ec.focal).get("/warning/see/map.geojson"))
    assert set(got) == {"1101", "1102"}  # Nyarugenge's sectors only: 1201 is Gasabo
    assert got["1102"] == "<5"
    assert got["1101"] != "6" or got["1102"] != "1"
    body = client_for(ec.focal).get("/warning/see/map.geojson").content.decode()
    assert "Qwertyuiop" not in body and "Zakiya" not in body and "uuid" not in body
    ring = client_for(ec.focal).get("/warning/see/map.geojson").json()["features"][0]["geometry"]
    assert ring["coordinates"][0][1][0] == 30.01235  # rounded to ~1 m


def test_other_districts_focal_point_sees_nothing_of_it(ec: Any) -> None:
    _shapes("1101", "1201")
    for _ in range(6):
        create()
    got = _features(client_for(ec.focal_gasabo).get("/warning/see/map.geojson"))
    assert got == {"1201": "0"}


def test_map_refuses_without_the_role_and_anonymous() -> None:
    nobody = make_user("mapless")
    assert client_for(nobody).get("/warning/see/map.geojson").status_code == 403
    response = Client().get("/warning/see/map.geojson")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_map_week_range_is_checked_and_named(ec: Any) -> None:
    client = client_for(ec.focal)
    bad = client.get("/warning/see/map.geojson?from=1999W01")
    assert bad.status_code == 400 and bad.json()["field"] == "from"
    bad = client.get("/warning/see/map.geojson?to=nonsense")
    assert bad.status_code == 400 and bad.json()["field"] == "to"
    from amahoro.warning.selectors import signal_counts

    weeks = signal_counts(user=ec.focal).weeks
    bad = client.get(f"/warning/see/map.geojson?from={weeks[-1]}&to={weeks[0]}")
    assert bad.status_code == 400 and bad.json()["field"] == "from"
    ok = client.get(f"/warning/see/map.geojson?from={weeks[-2]}&to={weeks[-1]}")
    assert ok.status_code == 200 and ok.json()["weeks"] == weeks[-2:]


def test_a_week_range_shows_nothing_the_table_hides() -> None:
    from amahoro.warning.selectors import _range_value

    assert _range_value(["7", "0", "5"], "12", whole=False) == "12"  # all shown: their sum
    assert _range_value(["7", "<5", "5"], "15", whole=False) == "*"  # would give away the <5
    assert _range_value(["0", "<5", "0"], "<5", whole=False) == "<5"  # the one hidden mark itself
    assert _range_value(["7", "<5"], "*", whole=True) == "*"  # all the weeks: the table's row total


def test_map_ranges_cannot_take_a_small_week_apart(ec: Any) -> None:
    """Differencing two ranges must not recover a small week: every range total including it is hidden."""
    _shapes("1101", "1102")
    from amahoro.warning.selectors import signal_counts, signal_map

    today = timezone.localdate()
    for _ in range(6):
        create(occurred_on=today)
    create(occurred_on=today - timedelta(days=7))
    weeks = signal_counts(user=ec.focal).weeks
    both = signal_map(user=ec.focal, week_from=weeks[-2], week_to=weeks[-1])
    last = signal_map(user=ec.focal, week_from=weeks[-1], week_to=weeks[-1])
    one = {f["properties"]["code"]: f["properties"]["signals"] for f in both["features"]}["1101"]
    two = {f["properties"]["code"]: f["properties"]["signals"] for f in last["features"]}["1101"]
    assert not (one.isdigit() and two.isdigit())


# --- The counts table (shared suppression) ---------------------------------------------------------------


def test_a_single_small_cell_cannot_be_recovered_from_the_totals(ec: Any) -> None:
    from amahoro.warning.selectors import signal_counts

    today = timezone.localdate()
    for _ in range(7):
        create(occurred_on=today)
    for _ in range(6):
        create(org_unit="1102", occurred_on=today)
    create(org_unit="1102", occurred_on=today - timedelta(days=7))  # the one small cell
    table = signal_counts(user=ec.focal, weeks=2, today=today)
    grid = [[*cells, total] for cells, total in zip(table.cells, table.row_totals, strict=True)]
    grid.append([*table.week_totals, table.total])
    assert grid[1][0] == "<5"  # Kiyovu (1102), last week: the one signal
    assert len(_possible(grid, (1, 0))) >= 2


def _possible(grid: list[list[str]], target: tuple[int, int]) -> set[int]:
    """Every value the hidden entry `target` can take in some filling of the hidden entries that agrees
    with what is shown ("<5": 0-4, "*": 0 or 5 and more) and adds up along every row and column."""
    import itertools

    hidden = [(r, c) for r, line in enumerate(grid) for c, v in enumerate(line) if not v.isdigit()]
    top = max(int(v) for line in grid for v in line if v.isdigit())
    choices = [range(5) if grid[r][c] == "<5" else [0, *range(5, top + 1)] for r, c in hidden]
    out: set[int] = set()
    for values in itertools.product(*choices):
        filled = [[int(v) if v.isdigit() else 0 for v in line] for line in grid]
        for (r, c), v in zip(hidden, values, strict=True):
            filled[r][c] = v
        rows_ok = all(sum(line[:-1]) == line[-1] for line in filled)
        cols_ok = all(
            sum(filled[r][c] for r in range(len(filled) - 1)) == filled[-1][c] for c in range(len(filled[0]))
        )
        if rows_ok and cols_ok:
            out.add(filled[target[0]][target[1]])
    return out


# --- Response times ---------------------------------------------------------------------------------------


def test_response_times_per_responder(ec: Any) -> None:
    from amahoro.warning.models import Signal
    from amahoro.warning.selectors import _quantile, response_times
    from amahoro.warning.services import signal_transition

    for n in range(6):
        signal = signal_transition(actor=ec.focal, signal=create(), to="assigned", assign_to="RIB")
        if n < 4:
            signal_transition(actor=ec.responder, signal=signal, to="responding")
    late = Signal.objects.filter(status="assigned").first()
    assert late is not None
    Signal.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(hours=1))
    signal_transition(actor=ec.focal, signal=create(), to="assigned", assign_to="MAJ")
    rows = {r.code: r for r in response_times(user=ec.focal, since=date.today() - timedelta(days=30))}
    rib = rows["RIB"]
    assert rib.assigned == "6" and rib.overdue == 1
    assert rib.verify_median and float(rib.verify_median) < 1
    assert rib.respond_median == "" or float(rib.respond_median) < 1  # 4 responses: fewer than 5, no figure
    assert rib.within_deadline == "80"  # 4 on time of 5 judged (4 responded + 1 overdue)
    assert rows["MAJ"].assigned == "<5" and rows["MAJ"].verify_median == ""
    assert response_times(user=ec.focal_gasabo, since=date.today() - timedelta(days=30)) == []
    assert _quantile([1, 2, 3, 4, 5], 0.5) == 3 and _quantile([1, 2, 3, 4, 5], 0.9) == pytest.approx(4.6)


# --- The See page ------------------------------------------------------------------------------------------


def test_see_page_has_the_map_responders_and_scripts(ec: Any) -> None:
    for _ in range(5):
        signal_transition_to_rib(ec)
    html = assert_page_ok(client_for(ec.focal).get("/warning/see/"))
    assert 'id="signal-map"' in html and "/warning/see/map.geojson" in html
    assert "vendor/leaflet/leaflet.js" in html and "warning/map.js" in html and "leaflet.css" in html
    assert 'id="signal-responders"' in html and "RIB" in html
    assert "<title>" in html and "<h2>" not in html.split("<title>")[1].split("</title>")[0]
    other = assert_page_ok(client_for(ec.focal_gasabo).get("/warning/see/"))
    assert "RIB" not in other.split('id="signal-responders"')[1].split("</table>")[0]


def signal_transition_to_rib(ec: Any) -> Any:
    from amahoro.warning.services import signal_transition

    return signal_transition(actor=ec.focal, signal=create(), to="assigned", assign_to="RIB")


# --- NAP P2.O3 through the import engine -----------------------------------------------------------------


def _values(period: str) -> dict[tuple[str, str], str]:
    from amahoro.data.models import DataValue

    return {
        (dv.data_element.code, dv.org_unit.code): dv.value
        for dv in DataValue.objects.filter(period__code=period, deleted=False).select_related(
            "data_element", "org_unit"
        )
        if dv.data_element.code.startswith("EWER_")
    }


def _month() -> str:
    return timezone.localdate().strftime("%Y%m")


def test_setup_links_the_indicators_to_p2o3_and_is_idempotent(ec: Any) -> None:
    from amahoro.frameworks.models import Indicator
    from amahoro.warning.publishing import INDICATORS, nap_setup

    assert "4 indicator(s) created" in nap_setup(actor=policy.SYSTEM)
    assert "0 indicator(s) created" in nap_setup(actor=policy.SYSTEM)
    share = Indicator.objects.get(code="EWER_VERIFIED_24H_SHARE")
    assert (
        share.numerator == "#{EWER_SIGNALS_VERIFIED_24H}" and share.denominator == "#{EWER_SIGNALS_RECEIVED}"
    )
    assert {n.code for n in share.nodes.all()} == {"P2.O3"}
    assert Indicator.objects.filter(code__in=[i.code for i in INDICATORS]).count() == 4
    with pytest.raises(PermissionDenied):
        nap_setup(actor=ec.focal)


def test_publish_writes_district_values_through_the_engine_idempotently(ec: Any) -> None:
    from amahoro.audit.models import AuditEvent
    from amahoro.warning.models import Signal
    from amahoro.warning.publishing import nap_publish, nap_setup
    from amahoro.warning.services import signal_transition

    nap_setup(actor=policy.SYSTEM)
    for n in range(6):
        signal = signal_transition(actor=ec.focal, signal=create(), to="assigned", assign_to="RIB")
        if n < 5:
            signal_transition(actor=ec.responder, signal=signal, to="responding")
    create(org_unit="1201")  # Gasabo: 2 signals, fewer than 5: left out
    create(org_unit="1202")  # the only district of Kigali left out: not written at the province either
    create(type="gbv", org_unit="11", source="detector", source_ref="alarm-1", description="")
    Signal.objects.filter(source="detector").update(type=_alarm_type())
    result = nap_publish(actor=policy.SYSTEM, period=_month())
    got = _values(_month())
    assert got[("EWER_SIGNALS_RECEIVED", "11")] == "6"
    assert got[("EWER_SIGNALS_VERIFIED_24H", "11")] == "6"
    assert got[("EWER_SIGNALS_ASSIGNED", "11")] == "6"
    assert got[("EWER_SIGNALS_RESPONDED_ON_TIME", "11")] == "5"
    assert got[("EWER_ALARMS_RAISED", "11")] == "1"
    assert ("EWER_SIGNALS_RECEIVED", "12") not in got and "12:EWER_SIGNALS_RECEIVED" in result.suppressed
    assert ("EWER_SIGNALS_RECEIVED", "1") not in got and "1:EWER_SIGNALS_RECEIVED" in result.suppressed
    assert result.imported > 0
    assert AuditEvent.objects.filter(object_type="data.datavalue", message__contains="import").exists()
    again = nap_publish(actor=policy.SYSTEM, period=_month())
    assert again.imported == 0 and again.updated == 0 and _values(_month()) == got
    # a signal that moves changes the figure on the next run, nothing else
    s = Signal.objects.filter(status="assigned", org_unit__code="1101").first()
    assert s is not None
    signal_transition(actor=ec.responder, signal=s, to="responding")
    third = nap_publish(actor=policy.SYSTEM, period=_month())
    assert third.updated == 1 and _values(_month())[("EWER_SIGNALS_RESPONDED_ON_TIME", "11")] == "6"


def test_districts_left_out_are_added_up_at_the_province(ec: Any) -> None:
    from amahoro.warning.publishing import nap_publish, nap_setup

    nap_setup(actor=policy.SYSTEM)
    for _ in range(3):
        create(org_unit="1201")  # Gasabo
        create(org_unit="1301")  # Kicukiro
    nap_publish(actor=policy.SYSTEM, period=_month())
    got = _values(_month())
    assert got[("EWER_SIGNALS_RECEIVED", "1")] == "6"  # Kigali: the two districts left out, added up
    assert ("EWER_SIGNALS_RECEIVED", "12") not in got and ("EWER_SIGNALS_RECEIVED", "13") not in got
    assert got[("EWER_SIGNALS_RECEIVED", "11")] == "0"


def _alarm_type() -> Any:
    from amahoro.warning.models import SignalType

    return SignalType.objects.create(code="statistical_alarm", name="Statistical alarm")


def test_publish_refusals(ec: Any) -> None:
    from amahoro.warning.publishing import nap_publish, nap_setup

    with pytest.raises(ValidationFailed, match="nap_setup"):
        nap_publish(actor=policy.SYSTEM, period=_month())
    nap_setup(actor=policy.SYSTEM)
    with pytest.raises(ValidationFailed) as bad:
        nap_publish(actor=policy.SYSTEM, period="2026W99x")
    assert bad.value.field == "period"
    with pytest.raises(ValidationFailed, match="not started"):
        nap_publish(actor=policy.SYSTEM, period=(date.today() + timedelta(days=70)).strftime("%Y%m"))
    with pytest.raises(PermissionDenied):
        nap_publish(actor=ec.focal, period=_month())  # no data.enter
    nap_publish(actor=policy.SYSTEM, period=_month())
    create()
    quarter = f"{date.today().year}Q{(date.today().month - 1) // 3 + 1}"
    with pytest.raises(ValidationFailed, match="overlapping"):
        nap_publish(actor=policy.SYSTEM, period=quarter)


def test_publish_command_and_task(ec: Any, capsys: Any) -> None:
    from django.core.management.base import CommandError

    from amahoro.warning.schedule import period_code, publish_beat_schedule
    from amahoro.warning.tasks import nap_publish

    for _ in range(5):
        create()
    call_command("ewer_publish", _month())
    assert "values at" in capsys.readouterr().out
    assert _values(_month())[("EWER_SIGNALS_RECEIVED", "11")] == "5"
    with pytest.raises(CommandError, match="no active user"):
        call_command("ewer_publish", _month(), "--user", "ghost")
    with pytest.raises(CommandError):
        call_command("ewer_publish", _month(), "--user", "focal")  # no data.enter
    assert nap_publish(_month())["period"] == _month()
    assert period_code("last-month", date(2026, 3, 5)) == "202602" and period_code("202611") == "202611"
    entry = publish_beat_schedule()["ewer-nap-publish-monthly"]
    assert entry["args"] == ["amahoro.warning.tasks.nap_publish", "last-month"]


def test_reference_loader_registers_ewer_nap(ec: Any) -> None:
    from amahoro.core.reference import REFERENCE_LOADERS

    assert "linked to P2.O3" in REFERENCE_LOADERS["ewer-nap"]()
