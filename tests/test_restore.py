"""Putting a backup of the plan back (``cip-xl restore``): the values as they were, the
trail whole, the plan replaced kept, and nothing touched when the restore is refused."""
from __future__ import annotations

import shutil
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl.example import fill_in_return
from cip_xl.findings import PlanFileError
from cip_xl.master_edits import saved_copy_path
from cip_xl.safe_save import backups_of

from .conftest import run_cli
from .returns_helpers import edit_return


def _plan_rows(path) -> dict[str, dict[str, object]]:
    """The Plan sheet as calamine reads it: Ref -> {header: value}."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Plan").to_python()
    at = next(i for i, row in enumerate(rows) if "Ref" in row)
    heads = [str(h) for h in rows[at]]
    return {str(row[heads.index("Ref")]): dict(zip(heads, row))
            for row in rows[at + 1:] if row[heads.index("Ref")] not in ("", None)}


def _sheet(path, name: str) -> list[dict[str, object]]:
    """A table sheet (Audit, Returns) as calamine reads it, one dict per row."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    heads = [str(h) for h in rows[0]]
    return [dict(zip(heads, row)) for row in rows[1:] if any(v not in ("", None) for v in row)]


@pytest.fixture
def merged(example_path, tmp_path):
    """The example plan with returns issued, then the Place return filled in and
    merged: (plan, the Place return, the backup made by the merge)."""
    issued = cip_xl.issue_returns(example_path, tmp_path / "returns",
                                  when=datetime(2026, 12, 1, 9))
    place = next(item.path for item in issued if item.department == "Place")
    assert fill_in_return(place) > 0
    result = cip_xl.merge(example_path, [place])
    assert result.saved and result.backup is not None
    return example_path, place, result.backup


def test_a_merge_is_undone_with_the_trail_kept_and_can_be_merged_again(merged):
    """Restoring the backup the merge made puts every value back as it was, keeps the
    merge's Audit entries and adds one per value put back (old and new), keeps the
    merged plan as a backup, shows the return as not merged — and merging it again
    takes the officer's updates back in."""
    plan, place, backup = merged
    before_merge, after_merge = _plan_rows(backup), _plan_rows(plan)
    assert before_merge != after_merge
    trail_before = _sheet(plan, "Audit")

    result = cip_xl.restore(plan, str(backup), by="Jo Manager")

    assert _plan_rows(plan) == before_merge
    trail = _sheet(plan, "Audit")
    assert trail[:len(trail_before)] == trail_before  # nothing of the trail lost
    added = trail[len(trail_before):]
    assert added[0]["Field"] == "Plan restored" and added[0]["Who / return"] == "restored by Jo Manager"
    assert backup.name in str(added[0]["New value"])
    progress = [e for e in added if e["Field"] == "Progress update" and e["Ref"] == "5.1"]
    assert len(progress) == 1
    assert progress[0]["Old value"] == after_merge["5.1"]["Progress update"]
    assert progress[0]["New value"] == before_merge["5.1"]["Progress update"]
    assert len(added) == len(result.entries)
    place_record = next(r for r in _sheet(plan, "Returns") if r["Department"] == "Place")
    assert place_record["Merged"] in ("", None)
    assert [f.code for f in result.findings if f.code == "restore-merges-undone"]

    assert result.replaced is not None and _plan_rows(result.replaced) == after_merge
    assert cip_xl.check_trail(plan) == []  # validate --trail: no entry changed or removed
    assert [f.code for f in cip_xl.validate(plan).findings if f.code == "master-edited"] == []

    again = cip_xl.merge(plan, [place])
    assert again.saved and again.outcomes[0].edits > 0
    assert _plan_rows(plan)["5.1"]["Progress update"] == after_merge["5.1"]["Progress update"]

    # what changed since the backup is the return's doing: the merge undone and made
    # again leaves the restore out of who made it
    report = cip_xl.api.changes(plan, str(backup))
    made = [c for c in report.changes if c.ref == "5.1"]
    assert made and all("Place return" in c.by and "restored" not in c.by for c in made)


