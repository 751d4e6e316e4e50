"""The traffic-light rule at its boundaries, and the live workbook that carries it."""
from __future__ import annotations

import re
import shutil
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl.model import Action, Settings
from cip_xl.schema import VERDICTS
from cip_xl.status import judge, refresh, counts
from cip_xl.synthetic import synthetic_plan

from .conftest import convert_with_libreoffice, run_cli

AS_OF = date(2026, 9, 30)
SETTINGS = Settings(reporting_date=AS_OF, amber_window_days=30, amber_percent=75,
                    no_update_days=90, plan_start=date(2026, 4, 1), progress_threshold=70)


def verdict(**fields) -> str:
    fields.setdefault("last_updated", AS_OF)
    return judge(Action(**fields), SETTINGS).verdict.word


def test_due_today_is_not_overdue_but_amber_when_behind():
    assert verdict(target_date=AS_OF, status="On track", percent_complete=50) == "At risk"
    assert verdict(target_date=AS_OF, status="On track", percent_complete=80) == "On track"
    assert verdict(target_date=AS_OF - timedelta(days=1), status="On track",
                   percent_complete=95) == "Overdue"


def test_amber_window_boundaries():
    edge = AS_OF + timedelta(days=30)
    beyond = AS_OF + timedelta(days=31)
    assert verdict(target_date=edge, status="On track", percent_complete=74) == "At risk"
    assert verdict(target_date=edge, status="On track", percent_complete=75) == "On track"
    assert verdict(target_date=beyond, status="On track", percent_complete=74) == "On track"


def test_approved_revised_date_replaces_the_target():
    late = dict(target_date=date(2026, 6, 30), status="On track", percent_complete=60)
    assert verdict(**late) == "Overdue"
    judgement = judge(Action(revised_date=date(2026, 12, 31), last_updated=AS_OF, **late),
                      SETTINGS)
    assert judgement.verdict.word == "On track"
    assert "revised from 30 Jun 2026" in judgement.reason


def test_a_date_replaced_in_the_target_cell_is_not_judged_first():
    """A plan whose Target date says "Oct 2026 (now Mar 2027)": the October is no
    milestone still to reach, so the action is not amber for it in the window before."""
    replaced = dict(status="On track", percent_complete=40, last_updated=AS_OF)
    judgement = judge(Action(target_date="Oct 2026 (now Mar 2027)", **replaced), SETTINGS)
    assert judgement.verdict.word == "On track"
    assert "due 31 Mar 2027" in judgement.reason
    # two milestones, by contrast, are each judged: the first is in the amber window
    assert verdict(target_date="Oct 2026; Mar 2027", status="On track",
                   percent_complete=40) == "At risk"


def test_completed_late_cancelled_deferred_ongoing():
    late = judge(Action(target_date=date(2026, 6, 30), status="Complete",
                        last_updated=date(2026, 7, 10)), SETTINGS)
    assert late.verdict.word == "Complete" and "10 days after it was due" in late.reason
    assert verdict(target_date=date(2026, 1, 1), status="Cancelled") == "Cancelled"
    assert verdict(target_date=date(2026, 1, 1), status="Deferred") == "Not due"
    assert verdict(target_date=date(2026, 1, 1), status="Ongoing") == "On track"
    assert verdict(target_date="Ongoing", status="Ongoing") == "On track"


def test_overdue_reason_reads_for_a_committee():
    judgement = judge(Action(target_date="Dec 2025", status="On track", percent_complete=40,
                             last_updated=AS_OF), SETTINGS)
    assert judgement.label == "● Overdue"
    assert judgement.reason == "due 31 Dec 2025, 273 days past, not complete (40% done)"


def test_no_date_is_never_overdue():
    for phrase in (None, "TBC", "Dcember 2026"):
        assert verdict(target_date=phrase, status="On track", percent_complete=10) == "On track"
        assert verdict(target_date=phrase, status="Not started") == "Not due"


