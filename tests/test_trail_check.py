"""The Audit sheet checked against the versions of the plan cip-xl kept: entries are
never changed or removed (``cip-xl validate --trail``)."""
from __future__ import annotations

import shutil
from datetime import date, datetime

import openpyxl
import pytest

import cip_xl
from cip_xl.example import fill_in_return
from cip_xl.master_edits import saved_copy_path

from .conftest import convert_with_libreoffice, run_cli


@pytest.fixture
def trail(example_path, tmp_path):
    """The example plan with a trail of a merge, then saved again by status (so that a
    dated backup, not only the copy of the last save, holds that trail)."""
    issued = cip_xl.issue_returns(example_path, tmp_path / "returns",
                                  when=datetime(2026, 12, 1, 9))
    place = next(item.path for item in issued if item.department == "Place")
    assert fill_in_return(place) > 0
    assert cip_xl.merge(example_path, [place]).saved
    assert cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31)).saved
    return example_path


def _sheet(path):
    wb = openpyxl.load_workbook(path)
    return wb, wb["Audit"]


def test_an_untouched_trail_and_one_sorted_or_resaved_pass(trail, tmp_path):
    """Nothing to say of a trail as cip-xl left it, of one sorted in Excel (every
    entry still there, in other rows), or of the plan re-saved by LibreOffice."""
    assert cip_xl.check_trail(trail) == []
    wb, ws = _sheet(trail)
    rows = sorted(([c.value for c in row] for row in ws.iter_rows(min_row=2)),
                  key=lambda values: str(values[4]))
    for number, values in enumerate(rows, start=2):
        for column, value in enumerate(values, start=1):
            ws.cell(number, column).value = value
    wb.save(trail)
    assert cip_xl.check_trail(trail) == []

    resaved = convert_with_libreoffice(trail, "xlsx", tmp_path / "lo")
    shutil.copy(resaved, trail)
    assert cip_xl.check_trail(trail) == []


def test_an_entry_retyped_before_the_last_save_is_found_in_a_backup(trail):
    """An entry retyped in Excel, and the plan saved by cip-xl since — so that the copy
    of its last save holds the retyped entry too: the backup before it does not, and
    names the cell, what it said and what it says now."""
    wb, ws = _sheet(trail)
    heads = {c.value: c.column for c in ws[1]}
    row = next(r for r in range(2, ws.max_row + 1)
               if ws.cell(r, heads["Field"]).value == "Progress update")
    was = ws.cell(row, heads["New value"]).value
    ws.cell(row, heads["New value"]).value = "All done, nothing to see"
    wb.save(trail)
    assert cip_xl.refresh_status(trail, as_of=date(2027, 2, 28)).saved

    found = cip_xl.check_trail(trail)
    assert [(f.code, f.sheet, f.cell) for f in found] == \
        [("audit-entry-changed", "Audit", f"A{row}")]
    assert f"New value was '{was[:60]}', now 'All done, nothing to see'" in found[0].message
    assert "since the backup of " in found[0].message and "(backups/plan." in \
        found[0].message


def test_a_deleted_entry_is_named_and_the_rows_moved_up_are_not(trail):
    """A row deleted from the trail: that entry is named, with the row it was in and
    the file that has it; the entries that moved up into its row are not taken for
    changed ones. The command line says so and, with --strict, fails."""
    wb, ws = _sheet(trail)
    gone = [c.value for c in ws[3]]
    ws.delete_rows(3)
    wb.save(trail)

    found = cip_xl.check_trail(trail)
    assert [f.code for f in found] == ["audit-entry-removed"]
    assert f"by {gone[1]}" in found[0].message and "in row 3 of the copy of the last " \
        "save (backups/plan.as-saved.xlsx), is no longer on the sheet" in found[0].message
    done = run_cli("validate", str(trail), "--trail")
    assert done.returncode == 0, done.stderr
    assert "[audit-entry-removed]" in done.stdout
    assert run_cli("validate", str(trail), "--trail", "--strict").returncode == 1
    assert "[audit-entry-removed]" not in run_cli("validate", str(trail)).stdout


def test_versions_of_another_plan_are_passed_by(trail):
    """A backup of last year's plan, saved under the same name (another Plan ID), has
    other entries; they are not taken for entries removed from this one."""
    last_year = saved_copy_path(trail).with_name("plan.20250101-090000.xlsx")
    shutil.copy(trail, last_year)
    wb = openpyxl.load_workbook(last_year)
    settings = wb["Settings"]
    row = next(r for r in range(1, settings.max_row + 1)
               if settings.cell(r, 1).value == "Plan ID")
    settings.cell(row, 2).value = "P-LASTYEAR"
    wb["Audit"].append([datetime(2025, 1, 1, 9), "Old return", "A1", "1.1", "Status",
                        "", "Complete", "old.xlsx"])
    wb.save(last_year)
    assert cip_xl.check_trail(trail) == []
