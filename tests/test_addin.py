"""The Excel add-in's entry points, run on Linux against a stand-in for xlwings' Book."""
from __future__ import annotations

import re
import shutil
from datetime import date

import openpyxl
import pytest

import cip_xl
from cip_xl import addin
from cip_xl.resources import resource

from .conftest import run_cli
from .returns_helpers import edit_return


class StandInSheet:
    def __init__(self, name):
        self.name = name
        self.cells = {}

    def clear_contents(self):
        self.cells = {}

    def range(self, address):
        """A1 holds what was written there as a whole (rows); the blocks the add-in
        reads to recognise its sheet (A2:D2, A1:D3) are cut from it, as xlwings gives
        them."""
        sheet = self

        class Range:
            @property
            def value(self):
                if address in sheet.cells:
                    return sheet.cells[address]
                rows = [(list(r) + [None] * 4)[:4] for r in sheet.cells.get("A1") or []]
                rows += [[None] * 4] * (3 - len(rows))
                return {"A2:D2": rows[1], "A1:D3": rows[:3]}.get(address)

            @value.setter
            def value(self, rows):
                sheet.cells[address] = rows
        return Range()


class StandInSheets(list):
    def __getitem__(self, key):
        if isinstance(key, str):
            return next(s for s in self if s.name == key)
        return super().__getitem__(key)

    def add(self, name):
        sheet = StandInSheet(name)
        self.append(sheet)
        return sheet


class StandInApp:
    def __init__(self):
        self.status_bar = None
        self.opened = []
        app = self

        class Books:
            def open(self, path):
                app.opened.append(path)
                return StandInBook(path, app)
        self.books = Books()


class StandInBook:
    """The members of xlwings.Book the entry points use: name, fullname, save, close,
    sheets, app."""

    def __init__(self, path, app=None):
        self.fullname = str(path)
        self.name = path.name if hasattr(path, "name") else str(path).rsplit("/", 1)[-1]
        self.sheets = StandInSheets([StandInSheet("Plan")])
        self.app = app or StandInApp()
        self.saved = self.closed = 0

    def save(self):
        self.saved += 1

    def close(self):
        self.closed += 1


def findings_rows(book):
    return book.sheets["Findings"].range("A1").value


def test_validate_shows_findings_without_rewriting(example_path):
    wb = openpyxl.load_workbook(example_path)
    wb["Plan"]["E5"] = "XYZ"
    wb.save(example_path)
    book = StandInBook(example_path)
    result = addin.validate(book)
    assert result is book and book.saved == 1 and book.closed == 0
    rows = findings_rows(book)
    assert rows[1] == ["Severity", "Where", "Finding", "Code"]
    assert ["error", "Plan!E5"] == rows[2][:2] and rows[2][3] == "officer-unknown"
    assert "1 errors" in book.app.status_bar


def test_status_closes_runs_and_reopens(example_path):
    book = StandInBook(example_path)
    reopened = addin.on_ribbon("cipStatus", book)
    assert book.closed == 1 and book.app.opened == [str(example_path)]
    assert reopened is not book
    assert reopened.app.status_bar.startswith("Status as at 30/09/2026")
    ws = openpyxl.load_workbook(example_path)["Plan"]
    rag = [c.value for c in ws[1]].index("RAG") + 1
    assert ws.cell(2, rag).value.startswith("=IF(")


def test_returns_merge_approve_report_remind(example_path):
    folder = example_path.parent
    addin.issue_returns(StandInBook(example_path))
    issued = sorted((folder / addin.RETURNS_FOLDER).glob("*.xlsx"))
    assert len(issued) == 4

    (folder / addin.RETURNED_FOLDER).mkdir()
    place = next(p for p in issued if "Place" in p.name)
    edit_return(place, {("5.3", "Proposed revised date"): cip_xl.parse_due("30/06/2027").due})
    shutil.copy(place, folder / addin.RETURNED_FOLDER / place.name)
    merged = addin.merge_returns(StandInBook(example_path))
    assert "Merged 1 returns" in merged.app.status_bar
    assert (folder / "merge-report.xlsx").exists()
    # an officer's PDF in the folder is named, not passed over; Windows' own files are
    (folder / addin.RETURNED_FOLDER / "Place update.pdf").write_bytes(b"%PDF-1.7 ...")
    (folder / addin.RETURNED_FOLDER / "desktop.ini").write_text("[.ShellClassInfo]")
    merged = addin.merge_returns(StandInBook(example_path))
    rows = findings_rows(merged)
    assert "Merged 2 returns" in merged.app.status_bar
    assert [r[3] for r in rows[2:]] == ["file-not-a-workbook"] and "Place update.pdf" in rows[2][2]

    wb = openpyxl.load_workbook(example_path)
    for row in wb["Change requests"].iter_rows(min_row=2):
        row[8].value = "Approve"
    wb.save(example_path)
    approved = addin.approve(StandInBook(example_path))
    assert approved.app.status_bar.startswith("1 approved")

    report = addin.build_report(StandInBook(example_path))
    assert (folder / f"{example_path.stem}-report.docx").exists()
    assert "Wrote" in report.app.status_bar
    addin.reminders(StandInBook(example_path))
    assert list((folder / addin.REMINDERS_FOLDER).glob("*.eml"))


