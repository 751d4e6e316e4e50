"""Changes typed straight into the master, between cip-xl's saves, go on the Audit sheet."""
from __future__ import annotations

import shutil
from datetime import date, datetime

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl.master_edits import saved_copy_path
from cip_xl.safe_save import backups_of

from .conftest import run_cli
from .returns_helpers import edit_return, return_for


def _headings(ws) -> dict[str, int]:
    return {c.value: c.column for c in ws[1] if c.value}


def _audit(path) -> list[list]:
    """The Audit sheet's rows below its heading, as an independent reader sees them."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Audit").to_python()
    return [row for row in rows[1:] if any(cell != "" for cell in row)]


def _type_in_excel(path, edits: dict[tuple[int, str], object], delete_row: int | None = None,
                   by: str = "Jane Smith") -> dict[str, int]:
    """Change cells of the Plan sheet ({(row, heading): value}), delete a row, and save
    as a colleague's Excel does (their name as the file's last author)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Plan"]
    heads = _headings(ws)
    for (row, heading), value in edits.items():
        ws.cell(row, heads[heading]).value = value
    if delete_row:
        ws.delete_rows(delete_row)
    wb.properties.lastModifiedBy = by
    wb.save(path)
    return heads


def test_what_is_typed_into_the_master_is_audited_by_the_next_save(example_path):
    """A colleague moves a target date, rewrites a progress update, deletes an action and
    types in a new one, in Excel. validate says so; the next save (status) writes each
    change to the Audit sheet — the cell, the value before and after, who last saved
    the file — and a second save adds nothing. The deleted action's words are kept."""
    plan = cip_xl.load_plan(example_path)
    moved, rewritten, deleted = plan.actions[1], plan.actions[2], plan.actions[4]
    last = len(plan.actions) + 1
    heads = _type_in_excel(example_path, {
        (moved.row, "Target date"): datetime(2027, 9, 30),
        (rewritten.row, "Progress update"): "Rewritten at the away day",
        (last + 2, "Ref"): "5.9", (last + 2, "Theme"): plan.actions[-1].theme,
        (last + 2, "Key action"): "Pilot a tool library", (last + 2, "Lead officer"): "HP",
        (last + 2, "Target date"): "Summer 2027"}, delete_row=deleted.row)

    report = cip_xl.validate(example_path)
    note = [f for f in report.findings if f.code == "master-edited"]
    assert len(note) == 1 and note[0].message.startswith(
        "4 changes were made in the master since cip-xl last saved it (the file was last "
        "saved by Jane Smith")
    assert f"to 4 actions on the Plan sheet (Ref {moved.ref} Target date; Ref " \
        f"{rewritten.ref} Progress update; " in note[0].message
    assert "): a save records each on the Audit sheet" in note[0].message
    assert _audit(example_path) == []  # validate writes nothing

    status = run_cli("status", str(example_path), "--as-of", "31/01/2027")
    assert status.returncode == 0, status.stderr
    assert "In plan.xlsx itself" in status.stdout
    assert "master-edited" in status.stdout
    rows = _audit(example_path)
    by_field = {row[4]: row for row in rows}
    assert len(rows) == 4 and set(by_field) == {"Target date", "Progress update",
                                                "Action removed", "New action"}
    assert all(row[1].startswith("Edited in the master (last saved by Jane Smith") for row in rows)
    target = by_field["Target date"]
    letter = openpyxl.utils.get_column_letter(heads["Target date"])
    assert (target[2], target[3]) == (moved.action_id, moved.ref)
    assert target[5] == moved.target_date and target[6] in (date(2027, 9, 30),
                                                              datetime(2027, 9, 30))
    assert target[7] == f"plan.xlsx!Plan!{letter}{moved.row}, typed in the master"
    assert by_field["Progress update"][5] == rewritten.progress_update
    assert by_field["Progress update"][6] == "Rewritten at the away day"
    removed = by_field["Action removed"]
    assert (removed[3], removed[5]) == (deleted.ref, deleted.key_action)
    assert by_field["New action"][6] == "Pilot a tool library"

    again = cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31))
    assert not again.saved and len(_audit(example_path)) == 4


