"""Saves that change only the cells whose values changed (cip_xl.plan_patch) give the
same workbook, as an independent reader sees it, as a full save through openpyxl; they
fall back to the full save whenever the layout moved, keep what openpyxl would drop,
and leave a workbook that already holds the answer untouched."""
from __future__ import annotations

import re
import shutil
import tempfile
import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl import plan_patch
from cip_xl.example import example_plan, fill_in_return
from cip_xl.safe_save import backups_of
from cip_xl.status import refresh

from .conftest import convert_with_libreoffice, refs_not_formatted

WHEN = datetime(2026, 11, 20, 9, 30)


@pytest.fixture
def outcomes(monkeypatch):
    """What each patched save attempt returned (True: patched, False: fell back)."""
    seen: list = []
    original = plan_patch.patch_save

    def spy(*args, **kwargs):
        seen.append(original(*args, **kwargs))
        return seen[-1]

    monkeypatch.setattr(plan_patch, "patch_save", spy)
    return seen


@pytest.fixture
def full_saves_only(monkeypatch):
    monkeypatch.setattr(plan_patch, "patch_save", lambda *a, **k: False)


def cell_facts(path):
    """Every cell's value and the formatting a reader of the sheet would notice."""
    wb = openpyxl.load_workbook(path)
    facts = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is None and not c.has_style:
                    continue
                facts[(ws.title, c.coordinate)] = (
                    c.value, c.number_format if c.value is not None else None,
                    (c.fill.fgColor.rgb or "")[-6:] if c.fill.fill_type else None,
                    bool(c.font.b), c.alignment.wrap_text, c.alignment.vertical,
                    bool(c.quotePrefix), c.protection.locked)
        for number, dim in ws.row_dimensions.items():
            if dim.height is not None:
                facts[(ws.title, f"row {number}")] = dim.height
        facts[(ws.title, "sheet")] = (ws.sheet_state, bool(ws.protection.sheet),
                                      ws.auto_filter.ref, ws.freeze_panes)
        facts[(ws.title, "validations")] = sorted(
            (dv.type, str(dv.sqref)) for dv in ws.data_validations.dataValidation)
        facts[(ws.title, "formats")] = sorted(
            (str(cf.sqref), r.formula[0]) for cf in ws.conditional_formatting
            for r in cf.rules)
    return facts


def type_into_plan(path, values: dict) -> dict:
    """Type ``values`` ({(row, header): value}) into the Plan sheet as Excel would keep
    them; return the column of each header."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Plan"]
    heads = {c.value: c.column for c in ws[1]}
    for (row, header), value in values.items():
        ws.cell(row, heads[header]).value = value
    wb.save(path)
    return heads


def without_saved_copy(path) -> None:
    """Remove the copy of ``path`` as cip-xl last saved it, before a save compared with
    the full save of a copy of the file: the Audit entries for what was typed in since
    (see tests/test_master_edits.py) would name each file, and differ by that alone."""
    from cip_xl.master_edits import saved_copy_path

    saved_copy_path(path).unlink(missing_ok=True)


def differences(a, b):
    keys = set(a) | set(b)
    return sorted((k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k))


def test_a_patched_status_matches_a_full_save(example_path, tmp_path, outcomes,
                                               monkeypatch):
    full = tmp_path / "full.xlsx"
    shutil.copy(example_path, full)
    later = date(2027, 1, 31)
    cip_xl.refresh_status(example_path, as_of=later)
    assert outcomes == [True]

    monkeypatch.setattr(plan_patch, "patch_save", lambda *a, **k: False)
    cip_xl.refresh_status(full, as_of=later)
    assert differences(cell_facts(example_path), cell_facts(full)) == []

    # and the verdicts are cached in the file for readers that do not recalculate
    plan = cip_xl.load_plan(example_path)
    judgements = refresh(plan, later)
    rows = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Plan").to_python()
    rag, ident = rows[0].index("RAG"), rows[0].index("Action ID")
    assert {r[ident]: r[rag] for r in rows[1:] if r[ident]} == \
        {k: j.label for k, j in judgements.items()}
    assert len({j.verdict.word for j in judgements.values()}) >= 3


def _merge_both_ways(example_path, tmp_path, monkeypatch):
    issued = cip_xl.issue_returns(example_path, tmp_path / "returns", when=WHEN)
    place = next(i.path for i in issued if i.department == "Place")
    assert fill_in_return(place) > 0
    full = tmp_path / "full.xlsx"
    shutil.copy(example_path, full)
    patched_result = cip_xl.merge(example_path, [place], when=WHEN)
    with monkeypatch.context() as m:
        m.setattr(plan_patch, "patch_save", lambda *a, **k: False)
        full_result = cip_xl.merge(full, [place], when=WHEN)
    return patched_result, full_result, full


def test_a_patched_merge_matches_a_full_merge(example_path, tmp_path, outcomes,
                                              monkeypatch):
    patched, full_result, full = _merge_both_ways(example_path, tmp_path, monkeypatch)
    assert outcomes == [True, True]  # issuing returns, then the merge
    assert patched.saved and full_result.saved
    assert differences(cell_facts(example_path), cell_facts(full)) == []
    audit = openpyxl.load_workbook(example_path)["Audit"]
    assert audit.max_row > 1 and audit["A2"].number_format.startswith("dd/mm/yyyy")


@pytest.mark.parametrize("change", ["append", "remove", "replace", "blank row"])
def test_the_audit_trail_is_saved_as_a_full_save_saves_it(example_path, tmp_path,
                                                          monkeypatch, outcomes, change):
    """A save compares only the audit entries it cannot know are in the file: those
    read from it and untouched are skipped. Whatever code does to the trail —
    appends, or removes or replaces an entry — and whatever the sheet holds (a row
    emptied by hand), the patched save gives the full save's Audit sheet."""
    from dataclasses import FrozenInstanceError, replace

    from cip_xl.model import AuditEntry

    plan = example_plan()
    plan.audit = [AuditEntry(datetime(2026, 7, day, 9), "HR return", a.action_id, a.ref,
                             "Progress update", "before", f"after {day}", "R.xlsx")
                  for day, a in enumerate(plan.actions[:6], start=1)]
    cip_xl.save_plan(plan, example_path)
    if change == "blank row":
        wb = openpyxl.load_workbook(example_path)
        for cell in wb["Audit"][3]:
            cell.value = None
        wb.save(example_path)
    def edit(reading):
        trail = reading.plan.audit
        with pytest.raises(FrozenInstanceError):
            trail[0].new = "edited"  # an entry cannot be changed
        if change == "remove":
            del trail[2]
        elif change == "replace":
            trail[1] = replace(trail[1], new="corrected")
        trail.append(AuditEntry(WHEN, "me", trail[0].action_id, trail[0].ref, "Status",
                                "On track", "Complete", "by hand"))

    full = _saved_both_ways(example_path, tmp_path, monkeypatch, edit)
    assert outcomes[-1] is True
    assert differences(cell_facts(example_path), cell_facts(full)) == []
    expected = 7 - (change in ("remove", "blank row"))  # six, one gone, one added
    assert len(cip_xl.load_plan(example_path).audit) == expected


def _saved_both_ways(path, tmp_path, monkeypatch, change):
    """Save ``path`` and a copy of it, each read with calamine and passed through
    ``change(reading)``: ``path`` as cip-xl saves it (patched when it can be), the copy
    with the full save. Returns the copy."""
    from cip_xl.plan_read import read_plan
    from cip_xl.plan_write import save_plan

    full = tmp_path / "full.xlsx"
    shutil.copy(path, full)
    without_saved_copy(path)
    for target, patched in ((path, True), (full, False)):
        if not patched:
            monkeypatch.setattr(plan_patch, "patch_save", lambda *a, **k: False)
        reading = read_plan(target, read_only=True)
        change(reading)
        save_plan(reading.plan, target, workbook=reading.workbook)
    return full


def _audit_rows(path):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Audit").to_python()


@pytest.mark.parametrize("patched", [True, False], ids=["patched", "full save"])
def test_jobs_that_skip_the_audit_trail_keep_it(example_path, tmp_path, monkeypatch,
                                               outcomes, patched):
    """Validate, status and issuing returns do not read the Audit sheet (it only grows,
    and they never use it). Saving leaves it as it was — patched, or read first when
    the save is a full one, or the plan goes to another file — and entries added in
    code to a plan read that way go after it."""
    from cip_xl.model import AuditEntry
    from cip_xl.plan_read import read_plan
    from cip_xl.plan_write import save_plan

    plan = example_plan()
    plan.audit = [AuditEntry(datetime(2026, 7, day, 9), "HR return", a.action_id, a.ref,
                             "Progress update", "before", f"after {day}", "R.xlsx")
                  for day, a in enumerate(plan.actions[:5], start=1)]
    cip_xl.save_plan(plan, example_path)
    before = _audit_rows(example_path)
    if not patched:
        monkeypatch.setattr(plan_patch, "patch_save", lambda *a, **k: False)

    report = cip_xl.validate(example_path)
    assert report.plan.source.audit_unread and report.plan.audit == []
    assert cip_xl.load_plan(example_path).audit == plan.audit  # read whole when asked
    result = cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31))
    assert result.saved
    cip_xl.api.issue_returns(example_path, tmp_path / "returns")
    assert _audit_rows(example_path) == before
    assert outcomes == ([True, True] if patched else [])

    added = AuditEntry(WHEN, "me", plan.actions[0].action_id, "1.1", "Status",
                       "On track", "Complete", "by hand")
    elsewhere = tmp_path / "copy.xlsx"
    reading = read_plan(example_path, read_only=True, audit=False)
    save_plan(reading.plan, elsewhere)  # to a new file: the whole trail goes with it
    assert cip_xl.load_plan(elsewhere).audit == plan.audit
    reading = read_plan(example_path, read_only=True, audit=False)
    reading.plan.audit.append(added)
    save_plan(reading.plan, example_path, workbook=reading.workbook)
    assert cip_xl.load_plan(example_path).audit == plan.audit + [added]


def _trail_of_five(path):
    """Save the example plan to ``path`` with five audit entries; return them."""
    from cip_xl.model import AuditEntry

    plan = example_plan()
    plan.audit = [AuditEntry(datetime(2026, 7, day, 9), "HR return", a.action_id, a.ref,
                             "Progress update", "before", f"after {day}", "R.xlsx")
                  for day, a in enumerate(plan.actions[:5], start=1)]
    cip_xl.save_plan(plan, path)
    return plan.audit


def _merge_and_approve(plan_path, folder, progress=("5.1", "Inspector's letter in"),
                       revised=("5.3", date(2027, 6, 30), "late vans")):
    """Issue returns, type a ``progress`` update (ref, text) and a ``revised`` date
    (ref, date, reason) into Place's, merge it and approve the date: the audit entries
    this adds, as (field, new value)."""
    issued = cip_xl.issue_returns(plan_path, folder, when=WHEN)
    place = next(i.path for i in issued if i.department == "Place")
    assert fill_in_return(place, ((progress[0], "Progress update", progress[1]),
                                  (revised[0], "Proposed revised date", revised[1]),
                                  (revised[0], "Comment / reason for new date", revised[2]))) == 3
    assert cip_xl.merge(plan_path, [place], when=WHEN).saved
    assert cip_xl.api.approve(plan_path, approve_all=True, by="Improvement manager").approved
    return [("Progress update", progress[1]), ("Last updated", None),
            ("Revised date", revised[1])]


