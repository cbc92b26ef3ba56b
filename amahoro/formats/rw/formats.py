"""Kinyarwanda date and number formats (Django ships none): day before month, 24-hour clock, the week from
Monday.
Month names come from the catalogue (amahoro.core.dates and Django's month messages)."""

DATE_FORMAT = "j F Y"  # 7 Ukuboza 2026
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j F Y, H:i"
YEAR_MONTH_FORMAT = "F Y"  # Ukuboza 2026
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i"
FIRST_DAY_OF_WEEK = 1  # Monday
DATE_INPUT_FORMATS = ["%d/%m/%Y", "%Y-%m-%d"]
DATETIME_INPUT_FORMATS = ["%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"]
# Numbers keep Django's defaults (a point before decimals, no grouping): pages also print numbers into data
# attributes that scripts read.
