"""The one small-cell suppression module (amahoro.core.suppression) is what the case module re-exports and
what the early-warning counts use; the rule's own tests are in amahoro/cases/tests/test_suppression.py."""

from __future__ import annotations

from amahoro.cases import suppression as cases_suppression
from amahoro.core import suppression


def test_cases_reexports_the_core_module() -> None:
    assert cases_suppression.suppress is suppression.suppress
    assert cases_suppression.Table is suppression.Table
    assert cases_suppression.THRESHOLD == suppression.THRESHOLD == 5


def test_core_module_has_no_django_imports() -> None:
    import ast
    from pathlib import Path

    tree = ast.parse(Path(suppression.__file__).read_text(encoding="utf-8"))
    names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    assert not [n for n in names if n.startswith(("django", "amahoro"))]


def test_a_lone_small_cell_gets_a_partner_in_its_row_and_column() -> None:
    table = suppression.suppress(["a", "b"], ["w1", "w2"], [[7, 2], [6, 8]])
    shown = table.display()
    assert shown[0][1] == suppression.PRIMARY
    for line in [*shown, *zip(*shown, strict=True)]:
        assert sum(1 for v in line if isinstance(v, str)) != 1


def test_bit_smears_of_nothing_are_empty() -> None:
    assert suppression._smear(0b101, 0) == 0 and suppression._smear_down(0b101, 0) == 0
    assert suppression._smear(0b1, 3) == 0b111 and suppression._smear_down(0b100, 3) == 0b111
