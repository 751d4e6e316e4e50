"""Issuing returns: one workbook per department, protected, with dropdowns and a record."""
from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl.returns import META_SHEET, RETURN_SHEET, safe_file_name

from .conftest import run_cli
from .returns_helpers import headers, return_for


@pytest.fixture
def issued(example_path, tmp_path):
    folder = tmp_path / "returns"
    result = run_cli("returns", str(example_path), "-o", str(folder))
    assert result.returncode == 0, result.stderr
    return example_path, folder


def test_one_return_per_directorate_with_only_its_actions(issued):
    plan_path, folder = issued
    plan = cip_xl.load_plan(plan_path)
    directorate = {o.code: o.directorate for o in plan.officers}
    files = sorted(folder.glob("*.xlsx"))
    assert len(files) == 4
    seen = []
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        rows = book.get_sheet_by_name(RETURN_SHEET).to_python()
        lead = rows[0].index("Lead officer")
        departments = {directorate[r[lead]] for r in rows[1:]}
        assert len(departments) == 1 and departments.pop().replace(" ", "_") in path.name
        seen += [r[0] for r in rows[1:]]
    assert sorted(seen) == sorted(a.ref for a in plan.actions)


def test_only_officer_columns_are_unlocked(issued):
    _, folder = issued
    wb = openpyxl.load_workbook(return_for(folder, "Place"))
    ws = wb[RETURN_SHEET]
    assert ws.protection.sheet and wb.security.lockStructure
    columns = headers(ws)
    editable = {"Status", "% complete", "Progress update", "Proposed revised date",
                "Comment / reason for new date"}
    for header, column in columns.items():
        locked = ws.cell(2, column).protection.locked
        assert locked == (header not in editable), header
    validations = {dv.formula1: dv for dv in ws.data_validations.dataValidation}
    assert validations["StatusList"].showErrorMessage
    date_check = next(dv for dv in ws.data_validations.dataValidation if dv.type == "date")
    assert date_check.showErrorMessage
    # each checked cell says what it wants when selected (a screen reader reads it out)
    for sheet in (ws, wb["New actions"]):
        for dv in sheet.data_validations.dataValidation:
            assert dv.showInputMessage and dv.promptTitle and dv.prompt, (sheet.title,
                                                                          dv.sqref)
    assert wb[META_SHEET].sheet_state == "veryHidden"
    assert wb["Lists"].sheet_state == "hidden"
    assert wb.sheetnames[0] == "Instructions"
    assert "Proposed revised date" in " ".join(
        str(c.value) for c in wb["Instructions"]["A"] if c.value)
    action_id = ws.column_dimensions[openpyxl.utils.get_column_letter(columns["Action ID"])]
    assert action_id.hidden


def test_issuing_bumps_the_revision_and_logs_each_return(issued):
    plan_path, folder = issued
    plan = cip_xl.load_plan(plan_path)
    assert plan.settings.revision == 2
    assert sorted(r.file for r in plan.returns_log) == sorted(p.name for p in folder.glob("*.xlsx"))
    assert all(r.merged is None for r in plan.returns_log)


def test_returns_by_officer(example_path, tmp_path):
    issued = cip_xl.api.issue_returns(example_path, tmp_path / "r", by="officer")
    plan = cip_xl.load_plan(example_path)
    reader = plan.lead_officer_reader()
    assert {i.department for i in issued} == {reader(a)[0] for a in plan.actions}
    assert sum(i.actions for i in issued) == len(plan.actions)
    # each return says whose it is as they know themselves, not by a code alone
    from python_calamine import CalamineWorkbook

    officers = {o.code: o for o in plan.officers}
    for item in issued:
        officer = officers[item.department]
        line = CalamineWorkbook.from_path(str(item.path)).get_sheet_by_name(
            "Instructions").to_python()[1][0]
        assert line.startswith(f"For: {officer.name}, {officer.title} ({officer.code}). "), \
            line


