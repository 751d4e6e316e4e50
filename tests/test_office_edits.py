"""The plan edited in a real office suite, as a council edits it, then taken through the
cycle: LibreOffice inserts rows the way Excel does — moving names, validations, the
filter and formulas with them — which openpyxl's own row insertion does not."""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.utils import get_column_letter
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl import schema
from cip_xl.example import fill_in_return
from cip_xl.returns import NEW_ACTIONS_SHEET, RETURN_SHEET
from cip_xl.status import refresh

from .conftest import refs_not_formatted, soffice
from .returns_helpers import headers

#: the Python with LibreOffice's UNO bridge (Debian's python3-uno), not the project's
UNO_PYTHON = "/usr/bin/python3"
EDIT = Path(__file__).with_name("office_edit.py")


def _bridge_missing() -> str | None:
    if soffice() is None:
        return "LibreOffice (soffice) is not installed; .ci/run installs it"
    try:
        found = subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True,
                               timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        found = False
    return None if found else \
        "LibreOffice's Python bridge (Debian python3-uno) is not installed; .ci/run installs it"


_MISSING = _bridge_missing()
pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(_MISSING is not None, reason=str(_MISSING))]


def in_office(path: Path, steps: list, profile: Path) -> list | None:
    """Apply ``steps`` (see tests/office_edit.py) to ``path`` in LibreOffice; the
    values a ``values`` step printed, if any."""
    done = subprocess.run([UNO_PYTHON, str(EDIT), str(path), str(profile),
                           json.dumps(steps)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_rows_inserted_in_libreoffice_leave_every_note_and_name_in_place(example_path,
                                                                          tmp_path):
    """Rows inserted in the office suite — a blank row between themes on the Plan
    sheet, one between directorates on Officers, a note row in Settings — with the
    council's own notes beside actions, officers and settings. Through status,
    issuing returns, a merge and LibreOffice recalculating: every note stays beside
    its action, officer or setting (the note row where it was typed), and every
    traffic light LibreOffice works out is cip-xl's own."""
    wb = openpyxl.load_workbook(example_path)
    plan_ws, officers, settings = wb["Plan"], wb["Officers"], wb["Settings"]
    for row in range(2, settings.max_row + 1):
        settings.cell(row, 3).value = f"about {settings.cell(row, 1).value}"
    note = plan_ws.max_column + 2
    for row in range(2, plan_ws.max_row + 1):
        plan_ws.cell(row, note).value = f"note on {plan_ws.cell(row, 1).value}"
    for row in range(2, officers.max_row + 1):
        officers.cell(row, 7).value = f"phone of {officers.cell(row, 1).value}"
    wb.save(example_path)
    profile = tmp_path / "profile"
    in_office(example_path, [["insert", "Plan", 10], ["insert", "Officers", 4],
                             ["insert", "Settings", 3],
                             ["text", "Settings", "A3", "Note"],
                             ["text", "Settings", "B3", "Agreed by the Executive"],
                             ["save"]], profile)

    cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    issued = cip_xl.issue_returns(example_path, tmp_path / "returns",
                                  when=datetime(2026, 12, 1, 9))
    place = next(item.path for item in issued if item.department == "Place")
    assert fill_in_return(place) > 0
    assert cip_xl.merge(example_path, [place]).saved

    book = CalamineWorkbook.from_path(str(example_path))
    rows = book.get_sheet_by_name("Plan").to_python()
    assert not any(str(v).strip() for v in rows[9])  # the blank row, still blank
    assert all(r[note - 1] == f"note on {r[0]}" for r in rows[1:] if r[0])
    people = book.get_sheet_by_name("Officers").to_python()
    assert not any(str(v).strip() for v in people[3])
    assert all(r[6] == f"phone of {r[0]}" for r in people[1:] if r[0])
    about = book.get_sheet_by_name("Settings").to_python()
    assert about[2][:3] == ["Note", "Agreed by the Executive", ""]
    assert all(r[2] == f"about {r[0]}" for r in about[1:] if r[0] != "Note")

    wb = openpyxl.load_workbook(example_path)
    labels = dict(schema.SETTINGS_ROWS)
    for key, name in schema.SETTING_NAMES.items():  # each name on its own setting
        sheet, cell = wb.defined_names[name].attr_text.replace("$", "").split("!")
        assert wb[sheet.strip("'")][cell].offset(0, -1).value == labels[key], name

    shutil.copy(example_path, tmp_path / "again.xlsx")
    worked_out = in_office(tmp_path / "again.xlsx", [["values", "Plan"]], profile)
    plan = cip_xl.load_plan(example_path)
    judged = refresh(plan)
    rag = worked_out[0].index("RAG")
    ident = worked_out[0].index("Action ID")
    assert {r[ident]: r[rag] for r in worked_out[1:] if r[ident]} == \
        {a.action_id: judged[a.action_id].label for a in plan.actions}


def test_a_return_filled_in_libreoffice_merges_what_the_officer_saw(example_path, tmp_path):
    """An officer fills in a return in LibreOffice, typing in a British locale: progress
    with typographic quotes, "60%" as % complete (kept as 0.6 in a cell formatted as a
    number), 75% pasted as a percentage, a new date typed (a date) and one kept as text,
    a formula typed into Progress update, a new action on its own sheet; and a locked
    Key action overwritten (the sheet unprotected). The merge takes what the officer
    meant, refuses what was not theirs to change, and names each cell."""
    issued = cip_xl.issue_returns(example_path, tmp_path / "returns",
                                  when=datetime(2026, 12, 1, 9))
    resources = next(item.path for item in issued if item.department == "Resources")
    ws = openpyxl.load_workbook(resources)[RETURN_SHEET]
    columns = {name: get_column_letter(index) for name, index in headers(ws).items()}
    rows = {ws.cell(row, 1).value: row for row in range(2, ws.max_row + 1)}
    first, second, third, fourth = list(rows)[:4]

    def at(ref: str, header: str) -> str:
        return f"{columns[header]}{rows[ref]}"

    progress = "Savings of £1.2m agreed — “on track”"
    in_office(resources, [
        ["type", RETURN_SHEET, at(first, "Progress update"), progress],
        ["type", RETURN_SHEET, at(first, "% complete"), "60%"],
        ["type", RETURN_SHEET, at(second, "Proposed revised date"), "31/03/2027"],
        ["type", RETURN_SHEET, at(second, "Comment / reason for new date"),
         "Waiting for the external audit"],
        ["text", RETURN_SHEET, at(third, "Proposed revised date"), "30/09/2027"],
        ["type", RETURN_SHEET, at(third, "Progress update"), "=1+1"],
        ["type", RETURN_SHEET, at(third, "Key action"), "Typed, but the cell is locked"],
        ["text", RETURN_SHEET, at(third, "Key action"), "Changed by the officer"],
        ["number", RETURN_SHEET, at(fourth, "% complete"), 0.75, "percent"],
        ["type", NEW_ACTIONS_SHEET, "A2", "Managing our finances"],
        ["type", NEW_ACTIONS_SHEET, "B2", "Review fees and charges"],
        ["type", NEW_ACTIONS_SHEET, "C2", "30/06/2027"],
        ["save"]], tmp_path / "profile")

    plan_before = cip_xl.load_plan(example_path)
    key_action = next(a.key_action for a in plan_before.actions if a.ref == third)
    result = cip_xl.merge(example_path, [resources])
    assert result.saved
    outcome = result.outcomes[0]
    applied = {(c.ref, c.field): c.new for c in outcome.applied}
    assert applied[(first, "Progress update")] == progress
    assert applied[(first, "% complete")] == 60
    assert applied[(fourth, "% complete")] == 75
    assert applied[(third, "Progress update")] == "=1+1"  # kept as text, never calculated
    requests = {(r.ref, r.kind): r for r in outcome.requests}
    assert requests[(second, "Revised date")].proposed == date(2027, 3, 31)
    assert requests[(second, "Revised date")].reason == "Waiting for the external audit"
    assert requests[(third, "Revised date")].proposed == date(2027, 9, 30)
    new = requests[("", "New action")]
    assert (new.proposed, new.theme, new.target_date) == \
        ("Review fees and charges", "Managing our finances", date(2027, 6, 30))
    found = {(f.code, f.sheet, f.cell) for f in outcome.findings}
    assert ("return-percent-fraction", RETURN_SHEET, at(first, "% complete")) in found
    assert ("locked-edit", RETURN_SHEET, at(third, "Key action")) in found
    assert ("formula-stored-as-text", RETURN_SHEET, at(third, "Progress update")) in found

    plan_rows = CalamineWorkbook.from_path(str(example_path)) \
        .get_sheet_by_name("Plan").to_python()
    head = plan_rows[0]
    by_ref = {r[head.index("Ref")]: r for r in plan_rows[1:]}
    assert by_ref[first][head.index("% complete")] == 60
    assert by_ref[first][head.index("Progress update")] == progress
    assert by_ref[third][head.index("Key action")] == key_action


def test_refs_typed_in_libreoffice_stay_as_typed(example_path, tmp_path):
    """Renumbering an action 1.10, or typing a new action 3.10 in a row below the
    plan, in an office suite: the Ref stays 3.10 (the cells are formatted as Text),
    not the number 3.1 — on a plan saved by cip-xl, and on one saved before Refs were
    formatted so, once cip-xl has saved it again."""
    older = tmp_path / "older.xlsx"
    refs_not_formatted(example_path, older)
    ws = openpyxl.load_workbook(example_path)["Plan"]
    assert cip_xl.refresh_status(older, as_of=date(2026, 12, 31)).saved
    plan = cip_xl.load_plan(example_path)
    columns = {name: get_column_letter(index) for name, index in headers(ws).items()}
    below = ws.max_row + 2
    for path in (example_path, older):
        in_office(path, [
            ["type", "Plan", "A2", "1.10"],
            ["type", "Plan", f"{columns['Ref']}{below}", "3.10"],
            ["type", "Plan", f"{columns['Theme']}{below}", plan.actions[-1].theme],
            ["type", "Plan", f"{columns['Key action']}{below}", "Publish the fees review"],
            ["type", "Plan", f"{columns['Lead officer']}{below}",
             plan.actions[-1].lead_officer],
            ["type", "Plan", f"{columns['Target date']}{below}", "31/03/2027"],
            ["save"]], tmp_path / "profile")
        report = cip_xl.validate(path)
        assert not [f for f in report.findings if f.code == "ref-as-number"], path
        refs = {a.ref: a for a in cip_xl.load_plan(path).actions}
        assert "1.10" in refs and refs["3.10"].key_action == "Publish the fees review"
        assert refs["3.10"].target_date == date(2027, 3, 31)


def test_a_plan_open_in_libreoffice_is_not_saved_under_its_user(example_path, tmp_path):
    """A colleague has the master open in LibreOffice when the manager runs cip-xl:
    saving under them would be undone by their next Save, so status and merge are
    refused, naming who has it open (from LibreOffice's own lock file) — and the
    plan is untouched. Once they close it, the same command works."""
    import socket
    import sys

    from .conftest import REPO

    before = example_path.read_bytes()
    folder = tmp_path / "returns"
    cip_xl.issue_returns(example_path, folder)
    issued = example_path.read_bytes()
    place = next(folder.glob("Return_Place*.xlsx"))
    fill_in_return(place, [("5.1", "Progress update", "Inspector's letter in")])
    cli = [sys.executable, "-m", "cip_xl"]
    for command in (["status", str(example_path), "--as-of", "31/12/2026"],
                    ["merge", str(example_path), str(place)]):
        done = in_office(example_path, [["run", cli + command, str(REPO)]],
                         tmp_path / "profile")
        assert done["returncode"] == 2, done
        assert f"is open in LibreOffice by Sam Jones on {socket.gethostname()} since " \
            in done["stderr"], done["stderr"]
        assert f".~lock.{example_path.name}#" in done["stderr"]
        assert done["stderr"].count("\n") == 1 and "Traceback" not in done["stderr"]
        assert example_path.read_bytes() == issued != before
    assert not list(tmp_path.glob(".~lock.*"))  # LibreOffice closed it
    merged = subprocess.run(cli + ["merge", str(example_path), str(place)], cwd=REPO,
                            capture_output=True, text=True, timeout=300)
    assert merged.returncode == 0, merged.stderr
    assert {a.ref: a for a in cip_xl.load_plan(example_path).actions}["5.1"] \
        .progress_update == "Inspector's letter in"


def test_what_is_typed_into_the_master_in_libreoffice_is_audited(example_path, tmp_path):
    """A target date typed into the master in LibreOffice, by its user Sam Jones: the
    next status records it on the Audit sheet — the cell, the date before and after,
    and who saved the file when, as LibreOffice wrote them."""
    plan = cip_xl.load_plan(example_path)
    action = plan.actions[3]
    ws = openpyxl.load_workbook(example_path)["Plan"]
    letter = get_column_letter(headers(ws)["Target date"])
    in_office(example_path, [["type", "Plan", f"{letter}{action.row}", "30/09/2027"],
                             ["save"]], tmp_path / "profile")
    assert cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31)).saved
    rows = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Audit") \
        .to_python()
    entries = [row for row in rows[1:] if any(cell != "" for cell in row)]
    assert [row[4] for row in entries] == ["Target date"], entries  # nothing else moved
    assert entries[0][1].startswith("Edited in the master (last saved by Sam Jones, ")
    assert (entries[0][3], entries[0][5]) == (action.ref, action.target_date)
    assert entries[0][6] in (date(2027, 9, 30), datetime(2027, 9, 30))
    assert entries[0][7] == f"{example_path.name}!Plan!{letter}{action.row}, typed in the master"


