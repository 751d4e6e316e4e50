"""Write a :class:`~cip_xl.model.Plan` into a master workbook.

A new plan gets every sheet of the contract, dropdowns fed from named lists on a hidden
sheet, a frozen header, filters, widths and print titles. An existing workbook is
updated in place: cip-xl rewrites only the cells it owns and keeps everything a user
added (other sheets, their widths, comments, macros in .xlsm). A workbook holding things
openpyxl would drop (slicers, sparklines...) is refused rather than damaged.
"""
from __future__ import annotations

import contextlib
import math

from copy import copy
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path

from . import schema
from .cells import workbook_text
from .findings import ERROR, Finding, PlanFileError
from .model import Plan
from .schema import Contract
from .sheet_tables import fit_tables, fitted_ref
from .sheet_rows import rows_holding

HEADER_FILL = "1F4E79"
COMPUTED_FILL = "F2F2F2"
DATE_FORMAT = "dd/mm/yyyy"
#: the Ref column's number format, Excel's Text: a ref retyped or typed into a new row
#: stays as typed — 3.10 does not become the number 3.1
REF_FORMAT = "@"
#: rows below the last action that still get dropdowns and validation
SPARE_ROWS = 500


def set_text(cell, value: object) -> None:
    """Store ``value`` as text, even when it starts with = + - or @.

    Officers type "=see note" or "-10% on budget"; written plainly, openpyxl would make
    that a formula. Text is what they typed, so text is what is stored. Control
    characters are kept as Excel keeps them (:func:`~cip_xl.cells.workbook_text`):
    openpyxl would refuse them.
    """
    text = "" if value is None else workbook_text(str(value))
    if text and isinstance(cell.value, list) and str(cell.value) == text:
        return  # the same text with formatted words (openpyxl's CellRichText): kept
    cell.value = text
    if cell.value == "":
        cell.value = None
        return
    cell.data_type = "s"
    if cell.value[:1] in "=+-@":
        cell.quotePrefix = True


def set_value(cell, value: object, kind: str) -> None:
    """Write a model value into a cell the way its column kind needs."""
    if value is None or value == "":
        cell.value = None
    elif isinstance(value, datetime):
        cell.value = value
        cell.number_format = DATE_FORMAT + " hh:mm"
    elif isinstance(value, date):
        cell.value = value
        cell.number_format = DATE_FORMAT
    elif isinstance(value, float) and not math.isfinite(value):
        set_text(cell, str(value))  # no cell holds NaN or infinity as a number
    elif kind == schema.PERCENT and isinstance(value, (int, float)):
        cell.value = value
        cell.number_format = "0"
    elif isinstance(value, (int, float)) and kind not in (schema.TEXT, schema.REF):
        cell.value = value
        if _changes_meaning(cell.number_format):
            # a cell that held a date or a percentage before (rows moved by hand, a
            # log's mixed values): 30 must not show as 30/01/1900 or 3000%
            cell.number_format = "General"
    else:
        set_text(cell, value)
        if kind == schema.REF and cell.value is not None:
            cell.number_format = REF_FORMAT


def _changes_meaning(number_format: str) -> bool:
    """Whether ``number_format`` shows a plain number as something else (a date, a
    time, a percentage); a council's own formats (currency, thousands) are kept."""
    from openpyxl.styles.numbers import is_date_format

    return bool(number_format) and ("%" in number_format.replace('"%"', "") or
                                    is_date_format(number_format))


