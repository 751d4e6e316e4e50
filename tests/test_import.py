"""Importing legacy plans: the real Rochford papers, and layouts the tests generate."""
from __future__ import annotations

import csv
import re
import subprocess
from datetime import date, datetime

import docx
import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl.dates import parse_due
from cip_xl.findings import PlanFileError
from cip_xl.importers import import_plan
from cip_xl.importers.tables import STATUS_AS_WRITTEN

from .conftest import SHARED, convert_with_libreoffice, run_cli
from .returns_helpers import edit_return

SAMPLES = SHARED / "samples"
needs_samples = pytest.mark.skipif(not SAMPLES.is_dir(),
                                   reason="../shared/samples is not beside this checkout")

# What a person reading the documents finds (counted by hand):
# SIP 2010/11: 12 numbered actions plus an un-numbered procurement action (between 2 and
# 4) and a second action under 7; themes Managing Finances / Governing the business /
# Managing Resources / Managing Performance; the key has 15 entries of which 10 are
# officers (UoR, WFDP, SIP, CRR and QPR are abbreviations).
SIP = {"actions": 13, "themes": ["Managing Finances", "Governing the business",
                                 "Managing Resources", "Managing Performance"],
       "officers": {"HF", "APM", "SPMO", "SMT", "HRM", "HCPP", "OSO", "SA", "HICS", "HLEMS"}}
# CPA 2009: refs 1.1-1.7, 2.1-2.5, 3.1-3.13 (3.10-3.13 mangled to "3.1 0" and "3.1"),
# 4.1-4.3; four theme rows; a legend of 15 codes, all officers or teams except RDC.
CPA = {"actions": 28, "themes": 4, "officers": 14,
       "refs": [f"1.{i}" for i in range(1, 8)] + [f"2.{i}" for i in range(1, 6)] +
       [f"3.{i}" for i in range(1, 14)] + [f"4.{i}" for i in range(1, 4)]}


@needs_samples
@pytest.mark.parametrize("name", ["rochford_sip_2010_11.docx", "rochford_sip_2010_11.xlsx"])
def test_rochford_sip_2010_11(name):
    result = import_plan(SAMPLES / name)
    plan = result.plan
    assert len(plan.actions) == SIP["actions"]
    assert [t.name for t in plan.themes] == SIP["themes"]
    assert {o.code for o in plan.officers} == SIP["officers"]
    refs = [a.ref for a in plan.actions]
    assert refs == ["1", "2", "3", "4", "5", "6", "7", "7a", "8", "9", "10", "11", "12"]
    procurement = plan.actions[2]
    assert procurement.theme == "Governing the business" and procurement.lead_officer == "HF"
    assert {f.code for f in result.findings} >= {"import-ref-missing", "import-abbreviations"}
    workforce = plan.actions[8]
    assert workforce.target_date == "May 2010 Oct 2010"
    assert workforce.key_action.startswith("• Identify staffing requirements")
    assert plan.actions[7].lead_officer == "OSO"  # "oso" in the table, OSO in the key
    # the plan's own name, not the covering report's ("– Progress Update" in the
    # workbook, "– Quarterly Update" in the Word file's properties: its text is all in
    # Normal style)
    assert plan.settings.plan_title == "Strategic Improvement Plan 2010/11"
    # the council, from the file's Author property (both are Rochford's own)
    assert plan.settings.council == "Rochford District Council"
    assert result.summary == ("Found 13 actions in 4 themes, 10 officers; the plan is "
                              "titled 'Strategic Improvement Plan 2010/11', for Rochford "
                              "District Council (Settings).")


@needs_samples
def test_rochford_cpa_plan_2009():
    result = import_plan(SAMPLES / "rochford_cpa_plan_2009.docx")
    plan = result.plan
    assert len(plan.actions) == CPA["actions"]
    assert [a.ref for a in plan.actions] == CPA["refs"]
    assert len(plan.themes) == CPA["themes"]
    assert plan.themes[0].name == "Ambition & Prioritisation: Vision & Corporate Linkages"
    assert len(plan.officers) == CPA["officers"]
    assert plan.settings.plan_title == \
        "Comprehensive Performance Assessment (CPA) Improvement Plan"
    assert all(a.objective and a.objective != "See above" for a in plan.actions)
    first = plan.actions[0]
    assert first.lead_officer == "CEX/CPPU/SMT"
    assert first.target_date == "Feb 09 Nov 08 Nov/Dec 08"
    assert first.funded_by.startswith("Base Budget")
    assert len(plan.review_log) == 2 and plan.review_log[1].approved_by == "SDIMT"
    renumbered = [f for f in result.findings if f.code == "import-ref-renumbered"]
    assert [f.ref for f in renumbered] == ["3.11", "3.12", "3.13"]
    unreadable = [f for f in result.findings if f.code == "import-date-unreadable"]
    assert len(unreadable) == 1 and unreadable[0].cell == "row 11"


@needs_samples
@pytest.mark.parametrize("name", ["rochford_sip_2010_11.docx", "rochford_cpa_plan_2009.docx",
                                  "rochford_sip_2010_11.xlsx"])
def test_imported_plans_validate_and_run_through_status_and_report(name, tmp_path):
    out = tmp_path / "imported.xlsx"
    result = run_cli("import", str(SAMPLES / name), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "Found" in result.stdout
    # the traffic lights are in the file as written, for a reader that does not calculate
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Plan").to_python()
    assert all(row[rows[0].index("RAG")] for row in rows[1:])
    report = cip_xl.validate(out)
    allowed = {"date-unreadable"}  # the CPA plan has one prose "date", reported
    assert {f.code for f in report.errors} <= allowed
    status = run_cli("status", str(out), "--as-of", "31/03/2010")
    assert status.returncode == 0, status.stderr
    doc = tmp_path / "imported.docx"
    made = run_cli("report", str(out), "-o", str(doc))
    assert made.returncode == 0, made.stderr
    body = "\n".join(c.text for t in docx.Document(doc).tables for r in t.rows for c in r.cells)
    assert cip_xl.load_plan(out).actions[0].key_action.split("\n")[0] in body


@needs_samples
def test_an_imported_plan_without_directorates_is_issued_per_lead_officer(tmp_path):
    """The Rochford key gives officers but no directorates: one return "per
    directorate" would be one return holding all 13 actions. Unasked, the returns go
    per lead officer, and the manager is told why; --by directorate still gives one."""
    plan = tmp_path / "sip.xlsx"
    assert run_cli("import", str(SAMPLES / "rochford_sip_2010_11.xlsx"), "-o",
                   str(plan)).returncode == 0
    result = run_cli("returns", str(plan), "-o", str(tmp_path / "returns"))
    assert result.returncode == 0, result.stderr
    assert "one return per lead officer was issued instead" in result.stderr
    imported = cip_xl.load_plan(plan)
    reader = imported.lead_officer_reader()
    leads = {reader(a)[0].upper() for a in imported.actions}
    files = sorted(p.name for p in (tmp_path / "returns").glob("*.xlsx"))
    assert len(files) == len(leads) > 1 and any("_HF_" in name for name in files)
    issued = {r.department: r.actions for r in cip_xl.load_plan(plan).returns_log}
    assert set(issued) == leads and sum(issued.values()) == SIP["actions"]
    # the Head of Finance's return comes back and merges
    hf = next((tmp_path / "returns").glob("*_HF_*.xlsx"))
    edit_return(hf, {("1", "Progress update"): "Savings plan agreed by Members"})
    merged = run_cli("merge", str(plan), str(hf))
    assert merged.returncode == 0, merged.stderr
    assert next(a for a in cip_xl.load_plan(plan).actions if a.ref == "1").progress_update \
        == "Savings plan agreed by Members"
    # said in so many words, and a new round: one return
    again = run_cli("returns", str(plan), "-o", str(tmp_path / "one"), "--by", "directorate",
                    "--new-round")
    assert again.returncode == 0 and "was issued instead" not in again.stderr
    # the one return goes to nobody in particular: said, with what would change that
    assert "went into a return called 'No directorate'" in again.stderr
    assert "--by officer" in again.stderr
    assert [p.name for p in (tmp_path / "one").glob("*.xlsx")] == \
        [f"Return_No_directorate_{date.today():%Y-%m-%d}_r3.xlsx"]


@pytest.mark.parametrize("core_title, appendix, expected", [
    ("Microsoft Word - agenda item 7.doc", "", "Corporate Improvement Plan"),  # no plan named
    ("Microsoft Word - agenda item 7.doc", "Appendix 1: Housing Improvement Plan – Q2 "
     "monitoring report", "Housing Improvement Plan"),
    ("Improvement Plan 2027/28: half-yearly update", "", "Improvement Plan 2027/28"),
    ("Corporate Plan Review", "", "Corporate Plan Review"),  # the name, not a report kind
    ("Corporate Plan 2026/27 - Q2 summary", "", "Corporate Plan 2026/27"),
    ("Delivery Plan 2026/27 – performance dashboard", "", "Delivery Plan 2026/27"),
])
def test_the_plan_title_is_found_in_a_paper_typed_in_normal_style(tmp_path, core_title,
                                                                  appendix, expected):
    path = tmp_path / "paper.docx"
    document = docx.Document()
    document.core_properties.title = core_title
    document.add_paragraph("REPORT TO THE MEETING OF THE EXECUTIVE")
    if appendix:
        document.add_paragraph(appendix)
    table = document.add_table(rows=2, cols=4)
    for cell, text in zip(table.rows[0].cells, ["Ref", "Key action", "Lead officer",
                                                 "Target date"]):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["1", "Adopt the plan", "HF", "Dec 2027"]):
        cell.text = text
    document.save(path)
    assert import_plan(path).plan.settings.plan_title == expected


@pytest.mark.parametrize("opening, expected", [
    (["Anytown District Council", "Corporate Improvement Plan 2026/27 – action sheets",
      "This plan sets out what we will do this year."],
     "Corporate Improvement Plan 2026/27 – action sheets"),
    # a sentence naming the plan is no title; the first heading is the one left
    (["This report presents the Corporate Improvement Plan for 2026/27."],
     "Priority 1: Financial resilience"),
])
def test_a_title_typed_in_normal_style_over_headings_of_priorities(tmp_path, opening,
                                                                    expected):
    """A Word plan whose title is typed in bold Normal text at its top, its priorities
    Heading 1: the title was the first priority's heading."""
    document = docx.Document()
    for line in opening:
        document.add_paragraph().add_run(line).bold = True
    for number, priority in enumerate(("Priority 1: Financial resilience",
                                       "Priority 2: Our people"), start=1):
        document.add_heading(priority, 1)
        table = document.add_table(rows=2, cols=4)
        for row, texts in zip(table.rows, (["Ref", "Action", "Lead officer", "Target date"],
                                           [f"{number}.1", "Adopt the plan", "HF", "Mar 2027"])):
            for cell, text in zip(row.cells, texts):
                cell.text = text
    path = tmp_path / "plan.docx"
    document.save(path)
    plan = import_plan(path).plan
    assert plan.settings.plan_title == expected
    assert [theme.name for theme in plan.themes] == ["Priority 1: Financial resilience",
                                                     "Priority 2: Our people"]


def _paper(path, author: str, lines: list[str], header: str = "") -> None:
    """A council paper: ``lines`` of text in Normal style above a one-action plan."""
    document = docx.Document()
    document.core_properties.author = author
    if header:
        document.sections[0].header.paragraphs[0].text = header
    for line in lines:
        document.add_paragraph(line)
    table = document.add_table(rows=2, cols=4)
    for row, texts in zip(table.rows, (["Ref", "Key action", "Lead officer", "Target date"],
                                       ["1", "Adopt the plan", "HF", "Dec 2027"])):
        for cell, text in zip(row.cells, texts):
            cell.text = text
    document.save(path)


@pytest.mark.parametrize("author, lines, header, expected, where", [
    ("jsmith", ["Report to Full Council, 12 March 2027",
                "The Council agreed its plan. Harrow Council's Cabinet noted it.",
                "Harrow Council will publish progress quarterly."], "",
     "Harrow Council", "its text"),
    ("Democratic Services", ["REPORT TO THE EXECUTIVE"], "Item 7 – Wrenfield District Council",
     "Wrenfield District Council", "its page header or footer"),
    ("London Borough of Harrow", ["Report to the Executive Council Tax Committee"], "",
     "London Borough of Harrow", "the document's Author property"),
    ("jsmith", ["Report to Full Council. The District Council and the County Council."],
     "", "", ""),  # names no council
])
def test_the_council_is_found_in_its_paper(tmp_path, author, lines, header, expected,
                                           where):
    """The council's name is taken from where a council's paper gives it — the
    document's Author property (a council's template sets it), its page header, or its
    text, the name written most often — not from "Full Council" or "the County
    Council"; the note says where it came from, the summary gives the name, and the
    Settings sheet of the plan written holds it."""
    path, out = tmp_path / "paper.docx", tmp_path / "plan.xlsx"
    _paper(path, author, lines, header)
    result = cip_xl.api.import_plan(path, out)
    guessed = [f for f in result.findings if f.code == "import-council-guessed"]
    settings = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Settings").to_python()
    council = next(row[1] for row in settings if row[0] == "Council")
    assert council == expected
    if expected:
        assert len(guessed) == 1 and f"'{expected}', as {where} names it" in \
            guessed[0].message
        assert f", for {expected} (Settings)." in result.summary
    else:
        assert not guessed and "for " not in result.summary


def test_a_council_given_is_kept_and_a_trackers_heading_names_one(tmp_path):
    """--council wins over the name the file gives, without a note; a spreadsheet
    tracker's heading above its table names its council."""
    path = tmp_path / "tracker.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([
            ["Royal Borough of Kingston upon Thames – Council Improvement Plan"], [],
            ["Ref", "Key action", "Lead officer", "Target date"],
            ["1", "Adopt the plan", "HF", "Dec 2027"]])
    found = cip_xl.api.import_plan(path, tmp_path / "found.xlsx")
    assert found.plan.settings.council == "Royal Borough of Kingston upon Thames"
    given = run_cli("import", str(path), "-o", str(tmp_path / "given.xlsx"), "--council",
                    "Kingston Council", "-v")
    assert given.returncode == 0, given.stderr
    assert "import-council-guessed" not in given.stdout + given.stderr
    assert cip_xl.load_plan(tmp_path / "given.xlsx").settings.council == "Kingston Council"


def _generated_docx(path):
    """A differently laid out appendix: other headers, a merged theme row, a status
    column, a table continued on the next page, a legend in paragraphs."""
    document = docx.Document()
    document.add_paragraph("Council Improvement Programme 2026/27", style="Title")
    document.add_paragraph("Key:")
    document.add_paragraph("HoF\tHead of Finance")
    document.add_paragraph("DPM\tDigital Programme Manager")
    document.add_paragraph("LGA\tLocal Government Association")
    headers = ["No.", "Project", "Responsible officer", "Deadline", "On Target", "Update"]
    rows = [
        ["Theme: Money matters"],
        ["A1", "Balance the budget & reserves", "HoF", "Q4 2026/27", "On target",
         "Draft budget agreed."],
        ["A2", "Sell surplus land", "HoF", "Summer 2026", "Some slippage reported",
         "Valuation late."],
        ["Theme: Digital"],
        ["B1", "New website", "DPM", "31/03/2027", "Completed", "Live in June."],
        ["B2", "Online forms", "DPM / HoF", "Dec 2026", "Slipped", "Supplier issue;"],
    ]
    for chunk in (rows, [["", "", "", "", "", "new date to be agreed."],
                         ["B3", "Chatbot pilot", "DPM", "Ongoing", "Ongoing", "Started."]]):
        table = document.add_table(rows=1, cols=6)
        for cell, text in zip(table.rows[0].cells, headers):
            cell.text = text
        for values in chunk:
            cells = table.add_row().cells
            if len(values) == 1:
                merged = cells[0].merge(cells[-1])
                merged.text = values[0]
            else:
                for cell, text in zip(cells, values):
                    cell.text = text
        document.add_page_break()
    document.save(path)


def test_other_word_layouts(tmp_path):
    source = tmp_path / "programme.docx"
    _generated_docx(source)
    result = import_plan(source)
    plan = result.plan
    assert [a.ref for a in plan.actions] == ["A1", "A2", "B1", "B2", "B3"]
    assert [t.name for t in plan.themes] == ["Theme: Money matters", "Theme: Digital"]
    assert {o.code for o in plan.officers} == {"HoF", "DPM"}
    by_ref = {a.ref: a for a in plan.actions}
    assert by_ref["A1"].status == "On track"
    assert by_ref["A2"].status == "At risk"
    assert by_ref["A2"].extra[STATUS_AS_WRITTEN] == "Some slippage reported"
    assert by_ref["B1"].status == "Complete"
    assert by_ref["B2"].lead_officer == "DPM/HoF"
    assert by_ref["B2"].progress_update == "Supplier issue;\nnew date to be agreed."
    assert by_ref["B3"].target_date == "Ongoing"
    assert any(f.code == "import-continued-row" for f in result.findings)
    assert plan.settings.plan_title == "Council Improvement Programme 2026/27"


