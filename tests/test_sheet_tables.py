"""A plan whose sheets a council formatted as Excel Tables ("Format as Table"): rows a
save adds go into the table, as Excel does when a row is typed just below one, and no
sheet filter is ever written over a table (Excel calls that damage, and its repair
deletes the table)."""
from __future__ import annotations

import re
import zipfile
from datetime import date, datetime

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.table import Table, TableStyleInfo
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl import plan_patch
from cip_xl.example import fill_in_return
from cip_xl.filecheck import row_of
from cip_xl.model import AuditEntry
from cip_xl.returns import NEW_ACTIONS_SHEET
from cip_xl.sheet_tables import fitted_ref

from .conftest import convert_with_libreoffice

WHEN = datetime(2026, 11, 20, 9, 30)


def format_as_table(path, sheet: str, name: str) -> str:
    """Do what Excel's Format as Table does to ``sheet``'s rows: a table over them, with
    its own filter, and the sheet's filter (and its hidden name) gone. Its range."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    ws.auto_filter.ref = None
    last_row = max(ws.max_row, 2)  # a table has a row under its headings, even blank
    ref = f"A1:{get_column_letter(ws.max_column)}{last_row}"
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    ws.add_table(table)
    wb.save(path)
    return ref


def tables(path) -> dict[str, tuple[str, str, list[str]]]:
    """Each table of the file as the package holds it: name → (its range, its filter's
    range, its column names)."""
    found = {}
    with zipfile.ZipFile(path) as package:
        for part in package.namelist():
            if part.startswith("xl/tables/"):
                xml = package.read(part).decode()
                found[re.search(r'\bdisplayName="([^"]*)"', xml)[1]] = (
                    re.search(r'<table\b[^>]*\sref="([^"]*)"', xml)[1],
                    re.search(r'<autoFilter\b[^>]*\sref="([^"]*)"', xml)[1],
                    re.findall(r'<tableColumn\b[^>]*\sname="([^"]*)"', xml))
    return found


def sheet_filters(path, sheet: str) -> list[str]:
    """The sheet-level filters on ``sheet``, and hidden filter names pointing at it."""
    with zipfile.ZipFile(path) as package:
        workbook = package.read("xl/workbook.xml").decode()
        position = openpyxl.load_workbook(path, read_only=True).sheetnames.index(sheet)
        xml = package.read(f"xl/worksheets/sheet{position + 1}.xml").decode()
    names = re.findall(r'name="_xlnm\._FilterDatabase"[^>]*localSheetId="' + str(position)
                       + r'"|localSheetId="' + str(position) + r'"[^>]*name="_xlnm\.'
                       r'_FilterDatabase"', workbook)
    return re.findall(r"<autoFilter\b[^>]*>", xml) + names


@pytest.fixture(params=[True, False], ids=["patched", "full save"])
def patched(request, monkeypatch):
    """Run the test with saves patched as usual, then again with every save a full
    one through openpyxl (the path taken whenever the layout moved)."""
    if not request.param:
        monkeypatch.setattr(plan_patch, "patch_save", lambda *args, **kwargs: False)
    return request.param


def test_an_approved_action_goes_into_the_plans_table(example_path, tmp_path, patched):
    assert format_as_table(example_path, "Plan", "Actions") == "A1:Q41"
    issued = cip_xl.api.issue_returns(example_path, tmp_path / "returns")
    place = next(item.path for item in issued if "Place" in item.path.name)
    wb = openpyxl.load_workbook(place)
    wb[NEW_ACTIONS_SHEET]["A2"] = "Places and communities"
    wb[NEW_ACTIONS_SHEET]["B2"] = "Trial a garden waste app"
    wb[NEW_ACTIONS_SHEET]["C2"] = date(2027, 3, 31)
    wb.save(place)
    merged = cip_xl.api.merge(example_path, [place], when=WHEN)
    assert merged.saved
    request = next(r for r in merged.outcomes[0].requests if r.kind == "New action")
    cip_xl.api.approve(example_path, approve_ids={request.request_id}, by="IM")

    rows = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Plan").to_python()
    assert rows[41][3] == "Trial a garden waste app"  # row 42
    ref, filtered, columns = tables(example_path)["Actions"]
    assert (ref, filtered) == ("A1:Q42", "A1:Q42")
    assert columns == [str(heading) for heading in rows[0][:17]]
    assert sheet_filters(example_path, "Plan") == []
    # the table keeps growing, and a plan in a table reads and validates as before
    cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31))
    assert tables(example_path)["Actions"][0] == "A1:Q42"
    errors = [(f.cell, f.code) for f in cip_xl.validate(example_path).findings
              if f.severity == "error"]
    assert errors == [("E42", "required-missing")]  # its lead officer, still to name


def test_audit_entries_go_into_the_audit_table(example_path, tmp_path, patched):
    plan = cip_xl.load_plan(example_path)
    plan.audit = [AuditEntry(datetime(2026, 7, day, 9), "HR return", a.action_id, a.ref,
                             "Progress update", "before", f"after {day}", "R.xlsx")
                  for day, a in enumerate(plan.actions[:3], start=1)]
    cip_xl.save_plan(plan, example_path)
    assert format_as_table(example_path, "Audit", "Trail") == "A1:H4"

    issued = cip_xl.issue_returns(example_path, tmp_path / "returns", when=WHEN)
    place = next(i.path for i in issued if i.department == "Place")
    assert fill_in_return(place, (("5.1", "Progress update", "Inspector's letter in"),)) == 1
    assert cip_xl.merge(example_path, [place], when=WHEN).saved

    trail = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Audit").to_python()
    assert len(trail) == 6 and trail[4][6] == "Inspector's letter in"  # and Last updated
    assert tables(example_path)["Trail"][:2] == ("A1:H6", "A1:H6")
    assert sheet_filters(example_path, "Audit") == []


def test_a_filter_put_on_the_audit_sheet_grows_with_the_trail(example_path, tmp_path,
                                                               patched):
    """Data > Filter on the Audit sheet, to look at one action's history: the entries
    a merge adds are inside the filter, as they are when typed just below it."""
    plan = cip_xl.load_plan(example_path)
    plan.audit = [AuditEntry(datetime(2026, 7, day, 9), "HR return", a.action_id, a.ref,
                             "Progress update", "before", f"after {day}", "R.xlsx")
                  for day, a in enumerate(plan.actions[:3], start=1)]
    cip_xl.save_plan(plan, example_path)
    wb = openpyxl.load_workbook(example_path)
    wb["Audit"].auto_filter.ref = "A1:H4"
    wb.save(example_path)

    issued = cip_xl.issue_returns(example_path, tmp_path / "returns", when=WHEN)
    place = next(i.path for i in issued if i.department == "Place")
    assert fill_in_return(place, (("5.1", "Progress update", "Inspector's letter in"),)) == 1
    assert cip_xl.merge(example_path, [place], when=WHEN).saved

    assert openpyxl.load_workbook(example_path)["Audit"].auto_filter.ref == "A1:H6"
    with zipfile.ZipFile(example_path) as package:
        names = re.findall(r"_xlnm\._FilterDatabase[^>]*>([^<]*)",
                           package.read("xl/workbook.xml").decode())
    assert sorted(names) == ["'Audit'!$A$1:$H$6", "'Plan'!$A$1:$Q$41"]


@pytest.mark.libreoffice
def test_a_plan_in_a_table_resaved_by_libreoffice_keeps_growing(example_path, tmp_path):
    format_as_table(example_path, "Plan", "Actions")
    resaved = convert_with_libreoffice(example_path, "xlsx", tmp_path / "lo")
    assert tables(resaved)["Actions"][0] == "A1:Q41"
    plan = cip_xl.load_plan(resaved)
    added = plan.actions[-1].__class__(theme=plan.actions[-1].theme, key_action="Added",
                                       lead_officer=plan.actions[-1].lead_officer,
                                       target_date=date(2027, 3, 31))
    plan.actions.append(added)
    cip_xl.save_plan(plan, resaved)
    assert tables(resaved)["Actions"][:2] == ("A1:Q42", "A1:Q42")
    assert sheet_filters(resaved, "Plan") == []
    again = convert_with_libreoffice(resaved, "csv", tmp_path / "csv")
    assert "Added" in again.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("ref, totals, expected", [
    ("A1:Q41", 0, "A1:Q42"),       # the table of the rows: grown
    ("$A$1:$Q$41", 0, "A1:Q42"),   # as some writers spell it
    ("A1:Q50", 0, None),           # blank rows kept in it for typing: never shrunk
    ("A1:Q41", 1, None),           # a total row would have to move: left alone
    ("A3:Q41", 0, None),           # a table below the headings: someone else's
    ("S1:T5", 0, None),            # beside the columns written: someone else's
    ("B1:C2", 0, "B1:C42"),        # over some of the columns written: the rows' table
])
def test_which_tables_grow(ref, totals, expected):
    assert fitted_ref(ref, 1, 42, 1, 17, totals) == expected


def add_total_row(path, sheet: str, name: str) -> str:
    """Format ``sheet``'s rows as a table and turn on its Total Row, as Table Design >
    Total Row does: a row of sums just below the rows. The Total Row's first cell."""
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet]
    ws.auto_filter.ref = None
    total = ws.max_row + 1
    ws.cell(total, 1).value = "Total"
    ws.cell(total, 4).value = f"=SUBTOTAL(103,{name}[{ws.cell(1, 4).value}])"
    ws.add_table(Table(displayName=name, ref=f"A1:{get_column_letter(ws.max_column)}{total}",
                       totalsRowCount=1))
    wb.save(path)
    return f"A{total}"