def new_workbook(plan: Plan, contract: Contract | None = None):
    """A fresh openpyxl workbook holding ``plan`` with every sheet of the contract."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    write_into(wb, plan, contract or schema.DEFAULT_CONTRACT)
    return wb


class HiddenByMerge(Exception):
    """A value would have to be written into a cell hidden under merged cells (the
    cells of a merged range after its first show nothing in Excel)."""

    def __init__(self, sheet: str, cell: str, merged: str, what: str) -> None:
        super().__init__(f"{what} would go into {cell}, under the merged cells {merged}")
        self.sheet, self.cell, self.merged, self.what = sheet, cell, merged, what


def writable_cell(ws, row: int, column: int, value: object, what: str):
    """The cell at ``row``, ``column`` to write ``value`` into, or None when the cell is
    hidden under merged cells and ``value`` is blank (it shows nothing either way).
    Raises :class:`HiddenByMerge` when a value would be hidden there."""
    from openpyxl.cell.cell import MergedCell

    cell = ws.cell(row, column)
    if not isinstance(cell, MergedCell):
        return cell
    if value is None or value == "":
        return None
    merged = next((str(r) for r in ws.merged_cells.ranges if cell.coordinate in r),
                  cell.coordinate)
    raise HiddenByMerge(ws.title, cell.coordinate, merged, what)


def write_into(wb, plan: Plan, contract: Contract, judgements: dict | None = None,
               keep_rows: bool = False) -> None:
    """Write ``plan`` into workbook ``wb``, creating any sheet of the contract it lacks.

    The computed columns (directorate, next due, RAG) are refreshed first, as of the
    plan's reporting date (``judgements`` from :func:`cip_xl.status.refresh` of ``plan``
    just made saves doing it again); the RAG column gets live formulas (see
    :mod:`cip_xl.status_sheet`) in the contract's palette. ``keep_rows``: ``wb`` is the
    workbook the plan was read from, and its actions stay in their rows (see
    :func:`action_rows`).
    """
    from .status import refresh
    from .status_sheet import SUMMARY_SHEET, install

    if judgements is None:
        judgements = refresh(plan)
    plan_ws = _sheet(wb, contract.plan_sheet, 0)
    layout = _write_plan_sheet(plan_ws, plan, contract, keep_rows)
    placed = [plan_ws.title, SUMMARY_SHEET]  # a sheet made again goes back in its place
    for key, spec, rows in table_contents(plan):
        ws = _sheet(wb, contract.sheet(key), _after(wb, placed))
        placed.append(ws.title)
        at, clear = record_rows(plan, key, len(rows), keep_rows)
        columns = _write_table(ws, spec, rows, at, clear)
        if key == "settings":
            _name_settings(ws, at)
        elif key == "change_requests":
            _decision_list(ws, columns[spec.headers.index("Decision")])
    lists = _sheet(wb, contract.sheet("lists"))
    _write_lists(wb, lists, plan)
    _validate_plan_sheet(plan_ws, plan, contract, layout)
    install(wb, plan, contract, judgements, layout, contract.palette)
    wb.active = wb.sheetnames.index(plan_ws.title)
    describe_workbook(wb.properties, workbook_title(plan))
    laid_out = last_action_row(plan, layout[0]) - layout[0]
    _set_property(wb, LAYOUT_PROPERTY, layout_stamp(plan, contract, layout, laid_out))


#: the custom document property holding :func:`layout_stamp` of the last full save
LAYOUT_PROPERTY = "cip-xl layout"

#: the custom document property each save records what saved the plan in ("status as
#: of 30/09/2026", "merge of 12 returns"), so that a backup — the plan before a save —
#: can be listed with the saves made since (``cip-xl restore --list``); Excel keeps it
#: when it saves the workbook, which makes no backup
SAVED_BY_PROPERTY = "cip-xl saved by"

#: the custom document property naming the backup that save made of the plan before it
#: (its file name in ``backups/``, or :data:`NO_BACKUP`): the list of saves since a backup can then
#: tell when saves between two of them were made whose backups have been pruned
BACKUP_BEFORE_PROPERTY = "cip-xl backup before"

#: :data:`BACKUP_BEFORE_PROPERTY` of a save that made no backup
NO_BACKUP = "none"

#: the language a plan workbook is written in, for screen readers and spelling
LANGUAGE = "en-GB"


def workbook_title(plan: Plan) -> str:
    """The title a plan workbook is given in its properties: the plan's title."""
    from .cells import property_text

    return property_text(plan.settings.plan_title) or "Improvement plan"


def describe_workbook(properties, title: str) -> None:
    """Give openpyxl document ``properties`` the title and language accessibility
    checkers (Excel's, a council's publishing checks) ask of a published document,
    where the workbook has none: a council's own are kept. A new workbook says cip-xl
    made it, not openpyxl."""
    from .cells import property_text

    if not (properties.title or "").strip():
        properties.title = property_text(title)
    if not (properties.language or "").strip():
        properties.language = LANGUAGE
    if properties.creator in (None, "", "openpyxl"):
        properties.creator = "cip-xl"


def table_contents(plan: Plan) -> list[tuple[str, schema.SheetSpec, list[tuple]]]:
    """(sheet key, spec, data rows) of every fixed-layout sheet, as they are written."""
    settings = plan.settings
    return [
        ("officers", schema.OFFICERS,
         [(o.code, o.title, o.name, o.email, o.directorate) for o in plan.officers]),
        ("themes", schema.THEMES,
         [(t.order or i, t.name, t.description)
          for i, t in enumerate(sorted(plan.themes, key=lambda t: t.order), 1)]),
        ("settings", schema.SETTINGS,
         [(label, settings.written(key)) for key, label in schema.SETTINGS_ROWS]
         + list(settings.extra.items())),
        ("review_log", schema.REVIEW_LOG,
         [(e.version, e.review_date, e.issues, e.amended, e.approved_by,
           e.amendment_date) for e in plan.review_log]),
        ("audit", schema.AUDIT,
         [(e.when, e.who, e.action_id, e.ref, e.field, e.old, e.new, e.source)
          for e in plan.audit]),
        ("change_requests", schema.CHANGE_REQUESTS,
         [(c.request_id, c.received, c.from_return, c.action_id, c.ref, c.kind,
           c.proposed, c.reason, c.decision, c.decided_by, c.decided_on, c.theme,
           c.target_date, c.outcomes, c.source) for c in plan.change_requests]),
        ("returns", schema.RETURNS_LOG,
         [(r.department, r.file, r.revision, r.issued, r.fingerprint, r.actions,
           r.merged, r.result) for r in plan.returns_log]),
    ]