def test_a_return_for_nobody_on_the_officers_sheet_says_so(example_path, tmp_path):
    """The Head of Finance's code deleted from the Officers sheet: their actions still
    get a return (nothing is left out), but issuing says it goes to nobody listed —
    by officer as 'HF', by directorate as 'No directorate' — and which row lost its
    code."""
    wb = openpyxl.load_workbook(example_path)
    row = next(r for r in wb["Officers"].iter_rows(min_row=2) if r[0].value == "HF")
    row[0].value = None
    wb.save(example_path)
    fix = f"Row {row[0].row} of the Officers sheet (Head of Finance) has no code: type HF " \
        f"in A{row[0].row}."
    plan = cip_xl.load_plan(example_path)
    hf = [a.ref for a in plan.actions if a.lead_officer == "HF"]

    by_officer = cip_xl.api.issue_returns(example_path, tmp_path / "o", by="officer")
    assert sum(i.actions for i in by_officer) == len(plan.actions)
    said = [f.message for f in by_officer.findings if f.code == "returns-officer-unknown"]
    assert len(said) == 1 and said[0].startswith(f"HF leads {len(hf)} actions")
    assert fix in said[0]

    by_directorate = cip_xl.api.issue_returns(example_path, tmp_path / "d",
                                              by="directorate", new_round=True)
    assert "No directorate" in {i.department for i in by_directorate}
    said = [f.message for f in by_directorate.findings if f.code == "returns-no-directorate"]
    assert len(said) == 1 and "their lead officer (HF) is not on the Officers sheet" in said[0]
    assert fix in said[0] and all(ref in said[0] for ref in hf[:6])


@pytest.mark.parametrize("parts, expected", [
    (("Return", "Chief Executive's Office", "2026-09-30", "r2"),
     "Return_Chief_Executive's_Office_2026-09-30_r2.xlsx"),
    (("Housing/Planning: Q2?",), "Housing-Planning-_Q2.xlsx"),
    (("CON",), "return_CON.xlsx"),
    (("..~hidden",), "hidden.xlsx"),
    (("",), "return.xlsx"),
])
def test_safe_file_names(parts, expected):
    assert safe_file_name(*parts) == expected


def test_names_that_look_like_formulas_stay_text_in_every_return(tmp_path):
    """A theme, directorate or plan title starting with "=" is text in the dropdown
    list, the instructions and the record of each return, built or copied, and such a
    return still merges."""
    from cip_xl.example import example_plan

    from .returns_helpers import edit_return

    plan = example_plan()
    old = plan.themes[0].name
    plan.themes[0].name = "=Growth"
    for action in plan.actions:
        if action.theme == old:
            action.theme = "=Growth"
    plan.officers[0].directorate = "=Place"
    plan.settings.plan_title = "=Council Plan"
    path = tmp_path / "plan.xlsx"
    cip_xl.save_plan(plan, path)
    issued = cip_xl.issue_returns(path, tmp_path / "returns")
    assert len(issued) > 1  # the first built, the others copied
    for item in issued:
        wb = openpyxl.load_workbook(item.path)
        formulas = [f"{ws.title}!{c.coordinate}" for ws in wb.worksheets
                    for row in ws.iter_rows() for c in row if c.data_type == "f"]
        assert formulas == [], item.path.name
        lists = CalamineWorkbook.from_path(str(item.path)).get_sheet_by_name("Lists")
        assert "=Growth" in [r[1] for r in lists.to_python()]
    place = next(i.path for i in issued if "Place" in i.path.name and "=" in i.path.name)
    ws = openpyxl.load_workbook(place)[RETURN_SHEET]
    ref = ws.cell(2, headers(ws)["Ref"]).value
    edit_return(place, {(ref, "Progress update"): "Moved on this quarter."})
    result = cip_xl.merge(path, [place])
    assert [o for o in result.outcomes if o.applied], result.outcomes
    action = next(a for a in cip_xl.load_plan(path).actions if a.ref == ref)
    assert action.progress_update == "Moved on this quarter."


def test_the_instructions_print_whole_on_a_page(issued, tmp_path):
    """An officer who prints the return gets every line of the Instructions sheet:
    LibreOffice's PDF of it holds each issued line in full, none cut at the margin;
    and the New actions sheet's columns side by side on one page."""
    import shutil
    import subprocess

    from .conftest import convert_with_libreoffice

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    place = return_for(issued[1], "Place")
    record = CalamineWorkbook.from_path(str(place)).get_sheet_by_name(META_SHEET).to_python()
    lines = json.loads(next(row[1] for row in record if row and row[0] == "instructions"))
    pdf = convert_with_libreoffice(place, "pdf", tmp_path)
    page = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    printed = " ".join(page.split())
    for line in filter(str.strip, lines):
        assert " ".join(line.split()) in printed, line
    # the New actions sheet's four wide columns on one page, not a page each
    pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout.split("\f")
    new_actions = next(p for p in pages if "Proposed key action" in p)
    assert all(heading in new_actions for heading in ("Theme", "Target date",
                                                      "Why it is needed"))


