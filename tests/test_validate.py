"""Validation findings: the right code, severity, sheet and cell for each broken rule."""
from __future__ import annotations

import json
from datetime import datetime

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import cip_xl

from .conftest import run_cli


def _break(path, edits: dict[str, object], sheet: str = "Plan") -> None:
    wb = openpyxl.load_workbook(path)
    for cell, value in edits.items():
        wb[sheet][cell] = value
    wb.save(path)


def _codes(report) -> dict[tuple[str, str | None], str]:
    return {(f.code, f.cell): f.severity for f in report.findings}


def test_example_plan_is_clean(example_path):
    report = cip_xl.validate(example_path)
    assert report.ok and report.findings == []


def test_a_last_updated_of_today_says_to_type_the_date(example_path):
    """'today' typed as the date of the last update would mean another day at every
    reading: the error says so and how to type today's date."""
    _break(example_path, {"M3": "today", "M4": "last week"})
    found = {f.cell: f.message for f in cip_xl.validate(example_path).findings
             if f.code == "date-unreadable"}
    assert "Ctrl+;" in found["M3"] and "another date each time" in found["M4"]


def test_each_rule_names_its_cell(example_path):
    # columns: A Ref, B Theme, C Objective, D Key action, E Lead officer, F Target date,
    # G Revised date, J Status, K % complete, M Last updated
    _break(example_path, {
        "A3": "1.1",             # duplicate ref
        "A4": 3.1,               # ref stored as a number
        "E5": "XYZ",             # unknown officer
        "F6": "Dcember 2026",    # unreadable date
        "G8": "Jan 2026",        # revised before target (Sept 2026)
        "J9": "Nearly there",    # status outside the vocabulary
        "K10": 140,              # % out of range
        "C11": "See above",      # unresolved objective
        "D12": None,             # missing key action
        "J13": "Complete", "M13": None,  # complete without a date
        "B14": "Not a theme",    # theme not on the Themes sheet
        "J15": "Completed",      # an alias, read and reported as info
        "K16": 0.6,              # 60% typed into a cell formatted as a number
    })
    report = cip_xl.validate(example_path)
    codes = _codes(report)
    assert codes[("ref-duplicate", "A2")] == "error"
    assert codes[("ref-duplicate", "A3")] == "error"
    assert codes[("ref-as-number", "A4")] == "warning"
    assert codes[("officer-unknown", "E5")] == "error"
    assert codes[("date-unreadable", "F6")] == "error"
    assert codes[("revised-before-target", "G8")] == "warning"
    assert codes[("status-unknown", "J9")] == "error"
    assert codes[("percent-invalid", "K10")] == "error"
    assert codes[("percent-fraction", "K16")] == "warning"
    assert codes[("see-above", "C11")] == "warning"
    assert codes[("required-missing", "D12")] == "error"
    assert codes[("complete-without-date", "M13")] == "warning"
    assert codes[("theme-unknown", "B14")] == "warning"
    assert codes[("status-alias", "J15")] == "info"
    unreadable = next(f for f in report.findings if f.code == "date-unreadable")
    assert "Dcember 2026" in unreadable.message and "Dec 2026" in unreadable.message
    assert unreadable.where.endswith("Plan!F6")
    assert report.findings[0].severity == "error"  # errors come first


def test_a_traffic_lights_label_pasted_in_as_the_status_is_read(example_path):
    """The RAG column's and the report's labels ("◆ On track", "● Overdue") copied
    into Status are read as the status they stand for, said as a note; a symbol alone
    is still no status."""
    _break(example_path, {"J2": "◆ On track", "J3": "● Overdue", "J4": "✔ Complete",
                          "J5": "on-track", "J6": "◆"})
    report = cip_xl.validate(example_path)
    codes = _codes(report)
    for cell in ("J2", "J3", "J4", "J5"):
        assert codes[("status-alias", cell)] == "info", cell
    assert codes[("status-unknown", "J6")] == "error"
    said = {f.cell: f.message for f in report.findings if f.code == "status-alias"}
    assert "read as 'On track'" in said["J2"] and "read as 'Slipped'" in said["J3"]
    assert "read as 'Complete'" in said["J4"]