def test_a_merge_records_the_masters_edits_before_its_own(example_path, tmp_path):
    """Typed into the master, then a return merged: the trail has the master's change
    first, then the officer's, each with its own source."""
    folder = tmp_path / "returns"
    cip_xl.issue_returns(example_path, folder)
    plan = cip_xl.load_plan(example_path)
    place = return_for(folder, "Place")
    edit_return(place, {("5.3", "Progress update"): "Caddies delivered to 60% of homes."})
    first = plan.actions[0]
    _type_in_excel(example_path, {(first.row, "Key action"): first.key_action + " (revised)"})
    result = cip_xl.merge(example_path, [place])
    assert result.saved
    rows = _audit(example_path)
    assert [(row[3], row[4]) for row in rows] == [
        (first.ref, "Key action"), ("5.3", "Progress update"), ("5.3", "Last updated")]
    assert rows[0][1].startswith("Edited in the master") and rows[0][6].endswith("(revised)")
    assert rows[1][1].startswith("Place return")


def test_the_saved_copy_is_not_a_backup_and_another_plan_is_not_compared(example_path):
    """The copy kept is not listed or pruned as a backup. A new year's plan written
    under the same name (another Plan ID) is not compared with last year's copy, and a
    damaged copy is passed over: neither gives Audit entries, and the next save keeps
    a copy of the file it wrote."""
    copy = saved_copy_path(example_path)
    assert copy.is_file() and copy.parent.name == "backups"
    assert cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31)).saved
    assert [path for _, path in backups_of(example_path)] and \
        copy not in [path for _, path in backups_of(example_path)]

    next_year = example_path.with_name("next.xlsx")
    assert run_cli("new", str(next_year), "--council", "Wrenfield").returncode == 0
    shutil.copy(next_year, example_path)
    assert cip_xl.refresh_status(example_path, as_of=date(2027, 4, 30)).saved
    assert _audit(example_path) == []

    copy.write_bytes(b"not a workbook")
    _type_in_excel(example_path, {(2, "Ref"): "1.1", (2, "Key action"): "Set the budget"})
    assert cip_xl.refresh_status(example_path, as_of=date(2027, 5, 31)).saved
    assert _audit(example_path) == []
    assert copy.read_bytes() == example_path.read_bytes()


def test_a_copy_whose_plan_sheet_is_damaged_is_passed_over(example_path):
    """The copy's Plan sheet is parsed on another thread while the plan is read; a copy
    that opens but whose Plan sheet cannot be parsed stops neither the reading nor the
    save, and is compared with nothing."""
    import zipfile

    copy = saved_copy_path(example_path)
    with zipfile.ZipFile(copy) as package:
        parts = {info.filename: package.read(info) for info in package.infolist()}
    sheet = "xl/worksheets/sheet1.xml"
    parts[sheet] = parts[sheet][: len(parts[sheet]) // 2]  # cut off halfway
    with zipfile.ZipFile(copy, "w", zipfile.ZIP_DEFLATED) as package:
        for name, data in parts.items():
            package.writestr(name, data)
    _type_in_excel(example_path, {(2, "Progress update"): "Typed after a bad copy."})
    result = cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31))
    assert result.saved and _audit(example_path) == []
    assert not [f for f in result.findings if f.code == "master-edited"]
    assert copy.read_bytes() == example_path.read_bytes()


def test_a_directorate_or_next_due_typed_over_is_named_before_the_save_replaces_it(
        example_path):
    """A directorate typed over in the master (to move an action, say) or a next due
    date typed over is replaced by what cip-xl works out at the next save: the cell
    and the value typed are named, by validate and by the save, with what to change
    instead. A directorate left stale by a change of lead officer is not typed over
    (the save just brings it up to date), and is not named."""
    plan = cip_xl.load_plan(example_path)
    moved, dated, relead = plan.actions[0], plan.actions[1], plan.actions[2]
    other = next(o for o in plan.officers if o.directorate and
                 o.directorate != relead.directorate)
    heads = _type_in_excel(example_path, {
        (moved.row, "Directorate"): "Place",
        (dated.row, "Next due (as read)"): datetime(2028, 1, 31),
        (relead.row, "Lead officer"): other.code})
    named = {(f.code, f.cell): f.message for f in cip_xl.validate(example_path).findings
             if f.code == "computed-typed-over"}
    letter = openpyxl.utils.get_column_letter
    directorate = named[("computed-typed-over", f"{letter(heads['Directorate'])}{moved.row}")]
    assert f"Directorate of Ref {moved.ref} holds 'Place'" in directorate
    assert "change its Lead officer" in directorate
    due = named[("computed-typed-over",
                 f"{letter(heads['Next due (as read)'])}{dated.row}")]
    assert "write a Revised date" in due
    assert len(named) == 2  # not the stale directorate of the re-led action

    result = cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31))
    assert {f.cell for f in result.findings if f.code == "computed-typed-over"} == \
        {c for _, c in named}
    after = {a.ref: a for a in cip_xl.load_plan(example_path).actions}
    assert after[moved.ref].directorate == moved.directorate
    assert after[relead.ref].directorate == other.directorate