def test_a_plan_without_actions_issues_nothing(tmp_path):
    """A round of no returns would only move the revision on: refused, plan untouched."""
    plan = tmp_path / "plan.xlsx"
    assert run_cli("new", str(plan)).returncode == 0
    before = plan.read_bytes()
    result = run_cli("returns", str(plan), "-o", str(tmp_path / "returns"))
    assert result.returncode == 2 and "plan.xlsx" in result.stderr
    assert "has no actions" in result.stderr and "[plan-empty]" in result.stderr
    assert plan.read_bytes() == before and not (tmp_path / "returns").exists()


def test_the_merge_command_suggested_can_be_typed_as_shown(example_path, tmp_path):
    """A plan named as councils name them — spaces, brackets, an ampersand — is quoted
    in the merge command 'returns' suggests, so that pasting it into a shell runs it."""
    import shlex
    import shutil
    import subprocess
    import sys

    plan = tmp_path / "CIP 2026-27 (draft) & co.xlsx"
    shutil.copy(example_path, plan)
    issued = run_cli("returns", plan.name, "-o", "out", cwd=tmp_path)
    assert issued.returncode == 0, issued.stderr
    suggested = issued.stdout.rsplit("merge it with: ", 1)[1].strip()
    assert suggested == f'cip-xl merge "{plan.name}" returned/'
    words = shlex.split(suggested)
    assert words[:3] == ["cip-xl", "merge", plan.name]
    shutil.copytree(tmp_path / "out", tmp_path / "returned")
    command = suggested.replace("cip-xl", f"{shlex.quote(sys.executable)} -m cip_xl", 1)
    merged = subprocess.run(command, shell=True, cwd=tmp_path, capture_output=True,
                            text=True, timeout=300)
    assert merged.returncode == 0, merged.stdout + merged.stderr
    assert "Saved" in merged.stdout


def test_returns_carry_the_plans_sensitivity_label(example_path, tmp_path):
    """A council labels the plan OFFICIAL in Excel (a Microsoft Purview label that does
    not encrypt: custom properties MSIP_Label_...). The returns hold its actions: each
    carries the same label, so an officer is not asked to label it again — and the
    plan keeps its label through cip-xl's saves. An unlabelled plan's returns have
    none."""
    import zipfile

    from openpyxl.packaging.custom import StringProperty

    from cip_xl.plan_patch import custom_properties

    def label_of(path):
        with zipfile.ZipFile(path) as package:
            names = package.namelist()
            xml = package.read("docProps/custom.xml") if "docProps/custom.xml" in names \
                else b""
        return {k: v for k, v in custom_properties(xml).items() if k.startswith("MSIP_")}

    unlabelled = cip_xl.issue_returns(example_path, tmp_path / "plain")
    assert all(label_of(item.path) == {} for item in unlabelled)

    label = {"MSIP_Label_5f1d_Enabled": "true", "MSIP_Label_5f1d_Name": "OFFICIAL",
             "MSIP_Label_5f1d_SiteId": "0a1b2c3d", "MSIP_Label_5f1d_Method": "Standard"}
    wb = openpyxl.load_workbook(example_path)
    for name, value in label.items():
        wb.custom_doc_props.append(StringProperty(name=name, value=value))
    wb.save(example_path)
    issued = cip_xl.issue_returns(example_path, tmp_path / "labelled", new_round=True)
    assert len(issued) > 1
    for item in issued:
        assert label_of(item.path) == label, item.path.name
    assert label_of(example_path) == label  # kept by the save that logged the round
    place = next(item.path for item in issued if item.department == "Place")
    assert cip_xl.merge(example_path, [place]).outcomes[0].refused is False


def test_choices_are_taken_in_any_case(example_path, tmp_path):
    """'--by Officer' (as the help writes officers) and '--format JSON' were refused by
    the option parser: choices are taken in any case."""

    result = run_cli("returns", str(example_path), "-o", str(tmp_path / "r"), "--by", "Officer")
    assert result.returncode == 0, result.stdout + result.stderr
    plan = cip_xl.load_plan(example_path)
    assert {r.department for r in plan.returns_log} == {a.lead_officer for a in plan.actions}
    checked = run_cli("validate", str(example_path), "--format", "JSON")
    assert checked.returncode == 0 and json.loads(checked.stdout)["ok"] is True


