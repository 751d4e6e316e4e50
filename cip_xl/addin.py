"""The Excel face: entry points that the ribbon's VBA calls through xlwings' RunPython.

Each entry point is a few lines over the same library call the CLI makes:

1. find the workbook that pressed the button (``xw.Book.caller()``, or ``book`` in
   tests), make sure it is saved, and take its file name;
2. for jobs that rewrite the master (status, returns, merge, approve), close it in
   Excel first — Excel locks an open file — and open it again afterwards;
3. show the outcome in the workbook: a Findings sheet and a status-bar message, never a
   Python traceback.

``macros/CipXl.bas`` holds the VBA subs and ``macros/customUI.xml`` the "Improvement
Plan" ribbon tab; ``on_ribbon`` maps a button's id to its entry point.
"""
from __future__ import annotations

import contextlib
import os
from datetime import date
from pathlib import Path
from typing import Callable

from .annotated_copy import ADDIN_FINDINGS_HEADINGS, FINDINGS_SHEET, FINDINGS_SHEET_BESIDE
from .findings import ERROR, Finding, PlanFileError

RETURNS_FOLDER = "returns"
RETURNED_FOLDER = "returned"
REMINDERS_FOLDER = "reminders"


def _caller(book=None):
    if book is not None:
        return book
    import xlwings as xw

    caller = xw.Book.caller()
    # from the add-in's ribbon the caller is the add-in itself: work on the plan in front
    return xw.books.active if caller.name.lower().endswith(".xlam") else caller


def _reopen(book, path: Path):
    """Open ``path`` again in the Excel that ``book`` lived in."""
    try:
        return book.app.books.open(str(path))
    except AttributeError:  # a stand-in without an app: nothing to reopen
        return book


def _findings_sheet(book):
    """The sheet of ``book`` to show findings on, cleared: the one the add-in wrote
    before (its headings in row 2), an empty one, or a new one. A council's own sheet
    called Findings (inspection findings, say) is never cleared: "cip-xl findings" is
    used beside it."""
    names = [sheet.name for sheet in book.sheets]
    if FINDINGS_SHEET not in names:
        return book.sheets.add(FINDINGS_SHEET)
    sheet = book.sheets[FINDINGS_SHEET]
    if not _ours_or_empty(sheet):  # the council's own
        if FINDINGS_SHEET_BESIDE not in names:
            return book.sheets.add(FINDINGS_SHEET_BESIDE)
        sheet = book.sheets[FINDINGS_SHEET_BESIDE]
    sheet.clear_contents()
    return sheet


def _ours_or_empty(sheet) -> bool:
    """Whether ``sheet`` is the Findings sheet the add-in writes, or holds nothing in
    the first rows where it would."""
    if sheet.range("A2:D2").value == ADDIN_FINDINGS_HEADINGS:
        return True
    rows = sheet.range("A1:D3").value or []
    return all(value is None for row in rows
               for value in (row if isinstance(row, list) else [row]))


def _show(book, title: str, findings: list[Finding], message: str) -> None:
    """Write ``findings`` on a Findings sheet of ``book`` (:func:`_findings_sheet`) and
    ``message`` on the status bar."""
    sheet = _findings_sheet(book)
    rows = [[title, "", "", ""], list(ADDIN_FINDINGS_HEADINGS)]
    rows += [[f.severity, f"{f.sheet or ''}!{f.cell or ''}".strip("!"), f.message, f.code]
             for f in findings]
    if not findings:
        rows.append(["", "", message, ""])
    sheet.range("A1").value = rows
    with contextlib.suppress(AttributeError):  # stand-ins have no status bar
        book.app.status_bar = message


