"""The plan as open data: one row per action, for a council's open data portal, a
dashboard (Power BI, Tableau, a SharePoint list) or anyone's spreadsheet.

Councils publish how their plan is going beyond the committee papers; a dashboard
wants the actions as rows it can refresh each quarter, not a Word table. Each row
gives an action's Ref, Action ID (the same action from one quarter to the next), theme,
objective, key action, its lead officers by job title, their directorate, its dates,
its status as judged (the word, not a colour) with the reason, % complete, progress
update and last update, and the date it is judged as at.

What is left out: the lead officers' names (unless asked for: ``with_names``, as a
column of their own — the committee report names them already) and emails (personal
data; an officer with no job title is given by code, a lead not on the Officers sheet as
typed, with a warning: :func:`leads_as_typed`), and the plan's other columns (Target /
outcomes, Resource implications, ...) and the council's own on the Plan sheet unless
named (``columns``: "Target / outcomes", or a "Ward" column a dashboard filters by).
Dates are ISO 8601 (2027-03-31) where a day is known; a date as a plan writes it ("Mar
2027", "Ongoing") is kept as written beside the day it is judged by (``due_date``).

CSV is UTF-8 with the byte-order mark Excel needs to read it as such, and a cell of
text that a spreadsheet would take for a formula (beginning =, +, -, @) starts with an
apostrophe (OWASP's advice against CSV injection: a council's file must not run code on
a reader's computer). Excel opening a CSV still reads a Ref such as 1.10 as the number
1.1: the .xlsx keeps every text a text cell (and days as dates). JSON keeps every value
as typed.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .dates import parse_due
from .findings import ERROR, WARNING, Finding, PlanFileError
from .model import Action, Plan
from .schema import DEFAULT_CONTRACT, Contract
from .status import Judgement

#: the columns published, in order: (CSV header, JSON key)
COLUMNS: tuple[tuple[str, str], ...] = (
    ("Ref", "ref"), ("Action ID", "action_id"), ("Theme", "theme"),
    ("Objective", "objective"), ("Key action", "key_action"),
    ("Lead officer", "lead_officer"), ("Directorate", "directorate"),
    ("Target date", "target_date"), ("Revised date", "revised_date"),
    ("Due date", "due_date"), ("Status", "status"), ("Status reason", "status_reason"),
    ("% complete", "percent_complete"), ("Progress update", "progress_update"),
    ("Last updated", "last_updated"), ("As at", "as_at"))
#: the column of lead officers' names, after Lead officer, published when asked for
NAMES_COLUMN = ("Lead officer name", "lead_officer_name")
#: the plan's columns published only when named (``columns``): what a plan's columns
#: say of an action that a dashboard may want but not every council publishes
MORE_COLUMNS = ("target_outcomes", "resources", "funded_by", "ict_requirement", "risk",
                "linked_pi")
#: the formats written, by the suffix of the file they go to
FORMATS = {".csv": "csv", ".json": "json", ".xlsx": "xlsx"}
#: the workbook's widest columns (characters): each is as wide as its heading, and its
#: longest value up to this (else 14); longer text runs on past the edge
_WIDTHS = {"Theme": 32, "Objective": 36, "Key action": 40, "Lead officer": 40,
           "Lead officer name": 30, "Directorate": 30, "Status reason": 36,
           "Progress update": 50}
#: a day as :func:`_published_date` gives one, a date again in a workbook
_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
#: a day in figures alone, as a plan's text cell may hold one ("31/03/2027")
_DAY_FIGURES = re.compile(r"\d{1,2}[/.\-]\d{1,2}[/.\-]\d{2,4}")
#: what a spreadsheet takes for the start of a formula in a CSV cell
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class OpenData:
    """The rows published (JSON keys of :data:`COLUMNS`, values as JSON gives them) and
    what they are of: the plan's title and council, the date judged as at and the part
    of the plan (blank for the whole)."""

    rows: list[dict]
    plan_title: str
    council: str
    as_at: date
    part: str = ""
    #: the council's own columns published after :data:`COLUMNS`, by header
    own_columns: tuple[str, ...] = ()
    #: whether the lead officers' names are published (:data:`NAMES_COLUMN`)
    with_names: bool = False
    #: warnings about what is published (:func:`leads_as_typed`)
    findings: tuple[Finding, ...] = ()

    @property
    def columns(self) -> tuple[tuple[str, str], ...]:
        """(CSV header, JSON key) of every column published: :data:`COLUMNS` (with
        :data:`NAMES_COLUMN` after Lead officer if ``with_names``), then the council's
        own (keyed by their headers)."""
        lead = [key for _, key in COLUMNS].index("lead_officer") + 1
        names = (NAMES_COLUMN,) if self.with_names else ()
        return (COLUMNS[:lead] + names + COLUMNS[lead:]
                + tuple((name, name) for name in self.own_columns))

    def csv_bytes(self) -> bytes:
        """The rows as CSV: a header row of :data:`COLUMNS`, UTF-8 with a byte-order
        mark, Windows line endings (as Excel writes CSV), formula-like text defused."""
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([header for header, _ in self.columns])
        for row in self.rows:
            writer.writerow([_defused(row[key]) for _, key in self.columns])
        return text.getvalue().encode("utf-8-sig")

    def json_bytes(self) -> bytes:
        """The rows as JSON: ``{"plan", "council", "part", "as_at", "columns",
        "actions"}``, UTF-8, non-ASCII kept as written."""
        document = {"plan": self.plan_title, "council": self.council, "part": self.part,
                    "as_at": self.as_at.isoformat(),
                    "columns": {key: header for header, key in self.columns},
                    "actions": self.rows}
        return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    def encoded(self, fmt: str) -> bytes:
        """:meth:`csv_bytes` or :meth:`json_bytes`, by ``fmt`` ('csv' or 'json')."""
        return self.json_bytes() if fmt == "json" else self.csv_bytes()

    def workbook(self):
        """The rows as an openpyxl workbook: one sheet, its header row an Excel Table's
        (marked as headings, a filter on each), every text a text cell — a Ref such as
        1.10 stays 1.10, where Excel opening the CSV reads it as the number 1.1, and
        text beginning "=" is not a formula — days as dates, numbers as numbers."""
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
        from openpyxl.worksheet.table import Table, TableStyleInfo

        from .cells import workbook_text
        from .plan_write import describe_workbook

        wb = Workbook()
        sheet = wb.active
        sheet.title = "Actions"
        columns = self.columns
        sheet.append([header for header, _ in columns])
        for row in self.rows:
            sheet.append([_workbook_value(row[key]) for _, key in columns])
        for cells in sheet.iter_rows(min_row=2):
            for cell in cells:
                if isinstance(cell.value, str):
                    cell.value = workbook_text(cell.value)
                    cell.data_type = "s"  # "=..." as typed, not a formula
                elif isinstance(cell.value, date):
                    cell.number_format = "dd/mm/yyyy"
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        sheet.print_title_rows = "1:1"
        table = Table(displayName="Actions",
                      ref=f"A1:{get_column_letter(len(columns))}{max(2, sheet.max_row)}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
        sheet.add_table(table)
        for number, (header, key) in enumerate(columns, start=1):
            longest = max([0] + [len(str(row[key])) for row in self.rows])
            sheet.column_dimensions[get_column_letter(number)].width = max(
                10, len(header) * 1.3 + 2,  # a bold heading is wider than its letters
                min(longest * 1.1 + 2, _WIDTHS.get(header, 14)))
        describe_workbook(wb.properties, f"{self.plan_title} – open data as at "
                                         f"{self.as_at:%d/%m/%Y}")
        return wb


def open_data(plan: Plan, judgements: dict[str, Judgement], as_at: date,
              part: str = "", columns: tuple[str, ...] = (), file: str = "",
              contract: Contract | None = None, with_names: bool = False) -> OpenData:
    """The published rows of ``plan``'s actions, each with its judgement (by Action
    ID, from :func:`cip_xl.status.refresh`, which also gives each action its
    directorate) as at ``as_at``; with ``columns`` of the Plan sheet named (any case):
    the council's own, or the plan's not published by default (Target / outcomes,
    Resource implications, ...: :data:`MORE_COLUMNS`, by their headers or other names
    in ``contract``) — one headed like a published column ("As at") is published as
    "As at (Plan sheet)"; with ``with_names``, the lead officers' names too (in the
    order of their titles), and without, a warning for leads published as typed
    (:func:`leads_as_typed`). Raises :class:`PlanFileError` for a column the plan has
    not, naming those it has (``file``: the plan's, for the message)."""
    contract = contract or DEFAULT_CONTRACT
    chosen = dict(_named_column(name, plan, contract, file) for name in columns)
    taken = {header.casefold() for header, _ in COLUMNS + (NAMES_COLUMN,)}
    published = {name: f"{name} (Plan sheet)" if name.casefold() in taken else name
                 for name in chosen}
    titles = {o.code.strip().upper(): o.title.strip() for o in plan.officers}
    names = {o.code.strip().upper(): o.name.strip() for o in plan.officers}
    leads = plan.lead_officer_reader()
    typed: dict[str, list[str]] = {}  # leads not on the Officers sheet: their refs
    rows = []
    for action in plan.actions:
        judgement = judgements[action.action_id]
        codes = leads(action)
        for code in codes:
            if not leads.is_officer(code):
                typed.setdefault(code, []).append(action.ref or "no Ref")
        rows.append({
            "ref": action.ref, "action_id": action.action_id, "theme": action.theme,
            "objective": action.objective, "key_action": action.key_action,
            "lead_officer": "; ".join(dict.fromkeys(
                titles.get(code.strip().upper()) or code for code in codes))
            if codes else action.lead_officer or "",
            "directorate": action.directorate or "",
            "target_date": _published_date(action.target_date),
            "revised_date": _published_date(action.revised_date),
            "due_date": judgement.due.isoformat() if judgement.due else "",
            "status": judgement.verdict.word, "status_reason": judgement.reason,
            "percent_complete": _percent(action),
            "progress_update": action.progress_update or "",
            "last_updated": _published_date(action.last_updated),
            "as_at": as_at.isoformat(),
        })
        if with_names:
            rows[-1]["lead_officer_name"] = "; ".join(dict.fromkeys(
                name for name in (names.get(code.strip().upper()) for code in codes)
                if name))
        for name, key in chosen.items():
            rows[-1][published[name]] = _own_value(getattr(action, key) if key else
                                                   action.extra.get(name))
    return OpenData(rows, plan.settings.plan_title, plan.settings.council, as_at, part,
                    tuple(published.values()), with_names,
                    () if with_names else leads_as_typed(typed, plan, file))


def _named_column(name: str, plan: Plan, contract: Contract, file: str
                  ) -> tuple[str, str | None]:
    """The column ``name`` names (any case, spaces tidied): (its header, the action's
    attribute) for one of :data:`MORE_COLUMNS`, (its header, None) for the council's
    own; else :class:`PlanFileError` listing those there are."""
    column = contract.match_header(name)
    if column is not None and column.key in MORE_COLUMNS:
        return contract.column(column.key).header, column.key
    key = " ".join(name.split()).casefold()
    for header in plan.extra_columns:
        if " ".join(header.split()).casefold() == key:
            return header, None
    # the RAG column's verdict is the Status published
    published = column is not None and column.key in {k for _, k in COLUMNS} | {"rag"}
    more = [contract.column(k).header for k in MORE_COLUMNS
            if not contract.column(k).optional or contract.column(k) in contract.columns]
    named = ", ".join(f"'{h}'" for h in more + list(plan.extra_columns))
    raise PlanFileError(Finding(
        "export-column-unknown", ERROR,
        (f"'{name}' is published already, without --column." if published else
         f"The Plan sheet has no column '{name}' to add; the columns that can be added "
         f"are: {named}.") + " Nothing was written.", file=file))


def _own_value(value: object) -> object:
    """A council's own cell as published: a day as ISO 8601, a number as a number,
    else its text."""
    if isinstance(value, (date, datetime)):
        return _published_date(value)
    if isinstance(value, bool) or value is None:
        return "" if value is None else str(value).upper()
    if isinstance(value, (int, float)):
        return int(value) if isinstance(value, float) and value.is_integer() else value
    return str(value)


@dataclass(frozen=True)
class ExportResult:
    """The file written, in which format ('csv', 'json' or 'xlsx'), of how many
    actions, as at which date, and warnings about what was published
    (:func:`nothing_to_say`, :func:`ids_not_saved`, :func:`leads_as_typed`)."""

    path: Path
    fmt: str
    actions: int
    as_at: date
    findings: tuple[Finding, ...] = ()


def nothing_to_say(plan: Plan, as_of: date | None, file: str,
                   contract: Contract | None = None) -> tuple[Finding, ...]:
    """Warnings for open data that says less than it seems to: a plan with no actions
    yet (``export-plan-empty``: a file of headers alone), and no reporting date in
    Settings and no ``as_of`` (``reporting-date-missing``: statuses as at today, a date
    that moves each time the file is made)."""
    sheet = (contract or DEFAULT_CONTRACT).sheet("settings")
    found = []
    if as_of is None and plan.settings.reporting_date is None:
        found.append(Finding(
            "reporting-date-missing", WARNING,
            f"{sheet} has no reporting date (the quarter end): the statuses published are "
            f"as at today, {date.today():%d/%m/%Y}. Fill it in, or give --as-of, so that "
            "the file says how the plan stood at the quarter's end.", file, sheet,
            plan.setting_cell("reporting_date")))
    if not plan.actions:
        found.append(Finding(
            "export-plan-empty", WARNING,
            "The plan has no actions yet: the file holds the headers alone. Add the key "
            "actions on the Plan sheet (or `cip-xl import` last year's plan) first.", file))
    return tuple(found)


def leads_as_typed(typed: dict[str, list[str]], plan: Plan,
                   file: str) -> tuple[Finding, ...]:
    """A warning (``export-lead-as-typed``) naming the Lead officer cells' parts of
    ``plan`` that are no officer on the Officers sheet (``typed``: each with the refs of
    its actions): they are published as typed, and may be a person's name, which the
    export otherwise leaves out; none where every lead is listed."""
    if not typed:
        return ()
    named = "; ".join(f"'{part}' ({', '.join(refs[:3])}{', ...' if len(refs) > 3 else ''})"
                      for part, refs in list(typed.items())[:5])
    more = f" and {len(typed) - 5} more" if len(typed) > 5 else ""
    return (Finding(
        "export-lead-as-typed", WARNING,
        f"Lead officer{'s' if len(typed) != 1 else ''} not on the Officers sheet, "
        f"published as typed: {named}{more}. If one is a person's name, add them to the "
        "Officers sheet with their job title (or correct the cell) and export again: "
        "names are otherwise left out.", file,
        plan.source.plan_sheet if plan.source is not None else None),)


def ids_not_saved(findings: list[Finding], plan: Plan, file: str) -> tuple[Finding, ...]:
    """A warning (``export-ids-not-saved``) where reading the plan gave actions of
    ``plan`` (the part published) Action IDs the file has not (``action-id-new`` among
    ``findings``): a dashboard knows an action from one quarter to the next by its ID,
    and these are the plan's only once cip-xl saves it; none otherwise."""
    published = {action.ref or None for action in plan.actions}
    new = [f for f in findings if f.code == "action-id-new" and f.ref in published]
    if not new:
        return ()
    refs = ", ".join(f.ref or "no Ref" for f in new[:5]) + (", ..." if len(new) > 5 else "")
    return (Finding(
        "export-ids-not-saved", WARNING,
        f"{len(new)} action{'s have' if len(new) != 1 else ' has'} no Action ID in the "
        f"plan ({refs}): the IDs published are those cip-xl gives "
        f"{'them' if len(new) != 1 else 'it'} when it next saves the plan (`cip-xl status` "
        "does). Save it before publishing: until then a row moved or a Ref changed gives "
        "another ID, and a dashboard would take the action for a new one.", file,
        new[0].sheet),)



def _published_date(value: object) -> str:
    """A date cell as published: a day as ISO 8601; a day written as text
    ("31/03/2027") too; anything else as written ("Mar 2027", "Ongoing")."""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.isoformat()
    text = " ".join(str(value or "").split())
    read = parse_due(text) if _DAY_FIGURES.fullmatch(text) else None
    return read.due.isoformat() if read is not None and read.kind == "date" else text


def _percent(action: Action) -> float | int | str:
    """% complete as a number where it is one (60, not "60"); text as typed; blank."""
    value = action.percent_complete
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _workbook_value(value: object) -> object:
    """A published value for a workbook cell: an ISO day a date again."""
    if isinstance(value, str) and _ISO_DAY.fullmatch(value):
        return date.fromisoformat(value)
    return value


def _defused(value: object) -> object:
    """``value`` for a CSV cell: text a spreadsheet would run as a formula starts with
    an apostrophe; numbers as they are."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value