def test_a_restore_can_itself_be_undone(merged):
    """The plan a restore replaces is kept as a backup; restoring that brings the
    merged values back, the trail still whole."""
    plan, _, backup = merged
    after_merge = _plan_rows(plan)
    first = cip_xl.restore(plan, str(backup))
    trail = _sheet(plan, "Audit")
    second = cip_xl.restore(plan, str(first.replaced))
    assert _plan_rows(plan) == after_merge
    assert _sheet(plan, "Audit")[:len(trail)] == trail
    assert second.replaced is not None and cip_xl.check_trail(plan) == []


def test_a_damaged_plan_is_restored_and_kept(merged):
    """A master damaged on the shared drive (not a workbook any more) is restored from
    its backup; the damaged file is kept as a backup too, byte for byte, and the trail
    made since the backup comes from the copy of the last save."""
    plan, _, backup = merged
    trail_before = _sheet(plan, "Audit")
    plan.write_bytes(b"PK\x03\x04 this is not a workbook any more" * 50)
    damaged = plan.read_bytes()

    result = cip_xl.restore(plan, "last")

    assert result.backup == backup and _plan_rows(plan) == _plan_rows(backup)
    assert result.replaced.read_bytes() == damaged
    assert "restore-from-damaged" in [f.code for f in result.findings]
    assert _sheet(plan, "Audit")[:len(trail_before)] == trail_before


def test_a_plan_deleted_is_restored(merged):
    """A plan deleted by mistake comes back from its newest backup, the trail of its
    last save kept."""
    plan, _, backup = merged
    trail_before = _sheet(plan, "Audit")
    plan.unlink()
    result = cip_xl.restore(plan, "last")
    assert result.replaced is None and _plan_rows(plan) == _plan_rows(backup)
    assert _sheet(plan, "Audit")[:len(trail_before)] == trail_before


def test_edits_typed_in_the_master_since_its_last_save_are_on_the_trail(merged):
    """A value typed into the master in Excel and saved, then a restore: the trail
    says it was typed (and by whom the file says), then put back."""
    plan, _, backup = merged
    wb = openpyxl.load_workbook(plan)
    ws = wb["Plan"]
    heads = {c.value: c.column for c in ws[1]}
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, heads["Ref"]).value == "1.1")
    ws.cell(row, heads["Progress update"]).value = "Typed in Excel, then regretted"
    wb.save(plan)

    cip_xl.restore(plan, str(backup))

    trail = _sheet(plan, "Audit")
    typed = [e for e in trail if e["Ref"] == "1.1" and e["Field"] == "Progress update"]
    assert [e["New value"] for e in typed][-2:] == \
        ["Typed in Excel, then regretted", _plan_rows(backup)["1.1"]["Progress update"]]
    assert str(typed[-2]["Who / return"]).startswith("Edited in the master")
    assert str(typed[-1]["Who / return"]).startswith("restored")


def test_returns_issued_since_the_backup_stay_and_still_merge(example_path, tmp_path):
    """Restoring a backup made before returns were issued keeps their records and
    the plan's revision, so that a return out with an officer still merges."""
    plan = example_path
    assert cip_xl.refresh_status(plan, as_of=date(2026, 12, 31)).saved
    _, backup = backups_of(plan)[0]
    issued = cip_xl.issue_returns(plan, tmp_path / "returns", when=datetime(2026, 12, 1, 9))
    revision = cip_xl.load_plan(plan).settings.revision
    assert cip_xl.load_plan(backup).settings.revision < revision

    result = cip_xl.restore(plan, str(backup))

    restored = cip_xl.load_plan(plan)
    assert restored.settings.revision == revision
    assert {r.file for r in restored.returns_log} >= {item.path.name for item in issued}
    assert [f.code for f in result.findings if f.code == "restore-returns-kept"]
    place = next(item.path for item in issued if item.department == "Place")
    edit_return(place, {("5.1", "Progress update"): "Typed after the restore"})
    outcome = cip_xl.merge(plan, [place])
    assert outcome.saved
    assert _plan_rows(plan)["5.1"]["Progress update"] == "Typed after the restore"


def _untouched(plan, call, code: str) -> PlanFileError:
    """``call`` raises a PlanFileError with ``code``; the plan's bytes and its backups
    stay as they were."""
    before = plan.read_bytes()
    kept = sorted(p.name for p in (plan.parent / "backups").iterdir())
    with pytest.raises(PlanFileError) as raised:
        call()
    assert raised.value.finding.code == code, raised.value.finding
    assert plan.read_bytes() == before
    assert sorted(p.name for p in (plan.parent / "backups").iterdir()) == kept
    return raised.value