@pytest.mark.parametrize("sheet", ["Plan", "Audit"])
def test_a_total_row_is_named_and_nothing_is_saved_over_it(example_path, tmp_path, sheet):
    """A Total Row sits where the next action or audit entry goes: reading does not take
    it for an action, validation names it, and saves refuse until it is turned off."""
    from .conftest import run_cli

    plan = cip_xl.load_plan(example_path)
    plan.audit = [AuditEntry(datetime(2026, 7, day, 9), "HR return", a.action_id, a.ref,
                             "Progress update", "before", f"after {day}", "R.xlsx")
                  for day, a in enumerate(plan.actions[:3], start=1)]
    cip_xl.save_plan(plan, example_path)
    issued = cip_xl.issue_returns(example_path, tmp_path / "returns", when=WHEN)
    place = next(i.path for i in issued if i.department == "Place")
    assert fill_in_return(place, (("5.1", "Progress update", "Inspector's letter in"),)) == 1
    cell = add_total_row(example_path, sheet, "Sums")
    assert cell == ("A42" if sheet == "Plan" else "A5")
    before = example_path.read_bytes()

    plan = cip_xl.load_plan(example_path)
    assert len(plan.actions) == 40 and "Total" not in {a.ref for a in plan.actions}
    errors = [(f.sheet, f.cell, f.code) for f in cip_xl.validate(example_path).findings
              if f.severity == "error"]
    assert errors == [(sheet, cell, "table-total-row")]

    merged = run_cli("merge", str(example_path), str(place))
    assert merged.returncode != 0
    assert f"{sheet}!{cell}" in merged.stderr + merged.stdout
    assert "Total Row" in merged.stderr + merged.stdout
    assert example_path.read_bytes() == before  # untouched

    wb = openpyxl.load_workbook(example_path)  # the Total Row turned off
    ws = wb[sheet]
    table = ws.tables["Sums"]
    table.totalsRowCount = None
    table.ref = f"A1:{get_column_letter(ws.max_column)}{row_of(cell) - 1}"
    for column in range(1, ws.max_column + 1):
        ws.cell(row_of(cell), column).value = None
    wb.save(example_path)
    assert cip_xl.merge(example_path, [place], when=WHEN).saved
    assert cip_xl.load_plan(example_path).audit[3].new == "Inspector's letter in"