class StandInSelection:
    """xlwings' Book.selection as the entry points use it: its sheet's name, its row."""

    def __init__(self, sheet, row):
        self.sheet, self.row = StandInSheet(sheet), row


def test_issue_one_again_for_the_selected_action(example_path):
    folder = example_path.parent / addin.RETURNS_FOLDER
    addin.issue_returns(StandInBook(example_path))
    moved = next(a for a in cip_xl.load_plan(example_path).actions if a.ref == "5.2")
    book = StandInBook(example_path)
    book.selection = StandInSelection("Plan", moved.row)
    result = addin.on_ribbon("cipReturnAgain", book)
    assert book.closed == 1 and result.app.status_bar.startswith("Issued the Place return again")
    assert len(list(folder.glob("Return_Place_*.xlsx"))) == 2
    assert len(list(folder.glob("*.xlsx"))) == 5

    book = StandInBook(example_path)
    book.selection = StandInSelection("Officers", 3)
    rows = findings_rows(addin.issue_return_again(book))
    assert rows[2][0] == "error" and rows[2][3] == "select-an-action"
    assert "Select a cell in an action's row on the Plan sheet" in rows[2][2]
    assert len(list(folder.glob("*.xlsx"))) == 5


def test_report_on_the_theme_of_the_selected_action(example_path):
    """The manager selects an action's row and presses Report on this theme: the
    report of that theme alone is written beside the plan, named for it."""
    plan = cip_xl.load_plan(example_path)
    chosen = next(a for a in plan.actions if a.theme == "Our people")
    book = StandInBook(example_path)
    book.selection = StandInSelection("Plan", chosen.row)
    result = addin.on_ribbon("cipReportTheme", book)
    out = example_path.with_name(f"{example_path.stem}-report-Our_people.docx")
    assert out.exists()
    assert result.app.status_bar == f"Wrote {out.name} (8 actions of Our people)."
    import docx
    text = "\n".join(c.text for t in docx.Document(out).tables for r in t.rows
                     for c in r.cells)
    assert chosen.key_action in text
    assert not [a for a in plan.actions if a.theme != "Our people" and a.key_action in text]

    book = StandInBook(example_path)
    book.selection = StandInSelection("Themes", 2)
    rows = findings_rows(addin.report_on_theme(book))
    assert rows[2][0] == "error" and rows[2][3] == "select-an-action"
    assert "the report is of its theme" in rows[2][2]


def test_open_data_beside_the_plan(example_path):
    """The Open data button writes the actions as a CSV beside the plan, a row each."""
    import csv

    result = addin.on_ribbon("cipExport", StandInBook(example_path))
    out = example_path.with_name(f"{example_path.stem}-open-data.csv")
    with open(out, encoding="utf-8-sig", newline="") as stream:
        rows = list(csv.reader(stream))
    assert len(rows) == 41 and rows[0][:3] == ["Ref", "Action ID", "Theme"]
    assert result.app.status_bar.startswith(f"Wrote {out.name} (40 actions, statuses as at")


def test_issuing_returns_again_while_they_are_out_asks_first(example_path):
    """A second press of Issue returns, with the round's returns out and none merged,
    would strand every one of them: Excel asks; No issues nothing and says why, Yes
    starts the new round."""
    folder = example_path.parent / addin.RETURNS_FOLDER
    addin.issue_returns(StandInBook(example_path))
    asked = []
    book = StandInBook(example_path)
    book.app.alert = lambda prompt, title, buttons: asked.append(prompt) or "no"
    rows = findings_rows(addin.on_ribbon("cipReturns", book))
    assert len(asked) == 1 and asked[0].endswith("Start a new round anyway?")
    assert "none has been merged" in asked[0]
    assert rows[2][0] == "error" and rows[2][3] == "round-still-out"
    assert book.closed == 0  # asked before closing: No leaves the plan open
    assert len(list(folder.glob("*.xlsx"))) == 4
    assert cip_xl.load_plan(example_path).settings.revision == 2

    book = StandInBook(example_path)
    book.app.alert = lambda prompt, title, buttons: "yes"
    rows = findings_rows(addin.issue_returns(book))
    assert len(list(folder.glob("*.xlsx"))) == 8
    assert cip_xl.load_plan(example_path).settings.revision == 3
    assert rows[2][3] == "returns-never-merged"