def test_a_backup_of_another_plan_or_kind_or_the_plan_itself_is_refused(merged, tmp_path):
    """Another plan's file (another Plan ID), an .xlsm backup for an .xlsx plan and
    the plan itself are refused, the plan and its backups untouched."""
    plan, _, backup = merged
    other = tmp_path / "other" / "plan.xlsx"
    other.parent.mkdir()
    cip_xl.new_plan_file(other, council="Elsewhere District Council")
    _untouched(plan, lambda: cip_xl.restore(plan, str(other)), "restore-other-plan")
    macro = tmp_path / "plan-copy.xlsm"
    shutil.copy(backup, macro)
    _untouched(plan, lambda: cip_xl.restore(plan, str(macro)), "restore-other-type")
    _untouched(plan, lambda: cip_xl.restore(plan, str(plan)), "restore-is-plan")
    found = _untouched(plan, lambda: cip_xl.restore(plan, "01/01/2020"), "since-no-backup")
    assert "BACKUP FILE" in found.finding.message
    damaged = backup.with_name("plan.20200101-120000.xlsx")
    damaged.write_bytes(b"Ref,Key action\n1.1,Not a workbook\n")
    found = _untouched(plan, lambda: cip_xl.restore(plan, "02/01/2020"), "file-not-xlsx")
    assert found.finding.message.startswith("Not restored: ")
    assert found.finding.file == str(damaged)


def test_a_plan_open_in_excel_is_not_restored(merged):
    """Excel's owner file beside the plan: someone's next Save would undo the
    restore, so it is refused, nothing changed."""
    plan, _, backup = merged
    (plan.parent / f"~${plan.name}").write_bytes(
        b"\x06jsmith" + b" " * 47 + b"\x06\x00j\x00s\x00m\x00i\x00t\x00h")
    found = _untouched(plan, lambda: cip_xl.restore(plan, str(backup)), "plan-open-in-excel")
    assert "jsmith" in found.finding.message


def test_a_plan_saved_while_the_restore_works_is_not_replaced(merged, monkeypatch):
    """A colleague's save landing while the restore works: refused, their file kept,
    and the backup the restore made of the plan dropped again."""
    import cip_xl.plan_write as plan_write

    plan, _, backup = merged
    real_save = plan_write.save_plan
    theirs = backup.read_bytes()

    def save_then_someone_saves(*args, **kwargs):
        made = real_save(*args, **kwargs)
        plan.write_bytes(theirs)  # as their Excel would, a moment later
        return made

    monkeypatch.setattr(plan_write, "save_plan", save_then_someone_saves)
    kept = sorted(p.name for p in (plan.parent / "backups").iterdir())
    with pytest.raises(PlanFileError) as raised:
        cip_xl.restore(plan, str(backup))
    assert raised.value.finding.code == "plan-changed-meanwhile"
    assert plan.read_bytes() == theirs
    assert sorted(p.name for p in (plan.parent / "backups").iterdir()) == kept


def test_the_cli_lists_backups_and_a_dry_run_changes_nothing(merged):
    """`restore PLAN` lists the backups with who made the entries each would undo;
    `--dry-run` lists the values it would put back, nothing written; a backup named
    alone is found in backups/."""
    plan, _, backup = merged
    listing = run_cli("restore", str(plan))
    assert listing.returncode == 0, listing.stderr
    assert backup.name in listing.stdout and "Place return" in listing.stdout

    before = plan.read_bytes()
    dry = run_cli("restore", str(plan), backup.name, "--dry-run")
    assert dry.returncode == 0, dry.stderr
    assert "would put back" in dry.stdout and "Ref 5.1 Progress update" in dry.stdout
    assert plan.read_bytes() == before

    done = run_cli("restore", str(plan), backup.name, "--by", "Jo Manager")
    assert done.returncode == 0, done.stderr
    assert "Restored" in done.stdout and "kept as" in done.stdout
    assert _plan_rows(plan) == _plan_rows(backup)
    refused = run_cli("restore", str(plan), "not-a-backup.xlsx")
    assert refused.returncode == 2 and "not-a-backup.xlsx" in refused.stderr

    # a save that changed only traffic lights: nothing typed or merged to undo, and
    # the listing says what that save was
    cip_xl.api.refresh_status(plan, as_of=date(2027, 6, 30))
    lines = run_cli("restore", str(plan)).stdout.splitlines()
    assert lines[2].strip() == "saves since: status as of 30/06/2027"
    assert "no Audit entries since" in lines[3] and "no value typed or merged" in lines[3]