def test_spreadsheet_with_theme_column_csv_and_mapping(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Priority", "Ref", "What we will do", "Accountable", "When", "RAG", "Notes"])
    # refs typed as numbers: 3.10 arrives as 3.1, the repeat is repaired
    ws.append(["Homes", 3.1, "Build 50 homes", "HH", date(2027, 3, 31), "Green", ""])
    ws.append(["Homes", 3.10, "Review allocations", "HH", "Q2 2026/27", "Amber", "Late"])
    ws.append(["Streets", 4.1, "Weekly food waste", "HES", "Mar 2027", "Done", ""])
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    plan = import_plan(source).plan
    assert [a.theme for a in plan.actions] == ["Homes", "Homes", "Streets"]
    assert [a.status for a in plan.actions] == ["On track", "At risk", "Complete"]
    assert plan.actions[1].target_date == "Q2 2026/27"
    assert [a.ref for a in plan.actions] == ["3.1", "3.2", "4.1"]

    rows = [["Ref", "Task name", "Owner", "Finish by", "Comments"],
            ["1.1", "Publish the plan", "CEX", "31/10/2026", "On its way"]]
    with (tmp_path / "tasks.csv").open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    mapping = tmp_path / "mapping.ini"  # saved by Notepad, byte-order mark and all
    mapping.write_text("[columns]\nTask name = key_action\nOwner = lead_officer\n"
                       "Finish by = target_date\n", encoding="utf-8-sig")
    out = tmp_path / "from-csv.xlsx"
    result = run_cli("import", str(tmp_path / "tasks.csv"), "-o", str(out), "--mapping",
                     str(mapping))
    assert result.returncode == 0, result.stderr
    imported = cip_xl.load_plan(out).actions[0]
    assert (imported.key_action, imported.lead_officer, imported.progress_update) == \
        ("Publish the plan", "CEX", "On its way")


def test_a_month_typed_into_a_trackers_date_cell_is_imported_as_the_month(tmp_path):
    """A tracker whose targets were typed as months in Excel ("Mar 2027": stored as the
    1st, shown as Mar-27) comes in as the months the council saw, due at each month's
    end — not as 01/03/2027. A date on another day, shown the same way, keeps its day."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Priority", "Ref", "What we will do", "Accountable", "When"])
    ws.append(["Homes", "3.1", "Build 50 homes", "HH", datetime(2027, 3, 1)])
    ws.append(["Homes", "3.2", "Review allocations", "HH", datetime(2027, 3, 15)])
    for row in (2, 3):
        ws.cell(row, 5).number_format = "mmm-yy"
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    plan = import_plan(source).plan
    assert [parse_due(a.target_date).due for a in plan.actions] == \
        [date(2027, 3, 31), date(2027, 3, 15)]
    assert plan.actions[0].target_date == "Mar 2027"


def test_a_status_said_by_colour_alone_is_read_as_a_word(tmp_path):
    """A manager's tracker whose RAG cells are coloured and left blank: the colour was
    the only record of each action's status, and importing dropped it. It becomes the
    status word, the colour is kept as written, and the manager is asked to check."""
    from openpyxl.styles import PatternFill
    from openpyxl.styles.colors import Color

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tracker"
    ws.append(["Ref", "Action", "Lead officer", "Due date", "RAG", "Update"])
    fills = {"1": "FFC00000",                     # dark red, typed as RGB
             "2": Color(theme=9, tint=0.4),       # the theme's accent 6 (orange), lighter
             "3": Color(indexed=17),              # one of Excel's old indexed greens
             "4": "FF00B0F0",                     # light blue: complete
             "5": "FFD9D9D9",                     # grey: no status
             "6": None}                           # no fill
    for ref, colour in fills.items():
        ws.append([ref, f"Action {ref}", "HF", "Dec 2026", None, "Under way"])
        if colour is not None:
            ws.cell(ws.max_row, 5).fill = PatternFill("solid", fgColor=colour)
    ws.append(["7", "Action 7", "HF", "Dec 2026", "Green", ""])  # typed: the word wins
    ws.cell(ws.max_row, 5).fill = PatternFill("solid", fgColor="FFFF0000")
    source = tmp_path / "tracker.xlsx"
    wb.save(source)

    out = tmp_path / "plan.xlsx"
    result = run_cli("import", str(source), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "Tracker!E2:E5" in result.stdout + result.stderr
    assert "said by colour alone" in result.stdout + result.stderr
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Plan").to_python()
    header = [str(h) for h in rows[0]]
    status, written = header.index("Status"), header.index(STATUS_AS_WRITTEN)
    assert [(r[status], r[written]) for r in rows[1:8]] == [
        ("Slipped", "red (the cell's colour)"), ("At risk", "amber (the cell's colour)"),
        ("On track", "green (the cell's colour)"), ("Complete", "blue (the cell's colour)"),
        ("", ""), ("", ""), ("On track", "Green")]


def test_a_key_along_a_row_says_what_each_status_and_colour_means(tmp_path):
    """A tracker's key laid along a row, a cell to each entry, above the table ("Key:" |
    "G = on track" | ... | "C = complete"), its colours' meanings under a sheet's
    table ("Key" | "Green = completed" | "Amber = in progress" | "Red = not started"),
    or a coloured swatch beside each meaning: C was an unknown status, a key row under
    a table became an action, and green, typed or coloured, was on track where the key
    says complete."""
    from openpyxl.styles import PatternFill

    fill = {word: PatternFill("solid", fgColor=rgb) for word, rgb in
            {"green": "FF00B050", "amber": "FFFFC000", "red": "FFFF0000"}.items()}
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Letters"
    ws.append(["Delivery Plan Tracker 2026/27"])
    ws.append(["Key:", "G = on track", "A = at risk", "R = off track", "C = complete"])
    ws.append(["Ref", "Action", "Lead officer", "Due", "RAG", "Update"])
    ws.append(["1", "Adopt the strategy", "HF", "Sep 2026", "C", "Adopted."])
    ws.append(["2", "Open the hub", "HF", "Mar 2027", "A", "Fit-out late."])
    words = wb.create_sheet("Words")
    words.append(["Ref", "Action", "Lead officer", "Due", "RAG", "Update"])
    words.append(["3", "Plant trees", "HF", "Mar 2027", "Green", "Planted."])
    words.append(["4", "Review fees", "HF", "Mar 2027", "Amber", "Benchmarking."])
    words.append(["Key", "Green = completed", "Amber = in progress", "Red = not started"])
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    result = import_plan(source)
    assert [(a.ref, a.status, a.extra.get(STATUS_AS_WRITTEN)) for a in result.plan.actions] \
        == [("1", "Complete", "C"), ("2", "At risk", "A"), ("3", "Complete", "Green"),
            ("4", "On track", "Amber")]
    said = {(f.code, f.cell) for f in result.findings}
    assert ("import-note-row", "A4") in said  # the key under the table: no action
    assert not any(f.code == "import-status-unknown" for f in result.findings)

    # a swatch key under a table whose RAG cells are coloured and blank
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref", "Action", "Lead officer", "Due", "RAG", "Update"])
    for ref, colour in (("1", "green"), ("2", "amber"), ("3", "red")):
        ws.append([ref, f"Action {ref}", "HF", "Mar 2027", None, ""])
        ws.cell(ws.max_row, 5).fill = fill[colour]
    ws.append([])
    ws.append(["Key:", None, "Completed", None, "In progress", None, "Not started"])
    for column, colour in ((2, "green"), (4, "amber"), (6, "red")):
        ws.cell(ws.max_row, column).fill = fill[colour]
    wb.save(source)
    out = tmp_path / "plan.xlsx"
    ran = run_cli("import", str(source), "-o", str(out))
    assert ran.returncode == 0, ran.stderr
    assert "red = Not started, amber = On track, green = Complete, blue = Complete, as " \
        "the plan's key says" in ran.stdout + ran.stderr
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Plan").to_python()
    header = [str(h) for h in rows[0]]
    assert [(r[0], r[header.index("Status")]) for r in rows[1:]] == [
        ("1", "Complete"), ("2", "On track"), ("3", "Not started")]


def test_a_sheet_of_no_theme_headings_beside_sheets_of_them(tmp_path):
    """A tracker's "Completed actions" sheet, no theme headings on it, after the plan's
    sheet of them: its actions took the last theme of the sheet before (1.2 Adopt the
    housing strategy under Economy), silently; and the first theme heading, under the
    header, was taken for the plan's title. Each goes under the theme its Ref is
    numbered by, else a theme named after its sheet, with a warning naming them."""
    header = ["Ref", "Action", "Lead officer", "Due", "Status", "Update"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Open actions"
    for row in (header, ["Priority 1: Homes"], ["1.1", "Build 50 homes", "HH", "Mar 2027",
                                                "Green", "On site."],
                ["2. Economy"], ["2.1", "Open the hub", "HR", "Mar 2027", "Amber", ""]):
        ws.append(row)
    done = wb.create_sheet("Completed actions")
    for row in (header, ["1.2", "Adopt the housing strategy", "HH", "Jun 2026", "Complete",
                         "Adopted."],
                ["2.2", "Launch the grants", "HR", "Jul 2026", "Complete", ""],
                ["3.1", "Review the leisure contract", "HL", "Sep 2026", "Complete", ""]):
        done.append(row)
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    out = tmp_path / "plan.xlsx"
    ran = run_cli("import", str(source), "-o", str(out))
    assert ran.returncode == 0, ran.stderr
    said = ran.stdout + ran.stderr
    assert "3 actions on 'Completed actions' are under no theme heading" in said
    assert "1.2 under 'Priority 1: Homes', 2.2 under 'Economy' and 3.1 under 'Completed " \
        "actions', the sheet's name" in said
    book = CalamineWorkbook.from_path(str(out))
    rows = book.get_sheet_by_name("Plan").to_python()
    assert [(r[0], r[1]) for r in rows[1:]] == [
        ("1.1", "Priority 1: Homes"), ("2.1", "Economy"), ("1.2", "Priority 1: Homes"),
        ("2.2", "Economy"), ("3.1", "Completed actions")]
    assert [r[1] for r in book.get_sheet_by_name("Themes").to_python()[1:]] == [
        "Priority 1: Homes", "Economy", "Completed actions"]
    assert _settings(out)["Plan title"] != "Priority 1: Homes"
    assert run_cli("validate", str(out)).returncode == 0

    # headings of no number are numbered by the Refs of the actions under them
    ws["A2"] = "Homes"
    ws["A4"] = "Economy"
    wb.save(source)
    assert [(a.ref, a.theme) for a in import_plan(source).plan.actions] == [
        ("1.1", "Homes"), ("2.1", "Economy"), ("1.2", "Homes"), ("2.2", "Economy"),
        ("3.1", "Completed actions")]


@pytest.mark.parametrize("cells, colours, entries", [
    (["Key:", "G = on track", "A = at risk"], None, [("G", "on track"), ("A", "at risk")]),
    (["Key", "G", "On track", "A", "At risk"], None, [("G", "On track"), ("A", "At risk")]),
    (["", "On track", "", "At risk"], {0: "green", 2: "amber"},
     [("green", "On track"), ("amber", "At risk")]),
    (["Key: Green – done; Red – late"], None, [("Green", "done"), ("Red", "late")]),
    # a plan's rows are none
    (["1", "Adopt the strategy", "HF", "Sep 2026", "G"], None, []),
    (["1", "", "Q1 update", "", "Q2 update"], {1: "green", 3: "amber"}, []),
    (["Key", "G", "On track", "A"], None, []),
    (["A = at risk", "R = off track"], None, []),  # two entries, no label: not a key
])
def test_a_key_row(cells, colours, entries):
    from cip_xl.importers.keys import key_row

    assert key_row(cells, colours) == entries


def test_a_status_shaded_in_a_word_table_is_read_as_a_word(tmp_path):
    """The same in a Word appendix: a blank Progress status cell shaded red or green."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    document = docx.Document()
    table = document.add_table(rows=4, cols=5)
    rows = [["Ref", "Key action", "Lead officer", "Target date", "Status"],
            ["1", "Adopt the plan", "HF", "Dec 2027", ""],
            ["2", "Review fees", "HF", "Mar 2028", ""],
            ["3", "Publish results", "HF", "Jun 2028", "Complete"]]
    for row, texts in zip(table.rows, rows):
        for cell, text in zip(row.cells, texts):
            cell.text = text
    for r, fill in ((1, "FF0000"), (2, "00B050"), (3, "00B050")):
        shading = OxmlElement("w:shd")
        shading.set(qn("w:val"), "clear")
        shading.set(qn("w:fill"), fill)
        table.rows[r].cells[4]._tc.get_or_add_tcPr().append(shading)
    source = tmp_path / "appendix.docx"
    document.save(source)
    result = import_plan(source)
    assert [a.status for a in result.plan.actions] == ["Slipped", "On track", "Complete"]
    warned = [f for f in result.findings if f.code == "import-status-from-colour"
              and f.severity == "warning"]
    assert len(warned) == 1 and warned[0].cell == "rows 2-3"


def test_a_word_table_row_drawn_from_its_second_column(tmp_path):
    """A Word table row that starts a grid column late (gridBefore: its Ref cell taken
    out, as a table pasted from a web page or a PDF has): python-docx gives its cells
    from the first, so its action was read as its Ref, its lead officer as its action
    and its progress as its date. Each cell is read in its column, a blank status
    cell's shading too."""
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import qn

    document = docx.Document()
    table = document.add_table(rows=3, cols=5)
    rows = [["Ref", "Key action", "Lead officer", "Target date", "Status"],
            ["1", "Adopt the plan", "HF", "Dec 2027", "Complete"],
            ["", "Review fees", "HF", "Mar 2028", ""]]
    for row, texts in zip(table.rows, rows):
        for cell, text in zip(row.cells, texts):
            cell.text = text
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:fill"), "FF0000")
    table.rows[2].cells[4]._tc.get_or_add_tcPr().append(shading)
    row = table.rows[2]._tr
    row.remove(row.tc_lst[0])
    row.get_or_add_trPr().insert(0, parse_xml(f'<w:gridBefore {_W} w:val="1"/>'))
    source = tmp_path / "appendix.docx"
    document.save(source)
    plan = import_plan(source).plan
    assert [(a.key_action, a.lead_officer, a.target_date, a.status)
            for a in plan.actions] == [("Adopt the plan", "HF", "Dec 2027", "Complete"),
                                       ("Review fees", "HF", "Mar 2028", "Slipped")]


def test_a_trackers_cell_notes_are_kept_with_their_actions(tmp_path):
    """A tracker whose officers put what matters in notes on its cells ("Revised date
    of June 2027 agreed by CMT" on a status, "Was Dec 2026" on a deadline): import
    left every note behind, unsaid. Each note on an action's row is kept in the
    plan's 'Cell notes' column after its column's header, read there by another
    reader; a note on a heading is a warning with its text."""
    from openpyxl.comments import Comment

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tracker"
    ws.append(["Ref", "Action", "Lead", "Deadline", "Status", "Update"])
    ws.append(["Priority 1: Homes"])
    ws.append(["1.1", "Build 100 homes", "HH", "31/03/2027", "Amber", "Slight delay."])
    ws.append(["1.2", "Adopt the strategy", "HH", "30/09/2026", "Complete", "Adopted."])
    ws["E3"].comment = Comment("Revised date of June 2027 agreed by CMT 12/10", "Jo")
    ws["D4"].comment = Comment("Was Dec 2026", "Sam")
    ws["F4"].comment = Comment("Cabinet minute 45/26", "Jo")
    ws["A2"].comment = Comment("Theme lead: Director of Place", "Jo")
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    said, notes = _imported_cell_notes(source)
    assert "Tracker!A2: warning: A note on this cell says 'Theme lead: Director of " \
        "Place'; it is on no action's row" in said
    assert notes == [("1.1", "Status: Revised date of June 2027 agreed by CMT 12/10"),
                     ("1.2", "Deadline: Was Dec 2026\nUpdate: Cabinet minute 45/26")]


def _imported_cell_notes(source) -> tuple[str, list[tuple[str, str]]]:
    """Import ``source`` with the CLI: what it said (its lines run together) and each
    action's Ref and Cell notes as another reader reads the plan made."""
    out = source.with_name("plan.xlsx")
    made = run_cli("import", str(source), "-o", str(out))
    assert made.returncode == 0, made.stderr
    plan = CalamineWorkbook.from_path(out).get_sheet_by_name("Plan").to_python()
    kept = plan[0].index("Cell notes")
    return " ".join(made.stdout.split()), [(row[0], row[kept]) for row in plan[1:]]


def test_a_trackers_links_are_kept_with_their_actions(tmp_path):
    """A tracker's Evidence column reading "Cabinet report", the address of the
    report behind the words (Insert > Link): import kept the words and lost where
    they pointed. The address is kept in 'Cell notes'; a cell that shows its address
    whole, or links within the workbook, adds nothing."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref", "Key action", "Lead officer", "Target date", "Evidence"])
    ws.append(["1.1", "Adopt the strategy", "HH", "Dec 2026", "Cabinet report"])
    ws.append(["1.2", "Build homes", "HH", "Mar 2027", "https://example.gov.uk/homes"])
    ws.append(["1.3", "Review fees", "HH", "Jun 2027", "See the Fees sheet"])
    ws["E2"].hyperlink = "https://example.gov.uk/meetings?id=45&item=7"
    ws["E3"].hyperlink = "https://example.gov.uk/homes"
    ws["E4"].hyperlink = "#Fees!A1"
    wb.create_sheet("Fees")
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    plan = import_plan(source).plan
    assert [(a.ref, a.extra.get("Cell notes", "")) for a in plan.actions] == [
        ("1.1", "Evidence: links to https://example.gov.uk/meetings?id=45&item=7"),
        ("1.2", ""), ("1.3", "")]


def test_comments_on_a_word_plans_cells_are_kept_with_their_actions(tmp_path):
    """A Word plan circulated for comment, a comment on an action's target date
    ("Revised to June 2027 by CMT"): left behind on import. It is kept in the 'Cell
    notes' column with who made it; one on the header is a warning with its text, and
    one on the text outside the tables (about the paper) is not the plan's."""
    document = docx.Document()
    document.add_heading("Corporate Improvement Plan 2026/27", 0)
    table = document.add_table(rows=3, cols=4)
    for r, values in enumerate([["Ref", "Key action", "Lead officer", "Target date"],
                                ["1.1", "Build homes", "HH", "Mar 2027"],
                                ["1.2", "Adopt the strategy", "HH", "Dec 2026"]]):
        for c, text in enumerate(values):
            table.cell(r, c).text = text
    document.add_comment(table.cell(1, 3).paragraphs[0].runs, author="Jo Bloggs",
                         text="Revised to June 2027 by CMT")
    document.add_comment(table.cell(0, 1).paragraphs[0].runs, author="Sam",
                         text="Should this say Action?")
    document.add_comment(document.add_paragraph("Appendix notes").runs, author="Sam",
                         text="Check before Cabinet")
    source = tmp_path / "plan.docx"
    document.save(source)
    said, notes = _imported_cell_notes(source)
    assert "'table 1'!row 1: warning: A comment on this cell says 'Should this say " \
        "Action? (Sam)'; it is on no action's row" in said
    assert "Check before Cabinet" not in said
    assert notes == [("1.1", "Target date: Revised to June 2027 by CMT (Jo Bloggs)"),
                     ("1.2", "")]