def test_settings_officers_and_themes_changed_in_the_master_are_audited(example_path):
    """A reporting date moved (every traffic light changes with it), an officer's
    directorate changed and an officer added, a theme added: each is on the Audit
    sheet after the next save, by sheet and what changed, with the value before."""
    plan = cip_xl.load_plan(example_path)
    wb = openpyxl.load_workbook(example_path)
    settings = wb["Settings"]
    row = next(r for r in range(1, settings.max_row + 1)
               if settings.cell(r, 1).value == "Reporting date")
    settings.cell(row, 2).value = datetime(2027, 3, 31)
    officers = wb["Officers"]
    officers.cell(2, 5).value = "Corporate Services"
    officers.append(["DPO", "Data Protection Officer", "Kim Lee", "kim@example.org", ""])
    wb["Themes"].append([9, "Climate", "Net zero by 2030"])
    wb.properties.lastModifiedBy = "Jane Smith"
    wb.save(example_path)

    note = next(f for f in cip_xl.validate(example_path).findings
                if f.code == "master-edited")
    assert "to the Settings sheet, the Officers sheet and the Themes sheet" in note.message
    cip_xl.refresh_status(example_path)
    rows = {row[4]: row for row in _audit(example_path)}
    first = plan.officers[0]
    assert rows["Settings: Reporting date"][5] == plan.settings.reporting_date
    assert rows["Settings: Reporting date"][6] in (date(2027, 3, 31), datetime(2027, 3, 31))
    assert rows[f"Officers: {first.code} Directorate"][5:7] == [first.directorate,
                                                               "Corporate Services"]
    assert rows["Officers: DPO added"][6] == "Data Protection Officer, Kim Lee"
    assert rows["Themes: theme added"][6] == "Climate"
    assert all(row[1].startswith("Edited in the master (last saved by Jane Smith")
               for row in rows.values())
    assert len(rows) == 4


def test_entries_deleted_from_the_audit_sheet_are_kept_in_a_backup(example_path, tmp_path):
    """Rows of the Audit sheet deleted in Excel: validate warns, and the next save
    keeps the plan as cip-xl saved it — every entry — as a backup, which changes and
    a person can find, instead of dropping the only copy of them."""
    folder = tmp_path / "returns"
    cip_xl.issue_returns(example_path, folder)
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "Submitted.",
                        ("5.3", "Progress update"): "Caddies delivered."})
    assert cip_xl.merge(example_path, [place]).saved
    trail = _audit(example_path)
    assert len(trail) == 4  # two updates, two last-updated dates
    wb = openpyxl.load_workbook(example_path)
    wb["Audit"].delete_rows(2, 2)
    wb.save(example_path)

    warned = [f for f in cip_xl.validate(example_path).findings
              if f.code == "audit-rows-deleted"]
    assert len(warned) == 1 and "has 2 rows fewer than when cip-xl last saved" in \
        warned[0].message
    before = {path for _, path in backups_of(example_path)}
    result = cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31))
    assert result.saved and "audit-rows-deleted" in {f.code for f in result.findings}
    kept = [path for _, path in backups_of(example_path) if path not in before]
    assert any(_audit(path) == trail for path in kept), kept
    assert len(_audit(example_path)) == 2  # the sheet stays as the manager left it


def _sort_without_ids(path, by: str) -> None:
    """Sort the Plan sheet's rows by the column ``by`` as a person does who selects the
    visible columns only: every typed cell moves with its row, the hidden Action ID
    stays where it was (the worked-out traffic light, a formula of its own row, stays
    too, as Excel keeps it working)."""
    wb = openpyxl.load_workbook(path)
    ws = wb["Plan"]
    heads = _headings(ws)
    moved = [c for h, c in heads.items() if h not in ("Action ID", "RAG")]
    rows = [{c: ws.cell(r, c).value for c in moved} for r in range(2, ws.max_row + 1)]
    rows.sort(key=lambda values: (str(values[heads[by]]), str(values[heads["Ref"]])))
    for number, values in enumerate(rows, start=2):
        for column, value in values.items():
            ws.cell(number, column).value = value
    wb.save(path)


