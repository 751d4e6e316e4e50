"""Departmental returns: one workbook per department holding only its actions.

A return is protected so that officers edit only their columns (status, % complete,
progress update, a proposed revised date and a comment) with dropdowns and date checks,
can propose new actions on a sheet of their own, and read plain-English instructions.
A very-hidden sheet records which plan and revision it came from, the department, when
it was issued and every issued row's values and fingerprint: what
:mod:`cip_xl.merging` compares the returned workbook with.
"""
from __future__ import annotations

import hashlib
import json
import re
from copy import copy
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from . import schema
from .cells import property_text
from .model import Action, AuditEntry, Plan, ReturnRecord
from .schema import Contract

if TYPE_CHECKING:
    from .findings import Finding

META_SHEET = "cipxl"
RETURN_SHEET = "Return"
NEW_ACTIONS_SHEET = "New actions"
INSTRUCTIONS_SHEET = "Instructions"
LISTS_SHEET = "Lists"
FORMAT = "cip-xl return"
FORMAT_VERSION = 1
EDITABLE_FILL = "FFF2CC"
#: the Instructions sheet's one column, in characters: it prints on portrait A4 within
#: the default margins whether or not the office suite scales the page to fit
INSTRUCTIONS_WIDTH = 86
NEW_ACTION_ROWS = 15


@dataclass(frozen=True)
class ReturnColumn:
    """A column of the Return sheet: plan field ``key``, or a return-only field."""

    key: str
    header: str
    editable: bool = False
    width: float = 14
    hidden: bool = False


def return_columns(contract: Contract) -> tuple[ReturnColumn, ...]:
    """The Return sheet's columns, with the council's own header wording."""
    def col(key: str, editable: bool = False, width: float | None = None) -> ReturnColumn:
        column = contract.column(key)
        header = column.header + (" ✎" if editable else "")
        return ReturnColumn(key, header, editable, width or column.width)

    return (
        col("ref"), col("theme"), col("objective"), col("key_action", width=36),
        col("lead_officer"), col("target_date"), col("revised_date"),
        col("target_outcomes"),
        ReturnColumn("rag", "Status at issue", width=14),
        col("status", True), col("percent_complete", True),
        col("progress_update", True, 50),
        ReturnColumn("proposed_date", "Proposed revised date ✎", True, 14),
        ReturnColumn("comment", "Comment / reason for new date ✎", True, 30),
        ReturnColumn("action_id", "Action ID", hidden=True, width=12),
    )


#: the fields an officer may change, and where they go when merged
OFFICER_FIELDS = ("status", "percent_complete", "progress_update", "proposed_date",
                  "comment")
NEW_ACTION_COLUMNS = (("theme", "Theme"), ("key_action", "Proposed key action"),
                      ("target_date", "Target date"), ("target_outcomes", "Target / outcomes"),
                      ("comment", "Why it is needed"))


def issued_values(action: Action) -> dict[str, object]:
    """The values a return shows for ``action``, as JSON-safe data (dates as ISO)."""
    values = {key: getattr(action, key) for key in (
        "ref", "theme", "objective", "key_action", "lead_officer", "target_date",
        "revised_date", "target_outcomes", "rag", "status", "percent_complete",
        "progress_update")}
    values["proposed_date"] = None
    values["comment"] = None
    return {k: to_json(v) for k, v in values.items()}


def to_json(value: object) -> object:
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() \
            else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if value == "":
        return None
    return value


def comparable(value: object) -> object:
    """``value`` as two cell values are compared, to tell whether a person changed it:
    blank and empty text are None, text is without the spaces around it and with one
    kind of line break, numbers are floats (60 is 60.0), dates are ISO text (a
    midnight date-time is its day)."""
    if isinstance(value, str):
        value = value.replace("\r\n", "\n").strip()
        if not value:
            return None
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return float(value)
    return to_json(value)


def fingerprint(data: object) -> str:
    """A short stable hash of JSON-able ``data``: :func:`text_fingerprint` of
    :func:`record_text` of it."""
    return text_fingerprint(record_text(data))


def record_text(data: object) -> str:
    """``data`` as the hidden issue record holds it (JSON, keys sorted)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)


def text_fingerprint(text: str) -> str:
    """A short hash of ``text``: the fingerprint of the data it is
    :func:`record_text` of, without reading it back."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
             *(f"LPT{i}" for i in range(1, 10))}


def safe_file_name(*parts: str, suffix: str = ".xlsx", limit: int = 90) -> str:
    """A file name safe on Windows, SharePoint and OneDrive from ``parts``.

    Drops characters they forbid (``\\ / : * ? " < > | # %``), leading tildes and
    dots, trailing dots and spaces, and reserved device names such as CON or LPT1.
    """
    text = " ".join(p for p in parts if p)
    text = re.sub(r'[\\/:*?"<>|#%\x00-\x1f]+', "-", text)
    text = re.sub(r"\s+", " ", text).strip(" .-~")
    text = re.sub(r"-{2,}", "-", text)
    text = text.replace(" ", "_")[:limit].rstrip("._- ") or "return"
    if text.split(".")[0].upper() in _RESERVED or text.lower().startswith("_vti_"):
        text = f"return_{text}"
    return text + suffix