@pytest.mark.parametrize("kind", ["xlsx", "docx"])
def test_a_key_of_meanings_in_cells_of_their_colours(tmp_path, kind):
    """A tracker's key as its own colours: "Key:" then a green cell reading
    "Complete", an amber one "In progress", a red one "Not started" — where the
    council's green means done, not on track. The key was not read (a swatch had to
    be a blank cell beside its meaning), so its blank green status cell was On track.
    Each meaning's cell gives its colour's status, in a workbook and a Word table."""
    statuses = [("1.1", "Build homes", "FFC000"), ("1.2", "Adopt the strategy", "00B050"),
                ("1.3", "Review fees", "FF0000")]
    key = [("Key:", None), ("Complete", "00B050"), ("In progress", "FFC000"),
           ("Not started", "FF0000")]
    source = tmp_path / f"tracker.{kind}"
    if kind == "xlsx":
        from openpyxl.styles import PatternFill

        wb = openpyxl.Workbook()
        ws = wb.active
        ws.append(["Ref", "Key action", "Lead officer", "Target date", "RAG"])
        for number, (ref, action, fill) in enumerate(statuses, start=2):
            ws.append([ref, action, "HH", "Mar 2027", None])
            ws.cell(number, 5).fill = PatternFill("solid", fgColor=fill)
        ws.append([])
        ws.append([text for text, _ in key])
        for column, (_, fill) in enumerate(key, start=1):
            if fill:
                ws.cell(ws.max_row, column).fill = PatternFill("solid", fgColor=fill)
        wb.save(source)
    else:
        from docx.oxml import parse_xml

        def shade(cell, fill):
            cell._tc.get_or_add_tcPr().append(parse_xml(
                f'<w:shd {_W} w:val="clear" w:fill="{fill}"/>'))

        document = docx.Document()
        table = document.add_table(rows=4, cols=5)
        for c, header in enumerate(["Ref", "Key action", "Lead officer", "Target date",
                                    "RAG"]):
            table.cell(0, c).text = header
        for r, (ref, action, fill) in enumerate(statuses, start=1):
            for c, text in enumerate([ref, action, "HH", "Mar 2027"]):
                table.cell(r, c).text = text
            shade(table.cell(r, 4), fill)
        document.add_paragraph("")
        legend = document.add_table(rows=1, cols=4)
        for c, (text, fill) in enumerate(key):
            legend.cell(0, c).text = text
            if fill:
                shade(legend.cell(0, c), fill)
        document.save(source)
    result = import_plan(source)
    assert [(a.ref, a.status) for a in result.plan.actions] == [
        ("1.1", "On track"), ("1.2", "Complete"), ("1.3", "Not started")]
    warned = next(f for f in result.findings if f.code == "import-status-from-colour"
                  and f.severity == "warning")
    assert "red = Not started, amber = On track, green = Complete" in warned.message


@pytest.mark.parametrize("written, word", [
    ("R", "Slipped"), ("A", "At risk"), ("G", "On track"), ("B", "Complete"),
    ("g", "On track"), ("Not yet due", "Not started"), ("On-track", "On track"),
    ("Slipping", "At risk"), ("Behind schedule", "At risk"),
    ("Ahead of schedule", "On track"), ("Amber/Green", None), ("Partially achieved", None),
    ("Superseded", "Cancelled"), ("No longer required", "Cancelled"), ("Paused", "Deferred"),
    ("Fully achieved", "Complete"), ("Off target", "Slipped"), ("Finished.", "Complete"),
    # a colour with its meaning: the words say which, else the colour
    ("Green - on track", "On track"), ("Red - significant slippage", "Slipped"),
    ("Amber: see update", "At risk"), ("Green (complete)", "Complete"),
    ("Complete (Blue)", "Complete"), ("Amber - Green", None),  # two colours
    ("Significant slippage", "Slipped"), ("Minor slippage", "At risk"),
    ("Behind target", "At risk"), ("Late", "Slipped"), ("Yet to start", "Not started"),
    ("No longer applicable", "Cancelled"),
    # a coloured circle or square alone (Excel for the web, Teams, SharePoint lists),
    # with Windows' emoji selector after it or not; a tick alone is done
    ("🟢", "On track"), ("🟠", "At risk"), ("🟡", "At risk"), ("🔴", "Slipped"),
    ("🟥", "Slipped"), ("🔵", "Complete"), ("🟢\ufe0f", "On track"), ("✅", "Complete"),
    ("✔", "Complete"), ("⚠", None),  # a warning: at risk, or overdue? asked
    # done, the work carried on day to day
    ("Complete - ongoing", "Complete"), ("Completed and now business as usual", "Complete"),
    ("Complete/BAU", "Complete"), ("BAU", "Ongoing"), ("Business as usual", "Ongoing"),
    ("Complete - on track", None),  # two statuses: the manager's to decide
    # a performance system's scale, numbered as its dropdown's options are
    ("1 - Not started", "Not started"), ("4. Complete", "Complete"), ("(3) Red", "Slipped"),
    ("2: On track", "On track"), ("12 months", None),
    # said of the action, task or project it is the status of
    ("Action complete", "Complete"), ("Project delayed", "Slipped"),
    ("Work ongoing", "Ongoing"), ("Milestone achieved", "Complete"),
    ("Task not started", "Not started"), ("Action plan", None),
])
def test_status_words_and_letters_councils_write(written, word):
    """What trackers' RAG and status columns hold, letters included; mixed or hedged
    words are left for the manager (kept as written, with a warning)."""
    assert cip_xl.schema.normalise_status(written) == word


@pytest.mark.parametrize("rgb, word", [
    ("FF0000", "red"), ("C00000", "red"), ("FFC000", "amber"), ("FFFF00", "amber"),
    ("F4B084", "amber"), ("00B050", "green"), ("92D050", "green"),
    ("C6EFCE", "green"), ("FFC7CE", "red"), ("FFEB9C", "amber"),  # Good, Bad, Neutral
    ("DDEBF7", None), ("C6D9F1", None), ("F2F2F2", None),  # banding, headings
    ("00B0F0", "blue"), ("0070C0", "blue"), ("7030A0", None), ("FFFFFF", None),
    ("000000", None), ("D9D9D9", None), ("FFFF0000", "red"),
])
def test_traffic_light_colours_by_hue(rgb, word):
    from cip_xl.importers.colours import rag_word

    assert rag_word(rgb) == word


def finance_tracker():
    """A council's tracker: a sheet "Tracker" of three Finance actions under headings."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tracker"
    ws.append(["Ref", "Theme", "Key action", "Lead officer", "Target date"])
    for number in range(1, 4):
        ws.append([f"1.{number}", "Finance", f"Close the books {number}", "HF", "Dec 2026"])
    return wb, ws


def test_a_tracker_formatted_as_a_table_with_a_total_row(tmp_path):
    """A council tracker kept as an Excel Table with its Total Row on: the row of sums
    under it is not a theme heading (nor an action)."""
    from openpyxl.worksheet.table import Table

    wb, ws = finance_tracker()
    ws.append(["Total", None, "=SUBTOTAL(103,Tracker[Key action])", None, None])
    ws.add_table(Table(displayName="Tracker", ref="A1:E5", totalsRowCount=1))
    wb.save(tmp_path / "tracker.xlsx")
    result = import_plan(tmp_path / "tracker.xlsx")
    assert [(a.ref, a.theme) for a in result.plan.actions] == [
        ("1.1", "Finance"), ("1.2", "Finance"), ("1.3", "Finance")]
    assert [t.name for t in result.plan.themes] == ["Finance"]
    assert not [f for f in result.findings if "Total" in f.message]


def test_unsupported_and_unusable_sources(tmp_path):
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    result = run_cli("import", str(tmp_path / "old.doc"), "-o", str(tmp_path / "x.xlsx"))
    assert result.returncode == 2 and ".docx" in result.stderr
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04 not really")
    result = run_cli("import", str(tmp_path / "broken.docx"), "-o", str(tmp_path / "y.xlsx"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert not (tmp_path / "y.xlsx").exists()


def _odf(mimetype: str) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("mimetype", mimetype)
        package.writestr("content.xml", "<office:document-content/>")
    return buffer.getvalue()


def _compound(*streams: str) -> bytes:
    from cip_xl.vba_project import write_compound

    return write_compound({name: b"\0" * 4096 for name in streams})


@pytest.mark.parametrize("name, data, kind, advice", [
    ("Appendix 1.pdf", b"%PDF-1.7\n...", "is a PDF", "Word opens a PDF"),
    ("CIP 2009.docx", b"%PDF-1.4\n...", "is a PDF", "Word opens a PDF"),  # renamed
    ("CIP 2009.doc", _compound("WordDocument", "1Table"), "a Word 97-2003 document",
     "save it as a Word Document (.docx)"),
    ("CIP 2009.docx", _compound("WordDocument"), "a Word 97-2003 document", ".docx"),
    ("tracker.xls", _compound("Workbook"), "an Excel 97-2003 workbook",
     "save it as an Excel Workbook (.xlsx)"),
    ("CIP.docx", _compound("EncryptedPackage", "EncryptionInfo"), "password-protected",
     "remove the password"),
    ("CIP.docx", _compound("EncryptedPackage", "DRMEncryptedDataSpace"),  # labelled
     "protected by a sensitivity label", "choose a label that does not encrypt"),
    ("plan.odt", _odf("application/vnd.oasis.opendocument.text"), "an OpenDocument text",
     "(.docx)"),
    ("plan.ods", _odf("application/vnd.oasis.opendocument.spreadsheet"),
     "an OpenDocument spreadsheet", "(.xlsx)"),
    ("plan.rtf", b"{\\rtf1\\ansi Plan}", "a Rich Text document", "(.docx)"),
    ("item7.htm", b"<!DOCTYPE html><html><table></table></html>", "a web page", "Word"),
    ("query.iqy", b"WEB\r\n1\r\nhttps://council.sharepoint.com/sites/P/_vti_bin/owssvr.dll"
     b"?XMLDATA=1&List={1B2C}\r\n", "a link to the list, not its rows", "Export to CSV"),
])
def test_a_plan_kept_in_another_form_is_named_with_what_to_do(tmp_path, name, data, kind,
                                                                advice):
    """Last year's plan as a Word 97 document, the PDF on the council's website, an
    OpenDocument file, a saved web page: each is named for what it is — by its content,
    whatever its name — with how to make the .docx or .xlsx that imports."""
    (tmp_path / name).write_bytes(data)
    result = run_cli("import", str(tmp_path / name), "-o", str(tmp_path / "plan.xlsx"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{name} " in result.stderr and kind in result.stderr and advice in result.stderr
    assert "[import-unsupported]" in result.stderr
    assert not (tmp_path / "plan.xlsx").exists()


@needs_samples
def test_a_word_97_plan_libreoffice_saved_is_named(tmp_path):
    """A real Word 97-2003 file (LibreOffice's .doc of a council's plan) is recognised."""
    from .conftest import convert_with_libreoffice

    doc = convert_with_libreoffice(SAMPLES / "rochford_sip_2010_11.docx", "doc", tmp_path)
    with pytest.raises(PlanFileError) as refused:
        import_plan(doc)
    assert "is a Word 97-2003 document" in refused.value.finding.message


def test_a_trackers_last_updated_and_directorate_columns_are_kept(tmp_path):
    """A tracker's Last updated column was dropped on import, and its Directorate column
    pushed into the progress text. Dates last updated are kept (a month as its first
    day; words that are no date in a column of their own, with a warning); each lead
    officer takes the directorate their actions are given — returns go by it — with a
    warning naming the cell where one officer's actions are given another."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Priority", "Ref", "What we will do", "Accountable", "Directorate", "When",
               "Last updated"])
    ws.append(["Homes", "3.1", "Build 50 homes", "HH", "Place", "Mar 2027",
               datetime(2026, 9, 14)])
    ws.append(["Homes", "3.2", "Review allocations", "HH", "People", "Q4 2026/27",
               "last week"])
    ws.append(["Streets", "4.1", "Weekly food waste", "HES", "Place", "Mar 2027", "Sep 2026"])
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    result = import_plan(source)
    plan = result.plan
    assert [a.last_updated for a in plan.actions] == \
        [date(2026, 9, 14), None, date(2026, 9, 1)]
    assert plan.actions[1].extra["Last updated (as written)"] == "last week"
    assert not any("Place" in a.progress_update for a in plan.actions)
    assert {o.code: o.directorate for o in plan.officers} == {"HH": "Place", "HES": "Place"}
    differs = [f for f in result.findings if f.code == "import-directorate-differs"]
    assert len(differs) == 1 and "'People' (E3)" in differs[0].message
    unreadable = [f for f in result.findings if f.code == "import-date-unreadable"]
    assert [f.cell for f in unreadable] == ["G3"]


def test_lead_officers_a_tracker_names_by_title_or_name_become_officers(tmp_path):
    """Most trackers name lead officers ("Head of Finance", "Sarah Jones"), not codes.
    Each word became an officer ('HEAD', 'OF', 'FINANCE'). Now each title or name is
    one officer with a code of its own (initials), its directorate, the cell kept as
    written and read as that officer; codes, and codes together ("CEX SPO"), as before."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref", "Action", "Lead officer", "Directorate", "Target date"])
    ws.append(["1.1", "Set the budget", "Head of Finance", "Resources", "Mar 2027"])
    ws.append(["1.2", "Review fees", "Sarah Jones", "Resources", "Dec 2026"])
    ws.append(["2.1", "Staff survey", "Head of HR and Sarah Jones", "People", "Q4 2026/27"])
    ws.append(["2.2", "Wellbeing plan", "CEX SPO", "People", "Jun 2027"])
    ws.append(["2.3", "Pay policy", "Head of Finance", "Resources", "Jun 2027"])
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    result = import_plan(source)
    plan = result.plan
    officers = {o.code: (o.title, o.name, o.directorate) for o in plan.officers}
    assert officers["HF"] == ("Head of Finance", "", "Resources")
    assert officers["SJ"] == ("", "Sarah Jones", "Resources")
    assert officers["HHR"] == ("Head of HR", "", "People")
    assert {"CEX", "SPO"} <= set(officers) and not {"HEAD", "OF", "SARAH"} & set(officers)
    reader = plan.lead_officer_reader()
    assert [reader(a) for a in plan.actions] == [["HF"], ["SJ"], ["HHR", "SJ"],
                                                 ["CEX", "SPO"], ["HF"]]
    assert plan.actions[0].lead_officer == "Head of Finance"  # as the council wrote it
    named = next(f for f in result.findings if f.code == "import-officer-named")
    assert "HF (Head of Finance)" in named.message and "SJ (Sarah Jones)" in named.message
    out = tmp_path / "plan.xlsx"
    cip_xl.save_plan(plan, out)
    assert not [f for f in cip_xl.validate(out).findings if f.code == "officer-unknown"]


def test_a_csv_saved_by_excel_in_either_encoding_is_read_and_a_binary_one_refused(
        tmp_path):
    """Excel's "CSV (Comma delimited)" is Windows-1252 (a £ or – is one byte); its "CSV
    UTF-8" starts with a byte-order mark. Both import as written. A file that is
    neither (bytes Windows-1252 leaves undefined) is one clear line, not a traceback."""
    text = ("Ref,Key action,Lead officer,Target date\n"
            "1.1,Cut energy costs by £40k – phase 1,HF,Dec 2027\n")
    for encoding in ("cp1252", "utf-8-sig", "utf-16"):  # utf-16: with its mark, as saved
        path = tmp_path / f"tracker-{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        result = cip_xl.api.import_plan(path, tmp_path / f"{encoding}.xlsx")
        assert result.plan.actions[0].key_action == "Cut energy costs by £40k – phase 1"
    binary = tmp_path / "tracker.csv"
    binary.write_bytes(b"Ref,Key action\n1.1,\x81\x8d\x8f\x90\n")
    refused = run_cli("import", str(binary), "-o", str(tmp_path / "binary.xlsx"))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "tracker.csv cannot be read as CSV" in refused.stderr


def _settings(path) -> dict[str, object]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Settings").to_python()
    return {str(row[0]): row[1] for row in rows[1:] if row and row[0]}


def _rows(path, sheet: str) -> list[list[object]]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()
    return [row for row in rows[1:] if any(v not in ("", None) for v in row)]


def test_last_years_cip_xl_plan_is_carried_forward_under_a_new_plan_id(example_path,
                                                                       tmp_path):
    """Importing a plan cip-xl kept reads it as a plan — read as a table, its Settings
    headings became the council ("Setting Value Council") — keeping actions, officers,
    themes and the council's settings, with a new Plan ID, revision 1, no reporting
    date and nothing on Audit, Returns or Change requests; an undecided change request
    is named. A return issued from last year's plan is refused by the new one."""
    issued = cip_xl.issue_returns(example_path, tmp_path / "returns",
                                  when=datetime(2026, 12, 1, 9))
    place = next(item.path for item in issued if item.department == "Place")
    edit_return(place, {("5.3", "Proposed revised date"): date(2027, 6, 30),
                        ("5.1", "Progress update"): "Carried into next year"})
    assert cip_xl.merge(example_path, [place]).saved
    old = cip_xl.load_plan(example_path)
    new_path = tmp_path / "plan-2027-28.xlsx"

    done = run_cli("import", str(example_path), "-o", str(new_path))
    assert done.returncode == 0, done.stderr
    assert "import-from-cip-plan" in done.stdout and "import-requests-undecided" in done.stdout
    assert "Setting Value" not in done.stdout
    assert "import-own-sheets" not in done.stdout  # cip-xl's sheets only

    wb = openpyxl.load_workbook(example_path)  # a sheet of the council's own, added
    wb.create_sheet("Our KPIs")["A1"] = "Sickness absence (days)"
    wb.save(example_path)
    result = cip_xl.api.import_plan(example_path, tmp_path / "with-own.xlsx")
    own = [f.message for f in result.findings if f.code == "import-own-sheets"]
    assert len(own) == 1 and "has a sheet of your own ('Our KPIs'), not carried" in own[0]
    assert "Move or Copy" in own[0]

    settings = _settings(new_path)
    assert settings["Council"] == old.settings.council == "Wrenfield District Council"
    assert settings["Plan title"] == old.settings.plan_title
    assert settings["Plan ID"] not in ("", None, old.settings.plan_id)
    assert settings["Reporting date"] in ("", None) and int(settings["Plan revision"]) == 1
    new = cip_xl.load_plan(new_path)
    assert [(a.ref, a.key_action, a.progress_update, a.status) for a in new.actions] == \
        [(a.ref, a.key_action, a.progress_update, a.status) for a in old.actions]
    assert next(a for a in new.actions if a.ref == "5.1").progress_update == \
        "Carried into next year"
    assert {o.code for o in new.officers} == {o.code for o in old.officers}
    assert [t.name for t in new.themes] == [t.name for t in old.themes]
    for sheet in ("Audit", "Returns", "Change requests"):
        assert _rows(new_path, sheet) == [], sheet

    again = cip_xl.merge(new_path, [place])
    assert not again.saved
    assert [r.code for o in again.outcomes for r in o.refusals] == ["return-other-plan"]