def test_a_reporting_date_from_a_quarter_gone_is_asked_about(example_path):
    """Issue returns with the reporting date left 200 days back: Excel asks whether to
    set it to the quarter end nearest today first. No issues the returns as they were
    (the warning says so); Yes, on the next round, sets it (on the Audit sheet too)."""
    from datetime import timedelta

    from cip_xl.returns import quarter_end_near

    plan = cip_xl.load_plan(example_path)
    gone = date.today() - timedelta(days=200)
    plan.settings.reporting_date = gone
    cip_xl.api.save_plan(plan, example_path)
    near = quarter_end_near(date.today())
    asked = []
    book = StandInBook(example_path)
    book.app.alert = lambda prompt, title, buttons: asked.append(prompt) or "no"
    rows = findings_rows(addin.on_ribbon("cipReturns", book))
    assert len(asked) == 1
    assert asked[0].startswith(f"The reporting date in Settings is {gone:%d/%m/%Y}, 200 "
                               "days before today")
    assert asked[0].endswith(f"Set it to {near:%d/%m/%Y}, the quarter end nearest today, "
                             "first?")
    assert "reporting-date-far" in [r[3] for r in rows[2:]]
    assert cip_xl.load_plan(example_path).settings.reporting_date == gone

    book = StandInBook(example_path)
    book.app.alert = lambda prompt, title, buttons: "yes"  # a new round, and the date
    rows = findings_rows(addin.issue_returns(book))
    plan = cip_xl.load_plan(example_path)
    assert plan.settings.reporting_date == near and plan.settings.revision == 3
    assert "reporting-date-far" not in [r[3] for r in rows[2:]]
    assert any(e.field.endswith("Reporting date") and str(e.new).startswith(str(near))
               for e in plan.audit)


def test_no_reporting_date_is_asked_about(example_path):
    """A plan with no reporting date (carried forward, say): Issue returns asks to set
    it to the quarter end nearest today; Yes does."""
    from cip_xl.returns import quarter_end_near

    plan = cip_xl.load_plan(example_path)
    plan.settings.reporting_date = None
    cip_xl.api.save_plan(plan, example_path)
    asked = []
    book = StandInBook(example_path)
    book.app.alert = lambda prompt, title, buttons: asked.append(prompt) or "yes"
    addin.issue_returns(book)
    assert len(asked) == 1 and asked[0].startswith("Settings has no reporting date")
    assert cip_xl.load_plan(example_path).settings.reporting_date == \
        quarter_end_near(date.today())


def test_a_bad_file_is_a_finding_not_a_traceback(tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"not a workbook")
    book = StandInBook(bad)
    addin.validate(book)
    rows = findings_rows(book)
    assert rows[2][0] == "error" and "not an .xlsx workbook" in rows[2][2]
    assert "cip-xl validate" in book.app.status_bar


def test_merge_with_no_returns_folder_says_what_to_do(example_path):
    book = addin.merge_returns(StandInBook(example_path))
    rows = findings_rows(book)
    assert rows[2][3] == "no-returns" and "returned" in rows[2][2]
    (example_path.parent / addin.RETURNED_FOLDER / "Place").mkdir(parents=True)
    (example_path.parent / addin.RETURNED_FOLDER / "Place" / "Return.xlsx").write_bytes(b"")
    rows = findings_rows(addin.merge_returns(StandInBook(example_path)))
    assert rows[2][3] == "no-returns" and \
        "itself (not in the folders inside it: Place)" in rows[2][2]


def test_ribbon_buttons_vba_subs_and_entry_points_agree():
    ribbon = resource("macros", "customUI.xml").read_text(encoding="utf-8")
    vba = resource("macros", "CipXl.bas").read_text(encoding="utf-8")
    buttons = dict(re.findall(r'<button id="(\w+)"[^>]*?onAction="(\w+)"', ribbon, re.S))
    assert set(buttons) == set(addin.BUTTONS)
    for button, sub in buttons.items():
        body = re.search(rf"Public Sub {sub}\(control As IRibbonControl\)\s+CipRun \"(\w+)\"",
                         vba)
        assert body, sub
        assert getattr(addin, body[1]) is addin.BUTTONS[button]
    assert 'RunPython "import cip_xl.addin; cip_xl.addin." & entry & "()"' in vba
    import xml.dom.minidom
    xml.dom.minidom.parseString(ribbon)  # well-formed


