"""Date phrases as councils write them, including every one in the seed papers."""
from __future__ import annotations

from datetime import date

import pytest

from cip_xl.dates import parse_due

from .conftest import SHARED

AS_OF = date(2010, 9, 30)


@pytest.mark.parametrize("phrase, kind, due", [
    ("31/12/2010", "date", date(2010, 12, 31)),
    ("22/1/09", "date", date(2009, 1, 22)),
    ("2010-12-31", "date", date(2010, 12, 31)),
    ("31st December 2010", "date", date(2010, 12, 31)),
    ("Dec 2010", "month", date(2010, 12, 31)),
    ("Sept 2010", "month", date(2010, 9, 30)),
    ("Feb 09", "month", date(2009, 2, 28)),
    ("Feb/March 09", "month", date(2009, 3, 31)),
    ("Nov/Dec 08", "month", date(2008, 12, 31)),
    ("Sept 2010 March 2011", "milestones", date(2011, 3, 31)),
    ("Apr 09 July 09", "milestones", date(2009, 7, 31)),
    ("Q3 2010/11", "period", date(2010, 12, 31)),
    ("Q4 2010/11", "period", date(2011, 3, 31)),
    ("Q1 2011", "period", date(2011, 3, 31)),
    ("2010/11", "period", date(2011, 3, 31)),
    ("Summer 2007", "period", date(2007, 8, 31)),
    ("Winter 2010", "period", date(2011, 2, 28)),
    ("April annually", "recurring", date(2011, 4, 30)),
    ("by end of March 2011", "month", date(2011, 3, 31)),
    ("2011", "period", date(2011, 12, 31)),
    ("End of 2011", "period", date(2011, 12, 31)),
    ("by the end of 2011", "period", date(2011, 12, 31)),
    ("during 2011", "period", date(2011, 12, 31)),
    ("by end of 2010/11", "period", date(2011, 3, 31)),
    ("31-Dec-2026", "date", date(2026, 12, 31)),  # Excel's d-mmm-yyyy, typed as text
    ("1-Apr-27", "date", date(2027, 4, 1)),
    ("March 31st 2027", "date", date(2027, 3, 31)),
    ("March 31, 2027", "date", date(2027, 3, 31)),
    ("31/12/2026 00:00", "date", date(2026, 12, 31)),  # exported with its time
    ("2026-12-31T17:30:00", "date", date(2026, 12, 31)),
    ("w/c 14/12/2026", "date", date(2026, 12, 18)),  # that working week's Friday
    ("Week commencing 1st March 2027", "date", date(2027, 3, 5)),
    ("Jan 2027 (revised)", "month", date(2027, 1, 31)),
    ("March 2010 (revised from Dec 2009)", "month", date(2010, 3, 31)),
    ("Q3 2026/27 (Executive)", "period", date(2026, 12, 31)),
    ("FY 2027/28", "period", date(2028, 3, 31)),
    ("Dec 09-Mar 10", "milestones", date(2010, 3, 31)),  # two month-years, not 9 March
    ("Summer term 2027", "period", date(2027, 7, 31)),  # school terms: education actions
    ("by Autumn term 2026", "period", date(2026, 12, 31)),
    ("Spring term 27", "period", date(2027, 4, 30)),  # ends by Easter: March or April
    ("H1 2027/28", "period", date(2027, 9, 30)),  # a financial year's half: Apr-Sep
    ("H2 2027/28", "period", date(2028, 3, 31)),
    ("H1 2027", "period", date(2027, 6, 30)),  # a calendar year's
    ("No later than 31 March 2027", "date", date(2027, 3, 31)),  # a deadline's words
    ("on or before 31/03/2027", "date", date(2027, 3, 31)),
    ("prior to Dec 2026", "month", date(2026, 11, 30)),  # before December begins
    ("before April 2027", "month", date(2027, 3, 31)),  # (was read as 30 April)
    ("Before April 2027 (revised)", "month", date(2027, 3, 31)),
    ("ahead of Q4 2026/27", "month", date(2026, 12, 31)),
    ("before 2027", "month", date(2026, 12, 31)),  # (was unreadable)
    ("before 2027/28", "month", date(2027, 3, 31)),
    ("before Summer 2027", "month", date(2027, 5, 31)),
    ("before Autumn term 2026", "month", date(2026, 8, 31)),
    ("before H2 2027/28", "month", date(2027, 9, 30)),
    ("before 06/2027", "month", date(2027, 5, 31)),
    ("before the end of March 2027", "month", date(2027, 3, 31)),  # the end itself
    ("Before end March 2027", "month", date(2027, 3, 31)),
    ("before 31/03/2027", "date", date(2027, 3, 31)),  # a day is the deadline meant
    ("first half of 2027", "period", date(2027, 6, 30)),  # as H1 2027
    ("Second half 2026/27", "period", date(2027, 3, 31)),
    ("FY26/27", "period", date(2027, 3, 31)),  # "FY" with no space
    ("beginning of April 2027", "month", date(2027, 4, 30)),  # as "early April 2027"
    ("Start of April 2027", "month", date(2027, 4, 30)),
    ("Spring/Summer 2027", "period", date(2027, 8, 31)),  # as "Feb/March 09": the later
    ("Autumn/Winter 2026", "period", date(2027, 2, 28)),  # winter ends in February
    ("Summer to Autumn 2027", "period", date(2027, 11, 30)),
    ("Financial year end 2027", "period", date(2027, 3, 31)),  # (was 31 December)
    ("FY 2027", "period", date(2027, 3, 31)),
    ("Year end 2026/27", "period", date(2027, 3, 31)),  # (was unreadable)
    ("Year end 2027", "period", date(2027, 12, 31)),  # a calendar year's end
    ("autumn '26", "period", date(2026, 11, 30)),  # the year as "March '27" writes it
    ("Cabinet Oct 2026", "month", date(2026, 10, 31)),  # the meeting it goes to
    ("Nov 2026 Council", "month", date(2026, 11, 30)),
    ("Phase 1 Mar 2027; Phase 2 Sep 2027", "milestones", date(2027, 9, 30)),
    ("31 March 2027 (Phase 1), 30 Sept 2027 (Phase 2)", "milestones", date(2027, 9, 30)),
    ("Stage 2 Dec 2026", "month", date(2026, 12, 31)),  # not the 2nd of December
    ("Phase 1 TBC", "tbc", None),
    # steps of the work named before their dates (were unreadable)
    ("Draft by Dec 2026 then adopt by Mar 2027", "milestones", date(2027, 3, 31)),
    ("Consultation Jan 2027; go live Apr 2027", "milestones", date(2027, 4, 30)),
    ("Draft: Dec 2026 / Final: Mar 2027", "milestones", date(2027, 3, 31)),
    ("Review Mar 2027", "month", date(2027, 3, 31)),
    ("Public consultation Q4 2026/27", "period", date(2027, 3, 31)),
    # ... and what the step does then (were unreadable)
    ("Tender issued Nov 2026, contract award Feb 2027", "milestones", date(2027, 2, 28)),
    ("Consultation closes Jan 2027", "month", date(2027, 1, 31)),
    ("Construction starts Apr 2027; completion Mar 2028", "milestones", date(2028, 3, 31)),
    ("Consultation ends 31/01/2027, report to Cabinet Mar 2027", "milestones",
     date(2027, 3, 31)),
    ("Policy adopted by Mar 2027", "month", date(2027, 3, 31)),
    ("Pilot starts Jan 2027, full roll-out Jun 2027", "milestones", date(2027, 6, 30)),
    ("TBC - Q4 2026/27", "period", date(2027, 3, 31)),  # as "Q4 2026/27 (TBC)"
    ("TBC (Mar 2027)", "month", date(2027, 3, 31)),
    ("Every April", "recurring", date(2011, 4, 30)),  # as "April each year"
    ("up to Dec 2026", "month", date(2026, 12, 31)),
    ("Mar 2027 at the latest", "month", date(2027, 3, 31)),
    ("until March 2027", "month", date(2027, 3, 31)),
    ("April 2027 onwards", "month", date(2027, 4, 30)),  # as "From April 2027"
    ("3rd quarter 2026/27", "period", date(2026, 12, 31)),  # ordinal quarters
    ("2026/27 Q4", "period", date(2027, 3, 31)),  # the year first, as in councils' tables
    ("2026-27 Q1", "period", date(2026, 6, 30)),
    ("2026/2027 Quarter 3", "period", date(2026, 12, 31)),
    ("2027 Q1", "period", date(2027, 3, 31)),  # a calendar year's
    ("third quarter of 2026/27", "period", date(2026, 12, 31)),
    ("Quarter 3 2026/27", "period", date(2026, 12, 31)),  # (was read as a day)
    ("Fourth Quarter 2027", "period", date(2027, 12, 31)),
    ("Winter 2026/27", "period", date(2027, 2, 28)),  # the winter across the two years
    ("06/2027", "month", date(2027, 6, 30)),  # a month as figures, the year in full
    ("12/2026", "month", date(2026, 12, 31)),
    ("2027-06", "month", date(2027, 6, 30)),
    ("2027/06/30", "date", date(2027, 6, 30)),  # year first, with slashes
    ("31st of March 2027", "date", date(2027, 3, 31)),
    ("Tuesday 30th June 2027", "date", date(2027, 6, 30)),  # the weekday passed over
    ("Revised to June 2027", "month", date(2027, 6, 30)),
    ("30/06/2027 - revised", "date", date(2027, 6, 30)),  # a remark after a dash
    ("March 2027 - subject to funding", "month", date(2027, 3, 31)),
    ("TBC - awaiting funding", "tbc", None),
    ("Sept 2026 - March 2027", "milestones", date(2027, 3, 31)),  # two dates, no remark
    ("FY27", "period", date(2027, 3, 31)),  # as "FY 2027": the year ending March 2027
    ("FY2027", "period", date(2027, 3, 31)),  # (was read as 31 December 2027)
    ("2027 onwards", "period", date(2027, 12, 31)),  # as "April 2027 onwards"
    ("Ongoing from April 2027", "month", date(2027, 4, 30)),  # as "From April 2027"
    ("Report to Cabinet Oct 2026", "month", date(2026, 10, 31)),  # the meeting it goes to
    ("Audit Committee Jan 2027", "month", date(2027, 1, 31)),
    ("Portfolio Holder decision by September 2010", "month", date(2010, 9, 30)),  # a seed's
    ("TBC: awaiting review", "tbc", None),  # as "TBC - awaiting funding"
    ("Date: TBC", "tbc", None),
    ("Mar 2027*", "month", date(2027, 3, 31)),  # a footnote's mark
    ("†Q4 2026/27", "period", date(2027, 3, 31)),
    ("Revised date: Mar 2027", "month", date(2027, 3, 31)),  # the column's name pasted
    ("Deferred to June 2027", "month", date(2027, 6, 30)),
    # a date and the one that replaced it: the new one alone, the old no milestone (a
    # superseded September would otherwise be judged first, amber through August)
    ("Original: Sep 2026 Revised: Mar 2027", "month", date(2027, 3, 31)),
    ("Sept 2026 - now Mar 2027", "month", date(2027, 3, 31)),
    ("Sep 2026 (now Mar 2027)", "month", date(2027, 3, 31)),  # not the September
    ("Was Sep 2026, now Q4 2026/27", "period", date(2027, 3, 31)),
    ("30/09/2026 → 31/03/2027", "date", date(2027, 3, 31)),
    ("Oct 2026 > Jan 2027", "month", date(2027, 1, 31)),  # moved, typed with a ">"
    ("Sep 2026 slipped to Mar 2027 - awaiting funding", "month", date(2027, 3, 31)),
    ("Q4 (2026/27)", "period", date(2027, 3, 31)),  # a quarter and its year, set apart
    ("Q4 - 2026/27", "period", date(2027, 3, 31)),
    ("Quarter 4, 2026-27", "period", date(2027, 3, 31)),
    ("2026/27 - Q4", "period", date(2027, 3, 31)),
    ("Q4 FY26/27", "period", date(2027, 3, 31)),
    ("Q3 FY27", "period", date(2026, 12, 31)),  # of the year ending March 2027
    ("Q1-Q2 2027/28", "period", date(2027, 9, 30)),  # two quarters: the later
    ("Q3/Q4 2026/27", "period", date(2027, 3, 31)),
    ("Annual - March", "recurring", date(2011, 3, 31)),  # every March (was December)
    ("March (annual)", "recurring", date(2011, 3, 31)),
    ("Annually - each March", "recurring", date(2011, 3, 31)),
    ("Achieved Sept 2010", "month", date(2010, 9, 30)),
    ("31/03/2027 or earlier", "date", date(2027, 3, 31)),
    ("Mar 2027 and ongoing", "month", date(2027, 3, 31)),  # as "March 2027 onwards"
    ("Ongoing", "ongoing", None),
    ("Ongoing (annual review)", "ongoing", None),
    ("Ongoing - review Mar 2027", "ongoing", None),  # as in brackets (was unreadable)
    ("Ongoing, next review March 2027", "ongoing", None),
    ("Ongoing with review in Mar 2027", "ongoing", None),
    ("asap but by Mar 2027", "month", date(2027, 3, 31)),  # the date to judge by
    ("As soon as possible, and no later than 31/03/2027", "date", date(2027, 3, 31)),
    ("ASAP - before April 2027", "month", date(2027, 3, 31)),
    ("ASAP but TBC", "unreadable", None),
    ("Sep 2010 then Mar 2011", "milestones", date(2011, 3, 31)),  # two steps (unread)
    ("Dec 2010, then by Mar 2011", "milestones", date(2011, 3, 31)),
    ("TBC", "tbc", None),
    ("Not yet known", "tbc", None),  # (were unreadable)
    ("Unknown", "tbc", None),
    # what councils' plans also write (were unreadable)
    ("To be completed by 31/03/2027", "date", date(2027, 3, 31)),
    ("In place by Apr 2027", "month", date(2027, 4, 30)),
    ("By the end of the 2026/27 financial year", "period", date(2027, 3, 31)),
    ("FY 2026/27 Q4", "period", date(2027, 3, 31)),
    ("Q4 (Jan-Mar 2027)", "period", date(2027, 3, 31)),  # the quarter's own months
    ("Q2 (Jul - Sep 2026)", "period", date(2026, 9, 30)),
    # a month of the quarter: the month, the nearer and more exact of the two
    ("Q4 (Jan 2027)", "month", date(2027, 1, 31)), ("Q1 (May 2026)", "month", date(2026, 5, 31)),
    ("Q4 (Jun 2027)", "unreadable", None),  # no month of any Q4: which is meant?
    # a year of a plan of several, the year meant in brackets
    ("Year 2 (2027/28)", "period", date(2028, 3, 31)), ("Yr 1 (Mar 2027)", "month",
                                                         date(2027, 3, 31)),
    ("Year 3 (TBC)", "tbc", None),
    ("Academic year 2026/27", "period", date(2027, 7, 31)),  # as its summer term ends
    ("End of the 2026/27 academic year", "period", date(2027, 7, 31)),
    ("Subject to Cabinet approval - Mar 2027", "month", date(2027, 3, 31)),
    ("Dependent on funding: Sep 2027", "month", date(2027, 9, 30)),
    ("Commence Apr 2027", "month", date(2027, 4, 30)),
    ("Twice yearly", "recurring", date(2010, 12, 31)),  # not the month "twice"
    ("Mar 2027 and annually thereafter", "recurring", date(2027, 3, 31)),  # the first
    ("2026/27 and ongoing", "period", date(2027, 3, 31)),  # as "Mar 2027 and ongoing"
    ("Mar, Jun, Sep, Dec 2027", "milestones", date(2027, 12, 31)),
    ("Jun, Sep and Dec 2027", "milestones", date(2027, 12, 31)),
    ("Dec, Jun 2027", "unreadable", None),  # out of order: which year is December's?
    # a date given as an estimate, moved on, or with an apostrophe (were unreadable)
    ("31st Mar '27", "date", date(2027, 3, 31)),
    ("c. Jan 2027", "month", date(2027, 1, 31)),
    ("Expected Mar 2027", "month", date(2027, 3, 31)),
    ("Est. completion Q4 2026/27", "period", date(2027, 3, 31)),
    ("Provisional: Jan 2027", "month", date(2027, 1, 31)),
    ("Jan 2027 TBC", "month", date(2027, 1, 31)),  # as "TBC - Jan 2027" is
    ("Mar 2027?", "month", date(2027, 3, 31)),
    ("Ongoing to Mar 2030", "month", date(2030, 3, 31)),
    ("Ongoing until 2030", "period", date(2030, 12, 31)),
    ("March 2027 / ongoing", "month", date(2027, 3, 31)),
    ("Carried forward to 2027/28", "period", date(2028, 3, 31)),
    ("Deferred to 2027/28", "period", date(2028, 3, 31)),
    ("c/f to Jun 2027", "month", date(2027, 6, 30)),
    ("Dec 2026 rev. Mar 2027", "month", date(2027, 3, 31)),  # the revision alone
    ("First week of April 2027", "month", date(2027, 4, 30)),  # as "early April 2027"
    ("Revised date TBC", "tbc", None),
    ("TBC?", "tbc", None),
    ("", "blank", None),
    (None, "blank", None),
])
def test_phrases(phrase, kind, due):
    parsed = parse_due(phrase, as_of=AS_OF)
    assert (parsed.kind, parsed.due) == (kind, due)
    if isinstance(phrase, str) and phrase:
        assert parsed.text == phrase  # the words are kept as written