def test_open_only_leaves_complete_and_cancelled_actions_behind(example_path, tmp_path):
    old = cip_xl.load_plan(example_path)
    done = {a.ref for a in old.actions if a.status in ("Complete", "Cancelled")}
    assert done
    new_path = tmp_path / "next.xlsx"
    result = cip_xl.api.import_plan(example_path, new_path, open_only=True)
    assert "import-done-left-out" in [f.code for f in result.findings]
    refs = [str(row[0]) for row in _rows(new_path, "Plan")]
    assert refs == [a.ref for a in old.actions if a.ref not in done]


def test_a_blank_cip_xl_plan_has_nothing_to_carry_forward(tmp_path):
    blank = tmp_path / "blank.xlsx"
    cip_xl.new_plan_file(blank, council="Wrenfield District Council")
    with pytest.raises(cip_xl.PlanFileError) as raised:
        cip_xl.api.import_plan(blank, tmp_path / "next.xlsx")
    assert raised.value.finding.code == "import-nothing-found"
    assert "no actions to carry forward" in raised.value.finding.message
    assert not (tmp_path / "next.xlsx").exists()


def test_a_tracker_with_a_long_gap_and_a_note_in_its_last_row(tmp_path):
    """Rows below a long run of blank rows are named by their own row numbers, and a
    note typed in row 1,048,576 (a slip of Ctrl+Down) is found there, without a million
    blank rows to look for tables in (it took 21 seconds for a sheet of 20 rows)."""
    from cip_xl.importers.colours import RagPalette
    from cip_xl.importers.sheet import _cells

    wb, ws = finance_tracker()
    for column, value in zip("BCDE", ["Finance", "Late addition", "HF", "Mar 2027"]):
        ws[f"{column}40"] = value
    ws["B1048576"] = "stray note"
    wb.save(tmp_path / "tracker.xlsx")
    result = import_plan(tmp_path / "tracker.xlsx")
    assert [a.key_action for a in result.plan.actions] == [
        "Close the books 1", "Close the books 2", "Close the books 3", "Late addition"]
    named = {f.code: (f.sheet, f.cell, f.message) for f in result.findings}
    assert named["import-ref-missing"][:2] == ("Tracker", "A40")
    assert named["import-theme-row"][:2] == ("Tracker", "A1048576")
    assert "'stray note'" in named["import-theme-row"][2]
    read = openpyxl.load_workbook(tmp_path / "tracker.xlsx", read_only=True)
    rows, _, numbers = _cells(read["Tracker"], RagPalette(None))
    assert len(rows) < 40 and numbers[-1] == 1048576 and rows[-1][1] == "stray note"


def test_a_tracker_with_a_note_in_its_last_column(tmp_path):
    """A note typed in column XFD (a slip of Ctrl+Right) is kept and named where it was
    typed; the other rows are not read as 16,384 cells wide (300 rows took 9 seconds)."""
    from cip_xl.importers.colours import RagPalette
    from cip_xl.importers.sheet import _cells

    wb, ws = finance_tracker()
    ws["XFD3"] = "see the audit letter"
    wb.save(tmp_path / "tracker.xlsx")
    result = import_plan(tmp_path / "tracker.xlsx")
    extra = next(f for f in result.findings if f.code == "import-extra-cells")
    assert (extra.sheet, extra.cell) == ("Tracker", "XFD3")
    assert "'see the audit letter'" in extra.message
    assert "see the audit letter" in result.plan.actions[1].progress_update
    read = openpyxl.load_workbook(tmp_path / "tracker.xlsx", read_only=True)
    rows, _, _ = _cells(read["Tracker"], RagPalette(None))
    assert [len(row) for row in rows] == [5, 5, 16384, 5]


def test_a_document_whose_styles_name_no_default_is_imported(tmp_path):
    """LibreOffice's .docx of an RTF file names no default paragraph style, so its
    unstyled paragraphs have none: the plan is still found (it stopped with an internal
    error), with its title from the paragraph styled Title."""
    import re
    import zipfile

    made = tmp_path / "made.docx"
    _generated_docx(made)
    document = docx.Document(str(made))
    document.paragraphs[0].insert_paragraph_before("REPORT TO THE EXECUTIVE")  # unstyled
    document.save(made)
    source = tmp_path / "from rtf.docx"
    with zipfile.ZipFile(made) as package, zipfile.ZipFile(source, "w") as out:
        for item in package.infolist():
            data = package.read(item.filename)
            if item.filename == "word/styles.xml":
                data, count = re.subn(rb'(<w:style w:type="paragraph") w:default="1"', rb"\1",
                                      data)
                assert count == 1
            out.writestr(item, data)
    assert docx.Document(str(source)).paragraphs[0].style is None
    plan = import_plan(source).plan
    assert [a.ref for a in plan.actions] == ["A1", "A2", "B1", "B2", "B3"]
    assert plan.settings.plan_title == "Council Improvement Programme 2026/27"


def _imported_as_given(result) -> tuple:
    plan = result.plan
    return ([(a.ref, a.theme, a.key_action, a.lead_officer, a.target_date, a.status)
             for a in plan.actions], {o.code for o in plan.officers},
            plan.settings.plan_title)


@needs_samples
@pytest.mark.parametrize("sample, form", [
    ("rochford_sip_2010_11.docx", "doc"), ("rochford_sip_2010_11.docx", "rtf"),
    ("rochford_sip_2010_11.docx", "html"), ("rochford_sip_2010_11.xlsx", "xls"),
    ("rochford_sip_2010_11.xlsx", "ods"),
])
def test_last_years_plan_in_an_older_office_format_is_imported_with_convert(tmp_path, sample,
                                                                            form):
    """A plan kept as a Word 97 document, RTF, a web page, an Excel 97 workbook or an
    OpenDocument spreadsheet (LibreOffice's own of the council's plan): refused as it
    is, saying --convert can do it here; with --convert, LibreOffice converts it and the
    plan imported is the one the .docx or .xlsx gives, every finding naming the file."""
    from .conftest import convert_with_libreoffice

    given = convert_with_libreoffice(SAMPLES / sample, form, tmp_path / "kept")
    output = tmp_path / "plan.xlsx"
    refused = run_cli("import", str(given), "-o", str(output))
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    assert "Or import it with --convert" in refused.stderr and not output.exists()

    result = run_cli("import", str(given), "--convert", "-o", str(output))
    assert result.returncode == 0, result.stderr
    assert f"{given.name}: warning: {given.name} is " in result.stdout
    assert "LibreOffice converted it to ." in result.stdout
    assert "[import-converted]" in result.stdout
    assert ".docx:" not in result.stdout.replace(sample, "")  # no converted file named
    assert "Found 13 actions in 4 themes, 10 officers" in result.stdout

    read = import_plan(given, convert=True)
    assert _imported_as_given(read) == _imported_as_given(import_plan(SAMPLES / sample))
    assert all(f.file == str(given) for f in read.findings)
    book = CalamineWorkbook.from_path(str(output))
    rows = book.get_sheet_by_name("Plan").to_python()
    assert [r[0] for r in rows[1:14]] == [a.ref for a in read.plan.actions]


def test_convert_says_why_it_cannot_help(tmp_path, monkeypatch):
    """--convert on a PDF says LibreOffice cannot make one import reads; on a .doc where
    LibreOffice is not installed, that it needs LibreOffice; nothing is written."""
    import cip_xl.office

    (tmp_path / "Appendix 1.pdf").write_bytes(b"%PDF-1.7\n...")
    with pytest.raises(PlanFileError) as refused:
        import_plan(tmp_path / "Appendix 1.pdf", convert=True)
    assert "is a PDF" in refused.value.finding.message
    assert "(--convert cannot help" in refused.value.finding.message
    (tmp_path / "CIP 2009.doc").write_bytes(_compound("WordDocument", "1Table"))
    monkeypatch.setattr(cip_xl.office, "soffice", lambda: None)
    with pytest.raises(PlanFileError) as refused:
        import_plan(tmp_path / "CIP 2009.doc", convert=True)
    message = refused.value.finding.message
    assert "is a Word 97-2003 document" in message
    assert "--convert needs LibreOffice, which is not installed here" in message
    with pytest.raises(PlanFileError) as refused:
        import_plan(tmp_path / "CIP 2009.doc")
    assert "--convert" not in refused.value.finding.message  # not offered where it can't


def test_an_xml_spreadsheet_2003_plan_is_named_and_converted(tmp_path):
    """Excel's "XML Spreadsheet 2003" of a tracker is named for what it is (it was "cip-xl
    imports .docx, .xlsx..."), and --convert imports it through LibreOffice."""
    from .conftest import soffice
    from .test_merge import spreadsheet_2003

    tracker = tmp_path / "tracker.xlsx"
    finance_tracker()[0].save(tracker)
    given = tmp_path / "tracker.xml"
    spreadsheet_2003(openpyxl.load_workbook(tracker), given)
    with pytest.raises(PlanFileError) as refused:
        import_plan(given)
    assert "tracker.xml is an Excel 2003 XML Spreadsheet" in refused.value.finding.message
    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs it")
    read = import_plan(given, convert=True)
    assert _imported_as_given(read) == _imported_as_given(import_plan(tracker))
    assert read.findings[0].code == "import-converted"


def test_a_file_libreoffice_converts_to_no_plan_says_so(tmp_path):
    """A damaged .doc that LibreOffice opens as text: no actions found "as LibreOffice
    converted it", nothing written."""
    from .conftest import soffice

    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs it")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0 damaged " * 40)
    result = run_cli("import", str(tmp_path / "old.doc"), "--convert", "-o",
                     str(tmp_path / "plan.xlsx"))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "No actions were found in old.doc as LibreOffice converted it" in result.stderr
    assert not (tmp_path / "plan.xlsx").exists()


@pytest.mark.parametrize("form", [".dotx", ".docm"])
def test_a_word_plan_saved_as_a_template_or_with_macros_is_imported(tmp_path, form):
    """Last year's plan kept as a Word Template or a macro-enabled document (a council's
    letterhead template): imported as its .docx is (it was "cip-xl imports .docx...")."""
    from .test_report import saved_as_word_form

    source = tmp_path / "programme.docx"
    _generated_docx(source)
    given = saved_as_word_form(source, tmp_path / f"programme{form}", macros=form == ".docm")
    read = import_plan(given)
    assert _imported_as_given(read) == _imported_as_given(import_plan(source))
    assert all(f.file == str(given) for f in read.findings if f.file)


def test_a_tracker_saved_as_an_excel_template_is_imported(tmp_path):
    """A tracker kept as an Excel Template (.xltx) is imported as its .xlsx is (it was
    "cip-xl imports .docx, .xlsx..."), every finding naming it."""
    wb, _ = finance_tracker()
    wb.save(tmp_path / "tracker.xlsx")
    wb.template = True
    wb.save(tmp_path / "tracker.xltx")
    read = import_plan(tmp_path / "tracker.xltx")
    assert _imported_as_given(read) == _imported_as_given(import_plan(tmp_path / "tracker.xlsx"))
    assert len(read.plan.actions) == 3
    assert all(f.file == str(tmp_path / "tracker.xltx") for f in read.findings if f.file)


def _wrapped(document, table, how: str) -> None:
    """Put python-docx's ``table`` where council documents put theirs: in a block
    content control, or in the one cell of a table drawn as a frame around it."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = table._tbl
    if how == "content control":
        sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
        sdt.append(OxmlElement("w:sdtPr"))
        sdt.append(content)
        element.addprevious(sdt)
        content.append(element)
    else:
        frame = document.add_table(rows=1, cols=1)
        element.addprevious(frame._tbl)
        cell = frame.cell(0, 0)._tc
        cell.insert(cell.index(cell.findall(qn("w:p"))[0]), element)


@pytest.mark.parametrize("how", ["content control", "frame"])
def test_a_plan_table_in_a_content_control_or_a_frame_is_found(tmp_path, how):
    """python-docx's document.tables lists only the tables directly in the body: a plan
    table wrapped in a content control, or drawn inside a one-cell frame, was "No
    actions were found". Both are read, with the key typed in a content control."""
    from docx.oxml import OxmlElement

    document = docx.Document()
    document.add_paragraph("Corporate Improvement Plan 2026/27", style="Title")
    heading, key = document.add_paragraph("Key:"), document.add_paragraph("HF\tHead of Finance")
    sdt, content = OxmlElement("w:sdt"), OxmlElement("w:sdtContent")
    heading._p.addprevious(sdt)
    sdt.append(content)
    content.extend([heading._p, key._p])
    table = document.add_table(rows=1, cols=4)
    for cell, text in zip(table.rows[0].cells, ["Ref", "Key action", "Lead officer",
                                                 "Target date"]):
        cell.text = text
    for number in (1, 2, 3):
        for cell, text in zip(table.add_row().cells, [f"1.{number}", f"Close books {number}",
                                                       "HF", "Dec 2026"]):
            cell.text = text
    _wrapped(document, table, how)
    document.add_paragraph("End of appendix")
    path = tmp_path / "plan.docx"
    document.save(path)
    assert all(len(t.rows) == 1 for t in docx.Document(str(path)).tables)  # none seen
    plan = import_plan(path).plan
    assert [a.ref for a in plan.actions] == ["1.1", "1.2", "1.3"]
    assert [(o.code, o.title) for o in plan.officers] == [("HF", "Head of Finance")]
    assert plan.settings.plan_title == "Corporate Improvement Plan 2026/27"


def test_a_tracker_kept_a_sheet_per_theme_gives_each_sheets_actions_its_theme(tmp_path):
    """A council's tracker with a sheet per theme (or directorate) and no theme
    column or headings: every action was under one theme, 'Plan', and the sheets' names
    lost. Each sheet's actions are under a theme named after it, with a note; a tracker
    with one plan sheet (and a cover sheet) is as before."""
    wb = openpyxl.Workbook()
    wb.active.title = "Cover"
    wb.active.append(["Read me: one sheet per priority."])
    for name, prefix in (("Homes", "H"), ("Climate", "C")):
        ws = wb.create_sheet(name)
        ws.append([f"{name}: improvement actions 2026/27"])
        ws.append([])
        ws.append(["Ref", "Key action", "Lead officer", "Target date"])
        for number in (1, 2):
            ws.append([f"{prefix}{number}", f"{name} action {number}", "HF", "Dec 2026"])
    wb.save(tmp_path / "tracker.xlsx")
    result = import_plan(tmp_path / "tracker.xlsx")
    assert [(a.ref, a.theme) for a in result.plan.actions] == [
        ("H1", "Homes"), ("H2", "Homes"), ("C1", "Climate"), ("C2", "Climate")]
    assert [t.name for t in result.plan.themes] == ["Homes", "Climate"]
    note = next(f for f in result.findings if f.code == "import-themes-from-sheets")
    assert "on 2 sheets (Homes, Climate)" in note.message

    del wb["Climate"]
    wb.save(tmp_path / "one.xlsx")
    one = import_plan(tmp_path / "one.xlsx")
    assert {a.theme for a in one.plan.actions} == {"Plan"}
    assert any(f.code == "import-no-themes" for f in one.findings)


def test_a_ref_with_a_space_after_its_letters_keeps_it(tmp_path):
    """Refs such as 'CP 01.01' or 'HOU 3' (a performance system's export, a council's
    own scheme) were imported as 'CP01.01' and 'HOU3', each with a warning that the
    ref was repaired: every space was taken for the damage number formatting does
    ('3.1 0' for 3.10). Only a space between figures is that damage now."""
    rows = [["Ref", "Key action", "Lead officer", "Target date"],
            ["CP 01.01", "Deliver the housing strategy", "HH", "31/03/2027"],
            ["HOU\n3", "Review allocations", "HH", "Q2 2026/27"],
            ["3.1 0", "Weekly food waste", "HES", "Mar 2027"]]
    source = tmp_path / "actions.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    result = import_plan(source)
    assert [a.ref for a in result.plan.actions] == ["CP 01.01", "HOU 3", "3.10"]
    repaired = [f for f in result.findings if f.code == "import-ref-mangled"]
    assert [f.message for f in repaired] == ["Ref '3.1 0' read as '3.10'."], repaired
    out = tmp_path / "plan.xlsx"
    cip_xl.save_plan(result.plan, out)
    assert [a.ref for a in cip_xl.load_plan(out).actions] == ["CP 01.01", "HOU 3", "3.10"]