def test_the_list_shows_the_newest_backups_unless_asked_for_all(example_path):
    """With many backups kept, `restore PLAN` lists the ten newest (which a terminal
    would otherwise scroll away above the older ones) and says how many more there
    are; --all lists every one."""
    from cip_xl.safe_save import make_backup

    for day in range(1, 15):
        make_backup(example_path, when=datetime(2026, 11, day, 9))
    shown = run_cli("restore", str(example_path)).stdout
    listed = [line for line in shown.splitlines() if line[:3].strip().isdigit()]
    assert len(listed) == 10 and "14/11/2026" in listed[0]
    assert "...and 4 older backups, the oldest from 01/11/2026: list every one with " \
        "cip-xl restore" in shown and "--all" in shown
    every = run_cli("restore", str(example_path), "--all").stdout
    assert len([line for line in every.splitlines() if line[:3].strip().isdigit()]) == 14
    assert "older backup" not in every


def test_the_list_says_which_saves_each_backup_would_undo(merged, tmp_path):
    """Each backup is listed with the saves made since, newest first, as each recorded
    itself in the file — kept through a save in another program — and, once backups
    between have been pruned, says that there were saves it cannot name."""
    plan, _, _ = merged
    cip_xl.api.refresh_status(plan, as_of=date(2027, 3, 31))
    wb = openpyxl.load_workbook(plan)  # typed into in another program: no backup made
    wb["Plan"]["L2"] = "Typed in the master"
    wb.save(plan)
    cip_xl.api.refresh_status(plan, as_of=date(2027, 6, 30))
    versions = cip_xl.backups(plan)
    assert [v.saves_since for v in versions] == [
        ["status as of 30/06/2027"],
        ["status as of 30/06/2027", "status as of 31/03/2027"],
        ["status as of 30/06/2027", "status as of 31/03/2027", "merge of 1 return"],
        ["status as of 30/06/2027", "status as of 31/03/2027", "merge of 1 return",
         "4 returns issued"]]
    assert not any(v.more_saves for v in versions)
    assert versions[0].entries_since == 1  # what was typed, audited by the last save

    versions[1].path.unlink()  # pruned: the save before it can no longer be named
    after = cip_xl.backups(plan)
    assert [v.more_saves for v in after] == [False, True, True]
    assert after[1].saves_since == ["status as of 30/06/2027", "status as of 31/03/2027"]
    listing = run_cli("restore", str(plan), "--list").stdout
    assert "earlier saves not recorded" in listing

    # restoring records itself, and the backup it made of the plan as it was
    restored = cip_xl.restore(plan, str(after[-1].path))
    newest = cip_xl.backups(plan)[0]
    assert newest.path == restored.replaced and newest.saves_since == [
        f"restore of {after[-1].path.name}"] and not newest.more_saves


def test_the_copy_of_the_last_save_follows_the_restore(merged):
    """After a restore, the copy the next reading compares with is the restored file:
    nothing reads as typed in the master."""
    plan, _, backup = merged
    cip_xl.restore(plan, str(backup))
    assert saved_copy_path(plan).read_bytes() == plan.read_bytes()


def test_the_list_counts_a_saves_entries_whatever_the_clock_says(merged):
    """A merge stamps its entries with the time it started, which can fall before its
    backup's name (made a moment later, in the next second): the list counts the
    entries below the backup's own trail, not by time. Here the backup is named an hour
    after the merge."""
    plan, _, backup = merged
    later = backup.with_name(f"plan.{datetime.now() + timedelta(hours=1):%Y%m%d-%H%M%S}.xlsx")
    backup.rename(later)
    listed = {v.path: v for v in cip_xl.backups(plan)}
    merge_entries = [e for e in _sheet(plan, "Audit") if "Place return" in str(e["Who / return"])]
    assert listed[later].entries_since == len(merge_entries) > 0
    assert listed[later].made_by == ["Place return"]