def _plan_file(book) -> Path:
    """The file on this computer of ``book``, just saved. Raises PlanFileError when
    Excel has the workbook from the web — a SharePoint or OneDrive address xlwings
    could not turn into a synced folder — or it was never saved as a file: the jobs
    write backups, returns and reports beside the plan, so they need the file itself,
    and the workbook must not be closed for a job that cannot run."""
    name = str(book.fullname)
    if "://" in name:
        from urllib.parse import urlsplit

        raise PlanFileError(Finding(
            "plan-not-on-this-computer", ERROR,
            f"{book.name} is open from {urlsplit(name).netloc or 'the web'}, not from a "
            "folder on this computer, and cip-xl writes its backups, returns and reports "
            "beside the plan. Sync the library to this computer (Sync in SharePoint, or "
            "Add shortcut to My files in OneDrive) and open the plan from that folder, "
            "or download a copy and work on that.", name))
    path = Path(name)
    if not path.is_absolute() or not path.is_file():
        raise PlanFileError(Finding(
            "plan-not-saved", ERROR,
            f"{book.name} is not saved as a file yet: save it (File > Save As, Excel "
            "Workbook) and press the button again.", name))
    return path


def _run(job: str, work: Callable[[Path], tuple[list[Finding], str]], book=None,
         rewrites: bool = False):
    """Save the caller, run ``work`` on its file, show the outcome; return the book."""
    book = _caller(book)
    book.save()
    try:
        path = _plan_file(book)
    except PlanFileError as exc:
        _show(book, f"cip-xl {job}: {book.name}", [exc.finding],
              f"cip-xl {job}: {exc.finding.message}")
        return book
    if rewrites:
        book.close()
    try:
        findings, message = work(path)
    except PlanFileError as exc:
        findings, message = [exc.finding], f"cip-xl {job}: {exc.finding.message}"
    except Exception as exc:  # a bug of ours: shown in the workbook, not as a traceback
        findings = [Finding("internal-error", ERROR,
                            f"{type(exc).__name__}: {exc}. Please report this.",
                            str(path))]
        message = f"cip-xl {job} failed: {type(exc).__name__}"
    if rewrites:
        book = _reopen(book, path)
    _show(book, f"cip-xl {job}: {path.name}", findings, message)
    return book


def validate(book=None):
    """Validate button: check the plan, list the findings on a Findings sheet."""
    from . import api

    def work(path: Path):
        report = api.validate(path)
        errors = len(report.errors)
        return report.findings, (f"{len(report.plan.actions)} actions checked: {errors} "
                                 f"errors, {len(report.findings) - errors} other findings.")
    return _run("validate", work, book)


def refresh_status(book=None):
    """Refresh status button: recompute the traffic lights and the Summary sheet."""
    from . import api

    def work(path: Path):
        result = api.refresh_status(path)
        words = {}
        for judgement in result.judgements.values():
            words[judgement.verdict.word] = words.get(judgement.verdict.word, 0) + 1
        summary = ", ".join(f"{n} {w.lower()}" for w, n in words.items())
        return result.findings, f"Status as at {result.as_of:%d/%m/%Y}: {summary}."
    return _run("status", work, book, rewrites=True)


def issue_returns(book=None):
    """Issue returns button: one return per directorate (per lead officer where the
    Officers sheet gives no directorates) into a returns folder beside
    the plan. While this round's returns are out and none has been merged, a new round
    would strand them: the manager is asked first — before the plan is closed, so that
    No leaves it open — and Yes starts it anyway. A reporting date left from a quarter
    gone, or none, is asked about too: Yes sets it to the quarter end nearest today
    first (as ``cip-xl returns --reporting-date`` does), No issues the returns as it
    is."""
    from . import api
    from .returns import days_away

    book = _caller(book)
    new_round = False
    try:
        path = _plan_file(book)
        refused = api.round_still_out(path)
        far = api.reporting_date_far(path)
    except PlanFileError:
        refused = far = None  # the job below says what is wrong, and leaves the plan open
    if refused is not None:
        if not _confirmed(getattr(book, "app", None),
                          refused.message.replace(" Nothing was issued.", "") +
                          "\n\nStart a new round anyway?"):
            _show(book, f"cip-xl returns: {book.name}", [refused],
                  f"cip-xl returns: {refused.message}")
            return book
        new_round = True
    reporting_date = None
    if far is not None and _confirmed(
            getattr(book, "app", None),
            (f"The reporting date in Settings is {far[0]:%d/%m/%Y}, "
             f"{days_away(far[0], date.today())}: the returns would ask officers for "
             "progress as at then." if far[0] is not None else
             "Settings has no reporting date: the returns would not say as at when "
             "officers are to report progress.") +
            f"\n\nSet it to {far[1]:%d/%m/%Y}, the quarter end nearest today, first?"):
        reporting_date = far[1]

    def work(path: Path):
        folder = path.parent / RETURNS_FOLDER
        issued = api.issue_returns(path, folder, new_round=new_round,
                                   reporting_date=reporting_date, who=_login())
        return issued.findings, f"Issued {len(issued)} returns into {folder}."
    return _run("returns", work, book, rewrites=True)


