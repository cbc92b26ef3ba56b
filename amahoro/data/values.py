"""Checking a data value against its data element's value type (DHIS2's rules), without Django."""

from __future__ import annotations

import math
import re

_INTEGER = re.compile(r"^(0|-?[1-9]\d*)$")
_POSITIVE_OR_ZERO = re.compile(r"^(0|[1-9]\d*)$")
_NUMBER = re.compile(r"^-?(0|[1-9]\d*)(\.\d+)?([eE][-+]?\d+)?$")
# DHIS2 stores integers as Java ints.
_INT_LIMIT = 2**31 - 1
MAX_TEXT_LENGTH = 50000
MAX_COMMENT_LENGTH = 5000


class InvalidValue(ValueError):
    """The value does not fit the value type; the message says why (user-facing)."""


def as_text(raw: object) -> str:
    """What a client sent as a value (a string, or a JSON number/boolean), as DHIS2's string form."""
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, int):
        return str(raw)
    if isinstance(raw, float):
        return str(int(raw)) if raw.is_integer() else repr(raw)
    return str(raw).strip()


def check_value(value_type: str, text: str) -> tuple[str, float | None]:
    """(the value to store, its numeric form for aggregation), or InvalidValue naming the problem."""
    if value_type == "TEXT":
        if len(text) > MAX_TEXT_LENGTH:
            raise InvalidValue(f"text is longer than {MAX_TEXT_LENGTH} characters")
        return text, None
    if value_type == "BOOLEAN":
        lowered = text.lower()
        if lowered in {"true", "false"}:
            return lowered, 1.0 if lowered == "true" else 0.0
        raise InvalidValue(f"'{text}' is not a boolean (true or false)")
    if value_type in {"INTEGER", "INTEGER_ZERO_OR_POSITIVE"}:
        pattern = _POSITIVE_OR_ZERO if value_type == "INTEGER_ZERO_OR_POSITIVE" else _INTEGER
        if not pattern.match(text):
            kind = "a positive or zero integer" if value_type == "INTEGER_ZERO_OR_POSITIVE" else "an integer"
            raise InvalidValue(f"'{text}' is not {kind}")
        number = int(text)
        if abs(number) > _INT_LIMIT:
            raise InvalidValue(f"'{text}' is too large an integer")
        return text, float(number)
    if value_type in {"NUMBER", "PERCENTAGE"}:
        if not _NUMBER.match(text):
            raise InvalidValue(f"'{text}' is not a number")
        number_f = float(text)
        if math.isinf(number_f) or math.isnan(number_f):
            raise InvalidValue(f"'{text}' is not a finite number")
        if value_type == "PERCENTAGE" and not 0 <= number_f <= 100:
            raise InvalidValue(f"'{text}' is not a percentage between 0 and 100")
        return text, number_f
    raise InvalidValue(f"unsupported value type {value_type}")
