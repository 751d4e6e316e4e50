"""A plan saved under a new name keeps its history: the backups and the copy of the last
save made under its old name are its own, and another plan's never are."""
from __future__ import annotations

import shutil
from datetime import date, datetime

import openpyxl
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl.example import fill_in_return
from cip_xl.master_edits import saved_copy_path
from cip_xl.safe_save import backups_of

from .conftest import run_cli


def _audit(path) -> list[list]:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Audit").to_python()
    return [row for row in rows[1:] if any(cell != "" for cell in row)]


def _progress(path, ref: str) -> object:
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Plan").to_python()
    heads = [str(h) for h in rows[0]]
    return next(row[heads.index("Progress update")] for row in rows[1:]
                if str(row[0]) == ref)


def _type_progress(path, ref: str, text: str, by: str = "Jane Smith") -> None:
    """Type a progress update into the Plan sheet and save, as Excel does."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Plan"]
    heads = {c.value: c.column for c in ws[1] if c.value}
    row = next(r for r in range(2, ws.max_row + 1) if str(ws.cell(r, 1).value) == ref)
    ws.cell(row, heads["Progress update"]).value = text
    wb.properties.lastModifiedBy = by
    wb.save(path)


def _merged(example_path, tmp_path):
    """The example plan after returns were issued and the Place return merged: its
    backups and copy of the last save are all under the name plan.xlsx."""
    issued = cip_xl.issue_returns(example_path, tmp_path / "returns",
                                  when=datetime(2026, 12, 1, 9))
    place = next(item.path for item in issued if item.department == "Place")
    assert fill_in_return(place) > 0
    assert cip_xl.merge(example_path, [place]).saved
    return place


def test_what_is_typed_after_saving_under_a_new_name_is_audited(example_path, tmp_path):
    """The manager saves the plan as 'CIP Q3.xlsx' and types an update in it. The first
    reading under the new name compares it with the copy of the last save made as
    plan.xlsx: validate says so, naming the old name, and the next save writes the
    change to the Audit sheet with the value before; a second save adds nothing."""
    _merged(example_path, tmp_path)
    renamed = example_path.with_name("CIP Q3.xlsx")
    shutil.move(example_path, renamed)
    before = _progress(renamed, "1.2")
    _type_progress(renamed, "1.2", "Typed after the rename")
    trail = len(_audit(renamed))

    report = cip_xl.validate(renamed)
    said = [f for f in report.findings if f.code == "master-edited"]
    assert len(said) == 1 and "as plan.xlsx" in said[0].message, report.findings
    assert "Ref 1.2 Progress update" in said[0].message

    assert cip_xl.refresh_status(renamed, as_of=date(2027, 1, 31)).saved
    rows = _audit(renamed)[trail:]
    typed = [row for row in rows if row[4] == "Progress update"]
    assert len(typed) == 1 and typed[0][3] == "1.2", rows
    assert typed[0][5] == before and typed[0][6] == "Typed after the rename"
    assert typed[0][1].startswith("Edited in the master (last saved by Jane Smith")
    assert saved_copy_path(renamed).is_file()  # its own copy from now on
    assert cip_xl.refresh_status(renamed, as_of=date(2027, 2, 28)).saved
    assert [row for row in _audit(renamed)[trail:] if row[4] == "Progress update"] == typed


def test_backups_made_under_the_old_name_are_listed_and_restored(example_path, tmp_path):
    """Renamed before cip-xl saved it under the new name, the plan has no backups of its
    own: restore --list shows those made as plan.xlsx, each saying so, and `restore
    last` puts back the plan as it was before the merge, under the new name."""
    place = _merged(example_path, tmp_path)
    old = [path for _, path in backups_of(example_path)]
    assert old
    renamed = example_path.with_name("CIP Q3.xlsx")
    shutil.move(example_path, renamed)
    before_merge = _progress(old[0], "5.1")
    assert _progress(renamed, "5.1") != before_merge

    listing = run_cli("restore", str(renamed), "--list")
    assert listing.returncode == 0, listing.stderr
    assert "no backups" not in listing.stdout
    for backup in old:
        assert f"{backup.name}  (the plan as plan.xlsx)" in listing.stdout
    assert "merge of 1 return" in listing.stdout

    done = run_cli("restore", str(renamed), "last")
    assert done.returncode == 0, done.stdout + done.stderr
    assert old[0].name in done.stdout
    assert _progress(renamed, "5.1") == before_merge
    assert any(row[4] == "Plan restored" for row in _audit(renamed))
    # the return merged since shows as not merged: it merges again into the new name
    assert cip_xl.merge(renamed, [place]).saved
    assert _progress(renamed, "5.1") != before_merge


def test_another_plans_history_is_never_taken(example_path, tmp_path):
    """Last year's plan in the same folder (another Plan ID), saved by cip-xl: its
    backups are not listed for this year's plan saved under a new name, nor is its copy
    compared with it."""
    last_year = example_path.with_name("CIP 2025-26.xlsx")
    assert run_cli("new", str(last_year), "--council", "Wrenfield").returncode == 0
    assert cip_xl.refresh_status(last_year, as_of=date(2026, 3, 31)).saved
    assert backups_of(last_year) and saved_copy_path(last_year).is_file()
    saved_copy_path(example_path).unlink()
    for _, backup in backups_of(example_path):
        backup.unlink()
    renamed = example_path.with_name("CIP 2026-27.xlsx")
    shutil.move(example_path, renamed)
    _type_progress(renamed, "1.2", "Typed after the rename")

    assert cip_xl.backups(renamed) == []
    assert not [f for f in cip_xl.validate(renamed).findings if f.code == "master-edited"]


def test_an_older_snapshot_is_not_compared_with_a_later_save(example_path, tmp_path):
    """A copy of the plan kept before a merge ('CIP as at committee.xlsx') is not the
    plan saved under a new name: its Audit sheet lacks the merge's entries, so reading
    it does not take the merge's changes, undone, for edits typed into it."""
    snapshot = example_path.with_name("CIP as at committee.xlsx")
    shutil.copy(example_path, snapshot)
    _merged(example_path, tmp_path)
    report = cip_xl.validate(snapshot)
    assert not [f for f in report.findings if f.code == "master-edited"], report.findings
    # and a snapshot taken after the last save, then typed in, is compared
    later = example_path.with_name("CIP working copy.xlsx")
    shutil.copy(example_path, later)
    _type_progress(later, "1.2", "Typed in the working copy")
    said = [f for f in cip_xl.validate(later).findings if f.code == "master-edited"]
    assert len(said) == 1 and "as plan.xlsx" in said[0].message