def test_a_hundred_per_cent_action_not_marked_complete_is_noted(example_path):
    """100% complete under 'On track' is most often finished work nobody marked
    Complete (the report would not count it as done): a note on the Status cell.
    Blank, Cancelled or Ongoing at 100% are left alone."""
    plan = cip_xl.load_plan(example_path)
    on_track = next(a for a in plan.actions if a.status == "On track")
    ongoing = next((a for a in plan.actions if a.status == "Ongoing"), None)
    edits = {f"K{on_track.row}": 100}
    if ongoing is not None:
        edits[f"K{ongoing.row}"] = 100
    _break(example_path, edits)
    found = [f for f in cip_xl.validate(example_path).findings
             if f.code == "percent-100-not-complete"]
    assert [(f.cell, f.severity) for f in found] == [(f"J{on_track.row}", "info")]
    assert "status is 'On track': if the action is done, mark it Complete" in found[0].message


def test_officer_sheet_rules(example_path):
    _break(example_path, {"A3": "CEX", "D4": "not-an-email"}, sheet="Officers")
    codes = _codes(cip_xl.validate(example_path))
    assert codes[("officer-duplicate", "A3")] == "error"
    assert codes[("officer-email-invalid", "D4")] == "warning"


def test_lead_officer_cells_as_plans_write_them(example_path):
    """A lead named with a remark in brackets ("HF (lead), CEX") was taken for an
    officer called '(lead)'; the remark is passed over now. 'TBC' for a lead not yet
    named says why one is needed rather than that TBC is not on the Officers sheet."""
    _break(example_path, {"E2": "HF (lead), CEX", "E3": "Alison Marsh (sponsor)",
                          "E4": "TBC", "E5": "HF (lead) / CE", "E6": "N/A"})
    report = cip_xl.validate(example_path)
    unknown = {f.cell: f.message for f in report.findings if f.code == "officer-unknown"}
    assert "E2" not in unknown and "E3" not in unknown
    assert "'TBC' is not on the Officers sheet" in unknown["E4"]
    assert "An action needs a lead officer: its return goes to their department" in \
        unknown["E4"]
    assert "lead officer 'CE' is not" in unknown["E5"] and "(lead)" not in unknown["E5"]
    assert "lead officer 'N/A' is not" in unknown["E6"]  # one finding, not N and A
    assert "An action needs a lead officer" in unknown["E6"]
    leads = report.plan.lead_officer_reader()
    assert leads(report.plan.actions[0]) == ["HF", "CEX"]
    assert leads(report.plan.actions[1]) == ["CEX"]


def test_a_lead_named_surname_first_is_one_officer(example_path):
    """"Marsh, Alison" (as Outlook shows names) is the officer Alison Marsh, alone or
    beside another; "Brown, John", whom the Officers sheet lacks, is one unknown officer
    named as typed — not the two officers 'Brown' and 'John'; a title and a name joined
    by a dash that are two officers' is asked about."""
    _break(example_path, {"E2": "Marsh, Alison", "E3": "HF / Marsh, Alison (sponsor)",
                          "E4": "Brown, John", "E5": "Head of Finance - Alison Marsh"})
    report = cip_xl.validate(example_path)
    unknown = [(f.cell, f.message) for f in report.findings if f.code == "officer-unknown"]
    assert [cell for cell, _ in unknown] == ["E4", "E5"]
    assert "lead officer 'Brown, John' is not on the Officers sheet" in unknown[0][1]
    # a title and a name of two officers: which leads is asked, not who they are
    assert "'Head of Finance - Alison Marsh' names two officers, HF and CEX: write the " \
        "one who leads, or both as 'HF/CEX'." in unknown[1][1]
    leads = report.plan.lead_officer_reader()
    assert leads(report.plan.actions[0]) == ["CEX"]
    assert leads(report.plan.actions[1]) == ["HF", "CEX"]


def test_a_date_read_far_off_is_questioned(example_path):
    """A slip of the keyboard in a year (2207 for 2027), a month and two figures read as
    a year ('March 31': March 2031, not the 31st), and a number shown as a day of 1900
    are warnings naming the cell and what was likely meant; the plan's own dates are
    not."""
    _break(example_path, {"F2": datetime(2207, 3, 31), "G3": "March 31",
                          "F4": datetime(1900, 1, 2)})
    report = cip_xl.validate(example_path)
    far = {f.cell: f for f in report.findings if f.code == "date-far-off"}
    assert set(far) == {"F2", "G3", "F4"} and all(f.severity == "warning"
                                                 for f in far.values())
    assert "181 years after the reporting date: did you mean 2027?" in far["F2"].message
    assert "if the 31st of the month is meant, write '31/03/2027'" in far["G3"].message
    assert "before 1990" in far["F4"].message and "Type the date again" in far["F4"].message


