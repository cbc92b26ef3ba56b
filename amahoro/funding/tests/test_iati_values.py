"""IATI values are xsd:decimal: anything else refuses the file naming the activity and the transaction or
budget; a re-import of an unchanged file reports unchanged rows; a transaction's fiscal year follows its
transaction-date and its exchange rate its value-date."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from amahoro.core.errors import ValidationFailed
from amahoro.funding import iati, selectors, services
from amahoro.funding.models import BudgetLine, IatiActivity, Transaction

from .test_iati import FILE_203, _post, mapped  # noqa: F401  (the fixture)

pytestmark = pytest.mark.django_db

# Activity 1's third transaction (a disbursement of USD 75,000) as the demo file has it.
TX3 = b'<transaction-date iso-date="2025-02-03"/>\n      <value value-date="2025-02-01">75000</value>'


def with_tx3_value(text: bytes) -> bytes:
    changed = FILE_203.replace(TX3, TX3.replace(b">75000<", b">" + text + b"<"))
    assert changed != FILE_203
    return changed


@pytest.mark.parametrize(
    "value", [b"200,5", b"1.234,56", b"75,000", b"75 000", b"1e5", b"USD 75", b"", b"--1"]
)
def test_value_that_is_not_a_plain_decimal_refuses_the_file(mapped: Any, value: bytes) -> None:  # noqa: F811
    """Before: '200,5' was stored as 2005.00 and '1.234,56' as 1.23."""
    r = _post(mapped.ngo_admin, with_tx3_value(value))
    assert r.status_code == 400, r.content
    error = r.json()["error"]
    assert error.startswith(
        "activity 1 (XM-DAC-99999-RW-GBV-2024), transaction 3 (type 3, disbursement) value: "
        f"'{value.decode()}' is not an IATI amount"
    ), error
    assert r.json()["code"] == "iati_value"
    assert IatiActivity.objects.count() == 0 and Transaction.objects.count() == 0
    assert BudgetLine.objects.count() == 0


def test_budget_value_with_a_comma_is_refused_naming_the_budget(mapped: Any) -> None:  # noqa: F811
    broken = FILE_203.replace(b'value-date="2024-07-01">150000<', b'value-date="2024-07-01">150000,50<')
    assert broken != FILE_203
    r = _post(mapped.ngo_admin, broken)
    assert r.status_code == 400
    assert (
        "activity 1 (XM-DAC-99999-RW-GBV-2024), budget 2 value: '150000,50' is not an IATI amount"
        in (r.json()["error"])
    )
    assert IatiActivity.objects.count() == 0


@pytest.mark.parametrize(
    ("value", "stored"),
    [(b"75000.5", "75000.50"), (b" +75000 ", "75000.00"), (b"75000.", "75000.00"), (b".5", "0.50")],
)
def test_plain_decimals_are_read_exactly(mapped: Any, value: bytes, stored: str) -> None:  # noqa: F811
    r = _post(mapped.ngo_admin, with_tx3_value(value))
    assert r.status_code == 200, r.content
    tx = Transaction.objects.get(
        iati_activity__iati_identifier="XM-DAC-99999-RW-GBV-2024", date=date(2025, 2, 3)
    )
    assert tx.amount == Decimal(stored)


def test_reimport_of_an_unchanged_file_reports_unchanged(mapped: Any) -> None:  # noqa: F811
    first = _post(mapped.ngo_admin, FILE_203).json()
    again = _post(mapped.ngo_admin, FILE_203).json()
    for part in ("activities", "transactions", "budgets"):
        assert again[part]["updated"] == 0 and again[part]["imported"] == 0, (part, again[part])
        assert again[part]["unchanged"] == first[part]["imported"], (part, again[part])
    # One amount changed (of the transaction with a ref, so it is the same transaction): updated.
    changed = _post(mapped.ngo_admin, FILE_203.replace(b">250000<", b">260000<")).json()
    assert changed["transactions"]["updated"] == 1
    assert changed["transactions"]["unchanged"] == first["transactions"]["imported"] - 1
    assert changed["activities"]["updated"] == 0


def test_fiscal_year_follows_transaction_date_and_rate_value_date(mapped: Any, nap: Any) -> None:  # noqa: F811
    """Transaction-date 2025-07-03 (fiscal year 2025July, USD at 1,400) but value-date 2024-12-30 (USD at
    1,300): counted in 2025July, converted at 1,300."""
    moved = FILE_203.replace(
        TX3, b'<transaction-date iso-date="2025-07-03"/>\n      <value value-date="2024-12-30">75000</value>'
    )
    assert _post(mapped.ngo_admin, moved).status_code == 200
    tx = Transaction.objects.get(iati_activity__iati_identifier="XM-DAC-99999-RW-GBV-2024", amount=75000)
    assert (tx.date, tx.rate_date, tx.value_date) == (
        date(2025, 7, 3),
        date(2024, 12, 30),
        date(2024, 12, 30),
    )

    def disbursed(fiscal_year: str) -> Decimal:
        result = selectors.framework_funding(framework=nap, user=mapped.sysadmin, fiscal_year=fiscal_year)
        return sum((n.total.disbursed for n in result.pillars), Decimal(0))

    assert disbursed("2025July") == Decimal(75000 * 1300)
    # 2024July keeps the other disbursements only: USD 100,000 at 1,300 and EUR 40,000 at 1,500.
    assert disbursed("2024July") == Decimal(100000 * 1300 + 40000 * 1500)


def test_same_dates_keep_no_separate_rate_date(mapped: Any) -> None:  # noqa: F811
    assert _post(mapped.ngo_admin, FILE_203).status_code == 200
    commitment = Transaction.objects.get(reference="GBV-2024-C1")
    assert commitment.date == date(2024, 7, 15) and commitment.rate_date is None


@pytest.mark.parametrize("text", ["200,5", "1.234,56", "1,23", "12,34,567"])
def test_amount_check_refuses_decimal_commas(text: str) -> None:
    with pytest.raises(ValidationFailed, match=r"write decimals with '\.'"):
        services.amount_check(text)


def test_amount_check_still_reads_thousands_separators() -> None:
    assert services.amount_check("1,234,567.89") == Decimal("1234567.89")
    assert services.amount_check("75,000") == Decimal("75000.00")
    assert iati.XSD_DECIMAL.fullmatch("-12.5") and not iati.XSD_DECIMAL.fullmatch("12,5")