def _ids_by_row(path) -> dict[str, str]:
    """{Ref: Action ID} as the Plan sheet holds them, read independently."""
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Plan").to_python()
    ref, ident = rows[0].index("Ref"), rows[0].index("Action ID")
    return {row[ref]: row[ident] for row in rows[1:] if row[ref]}


def test_ids_left_behind_by_a_sort_are_given_back_to_their_actions(example_path, tmp_path):
    """The Plan sheet sorted by lead officer without its hidden Action ID column: each
    ID now sits beside another action. Reading the plan gives every action back its
    own ID (matched with the copy of the last save) and says how to sort safely; the
    next save writes them beside their actions, records no edits for the move, and a
    return issued before the sort merges into the right actions."""
    before = _ids_by_row(example_path)
    folder = tmp_path / "returns"
    cip_xl.issue_returns(example_path, folder)
    place = return_for(folder, "Place")
    edit_return(place, {("5.3", "Progress update"): "Caddies delivered to 60% of homes."})
    _sort_without_ids(example_path, "Lead officer")
    scrambled = _ids_by_row(example_path)
    assert sum(scrambled[ref] != ident for ref, ident in before.items()) > 10

    report = cip_xl.validate(example_path)
    put_back = [f for f in report.findings if f.code == "action-ids-put-back"]
    assert len(put_back) == 1 and put_back[0].severity == "warning"
    assert "looks sorted, or rows moved, without its hidden Action ID column (Q)" in \
        put_back[0].message
    assert "use the filter buttons in the heading row, or select whole rows" in \
        put_back[0].message
    assert {a.ref: a.action_id for a in report.plan.actions} == before
    assert not [f for f in report.findings if f.code == "master-edited"]

    status = run_cli("status", str(example_path), "--as-of", "31/12/2026")
    assert status.returncode == 0, status.stderr
    assert "action-ids-put-back" in status.stdout
    assert _ids_by_row(example_path) == before
    assert _audit(example_path) == []  # rows moved, nothing edited

    result = cip_xl.merge(example_path, [place])
    assert result.saved and not [f for f in result.outcomes[0].findings
                                 if f.severity == "error"]
    plan = {a.ref: a for a in cip_xl.load_plan(example_path).actions}
    assert plan["5.3"].progress_update == "Caddies delivered to 60% of homes."
    assert [(row[3], row[4]) for row in _audit(example_path)] == [
        ("5.3", "Progress update"), ("5.3", "Last updated")]


def test_ids_a_sort_left_behind_that_cannot_all_be_matched_stop_every_save(example_path):
    """Two actions alike in Ref and Key action, then the sheet sorted without its IDs:
    which ID is whose cannot be told, so nothing guesses — validate says so, naming
    the cell, and status refuses to save, the plan untouched."""
    plan = cip_xl.load_plan(example_path)
    twin = plan.actions[3]
    twin.ref, twin.key_action = plan.actions[2].ref, plan.actions[2].key_action
    cip_xl.save_plan(plan, example_path)
    _sort_without_ids(example_path, "Target date")
    untouched = example_path.read_bytes()

    report = cip_xl.validate(example_path)
    stop = [f for f in report.findings if f.code == "action-ids-out-of-place"]
    assert len(stop) == 1 and stop[0].severity == "error"
    assert stop[0].cell.startswith("Q") and f"Ref {plan.actions[2].ref} could be more " \
        "than one action" in stop[0].message
    assert "Nothing is saved until they are" in stop[0].message

    status = run_cli("status", str(example_path), "--as-of", "31/12/2026")
    assert status.returncode != 0
    assert "action-ids-out-of-place" in status.stdout + status.stderr
    assert example_path.read_bytes() == untouched