@pytest.mark.parametrize("saved_by", ["cip-xl", pytest.param(
    "LibreOffice", marks=pytest.mark.libreoffice)])
def test_merging_and_approving_add_to_the_trail_without_reading_it(
        example_path, tmp_path, monkeypatch, outcomes, saved_by):
    """A merge and an approval only add to the audit trail, which on a plan some years
    old is tens of thousands of rows: they leave the Audit sheet unparsed and write
    the new entries below its last row — also when an office suite keeps the sheet's
    text in shared strings — and every entry reads back in order."""
    from cip_xl import plan_read

    old = _trail_of_five(example_path)
    if saved_by == "LibreOffice":
        resaved = convert_with_libreoffice(example_path, "xlsx", tmp_path / "lo")
        shutil.copy(resaved, example_path)
        with zipfile.ZipFile(example_path) as package:  # the headers are shared strings
            assert b'<c r="A1" s="' in package.read("xl/worksheets/sheet7.xml") and \
                b"Who / return" in package.read("xl/sharedStrings.xml")
    before = _audit_rows(example_path)

    def unread(*args, **kwargs):
        raise AssertionError("the Audit sheet was parsed")
    monkeypatch.setattr(plan_read, "_read_audit", unread)
    added = _merge_and_approve(example_path, tmp_path / "returns")
    assert outcomes == [True, True, True]  # issuing, merging, approving: all patched
    monkeypatch.undo()

    rows = _audit_rows(example_path)
    assert rows[:len(before)] == before
    assert [(r[4], r[6] if r[4] != "Last updated" else None)
            for r in rows[len(before):]] == added
    trail = cip_xl.load_plan(example_path).audit
    assert trail[:5] == old and len(trail) == 5 + len(added)
    assert trail[5].source.startswith("Return_Place_2026-11-20_r2.xlsx!Return!")
    assert trail[5].when == trail[6].when == WHEN  # the merge's; approving is now


@pytest.mark.parametrize("patched", [True, False], ids=["patched", "full save"])
def test_the_trail_goes_on_below_its_last_entry_into_rows_formatted_for_it(
        example_path, tmp_path, monkeypatch, outcomes, patched):
    """New entries go right below the trail's last entry — into the blank rows a
    council drew borders down ahead of them, their formatting kept, and past a marked
    cell further down — whether the save is patched or a full one; gaps in the trail
    stay as they are."""
    from openpyxl.styles import Border, PatternFill, Side

    old = _trail_of_five(example_path)
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Audit"]
    ws.delete_rows(4)  # a gap: row 4 left empty
    ws.insert_rows(4)
    ws["A4"].fill = ws["A30"].fill = PatternFill("solid", fgColor="FFFF00")
    line = Side(style="thin")
    for row in range(7, 31):
        for column in range(1, 9):
            ws.cell(row, column).border = Border(top=line, bottom=line)
    wb.save(example_path)
    if not patched:
        monkeypatch.setattr(plan_patch, "patch_save", lambda *a, **k: False)

    added = _merge_and_approve(example_path, tmp_path / "returns")
    assert outcomes == ([True, True, True] if patched else [])
    rows = _audit_rows(example_path)
    assert len(rows) == 6 + len(added) and rows[3] == [""] * 8  # (blank rows trimmed)
    assert [r[4] for r in rows[6:]] == [field for field, _ in added]
    ws = openpyxl.load_workbook(example_path)["Audit"]
    assert ws["A7"].border.top.style == "thin" and ws["A7"].number_format == \
        "dd/mm/yyyy hh:mm" and ws.max_row == 30
    assert ws["A30"].fill.fgColor.rgb.endswith("FFFF00")
    trail = cip_xl.load_plan(example_path).audit
    assert trail[:4] == old[:2] + old[3:] and len(trail) == 4 + len(added)


def _comparable(value):
    """A cell's value as calamine reads it and as the plan holds it, made comparable:
    a date-time at midnight is its date, a whole float its int, blank text None."""
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None if value == "" else value


@pytest.mark.parametrize("patched", [True, False], ids=["patched", "full save"])
@pytest.mark.parametrize("sheet, column, heading", [
    ("Audit", 1, "Date and time"), ("Audit", 6, None), ("Officers", 2, "Phone"),
    ("Review log", 1, "Note"), ("Change requests", 15, "Notes"), ("Returns", 3, "")])
def test_columns_moved_on_the_sheets_cip_xl_keeps_are_written_under_their_headings(
        example_path, tmp_path, monkeypatch, outcomes, sheet, column, heading, patched):
    """A column inserted among the Officers, the logs' or the Returns sheet's columns,
    or two columns swapped: each is found by its heading, read as before, and every
    save — a merge, an approval, a full save — writes each value under its heading and
    leaves the council's own column as it was."""
    from cip_xl.plan_write import table_contents

    if not patched:
        monkeypatch.setattr(plan_patch, "patch_save", lambda *args, **kwargs: False)
    _trail_of_five(example_path)
    _merge_and_approve(example_path, tmp_path / "first")  # rows on every log
    before = cip_xl.load_plan(example_path)
    wb = openpyxl.load_workbook(example_path)
    ws = wb[sheet]
    if heading is None:  # columns swapped, with their values
        for row in ws.iter_rows(min_col=column, max_col=column + 1):
            row[0].value, row[1].value = row[1].value, row[0].value
    else:
        ws.insert_cols(column)
        ws.cell(1, column).value = heading or None
        ws.cell(2, column).value = "typed by the council"
    wb.save(example_path)

    again = cip_xl.load_plan(example_path)  # read by heading: the same plan
    assert (again.officers, again.audit, again.review_log, again.change_requests,
            again.returns_log) == (before.officers, before.audit, before.review_log,
                                   before.change_requests, before.returns_log)
    assert not [f for f in cip_xl.validate(example_path).findings
                if f.code.startswith("table-")]
    saves = len(outcomes)
    _merge_and_approve(example_path, tmp_path / "second", ("5.2", "Second quarter's news"),
                       ("5.4", date(2027, 9, 30), "funding"))
    if patched:  # issuing, merging, approving: each saved by changing cells only
        assert outcomes[saves:] == [True, True, True]
    cip_xl.save_plan(cip_xl.load_plan(example_path), example_path)  # a full save too

    plan = cip_xl.load_plan(example_path)
    assert plan.audit[:len(before.audit)] == before.audit
    assert ("Progress update", "Second quarter's news") in {
        (e.field, e.new) for e in plan.audit[len(before.audit):]}
    key = next(key for key, spec, _ in table_contents(plan) if spec.name == sheet)
    spec, rows = next((spec, rows) for k, spec, rows in table_contents(plan) if k == key)
    cells = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name(sheet).to_python()
    where = {heading_: index for index, heading_ in enumerate(cells[0]) if heading_}
    assert len(rows) > 1
    for number, values in enumerate(rows, start=1):
        row = cells[number] + [""] * (len(cells[0]) - len(cells[number]))
        assert [_comparable(row[where[h]]) for h in spec.headers] == \
            [_comparable(v) for v in values], (sheet, number)
    if heading is not None:
        assert (cells[0][column - 1], cells[1][column - 1]) == (heading, "typed by the council")


@pytest.mark.parametrize("sheet, change, code, cell", [
    ("Settings", lambda ws: ws.insert_cols(2), "table-columns-moved", "B1"),
    ("Audit", lambda ws: setattr(ws["F1"], "value", "Previous value"),
     "table-column-missing", "F1"),
    ("Officers", lambda ws: setattr(ws["F1"], "value", "name"), "table-column-twice", "F1"),
])
def test_a_sheet_whose_headings_cannot_be_found_is_not_saved(
        example_path, tmp_path, sheet, change, code, cell):
    """A heading renamed, deleted or typed twice on a sheet cip-xl keeps (or anything
    but Setting and Value in A and B of Settings): the next save could not tell where
    values go. Validation says where, and jobs that save refuse with the same message,
    leaving the master — and no unmergeable returns — behind."""
    _trail_of_five(example_path)
    wb = openpyxl.load_workbook(example_path)
    change(wb[sheet])
    wb.save(example_path)

    found = [f for f in cip_xl.validate(example_path).findings if f.code.startswith("table-")]
    assert [(f.code, f.sheet, f.cell, f.severity) for f in found] == [
        (code, sheet, cell, "error")]
    before = example_path.read_bytes()
    folder = tmp_path / "returns"
    for job in (lambda: cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31)),
                lambda: cip_xl.issue_returns(example_path, folder)):
        with pytest.raises(cip_xl.PlanFileError) as refused:
            job()
        finding = refused.value.finding
        assert (finding.code, finding.sheet, finding.cell) == (code, sheet, cell)
        assert "Nothing was changed" in finding.message
        assert example_path.read_bytes() == before
    assert not list(folder.glob("*.xlsx"))  # written, then taken back


def test_a_council_column_right_of_the_logs_is_kept(example_path, tmp_path, outcomes):
    """Columns to the right of cip-xl's on the sheets it writes by position are the
    council's: saves, patched and full, leave them as they are."""
    wb = openpyxl.load_workbook(example_path)
    wb["Officers"]["F1"], wb["Officers"]["F2"] = "Phone", "01234 567890"
    wb["Audit"]["I1"], wb["Audit"]["I2"] = "Checked by", "internal audit"
    wb.save(example_path)
    _merge_and_approve(example_path, tmp_path / "returns")
    cip_xl.save_plan(cip_xl.load_plan(example_path), example_path)  # a full save
    assert outcomes == [True, True, True]
    wb = openpyxl.load_workbook(example_path)
    assert (wb["Officers"]["F1"].value, wb["Officers"]["F2"].value) == ("Phone",
                                                                        "01234 567890")
    assert (wb["Audit"]["I1"].value, wb["Audit"]["I2"].value) == ("Checked by",
                                                                  "internal audit")
    assert "table-columns-moved" not in {f.code for f in
                                         cip_xl.validate(example_path).findings}


