"""Merging returns: what is applied, what is refused, and that nothing is lost."""
from __future__ import annotations

import csv
import json
import os
import shutil
import time
from datetime import date, datetime

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl.master_edits import saved_copy_path
from cip_xl.returns import NEW_ACTIONS_SHEET, RETURN_SHEET
from cip_xl.status import refresh

from .conftest import convert_with_libreoffice, run_cli
from .returns_helpers import edit_return, headers, open_return, return_for, set_saved_time


@pytest.fixture
def cycle(example_path, tmp_path):
    """A master and its freshly issued returns."""
    folder = tmp_path / "returns"
    cip_xl.api.issue_returns(example_path, folder, when=datetime(2026, 11, 2, 9))
    return example_path, folder


def columns_letter(columns, header):
    return openpyxl.utils.get_column_letter(columns[header])


def action(plan_path, ref):
    return next(a for a in cip_xl.load_plan(plan_path).actions if a.ref == ref)


def codes(result):
    return {(f.code, f.cell) for f in result.findings}


def test_officer_edits_are_applied_and_audited(cycle):
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Status"): "Complete",
                        ("5.3", "Progress update"): "Caddies delivered to 60% of homes.",
                        ("5.3", "% complete"): 55})
    result = run_cli("merge", str(plan_path), str(place))
    assert result.returncode == 0, result.stdout + result.stderr
    assert action(plan_path, "5.1").status == "Complete"
    assert action(plan_path, "5.1").percent_complete == 100  # completing sets 100%
    updated = action(plan_path, "5.3")
    assert updated.progress_update == "Caddies delivered to 60% of homes."
    assert updated.percent_complete == 55 and updated.last_updated == date.today()
    audit = cip_xl.load_plan(plan_path).audit
    fields = {(e.ref, e.field, str(e.new)) for e in audit}
    assert ("5.1", "Status", "Complete") in fields and ("5.3", "% complete", "55") in fields
    entry = next(e for e in audit if e.field == "Progress update")
    assert entry.old == "CCTV installed at four hot spots." or entry.old
    assert entry.source.endswith("!Return!L4") and "Place" in entry.who
    assert list((plan_path.parent / "backups").glob("*.xlsx"))


def test_merging_twice_changes_nothing(cycle):
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.2", "Progress update"): "Adopted 14 October."})
    first = cip_xl.api.merge(plan_path, [place])
    assert first.saved
    before = plan_path.read_bytes()
    second = cip_xl.api.merge(plan_path, [place])
    assert not second.saved and not second.outcomes[0].applied
    assert plan_path.read_bytes() == before


def test_dry_run_writes_nothing(cycle):
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.2", "Status"): "Complete"})
    before = plan_path.read_bytes()
    result = run_cli("merge", "--dry-run", str(plan_path), str(place))
    assert result.returncode == 0 and "dry run" in result.stdout
    assert plan_path.read_bytes() == before


def test_locked_column_edits_deleted_and_reordered_rows_are_reported(cycle):
    plan_path, folder = cycle
    resources = return_for(folder, "Resources")
    wb = openpyxl.load_workbook(resources)
    ws = wb[RETURN_SHEET]
    ws.protection.sheet = False  # what an officer who removes protection can do
    columns = headers(ws)
    ws.cell(2, columns["Key action"]).value = "Rewritten by the officer"
    ws.cell(3, columns["Target date"]).value = "Mar 2028"
    deleted_ref = ws.cell(5, 1).value
    ws.delete_rows(5)
    row6 = [c.value for c in ws[6]]
    row7 = [c.value for c in ws[7]]
    for c, (a, b) in enumerate(zip(row6, row7), start=1):  # swap two rows
        ws.cell(6, c).value, ws.cell(7, c).value = b, a
    wb.save(resources)
    before = cip_xl.load_plan(plan_path)
    result = cip_xl.api.merge(plan_path, [resources])
    found = codes(result)
    assert ("locked-edit", "D2") in found and ("locked-edit", "F3") in found
    assert any(code == "row-deleted" for code, _ in found)
    assert ("rows-reordered", None) in found
    deleted = next(f for f in result.findings if f.code == "row-deleted")
    assert deleted.ref == deleted_ref
    after = cip_xl.load_plan(plan_path)
    assert [(a.ref, a.key_action, a.target_date) for a in after.actions] == \
        [(a.ref, a.key_action, a.target_date) for a in before.actions]
    locked = next(f for f in result.findings if f.code == "locked-edit" and f.cell == "D2")
    assert "Rewritten by the officer" in locked.message  # the typed text is not lost


def test_return_for_another_plan_or_old_revision_is_refused(cycle, tmp_path):
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    old = tmp_path / "old-place.xlsx"
    shutil.copy(place, old)
    before = plan_path.read_bytes()
    # issuing every return again while they are all out would strand them: refused...
    refused = run_cli("returns", str(plan_path), "-o", str(tmp_path / "again"))
    assert refused.returncode == 2 and "[round-still-out]" in refused.stderr
    assert "none has been merged" in refused.stderr and "--department" in refused.stderr
    assert plan_path.read_bytes() == before and not list(tmp_path.glob("again/*.xlsx"))
    # ...unless the manager says a new round is meant
    issued = run_cli("returns", str(plan_path), "-o", str(tmp_path / "again"),
                     "--new-round")  # revision 3 now
    assert issued.returncode == 0 and "[returns-never-merged]" in issued.stderr
    assert "4 return(s) of the last round (revision 2" in issued.stderr
    edit_return(old, {("5.1", "Status"): "Complete"})
    before = plan_path.read_bytes()
    result = run_cli("merge", str(plan_path), str(old))
    assert result.returncode == 1
    assert "revision 2" in result.stdout and "revision 3" in result.stdout
    assert plan_path.read_bytes() == before

    other = tmp_path / "other.xlsx"
    other_plan = cip_xl.example.example_plan()
    other_plan.settings.plan_id = "POTHER"
    cip_xl.save_plan(other_plan, other)
    cip_xl.api.issue_returns(other, tmp_path / "other-returns")
    foreign = return_for(tmp_path / "other-returns", "Place")
    result = cip_xl.api.merge(plan_path, [foreign])
    assert [f.code for f in result.findings] == ["return-other-plan"]
    assert plan_path.read_bytes() == before


def test_copies_of_one_return_merge_cell_by_cell_and_the_later_saved_wins(cycle, tmp_path):
    """A directorate's return filled in by two heads of service, each in a copy: both
    copies' edits are taken in, in one run; where both changed one cell, the copy saved
    later wins whichever order the files are listed in, with a warning."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    (tmp_path / "copies").mkdir()
    copy = tmp_path / "copies" / "Place-second-copy.xlsx"
    shutil.copy(place, copy)
    edit_return(place, {("5.1", "Progress update"): "First version",
                        ("5.2", "% complete"): 90})
    edit_return(copy, {("5.1", "Progress update"): "Second version",
                       ("5.2", "Progress update"): "Only in the copy"})
    set_saved_time(place, datetime(2026, 11, 20, 8))
    set_saved_time(copy, datetime(2026, 11, 20, 9))
    pristine = plan_path.read_bytes()
    as_saved = saved_copy_path(plan_path).read_bytes()
    for order in ([place, copy], [copy, place]):
        plan_path.write_bytes(pristine)  # the master as issued, and as cip-xl saved it
        saved_copy_path(plan_path).write_bytes(as_saved)
        result = cip_xl.api.merge(plan_path, order)
        assert action(plan_path, "5.1").progress_update == "Second version"
        assert action(plan_path, "5.2").progress_update == "Only in the copy"
        assert action(plan_path, "5.2").percent_complete == 90
        found = {(f.code, f.file, f.cell) for f in result.findings}
        if order[0] == place:
            assert found == {("copy-replaced", str(copy), "L2")}, result.findings
            assert "'First version', set by Place return (Return_Place" in \
                result.findings[0].message
        else:
            assert found == {("clash", str(place), "L2")}, result.findings
            assert "saved before that one" in result.findings[0].message


def test_clash_with_the_master(cycle):
    # the manager edits 5.2 in the master after issue; the officer edits it too
    plan_path, folder = cycle
    plan = cip_xl.load_plan(plan_path)
    next(a for a in plan.actions if a.ref == "5.2").progress_update = "Manager's note"
    cip_xl.save_plan(plan, plan_path)
    places = return_for(folder, "Place")
    edit_return(places, {("5.2", "Progress update"): "Officer's note"})
    result = cip_xl.api.merge(plan_path, [places])
    assert ("clash", "L3") in codes(result)
    assert action(plan_path, "5.2").progress_update == "Manager's note"


def sheet_rows(path, sheet):
    return CalamineWorkbook.from_path(str(path)).get_sheet_by_name(sheet).to_python()


def test_a_corrected_copy_of_a_merged_return_replaces_what_the_first_copy_set(example_path,
                                                                             tmp_path):
    """"Sorry, please use this version": the officer's second copy, saved after the
    first was merged, replaces the first copy's values — unless the manager changed one
    since — and the first copy merged again afterwards does not undo the correction."""
    plan_path, folder = example_path, tmp_path / "returns"
    cip_xl.api.issue_returns(plan_path, folder, when=datetime(2026, 11, 16, 9))
    first = return_for(folder, "Place")
    (tmp_path / "mail").mkdir()
    second = tmp_path / "mail" / "Place return - corrected.xlsx"
    shutil.copy(first, second)
    edit_return(first, {("5.1", "Progress update"): "Consultation opens in May",
                        ("5.1", "% complete"): 40, ("5.2", "Progress update"): "Started"})
    set_saved_time(first, datetime(2026, 11, 20, 8, 30))
    assert cip_xl.api.merge(plan_path, [first], when=datetime(2026, 11, 20, 10)).saved

    plan = cip_xl.load_plan(plan_path)  # the manager rewrites 5.2 by hand in between
    next(a for a in plan.actions if a.ref == "5.2").progress_update = "Manager's wording"
    cip_xl.save_plan(plan, plan_path)

    edit_return(second, {("5.1", "Progress update"): "Consultation opens in June",
                         ("5.1", "% complete"): 30, ("5.1", "Status"): "At risk",
                         ("5.2", "Progress update"): "Started in October"})
    set_saved_time(second, datetime(2026, 11, 21, 16, 5))
    result = cip_xl.api.merge(plan_path, [second], when=datetime(2026, 11, 23, 9))
    assert action(plan_path, "5.1").progress_update == "Consultation opens in June"
    assert action(plan_path, "5.1").percent_complete == 30
    assert action(plan_path, "5.1").status == "At risk"
    assert action(plan_path, "5.2").progress_update == "Manager's wording"
    replaced = {f.cell: f for f in result.findings if f.code == "copy-replaced"}
    assert set(replaced) == {"K2", "L2"} and all(f.severity == "warning"
                                                   for f in replaced.values())
    assert "'Consultation opens in May', set by Place return (Return_Place" in \
        replaced["L2"].message and "saved 20/11/2026 08:30:00)" in replaced["L2"].message
    clash = [f for f in result.findings if f.code == "clash"]
    assert [(f.ref, f.cell) for f in clash] == [("5.2", "L3")]
    assert "changed in the master" in clash[0].message
    audit = [r for r in sheet_rows(plan_path, "Audit") if r[2:3] and r[3] == "5.1"]
    replaced = [r for r in audit if "replacing" in str(r[7])]
    assert {r[4] for r in replaced} == {"Progress update", "% complete"}
    assert all(first.name in str(r[7]) and second.name in str(r[1]) for r in replaced)
    assert ("Progress update", "Consultation opens in May", "Consultation opens in June") in \
        [tuple(r[4:7]) for r in audit]
    record = next(r for r in sheet_rows(plan_path, "Returns") if r[0] == "Place")
    # the officer's three edits (the Last updated date the merge set is not one)
    assert "copy merged 23/11/2026 09:00: 3 applied" in str(record), record

    # the first copy again, after the correction: it undoes nothing and says why
    before = plan_path.read_bytes()
    result = cip_xl.api.merge(plan_path, [first], when=datetime(2026, 11, 24, 9))
    assert plan_path.read_bytes() == before and not result.saved
    clash = {f.cell: f.message for f in result.findings if f.code == "clash"}
    assert set(clash) == {"K2", "L2", "L3"}
    assert "set to 'Consultation opens in June' by Place return (Place return - " \
        "corrected.xlsx, saved 21/11/2026 16:05:00)" in clash["L2"]
    assert "saved before that one" in clash["L2"] and "save it and merge it again" in \
        clash["L2"]

    # a copy that does not say when it was saved replaces nothing
    third = tmp_path / "mail" / "Place return - third.xlsx"
    shutil.copy(second, third)
    edit_return(third, {("5.1", "Progress update"): "Consultation opens in July"})
    set_saved_time(third, None)
    result = cip_xl.api.merge(plan_path, [third], when=datetime(2026, 11, 25, 9))
    assert action(plan_path, "5.1").progress_update == "Consultation opens in June"
    assert any(f.code == "clash" and f.cell == "L2" and "does not say when it was saved"
               in f.message for f in result.findings)


@pytest.mark.parametrize("clock", ["dead battery", "a year ahead"])
def test_a_copy_saved_by_a_wrong_clock_replaces_nothing(cycle, tmp_path, clock):
    """"The copy saved last wins" trusts the clock of the PC that saved each copy. A
    saved time before the return was issued, or later than now, cannot be right: that
    copy replaces nothing, and the clash says the clock was wrong — in either order."""
    from datetime import timedelta

    plan_path, folder = cycle  # issued 02/11/2026 09:00
    first = return_for(folder, "Place")
    second = tmp_path / "Place return - corrected.xlsx"
    shutil.copy(first, second)
    edit_return(first, {("5.1", "Progress update"): "First copy"})
    set_saved_time(first, datetime(2026, 11, 20, 8, 30))
    edit_return(second, {("5.1", "Progress update"): "Second copy"})
    wrong = datetime(2001, 1, 1, 0, 5) if clock == "dead battery" else \
        datetime.now().replace(microsecond=0) + timedelta(days=365)
    set_saved_time(second, wrong)
    why = "before the return was issued (02/11/2026 09:00:00)" if clock == "dead battery" \
        else "later than now"

    for order in ([first, second], [second, first]):
        master = tmp_path / f"plan {order[0].stem}.xlsx"
        shutil.copy(plan_path, master)
        result = cip_xl.api.merge(master, order)
        assert action(master, "5.1").progress_update == ("First copy" if order[0] == first
                                                         else "Second copy")
        clash = [f for f in result.findings if f.code == "clash"]
        assert [f.cell for f in clash] == ["L2"] and why in clash[0].message
        assert "clock of the computer that saved it was wrong" in clash[0].message
        assert not any(f.code == "copy-replaced" for f in result.findings)


def test_formulas_and_bad_values_are_text_or_findings(cycle):
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): '=HYPERLINK("http://evil","click")',
                        ("5.2", "Status"): "Nearly done",
                        ("5.3", "% complete"): "about half",
                        ("5.4", "Proposed revised date"): "after the elections",
                        ("5.3", "Proposed revised date"): "ASAP"})
    result = cip_xl.api.merge(plan_path, [place])
    found = codes(result)
    asap = next(f for f in result.findings if f.code == "return-date-invalid" and f.ref == "5.3")
    assert "write the date it is due by, or 'TBC'" in asap.message
    assert ("formula-stored-as-text", "L2") in found
    assert ("return-status-invalid", "J3") in found
    assert ("return-percent-invalid", "K4") in found
    half = next(f for f in result.findings if f.code == "return-percent-invalid")
    assert "type it as a number: 50" in half.message  # 'about half'
    assert ("return-date-invalid", "M5") in found
    assert action(plan_path, "5.1").progress_update == '=HYPERLINK("http://evil","click")'
    wb = openpyxl.load_workbook(plan_path)
    cell = next(c for c in wb["Plan"]["L"] if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"  # stored as text, never a live formula


def test_a_formula_showing_an_excel_error_is_refused_not_taken_as_text(cycle):
    """A progress cell whose formula shows #DIV/0! (as Excel or LibreOffice saved it,
    with the error as the cached result) is refused like a typed error value: its
    formula text must not replace the progress already in the master."""
    import re
    import zipfile

    plan_path, folder = cycle
    place = return_for(folder, "Place")
    before = action(plan_path, "5.1").progress_update
    edit_return(place, {("5.1", "Progress update"): "=1/0"})
    with zipfile.ZipFile(place) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    sheet = next(name for name, data in parts.items()
                 if name.startswith("xl/worksheets/") and b"<f>1/0</f>" in data)
    parts[sheet], count = re.subn(
        rb'<c r="(L\d+)"([^>]*)><f>1/0</f>(?:<v>[^<]*</v>|<v/>)?</c>',
        rb'<c r="\1"\2 t="e"><f>1/0</f><v>#DIV/0!</v></c>', parts[sheet])
    assert count == 1
    with zipfile.ZipFile(place, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)
    result = cip_xl.api.merge(plan_path, [place])
    errors = [f for f in result.findings if f.code == "return-excel-error"]
    assert [f.cell for f in errors] == ["L2"] and "#DIV/0!" in errors[0].message
    assert "'=1/0'" in errors[0].message  # what was typed is in the finding
    assert action(plan_path, "5.1").progress_update == before


def _with_results(path, results: dict[str, tuple[str, str]]) -> None:
    """Give formulas of the Return sheet the results Excel saves with them: cell →
    (the cell's type, its result), as ``("str", "Complete")`` or ``("n", "60")``."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info.filename) for info in source.infolist()}
    for name, data in parts.items():
        if not name.startswith("xl/worksheets/") or b"<f>" not in data:
            continue
        for cell, (kind, result) in results.items():
            data, count = re.subn(
                rb'<c r="' + cell.encode() + rb'"([^>]*?)(?: t="\w+")?([^>]*)>(<f>[^<]*</f>)'
                rb'(?:<v>[^<]*</v>|<v/>)?</c>',
                rb'<c r="' + cell.encode() + rb'"\1\2 t="' + kind.encode() + rb'">\3<v>' +
                result.encode() + rb'</v></c>', data)
            assert count == 1, cell
        parts[name] = data
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def test_a_value_typed_as_a_formula_is_read_as_what_it_showed(cycle):
    """An officer who types =50+10 into % complete, =TODAY()+30 into the proposed date
    or an IF() into Status saw 60, a date and a status: Excel saves those results with
    the formulas, and the merge takes them as if typed, each with a warning naming the
    formula (never the formula itself into the plan). A formula saved with no result
    (by a program that does not calculate) is refused, naming the formula, and the
    master keeps its value."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "% complete"): "=50+10",
                        ("5.1", "Proposed revised date"): "=DATE(2027,6,30)",
                        ("5.1", "Comment / reason for new date"): "Contractor delay",
                        ("5.3", "Status"): '=IF(1,"At risk","On track")',
                        ("5.4", "% complete"): "=10*7"})
    wb, cell = open_return(place)
    where = {name: cell(ref, header).coordinate for name, (ref, header) in {
        "percent": ("5.1", "% complete"), "date": ("5.1", "Proposed revised date"),
        "status": ("5.3", "Status"), "unworked": ("5.4", "% complete")}.items()}
    cell("5.1", "Proposed revised date").number_format = "dd/mm/yyyy"  # as Excel formats
    wb.save(place)  # a cell given a DATE() or TODAY() formula
    before = action(plan_path, "5.4").percent_complete
    _with_results(place, {where["percent"]: ("n", "60"),
                          where["date"]: ("n", str((date(2027, 6, 30) - date(1899, 12, 30))
                                                   .days)),
                          where["status"]: ("str", "At risk")})
    result = cip_xl.api.merge(plan_path, [place])
    taken = {f.cell: f.message for f in result.findings if f.code == "return-formula-result"}
    assert set(taken) == {where["percent"], where["date"], where["status"]}, result.findings
    assert "'=50+10'" in taken[where["percent"]] and "'60'" in taken[where["percent"]]
    assert "30/06/2027" in taken[where["date"]]
    assert action(plan_path, "5.1").percent_complete == 60
    assert action(plan_path, "5.3").status == "At risk"
    request = next(r for r in cip_xl.load_plan(plan_path).change_requests
                   if r.ref == "5.1")
    assert request.proposed == date(2027, 6, 30) and request.reason == "Contractor delay"
    refused = [f for f in result.findings if f.code == "return-formula-no-result"]
    assert [f.cell for f in refused] == [where["unworked"]] and "'=10*7'" in refused[0].message
    assert action(plan_path, "5.4").percent_complete == before
    text = CalamineWorkbook.from_path(str(plan_path)).get_sheet_by_name("Plan").to_python()
    assert not any(str(value).startswith("=") for row in text for value in row)


def test_a_percentage_pasted_with_words_is_read_as_its_number(cycle):
    """'c. 60' or '60% complete' pasted into % complete (pasting passes over the
    cell's check) is the officer's 60: taken, with a warning quoting the words; a
    range is refused with what to type."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "% complete"): "c. 60", ("5.2", "% complete"): "40% complete",
                        ("5.3", "% complete"): "60-70%"})
    result = cip_xl.api.merge(plan_path, [place])
    words = [f for f in result.findings if f.code == "return-percent-words"]
    assert [f.cell for f in words] == ["K2", "K3"] and "'c. 60' is taken as 60" in \
        words[0].message
    assert (action(plan_path, "5.1").percent_complete,
            action(plan_path, "5.2").percent_complete) == (60, 40)
    ranged = next(f for f in result.findings if f.code == "return-percent-invalid")
    assert ranged.cell == "K4" and "it is a range" in ranged.message