def test_addin_install_writes_xlwings_conf(example_path):
    result = run_cli("addin", "install", str(example_path))
    assert result.returncode == 0, result.stderr
    conf = (example_path.parent / "xlwings.conf").read_text(encoding="utf-8")
    assert conf.startswith('"INTERPRETER_')
    assert "CipXl.bas" in result.stdout and "customUI.xml" in result.stdout


def _modules(path):
    """VBA modules as oletools (an independent reader) extracts them."""
    from oletools.olevba import VBA_Parser

    parser = VBA_Parser(str(path))
    try:
        return {name: code for _, _, name, code in parser.extract_macros()}
    finally:
        parser.close()


def test_built_addin_holds_the_ribbon_and_the_vba_module(tmp_path):
    import zipfile

    result = run_cli("addin", "build", "-o", str(tmp_path / "cip-xl.xlam"))
    assert result.returncode == 0, result.stderr
    path = tmp_path / "cip-xl.xlam"
    with zipfile.ZipFile(path) as archive:
        assert archive.read("customUI/customUI.xml") == \
            resource("macros", "customUI.xml").read_bytes()
        assert b"ui/extensibility" in archive.read("_rels/.rels")
    modules = _modules(path)
    code = modules["CipXl.bas"]
    for sub in ("CipValidate", "CipStatus", "CipReturns", "CipMerge", "CipApprove",
                "CipReport", "CipRemind"):
        assert f"Public Sub {sub}(control As IRibbonControl)" in code
    assert "xlwings.bas" in modules  # RunPython comes with it


def test_built_plan_workbook_opens_in_libreoffice_and_keeps_its_tab(example_path, tmp_path):
    import zipfile

    from .conftest import convert_with_libreoffice

    xlsm = tmp_path / "plan.xlsm"
    result = run_cli("addin", "build", "--plan", str(example_path), "-o", str(xlsm))
    assert result.returncode == 0, result.stderr
    assert "CipXl.bas" in _modules(xlsm)
    assert run_cli("status", str(xlsm)).returncode == 0  # cip-xl saves it...
    with zipfile.ZipFile(xlsm) as archive:  # ...and the tab and macros survive
        assert b"ui/extensibility" in archive.read("_rels/.rels")
        assert "customUI/customUI.xml" in archive.namelist()
    assert "CipXl.bas" in _modules(xlsm)
    assert len(cip_xl.load_plan(xlsm).actions) == 40
    pdf = convert_with_libreoffice(xlsm, "pdf", tmp_path / "lo")
    assert pdf.read_bytes().startswith(b"%PDF")
    # built again over itself, the plan would lose its backup and its own macros
    before = xlsm.read_bytes()
    again = run_cli("addin", "build", "--plan", str(xlsm), "-o", str(xlsm))
    assert again.returncode == 2 and "[output-is-input]" in again.stderr
    assert "plan-tab.xlsm" in again.stderr and xlsm.read_bytes() == before


def test_vba_compression_round_trips():
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from cip_xl.vba_project import compress, decompress

    @settings(max_examples=50, deadline=None)
    @given(st.binary(max_size=10000))
    def round_trip(data):
        assert decompress(compress(data)) == data
    round_trip()


def test_a_plan_open_from_sharepoint_is_not_closed_for_a_job_it_cannot_run(example_path):
    """Excel gives a workbook opened from SharePoint or OneDrive on the web an address,
    not a file (xlwings turns it into the synced folder's path only where there is
    one). A button that rewrites the plan closed it, failed to find the 'file', and
    could not open it again; now nothing is closed and the Findings sheet says how to
    get the plan onto this computer. A workbook never saved is told to be saved."""
    url = ("https://wrenfield.sharepoint.com/sites/Performance/Shared Documents/"
           "Corporate Improvement Plan 2026-27.xlsx")
    book = StandInBook(example_path)
    book.fullname, book.name = url, url.rsplit("/", 1)[-1]
    before = example_path.read_bytes()
    assert addin.on_ribbon("cipStatus", book) is book
    assert book.closed == 0 and not book.app.opened
    rows = findings_rows(book)
    assert rows[2][0] == "error" and rows[2][3] == "plan-not-on-this-computer"
    assert "wrenfield.sharepoint.com" in rows[2][2] and "Sync" in rows[2][2]
    assert example_path.read_bytes() == before

    new = StandInBook(example_path)
    new.fullname, new.name = "Book1", "Book1"
    addin.on_ribbon("cipMerge", new)
    assert new.closed == 0 and findings_rows(new)[2][3] == "plan-not-saved"