def _login() -> str:
    """Who is pressing the button, for the Audit sheet: the Windows login (USERNAME),
    else the Mac's (USER)."""
    return os.environ.get("USERNAME") or os.environ.get("USER", "")


def _confirmed(app, question: str) -> bool:
    """Whether the manager answers Yes to ``question`` in an Excel message box (No where
    none can be shown)."""
    alert = getattr(app, "alert", None)  # xlwings' App.alert
    if alert is None:
        return False
    try:
        return str(alert(question, title="cip-xl", buttons="yes_no")).lower() == "yes"
    except Exception:  # no dialog to be had (Excel busy, an old xlwings): not confirmed
        return False


def issue_return_again(book=None):
    """Issue one again button: the return of the department whose action is selected on
    the Plan sheet, issued again into the returns folder (after moving the action or
    changing its lead officer); every other return of the round stays good."""
    from . import api

    book = _caller(book)
    selection = book.selection
    sheet, row = selection.sheet.name, selection.row

    def work(path: Path):
        department = api.department_at(path, sheet, row)
        issued = api.issue_returns(path, path.parent / RETURNS_FOLDER,
                                   departments=[department])
        return issued.findings, (f"Issued the {department} return again: "
                                 f"{issued[0].path.name}.")
    return _run("returns", work, book, rewrites=True)


def merge_returns(book=None):
    """Merge returns button: merge every file in the 'returned' folder beside the plan —
    not only the .xlsx: an officer's .ods, .xls or PDF is named in the findings (with
    what it says, where it can be read) rather than passed over in silence (an .ods
    merges with ``cip-xl merge --convert-ods``, which starts LibreOffice on it)."""
    from . import api

    def work(path: Path):
        from .merging import folders_left_out, returned_files

        folder = path.parent / RETURNED_FOLDER
        files = [f for f in returned_files([folder]) if f != folder] \
            if folder.is_dir() else []
        if not files:
            inside = ", ".join(f.name for f, _ in folders_left_out([folder]))
            return [Finding("no-returns", ERROR,
                            f"Put the returned workbooks in {folder}"
                            + (f" itself (not in the folders inside it: {inside})"
                               if inside else "") + " and press Merge again.",
                            str(path))], "No returns to merge."
        report = path.parent / "merge-report.xlsx"
        result = api.merge(path, [folder], report=report)  # its folders are named
        applied = sum(o.edits for o in result.outcomes)
        refused = sum(len(o.refusals) for o in result.outcomes)
        return result.findings, (f"Merged {len(files)} returns: {applied} changes applied, "
                                 f"{refused} refused (see {report.name}).")
    return _run("merge", work, book, rewrites=True)


def approve(book=None):
    """Approve button: apply the Approve / Reject decisions typed on Change requests."""
    from . import api

    def work(path: Path):
        result = api.approve(path)
        return result.findings, (f"{len(result.approved)} approved, {len(result.rejected)} "
                                 f"rejected, {len(result.pending)} still to decide.")
    return _run("approve", work, book, rewrites=True)


def build_report(book=None):
    """Build report button: the Word committee report beside the plan."""
    from . import api

    def work(path: Path):
        result = api.report(path, None)  # PLAN-report.docx beside the plan
        kept = f" The previous one is in {result.previous.parent.name}." \
            if result.previous else ""
        return result.findings, f"Wrote {result.path.name} ({result.actions} actions).{kept}"
    return _run("report", work, book)