def test_milestones_use_the_next_unmet_one():
    action = Action(target_date="Sept 2026 March 2027", status="On track",
                    percent_complete=40, last_updated=AS_OF)
    judgement = judge(action, SETTINGS)
    assert judgement.due == date(2026, 9, 30)  # the September milestone, due today
    assert judgement.verdict.word == "At risk" and "next milestone" in judgement.reason
    later = judge(action, SETTINGS, as_of=date(2026, 10, 15))
    assert later.due == date(2027, 3, 31) and later.verdict.word != "Overdue"


def test_officer_word_no_update_and_progress_rule():
    far = date(2027, 3, 31)
    assert verdict(target_date=far, status="Slipped", percent_complete=90) == "At risk"
    assert verdict(target_date=far, status="On track", percent_complete=60,
                   last_updated=AS_OF - timedelta(days=91)) == "No update"
    assert verdict(target_date=far, status="On track", percent_complete=60,
                   last_updated=AS_OF - timedelta(days=90)) == "On track"
    # half the time gone (182 of 364 days): 70% of the expected 50% is 35%
    assert verdict(target_date=far, status="On track", percent_complete=34) == "At risk"
    assert verdict(target_date=far, status="On track", percent_complete=35) == "On track"
    assert verdict(target_date=far, status="Not started", percent_complete=0) == "Not due"


def test_rag_column_is_word_and_symbol_never_colour_alone():
    for v in VERDICTS:
        assert v.label.startswith(v.symbol) and v.word in v.label and v.symbol.strip()
    assert len({v.symbol for v in VERDICTS}) == len(VERDICTS)


def test_status_command_writes_reporting_date_fills_and_formats(example_path):
    result = run_cli("status", str(example_path), "--as-of", "31/12/2026")
    assert result.returncode == 0, result.stderr
    assert "Status as at 31/12/2026" in result.stdout
    wb = openpyxl.load_workbook(example_path)
    assert wb["Settings"]["B4"].value.date() == date(2026, 12, 31)
    ws = wb["Plan"]
    headers = [c.value for c in ws[1]]
    rag = openpyxl.utils.get_column_letter(headers.index("RAG") + 1)
    assert ws[f"{rag}2"].value.startswith("=IF(")
    plan = cip_xl.load_plan(example_path)
    judgements = refresh(plan, date(2026, 12, 31))
    for action in plan.actions:
        fill = ws[f"{rag}{action.row}"].fill.fgColor.rgb
        assert fill.endswith(judgements[action.action_id].verdict.fill)
    rules = {r.formula[0]: r for cf in ws.conditional_formatting for r in cf.rules}
    for v in VERDICTS:
        rule = rules[f'${rag}2="{v.label}"']
        assert rule.dxf.fill.fgColor.rgb.endswith(v.fill)


@pytest.mark.libreoffice
@pytest.mark.slow
def test_libreoffice_recalculates_the_same_verdicts(tmp_path):
    """A few hundred generated actions: LibreOffice's RAG formulas and Summary counts
    must agree with the Python verdicts cell by cell."""
    plan = synthetic_plan(300, directorates=8, seed=7)
    path = tmp_path / "generated.xlsx"
    cip_xl.save_plan(plan, path)
    python = cip_xl.load_plan(path)
    judgements = refresh(python)

    recalculated = convert_with_libreoffice(path, "xlsx", tmp_path / "lo")
    book = CalamineWorkbook.from_path(str(recalculated))
    rows = book.get_sheet_by_name("Plan").to_python()
    rag = rows[0].index("RAG")
    ident = rows[0].index("Action ID")
    assert len(rows) - 1 >= 300
    mismatches = [(r[ident], r[rag], judgements[r[ident]].label)
                  for r in rows[1:] if r[ident] and r[rag] != judgements[r[ident]].label]
    assert mismatches == []
    summary = book.get_sheet_by_name("Summary").to_python()
    header = next(i for i, r in enumerate(summary) if r[0] == "Theme")
    expected = counts(python, judgements)
    for row in summary[header + 1: header + 1 + len(expected)]:
        tally = expected[row[0]]
        assert [int(x) for x in row[1:len(VERDICTS) + 1]] == \
            [tally.get(v.word, 0) for v in VERDICTS], row[0]


