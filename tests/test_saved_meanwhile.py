"""A plan saved by someone else while a job works on it is never replaced by the job.

The lock and the owner-file check stop a job from starting on a plan in use; these tests
change the plan *during* the job — a colleague saving it in Excel, a sync client putting
down its own version, the file moved — and look at the file the job leaves."""
from __future__ import annotations

import os
import shutil
from datetime import datetime, timedelta

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl.findings import PlanFileError
from cip_xl.safe_save import backups_of

from .returns_helpers import edit_return, return_for


def progress_of(plan_path, ref):
    """The Progress update of action ``ref`` in the plan at ``plan_path``, as an
    independent reader (python-calamine) sees it."""
    rows = CalamineWorkbook.from_path(str(plan_path)).get_sheet_by_name("Plan").to_python()
    header = rows[0]
    row = next(r for r in rows[1:] if str(r[header.index("Ref")]) == ref)
    return row[header.index("Progress update")]


def saved_by_colleague(plan_path, ref, text):
    """Type ``text`` as action ``ref``'s Progress update and save, as another program
    (openpyxl standing in for Excel) would."""
    wb = openpyxl.load_workbook(plan_path)
    ws = wb["Plan"]
    header = [c.value for c in ws[1]]
    row = next(r for r in ws.iter_rows(min_row=2) if str(r[header.index("Ref")].value) == ref)
    row[header.index("Progress update")].value = text
    wb.save(plan_path)


@pytest.fixture
def returned(example_path, tmp_path):
    """The example master and one return from it with a progress update typed in."""
    folder = tmp_path / "returns"
    cip_xl.api.issue_returns(example_path, folder, when=datetime(2026, 11, 2, 9))
    place = return_for(folder, "Place")
    edit_return(place, {("5.3", "Progress update"): "Caddies delivered to 60% of homes."})
    return example_path, place


def test_a_save_in_excel_during_a_merge_is_kept_and_the_merge_refused(returned):
    plan_path, place = returned
    backups = len(backups_of(plan_path))

    def colleague_saves(path):
        saved_by_colleague(plan_path, "5.1", "Typed by a colleague mid-merge.")

    with pytest.raises(PlanFileError) as refused:
        cip_xl.merge(plan_path, [place], progress=colleague_saves)
    finding = refused.value.finding
    assert finding.code == "plan-changed-meanwhile" and finding.file == str(plan_path)
    assert "nothing was written" in finding.message and "again" in finding.message
    # the colleague's save stands; the return's update is not in (it was not merged)
    assert progress_of(plan_path, "5.1") == "Typed by a colleague mid-merge."
    assert progress_of(plan_path, "5.3") != "Caddies delivered to 60% of homes."
    assert len(backups_of(plan_path)) == backups
    # merged again, both are in, and the colleague's edit is on the trail
    again = cip_xl.merge(plan_path, [place])
    assert again.saved
    assert progress_of(plan_path, "5.1") == "Typed by a colleague mid-merge."
    assert progress_of(plan_path, "5.3") == "Caddies delivered to 60% of homes."
    trail = cip_xl.load_plan(plan_path).audit
    assert any(e.ref == "5.1" and e.new == "Typed by a colleague mid-merge." and
               "typed in the master" in e.source for e in trail)


def test_a_file_touched_but_not_changed_does_not_stop_the_merge(returned):
    plan_path, place = returned

    def sync_client_touches(path):  # a sync client re-writes the same bytes later
        data = plan_path.read_bytes()
        plan_path.write_bytes(data)
        later = plan_path.stat().st_mtime + 120
        os.utime(plan_path, (later, later))

    result = cip_xl.merge(plan_path, [place], progress=sync_client_touches)
    assert result.saved
    assert progress_of(plan_path, "5.3") == "Caddies delivered to 60% of homes."


def test_a_plan_moved_away_during_a_merge_is_not_written_back(returned, tmp_path):
    plan_path, place = returned
    elsewhere = tmp_path / "archive" / plan_path.name
    elsewhere.parent.mkdir()

    def moved(path):
        shutil.move(plan_path, elsewhere)

    with pytest.raises(PlanFileError) as refused:
        cip_xl.merge(plan_path, [place], progress=moved)
    assert refused.value.finding.code == "plan-changed-meanwhile"
    assert "moved, renamed or deleted" in refused.value.finding.message
    assert not plan_path.exists()
    assert progress_of(elsewhere, "5.3") != "Caddies delivered to 60% of homes."