def layout_stamp(plan: Plan, contract: Contract, layout: tuple,
                 actions: int | None = None) -> str:
    """A fingerprint of everything a full save lays out beyond cell values: the Plan
    sheet's columns and action rows (which size the dropdowns, conditional formats and
    filter), the lists behind the dropdowns, the Summary's themes and directorates,
    the palette and the sheet names. While it is unchanged, a save only has to change
    cell values (see :mod:`cip_xl.plan_patch`). ``actions``: how many rows below the
    header the actions reach (blank rows between them counted), if not one row for
    each of ``plan.actions`` (the layout before new actions were added, say)."""
    import hashlib

    header_row, by_key, by_extra = layout
    parts = (
        "cip-xl layout 1", SPARE_ROWS, header_row, sorted(by_key.items()),
        sorted(by_extra.items()), len(plan.actions) if actions is None else actions,
        [o.code for o in plan.officers if o.code], plan.theme_names(),
        sorted({a.directorate for a in plan.actions if a.directorate}),
        sorted(contract.palette.items()), sorted(contract.sheet_names.items()),
        contract.plan_sheet,
    )
    return hashlib.sha256(repr(parts).encode("utf-8")).hexdigest()[:32]


#: what a plan written by `new` records as the job that saved it (and `import`, the
#: start of its own): a plan whose file says one of them is just made
NEW_PLAN_JOB = "a new plan"
NEW_PLAN_JOBS = (NEW_PLAN_JOB, "import from ", "carry forward from ")


def record_job(wb, job: str, backup: Path | None = None) -> None:
    """Record in the openpyxl workbook ``wb`` what is saving it and the backup made of
    the file before (see :data:`SAVED_BY_PROPERTY`, :data:`BACKUP_BEFORE_PROPERTY`)."""
    _set_property(wb, SAVED_BY_PROPERTY, job)
    _set_property(wb, BACKUP_BEFORE_PROPERTY, backup.name if backup is not None else NO_BACKUP)


def _set_property(wb, name: str, value: str) -> None:
    from openpyxl.packaging.custom import StringProperty

    props = wb.custom_doc_props
    for prop in list(props.props):
        if prop.name == name:
            props.props.remove(prop)
    props.append(StringProperty(name=name, value=value))


def _after(wb, titles: list[str]) -> int | None:
    """The place just after the last of the sheets ``titles`` that ``wb`` has, if any."""
    at = [i for i, title in enumerate(wb.sheetnames)
          if title.strip().lower() in {t.strip().lower() for t in titles}]
    return max(at) + 1 if at else None


def _sheet(wb, name: str, index: int | None = None):
    for title in wb.sheetnames:
        if title.strip().lower() == name.strip().lower():
            return wb[title]
    return wb.create_sheet(name, index)


def plan_layout(ws, plan: Plan, contract: Contract) -> tuple[int, dict[str, int], dict[str, int]]:
    """Header row, column index by key and by extra header for the Plan sheet ``ws``.

    Columns already in the sheet keep their place; columns the contract needs and the
    sheet lacks are added at the right, the hidden Action ID last.
    """
    from .plan_read import find_header_row

    header_row, cells = find_header_row(ws, contract) if ws.max_row > 1 or ws["A1"].value \
        else (1, {})
    return layout_from_headers(header_row, cells, plan, contract)


def layout_from_headers(header_row: int, cells: dict[int, object], plan: Plan,
                        contract: Contract) -> tuple[int, dict[str, int], dict[str, int]]:
    """:func:`plan_layout` given the header row and its cells (column index → value)."""
    by_key: dict[str, int] = {}
    by_extra: dict[str, int] = {}
    for index, header in cells.items():
        column = contract.match_header(header)
        if column is not None and column.key not in by_key:
            by_key[column.key] = index
        elif column is None:
            by_extra[str(header).strip()] = index
    next_index = max(cells, default=0) + 1
    wanted = [c for c in contract.columns if c.key != "action_id"]
    wanted += [c for c in schema.PLAN_COLUMNS
               if c.optional and c not in wanted and any(
                   getattr(a, c.key) for a in plan.actions)]
    for column in wanted:
        if column.key not in by_key:
            by_key[column.key] = next_index
            next_index += 1
    for header in list(contract.extra_columns) + list(plan.extra_columns):
        if header not in by_extra:
            by_extra[header] = next_index
            next_index += 1
    if "action_id" not in by_key:
        by_key["action_id"] = next_index
    return header_row, by_key, by_extra