def test_a_return_in_an_email_saved_whole_or_a_zip_is_merged_from_inside_it(cycle):
    """A manager who saves the officer's reply whole (.eml) rather than its attachment:
    the attached return is merged, its findings naming the email and the attachment;
    again, nothing changes. An email with no workbook attached, and an Outlook .msg,
    are refused saying what they are and what to save instead."""
    from email.message import EmailMessage

    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "Sent by email",
                        ("5.2", "Status"): "Nearly done"})
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "ruth@x.example", "im@x.example", "RE: return"
    mail.set_content("Our return is attached.")
    mail.add_attachment(place.read_bytes(), maintype="application",
                        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        filename=place.name)
    mail.add_attachment(b"%PDF-1.4", maintype="application", subtype="pdf",
                        filename="evidence.pdf")
    resources = return_for(folder, "Resources")  # sent under a name with no extension
    edit_return(resources, {("1.3", "Progress update"): "Attached as 'Resources Q2'"})
    mail.add_attachment(resources.read_bytes(), maintype="application",
                        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                        filename="Resources Q2")
    inbox = folder.parent / "inbox"
    inbox.mkdir()
    (inbox / "RE return.eml").write_bytes(bytes(mail))
    bare = EmailMessage()
    bare["From"], bare["Subject"] = "hes@x.example", "forgot the attachment"
    bare.set_content("Sorry")
    (inbox / "Forgot.eml").write_bytes(bytes(bare))
    (inbox / "Outlook.msg").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))

    result = cip_xl.api.merge(plan_path, [inbox])
    assert action(plan_path, "5.1").progress_update == "Sent by email"
    assert action(plan_path, "1.3").progress_update == "Attached as 'Resources Q2'"
    merged = next(o for o in result.outcomes if o.department == "Place")
    assert merged.file.name == f"RE return.eml › {place.name}"
    assert next(o for o in result.outcomes if o.department == "Resources").file.name == \
        "RE return.eml › Resources Q2.xlsx"
    status = next(f for f in result.findings if f.code == "return-status-invalid")
    assert status.where == f"RE return.eml › {place.name}: Return!J3"
    refused = {o.file.name: o.findings[0].code for o in result.outcomes if o.refused}
    assert refused == {"Forgot.eml": "file-email", "Outlook.msg": "file-outlook-message"}
    assert "evidence.pdf" not in str([o.file for o in result.outcomes])
    before = plan_path.read_bytes()
    again = cip_xl.api.merge(plan_path, [inbox / "RE return.eml"])
    assert not again.saved and plan_path.read_bytes() == before

    # "download all attachments": a zip of the returns, merged from inside it
    import zipfile

    edit_return(return_for(folder, "Resources"), {("1.2", "Progress update"): "Zipped"})
    with zipfile.ZipFile(inbox / "attachments.zip", "w") as archive:
        archive.write(return_for(folder, "Resources"), "attachments/Resources return.xlsx")
        archive.writestr("attachments/notes.txt", "not a return")
    zipped = cip_xl.api.merge(plan_path, [inbox / "attachments.zip"])
    assert [o.file.name for o in zipped.outcomes] == [
        "attachments.zip › Resources return.xlsx"]
    assert action(plan_path, "1.2").progress_update == "Zipped"


def merged_and_refused(result) -> tuple[list[str], dict]:
    """The names of the returns ``result`` took in, sorted, and the first finding of
    each it refused, by name."""
    return (sorted(o.file.name for o in result.outcomes if not o.refused),
            {o.file.name: o.findings[0] for o in result.outcomes if o.refused})


def outlook_message(subject: str, attachments: list[dict]) -> bytes:
    """An email as Outlook saves it (.msg, MS-OXMSG): a compound file whose attachments
    are storages of streams — each file's bytes, its long and short names (UTF-16, or
    8-bit in older files) — and an attached email a message storage of its own."""
    from cip_xl.vba_project import write_compound

    def text(value: str, wide: bool = True) -> bytes:
        return value.encode("utf-16-le") + b"\0\0" if wide else value.encode() + b"\0"

    def storages(items: list[dict]) -> dict:
        tree = {}
        for number, item in enumerate(items):
            storage = {"__properties_version1.0": bytes(8)}
            if "message" in item:  # an email attached to this one
                storage["__substg1.0_3001001F"] = text(item["name"])
                storage["__substg1.0_3701000D"] = {"__properties_version1.0": bytes(24),
                                                   **storages(item["message"])}
            else:
                wide = item.get("wide", True)
                storage["__substg1.0_3707" + ("001F" if wide else "001E")] = \
                    text(item["name"], wide)
                storage["__substg1.0_3704" + ("001F" if wide else "001E")] = \
                    text("RETURN~1.XLS", wide)
                if item.get("data") is not None:  # None: a link to the file, not the file
                    storage["__substg1.0_37010102"] = item["data"]
            tree[f"__attach_version1.0_#{number:08X}"] = storage
        return tree

    return write_compound({"__properties_version1.0": bytes(32),
                           "__substg1.0_0037001F": text(subject), **storages(attachments)})


def test_a_return_in_an_email_saved_from_outlook_is_merged_from_inside_it(cycle):
    """Outlook saves an email dragged out of the inbox as a .msg: the returns attached
    to it are merged, and one in an email forwarded as an attachment; an email holding
    a link to the return instead of the file is refused saying to download it."""
    plan_path, folder = cycle
    place, resources = return_for(folder, "Place"), return_for(folder, "Resources")
    edit_return(place, {("5.1", "Progress update"): "Sent from Outlook"})
    edit_return(resources, {("1.2", "Progress update"): "Forwarded by the director"})
    inbox = folder.parent / "inbox"
    inbox.mkdir()
    (inbox / "RE Q2 return.msg").write_bytes(outlook_message("RE: Q2 return", [
        {"name": place.name, "data": place.read_bytes()},
        {"name": "evidence.pdf", "data": b"%PDF-1.4"},
        {"name": "FW: Resources return", "message": [
            {"name": "Resources return.xlsx", "data": resources.read_bytes(),
             "wide": False}]},
    ]))
    (inbox / "Link only.msg").write_bytes(outlook_message("RE: return", [
        {"name": "Return_People.xlsx", "data": None}]))
    result = cip_xl.api.merge(plan_path, [inbox])
    assert action(plan_path, "5.1").progress_update == "Sent from Outlook"
    assert action(plan_path, "1.2").progress_update == "Forwarded by the director"
    names, refused = merged_and_refused(result)
    assert names == sorted([f"RE Q2 return.msg › {place.name}",
                            "RE Q2 return.msg › Resources return.xlsx"])
    assert list(refused) == ["Link only.msg"]
    assert refused["Link only.msg"].code == "file-outlook-message"
    assert "download" in refused["Link only.msg"].message
    unpacked = [f for f in result.findings if f.code == "return-unpacked"]
    assert any(f"RE Q2 return.msg, where it is {place.name}" in f.message for f in unpacked)


def winmail_dat(files: list[tuple[str, str, bytes]]) -> bytes:
    """Outlook's winmail.dat (TNEF, MS-OXTNEF) packing ``files`` — (long name, short
    title, bytes) — as Outlook writes one: a signature and key, the message's version,
    code page and class, then for each file its rendering, title, bytes and a MAPI
    property list (its size, a binary property, its long name in UTF-16)."""
    import struct

    def attribute(level, ident, value):
        return struct.pack("<BII", level, ident, len(value)) + value + \
            struct.pack("<H", sum(value) & 0xFFFF)

    def properties(items):
        out = struct.pack("<I", len(items))
        for kind, ident, value in items:
            out += struct.pack("<HH", kind, ident)
            if kind in (0x001F, 0x0102):  # counted and sized, padded to 4 bytes
                out += struct.pack("<II", 1, len(value)) + value + b"\0" * (-len(value) % 4)
            else:
                out += value
        return out

    out = struct.pack("<IH", 0x223E9F78, 0x5A1D)
    out += attribute(1, 0x00089006, struct.pack("<I", 0x00010000))
    out += attribute(1, 0x00069007, struct.pack("<II", 1252, 0))
    out += attribute(1, 0x00078008, b"IPM.Microsoft Mail.Note\0")
    for long, short, data in files:
        out += attribute(2, 0x00069002, bytes(14))
        out += attribute(2, 0x00018010, short.encode("cp1252") + b"\0")
        out += attribute(2, 0x0006800F, data)
        out += attribute(2, 0x00069005, properties([
            (0x0003, 0x0E20, struct.pack("<I", len(data))),
            (0x0102, 0x3702, b"\x2a\x86\x48"),
            (0x001F, 0x3707, (long + "\0").encode("utf-16-le"))]))
    return out


def test_a_return_in_outlooks_winmail_dat_is_merged_from_inside_it(cycle):
    """Outlook sending in Rich Text format to another mail system packs the
    attachments into winmail.dat, which no other program opens: the return in it —
    in the email saved whole, or the winmail.dat saved on its own — is merged under
    its own long name; a winmail.dat with no workbook in it, or damaged, is refused
    saying what it is."""
    from email.message import EmailMessage

    plan_path, folder = cycle
    place, resources = return_for(folder, "Place"), return_for(folder, "Resources")
    edit_return(place, {("5.1", "Progress update"): "Sent as Rich Text"})
    edit_return(resources, {("1.2", "Progress update"): "Saved from the attachment"})
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = "ruth@x.example", "im@x.example", "RE: return"
    mail.set_content("See attached.")
    mail.add_attachment(winmail_dat([(place.name, "RETURN~1.XLS", place.read_bytes()),
                                     ("photo.jpg", "PHOTO.JPG", b"\xff\xd8\xff")]),
                        maintype="application", subtype="ms-tnef", filename="winmail.dat")
    inbox = folder.parent / "inbox"
    inbox.mkdir()
    (inbox / "RE return.eml").write_bytes(bytes(mail))
    (inbox / "winmail.dat").write_bytes(winmail_dat([
        ("Resources return.xlsx", "RESOUR~1.XLS", resources.read_bytes())]))
    (inbox / "winmail (1).dat").write_bytes(winmail_dat([("notes.txt", "NOTES.TXT", b"x")]))
    (inbox / "winmail (2).dat").write_bytes(winmail_dat([
        ("Return_People.xlsx", "RETURN~2.XLS", bytes(5000))])[:300])  # cut short
    result = cip_xl.api.merge(plan_path, [inbox])
    assert action(plan_path, "5.1").progress_update == "Sent as Rich Text"
    assert action(plan_path, "1.2").progress_update == "Saved from the attachment"
    names, refused = merged_and_refused(result)
    assert names == sorted([f"RE return.eml › winmail.dat › {place.name}",
                            "winmail.dat › Resources return.xlsx"])
    assert sorted(refused) == ["winmail (1).dat", "winmail (2).dat"]
    assert all(f.code == "file-winmail" and "Rich Text" in f.message
               for f in refused.values())


def test_a_proposed_date_the_plan_already_has_makes_no_request(cycle):
    """An officer who types the date the action is already due (5.3 is due 'Mar 2027':
    31/03/2027) as a proposed revised date asks for nothing: no request to decide, a
    note saying so, and the reason typed beside it kept as a comment; merged again,
    nothing changes."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.3", "Proposed revised date"): date(2027, 3, 31),
                        ("5.3", "Comment / reason for new date"): "Still on course for March",
                        ("5.4", "Proposed revised date"): date(2027, 2, 28)})
    result = cip_xl.api.merge(plan_path, [place])
    kinds = {(r.ref, r.kind) for r in result.outcomes[0].requests}
    assert kinds == {("5.3", "Comment"), ("5.4", "Revised date")}
    same = [f for f in result.findings if f.code == "proposed-date-unchanged"]
    assert [f.ref for f in same] == ["5.3"] and "target date" in same[0].message
    before = plan_path.read_bytes()
    assert not cip_xl.api.merge(plan_path, [place]).saved and plan_path.read_bytes() == before


def test_a_return_that_takes_an_action_backwards_is_applied_and_questioned(cycle):
    """% complete lower than the plan had, or a Complete action given another status,
    may be news or a slip of the keyboard: applied, as the officer's to change, with a
    warning each for the manager to check. An action marked Cancelled leaves the plan's
    count and shows so in the committee report: applied, with a warning that taking
    an action out usually needs agreeing."""
    plan_path, folder = cycle
    resources = return_for(folder, "Resources")
    edit_return(resources, {("4.1", "Status"): "On track", ("4.2", "% complete"): 30,
                            ("4.3", "% complete"): 70, ("1.5", "Status"): "Cancelled"})
    result = cip_xl.api.merge(plan_path, [resources])
    warned = {(f.code, f.ref) for f in result.findings
              if f.code in ("percent-went-down", "action-reopened", "action-cancelled")}
    assert warned == {("action-reopened", "4.1"), ("percent-went-down", "4.2"),
                      ("action-cancelled", "1.5")}
    assert action(plan_path, "4.1").status == "On track"
    assert action(plan_path, "4.2").percent_complete == 30
    assert action(plan_path, "1.5").status == "Cancelled"
    said = next(f for f in result.findings if f.code == "action-cancelled")
    assert "Review log" in said.message and said.cell and said.sheet == "Return"


def test_a_proposed_date_of_tbc_is_kept_as_a_comment_not_a_date(cycle):
    """'TBC' as the proposed revised date says the date will move, to a day not known
    yet: news for the manager, kept as a comment with the reason typed beside it — not
    a revised date to approve, which would leave the action with no date to judge."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.3", "Proposed revised date"): "TBC",
                        ("5.3", "Comment / reason for new date"): "Awaiting the funding bid",
                        ("5.4", "Proposed revised date"): "Ongoing"})
    result = cip_xl.api.merge(plan_path, [place])
    requests = {(r.ref, r.kind, r.proposed) for r in result.outcomes[0].requests}
    assert requests == {
        ("5.3", "Comment", "Proposed revised date: TBC. Awaiting the funding bid"),
        ("5.4", "Comment", "Proposed revised date: Ongoing")}
    assert {f.ref for f in result.findings if f.code == "proposed-date-words"} == {"5.3", "5.4"}
    assert not [f for f in result.findings if f.severity == "error"]
    before = plan_path.read_bytes()
    assert not cip_xl.api.merge(plan_path, [place]).saved and plan_path.read_bytes() == before