def test_excel_serial_and_real_dates():
    assert parse_due(40543).due == date(2010, 12, 31)
    assert parse_due("40543").due == date(2010, 12, 31)
    assert parse_due(date(2011, 3, 31)).text == "31/03/2011"


def test_milestones_are_kept_in_order_and_next_one_found():
    parsed = parse_due("May 2010 Oct 2010")
    assert parsed.milestones == (date(2010, 5, 31), date(2010, 10, 31))
    assert parsed.next_milestone(date(2010, 6, 1)) == date(2010, 10, 31)
    assert parsed.next_milestone(date(2011, 1, 1)) == date(2010, 10, 31)


def test_unreadable_is_a_problem_not_an_exception():
    parsed = parse_due("Dcember 2010")
    assert parsed.kind == "unreadable" and parsed.due is None
    assert "Dec 2010" in parsed.problem and "31/03/2027" in parsed.problem
    assert not parse_due("31/02/2010").readable
    assert not parse_due(True).readable
    # an earliest date, and "before" a span of months, say no one day it is due by
    assert not parse_due("not before April 2027").readable
    assert not parse_due("before Jan-Mar 2027").readable
    assert not parse_due("before Spring/Summer 2027").readable
    assert not parse_due("before Q1-Q2 2027/28").readable


@pytest.mark.parametrize("phrase, as_of, due", [
    ("Mar 2027 and annually thereafter", date(2026, 12, 31), date(2027, 3, 31)),
    ("Mar 2027 and annually thereafter", date(2027, 4, 1), date(2028, 3, 31)),
    ("Sept 2026, then annually", date(2026, 12, 31), date(2027, 9, 30)),
    ("Quarterly from Apr 2027", date(2027, 5, 10), date(2027, 7, 31)),
    ("Apr 2027 then quarterly", date(2026, 12, 31), date(2027, 4, 30)),
    ("15/03/2026 and annually", date(2026, 12, 31), date(2027, 3, 15)),
    ("Annually starting March 2027", date(2027, 3, 31), date(2027, 3, 31)),
])
def test_work_that_recurs_from_a_first_date_is_due_at_the_next(phrase, as_of, due):
    """"Mar 2027 and annually thereafter": due by March 2027, and once that is past by
    each March after it — not overdue for ever from April 2027."""
    parsed = parse_due(phrase, as_of=as_of)
    assert (parsed.kind, parsed.due) == ("recurring", due)