def test_shared_strings_and_first_row_read_from_the_xml():
    """The Audit sheet's headers are checked without parsing the sheet: row 1 read from
    the XML, shared strings looked up by index (rich text joined, phonetic guides
    refused), inline strings and numbers as they are."""
    from cip_xl.xlsx_patch import SharedStrings, SheetXml

    table = (b'<sst><si><t>When</t></si><si/><si><r><t>Who </t></r><r>'
             b'<rPr><b/></rPr><t xml:space="preserve">/ return</t></r></si>'
             b'<si><t>\xe6\x9d\xb1</t><rPh sb="0" eb="1"><t>\xe3\x81\xa8'
             b'</t></rPh></si><si><t>A &amp; B</t></si></sst>')
    texts = [None, "When", "", "Who / return", None, "A & B", None]
    for piece in (len(table), 1, 2, 3, 5, 7):  # the table as its stream gives it
        shared = SharedStrings(table[at:at + piece] for at in range(0, len(table), piece))
        assert [shared.text(i) for i in range(-1, 6)] == texts
        shared = SharedStrings(table[at:at + piece] for at in range(0, len(table), piece))
        assert [shared.text(i) for i in range(5, -2, -1)] == texts[::-1]
    shared = SharedStrings([table])
    sheet = SheetXml(b'<worksheet><dimension ref="A1:D3"/><sheetData><row r="1">'
                     b'<c r="A1" t="s"><v>0</v></c><c r="B1" t="s" s="2"><v>2</v></c>'
                     b'<c r="C1" t="inlineStr"><is><t>Action ID</t></is></c>'
                     b'<c r="E1"><v>3.5</v></c><c r="F1" s="1"/></row>'
                     b'<row r="3" spans="1:2"><c r="A3"><v>1</v></c></row>'
                     b'<rowBreaks/></sheetData></worksheet>'.replace(b"<rowBreaks/>", b""))
    assert sheet.first_row_values(shared) == {1: "When", 2: "Who / return",
                                              3: "Action ID", 5: 3.5}
    assert sheet.first_row_values(None)[1] is None
    assert sheet.last_row() == 3
    assert SheetXml(b"<worksheet><sheetData/></worksheet>").last_row() == 0
    from cip_xl.xlsx_patch import PatchError, SheetEdits

    full = SheetXml(b'<worksheet><sheetData><row r="1048575"><c r="A1048575"><v>1</v>'
                    b"</c></row></sheetData></worksheet>")
    edits = SheetEdits(appended={1048576: [(1, "last", 0)]})
    assert b'<row r="1048576">' in full.apply(edits)
    edits.appended[1048577] = [(1, "beyond", 0)]
    with pytest.raises(PatchError, match="last row"):  # the save goes the full way
        full.apply(edits)
    assert SheetXml(b'<worksheet><sheetData><row r="2"><c r="A2"><v>1</v></c></row>'
                    b"</sheetData></worksheet>").first_row_values(shared) == {}