def action_rows(plan: Plan, header_row: int, keep_rows: bool) -> list[int]:
    """The row each of ``plan.actions`` is written in, in order.

    ``keep_rows``: the Plan sheet written is the one the plan was read from, so each
    action stays in the row it was read from (``Action.row``). Whatever a council keeps
    beside its actions and cip-xl does not own — a note in a column with no heading, a
    comment, a highlight, a blank row left between themes — stays beside the same action,
    and the rows read as something else (``PlanSource.left_rows``: a heading) stay as
    they are. Actions without a row of their own (new ones) go below all those.
    Otherwise the actions fill the rows below the header one after another."""
    if not keep_rows:
        return list(range(header_row + 1, header_row + 1 + len(plan.actions)))
    left = plan.source.left_rows if plan.source is not None else frozenset()
    return _kept_rows([a.row for a in plan.actions],
                      lambda row: isinstance(row, int) and row > header_row and
                      row not in left, set(left) | {header_row})[0]


def _kept_rows(wanted: list, allowed, below: set[int]) -> tuple[list[int], set[int]]:
    """Each of the ``wanted`` rows kept where ``allowed(row)`` and not wanted before;
    the others (and None) one after another below the rows kept and ``below``. Returns
    the rows and the set of those kept."""
    kept: set[int] = set()
    rows: list[int | None] = []
    for row in wanted:
        if row not in kept and allowed(row):
            kept.add(row)
            rows.append(row)
        else:
            rows.append(None)
    following = max(kept | below) + 1
    placed: list[int] = []
    for row in rows:
        if row is None:
            row, following = following, following + 1
        placed.append(row)
    return placed, kept


def last_action_row(plan: Plan, header_row: int) -> int:
    """The Plan sheet's last action row as written (``Action.row``), or the header row
    when there are no actions; ranges sized by the actions (dropdowns, conditional
    formats, the Summary's counts) reach it and the spare rows below."""
    return max((a.row for a in plan.actions if a.row), default=header_row)


def _write_plan_sheet(ws, plan: Plan, contract: Contract, keep_rows: bool = False) -> tuple:
    """Write the Plan sheet; return its layout (see :func:`plan_layout`).
    ``keep_rows``: see :func:`action_rows`."""
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    layout = plan_layout(ws, plan, contract)
    header_row, by_key, by_extra = layout
    header_font = Font(bold=True, color="FFFFFF")
    header_fill = PatternFill("solid", fgColor=HEADER_FILL)
    computed_fill = PatternFill("solid", fgColor=COMPUTED_FILL)
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    columns = {key: contract.column(key) for key in by_key}
    for key, index in by_key.items():
        cell = ws.cell(header_row, index)
        if cell.value is None or contract.match_header(cell.value) is None:
            cell.value = columns[key].header
        letter = get_column_letter(index)
        dim = ws.column_dimensions[letter]
        if dim.width is None or dim.width == 13 or not dim.customWidth:
            dim.width = columns[key].width
        dim.hidden = columns[key].hidden
        if columns[key].kind == schema.REF:  # for rows typed in below the plan too
            dim.number_format = REF_FORMAT
    for header, index in by_extra.items():
        if ws.cell(header_row, index).value is None:
            ws.cell(header_row, index).value = header
    for index in list(by_key.values()) + list(by_extra.values()):
        cell = ws.cell(header_row, index)
        cell.font, cell.fill = header_font, header_fill
        cell.alignment = Alignment(wrap_text=True, vertical="center")

    rows = action_rows(plan, header_row, keep_rows)
    left = plan.source.left_rows if keep_rows and plan.source is not None else frozenset()
    last_row = max(rows, default=header_row)
    styles: dict[tuple, object] = {}
    for action, row in zip(plan.actions, rows):
        lines = 1
        for key, index in by_key.items():
            column = columns[key]
            value = getattr(action, key)
            cell = writable_cell(ws, row, index, value if key != "rag" else "=",
                             f"Ref {action.ref}'s {column.header}")
            if cell is None:
                continue
            set_value(cell, value, column.kind)
            # styling each cell through openpyxl's descriptors costs more than the rest
            # of the save; cells of one column and value shape share one style record
            shape = (key, type(value), bool(cell.quotePrefix))
            if shape in styles:
                cell._style = copy(styles[shape])
            else:
                cell.alignment = top if column.kind in (schema.DATE, schema.PERCENT) else wrap
                if column.kind == schema.COMPUTED:
                    cell.fill = computed_fill
                styles[shape] = copy(cell._style)
            if isinstance(value, str) and not column.hidden and \
                    column.kind != schema.COMPUTED:
                lines = max(lines, wrapped_lines(value, column.width))
        for header, index in by_extra.items():
            cell = writable_cell(ws, row, index, action.extra.get(header),
                             f"Ref {action.ref}'s {header}")
            if cell is not None:
                set_value(cell, action.extra.get(header), schema.TEXT)
        ws.row_dimensions[row].height = min(409, 15 * lines)  # Excel's limit is 409
        action.row = row
    taken = set(rows) | left  # a heading in a row of its own is not cleared
    for row in rows_holding(ws, header_row + 1):  # actions removed since last save
        if row in taken:
            continue
        for index in list(by_key.values()) + list(by_extra.values()):
            cell = writable_cell(ws, row, index, None, "")
            if cell is not None:
                cell.value = None

    ws.freeze_panes = ws.cell(header_row + 1, 2)
    owned = list(by_key.values()) + list(by_extra.values())
    if fit_tables(ws, header_row, last_row, min(owned), max(owned)):
        ws.auto_filter.ref = None  # the table filters (Excel deletes a table under both)
    else:
        last_col = get_column_letter(max(owned))
        ws.auto_filter.ref = f"A{header_row}:{last_col}{max(last_row, header_row + 1)}"
    ws.print_title_rows = f"{header_row}:{header_row}"
    print_across(ws)
    ws.row_dimensions[header_row].height = 32
    return layout