@pytest.mark.libreoffice
def test_live_formulas_follow_a_new_reporting_date_without_python(tmp_path):
    """Move ReportDate in the workbook only: LibreOffice's verdicts follow it."""
    plan = synthetic_plan(60, seed=3)
    for action in plan.actions:  # single dates, so the next due date does not move
        if isinstance(action.target_date, str):
            action.target_date = cip_xl.parse_due(action.target_date).due
        action.revised_date = None
    path = tmp_path / "moved.xlsx"
    cip_xl.save_plan(plan, path)
    later = date(2027, 2, 28)
    wb = openpyxl.load_workbook(path)
    wb["Settings"]["B4"] = later
    wb.save(path)
    rows = CalamineWorkbook.from_path(str(convert_with_libreoffice(
        path, "xlsx", tmp_path / "lo"))).get_sheet_by_name("Plan").to_python()
    rag, ident = rows[0].index("RAG"), rows[0].index("Action ID")
    python = cip_xl.load_plan(path)
    judgements = refresh(python, later)
    assert {r[ident]: r[rag] for r in rows[1:] if r[ident]} == \
        {k: j.label for k, j in judgements.items()}
    assert any(j.verdict.word == "Overdue" for j in judgements.values())


def _awkward_names(plan):
    """Rename themes and a directorate to names a spreadsheet could misread: a leading
    "=" (a formula), "<" (a COUNTIFS comparison) and "*" (a COUNTIFS wildcard)."""
    awkward = ["=Growth", "<Homes>", "Net zero*", "Net zero 2030"]
    renamed = {}
    for theme, name in zip(plan.themes, awkward):
        renamed[theme.name] = name
        theme.name = name
    for action in plan.actions:
        action.theme = renamed.get(action.theme, action.theme)
    plan.officers[0].directorate = "=Place"
    return plan


def test_summary_counts_themes_named_like_formulas_or_wildcards(tmp_path):
    """Summary group names stay text and each count matches its own name exactly."""
    plan = _awkward_names(synthetic_plan(80, directorates=4, seed=11))
    assert len(plan.themes) >= 4
    path = tmp_path / "awkward.xlsx"
    cip_xl.save_plan(plan, path)
    cip_xl.refresh_status(path)
    python = cip_xl.load_plan(path)
    judgements = refresh(python)

    recalculated = convert_with_libreoffice(path, "xlsx", tmp_path / "lo")
    summary = CalamineWorkbook.from_path(str(recalculated)).get_sheet_by_name(
        "Summary").to_python()
    for by, heading in (("theme", "Theme"), ("directorate", "Directorate")):
        header = next(i for i, r in enumerate(summary) if r[0] == heading)
        expected = counts(python, judgements, by)
        rows = summary[header + 1: header + 1 + len(expected)]
        assert sorted(r[0] for r in rows) == sorted(expected)  # text, not #NAME?
        for row in rows:
            tally = expected[row[0]]
            assert [int(x) for x in row[1:len(VERDICTS) + 1]] == \
                [tally.get(v.word, 0) for v in VERDICTS], row[0]


def test_a_last_updated_time_set_in_code_counts_as_its_day():
    """Code may set Last updated to a datetime; it is judged as that day (comparing a
    datetime with a date used to raise TypeError)."""
    from datetime import datetime

    from cip_xl.model import Action, Settings
    from cip_xl.status import judge

    settings = Settings(reporting_date=date(2026, 6, 30))
    done = judge(Action(status="Complete", target_date=date(2026, 1, 1),
                        last_updated=datetime(2026, 3, 1, 16, 45)), settings)
    assert done.verdict.word == "Complete" and "59 days after it was due" in done.reason
    fresh = judge(Action(status="On track", target_date=date(2027, 1, 1),
                         last_updated=datetime(2026, 6, 1, 9)), settings)
    stale = judge(Action(status="On track", target_date=date(2027, 1, 1),
                         last_updated=datetime(2026, 1, 1, 9)), settings)
    assert (fresh.verdict.word, stale.verdict.word) == ("On track", "No update")