def test_appended_rows_are_written_as_each_cell_would_be():
    """New log rows are built as one text on a short way for plain text and dates; the
    XML must be byte for byte what :func:`cell_xml` writes cell by cell, for text of
    every kind (markup characters, spaces around it, escape look-alikes, control
    characters, characters no workbook keeps), dates, times, numbers and booleans."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from cip_xl.xlsx_patch import _appended_row, _letters, cell_xml

    value = st.one_of(
        st.text(max_size=20), st.sampled_from(["_x0041_", "a_X00fF_b", "Return_Place_1",
                                               " lead", "trail\t", "A & B <c>", "x\ny"]),
        st.datetimes(min_value=datetime(1900, 3, 1)), st.dates(min_value=date(1900, 3, 1)),
        st.times(), st.integers(-10**9, 10**9), st.floats(allow_nan=False,
                                                           allow_infinity=False),
        st.booleans())

    @settings(max_examples=300, deadline=None)
    @given(row=st.integers(1, 1_048_576),
           cells=st.lists(st.tuples(st.integers(1, 16384), value, st.integers(0, 60)),
                          max_size=10))
    def check(row, cells):
        number = str(row).encode()
        expected = b'<row r="%s">%s</row>' % (number, b"".join(
            cell_xml(_letters(c) + number, v, str(s).encode()) for c, v, s in cells))
        assert _appended_row(row, cells) == expected
    check()


def test_a_first_row_read_from_the_xml_is_what_calamine_reads(tmp_path):
    """Row 1 of a sheet not parsed — read from the XML's start, shared strings looked
    up as far as needed — gives what python-calamine gives, for text of every kind that
    openpyxl keeps in shared strings (spaces around it, markup characters, accents,
    long tables before it), numbers and gaps."""
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from cip_xl.fastbook import FastWorkbook, forget

    from openpyxl.cell.cell import ERROR_CODES

    # text openpyxl keeps as text: "#REF!" and the other error words it stores as errors
    text = st.text(st.characters(whitelist_categories=("L", "N", "P", "S", "Zs"),
                                 blacklist_characters="_"), max_size=30) \
        .filter(lambda t: t not in ERROR_CODES)
    cell = st.one_of(text, st.none(), st.integers(-10**6, 10**6),
                     st.floats(allow_nan=False, allow_infinity=False, width=32))

    @settings(max_examples=40, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(first=st.lists(cell, max_size=12), before=st.lists(text, max_size=300))
    def check(first, before):
        path = tmp_path / "book.xlsx"
        wb = openpyxl.Workbook()
        filler = wb.active  # its strings come first in the shared strings table
        for row, value in enumerate(before, start=1):
            filler.cell(row, 1, value or None)
        log = wb.create_sheet("Log")
        for column, value in enumerate(first, start=1):
            log.cell(1, column, value)
        log.cell(2, 1, "a row below")
        wb.save(path)
        forget()
        mine = FastWorkbook(path).first_row("Log")
        theirs = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Log").to_python(
            skip_empty_area=False)[0]
        def same(values):
            values = [None if v in ("", None) else float(v) if v.__class__ in (int, float)
                      else v for v in values]
            while values and values[-1] is None:
                values.pop()
            return values
        assert same(mine) == same(theirs)
    check()


def test_cells_a_full_save_would_rewrite_are_rewritten_by_a_patched_one(
        example_path, tmp_path, outcomes, monkeypatch):
    """Cells whose value equals what the plan holds but not how a save stores it — a
    number or TRUE in a text column, text with spaces around it, a whole number where
    calamine gives a float — are written as a full save writes them."""
    heads = type_into_plan(example_path, {
        (2, "Resource implications"): 5000, (3, "Target / outcomes"): True,
        (4, "Objective"): "  Spaces around  ", (5, "Progress update"): 3.25,
        (6, "% complete"): 40, (7, "Ref"): 7})
    full = tmp_path / "full.xlsx"
    shutil.copy(example_path, full)
    without_saved_copy(example_path)

    cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    assert outcomes == [True]
    with monkeypatch.context() as m:
        m.setattr(plan_patch, "patch_save", lambda *a, **k: False)
        cip_xl.refresh_status(full, as_of=date(2026, 12, 31))
    assert differences(cell_facts(example_path), cell_facts(full)) == []
    ws = openpyxl.load_workbook(example_path)["Plan"]
    assert ws.cell(2, heads["Resource implications"]).value == "5000"
    assert ws.cell(3, heads["Target / outcomes"]).value == "TRUE"
    assert ws.cell(4, heads["Objective"]).value == "Spaces around"
    assert ws.cell(7, heads["Ref"]).value == "7"


def test_text_like_a_formula_in_new_log_rows_keeps_its_quote_prefix(
        example_path, tmp_path, outcomes, monkeypatch):
    """Progress typed as "=see the note" lands in new audit and change-request rows as
    text with Excel's quote prefix (so editing the cell keeps it text), as a full save
    writes it."""
    issued = cip_xl.issue_returns(example_path, tmp_path / "returns", when=WHEN)
    place = next(i.path for i in issued if i.department == "Place")
    edits = (("5.1", "Progress update", "=see the note from the Chief Executive"),
             ("5.2", "Progress update", "-10% on budget, + two posts"),
             ("5.3", "Proposed revised date", date(2027, 6, 30)),
             ("5.3", "Comment / reason for new date", "@vehicles late"))
    assert fill_in_return(place, edits) == 4
    full = tmp_path / "full.xlsx"
    shutil.copy(example_path, full)
    cip_xl.merge(example_path, [place], when=WHEN)
    assert outcomes == [True, True]
    with monkeypatch.context() as m:
        m.setattr(plan_patch, "patch_save", lambda *a, **k: False)
        cip_xl.merge(full, [place], when=WHEN)
    assert differences(cell_facts(example_path), cell_facts(full)) == []
    wb = openpyxl.load_workbook(example_path)
    quoted = {c.value for ws in (wb["Audit"], wb["Change requests"])
              for row in ws.iter_rows(min_row=2) for c in row
              if isinstance(c.value, str) and c.value[:1] in "=-@" and c.quotePrefix}
    assert {"=see the note from the Chief Executive", "-10% on budget, + two posts",
            "@vehicles late"} <= quoted


@pytest.mark.parametrize("patched", [True, False], ids=["patched", "full save"])
@pytest.mark.parametrize("odd, kept, in_file", [
    ("Bell\x07 rung", "Bell\x07 rung", "Bell_x0007_ rung"),
    ("Word's line\x0bbreak", "Word's line\x0bbreak", "Word's line_x000B_break"),
    ("Form\x0cfeed", "Form\x0cfeed", "Form_x000C_feed"),
    ("looks like _x0041_ an escape", "looks like _x0041_ an escape",
     "looks like _x005F_x0041_ an escape"),
    ("not a character \ufffe\uffff", "not a character \ufffd\ufffd",
     "not a character \ufffd\ufffd"),
    ("lone \udc80 surrogate", "lone \ufffd surrogate", "lone \ufffd surrogate"),
], ids=["bell", "vertical tab", "form feed", "escape look-alike", "U+FFFE/U+FFFF",
        "surrogate"])
def test_characters_no_xml_can_hold_cannot_break_a_save(example_path, monkeypatch,
                                                        outcomes, patched, odd, kept,
                                                        in_file):
    """XML cannot hold a control character such as BEL or a vertical tab (Word's line
    break, pasted into a cell), U+FFFE or U+FFFF, or half of a surrogate pair. Either
    save, in the Plan sheet and the log tables alike, keeps control characters as Excel
    does — as its escape ``_xHHHH_``, read back as the character — and text that merely
    looks like an escape as itself; what no workbook keeps becomes U+FFFD. Never a file
    Excel refuses, or an internal error (as the full save once gave for U+FFFF)."""
    from cip_xl.model import ReviewEntry
    from cip_xl.plan_read import read_plan
    from cip_xl.plan_write import save_plan

    if not patched:
        monkeypatch.setattr(plan_patch, "patch_save", lambda *a, **k: False)
    reading = read_plan(example_path, read_only=True)
    reading.plan.actions[0].progress_update = odd
    reading.plan.review_log.append(ReviewEntry("9.9", issues=odd))
    save_plan(reading.plan, example_path, workbook=reading.workbook)
    assert outcomes == ([True] if patched else [])
    wb = openpyxl.load_workbook(example_path)  # gives the text as the file holds it
    heads = {c.value: c.column for c in wb["Plan"][1]}
    assert wb["Plan"].cell(2, heads["Progress update"]).value == in_file
    log = [row for row in wb["Review log"].iter_rows(values_only=True) if row[0] == "9.9"]
    assert log and log[0][2] == in_file
    book = CalamineWorkbook.from_path(str(example_path))  # reads escapes, as Excel does
    assert book.get_sheet_by_name("Plan").to_python()[1][heads["Progress update"] - 1] \
        == kept
    assert [r for r in book.get_sheet_by_name("Review log").to_python()
            if r[0] == "9.9"][0][2] == kept
    assert read_plan(example_path, read_only=True).plan.actions[0].progress_update == kept
    assert read_plan(example_path).plan.actions[0].progress_update == kept  # openpyxl


def test_a_row_whose_long_text_is_cleared_shrinks_as_in_a_full_save(example_path,
                                                                   tmp_path, outcomes):
    """Row heights follow the longest visible text; clearing it (not only changing
    it to other text) brings the row back down."""
    from cip_xl.plan_read import read_plan
    from cip_xl.plan_write import save_plan

    long_text = "A progress update long enough to wrap over several lines. " * 6
    reading = read_plan(example_path, read_only=True)
    reading.plan.actions[0].progress_update = long_text
    save_plan(reading.plan, example_path, workbook=reading.workbook)
    tall = openpyxl.load_workbook(example_path)["Plan"].row_dimensions[2].height
    full = tmp_path / "full.xlsx"
    shutil.copy(example_path, full)
    without_saved_copy(example_path)
    for path in (example_path, full):
        reading = read_plan(path, read_only=True)
        reading.plan.actions[0].progress_update = ""
        if path == full:
            plan_patch_save, plan_patch.patch_save = plan_patch.patch_save, \
                (lambda *a, **k: False)
        try:
            save_plan(reading.plan, path, workbook=reading.workbook)
        finally:
            if path == full:
                plan_patch.patch_save = plan_patch_save
    heights = [openpyxl.load_workbook(p)["Plan"].row_dimensions[2].height
               for p in (example_path, full)]
    assert outcomes == [True, True]  # the tall save, then the patched one
    assert heights[0] == heights[1] < tall


def test_carriage_returns_survive_a_patched_save(example_path, outcomes):
    """Text pasted from Word carries carriage returns; written into XML as they are,
    every reader would turn them into line feeds."""
    from cip_xl.plan_read import read_plan
    from cip_xl.plan_write import save_plan

    text = "Paragraph one\rParagraph two\r\nthree"
    reading = read_plan(example_path, read_only=True)
    reading.plan.actions[0].progress_update = text
    save_plan(reading.plan, example_path, workbook=reading.workbook)
    assert outcomes == [True]
    ws = openpyxl.load_workbook(example_path)["Plan"]
    heads = {c.value: c.column for c in ws[1]}
    assert ws.cell(2, heads["Progress update"]).value == text
    rows = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Plan").to_python()
    assert rows[1][heads["Progress update"] - 1] == text


@pytest.mark.parametrize("text, kept, preserved", [
    ("Plain words", "Plain words", False),
    ("  indented", "  indented", True),
    ("ends with a non-breaking space\u00a0", "ends with a non-breaking space\u00a0", True),
    ("two\nlines", "two\nlines", True),
    ("Word's\r\nbreak", "Word's\r\nbreak", True),
    ("R&D <pilot> > plan", "R&D <pilot> > plan", False),
    ("bell\x07 and \ufffe", "bell_x0007_ and \ufffd", False),
    ("a _x000B_ look-alike", "a _x005F_x000B_ look-alike", False),
    ("\u2003em space first", "\u2003em space first", True),
])
def test_text_cells_are_written_as_an_xml_reader_will_read_them(text, kept, preserved):
    """A text cell's XML, read back by an XML parser, gives the text (control characters
    as Excel's escapes, see cip_xl.cells.workbook_text), and marks the text whose
    spaces or line breaks Excel would otherwise trim (xml:space="preserve")."""
    from xml.etree import ElementTree

    from cip_xl.xlsx_patch import cell_xml

    cell = ElementTree.fromstring(cell_xml(b"C7", text, b"5"))
    assert (cell.get("r"), cell.get("s"), cell.get("t")) == ("C7", "5", "inlineStr")
    t = cell.find("is/t")
    assert t.text == kept
    space = t.get("{http://www.w3.org/XML/1998/namespace}space")
    assert space == ("preserve" if preserved else None)


def test_values_set_in_code_are_saved_as_a_full_save_saves_them(example_path, tmp_path,
                                                              outcomes, monkeypatch):
    """A caller of the library may put a number where the plan keeps text (or a
    logical where it keeps a number); when the cell already holds an equal number, the
    patched save still writes what a full save writes."""
    from cip_xl.plan_read import read_plan
    from cip_xl.plan_write import save_plan

    heads = type_into_plan(example_path, {(2, "Resource implications"): 5000,
                                          (3, "Resource implications"): 2.5,
                                          (4, "% complete"): 1})
    full = tmp_path / "full.xlsx"
    shutil.copy(example_path, full)
    without_saved_copy(example_path)
    for path in (example_path, full):
        reading = read_plan(path, read_only=True)
        reading.plan.actions[0].resources = 5000  # an int where calamine reads 5000.0
        reading.plan.actions[1].resources = 2.5  # the very float the cell holds
        reading.plan.actions[2].percent_complete = True  # equal to 1, but a logical
        with monkeypatch.context() as m:
            if path == full:
                m.setattr(plan_patch, "patch_save", lambda *a, **k: False)
            save_plan(reading.plan, path, workbook=reading.workbook)
    assert outcomes == [True]
    assert differences(cell_facts(example_path), cell_facts(full)) == []
    ws = openpyxl.load_workbook(example_path)["Plan"]
    assert ws.cell(2, heads["Resource implications"]).value == "5000"
    assert ws.cell(3, heads["Resource implications"]).value == "2.5"
    assert ws.cell(4, heads["% complete"]).value is True


def test_rows_written_without_their_numbers_get_the_full_save(example_path, tmp_path,
                                                             outcomes):
    """The row number (r) is optional in a sheet's XML, and some programs leave it out;
    such rows can't be found by number, so the patched save steps aside and the full
    save writes the verdicts — to the right rows."""
    import re

    stripped = tmp_path / "no-row-numbers.xlsx"
    with zipfile.ZipFile(example_path) as source, \
            zipfile.ZipFile(stripped, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'(<row\b[^>]*?) r="\d+"', rb"\1", data)
                assert b'<row r="' not in data
            target.writestr(item, data)
    result = cip_xl.refresh_status(stripped, as_of=date(2027, 1, 31))
    assert result.saved and outcomes == [False]
    expected = tmp_path / "expected.xlsx"
    shutil.copy(example_path, expected)
    cip_xl.refresh_status(expected, as_of=date(2027, 1, 31))
    assert differences(cell_facts(stripped), cell_facts(expected)) == []


def test_nothing_changed_leaves_the_file_untouched(example_path):
    first = cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    assert first.saved
    before = example_path.read_bytes()
    backups = sorted((example_path.parent / "backups").iterdir())
    again = cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    assert not again.saved and again.backup is None
    assert example_path.read_bytes() == before
    assert sorted((example_path.parent / "backups").iterdir()) == backups


def test_a_row_typed_in_below_the_plan_gets_the_full_save(example_path, outcomes):
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    heads = {c.value: c.column for c in ws[1]}
    row = ws.max_row + 1
    ws.cell(row, heads["Ref"]).value = "9.9"
    ws.cell(row, heads["Key action"]).value = "A new action typed in by hand"
    ws.cell(row, heads["Lead officer"]).value = ws.cell(2, heads["Lead officer"]).value
    ws.cell(row, heads["Target date"]).value = date(2027, 3, 31)
    del wb["Summary"]
    wb.save(example_path)

    cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    assert outcomes == [False]
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    assert ws.cell(row, heads["RAG"]).value.startswith("=IF(")
    assert ws.cell(row, heads["Action ID"]).value
    assert "Summary" in wb.sheetnames
    # the full save stamped the new layout, so the next change is patched again
    cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31))
    assert outcomes == [False, True]


def test_macros_and_sparklines_survive_a_patched_status(tmp_path, outcomes):
    macro = tmp_path / "plan.xlsm"
    cip_xl.save_plan(example_plan(), tmp_path / "plain.xlsx")
    from cip_xl.addin import build_plan_workbook

    build_plan_workbook(tmp_path / "plain.xlsx", macro)
    sparkline = (b'<extLst><ext uri="{05C60535-1F16-4fd2-B633-F4F36F0B64E0}" xmlns:x14='
                 b'"http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
                 b'<x14:sparklineGroups/></ext></extLst>')
    edited = tmp_path / "edited.xlsm"
    with zipfile.ZipFile(macro) as src, zipfile.ZipFile(edited, "w",
                                                        zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", sparkline + b"</worksheet>")
            dst.writestr(item, data)
    shutil.move(edited, macro)
    with zipfile.ZipFile(macro) as archive:
        vba = archive.read("xl/vbaProject.bin")

    cip_xl.refresh_status(macro, as_of=date(2027, 1, 31))
    assert outcomes == [True]
    with zipfile.ZipFile(macro) as archive:
        assert archive.read("xl/vbaProject.bin") == vba
        assert sparkline in archive.read("xl/worksheets/sheet1.xml")
        assert archive.testzip() is None


def _approve_new_action(plan_path, folder, theme="Places and communities"):
    """A return proposing a new action in ``theme``, merged, then the proposal approved."""
    from cip_xl.returns import NEW_ACTIONS_SHEET

    issued = cip_xl.api.issue_returns(plan_path, folder)
    place = next(item.path for item in issued if "Place" in item.path.name)
    wb = openpyxl.load_workbook(place)
    new = wb[NEW_ACTIONS_SHEET]
    new["A2"], new["B2"], new["C2"] = theme, "Trial a garden waste app", date(2027, 3, 31)
    wb.save(place)
    merged = cip_xl.api.merge(plan_path, [place], when=WHEN)
    request = next(r for r in merged.outcomes[0].requests if r.kind == "New action")
    cip_xl.api.approve(plan_path, approve_ids={request.request_id}, by="IM")


def _filter_names(path):
    with zipfile.ZipFile(path) as archive:
        return re.findall(rb"_xlnm\._FilterDatabase[^>]*>[^<]*", archive.read("xl/workbook.xml"))


def test_an_approved_new_action_is_patched_in(example_path, tmp_path, outcomes):
    """Approving a new action adds a row: the patched save writes it and grows the
    ranges sized by the number of actions — dropdowns, conditional formats, the filter
    and its hidden name, the Summary's formulas — as a full save would (the property
    test below compares the two), without rebuilding the workbook (seconds at county
    scale) and keeping what openpyxl would drop: here a threaded comment."""
    threaded = b'<ThreadedComments xmlns="http://schemas.microsoft.com/office/' \
               b'spreadsheetml/2018/threadedcomments"/>'
    with_comment = tmp_path / "commented.xlsx"
    with zipfile.ZipFile(example_path) as src, zipfile.ZipFile(with_comment, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr("xl/threadedComments/threadedComment1.xml", threaded)
    shutil.move(with_comment, example_path)

    _approve_new_action(example_path, tmp_path / "returns")
    assert outcomes[-1] is True  # the approval's save was patched
    added = cip_xl.load_plan(example_path).actions[-1]
    assert (added.key_action, added.row) == ("Trial a garden waste app", 42)
    with zipfile.ZipFile(example_path) as archive:
        assert archive.read("xl/threadedComments/threadedComment1.xml") == threaded
    wb = openpyxl.load_workbook(example_path)
    plan_ws = wb["Plan"]
    assert plan_ws.auto_filter.ref == "A1:Q42"
    assert _filter_names(example_path) == [
        b"_xlnm._FilterDatabase\" localSheetId=\"0\" hidden=\"1\">'Plan'!$A$1:$Q$42"]
    ends = {str(dv.sqref).split(":")[-1][1:] for dv in plan_ws.data_validations.dataValidation
            if (dv.promptTitle or "").startswith("cip-xl")}
    assert ends == {"542"}
    assert {str(cf.sqref) for cf in plan_ws.conditional_formatting} == {"P2:P542"}
    formulas = [c.value for row in wb["Summary"].iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=SUMPRODUCT")]
    assert formulas and all("$542" in f and "$541" not in f for f in formulas)
    assert plan_ws["P42"].value.startswith("=IF($J42=")  # its verdict, live
    assert plan_ws["D42"].alignment.wrap_text and plan_ws["G42"].has_style  # laid out
    # the layout stamp was moved on: the next refresh is patched too
    cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31))
    assert outcomes[-1] is True


def _same_typed_ids(reading) -> None:
    """Give the actions typed in below the example's 40 the same IDs in both files
    :func:`_saved_both_ways` saves (a new action's ID is otherwise random)."""
    for number, action in enumerate(reading.plan.actions[40:]):
        action.action_id = f"ATYPED00{number}"


def test_rows_typed_in_below_the_plan_are_laid_out_as_a_full_save_does(
        example_path, tmp_path, outcomes, monkeypatch):
    """Actions typed into the rows below the plan, in Excel, are laid out by the next
    save — styles, verdict, ID, row height — and the ranges grow to cover them, just
    as the full save does, without rebuilding the workbook."""
    heads = type_into_plan(example_path, {
        (42, "Ref"): "5.9", (42, "Theme"): "Places and communities",
        (42, "Key action"): "Typed in by hand", (42, "Lead officer"): "HP",
        (42, "Target date"): datetime(2027, 3, 31), (42, "Status"): "On track",
        (43, "Ref"): "5.10", (43, "Theme"): "Places and communities",
        (43, "Key action"): "Another, with a long note " * 6,
        (43, "Target date"): "Summer 2027", (43, "% complete"): 10})
    full = _saved_both_ways(example_path, tmp_path, monkeypatch, _same_typed_ids)
    assert outcomes == [True]
    assert differences(cell_facts(example_path), cell_facts(full)) == []
    assert _filter_names(example_path) == _filter_names(full)
    layout = "cip-xl layout"
    assert openpyxl.load_workbook(example_path).custom_doc_props[layout].value == \
        openpyxl.load_workbook(full).custom_doc_props[layout].value
    ws = openpyxl.load_workbook(example_path)["Plan"]
    assert ws.cell(43, heads["RAG"]).value.startswith("=IF($J43=")


def test_a_new_action_in_a_new_theme_gets_the_full_save(example_path, tmp_path, outcomes):
    """A new action in a theme the plan has not listed adds a group to the Summary:
    that is the full save's work."""
    _approve_new_action(example_path, tmp_path / "returns", theme="Climate")
    assert outcomes[-1] is False
    plan = cip_xl.load_plan(example_path)
    assert plan.actions[-1].theme == "Climate"
    # a full save still leaves each traffic light's label for readers that do not
    # calculate (previews, calamine), not an empty formula result
    rows = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Plan").to_python()
    rag = rows[0].index("RAG")
    judged = refresh(plan)
    assert [row[rag] for row in rows[1:]] == [judged[a.action_id].label for a in plan.actions]


@pytest.mark.libreoffice
def test_a_plan_libreoffice_resaved_is_patched_like_a_full_save(example_path, tmp_path,
                                                                outcomes, monkeypatch):
    resaved = convert_with_libreoffice(example_path, "xlsx", tmp_path / "lo")
    full = tmp_path / "full.xlsx"
    shutil.copy(resaved, full)
    cip_xl.refresh_status(resaved, as_of=date(2027, 1, 31))
    assert outcomes == [True]
    monkeypatch.setattr(plan_patch, "patch_save", lambda *a, **k: False)
    cip_xl.refresh_status(full, as_of=date(2027, 1, 31))
    patched, fully = cell_facts(resaved), cell_facts(full)
    # a full save restyles LibreOffice's own rendering of alignments and fonts:
    # compare what the cells hold — value, number format and fill
    cells = lambda facts: {k: v[:3] for k, v in facts.items()  # noqa: E731
                           if isinstance(v, tuple) and v[0] is not None
                           and k[0] != "Summary"}  # LibreOffice unquotes 'Plan'! there
    assert differences(cells(patched), cells(fully)) == []
    # and the patched file opens and converts in LibreOffice again
    again = convert_with_libreoffice(resaved, "pdf", tmp_path / "again")
    assert again.read_bytes().startswith(b"%PDF")


def test_a_large_part_deflated_in_pieces_reads_back_everywhere(example_path, tmp_path,
                                                              outcomes, monkeypatch):
    """Parts of a big plan are deflated in pieces on several threads; the joined stream
    must read back byte for byte (zipfile checks every CRC), in calamine and in
    LibreOffice. Here every part counts as big."""
    from cip_xl import xlsx_patch

    monkeypatch.setattr(xlsx_patch, "PARALLEL_FROM", 1)
    monkeypatch.setattr("os.cpu_count", lambda: 3)  # three pieces, whatever the machine
    full = tmp_path / "full.xlsx"
    shutil.copy(example_path, full)
    cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31))
    assert outcomes == [True]
    with zipfile.ZipFile(example_path) as package:
        assert package.testzip() is None
        plan_part = package.getinfo("xl/worksheets/sheet1.xml")
        assert plan_part.compress_type == zipfile.ZIP_DEFLATED
    with monkeypatch.context() as m:
        m.setattr(plan_patch, "patch_save", lambda *a, **k: False)
        cip_xl.refresh_status(full, as_of=date(2027, 1, 31))
    assert differences(cell_facts(example_path), cell_facts(full)) == []
    def values(path):  # the RAG column's labels too: a full save caches them as well
        return CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Plan").to_python()

    assert values(example_path) == values(full)
    pdf = convert_with_libreoffice(example_path, "pdf", tmp_path / "lo")
    assert pdf.read_bytes().startswith(b"%PDF")
    csv = convert_with_libreoffice(example_path, "csv", tmp_path / "csv")
    assert "Overdue" in csv.read_text(encoding="utf-8", errors="replace")