def test_a_note_typed_below_the_table_is_quoted_where_it_was_typed(cycle):
    """A note typed under the actions, in a column that is not a proposed key action's
    (the Theme column, say), or a new action with its theme and date but no key action,
    cannot become a request: each finding quotes the text and names its own sheet and
    cell, so nothing typed is lost."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    wb = openpyxl.load_workbook(place)
    ws = wb[RETURN_SHEET]
    ws.protection.sheet = False
    below = ws.max_row + 3
    ws.cell(below, headers(ws)["Theme"]).value = "Budget confirmed; see the attached note"
    new = wb[NEW_ACTIONS_SHEET]
    new["A2"], new["C2"], new["D2"] = "Places and communities", date(2027, 3, 31), \
        "Fewer complaints about verges"
    wb.save(place)
    result = cip_xl.api.merge(plan_path, [place])
    incomplete = {(f.sheet, f.cell): f.message for f in result.findings
                  if f.code == "new-action-incomplete"}
    theme = openpyxl.utils.get_column_letter(headers(ws)["Theme"])
    assert "'Budget confirmed; see the attached note'" in incomplete[(RETURN_SHEET,
                                                                     f"{theme}{below}")]
    assert "'Places and communities'" in incomplete[(NEW_ACTIONS_SHEET, "A2")]
    assert "'Fewer complaints about verges'" in incomplete[(NEW_ACTIONS_SHEET, "D2")]
    assert (NEW_ACTIONS_SHEET, "C2") in incomplete


def test_a_renamed_heading_is_read_as_the_column_issued_there(cycle):
    """An officer who unprotects the sheet and retypes a heading ("Progress update (Q3)")
    has the column's cells taken in as the column issued there, with one warning —
    not every progress update listed as typed outside the return's columns, for the
    manager to retype. A heading gone from its place is still an error."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.3", "Progress update"): "Caddies delivered to 60% of homes."})
    wb = openpyxl.load_workbook(place)
    ws = wb[RETURN_SHEET]
    column = headers(ws)["Progress update"]
    ws.cell(1, column).value = "Progress update (Q3)"
    wb.save(place)
    result = cip_xl.api.merge(plan_path, [place])
    letter = openpyxl.utils.get_column_letter(column)
    assert [(f.code, f.cell) for f in result.findings] == [("return-column-renamed",
                                                            f"{letter}1")]
    assert "'Progress update (Q3)'" in result.findings[0].message
    assert action(plan_path, "5.3").progress_update == "Caddies delivered to 60% of homes."


def test_revised_dates_and_new_actions_become_requests_then_approvals(cycle):
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.3", "Proposed revised date"): date(2027, 6, 30),
                        ("5.3", "Comment / reason for new date"): "Vehicles delivered late"})
    wb = openpyxl.load_workbook(place)
    new = wb[NEW_ACTIONS_SHEET]
    new["A2"], new["B2"], new["C2"] = "Places and communities", "Trial garden waste app", date(2027, 3, 31)
    new["E2"] = "Residents asked for it"
    wb.save(place)
    result = cip_xl.api.merge(plan_path, [place])
    requests = {r.kind: r for r in result.outcomes[0].requests}
    assert requests["Revised date"].proposed == date(2027, 6, 30)
    assert requests["Revised date"].reason == "Vehicles delivered late"
    assert requests["New action"].proposed == "Trial garden waste app"
    assert action(plan_path, "5.3").revised_date is None  # not applied before approval

    # listed as the manager decides them: the date, the officer's reason, whose return
    listing = run_cli("approve", str(plan_path))
    pending = [line for line in listing.stdout.splitlines()
               if requests["Revised date"].request_id in line]
    assert len(pending) == 1 and pending[0].startswith("Still to decide")
    assert '30/06/2027 "Vehicles delivered late", from the Place return' in pending[0]
    assert "Decision column" in listing.stdout
    approve = run_cli("approve", str(plan_path), "--approve",
                      requests["Revised date"].request_id, "--by", "Improvement manager")
    assert approve.returncode == 0, approve.stderr
    assert action(plan_path, "5.3").revised_date == date(2027, 6, 30)
    # the manager types "Approve" in the sheet for the new action
    wb = openpyxl.load_workbook(plan_path)
    ws = wb["Change requests"]
    for row in ws.iter_rows(min_row=2):
        if row[5].value == "New action":
            row[8].value = "Approve"
    wb.save(plan_path)
    assert run_cli("approve", str(plan_path), "--by", "IM").returncode == 0
    plan = cip_xl.load_plan(plan_path)
    added = next(a for a in plan.actions if a.key_action == "Trial garden waste app")
    assert added.ref == "5.9" and added.theme == "Places and communities"
    assert {(e.field, e.ref) for e in plan.audit} >= {("Revised date", "5.3"),
                                                      ("New action", "5.9")}
    again = cip_xl.api.merge(plan_path, [place])  # requests are not raised twice
    assert not again.outcomes[0].requests


def test_a_new_action_without_a_theme_or_with_a_new_one_says_where_it_went(cycle):
    """A new action proposed with no theme goes under the first theme, and one under a
    theme not on the Themes sheet keeps it: approving says so for each, and which
    return proposed it, as well as that it needs a lead officer."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    wb = openpyxl.load_workbook(place)
    new = wb[NEW_ACTIONS_SHEET]
    new["B2"] = "A thing with no theme"
    new["A3"], new["B3"] = "Climate and nature", "Plant a community orchard"
    new["A4"], new["B4"] = "PLACES & COMMUNITIES", "Open a repair cafe"  # as pasted
    wb.save(place)
    assert cip_xl.api.merge(plan_path, [place]).saved
    result = cip_xl.approve(plan_path, approve_all=True, by="IM")
    said = {f.ref: f.message for f in result.findings
            if f.code == "new-action-needs-officer"}
    plan = cip_xl.load_plan(plan_path)
    first = plan.theme_names()[0]
    no_theme = next(a for a in plan.actions if a.key_action == "A thing with no theme")
    orchard = next(a for a in plan.actions if a.key_action == "Plant a community orchard")
    assert no_theme.theme == first and orchard.theme == "Climate and nature"
    cafe = next(a for a in plan.actions if a.key_action == "Open a repair cafe")
    assert cafe.theme == "Places and communities" and cafe.ref.startswith("5.")
    assert "Themes sheet" not in said[cafe.ref]
    assert f"No theme was proposed, so it went under '{first}'" in said[no_theme.ref]
    assert "'Climate and nature', is not on the Themes sheet" in said[orchard.ref]
    assert all("proposed in the Place return" in message for message in said.values())

def test_a_new_action_from_an_officers_own_return_is_theirs(example_path, tmp_path):
    """Returns issued per officer are named by the officer's code: a new action one of
    them proposes is approved with that officer as its lead, not left without one."""
    issued = cip_xl.issue_returns(example_path, tmp_path / "returns", by="officer")
    mine = next(item.path for item in issued if item.department == "HF")
    wb = openpyxl.load_workbook(mine)
    new = wb[NEW_ACTIONS_SHEET]
    new["A2"], new["B2"] = "Managing our finances", "Review fees and charges"
    wb.save(mine)
    assert cip_xl.api.merge(example_path, [mine]).saved
    result = cip_xl.approve(example_path, approve_all=True, by="IM")
    added = next(a for a in cip_xl.load_plan(example_path).actions
                 if a.key_action == "Review fees and charges")
    assert added.lead_officer == "HF"
    assert not [f for f in result.findings if f.code == "new-action-needs-officer"]

def test_a_proposed_date_already_past_is_flagged_at_merge_and_at_approval(cycle):
    """'30/06/2025' typed in November 2026 is a slip of the year more often than not:
    the request is still raised, with a warning naming the cell, and approving it says
    the action now shows as overdue."""
    plan_path, folder = cycle
    reporting = cip_xl.load_plan(plan_path).settings.reporting_date
    place = return_for(folder, "Place")
    slip = date(reporting.year - 1, 6, 30)
    edit_return(place, {("5.3", "Proposed revised date"): slip,
                        ("5.4", "Proposed revised date"): date(reporting.year + 1, 6, 30)})
    result = cip_xl.api.merge(plan_path, [place])
    past = [f for f in result.findings if f.code == "return-date-past"]
    assert [(f.ref, f.severity, f.sheet) for f in past] == [("5.3", "warning", RETURN_SHEET)]
    assert f"{slip:%d/%m/%Y}" in past[0].message and past[0].cell.startswith("M")
    requests = {r.ref: r for r in result.outcomes[0].requests}
    assert set(requests) == {"5.3", "5.4"}
    assert not [f for f in result.findings if f.code == "return-date-far-off"]

    approve = run_cli("approve", str(plan_path), "--all", "--by", "IM")
    assert approve.returncode == 0, approve.stderr
    out = approve.stdout + approve.stderr
    warned = [line for line in out.splitlines() if "request-date-past" in line]
    assert len(warned) == 1 and requests["5.3"].request_id in warned[0], out
    assert action(plan_path, "5.3").revised_date == slip


def test_what_is_typed_where_it_cannot_go_is_named_by_cell(cycle):
    """Typing beside the return's columns or the new actions' columns is reported
    with its cell and the typed text, and not taken in; spaces alone are an emptied
    cell, whose old text the audit keeps."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    wb = openpyxl.load_workbook(place)
    ws = wb[RETURN_SHEET]
    ws.protection.sheet = False
    columns = headers(ws)
    before = action(plan_path, ws.cell(2, columns["Ref"]).value)
    ws.cell(2, columns["Progress update"]).value = "   "  # spaces only: emptied
    beyond = ws.max_column + 2
    ws.cell(3, beyond).value = "Note to self"
    new = wb[NEW_ACTIONS_SHEET]
    new["B2"], new["C2"] = "Trial a repair café", date(2027, 5, 31)
    new["H2"] = "typed past the columns"
    wb.save(place)
    result = cip_xl.api.merge(plan_path, [place])
    outside = {(f.sheet, f.cell): f.message for f in result.findings
               if f.code == "return-outside-table"}
    letter = openpyxl.utils.get_column_letter(beyond)
    assert "Note to self" in outside[(RETURN_SHEET, f"{letter}3")]
    assert "typed past the columns" in outside[(NEW_ACTIONS_SHEET, "H2")]
    assert not action(plan_path, before.ref).progress_update
    cleared = next(e for e in cip_xl.load_plan(plan_path).audit
                   if e.ref == before.ref and e.field == "Progress update")
    assert cleared.old == before.progress_update and cleared.new in (None, "")
    assert cleared.source.endswith(f"!{RETURN_SHEET}!{columns_letter(columns, 'Progress update')}2")
    proposed = [r for r in result.outcomes[0].requests if r.kind == "New action"]
    assert [r.proposed for r in proposed] == ["Trial a repair café"]