def test_only_ids_moved_among_rows_are_taken_for_a_sort():
    """Two IDs swapped is a sort; an action renumbered and reworded, several renumbered
    in turn (1.3 becoming 1.2...), or a row pasted over another (the original still
    beside its ID) are edits, not IDs out of place."""
    from cip_xl.action_ids import out_of_place
    from cip_xl.example import example_plan
    from cip_xl.model import copy_plan

    saved = example_plan()
    first, second, third = (copy_plan(saved) for _ in range(3))
    a, b = first.actions[0], first.actions[1]
    a.action_id, b.action_id = b.action_id, a.action_id
    assert {(action.ref, was) for action, was in out_of_place(saved, first)} == \
        {(a.ref, b.ref), (b.ref, a.ref)}

    second.actions[0].ref, second.actions[0].key_action = "9.9", "Something else"
    for earlier, later in zip(second.actions[2:5], second.actions[3:6]):
        earlier.ref = later.ref  # 1.3 takes 1.4's number, and so on
    assert out_of_place(saved, second) == []

    for target in (third.actions[5], third.actions[7]):  # pasted over by row 1 and 2
        source = third.actions[third.actions.index(target) - 5]
        target.ref, target.key_action = source.ref, source.key_action
    assert out_of_place(saved, third) == []


def test_requests_reviews_and_returns_changed_in_the_master_are_audited(example_path, tmp_path):
    """Typed into the Change requests sheet in Excel: a decision, a proposed date
    changed before it was decided, a request deleted; a review's wording changed, and
    the record of an issued return deleted.
    The next save records each — the deleted request with the officer's words — and
    approving applies the date as changed, by the one who typed the decision."""
    folder = tmp_path / "returns"
    cip_xl.issue_returns(example_path, folder)
    place = return_for(folder, "Place")
    edit_return(place, {("5.3", "Proposed revised date"): date(2027, 6, 30),
                        ("5.3", "Comment / reason for new date"): "Waiting for the contractor",
                        ("5.4", "Proposed revised date"): date(2027, 7, 31)})
    assert cip_xl.merge(example_path, [place]).saved
    requests = {r.ref: r for r in cip_xl.load_plan(example_path).change_requests}
    kept, dropped = requests["5.3"], requests["5.4"]
    wb = openpyxl.load_workbook(example_path)
    sheet = wb["Change requests"]
    heads = _headings(sheet)
    row = next(r for r in range(2, sheet.max_row + 1)
               if sheet.cell(r, 1).value == kept.request_id)
    sheet.cell(row, heads["Decision"]).value = "Approve"
    sheet.cell(row, heads["Proposed value"]).value = datetime(2027, 5, 31)
    sheet.delete_rows(next(r for r in range(2, sheet.max_row + 1)
                           if sheet.cell(r, 1).value == dropped.request_id))
    issued = wb["Returns"]
    record = next(r for r in range(2, issued.max_row + 1)
                  if str(issued.cell(r, 1).value) == "Resources")
    resources = issued.cell(record, 2).value
    issued.delete_rows(record)  # "to issue it again"
    review = wb["Review log"]
    version = review.cell(2, 1).value
    review.cell(2, 3).value = "Original plan, agreed by Cabinet"
    wb.properties.lastModifiedBy = "Jane Smith"
    wb.save(example_path)
    trail = len(_audit(example_path))

    assert cip_xl.approve(example_path, by="IM").approved
    rows = {row[4]: row for row in _audit(example_path)[trail:]}
    mine = f"Change requests: Request ID {kept.request_id}"
    assert rows[f"{mine} Decision"][5:7] == ["", "Approve"]
    assert rows[f"{mine} Proposed value"][6] in (date(2027, 5, 31), datetime(2027, 5, 31))
    gone = rows[f"Change requests: Request ID {dropped.request_id} removed"]
    assert "Ref: 5.4" in gone[5] and gone[6] == ""
    assert gone[2:4] == [dropped.action_id, "5.4"]  # the action it was about
    assert rows[f"{mine} Decision"][2:4] == [kept.action_id, "5.3"]
    assert rows[f"Returns: File {resources} removed"][5].startswith("Department: Resources")
    assert rows[f"Review log: Version {version} Issues/actions arising from review"][6] == \
        "Original plan, agreed by Cabinet"
    assert all(row[1].startswith("Edited in the master (last saved by Jane Smith")
               for field, row in rows.items() if field.startswith(("Change", "Review")))
    assert {a.ref: a for a in cip_xl.load_plan(example_path).actions}["5.3"] \
        .revised_date == date(2027, 5, 31)