@pytest.mark.parametrize("deflater", ["ISA-L", "zlib"])
@pytest.mark.parametrize("size, pieces", [(0, 1), (70_000, 1), (70_000, 3), (1_000_003, 4)])
def test_deflated_parts_inflate_to_what_was_written(deflater, size, pieces, monkeypatch,
                                                     request):
    """A replaced part is deflated with ISA-L where python-isal is installed, else with
    zlib, whole or in pieces; either way the standard inflater gives back every byte,
    and the CRC is the one zipfile checks."""
    import random
    import sys
    import zlib

    from cip_xl import xlsx_patch

    if deflater == "ISA-L":
        pytest.importorskip("isal", reason="python-isal is not installed here")
    else:
        monkeypatch.setitem(sys.modules, "isal", None)  # as on a machine without it
    xlsx_patch._deflater.cache_clear()  # chosen once per process: choose again here
    request.addfinalizer(xlsx_patch._deflater.cache_clear)
    monkeypatch.setattr(xlsx_patch, "PARALLEL_FROM", 1 if pieces > 1 else 10**9)
    monkeypatch.setattr("os.cpu_count", lambda: pieces)
    text = random.Random(size).choices(["<c r=\"A1\"><v>1</v></c>", "Progress ✔ ", "\n"],
                                       k=size // 10)
    data = "".join(text).encode("utf-8")[:size]
    assert xlsx_patch._deflater()[0].__name__.endswith("isal_zlib" if deflater == "ISA-L"
                                                        else "zlib")
    stored, crc = xlsx_patch.deflate(data)
    assert zlib.decompress(stored, -15) == data
    assert crc == zlib.crc32(data)


def test_returns_copied_from_the_first_match_returns_built_one_by_one(
        example_path, tmp_path, monkeypatch):
    from cip_xl.return_template import ReturnTemplate

    before_issue = tmp_path / "again.xlsx"
    shutil.copy(example_path, before_issue)
    copies = []
    original = ReturnTemplate.copy_for
    with monkeypatch.context() as m:
        m.setattr(ReturnTemplate, "copy_for",
                  lambda self, content: copies.append(original(self, content)) or copies[-1])
        copied = cip_xl.issue_returns(example_path, tmp_path / "copied", when=WHEN)
    assert len(copies) == len(copied) >= 3 and all(copies)  # every return was a copy
    monkeypatch.setattr(ReturnTemplate, "copy_for", lambda self, content: None)
    built = cip_xl.issue_returns(before_issue, tmp_path / "built", when=WHEN)
    assert len(copied) == len(built)
    for a, b in zip(copied, built):
        assert a.department == b.department and a.fingerprint == b.fingerprint
        assert differences(cell_facts(a.path), cell_facts(b.path)) == []
        with zipfile.ZipFile(a.path) as archive:
            assert archive.testzip() is None
        assert openpyxl.load_workbook(a.path).properties.title.endswith(
            f"return for {a.department}")


def test_formulas_filled_down_in_excel_get_the_full_save(example_path, tmp_path, outcomes):
    """Excel stores a formula filled down as one shared formula; editing one of its
    cells in place would orphan the rest, so such a sheet is saved in full."""
    import re

    cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    rows = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Plan").to_python()
    rag = openpyxl.utils.get_column_letter(rows[0].index("RAG") + 1)
    shared = tmp_path / "shared.xlsx"
    with zipfile.ZipFile(example_path) as src, zipfile.ZipFile(shared, "w",
                                                               zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = re.sub(rb'(<c r="' + rag.encode() + rb'2"[^>]*>)<f>',
                              rb'\1<f t="shared" ref="' + rag.encode() + rb'2:' +
                              rag.encode() + rb'4" si="0">', data)
                for row in (3, 4):
                    data = re.sub(rb'(<c r="' + rag.encode() + str(row).encode() +
                                  rb'"[^>]*>)<f>[^<]*</f>', rb'\1<f t="shared" si="0"/>', data)
            dst.writestr(item, data)
    assert b't="shared"' in zipfile.ZipFile(shared).read("xl/worksheets/sheet1.xml")
    outcomes.clear()
    cip_xl.refresh_status(shared, as_of=date(2027, 1, 31))
    assert outcomes == [False]
    ws = openpyxl.load_workbook(shared)["Plan"]
    formula = ws[f"{rag}3"].value  # its own formula again, for its own row
    assert formula.startswith("=IF(") and re.search(r"\$[A-Z]{1,2}3\b", formula) and \
        not re.search(r"\$[A-Z]{1,2}2\b", formula)
    assert b't="shared"' not in zipfile.ZipFile(shared).read("xl/worksheets/sheet1.xml")


def _merge_down(path, header, first, last, blank_below=True, new_column=False):
    wb = openpyxl.load_workbook(path)
    ws = wb["Plan"]
    heads = {c.value: c.column for c in ws[1]}
    if blank_below:
        for row in range(first + 1, last + 1):
            ws.cell(row, heads[header]).value = None
    ws.merge_cells(start_row=first, start_column=heads[header], end_row=last,
                   end_column=heads[header])
    if new_column:  # a column of the council's own: the layout changed, a full save
        ws.cell(1, ws.max_column + 1).value = "Council note"
    wb.save(path)
    return heads


@pytest.mark.parametrize("new_column", [False, True], ids=["patched", "full save"])
def test_theme_cells_merged_down_stay_merged_through_a_status(example_path, outcomes,
                                                              new_column):
    """Councils merge a theme's cells down its actions; the rows under the first hold
    nothing to write, so a refresh keeps the merge — patched or fully saved."""
    heads = _merge_down(example_path, "Theme", 10, 12, new_column=new_column)
    result = cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31))
    assert result.saved and outcomes == [not new_column]
    ws = openpyxl.load_workbook(example_path)["Plan"]
    letter = openpyxl.utils.get_column_letter(heads["Theme"])
    assert f"{letter}10:{letter}12" in {str(r) for r in ws.merged_cells.ranges}
    assert ws.cell(13, heads["RAG"]).value.startswith("=IF(")