def test_a_lead_officer_set_in_code_as_a_number_reads_as_its_code():
    from cip_xl.model import Action, Plan

    leads = Plan().lead_officer_reader()
    assert leads(Action(lead_officer=101)) == ["101"]
    assert leads(Action(lead_officer=101.0)) == ["101"]
    assert leads(Action(lead_officer=None)) == []
    assert leads(Action(lead_officer="CEX/ CPPU")) == ["CEX", "CPPU"]


def test_a_traffic_light_typed_over_is_named_before_its_formula_comes_back(example_path):
    """A manager who types 'Green' over a traffic light, or pastes the column as
    values, is told — by validate and by status, naming the cell — that the light is
    worked out and the formula is put back; the status save does put it back."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    rag = next(c.column_letter for c in ws[1] if c.value == "RAG")
    ws[f"{rag}5"] = "Green"
    wb.save(example_path)

    typed = [f for f in cip_xl.validate(example_path).findings if f.code == "rag-typed-over"]
    assert [(f.severity, f.sheet, f.cell) for f in typed] == [("warning", "Plan", f"{rag}5")]
    assert "'Green'" in typed[0].message and "Status" in typed[0].message
    shown = run_cli("status", str(example_path))
    assert shown.returncode == 0 and f"Plan!{rag}5" in shown.stdout and "Green" in shown.stdout
    ws = openpyxl.load_workbook(example_path)["Plan"]
    assert ws[f"{rag}5"].value.startswith("=IF($J5=")
    assert cip_xl.refresh_status(example_path).findings == []  # nothing typed over now

    wb = openpyxl.load_workbook(example_path)  # the whole column pasted as values
    ws = wb["Plan"]
    for row in range(2, ws.max_row + 1):
        ws[f"{rag}{row}"] = "Amber"
    wb.save(example_path)
    result = cip_xl.refresh_status(example_path)
    assert [(f.code, f.cell) for f in result.findings] == [("rag-typed-over", f"{rag}2")]
    assert result.findings[0].message.startswith("40 cells of the RAG column hold values")


def test_issuing_returns_and_approving_name_a_traffic_light_typed_over(example_path,
                                                                       tmp_path):
    """Every save puts the traffic lights' formula back: issuing returns and deciding
    change requests say so of one typed over, as status and merge do."""
    def type_over(text):
        wb = openpyxl.load_workbook(example_path)
        ws = wb["Plan"]
        rag = next(c.column_letter for c in ws[1] if c.value == "RAG")
        ws[f"{rag}4"] = text
        wb.save(example_path)
        return f"{rag}4"

    cell = type_over("Amber, says Gareth")
    shown = run_cli("returns", str(example_path), "-o", str(tmp_path / "returns"))
    assert shown.returncode == 0 and f"Plan!{cell}" in shown.stderr
    assert "Amber, says Gareth" in shown.stderr
    assert [f.cell for f in cip_xl.refresh_status(example_path).findings] == []

    from .returns_helpers import edit_return, return_for
    place = return_for(tmp_path / "returns", "Place")
    edit_return(place, {("5.3", "Proposed revised date"): date(2027, 6, 30),
                        ("5.3", "Comment / reason for new date"): "late vans"})
    assert cip_xl.api.merge(example_path, [place]).saved
    type_over("Green")
    decided = cip_xl.api.approve(example_path, approve_all=True, by="IM")
    assert decided.approved
    assert [(f.code, f.cell) for f in decided.findings] == [("rag-typed-over", cell)]


def test_a_month_typed_in_excel_is_due_at_the_months_end(example_path):
    """Excel turns "Mar 2027" typed into a target date into 1 March 2027 shown as
    Mar-27. Read as the 1st, the action would be overdue for the whole of March; it
    is due at the end of the month, as "Mar 2027" written as words is, and the
    traffic light saved in the workbook says so."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    heads = {c.value: c.column for c in ws[1]}
    for column, value in (("Target date", date(2027, 3, 1)), ("Revised date", None),
                          ("Status", "On track"), ("% complete", 90),
                          ("Last updated", date(2027, 3, 10))):
        ws.cell(2, heads[column]).value = value
    ws.cell(2, heads["Target date"]).number_format = "mmm-yy"
    ref = ws.cell(2, heads["Ref"]).value
    wb.save(example_path)

    mid_march = date(2027, 3, 15)
    result = run_cli("status", str(example_path), "--as-of", "15/03/2027")
    assert result.returncode == 0, result.stderr
    # the save writes the words: status says so, naming the cell
    assert "In plan.xlsx itself" in result.stdout and "date-as-month" in result.stdout
    assert f"Plan!{openpyxl.utils.get_column_letter(heads['Target date'])}2" in result.stdout
    plan = cip_xl.load_plan(example_path)
    action = next(a for a in plan.actions if a.ref == ref)
    assert action.target_date == "Mar 2027"
    judged = refresh(plan, mid_march)[action.action_id]
    assert judged.verdict.word == "On track"
    rows = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Plan").to_python()
    head = rows[0]
    assert rows[1][head.index("Target date")] == "Mar 2027"  # saved as the words typed
    assert rows[1][head.index("Next due (as read)")] == date(2027, 3, 31)
    assert rows[1][head.index("RAG")] == judged.label


