"""Settings typed the way a manager types them, read as they are meant.

The Settings sheet's numbers are whole numbers the plan's own formulas compare with —
% complete is kept as 0 to 100, windows in days — and its dates are days. A manager
types "75%" into "Amber below % complete" (Excel keeps 0.75 in the cell and shows
75%), "4 weeks" or "a fortnight" as the amber window, "Q2 2026/27" as the reporting
date or "April 2026" as the plan start. Read as written, the first was 0 — nothing
turned amber for being behind, silently, and the next save wrote 0 into the cell —
and the others stopped the plan with an error. :func:`number_as_meant` and
:func:`date_as_meant` read them as meant, with the sentence a note gives; a save then
writes the number or date in their place, which is what the formulas in Excel need.
"""
from __future__ import annotations

import re
from datetime import date

#: settings that are percentages of % complete (0 to 100)
PERCENT_SETTINGS = ("amber_percent", "progress_threshold")
#: settings that are a number of days
DAY_SETTINGS = ("amber_window_days", "no_update_days")
_PERCENT = re.compile(r"^\s*(\d{1,3}(?:\.\d+)?)\s*%\s*$")
_FINANCIAL_YEAR = re.compile(r"^\s*(?:fy\s*)?(\d{4}|\d{2})\s*[/\-–]\s*(\d{4}|\d{2})\s*$",
                             re.IGNORECASE)
#: a number written as a word, as in "two weeks", "a fortnight", "one month"
_NUMBER_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5,
                 "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11,
                 "twelve": 12}
_DAYS = re.compile(r"^\s*(\d{1,4}|" + "|".join(_NUMBER_WORDS) + r")\s*"
                   r"(days?|weeks?|wks?|fortnights?|months?)\s*$", re.IGNORECASE)
#: days in each unit; a month is counted as 30 days, and the note says so
_UNIT_DAYS = {"d": 1, "w": 7, "f": 14, "m": 30}


def number_as_meant(key: str, value: object) -> tuple[int, str] | None:
    """(the whole number meant, how it was typed) for setting ``key`` holding
    ``value`` typed another way a person means that number: a percentage setting
    holding a fraction (75% typed in Excel: 0.75) or "75%" as text; a days setting
    holding "30 days", "4 weeks", "two weeks", "a fortnight" or "1 month" (30 days).
    None for anything else — a whole number, which needs no reading, or words that
    say no number plainly ("about a month", "as agreed")."""
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
            count = found[1].lower()
            unit = found[2][0].lower()
            number = (int(count) if count.isdigit() else _NUMBER_WORDS[count]) * \
                _UNIT_DAYS[unit]
            return number, f"'{value.strip()}' is typed with words" + \
                (" (a month counted as 30 days)" if unit == "m" else "")
    return None


def date_as_meant(key: str, text: str, kind: str, due: date | None
                  ) -> tuple[date, str] | None:
    """(the day meant, what the words name) for date setting ``key`` typed as ``text``,
    which :func:`cip_xl.dates.parse_due` read as ``kind`` ending ``due``: a reporting date
    given as a month or quarter ("Sept 2026", "Q2 2026/27") is its last day, as the plan
    reads a month; a plan start given as a month ("April 2026") is its first day, and
    as a financial year ("2026/27") the 1 April it begins. None for anything else (a
    day needs no reading; a meeting date must be one)."""
    if due is None:
        return None
    if key == "reporting_date" and kind in ("month", "period"):
        return due, (f"{'the month' if kind == 'month' else 'the quarter or period'} "
                     f"ending {due:%d/%m/%Y}")
    if key == "plan_start" and kind == "month":
        return due.replace(day=1), f"the month beginning {due.replace(day=1):%d/%m/%Y}"
    if key == "plan_start" and kind == "period" and _FINANCIAL_YEAR.match(text) and \
            (due.month, due.day) == (3, 31):
        begins = date(due.year - 1, 4, 1)
        return begins, f"the financial year beginning {begins:%d/%m/%Y}"
    return None
