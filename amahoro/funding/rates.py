"""Currency conversion with dated exchange rates.

The rate used for an amount is the latest rate on or before the amount's date (a transaction's value date,
a budget line's first day). A pair is looked up directly (1 USD = x RWF), then inverted (1 RWF = y USD
gives 1/y), then through the pivot currency RWF (EUR -> RWF -> USD). Amounts are Decimals; totals are
rounded to 2 decimals (half up) only when reported.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal

from amahoro.core.errors import ValidationFailed

from .models import ExchangeRate

PIVOT = "RWF"
CENT = Decimal("0.01")


class MissingRate(ValidationFailed):
    def __init__(self, currency: str, quote: str, on: dt.date) -> None:
        super().__init__(
            f"no exchange rate from {currency} to {quote} on or before {on.isoformat()}: add one under Funding › "
            "Exchange rates",
            field="currency",
        )
        self.currency, self.quote, self.on = currency, quote, on


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


class Converter:
    """All rates read once; `convert()` is then pure arithmetic (a page converts thousands of rows)."""

    def __init__(self, rates: list[tuple[str, str, dt.date, Decimal]] | None = None) -> None:
        if rates is None:
            rates = list(ExchangeRate.objects.values_list("currency", "quote", "valid_from", "rate"))
        by_pair: dict[tuple[str, str], list[tuple[dt.date, Decimal]]] = defaultdict(list)
        for cur, quote, valid_from, rate in rates:
            by_pair[(cur, quote)].append((valid_from, Decimal(rate)))
        self._dates: dict[tuple[str, str], list[dt.date]] = {}
        self._rates: dict[tuple[str, str], list[Decimal]] = {}
        for pair, items in by_pair.items():
            items.sort()
            self._dates[pair] = [d for d, _ in items]
            self._rates[pair] = [r for _, r in items]

    def _direct(self, cur: str, quote: str, on: dt.date) -> Decimal | None:
        dates = self._dates.get((cur, quote))
        if dates:
            i = bisect.bisect_right(dates, on)
            if i:
                return self._rates[(cur, quote)][i - 1]
        return None

    def _pair(self, cur: str, quote: str, on: dt.date) -> tuple[Decimal, Decimal] | None:
        """The rate as a fraction (multiply by the first, divide by the second): an inverted rate stays
        exact (2,800 RWF at 1 USD = 1,400 RWF is exactly 2 USD)."""
        if cur == quote:
            return Decimal(1), Decimal(1)
        direct = self._direct(cur, quote, on)
        if direct is not None:
            return direct, Decimal(1)
        inverse = self._direct(quote, cur, on)
        if inverse is not None:
            return Decimal(1), inverse
        return None

    def _fraction(self, cur: str, quote: str, on: dt.date) -> tuple[Decimal, Decimal]:
        found = self._pair(cur, quote, on)
        if found is None and PIVOT not in (cur, quote):
            first, second = self._pair(cur, PIVOT, on), self._pair(PIVOT, quote, on)
            if first is not None and second is not None:
                found = (first[0] * second[0], first[1] * second[1])
        if found is None:
            raise MissingRate(cur, quote, on)
        return found

    def rate(self, cur: str, quote: str, on: dt.date) -> Decimal:
        """How many `quote` one `cur` is worth on `on`; MissingRate when no rate is known."""
        mul, div = self._fraction(cur, quote, on)
        return mul / div

    def convert(self, amount: Decimal, cur: str, quote: str, on: dt.date) -> Decimal:
        mul, div = self._fraction(cur, quote, on)
        return Decimal(amount) * mul / div