@pytest.mark.parametrize("new_column", [False, True], ids=["patched", "full save"])
def test_a_value_that_would_hide_under_merged_cells_is_refused(example_path, outcomes,
                                                               new_column):
    """A verdict cannot be written into a cell hidden under merged cells; the refresh
    stops with the cell and the range named, and the file is left as it was."""
    from cip_xl.findings import PlanFileError

    heads = _merge_down(example_path, "RAG", 5, 6, blank_below=False,
                        new_column=new_column)
    before = example_path.read_bytes()
    with pytest.raises(PlanFileError) as refused:
        cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31))
    letter = openpyxl.utils.get_column_letter(heads["RAG"])
    finding = refused.value.finding
    assert (finding.code, finding.sheet, finding.cell) == ("merged-cells", "Plan",
                                                           f"{letter}6")
    assert f"{letter}5:{letter}6" in finding.message
    assert outcomes == [False]  # the patched save left it to the full save
    assert example_path.read_bytes() == before
    backups = example_path.parent / "backups"
    assert not backups.exists() or not list(backups.iterdir())  # no backup left behind


_FIELDS = ("ref", "theme", "objective", "key_action", "lead_officer", "target_date",
           "revised_date", "target_outcomes", "resources", "status", "percent_complete",
           "progress_update", "last_updated", "Council note")


def _any_value():
    from hypothesis import strategies as st

    return st.one_of(
        st.none(), st.booleans(), st.integers(-5, 250),
        st.integers(-10**8, 10**8).map(lambda n: n / 100),  # openpyxl keeps 16 digits
        st.dates(min_value=date(2001, 1, 1), max_value=date(2039, 12, 31)),
        st.datetimes(min_value=datetime(2001, 1, 1), max_value=datetime(2039, 12, 31))
        .map(lambda moment: moment.replace(microsecond=0)),  # Excel keeps no finer
        st.text(max_size=12),
        st.sampled_from(["", "  padded  ", "=see note", "-10%", "+1", "@team", "3.10",
                         "TRUE", "On track", "Complete", "Mar 2027", "Ongoing", "#N/A",
                         "bell\x07", "two\nlines", "word\r\nbreaks\rhere", "CEX/ HF"]))


def _date_formats_only(fact):
    if isinstance(fact, tuple) and len(fact) == 8 and not isinstance(fact[0], date):
        return (fact[0], None) + fact[2:]
    return fact


def _random_edits():
    """(action index, field, value) edits; date columns get days, times or text — a
    number there means a date only by its cell's format, which the two saves choose
    differently (see the test)."""
    from hypothesis import strategies as st

    def value_for(field):
        if field in ("target_date", "revised_date", "last_updated"):
            return _any_value().filter(lambda v: not isinstance(v, (bool, int, float)))
        return _any_value()

    edit = st.sampled_from(_FIELDS).flatmap(  # indexes 40 and 41: actions added in code
        lambda field: st.tuples(st.integers(0, 41), st.just(field), value_for(field)))
    return st.lists(edit, min_size=1, max_size=12)


def _add_actions(plan, count: int) -> None:
    """``count`` new actions, as approving proposed ones adds them: copies of the last
    actions with their own ID and ref, not yet in any row."""
    from copy import deepcopy

    for number in range(count):
        action = deepcopy(plan.actions[30 + number])
        action.action_id, action.ref, action.row = f"ANEW{number:05d}", f"9.{number}", None
        plan.actions.append(action)