@pytest.mark.parametrize("phrase, hint", [
    ("12/31/2026", "dates are written day first: did you mean '31/12/2026' (31 Dec 2026)?"),
    ("30/02/2027", "Feb 2027 has 28 days: did you mean '28/02/2027'?"),
    ("31/04/2027", "Apr 2027 has 30 days: did you mean '30/04/2027'?"),
    ("By end Dec", "it has no year: add it, as in 'Dec 2026'"),
    ("Q4", "it has no year: add it, as in 'Q4 2026/27'"),
    ("More sessions will be included in 09/10 member Training & Dev programme",
     "it reads as a sentence (the date in it may be '09/10'): keep the words in Progress "
     "update or a note"),  # from the Rochford CPA plan of 2009
    ("Report to Executive in March 2027 then consult", "the date in it may be 'March 2027'"),
    # a step with no date after it: when the action ends is not known
    ("Draft by Dec 2026 then adopt", "the date in it may be 'Dec 2026'"),
    ("Dependent on funding", "says what the date depends on, not the date"),
    ("Subject to Cabinet approval", "or 'TBC'"),
    ("today", "means another day each time the plan is read: type the date itself"),
    ("ASAP", "gives no date to judge the action by: write the date it is due by, or 'TBC'"),
    ("By end of next year", "means another date each time the plan is read"),
    ("Mid 2027", "write the month meant, as in 'Jun 2027'"),
    ("Late 2026/27", "as in 'Mar 2027'"),  # late in the financial year
    ("Year 2", "counts from when the plan began"),
    ("2026-2028", "it spans the years 2026 to 2028: write the date the action is due by, as "
     "in 'Mar 2028' (the end of 2027/28) or 'Dec 2028'"),  # a strategy's life
    ("2026 to 2030", "it spans the years 2026 to 2030"),
    ("Complete", "'Complete' says how the action stands, which the Status column is for"),
    ("Delayed.", "which the Status column is for: pick it there; this cell takes a date"),
    ("Autumn", "it has no year: add it, as in 'Autumn 2027'"),
    ("Financial year end", "it has no year: write the year it ends, as in '2026/27'"),
    ("End of financial year", "it has no year: write the year it ends, as in '2026/27'"),
    ("End of the academic year", "it has no year: add it, as in 'Academic year 2026/27'"),
    ("by 31 March", "it has no year: add it, as in '31 Mar 20"),  # the next 31 March
    ("1st Dec", "it has no year: add it, as in '1 Dec 20"),
    ("Within 6 months", "counts from a day the plan does not say: write the date"),
    ("3 months after approval", "counts from a day the plan does not say"),
    ("Before Christmas 2026", "'Christmas' leaves the day to be worked out"),
    ("As per project plan", "points to where the date is written, which the plan cannot "
     "follow: write that date here"),
    ("In line with the budget timetable", "points to where the date is written"),
    ("Municipal year 2026/27", "at the council's annual meeting, on a day the plan does "
     "not say: write the month meant, as in 'May 2027'"),
    ("by Easter", "'Easter' leaves the day to be worked out"),
    ("Winter 2026/28", ""),  # no winter spans three years
    ("6/27", "if the month is meant, write 'Jun 2027' (or '06/2027')"),
    ("March 2027 - see note 3", ""),  # a remark with figures: not passed over
    ("w/c March 2027", ""),  # a month is no week: no date read, no hint
    ("Apr 09 2010", ""),  # a month-year and a year: not the 9th of April
])
def test_an_unreadable_date_says_what_is_wrong_with_it(phrase, hint):
    parsed = parse_due(phrase)
    assert not parsed.readable and parsed.due is None
    assert parsed.problem.startswith(f"'{phrase}' is not a date I can read; ")
    if hint:
        assert hint in parsed.problem
    else:
        assert "did you mean" not in parsed.problem and "no year" not in parsed.problem
        assert "sentence" not in parsed.problem