def planner_export(path):
    """Microsoft Planner's "Export plan to Excel": the plan's name, ID and the date of
    export above a table of tasks; no Ref, buckets for themes, Progress in words."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tasks"
    ws.append(["Plan name", "Corporate Improvement Plan 2026-27"])
    ws.append(["Plan ID", "x7Tg2kP0aEe1bC4d"])
    ws.append(["Date of export", "04/12/2026"])
    ws.append([])
    ws.append(["Task ID", "Task Name", "Bucket Name", "Progress", "Priority", "Assigned To",
               "Created By", "Created Date", "Start date", "Due date", "Is Recurring",
               "Late", "Completed Date", "Completed By", "Labels", "Description"])
    ws.append(["id0Ab", "Refresh the medium term financial strategy", "Managing our finances",
               "In progress", "Important", "Helen Forde", "Sam Price", "01/04/2026",
               "01/04/2026", "31/03/2027", "false", "false", "", "", "Finance",
               "Draft at CMT in October."])
    ws.append(["id1Cd", "Deliver the savings programme", "Managing our finances",
               "Not started", "Urgent", "Helen Forde;Ravi Patel", "Sam Price", "01/04/2026",
               "", "30/09/2026", "false", "true", "", "", "Finance", ""])
    ws.append(["id2Ef", "Publish the workforce strategy", "Our people", "Completed",
               "Medium", "Jo Kerr", "Sam Price", "01/04/2026", "01/05/2026", "30/06/2026",
               "false", "false", "28/06/2026", "Jo Kerr", "HR", "Adopted in June."])
    wb.save(path)


def test_a_planner_export_is_imported(tmp_path):
    """A plan kept in Microsoft Planner, exported to Excel: it was 'no plan headers'.
    Task Name is the key action, the bucket the theme, Assigned To the lead officers;
    Progress ("In progress", "Completed") is read as the Status since that is what it
    holds; the actions, with no Ref, are numbered by theme; every other column is kept
    as a column of its own — not glued into each action's progress update — and
    "Priority", which a plan reads as the Theme, under another name."""
    planner_export(tmp_path / "planner.xlsx")
    out = tmp_path / "plan.xlsx"
    made = run_cli("import", str(tmp_path / "planner.xlsx"), "-o", str(out))
    assert made.returncode == 0, made.stderr
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Plan").to_python()
    head = rows[0]
    got = [{h: row[head.index(h)] for h in ("Ref", "Theme", "Key action", "Lead officer",
                                             "Target date", "Status", "Progress update")}
           for row in rows[1:4]]
    assert got == [
        {"Ref": "1.1", "Theme": "Managing our finances", "Status": "On track",
         "Key action": "Refresh the medium term financial strategy",
         "Lead officer": "Helen Forde", "Target date": date(2027, 3, 31),
         "Progress update": ""},
        {"Ref": "1.2", "Theme": "Managing our finances", "Status": "Not started",
         "Key action": "Deliver the savings programme",
         "Lead officer": "Helen Forde/Ravi Patel", "Target date": date(2026, 9, 30),
         "Progress update": ""},
        {"Ref": "2.1", "Theme": "Our people", "Status": "Complete",
         "Key action": "Publish the workforce strategy", "Lead officer": "Jo Kerr",
         "Target date": date(2026, 6, 30), "Progress update": ""}]
    kept = head[head.index("RAG") + 1:]
    assert kept == ["Task ID", "Priority (Tasks)", "Created By", "Created Date",
                    "Start date", "Is Recurring", "Late", "Completed Date", "Completed By",
                    "Labels", "Description", "Status (as written)", "Action ID"]
    third = rows[3]
    assert third[head.index("Description")] == "Adopted in June."
    assert third[head.index("Priority (Tasks)")] == "Medium"
    assert third[head.index("Status (as written)")] == "Completed"
    settings = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Settings").to_python()
    assert next(r[1] for r in settings if r[0] == "Plan title") == \
        "Corporate Improvement Plan 2026-27"
    report = cip_xl.validate(out)
    assert not report.errors, report.errors
    result = import_plan(tmp_path / "planner.xlsx")
    codes = [f.code for f in result.findings]
    assert codes.count("import-column-kept") == 1 and "import-extra-cells" not in codes
    assert codes.count("import-refs-numbered") == 1 and "import-ref-missing" not in codes


def imported_sheet(source, sheet: str):
    """Import ``source`` with the command line into plan.xlsx beside it; that plan and
    the rows of its ``sheet`` as calamine reads them."""
    out = source.with_name("plan.xlsx")
    made = run_cli("import", str(source), "-o", str(out))
    assert made.returncode == 0, made.stderr
    return out, CalamineWorkbook.from_path(str(out)).get_sheet_by_name(sheet).to_python()


def test_a_completed_task_is_last_updated_when_it_was_completed(tmp_path):
    """A Planner task closed without a note has no Last updated date: validate warned
    "marked Complete but has no Last updated date" of every one. The day it was
    completed is its last update (kept in its Completed Date column too), unless a
    later one is given; an action not complete, or a completed date that is not a
    day, leaves it as it was."""
    planner_export(tmp_path / "planner.xlsx")
    wb = openpyxl.load_workbook(tmp_path / "planner.xlsx")
    ws = wb.active
    ws.append(["id3Gh", "Review the constitution", "Our people", "Completed", "Medium",
               "Jo Kerr", "Sam Price", "01/04/2026", "", "30/09/2026", "false", "false",
               "TBC", "", "", ""])
    wb.save(tmp_path / "planner.xlsx")
    out, rows = imported_sheet(tmp_path / "planner.xlsx", "Plan")
    head = rows[0]
    updated = {row[head.index("Key action")]: row[head.index("Last updated")]
               for row in rows[1:5]}
    assert updated == {"Refresh the medium term financial strategy": "",
                       "Deliver the savings programme": "",
                       "Publish the workforce strategy": date(2026, 6, 28),
                       "Review the constitution": ""}
    assert rows[3][head.index("Completed Date")] == "28/06/2026"
    report = cip_xl.validate(out)
    undated = [f.cell for f in report.findings if f.code == "complete-without-date"]
    assert len(undated) == 1  # the constitution's "TBC" only
    result = import_plan(tmp_path / "planner.xlsx")
    said = [f for f in result.findings if f.code == "import-updated-when-completed"]
    assert len(said) == 1 and said[0].cell == "M8" and "1 completed action" in \
        said[0].message


def test_a_later_update_of_a_completed_task_is_kept(tmp_path):
    """Pentana's Latest Note Date after its Completion Date is the last update; one
    before it gives way to the day the action was completed."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Code", "Title", "Status", "Due Date", "Latest Note", "Latest Note Date",
               "Completion Date", "Assigned To"])
    ws.append(["CP 02.01", "Open the hub", "Completed", datetime(2026, 9, 30),
               "Opened; evaluation to follow.", datetime(2026, 11, 2),
               datetime(2026, 9, 12), "Jane Ellis"])
    ws.append(["CP 02.02", "Close the depot", "Completed", datetime(2026, 9, 30),
               "Closing.", datetime(2026, 8, 2), datetime(2026, 9, 12), "Jane Ellis"])
    wb.save(tmp_path / "pentana.xlsx")
    plan = import_plan(tmp_path / "pentana.xlsx").plan
    assert [a.last_updated for a in plan.actions] == [date(2026, 11, 2), date(2026, 9, 12)]


def test_a_pentana_export_is_imported(tmp_path):
    """Pentana (Covalent) exports an action's Original Due Date and its Due Date: the
    second, where it differs, is the revised date. Its Progress is a percentage (a
    progress bar, 0.6 formatted 60%): read as % complete 60, not 0.6 — which a
    tracker's own "% complete" formatted as a percentage was too. Latest Note is the
    progress update, its date the last update; "Check Progress" is at risk."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Actions"
    ws.append(["Corporate Plan Actions - Quarter 2 2026/27"])
    ws.append([])
    ws.append(["Code", "Title", "Status", "Progress", "Original Due Date", "Due Date",
               "Latest Note", "Latest Note Date", "Assigned To", "Managed By"])
    ws.append(["CP 01.01", "Adopt the Local Plan", "In Progress", 0.6,
               datetime(2026, 12, 31), datetime(2027, 3, 31), "Hearings concluded.",
               datetime(2026, 11, 20), "Jane Ellis", "Mark Dunn"])
    ws.append(["CP 01.02", "Deliver 300 affordable homes", "Check Progress", 0.35,
               datetime(2027, 3, 31), datetime(2027, 3, 31), "Two schemes delayed.",
               datetime(2026, 10, 2), "Jane Ellis", "Mark Dunn"])
    for row in ws.iter_rows(min_row=4, min_col=4, max_col=4):
        row[0].number_format = "0%"
    wb.save(tmp_path / "pentana.xlsx")
    out = tmp_path / "plan.xlsx"
    made = run_cli("import", str(tmp_path / "pentana.xlsx"), "-o", str(out))
    assert made.returncode == 0, made.stderr
    plan = cip_xl.load_plan(out)
    first, second = plan.actions
    assert (first.ref, first.key_action, first.lead_officer) == \
        ("CP 01.01", "Adopt the Local Plan", "Jane Ellis")
    # days, as dates (as text, "01/04/2027" would sort before "31/12/2026" in Excel)
    assert (first.target_date, first.revised_date) == \
        (date(2026, 12, 31), date(2027, 3, 31))
    assert second.revised_date in (None, "")  # the same date twice: no revision
    assert (first.percent_complete, second.percent_complete) == (60, 35)
    assert (first.progress_update, first.last_updated) == \
        ("Hearings concluded.", date(2026, 11, 20))
    assert (first.status, second.status) == ("On track", "At risk")
    assert first.extra["Managed By"] == "Mark Dunn"


def _tracker_imported(tmp_path, rows: list[list[str]]):
    """``rows`` saved as a tracker's CSV and imported (-v): the plan written and what
    the import said, once it is known that no column was set aside."""
    source = tmp_path / "tracker.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    out = tmp_path / "plan.xlsx"
    result = run_cli("import", str(source), "-o", str(out), "-v")
    assert result.returncode == 0, result.stderr
    said = result.stderr + result.stdout
    assert "import-column-kept" not in said
    return out, said


def test_headers_councils_give_their_plans_columns_are_read(tmp_path):
    """A council's tracker headed "Action No.", "Strategic priority", "Planned action",
    "Officer responsible", "Timeframe", "Current position" ...: each is the plan column
    it means — no Ref numbered afresh, no column set aside as none of the plan's."""
    rows = [["Action No.", "Strategic priority", "Strategic objective", "Planned action",
             "Officer responsible", "Timeframe", "Revised deadline", "Current position",
             "% completed"],
            ["7.3", "Thriving economy", "More jobs", "Adopt the Economic Strategy",
             "Head of Regeneration", "Mar 2027", "Jun 2027", "Out to consultation", "40"]]
    out, said = _tracker_imported(tmp_path, rows)
    assert "import-refs-numbered" not in said
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Plan").to_python()
    action = dict(zip(sheet[0], sheet[1]))
    assert (action["Ref"], action["Theme"], action["Objective"], action["Key action"],
            action["Target date"], action["Revised date"], action["Progress update"],
            action["% complete"]) == ("7.3", "Thriving economy", "More jobs",
                                      "Adopt the Economic Strategy", "Mar 2027", "Jun 2027",
                                      "Out to consultation", 40)
    assert cip_xl.load_plan(out).actions[0].lead_officer  # (a code for the title given)


def test_more_headers_of_councils_trackers_are_read(tmp_path):
    """"Key milestones", "Lead department", "Date for completion", "Revised completion",
    "Success measures", "Resources required", "Current status", "Status update",
    "Date last updated": each the plan column it means, none set aside."""
    rows = [["Ref", "Priority", "Key milestones", "Responsible officer", "Lead department",
             "Date for completion", "Revised completion", "Success measures",
             "Resources required", "Current status", "Status update", "Date last updated"],
            ["4.2", "Healthy lives", "Open the leisure centre", "Head of Leisure", "People",
             "Sep 2027", "Dec 2027", "Centre open", "£2m capital", "Slipped",
             "Contractor delayed", "30/09/2026"]]
    out, _ = _tracker_imported(tmp_path, rows)
    book = CalamineWorkbook.from_path(str(out))
    sheet = book.get_sheet_by_name("Plan").to_python()
    action = dict(zip(sheet[0], sheet[1]))
    assert (action["Key action"], action["Target date"], action["Revised date"],
            action["Target / outcomes"], action["Resource implications"], action["Status"],
            action["Progress update"], action["Last updated"]) == (
        "Open the leisure centre", "Sep 2027", "Dec 2027", "Centre open", "£2m capital",
        "Slipped", "Contractor delayed", date(2026, 9, 30))
    officers = book.get_sheet_by_name("Officers").to_python()
    assert [(row[1], row[4]) for row in officers[1:]] == [("Head of Leisure", "People")]


def test_an_outcome_left_of_the_actions_and_headers_in_plain_words(tmp_path):
    """"Outcome | What we will do | How we will know we've succeeded | Who is responsible
    | By when | RAG", no Refs: the outcome the actions serve was taken for each action's
    target and "How we will know" set aside; "Who is responsible" was no lead officer,
    so the actions had none; the Refs given were '0a', '0aa' beside a sheet numbered
    M1; a "BRAG" column was set aside, not the status."""
    rows = [["Outcome", "What we will do", "How we will know we've succeeded",
             "Who is responsible", "By when", "RAG"],
            ["A place to live", "Deliver 120 affordable homes", "120 homes completed",
             "Head of Housing", "March 2027", "G"],
            ["A place to live", "Adopt the Local Plan", "Plan adopted",
             "Planning Policy Manager", "Dec 2026", "A"]]
    out, said = _tracker_imported(tmp_path, rows)
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Plan").to_python()
    actions = [dict(zip(sheet[0], row)) for row in sheet[1:]]
    assert [(a["Ref"], a["Objective"], a["Key action"], a["Target / outcomes"],
             a["Lead officer"], a["Status"]) for a in actions] == [
        ("1.1", "A place to live", "Deliver 120 affordable homes", "120 homes completed",
         "Head of Housing", "On track"),
        ("1.2", "A place to live", "Adopt the Local Plan", "Plan adopted",
         "Planning Policy Manager", "At risk")]
    # an outcome right of the action is that action's own
    (tmp_path / "right").mkdir()
    out, _ = _tracker_imported(tmp_path / "right", [["Ref", "Action", "Outcome", "Lead", "Due"],
                                                   ["1", "Adopt the plan", "Plan adopted",
                                                    "HF", "Mar 2027"]])
    sheet = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Plan").to_python()
    action = dict(zip(sheet[0], sheet[1]))
    assert (action["Objective"], action["Target / outcomes"]) == ("", "Plan adopted")

    # a sheet never numbered, beside one numbered M1, M2; a BRAG column
    wb = openpyxl.Workbook()
    wb.active.title = "Action plan"
    for row in rows:
        wb.active.append(row)
    milestones = wb.create_sheet("Milestones")
    milestones.append(["Ref", "Milestone", "Responsible officer", "Completion date", "BRAG"])
    milestones.append(["M1", "Procure the waste contract", "Head of Environment",
                       "31/03/2027", "B"])
    source = tmp_path / "two sheets.xlsx"
    wb.save(source)
    result = import_plan(source)
    assert [(a.ref, a.status) for a in result.plan.actions] == [
        ("1.1", "On track"), ("1.2", "At risk"), ("M1", "Complete")]
    numbered = next(f for f in result.findings if f.code == "import-refs-numbered")
    assert (numbered.sheet, numbered.cell) == ("Action plan", "A2")
    assert "No action on 'Action plan' had a Ref; the 2 actions are numbered" in \
        numbered.message
    assert not any(f.code in ("import-ref-missing", "import-column-kept")
                   for f in result.findings)


@pytest.mark.parametrize("header", ["Department", "Service area", "Dept."])
def test_a_trackers_department_column_gives_the_officers_directorates(tmp_path, header):
    """A tracker's "Department" column says which part of the council each lead works
    in, as a Directorate column does: the officers get it, and the returns split by it,
    instead of one return per officer and a column set aside."""
    rows = [["Ref", "Theme", "Key action", "Lead officer", header, "Target date"],
            ["1.1", "Economy", "Adopt the Economic Strategy", "Head of Regeneration",
             "Place", "Mar 2027"],
            ["2.1", "Health", "Open the leisure centre", "Director of Communities",
             "People", "Q4 2026/27"]]
    out, _ = _tracker_imported(tmp_path, rows)
    officers = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Officers").to_python()
    assert {(row[1], row[4]) for row in officers[1:]} == {
        ("Head of Regeneration", "Place"), ("Director of Communities", "People")}
    issued = run_cli("returns", str(out), "-o", str(tmp_path / "returns"))
    assert issued.returncode == 0, issued.stderr
    assert sorted(p.name.split("_")[1] for p in (tmp_path / "returns").glob("*.xlsx")) == [
        "People", "Place"]