def group_actions(plan: Plan, by: str) -> dict[str, list[Action]]:
    """Actions by department: ``by`` is ``directorate`` or ``officer`` (first lead code).

    Actions whose officer is unknown go to a group named "No directorate" so none is
    left out of the returns.
    """
    from .status import refresh

    refresh(plan)  # directorate column
    groups: dict[str, list[Action]] = {}
    leads = plan.lead_officer_reader()  # by code, title or name
    for action in plan.actions:
        if by == "officer":
            codes = leads(action)
            key = codes[0].upper() if codes else "No officer"
        else:
            key = action.directorate or "No directorate"
        groups.setdefault(key, []).append(action)
    return dict(sorted(groups.items()))


class IssuedReturns(list):
    """The returns written by :func:`issue_returns` (a list of :class:`IssuedReturn`),
    with ``findings``: what the manager should know about the round, such as another
    department's return that no longer matches the plan after some were issued again."""

    def __init__(self, items=(), findings=None) -> None:
        super().__init__(items)
        self.findings = list(findings or [])


@dataclass
class IssuedReturn:
    """A return written to disk."""

    department: str
    path: Path
    actions: int
    fingerprint: str


@dataclass
class ReturnContent:
    """What one department's return holds, before it is laid out in a workbook."""

    department: str
    #: per action row, per Return column: (value, column kind)
    cells: list[list[tuple[object, str]]]
    heights: list[float]
    #: the hidden record: (action_id, row, fingerprint, issued values as JSON)
    rows_meta: list[tuple]
    meta_rows: list[tuple[str, object]]
    fingerprint: str
    instructions: list[tuple[str, bool]]
    title: str


def return_content(plan: Plan, department: str, actions: list[Action], contract: Contract,
                   issued_at: datetime, by: str) -> ReturnContent:
    """The values, row heights, record and instructions of ``department``'s return."""
    from .plan_write import wrapped_lines

    columns = return_columns(contract)
    kinds = [contract.column(c.key).kind if c.key in schema.COLUMNS_BY_KEY else schema.TEXT
             for c in columns]
    cells, heights, rows_meta = [], [], []
    for r, action in enumerate(actions, start=2):
        values = issued_values(action)
        cells.append([(getattr(action, column.key, None) if column.key in values or
                       column.key == "action_id" else None, kind)
                      for column, kind in zip(columns, kinds)])
        lines = max(wrapped_lines(str(getattr(action, col.key, "") or ""), col.width)
                    for col in columns if not col.hidden and col.key in values)
        heights.append(min(409, max(30, 15 * lines)))
        text = record_text(values)
        rows_meta.append((action.action_id, r, text_fingerprint(text), text))
    meta_rows = [("format", FORMAT), ("version", FORMAT_VERSION),
                 ("plan_id", plan.settings.plan_id), ("revision", plan.settings.revision),
                 ("department", department), ("by", by),
                 ("issued", issued_at.isoformat(timespec="seconds")),
                 ("plan_title", plan.settings.plan_title)]
    instructions = _instructions(plan, _addressed_to(plan, department, by), len(actions),
                                 issued_at)
    # the Instructions text as issued, so that a merge can tell an officer's typing
    # from it (it is not part of the fingerprint: it decides only what is reported)
    meta_rows.append(("instructions", json.dumps([text for text, _ in instructions],
                                                 ensure_ascii=False)))
    return_print = fingerprint([plan.settings.plan_id, plan.settings.revision, department,
                                [row[2] for row in rows_meta]])
    meta_rows.append(("fingerprint", return_print))
    return ReturnContent(department, cells, heights, rows_meta, meta_rows, return_print,
                         instructions,
                         property_text(f"{plan.settings.plan_title}: return for "
                                       f"{department}"))


def meta_table(content: ReturnContent) -> list[tuple]:
    """The rows of the hidden record sheet, from row 1."""
    return list(content.meta_rows) + [()] + \
        [("action_id", "row", "fingerprint", "issued values")] + list(content.rows_meta)