def test_an_officer_row_with_no_code_is_pointed_at_from_the_actions(example_path):
    """The Head of Finance's code deleted from the Officers sheet: the actions that
    name HF (and one naming the title) say which row has lost its code and what to
    type there, instead of only that HF is not on the sheet."""
    _break(example_path, {"A5": None}, sheet="Officers")
    _break(example_path, {"E3": "Head of Finance"})
    report = cip_xl.validate(example_path)
    assert ("officer-code-missing", "A5") in _codes(report)
    unknown = [f for f in report.findings if f.code == "officer-unknown"]
    hf_rows = [f for f in unknown if "'HF'" in f.message]
    assert len(hf_rows) >= 5
    assert all("Row 5 of the Officers sheet (Head of Finance) has no code: type HF in A5"
               in f.message for f in hf_rows)
    by_title = next(f for f in unknown if f.cell == "E3")
    assert "'Head of Finance'" in by_title.message and "type HF in A5" in by_title.message
    # a code nobody's initials match: the rows with no code are still named
    _break(example_path, {"E4": "ZZ"})
    other = next(f for f in cip_xl.validate(example_path).findings if f.cell == "E4"
                 and f.code == "officer-unknown")
    assert "has 1 row with no code (row 5)" in other.message


def test_heading_rows_and_formulas_and_excel_errors(example_path):
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    ws.insert_rows(2)
    ws["B2"] = "Managing our finances"          # a section row, as in Word appendices
    ws["L3"] = "=HYPERLINK(\"http://x\",\"x\")"  # a formula typed into progress
    ws["F4"] = "#REF!"
    new = ws.max_row + 1
    ws[f"D{new}"] = "Publish the pay policy"  # an action being typed in: not a heading
    wb.save(example_path)
    codes = _codes(cip_xl.validate(example_path))
    assert codes[("heading-row", "B2")] == "warning"  # read as a heading, kept
    assert ("heading-row", f"D{new}") not in codes
    assert codes[("required-missing", f"E{new}")] == "error"  # its lead officer, say
    assert codes[("formula-in-cell", "L3")] == "warning"
    assert codes[("excel-error", "F4")] == "error"


def test_cli_table_json_and_exit_codes(example_path):
    ok = run_cli("validate", str(example_path))
    assert ok.returncode == 0 and "no problems found" in ok.stdout
    _break(example_path, {"E5": "XYZ"})
    bad = run_cli("validate", str(example_path))
    assert bad.returncode == 1
    assert "Plan!E5" in bad.stdout and "XYZ" in bad.stdout
    as_json = run_cli("validate", str(example_path), "--format", "json")
    data = json.loads(as_json.stdout)
    assert as_json.returncode == 1 and data["ok"] is False
    assert {"code": "officer-unknown", "cell": "E5", "sheet": "Plan"}.items() <= \
        data["findings"][0].items()


def test_annotate_writes_a_copy_with_findings_and_highlights(example_path):
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    _break(example_path, {"E5": "XYZ", "C11": "See above"})
    wb = openpyxl.load_workbook(example_path)
    wb["Plan"]["L4"] = CellRichText([TextBlock(InlineFont(b=True), "Done:"), " all of it"])
    wb.save(example_path)
    before = example_path.read_bytes()
    result = run_cli("validate", str(example_path), "--annotate")
    assert result.returncode == 1
    assert example_path.read_bytes() == before  # the plan itself is untouched
    copy = example_path.with_name("plan.checked.xlsx")
    book = CalamineWorkbook.from_path(str(copy))
    assert book.sheet_names[0] == "Findings"
    rows = book.get_sheet_by_name("Findings").to_python()
    assert rows[0] == ["Severity", "Code", "Where", "Ref", "Finding"]
    assert ["error", "officer-unknown", "Plan!E5"] == rows[1][:3]
    wb = openpyxl.load_workbook(copy)
    assert wb["Plan"]["E5"].fill.fgColor.rgb.endswith("F4A582")
    assert wb["Plan"]["C11"].fill.fgColor.rgb.endswith("FFE08A")
    assert "not on the Officers sheet" in wb["Plan"]["E5"].comment.text
    assert wb["Findings"]["C2"].hyperlink.location == "'Plan'!E5"
    formatted = openpyxl.load_workbook(copy, rich_text=True)["Plan"]["L4"].value
    assert isinstance(formatted, CellRichText) and formatted[0].font.b  # not flattened