def test_what_is_typed_on_a_sheet_added_to_the_return_is_named(cycle):
    """An officer who unprotects the workbook and adds a sheet of notes, or copies the
    Return sheet and types in the copy, loses nothing silently: each typed cell is named
    (the first twenty, then how many more and where), the Return sheet still merges."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "On the Return sheet"})
    wb = openpyxl.load_workbook(place)
    notes = wb.create_sheet("My notes")
    notes["B2"] = "5.3 is late: staff sickness"
    copied = wb.copy_worksheet(wb[RETURN_SHEET])
    copied["L3"] = "Typed in the copy"
    big = wb.create_sheet("Pasted")
    for row in range(1, 8):
        for column in range(1, 5):
            big.cell(row, column, f"r{row}c{column}")
    wb.save(place)
    result = cip_xl.api.merge(plan_path, [place])
    assert action(plan_path, "5.1").progress_update == "On the Return sheet"
    added = [f for f in result.findings if f.code == "return-sheet-added"]
    assert ("My notes", "B2") in {(f.sheet, f.cell) for f in added}
    assert [(f.sheet, f.cell) for f in added if f.sheet == copied.title] == \
        [(copied.title, "L3")]  # the cells copied as they were lose nothing
    pasted = [f for f in added if f.sheet == "Pasted"]
    assert len(pasted) == 21 and pasted[19].cell == "D5" and \
        "r5c4" in pasted[19].message
    assert "8 more cells" in pasted[20].message and "from A6 to D7" in pasted[20].message
    assert all(f.severity == "error" for f in added)


def test_what_is_typed_on_the_instructions_sheet_is_named(cycle):
    """The Instructions sheet promises that nothing typed is lost: with its protection
    taken off, what an officer types on it (beside, below or over the issued lines) is
    named by cell; the issued lines themselves are not."""
    from cip_xl import return_extras
    from cip_xl.returns import INSTRUCTIONS_SHEET

    plan_path, folder = cycle
    place = return_for(folder, "Place")
    wb = openpyxl.load_workbook(place)
    guide = wb[INSTRUCTIONS_SHEET]
    issued_lines = guide.max_row
    assert return_extras._INSTRUCTION_LINES == issued_lines
    assert guide.protection.sheet and not cip_xl.api.merge(plan_path, [place]).findings
    guide.protection.sheet = False
    guide["B3"] = "Note for Sam: 5.2 needs your sign-off"
    guide["A5"] = "What to do (ignore 3, we have no new actions)"
    guide.cell(issued_lines + 3, 1, "Late because of the election")
    wb.save(place)
    found = [f for f in cip_xl.api.merge(plan_path, [place]).findings
             if f.code == "return-instructions-typed"]
    assert {(f.sheet, f.cell) for f in found} == {
        (INSTRUCTIONS_SHEET, "A5"), (INSTRUCTIONS_SHEET, "B3"),
        (INSTRUCTIONS_SHEET, f"A{issued_lines + 3}")}
    assert any("Note for Sam" in f.message for f in found)


def _with_threaded_comment(path, sheet_part, ref, texts):
    """Add an Excel 365 threaded comment (a comment and its replies) on ``ref`` of the
    sheet in ``sheet_part``, as Excel writes it beside the placeholder note it keeps for
    older versions (which the caller has put on the cell)."""
    import zipfile

    from .corpus import rezip

    ns = "http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments"
    first = "{11111111-2222-3333-4444-555555555555}"
    items = [f'<threadedComment ref="{ref}" dT="2026-11-20T09:00:00.00" '
             f'personId="{{00000000-0000-0000-0000-000000000001}}" '
             f'id="{first if i == 0 else "{%08d-0000-0000-0000-000000000000}" % i}"'
             + (f' parentId="{first}"' if i else "") + f"><text>{text}</text></threadedComment>"
             for i, text in enumerate(texts)]
    thread = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              f'<ThreadedComments xmlns="{ns}">{"".join(items)}</ThreadedComments>')
    rels_part = sheet_part.replace("worksheets/", "worksheets/_rels/") + ".rels"
    with zipfile.ZipFile(path) as archive:
        rels = archive.read(rels_part).decode()
        types = archive.read("[Content_Types].xml").decode()
    rels = rels.replace("</Relationships>", '<Relationship Id="rIdTc1" Type="http://schemas'
                        '.microsoft.com/office/2017/10/relationships/threadedComment" '
                        'Target="../threadedComments/threadedComment1.xml"/></Relationships>')
    types = types.replace("</Types>", '<Override PartName="/xl/threadedComments/threaded'
                          'Comment1.xml" ContentType="application/vnd.ms-excel.threadedcomments'
                          '+xml"/></Types>')
    moved = path.with_suffix(".tmp.xlsx")
    rezip(path, moved, {rels_part: rels.encode(), "[Content_Types].xml": types.encode(),
                        "xl/threadedComments/threadedComment1.xml": thread.encode()})
    moved.replace(path)


def test_notes_on_a_return_are_kept_as_comments_or_named(cycle):
    """The Return sheet's protection lets officers attach notes and (Excel 365) threaded
    comments: one on an action's row reaches the Change requests sheet as a comment on
    that action, once however often the return is merged; any other is a finding."""
    from openpyxl.comments import Comment

    from cip_xl.fastbook import FastWorkbook

    plan_path, folder = cycle
    place = return_for(folder, "Place")
    wb = openpyxl.load_workbook(place)
    ws = wb[RETURN_SHEET]
    ws["L2"].comment = Comment("Jo Bloggs:\nSee the cabinet paper of 12 November", "Jo")
    ws["K3"].comment = Comment("[Threaded comment]\n\nYour version of Excel allows you to "
                               "read this threaded comment; however...", "tc")
    ws["A1"].comment = Comment("Why is 5.4 not on my list?", "Jo")
    wb.save(place)
    sheet_part = FastWorkbook(place).sheet_part(RETURN_SHEET)
    _with_threaded_comment(place, sheet_part, "K3", ["Waiting on legal", "Chased 19/11"])

    for _ in range(2):
        result = cip_xl.api.merge(plan_path, [place])
        requests = [r for r in sheet_rows(plan_path, "Change requests")
                    if r and "note on the cell" in str(r)]
        assert len(requests) == 2, requests
    by_ref = {r[4]: r for r in requests}
    assert by_ref["5.1"][5:7] == ["Comment", "Jo Bloggs:\nSee the cabinet paper of 12 November"]
    assert by_ref["5.2"][5:7] == ["Comment", "Waiting on legal\nChased 19/11"]
    assert "Your version of Excel" not in str(requests)
    assert [(f.code, f.cell) for f in result.findings] == [("return-note", "A1")]
    assert "Why is 5.4 not on my list?" in result.findings[0].message


def test_one_departments_return_issued_again_leaves_the_others_good(cycle, tmp_path):
    """'returns --department' issues one department's return again, from the plan as it
    is now, at the same revision: every other return already sent still merges, and
    only the new one is awaited. The replaced return, if its officer filled it in
    anyway, merges as an earlier copy of the new one: nothing need be typed again."""
    plan_path, folder = cycle
    old_place, resources = return_for(folder, "Place"), return_for(folder, "Resources")
    edit_return(old_place, {("5.1", "Progress update"): "In the replaced return",
                            ("5.3", "Progress update"): "Only in the replaced return"})
    set_saved_time(old_place, datetime(2026, 11, 20, 16, 5))
    edit_return(resources, {("1.1", "Progress update"): "Budget consultation closed"})
    plan = cip_xl.load_plan(plan_path)
    moved = next(a for a in plan.actions if a.ref == "5.2")
    revision, issued = plan.settings.revision, len(plan.returns_log)
    moved.key_action += " (scope widened)"
    cip_xl.save_plan(plan, plan_path)

    result = run_cli("returns", str(plan_path), "-o", str(tmp_path / "again"),
                     "--department", " place ")
    assert result.returncode == 0, result.stderr
    assert "Issued 1 return again" in result.stdout
    assert f"This replaces {old_place.name}" in result.stderr and "[return-replaced]" in \
        result.stderr
    new_place = return_for(tmp_path / "again", "Place")
    plan = cip_xl.load_plan(plan_path)
    assert plan.settings.revision == revision and len(plan.returns_log) == issued + 1
    assert next(a for a in plan.actions if a.ref == "5.2").key_action.endswith("widened)")
    rows = {r[0]: r for r in sheet_rows(new_place, RETURN_SHEET)[1:]}
    assert rows["5.2"][3].endswith("(scope widened)")

    merged = cip_xl.api.merge(plan_path, [old_place])
    assert [(f.code, f.severity) for f in merged.findings] == [("return-reissued", "warning")]
    assert new_place.name in merged.findings[0].message
    assert "still awaited" in merged.findings[0].message
    assert action(plan_path, "5.1").progress_update == "In the replaced return"
    assert action(plan_path, "5.3").progress_update == "Only in the replaced return"

    # the officer types the new return as well, later: where both set a cell, the later
    # one wins; what only the old one set stays
    edit_return(new_place, {("5.1", "Progress update"): "In the new return"})
    set_saved_time(new_place, datetime.now())  # issued just now, by the command above
    result = cip_xl.api.merge(plan_path, [resources, new_place])
    assert [(f.code, f.cell) for f in result.findings] == [("copy-replaced", "L2")]
    assert action(plan_path, "1.1").progress_update == "Budget consultation closed"
    assert action(plan_path, "5.1").progress_update == "In the new return"
    assert action(plan_path, "5.3").progress_update == "Only in the replaced return"
    assert sorted(result.missing) == ["Chief Executive's Office", "People & Communities"]

    unknown = run_cli("returns", str(plan_path), "-o", str(tmp_path / "none"),
                      "--department", "Parks")
    assert unknown.returncode == 2 and "No return for 'Parks'" in unknown.stderr
    assert "Place" in unknown.stderr and not (tmp_path / "none").exists()
    assert "Did you mean" not in unknown.stderr
    typo = run_cli("returns", str(plan_path), "-o", str(tmp_path / "none"),
                   "--department", "Plce")
    assert typo.returncode == 2 and "Did you mean 'Place'?" in typo.stderr


def test_a_replaced_return_gives_up_the_actions_that_moved_away(cycle, tmp_path):
    """Action 5.2 moved from Place to Resources and both returns were issued again. The
    old Place return, filled in anyway, still merges for the actions Place holds; what
    it says of 5.2 is listed with its cell and text, and left to the Resources return.
    Merged after the new Place return, an older copy replaces nothing."""
    plan_path, folder = cycle
    old_place = return_for(folder, "Place")
    edit_return(old_place, {("5.1", "Progress update"): "Old: consultation under way",
                            ("5.2", "Progress update"): "Old: about 5.2"})
    set_saved_time(old_place, datetime(2026, 11, 20, 16, 5))
    plan = cip_xl.load_plan(plan_path)
    before = next(a for a in plan.actions if a.ref == "5.2").progress_update
    next(a for a in plan.actions if a.ref == "5.2").lead_officer = "HF"  # to Resources
    cip_xl.save_plan(plan, plan_path)
    for department in ("Place", "Resources"):
        cip_xl.api.issue_returns(plan_path, tmp_path / "again", departments=[department],
                                 when=datetime(2026, 11, 21, 9))
    new_place = return_for(tmp_path / "again", "Place")
    edit_return(new_place, {("5.1", "Progress update"): "New: consultation closed"})
    set_saved_time(new_place, datetime(2026, 11, 22, 10, 0))

    cip_xl.api.merge(plan_path, [new_place])
    result = cip_xl.api.merge(plan_path, [old_place])
    found = [(f.code, f.cell) for f in result.findings]
    assert found == [("return-reissued", None), ("clash", "L2"), ("action-moved", "L3")]
    assert "saved before that one" in result.findings[1].message
    moved = result.findings[2]
    assert "now in the Resources return" in moved.message and \
        "'Old: about 5.2'" in moved.message and moved.severity == "error"
    assert action(plan_path, "5.1").progress_update == "New: consultation closed"
    assert action(plan_path, "5.2").progress_update == before


def test_next_quarter_names_the_returns_never_merged(cycle, tmp_path):
    """Once some of the round's returns are in, the next round starts without asking,
    and names the departments whose returns were never merged: from now on merging
    them is refused."""
    plan_path, folder = cycle
    cip_xl.api.merge(plan_path, [return_for(folder, "Place"), return_for(folder, "Resources")])
    issued = cip_xl.api.issue_returns(plan_path, tmp_path / "q4",
                                      when=datetime(2026, 11, 20, 9))
    assert len(issued) == 4
    assert [(f.code, f.severity) for f in issued.findings] == [
        ("returns-never-merged", "warning")]
    assert "2 return(s) of the last round (revision 2, issued 02/11/2026 09:00) were " \
        "never merged: Chief Executive's Office, People & Communities." in \
        issued.findings[0].message


def test_a_round_issued_far_from_the_reporting_date_is_warned_of(example_path, tmp_path):
    """The reporting date left at last quarter's end (30/09/2026) when the next round
    goes out in January: the returns would ask for progress as at September."""
    issued = cip_xl.api.issue_returns(example_path, tmp_path / "q4",
                                      when=datetime(2027, 1, 12, 9))
    assert [(f.code, f.severity) for f in issued.findings] == [
        ("reporting-date-far", "warning")]
    assert "30/09/2026, 104 days before today" in issued.findings[0].message
    assert "--new-round --reporting-date 31/12/2026" in issued.findings[0].message
    again = cip_xl.api.issue_returns(example_path, tmp_path / "q3", new_round=True,
                                     when=datetime(2026, 10, 5, 9))  # days after it: fine
    assert [f.code for f in again.findings] == ["returns-never-merged"]


def test_a_department_is_named_as_people_type_it(cycle, tmp_path):
    """--department takes a name as typed at a prompt: 'people and communities' for
    "People & Communities", 'chief executives office' for "Chief Executive's Office"
    (both were refused, with 'did you mean')."""
    plan_path, _ = cycle
    result = run_cli("returns", str(plan_path), "-o", str(tmp_path / "again"),
                     "--department", "people and communities",
                     "--department", "chief executives office")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Issued 2 returns again" in result.stdout
    assert return_for(tmp_path / "again", "People & Communities").is_file()
    assert return_for(tmp_path / "again", "Chief Executive's Office").is_file()


def test_issuing_one_return_again_warns_of_a_department_it_leaves_behind(cycle, tmp_path):
    """Moving an action from Place to Resources and issuing only Place again leaves the
    action in no return: the manager is told Resources' return no longer matches."""
    plan_path, _ = cycle
    plan = cip_xl.load_plan(plan_path)
    sent = {r.department: r.actions for r in plan.returns_log}
    next(a for a in plan.actions if a.ref == "5.2").lead_officer = "HF"  # to Resources
    cip_xl.save_plan(plan, plan_path)
    issued = cip_xl.api.issue_returns(plan_path, tmp_path / "again", departments=["Place"])
    assert [(i.department, i.actions) for i in issued] == [("Place", sent["Place"] - 1)]
    assert [(f.code, f.severity) for f in issued.findings] == [
        ("return-replaced", "info"), ("returns-department-changed", "warning")]
    assert issued.findings[1].message.startswith("The return of this round for Resources")
    assert '--department "Resources"' in issued.findings[1].message
    issued = cip_xl.api.issue_returns(plan_path, tmp_path / "again", departments=["Resources"])
    assert [f.code for f in issued.findings] == ["return-replaced"]
    assert issued[0].actions == sent["Resources"] + 1

    # a round issued by lead officer is issued again the same way, without --by
    cip_xl.api.issue_returns(plan_path, tmp_path / "by-officer", by="officer",
                             new_round=True)
    issued = cip_xl.api.issue_returns(plan_path, tmp_path / "by-officer", departments=["hf"])
    assert [i.department for i in issued] == ["HF"]
    assert [f.code for f in issued.findings] == ["return-replaced"]


def test_pictures_and_text_boxes_put_on_a_return_are_named(cycle):
    """A screenshot pasted as evidence and a text box typed into are in the sheet's
    drawing, not its cells: each is named with its sheet, cell and text, and the rest
    of the return merges as usual."""
    import io
    import zipfile

    from openpyxl.drawing.image import Image as SheetImage
    from PIL import Image

    from .corpus import rezip

    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "See the screenshot"})
    wb = openpyxl.load_workbook(place)
    picture = io.BytesIO()
    Image.new("RGB", (40, 20), "red").save(picture, "PNG")
    wb[RETURN_SHEET].add_image(SheetImage(picture), "L3")
    wb.save(place)
    with zipfile.ZipFile(place) as archive:
        drawing = next(n for n in archive.namelist() if n.startswith("xl/drawings/drawing"))
        xml = archive.read(drawing).decode()
    text_box = (
        '<xdr:twoCellAnchor xmlns:xdr="http://schemas.openxmlformats.org/drawingml/2006/'
        'spreadsheetDrawing" xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        "<xdr:from><xdr:col>13</xdr:col><xdr:colOff>0</xdr:colOff><xdr:row>4</xdr:row>"
        "<xdr:rowOff>0</xdr:rowOff></xdr:from><xdr:to><xdr:col>15</xdr:col><xdr:colOff>0"
        "</xdr:colOff><xdr:row>8</xdr:row><xdr:rowOff>0</xdr:rowOff></xdr:to><xdr:sp>"
        '<xdr:nvSpPr><xdr:cNvPr id="9" name="TextBox 1"/><xdr:cNvSpPr txBox="1"/></xdr:nvSpPr>'
        "<xdr:spPr/><xdr:txBody><a:bodyPr/><a:p><a:r><a:t>Delayed by the </a:t></a:r>"
        "<a:r><a:t>election</a:t></a:r></a:p><a:p><a:r><a:t>Ask Sam</a:t></a:r></a:p>"
        "</xdr:txBody></xdr:sp><xdr:clientData/></xdr:twoCellAnchor>")
    end = xml.rindex("</")
    moved = place.with_suffix(".tmp.xlsx")
    rezip(place, moved, {drawing: (xml[:end] + text_box + xml[end:]).encode()})
    moved.replace(place)

    result = cip_xl.api.merge(plan_path, [place])
    assert action(plan_path, "5.1").progress_update == "See the screenshot"
    objects = {f.cell: f for f in result.findings if f.code == "return-object"}
    assert set(objects) == {"L3", "N5"} and len(result.findings) == 2
    assert objects["L3"].message.startswith("A picture") and \
        objects["L3"].sheet == RETURN_SHEET and objects["L3"].severity == "error"
    assert "'Delayed by the election\nAsk Sam'" in objects["N5"].message
    assert "TextBox 1" in objects["N5"].message


def test_missing_returns_are_listed_and_report_written(cycle, tmp_path):
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    report = tmp_path / "merge.md"
    result = run_cli("merge", str(plan_path), str(place), "--report", str(report))
    assert "Returns not yet received" in result.stdout
    text = report.read_text(encoding="utf-8")
    assert "## Returns not yet received" in text and "- Resources" in text
    xlsx = tmp_path / "merge.xlsx"
    resources = return_for(folder, "Resources")
    edit_return(resources, {("2.1", "Progress update"): "=see the budget note",
                            ("2.2", "% complete"): 40})
    cip_xl.api.merge(plan_path, [resources], report=xlsx)
    rows = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name("Merge report") \
        .to_python()
    assert rows[0] == ["Return", "Department", "Kind", "Ref", "Field or severity", "Was",
                       "Now or finding", "Where"]
    applied = {(r[3], r[4]): r for r in rows if r[2] == "applied"}
    assert applied[("2.1", "Progress update")][6] == "=see the budget note"
    assert applied[("2.2", "% complete")][6] == 40
    assert applied[("2.1", "Progress update")][7].startswith(f"{resources.name}!Return!L")
    # one row per officer's edit as "applied": what the report's summary counts
    assert len(applied) == 2 and {r[4] for r in rows if r[2] == "set by merge"} == \
        {"Last updated"}
    missing = [r for r in rows if r[2] == "missing"]
    assert missing and all(r[6] == "return not yet received" for r in missing)
    # the headings are marked as a table's header row, over every row written;
    # the officer's "=..." is text, never a formula
    sheet = openpyxl.load_workbook(xlsx)["Merge report"]
    assert [t.ref for t in sheet.tables.values()] == [f"A1:H{len(rows)}"]
    assert (sheet.parent.properties.title, sheet.parent.properties.language) == \
        (f"Merge report: {plan_path.name}", "en-GB")
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    # printed across the page's width, as many pages down as it takes (fitToHeight 0:
    # left out, Excel squeezed a long report onto a single page)
    assert (sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (1, 0)
    typed = next(c for c in sheet["G"] if c.value == "=see the budget note")
    assert typed.data_type == "s"
    # long texts wrap whole, on rows tall enough to show them, read from the top
    was = sheet.cell(typed.row, 6)
    assert typed.alignment.wrap_text and was.alignment.wrap_text
    assert sheet.cell(typed.row, 1).alignment.vertical == "top"
    if len(str(was.value)) > 40:
        assert sheet.row_dimensions[typed.row].height >= 30
    assert sheet.page_setup.orientation == "landscape" and sheet.print_title_rows == "$1:$1"
    plan = cip_xl.load_plan(plan_path)
    assert {r.department for r in plan.returns_log if r.merged} == {"Place", "Resources"}


def test_a_held_lock_refuses_with_the_holders_name(cycle):
    plan_path, folder = cycle
    lock = plan_path.with_name(f".{plan_path.name}.lock")
    lock.write_text(json.dumps({"user": "jsmith", "host": "another-pc", "pid": 1,
                                "since": "2026-09-30T10:00:00"}), encoding="utf-8")
    before = plan_path.read_bytes()
    result = run_cli("merge", str(plan_path), str(return_for(folder, "Place")))
    assert result.returncode == 2 and "jsmith on another-pc" in result.stderr
    assert plan_path.read_bytes() == before
    # held for weeks: a crash, and the message says so; held a minute: wait
    assert "since 30/09/2026 10:00" in result.stderr and "days ago" in result.stderr
    assert "most likely crashed" in result.stderr
    lock.write_text(json.dumps({"user": "jsmith", "host": "another-pc", "pid": 1,
                                "since": datetime.now().isoformat(timespec="seconds")}),
                    encoding="utf-8")
    result = run_cli("merge", str(plan_path), str(return_for(folder, "Place")))
    assert result.returncode == 2 and "Wait for it to finish" in result.stderr


@pytest.mark.parametrize("owner_name", ["~$Corporate Improvement Plan 2026-27.xlsx",
                                        "~$rporate Improvement Plan 2026-27.xlsx"])
def test_a_master_open_in_excel_is_not_saved_under_it(cycle, owner_name):
    """Excel's owner file beside the master — named '~$' and the name, or '~$' over a
    long name's first two characters — means someone has it open: their next Save would
    write back the plan as they opened it, so the merge is refused, master untouched."""
    plan_path, folder = cycle
    master = plan_path.rename(plan_path.with_name("Corporate Improvement Plan 2026-27.xlsx"))
    owner = master.with_name(owner_name)
    owner.write_bytes(b"\x06jsmith" + b" " * 47 + b"\x06\x00j\x00s\x00m\x00i\x00t\x00h")
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "Typed while the master was open"})
    before = master.read_bytes()
    result = run_cli("merge", str(master), str(place))
    assert result.returncode == 2 and "open in Excel by jsmith" in result.stderr
    assert owner_name in result.stderr and master.read_bytes() == before
    owner.unlink()
    assert run_cli("merge", str(master), str(place)).returncode == 0
    assert action(master, "5.1").progress_update == "Typed while the master was open"


def test_who_has_a_file_open_is_read_from_the_office_suites_lock_file(tmp_path):
    """Excel's and Word's owner files (the name's length in a byte, the name, then the
    name again in UTF-16 at byte 55 for Excel, 54 for Word; Word's over the first one
    or two characters of the file's name) and LibreOffice's lock file (its fields
    separated by commas, a backslash escaping one) name who has a file open."""
    from cip_xl.locking import open_elsewhere

    def owner(name: str, at: int) -> bytes:
        ansi = name.encode("cp1252")
        head = bytes([len(ansi)]) + ansi
        return head + b" " * (at - len(head)) + bytes([len(name), 0]) + \
            name.encode("utf-16-le") + b" \x00" * 40

    plan = tmp_path / "plan.xlsx"
    assert open_elsewhere(plan) is None
    (tmp_path / "~$plan.xlsx").write_bytes(owner("Zoë Brown", 55))
    opened = open_elsewhere(plan)
    assert (opened.application, opened.who) == ("Excel", "Zoë Brown")
    for name, lock in (("summary.docx", "~$ummary.docx"), ("report-q3.docx", "~$port-q3.docx")):
        (tmp_path / lock).write_bytes(owner("clerk", 54))
        opened = open_elsewhere(tmp_path / name)
        assert (opened.application, opened.who, opened.lock_file.name) == ("Word", "clerk",
                                                                           lock)
    (tmp_path / ".~lock.returned.xlsx#").write_text(
        "Smith\\, Jane,jsmith,LAPTOP-7,03.12.2026 09:14,file:///C:/Users/jsmith;",
        encoding="utf-8")
    opened = open_elsewhere(tmp_path / "returned.xlsx")
    assert opened.describe() == ("open in LibreOffice by Smith, Jane on LAPTOP-7 since "
                                 "03/12/2026 09:14 (its lock file .~lock.returned.xlsx# "
                                 "is beside it)")
    (tmp_path / ".~lock.blank.xlsx#").write_bytes(b"")
    assert open_elsewhere(tmp_path / "blank.xlsx").describe() == \
        "open in LibreOffice (its lock file .~lock.blank.xlsx# is beside it)"