def test_a_plan_sorted_in_libreoffice_without_its_ids_keeps_each_actions_id(example_path,
                                                                            tmp_path):
    """A person selects the Plan sheet's visible columns and sorts them by lead
    officer in the office suite: the hidden Action IDs stay where they were, beside
    other actions. cip-xl gives each action back its own ID and the next save writes
    them beside their actions, so a return issued before the sort still merges into
    the right ones."""
    def ids_by_ref() -> dict[str, str]:
        rows = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Plan") \
            .to_python()
        ref, ident = rows[0].index("Ref"), rows[0].index("Action ID")
        return {row[ref]: row[ident] for row in rows[1:] if row[ref]}

    before = ids_by_ref()
    issued = cip_xl.issue_returns(example_path, tmp_path / "returns",
                                  when=datetime(2026, 12, 1, 9))
    place = next(item.path for item in issued if item.department == "Place")
    fill_in_return(place, [("5.1", "Progress update", "Inspector's letter in")])
    ws = openpyxl.load_workbook(example_path)["Plan"]
    head = headers(ws)
    visible = get_column_letter(head["Action ID"] - 1)
    in_office(example_path, [["sort", "Plan", f"A2:{visible}{ws.max_row}",
                              head["Lead officer"] - 1], ["save"]], tmp_path / "profile")
    assert sum(ids_by_ref()[ref] != ident for ref, ident in before.items()) > 10

    result = cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    assert result.saved and "action-ids-put-back" in {f.code for f in result.findings}
    assert ids_by_ref() == before
    merged = cip_xl.merge(example_path, [place])
    assert merged.saved
    assert {a.ref: a for a in cip_xl.load_plan(example_path).actions}["5.1"] \
        .progress_update == "Inspector's letter in"


