"""Council date phrases → due dates, keeping the words as written.

Plans say "Dec 2010", "Feb/March 09", "Sept 2010 March 2011", "Q3 2010/11",
"Summer 2007", "April annually", "Ongoing" or "TBC" as often as 31/12/2010. This module
reads them all into a :class:`DueDate` and never raises: a phrase it cannot read comes
back with ``kind == "unreadable"`` and a ``problem`` sentence for a finding.

Conventions (a council's, not a calendar's):

* a month means its last day ("Dec 2010" → 31 Dec 2010);
* "Feb/March 09" means the later month; several dates in one cell are milestones and the
  last is the final due date;
* quarters are UK financial-year quarters when written with a year pair ("Q3 2010/11"
  ends 31 Dec 2010), calendar quarters otherwise ("Q1 2011" ends 31 Mar 2011);
* seasons end with their last month: spring May, summer August, autumn November, winter
  February of the following year; "Spring/Summer 2027", like "Feb/March 09", the later;
* two-digit years are 20xx; day-first dates (UK): 3/4/2010 is 3 April, and "12/31/2026"
  is unreadable, with the day-first date suggested;
* what surrounds a date is read past: a time after it ("31/12/2026 00:00", a date
  exported as text), a remark in brackets ("Jan 2027 (revised)", "Ongoing (annual
  review)"), "FY" before a financial year, the meeting a date goes to ("Cabinet Oct
  2026"), stages' names ("Phase 1 Mar 2027; Phase 2 Sep 2027": milestones) and steps'
  ("Draft by Dec 2026 then adopt by Mar 2027", where every step has a date), "TBC"
  before a date ("TBC - Q4 2026/27"); "w/c 14/12/2026" (week commencing) is due at
  the end of that working week, the Friday;
* words that give the date as an estimate ("Expected Mar 2027", "c. Jan 2027", "Jan
  2027 TBC") or as moved ("Deferred to 2027/28", "c/f to Jun 2027") leave the date;
* a financial year named by one year ("financial year end 2027", "FY 2027") ends on
  31 March of that year;
* "before" (or "prior to", "ahead of") a month, quarter, half, season, term or year is
  due by the day before it begins: "before April 2027" is 31 March 2027, "prior to Dec
  2026" 30 November 2026; "before the end of March 2027" is 31 March 2027.
"""
from __future__ import annotations

import calendar
import contextlib
import difflib
import itertools
import re
from dataclasses import dataclass
from functools import lru_cache
from datetime import date, datetime, timedelta

MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3,
    "apr": 4, "april": 4, "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7,
    "aug": 8, "august": 8, "sep": 9, "sept": 9, "september": 9, "oct": 10,
    "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
}
SEASON_END = {"spring": (5, 0), "summer": (8, 0), "autumn": (11, 0), "fall": (11, 0),
              "winter": (2, 1)}
#: school terms as councils' education actions write them ("by Summer term 2027"): the
#: month each ends (spring's by Easter, in March or April: April, not to judge early)
TERM_END = {"autumn": 12, "spring": 4, "summer": 7}
ONGOING = {"ongoing", "on-going", "on going", "continuous", "continual", "rolling",
           "throughout the year", "as required", "business as usual"}
TBC = {"tbc", "tba", "to be confirmed", "to be agreed", "tbd", "to be determined",
       "to be decided", "n/a", "na", "not applicable", "-", "?", "unknown", "not known",
       "not yet known", "not yet agreed"}
RECURRING = {"annually": 12, "annual": 12, "yearly": 12, "each year": 12,
             "every year": 12, "quarterly": 3, "each quarter": 3, "monthly": 1,
             "each month": 1, "biannually": 6, "bi-annually": 6, "six monthly": 6,
             "six-monthly": 6, "twice yearly": 6, "twice a year": 6, "half yearly": 6,
             "half-yearly": 6, "every six months": 6, "every 6 months": 6,
             "every quarter": 3, "three monthly": 3, "every month": 1}
#: words that give a date in place of an earlier one ("Deferred to", "c/f to", "Rev.")
_MOVED_WORDS = (r"revised|rev|now|changed|moved|deferred|extended|slipped|re-?scheduled|"
                r"re-?profiled|re-?programmed|delayed|postponed|pushed\s+back|put\s+back|"
                r"amended|carried\s+forward|rolled\s+forward|brought\s+forward|c/f")
#: words that give a date as an estimate: "Expected Mar 2027", "c. Jan 2027", "Est. Q4"
_ESTIMATE_WORDS = (r"expected|exp(?=\.)|anticipated|estimated?|est(?=\.)|forecast|"
                   r"projected|provisional(?:ly)?|eta|approx\.?|approximately|c(?=\.)|circa")
FILLER = re.compile(r"(?:[&/]\s*|\b(?:and|then)\s+)(?:ongoing|on-going|continuing)\b|"
                    r"\b(in\s+place|"
                    r"to\s+be(?=\s+(?:completed?|achieved|delivered|done|in\s+place)\b)|"
                    r"(?:no|not)\s+later\s+than|on\s+or\s+before|prior\s+to|"
                    r"at\s+the\s+latest|latest|ahead\s+of|up\s+to|until|onwards?|"
                    + _MOVED_WORDS + "|" + _ESTIMATE_WORDS + r"|"
                    r"(?:mon|tue|tues|wed|thu|thur|thurs|fri|sat|sun)(?:day)?|"
                    r"wednesday|saturday|"
                    r"by|due|end of|end|before|from|the|in|of|deadline|target|"
                    r"completed?|and|then|to|early|mid|late|beginning|start|"
                    r"(?:first|second|third|fourth|last|final|1st|2nd|3rd|4th)\s+week|"
                    r"w/e|cabinet|full\s+council|council|committee|executive|board|meeting|"
                    r"report(?:ed)?\s+to|audit|scrutiny|overview|panel|portfolio\s+holder|"
                    r"decision|(?:ongoing|on-going|on\s+going)\s+(?:from|to|until|till)|new|date|"
                    r"completion|till|achieved|delivered|or\s+(?:earlier|sooner|before)|"
                    r"done)\b",
                    re.IGNORECASE)

#: month abbreviations as a plan writes them, whatever the computer's language
MONTH_ABBREVIATIONS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct",
                       "Nov", "Dec")


def month_phrase(day: date) -> str:
    """The month of ``day`` as a plan writes a month: ``"Mar 2027"``."""
    return f"{MONTH_ABBREVIATIONS[day.month - 1]} {day.year}"


def typed_month(value: object) -> object:
    """``value`` from a cell that shows only month and year (see
    :func:`cip_xl.fastbook.date_shown`): a date on the 1st — what Excel makes of "Mar
    2027" typed in, showing Mar-27 — as the phrase typed, "Mar 2027", due at the
    month's end as councils mean it, not on the 1st. Any other value as it is."""
    if isinstance(value, date) and value.day == 1:
        return month_phrase(value)
    return value


def typed_without_year(day: date) -> tuple[str, str, str | None]:
    """For a date in a cell that shows no year (Excel's d-mmm): how it shows
    (``"27-Mar"``), what was typed to make it (``"Mar 27"``: Excel takes the number as
    a day of the year of typing), and the month that was probably meant (``"Mar
    2027"``) — None where Excel cannot have made it so: a year still to come, or a
    month more than three years after the date."""
    month = MONTH_ABBREVIATIONS[day.month - 1]
    meant = 2000 + day.day
    likely = day.year <= date.today().year and day.year < meant <= day.year + 3
    return (f"{day.day}-{month}", f"{month} {day.day}",
            f"{month} {meant}" if likely else None)


#: Excel's serial-number epoch (the 1900 system, with its fictional 29 Feb 1900)
EXCEL_EPOCH = date(1899, 12, 30)