def test_a_master_open_in_libreoffice_is_not_saved_under_it(cycle):
    """LibreOffice's lock file beside the master: refused like Excel's owner file,
    naming who has it open; nothing changed."""
    plan_path, folder = cycle
    lock = plan_path.with_name(f".~lock.{plan_path.name}#")
    lock.write_text(",jsmith,LAPTOP-7,03.12.2026 09:14,file:///home/jsmith/.config;",
                    encoding="utf-8")
    before = plan_path.read_bytes()
    result = run_cli("merge", str(plan_path), str(return_for(folder, "Place")))
    assert result.returncode == 2, result.stdout
    assert "is open in LibreOffice by jsmith on LAPTOP-7 since 03/12/2026 09:14" \
        in result.stderr and lock.name in result.stderr
    assert plan_path.read_bytes() == before
    lock.unlink()
    assert run_cli("merge", str(plan_path), str(return_for(folder, "Place"))).returncode == 0


def test_a_stale_lock_from_a_dead_process_is_taken_over(cycle):
    plan_path, folder = cycle
    import socket
    lock = plan_path.with_name(f".{plan_path.name}.lock")
    lock.write_text(json.dumps({"user": "x", "host": socket.gethostname(), "pid": 999999}),
                    encoding="utf-8")
    assert cip_xl.api.merge(plan_path, [return_for(folder, "Place")]).outcomes
    assert not lock.exists()


def test_a_lock_held_by_a_running_process_on_this_computer_is_not_taken(cycle):
    """A second merge started on the same computer (the ribbon button pressed twice)
    while the first still runs is refused, naming the job, and changes nothing."""
    import socket
    import subprocess
    import sys

    plan_path, folder = cycle
    lock = plan_path.with_name(f".{plan_path.name}.lock")
    first = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock.write_text(json.dumps({"user": "x", "host": socket.gethostname(),
                                    "pid": first.pid, "purpose": "merging returns",
                                    "since": datetime.now().isoformat(timespec="seconds")}),
                        encoding="utf-8")
        before = plan_path.read_bytes()
        result = run_cli("merge", str(plan_path), str(return_for(folder, "Place")))
        assert result.returncode == 2 and "merging returns" in result.stderr
        assert plan_path.read_bytes() == before and lock.exists()
    finally:
        first.kill()
        first.wait()
    assert run_cli("merge", str(plan_path), str(return_for(folder, "Place"))).returncode == 0


class _Kernel32:
    """A stand-in for Windows' kernel32: the processes it knows, by pid, with their
    exit codes (259: still running), and those another user owns."""

    def __init__(self, exit_codes: dict[int, int], others: set[int]) -> None:
        self.exit_codes, self.others = exit_codes, others
        self.error, self.open = 0, set()

    def OpenProcess(self, access, inherit, pid):  # noqa: N802 (Windows' name)
        assert access == 0x1000 and not inherit  # only the right to ask its exit code
        if pid in self.others or pid not in self.exit_codes:
            self.error = 5 if pid in self.others else 87
            return 0
        self.open.add(pid)
        return pid

    def GetExitCodeProcess(self, handle, code):  # noqa: N802
        code._obj.value = self.exit_codes[handle]
        return 1

    def CloseHandle(self, handle):  # noqa: N802
        self.open.remove(handle)
        return 1


def test_on_windows_the_lock_asks_windows_whether_its_holder_runs(monkeypatch):
    """On Windows os.kill(pid, 0) sends CTRL_C_EVENT (signal 0 there), which fails for
    nearly every process: a running merge's lock looked abandoned and a second merge
    took it over. There, the lock asks Windows about the process instead."""
    from cip_xl import locking

    kernel32 = _Kernel32({100: 259, 200: 0}, others={300})
    assert locking._runs_on_windows(100, kernel32, lambda: kernel32.error)  # running
    assert not locking._runs_on_windows(200, kernel32, lambda: kernel32.error)  # ended
    assert not locking._runs_on_windows(400, kernel32, lambda: kernel32.error)  # gone
    assert locking._runs_on_windows(300, kernel32, lambda: kernel32.error)  # another user's
    assert not kernel32.open  # every handle closed

    asked = []
    monkeypatch.setattr(locking.os, "name", "nt")
    monkeypatch.setattr(locking.os, "kill", lambda *a: pytest.fail("os.kill used on Windows"))
    monkeypatch.setattr(locking, "_runs_on_windows", lambda pid: asked.append(pid) or True)
    assert locking._alive(12345) and asked == [12345]


def test_an_empty_lock_left_by_a_crash_is_taken_over(cycle):
    """A process killed between creating its lock and writing who it is (older cip-xl;
    file systems without hard links) left an empty lock that named nobody and blocked
    every merge for good. Once it has sat empty for a while it is taken over; a fresh
    one asks to wait, naming the file."""
    plan_path, folder = cycle
    lock = plan_path.with_name(f".{plan_path.name}.lock")
    lock.write_bytes(b"")
    result = run_cli("merge", str(plan_path), str(return_for(folder, "Place")))
    assert result.returncode == 2 and "does not say who holds it" in result.stderr
    assert lock.name in result.stderr
    a_minute_ago = time.time() - 60
    os.utime(lock, (a_minute_ago, a_minute_ago))
    assert run_cli("merge", str(plan_path), str(return_for(folder, "Place"))).returncode == 0
    assert not lock.exists()


def test_a_lock_is_never_seen_without_its_holder(cycle):
    """The lock appears already naming its holder (written aside, then linked into
    place), and what a killed process left while taking one is tidied away."""
    import socket

    from cip_xl.locking import plan_lock

    plan_path, _ = cycle
    lock = plan_path.with_name(f".{plan_path.name}.lock")
    leftover = lock.with_name(f"{lock.name}.999999.0badf00d")
    leftover.write_text(json.dumps({"user": "x", "host": socket.gethostname(),
                                    "pid": 999999}), encoding="utf-8")
    # killed while writing it (a merge killed at random left one, once in a few hundred
    # runs): empty, or half its record — told by the process its name gives
    lock.with_name(f"{lock.name}.999998.1badf00d").write_text("", encoding="utf-8")
    lock.with_name(f"{lock.name}.999997.2badf00d").write_text('{"user": "x", "ho',
                                                              encoding="utf-8")
    alive = lock.with_name(f"{lock.name}.{os.getpid()}.3badf00d")
    alive.write_text("", encoding="utf-8")  # being written by a process still running
    with plan_lock(plan_path, "issuing returns"):
        held = json.loads(lock.read_text(encoding="utf-8"))
        assert held["pid"] == os.getpid() and held["purpose"] == "issuing returns"
        assert sorted(p.name for p in plan_path.parent.glob(".*lock*")) == \
            sorted([lock.name, alive.name])
    assert not lock.exists()


def test_where_there_are_no_hard_links_the_lock_is_still_taken_once(cycle, monkeypatch):
    """On a share without hard links the lock falls back to exclusive creation: it is
    taken, names its holder, refuses a second taker and goes when released."""
    from cip_xl.locking import plan_lock

    def no_links(*args):
        raise OSError(95, "Operation not supported")
    monkeypatch.setattr("os.link", no_links)
    plan_path, _ = cycle
    lock = plan_path.with_name(f".{plan_path.name}.lock")
    with plan_lock(plan_path, "merge"):
        assert json.loads(lock.read_text(encoding="utf-8"))["pid"] == os.getpid()
        with pytest.raises(cip_xl.PlanFileError) as second:
            with plan_lock(plan_path, "merge"):
                pass
        assert second.value.finding.code == "plan-locked"
    assert not lock.exists() and not list(plan_path.parent.glob(".*.lock.*"))


def test_a_folder_the_lock_cannot_be_written_in_is_one_clear_message(cycle, monkeypatch):
    """A read-only folder (or a full drive) stops the merge before anything is written,
    with a message about the folder, not an internal error."""
    from pathlib import Path

    plan_path, folder = cycle
    refuse = Path.write_text

    def read_only(self, *args, **kwargs):
        if ".lock." in self.name:
            raise PermissionError(13, "Permission denied")
        return refuse(self, *args, **kwargs)
    monkeypatch.setattr(Path, "write_text", read_only)
    before = plan_path.read_bytes()
    with pytest.raises(cip_xl.PlanFileError) as refused:
        cip_xl.api.merge(plan_path, [return_for(folder, "Place")])
    finding = refused.value.finding
    assert finding.code == "plan-folder-unwritable" and "Permission denied" in finding.message
    assert str(plan_path.parent) in finding.message and plan_path.read_bytes() == before


def test_non_return_files_are_refused_one_by_one(cycle, tmp_path):
    plan_path, folder = cycle
    junk = tmp_path / "junk.xlsx"
    junk.write_text("not a workbook", encoding="utf-8")
    another_plan = tmp_path / "another-plan.xlsx"
    shutil.copy(plan_path, another_plan)
    result = cip_xl.api.merge(plan_path, [junk, another_plan, return_for(folder, "Place")])
    assert [o.refused for o in result.outcomes] == [True, True, False]
    assert result.outcomes[0].findings[0].code == "file-not-xlsx"
    assert result.outcomes[1].findings[0].code == "return-unrecognised"
    assert "is a copy of a plan (it has a 'Plan' sheet), not a return" in \
        result.outcomes[1].findings[0].message


def test_percent_complete_pasted_as_a_percentage_is_taken_as_shown(cycle):
    """% complete pasted from a sheet that keeps fractions (0.65 shown as 65%) is taken
    as the 65 the officer saw, not as 0.65%; 0.4 in a cell formatted as a number (what
    typing 40% there keeps, showing 0) is taken as 40 with a warning naming the cell;
    "0.5%" typed as text is taken as it says."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    wb, cell = open_return(place)
    pasted = cell("5.4", "% complete")
    pasted.value, pasted.number_format = 0.65, "0%"
    plain = cell("5.3", "% complete")
    plain.value = 0.4
    cell("5.2", "% complete").value = "0.5%"
    wb.save(place)
    result = cip_xl.api.merge(plan_path, [place])
    assert action(plan_path, "5.4").percent_complete == 65
    assert action(plan_path, "5.3").percent_complete == 40
    assert action(plan_path, "5.2").percent_complete == 0.5
    warned = [f for f in result.findings if f.code == "return-percent-fraction"]
    assert [(f.severity, f.cell) for f in warned] == \
        [("warning", f"{plain.column_letter}{plain.row}")]


def test_a_month_typed_in_excel_on_a_return_means_the_months_end(cycle):
    """Excel turns "Sep 2027" typed as a proposed revised date into 1 September shown
    as Sep-27: the request is for 30 September, the month's end, as councils mean a
    month. A new action's target date typed so keeps the words, as the plan does."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    wb, cell = open_return(place)
    proposed = cell("5.3", "Proposed revised date")
    proposed.value, proposed.number_format = datetime(2027, 9, 1), "mmm-yy"
    new = wb[NEW_ACTIONS_SHEET]
    new["B2"] = "Publish the parking review"
    new["C2"], new["C2"].number_format = datetime(2027, 3, 1), "mmm-yy"
    wb.save(place)
    result = cip_xl.api.merge(plan_path, [place])
    requests = {r.kind: r for r in result.outcomes[0].requests}
    assert requests["Revised date"].proposed == date(2027, 9, 30)
    assert requests["New action"].target_date == "Mar 2027"


def test_a_proposed_date_years_away_is_flagged_at_merge(cycle):
    """A year mistyped on a return (2207 for 2027) would push the action out of sight
    for good once approved: the request is raised, with a warning naming the cell and
    the year likely meant."""
    plan_path, folder = cycle
    reporting = cip_xl.load_plan(plan_path).settings.reporting_date
    place = return_for(folder, "Place")
    slip = date(2207, 3, 31)
    edit_return(place, {("5.3", "Proposed revised date"): slip})
    result = cip_xl.api.merge(plan_path, [place])
    far = [f for f in result.findings if f.code == "return-date-far-off"]
    assert [(f.ref, f.severity, f.sheet) for f in far] == [("5.3", "warning", RETURN_SHEET)]
    assert "31 Mar 2207" in far[0].message and far[0].cell.startswith("M")
    assert f"{2207 - reporting.year} years after the reporting date: did you mean 2027?" \
        in far[0].message
    assert [r.proposed for r in result.outcomes[0].requests] == [slip]


def test_a_month_typed_without_its_year_on_a_return_is_explained(cycle):
    """"Mar 27" typed for March 2027 Excel keeps as 27 March of the year it is typed
    in, shown as 27-Mar: the request is raised for the date the cell holds, with a
    warning that says why it is in the past and which month was probably meant."""
    plan_path, folder = cycle
    reporting = cip_xl.load_plan(plan_path).settings.reporting_date
    place = return_for(folder, "Place")
    wb, cell = open_return(place)
    typed = cell("5.3", "Proposed revised date")
    typed.value, typed.number_format = datetime(reporting.year, 3, 27), "d-mmm"
    wb.save(place)
    result = cip_xl.api.merge(plan_path, [place])
    past = [f for f in result.findings if f.code == "return-date-past"]
    assert [f.cell for f in past] == [typed.coordinate]
    assert "27-Mar with no year" in past[0].message
    assert f"if Mar {2000 + 27} was meant" in past[0].message
    assert [r.proposed for r in result.outcomes[0].requests] == [date(reporting.year, 3, 27)]


@pytest.mark.libreoffice
def test_a_return_resaved_by_libreoffice_still_merges(cycle, tmp_path):
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.2", "Progress update"): "Adopted on 14 October — “design code”",
                        ("5.2", "Status"): "Complete", ("5.4", "% complete"): 65})
    resaved = convert_with_libreoffice(place, "xlsx", tmp_path / "lo")
    wb = openpyxl.load_workbook(resaved)
    # LibreOffice keeps the record sheet hidden (as "hidden", not "very hidden")
    assert wb["cipxl"].sheet_state in ("hidden", "veryHidden")
    assert wb[RETURN_SHEET].protection.sheet
    result = cip_xl.api.merge(plan_path, [resaved])
    assert not [f for f in result.findings if f.severity == "error"], result.findings
    assert action(plan_path, "5.2").progress_update == "Adopted on 14 October — “design code”"
    assert action(plan_path, "5.2").status == "Complete"
    assert action(plan_path, "5.4").percent_complete == 65


def test_a_return_saved_as_opendocument_merges_through_libreoffice(cycle, tmp_path,
                                                                   monkeypatch):
    """An officer who chose LibreOffice's own format sends back an .ods. Asked to
    (--convert-ods: it starts an office program on a file from outside, which cip-xl
    otherwise never does), LibreOffice converts the file and the return merges as the
    .xlsx would have, every finding naming the .ods, with a note saying how to keep
    the Excel format next time. Merged twice, nothing more changes. Not asked, the
    refusal says it can be."""
    from cip_xl import office

    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.2", "Progress update"): "Adopted on 14 October",
                        ("5.4", "% complete"): 65, ("5.1", "Target date"): "Jan 2030"})
    sent = convert_with_libreoffice(place, "ods", tmp_path / "sent")
    assert sent.suffix == ".ods"
    before = plan_path.read_bytes()
    with monkeypatch.context() as patched:
        patched.setattr(office, "convert", lambda *a, **k: pytest.fail("LibreOffice run"))
        refused = cip_xl.api.merge(plan_path, [sent])
    assert not refused.saved and plan_path.read_bytes() == before
    assert "--convert-ods" in refused.findings[0].message
    result = cip_xl.api.merge(plan_path, [sent], convert_ods=True)
    assert result.saved
    assert action(plan_path, "5.2").progress_update == "Adopted on 14 October"
    assert action(plan_path, "5.4").percent_complete == 65
    codes = {f.code: f for f in result.findings}
    assert codes["return-opendocument"].file == str(sent)
    locked = codes["locked-edit"]  # the target date, refused: named in the .ods
    assert locked.file == str(sent) and locked.cell.startswith(("F", "G", "H"))
    assert all(f.file in (str(sent), "", None) or f.file == str(plan_path)
               for f in result.findings), [f.file for f in result.findings]
    trail = cip_xl.load_plan(plan_path).audit
    assert any(e.new == "Adopted on 14 October" and sent.name in e.source for e in trail)
    before = plan_path.read_bytes()
    assert not cip_xl.api.merge(plan_path, [sent], convert_ods=True).saved and \
        plan_path.read_bytes() == before
    cli = run_cli("merge", str(plan_path), str(sent), "--convert-ods")
    assert cli.returncode == 1 and "merged" in cli.stdout  # (1: the target date refused)
    assert "could not be" not in cli.stdout and "--convert-ods" not in cli.stdout