def report_on_theme(book=None):
    """Report on this theme button: the Word report of the theme of the action selected
    on the Plan sheet alone — for a committee whose remit it is — beside the plan,
    named for the theme."""
    from . import api

    book = _caller(book)
    selection = book.selection
    sheet, row = selection.sheet.name, selection.row

    def work(path: Path):
        theme = api.theme_at(path, sheet, row)
        result = api.report(path, None, themes=(theme,))  # named for the theme
        kept = f" The previous one is in {result.previous.parent.name}." \
            if result.previous else ""
        return result.findings, (f"Wrote {result.path.name} ({result.actions} actions of "
                                 f"{theme}).{kept}")
    return _run("report", work, book)


def export_open_data(book=None):
    """Open data button: the plan's actions as a CSV beside the plan
    (PLAN-open-data.csv), for the council's open data portal or a dashboard."""
    from . import api

    def work(path: Path):
        result = api.export(path)
        return list(result.findings), (
            f"Wrote {result.path.name} ({result.actions} actions, statuses as at "
            f"{result.as_at:%d/%m/%Y}).")
    return _run("export", work, book)


def reminders(book=None):
    """Reminders button: .eml drafts for each lead officer in a reminders folder."""
    from . import api

    def work(path: Path):
        folder = path.parent / REMINDERS_FOLDER
        _, files, findings = api.remind(path, folder)
        return findings, f"Wrote {len(files)} reminder drafts into {folder}."
    return _run("remind", work, book)


def undo_last_save(book=None):
    """Undo last save button: put back the plan as it was before cip-xl last saved it
    (its newest backup: before the last merge, status or approval), after asking —
    before the plan is closed, so that No leaves it as it is, open. The plan as it is
    now is kept as a backup and the Audit sheet keeps every entry, so a second press
    undoes the undo. Returns merged since show as not merged."""
    from . import api

    book = _caller(book)
    try:
        path = _plan_file(book)
    except PlanFileError:
        path = None  # the job below says what is wrong, and leaves the plan open
    newest = None
    if path is not None:
        versions = api.backups(path)
        if not versions:
            from .plan_history import why_no_backups

            _show(book, f"cip-xl restore: {path.name}", [Finding(
                "restore-no-backup", ERROR,
                f"There is no backup of {path.name} to put back. " + why_no_backups(
                    path, "cip-xl makes one each time it saves the plan."),
                str(path))], "No backup to put back.")
            return book
        newest = versions[0]
        by = f" by {', '.join(newest.made_by[:3])}" if newest.made_by else ""
        last = f" ({newest.saves_since[0]})" if newest.saves_since else ""
        undoes = (f"This undoes the {newest.entries_since} change(s) on the Audit sheet "
                  f"since{by}, and anything typed since." if newest.entries_since else
                  "That save changed no value typed or merged: this undoes it and only "
                  "what was typed since.")
        question = (f"Put back {path.name} as it was at {newest.made:%d/%m/%Y %H:%M} "
                    f"({newest.path.name}), before the last save{last}? {undoes} The plan "
                    "as it is now is kept as a backup, and every Audit entry stays.")
        if not _confirmed(getattr(book, "app", None), question):
            _show(book, f"cip-xl restore: {path.name}", [], "Nothing was put back.")
            return book

    def work(path: Path):
        result = api.restore(path, str(newest.path), by=_login())
        kept = f" The plan as it was is kept as {result.replaced.name}." \
            if result.replaced else ""
        return result.findings, (f"Put back {newest.path.name}: {result.put_back} "
                                 f"value(s), each on the Audit sheet.{kept}")
    return _run("restore", work, book, rewrites=True)


#: ribbon button ids (macros/customUI.xml) → entry points
BUTTONS = {
    "cipValidate": validate, "cipStatus": refresh_status, "cipReturns": issue_returns,
    "cipReturnAgain": issue_return_again, "cipMerge": merge_returns, "cipApprove": approve, "cipReport": build_report,
    "cipReportTheme": report_on_theme, "cipExport": export_open_data, "cipRemind": reminders,
    "cipUndo": undo_last_save,
}


def on_ribbon(button_id: str, book=None):
    """Run the entry point of ribbon button ``button_id``."""
    return BUTTONS[button_id](book)


