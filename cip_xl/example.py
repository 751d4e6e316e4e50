"""The built-in example: the improvement plan of a fictional council, and a blank plan.

Wrenfield District Council does not exist; its plan is written for cip-xl so that
``cip-xl demo`` and the tests have a realistic plan to work on (40 actions over five
themes, eleven officers in four directorates, dates written the many ways councils write
them, progress at the end of the second quarter of 2026/27). Everything here is
deterministic: the same code always makes the same plan.
"""
from __future__ import annotations

import hashlib
from datetime import date

from .model import Action, Officer, Plan, ReviewEntry, Settings, Theme

EXAMPLE_PLAN_ID = "PWRENFIELD2627"
EXAMPLE_REPORTING_DATE = date(2026, 9, 30)

OFFICERS = (
    ("CEX", "Chief Executive", "Alison Marsh", "alison.marsh@wrenfield.gov.example", "Chief Executive's Office"),
    ("HPP", "Head of Policy & Performance", "Tom Adeyemi", "tom.adeyemi@wrenfield.gov.example", "Chief Executive's Office"),
    ("SPO", "Senior Performance Officer", "Priya Nair", "priya.nair@wrenfield.gov.example", "Chief Executive's Office"),
    ("HF", "Head of Finance", "Gareth Lloyd", "gareth.lloyd@wrenfield.gov.example", "Resources"),
    ("HLD", "Head of Legal & Democratic Services", "Fiona Brennan", "fiona.brennan@wrenfield.gov.example", "Resources"),
    ("HRM", "Human Resources Manager", "Sam Okafor", "sam.okafor@wrenfield.gov.example", "Resources"),
    ("HDC", "Head of Digital & Customer Services", "Ruth Whitaker", "ruth.whitaker@wrenfield.gov.example", "Resources"),
    ("HP", "Head of Planning", "Daniel Kowalski", "daniel.kowalski@wrenfield.gov.example", "Place"),
    ("HES", "Head of Environmental Services", "Megan Price", "megan.price@wrenfield.gov.example", "Place"),
    ("HH", "Head of Housing", "Imran Qureshi", "imran.qureshi@wrenfield.gov.example", "People & Communities"),
    ("HCS", "Head of Community Services", "Jo Fairbairn", "jo.fairbairn@wrenfield.gov.example", "People & Communities"),
)

THEMES = (
    ("Managing our finances", "A balanced medium-term budget and value for money."),
    ("Governing the business", "Sound decisions, openly made and well scrutinised."),
    ("Our people", "A skilled, healthy and well-led workforce."),
    ("Customers and digital services", "Services residents can reach when and how they need."),
    ("Places and communities", "Clean, safe places and homes people can afford."),
)