@pytest.mark.libreoffice
def test_a_line_break_pasted_from_word_survives_the_quarter(example_path, tmp_path):
    """Word's manual line break is a vertical tab; pasted into a cell, Excel keeps it as
    the escape _x000B_ in the file. The plan reads it as the character, the return shows
    it, and merging that return untouched — or re-saved by LibreOffice — changes
    nothing: no "update" recorded, and the character is still in the master."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    columns = headers(ws)
    ref = ws.cell(2, columns["Ref"]).value
    ws.cell(2, columns["Progress update"]).value = "Options agreed_x000B_Budget set"
    wb.save(example_path)  # openpyxl writes the text as it is: Excel's escape
    pasted = "Options agreed\x0bBudget set"
    assert action(example_path, ref).progress_update == pasted
    folder = tmp_path / "returns"
    cip_xl.api.issue_returns(example_path, folder)
    issued = next(p for p in folder.glob("*.xlsx") if any(
        v == pasted for row in CalamineWorkbook.from_path(str(p))
        .get_sheet_by_name(RETURN_SHEET).to_python() for v in row))
    resaved = convert_with_libreoffice(issued, "xlsx", tmp_path / "lo")
    audit_before = len(cip_xl.load_plan(example_path).audit)
    for returned in (issued, resaved):
        result = cip_xl.api.merge(example_path, [returned])
        assert not result.outcomes[0].applied, result.outcomes[0].applied
    assert action(example_path, ref).progress_update == pasted
    assert len(cip_xl.load_plan(example_path).audit) == audit_before


def test_the_master_in_its_own_list_of_returns_is_left_out(cycle):
    """``cip-xl merge plan.xlsx *.xlsx`` run in the plan's own folder lists the master
    among the returns: it is left out with a sentence saying so, the returns are
    merged, and the exit code says something needs a look."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.3", "Progress update"): "Caddies delivered."})
    result = run_cli("merge", str(plan_path), str(plan_path), str(place))
    assert result.returncode == 1, result.stdout + result.stderr
    assert "plan.xlsx is the master plan being merged into, not a return" in result.stdout
    assert "return-is-master" in result.stdout and "Traceback" not in result.stderr
    assert action(plan_path, "5.3").progress_update == "Caddies delivered."


def set_setting(plan_path, label, value):
    """Type ``value`` into the Settings row ``label`` of the plan, as in Excel; return
    what was there."""
    wb = openpyxl.load_workbook(plan_path)
    settings = wb["Settings"]
    row = next(r for r in range(2, settings.max_row + 1)
               if settings.cell(r, 1).value == label)
    before, settings.cell(row, 2).value = settings.cell(row, 2).value, value
    wb.save(plan_path)
    return before


def test_a_plan_id_deleted_by_hand_is_named_and_can_be_typed_back(cycle):
    """The Plan ID is what ties returns to their master. Cleared by hand, validation
    says so (returns are out under it), a return is refused with the ID to type back
    rather than as "another plan", and typed back the return merges."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.3", "Progress update"): "Caddies delivered."})
    plan_id = set_setting(plan_path, "Plan ID", None)

    missing = [f for f in cip_xl.validate(plan_path).findings if f.code == "plan-id-missing"]
    assert [(f.severity, f.sheet) for f in missing] == [("error", "Settings")]
    result = cip_xl.merge(plan_path, [place])
    refusal, = result.findings
    assert refusal.code == "return-other-plan" and not result.saved
    assert f"type {plan_id} back into Settings" in refusal.message

    set_setting(plan_path, "Plan ID", plan_id)
    assert cip_xl.merge(plan_path, [place]).saved
    assert action(plan_path, "5.3").progress_update == "Caddies delivered."


def test_a_plan_revision_changed_by_hand_is_named(cycle):
    """Returns merge only at the plan's revision. Changed by hand in Settings (no
    returns were issued at the new one), validation warns and the refusal says to set
    it back, instead of "returns were issued again since"."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.3", "Progress update"): "Caddies delivered."})
    issued = set_setting(plan_path, "Plan revision", 7)

    changed = [f for f in cip_xl.validate(plan_path).findings if f.code == "revision-changed"]
    assert [(f.severity, f.sheet) for f in changed] == [("warning", "Settings")]
    refusal, = cip_xl.merge(plan_path, [place]).findings
    assert refusal.code == "return-old-revision"
    assert f"set it back to {issued}" in refusal.message

    set_setting(plan_path, "Plan revision", issued)
    assert not [f for f in cip_xl.validate(plan_path).findings
                if f.code == "revision-changed"]
    assert cip_xl.merge(plan_path, [place]).saved


@pytest.mark.parametrize("spelling, refused", [
    ("edited", True),       # what was issued changed by hand: its rows cannot be trusted
    ("respaced", False),    # the same record, written with other spacing: still trusted
])
def test_each_rows_issue_record_is_checked(cycle, spelling, refused):
    """The hidden record of what each row was issued with is checked against its
    fingerprint: an edited record refuses the return, master untouched; the same
    values written another way (an older writer's spacing) still merge."""
    from cip_xl.returns import META_SHEET

    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "Inspector's letter in"})
    wb = openpyxl.load_workbook(place)
    record = next(row for row in wb[META_SHEET].iter_rows()
                  if isinstance(row[3].value, str) and row[3].value.startswith("{"))
    values = json.loads(record[3].value)
    if spelling == "edited":
        values[next(iter(values))] = "Changed in the hidden sheet"
        record[3].value = json.dumps(values, sort_keys=True, ensure_ascii=False)
    else:
        record[3].value = json.dumps(values, sort_keys=True, ensure_ascii=False, indent=1)
    wb.save(place)
    before = plan_path.read_bytes()
    result = cip_xl.api.merge(plan_path, [place])
    if refused:
        assert [(f.code, f.sheet) for f in result.findings] == [("return-tampered",
                                                                 META_SHEET)]
        assert not result.saved and plan_path.read_bytes() == before
    else:
        assert result.saved and not result.findings
        assert action(plan_path, "5.1").progress_update == "Inspector's letter in"


def test_a_return_saved_as_opendocument_is_refused_with_the_way_back(cycle, tmp_path):
    """An officer working in LibreOffice may save the return in its own format (.ods):
    the merge names it and says how to send it as .xlsx, the master untouched."""
    import zipfile

    plan_path, folder = cycle
    ods = tmp_path / "Return_Place.ods"
    with zipfile.ZipFile(ods, "w") as package:  # what LibreOffice writes, in short
        package.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        package.writestr("content.xml", '<office:document-content xmlns:office="urn:'
                         'oasis:names:tc:opendocument:xmlns:office:1.0"/>')
        package.writestr("META-INF/manifest.xml", "<manifest/>")
    before = plan_path.read_bytes()
    result = cip_xl.api.merge(plan_path, [ods])
    refusal, = result.findings
    assert refusal.code == "file-foreign" and "OpenDocument" in refusal.message
    assert "save it as Excel 2007-365 (.xlsx)" in refusal.message
    assert not result.saved and plan_path.read_bytes() == before


