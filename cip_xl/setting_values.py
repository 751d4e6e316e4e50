"""Settings typed the way a manager types them, read as they are meant.

The Settings sheet's numbers are whole numbers the plan's own formulas compare with —
% complete is kept as 0 to 100, windows in days — and its reporting date is a day. A
manager types "75%" into "Amber below % complete" (Excel keeps 0.75 in the cell and
shows 75%), "4 weeks" as the amber window, or "Q2 2026/27" as the reporting date.
Read as written, the first was 0 — nothing turned amber for being behind, silently,
and the next save wrote 0 into the cell — and the others stopped the plan with an
error. :func:`number_as_meant` and :func:`reporting_date_as_meant` read them as meant,
with the sentence a note gives; a save then writes the number or date in their place,
which is what the formulas in Excel need.
"""
from __future__ import annotations

import re
from datetime import date

#: settings that are percentages of % complete (0 to 100)
PERCENT_SETTINGS = ("amber_percent", "progress_threshold")
#: settings that are a number of days
DAY_SETTINGS = ("amber_window_days", "no_update_days")
_PERCENT = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)\s*%\s*$")
_DAYS = re.compile(r"^\s*(\d{1,4})\s*(days?|weeks?|wks?)\s*$", re.IGNORECASE)


def number_as_meant(key: str, value: object) -> tuple[int, str] | None:
    """(the whole number meant, how it was typed) for setting ``key`` holding
    ``value`` typed another way a person means that number: a percentage setting
    holding a fraction (75% typed in Excel: 0.75) or "75%" as text; a days setting
    holding "30 days" or "4 weeks". None for anything else — a whole number, which
    needs no reading, or words that say no number plainly ("a month")."""
    if key in PERCENT_SETTINGS:
        if isinstance(value, float) and 0 < value < 1:
            number = round(value * 100)
            return number, (f"holds {value:g}: {number}% typed in Excel, which keeps a "
                            "percentage as a fraction")
        found = _PERCENT.match(value) if isinstance(value, str) else None
        if found and float(found[1]) <= 100:
            return round(float(found[1])), f"'{value.strip()}' is typed as a percentage"
    if key in DAY_SETTINGS and isinstance(value, str):
        found = _DAYS.match(value)
        if found:
            weeks = found[2].lower().startswith("w")
            number = int(found[1]) * (7 if weeks else 1)
            return number, f"'{value.strip()}' is typed with words"
    return None


def reporting_date_as_meant(kind: str, due: date | None) -> str:
    """How a reporting date read as ``kind`` ("month" or "period", as
    :func:`cip_xl.dates.parse_due` reads "Sept 2026" or "Q2 2026/27") stands for its
    end, ``due``; '' for any other kind (a day, or words that name none)."""
    if due is None or kind not in ("month", "period"):
        return ""
    return f"{'the month' if kind == 'month' else 'the quarter or period'} ending {due:%d/%m/%Y}"