@given(st.permutations(range(40)), st.booleans(), st.data())
def test_any_sort_without_the_ids_is_undone(order, renumbered, data):
    """Whatever order the rows are sorted into without their hidden IDs — some moved,
    some left in place — renumbered in their new order or not, and with new actions
    typed below, every action of the last save gets its own ID back and each new one
    an ID of its own."""
    from cip_xl.action_ids import give_back, matched_ids, out_of_place
    from cip_xl.example import example_plan
    from cip_xl.model import Action, copy_plan

    saved = example_plan()
    assert len(saved.actions) == len(order)
    now = copy_plan(saved)
    ids = [a.action_id for a in now.actions]
    now.actions = [now.actions[i] for i in order]  # the rows' cells, sorted...
    for action, ident in zip(now.actions, ids):  # ...the IDs where they were
        action.action_id = ident
    if renumbered:  # then each given the number of its new place
        for number, action in enumerate(now.actions, start=1):
            action.ref = f"{number // 10 + 1}.{number % 10}"
    typed = data.draw(st.integers(0, 3))
    now.actions += [Action(ref=f"9.{n}", key_action=f"New action {n}", action_id=ids[n])
                    for n in range(typed)]  # an ID copied down with the row above
    moved = out_of_place(saved, now)
    if list(order) == sorted(order):
        assert moved == []
        return
    assert moved
    matched, why = matched_ids(saved, now, "copy")
    assert matched is not None, why
    give_back(now, matched)
    own = {a.key_action: a.action_id for a in saved.actions}
    assert len(own) == len(saved.actions)
    assert all(a.action_id == own[a.key_action] for a in now.actions[:len(ids)])
    assert len({a.action_id for a in now.actions}) == len(now.actions)


def test_a_row_moved_without_its_id_or_with_its_id_cleared_keeps_its_id(example_path,
                                                                        tmp_path):
    """An action's cells cut and pasted into a row below the others, its hidden ID
    left behind in a row now blank; another action's ID cleared. Each is still the
    action the last save had under its Ref and Key action, so it keeps its ID (not a
    new one): the save writes it, records no action removed or added, and a return
    issued before merges into it."""
    folder = tmp_path / "returns"
    cip_xl.issue_returns(example_path, folder)
    place = return_for(folder, "Place")
    edit_return(place, {("5.2", "Progress update"): "Moved, and still merged"})
    plan = {a.ref: a for a in cip_xl.load_plan(example_path).actions}
    moved, cleared = plan["5.2"], plan["2.3"]
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    heads = _headings(ws)
    below = ws.max_row + 2
    for heading, column in heads.items():
        if heading not in ("Action ID", "RAG"):
            ws.cell(below, column).value = ws.cell(moved.row, column).value
            ws.cell(moved.row, column).value = None
    ws.cell(cleared.row, heads["Action ID"]).value = None
    wb.save(example_path)

    report = cip_xl.validate(example_path)
    taken = {f.ref: f for f in report.findings if f.code == "action-id-taken-back"}
    assert set(taken) == {"5.2", "2.3"} and moved.action_id in taken["5.2"].message
    assert not [f for f in report.findings if f.code == "action-id-new"]
    ids = {a.ref: a.action_id for a in report.plan.actions}
    assert (ids["5.2"], ids["2.3"]) == (moved.action_id, cleared.action_id)

    assert cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31)).saved
    assert _ids_by_row(example_path)["5.2"] == moved.action_id
    assert _ids_by_row(example_path)["2.3"] == cleared.action_id
    assert not [row for row in _audit(example_path)
                if row[4] in ("Action removed", "New action")]
    assert cip_xl.merge(example_path, [place]).saved
    assert {a.ref: a for a in cip_xl.load_plan(example_path).actions}["5.2"] \
        .progress_update == "Moved, and still merged"


def test_an_action_cleared_from_its_row_is_removed_not_left_empty(example_path):
    """An action deleted by clearing its cells (not deleting the row), its hidden ID and
    traffic-light formula left behind: not read as an empty action with a column of
    errors, but as the action removed — audited with its words — and the row left
    blank. A label typed alone into a worked-out column of another row is not taken
    for such remains: that row is still read, and validation names what it lacks."""
    plan = cip_xl.load_plan(example_path)
    gone = plan.actions[6]
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    heads = _headings(ws)
    for heading, column in heads.items():
        if heading not in ("Action ID", "RAG"):
            ws.cell(gone.row, column).value = None
    label = ws.max_row + 2
    ws.cell(label, heads["Directorate"]).value = "Resources section"
    wb.save(example_path)

    report = cip_xl.validate(example_path)
    assert {f.cell for f in report.errors} >= {f"A{label}"} and \
        not [f for f in report.errors if f.cell and f.cell[1:] == str(gone.row)]
    assert gone.action_id not in {a.action_id for a in report.plan.actions}
    wb = openpyxl.load_workbook(example_path)
    wb["Plan"].cell(label, heads["Directorate"]).value = None  # the council sees why
    wb.save(example_path)
    assert cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31)).saved
    removed = [row for row in _audit(example_path) if row[4] == "Action removed"]
    assert [(row[2], row[5]) for row in removed] == [(gone.action_id, gone.key_action)]
    rows = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Plan") \
        .to_python()
    assert not any(str(value).strip() for value in rows[gone.row - 1])