def test_a_return_whose_sheet_was_renamed_says_so_and_merges_once_named_back(cycle):
    """An officer who lifts the workbook's structure protection and renames 'Return'
    was told the file was no cip-xl return at all; now it says which sheet to rename
    back, lists what was typed, and merges once it is."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "Typed on a renamed sheet"})
    wb = openpyxl.load_workbook(place)
    wb.security = None
    wb[RETURN_SHEET].title = "Place Q3"
    wb.save(place)
    before = plan_path.read_bytes()
    result = cip_xl.api.merge(plan_path, [place])
    codes = [f.code for f in result.findings]
    assert codes[0] == "return-sheet-renamed" and "'Place Q3'" in result.findings[0].message
    assert "typed-in-unrecognised-return" in codes and plan_path.read_bytes() == before
    wb = openpyxl.load_workbook(place)
    wb["Place Q3"].title = RETURN_SHEET
    wb.save(place)
    assert cip_xl.api.merge(plan_path, [place]).saved
    assert action(plan_path, "5.1").progress_update == "Typed on a renamed sheet"


def test_a_return_saved_as_an_excel_binary_workbook_is_refused_with_the_way_back(
        cycle, tmp_path):
    """Excel's Save As offers .xlsb, the binary format: named as such, with how to save
    it as .xlsx, the master untouched."""
    import zipfile

    plan_path, _ = cycle
    xlsb = tmp_path / "Return_Place.xlsb"
    with zipfile.ZipFile(xlsb, "w") as package:  # its parts, in short
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("xl/workbook.bin", b"\x83\x01\x00")
    before = plan_path.read_bytes()
    result = cip_xl.api.merge(plan_path, [xlsb])
    refusal, = result.findings
    assert refusal.code == "file-binary-workbook" and "(.xlsb)" in refusal.message
    assert "save it as an Excel Workbook (.xlsx)" in refusal.message
    assert not result.saved and plan_path.read_bytes() == before


@pytest.mark.parametrize("lock_name", [lambda name: "~$" + name, lambda name: "~$" + name[2:]],
                         ids=["prefixed", "over the first two characters"])
def test_excels_lock_file_beside_an_open_return_is_not_taken_for_one(cycle, lock_name):
    """``merge plan.xlsx returns/*.xlsx`` while a return is open in Excel also lists
    Excel's lock file (~$...): it is left out, not refused as a damaged workbook, and
    the return it belongs to is merged as last saved, with a warning saying so."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "Inspector's letter in"})
    lock = folder / lock_name(place.name)
    lock.write_bytes(b"\x0bA. Officer" + b" " * 43 + b"\x0b\x00A\x00.\x00" + b"\x00" * 100)
    result = cip_xl.api.merge(plan_path, sorted(folder.glob("*.xlsx")))
    assert lock not in [o.file for o in result.outcomes]
    assert [(f.code, f.file) for f in result.findings] == [("return-open-in-excel",
                                                            str(place))]
    assert "open in Excel by A. Officer" in result.findings[0].message
    assert result.saved and action(plan_path, "5.1").progress_update == "Inspector's letter in"


def test_a_return_open_in_libreoffice_is_merged_as_last_saved_with_a_warning(cycle):
    """A return named on its own (not by a folder or a pattern, which would list an
    Excel owner file too) that someone has open in LibreOffice or Excel: merged as
    last saved, with a warning naming who has it open."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "Inspector's letter in"})
    place.with_name(f".~lock.{place.name}#").write_text(
        "Jane Smith,jsmith,LAPTOP-7,03.12.2026 09:14,file:///home/jsmith;", encoding="utf-8")
    result = cip_xl.api.merge(plan_path, [place])
    assert [(f.code, f.file) for f in result.findings] == [("return-open-in-libreoffice",
                                                            str(place))]
    assert "open in LibreOffice by Jane Smith on LAPTOP-7" in result.findings[0].message
    assert result.saved and action(plan_path, "5.1").progress_update == "Inspector's letter in"


def _delete_action_ids(plan_path, renumber=None, new_row=None):
    """As in Excel: unhide and delete the Plan sheet's Action ID column, sort the rows
    the other way round, renumber an action, type a new one at the bottom."""
    wb = openpyxl.load_workbook(plan_path)
    ws = wb["Plan"]
    columns = [c.value for c in ws[1]]
    ws.delete_cols(columns.index("Action ID") + 1)
    width = len(columns) - 1
    rows = [[c.value for c in row] for row in ws.iter_rows(min_row=2, max_col=width)
            if row[0].value is not None]
    for r, values in enumerate(reversed(rows), start=2):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c).value = value
            if renumber and c == 1 and value == renumber[0]:
                ws.cell(r, c).value = renumber[1]
    if new_row:
        for c, value in enumerate(new_row, start=1):
            ws.cell(len(rows) + 2, c).value = value
    wb.save(plan_path)


def test_a_deleted_action_id_column_is_taken_back_from_the_backup(cycle):
    """The hidden Action ID column deleted in Excel (and the rows sorted, an action
    renumbered, one typed in) would have given every action a new ID at the next save:
    every return refused, the trail orphaned. Each action's ID is taken back from the
    newest backup, matched by Ref and Key action, and the return merges as issued."""
    plan_path, folder = cycle
    ids = {a.key_action: a.action_id for a in cip_xl.load_plan(plan_path).actions}
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "Consultation opened"})
    first = cip_xl.load_plan(plan_path).actions[0]
    _delete_action_ids(plan_path, renumber=("5.2", "5.2a"),
                       new_row=["6.1", first.theme, first.objective, "A brand new action"])

    found = [f for f in cip_xl.validate(plan_path).findings
             if f.code.startswith("action-id")]
    assert [(f.code, f.severity) for f in found] == [("action-ids-restored", "warning")]
    assert "given new IDs: 6.1." in found[0].message and "backups/plan." in found[0].message

    result = cip_xl.api.merge(plan_path, [place])
    assert result.saved and not [f for f in result.findings if f.severity == "error"]
    plan = cip_xl.load_plan(plan_path)
    assert action(plan_path, "5.1").progress_update == "Consultation opened"
    assert all(a.action_id == ids[a.key_action] for a in plan.actions
               if a.key_action in ids)
    assert next(a for a in plan.actions if a.ref == "5.2a").action_id == \
        ids[next(a for a in plan.actions if a.ref == "5.2a").key_action]
    # the column is back in the file, as an independent reader sees it
    rows = CalamineWorkbook.from_path(str(plan_path)).get_sheet_by_name("Plan").to_python()
    column = rows[0].index("Action ID")
    assert {r[column] for r in rows[1:] if r[0]} >= set(ids.values())


def test_an_action_added_by_the_last_save_keeps_its_id_when_the_column_goes(cycle):
    """An action added by the last save (approved, say) is not in the newest backup,
    which holds the plan before that save: its ID is taken back from the copy cip-xl
    keeps of each save, so the trail and its returns still know it."""
    from cip_xl.model import Action

    plan_path, _ = cycle
    plan = cip_xl.load_plan(plan_path)
    first = plan.actions[0]
    plan.actions.append(Action(ref="6.1", theme=first.theme, objective=first.objective,
                               key_action="Approved at the last save", lead_officer="HF"))
    cip_xl.save_plan(plan, plan_path)
    added = action(plan_path, "6.1").action_id
    _delete_action_ids(plan_path)

    found = [f for f in cip_xl.validate(plan_path).findings
             if f.code.startswith("action-id")]
    assert [f.code for f in found] == ["action-ids-restored"]
    assert "taken back from the copy kept of its last save (backups/plan.as-saved.xlsx)" \
        in found[0].message and "given new IDs" not in found[0].message
    assert cip_xl.refresh_status(plan_path).saved
    assert action(plan_path, "6.1").action_id == added


def test_action_ids_that_cannot_be_taken_back_stop_every_save(cycle):
    """With no backup to take the IDs from, nothing is guessed: merging, status and
    issuing returns are refused, the master untouched, and the message says how to put
    the column back."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "Consultation opened"})
    shutil.rmtree(plan_path.parent / "backups")
    _delete_action_ids(plan_path)
    before = plan_path.read_bytes()

    found = [f for f in cip_xl.validate(plan_path).findings
             if f.code.startswith("action-id")]
    assert [(f.code, f.severity) for f in found] == [("action-ids-missing", "error")]
    assert "there is no backup to take them from" in found[0].message
    for command in (["merge", str(plan_path), str(place)], ["status", str(plan_path)],
                    ["returns", str(plan_path), "-o", str(folder), "--new-round"]):
        refused = run_cli(*command)
        assert refused.returncode == 2 and "[action-ids-missing]" in refused.stderr
        assert "undo the change in Excel" in refused.stderr
    assert plan_path.read_bytes() == before
    assert len(list(folder.glob("*.xlsx"))) == 4  # no return issued


@pytest.mark.parametrize("sheet", ["Officers", "Settings", "Audit", "Change requests",
                                   "Returns"])
def test_a_deleted_sheet_of_records_is_written_again_from_the_last_save(cycle, sheet):
    """A sheet of records deleted in Excel (the officers' key, the Plan ID, the trail,
    undecided requests, the record of returns) is not written again empty: its records
    are taken from the copy kept of the last save. The merge goes ahead and says so,
    and the sheet is back in its place with everything it held."""
    plan_path, folder = cycle
    first = return_for(folder, "Resources")  # merged first: a trail and a request
    rows = CalamineWorkbook.from_path(str(first)).get_sheet_by_name(RETURN_SHEET).to_python()
    ref = rows[1][[str(h).rstrip(" ✎") for h in rows[0]].index("Ref")]
    edit_return(first, {(ref, "Progress update"): "Budget consultation closed",
                        (ref, "Proposed revised date"): date(2027, 6, 30)})
    assert cip_xl.merge(plan_path, [first]).saved
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "Consultation opened"})
    book = CalamineWorkbook.from_path(str(plan_path))
    names, held = book.sheet_names, book.get_sheet_by_name(sheet).to_python()
    assert len(held) > 1  # a heading and records
    wb = openpyxl.load_workbook(plan_path)
    del wb[sheet]
    wb.save(plan_path)
    merged = run_cli("merge", str(plan_path), str(place))
    assert merged.returncode in (0, 1), merged.stderr
    assert "[sheet-restored]" in merged.stdout
    assert f"has no '{sheet}' sheet (deleted?)" in merged.stdout
    book = CalamineWorkbook.from_path(str(plan_path))
    assert book.sheet_names == names
    now = book.get_sheet_by_name(sheet).to_python()
    if sheet == "Settings":  # the merge moves the revision on; the Plan ID stays
        assert [r for r in now if r[0] == "Plan ID"] == [r for r in held if r[0] == "Plan ID"]
    elif sheet == "Returns":  # the merge records itself beside the return it took
        assert [r[:6] for r in now] == [r[:6] for r in held]
    else:  # the logs grow below what they held
        assert now[:len(held)] == held
    assert {a.ref: a for a in cip_xl.load_plan(plan_path).actions}["5.1"] \
        .progress_update == "Consultation opened"


@pytest.mark.parametrize("sheet", ["Officers", "Audit"])
def test_a_deleted_sheet_of_records_with_no_copy_of_the_last_save_stops_every_save(
        cycle, sheet):
    """With no copy of the last save to take its records from (the plan moved without
    its backups folder), a sheet of records deleted in Excel would be written again
    empty by the next save, losing it for good: merge and status are refused, the
    master is untouched, and the message names the sheet and the backup to copy it
    from."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "Consultation opened"})
    wb = openpyxl.load_workbook(plan_path)
    del wb[sheet]
    wb.save(plan_path)
    saved_copy_path(plan_path).unlink()
    before = plan_path.read_bytes()
    for command in (["merge", str(plan_path), str(place)], ["status", str(plan_path)]):
        refused = run_cli(*command)
        assert refused.returncode == 2 and "[sheet-deleted]" in refused.stderr
        assert f"has no '{sheet}' sheet (deleted or renamed?)" in refused.stderr
        assert "backups/plan." in refused.stderr
    assert plan_path.read_bytes() == before
    found = [f.code for f in cip_xl.validate(plan_path).findings if f.severity == "error"]
    assert "sheet-deleted" in found


def test_sheets_of_cip_xls_own_are_rebuilt_and_a_renamed_one_can_be_named(cycle, tmp_path):
    """The Summary and the hidden Lists are cip-xl's own, rebuilt by the next save; a
    sheet of records renamed by the council is found once a profile names it."""
    plan_path, folder = cycle
    wb = openpyxl.load_workbook(plan_path)
    del wb["Summary"]
    del wb["Lists"]
    wb["Officers"].title = "Key"
    wb.save(plan_path)
    refused = run_cli("status", str(plan_path))
    assert refused.returncode == 2  # and the sheet that looks like it is named
    assert "The sheet 'Key' has the headings of 'Officers'" in refused.stderr
    # one error for the missing Officers sheet, not one per action's lead officer too
    errors = [f.code for f in cip_xl.validate(plan_path).findings if f.severity == "error"]
    assert "officer-unknown" not in errors and "sheet-deleted" in errors
    plan_path.with_name("cip-xl.ini").write_text("[sheets]\nofficers = Key\n",
                                                 encoding="utf-8")
    assert run_cli("status", str(plan_path)).returncode in (0, 1)
    names = CalamineWorkbook.from_path(str(plan_path)).sheet_names
    assert {"Summary", "Lists", "Key"} <= set(names) and "Officers" not in names
    assert len(cip_xl.load_plan(plan_path, profile=plan_path.with_name("cip-xl.ini"))
               .officers) > 5


@pytest.mark.parametrize("copy_as", [("5.9", "A similar new action"), None])
def test_a_row_copied_in_the_master_keeps_the_return_on_its_action(cycle, copy_as):
    """A row copied in Excel to start a similar action carries the hidden Action ID of
    the one copied. The return's row still goes to the action it was issued for (its
    Ref and Key action); a copy that cannot be told apart (nothing changed on it) takes
    nothing, and the officer's text is listed."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "Consultation opened"})
    wb = openpyxl.load_workbook(plan_path)
    ws = wb["Plan"]
    columns = {c.value: c.column for c in ws[1]}
    source = next(r for r in range(2, ws.max_row + 1)
                  if ws.cell(r, columns["Ref"]).value == "5.1")
    target = 2 + len(cip_xl.load_plan(plan_path).actions)
    for c in range(1, ws.max_column + 1):
        ws.cell(target, c).value = ws.cell(source, c).value
    if copy_as:
        ws.cell(target, columns["Ref"]).value = copy_as[0]
        ws.cell(target, columns["Key action"]).value = copy_as[1]
    wb.save(plan_path)
    before = action(plan_path, "5.1").progress_update

    result = cip_xl.api.merge(plan_path, [place])
    plan = cip_xl.load_plan(plan_path)
    ours = [a for a in plan.actions if a.row == source]
    theirs = [a for a in plan.actions if a.row == target]
    if copy_as:
        assert ours[0].progress_update == "Consultation opened"
        assert theirs[0].progress_update == before
        assert not [f for f in result.findings if f.severity == "error"]
    else:
        assert ours[0].progress_update == theirs[0].progress_update == before
        refused = [f for f in result.findings if f.code == "action-id-duplicate"]
        assert [f.cell for f in refused] == ["L2"]
        assert "'Consultation opened'" in refused[0].message
        assert "Refs 5.1, 5.1" in refused[0].message


def spreadsheet_2003(wb, path) -> None:
    """Save openpyxl's ``wb`` as Excel's "XML Spreadsheet 2003" writes a workbook: blank
    cells left out, the next cell placed by ss:Index, dates as ISO text, a heading's
    formatted words as HTML inside its Data."""
    from xml.sax.saxutils import escape

    sheets = []
    for ws in wb.worksheets:
        rows = []
        for number, row in enumerate(ws.iter_rows(values_only=True), start=1):
            cells, gap = [], False
            for column, value in enumerate(row, start=1):
                if value is None:
                    gap = True
                    continue
                index = f' ss:Index="{column}"' if gap else ""
                gap = False
                if isinstance(value, datetime):
                    data = f'<Data ss:Type="DateTime">{value:%Y-%m-%dT%H:%M:%S}.000</Data>'
                elif isinstance(value, (int, float)):
                    data = f'<Data ss:Type="Number">{value}</Data>'
                elif number == 1 and column == 1:
                    data = (f'<ss:Data ss:Type="String" xmlns="http://www.w3.org/TR/'
                            f'REC-html40"><B>{escape(value)}</B></ss:Data>')
                else:
                    data = f'<Data ss:Type="String">{escape(str(value))}</Data>'
                cells.append(f"<Cell{index}>{data}</Cell>")
            if cells:
                rows.append(f'<Row ss:Index="{number}">{"".join(cells)}</Row>')
        sheets.append(f'<Worksheet ss:Name="{escape(ws.title)}"><Table>{"".join(rows)}'
                      "</Table></Worksheet>")
    path.write_text(
        '<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
        '<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" '
        'xmlns:x="urn:schemas-microsoft-com:office:excel" '
        'xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet" '
        'xmlns:html="http://www.w3.org/TR/REC-html40">' + "".join(sheets) + "</Workbook>",
        encoding="utf-8")


@pytest.mark.parametrize("kept_as", ["ods", "xls", "own workbook", "csv", "unicode text",
                                     "xml 2003"])
def test_what_is_typed_in_a_workbook_that_cannot_be_merged_is_listed(cycle, tmp_path,
                                                                        kept_as):
    """A return saved in LibreOffice's own format (.ods; unless --convert-ods), as an
    old .xls, as CSV or Excel's Unicode Text (UTF-16), as an XML Spreadsheet 2003, or
    rows copied into a workbook of the officer's own, cannot be merged (no issue record
    to compare with). The refusal still lists, by sheet and cell, every value that is
    not what the master holds, and each new action proposed: nothing typed vanishes."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "Consultation opened",
                        ("5.2", "Status"): "Complete",
                        ("5.4", "Proposed revised date"): date(2027, 3, 31)})
    wb = openpyxl.load_workbook(place)
    wb[NEW_ACTIONS_SHEET]["B2"] = "Pilot a parklet scheme"
    wb.save(place)
    if kept_as == "own workbook":
        mine = openpyxl.Workbook()
        sheet = mine.active
        sheet.title = "Q3 update"
        sheet.append(["Place directorate: quarter 3"])  # a title above the headings
        for row in wb[RETURN_SHEET].iter_rows(values_only=True):
            sheet.append(list(row))
        sent = tmp_path / "Place update.xlsx"
        mine.save(sent)
        where = ("Q3 update", {"5.1": "L3", "5.2": "J4", "5.4": "M6"})
    elif kept_as == "csv":  # as Excel's "CSV (Comma delimited)" saves the sheet
        sent = tmp_path / "Return_Place.csv"
        with open(sent, "w", newline="", encoding="cp1252", errors="replace") as file:
            csv.writer(file).writerows(
                [f"{v:%d/%m/%Y}" if isinstance(v, datetime) else "" if v is None else v
                 for v in row] for row in wb[RETURN_SHEET].iter_rows(values_only=True))
        where = ("Return_Place", {"5.1": "L2", "5.2": "J3", "5.4": "M5"})
    elif kept_as == "unicode text":  # Excel's "Unicode Text": UTF-16, tab-separated
        sent = tmp_path / "Return_Place.txt"
        sent.write_bytes(b"\xff\xfe" + "\r\n".join(
            "\t".join(f"{v:%d/%m/%Y}" if isinstance(v, datetime) else "" if v is None
                      else str(v) for v in row)
            for row in wb[RETURN_SHEET].iter_rows(values_only=True)).encode("utf-16-le"))
        where = ("Return_Place", {"5.1": "L2", "5.2": "J3", "5.4": "M5"})
    elif kept_as == "xml 2003":
        sent = tmp_path / "Return_Place.xml"
        spreadsheet_2003(wb, sent)
        where = (RETURN_SHEET, {"5.1": "L2", "5.2": "J3", "5.4": "M5"})
    else:
        sent = convert_with_libreoffice(place, kept_as, tmp_path)
        where = (RETURN_SHEET, {"5.1": "L2", "5.2": "J3", "5.4": "M5"})
    before = plan_path.read_bytes()
    result = run_cli("merge", str(plan_path), str(sent))
    assert result.returncode == 1 and plan_path.read_bytes() == before
    found = cip_xl.api.merge(plan_path, [sent], dry_run=True).findings
    listed = {f.ref: f for f in found if f.code == "typed-in-unrecognised-return" and f.ref}
    assert set(listed) == {"5.1", "5.2", "5.4"}
    assert {ref: f.cell for ref, f in listed.items()} == where[1]
    assert all(f.sheet == where[0] for f in listed.values())
    assert "'Consultation opened' where the master says" in listed["5.1"].message
    assert "Status 'Complete'" in listed["5.2"].message
    assert "'31/03/2027'" in listed["5.4"].message
    if kept_as in ("csv", "unicode text"):  # saved again as .xlsx: still no return
        refusal = next(f for f in found if f.code == "file-not-xlsx")
        assert "loses the record of what was issued" in refusal.message
        assert "Open it in Excel" not in refusal.message
    if kept_as == "xml 2003":  # which keeps every sheet: saved as .xlsx, it merges
        refusal = next(f for f in found if f.code == "file-not-xlsx")
        assert "is an Excel 2003 XML Spreadsheet" in refusal.message
        assert "save it as an Excel Workbook (.xlsx)" in refusal.message
    if kept_as not in ("own workbook", "csv", "unicode text"):
        assert any("Pilot a parklet scheme" in f.message and f.sheet == NEW_ACTIONS_SHEET
                   for f in found)


def test_a_return_saved_as_csv_is_read_with_its_refs_as_written(example_path, tmp_path):
    """A CSV holds text: Ref '1.10' is action 1.10, not 1.1; '60' and '60%' (a
    percentage cell as Excel writes it) are the master's 60, and '65' is not."""
    from cip_xl.foreign_return import text_rows, typed_in
    from cip_xl.schema import DEFAULT_CONTRACT

    plan = cip_xl.load_plan(example_path)
    first, tenth = plan.actions[0], plan.actions[1]
    first.ref, tenth.ref = "1.1", "1.10"
    first.percent_complete = tenth.percent_complete = 60
    sent = tmp_path / "Return.csv"
    sent.write_text("Ref;% complete;Progress update\n1.10;60%;Typed for 1.10\n"
                    "1.1;65;\n", encoding="utf-8-sig")
    assert text_rows(sent)[1] == ["1.10", "60%", "Typed for 1.10"]
    listed = {(f.ref, f.cell): f.message for f in typed_in(sent, plan, DEFAULT_CONTRACT)}
    assert set(listed) == {("1.10", "C2"), ("1.1", "B3")}
    assert "Progress update 'Typed for 1.10'" in listed[("1.10", "C2")]
    assert "% complete '65' where the master says '60'" in listed[("1.1", "B3")]


def test_a_folder_of_returns_merges_every_file_in_it(cycle, tmp_path):
    """'cip-xl merge PLAN returned/' takes every file in the folder — the returns, and
    whatever else an officer sent (a PDF is named, not passed over) — but not the
    system's own files, hidden files or the files in its folders, which are named
    instead; an empty folder is said to be."""
    plan_path, folder = cycle
    inbox = tmp_path / "returned"
    (inbox / "older").mkdir(parents=True)
    shutil.copy(return_for(folder, "Place"), inbox)
    edit_return(inbox / return_for(folder, "Place").name,
                {("5.1", "Progress update"): "Consultation opened"})
    (inbox / "Resources update.pdf").write_bytes(b"%PDF-1.7 not a workbook")
    (inbox / "Return_Resources.xlsx.url").write_text(  # a OneDrive link, not the file
        "[InternetShortcut]\nURL=https://wrenfield-my.sharepoint.com/:x:/g/r/EaB\n")
    (inbox / "Thumbs.db").write_bytes(b"\x00")
    (inbox / ".~lock.x#").write_text("LibreOffice's lock")
    shutil.copy(return_for(folder, "Resources"), inbox / "older")
    result = run_cli("merge", str(plan_path), str(inbox))
    assert result.returncode == 1, result.stderr
    assert action(plan_path, "5.1").progress_update == "Consultation opened"
    assert "Resources update.pdf" in result.stdout and "file-not-a-workbook" in result.stdout
    link = [line for line in result.stdout.splitlines() if "[file-shortcut]" in line]
    assert len(link) == 1 and "Return_Resources.xlsx.url" in link[0]
    assert "download the workbook" in link[0] and "typed-in" not in result.stdout
    assert "Thumbs" not in result.stdout and "lock" not in result.stdout
    assert "Resources" in result.stdout.split("Returns not yet received")[1]
    older = [line for line in result.stdout.splitlines() if "[returns-in-folder-left-out]"
             in line]
    assert len(older) == 1 and return_for(folder, "Resources").name in older[0], older
    assert f'name the folder holding them too: cip-xl merge "{plan_path}" ' \
        f'"{inbox / "older"}".' in older[0]
    assert "not looked in" in result.stdout.split("older")[1].splitlines()[0]
    (tmp_path / "empty").mkdir()
    empty = run_cli("merge", str(plan_path), str(tmp_path / "empty"))
    assert empty.returncode == 1 and "[no-returns]" in empty.stdout


def test_returns_filed_in_a_folder_for_each_department(cycle, tmp_path):
    """Returns saved by department ("returned/Place/...") under the folder given: it has
    no files of its own, which is said with the folders it holds and the command that
    merges them — and that command merges them, once."""
    import shlex

    plan_path, folder = cycle
    inbox = tmp_path / "returned"
    for department, ref in (("Place", "5.1"), ("Resources", "1.1")):
        (inbox / department / "Q2").mkdir(parents=True)
        filed = inbox / department / "Q2" / return_for(folder, department).name
        shutil.copy(return_for(folder, department), filed)
        edit_return(filed, {(ref, "Progress update"): f"Filed under {department}"})
    before = plan_path.read_bytes()
    result = run_cli("merge", str(plan_path), str(inbox))
    assert result.returncode == 1 and plan_path.read_bytes() == before
    assert "[no-returns]" in result.stdout and "[returns-in-folder-left-out]" not in \
        result.stdout
    message = " ".join(result.stdout.split("[no-returns]")[0].split())
    assert "only folders (Place, Resources)" in message
    suggested = shlex.split(message.split("cip-xl merge ", 1)[1].rstrip("."))
    assert suggested == [str(plan_path), str(inbox / "Place" / "Q2"),
                         str(inbox / "Resources" / "Q2")]
    again = run_cli("merge", *suggested)  # as suggested
    assert again.returncode == 0, again.stdout + again.stderr
    assert action(plan_path, "5.1").progress_update == "Filed under Place"
    assert action(plan_path, "1.1").progress_update == "Filed under Resources"
    missing = again.stdout.split("Returns not yet received: ")[1].splitlines()[0]
    assert "Place" not in missing and "Resources" not in missing
    # the plan's own folder given: its backups are not named as returns left out
    assert (plan_path.parent / "backups").is_dir()
    around = cip_xl.api.merge(plan_path, [plan_path.parent], dry_run=True)
    left_out = {o.file.name for o in around.outcomes if o.left_out}
    assert "returned" in left_out and "backups" not in left_out
    # a folder of committee papers beside them is named in the table, quietly: nothing
    # in it is of a kind a return comes back as
    (plan_path.parent / "papers").mkdir()
    (plan_path.parent / "papers" / "Item 7 report.docx").write_bytes(b"PK\x03\x04")
    (plan_path.parent / "papers" / "Item 7 report.pdf").write_bytes(b"%PDF-1.7")
    around = cip_xl.api.merge(plan_path, [plan_path.parent], dry_run=True)
    papers = next(o for o in around.outcomes if o.file.name == "papers")
    assert papers.left_out and [f.severity for f in papers.findings] == ["info"]
    assert "none of a kind a return is sent in" in papers.findings[0].message
    returned = next(o for o in around.outcomes if o.file.name == "returned")
    assert [f.severity for f in returned.findings] == ["warning"]
    shown = run_cli("merge", str(plan_path), str(plan_path.parent), "--dry-run")
    assert "papers: warning" not in shown.stdout and "│ papers" in shown.stdout


def test_action_ids_left_behind_by_a_sort_take_nothing(cycle):
    """The Plan sheet sorted in Excel without its hidden Action ID column: each ID now
    sits on another action's row — and the plan moved without its backups folder, so
    there is no copy of its last save to give the IDs back from (see
    tests/test_master_edits.py). A return's row whose ID leads to an action with
    another Ref and another Key action is refused with the officer's text, rather than
    written into the wrong action (a Status 'Complete' would have gone through, the
    wrong action's status being the issued one)."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.1", "Progress update"): "Consultation opened",
                        ("5.2", "Status"): "Complete"})
    wb = openpyxl.load_workbook(plan_path)
    ws = wb["Plan"]
    last = [c.value for c in ws[1]].index("Action ID")  # the columns before it
    count = len(cip_xl.load_plan(plan_path).actions)
    rows = sorted(([ws.cell(r, c).value for c in range(1, last + 1)]
                   for r in range(2, count + 2)), key=lambda values: str(values[3]))
    for r, values in enumerate(rows, start=2):
        for c, value in enumerate(values, start=1):
            ws.cell(r, c).value = value
    wb.save(plan_path)
    saved_copy_path(plan_path).unlink()
    before = {a.ref: (a.status, a.progress_update) for a in cip_xl.load_plan(plan_path).actions}

    result = cip_xl.api.merge(plan_path, [place])
    found = {f.cell: f for f in result.findings if f.code == "action-id-elsewhere"}
    assert {"L2", "J3"} <= set(found) and not any(o.applied for o in result.outcomes)
    assert "'Consultation opened'" in found["L2"].message
    assert "sorted without its hidden Action ID column" in found["L2"].message
    after = {a.ref: (a.status, a.progress_update) for a in cip_xl.load_plan(plan_path).actions}
    assert after == before


def test_a_terminal_shows_a_screenful_per_return_and_the_rest_go_to_a_report(
        cycle, monkeypatch):
    """A whole return refused cell by cell fills a terminal with findings and scrolls
    the table of returns away: a terminal shows 20 for each return, says how many
    more, and writes them all into a merge report beside the plan. A log or a pipe
    still gets every one."""
    from click.testing import CliRunner

    from cip_xl import cli

    plan_path, folder = cycle
    resources = return_for(folder, "Resources")
    refs = [r[0] for r in sheet_rows(resources, RETURN_SHEET)[1:] if r and r[0]]
    assert len(refs) > 20
    edit_return(resources, {(ref, "Key action"): f"Reworded {n}" for n, ref in enumerate(refs)})
    piped = run_cli("merge", str(plan_path), str(resources), "--dry-run")
    assert piped.stdout.count("[locked-edit]") == len(refs)

    monkeypatch.setattr(cli, "_on_terminal", lambda: True)
    shown = CliRunner().invoke(cli.cli, ["merge", str(plan_path), str(resources)])
    assert shown.exit_code == 1, shown.output
    assert shown.output.count("locked-edit") == 20
    assert f"and {len(refs) - 20} more, 20 shown for each return at most" in shown.output
    report = next(plan_path.parent.glob("merge-report-*.md"))
    assert report.name in shown.output
    assert report.read_text(encoding="utf-8").count("is not the officer's to change") == \
        len(refs)


def test_a_traffic_light_typed_over_in_the_master_is_named_by_the_merge(cycle, tmp_path):
    """The merge's save puts every traffic light's formula back; one the manager typed
    over is named in the merge's findings and report, not replaced unsaid."""
    from cip_xl.merge_report import markdown, write_report

    plan_path, folder = cycle
    wb = openpyxl.load_workbook(plan_path)
    ws = wb["Plan"]
    rag = next(c.column_letter for c in ws[1] if c.value == "RAG")
    ws[f"{rag}3"] = "Green really"
    wb.save(plan_path)
    place = return_for(folder, "Place")
    edit_return(place, {("5.2", "Progress update"): "Adopted 14 October."})
    result = cip_xl.api.merge(plan_path, [place])
    assert result.saved
    assert [(f.code, f.cell) for f in result.master_findings] == \
        [("rag-typed-over", f"{rag}3")]
    assert ("rag-typed-over", f"{rag}3") in codes(result)
    text = markdown(result)
    assert f"## {plan_path.name} itself" in text and "Green really" in text
    rows = CalamineWorkbook.from_path(str(write_report(result, tmp_path / "r.xlsx"))) \
        .get_sheet_by_index(0).to_python()
    assert any("Green really" in str(cell) for row in rows for cell in row)
    assert openpyxl.load_workbook(plan_path)["Plan"][f"{rag}3"].value.startswith("=IF(")


def _date_requested_for_5_3(plan_path, folder):
    """Merge the Place return proposing 30/06/2027 for action 5.3; return the change
    request it makes."""
    edit_return(return_for(folder, "Place"), {("5.3", "Proposed revised date"):
                                              date(2027, 6, 30)})
    result = cip_xl.api.merge(plan_path, [return_for(folder, "Place")])
    return next(r for r in result.outcomes[0].requests if r.kind == "Revised date")


def test_a_date_request_whose_action_now_has_another_ref_waits_for_the_manager(cycle):
    """A revised date requested for 5.3, approved after the Plan sheet was sorted
    without its hidden Action ID column (the ID now sits on 5.4's row): not applied to
    5.4, left undecided with an error naming both refs. Writing the new Ref in the
    request's Ref cell says it is the same action, and approving then applies it."""
    plan_path, folder = cycle
    request = _date_requested_for_5_3(plan_path, folder)
    wb = openpyxl.load_workbook(plan_path)
    ws = wb["Plan"]
    columns = headers(ws)
    rows = {ws.cell(r, columns["Ref"]).value: r for r in range(2, ws.max_row + 1)}
    ids = [ws.cell(rows[ref], columns["Action ID"]) for ref in ("5.3", "5.4")]
    ids[0].value, ids[1].value = ids[1].value, ids[0].value  # sorted without the column
    wb.save(plan_path)
    saved_copy_path(plan_path).unlink()  # no copy of the last save to give IDs back from

    approved = run_cli("approve", str(plan_path), "--all", "--by", "IM")
    assert approved.returncode == 1, approved.stdout + approved.stderr
    assert "request-ref-changed" in approved.stdout and "now Ref 5.4" in approved.stdout
    assert action(plan_path, "5.4").revised_date is None
    assert action(plan_path, "5.3").revised_date is None

    wb = openpyxl.load_workbook(plan_path)
    requests = wb["Change requests"]
    row = next(r for r in range(2, requests.max_row + 1)
               if requests.cell(r, 1).value == request.request_id)
    assert requests.cell(row, 5).value == "5.3"
    requests.cell(row, 5).value = "5.4"  # "yes, the same action, renumbered"
    wb.save(plan_path)
    assert run_cli("approve", str(plan_path), "--all", "--by", "IM").returncode == 0
    assert action(plan_path, "5.4").revised_date == date(2027, 6, 30)


def test_approvals_name_the_cell_a_request_is_in_when_rows_were_left_blank(cycle):
    """A blank row left between change requests stays, and a column of the council's
    own put before them; what approving says of a request names the cell it is in,
    not the one it would have had without the gap and the column."""
    plan_path, folder = cycle
    edit_return(return_for(folder, "Place"), {
        ("5.3", "Proposed revised date"): date(2027, 6, 30),
        ("5.4", "Proposed revised date"): date(2027, 7, 31)})
    cip_xl.api.merge(plan_path, [return_for(folder, "Place")])
    wb = openpyxl.load_workbook(plan_path)
    requests = wb["Change requests"]
    assert requests.max_row == 3
    requests.insert_rows(3)  # a gap between the two
    requests.insert_cols(1)  # and a column of the council's own
    requests["A1"] = "Seen by"
    assert requests["J1"].value == "Decision"
    requests["J4"] = "Maybe"  # the second's Decision: neither word
    wb.save(plan_path)
    result = cip_xl.approve(plan_path)
    unclear = [f for f in result.findings if f.code == "decision-unclear"]
    assert [(f.sheet, f.cell) for f in unclear] == [("Change requests", "J4")]


def test_a_decision_typed_with_words_is_read_by_its_first_word(cycle):
    """Managers type decisions with the reason: "Approved - agreed at CMT 12/11" is
    approved and keeps its words on the sheet; "Not agreed." is a rejection, which
    --all does not overrule; "Deferred to January" is left undecided, said so."""
    plan_path, folder = cycle
    edit_return(return_for(folder, "Place"), {
        ("5.1", "Proposed revised date"): date(2027, 5, 31),
        ("5.3", "Proposed revised date"): date(2027, 6, 30),
        ("5.4", "Proposed revised date"): date(2027, 7, 31)})
    cip_xl.api.merge(plan_path, [return_for(folder, "Place")])
    before = action(plan_path, "5.3").revised_date
    wb = openpyxl.load_workbook(plan_path)
    requests = wb["Change requests"]
    decision = [c.value for c in requests[1]].index("Decision") + 1
    row_of = {requests.cell(r, 5).value: r for r in range(2, requests.max_row + 1)}
    requests.cell(row_of["5.1"], decision).value = "Approved - agreed at CMT 12/11"
    requests.cell(row_of["5.3"], decision).value = "Not agreed."
    requests.cell(row_of["5.4"], decision).value = "Deferred to January"
    wb.save(plan_path)
    result = cip_xl.approve(plan_path, approve_all=True)
    assert [r.ref for r in result.approved] == ["5.1"]
    assert [r.ref for r in result.rejected] == ["5.3"]
    assert [f.code for f in result.findings if (f.cell or "").endswith(str(row_of["5.4"]))] == [
        "decision-unclear"]
    assert action(plan_path, "5.1").revised_date == date(2027, 5, 31)
    assert action(plan_path, "5.3").revised_date == before
    requests = openpyxl.load_workbook(plan_path)["Change requests"]
    assert requests.cell(row_of["5.1"], decision).value == "Approved - agreed at CMT 12/11"
    assert requests.cell(row_of["5.4"], decision).value == "Deferred to January"


def test_a_decision_naming_another_date_is_not_applied_as_the_one_proposed(cycle):
    """"Approved - but to March 2028" approved what the officer proposed (June 2027),
    keeping the words: the plan then held a date the committee did not agree. A
    decision naming a day still to come other than the one proposed is left undecided,
    saying where to type the date meant; a day gone by ("agreed at CMT 12/11/2026") is
    when it was decided, and approves. Typed in the Proposed value, the date meant is
    approved — and the change to the request is on the Audit sheet."""
    plan_path, folder = cycle
    year = date.today().year
    edit_return(return_for(folder, "Place"), {
        ("5.1", "Proposed revised date"): date(year + 1, 5, 31),
        ("5.3", "Proposed revised date"): date(year + 1, 6, 30)})
    cip_xl.api.merge(plan_path, [return_for(folder, "Place")])
    before = action(plan_path, "5.3").revised_date
    wb = openpyxl.load_workbook(plan_path)
    requests = wb["Change requests"]
    heads = [c.value for c in requests[1]]
    decision, proposed = heads.index("Decision") + 1, heads.index("Proposed value") + 1
    row_of = {requests.cell(r, 5).value: r for r in range(2, requests.max_row + 1)}
    meant = f"Approved - but to March {year + 2}, as agreed at CMT 12/11/{year - 1}"
    requests.cell(row_of["5.3"], decision).value = meant
    requests.cell(row_of["5.1"], decision).value = f"Agreed at CMT on 12/11/{year - 1}"
    wb.save(plan_path)

    result = run_cli("approve", str(plan_path), "--all", "--by", "IM")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"names March {year + 2} (31 Mar {year + 2}), not the 30 Jun {year + 1} " \
        "proposed" in result.stdout
    cell = f"{openpyxl.utils.get_column_letter(proposed)}{row_of['5.3']}"
    assert f"type it in Proposed value ({cell}) and type Approve" in result.stdout
    assert action(plan_path, "5.1").revised_date == date(year + 1, 5, 31)
    assert action(plan_path, "5.3").revised_date == before
    requests = openpyxl.load_workbook(plan_path)["Change requests"]
    assert requests.cell(row_of["5.3"], decision).value == meant  # left as typed

    wb = openpyxl.load_workbook(plan_path)
    wb["Change requests"].cell(row_of["5.3"], proposed).value = f"March {year + 2}"
    wb["Change requests"].cell(row_of["5.3"], decision).value = "Approve"
    wb.save(plan_path)
    assert [r.ref for r in cip_xl.approve(plan_path).approved] == ["5.3"]
    assert action(plan_path, "5.3").revised_date == f"March {year + 2}"
    trail = [row for row in CalamineWorkbook.from_path(str(plan_path)).get_sheet_by_name(
        "Audit").to_python() if row[3] == "5.3"]
    assert any(str(row[4]).endswith("Proposed value") and row[6] == f"March {year + 2}"
               for row in trail), trail


def test_a_request_is_named_as_people_type_it(cycle):
    """--approve/--reject take a request's ID in any case or with the spaces a copy from
    the sheet brings (both were 'no change request'), or the Ref of an action with one
    undecided request; an ID mistyped gets the one likely meant, and a Ref with several
    requests their IDs — refused, nothing decided."""
    plan_path, folder = cycle
    edit_return(return_for(folder, "Place"), {
        ("5.1", "Proposed revised date"): date(2027, 5, 31),
        ("5.3", "Proposed revised date"): date(2027, 6, 30),
        ("5.3", "Comment / reason for new date"): "Vehicles late"})
    result = cip_xl.api.merge(plan_path, [return_for(folder, "Place")])
    ids = {r.ref: r.request_id for r in result.outcomes[0].requests}
    wrong = ids["5.1"][:-1]
    refused = run_cli("approve", str(plan_path), "--approve", wrong, "--dry-run")
    assert refused.returncode == 1
    assert f"There is no change request {wrong}. Did you mean {ids['5.1']}?" in refused.stdout

    done = run_cli("approve", str(plan_path), "--approve", f" {ids['5.1'].lower()} ",
                   "--reject", "5.3", "--by", "IM")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"'5.3' was taken as {ids['5.3']}" in done.stdout
    assert action(plan_path, "5.1").revised_date == date(2027, 5, 31)
    decided = {r.ref: r.decision for r in cip_xl.load_plan(plan_path).change_requests}
    assert decided == {"5.1": "Approved", "5.3": "Rejected"}


def test_a_month_written_as_words_on_a_return_is_proposed_in_those_words(cycle):
    """"Sept 2027" (which Excel leaves as text) or "Q4 2026/27" as a proposed revised
    date is a request in the officer's words — as a revised date may be written in
    the plan — not refused as "not a date"; approved, the plan reads it as due at the
    period's end. Words that are no date are still refused, with their cell."""
    plan_path, folder = cycle
    edit_return(return_for(folder, "Place"), {
        ("5.3", "Proposed revised date"): "Sept 2027",
        ("5.4", "Proposed revised date"): "Q4 2026/27",
        ("5.2", "Proposed revised date"): "after the elections"})
    result = cip_xl.api.merge(plan_path, [return_for(folder, "Place")])
    proposed = {r.ref: r.proposed for r in result.outcomes[0].requests}
    assert proposed == {"5.3": "Sept 2027", "5.4": "Q4 2026/27"}
    assert [f.ref for f in result.findings if f.code == "return-date-invalid"] == ["5.2"]
    assert run_cli("approve", str(plan_path), "--all", "--by", "IM").returncode == 0
    plan = cip_xl.load_plan(plan_path)
    judged = refresh(plan, date(2027, 9, 15))
    by_ref = {a.ref: a for a in plan.actions}
    assert by_ref["5.3"].revised_date == "Sept 2027"
    assert judged[by_ref["5.3"].action_id].due == date(2027, 9, 30)
    assert judged[by_ref["5.4"].action_id].due == date(2027, 3, 31)


def test_counts_of_changes_applied_are_the_officers_edits(cycle, tmp_path):
    """One progress update typed is one change applied — in the terminal's table, the
    report and the Returns sheet — though the report also lists the Last updated date
    the merge set with it (and the Audit sheet records it)."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.3", "Progress update"): "Caddies delivered to 60% of homes."})
    report = tmp_path / "merge.md"
    result = run_cli("merge", str(plan_path), str(place), "--report", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    row = next(line for line in result.stdout.splitlines() if "Place" in line)
    assert [cell.strip() for cell in row.split("│")][3] == "1"
    text = report.read_text(encoding="utf-8")
    assert "1 change(s) applied" in text
    assert "| 5.3 | Last updated |" in text and "date of the merge" in text
    record = next(r for r in sheet_rows(plan_path, "Returns") if r[0] == "Place")
    assert "1 applied, 0 refused" in str(record)
    fields = [e.field for e in cip_xl.load_plan(plan_path).audit if e.ref == "5.3"]
    assert fields == ["Progress update", "Last updated"]


def test_a_date_request_whose_action_was_deleted_says_what_to_do(cycle):
    """A revised date requested for 5.3, whose row was then deleted from the master in
    Excel: approving it is refused, the message saying to reject it or put the action
    back; rejecting it then decides it."""
    plan_path, folder = cycle
    request = _date_requested_for_5_3(plan_path, folder)
    wb = openpyxl.load_workbook(plan_path)
    ws = wb["Plan"]
    columns = headers(ws)
    ws.delete_rows(next(r for r in range(2, ws.max_row + 1)
                        if ws.cell(r, columns["Ref"]).value == "5.3"))
    wb.save(plan_path)

    approved = run_cli("approve", str(plan_path), "--all", "--by", "IM")
    assert approved.returncode == 1, approved.stdout + approved.stderr
    said = " ".join(approved.stdout.split())
    assert "request-action-gone" in said and "Reject the request" in said
    rejected = run_cli("approve", str(plan_path), "--reject", request.request_id)
    assert rejected.returncode == 0, rejected.stdout + rejected.stderr
    decided = cip_xl.load_plan(plan_path).change_requests
    assert [r.decision for r in decided if r.request_id == request.request_id] == ["Rejected"]


def test_a_status_pasted_over_the_list_is_read_and_noted(cycle, tmp_path):
    """A paste goes past Excel's dropdown: an officer pastes 'Amber' or 'Completed'
    from last year's tracker into Status. It was read as the list's word (At risk,
    Complete) with nothing said; the merge report now notes each such reading with its
    cell, so the manager sees the officer's word was not on the list. A pasted
    traffic-light label ('◆ On track') is the list's word and is not noted."""
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    edit_return(place, {("5.3", "Status"): "Amber", ("5.1", "Status"): "Completed",
                        ("5.4", "Status"): "◆ On track"})
    report = tmp_path / "merge-report.md"
    result = run_cli("merge", str(plan_path), str(place), "--report", str(report))
    assert result.returncode == 0, result.stdout + result.stderr
    assert action(plan_path, "5.3").status == "At risk"
    assert action(plan_path, "5.1").status == "Complete"
    text = report.read_text(encoding="utf-8")
    wb, cell = open_return(place)
    amber, completed = cell("5.3", "Status").coordinate, cell("5.1", "Status").coordinate
    assert f"Return!{amber} | Status 'Amber' is not one of the list; it was read as " \
           "'At risk'." in text, text
    assert f"Return!{completed} | Status 'Completed' is not one of the list; it was read " \
           "as 'Complete'." in text
    assert text.count("is not one of the list; it was read as") == 2