@dataclass(frozen=True)
class DueDate:
    """What a date cell means.

    ``text`` is the phrase exactly as written (a real date is written as dd/mm/yyyy).
    ``kind`` is one of ``date``, ``month``, ``period`` (quarter, season, year),
    ``milestones``, ``recurring``, ``ongoing``, ``tbc``, ``blank`` or ``unreadable``.
    ``due`` is the final due date (``None`` for ongoing, tbc, blank, unreadable and
    recurring phrases read without an ``as_of`` date). ``milestones`` holds every date
    read, in the order written. ``problem`` explains an unreadable phrase.
    """

    text: str
    kind: str
    due: date | None = None
    milestones: tuple[date, ...] = ()
    problem: str | None = None

    @property
    def readable(self) -> bool:
        return self.kind != "unreadable"

    def next_milestone(self, as_of: date) -> date | None:
        """The first milestone on or after ``as_of``; the final due date if all passed."""
        if not self.milestones:
            return self.due
        later = sorted(d for d in self.milestones if d >= as_of)
        return later[0] if later else max(self.milestones)


def month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def _year(text: str) -> int:
    value = int(text)
    return 2000 + value if value < 100 else value


def from_excel_serial(serial: float) -> date:
    """An Excel serial day number (1900 date system) as a date."""
    return EXCEL_EPOCH + timedelta(days=int(serial))


def _month(word: str) -> int | None:
    return MONTHS.get(word.lower().rstrip("."))


_NUMERIC = re.compile(r"\b(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})\b")
_ISO = re.compile(r"\b(\d{4})([-/.])(\d{1,2})\2(\d{1,2})\b")
#: a month as figures with a four-figure year: "06/2027", "6/2027", "2027-06"
_MONTH_FIGURES = re.compile(r"\b(?:(\d{1,2})[/.\-](\d{4})|(\d{4})-(\d{1,2}))\b(?![/.\-]\d)")
_DAY_MONTH_YEAR = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?(?:\s+of\s+|\s+|-)([a-z]{3,9})\.?,?(?:[\s\-]+'?|')"
    r"(\d{4}|\d{2})\b",
    re.IGNORECASE)
_MONTH_DAY_YEAR = re.compile(
    r"\b([a-z]{3,9})\.?\s+(\d{1,2})(st|nd|rd|th)?(,\s*|\s+)(\d{4})\b", re.IGNORECASE)
_MONTHS_YEAR = re.compile(
    r"\b([a-z]{3,9}\.?(?:\s*(?:/|-|–|to|or|&)\s*[a-z]{3,9}\.?)*)[\s\-']*'?(\d{4}|\d{2})\b",
    re.IGNORECASE)
#: the first of two quarters: "Q1-Q2 2027/28", "Q3/Q4 2026/27" are due as the later,
#: as "Feb/March 09" is
_QUARTER_RANGE = r"(?:(?:q|qtr|quarter)\s*[1-4]\s*(?:/|-|–|&|\bto\b|\band\b)\s*)"
#: a quarter: "Q3 2026/27", "Qtr 3 2026", "3rd quarter 2026/27", "third quarter of 2027"
#: (and "Q4 (2026/27)", "Q4 - 2026/27", "Quarter 4, 2026-27", "Q4 FY26/27"; "Q4 FY27":
#: of the financial year ending in 2027, as "FY27" is)
_QUARTER = re.compile(
    r"\b(?:" + _QUARTER_RANGE + r"?(?:q|qtr|quarter)\s*([1-4])|"
    r"([1-4])(?:st|nd|rd|th)\s+(?:qtr|quarter)|"
    r"(first|second|third|fourth)\s+(?:qtr|quarter))\s*(?:of\s+|[,\-–—:(]\s*)?"
    r"(?:(?:fy\s*)?(\d{4}|\d{2})\s*[/\-–]\s*(\d{4}|\d{2})|(\d{4})|fy\s*(\d{4}|\d{2}))\b",
    re.IGNORECASE)
_QUARTER_WORDS = {"first": 1, "second": 2, "third": 3, "fourth": 4}
#: a quarter written after its year, as in a council's tables: "2026/27 Q4", "2027 Q1",
#: "FY 2026/27 Q4"
_YEAR_QUARTER = re.compile(
    r"\b(?:fy\s*)?(?:(\d{4}|\d{2})\s*[/\-–]\s*(\d{4}|\d{2})|(\d{4}))\s*[,\-–—:(]?\s*"
    r"(?:q|qtr|quarter)\s*([1-4])\b", re.IGNORECASE)
_SEASON = re.compile(r"\b(spring|summer|autumn|fall|winter)\s+(?:of\s+)?'?(\d{4}|\d{2})\b",
                     re.IGNORECASE)
#: two seasons, either or across: "Spring/Summer 2027", "Autumn-Winter 2026" (the later)
_SEASONS = re.compile(r"\b(spring|summer|autumn|fall|winter)\s*(?:/|-|–|\bto\b|\bor\b|&)\s*"
                      r"(spring|summer|autumn|fall|winter)\s+(?:of\s+)?(\d{4}|\d{2})\b",
                      re.IGNORECASE)
#: "Winter 2026/27": the winter that spans the two years, ending in February
_WINTER_SPANNING = re.compile(r"\bwinter\s+(?:of\s+)?(\d{4}|\d{2})\s*[/\-–]\s*(\d{4}|\d{2})\b",
                              re.IGNORECASE)
#: a school year: "Academic year 2026/27", "the 2026/27 academic year" — due as its
#: summer term ends
_ACADEMIC_YEAR = re.compile(
    r"\bacademic\s+year\s+(?:of\s+)?(\d{4}|\d{2})\s*[/\-–]\s*(\d{4}|\d{2})\b|"
    r"\b(\d{4}|\d{2})\s*[/\-–]\s*(\d{4}|\d{2})\s+academic\s+year\b", re.IGNORECASE)
_TERM = re.compile(r"\b(autumn|spring|summer)\s+term\s+(?:of\s+)?(\d{4}|\d{2})\b",
                   re.IGNORECASE)
#: a half year: of a financial year ("H1 2027/28": April to September) or of a year
_HALF = re.compile(
    r"\b(?:h([12])|(first|second|1st|2nd)\s+half)\s*(?:of\s+)?"
    r"(?:(\d{4}|\d{2})\s*[/\-–]\s*(\d{4}|\d{2})|(\d{4}))\b", re.IGNORECASE)
_FIN_YEAR = re.compile(r"^(\d{4}|\d{2})\s*[/\-–]\s*(\d{4}|\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")
#: words before a year or financial year that leave its end as the date; not "before",
#: since "before 2027" means by the end of 2026
_YEAR_LEAD = re.compile(r"^(?:(?:by|the|end|of|in|during|financial\s+year|year[\s\-]*end|"
                        r"to|until|till|up\s+to|ongoing|on-going|" + _MOVED_WORDS + "|" +
                        _ESTIMATE_WORDS + r")\.?\s+|fy\s*)+", re.IGNORECASE)
#: a financial year named by one year ("financial year end 2027", "FY 2027"): the one
#: ending on 31 March of that year, as UK councils count it
_FINANCIAL_LEAD = re.compile(r"\b(?:financial\s+year|fy)(?![a-z])", re.IGNORECASE)
#: a year named after it ("2027 onwards"): the year, as "April 2027 onwards" is the month;
#: "by the end of the 2026/27 financial year": the financial year; "2026/27 and ongoing"
#: (as "Mar 2027 and ongoing" is the month)
_YEAR_AFTER = re.compile(r"\s+(?:onwards?|financial\s+year)$|"
                         r"\s*(?:&|/|\band\b|\bthen\b)\s*(?:ongoing|on-going|continuing)$",
                         re.IGNORECASE)