def test_status_printed_where_the_symbols_cannot_be_still_reads(example_path):
    """Python on Windows writes Windows-1252 when the output goes to a file or another
    program (`cip-xl status PLAN > log.txt`, a scheduled task), and it has no ▲ ✖ ◆:
    the job stopped with an encoding error after saving. The words carry each verdict;
    a symbol the output cannot hold becomes a question mark."""
    import os
    import subprocess
    import sys

    env = dict(os.environ, PYTHONIOENCODING="cp1252")
    env.pop("PYTHONUTF8", None)
    done = subprocess.run([sys.executable, "-m", "cip_xl", "status", str(example_path),
                           "--as-of", "31/12/2026"], capture_output=True, env=env,
                          timeout=300)
    assert done.returncode in (0, 1), done.stderr.decode("cp1252")
    printed = done.stdout.decode("cp1252")
    assert "Overdue" in printed and "At risk" in printed and "? Overdue" in printed
    assert cip_xl.load_plan(example_path).settings.reporting_date == date(2026, 12, 31)


def test_the_summary_chart_starts_a_printed_page(example_path, tmp_path):
    """Printed (or made a PDF), the Summary's chart broke across two pages below the
    tables; a page break before its caption starts it on a page of its own."""
    import shutil
    import subprocess

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    pdf = convert_with_libreoffice(example_path, "pdf", tmp_path / "pdf")

    def page(number: int) -> str:
        return subprocess.run(["pdftotext", "-f", str(number), "-l", str(number),
                               str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout

    pages = int(re.search(r"Pages:\s+(\d+)", subprocess.run(
        ["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout)[1])
    chart = next(n for n in range(1, pages + 1) if page(n).lstrip().startswith("Chart:"))
    text = page(chart)
    assert "Actions by status and theme" in text and "Not due" in text
    assert all(theme in text for theme in ("Managing our finances", "Our people"))
    assert "Actions by theme" in page(chart - 1)  # the tables, on the page before
    after = page(chart + 1)
    assert "Actions by status and theme" not in after and "Not due" not in after


def _verdicts_with(path, copy, settings: dict) -> dict:
    """Each action's verdict in a copy of the plan at ``path`` with ``settings`` typed
    in (label: (value, number format))."""
    import shutil

    shutil.copy(path, copy)
    wb = openpyxl.load_workbook(copy)
    cells = {row[0].value: row[1] for row in wb["Settings"].iter_rows(min_row=2)}
    for label, (value, number_format) in settings.items():
        cells[label].value, cells[label].number_format = value, number_format
    wb.save(copy)
    result = cip_xl.refresh_status(copy)
    return {ref: j.verdict.word for ref, j in result.judgements.items()}


def test_settings_typed_as_a_manager_types_them_are_read_as_meant(example_path, tmp_path):
    """75% typed into "Amber below % complete" (Excel keeps 0.75) was read as 0 — no
    action turned amber for being behind, and the save wrote 0 over it — and "4 weeks"
    as the amber window, "Q2 2026/27" as the reporting date or "2026/27" as the plan
    start stopped at an error. Each
    is read as meant, with a note naming its cell, and the save writes the number or
    date the plan's own formulas in Excel need in its place."""
    typed = tmp_path / "typed.xlsx"
    verdicts = _verdicts_with(example_path, typed, {
        "Amber below % complete": (0.75, "0%"),
        "Progress rule: at risk below (%)": (0.7, "0%"),
        "Amber window (days)": ("4 weeks", "General"),
        "Reporting date": ("Q2 2026/27", "General")})
    as_numbers = _verdicts_with(example_path, tmp_path / "numbers.xlsx", {
        "Amber below % complete": (75, "General"),
        "Progress rule: at risk below (%)": (70, "General"),
        "Amber window (days)": (28, "General"),
        "Reporting date": (datetime(2026, 9, 30), "dd/mm/yyyy")})
    assert verdicts == as_numbers
    assert _verdicts_with(example_path, tmp_path / "zero.xlsx", {  # what 0 would have done
        "Amber below % complete": (0, "General"), "Amber window (days)": (28, "General"),
        "Progress rule: at risk below (%)": (0, "General")}) != verdicts
    settings = {r[0]: r[1] for r in CalamineWorkbook.from_path(str(typed))
                .get_sheet_by_name("Settings").to_python()}
    assert settings["Amber below % complete"] == 75
    assert settings["Progress rule: at risk below (%)"] == 70
    assert settings["Amber window (days)"] == 28
    assert settings["Reporting date"] == date(2026, 9, 30)

    shutil.copy(example_path, typed)
    wb = openpyxl.load_workbook(typed)
    cells = {row[0].value: row[1] for row in wb["Settings"].iter_rows(min_row=2)}
    cells["Amber below % complete"].value = "75 %"
    cells["Amber window (days)"].value, cells["Reporting date"].value = "two weeks", "Sept 2026"
    cells["Plan start"].value = "2026/27"
    wb.save(typed)
    result = run_cli("validate", str(typed))
    assert result.returncode == 0, result.stdout + result.stderr
    said = result.stdout + result.stderr
    assert "Settings!B6: info: Amber below % complete '75 %' is typed as a percentage: " \
        "read as 75." in said
    assert "Settings!B5: info: Amber window (days) 'two weeks' is typed with words: read " \
        "as 14." in said  # (number words were an error)
    assert "Settings!B4: info: Reporting date 'Sept 2026' names the month ending 30/09/2026" \
        in said and "[setting-read-as-meant]" in said
    assert "Settings!B8: info: Plan start '2026/27' names the financial year beginning " \
        "01/04/2026" in said
    cip_xl.refresh_status(typed)
    settings = {r[0]: r[1] for r in CalamineWorkbook.from_path(str(typed))
                .get_sheet_by_name("Settings").to_python()}
    assert settings["Plan start"] == date(2026, 4, 1)
    assert settings["Reporting date"] == date(2026, 9, 30)
    assert settings["Amber window (days)"] == 14


@pytest.mark.parametrize("typed, days, said", [
    ("30 days", 30, "'30 days' is typed with words: read as 30."),
    ("6 wks", 42, "'6 wks' is typed with words: read as 42."),
    ("a fortnight", 14, "'a fortnight' is typed with words: read as 14."),
    ("Three Weeks", 21, "'Three Weeks' is typed with words: read as 21."),
    ("1 month", 30, "'1 month' is typed with words (a month counted as 30 days): read as 30."),
])
def test_a_window_typed_in_words_is_read_as_days(example_path, typed, days, said):
    """The amber window as managers type it: figures or words, days, weeks, a fortnight
    or months (counted as 30 days, which the note says)."""
    wb = openpyxl.load_workbook(example_path)
    rows = {row[0].value: row[1] for row in wb["Settings"].iter_rows(min_row=2)}
    rows["Amber window (days)"].value = typed
    wb.save(example_path)
    report = cip_xl.validate(example_path)
    assert report.ok and report.plan.settings.amber_window_days == days
    notes = [f for f in report.findings if f.code == "setting-read-as-meant"]
    assert [(f.sheet, f.cell) for f in notes] == [("Settings", "B5")]
    assert notes[0].message.startswith(f"Amber window (days) {said}")


def test_a_meeting_date_that_is_no_date_is_not_said_to_upset_the_traffic_lights(
        example_path):
    """No formula reads the meeting date: "Jan 2027" typed there is named with what it
    costs (the report's cover leaves it out), not with the traffic lights' warning
    that a reporting date typed so gets."""
    wb = openpyxl.load_workbook(example_path)
    rows = {row[0].value: row[1] for row in wb["Settings"].iter_rows(min_row=2)}
    rows["Meeting date"].value = "Jan 2027"
    rows["Plan start"].value = "the start of April"
    wb.save(example_path)
    findings = {f.cell: f.message for f in cip_xl.validate(example_path).findings
                if f.code == "setting-not-date"}
    meeting, start = rows["Meeting date"].coordinate, rows["Plan start"].coordinate
    assert set(findings) == {meeting, start}
    assert "traffic lights" not in findings[meeting]
    assert "a report leaves the meeting date out" in findings[meeting]
    assert "traffic lights Excel works out from Settings are wrong" in findings[start]


def test_a_setting_that_cannot_be_read_is_kept_as_typed_and_named(example_path):
    """'as agreed' typed as the amber window, words as the plan start: status judges
    with the defaults and says so, naming the cells, and its save writes back what was
    typed instead of replacing it (it used to write 30 and nothing over the words).
    A reporting date given with --as-of replaces text typed there, as asked."""
    wb = openpyxl.load_workbook(example_path)
    rows = {row[0].value: row[1] for row in wb["Settings"].iter_rows(min_row=2)}
    rows["Amber window (days)"].value = "as agreed"
    rows["Plan start"].value = "the start of April"
    rows["Reporting date"].value = "end of September"
    wb.save(example_path)

    result = run_cli("status", str(example_path))
    assert result.returncode == 0, result.stdout + result.stderr
    said = result.stdout + result.stderr
    assert "Settings!B5" in said and "'as agreed' is not a whole number; 30 is used" in said
    assert "[setting-not-date]" in said and "keeps what was typed" in said
    settings = {r[0]: r[1] for r in CalamineWorkbook.from_path(str(example_path))
                .get_sheet_by_name("Settings").to_python()}
    assert settings["Amber window (days)"] == "as agreed"
    assert settings["Plan start"] == "the start of April"
    assert settings["Reporting date"] == "end of September"

    assert run_cli("status", str(example_path), "--as-of", "31/12/2026").returncode == 0
    settings = {r[0]: r[1] for r in CalamineWorkbook.from_path(str(example_path))
                .get_sheet_by_name("Settings").to_python()}
    assert settings["Reporting date"] == date(2026, 12, 31)
    assert settings["Amber window (days)"] == "as agreed"