# theme index, ref, objective, key action, lead, target, revised, outcomes, resources,
# status, % complete, progress update, last updated
_ROWS = (
    (0, "1.1", "Deliver the savings in the Medium Term Financial Strategy.", "Report savings options to the Executive", "HF", "Jul 2026", None, "Options agreed by Members", "Within existing budgets", "Complete", 100, "Executive agreed savings options on 15 July 2026.", date(2026, 7, 20)),
    (0, "1.2", "See above", "Set revised budgets for 2027/28", "HF", "Q3 2026/27", None, "Balanced budget proposed", "Within existing budgets", "On track", 60, "Budget challenge sessions held with all heads of service.", date(2026, 9, 22)),
    (0, "1.3", "See above", "Quarterly budget monitoring reported to Executive", "HF", "Quarterly", None, "No unplanned overspend", "Within existing budgets", "Ongoing", None, "Q1 monitoring reported in August; Q2 report drafted.", date(2026, 9, 18)),
    (0, "1.4", "Review value for money across services.", "Benchmark the costs of the ten largest services", "SPO", "Dec 2026", None, "Costs compared with nearest neighbours", "Within existing budgets", "At risk", 20, "Benchmarking club data late; five of ten services compared.", date(2026, 9, 25)),
    (0, "1.5", "See above", "Challenge sessions on high-cost services", "HF", "Feb/March 27", None, "Savings identified", "Officer time", "Not started", 0, "", None),
    (0, "1.6", "Update the procurement strategy.", "Align the procurement strategy with the Corporate Plan", "HF", "30/06/2026", "31/10/2026", "Strategy adopted", "Within existing budgets", "Slipped", 70, "Draft delayed by new national procurement rules; revised date agreed.", date(2026, 9, 12)),
    (0, "1.7", "See above", "Introduce a contracts register open to the public", "HLD", "Sept 2026", None, "Register published on the website", "ICT time", "Complete", 100, "Register live since 1 September 2026.", date(2026, 9, 2)),
    (0, "1.8", "Make the most of council assets.", "Review the commercial property portfolio", "HF", "Mar 2027", None, "Asset plan with income targets", "Consultant fees £15k", "On track", 35, "Valuations commissioned; site visits under way.", date(2026, 9, 28)),
    (1, "2.1", "Strengthen scrutiny.", "Member training on overview and scrutiny", "HLD", "Sept 2026 March 2027", None, "Members more confident in scrutiny", "Member development budget", "On track", 50, "First session held in September; second planned for March.", date(2026, 9, 24)),
    (1, "2.2", "See above", "Publish the scrutiny annual report with its impact on residents", "HLD", "May 2026", None, "Annual report published", "Officer time", "Complete", 100, "Published and presented to Council in May.", date(2026, 6, 3)),
    (1, "2.3", "Manage risk well.", "Review the structure of the corporate risk register", "SPO", "Dec 2026", None, "Risks linked to strategic objectives", "Within existing budgets", "On track", 55, "Workshop with the leadership team held in August.", date(2026, 9, 10)),
    (1, "2.4", "See above", "Report the revised risk register to the Audit Committee", "SPO", "Jan 2027", None, "Committee assured", "Within existing budgets", "Not started", 0, "", None),
    (1, "2.5", "Keep business continuity plans tested.", "Test IT disaster recovery", "HDC", "Summer 2026", None, "Recovery proven within 24 hours", "ICT time", "Slipped", 50, "Test postponed after supplier change; one of two tests done.", date(2026, 6, 30)),
    (1, "2.6", "See above", "Obtain assurances from key contractors", "HPP", "Nov 2026", None, "All key contractors assured", "Officer time", "At risk", 30, "Two of six contractors have replied.", date(2026, 9, 26)),
    (1, "2.7", "Improve information governance.", "Complete the data protection audit actions", "HLD", "31/08/2026", None, "Audit actions closed", "Within existing budgets", "On track", 80, "Eleven of fourteen actions closed.", date(2026, 9, 15)),
    (1, "2.8", "See above", "Refresh the records retention schedule", "HLD", "TBC", None, "Schedule approved", "Officer time", "Deferred", 10, "Deferred until the new document system is chosen.", date(2026, 9, 1)),
    (2, "3.1", "Plan the workforce we need.", "Update the workforce development plan", "HRM", "May 2026 Oct 2026", None, "Plan aligned to service plans", "Within existing budgets", "On track", 65, "Skills survey complete; draft plan with the leadership team.", date(2026, 9, 19)),
    (2, "3.2", "See above", "Benchmark workforce data with similar councils", "HRM", "Dec 2026", None, "Comparisons in the workforce plan", "Officer time", "On track", 50, "Data requested from the regional employers' body.", date(2026, 9, 8)),
    (2, "3.3", "Look after staff wellbeing.", "Launch the staff wellbeing programme", "HRM", "Oct 2026", None, "Sickness absence below 8 days", "Training budget £8k", "At risk", 40, "Provider procurement took longer than planned.", date(2026, 9, 29)),
    (2, "3.4", "See above", "Train mental health first aiders", "HRM", "Nov/Dec 26", None, "One first aider per 25 staff", "Training budget", "On track", 50, "Twelve staff trained, twelve more booked.", date(2026, 9, 21)),
    (2, "3.5", "Review restructures after they happen.", "Review the Environmental Services restructure", "HRM", "Sept 2026", None, "Lessons recorded", "Officer time", "Complete", 100, "Review reported to the leadership team.", date(2026, 9, 27)),
    (2, "3.6", "See above", "Review the Customer Services restructure", "HRM", "Mar 2027", None, "Lessons recorded", "Officer time", "Not started", 0, "", None),
    (2, "3.7", "Develop leaders.", "Run the aspiring managers programme", "HRM", "April annually", None, "Twenty managers complete each year", "Training budget £20k", "Ongoing", None, "Third cohort started in April.", date(2026, 4, 28)),
    (2, "3.8", "See above", "Introduce 360-degree feedback for senior managers", "CEX", "Q4 2026/27", None, "All senior managers take part", "Within existing budgets", "Not started", 0, "", None),
    (3, "4.1", "Move routine services online.", "Launch online booking for bulky waste", "HDC", "Jun 2026", None, "Half of bookings made online", "ICT capital £30k", "Complete", 100, "Live since 6 June; 58% of bookings now online.", date(2026, 7, 1)),
    (3, "4.2", "See above", "Online council tax account for residents", "HDC", "Dec 2026", None, "10,000 accounts opened", "ICT capital £45k", "On track", 55, "Supplier testing complete; pilot with staff in October.", date(2026, 9, 23)),
    (3, "4.3", "See above", "Replace the customer contact system", "HDC", "Aug 2026", "Jan 2027", "New system live", "ICT capital £120k", "Slipped", 60, "Data migration problems; supplier recovery plan in place.", date(2026, 9, 30)),
    (3, "4.4", "Know what residents think.", "Run the residents' survey", "HPP", "Autumn 2026", None, "Results reported to Members", "Survey budget £12k", "On track", 60, "Fieldwork under way; 1,200 responses so far.", date(2026, 9, 20)),
    (3, "4.5", "See above", "Publish a basket of key indicators for residents", "SPO", "Oct 2026", None, "Indicators on the website", "Within existing budgets", "At risk", 50, "Dashboard built; awaiting sign-off of three indicators.", date(2026, 7, 14)),
    (3, "4.6", "Handle complaints well.", "Introduce the new complaints handling code", "HLD", "01/04/2026", None, "Code in force", "Officer time", "Complete", 100, "Code in force; staff trained.", date(2026, 4, 10)),
    (3, "4.7", "See above", "Report complaints learning to the Executive twice a year", "HPP", "Ongoing", None, "Learning acted on", "Officer time", "Ongoing", None, "First report taken in July.", date(2026, 7, 22)),
    (3, "4.8", "Use data better.", "Adopt a data strategy", "HDC", "Mar 2027", None, "Strategy adopted", "Within existing budgets", "Cancelled", None, "Withdrawn: folded into the county-wide digital partnership.", date(2026, 8, 5)),
    (4, "5.1", "Plan for growth.", "Submit the Local Plan for examination", "HP", "Nov 2026", None, "Plan submitted on time", "Local Plan reserve", "On track", 75, "Consultation responses analysed; submission papers drafted.", date(2026, 9, 25)),
    (4, "5.2", "See above", "Adopt design guidance for new homes", "HP", "Q2 2026/27", None, "Guidance adopted", "Officer time", "At risk", 85, "Adoption meeting moved to October.", date(2026, 9, 29)),
    (4, "5.3", "Keep streets clean.", "Introduce weekly food waste collections", "HES", "Mar 2027", None, "All homes receive the service", "Government grant £1.1m", "On track", 40, "Vehicles ordered; caddies delivered to 40% of homes.", date(2026, 9, 16)),
    (4, "5.4", "See above", "Reduce fly-tipping hot spots", "HES", "Dec 2026", None, "Fly-tipping down by 15%", "Enforcement budget", "On track", 55, "CCTV installed at four hot spots.", date(2026, 6, 20)),
    (4, "5.5", "Provide homes people can afford.", "Deliver 120 affordable homes with partners", "HH", "31/03/2027", None, "120 homes completed", "Housing capital programme", "On track", 45, "54 homes completed; 70 on site.", date(2026, 9, 30)),
    (4, "5.6", "See above", "Reduce the use of bed and breakfast for families", "HH", "Sept 2026", None, "No family in B&B over six weeks", "Homelessness grant", "On track", 90, "Two families over six weeks, both moving this month.", date(2026, 9, 26)),
    (4, "5.7", "Support healthy communities.", "Review the community grants scheme", "HCS", "Jan 2027", None, "New scheme agreed", "Within existing budgets", "Not started", 0, "", None),
    (4, "5.8", "See above", "Open the refurbished leisure centre", "HCS", "Spring 2027", None, "Centre open with 10% more visits", "Capital programme £2.4m", "On track", 60, "Building works on programme.", date(2026, 9, 18)),
)