def test_export_headers_are_not_read_as_plan_columns_in_a_plan(tmp_path):
    """"Notes", "Title" and "Code" are Planner's and Pentana's names for plan columns on
    import only: a council's plan with a Notes column of its own is not told it has two
    Progress updates."""
    out = tmp_path / "plan.xlsx"
    assert run_cli("demo", "-o", str(tmp_path / "demo")).returncode == 0
    wb = openpyxl.load_workbook(tmp_path / "demo" / "example-plan.xlsx")
    ws = wb["Plan"]
    for header in ("Notes", "Title", "Code"):
        ws.cell(1, ws.max_column + 1, header)
    ws.cell(2, ws.max_column, "kept")
    wb.save(out)
    report = cip_xl.validate(out)
    assert not [f for f in report.findings if f.code == "column-duplicate"]
    assert cip_xl.load_plan(out).actions[0].extra["Code"] == "kept"


@pytest.mark.parametrize("headers", [
    ["Code", "Title", "Original Due Date", "Due Date", "Assigned To"],
    ["Code", "Title", "Due Date", "Original Due Date", "Assigned To"],
])
def test_an_original_due_date_is_the_target_in_either_order(headers):
    from cip_xl.importers.tables import header_map
    from cip_xl.schema import DEFAULT_CONTRACT

    found = header_map(headers, DEFAULT_CONTRACT)
    assert found[headers.index("Original Due Date")] == "target_date"
    assert found[headers.index("Due Date")] == "revised_date"
    assert found[headers.index("Title")] == "key_action"


def test_a_sheet_of_officers_beside_the_tracker_gives_the_officers(tmp_path):
    """A tracker's Officers sheet headed Code, Title, Name, Email, Directorate: not a
    table of actions (export headers such as "Title" without a lead officer or date do
    not make one: it gave two actions called "Head of Finance" and "Head of Planning"),
    but the officers, with their titles, names, emails and directorates — which the
    returns go by — where the lead officers were left with a code alone and a warning.
    A lead given by name is that officer, not a new one."""
    wb, ws = finance_tracker()
    ws["D3"] = "Helen Forde"
    officers = wb.create_sheet("Contacts")
    officers.append(["Officer code", "Job title", "Name", "E-mail", "Department"])
    officers.append(["HF", "Head of Finance", "Helen Forde", "hf@x.gov.uk", "Resources"])
    officers.append(["HP", "Head of Planning", "Harry Pike", "hp@x.gov.uk", "Place"])
    wb.save(tmp_path / "tracker.xlsx")
    result = import_plan(tmp_path / "tracker.xlsx")
    plan = result.plan
    assert [a.key_action for a in plan.actions] == [
        "Close the books 1", "Close the books 2", "Close the books 3"]
    assert [(o.code, o.title, o.name, o.email, o.directorate) for o in plan.officers] == [
        ("HF", "Head of Finance", "Helen Forde", "hf@x.gov.uk", "Resources"),
        ("HP", "Head of Planning", "Harry Pike", "hp@x.gov.uk", "Place")]
    codes = [f.code for f in result.findings]
    assert "import-officers-listed" in codes and "import-officer-unlisted" not in codes
    assert "import-officer-named" not in codes


def test_a_list_of_officers_without_codes_fills_in_the_leads_it_names(tmp_path):
    """A Contacts sheet of names, job titles, emails and directorates — no codes — was
    passed over: the leads named in the tracker came in with no email (so no return
    could be addressed) and no directorate. Each lead is matched by name, or by job
    title, and filled in from it; staff the plan has no action for are not added."""
    wb, ws = finance_tracker()
    ws["D2"], ws["D3"], ws["D4"] = "Helen Forde", "helen  forde", "Head of Planning"
    officers = wb.create_sheet("Contacts")
    officers.append(["Name", "Job title", "Email", "Directorate"])
    officers.append(["Helen Forde", "Head of Finance", "hf@x.gov.uk", "Resources"])
    officers.append(["Harry Pike", "Head of Planning", "hp@x.gov.uk", "Place"])
    officers.append(["Ann Other", "Receptionist", "ao@x.gov.uk", "Resources"])
    wb.save(tmp_path / "tracker.xlsx")
    _, rows = imported_sheet(tmp_path / "tracker.xlsx", "Officers")
    head = rows[0]
    got = sorted(tuple(row[head.index(h)] for h in ("Title", "Name", "Email",
                                                    "Directorate")) for row in rows[1:]
                 if any(row))
    assert got == [("Head of Finance", "Helen Forde", "hf@x.gov.uk", "Resources"),
                   ("Head of Planning", "Harry Pike", "hp@x.gov.uk", "Place")]
    result = import_plan(tmp_path / "tracker.xlsx")
    said = [f for f in result.findings if f.code == "import-officers-listed"]
    assert len(said) == 1 and said[0].sheet == "Contacts" and said[0].cell == "A2"
    assert "2 of its 3 officers" in said[0].message and "the 1 other is not added" in \
        said[0].message


def test_a_list_without_codes_matching_no_lead_says_so(tmp_path):
    """Leads given as codes cannot be matched to a list of names: nothing is added, and
    the warning says to give the list its codes."""
    wb, _ = finance_tracker()
    officers = wb.create_sheet("Contacts")
    officers.append(["Name", "Email"])
    officers.append(["Helen Forde", "hf@x.gov.uk"])
    wb.save(tmp_path / "tracker.xlsx")
    result = import_plan(tmp_path / "tracker.xlsx")
    assert [(o.code, o.email) for o in result.plan.officers] == [("HF", "")]
    said = [f for f in result.findings if f.code == "import-officers-listed"]
    assert len(said) == 1 and said[0].severity == "warning"
    assert "add a Code column" in said[0].message