#: footnote marks around a date ("Mar 2027*", "†Q4 2026/27"): the date is the same
_FOOTNOTE_MARKS = "*†‡"
#: "before April 2027", "prior to Q4 2026/27", "ahead of Summer 2027": due by the day
#: before that time begins; "before the end of March 2027" is the end itself
_BEFORE = re.compile(r"^(?:before|prior\s+to|ahead\s+of)\s+(?!(?:the\s+)?end\b)(.+)$",
                     re.IGNORECASE)
#: a time after a date, as a date exported as text carries it ("31/12/2026 00:00")
_TIME_AFTER = re.compile(r"^(.*\d)(?:T|\s+)\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?$")
#: "w/c 14/12/2026": the week commencing that day, due at its working week's end
_WEEK_COMMENCING = re.compile(r"^(?:w/c|w/b|wc|week\s+commencing|week\s+beginning)\s+(.+)$",
                              re.IGNORECASE)
#: a stage named before its date: "Phase 1: Mar 2027; Phase 2: Sep 2027", "Stage 2 Dec
#: 2026" (not the 2nd of December)
_STAGES = re.compile(r"\b(?:phase|stage)\s*(?:\d{1,2}|[ivx]{1,4}|[a-d])\b\s*:?", re.IGNORECASE)
#: a step of the work named before its date: "Draft by Dec 2026 then adopt by Mar 2027",
#: "Consultation Jan 2027; go live Apr 2027" (milestones), "Review Mar 2027", "Tender
#: issued Nov 2026, contract award Feb 2027" — only where a date follows it: "Report in
#: March 2027 then consult" has a step with none
_STEPS = re.compile(
    r"\b(?:(?:first|second|final|full|initial|interim|public|contract|policy|strategy|"
    r"plan|scheme|service|system|new)\s+)?"
    r"(?:draft(?:ed|ing)?|final|consult(?:ation|ed|ing)?|adopt(?:ion|ed)?|"
    r"approv(?:e|ed|al)|agree(?:d|ment)?|sign(?:ed)?[\s-]?off|procure(?:ment|d)?|"
    r"tender(?:ing|s)?|award(?:ed)?|implement(?:ation|ed)?|"
    r"launch(?:ed)?|go[\s-]live|pilot|design|build|review(?:ed)?|publish(?:ed)?|"
    r"publication|scop(?:e|ing)|mobilis(?:e|ation)|handover|evaluat(?:e|ion)|"
    r"recruit(?:ment)?|training|roll[\s-]?out|options\s+appraisal|business\s+case|"
    r"submi(?:t|ssion)|commission(?:ing)?|commenc(?:e|ement)|start\s+on\s+site|completion|"
    r"works|construction|delivery|report(?:ed)?\s+to\s+(?:the\s+)?(?:cabinet|council|executive|"
    r"committee|scrutiny|board|members))"
    # what the step does then: "Tender issued Nov 2026", "Consultation closes Jan 2027"
    r"(?:\s+(?:(?:is|to\s+be)\s+)?(?:issued|complete[ds]?|start(?:s|ed)?|begins?|"
    r"commence[sd]?|open(?:s|ed)?|close[sd]?|end(?:s|ed)?|finish(?:es|ed)?|due|live|"
    r"agreed|approved|signed(?:\s+off)?|adopted|awarded|launched|published))?\b\s*:?"
    r"(?=\s*(?:(?:by|in|from|due|for|on|at|to|end\s+of|[-–—])\s*)*(?:\d|q[1-4]\b|"
    r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|"
    r"(?:spring|summer|autumn|winter)\b))", re.IGNORECASE)
_RECURS = "|".join(map(re.escape, sorted(RECURRING, key=len, reverse=True)))
#: the first date of work that then recurs: "Mar 2027 and annually thereafter", "Sept
#: 2026, then annually", "Apr 2027 then quarterly"
_THEN_RECURRING = re.compile(  # (searched for at the end: what comes first may be long)
    r"\s*(?:[,;&]\s*|\s+)(?:(?:and|then)\s+)*(?P<how>" + _RECURS + r")"
    r"(?:\s+(?:thereafter|after(?:wards)?|after\s+that))?$", re.IGNORECASE)
#: ... and the same said the other way round: "Quarterly from Apr 2027", "Annually
#: starting March 2027"
_RECURRING_FROM = re.compile(
    r"^(?P<how>" + _RECURS + r")\s*,?\s+(?:from|starting(?:\s+in)?|beginning|commencing)"
    r"\s+(?P<first>.*\d.*)$", re.IGNORECASE)
#: words for what a date depends on: "Subject to funding", "Dependent on the review"
_CONDITION_WORDS = re.compile(r"(?:subject\s+to|dependent|depending|depends|conditional|"
                              r"pending|awaiting)\b", re.IGNORECASE)
#: ... named before the date: "Subject to Cabinet approval - Mar 2027"
_CONDITION_LEAD = re.compile(r"^" + _CONDITION_WORDS.pattern + r"[^\d]*?\s*[-–—:;,]\s*"
                             r"(.*\d.*)$", re.IGNORECASE)
#: months of one year listed: "Mar, Jun, Sep, Dec 2027", "Jun, Sep and Dec 2027"
_MONTH_LIST = re.compile(r"^([a-z]{3,9}\.?(?:\s*,\s*[a-z]{3,9}\.?)+(?:,?\s*(?:\band\b|&)\s*"
                         r"[a-z]{3,9}\.?)?)\s+'?(\d{4}|\d{2})$", re.IGNORECASE)
#: a quarter with its months in brackets: "Q4 (Jan-Mar 2027)"
_QUARTER_MONTHS = re.compile(r"^(?:q|qtr|quarter)\s*([1-4])\s*\((.+)\)$", re.IGNORECASE)
#: a year of a plan of several counted, with the year meant in brackets: "Year 2
#: (2027/28)" (the count alone depends on when the plan began: unreadable, with a hint)
_PLAN_YEAR_MEANT = re.compile(r"^(?:year|yr)\s*\d{1,2}\s*\((.+)\)$", re.IGNORECASE)
#: a date given as yet to be confirmed: "TBC - Q4 2026/27", "TBC (Mar 2027)"
_TBC_LEAD = re.compile(r"^(?:tbc|tba|to\s+be\s+confirmed)\s*(?:[-–—:,]\s*(.+)|\((.+)\))$",
                       re.IGNORECASE)
#: ... and after it: "Jan 2027 TBC", "Mar 2027?" (the date the best known, as in brackets)
_TBC_AFTER = re.compile(r"^(.*\d.*?)[\s,;:\-–—]*(?:\btbc|\btba|\btbd|\bto\s+be\s+confirmed|"
                        r"\?+)$", re.IGNORECASE)
#: "Every April", "each March": a month every year
_EVERY_MONTH = re.compile(r"^(?:every|each)\s+([a-z]+)$", re.IGNORECASE)
#: a remark in brackets after a date: "Jan 2027 (revised)", "Mar 2027 (was Dec 2026)"
_REMARK = re.compile(r"^(.*?\S)\s*\(([^()]*)\)$")
#: a remark after a dash: "March 2027 - subject to funding", "TBC - awaiting the review"
_DASH_REMARK = re.compile(r"^(.*?\S)\s+[-–—]\s+([^\d]*[A-Za-z][^\d]*)$")
#: a date after words for "at once": "ASAP but by Mar 2027", "As soon as possible, and
#: no later than March 2027" (the date is the one to judge by)
_ASAP_BUT = re.compile(r"^(?:asap|a\.s\.a\.p\.?|as\s+soon\s+as\s+possible|immediate(?:ly)?|"
                       r"urgent(?:ly)?)\s*[,;:\-–—]?\s*(?:(?:but|and)\s+)?(.*\d.*)$",
                       re.IGNORECASE)
