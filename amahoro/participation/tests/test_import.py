"""The UN peacekeeping contributions-by-gender CSV importer: totals, both header spellings, clear errors,
all or nothing, re-import without duplicates, and the parity series against the 2028 targets."""

from __future__ import annotations

from typing import Any

import pytest

from amahoro import policy
from amahoro.core.errors import PermissionDenied, ValidationFailed
from amahoro.data.models import DataValue
from amahoro.participation import reference as ref
from amahoro.participation import selectors
from amahoro.participation.services import COLUMNS, participation_setup, peacekeeping_csv_import
from amahoro.portal.reader import public_reader

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)


def csv_of(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


def test_setup_is_idempotent_and_uses_the_sex_combo(setup: Any) -> None:
    from amahoro.frameworks.models import Indicator, Target
    from amahoro.metadata.models import DataElement

    participation_setup(actor=policy.SYSTEM)
    de = DataElement.objects.get(code="WPS_PARLIAMENT_DEPUTIES")
    assert de.category_combo.code == "SEX"
    assert set(de.category_combo.option_combos.values_list("code", flat=True)) == {"F", "M"}
    pk = DataElement.objects.get(code=ref.PK_ELEMENT)
    assert "F_PK_TROOPS" in set(pk.category_combo.option_combos.values_list("code", flat=True))
    troops = Indicator.objects.get(code="WPS_PK_SHARE_TROOPS")
    assert troops.nodes.get().code == "P5.O2"
    assert [(t.period, t.value) for t in Target.objects.filter(indicator=troops)] == [("2028", 15.0)]
    assert Target.objects.filter(indicator__code="WPS_PK_SHARE_IPO", period="2028").get().value == 30.0
    assert Indicator.objects.filter(code__startswith="WPS_").count() == len(ref.SERIES) + len(
        ref.PERSONNEL_TYPES
    )


def test_sample_imports_with_the_seed_totals(setup: Any, stats_officer: Any, sample_csv: bytes) -> None:
    result = peacekeeping_csv_import(actor=stats_officer, content=sample_csv)
    assert result.rows_other_countries == 2
    assert result.periods == [f"{y}12" for y in range(2018, 2025)]
    assert result.imported == result.values == 7 * 5 * 2
    series = {s["label"]: s for s in selectors.parity_series(user=stats_officer)}
    first = {label: s["points"][0] for label, s in series.items()}
    # The seed's figures: troops 212 of 5,211; staff officers 4 of 75; experts 7 of 34; police 186 of 972.
    assert (first["Troops"]["women"], first["Troops"]["women"] + first["Troops"]["men"]) == (212, 5211)
    assert (first["Staff Officer"]["women"], first["Staff Officer"]["men"]) == (4, 71)
    assert (first["Experts on Mission"]["women"], first["Experts on Mission"]["men"]) == (7, 27)
    police = first["Formed Police Units"], first["Individual Police"]
    assert sum(p["women"] for p in police) == 186 and sum(p["women"] + p["men"] for p in police) == 972
    assert first["Troops"]["share"] == 4.1
    assert series["Troops"]["targets"][0]["value"] == 15.0
    assert DataValue.objects.filter(data_element__code=ref.PK_ELEMENT).count() == 70


def test_reimport_updates_nothing_and_duplicates_nothing(
    setup: Any, stats_officer: Any, sample_csv: bytes
) -> None:
    peacekeeping_csv_import(actor=stats_officer, content=sample_csv)
    again = peacekeeping_csv_import(actor=stats_officer, content=sample_csv)
    assert again.imported == 0 and again.updated == 0 and again.unchanged == 70
    assert DataValue.objects.filter(data_element__code=ref.PK_ELEMENT).count() == 70


def test_lower_case_columns_are_accepted(setup: Any, stats_officer: Any, sample_csv: bytes) -> None:
    text = sample_csv.decode()
    header, rest = text.split("\n", 1)
    result = peacekeeping_csv_import(actor=stats_officer, content=(header.lower() + "\n" + rest).encode())
    assert result.imported == 70


def test_wrong_columns_are_named(setup: Any, stats_officer: Any) -> None:
    bad = csv_of(
        "Rwanda,RWA,UNMISS,Troops,10,1,2024-12-31", header=HEADER.replace("Female_Personnel", "Women")
    )
    with pytest.raises(ValidationFailed) as exc:
        peacekeeping_csv_import(actor=stats_officer, content=bad)
    assert "missing column(s) Female_Personnel" in exc.value.message
    assert "Women" in exc.value.message and exc.value.field == "columns"


def test_one_bad_row_imports_nothing_and_names_row_and_column(setup: Any, stats_officer: Any) -> None:
    content = csv_of(
        "Rwanda,RWA,UNMISS,Troops,2590,110,2024-12-31",
        "Rwanda,RWA,UNMISS,Cooks,10,1,2024-12-31",
        "Rwanda,RWA,MINUSCA,Troops,many,3,2024-12-31",
        "Rwanda,RWA,MINUSCA,Individual Police,80,20,31.12.2024",
    )
    with pytest.raises(ValidationFailed) as exc:
        peacekeeping_csv_import(actor=stats_officer, content=content)
    msg = exc.value.message
    assert "row 3, column Personnel_Type: 'Cooks'" in msg
    assert "row 4, column Male_Personnel: 'many'" in msg
    assert "row 5, column Last_Reporting_Date" in msg
    assert not DataValue.objects.exists()


def test_no_row_of_the_country(setup: Any, stats_officer: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        peacekeeping_csv_import(
            actor=stats_officer, content=csv_of("Nepal,NPL,UNMISS,Troops,10,1,2024-12-31")
        )
    assert exc.value.field == "country"


def test_latest_report_of_a_month_wins(setup: Any, stats_officer: Any) -> None:
    content = csv_of(
        "Rwanda,RWA,UNMISS,Troops,100,5,2024-06-15",
        "Rwanda,RWA,UNMISS,Troops,90,10,2024-06-30",
        "Rwanda,RWA,MINUSCA,Troops,50,5,2024-06-30",
    )
    result = peacekeeping_csv_import(actor=stats_officer, content=content)
    assert result.rows_superseded == 1
    point = next(s for s in selectors.parity_series(user=stats_officer) if s["code"] == "PK_TROOPS")[
        "points"
    ][0]
    assert (point["period"], point["women"], point["men"]) == ("202406", 15, 140)


def test_user_without_national_data_entry_is_refused(setup: Any, cast: Any, sample_csv: bytes) -> None:
    with pytest.raises(PermissionDenied):
        peacekeeping_csv_import(actor=cast.me_nyarugenge, content=sample_csv)
    with pytest.raises(PermissionDenied):
        peacekeeping_csv_import(actor=cast.viewer_nyarugenge, content=sample_csv)
    assert not DataValue.objects.exists()


def test_public_reader_sees_the_national_series(setup: Any, stats_officer: Any, sample_csv: bytes) -> None:
    peacekeeping_csv_import(actor=stats_officer, content=sample_csv)
    series = selectors.parity_series(user=public_reader())
    assert len(series[0]["points"]) == 7


def test_not_a_text_file(setup: Any, stats_officer: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        peacekeeping_csv_import(actor=stats_officer, content=b"")
    assert exc.value.field == "file"


def test_binary_or_broken_csv_is_a_clear_error(setup: Any, stats_officer: Any) -> None:
    with pytest.raises(ValidationFailed) as exc:
        peacekeeping_csv_import(actor=stats_officer, content=b"PK\x03\x04\x00\x00binary xlsx")
    assert exc.value.field == "file" and "NUL" in exc.value.message
    huge = csv_of('Rwanda,RWA,UNMISS,Troops,1,1,"' + "x" * 200_000 + '"')
    with pytest.raises(ValidationFailed) as exc:
        peacekeeping_csv_import(actor=stats_officer, content=huge)
    assert exc.value.field == "file"
    assert not DataValue.objects.exists()


def test_services_refuse_a_missing_actor_and_accept_the_platform(db: Any, sample_csv: bytes) -> None:
    no_actor: Any = None
    with pytest.raises(PermissionDenied) as refused:
        participation_setup(actor=no_actor)
    assert refused.value.code == "no_actor"
    with pytest.raises(PermissionDenied):
        peacekeeping_csv_import(actor=no_actor, content=sample_csv)
    assert participation_setup(actor=policy.SYSTEM)
    assert peacekeeping_csv_import(actor=policy.SYSTEM, content=sample_csv, dry_run=True).values > 0