def wrapped_lines(text: str, width: float) -> int:
    """Roughly how many lines ``text`` wraps to in a column ``width`` characters wide.

    openpyxl cannot measure text and neither Excel nor LibreOffice grow rows written
    without a height, so wrapped cells would be cut off.
    """
    per_line = max(1, int(width * 1.15))
    if "\n" not in text:  # most texts: one paragraph
        return max(1, -(-len(text) // per_line))
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


def record_rows(plan: Plan, key: str, count: int,
                keep_rows: bool) -> tuple[list[int] | None, set[int] | None]:
    """Where the ``count`` records of sheet ``key`` go, in :func:`table_contents`'s
    order, and which rows to clear: ``(None, None)`` for one after another from row 2,
    the rows below cleared (a new workbook, another file).

    ``keep_rows`` (the workbook the plan was read from): each record goes back into the
    row it was read from (``PlanSource.record_rows``, ``PlanSource.setting_rows``) — an
    officer or a theme wherever it is now in the list, a setting by its label, a log's
    entries in turn — so that a council's own cells beside it (a Phone column, a note)
    stay beside it, and rows left between records stay as they are. New records go
    below the last row read; the rows of records gone are cleared, and nothing else."""
    source = plan.source
    if not keep_rows or source is None:
        return None, None
    read = (tuple(source.setting_rows.values()) or None) if key == "settings" else \
        source.record_rows.get(key)
    if read is None:
        return None, None
    if key == "settings":  # by label, wherever each is now
        own: list = [source.setting_rows.get(label) for label in
                     [*schema.SETTING_LABELS.values(), *plan.settings.extra]]
    elif key == "officers":
        own = [o.row for o in plan.officers]
    elif key == "themes":
        own = [t.row for t in sorted(plan.themes, key=lambda t: t.order)]
    else:  # logs grow at the end: the first records are the ones read, in order
        own = list(read[:count]) + [None] * (count - len(read))
    known = set(read)
    rows, kept = _kept_rows(own, known.__contains__, known | {1})
    return rows, known - kept


def _write_table(ws, spec: schema.SheetSpec, rows: list[tuple],
                 at: list[int] | None = None, clear: set[int] | None = None
                 ) -> tuple[int, ...]:
    """Write ``rows`` into fixed-layout sheet ``ws`` from row 2, each value under its
    heading wherever the council has moved it (:func:`cip_xl.plan_read.table_layout`;
    :func:`save_plan` refuses a sheet whose headings cannot all be found), clearing
    the rows below in those columns only. ``at`` and ``clear``: the row of each of
    ``rows`` instead, and the rows to clear (see :func:`record_rows`). Returns the
    column of each heading, in the spec's order."""
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    from .plan_read import first_row_of, table_layout

    layout = (table_layout(first_row_of(ws.parent, ws.title), spec)
              or tuple(range(1, len(spec.headers) + 1)))
    for column, header, width in zip(layout, spec.headers, spec.widths or
                                     (None,) * len(layout)):
        cell = ws.cell(1, column)
        cell.value = header
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
        if width is not None:
            ws.column_dimensions[get_column_letter(column)].width = width
    if at is None:
        at = list(range(2, len(rows) + 2))
        clear = set(rows_holding(ws, len(rows) + 2))
    for r, values in zip(at, rows):
        for column, value in zip(layout, values):
            set_value(ws.cell(r, column), value, "value")  # numbers stay numbers
    for r in sorted(clear or ()):
        for column in layout:
            ws.cell(r, column).value = None
    first, last = min(layout), max(layout)
    last_row = max(at, default=1)
    fit_tables(ws, 1, last_row, first, last)
    if ws.auto_filter.ref:  # a council's filter over the rows: grown with them
        ws.auto_filter.ref = fitted_ref(ws.auto_filter.ref, 1, last_row, first,
                                        last) or ws.auto_filter.ref
    ws.freeze_panes = "A2"
    _printable(ws)
    return layout


#: the Decision column's list: a guide, not a rule — words typed after the verdict
#: ("Approved - agreed at CMT 12/11") are allowed and kept (see cip_xl.approvals)
DECISION_LIST = '"Approve,Reject"'


def _decision_list(ws, column: int) -> None:
    """Give the Change requests sheet ``ws`` a dropdown of Approve / Reject in its
    Decision ``column`` (wherever the council has moved it), once: one that warns of
    nothing, so that a decision with the reason after it can be typed too."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    letter = get_column_letter(column)
    cells = f"{letter}2:{letter}1048576"
    for dv in list(ws.data_validations.dataValidation):
        if dv.formula1 == DECISION_LIST:
            if str(dv.sqref) == cells:
                return
            ws.data_validations.dataValidation.remove(dv)  # the column moved
    dv = DataValidation(type="list", formula1=DECISION_LIST, allow_blank=True,
                        showErrorMessage=False, promptTitle="Decision",
                        prompt="Approve or Reject, then run Approve requests (cip-xl "
                               "approve). Words after it, such as the meeting that "
                               "decided, are kept.")
    dv.showInputMessage = True
    dv.add(cells)
    ws.add_data_validation(dv)


def print_across(ws, orientation: str | None = "landscape") -> None:
    """Set openpyxl sheet ``ws`` to print every column on the page's width, as many
    pages down as it takes, in ``orientation`` (None: as it is)."""
    if orientation:
        ws.page_setup.orientation = orientation
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def _printable(ws) -> None:
    """Print a sheet of records as a council prints its Record of Review & Amendment:
    landscape, every column on the page's width, the headings on every page —
    unless the council has set up the sheet's printing itself."""
    if ws.page_setup.orientation is None:
        print_across(ws)
    if not ws.print_title_rows:
        ws.print_title_rows = "1:1"


def _name_settings(ws, at: list[int] | None) -> None:
    """Give the settings just written into Settings sheet ``ws`` (cip-xl's first,
    in schema.SETTINGS_ROWS' order, in rows ``at``, or from row 2) their date formats
    and the defined names the live formulas read them by."""
    from openpyxl.workbook.defined_name import DefinedName

    for r, (key, _) in zip(at or range(2, len(schema.SETTINGS_ROWS) + 2),
                           schema.SETTINGS_ROWS):
        if key in schema.DATE_SETTINGS:
            ws.cell(r, 2).number_format = DATE_FORMAT
        if key in schema.SETTING_NAMES:
            name = schema.SETTING_NAMES[key]
            ws.parent.defined_names[name] = DefinedName(
                name, attr_text=f"{_quote(ws.title)}!$B${r}")


def _quote(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _write_lists(wb, ws, plan: Plan) -> None:
    from openpyxl.workbook.defined_name import DefinedName

    columns = (
        (schema.STATUS_LIST_NAME, list(schema.STATUS_WORDS)),
        (schema.OFFICER_LIST_NAME, [o.code for o in plan.officers if o.code] or ["-"]),
        (schema.THEME_LIST_NAME, plan.theme_names() or ["-"]),
        ("YesNoList", ["Yes", "No"]),
    )
    ws.delete_rows(1, ws.max_row)
    for c, (name, values) in enumerate(columns, start=1):
        ws.cell(1, c).value = schema.LISTS.headers[c - 1]
        for r, value in enumerate(values, start=2):
            set_text(ws.cell(r, c), value)
        from openpyxl.utils import get_column_letter
        letter = get_column_letter(c)
        wb.defined_names[name] = DefinedName(
            name, attr_text=f"{_quote(ws.title)}!${letter}$2:${letter}${len(values) + 1}")
    ws.sheet_state = "hidden"


def _validate_plan_sheet(ws, plan: Plan, contract: Contract, layout: tuple) -> None:
    """Dropdowns and checks on the Plan sheet, replacing any cip-xl set before."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    header_row, by_key, _ = layout
    first, last = header_row + 1, last_action_row(plan, header_row) + SPARE_ROWS
    ws.data_validations.dataValidation = [
        dv for dv in ws.data_validations.dataValidation
        if not (dv.promptTitle or "").startswith("cip-xl")]

    def add(key: str, dv: DataValidation) -> None:
        if key not in by_key:
            return
        letter = get_column_letter(by_key[key])
        dv.promptTitle = f"cip-xl: {contract.column(key).header}"[:32]
        dv.showErrorMessage = True
        dv.showInputMessage = bool(dv.prompt)
        dv.add(f"{letter}{first}:{letter}{last}")
        ws.add_data_validation(dv)

    add("status", DataValidation(
        type="list", formula1=schema.STATUS_LIST_NAME, allow_blank=True,
        errorTitle="Choose a status", error="Pick a status from the list.",
        prompt="Pick from the list: " + ", ".join(schema.STATUS_WORDS)))
    add("lead_officer", DataValidation(
        type="list", formula1=schema.OFFICER_LIST_NAME, allow_blank=True,
        errorStyle="warning", errorTitle="Unknown officer code",
        error="That code is not on the Officers sheet. Add it there, or pick from the "
              "list. (Two codes such as CEX/SMT are allowed.)"))
    add("theme", DataValidation(
        type="list", formula1=schema.THEME_LIST_NAME, allow_blank=True,
        errorTitle="Choose a theme", error="Pick a theme from the Themes sheet."))
    add("percent_complete", DataValidation(
        type="decimal", operator="between", formula1="0", formula2="100",
        allow_blank=True, errorTitle="% complete",
        error="Type a number from 0 to 100.", prompt="A number from 0 to 100."))
    add("last_updated", DataValidation(
        type="date", operator="greaterThan", formula1="36526", allow_blank=True,
        errorTitle="Last updated", error="Type a date, e.g. 30/09/2026."))
    for key in ("target_date", "revised_date"):
        add(key, DataValidation(
            type="custom", formula1="TRUE", allow_blank=True,
            prompt="A date (31/12/2026) or a phrase such as 'Dec 2026', "
                   "'Q3 2026/27', 'Ongoing' or 'TBC'."))


def _drop(backup: Path | None) -> None:
    """Remove a backup made for a save that did not happen."""
    if backup is not None:
        with contextlib.suppress(OSError):
            backup.unlink()


def _stamped(plan: Plan, path: Path, stamp) -> None:
    """After a save of ``plan`` over the file it was read from (whose reading's stamp
    was ``stamp``): stamp it with the file as written, so that saving it again is not
    taken for saving over someone else's changes."""
    from .file_stamp import FileStamp

    if stamp is not None and plan.source is not None:
        plan.source.stamp = FileStamp.of_saved(path)


def _read_audit_first(plan: Plan, contract: Contract) -> None:
    """Put the entries of the Audit sheet of the file ``plan`` was read from before
    those added since, for a plan read without its audit trail."""
    from .plan_read import read_audit

    at: list[int] = []
    plan.audit[:0] = read_audit(plan.source.file, contract, at)
    plan.source.record_rows["audit"] = tuple(at)
    plan.source.audit_unread = False


def save_plan(plan: Plan, path: str | Path, contract: Contract | None = None, *,
              allow_loss: bool = False, backup: bool = True,
              workbook=None, judgements: dict | None = None, job: str = "",
              backup_made: Path | None = None) -> Path | None:
    """Save ``plan`` to ``path`` atomically; return the backup made, if any.

    If ``path`` exists it is updated in place (keeping what cip-xl does not own) after a
    timestamped backup. Saved into the file it was read from, each action, officer and
    theme goes back into the row it came from, whatever its place in ``plan``'s lists,
    and each log's entries into theirs (see :func:`action_rows`, :func:`record_rows`):
    new ones go below, and sorting ``plan.actions`` does not sort the sheet. A workbook
    holding features openpyxl would drop is refused with a :class:`PlanFileError`
    unless ``allow_loss``. ``workbook`` may be the workbook
    already read from ``path`` (see ``PlanReading.workbook``): an openpyxl one saves a
    load; a :class:`~cip_xl.fastbook.FastWorkbook` lets the save change only the cells
    whose values differ (:mod:`cip_xl.plan_patch`) when the layout allows, and
    nothing at all when nothing differs. ``judgements``: see :func:`write_into`. A plan
    read without its audit trail (``PlanSource.audit_unread``) gets it from the file it
    came from first, unless the save is a patched one of that file, which writes the
    entries added since below the others without reading them. A plan read from a file
    whose Action ID column or a sheet of records has gone (``PlanSource.do_not_save``)
    is not saved over it. Every save keeps a copy of the file as written, against which
    the next reading finds what was typed into the master in between
    (:mod:`cip_xl.master_edits`). ``job`` says what is saving ("status as of
    30/09/2026"): each save that writes the file records it there
    (:data:`SAVED_BY_PROPERTY`; "" records "a cip-xl job"), with the backup it made;
    ``backup_made``: the backup of ``path`` the caller made itself, saving with
    ``backup`` False.
    """
    from .filecheck import features_openpyxl_drops, open_workbook
    from .fastbook import FastWorkbook
    from .kept_parts import save_keeping_parts
    from .file_stamp import refuse_if_changed
    from .master_edits import discard_saved_copy, keep_saved_copy
    from .safe_save import make_backup, prune_backups
    from .safe_save import same_file as is_same

    contract = contract or schema.DEFAULT_CONTRACT
    path = Path(path)
    backup_path = None
    source = plan.source
    same_file = source is not None and is_same(source.file, path)  # as read from
    if same_file and source.do_not_save is not None and path.exists():
        stop = source.do_not_save
        raise PlanFileError(replace(stop, message=stop.message + " Nothing was changed."))
    # a save over the file read refuses one changed since — checked before the work,
    # and again just before the replace — and leaves the plan stamped with the file as
    # written (cip_xl.file_stamp)
    stamp = source.stamp if same_file else None
    refuse_if_changed(path, stamp)

    def unchanged() -> None:
        refuse_if_changed(path, stamp)

    if source is not None and source.audit_unread and (
            not isinstance(workbook, FastWorkbook) or not same_file):
        _read_audit_first(plan, contract)  # only a patched save of the file read skips it
    if isinstance(workbook, FastWorkbook):
        from .plan_patch import patch_save

        if path.exists():
            made = make_backup(path) if backup else None
            discard_saved_copy(path, contract)  # see cip_xl.master_edits
            try:
                outcome = patch_save(plan, path, contract, workbook, judgements, unchanged,
                                     job or "a cip-xl job", made or backup_made)
            except BaseException:
                _drop(made)  # the plan is as it was: its copy is not needed
                raise
            if outcome is None:  # nothing differed: the file is as cip-xl would save it
                keep_saved_copy(path)
                if made is not None:  # and needs no backup
                    made.unlink()
                return None
            if outcome:
                _stamped(plan, path, stamp)
                keep_saved_copy(path)
                if made is not None:
                    prune_backups(path, contract.backups)
                return made
            if made is not None:
                made.unlink()  # the full save below makes its own
        workbook = None
        if plan.source is not None and plan.source.audit_unread:
            _read_audit_first(plan, contract)  # the full save writes the whole trail
    if path.exists():
        # rich text: formatted words in cells this save leaves alone keep their format
        wb = workbook if workbook is not None else open_workbook(path, rich_text=True)
        from .plan_read import moved_table_columns, table_total_rows

        for moved in moved_table_columns(wb, contract, str(path)) + \
                table_total_rows(wb, contract, str(path)):
            raise PlanFileError(Finding(moved.code, ERROR, moved.message + " Nothing was "
                                        "changed.", moved.file, moved.sheet, moved.cell))
        lost = features_openpyxl_drops(path)
        if lost and not allow_loss:
            raise PlanFileError(Finding(
                "save-would-lose", ERROR,
                f"{path.name} holds {', '.join(lost)}, which cip-xl cannot keep when it "
                "saves. Remove them or keep them in another workbook; nothing was "
                "changed.", file=str(path)))
        try:
            write_into(wb, plan, contract, judgements, keep_rows=same_file)
        except HiddenByMerge as hidden:
            raise PlanFileError(Finding(
                "merged-cells", ERROR,
                f"{hidden.what} would go into {hidden.cell} of the {hidden.sheet} sheet, "
                f"which is hidden under the merged cells {hidden.merged}. Unmerge them "
                "(Home > Merge & Center), fill in each row and try again; nothing was "
                "changed.", str(path), hidden.sheet, hidden.cell)) from None
        if backup:
            backup_path = make_backup(path)
        original = path.read_bytes()
    else:
        wb, original = new_workbook(plan, contract), None
    record_job(wb, job or "a cip-xl job", backup_path or backup_made)
    discard_saved_copy(path, contract)  # see cip_xl.master_edits
    try:
        # a sensitivity label, say, is kept: see kept_parts
        save_keeping_parts(wb, path, original, unchanged)
    except BaseException:
        _drop(backup_path)  # the plan is as it was: its copy is not needed
        raise
    if path.suffix.lower() == ".xlsm":
        from .vba_project import restore_ribbon
        restore_ribbon(path)  # openpyxl drops the ribbon's link when it saves
    from .plan_patch import cache_labels
    cache_labels(plan, path, contract, judgements)  # traffic lights a preview can show
    _stamped(plan, path, stamp)
    keep_saved_copy(path)
    if backup_path is not None:
        prune_backups(path, contract.backups)
    return backup_path