#: ongoing work with the date of its next review: "Ongoing - review Mar 2027", "Ongoing,
#: next review March 2027", as "Ongoing (review March 2027)" is read
_ONGOING_REVIEW = re.compile(r"^(?:ongoing|on-going|on\s+going|continuous|rolling)\s*"
                             r"(?:[,;:\-–—]\s*|\s+(?:with|and)\s+)(?:(?:next|annual|formal|"
                             r"a)\s+)?review(?:ed)?\s+(.*\d.*)$", re.IGNORECASE)
#: words that give a new date in place of an earlier one: "Sep 2026, revised to Mar 2027",
#: "Original: Sep 2026 Revised: Mar 2027", "Sep 2026 (now Mar 2027)", "Sep 2026 → Mar 2027"
_REVISED = re.compile(
    r"(?:\b(?:(?:" + _MOVED_WORDS + r")(?:\s+(?:target\s+)?date)?|new\s+(?:target\s+)?date)"
    r"\b\.?\s*(?:\b(?:to|until|till)\b)?|→|->|=>|(?<=\s)>(?=\s))\s*[:\-–—]?\s*",
    re.IGNORECASE)
#: words that mark the date a revision replaced ("was", "original")
_SUPERSEDED = re.compile(r"\b(?:original(?:ly)?|was|initially|previously|old|planned|"
                         r"target|date)\b", re.IGNORECASE)
_RECURRING = re.compile(r"^(?:([a-z]+)\s+)?(" + "|".join(map(re.escape, RECURRING)) +
                        r")(?:\s+in\s+([a-z]+))?$", re.IGNORECASE)


def _scan(text: str) -> list[tuple[int, int, date, str]]:
    """Every date found in ``text`` with its span and kind (a day: "date", a month:
    "month", a quarter, half, term or season: "period"), in the order written."""
    found: list[tuple[int, int, date, str]] = []
    taken: list[tuple[int, int]] = []

    def free(m: re.Match) -> bool:
        return all(m.end() <= a or m.start() >= b for a, b in taken)

    def add(m: re.Match, value: date, kind: str = "date") -> None:
        found.append((m.start(), m.end(), value, kind))
        taken.append((m.start(), m.end()))

    for m in _ACADEMIC_YEAR.finditer(text):
        first, second = (m[1], m[2]) if m[1] else (m[3], m[4])
        if _year(second) % 100 == (_year(first) + 1) % 100:
            add(m, month_end(_year(first) + 1, TERM_END["summer"]), "period")
    for m in _ISO.finditer(text):
        try:
            add(m, date(int(m[1]), int(m[3]), int(m[4])))
        except ValueError:
            continue
    for m in _NUMERIC.finditer(text):
        if not free(m):
            continue
        try:
            add(m, date(_year(m[3]), int(m[2]), int(m[1])))
        except ValueError:
            continue
    for m in _MONTH_FIGURES.finditer(text):
        month, year = (int(m[1]), int(m[2])) if m[1] else (int(m[4]), int(m[3]))
        if free(m) and 1 <= month <= 12:
            add(m, month_end(year, month), "month")
    for m in _DAY_MONTH_YEAR.finditer(text):
        month = _month(m[2])
        before = re.search(r"([a-z]{3,9})\.?\s*$", text[:m.start()], re.IGNORECASE)
        if before and _month(before[1]):
            continue  # "Apr 09 July 09": two month-years, not the 9th of July
        if month and free(m):
            try:
                add(m, date(_year(m[3]), month, int(m[1])))
            except ValueError:
                continue
    for m in _MONTH_DAY_YEAR.finditer(text):
        month = _month(m[1])
        if m[2].startswith("0") and not m[3] and "," not in m[4]:
            continue  # "Apr 09 2010": a month-year and a year, not the 9th of April
        if month and free(m):
            try:
                add(m, date(int(m[5]), month, int(m[2])))
            except ValueError:
                continue
    for m in _QUARTER.finditer(text):
        if not free(m):
            continue
        quarter = int(m[1] or m[2] or _QUARTER_WORDS[m[3].lower()])
        if m[4] or m[7]:  # financial year: Q1 = Apr-Jun of the first year
            start = _year(m[4]) if m[4] else _year(m[7]) - 1
            month = (3 + 3 * quarter - 1) % 12 + 1
            year = start + (1 if quarter == 4 else 0)
        else:
            year, month = int(m[6]), 3 * quarter
        add(m, month_end(year, month), "period")
    for m in _YEAR_QUARTER.finditer(text):
        if not free(m):
            continue
        quarter = int(m[4])
        if m[1]:  # financial year, as above
            year = _year(m[1]) + (1 if quarter == 4 else 0)
            month = (3 + 3 * quarter - 1) % 12 + 1
        else:
            year, month = int(m[3]), 3 * quarter
        add(m, month_end(year, month), "period")
    for m in _HALF.finditer(text):
        if not free(m):
            continue
        first = m[1] == "1" or (m[2] or "").lower() in ("first", "1st")
        if m[3]:  # financial year: H1 = April to September, H2 to March
            start = _year(m[3])
            add(m, month_end(start, 9) if first else month_end(start + 1, 3), "period")
        else:
            add(m, month_end(int(m[5]), 6 if first else 12), "period")
    for m in _TERM.finditer(text):
        if free(m):
            add(m, month_end(_year(m[2]), TERM_END[m[1].lower()]), "period")
    for m in _WINTER_SPANNING.finditer(text):
        if free(m) and _year(m[2]) % 100 == (_year(m[1]) + 1) % 100:
            add(m, month_end(_year(m[1]) + 1, 2), "period")
    for m in _SEASONS.finditer(text):
        if free(m):  # "Spring/Summer 2027": as "Feb/March 09", the later
            month, offset = SEASON_END[m[2].lower()]
            add(m, month_end(_year(m[3]) + offset, month), "period")
    for m in _SEASON.finditer(text):
        if free(m):
            month, offset = SEASON_END[m[1].lower()]
            add(m, month_end(_year(m[2]) + offset, month), "period")
    at = 0
    while (m := _MONTHS_YEAR.search(text, at)) is not None:
        words = re.split(r"\s*(?:/|-|–|\bto\b|\bor\b|&)\s*", m[1].strip())
        months = [_month(w) for w in words]
        if not months or any(x is None for x in months):
            # "prior to Dec 2026": look again from the next word
            word = re.search(r"\W\b", text[m.start() + 1:])
            at = m.start() + 1 + word.end() if word else len(text)
            continue
        at = m.end()
        if free(m):  # "Feb/March 09": the later month
            add(m, month_end(_year(m[2]), max(months)), "month")
    found.sort()
    return found


def dates_in(text: str) -> list[tuple[str, date]]:
    """Each date written in the free text ``text`` ("Approved, but to March 2028 as
    agreed at CMT 12/11/2026"), as written and as the day it is due by, in the order
    written: ``[("March 2028", date(2028, 3, 31)), ("12/11/2026", date(2026, 11, 12))]``.
    """
    return [(text[begin:end], due) for begin, end, due, _ in _scan(text)]


def _leftover(text: str, found: list[tuple[int, int, date, str]]) -> str:
    """What is left of ``text`` once the dates found and filler words are taken out."""
    rest = text
    for begin, finish, _, _ in sorted(found, reverse=True):
        rest = rest[:begin] + " " + rest[finish:]
    rest = FILLER.sub(" ", rest)
    return re.sub(r"[\s,;:.()\-–/&']+", " ", rest).strip()