def test_any_values_set_in_code_save_the_same_patched_or_full(tmp_path_factory):
    """Whatever values code puts into a plan's actions — numbers in text columns, text
    in date columns, logicals, padded text, text like a formula — the patched save and
    the full save leave the same cells, as openpyxl reads them: values, fills, fonts,
    alignment, quote prefixes, row heights, and a date format on every date. (Other
    number formats of such odd values may differ: the full save gives a cell the
    format of the first cell in its column holding the same kind of value.)"""
    from hypothesis import HealthCheck, example, given, settings
    from hypothesis import strategies as st

    from cip_xl.plan_read import read_plan
    from cip_xl.plan_write import save_plan

    base = tmp_path_factory.mktemp("any") / "plan.xlsx"
    plan = example_plan()
    plan.extra_columns = ["Council note"]  # a column of the council's own, as well
    for action in plan.actions[::3]:
        action.extra = {"Council note": f"note on {action.ref}"}
    cip_xl.save_plan(plan, base)
    original = plan_patch.patch_save
    patched: list = []

    def spy(*args, **kwargs):
        patched.append(original(*args, **kwargs))
        return patched[-1]

    @settings(max_examples=20, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(edits=_random_edits(), added=st.integers(0, 2),
           blank=st.sampled_from([(), (), (5,), (2, 20), (41,)]))
    # run first, every time: edits that leave the layout alone, so that the patched save
    # must do the work (a new theme or lead officer changes the dropdown lists or the
    # Summary, and rightly gets the full save — random draws hold many of those)
    @example(edits=[(0, "progress_update", "  padded  "), (5, "percent_complete", 45.5),
                    (9, "status", "=see note")], added=0, blank=())
    @example(edits=[(3, "target_date", date(2027, 3, 31)), (7, "Council note", "-10%"),
                    (11, "revised_date", "Mar 2027"), (12, "resources", 5000)], added=0,
             blank=())
    @example(edits=[(40, "progress_update", "new"), (41, "Council note", "=x"),
                    (41, "revised_date", None), (2, "status", "Complete")], added=2,
             blank=())
    @example(edits=[(1, "progress_update", "after a blank row"), (30, "status", "Complete")],
             added=1, blank=(2, 20))
    def check(edits, added, blank):
        folder = tmp_path_factory.mktemp("case")
        saved = {}
        for way in ("patched", "full"):
            path = folder / f"{way}.xlsx"
            shutil.copy(base, path)
            if blank:  # blank rows left between actions, as in Excel
                wb = openpyxl.load_workbook(path)
                _insert_blank_rows(wb["Plan"], blank)
                wb.save(path)
            reading = read_plan(path, read_only=True)
            _add_actions(reading.plan, added)
            for index, field, value in edits:
                if index >= len(reading.plan.actions):
                    continue
                action = reading.plan.actions[index]
                if field == "Council note":
                    action.extra["Council note"] = value
                else:
                    setattr(action, field, value)
            plan_patch.patch_save = spy if way == "patched" else (lambda *a, **k: False)
            try:
                save_plan(reading.plan, path, workbook=reading.workbook, backup=False)
            finally:
                plan_patch.patch_save = original
            saved[way] = {place: _date_formats_only(fact)
                          for place, fact in cell_facts(path).items()}
        assert differences(saved["patched"], saved["full"]) == []

    check()
    assert patched[:4] == [True, True, True, True], patched  # blank rows too


@pytest.mark.parametrize("way", ["patched", "full"])
def test_the_summary_counts_are_cached_for_readers_that_do_not_calculate(
        example_path, monkeypatch, way):
    """The Summary's counts are formulas over the Plan sheet; Excel works them out on
    opening, but a preview or calamine shows the results cached in the file — which
    every save now writes: the count of actions of each theme and directorate in each
    verdict, as the Plan sheet's own cells give them, and the totals."""
    if way == "full":
        monkeypatch.setattr(plan_patch, "patch_save", lambda *a, **k: False)
    cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    book = CalamineWorkbook.from_path(str(example_path))
    plan_rows = book.get_sheet_by_name("Plan").to_python()
    head = plan_rows[0]
    expected: dict = {}
    for row in plan_rows[1:]:
        for key in ("Theme", "Directorate"):
            group = (row[head.index(key)], row[head.index("RAG")])
            expected[group] = expected.get(group, 0) + 1
    summary = book.get_sheet_by_name("Summary").to_python()
    labels = [v.label for v in cip_xl.schema.VERDICTS]
    checked = 0
    for row in summary:
        if row[0] and row[0] not in ("Theme", "Directorate", "All actions") and \
                isinstance(row[1], float):
            counts = [expected.get((row[0], label), 0) for label in labels]
            assert row[1:len(labels) + 2] == counts + [sum(counts)], row
            checked += 1
        if row[0] == "All actions":
            assert row[len(labels) + 1] == len(plan_rows) - 1
    assert checked >= 8  # five themes and four directorates (less any left empty)
    assert summary[0][0] == "Status of actions as at 31/12/2026"  # the title's formula
    cip_xl.refresh_status(example_path, as_of=date(2027, 3, 31))  # and a quarter later
    again = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Summary")
    assert again.to_python()[0][0] == "Status of actions as at 31/03/2027"


def chart_caches(path) -> dict[str, list]:
    """The Summary chart's cached values, by series name: each series' bar lengths by
    theme, and ``"themes"``: the categories — what a viewer that does not calculate
    draws."""
    from defusedxml.ElementTree import fromstring

    with zipfile.ZipFile(path) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        assert len(names) == 1, names
        root = fromstring(archive.read(names[0]))
    ns = {"c": "http://schemas.openxmlformats.org/drawingml/2006/chart"}

    def points(element, cache):
        found = element.find(f"c:{cache[:3]}Ref/c:{cache}", ns)
        assert found is not None, cache
        return [p.find("c:v", ns).text for p in found.findall("c:pt", ns)]

    caches: dict[str, list] = {}
    for series in root.iter(f"{{{ns['c']}}}ser"):
        name, = points(series.find("c:tx", ns), "strCache")
        caches["themes"] = points(series.find("c:cat", ns), "strCache")
        caches[name] = [int(v) for v in points(series.find("c:val", ns), "numCache")]
    return caches


@pytest.mark.parametrize("way", ["patched", "full"])
def test_the_summary_chart_caches_what_it_draws(example_path, monkeypatch, outcomes, way):
    """The Summary chart reads the counts table; Excel and LibreOffice draw it from the
    cells, but a preview (Outlook's, a phone's) draws the values cached in the chart,
    and showed an empty chart. Every save caches the themes and each verdict's counts
    — as the Summary's own cached counts give them — and a later patched save that
    changes the counts changes the chart's too."""
    if way == "full":
        monkeypatch.setattr(plan_patch, "patch_save", lambda *a, **k: False)
    for as_of in (date(2026, 12, 31), date(2027, 3, 31)):
        assert cip_xl.refresh_status(example_path, as_of=as_of).saved
        summary = CalamineWorkbook.from_path(str(example_path)) \
            .get_sheet_by_name("Summary").to_python()
        labels = [v.label for v in cip_xl.schema.VERDICTS]
        head = next(i for i, row in enumerate(summary) if row[0] == "Theme")
        total = next(i for i, row in enumerate(summary) if row[0] == "All actions")
        table = summary[head + 1:total]
        caches = chart_caches(example_path)
        assert caches["themes"] == [row[0] for row in table] == \
            cip_xl.load_plan(example_path).theme_names()
        assert {label: caches[label] for label in labels} == \
            {label: [int(row[1 + at]) for row in table] for at, label in enumerate(labels)}
    if way == "patched":
        assert outcomes == [True, True]
    earlier = backups_of(example_path)[0][1]
    assert caches != chart_caches(earlier)  # the quarter moved the bars


def _insert_blank_rows(ws, rows) -> None:
    """Insert a blank row at each of ``rows`` (in turn) of openpyxl sheet ``ws``, the
    row heights moving down with their rows, as Excel moves them."""
    for row in rows:
        heights = {n: d.height for n, d in ws.row_dimensions.items() if n >= row}
        ws.insert_rows(row)
        for number, height in sorted(heights.items(), reverse=True):
            ws.row_dimensions[number + 1].height = height
        ws.row_dimensions[row].height = None


@pytest.mark.parametrize("blank_rows", [[5], [12, 25, 26], [2, 3, 43]],
                         ids=["one", "three", "first and last"])
def test_blank_rows_between_actions_stay_and_what_is_beside_an_action_stays_with_it(
        example_path, tmp_path, outcomes, monkeypatch, blank_rows):
    """Councils leave blank rows between themes, and keep notes beside actions in
    columns cip-xl does not know, or as comments. Every save — patched or full, the
    merge's or an approval's — keeps each action in its row, so those notes stay
    beside the action they are about; the blank rows stay blank."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    _insert_blank_rows(ws, blank_rows)  # as a council does in Excel, between themes
    heads = {c.value: c.column for c in ws[1]}
    note = ws.max_column + 2  # a column with no heading
    for row in range(2, ws.max_row + 1):
        ref = ws.cell(row, heads["Ref"]).value
        if ref:
            ws.cell(row, note).value = f"note on {ref}"
            ws.cell(row, heads["Ref"]).comment = openpyxl.comments.Comment(
                f"comment on {ref}", "IM")
    wb.save(example_path)

    patched, full_result, full = _merge_both_ways(example_path, tmp_path, monkeypatch)
    assert outcomes[-2:] == [True, True]  # issuing and merging, each patched
    assert patched.saved and full_result.saved
    assert differences(cell_facts(example_path), cell_facts(full)) == []

    last = openpyxl.load_workbook(example_path)["Plan"].max_row

    def check(path, blank):
        ws = openpyxl.load_workbook(path)["Plan"]
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Plan").to_python()
        seen = 0
        for number, values in enumerate(rows[1:last], start=2):
            ref = values[heads["Ref"] - 1]
            if number in blank:
                assert not any(str(v).strip() for v in values), number
                continue
            if not ref:
                continue
            seen += 1
            assert values[note - 1] == f"note on {ref}"
            assert ws.cell(number, heads["Ref"]).comment.text == f"comment on {ref}"
            assert ws.cell(number, heads["RAG"]).value.startswith(f"=IF($J{number}=")
            assert values[heads["RAG"] - 1]  # its verdict cached for readers
        return seen

    assert check(example_path, blank_rows) == check(full, blank_rows) == 40

    _approve_new_action(example_path, tmp_path / "again")
    assert outcomes[-1] is True
    added = cip_xl.load_plan(example_path).actions[-1]
    assert (added.key_action, added.row) == ("Trial a garden waste app", last + 1)
    ws = openpyxl.load_workbook(example_path)["Plan"]
    ends = {str(dv.sqref).split(":")[-1] for dv in ws.data_validations.dataValidation
            if (dv.promptTitle or "").startswith("cip-xl")}
    assert {int(end.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")) for end in ends} == \
        {last + 1 + 500}  # the dropdowns reach the new row and the spare rows below
    assert check(example_path, blank_rows) == 40


@pytest.mark.parametrize("patched", [True, False], ids=["patched", "full save"])
def test_a_heading_typed_in_a_row_of_its_own_is_kept(example_path, tmp_path, monkeypatch,
                                                      outcomes, patched):
    """A theme's heading in a row of its own, as in a Word appendix, is read as a
    heading — a warning, not an action — and every save leaves it where it is: the
    merge's, and an approval's, whose new action goes below a heading left at the end
    for a theme with no actions yet."""
    if not patched:
        monkeypatch.setattr(plan_patch, "patch_save", lambda *a, **k: False)
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    heads = {c.value: c.column for c in ws[1]}
    ws.insert_rows(2)
    ws.cell(2, heads["Ref"]).value = "Theme 1: Managing our finances"
    end = ws.max_row + 1
    ws.cell(end, heads["Theme"]).value = "Places and communities: new this year"
    wb.save(example_path)
    report = cip_xl.validate(example_path)
    assert [(f.code, f.severity, f.cell) for f in report.findings
            if f.code == "heading-row"] == [("heading-row", "warning", "A2"),
                                            ("heading-row", "warning", f"B{end}")]

    _approve_new_action(example_path, tmp_path / "returns")
    assert set(outcomes) == ({True} if patched else set())  # (the spy was replaced)
    values = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Plan").to_python()
    assert values[1][heads["Ref"] - 1] == "Theme 1: Managing our finances"
    assert not any(values[1][c - 1] for c in heads.values() if c != heads["Ref"])
    assert values[end - 1][heads["Theme"] - 1] == "Places and communities: new this year"
    assert values[end][heads["Key action"] - 1] == "Trial a garden waste app"
    assert values[2][heads["Ref"] - 1] == "1.1"  # the first action, where it was
    plan = cip_xl.load_plan(example_path)
    assert len(plan.actions) == 41 and 2 not in {a.row for a in plan.actions}


@pytest.mark.parametrize("patched", [True, False], ids=["patched", "full save"])
def test_records_stay_in_their_rows_beside_a_councils_own_cells(example_path, tmp_path,
                                                                monkeypatch, outcomes,
                                                                patched):
    """On the sheets of records, a council keeps its own columns beside cip-xl's (a
    Phone beside each officer, a note beside each change request) and clears a row's
    contents rather than deleting it. Every save writes each record back into its row,
    so the council's cells stay beside the record they are about; the cleared rows stay
    blank, new records go below the last, and a theme listed out of order stays put."""
    if not patched:
        monkeypatch.setattr(plan_patch, "patch_save", lambda *a, **k: False)
    _merge_and_approve(example_path, tmp_path / "first")  # change requests to keep
    wb = openpyxl.load_workbook(example_path)
    officers, requests, themes = wb["Officers"], wb["Change requests"], wb["Themes"]
    officers["G1"] = "Phone"
    for row in range(2, officers.max_row + 1):
        officers.cell(row, 7).value = f"phone of {officers.cell(row, 1).value}"
    _insert_blank_rows(officers, [4])  # a gap between directorates
    officers["G4"] = "new starter due in January"
    asked = requests.max_row - 1
    requests["Q1"] = "SMT view"
    for row in range(2, requests.max_row + 1):
        requests.cell(row, 17).value = f"view on {requests.cell(row, 1).value}"
    _insert_blank_rows(requests, [2])  # a gap above the first
    themes["D1"] = "Portfolio holder"
    if not patched:  # (a new order of themes is a new layout: the full save's)
        themes["A2"], themes["A3"] = 2, 1  # listed out of order
    for row in range(2, themes.max_row + 1):
        themes.cell(row, 4).value = f"holder for {themes.cell(row, 2).value}"
    wb.save(example_path)

    _approve_new_action(example_path, tmp_path / "second")
    assert set(outcomes) == ({True} if patched else set()), outcomes

    book = CalamineWorkbook.from_path(str(example_path))
    rows = book.get_sheet_by_name("Officers").to_python()
    assert rows[3][:5] == [""] * 5 and rows[3][6] == "new starter due in January"
    assert all(r[6] == f"phone of {r[0]}" for r in rows[1:] if r[0])
    rows = book.get_sheet_by_name("Change requests").to_python()
    assert rows[1][:15] == [""] * 15  # the gap, still there
    assert len([r for r in rows[1:] if r[0]]) > asked  # the new requests, below
    assert all(r[16] == f"view on {r[0]}" for r in rows[2:asked + 2])
    assert all(r[16] == "" for r in rows[asked + 2:])
    rows = book.get_sheet_by_name("Themes").to_python()
    assert [r[0] for r in rows[1:3]] == ([1, 2] if patched else [2, 1])  # not sorted
    assert all(r[3] == f"holder for {r[1]}" for r in rows[1:] if r[1])
    plan = cip_xl.load_plan(example_path)
    assert 4 not in {o.row for o in plan.officers}


def test_a_row_inserted_in_settings_leaves_each_name_on_its_setting(example_path,
                                                                    outcomes):
    """The live formulas read the reporting date, the amber window... through names
    (ReportDate...). A row inserted in Settings in Excel moves the rows below and
    their names with them; the next save must leave every name on its own setting —
    writing the settings back into their old rows under the moved names gave the
    traffic lights in Excel the amber window's 30 as the reporting date. Each setting
    stays in its row, so the save can still be a patched one, and the note stays
    where it was typed."""
    from openpyxl.workbook.defined_name import DefinedName

    from cip_xl import schema

    wb = openpyxl.load_workbook(example_path)
    ws = wb["Settings"]
    _insert_blank_rows(ws, [3])
    ws["A3"], ws["B3"] = "Note", "Agreed by the Executive on 1 May"
    for name in schema.SETTING_NAMES.values():  # as Excel moves them
        row = int(wb.defined_names[name].attr_text.rsplit("$", 1)[1])
        wb.defined_names[name] = DefinedName(name, attr_text=f"'Settings'!$B${row + 1}")
    wb.save(example_path)

    cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    assert outcomes == [True]  # each setting where it is, under its own name
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Settings"]
    labels = dict(schema.SETTINGS_ROWS)
    for key, name in schema.SETTING_NAMES.items():
        row = int(wb.defined_names[name].attr_text.rsplit("$", 1)[1])
        assert ws.cell(row, 1).value == labels[key], name
    report_row = int(wb.defined_names["ReportDate"].attr_text.rsplit("$", 1)[1])
    assert ws.cell(report_row, 2).value.date() == date(2026, 12, 31)
    assert (ws["A3"].value, ws["B3"].value) == ("Note", "Agreed by the Executive on 1 May")


def _settings_as_excel_leaves_them(path, insert_at: int | None = None,
                                   delete_at: int | None = None) -> None:
    """A row inserted above (or deleted at) row ``insert_at`` (``delete_at``) of the
    Settings sheet of the plan at ``path``, the names below moving as Excel moves
    them, and a note beside every setting in column C."""
    from openpyxl.workbook.defined_name import DefinedName

    from cip_xl import schema

    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    at, step = (insert_at, 1) if insert_at else (delete_at, -1)
    if insert_at:
        _insert_blank_rows(ws, [insert_at])
    else:
        ws.delete_rows(delete_at)
    for name in schema.SETTING_NAMES.values():
        row = int(wb.defined_names[name].attr_text.rsplit("$", 1)[1])
        if row >= at:
            wb.defined_names[name] = DefinedName(
                name, attr_text=f"'Settings'!$B${row + step}")
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, 1).value:
            ws.cell(row, 3).value = f"about {ws.cell(row, 1).value}"
    wb.save(path)


def _settings_kept_in_place(path, expected_labels: list) -> None:
    """Column A of the Settings sheet of ``path`` reads ``expected_labels`` from row 2,
    every note still beside its setting and every name on its setting's value."""
    from cip_xl import schema

    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    assert [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)] == expected_labels
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, 3).value is not None:
            assert ws.cell(row, 3).value == f"about {ws.cell(row, 1).value}"
    labels = dict(schema.SETTINGS_ROWS)
    for key, name in schema.SETTING_NAMES.items():
        row = int(wb.defined_names[name].attr_text.rsplit("$", 1)[1])
        assert ws.cell(row, 1).value == labels[key], name