def _monitoring_tracker(path, lead_cells: list[str]):
    """A council's quarterly tracker as a manager keeps it: the council's name over the
    plan's title, priorities as rows across the table, a lead officer each from
    ``lead_cells`` and a key to the colours under it."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "CIP 2026-27"
    ws["A1"] = "Marshfield Borough Council"
    ws["A2"] = "Corporate Improvement Plan 2026/27 - Q2 monitoring"
    ws.append([])
    ws.append(["Ref", "What we will do", "Lead", "By when", "RAG", "Progress update"])
    ws.append(["Priority 1: Homes for local people"])
    ws.merge_cells("A5:F5")
    for number, lead in enumerate(lead_cells, start=1):
        ws.append([f"1.{number}", f"Action {number}", lead, "Mar 2027", "Green",
                   f"Update {number}"])
    ws.append([])
    ws.append(["Key: Green = on track; Amber = some slippage; Red = significant slippage"])
    wb.save(path)
    return path


def test_a_trackers_title_key_and_named_leads_are_read_as_meant(tmp_path):
    """The title is the row naming the plan, not the council's name above it; the key
    under the table is no theme; "Jane Smith, Head of Planning" (or "Head of Housing -
    Amir Khan", "Sam Patel (Economic Development Manager)") is one officer with a name
    and a title, and validation reads the cell as written as that officer; two names
    are two officers, "Jane Smith" among them the Head of Planning named before."""
    source = _monitoring_tracker(tmp_path / "tracker.xlsx", [
        "Jane Smith, Head of Planning", "Head of Housing - Amir Khan",
        "Sam Patel (Economic Development Manager)", "Jane Smith, John Brown"])
    out = tmp_path / "plan.xlsx"
    result = run_cli("import", str(source), "-o", str(out), "-v")
    assert result.returncode == 0, result.stderr
    assert "'Key: Green = on track; Amber = some slippage; Red = significant slippage' " \
        "reads as a note to the table" in result.stdout + result.stderr
    book = CalamineWorkbook.from_path(str(out))
    settings = dict((row[0], row[1]) for row in
                    book.get_sheet_by_name("Settings").to_python()[1:])
    assert settings["Plan title"] == "Corporate Improvement Plan 2026/27"
    assert settings["Council"] == "Marshfield Borough Council"
    themes = [row[1] for row in book.get_sheet_by_name("Themes").to_python()[1:]]
    assert themes == ["Priority 1: Homes for local people"]
    officers = {tuple(row[1:3]): row[0] for row in
                book.get_sheet_by_name("Officers").to_python()[1:]}
    assert officers[("Head of Planning", "Jane Smith")] == "HP"
    assert officers[("Head of Housing", "Amir Khan")] == "HH"
    assert officers[("Economic Development Manager", "Sam Patel")] == "EDM"
    assert ("", "John Brown") in officers and ("", "Jane Smith") not in officers  # HP
    leads = [row[4] for row in book.get_sheet_by_name("Plan").to_python()[1:]]
    assert leads[:3] == ["Jane Smith, Head of Planning", "Head of Housing - Amir Khan",
                         "Sam Patel (Economic Development Manager)"]  # as written
    checked = run_cli("validate", str(out))
    assert "officer-unknown" not in checked.stdout + checked.stderr, checked.stdout
    plan = cip_xl.load_plan(out)
    reader = plan.lead_officer_reader()
    assert [reader(action) for action in plan.actions[:3]] == [["HP"], ["HH"], ["EDM"]]
    assert reader(plan.actions[3]) == ["HP", officers[("", "John Brown")]]


def test_a_trackers_columns_by_quarter_give_the_latest_with_entries(tmp_path):
    """"Q1 update", "Q2 update", "Q3 update" (not yet filled): the Progress update is
    Q2's, and the Status Q2's RAG; Q1's are kept as columns of their own, and a header
    with the year in it ("Key actions 2026/27") is the column it names."""
    source = tmp_path / "quarters.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["Ref", "Key actions 2026/27", "Lead officer", "Target date",
                      "Q1 RAG", "Q1 update", "Q2 RAG", "Q2 update", "Q3 RAG", "Q3 update"])
    wb.active.append(["1.1", "Adopt the Local Plan", "HP", "Mar 2027", "Green",
                      "Consultation done", "Amber", "Examination delayed", None, None])
    wb.save(source)
    out = tmp_path / "plan.xlsx"
    result = run_cli("import", str(source), "-o", str(out), "-v")
    assert result.returncode == 0, result.stderr
    said = result.stdout + result.stderr
    assert "The column 'Q2 update' is read as Progress update, the last of 'Q1 update', " \
        "'Q2 update' and 'Q3 update' with entries" in said
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Plan").to_python()
    action = dict(zip(rows[0], rows[1]))
    assert action["Key action"] == "Adopt the Local Plan"
    assert action["Progress update"] == "Examination delayed"
    assert action["Status"] == "At risk"  # Amber, as written beside it
    assert (action["Q1 RAG"], action["Q1 update"]) == ("Green", "Consultation done")
    assert not any(header.startswith("Q3") for header in rows[0])  # nothing in them


def test_leads_named_by_address_or_surname_first_and_a_total_row(tmp_path):
    """A tracker's Owner column as Outlook fills it: "jane.smith@marshfield.gov.uk" is
    an officer Jane Smith with that address, "Smith, Jane" (Outlook's order) the same
    officer, not the officers SMITH and JANE — and the cells keep what they said; two
    services ("Finance, Planning") stay two; the Total row under the table is no theme."""
    source = tmp_path / "tracker.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["No.", "Theme", "Action", "Owner", "End date", "Comments"])
    ws.append([1, "Place", "Refresh the parking strategy", "jane.smith@marshfield.gov.uk",
               datetime(2027, 3, 31), "Draft out for consultation"])
    ws.append([2, "Place", "LED street lights", "Smith, Jane", datetime(2026, 12, 31), ""])
    ws.append([3, "People", "Budget consultation", "Finance, Planning",
               datetime(2027, 1, 31), ""])
    ws.append(["Total", None, None, None, None, None])
    wb.save(source)
    out = tmp_path / "plan.xlsx"
    result = run_cli("import", str(source), "-o", str(out), "-v")
    assert result.returncode == 0, result.stderr
    said = result.stdout + result.stderr
    assert "'Total' reads as a note to the table" in said
    assert "read as one of them: 'Smith, Jane' (JS)" in said
    book = CalamineWorkbook.from_path(str(out))
    officers = {row[0]: row[1:4] for row in book.get_sheet_by_name("Officers").to_python()[1:]}
    assert officers["JS"] == ["", "Jane Smith", "jane.smith@marshfield.gov.uk"]
    assert "SMITH" not in officers and "JANE" not in officers
    assert {"FINANCE", "PLANNING"} <= set(officers)  # two services, as before
    themes = [row[1] for row in book.get_sheet_by_name("Themes").to_python()[1:]]
    assert themes == ["Place", "People"]
    leads = [row[4] for row in book.get_sheet_by_name("Plan").to_python()[1:]]
    assert leads == ["jane.smith@marshfield.gov.uk", "Smith, Jane", "FINANCE/PLANNING"]
    plan = cip_xl.load_plan(out)
    reader = plan.lead_officer_reader()
    assert [reader(action) for action in plan.actions] == [["JS"], ["JS"],
                                                          ["FINANCE", "PLANNING"]]


def test_an_officer_by_title_alone_or_by_initial_is_the_one_named_in_full(tmp_path):
    """"Jane Smith (Head of Finance)" in one row, "Head of Finance", "J. Smith" and "J
    Smith" in others: three more officers were made (HF2, JS, JS2) for one person, so
    returns and reminders split her actions. Her title alone is her, and so is an
    initial with her surname where no other officer has them — with a warning naming
    it; Jane and John Smith leave "J. Smith" to be someone else."""
    source = tmp_path / "tracker.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref", "Action", "Lead officer", "Due"])
    for ref, lead in enumerate(["Jane Smith (Head of Finance)", "Head of Finance",
                                "J. Smith", "J Smith", "Smith, Jane"], start=1):
        ws.append([str(ref), f"Action {ref}", lead, "Mar 2027"])
    wb.save(source)
    out = tmp_path / "plan.xlsx"
    result = run_cli("import", str(source), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "'J. Smith' as Jane Smith (HF)" in result.stdout + result.stderr
    officers = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Officers").to_python()
    assert [row[:3] for row in officers[1:]] == [["HF", "Head of Finance", "Jane Smith"]]
    plan = cip_xl.load_plan(out)
    reader = plan.lead_officer_reader()
    assert [reader(action) for action in plan.actions] == [["HF"]] * 5
    assert [a.lead_officer for a in plan.actions][1:4] == ["Head of Finance", "J. Smith",
                                                           "J Smith"]  # kept as written
    validated = run_cli("validate", str(out))
    assert validated.returncode == 0 and "lead" not in validated.stdout.lower()

    # two officers of that initial and surname: "J. Smith" is neither
    ws.append(["6", "Action 6", "John Smith (Head of Planning)", "Mar 2027"])
    wb.save(source)
    result = import_plan(source)
    assert [(o.code, o.title, o.name) for o in result.plan.officers] == [
        ("HF", "Head of Finance", "Jane Smith"), ("HP", "Head of Planning", "John Smith"),
        ("JS", "", "J. Smith")]
    assert not any(f.code == "import-officer-initial" for f in result.findings)


def test_a_word_plan_merged_down_with_its_status_in_the_progress_column(tmp_path):
    """A Word plan of no Status column, the progress text saying it ("Complete", "Not
    started", "On track – 40 built"), its Priority and Lead cells merged down over
    each priority's actions: every action has its priority and lead, and a progress
    text that is a status whole is that status — "Not started" was left blank — where
    one that merely opens with its words ("Not due to start until April") is none."""
    document = docx.Document()
    document.add_heading("Corporate Improvement Plan 2026/27", 0)
    table = document.add_table(rows=6, cols=6)
    rows = [["Priority", "Ref", "Action", "Lead", "Due", "Progress"],
            ["Housing", "1.1", "Build homes", "Head of Housing", "Mar 2027",
             "On track – 40 built"],
            ["", "1.2", "Adopt the strategy", "", "Dec 2026", "Complete"],
            ["Economy", "2.1", "Open the hub", "Head of Regeneration", "Mar 2027",
             "Not started"],
            ["", "2.2", "Grants scheme", "", "Jun 2027", "Not due to start until April"],
            ["", "2.3", "Market review", "", "Jun 2027", "Delayed: supplier"]]
    for r, values in enumerate(rows):
        for c, text in enumerate(values):
            if text:
                table.cell(r, c).text = text
    for column in (0, 3):
        table.cell(1, column).merge(table.cell(2, column))
        table.cell(3, column).merge(table.cell(5, column))
    source = tmp_path / "plan.docx"
    document.save(source)
    plan = import_plan(source).plan
    assert [(a.ref, a.theme, a.lead_officer, a.status) for a in plan.actions] == [
        ("1.1", "Housing", "Head of Housing", "On track"),
        ("1.2", "Housing", "Head of Housing", "Complete"),
        ("2.1", "Economy", "Head of Regeneration", "Not started"),
        ("2.2", "Economy", "Head of Regeneration", ""),
        ("2.3", "Economy", "Head of Regeneration", "Slipped")]


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


def _in_cell(cell, inner: str, keep: bool = False) -> None:
    """Replace the runs of ``cell``'s first paragraph (``keep``: add after them) with
    the WordprocessingML ``inner``, written as the body of a paragraph."""
    from docx.oxml import parse_xml

    paragraph = cell.paragraphs[0]._p
    if not keep:
        for run in paragraph.findall(docx.oxml.ns.qn("w:r")):
            paragraph.remove(run)
    for element in parse_xml(f"<w:p {_W}>{inner}</w:p>"):
        paragraph.append(element)


def test_a_word_plan_with_changes_tracked_and_content_controls(tmp_path):
    """A Word plan circulated with its changes tracked, its cells partly content
    controls, a date Word 2003 tagged: python-docx reads a paragraph's runs and a
    table's rows only where they are its children, so the text inserted ("A further 20
    are on site"), a revised date typed with changes tracked, a content control's value
    and a date in a smart tag were imported blank, and a row in a repeating section
    was left out. The plan is read as the document shows with its changes accepted
    (deleted text and a deleted row left out, a control's placeholder blank), with a
    warning that says so; the plan made says it, read by another reader."""
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_heading("Corporate Improvement Plan 2026/27", 0)
    rows = [["Ref", "Action", "Lead", "Due", "Progress"],
            ["1.1", "Build 100 homes", "Head of Housing", "Mar 2027", "40 built."],
            ["1.2", "Adopt the strategy", "Head of Housing", "", "Adopted."],
            ["1.3", "Close the depot", "Head of Housing", "Jun 2026", ""],
            ["1.4", "Open the hub", "Head of Housing", "", ""],
            ["1.5", "Review fees", "Head of Housing", "Sep 2026", "Reviewed."]]
    table = document.add_table(rows=len(rows), cols=5)
    for r, values in enumerate(rows):
        for c, text in enumerate(values):
            if text:
                table.cell(r, c).text = text
    change = 'w:author="Jo Bloggs" w:date="2026-11-01T00:00:00Z"'
    _in_cell(table.cell(1, 4), f'<w:ins w:id="1" {change}><w:r><w:t xml:space="preserve"> '
             'A further 20 are on site.</w:t></w:r></w:ins>', keep=True)
    _in_cell(table.cell(2, 3), f'<w:del w:id="2" {change}><w:r><w:delText>Dec 2026'
             f'</w:delText></w:r></w:del><w:ins w:id="3" {change}><w:r><w:t>Mar 2027</w:t>'
             '</w:r></w:ins>')
    _in_cell(table.cell(3, 4), '<w:sdt><w:sdtPr><w:showingPlcHdr/></w:sdtPr><w:sdtContent>'
             '<w:r><w:t>Click or tap here to enter text.</w:t></w:r></w:sdtContent></w:sdt>')
    _in_cell(table.cell(4, 3), '<w:smartTag w:uri="urn:schemas-microsoft-com:office:'
             'smarttags" w:element="date"><w:r><w:t>Dec 2026</w:t></w:r></w:smartTag>')
    _in_cell(table.cell(4, 4), '<w:sdt><w:sdtPr/><w:sdtContent><w:r><w:t>Fitted out.</w:t>'
             '</w:r></w:sdtContent></w:sdt>')
    # 1.5 deleted, changes tracked: its row marked so, its text deleted
    gone = table.rows[5]._tr
    gone.get_or_add_trPr().append(parse_xml(f'<w:del {_W} w:id="4" {change}/>'))
    for cell in table.rows[5].cells:
        _in_cell(cell, f'<w:del w:id="5" {change}><w:r><w:delText>'
                 f'{cell.text}</w:delText></w:r></w:del>')
    # 1.6 in a repeating section's content control, wrapping the row
    section = parse_xml(f"<w:sdt {_W}><w:sdtPr/><w:sdtContent/></w:sdt>")
    table._tbl.append(section)
    added = table.add_row()
    for c, text in enumerate(["1.6", "Grants scheme", "Head of Housing", "Jun 2027",
                              "Launched."]):
        added.cells[c].text = text
    section[1].append(added._tr)
    source = tmp_path / "plan.docx"
    document.save(source)
    out = tmp_path / "plan.xlsx"
    made = run_cli("import", str(source), "-o", str(out))
    assert made.returncode == 0, made.stderr
    assert "has changes tracked by Jo Bloggs and not yet accepted or rejected (2 " \
        "insertions, 2 deletions): it was read as if they were all accepted" in made.stdout
    plan = CalamineWorkbook.from_path(out).get_sheet_by_name("Plan").to_python()
    header = plan[0]
    assert [[row[header.index(name)] for name in ("Ref", "Target date", "Progress update")]
            for row in plan[1:]] == [
        ["1.1", "Mar 2027", "40 built. A further 20 are on site."],
        ["1.2", "Mar 2027", "Adopted."], ["1.3", "Jun 2026", ""],
        ["1.4", "Dec 2026", "Fitted out."], ["1.6", "Jun 2027", "Launched."]]
    plain = tmp_path / "plain.docx"
    document = docx.Document(source)
    document.element.body.remove(document.tables[0]._tbl)
    table = document.add_table(rows=2, cols=3)
    for c, (header, value) in enumerate(zip(["Ref", "Action", "Due"],
                                            ["1.1", "Build homes", "Mar 2027"])):
        table.cell(0, c).text, table.cell(1, c).text = header, value
    document.save(plain)
    assert not [f for f in import_plan(plain).findings if f.code == "import-tracked-changes"]


def test_a_word_plan_of_no_refs_is_numbered_by_the_headings_over_its_tables(tmp_path):
    """A Word plan of a table per priority under its heading and no Ref column: each
    table's actions were numbered between their neighbours, "0a", "0aa"... "0aaaaa",
    and once that was mended, all as the first theme's (1.4 for the second's first).
    They are numbered by theme, 1.1 then 2.1, the theme each heading is."""
    document = docx.Document()
    document.add_heading("Corporate Improvement Plan 2026/27", 0)
    for theme, count in (("Homes", 3), ("Economy", 2)):
        document.add_heading(theme, 1)
        table = document.add_table(rows=count + 1, cols=3)
        for c, header in enumerate(["Key action", "Lead officer", "Due"]):
            table.cell(0, c).text = header
        for r in range(1, count + 1):
            for c, text in enumerate([f"{theme} action {r}", "HH", "Mar 2027"]):
                table.cell(r, c).text = text
    source = tmp_path / "plan.docx"
    document.save(source)
    result = import_plan(source)
    assert [(a.ref, a.theme) for a in result.plan.actions] == [
        ("1.1", "Homes"), ("1.2", "Homes"), ("1.3", "Homes"), ("2.1", "Economy"),
        ("2.2", "Economy")]
    assert [f.code for f in result.findings if f.code.startswith("import-ref")] == \
        ["import-refs-numbered"]


@pytest.mark.parametrize("level_text, style, refs", [
    ("%1.%2", "decimal", ["1.1", "1.2", "1.3", "2.1", "2.2"]),
    ("%1%2", "lowerLetter", ["1a", "1b", "1c", "2a", "2b"]),
])
def test_a_word_plan_numbered_by_its_lists(tmp_path, level_text, style, refs):
    """A Word plan whose priorities are numbered by the Heading 1 style's multilevel
    list and whose Ref cells by its second level ("1.1", or "1a"), as Word numbers
    them: the cells hold no figure, so every action had no Ref and was renumbered
    '0a', '0aa', '0aaa'. Each paragraph a list numbers is read with the number Word
    shows — the same LibreOffice shows in its PDF of the document."""
    from docx.oxml import parse_xml

    document = docx.Document()
    document.add_heading("Corporate Improvement Plan 2026/27", 0)
    numbering = document.part.numbering_part.element
    numbering.find(docx.oxml.ns.qn("w:num")).addprevious(parse_xml(
        f'<w:abstractNum {_W} w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/>'
        '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="decimal"/>'
        '<w:pStyle w:val="Heading1"/><w:lvlText w:val="%1."/></w:lvl>'
        f'<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="{style}"/>'
        f'<w:lvlText w:val="{level_text}"/></w:lvl></w:abstractNum>'))
    numbering.append(parse_xml(f'<w:num {_W} w:numId="90"><w:abstractNumId w:val="90"/>'
                               '</w:num>'))
    document.styles["Heading 1"].element.get_or_add_pPr().append(parse_xml(
        f'<w:numPr {_W}><w:numId w:val="90"/></w:numPr>'))
    for theme, count in (("Homes", 3), ("Economy", 2)):
        document.add_heading(theme, 1)
        table = document.add_table(rows=count + 1, cols=4)
        for c, header in enumerate(["Ref", "Key action", "Lead officer", "Due"]):
            table.cell(0, c).text = header
        for r in range(1, count + 1):
            table.cell(r, 0).paragraphs[0]._p.get_or_add_pPr().append(parse_xml(
                f'<w:numPr {_W}><w:ilvl w:val="1"/><w:numId w:val="90"/></w:numPr>'))
            for c, text in enumerate([f"Task {theme[0]}{r}", "HH", "Mar 2027"], start=1):
                table.cell(r, c).text = text
    source = tmp_path / "plan.docx"
    document.save(source)
    result = import_plan(source)
    assert [(a.ref, a.theme) for a in result.plan.actions] == [
        (ref, "1. Homes" if ref.startswith("1") else "2. Economy") for ref in refs]
    assert not [f for f in result.findings if f.code.startswith("import-ref")]
    shown = subprocess.run(["pdftotext", "-layout", str(convert_with_libreoffice(
        source, "pdf", tmp_path)), "-"], capture_output=True, text=True, check=True).stdout
    for action in result.plan.actions:
        assert re.search(rf"^\s*{re.escape(action.ref)}\s+{action.key_action}", shown,
                         re.MULTILINE), (action.ref, shown)
    assert re.search(r"^\s*2\.\s+Economy", shown, re.MULTILINE)


@pytest.mark.parametrize("column", ["Status", "Progress"])
def test_a_status_with_a_remark_after_it(tmp_path, column):
    """A status column (or a progress column standing for one) holding "Not started –
    awaiting funding": it was an unknown status (or none), its words opening texts of
    other meaning. Set apart from the remark by a dash, colon, comma or bracket, it is
    that status, the words kept as written; a remark that is a status itself leaves
    the opening word, as before, and "Not due to start until April" is still none."""
    written = ["Not started – awaiting funding", "Not started: due in April",
               "Not due (see 2.1)", "Not due to start until April",
               "Delayed - supplier gone into administration", "Ongoing, monthly returns"]
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref", "Action", "Lead officer", "Due", column])
    for n, text in enumerate(written, start=1):
        ws.append([f"1.{n}", f"Action {n}", "HH", "Mar 2027", text])
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    result = import_plan(source)
    assert [a.status for a in result.plan.actions] == [
        "Not started", "Not started", "Not started", "", "Slipped", "Ongoing"]
    kept = [a.extra.get("Status (as written)") for a in result.plan.actions] \
        if column == "Status" else [a.progress_update for a in result.plan.actions]
    assert kept == written
    unknown = [f.cell for f in result.findings if f.code == "import-status-unknown"]
    assert unknown == (["E5"] if column == "Status" else [])


@pytest.mark.parametrize("over_the_table", [
    [["Last updated: 12 November 2026"]],
    [["Delivery Plan tracker"], ["Updated:", datetime(2026, 11, 12)]],
])
def test_a_trackers_last_updated_line_dates_its_progress(tmp_path, over_the_table):
    """A tracker that says over its table when it was last updated, its actions with
    no date of their own: imported, every action with progress was 'No update' in the
    report. Those with a progress update are taken as updated that day; one dated
    itself keeps its own date, one with no progress none."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for row in over_the_table:
        ws.append(row)
    ws.append(["Ref", "Action", "Lead officer", "Due", "Status", "Progress", "Date updated"])
    ws.append(["1", "Build homes", "HH", "Mar 2027", "On track", "40 built.", None])
    ws.append(["2", "Open the hub", "HH", "Mar 2027", "On track", "Fitted out.",
               datetime(2026, 10, 2)])
    ws.append(["3", "Review fees", "HH", "Mar 2027", "Not started", "", None])
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    result = import_plan(source)
    assert [a.last_updated for a in result.plan.actions] == [
        date(2026, 11, 12), date(2026, 10, 2), None]
    said = next(f for f in result.findings if f.code == "import-updated-by-sheet")
    assert said.cell == f"A{len(over_the_table)}"
    assert "updated on 12 November 2026: the 1 action with a progress update" in \
        said.message
    from cip_xl.status import judge

    settings = result.plan.settings
    assert judge(result.plan.actions[0], settings, date(2026, 11, 30)).verdict.word == \
        "On track"


def test_a_word_plans_position_as_at_line_dates_its_progress(tmp_path):
    """A Word plan "Position as at 30 September 2026" over its table: the progress it
    gives is as at that day; a "Last updated" line in a paper dates its own revision,
    and is not taken."""
    def paper(line: str):
        document = docx.Document()
        document.add_heading("Corporate Improvement Plan 2026/27", 0)
        document.add_paragraph(line)
        table = document.add_table(rows=3, cols=5)
        for row, texts in zip(table.rows, (
                ["Ref", "Action", "Lead officer", "Target date", "Progress"],
                ["1.1", "Build homes", "HH", "Mar 2027", "40 built."],
                ["1.2", "Adopt the strategy", "HH", "Mar 2027", ""])):
            for cell, text in zip(row.cells, texts):
                cell.text = text
        path = tmp_path / "plan.docx"
        document.save(path)
        return import_plan(path)

    result = paper("Position as at 30 September 2026")
    assert [a.last_updated for a in result.plan.actions] == [date(2026, 9, 30), None]
    said = next(f for f in result.findings if f.code == "import-updated-by-sheet")
    assert said.message.startswith("The document gives the position as at 30 September "
                                   "2026 ('Position as at 30 September 2026'): the 1 action")
    assert [a.last_updated for a in paper("Last updated: 1 April 2026").plan.actions] == \
        [None, None]


def test_a_row_of_progress_across_the_table_under_each_action(tmp_path):
    """A tracker writing each action's update in a row merged across the table under
    it ("Update: 40 homes built...", "Q2: fit-out delayed..."): each was read as a
    theme heading, so the next action was filed under it and the updates were lost
    among the themes. They are the progress of the action above; a heading between
    actions is still a theme."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref", "Action", "Lead officer", "Target date", "RAG"])

    def across(text):
        ws.append([text])
        ws.merge_cells(f"A{ws.max_row}:E{ws.max_row}")

    across("Priority 1: Homes")
    ws.append(["1.1", "Build 120 homes", "HH", "Mar 2027", "G"])
    across("Update: 40 homes built by September; on site at two more.")
    ws.append(["1.2", "Adopt the housing strategy", "HH", "Dec 2026", "A"])
    across("Consultation closed in October and the report goes to Cabinet in January.")
    across("Priority 2: Economy")
    ws.append(["2.1", "Open the business hub", "HR", "Mar 2027", "R"])
    across("Q2: fit-out delayed by the supplier")
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    result = import_plan(source)
    assert [(a.ref, a.theme, a.progress_update) for a in result.plan.actions] == [
        ("1.1", "Priority 1: Homes", "40 homes built by September; on site at two more."),
        ("1.2", "Priority 1: Homes",
         "Consultation closed in October and the report goes to Cabinet in January."),
        ("2.1", "Priority 2: Economy", "Q2: fit-out delayed by the supplier")]
    assert [t.name for t in result.plan.themes] == ["Priority 1: Homes",
                                                    "Priority 2: Economy"]
    assert [f.cell for f in result.findings if f.code == "import-progress-row"] == \
        ["A4", "A6", "A9"]


def test_an_initial_and_surname_is_read_against_the_officers_sheet():
    from cip_xl.lead_officers import LeadOfficers
    from cip_xl.model import Officer

    one = LeadOfficers([Officer("JS", "Head of Finance", "Jane Smith")])
    assert one.codes("J. Smith") == ("JS",) and one.codes("J Smith / HF") == ("JS", "HF")
    assert one.codes("K. Smith") == ("K. Smith",)
    two = LeadOfficers([Officer("JS", name="Jane Smith"), Officer("JO", name="John Smith")])
    assert two.codes("J. Smith") == ("J. Smith",)
    assert two.advice("J. Smith") == ("'J. Smith' may be any of the 2 officers of that "
                                      "initial and surname (JS, JO): write the code of the "
                                      "one meant.")


def test_cells_merged_down_beside_their_actions_are_read_in_each_row(tmp_path):
    """A tracker writes each priority, objective and lead officer once, merged down
    beside its actions: every action gets them, as the sheet shows (Excel keeps the text
    in the top row only) — none is left without a theme or a lead officer. A heading
    merged across a row is still a theme heading."""
    source = tmp_path / "merged.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Homes & Economy"  # (the sheet's name escaped in the package: &amp;)
    ws.append(["Priority", "Objective", "Ref", "Action", "Lead officer", "Target date"])
    ws.append(["Homes", "More affordable homes", "1.1", "Adopt the housing strategy", "HH",
               "Mar 2027"])
    ws.append([None, None, "1.2", "Deliver 200 homes", None, "Q4 2026/27"])
    ws.append([None, "Fewer empty homes", "1.3", "Empty homes grants", "HH", "Dec 2026"])
    ws.append(["Economy", "Jobs", "2.1", "Market hall", "EDM", "Spring 2027"])
    ws.append([None, None, "2.2", "Town centre plan", None, "Sep 2027"])
    ws.append(["Added in year"])
    ws.append([None, None, "3.1", "Cost of living support", "HH", "Mar 2027"])
    for cells in ("A2:A4", "B2:B3", "E2:E3", "A5:A6", "B5:B6", "E5:E6", "A7:F7"):
        ws.merge_cells(cells)
    wb.save(source)
    out = tmp_path / "plan.xlsx"
    result = run_cli("import", str(source), "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Plan").to_python()
    assert [tuple(row[:5]) for row in rows[1:]] == [
        ("1.1", "Homes", "More affordable homes", "Adopt the housing strategy", "HH"),
        ("1.2", "Homes", "More affordable homes", "Deliver 200 homes", "HH"),
        ("1.3", "Homes", "Fewer empty homes", "Empty homes grants", "HH"),
        ("2.1", "Economy", "Jobs", "Market hall", "EDM"),
        ("2.2", "Economy", "Jobs", "Town centre plan", "EDM"),
        ("3.1", "Added in year", "", "Cost of living support", "HH")]


def test_a_guidance_sheets_heading_is_not_the_plans_title(tmp_path):
    """A tracker with a sheet of guidance after the plan's ("How to complete this
    tracker"): that heading names no plan, so it is not the title; a heading on a later
    sheet that does name one is."""
    wb = openpyxl.Workbook()
    wb.active.append(["Ref", "Action", "Lead officer", "Target date"])
    wb.active.append(["1.1", "Adopt the strategy", "HF", "Mar 2027"])
    guidance = wb.create_sheet("Guidance")
    guidance.append(["How to complete this tracker"])
    guidance.append(["Update the RAG and commentary by the 10th after the quarter's end."])
    wb.save(tmp_path / "tracker.xlsx")
    assert import_plan(tmp_path / "tracker.xlsx").plan.settings.plan_title == \
        "Corporate Improvement Plan"  # the default, as for a tracker with no heading
    wb.create_sheet("Cover").append(["Delivery Plan 2026-2029"])
    wb.save(tmp_path / "tracker.xlsx")
    assert import_plan(tmp_path / "tracker.xlsx").plan.settings.plan_title == \
        "Delivery Plan 2026-2029"


def _word_plan_with_two_header_rows(path):
    """A delivery plan in Word as a district council keeps one: the council's name in
    Title style over the plan's heading, a key on one line, "Timescale" merged across
    "Start" and "End", the other headers merged down both rows, status letters."""
    document = docx.Document()
    document.add_paragraph("Ashdown District Council", style="Title")
    document.add_heading("Council Delivery Plan 2026/27 – Quarter 2 Progress Report", 1)
    document.add_paragraph("Key: G – on track; A – some slippage, action in hand; "
                           "R – significant slippage; C – complete")
    document.add_paragraph("Key: HR – Head of Regeneration; HL – Head of Leisure")
    table = document.add_table(rows=2, cols=6)
    for cell, text in zip(table.rows[0].cells, ["Ref", "Action", "Responsible officer",
                                                "Timescale", "", "RAG"]):
        cell.text = text
    for cell, text in zip(table.rows[1].cells, ["", "", "", "Start", "End", ""]):
        cell.text = text
    table.cell(0, 3).merge(table.cell(0, 4))
    for column in (0, 1, 2, 5):
        table.cell(0, column).merge(table.cell(1, column))
    for values in (("1.1", "Adopt the Economic Development Strategy", "HR", "Apr 2026",
                    "Sept 2026", "C"),
                   ("1.2", "Deliver the town centre projects", "HR", "Apr 2026",
                    "Mar 2028", "A"),
                   ("1.3", "Open the refurbished leisure centre", "HL", "2025/26",
                    "Jan 2027", "R")):
        for cell, text in zip(table.add_row().cells, values):
            cell.text = text
    document.save(path)


def test_a_header_two_rows_deep_is_read_by_both_rows(tmp_path):
    """'Timescale' merged over 'Start' and 'End' gave every action its start as the
    target date and its end as text in the progress update; the key's status letters
    were unknown statuses; the council's name in Title style was the plan's title."""
    source = tmp_path / "delivery-plan.docx"
    _word_plan_with_two_header_rows(source)
    result = import_plan(source)
    plan = result.plan
    assert [(a.target_date, a.extra["Start date"]) for a in plan.actions] == [
        ("Sept 2026", "Apr 2026"), ("Mar 2028", "Apr 2026"), ("Jan 2027", "2025/26")]
    assert [a.progress_update for a in plan.actions] == ["", "", ""]
    assert [a.status for a in plan.actions] == ["Complete", "At risk", "Slipped"]
    assert [a.extra[STATUS_AS_WRITTEN] for a in plan.actions] == ["C", "A", "R"]
    assert plan.settings.plan_title == "Council Delivery Plan 2026/27"
    # the officers' key on one line gives their titles; the status letters are no officers
    assert [(o.code, o.title) for o in plan.officers] == [
        ("HR", "Head of Regeneration"), ("HL", "Head of Leisure")]
    codes = {f.code for f in result.findings}
    assert {"import-two-row-header", "import-status-key"} <= codes
    assert not codes & {"import-extra-cells", "import-status-unknown", "import-abbreviations"}
    told = next(f.message for f in result.findings if f.code == "import-two-row-header")
    assert "'Timescale' over 'Start', 'End'" in told


def test_a_trackers_header_merged_over_two_rows_and_its_key_under_it(tmp_path):
    """The same in Excel: the quarters' progress under one merged 'Progress' heading
    (the last with entries is the progress update), a key of status letters in a row
    under the table."""
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Council Delivery Plan 2026/27 - Q2 monitoring"])
    ws.append(["Ref", "Action", "Lead", "Timescale", None, "Progress", None, "RAG"])
    ws.append([None, None, None, "Start", "End", "Q1", "Q2", None])
    for column in "ABCH":
        ws.merge_cells(f"{column}2:{column}3")
    ws.merge_cells("D2:E2")
    ws.merge_cells("F2:G2")
    ws.append(["1.1", "Adopt the strategy", "HR", "Apr 2026", "Sept 2026",
               "Out to consultation", "Adopted on 9 September.", "C"])
    ws.append(["1.2", "Deliver the town centre projects", "HR", "Apr 2026", "Mar 2028",
               "Design agreed", None, "A"])
    ws.append([])
    ws.append(["Key: G = on track, A = some slippage, R = significant slippage, "
               "C = complete"])
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    out = tmp_path / "plan.xlsx"
    result = run_cli("import", str(source), "-o", str(out))
    assert result.returncode == 0, result.stderr
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Plan").to_python()
    header = [str(h) for h in rows[0]]
    read = [{name: row[i] for i, name in enumerate(header)} for row in rows[1:3]]
    assert [(r["Target date"], r["Start date"], r["Status"], r["Progress update"],
             r["Progress Q1"]) for r in read] == [
        ("Sept 2026", "Apr 2026", "Complete", "Adopted on 9 September.",
         "Out to consultation"),
        ("Mar 2028", "Apr 2026", "At risk", "", "Design agreed")]
    assert get_column_letter(header.index("Start date") + 1) > "H"  # kept at the right


def test_headings_grouping_the_columns_in_the_row_above_the_header(tmp_path):
    """'Action details', 'Timescale' and 'Monitoring' merged across the columns in the
    row over 'Ref | Action | Lead | Start | End | RAG | Comments': the target date was
    missing for every action ('Start' and 'End' mean nothing alone). And 'Target date'
    over 'Original' and 'Revised': the revised date is the second."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tracker"
    ws.append(["Corporate Plan 2026/27 action tracker"])
    ws.append(["Action details", None, None, "Timescale", None, "Monitoring", None])
    ws.append(["Ref", "Action", "Lead", "Start", "End", "RAG", "Comments"])
    for cells in ("A2:C2", "D2:E2", "F2:G2"):
        ws.merge_cells(cells)
    ws.append(["1.1", "Adopt the strategy", "HR", "Apr 2026", "Sept 2026", "Green", "Done"])
    ws.append(["1.2", "Deliver the projects", "HR", "Apr 2026", "Mar 2028", "Amber", "Late"])
    other = wb.create_sheet("Revised")
    other.append(["Ref", "Action", "Lead", "Target date", None, "Status", "Update"])
    other.append([None, None, None, "Original", "Revised", None, None])
    other.merge_cells("D1:E1")
    other.append(["2.1", "Review the CSP plan", "CSM", "Dec 2026", "Mar 2027", "Amber", ""])
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    result = import_plan(source)
    assert [(a.ref, a.target_date, a.revised_date, a.extra.get("Start date"))
            for a in result.plan.actions] == [
        ("1.1", "Sept 2026", None, "Apr 2026"), ("1.2", "Mar 2028", None, "Apr 2026"),
        ("2.1", "Dec 2026", "Mar 2027", None)]
    told = [f.message for f in result.findings if f.code == "import-two-row-header"]
    assert len(told) == 2 and "'Timescale' over 'Start', 'End'" in told[0]
    assert "'Target date' over 'Original', 'Revised'" in told[1]


@pytest.mark.parametrize("top, below", [
    # an action under a header with a blank cell: text under columns of their own
    (["Ref", "Action", "Lead", "Target date", "", "RAG"],
     ["1.1", "Build homes", "HH", "Mar 2027", "see note", "G"]),
    # a theme row across the table, under a header with no heading merged across
    (["Ref", "Action", "Lead", "Target date", "RAG"],
     ["Priority 1: Homes", "", "", "", ""]),
    # the header again, as a new page repeats it
    (["Ref", "Action", "Lead", "Target date", "RAG"],
     ["Ref", "Action", "Lead", "Target date", "RAG"]),
])
def test_a_row_under_a_header_is_a_second_header_row_only_under_a_merged_heading(top, below):
    from cip_xl.importers.two_row_headers import two_row_header
    from cip_xl.schema import DEFAULT_CONTRACT

    assert two_row_header(top, below, DEFAULT_CONTRACT) is None


@pytest.mark.parametrize("above", [
    ["Corporate Plan 2026/27 action tracker", "", "", "", ""],  # a title over the table
    ["Ref", "Action", "Lead", "Timescale", "RAG"],  # merged down, grouping nothing
    ["Marshfield Borough Council – Corporate Plan delivery tracker, Q2", "", "", "", ""],
])
def test_a_row_over_a_header_groups_its_columns_only_with_headings_merged_across(above):
    from cip_xl.importers.two_row_headers import heading_row_above
    from cip_xl.schema import DEFAULT_CONTRACT

    assert heading_row_above(above, ["Ref", "Action", "Lead", "Start", "End"],
                             DEFAULT_CONTRACT) is None


@pytest.mark.parametrize("line, codes", [
    ("Key: G – on track; A – some slippage, action in hand; R – significant slippage; "
     "C – complete", {"G": "On track", "A": "At risk", "R": "Slipped", "C": "Complete"}),
    ("1 = on track | 2 = at risk | 3 = behind schedule | 4 = achieved",
     {"1": "On track", "2": "At risk", "3": "At risk", "4": "Complete"}),
    ("RAG key: B = completed, G = on target", {"B": "Complete", "G": "On track"}),
    ("Key: HF - Head of Finance; CEX - Chief Executive", {}),  # officers, no statuses
    ("Note: G - the Q2 figure", {}),  # not a key
    ("Adopted by Cabinet on 9 September 2026.", {}),
    ("Key: Green – completed; Amber – in progress; Red – not started",
     {"GREEN": "Complete", "AMBER": "On track", "RED": "Not started"}),
])
def test_a_keys_status_letters(line, codes):
    from cip_xl.importers.keys import key_line, status_codes

    assert status_codes(key_line(line)) == codes


def test_a_word_plan_of_a_table_per_action_under_each_prioritys_heading(tmp_path):
    """One small table per action, its labels down the left, under a heading for each
    priority: no row was a header, so import found no plan at all. Each table is now
    the action's row, the heading it is under its theme, and a finding about a value
    names the row of the table it is in."""
    document = docx.Document()
    document.add_heading("Corporate Improvement Plan 2026/27", 0)

    def record(rows):
        table = document.add_table(rows=0, cols=len(rows[0]))
        for values in rows:
            for cell, text in zip(table.add_row().cells, values):
                cell.text = text
        document.add_paragraph()

    document.add_heading("Priority 1: Financial resilience", 1)
    record([("Action ref", "1.1"), ("Action", "Deliver the MTFS savings"),
            ("Lead officer", "Head of Finance"), ("Target date", "31/03/2027"),
            ("Progress update", "£1.2m of £2m delivered."), ("RAG status", "Green")])
    record([("Action ref", "1.2"), ("Action", "Review fees and charges"),
            ("Lead officer", "Head of Finance"), ("Target date", "As per project plan"),
            ("Progress update", "Benchmarking under way."), ("RAG status", "Amber")])
    document.add_heading("Priority 2: Our people", 1)
    # the same details in pairs across four columns
    record([("Ref", "2.1", "Lead officer", "Head of HR"),
            ("Action", "Launch the workforce strategy", "Target date", "Jan 2027"),
            ("Partners", "Trade unions", "RAG status", "")])
    # the action named in a row across the top; a label the plan has no column for
    table = document.add_table(rows=1, cols=2)
    table.cell(0, 0).merge(table.cell(0, 1)).text = "Action 2.2: Run a staff survey"
    for label, value in (("Lead officer:", "Head of HR"), ("Timescale:", "Q4 2026/27"),
                         ("What we have done:", "Questions agreed."),
                         ("Partners:", "Staff forum")):
        cells = table.add_row().cells
        cells[0].text, cells[1].text = label, value
    source = tmp_path / "plan.docx"
    document.save(source)
    result = import_plan(source)
    plan = result.plan
    assert [(a.ref, a.theme, a.key_action, a.lead_officer, a.status)
            for a in plan.actions] == [
        ("1.1", "Priority 1: Financial resilience", "Deliver the MTFS savings",
         "Head of Finance", "On track"),
        ("1.2", "Priority 1: Financial resilience", "Review fees and charges",
         "Head of Finance", "At risk"),
        ("2.1", "Priority 2: Our people", "Launch the workforce strategy", "Head of HR",
         ""),
        ("2.2", "Priority 2: Our people", "Run a staff survey", "Head of HR", "")]
    assert [a.target_date for a in plan.actions] == [
        date(2027, 3, 31), "As per project plan", "Jan 2027", "Q4 2026/27"]
    assert [a.progress_update for a in plan.actions] == [
        "£1.2m of £2m delivered.", "Benchmarking under way.", "", "Questions agreed."]
    # a label of no column of the plan is one column of its own, for every action
    assert plan.extra_columns.count("Partners") == 1
    assert [a.extra.get("Partners") for a in plan.actions] == [
        None, None, "Trade unions", "Staff forum"]
    unreadable = next(f for f in result.findings if f.code == "import-date-unreadable")
    assert (unreadable.sheet, unreadable.cell) == ("table 2", "row 4")
    assert {"import-action-records", "import-themes-from-sheets"} <= \
        {f.code for f in result.findings}


@pytest.mark.parametrize("rows", [
    # a key of officers: codes and titles, no action
    [["HF", "Head of Finance"], ["CEX", "Chief Executive"], ["HHR", "Head of HR"]],
    # a plan table of two columns with its header row
    [["Action", "Lead officer"], ["Build 50 homes", "HH"], ["Review lettings", "HH"]],
    # a table of three columns
    [["Action", "Build homes", "x"], ["Lead officer", "HH", ""], ["Target date", "Mar", ""]],
])
def test_only_a_table_of_an_actions_labels_and_values_is_read_as_one(rows):
    from cip_xl.importers.action_records import as_rows
    from cip_xl.importers.tables import RawTable
    from cip_xl.schema import DEFAULT_CONTRACT

    assert as_rows(RawTable("table 1", rows), DEFAULT_CONTRACT) is None


def test_a_table_per_theme_on_one_sheet_gives_the_first_theme_too(tmp_path):
    """Each theme a table of its own on one sheet: its heading, the header again, its
    actions. The first heading is over the first header, where the plan's rows were
    taken to begin: the first theme's actions had no theme. A title over a sheet's only
    header is no theme."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Strategic Plan 2026-2030: Year 1 delivery"])
    ws.append([])
    for theme, actions in (("Priority 1: Economy", [("1.1", "Business grants", "EDM")]),
                           ("Priority 2: Environment", [("2.1", "Tree planting", "HES"),
                                                        ("2.2", "Food waste", "HES")])):
        ws.append([theme])
        ws.append(["Ref", "Action", "Lead", "Due"])
        for action in actions:
            ws.append([*action, "Mar 2027"])
        ws.append([])
    one = wb.create_sheet("One table")
    one.append(["Corporate Plan delivery tracker"])
    one.append(["Ref", "Action", "Lead", "Due"])
    one.append(["3.1", "Digital front door", "HCS", "Mar 2027"])
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    plan = import_plan(source).plan
    # the other sheet's action, of no theme heading there and numbered by none here, is
    # under its sheet's name (not the last theme of the sheet before)
    assert [(a.ref, a.theme) for a in plan.actions] == [
        ("1.1", "Priority 1: Economy"), ("2.1", "Priority 2: Environment"),
        ("2.2", "Priority 2: Environment"), ("3.1", "One table")]
    assert [t.name for t in plan.themes] == ["Priority 1: Economy", "Priority 2: Environment",
                                             "One table"]


def test_a_lead_officer_with_a_remark_in_brackets_is_the_officer_alone(tmp_path):
    """'Chief Executive (supported by Climate Officer)' was made an officer of that
    whole title (code CESBCO); the officer is the Chief Executive, the same one another
    row names plainly, and the cell keeps its remark."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Ref", "Action", "Lead Officer", "Target date"])
    ws.append(["1", "Climate action plan", "Chief Executive (supported by Climate Officer)",
               "Jun 2027"])
    ws.append(["2", "Corporate peer challenge", "Chief Executive", "Mar 2027"])
    ws.append(["3", "Local Plan", "Sam Patel (Planning Policy Manager)", "Dec 2027"])
    source = tmp_path / "tracker.xlsx"
    wb.save(source)
    plan = import_plan(source).plan
    assert sorted((o.code, o.title, o.name) for o in plan.officers) == [
        ("CE", "Chief Executive", ""), ("PPM", "Planning Policy Manager", "Sam Patel")]
    assert plan.actions[0].lead_officer == "Chief Executive (supported by Climate Officer)"
    read = plan.lead_officer_reader()
    assert [read(a) for a in plan.actions] == [["CE"], ["CE"], ["PPM"]]


@pytest.mark.parametrize("title, ref, action", [
    ("Action 1.2: Review fees", "1.2", "Review fees"),
    ("1.2 Review fees", "1.2", "Review fees"),
    ("2027 budget setting", None, "2027 budget setting"),  # a year, not a ref
    ("10 homes built", None, "10 homes built"),
    ("Action: Run a staff survey", None, "Run a staff survey"),
    ("Action plan for housing", None, "Action plan for housing"),
])
def test_a_row_across_an_actions_table_names_it(title, ref, action):
    from cip_xl.importers.action_records import as_rows
    from cip_xl.importers.tables import RawTable
    from cip_xl.schema import DEFAULT_CONTRACT

    table = as_rows(RawTable("table 1", [[title, ""], ["Lead officer", "HF"],
                                         ["Target date", "Mar 2027"]]), DEFAULT_CONTRACT)
    read = dict(zip(table.rows[0], table.rows[1]))
    assert (read.get("Ref"), read["Action"], read["Lead officer"]) == (ref, action, "HF")
