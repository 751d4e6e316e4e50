"""Copies of the plan a syncing service kept beside it when two saves clashed
(OneDrive, SharePoint, Dropbox): every job that reads the plan warns of one, naming
what differs, and nothing else is taken for one."""
from __future__ import annotations

import shutil

import openpyxl

import cip_xl

from .conftest import run_cli


def _copy_with(plan, name: str, cell: str, value: object, saver: str = "Jane Smith"):
    """``plan`` saved as ``name`` beside it, by ``saver``, with ``value`` typed in the
    Plan sheet's ``cell``."""
    wb = openpyxl.load_workbook(plan)
    wb["Plan"][cell] = value
    wb.properties.lastModifiedBy = saver
    target = plan.parent / name
    wb.save(target)
    return target


def _conflicts(plan) -> dict[str, str]:
    return {f.file.rsplit("/", 1)[-1]: f.message for f in cip_xl.validate(plan).findings
            if f.code == "plan-conflict-copy"}


def test_a_copy_onedrive_kept_of_a_clash_is_named_with_what_differs(example_path):
    """'plan-DESKTOP-7F3K2Q1.xlsx' beside the plan, holding a progress update typed
    on the laptop that lost the clash: validate warns, naming who saved it and the
    value; status passes it on; the plan itself is left as it was."""
    ref1 = cip_xl.load_plan(example_path).actions[0]
    _copy_with(example_path, "plan-DESKTOP-7F3K2Q1.xlsx", "L2", "Typed on the laptop")
    _copy_with(example_path, "plan-WCC-LT0423-1.xlsx", "L2", "A second clash")
    said = _conflicts(example_path)
    assert list(said) == ["plan-DESKTOP-7F3K2Q1.xlsx", "plan-WCC-LT0423-1.xlsx"]
    message = said["plan-DESKTOP-7F3K2Q1.xlsx"]
    assert "named as OneDrive and SharePoint name the other side of two saves" in message
    assert "by Jane Smith" in message and "differs from plan.xlsx in 1 value" in message
    assert f"Ref {ref1.ref} Progress update: 'Typed on the laptop' there" in message

    before = cip_xl.load_plan(example_path).actions[0].progress_update
    status = run_cli("status", str(example_path), "--as-of", "31/12/2026")
    assert status.returncode == 0, status.stderr
    assert "plan-conflict-copy" in status.stdout
    assert cip_xl.load_plan(example_path).actions[0].progress_update == before


def test_dropbox_and_box_conflicted_copies_are_found_too(example_path):
    name = "plan (Jane Smith's conflicted copy 2026-12-03).xlsx"
    _copy_with(example_path, name, "J3", "Slipped")
    assert "named as Dropbox and Box name" in _conflicts(example_path)[name]


def test_other_files_beside_the_plan_are_not_taken_for_clashes(example_path, tmp_path):
    """A copy the council named itself, one identical to the plan, one with the same
    values, another plan under a clash's name, and the backups folder: none warns."""
    _copy_with(example_path, "plan-old.xlsx", "L2", "An old draft")
    _copy_with(example_path, "plan-Q3.xlsx", "L2", "Kept for Q3")
    _copy_with(example_path, "plan-2027-DRAFT.xlsx", "L2", "Next year's draft")
    _copy_with(example_path, "plan-Q3-2027.xlsx", "L2", "As at Q3")
    shutil.copy(example_path, example_path.parent / "plan-DESKTOP-AAAA111.xlsx")
    wb = openpyxl.load_workbook(example_path)
    wb.save(example_path.parent / "plan-LAPTOP-BBB2222.xlsx")  # re-saved, same values
    other = tmp_path / "other"
    other.mkdir()
    cip_xl.api.new_plan_file(other / "new.xlsx", council="Elsewhere")
    shutil.copy(other / "new.xlsx", example_path.parent / "plan-DESKTOP-CCCC333.xlsx")
    assert _conflicts(example_path) == {}

    cip_xl.api.refresh_status(example_path, as_of=None)  # a backup is made
    backup = next((example_path.parent / "backups").glob("plan.*.xlsx"))
    _copy_with(backup, backup.stem + "-DESKTOP-DDDD444.xlsx", "L2", "In the backups")
    assert not [f for f in cip_xl.validate(backup).findings
                if f.code == "plan-conflict-copy"]