def write_xlwings_conf(folder: Path, interpreter: str | None = None) -> Path:
    """Write ``xlwings.conf`` into ``folder`` so RunPython uses this Python."""
    import sys

    from .safe_save import atomic_write_bytes

    interpreter = interpreter or sys.executable
    key = "INTERPRETER_WIN" if interpreter.lower().endswith(".exe") else "INTERPRETER_MAC"
    path = Path(folder) / "xlwings.conf"
    atomic_write_bytes(f'"{key}","{interpreter}"\n'.encode("utf-8"), path)
    return path


ADDIN_NAME = "cip-xl.xlam"


def _xlwings_base(name: str, output: Path) -> Path:
    try:
        import xlwings
    except ImportError:
        raise PlanFileError(Finding(
            "addin-needs-xlwings", ERROR,
            'Building the add-in needs xlwings: python -m pip install "cip-xl[addin]".',
            str(output))) from None
    base = Path(xlwings.__file__).parent / name
    if not base.is_file():
        raise PlanFileError(Finding(
            "addin-base-missing", ERROR,
            f"This xlwings ({xlwings.__version__}) has no {name} to build on.", str(output)))
    return base


def build_plan_workbook(plan: Path, output: Path) -> Path:
    """Write ``output`` (.xlsm): the plan at ``plan`` with the ribbon tab and the VBA
    (xlwings' RunPython module embedded, so no separate add-in is needed)."""
    import io
    import zipfile

    from .filecheck import open_workbook
    from .resources import resource
    from .kept_parts import save_keeping_parts
    from .vba_project import RIBBON_PART, RIBBON_REL, add_module, restore_ribbon

    from .safe_save import refuse_to_write_over

    output = Path(output)
    if output.suffix.lower() != ".xlsm":
        raise PlanFileError(Finding("addin-not-xlsm", ERROR,
                                    f"{output.name}: a workbook with macros must end .xlsm.",
                                    str(output)))
    # over the plan, it would go without a backup, and the plan's own macros with it
    refuse_to_write_over(output, [(plan, "the plan itself")],
                         "the macro-enabled copy with the tab", f"{Path(plan).stem}-tab.xlsm")
    base = _xlwings_base("quickstart_standalone.xlsm", output)
    module = resource("macros", "CipXl.bas").read_text(encoding="utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(buffer, "w") as archive:
        for name in source.namelist():
            data = source.read(name)
            if name == "xl/vbaProject.bin":
                data = add_module(data, "CipXl", module)
            elif name == "_rels/.rels":
                data = data.replace(b"</Relationships>", (
                    f'<Relationship Id="rIdCipXlRibbon" Type="{RIBBON_REL}" '
                    f'Target="{RIBBON_PART}"/></Relationships>').encode())
            archive.writestr(name, data)
        archive.writestr(RIBBON_PART, resource("macros", "customUI.xml").read_bytes())
    wb = open_workbook(plan, rich_text=True)  # formatted words stay formatted
    wb.vba_archive = zipfile.ZipFile(io.BytesIO(buffer.getvalue()))
    save_keeping_parts(wb, output, Path(plan).read_bytes())  # a sensitivity label
    restore_ribbon(output)
    return output


def build_addin(output: Path) -> Path:
    """Write the Excel add-in (.xlam): the Improvement Plan ribbon tab and the CipXl VBA
    module, added to the VBA project of xlwings' quickstart add-in (which supplies
    RunPython). Needs xlwings installed (``pip install "cip-xl[addin]"``)."""
    import io
    import zipfile

    from .resources import resource
    from .safe_save import atomic_write_bytes
    from .vba_project import add_module

    base = _xlwings_base("quickstart_addin_ribbon.xlam", Path(output))
    ribbon = resource("macros", "customUI.xml").read_bytes()
    module = resource("macros", "CipXl.bas").read_text(encoding="utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(buffer, "w",
                                                          zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "customUI/customUI.xml":
                data = ribbon
            elif item.filename == "xl/vbaProject.bin":
                data = add_module(data, "CipXl", module)
            target.writestr(item.filename, data)
    output = Path(output)
    if output.is_dir():
        output = output / ADDIN_NAME
    atomic_write_bytes(buffer.getvalue(), output)
    return output