def _suggest(text: str) -> str:
    """A correction for a misspelt month ("Dcember 2010" → "Dec 2010"), or ''."""
    for word in re.findall(r"[A-Za-z]{3,}", text):
        if _month(word):
            continue
        close = difflib.get_close_matches(word.lower(), MONTHS, n=1, cutoff=0.75)
        if close:
            fixed = text.replace(word, close[0][:3].title())
            if _scan(fixed):
                return fixed
    return ""


def parse_due(value: object, as_of: date | None = None) -> DueDate:
    """Read a date cell as written in a plan; never raises.

    ``value`` may be a :class:`date`/:class:`datetime`, an Excel serial number, or
    text. ``as_of`` lets recurring phrases ("April annually") resolve to their next
    occurrence on or after that date.
    """
    if value is None:
        return DueDate("", "blank")
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return _parse_day(value)
    if isinstance(value, bool):
        return DueDate(str(value), "unreadable",
                       problem=f"'{value}' is not a date")
    if isinstance(value, (int, float)):
        if 1 <= value < 2958466:  # Excel's range of serial dates
            day = from_excel_serial(value)
            return DueDate(day.strftime("%d/%m/%Y"), "date", day, (day,))
        return DueDate(str(value), "unreadable",
                       problem=f"the number {value} is not a date")
    if isinstance(value, str):
        return _parse_phrase(value, as_of)
    return _parse_text(value, as_of)


@lru_cache(maxsize=8192)
def _parse_day(day: date) -> DueDate:
    """:func:`parse_due` of a day, remembered (target dates cluster on quarter ends)."""
    return DueDate(day.strftime("%d/%m/%Y"), "date", day, (day,))


@lru_cache(maxsize=8192)
def _parse_phrase(value: str, as_of: date | None) -> DueDate:
    """:func:`parse_due` of text, remembered: a plan repeats its phrases ("Mar 2027",
    "Ongoing") hundreds of times, and DueDate is immutable."""
    return _parse_text(value, as_of)


#: the longest text read as a date phrase: a date cell holding more is prose, and is
#: said to be (councils' longest phrases are a fraction of it). Each way of writing a
#: date read past takes another pass over what is left, so a long cell of them would
#: take minutes, or more passes than Python allows
_LONGEST_PHRASE = 300


def _parse_text(value: object, as_of: date | None) -> DueDate:
    text = " ".join(str(value).split())
    if not text:
        return DueDate("", "blank")
    if len(text) > _LONGEST_PHRASE:
        return _unreadable(text)
    low = text.lower().rstrip(".")
    if low in ONGOING:
        return DueDate(text, "ongoing")
    if low in TBC:
        return DueDate(text, "tbc")
    named = " ".join(FILLER.sub(" ", low).split()).strip(" :;,.-–—?")
    if named != low and named in TBC and named not in ("-", "?"):
        return DueDate(text, "tbc")  # "Date: TBC", "Revised date TBC", "TBC?"
    paired = _REMARK.match(low) or _DASH_REMARK.match(low)
    if paired:  # "Annual - March", "March (annual)": every March
        first, second = (re.sub(r"^(?:each|every|in)\s+", "", part.strip())
                         for part in (paired[1], paired[2]))  # "Annually - each March"
        for both in (f"{second} {first}", f"{first} {second}"):
            both = " ".join(both.split())
            recurring = _RECURRING.match(both)
            if recurring and (recurring[1] or recurring[3]) and \
                    _month(recurring[1] or recurring[3]):
                read = _parse_text(both, as_of)
                return DueDate(text, read.kind, read.due, read.milestones)
    every = _EVERY_MONTH.match(low)
    if every and _month(every[1]):
        due = _next_occurrence(_month(every[1]), 12, as_of) if as_of else None
        return DueDate(text, "recurring", due, (due,) if due else ())
    if low in RECURRING:  # "Twice yearly": not the month "twice"
        due = _next_occurrence(None, RECURRING[low], as_of) if as_of else None
        return DueDate(text, "recurring", due, (due,) if due else ())
    recurring = _RECURRING.match(low)
    if recurring:
        month_word = recurring[1] or recurring[3]
        month = _month(month_word) if month_word else None
        if month_word and month is None:
            return _unreadable(text)
        every = RECURRING[recurring[2]]
        due = _next_occurrence(month, every, as_of) if as_of else None
        return DueDate(text, "recurring", due, (due,) if due else ())
    read = _read_recurring_from(text, as_of) or _read_conditional(text, as_of) or \
        _read_quarter_months(text, as_of)
    if read is not None:
        return read
    counted = _PLAN_YEAR_MEANT.match(text)
    if counted:  # "Year 2 (2027/28)": the year in brackets; "Year 3 (TBC)" is TBC
        read = _parse_text(counted[1], as_of)
        if _one_date(read) or read.kind == "tbc":
            return DueDate(text, read.kind, read.due, read.milestones)
    listed = _MONTH_LIST.match(text)
    if listed:  # "Mar, Jun, Sep, Dec 2027": a milestone each
        months = [_month(word) for word in re.split(r"\s*(?:,|\band\b|&)\s*", listed[1])]
        if all(months) and months == sorted(set(months)):
            days = tuple(month_end(_year(listed[2]), month) for month in months)
            return DueDate(text, "milestones", days[-1], days)
    if isinstance(value, str) and re.fullmatch(r"\d{5}(\.\d+)?", text):
        return parse_due(float(text), as_of)  # a serial number stored as text
    unmarked = text.strip(_FOOTNOTE_MARKS + " ")
    if unmarked and unmarked != text:  # "Mar 2027*": a footnote's mark
        read = _parse_text(unmarked, as_of)
        if read.readable:
            return DueDate(text, read.kind, read.due, read.milestones)
    unsure = _TBC_AFTER.match(text)
    if unsure:
        read = _parse_text(unsure[1], as_of)
        if read.due is not None:
            return DueDate(text, read.kind, read.due, read.milestones)
    urgent = _ASAP_BUT.match(text)
    if urgent:
        read = _parse_text(urgent[1], as_of)
        if read.due is not None:
            return DueDate(text, read.kind, read.due, read.milestones)
    reviewed = _ONGOING_REVIEW.match(text)
    if reviewed and _parse_text(reviewed[1], as_of).due is not None:
        return DueDate(text, "ongoing")  # the review a remark, as in brackets
    before = _BEFORE.match(text)
    if before:
        return _read_before(text, before[1], as_of)
    # "by the end of 2027" and "2027 onwards" are the year itself
    year_text = _YEAR_AFTER.sub("", _YEAR_LEAD.sub("", text))
    if _FINANCIAL_LEAD.search(text) and re.fullmatch(r"\d{2}", year_text):
        end = date(_year(year_text), 3, 31)  # "FY27", as "FY 2027": ending March 2027
        return DueDate(text, "period", end, (end,))
    fin = _FIN_YEAR.match(year_text)
    if fin and (_year(fin[2]) % 100) == (_year(fin[1]) + 1) % 100:
        end = month_end(_year(fin[1]) + 1, 3)
        return DueDate(text, "period", end, (end,))
    year = _YEAR.match(year_text)
    if year:
        end = date(int(year[1]), 3, 31) if _FINANCIAL_LEAD.search(text) else \
            date(int(year[1]), 12, 31)
        return DueDate(text, "period", end, (end,))
    staged = _STEPS.sub(" ", _STAGES.sub(" ", text))
    tbc = _TBC_LEAD.match(text)
    if staged != text or tbc:  # read past the stages' names, or "TBC -" before a date
        read = _parse_text(tbc[1] or tbc[2] if tbc else staged, as_of)
        if read.due is not None or (not tbc and read.readable):
            return DueDate(text, read.kind, read.due, read.milestones)
        if not tbc:
            return _unreadable(text)
        if not re.search(r"\d", tbc[1] or tbc[2]):  # "TBC: awaiting the review"
            return DueDate(text, "tbc")
    read = _read_revised(text, as_of) or _read_around(text, as_of)
    if read is not None:
        return read
    found = _scan(text)
    if not found or _leftover(text, found):
        return _unreadable(text)
    dates = tuple(d for _, _, d, _ in found)
    if len(dates) > 1:
        return DueDate(text, "milestones", max(dates), dates)
    return DueDate(text, found[0][3], dates[0], dates)