def test_a_row_copied_with_its_id_and_made_a_new_action_gets_its_own(example_path):
    """A row copied whole, hidden ID and all, then changed into a new action: the action
    the last save had under that ID keeps it and the copy gets one of its own — not an
    error asking for the copy's ID to be cleared. A copy not yet changed is left for a
    person: which row is the original cannot be told."""
    plan = cip_xl.load_plan(example_path)
    original = plan.actions[4]
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    heads = _headings(ws)
    below = ws.max_row + 1
    for column in heads.values():
        ws.cell(below, column).value = ws.cell(original.row, column).value
    ws.cell(below, heads["Ref"]).value = "1.9"
    ws.cell(below, heads["Key action"]).value = "Publish a fees and charges review"
    wb.save(example_path)

    report = cip_xl.validate(example_path)
    assert not [f for f in report.findings if f.code == "action-id-duplicate"]
    copied = [f for f in report.findings if f.code == "action-id-copied"]
    assert [(f.ref, f.severity) for f in copied] == [("1.9", "info")]
    assert f"the Action ID of Ref {original.ref}" in copied[0].message
    ids = {a.ref: a.action_id for a in report.plan.actions}
    assert ids[original.ref] == original.action_id and ids["1.9"] != original.action_id
    # another run reading the file names the same new ID: the one the save writes
    assert f"an ID of its own, {ids['1.9']}," in run_cli("validate", str(example_path)).stdout

    assert cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31)).saved
    on_sheet = _ids_by_row(example_path)
    assert on_sheet[original.ref] == original.action_id
    assert on_sheet["1.9"] == ids["1.9"]
    assert [row[4] for row in _audit(example_path)] == ["New action"]

    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    again = ws.max_row + 1
    for column in heads.values():
        ws.cell(again, column).value = ws.cell(original.row, column).value
    wb.save(example_path)
    codes = {f.code for f in cip_xl.validate(example_path).findings}
    assert "action-id-duplicate" in codes and "action-id-copied" not in codes


@pytest.mark.parametrize("start", ["new", "import"])
def test_a_plan_begun_with_new_or_import_has_a_history_from_its_first_save(tmp_path, start):
    """`cip-xl new` and `cip-xl import` recorded their save in the plan but kept no
    copy of it: the first validate said the plan had been moved away from its
    backups ("plan-history-elsewhere") in the folder it was just made in, and what
    the manager typed into it next was not told from what cip-xl wrote. Each now
    keeps the copy every save keeps, so the actions typed in first are audited."""
    plan = tmp_path / "plan.xlsx"
    if start == "new":
        result = run_cli("new", str(plan), "--council", "Wrenfield")
    else:
        source = tmp_path / "actions.csv"
        source.write_text("Ref,Key action,Lead officer,Target date\n"
                          "1.1,Set the budget,HF,Mar 2027\n", encoding="utf-8")
        result = run_cli("import", str(source), "-o", str(plan), "--council", "Wrenfield")
    assert result.returncode == 0, result.stderr
    assert saved_copy_path(plan).read_bytes() == plan.read_bytes()
    findings = cip_xl.validate(plan).findings
    assert not [f for f in findings if f.code == "plan-history-elsewhere"], findings

    row = 3 if start == "import" else 2
    _type_in_excel(plan, {(row, "Ref"): "1.9", (row, "Theme"): "Money",
                          (row, "Key action"): "Sell the depot", (row, "Lead officer"): "HF",
                          (row, "Target date"): "Dec 2026"})
    edited = [f for f in cip_xl.validate(plan).findings if f.code == "master-edited"]
    assert edited and "Ref 1.9 New action" in edited[0].message, edited
    assert cip_xl.refresh_status(plan, as_of=date(2026, 12, 31)).saved
    assert [(r[3], r[4], r[6]) for r in _audit(plan) if r[4] == "New action"] == \
        [("1.9", "New action", "Sell the depot")]