def test_a_new_quarters_returns_set_its_reporting_date(example_path, tmp_path):
    """`returns --reporting-date 31/12/2026`: the plan's Settings say 31/12/2026 (read
    back with calamine), the Audit sheet says who moved it from 30/09/2026, and each
    return asks for progress as at 31 December 2026 — no trip to the Settings sheet."""
    made = run_cli("returns", str(example_path), "-o", str(tmp_path / "q3"),
                   "--reporting-date", "31/12/2026", "--new-round",
                   env={"USER": "improvement.manager"})
    assert made.returncode == 0, made.stderr
    book = CalamineWorkbook.from_path(str(example_path))
    settings = {r[0]: r[1] for r in book.get_sheet_by_name("Settings").to_python() if r}
    assert settings["Reporting date"] == date(2026, 12, 31)
    audit = book.get_sheet_by_name("Audit").to_python()
    moved = [dict(zip(audit[0], row)) for row in audit[1:] if "Reporting date" in str(row)]
    assert len(moved) == 1 and moved[0]["Who / return"] == "improvement.manager"
    assert (moved[0]["Old value"], moved[0]["New value"]) == (date(2026, 9, 30),
                                                              date(2026, 12, 31))
    one = next((tmp_path / "q3").glob("*.xlsx"))
    lines = [str(row[0]) for row in CalamineWorkbook.from_path(str(one))
             .get_sheet_by_name("Instructions").to_python() if row]
    assert any("as at 31 December 2026" in line for line in lines)


def test_one_departments_return_keeps_the_rounds_reporting_date(issued, tmp_path):
    """Issuing one department's return again with another reporting date would leave
    the round asking two dates: refused, the plan unchanged; the same date is fine."""
    plan_path, _ = issued
    before = plan_path.read_bytes()
    moved = run_cli("returns", str(plan_path), "-o", str(tmp_path / "again"),
                    "--department", "Place", "--reporting-date", "31/12/2026")
    assert moved.returncode != 0 and "[returns-date-in-round]" in moved.stderr
    assert "ask for progress as at 30/09/2026" in moved.stderr
    assert plan_path.read_bytes() == before and not (tmp_path / "again").exists()
    same = run_cli("returns", str(plan_path), "-o", str(tmp_path / "again"),
                   "--department", "Place", "--reporting-date", "30/09/2026")
    assert same.returncode == 0, same.stderr


def test_returns_from_a_plan_with_no_reporting_date_say_so(example_path, tmp_path):
    """A plan carried forward has no reporting date until it is set: its returns would
    not say as at when officers report. The round goes out with a warning giving
    the command that sets it."""
    plan = cip_xl.load_plan(example_path)
    plan.settings.reporting_date = None
    cip_xl.api.save_plan(plan, example_path)
    made = run_cli("returns", str(example_path), "-o", str(tmp_path / "r"), "--new-round")
    assert made.returncode == 0, made.stderr
    said = " ".join(made.stderr.split())
    assert "[reporting-date-missing]" in said and "--reporting-date " in said
    dated = run_cli("returns", str(example_path), "-o", str(tmp_path / "r2"),
                    "--new-round", "--reporting-date", "31/12/2026")
    assert dated.returncode == 0 and "reporting-date-missing" not in dated.stderr


def test_a_meeting_date_left_from_last_quarter_is_warned_of(example_path, tmp_path):
    """Moving the quarter on leaves the meeting date at last quarter's committee (the
    example's 21/10/2026, before 31/12/2026): the round goes out with a warning naming
    its cell, and `validate` says the same until a later meeting date is set."""
    made = run_cli("returns", str(example_path), "-o", str(tmp_path / "q3"),
                   "--reporting-date", "31/12/2026", "--new-round")
    assert made.returncode == 0, made.stderr
    said = " ".join(made.stderr.split())
    assert "[meeting-before-date]" in said and "21/10/2026" in said
    cell = cip_xl.load_plan(example_path).setting_cell("meeting_date")
    checked = json.loads(run_cli("validate", str(example_path), "--format", "JSON").stdout)
    gone = [f for f in checked["findings"] if f["code"] == "meeting-before-date"]
    assert [(f["sheet"], f["cell"], f["severity"]) for f in gone] == [
        ("Settings", cell, "warning")]
    plan = cip_xl.load_plan(example_path)
    plan.settings.meeting_date = date(2027, 1, 20)
    cip_xl.api.save_plan(plan, example_path)
    checked = run_cli("validate", str(example_path))
    assert checked.returncode == 0 and "meeting-before-date" not in checked.stdout
    again = run_cli("returns", str(example_path), "-o", str(tmp_path / "q3b"), "--new-round")
    assert again.returncode == 0 and "meeting-before-date" not in again.stderr