def test_a_findings_sheet_of_the_councils_own_is_never_cleared(example_path):
    """A plan that keeps a sheet called Findings (an inspection's findings, say): the
    add-in writes beside it, on 'cip-xl findings', and uses that sheet again next
    time; its own Findings sheet from an earlier run is reused as before."""
    book = StandInBook(example_path)
    theirs = book.sheets.add("Findings")
    council_rows = [["Inspection finding", "Owner", "Due", "Status"],
                    ["Improve member training", "HLD", "Mar 2027", "Open"]]
    theirs.range("A1").value = council_rows
    addin.validate(book)
    assert theirs.range("A1").value == council_rows
    ours = book.sheets["cip-xl findings"]
    assert ours.range("A1").value[1] == ["Severity", "Where", "Finding", "Code"]
    addin.validate(book)
    assert [s.name for s in book.sheets] == ["Plan", "Findings", "cip-xl findings"]
    assert theirs.range("A1").value == council_rows

    fresh = StandInBook(example_path)  # a Findings sheet the add-in wrote: reused
    addin.validate(fresh)
    addin.validate(fresh)
    assert [s.name for s in fresh.sheets] == ["Plan", "Findings"]


def test_undo_last_save_asks_then_puts_the_plan_back(example_path):
    """Undo last save, after a merge: Excel asks, naming the backup and whose changes
    it undoes; No changes nothing; Yes puts the plan back as before the merge (the
    return shown as not merged, the merged plan kept as a backup), and a second press
    undoes the undo."""
    from cip_xl.safe_save import backups_of

    folder = example_path.parent
    issued = cip_xl.issue_returns(example_path, folder / addin.RETURNS_FOLDER)
    place = next(item.path for item in issued if item.department == "Place")
    edit_return(place, {("5.1", "Progress update"): "Merged, then undone"})
    assert cip_xl.merge(example_path, [place]).saved
    merged = example_path.read_bytes()

    asked = []
    book = StandInBook(example_path)
    book.app.alert = lambda prompt, title, buttons: asked.append(prompt) or "no"
    after = addin.on_ribbon("cipUndo", book)
    assert len(asked) == 1 and "Place return" in asked[0]
    assert backups_of(example_path)[0][1].name in asked[0]
    assert example_path.read_bytes() == merged and after.app.status_bar == \
        "Nothing was put back."
    assert book.closed == 0  # asked before closing: No leaves the plan open

    book = StandInBook(example_path)
    book.app.alert = lambda prompt, title, buttons: "yes"
    after = addin.undo_last_save(book)
    assert book.closed == 1 and after.app.status_bar.startswith("Put back ")
    plan = cip_xl.load_plan(example_path)
    assert next(a for a in plan.actions if a.ref == "5.1").progress_update != \
        "Merged, then undone"
    rows = findings_rows(after)
    assert "restore-merges-undone" in [r[3] for r in rows[2:]]

    book = StandInBook(example_path)
    book.app.alert = lambda prompt, title, buttons: "yes"
    addin.undo_last_save(book)
    plan = cip_xl.load_plan(example_path)
    assert next(a for a in plan.actions if a.ref == "5.1").progress_update == \
        "Merged, then undone"
    assert cip_xl.check_trail(example_path) == []

    # after a save that changed only traffic lights, the question says so
    cip_xl.api.refresh_status(example_path, as_of=date(2027, 6, 30))
    asked.clear()
    book = StandInBook(example_path)
    book.app.alert = lambda prompt, title, buttons: asked.append(prompt) or "no"
    addin.undo_last_save(book)
    assert "changed no value typed or merged" in asked[0] and "0 change" not in asked[0]
    assert "before the last save (status as of 30/06/2027)" in asked[0]


def test_undo_with_no_backup_says_so_and_leaves_the_plan_open(example_path):
    book = StandInBook(example_path)
    book.app.alert = lambda prompt, title, buttons: pytest.fail("nothing to ask about")
    after = addin.undo_last_save(book)
    assert book.closed == 0 and after.app.status_bar == "No backup to put back."
    assert findings_rows(after)[2][3] == "restore-no-backup"