def _stable_id(ref: str) -> str:
    return "A" + hashlib.sha256(f"wrenfield:{ref}".encode()).hexdigest()[:8].upper()


def example_plan() -> Plan:
    """The Wrenfield District Council Corporate Improvement Plan 2026/27."""
    themes = [Theme(name, order, description)
              for order, (name, description) in enumerate(THEMES, start=1)]
    actions = []
    objective_above = ""
    for (theme, ref, objective, key_action, lead, target, revised, outcomes, resources,
         status, pct, update, updated) in _ROWS:
        # the rows above are written the way councils type them; the plan spells it out
        objective = objective_above if objective == "See above" else objective
        objective_above = objective
        actions.append(Action(
            ref=ref, theme=THEMES[theme][0], objective=objective, key_action=key_action,
            lead_officer=lead, target_date=_phrase(target), revised_date=_phrase(revised),
            target_outcomes=outcomes, resources=resources, status=status,
            percent_complete=pct, progress_update=update, last_updated=updated,
            action_id=_stable_id(ref)))
    settings = Settings(
        council="Wrenfield District Council",
        plan_title="Corporate Improvement Plan 2026/27",
        reporting_date=EXAMPLE_REPORTING_DATE, amber_window_days=30,
        committee="Executive", meeting_date=date(2026, 10, 21),
        portfolio="Leader of the Council",
        report_author="Head of Policy & Performance",
        contact="Tom Adeyemi, 01632 960451, tom.adeyemi@wrenfield.gov.example",
        plan_id=EXAMPLE_PLAN_ID, revision=1)
    review = [ReviewEntry("1.0", date(2026, 3, 4), "Original plan", "N/A", "N/A", "N/A"),
              ReviewEntry("1.1", date(2026, 7, 15), "Procurement strategy date revised",
                          "Y", "Leadership team", date(2026, 7, 15))]
    return Plan(actions=actions, officers=[Officer(*o) for o in OFFICERS], themes=themes,
                settings=settings, review_log=review)