def test_nan_and_infinity_typed_as_percent_stay_text(example_path):
    # Python's float() reads "NaN" and "inf"; Excel cannot hold either as a number, so
    # a save that wrote them as numbers would give a workbook Excel refuses to open
    _break(example_path, {"K2": "NaN", "K3": "inf"})
    report = cip_xl.validate(example_path)
    codes = _codes(report)
    assert codes[("percent-invalid", "K2")] == "error"
    assert codes[("percent-invalid", "K3")] == "error"
    assert any("'NaN' is not a number" in f.message for f in report.findings)
    cip_xl.refresh_status(example_path)
    wb = CalamineWorkbook.from_path(str(example_path))
    rows = wb.get_sheet_by_name("Plan").to_python()
    assert rows[1][10] == "NaN" and rows[2][10] == "inf"
    opened = openpyxl.load_workbook(example_path)  # and the file is still well formed
    assert opened["Plan"]["K2"].value == "NaN"


def test_the_findings_sheet_holds_text_even_for_a_ref_typed_as_a_formula(example_path):
    wb = openpyxl.load_workbook(example_path)
    wb["Plan"]["A5"] = wb["Plan"]["A6"] = "=A4"  # a formula typed into two Refs
    wb.save(example_path)
    report = cip_xl.validate(example_path)
    assert any(f.code == "formula-in-cell" and f.cell == "A5" for f in report.findings)
    assert any(f.code == "ref-duplicate" and f.ref == "=A4" for f in report.findings)
    checked = cip_xl.annotate(example_path, report.findings)
    findings = openpyxl.load_workbook(checked)["Findings"]
    assert [c.coordinate for row in findings.iter_rows() for c in row
            if c.data_type == "f"] == []
    assert "=A4" in [findings.cell(r, 4).value for r in range(2, findings.max_row + 1)]


def test_the_library_functions_stay_functions_once_their_modules_are_used(example_path):
    """``cip_xl.annotate`` was a module of the same name as the function: once the
    first annotated copy had imported it, the package's ``annotate`` was that module
    and the second call failed. No name the package exports may be a module's."""
    import importlib
    import pkgutil

    modules = {m.name for m in pkgutil.iter_modules(cip_xl.__path__)}
    assert modules.isdisjoint(cip_xl.__all__)
    report = cip_xl.validate(example_path)
    for name in sorted(modules):
        importlib.import_module(f"cip_xl.{name}")
    first = cip_xl.annotate(example_path, report.findings,
                            example_path.with_name("first.xlsx"))
    second = cip_xl.annotate(example_path, report.findings,
                             example_path.with_name("second.xlsx"))
    assert first.exists() and second.exists()
    assert all(callable(getattr(cip_xl, name)) for name in cip_xl.__all__)


def test_a_renamed_plan_sheet_is_named_with_the_way_to_keep_it(example_path):
    """A manager who renames the Plan sheet ('Plan 2026-27') was told the file was no
    cip-xl plan and to import it; now the message names the sheet and the profile line
    that keeps the name, and with that line every job works again."""
    wb = openpyxl.load_workbook(example_path)
    wb["Plan"].title = "Plan 2026-27"
    wb.save(example_path)
    result = run_cli("validate", str(example_path))
    assert result.returncode == 2 and "[plan-sheet-renamed]" in result.stderr
    assert "on a sheet named 'Plan 2026-27', not 'Plan'" in result.stderr
    assert "plan = Plan 2026-27" in result.stderr and "import" not in result.stderr
    (example_path.parent / "cip-xl.ini").write_text("[sheets]\nplan = Plan 2026-27\n",
                                                    encoding="utf-8")
    assert run_cli("validate", str(example_path)).returncode == 0
    assert run_cli("status", str(example_path)).returncode == 0