def _read_recurring_from(text: str, as_of: date | None) -> DueDate | None:
    """``text`` giving the first date of work that then recurs ("Mar 2027 and annually
    thereafter", "Quarterly from Apr 2027"): due by that date, then by each one after
    it — the first on or after ``as_of`` (the first itself without ``as_of``); None
    unless the first is one date."""
    found = _RECURRING_FROM.match(text)
    if found is not None:
        first, how = found["first"], found["how"]
    elif (found := _THEN_RECURRING.search(text)) is not None and \
            re.search(r"\d", text[:found.start()]):
        first, how = text[:found.start()], found["how"]
    else:
        return None
    read = _parse_text(first, None)
    if not _one_date(read):
        return None
    every, due = RECURRING[" ".join(how.lower().split())], read.due
    step = 0
    while as_of is not None and due < as_of:
        step += every
        due = _months_on(read.due, step)
    return DueDate(text, "recurring", due, (due,))


def _one_date(read: DueDate) -> bool:
    """Whether ``read`` is one date: not milestones, nor work that recurs, nor none."""
    return read.due is not None and len(read.milestones) <= 1 and read.kind != "recurring"


def _months_on(day: date, months: int) -> date:
    """``day`` moved on ``months`` months: a month's end stays its month's end."""
    year, month = divmod(day.month - 1 + months, 12)
    end = month_end(day.year + year, month + 1)
    return end if day == month_end(day.year, day.month) else end.replace(
        day=min(day.day, end.day))


def _read_conditional(text: str, as_of: date | None) -> DueDate | None:
    """``text`` naming what the date depends on before it ("Subject to Cabinet approval
    - Mar 2027", "Dependent on funding: Sep 2027"): the date, the condition a remark, as
    "Mar 2027 (subject to funding)" reads; None otherwise."""
    found = _CONDITION_LEAD.match(text)
    if found is None:
        return None
    read = _parse_text(found[1], as_of)
    return DueDate(text, read.kind, read.due, read.milestones) if read.due else None


def _read_quarter_months(text: str, as_of: date | None) -> DueDate | None:
    """A quarter with its months in brackets ("Q4 (Jan-Mar 2027)", "Quarter 2 (Jul - Sep
    2026)"): due at the bracket's end, where that is the quarter's, of a financial
    year or a calendar one; or with one month of it ("Q4 (Jan 2027)"): due at that
    month's end. None otherwise."""
    found = _QUARTER_MONTHS.match(text)
    if found is None:
        return None
    read = _parse_text(found[2], as_of)
    quarter = int(found[1])
    if not _one_date(read):
        return None
    if read.due.month in (3 * quarter, (3 * quarter + 2) % 12 + 1):
        return DueDate(text, "period", read.due, (read.due,))
    months = {3 * quarter - step for step in range(3)} | \
        {(3 * quarter + step) % 12 + 1 for step in range(3)}  # calendar's, financial's
    if read.kind == "month" and read.due.month in months:
        return DueDate(text, "month", read.due, (read.due,))
    return None


def _read_revised(text: str, as_of: date | None) -> DueDate | None:
    """``text`` giving a date and then a new one in its place ("Sep 2026, revised to Mar
    2027", "Original: Sep 2026 Revised: Mar 2027", "Sep 2026 (now Mar 2027)"): due by the
    new date alone, the old one no milestone to be judged by. None unless a revision's
    word comes straight before a date, after an earlier date with nothing else but words
    such as "was" or "original" ("Dec 2026 (revised from Sep 2026)" is December)."""
    found = _scan(text)
    if len(found) < 2:
        return None
    starts = {begin for begin, _, _, _ in found}
    marks = [m for m in _REVISED.finditer(text) if m.end() in starts]
    if not marks:
        return None
    mark = marks[-1]
    earlier, new = text[:mark.start()], text[mark.end():].strip()
    if new.endswith(")") and new.count(")") > new.count("("):
        new = new[:-1].rstrip()  # "Sep 2026 (now Mar 2027)"
    earlier_dates = _scan(earlier)
    left = _SUPERSEDED.sub(" ", _leftover(earlier, earlier_dates))
    if not earlier_dates or left.strip(" ,;:.()-–/&'"):
        return None
    read = _parse_text(new, as_of)
    if read.due is None:
        return None
    return DueDate(text, read.kind, read.due, read.milestones)