def test_returns_issued_while_the_plan_was_saved_elsewhere_are_taken_back(
        example_path, tmp_path, monkeypatch):
    from cip_xl import returns

    issue = returns.issue_returns

    def issue_then_colleague_saves(*args, **kwargs):
        issued = issue(*args, **kwargs)
        saved_by_colleague(example_path, "5.1", "Saved while returns were issued.")
        return issued

    monkeypatch.setattr(returns, "issue_returns", issue_then_colleague_saves)
    folder = tmp_path / "returns"
    with pytest.raises(PlanFileError) as refused:
        cip_xl.api.issue_returns(example_path, folder)
    assert refused.value.finding.code == "plan-changed-meanwhile"
    assert not any(folder.glob("*.xlsx"))  # the master does not record them
    assert progress_of(example_path, "5.1") == "Saved while returns were issued."


def test_a_plan_read_once_can_be_saved_again_and_again(example_path):
    plan = cip_xl.load_plan(example_path)
    for text in ("First save.", "Second save.", "Third save."):
        plan.actions[0].progress_update = text
        cip_xl.save_plan(plan, example_path)
        assert progress_of(example_path, plan.actions[0].ref) == text


def test_a_plan_loaded_then_changed_in_excel_is_not_saved_over(example_path):
    plan = cip_xl.load_plan(example_path)
    ref = plan.actions[0].ref
    saved_by_colleague(example_path, ref, "Saved in Excel after loading.")
    plan.actions[1].progress_update = "Changed in Python."
    with pytest.raises(PlanFileError) as refused:
        cip_xl.save_plan(plan, example_path)
    assert refused.value.finding.code == "plan-changed-meanwhile"
    assert progress_of(example_path, ref) == "Saved in Excel after loading."


@pytest.mark.parametrize("during", ["patched save", "full save"])
def test_a_save_in_excel_while_the_plan_is_being_written_is_kept(returned, monkeypatch,
                                                                  during):
    """The last check is made just before the new file replaces the old: a colleague
    saving while cip-xl writes the package (seconds for a full save at county scale)
    is not replaced either, and the half-written file is not left behind."""
    from cip_xl import kept_parts, xlsx_patch

    plan_path, place = returned
    module, name = (xlsx_patch, "rewrite_package") if during == "patched save" else \
        (kept_parts, "keep_root_parts")
    writing = getattr(module, name)

    def colleague_saves_meanwhile(*args, **kwargs):
        saved_by_colleague(plan_path, "5.1", "Saved while cip-xl was writing.")
        return writing(*args, **kwargs)

    monkeypatch.setattr(module, name, colleague_saves_meanwhile)
    if during == "full save":  # a layout the patched save cannot edit
        monkeypatch.setattr("cip_xl.plan_patch.plan_edits", lambda *args: None)
    with pytest.raises(PlanFileError) as refused:
        cip_xl.merge(plan_path, [place])
    assert refused.value.finding.code == "plan-changed-meanwhile"
    assert progress_of(plan_path, "5.1") == "Saved while cip-xl was writing."
    assert [p.name for p in plan_path.parent.iterdir() if p.name.endswith(".tmp")] == []


def test_an_older_copy_put_in_place_meanwhile_is_named_as_such(returned):
    """A sync client puts down a version edited elsewhere keeping its own time (hours
    before this job read the plan): the refusal says the plan was replaced, not that
    it was saved 'after' being read at a later time."""
    plan_path, place = returned

    def older_copy_put_down(path):
        saved_by_colleague(plan_path, "5.1", "Edited on another computer this morning.")
        os.utime(plan_path, (morning.timestamp(), morning.timestamp()))

    morning = datetime.now().replace(microsecond=0) - timedelta(hours=3)

    with pytest.raises(PlanFileError) as refused:
        cip_xl.merge(plan_path, [place], progress=older_copy_put_down)
    message = refused.value.finding.message
    assert refused.value.finding.code == "plan-changed-meanwhile"
    assert "was replaced after cip-xl read it" in message
    assert f"{morning:%d/%m/%Y %H:%M}" in message
    assert progress_of(plan_path, "5.1") == "Edited on another computer this morning."