def test_audit_rows_deleted_after_a_rename_are_found_by_the_trail_check(example_path,
                                                                        tmp_path):
    """validate --trail compares the renamed plan's Audit sheet with the versions kept
    under its old name: rows deleted from it are named, with where they still are."""
    _merged(example_path, tmp_path)
    renamed = example_path.with_name("CIP Q3.xlsx")
    shutil.move(example_path, renamed)
    wb = openpyxl.load_workbook(renamed)
    ws = wb["Audit"]
    gone = [c.value for c in ws[ws.max_row]]
    ws.delete_rows(ws.max_row)
    wb.save(renamed)

    findings = cip_xl.check_trail(renamed)
    assert findings, "the deleted entry was not found"
    assert any("as plan.xlsx" in f.message and str(gone[3]) in f.message
               for f in findings), [f.message for f in findings]


def test_a_plan_moved_without_its_backups_folder_says_where_they_were_left(example_path,
                                                                          tmp_path):
    """A plan moved (or copied) to another folder leaves backups/ behind: validate says
    so, and what to move, and restore and changes say why there is nothing to put back;
    with the folder moved too, all is as before. A plan cip-xl never saved says none."""
    cip_xl.api.refresh_status(example_path, as_of=date(2026, 12, 31))  # a save: a backup
    backup = backups_of(example_path)[0][1].name
    moved = tmp_path / "Committee papers" / "plan.xlsx"
    moved.parent.mkdir()
    shutil.move(example_path, moved)
    before = moved.read_bytes()

    notes = [f for f in cip_xl.validate(moved).findings
             if f.code == "plan-history-elsewhere"]
    assert len(notes) == 1 and notes[0].severity == "info"
    assert backup in notes[0].message and "move the backups folder" in notes[0].message
    listing = run_cli("restore", str(moved), "--list")
    assert listing.returncode == 0 and "moved or copied here" in listing.stdout
    assert backup in listing.stdout
    put_back = run_cli("restore", str(moved), "last")
    assert put_back.returncode != 0 and "moved or copied here" in put_back.stderr
    since = run_cli("changes", str(moved), "--since", "30/06/2026")
    assert since.returncode != 0 and "moved or copied here" in since.stderr
    assert moved.read_bytes() == before

    shutil.move(example_path.parent / "backups", moved.parent / "backups")
    assert not [f for f in cip_xl.validate(moved).findings
                if f.code == "plan-history-elsewhere"]
    assert backup in run_cli("restore", str(moved), "--list").stdout

    never = tmp_path / "never" / "plan.xlsx"
    never.parent.mkdir()
    wb = openpyxl.load_workbook(moved)
    del wb.custom_doc_props["cip-xl saved by"]  # as a plan cip-xl has not saved
    wb.save(never)
    assert not [f for f in cip_xl.validate(never).findings
                if f.code == "plan-history-elsewhere"]
    assert "cip-xl makes one each time" in run_cli("restore", str(never), "--list").stdout