def _read_before(text: str, rest: str, as_of: date | None) -> DueDate:
    """``text``, "before" (or "prior to", "ahead of") and then ``rest``: due by the last
    day before the month, quarter, half, season, term or year that ``rest`` names begins
    ("before April 2027": 31 March 2027, "before 2027": 31 December 2026). A day is
    read as itself ("before 31/03/2027" is the deadline a council means); a range or
    two dates cannot be read this way and stays unreadable."""
    read = _parse_text(rest, as_of)
    if read.kind == "date":
        return DueDate(text, "date", read.due, read.milestones)
    months = _months_named(rest) if read.kind in ("month", "period") else None
    if months is None:
        return _unreadable(text)
    index = read.due.year * 12 + read.due.month - 1 - months
    due = month_end(index // 12, index % 12 + 1)
    return DueDate(text, "month", due, (due,))


def _months_named(text: str) -> int | None:
    """How many months the one month, quarter, half, season, term or year that
    ``text`` names lasts; None for a range of months or anything else."""
    rest = _YEAR_LEAD.sub("", text.strip())
    if _SEASONS.search(rest):
        return None  # two seasons: a span
    fin = _FIN_YEAR.match(rest)
    if fin and (_year(fin[2]) % 100) == (_year(fin[1]) + 1) % 100 or _YEAR.match(rest):
        return 12
    if _HALF.search(rest):
        return 6
    if _TERM.search(rest):
        return 4  # autumn term September to December, spring January to April...
    quarter = _QUARTER.search(rest)
    if quarter and re.match(_QUARTER_RANGE, quarter[0], re.IGNORECASE):
        return None  # two quarters: a span
    if quarter or _YEAR_QUARTER.search(rest) or _SEASON.search(rest) or \
            _WINTER_SPANNING.search(rest):
        return 3
    named = _MONTHS_YEAR.search(rest)
    if named and _month(named[1]) or _MONTH_FIGURES.search(rest):
        return 1
    return None


def _read_around(text: str, as_of: date | None) -> DueDate | None:
    """``text`` read past what surrounds a date: a time after it (a date exported as
    text), "w/c" before it (due at the end of that working week: the Friday), a remark
    in brackets or after a dash, with no figures in it (the date before it is the one
    due). None when
    there is nothing around, or what is inside cannot be read."""
    timed = _TIME_AFTER.match(text)
    week = _WEEK_COMMENCING.match(text)
    remark = _REMARK.match(text) or _DASH_REMARK.match(text)
    inner = timed[1] if timed else week[1] if week else remark[1] if remark else None
    if inner is None:
        return None
    read = _parse_text(inner, as_of)
    if not read.readable or (read.due is None and not remark):
        return None  # "Ongoing (annual review)" is ongoing; a time or a week needs a day
    if week:
        if read.kind != "date":
            return None  # "w/c March 2027" is no week
        due = read.due + timedelta(days=4)
        return DueDate(text, "date", due, (due,))
    return DueDate(text, read.kind, read.due, read.milestones)


def _next_occurrence(month: int | None, every: int, as_of: date) -> date:
    if month is None:  # "Quarterly", "Annually": the end of the current period
        if every == 12:
            return date(as_of.year, 12, 31)
        if every == 1:
            return month_end(as_of.year, as_of.month)
        end_month = ((as_of.month - 1) // every + 1) * every
        return month_end(as_of.year, end_month)
    candidate = month_end(as_of.year, month)
    return candidate if candidate >= as_of else month_end(as_of.year + 1, month)


def day_first_hint(text: str) -> str:
    """For a day/month/year that is no date, what is wrong with it ("dates are written
    day first: did you mean '31/12/2026' (31 Dec 2026)?"); '' if nothing can be said."""
    return _numeric_hint(text).strip()


def _numeric_hint(text: str) -> str:
    """What is wrong with a day/month/year that is no date: month and day the
    American way round ("12/31/2026"), or a day the month does not have
    ("30/02/2027"); '' if neither."""
    m = _NUMERIC.search(text)
    if m is None:
        return ""
    first, second, year = int(m[1]), int(m[2]), _year(m[3])
    if second > 12 and 1 <= first <= 12:
        with contextlib.suppress(ValueError):
            day = date(year, first, second)
            return (f"dates are written day first: did you mean '{day:%d/%m/%Y}' "
                    f"({describe(day)})? ")
    if 1 <= second <= 12 and first > calendar.monthrange(year, second)[1]:
        last = month_end(year, second)
        return (f"{MONTH_ABBREVIATIONS[second - 1]} {year} has {last.day} days: did you "
                f"mean '{last:%d/%m/%Y}'? ")
    return ""


#: a day and month with no year: "31 March", "31st Mar", "March 31"
_DAY_MONTH = re.compile(r"\b(\d{1,2})(?:st|nd|rd|th)?[\s\-]+([a-z]{3,9})\.?(?![\s\-]*\d)|"
                        r"\b([a-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?\b(?!\s*\d)",
                        re.IGNORECASE)


def _short_month_hint(text: str) -> str:
    """For a month and a two-figure year written as figures ("6/27"), which may be a
    day and month: the month it may be, to write in words."""
    m = re.fullmatch(r"\s*(\d{1,2})\s*/\s*(\d{2})\s*", text)
    if m is None or not 1 <= int(m[1]) <= 12:
        return ""
    year = _year(m[2])
    return (f"if the month is meant, write '{MONTH_ABBREVIATIONS[int(m[1]) - 1]} {year}' "
            f"(or '{int(m[1]):02d}/{year}'); ")


def _no_year_hint(text: str) -> str:
    """For a month, quarter, season or year end written without its year ("By end
    Dec", "Q4", "Autumn", "Financial year end"): say so."""
    day_month = _DAY_MONTH.search(text)
    if day_month and not re.search(r"\d", text[:day_month.start()] + text[day_month.end():]):
        day, word = (day_month[1], day_month[2]) if day_month[1] else \
            (day_month[4], day_month[3])
        month = _month(word)
        today = date.today()
        for year in range(today.year, today.year + 5) if month else ():
            with contextlib.suppress(ValueError):  # the next such day there is
                if date(year, month, int(day)) >= today:
                    return (f"it has no year: add it, as in '{int(day)} "
                            f"{MONTH_ABBREVIATIONS[month - 1]} {year}'; ")
    quarter = re.search(r"\b(?:q|qtr|quarter)\s*([1-4])\b", text, re.IGNORECASE)
    if re.search(r"\d", text[:quarter.start()] + text[quarter.end():] if quarter else text):
        return ""
    months = [w for w in re.findall(r"[A-Za-z]+", text) if _month(w)]
    if months:
        return f"it has no year: add it, as in '{months[-1][:3].title()} 2026'; "
    if quarter:
        return f"it has no year: add it, as in 'Q{quarter[1]} 2026/27'; "
    season = re.search(r"\b(spring|summer|autumn|fall|winter)(\s+term)?\b", text,
                       re.IGNORECASE)
    if season:
        return f"it has no year: add it, as in '{season[0].capitalize()} 2027'; "
    if re.search(r"\byear[\s\-]*end\b|\bend\s+of\s+(?:the\s+)?financial\s+year\b", text,
                 re.IGNORECASE):
        return "it has no year: write the year it ends, as in '2026/27' (31 March 2027); "
    if re.search(r"\bacademic\s+year\b", text, re.IGNORECASE):
        return ("it has no year: add it, as in 'Academic year 2026/27' (due as its summer "
                "term ends, 31 July 2027); ")
    return ""


#: words for a time that moves on ("today", "ASAP") and how each is best written
_MOVING = re.compile(r"^(?:(?:by|the|as\s+at|end\s+of|within)\s+)*(today|yesterday|tomorrow|now|"
                     r"asap|a\.s\.a\.p|as\s+soon\s+as\s+possible|immediate(?:ly)?|urgent(?:ly)?|"
                     r"(?:this|next|last)\s+(?:week|month|quarter|year))\.?$", re.IGNORECASE)
#: "Early 2027", "mid-2027", "late 2026/27": a part of a year, no day to judge by
_PART_OF_YEAR = re.compile(r"^(early|mid|late)[\s\-]+(\d{4}(?:\s*/\s*\d{2,4})?)$",
                           re.IGNORECASE)
_PLAN_YEAR = re.compile(r"^year\s+(\d|one|two|three|four|five)$", re.IGNORECASE)
#: "Within 6 months", "in 12 weeks", "3 months after approval": counted from a day unsaid
_INTERVAL = re.compile(r"^(?:(?:within|in|after|by)\s+)?(?:\d+|a|an|one|two|three|four|five|"
                       r"six|nine|twelve|eighteen|a\s+few|several)\s+(?:working\s+)?"
                       r"(?:days?|weeks?|months?|years?)\b", re.IGNORECASE)
#: holidays, whose dates a committee would have to work out: "by Christmas 2026"
_HOLIDAY = re.compile(r"\b(christmas|xmas|easter|new\s+year|whitsun|half[\s\-]term)\b",
                      re.IGNORECASE)
#: a date cell that points to where the date is: "As per project plan", "See timetable"
_ELSEWHERE = re.compile(r"^(?:as\s+per|see|per|refer\s+to|in\s+line\s+with|according\s+to|"
                        r"in\s+accordance\s+with|as\s+set\s+out\s+in)\b(?!.*\d)", re.IGNORECASE)
#: "Municipal year 2026/27": from one annual council meeting, in May, to the next
_MUNICIPAL_YEAR = re.compile(r"\bmunicipal\s+year\b(?:\D*(\d{4}|\d{2})\s*[/\-–]\s*"
                             r"(\d{4}|\d{2}))?", re.IGNORECASE)


def moving_date_hint(text: str) -> str:
    """For words that name a time relative to when they are read ("today", "ASAP",
    "next month"), a part of a year ("Mid 2027"), a year of the plan ("Year 2"), a
    holiday or a municipal year (whose days are to be worked out), or another paper
    ("As per project plan"):
    why no date can be read from them and what to write; '' for anything else."""
    text = " ".join(str(text).split())
    moving = _MOVING.match(text)
    if moving:
        word = moving[1].lower()
        if word in ("today", "yesterday", "tomorrow", "now"):
            return (f"'{text}' means another day each time the plan is read: type the "
                    "date itself (Ctrl+; types today's date in Excel and LibreOffice); ")
        if word.split()[0] in ("this", "next", "last"):
            return (f"'{text}' means another date each time the plan is read: write the "
                    "date or month meant; ")
        return (f"'{text}' gives no date to judge the action by: write the date it is due "
                "by, or 'TBC' until one is agreed; ")
    part = _PART_OF_YEAR.match(text)
    if part:
        start = int(part[2].split("/")[0])
        month, year = {"early": ("Mar", start), "mid": ("Jun", start),
                       "late": ("Dec", start)}[part[1].lower()] if "/" not in part[2] else \
            {"early": ("Jun", start), "mid": ("Sep", start),  # of a financial year
             "late": ("Mar", start + 1)}[part[1].lower()]
        return (f"'{text}' gives no day to judge the action by: write the month meant, "
                f"as in '{month} {year}'; ")
    if _PLAN_YEAR.match(text):
        return (f"'{text}' counts from when the plan began, which the plan does not say: "
                "write the year meant, as in '2027/28'; ")
    if _INTERVAL.match(text):
        return (f"'{text}' counts from a day the plan does not say: write the date it is "
                "due by; ")
    holiday = _HOLIDAY.search(text)
    if holiday:
        return (f"'{holiday[0]}' leaves the day to be worked out: write the date or month "
                "meant; ")
    if _ELSEWHERE.match(text):
        return (f"'{text}' points to where the date is written, which the plan cannot "
                "follow: write that date here; ")
    municipal = _MUNICIPAL_YEAR.search(text)
    if municipal:
        today = date.today()  # (no year: the municipal year now running)
        ends = _year(municipal[2]) if municipal[2] else today.year + (today.month > 5)
        return ("a municipal year ends at the council's annual meeting, on a day the plan "
                f"does not say: write the month meant, as in 'May {ends}'; ")
    return ""


#: what an officer writes in a date cell when the action is done or held up
_STATUS_WORDS = re.compile(r"^(?:n/?a\s*[-–:]?\s*)?(complete|completed|done|achieved|finished|"
                           r"delivered|closed|delayed|slipped|on\s+track|in\s+progress|"
                           r"on\s+hold|cancelled|deferred|not\s+started)\.?$", re.IGNORECASE)


def _status_hint(text: str) -> str:
    """For a status written where a date goes ("Complete", "Delayed"): say where it
    goes; '' for anything else."""
    found = _STATUS_WORDS.match(text.strip())
    if found is None:
        return ""
    return (f"'{found[1]}' says how the action stands, which the Status column is for: "
            "pick it there; this cell takes a date; ")


def _sentence_hint(text: str) -> str:
    """For prose in a date cell ("More sessions will be included in 09/10 member
    training"): say so, and which date in it could be the one meant; '' for a short
    phrase."""
    if len(re.findall(r"[A-Za-z]{2,}", text)) < 5:
        return ""
    found = [text[begin:end] for begin, end, _, _ in _scan(text)]
    if not found:
        found = [m[0] for m in re.finditer(r"\b(\d{2}|\d{4})/(\d{2})\b", text)
                 if (_year(m[2]) % 100) == (_year(m[1]) + 1) % 100]  # "09/10"
    which = f" (the date in it may be '{found[-1]}')" if found else ""
    return (f"it reads as a sentence{which}: keep the words in Progress update or a note, "
            "and write only the date here; ")


def unreadable_hint(text: str) -> str:
    """Why ``text`` (no date) may not be one, with what was likely meant — a month
    misspelt, the American order, a day the month lacks, a time that moves ("today"),
    a status ("Complete"), no year, a sentence — ending "; ", or '' if nothing can be
    said."""
    hint = _suggest(text)
    return (f"did you mean '{hint}'? " if hint else
            _numeric_hint(text) or moving_date_hint(text) or _status_hint(text) or
            _short_month_hint(text) or _no_year_hint(text) or _condition_hint(text) or
            _year_span_hint(text) or _sentence_hint(text))


#: years spanned, more than one financial year: "2026-2028", "2026 to 2030"
_YEAR_SPAN = re.compile(r"^\s*((?:19|20)\d{2})\s*(?:[-–—/]|\bto\b)\s*((?:19|20)\d{2})\s*$",
                        re.IGNORECASE)


def _year_span_hint(text: str) -> str:
    """For years spanned ("2026-2028", a strategy's life): ask for the date the action
    is due by within them; '' for anything else."""
    span = _YEAR_SPAN.match(text)
    if not span or int(span[2]) <= int(span[1]) + 1:
        return ""
    last = int(span[2])
    return (f"it spans the years {span[1]} to {span[2]}: write the date the action is due "
            f"by, as in 'Mar {last}' (the end of {last - 1}/{last % 100:02d}) or "
            f"'Dec {last}'; ")


def _condition_hint(text: str) -> str:
    """For what a date depends on, with no date ("Dependent on funding"): ask for the
    date it is due by if it goes ahead, or TBC; '' for anything else."""
    if re.search(r"\d", text) or not _CONDITION_WORDS.match(text.strip()):
        return ""
    return ("it says what the date depends on, not the date: write the date it is due by "
            "if that goes ahead (the condition in Progress update), or 'TBC'; ")


#: how far beyond the reporting date a plan's dates plausibly go: a longer way off is
#: taken for a slip of the keyboard (2207 for 2027)
FAR_OFF_YEARS = 10
#: a month and two figures: "March 31" is read as March 2031, but may mean the 31st
_MONTH_TWO_FIGURES = re.compile(r"^\s*([a-z]{3,9})\.?\s+(\d{2})\s*$", re.IGNORECASE)


def far_off_hint(read: DueDate, reference: date) -> str:
    """For a date read that lies implausibly far from ``reference`` (the plan's
    reporting date) — more than :data:`FAR_OFF_YEARS` years after it, before 1990, or
    a month and two figures read as a year five or more years on ("March 31": March
    2031) — why it may be a slip and what was likely meant, as a sentence; '' for a
    date within reach, or none."""
    due = read.due
    if due is None:
        return ""
    said = f"'{read.text}' is read as {describe(due)}, {due.year - reference.year} years " \
        "after the reporting date"
    month_day = _MONTH_TWO_FIGURES.match(read.text)
    if month_day and _month(month_day[1]) and 1 <= int(month_day[2]) <= 31 and \
            due.year >= reference.year + 5:
        month, number = _month(month_day[1]), int(month_day[2])
        for year in (reference.year, reference.year + 1):
            with contextlib.suppress(ValueError):
                day = date(year, month, number)
                if day >= reference or year > reference.year:
                    return (f"{said}: if the {number}{_ordinal(number)} of the month is "
                            f"meant, write '{day:%d/%m/%Y}'.")
    if 1990 <= due.year <= reference.year + FAR_OFF_YEARS:
        return ""
    if due.year < 1990:
        return (f"'{read.text}' is read as {describe(due)}, before 1990: a cell that "
                "holds a number rather than a date shows as one in 1900 (Excel counts "
                "days from there). Type the date again.")
    swapped = sorted({int("".join(p)) for p in itertools.permutations(str(due.year))
                      if p[0] != "0"} & set(range(reference.year - 1,
                                                  reference.year + FAR_OFF_YEARS + 1)))
    if swapped:
        return f"{said}: did you mean {' or '.join(map(str, swapped[:2]))}?"
    return f"{said}: check the year."


def _ordinal(number: int) -> str:
    """The letters after a day of the month: 1st, 2nd, 3rd, 4th, 11th, 22nd."""
    return "th" if 10 <= number % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(
        number % 10, "th")


def _unreadable(text: str) -> DueDate:
    advice = unreadable_hint(text[:_LONGEST_PHRASE]) + \
        "write a date (31/03/2027), a month ('March 2027') or a year ('2026/27')"
    shown = text if len(text) <= 120 else text[:100].rstrip() + "…"
    return DueDate(text, "unreadable",
                   problem=f"'{shown}' is not a date I can read; {advice}")


@lru_cache(maxsize=8192)
def describe(due: date | None) -> str:
    """A date as a committee reads it: ``31 Dec 2010``."""
    return due.strftime("%d %b %Y").lstrip("0") if due else "no date"