def build_return(plan: Plan, content: ReturnContent, contract: Contract,
                 label: dict[str, str] | None = None):
    """An openpyxl workbook: the return holding ``content``, with the plan's
    sensitivity ``label`` (:mod:`cip_xl.labels`), if it has one."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill, Protection
    from openpyxl.utils import get_column_letter
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.workbook.protection import WorkbookProtection
    from openpyxl.worksheet.datavalidation import DataValidation

    from .plan_write import describe_workbook, print_across, set_text, set_value

    columns = return_columns(contract)
    wb = Workbook()
    guide = wb.active
    guide.title = INSTRUCTIONS_SHEET
    ws = wb.create_sheet(RETURN_SHEET)
    new = wb.create_sheet(NEW_ACTIONS_SHEET)
    lists = wb.create_sheet(LISTS_SHEET)
    meta = wb.create_sheet(META_SHEET)

    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor="1F4E79")
    editable_fill = PatternFill("solid", fgColor=EDITABLE_FILL)
    unlocked = Protection(locked=False)
    wrap = Alignment(wrap_text=True, vertical="top")

    for c, column in enumerate(columns, start=1):
        cell = ws.cell(1, c, column.header)
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")
        ws.column_dimensions[get_column_letter(c)].width = column.width
        ws.column_dimensions[get_column_letter(c)].hidden = column.hidden
    styles: dict[tuple, object] = {}  # one style record per column and value shape
    for r, (row, height) in enumerate(zip(content.cells, content.heights), start=2):
        for c, (column, (value, kind)) in enumerate(zip(columns, row), start=1):
            cell = ws.cell(r, c)
            set_value(cell, value, kind)
            shape = (c, type(value), bool(cell.quotePrefix))
            if shape in styles:
                cell._style = copy(styles[shape])
                continue
            cell.alignment = wrap
            if column.editable:
                cell.protection = unlocked
                cell.fill = editable_fill
            styles[shape] = copy(cell._style)
        ws.row_dimensions[r].height = height
    actions = content.cells
    ws.row_dimensions[1].height = 48
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(2, len(actions) + 1)}"
    ws.print_title_rows = "1:1"
    print_across(ws)

    # dropdowns and checks, error alerts on
    for c, value in enumerate(schema.STATUS_WORDS, start=1):
        set_text(lists.cell(c, 1), value)
    wb.defined_names[schema.STATUS_LIST_NAME] = DefinedName(
        schema.STATUS_LIST_NAME, attr_text=f"'{LISTS_SHEET}'!$A$1:$A${len(schema.STATUS_WORDS)}")
    theme_names = plan.theme_names() or ["-"]
    for r, value in enumerate(theme_names, start=1):
        set_text(lists.cell(r, 2), value)  # a theme called "=Growth" is not a formula
    wb.defined_names[schema.THEME_LIST_NAME] = DefinedName(
        schema.THEME_LIST_NAME, attr_text=f"'{LISTS_SHEET}'!$B$1:$B${len(theme_names)}")
    lists.sheet_state = "hidden"
    last = max(2, len(actions) + 1)
    letter = {col.key: get_column_letter(i) for i, col in enumerate(columns, start=1)}

    def check(sheet, key_range: str, dv: DataValidation) -> None:
        dv.showErrorMessage = True
        dv.showInputMessage = bool(dv.prompt)
        dv.add(key_range)
        sheet.add_data_validation(dv)

    check(ws, f"{letter['status']}2:{letter['status']}{last}", DataValidation(
        type="list", formula1=schema.STATUS_LIST_NAME, allow_blank=True,
        errorTitle="Choose a status", error="Please pick a status from the list.",
        promptTitle="Status", prompt="Pick from the list."))
    check(ws, f"{letter['percent_complete']}2:{letter['percent_complete']}{last}",
          DataValidation(type="whole", operator="between", formula1="0", formula2="100",
                         allow_blank=True, errorTitle="% complete",
                         error="Type a whole number from 0 to 100.",
                         promptTitle="% complete",
                         prompt="A whole number from 0 to 100: type 60, not 60%."))
    check(ws, f"{letter['proposed_date']}2:{letter['proposed_date']}{last}", DataValidation(
        type="date", operator="greaterThan", formula1="36526", allow_blank=True,
        errorTitle="Proposed revised date", error="Type a date, e.g. 31/03/2027.",
        promptTitle="Only if the date must move",
        prompt="Type the new date (e.g. 31/03/2027) and say why in the Comment column. "
               "The improvement manager will approve or refuse it."))

    for c, (key, header) in enumerate(NEW_ACTION_COLUMNS, start=1):
        cell = new.cell(1, c, header)
        cell.font, cell.fill = header_font, header_fill
        new.column_dimensions[get_column_letter(c)].width = 40 if key != "target_date" else 14
        for r in range(2, NEW_ACTION_ROWS + 2):
            new.cell(r, c).protection = unlocked
            new.cell(r, c).fill = editable_fill
            new.cell(r, c).alignment = wrap
    check(new, f"A2:A{NEW_ACTION_ROWS + 1}", DataValidation(
        type="list", formula1=schema.THEME_LIST_NAME, allow_blank=True,
        errorTitle="Choose a theme", error="Please pick a theme from the list.",
        promptTitle="Theme", prompt="Pick the theme the new action belongs to."))
    check(new, f"C2:C{NEW_ACTION_ROWS + 1}", DataValidation(
        type="date", operator="greaterThan", formula1="36526", allow_blank=True,
        errorTitle="Target date", error="Type a date, e.g. 31/03/2027.",
        promptTitle="Target date", prompt="When it should be done, e.g. 31/03/2027."))
    new.print_title_rows = "1:1"
    print_across(new)  # its four wide columns on one page's width, not a page each

    _write_instructions(guide, content.instructions)
    for r, row in enumerate(meta_table(content), start=1):
        for c, value in enumerate(row, start=1):
            if isinstance(value, str):
                set_text(meta.cell(r, c), value)
            else:
                meta.cell(r, c).value = value
    meta.sheet_state = "veryHidden"

    for sheet in (ws, new):
        sheet.protection.sheet = True
        sheet.protection.formatColumns = False  # officers may widen columns
        sheet.protection.formatRows = False
        sheet.protection.autoFilter = False
        sheet.protection.sort = True  # sorting would reorder issued rows
    guide.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)
    wb.active = 1
    describe_workbook(wb.properties, content.title)
    if label:
        from .labels import put_label

        put_label(wb, label)
    return wb


def _addressed_to(plan: Plan, department: str, by: str) -> str:
    """Who a return is for, as its reader knows them: the department, or for a return
    per lead officer their name and title with the code ("Jo Bloggs, Head of Finance
    (HF)") where the Officers sheet gives them."""
    if by != "officer":
        return department
    officer = plan.officer(department)
    known = ", ".join(part for part in (officer.name, officer.title) if part) \
        if officer is not None else ""
    return f"{known} ({department})" if known else department


def _instructions(plan: Plan, department: str, count: int,
                  issued_at: datetime) -> list[tuple[str, bool]]:
    """The Instructions sheet's lines: (text, bold); ``department`` as addressed."""
    settings = plan.settings
    due = f" as at {settings.reporting_date:%d %B %Y}" if settings.reporting_date else ""
    return [
        (f"{settings.plan_title}: quarterly return", True),
        (f"For: {department}. {count} action{'s' if count != 1 else ''}. "
         f"Issued {issued_at:%d %B %Y}.", False),
        ("", False),
        ("What to do", True),
        (f"1. Go to the '{RETURN_SHEET}' sheet. Your actions are listed one per row. (If "
         "Excel shows a yellow PROTECTED VIEW bar, press Enable Editing first: the lists "
         "and date checks work only then.)", False),
        ("2. In the yellow columns marked ✎, update each action" + due + ":", False),
        ("   • Status: pick from the list (On track, At risk, Slipped, Complete...).", False),
        ("   • % complete: a whole number from 0 to 100 (type 60, not 60%).", False),
        ("   • Progress update: what has happened this quarter, in plain words.", False),
        ("   • Proposed revised date: only if the target date must move; say why in "
         "the Comment column. The improvement manager approves new dates.", False),
        (f"3. To propose a new action, use the '{NEW_ACTIONS_SHEET}' sheet.", False),
        ("4. Save the file with the same name, as an Excel workbook (in LibreOffice: "
         "Use Excel 2007-365!), and send it back. Please do not add, delete, sort or copy "
         "rows, and do not change the grey columns: such changes are not taken into the "
         "plan.", False),
        ("", False),
        ("To explain something, use the Comment column: it reaches the improvement "
         "manager with the action. Anything you type that cannot be taken into the plan "
         "(on other sheets, in text boxes, beside the table) is listed back to them with "
         "the cell it came from, so nothing you write is lost.", False),
        (f"Questions: {settings.contact or settings.report_author or 'the improvement manager'}.",
         False),
    ]


def instruction_height(row: int, text: str) -> float:
    """The height of Instructions row ``row`` holding ``text`` (the title is larger)."""
    from .plan_write import wrapped_lines

    return (22 if row == 1 else 15) * wrapped_lines(text, INSTRUCTIONS_WIDTH - 10)


def _write_instructions(ws, lines: list[tuple[str, bool]]) -> None:
    from openpyxl.styles import Alignment, Font

    from .plan_write import print_across, set_text

    ws.column_dimensions["A"].width = INSTRUCTIONS_WIDTH
    for r, (text, bold) in enumerate(lines, start=1):
        cell = ws.cell(r, 1)
        set_text(cell, text)  # the title holds the plan's and department's names
        cell.font = Font(bold=bold, size=14 if r == 1 else 11)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[r].height = instruction_height(r, text)
    print_across(ws, orientation=None)


def issue_returns(plan: Plan, folder: Path, contract: Contract, by: str | None = None,
                  issued_at: datetime | None = None,
                  departments: list[str] | None = None,
                  new_round: bool = False,
                  label: dict[str, str] | None = None) -> IssuedReturns:
    """Write one return per department into ``folder``; log them in ``plan``. Each
    carries the plan's sensitivity ``label``, if given (:mod:`cip_xl.labels`).

    ``by`` splits the plan per ``directorate`` or per lead ``officer``; None (the
    default) means by directorate unless no action has one — an Officers sheet without
    directorates, as in an imported plan — when one return holding every action would
    help nobody: then by lead officer, with a finding that says so
    (``returns-by-officer``).

    The plan's revision goes up by one, so returns issued earlier can no longer be
    merged (the caller saves the plan). While this round's returns are out and none has
    been merged, that would throw away whatever officers are typing into them — a
    second press of the button, or a whole round issued again to fix one action — so
    it raises :class:`~cip_xl.findings.PlanFileError` (``round-still-out``) unless
    ``new_round`` says the manager means it; returns of the round left unmerged when a
    new one starts are named in the findings (``returns-never-merged``), and so is a
    reporting date far from ``issued_at`` (``reporting-date-far``) or none at all
    (``reporting-date-missing``).

    With ``departments``, only those departments' returns are issued again (split as
    this round's were, whatever ``by`` says), from the plan as it is now, at the same
    revision: each replaces its department's return of this round (which merging then
    takes only as a copy of the new one, for the actions still in it), the other
    departments' returns stay good, and the findings of the result name any whose
    return no longer matches the plan; a name with neither a return this round nor
    actions raises :class:`~cip_xl.findings.PlanFileError`; so does a plan with no
    actions (``plan-empty``: a round of no returns would only move the revision on).

    Existing files are not overwritten: a numbered name is chosen instead. One template return is built with openpyxl; the
    returns are copies of its package with their own rows
    (:mod:`cip_xl.return_template`), cell for cell the same as if each were built.
    If one cannot be written, those written before it are removed again.
    """
    from .return_template import ReturnTemplate, workbook_bytes
    from .safe_save import atomic_write_bytes, make_folder

    if by not in (None, "directorate", "officer"):
        raise ValueError("by must be 'directorate', 'officer' or None")
    if not plan.actions:
        from .findings import ERROR, Finding, PlanFileError

        raise PlanFileError(Finding(
            "plan-empty", ERROR, "The plan has no actions, so there is nothing to send: "
            "add one row per key action on the Plan sheet first. Nothing was issued.",
            sheet=contract.plan_sheet))
    issued_at = (issued_at or datetime.now()).replace(microsecond=0)
    findings = []
    if departments is not None:
        by = _round_grouping(plan, by or "directorate")
    elif by is None:
        by, findings = _default_split(plan, contract.sheet("officers"))
    every_group = groups = group_actions(plan, by)
    if departments is not None:
        groups = _again(plan, groups, departments, by)
        findings = _replaced(plan, groups) + _left_behind(plan, every_group, groups)
    else:
        findings += _round_still_out(plan, new_round) + _quarter_of(plan, issued_at)
        findings += _meeting_gone(plan, contract.sheet("settings"))
        plan.settings.revision += 1
    findings += _unowned(plan, groups, by, contract.sheet("officers"))
    make_folder(folder)
    issued = []
    contents = [return_content(plan, department, actions, contract, issued_at, by)
                for department, actions in groups.items()]
    template = None
    if len(contents) > 1:
        sample = ReturnTemplate.sample(contents, contract)
        built = build_return(plan, sample, contract, label)
        template = ReturnTemplate.make(workbook_bytes(built), sample, contract)
    try:
        for content in contents:
            department, print_ = content.department, content.fingerprint
            data = template.copy_for(content) if template is not None else None
            if data is None:  # a single return, or one the copy cannot hold
                data = workbook_bytes(build_return(plan, content, contract, label))
            name = safe_file_name("Return", department, f"{issued_at:%Y-%m-%d}",
                                  f"r{plan.settings.revision}")
            path = folder / name
            counter = 1
            while path.exists():
                counter += 1
                path = folder / name.replace(".xlsx", f"_{counter}.xlsx")
            atomic_write_bytes(data, path)
            issued.append(IssuedReturn(department, path, len(content.cells), print_))
            plan.returns_log.append(ReturnRecord(department, path.name,
                                                 plan.settings.revision, issued_at, print_,
                                                 len(content.cells)))
    except BaseException:
        take_back(issued)  # not all could be written: none is sent
        raise
    return IssuedReturns(issued, findings)


def _unowned(plan: Plan, groups: dict[str, list[Action]], by: str, sheet: str) -> list:
    """Warnings for the returns going to nobody the Officers sheet (``sheet``) names:
    by officer, one for a lead officer not on it; by directorate, the "No directorate"
    return of actions whose lead officers are not on it or have no directorate — each
    with what to put right (a row that lost its code is named)."""
    from .findings import WARNING, Finding

    codes = {officer.code.strip().upper() for officer in plan.officers if officer.code.strip()}
    reader = plan.lead_officer_reader()
    found = []
    for name, actions in groups.items():
        refs = ", ".join(a.ref or "(no Ref)" for a in actions[:6]) + (
            " and more" if len(actions) > 6 else "")
        count = f"{len(actions)} action{'s' if len(actions) != 1 else ''} ({refs})"
        if by == "officer" and name.upper() not in codes and name != "No officer":
            advice = reader.advice(name, sheet) or "Add the officer there, or correct the " \
                "Lead officer cells."
            found.append(Finding(
                "returns-officer-unknown", WARNING,
                f"{name} leads {count} but is not an officer on the {sheet} sheet: the "
                f"return was issued as '{name}', with nobody to send it to or remind. "
                f"{advice}", sheet=sheet))
        elif by == "directorate" and name == "No directorate":
            unknown = sorted({code for a in actions for code in reader(a)
                              if code.upper() not in codes})
            advice = " ".join(filter(None, (reader.advice(code, sheet) for code in unknown)))
            why = (f"their lead officer{'s' if len(unknown) > 1 else ''} "
                   f"({', '.join(unknown)}) {'are' if len(unknown) > 1 else 'is'} not on the "
                   f"{sheet} sheet" if unknown else
                   f"their lead officers have no directorate on the {sheet} sheet")
            found.append(Finding(
                "returns-no-directorate", WARNING,
                f"{count} went into a return called 'No directorate': {why}. "
                + (advice or "Fill in the officers' directorates and issue it again, or "
                   "issue the returns per lead officer (--by officer)."),
                sheet=sheet))
    return found


def _default_split(plan: Plan, sheet: str) -> tuple[str, list]:
    """How to split ``plan`` when the manager did not say: by directorate, or — where
    no action has a directorate and more than one lead officer has actions — by lead
    officer, with the finding that explains it."""
    from .findings import INFO, Finding

    reader = plan.lead_officer_reader()
    leads = {codes[0].strip().upper() for codes in map(reader, plan.actions) if codes}
    if any(getattr(plan.officer(code), "directorate", "") for code in leads):
        return "directorate", []  # some action has a directorate (as status.refresh)
    if len(leads) < 2:
        return "directorate", []
    return "officer", [Finding(
        "returns-by-officer", INFO,
        f"No officer on the {sheet} sheet has a directorate, so one return per "
        f"directorate would be a single return holding every action: one return per "
        f"lead officer was issued instead ({len(leads)}). To issue by directorate, fill "
        f"in each officer's directorate on the {sheet} sheet.")]


#: how far the reporting date may be from the day a round is issued before it looks
#: like last quarter's (or a mistyped year): a quarter and a little
_QUARTER_AWAY = 100


def _quarter_of(plan: Plan, issued_at: datetime) -> list:
    """A warning when the reporting date (Settings) is far from the day a new round is
    issued: the returns ask officers for progress as at that date, and a date left
    from last quarter is easy to miss."""
    from .findings import WARNING, Finding

    day = plan.settings.reporting_date
    near = quarter_end_instead(day, issued_at.date())
    if near is None:
        return []
    if day is None:  # a plan just carried forward, or made with `new`
        return [Finding(
            "reporting-date-missing", WARNING,
            "Settings has no reporting date, so these returns do not say as at when "
            "officers are to report progress. Set it to the quarter's end "
            f"({near:%d/%m/%Y}, say) and issue them again as a new round before sending "
            f"them (cip-xl returns --new-round --reporting-date {near:%d/%m/%Y}).")]
    return [Finding(
        "reporting-date-far", WARNING,
        f"The reporting date in Settings is {day:%d/%m/%Y}, {days_away(day, issued_at.date())}"
        ": these returns ask officers for progress as at that date. If this round is for "
        f"another quarter, set the reporting date to its end ({near:%d/%m/%Y}, say) and "
        "issue them again as a new round before sending them (cip-xl returns --new-round "
        f"--reporting-date {near:%d/%m/%Y}).")]


def _meeting_gone(plan: Plan, sheet: str) -> list:
    """A warning when the meeting date (Settings) is before the reporting date: the
    committee the last report went to, left when the quarter moved on, which this
    quarter's report would be addressed to."""
    from .findings import WARNING, Finding

    meeting, as_at = plan.settings.meeting_date, plan.settings.reporting_date
    if meeting is None or as_at is None or meeting >= as_at:
        return []
    return [Finding(
        "meeting-before-date", WARNING,
        f"The meeting date in {sheet} is {meeting:%d/%m/%Y}, before the reporting date "
        f"({as_at:%d/%m/%Y}) — last quarter's meeting? The returns are not affected; set "
        "the Meeting date of the meeting this quarter's report goes to before writing "
        "the report.", sheet=sheet, cell=plan.setting_cell("meeting_date"))]


def quarter_end_instead(day: date | None, today: date) -> date | None:
    """The quarter end nearest ``today`` (:func:`quarter_end_near`) where the reporting
    date ``day`` is none, or more than a quarter and a little from it — last quarter's,
    left unchanged, or a mistyped year; else None."""
    if day is not None and abs((today - day).days) <= _QUARTER_AWAY:
        return None
    return quarter_end_near(today)


def days_away(day: date, today: date) -> str:
    """How far ``day`` is from ``today``, as a message says it: "104 days before today"."""
    away = (today - day).days
    return f"{away} days before today" if away > 0 else f"{-away} days after today"


def new_reporting_date(plan: Plan, day: date, contract: Contract, who: str = "",
                       when: datetime | None = None) -> None:
    """Set ``plan``'s reporting date (Settings) to ``day`` — this quarter's end, for
    the returns about to be issued — with an Audit entry saying who moved it from
    what (none where it is ``day`` already). The caller saves the plan."""
    before = plan.settings.written("reporting_date")
    plan.settings.reporting_date = day
    after = plan.settings.written("reporting_date")
    if before == after:
        return
    label = dict(schema.SETTINGS_ROWS)["reporting_date"]
    plan.audit.append(AuditEntry(
        (when or datetime.now()).replace(microsecond=0), who, "", "",
        f"{contract.sheet('settings')}: {label}", before, after,
        "cip-xl returns --reporting-date"))


def quarter_end_near(day: date) -> date:
    """The end of the quarter (31 March, 30 June, 30 September, 31 December) nearest
    ``day``: the reporting date a round issued on ``day`` most likely asks about."""
    ends = [date(year, month, 30 if month in (6, 9) else 31)
            for year in (day.year - 1, day.year, day.year + 1) for month in (3, 6, 9, 12)]
    return min(ends, key=lambda end: abs((end - day).days))


def round_still_out(plan: Plan) -> Finding | None:
    """The error a new round of returns would meet (``round-still-out``: this round's
    are out and none has been merged), or None — for a face to ask before it starts."""
    from .findings import PlanFileError

    try:
        _round_still_out(plan, False)
    except PlanFileError as exc:
        return exc.finding
    return None


def _round_still_out(plan: Plan, new_round: bool) -> list:
    """Before a new round: PlanFileError if this round's returns are out and none has
    been merged (unless ``new_round``); else a warning naming any never merged, which
    the new round makes unmergeable."""
    from .findings import ERROR, WARNING, Finding, PlanFileError

    out = current_returns(plan)
    waiting = [r for r in out if r.merged is None]
    if not waiting:
        return []
    when = max((r.issued for r in out if r.issued), default=None)
    issued = f", issued {when:%d/%m/%Y %H:%M}" if when else ""
    if len(waiting) == len(out) and not new_round:
        raise PlanFileError(Finding(
            "round-still-out", ERROR,
            f"This round's returns (revision {plan.settings.revision}{issued}, "
            f"{len(out)} of them) are still out and none has been merged yet: a new round "
            "would make every one of them unmergeable, and what officers type into them "
            "would have to be copied across by hand. To issue one department's return "
            "again (an action moved, a file lost), use --department NAME (in Excel: Issue "
            "one again, on one of its actions' rows). To start a new round anyway, use "
            "--new-round. Nothing was issued."))
    return [Finding(
        "returns-never-merged", WARNING,
        f"{len(waiting)} return(s) of the last round (revision {plan.settings.revision}"
        f"{issued}) were never merged: {', '.join(r.department for r in waiting)}. From "
        "now on merging them is refused, listing what their officers typed.")]


def department_of(plan: Plan, action: Action) -> str:
    """The department whose return this round holds ``action`` now — its directorate,
    or its lead officer's code if this round's returns were split by officer — that is,
    the name to issue again after the action moved or changed hands."""
    by = _round_grouping(plan, "directorate")
    return next(name for name, actions in group_actions(plan, by).items()
                if any(item is action for item in actions))


def departments_now(plan: Plan) -> dict[str, str]:
    """Each action's department (by Action ID) as this round's returns are split now —
    the return an action would be issued in if its department's were issued again."""
    by = _round_grouping(plan, "directorate")
    return {action.action_id: name for name, actions in group_actions(plan, by).items()
            for action in actions}


def _round_grouping(plan: Plan, by: str) -> str:
    """How this round's returns were split — ``directorate`` or ``officer`` — judged
    from the departments on the Returns sheet (officer codes, or not), so that issuing
    one again needs no --by; ``by`` when the round has no returns yet."""
    names = {r.department for r in plan.returns_log if r.revision == plan.settings.revision}
    if not names:
        return by
    codes = {officer.code.upper() for officer in plan.officers} | {"NO OFFICER"}
    return "officer" if all(name.upper() in codes for name in names) else "directorate"


def _again(plan: Plan, groups: dict[str, list[Action]], departments: list[str],
           by: str) -> dict[str, list[Action]]:
    """The groups of ``departments`` to issue again this round (names matched without
    regard to case, spacing, punctuation or '&' for 'and'), or PlanFileError naming
    what is wrong."""
    from .findings import ERROR, Finding, PlanFileError
    from .model import theme_key as key

    this_round = {key(r.department): r.department for r in plan.returns_log
                  if r.revision == plan.settings.revision}
    by_key = {key(name): name for name in groups}
    if not this_round:
        raise PlanFileError(Finding(
            "returns-none-issued", ERROR,
            "No returns have been issued at this plan's revision yet, so there is none to "
            "issue again: issue every department's return first (without --department)."))
    chosen: dict[str, list[Action]] = {}
    for name in departments:
        if key(name) not in this_round and key(name) not in by_key:
            import difflib

            known = {**this_round, **by_key}
            close = difflib.get_close_matches(key(name), list(known), n=1, cutoff=0.6)
            meant = f" Did you mean '{known[close[0]]}'?" if close else ""
            raise PlanFileError(Finding(
                "returns-department-unknown", ERROR,
                f"No return for '{name}' was issued this round (revision "
                f"{plan.settings.revision}), and no action in the plan is theirs by {by}; "
                f"the returns issued were for: {', '.join(sorted(this_round.values()))}."
                f"{meant} Nothing was issued."))
        if key(name) not in by_key:
            raise PlanFileError(Finding(
                "returns-department-empty", ERROR,
                f"'{this_round[key(name)]}' has no actions in the plan now (by {by}, as "
                "this round's returns were split): they have all moved to other "
                "departments, whose returns should be issued again instead. Nothing was "
                "issued."))
        chosen[by_key[key(name)]] = groups[by_key[key(name)]]
    return chosen


def _replaced(plan: Plan, chosen: dict[str, list[Action]]) -> list:
    """A note for each return of this round that issuing ``chosen`` again replaces, so
    that the manager can tell its officer which file to fill in."""
    from .findings import INFO, Finding

    found = []
    for record in current_returns(plan):
        if record.department in chosen:
            merged = (f" (merged {record.merged:%d/%m/%Y}; what it gave stays in the plan)"
                      if record.merged else "")
            found.append(Finding(
                "return-replaced", INFO,
                f"This replaces {record.file}{merged}: tell {record.department} to fill "
                "in the new one. If that file comes back filled in anyway, merging takes "
                "what it says of the actions still in this return (as a copy: where both "
                "set a cell, the one saved last wins) and lists the rest."))
    return found


def _left_behind(plan: Plan, groups: dict[str, list[Action]],
                 chosen: dict[str, list[Action]]) -> list:
    """Warnings for the departments not issued again whose return of this round no
    longer holds their actions as the plan has them (an action moved to or from them),
    or that have actions but no return this round."""
    from .findings import WARNING, Finding

    current = {record.department: record for record in current_returns(plan)}
    found = []
    for department, actions in groups.items():
        if department in chosen:
            continue
        record = current.get(department)
        if record is None:
            found.append(Finding(
                "returns-department-without-return", WARNING,
                f"{department} has {len(actions)} action{'s' if len(actions) != 1 else ''} "
                "in the plan but no return this round: issue one with "
                f"--department \"{department}\"."))
        elif record.actions != len(actions):
            found.append(Finding(
                "returns-department-changed", WARNING,
                f"The return of this round for {department} ({record.file}) holds "
                f"{record.actions} action{'s' if record.actions != 1 else ''}, the plan now "
                f"gives it {len(actions)}: if an action moved to or from it, issue it again "
                f"too with --department \"{department}\"."))
    for department, record in current.items():
        if department not in groups and department not in chosen and not record.merged:
            found.append(Finding(
                "returns-department-changed", WARNING,
                f"The return of this round for {department} ({record.file}) holds "
                f"{record.actions} action{'s' if record.actions != 1 else ''}, the plan now "
                "gives it none: its actions have moved to other departments, whose returns "
                "should be issued again."))
    return found


def current_returns(plan: Plan) -> list[ReturnRecord]:
    """The records of the returns that can be merged now: this round's (the plan's
    revision), the latest one for each department — one issued again replaces the
    one before it."""
    latest: dict[str, ReturnRecord] = {}
    for record in plan.returns_log:
        if record.revision == plan.settings.revision:
            latest[record.department] = record  # the log is in the order issued
    return list(latest.values())


def take_back(issued: list[IssuedReturn]) -> None:
    """Remove the files of returns issued in a round that did not complete: the master
    records neither them nor their revision, so they could never be merged."""
    for item in issued:
        item.path.unlink(missing_ok=True)