def test_100_percent_typed_into_the_plan_in_libreoffice_is_named(example_path, tmp_path):
    """"100%" typed into the plan's % complete in the office suite, which keeps the
    cell's number format, stores 1: validate names the cell of an action marked
    Complete with 1% and says what to type. "60%" typed into an empty cell, which the
    office suite formats as a percentage, is read as 60."""
    ws = openpyxl.load_workbook(example_path)["Plan"]
    head = headers(ws)
    done, going = 3, 4
    percent = get_column_letter(head["% complete"])
    status = get_column_letter(head["Status"])
    in_office(example_path, [["type", "Plan", f"{status}{done}", "Complete"],
                             ["type", "Plan", f"{percent}{done}", "100%"],
                             ["type", "Plan", f"{percent}{going}", "60%"], ["save"]],
              tmp_path / "profile")
    report = cip_xl.validate(example_path)
    found = {(f.code, f.cell): f for f in report.findings}
    assert "type 100)" in found[("complete-not-100", f"{percent}{done}")].message
    assert report.plan.actions[going - 2].percent_complete == 60
    assert not [f for f in report.findings if f.cell == f"{percent}{going}"]


def test_dates_and_figures_typed_as_formulas_in_the_plan_are_read_as_shown(example_path,
                                                                          tmp_path):
    """A manager who types =DATE(2027;3;31) into a Target date, =F3+30 into the Revised
    date or =50+10 into % complete in the office suite sees a date and 60: validate reads
    those values (a warning naming each formula, not 'not a date I can read'), and the
    next save writes each value in place of its formula, as a date and a number. A
    formula typed into text (Progress update) is still kept as its text."""
    ws = openpyxl.load_workbook(example_path)["Plan"]
    head = headers(ws)
    at = {name: f"{get_column_letter(head[name])}3" for name in (
        "Target date", "Revised date", "% complete")}
    in_office(example_path, [["type", "Plan", at["Target date"], "=DATE(2027;3;31)"],
                             ["type", "Plan", at["Revised date"], f"={at['Target date']}+30"],
                             ["type", "Plan", at["% complete"], "=50+10"],
                             ["type", "Settings", "B4", "=TODAY()"],
                             ["type", "Settings", "B5", "=15*2"], ["save"]],
              tmp_path / "profile")
    report = cip_xl.validate(example_path)
    settings = {f.cell: f.message for f in report.findings if f.sheet == "Settings"
                and f.code != "meeting-before-date"}  # (=TODAY() is after the meeting)
    assert set(settings) == {"B4", "B5"} and "type the quarter's end" in settings["B4"]
    assert report.plan.settings.reporting_date == date.today()  # as the office suite showed
    assert report.plan.settings.amber_window_days == 30
    about = {f.cell: f for f in report.findings if f.cell in at.values()}
    assert {cell: f.code for cell, f in about.items()} == {
        cell: "formula-in-cell" for cell in at.values()}, report.findings
    assert "31/03/2027" in about[at["Target date"]].message
    assert "=50+10" in about[at["% complete"]].message and "60" in about[at["% complete"]].message
    action = report.plan.actions[1]
    assert (action.target_date, action.revised_date, action.percent_complete) == (
        date(2027, 3, 31), date(2027, 4, 30), 60)
    cip_xl.api.refresh_status(example_path)
    saved = openpyxl.load_workbook(example_path)["Plan"]
    assert all(saved[cell].data_type != "f" for cell in at.values())
    shown = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Plan").to_python()
    row = shown[2]
    assert (row[head["Target date"] - 1], row[head["Revised date"] - 1],
            row[head["% complete"] - 1]) == (date(2027, 3, 31), date(2027, 4, 30), 60)
    assert not [f for f in cip_xl.validate(example_path).findings if f.cell in at.values()
                or f.sheet == "Settings" and f.code != "meeting-before-date"]
    settings_sheet = openpyxl.load_workbook(example_path)["Settings"]
    assert (settings_sheet["B4"].value.date(), settings_sheet["B5"].value) == (date.today(), 30)