def _seed_date_cells() -> list[str]:
    """The completion-date column of every plan table in the seed papers."""
    phrases = []
    for path in sorted((SHARED / "seeds").glob("00[01]_*.txt")):
        column = None
        for line in path.read_text(encoding="utf-8").splitlines():
            cells = line.split("\t")
            lowered = [c.replace(" ", "").lower() for c in cells]
            if "completiondate" in lowered:
                column = lowered.index("completiondate")
                continue
            if column is not None and len(cells) > column + 2 and cells[column].strip():
                phrases.append(cells[column].strip())
    return phrases


def test_every_seed_phrase_parses_or_gives_a_finding():
    phrases = _seed_date_cells()
    if not phrases:
        pytest.skip("../shared/seeds is not beside this checkout")
    assert len(phrases) >= 25
    readable = 0
    for phrase in phrases:
        parsed = parse_due(phrase)
        if parsed.readable:
            readable += 1
            assert parsed.due is not None or parsed.kind in ("ongoing", "tbc"), phrase
        else:
            assert parsed.problem and phrase in parsed.problem
    assert readable >= len(phrases) - 6  # only the prose or stray cells are unreadable


@pytest.mark.parametrize("cell", [
    "Tender " * 3000 + "Nov 2026",  # a step before a step before ... a date
    "Mar 2027" + " (see note)" * 3000,  # a remark after a remark after ... a date
    "Mar 2027 " * 4000,
], ids=["steps", "remarks", "dates"])
def test_a_date_cell_full_of_words_is_prose_not_a_crash(cell):
    """A date cell pasted full (32,767 characters fit) was read a step or remark at a
    time, one pass inside another, until Python gave up (RecursionError): validate
    stopped with a traceback. It is prose, said to be, quoted short."""
    parsed = parse_due(cell)
    assert parsed.kind == "unreadable" and parsed.due is None
    assert "reads as a sentence" in parsed.problem and len(parsed.problem) < 400
    assert parsed.problem.startswith(f"'{cell[:60]}") and "…' is not a date" in parsed.problem
    assert parsed.text == " ".join(cell.split())  # the words themselves are kept