def _phrase(value: str | None) -> date | str | None:
    """Plain dd/mm/yyyy dates become real dates, as a manager would type them."""
    if value and len(value) == 10 and value[2] == "/" and value[5] == "/":
        day, month, year = value.split("/")
        return date(int(year), int(month), int(day))
    return value


def blank_plan(council: str = "", title: str = "Corporate Improvement Plan",
               reporting_date: date | None = None) -> Plan:
    """An empty plan with its settings filled in, for ``cip-xl new``."""
    return Plan(settings=Settings(council=council, plan_title=title,
                                  reporting_date=reporting_date))


#: what the demo's officers type into their returns: (ref, column header, value)
DEMO_RETURN_EDITS = (
    ("5.1", "Status", "Complete"),
    ("5.1", "Progress update", "Local Plan submitted for examination on 2 November 2026."),
    ("5.2", "Status", "Complete"),
    ("5.2", "Progress update", "Design guidance adopted by the Executive on 14 October."),
    ("5.3", "% complete", 55),
    ("5.3", "Progress update", "Caddies delivered to 60% of homes; first collections in "
                               "January."),
    ("5.3", "Proposed revised date", date(2027, 6, 30)),
    ("5.3", "Comment / reason for new date", "Two vehicles delivered three months late."),
    ("5.4", "Key action", "Reduce fly-tipping everywhere"),  # not the officer's column
)


def fill_in_return(path, edits=DEMO_RETURN_EDITS) -> int:
    """Type ``edits`` into a return the way an officer would in Excel; return how many
    cells were filled. Used by ``cip-xl demo`` to show a merge."""
    import openpyxl

    from .returns import RETURN_SHEET

    wb = openpyxl.load_workbook(path)
    ws = wb[RETURN_SHEET]
    columns = {str(c.value).rstrip(" ✎"): c.column for c in ws[1] if c.value}
    rows = {ws.cell(r, columns["Ref"]).value: r for r in range(2, ws.max_row + 1)}
    filled = 0
    for ref, header, value in edits:
        if ref in rows and header in columns:
            ws.cell(rows[ref], columns[header]).value = value
            filled += 1
    wb.save(path)
    return filled