def test_a_column_of_months_typed_in_excel_is_one_note(example_path):
    """A council that types every target as a month ("Mar 2027", stored by Excel as
    the 1st, shown Mar-27) gets one note for them all, naming the first cell, not a
    note per action; each is read as its month."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    for row in range(2, 10):
        ws.cell(row, 6).value = datetime(2027, row % 12 + 1, 1)  # F: Target date
        ws.cell(row, 6).number_format = "mmm-yy"
    wb.save(example_path)
    report = cip_xl.validate(example_path)
    notes = [f for f in report.findings if f.code == "date-as-month"]
    assert [(f.severity, f.cell) for f in notes] == [("info", "F2")]
    assert notes[0].message.startswith("8 target and revised dates")
    assert {a.target_date for a in report.plan.actions if a.row < 10} == \
        {f"{datetime(2027, row % 12 + 1, 1):%b} 2027" for row in range(2, 10)}


def test_a_theme_order_typed_as_words_is_named_before_a_save_replaces_it(example_path):
    wb = openpyxl.load_workbook(example_path)
    wb["Themes"]["A3"].value = "second"
    wb.save(example_path)
    found = [f for f in cip_xl.validate(example_path).findings
             if f.code == "theme-order-not-number"]
    assert [(f.sheet, f.cell) for f in found] == [("Themes", "A3")]
    assert "'second', not a number" in found[0].message
    result = run_cli("status", str(example_path))
    assert result.returncode == 0 and "Themes!A3" in result.stdout + result.stderr
    themes = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Themes")
    assert themes.to_python()[2][0] == 2  # its place, written where the words were


def test_the_checked_copy_keeps_a_findings_sheet_of_the_councils_own(example_path):
    wb = openpyxl.load_workbook(example_path)
    theirs = wb.create_sheet("Findings")
    theirs.append(["Inspection finding", "Owner"])
    theirs.append(["Improve member training", "HLD"])
    wb["Plan"]["E5"] = "XYZ"  # something to find
    wb.save(example_path)
    result = run_cli("validate", str(example_path), "--annotate")
    checked = example_path.with_name(f"{example_path.stem}.checked.xlsx")
    assert checked.is_file(), result.stdout + result.stderr
    book = CalamineWorkbook.from_path(str(checked))
    assert book.sheet_names[0] == "cip-xl findings"
    assert book.get_sheet_by_name("Findings").to_python() == [
        ["Inspection finding", "Owner"], ["Improve member training", "HLD"]]
    ours = book.get_sheet_by_name("cip-xl findings").to_python()
    assert ours[0][:3] == ["Severity", "Code", "Where"] and "officer-unknown" in \
        [row[1] for row in ours]
    # a checked copy checked again: its own findings sheet is replaced, not doubled
    again = run_cli("validate", str(checked), "--annotate", "-o",
                    str(checked.with_name("twice.xlsx")))
    assert again.returncode in (0, 1), again.stderr
    names = CalamineWorkbook.from_path(str(checked.with_name("twice.xlsx"))).sheet_names
    assert names.count("cip-xl findings") == 1 and names.count("Findings") == 1


@pytest.mark.parametrize("typed, says", [
    ("c. 60", "type it as a number: 60"),
    ("60-70%", "it is a range: type one number, 60"),
    ("about half", "type it as a number: 50"),
    ("Complete", "is a status: pick it in the Status column"),
    ("nearly 100", "is a bound, not a figure"),
    ("n/a", "leave it blank where no figure applies"),
    ("sixty", "type a number from 0 to 100"),
])
def test_a_percentage_in_words_says_what_to_type(example_path, typed, says):
    """% complete typed as words in the master stays as typed (nothing is changed
    behind the manager's back), and the error says what number to type."""
    _break(example_path, {"K3": typed})
    report = cip_xl.validate(example_path)
    found = next(f for f in report.findings if f.cell == "K3")
    assert found.code == "percent-invalid" and says in found.message
    assert report.plan.actions[1].percent_complete == typed


def test_a_theme_not_on_the_themes_sheet_suggests_the_one_meant(example_path):
    _break(example_path, {"B3": "Customers & Digital Services", "B4": "Managing our finance",
                          "B5": "Something else"})
    found = {f.cell: f.message for f in cip_xl.validate(example_path).findings
             if f.code == "theme-unknown"}
    assert "did you mean 'Customers and digital services'?" in found["B3"]
    assert "did you mean 'Managing our finances'?" in found["B4"]
    assert "did you mean" not in found["B5"]


def test_a_checked_copy_typed_into_is_not_written_over(example_path):
    """The checked copy looks like the plan, highlights and all, and a manager may make
    the fixes there; the next `validate --annotate` wrote over it, and what was typed
    was gone. A copy changed since cip-xl wrote it (or a file it did not write) is now
    refused, named, and left as it is; one unchanged is written over as before."""
    first = run_cli("validate", str(example_path), "--annotate")
    checked = example_path.with_name(f"{example_path.stem}.checked.xlsx")
    assert first.returncode == 0 and checked.exists(), first.stderr
    again = run_cli("validate", str(example_path), "--annotate")
    assert again.returncode == 0, again.stderr
    wb = openpyxl.load_workbook(checked)
    wb["Plan"]["L2"] = "Fixed in the checked copy"
    wb.save(checked)
    typed = checked.read_bytes()
    refused = run_cli("validate", str(example_path), "--annotate")
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "plan.checked.xlsx has been changed since cip-xl wrote it" in refused.stderr
    assert checked.read_bytes() == typed
    other = example_path.with_name("Budget notes.xlsx")
    other.write_bytes(typed)
    foreign = run_cli("validate", str(example_path), "--annotate", "-o", str(other))
    assert foreign.returncode == 2 and "was not written by" in foreign.stderr
    assert other.read_bytes() == typed
