"""create_organisation from the command line: success, and a clear error for each kind of bad input."""

from __future__ import annotations

import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from amahoro.audit.models import AuditEvent
from amahoro.organisations.models import Organisation

pytestmark = pytest.mark.django_db
PROJECT_DIR = Path(__file__).resolve().parents[3]


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_create_organisation_with_areas() -> None:
    out = run(
        "create_organisation",
        "HOPE",
        "Hope for Women",
        "--type",
        "ngo",
        "--area",
        "11",
        "--area",
        "43",
        "--short-name",
        "Hope",
    )
    assert "created organisation HOPE: Hope for Women (ngo)" in out
    org = Organisation.objects.get(code="HOPE")
    assert (org.name, org.type, org.short_name) == ("Hope for Women", "ngo", "Hope")
    assert sorted(org.areas.values_list("code", flat=True)) == ["11", "43"]
    event = AuditEvent.objects.get(
        action="create", object_type="organisations.organisation", object_id=str(org.pk)
    )
    assert event.organisation_id == org.pk
    assert event.changes["areas"] == ["11", "43"]


def test_bad_type_is_refused() -> None:
    with pytest.raises(CommandError, match="invalid choice: 'charity'"):
        run("create_organisation", "HOPE", "Hope", "--type", "charity")
    assert not Organisation.objects.filter(code="HOPE").exists()


def test_bad_type_exits_non_zero_from_the_shell() -> None:
    # argparse refuses the value before any database access, so the real process can be run here.
    result = subprocess.run(
        [sys.executable, "-m", "amahoro.manage", "create_organisation", "HOPE", "Hope", "--type", "charity"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert "argument --type: invalid choice: 'charity'" in result.stderr
    assert "ngo" in result.stderr  # the valid choices are listed


def test_duplicate_code_is_refused_case_insensitively() -> None:
    run("create_organisation", "HOPE", "Hope", "--type", "ngo")
    with pytest.raises(CommandError, match="an organisation with code 'hope' already exists") as exc:
        run("create_organisation", "hope", "Hope again", "--type", "cso")
    assert exc.value.returncode == 1
    assert Organisation.objects.filter(code__iexact="hope").count() == 1


def test_unknown_area_is_refused_and_nothing_is_created() -> None:
    with pytest.raises(CommandError, match=r"unknown org unit '99' \(--area\)"):
        run("create_organisation", "HOPE", "Hope", "--type", "ngo", "--area", "11", "--area", "99")
    assert not Organisation.objects.filter(code="HOPE").exists()


@pytest.mark.parametrize(
    ("code", "name", "message"),
    [("bad code!", "Hope", "invalid organisation code"), ("HOPE", "   ", "organisation name is required")],
)
def test_invalid_code_or_name_is_refused(code: str, name: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run("create_organisation", code, name, "--type", "ngo")
    assert not Organisation.objects.filter(code=code).exists()