def test_a_full_save_keeps_each_setting_in_its_row_beside_the_councils_notes(
        example_path, outcomes):
    """A council keeps notes beside its settings (column C) and a note row of its own
    between them. A full save (a new lead officer changes the dropdown lists) wrote
    the settings back in cip-xl's order, so every note below the inserted row ended up
    beside the wrong setting, and the note row went to the bottom. Each setting now
    goes back into the row it was read from; findings about a setting name its row."""
    from cip_xl import schema

    _settings_as_excel_leaves_them(example_path, insert_at=3)
    wb = openpyxl.load_workbook(example_path)
    wb["Settings"]["A3"], wb["Settings"]["B3"] = "Note", "Agreed by the Executive on 1 May"
    wb["Officers"].append(["NEW", "New Head of Service", "Jo Bloggs", "", "Place"])
    wb.save(example_path)
    labels = [label for _, label in schema.SETTINGS_ROWS]
    expected = labels[:1] + ["Note"] + labels[1:]

    cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    assert outcomes == [False]  # the full save
    _settings_kept_in_place(example_path, expected)
    book = CalamineWorkbook.from_path(str(example_path))
    settings = book.get_sheet_by_name("Settings").to_python()
    assert settings[2][:2] == ["Note", "Agreed by the Executive on 1 May"]
    assert settings[4][:2] == ["Reporting date", date(2026, 12, 31)]  # a date, as before
    meeting = next(n for n, row in enumerate(settings, start=1) if row[0] == "Meeting date")
    # (the quarter moved on past the example's meeting of 21/10/2026: said, in its row)
    assert [(f.code, f.cell) for f in cip_xl.validate(example_path).findings] == [
        ("meeting-before-date", f"B{meeting}")]

    wb = openpyxl.load_workbook(example_path)  # findings name the row it is in now
    wb["Settings"]["B4"], wb["Settings"]["B5"] = None, None
    wb.save(example_path)
    cells = {f.code: f.cell for f in cip_xl.validate(example_path).findings
             if f.code != "master-edited"}  # (the note saying it was edited in Excel)
    assert cells == {"plan-title-missing": "B4", "reporting-date-missing": "B5"}


def test_a_setting_whose_row_was_deleted_is_written_below_the_others(example_path,
                                                                     outcomes):
    """The Portfolio row deleted in Excel: the next save, still a patched one, writes
    the setting (blank) again below the last row instead of moving every setting
    below it up a row; the notes beside them stay beside them."""
    from cip_xl import schema

    _settings_as_excel_leaves_them(example_path, delete_at=schema.SETTINGS_ROW_OF["portfolio"])
    labels = [label for _, label in schema.SETTINGS_ROWS]
    cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    assert outcomes == [True]
    _settings_kept_in_place(example_path, [label for label in labels if label != "Portfolio"]
                            + ["Portfolio"])
    assert not [f for f in cip_xl.validate(example_path).findings if f.severity == "error"]


def test_a_setting_given_twice_is_named(example_path):
    """A second Reporting date row typed at the bottom of Settings: the lower one is
    used, and validation says which two rows hold it; the save leaves the other as
    it is."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Settings"]
    last = ws.max_row + 1
    ws.cell(last, 1).value, ws.cell(last, 2).value = "Reporting date", datetime(2026, 12, 31)
    wb.save(example_path)
    found = [f for f in cip_xl.validate(example_path).findings
             if f.code == "setting-duplicate"]
    assert [(f.cell, f.severity) for f in found] == [(f"A{last}", "warning")]
    assert "rows 4 and " + str(last) in found[0].message
    result = cip_xl.refresh_status(example_path)
    assert result.as_of == date(2026, 12, 31)
    rows = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name(
        "Settings").to_python()
    assert rows[3][:2] == ["Reporting date", date(2026, 9, 30)]  # left as it is
    assert rows[last - 1][:2] == ["Reporting date", date(2026, 12, 31)]


def test_a_full_save_of_a_plan_read_without_its_trail_keeps_the_trails_rows(
        example_path, outcomes):
    """A job that skips the audit trail (status) and then needs the full save (a new
    lead officer changes the dropdown lists) reads the trail first and writes each
    entry back into its row: a gap the council left stays, and a note it keeps beside
    an entry stays beside that entry."""
    trail = _trail_of_five(example_path)
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Audit"]
    _insert_blank_rows(ws, [4])
    for row in range(2, ws.max_row + 1):
        if ws.cell(row, 1).value:
            ws.cell(row, 10).value = f"checked {ws.cell(row, 7).value}"
    officers = wb["Officers"]
    officers.append(["NEW", "New Head of Service", "Jo Bloggs", "", "Place"])
    wb.save(example_path)

    cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    assert outcomes == [False]  # the full save
    rows = _audit_rows(example_path)
    assert rows[3][:8] == [""] * 8  # the gap, still there
    entries = [r for r in rows[1:] if r[0]]
    assert [r[6] for r in entries[:-1]] == [e.new for e in trail]
    assert all(r[9] == f"checked {r[6]}" for r in entries[:-1])
    # the officer added in Excel is on the trail too, below (cip_xl.master_edits)
    assert entries[-1][4:7] == ["Officers: NEW added", "", "New Head of Service, Jo Bloggs"]


def test_rows_typed_in_below_the_plan_after_blank_rows_stay_in_theirs(
        example_path, tmp_path, outcomes, monkeypatch):
    """Actions typed in below the plan with a blank row left before each are laid out
    in their own rows, the blank rows kept — patched as the full save does it."""
    heads = type_into_plan(example_path, {
        (43, "Ref"): "5.9", (43, "Theme"): "Places and communities",
        (43, "Key action"): "Typed in after a blank row", (43, "Lead officer"): "HP",
        (43, "Target date"): datetime(2027, 3, 31), (43, "Status"): "On track",
        (45, "Ref"): "5.10", (45, "Theme"): "Places and communities",
        (45, "Key action"): "And another", (45, "Target date"): "Summer 2027"})
    full = _saved_both_ways(example_path, tmp_path, monkeypatch, _same_typed_ids)
    assert outcomes == [True]
    assert differences(cell_facts(example_path), cell_facts(full)) == []
    ws = openpyxl.load_workbook(example_path)["Plan"]
    assert [ws.cell(r, heads["Ref"]).value for r in (42, 43, 44, 45)] == \
        [None, "5.9", None, "5.10"]
    assert ws.cell(45, heads["RAG"]).value.startswith("=IF($J45=")
    assert ws.auto_filter.ref.endswith("45")


def test_refs_are_formatted_as_text_so_excel_keeps_3_10(example_path, outcomes):
    """A plan saved before Refs were formatted as Text gets the full save once, which
    formats the Ref cells and the column (rows typed in below the plan take its
    format) as Text, so that 3.10 typed in Excel stays 3.10; later saves are patched.
    (The patched save cannot format a column; it formats the Ref cells it writes.)"""
    refs_not_formatted(example_path, example_path)
    refs = [c.value for c in openpyxl.load_workbook(example_path)["Plan"]["A"][1:]]

    assert cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31)).saved
    ws = openpyxl.load_workbook(example_path)["Plan"]
    assert [c.value for c in ws["A"][1:]] == refs
    assert {c.number_format for c in ws["A"][1:] if c.value} == {"@"}
    assert ws.column_dimensions["A"].number_format == "@"
    assert cip_xl.refresh_status(example_path, as_of=date(2027, 3, 31)).saved
    assert outcomes == [False, True]


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(range(15)), notes=st.lists(st.integers(0, 15), max_size=3),
       drop=st.sampled_from([None, "portfolio", "contact", "committee"]))
def test_settings_in_any_order_stay_in_their_rows_through_every_save(example_path, order,
                                                                     notes, drop):
    """Settings in any order (sorted in Excel, say), with note rows between them and a
    setting's row deleted, the names moved with their rows as Excel moves them: a
    status refresh (patched or full save) and then a full save keep every note beside
    its setting and every name on its own setting's value."""
    from openpyxl.workbook.defined_name import DefinedName

    from cip_xl import schema

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "plan.xlsx"
        shutil.copy(example_path, path)
        wb = openpyxl.load_workbook(path)
        ws = wb["Settings"]
        rows = [(ws.cell(r, 1).value, ws.cell(r, 2).value, ws.cell(r, 2).number_format)
                for r in range(2, 17)]
        keys = [key for key, _ in schema.SETTINGS_ROWS]
        arranged = [rows[i] + (keys[i],) for i in order if keys[i] != drop]
        for at in sorted(notes, reverse=True):
            arranged.insert(min(at, len(arranged)), ("Note", f"note {at}", "General", None))
        for r in range(2, ws.max_row + 1):
            for c in (1, 2, 3):
                ws.cell(r, c).value = None
        for r, (label, value, shown, key) in enumerate(arranged, start=2):
            ws.cell(r, 1).value, ws.cell(r, 2).value = label, value
            ws.cell(r, 2).number_format = shown
            ws.cell(r, 3).value = f"about {label}"
            if key in schema.SETTING_NAMES:
                name = schema.SETTING_NAMES[key]
                wb.defined_names[name] = DefinedName(name, attr_text=f"'Settings'!$B${r}")
        wb.save(path)

        def kept() -> None:
            book = openpyxl.load_workbook(path)
            sheet = book["Settings"]
            labels = dict(schema.SETTINGS_ROWS)
            for r in range(2, sheet.max_row + 1):
                label, note = sheet.cell(r, 1).value, sheet.cell(r, 3).value
                if note is not None:
                    assert note == f"about {label}", r
            for key, name in schema.SETTING_NAMES.items():
                row = int(book.defined_names[name].attr_text.rsplit("$", 1)[1])
                assert sheet.cell(row, 1).value == labels[key], name
            assert sorted(v for v in (sheet.cell(r, 2).value for r in range(2, sheet.max_row
                                                                              + 1))
                          if isinstance(v, str) and v.startswith("note ")) == \
                sorted(f"note {at}" for at in notes)

        cip_xl.refresh_status(path, as_of=date(2026, 12, 31))
        kept()
        cip_xl.save_plan(cip_xl.load_plan(path), path)  # a full save
        kept()
        plan = cip_xl.load_plan(path)
        assert plan.settings.reporting_date == date(2026, 12, 31)
        assert plan.settings.amber_window_days == 30
        assert not [f for f in cip_xl.validate(path).findings
                    if f.code.startswith("setting-")]


def test_a_custom_property_is_set_in_the_shape_the_file_writes_them():
    """Excel and LibreOffice write custom document properties with the prefix declared
    at the root and the attributes in another order: a property is replaced where it
    is, or added in the shape of the others with the next pid, escaped."""
    from xml.dom.minidom import parseString

    from cip_xl.plan_patch import custom_properties, with_custom_property

    xml = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Properties '
           b'xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
           b'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
           b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" '
           b'name="cip-xl layout"><vt:lpwstr>abc</vt:lpwstr></property>'
           b'<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="7" '
           b'name="Owner"><vt:lpwstr>Policy &amp; Performance</vt:lpwstr></property>'
           b'</Properties>')
    added = with_custom_property(xml, "cip-xl saved by", "merge of 2 returns <& more>")
    again = with_custom_property(added, "cip-xl saved by", "status as of 31/03/2027")
    parseString(again)  # still well-formed
    assert custom_properties(again) == {"cip-xl layout": "abc",
                                        "Owner": "Policy & Performance",
                                        "cip-xl saved by": "status as of 31/03/2027"}
    assert b'pid="8" name="cip-xl saved by"' in again and again.count(b"saved by") == 1
