"""Read a master plan workbook into a :class:`~cip_xl.model.Plan`.

Reading is tolerant: what is odd about a cell (a Ref stored as a number, a formula in a
text column, an Excel error value, a heading row where actions belong) becomes a finding
with its cell, and the value is kept as written so that saving loses nothing. Files that
cannot be used at all raise :class:`~cip_xl.findings.PlanFileError`.
"""
from __future__ import annotations

import gc
import math
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from operator import itemgetter
from pathlib import Path
from typing import Iterator

from . import schema
from .action_ids import give_back, matched_ids
from .cells import as_text, read_workbook_text
from .filecheck import merged_ranges, row_of
from .findings import ERROR, INFO, NAMED_ONE_BY_ONE, WARNING, Finding, PlanFileError
from .model import (Action, AuditEntry, ChangeRequest, Officer, Plan, PlanSource,
                    ReturnRecord, ReviewEntry, Settings, Theme, derived_action_id)
from .schema import Contract
from .setting_values import date_as_meant, number_as_meant
from .sheet_rows import numbered_rows

#: the most characters Excel keeps in one cell
EXCEL_CELL_LIMIT = 32767

EXCEL_ERRORS = ("#REF!", "#N/A", "#VALUE!", "#DIV/0!", "#NAME?", "#NULL!", "#NUM!",
                "#SPILL!", "#CALC!", "#GETTING_DATA")


@dataclass
class PlanReading:
    """A plan read from a file, with the findings reading it raised."""

    plan: Plan
    findings: list[Finding] = field(default_factory=list)
    #: the openpyxl workbook read, so a caller that saves soon after needs no second load
    workbook: object = field(default=None, repr=False)


def _text(value: object) -> str:
    return as_text(value).strip()


def _day(value: object) -> object:
    """Dates come back from openpyxl as datetimes; keep plain dates."""
    return value.date() if isinstance(value, datetime) else value


def find_header_row(ws, contract: Contract, search_rows: int = 10) -> tuple[int, dict[int, object]]:
    """The row (1-based) whose cells match the most Plan headers, and that row's cells."""
    best_row, best_hits, best_cells = 1, -1, {}
    for index, row in enumerate(ws.iter_rows(min_row=1, max_row=search_rows), start=1):
        # a header with formatted words is openpyxl's CellRichText (a list of runs)
        cells = {cell.column: str(cell.value) if isinstance(cell.value, list) else cell.value
                 for cell in row if cell.value is not None}
        hits = sum(1 for v in cells.values() if contract.match_header(v))
        if hits > best_hits:
            best_row, best_hits, best_cells = index, hits, cells
    return best_row, best_cells


def _renamed_plan_sheet(wb, contract: Contract) -> str | None:
    """The sheet that holds the plan's actions under another name — headed Ref, Key
    action and Action ID as cip-xl lays them out — in a workbook that also has
    cip-xl's Settings sheet; None if there is no such one sheet."""
    if find_sheet(wb, contract.sheet("settings")) is None:
        return None
    wanted = {contract.column(key).header for key in ("ref", "key_action", "action_id")}
    found = []
    for title in wb.sheetnames:
        ws = wb[title]
        if not hasattr(ws, "iter_rows"):
            continue  # a chart sheet
        _, cells = find_header_row(ws, contract, search_rows=3)
        if wanted <= {str(value) for value in cells.values()}:
            found.append(title)
    return found[0] if len(found) == 1 else None


def read_plan(path: str | Path, contract: Contract | None = None, workbook=None, *,
              read_only: bool = False, audit: bool = True) -> PlanReading:
    """Read the master plan at ``path``.

    ``workbook`` may be an already-open openpyxl workbook (formulas not evaluated) or
    :class:`~cip_xl.fastbook.FastWorkbook` of that file. ``read_only`` reads with
    python-calamine (see :mod:`cip_xl.fastbook`), several times faster; the reading then
    holds that :class:`~cip_xl.fastbook.FastWorkbook`, which
    :func:`~cip_xl.plan_write.save_plan` can patch (or, failing that, reopen). Raises :class:`PlanFileError` for an
    unusable file or one with no Plan sheet; everything else is a finding in the
    returned :class:`PlanReading`. ``audit=False`` leaves the Audit sheet unread — it
    only grows, and most jobs never look at it — see ``PlanSource.audit_unread``.
    """
    from .filecheck import open_workbook

    contract = contract or schema.DEFAULT_CONTRACT
    path = Path(path)
    if read_only and workbook is None:
        from .fastbook import FastWorkbook

        wb = FastWorkbook(path)
        try:
            with _collections_paused():
                reading = _read_again(wb, path, contract, audit)
            if reading.plan.source is not None:  # these bytes, as read this time
                reading.plan.source.stamp = wb.stamp
        except PlanFileError:
            raise
        except Exception as exc:  # read-only mode parses while iterating
            raise PlanFileError(Finding(
                "file-corrupt", ERROR, f"{path.name} is damaged ({type(exc).__name__}); "
                "restore it from a backup.", file=str(path))) from None
        finally:
            wb.close()
        return _with_conflict_copies(reading, path, contract)
    workbook = workbook if workbook is not None else open_workbook(path)
    reading = _with_master_edits(_read(workbook, path, contract, audit), path, contract)
    from .fastbook import FastWorkbook

    if not isinstance(workbook, FastWorkbook):  # openpyxl's
        _read_escapes(reading.plan)
    return _with_conflict_copies(reading, path, contract)


def _with_conflict_copies(reading: PlanReading, path: Path,
                          contract: Contract) -> PlanReading:
    """``reading`` with a finding for each copy of the plan a syncing service kept
    beside it (:mod:`cip_xl.conflict_copies`): looked for at every reading, as one can
    appear while the plan's own bytes stay the same."""
    from .conflict_copies import conflict_copies

    reading.findings.extend(conflict_copies(path, reading.plan, contract))
    return reading


@contextmanager
def _collections_paused() -> Iterator[None]:
    """Python's cycle collector paused for the block (as it was after). Reading a
    plan makes tens of thousands of objects that all live on, and each collection
    the allocations set off walks all of them again for no garbage: at 10,000 actions
    that was ~8% of reading a plan saved in Excel (nothing measurable at 2,000)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _read_escapes(plan: Plan) -> None:
    """Text read through openpyxl, which leaves Excel's ``_xHHHH_`` escapes in it (a
    vertical tab is ``_x000B_``), as Excel and python-calamine read it
    (:func:`cip_xl.cells.read_workbook_text`), so that either reading of a file gives
    the same plan."""
    for record in (*plan.actions, *plan.officers, *plan.themes, plan.settings,
                   *plan.review_log, *plan.audit, *plan.change_requests,
                   *plan.returns_log):
        for name, value in vars(record).items():
            if value.__class__ is str and "_x00" in value:  # (an audit entry is frozen)
                object.__setattr__(record, name, read_workbook_text(value))
            elif value.__class__ is dict:  # extra columns, further settings
                for key, item in value.items():
                    if item.__class__ is str and "_x00" in item:
                        value[key] = read_workbook_text(item)


def _read_again(wb, path: Path, contract: Contract, audit: bool = True) -> PlanReading:
    """:func:`_read` of a FastWorkbook, unless the same bytes were read as a plan at the
    same path under the same contract just before (validate, then status), the audit
    trail too if it is wanted: then a copy of that reading, which is what reading them
    again would give."""
    from .model import copy_plan

    kept = wb.remembered.get("plan")
    history = _history_stamp(path)
    if kept is not None and kept[0] == str(path) and kept[1] == contract and \
            (not kept[2].source.audit_unread or not audit) and kept[4] == history:
        return PlanReading(copy_plan(kept[2]), list(kept[3]), wb)
    aside = _copy_read_ahead(path, contract)
    try:
        reading = _with_master_edits(_read(wb, path, contract, audit), path, contract, aside)
    finally:
        if aside is not None:
            aside.close()
    wb.remembered["plan"] = (str(path), contract, copy_plan(reading.plan),
                             list(reading.findings), history)
    return reading


def _history_stamp(path: Path) -> tuple:
    """What the master-edit findings of a reading of the plan at ``path`` depend on
    besides its bytes: the state of its backups folder (a copy of the last save
    written, removed or moved in changes the folder's time) and of the copy itself. A
    reading kept in a long-running process (the Excel add-in's) is not reused once
    either has changed."""
    from .master_edits import saved_copy_path
    from .safe_save import BACKUP_FOLDER

    stamps = []
    for place in (path.parent / BACKUP_FOLDER, saved_copy_path(path)):
        try:
            status = place.stat()
        except OSError:
            stamps.append(None)
        else:
            stamps.append((status.st_mtime_ns, status.st_size))
    return tuple(stamps)


def _copy_read_ahead(path: Path, contract: Contract):
    """The copy of the last save of the plan at ``path`` opened, its Plan sheet being
    parsed on another thread while the plan itself is read, when the two will be
    compared (:func:`cip_xl.master_edits.copy_to_compare`); else None."""
    from .fastbook import FastWorkbook
    from .master_edits import copy_to_compare

    copy = copy_to_compare(path)
    if copy is None:
        return None
    try:
        book = FastWorkbook(copy, share=False)
    except Exception:  # damaged: the comparison finds it so, and compares nothing
        return None
    title = find_sheet(book, contract.plan_sheet)
    if title is not None:
        book.read_ahead(title)
    return book


def _with_master_edits(reading: PlanReading, path: Path, contract: Contract,
                       aside=None) -> PlanReading:
    """``reading`` with what was typed into the master since cip-xl last saved it
    added to its plan's audit trail, for the next save to write, and findings saying so
    and naming worked-out cells typed over (see :mod:`cip_xl.master_edits`). ``aside``:
    the copy of the last save, opened already (:func:`_copy_read_ahead`)."""
    from .master_edits import typed_since_saved

    entries, findings = typed_since_saved(
        reading.plan, path, contract, lambda copy: _read_aside(copy, contract, book=aside))
    kept = {f.ref for f in findings if f.code == "action-id-taken-back"}
    if kept:  # not new after all
        reading.findings[:] = [f for f in reading.findings
                               if f.code != "action-id-new" or f.ref not in kept]
    reading.plan.audit.extend(entries)
    reading.findings.extend(findings)
    return reading


def read_audit(path: str | Path, contract: Contract,
               at: list[int] | None = None) -> list[AuditEntry]:
    """The entries of the Audit sheet of the plan at ``path``; ``at``, if given, gets
    the row number of each."""
    from .fastbook import FastWorkbook

    wb = FastWorkbook(Path(path))
    try:
        return _read_audit(wb, contract, at)
    finally:
        wb.close()


def read_plan_id(path: str | Path, contract: Contract) -> str:
    """The Plan ID on the Settings sheet of the workbook at ``path``, nothing else read;
    "" if it has none or cannot be read. For a backup or copy of a plan, read on the
    side (the sheets kept from the file read last stay kept)."""
    settings = read_settings(path, contract)
    return settings.plan_id or "" if settings is not None else ""


def read_settings(path: str | Path, contract: Contract) -> Settings | None:
    """The Settings sheet of the workbook at ``path``, nothing else read; None if it
    has none or cannot be read. Read on the side, as :func:`read_plan_id`."""
    from .fastbook import FastWorkbook

    try:
        wb = FastWorkbook(Path(path), share=False)
    except (PlanFileError, OSError):  # a damaged or foreign file: nothing to tell
        return None
    try:
        if find_sheet(wb, contract.sheet("settings")) is None:
            return None
        return _read_settings(wb, contract, str(path), [], {})
    except (PlanFileError, OSError, KeyError):  # its Settings sheet damaged
        return None
    finally:
        wb.close()


def read_trail(path: str | Path, contract: Contract,
               at: list[int] | None = None) -> tuple[str, list[AuditEntry]]:
    """The Plan ID on the Settings sheet of the plan at ``path`` ("" if it has none) and
    the entries of its Audit sheet, nothing else read; ``at``, if given, gets the row
    number of each entry. For a backup or copy of a plan, read on the side (the sheets
    kept from the file read last stay kept)."""
    from .fastbook import FastWorkbook

    wb = FastWorkbook(Path(path), share=False)
    try:
        title = find_sheet(wb, contract.sheet("settings"))
        plan_id = _read_settings(wb, contract, str(path), [], {}).plan_id if title else ""
        return plan_id, _read_audit(wb, contract, at)
    finally:
        wb.close()


def _read_audit(wb, contract: Contract, at: list[int] | None = None) -> list[AuditEntry]:
    return [AuditEntry(*r) for r in _rows(wb, contract.sheet("audit"), schema.AUDIT, at)]


def _read(wb, path: Path, contract: Contract, audit: bool = True) -> PlanReading:
    from .fastbook import column_letters as get_column_letter
    from .fastbook import column_number as column_index_from_string

    file = str(path)
    findings: list[Finding] = []
    plan_sheet = find_sheet(wb, contract.plan_sheet)
    if plan_sheet is None:
        renamed = _renamed_plan_sheet(wb, contract)
        if renamed is not None:
            raise PlanFileError(Finding(
                "plan-sheet-renamed", ERROR,
                f"{path.name} is a cip-xl plan, but its actions are on a sheet named "
                f"'{renamed}', not '{contract.plan_sheet}' (renamed?). Rename it "
                f"'{contract.plan_sheet}', or keep its name by putting '[sheets]' and "
                f"'plan = {renamed}' in a profile, cip-xl.ini beside the plan.",
                file=file, sheet=renamed))
        from .returns import META_SHEET, RETURN_SHEET

        if META_SHEET in wb.sheetnames and RETURN_SHEET in wb.sheetnames:
            raise PlanFileError(Finding(
                "plan-is-a-return", ERROR,
                f"{path.name} is a return cip-xl issued to an officer, not the plan. Give "
                f"the plan's file; to take this return in, merge it: cip-xl merge PLAN "
                f'"{path.name}".', file=file))
        raise PlanFileError(Finding(
            "sheet-missing", ERROR,
            f"{path.name} has no '{contract.plan_sheet}' sheet, so it is not a cip-xl "
            f"plan (its sheets are: {', '.join(wb.sheetnames)}). Use 'cip-xl import' to "
            "bring in a plan kept in another layout.", file=file))
    ws = wb[plan_sheet]
    header_row, header_cells = find_header_row(ws, contract)
    columns: dict[str, str] = {}
    extras: dict[str, str] = {}
    for col_index, header in sorted(header_cells.items()):
        letter = get_column_letter(col_index)
        column = contract.match_header(header)
        if column is None:
            extras[_text(header)] = letter
        elif column.key in columns:
            findings.append(Finding(
                "column-duplicate", ERROR,
                f"Two columns are headed as '{column.header}' ({columns[column.key]} and "
                f"{letter}); cip-xl reads {columns[column.key]}. Rename or remove one.",
                file, plan_sheet, f"{letter}{header_row}"))
        else:
            columns[column.key] = letter
    for column in contract.columns:
        if column.required and column.key not in columns:
            findings.append(Finding(
                "column-missing", ERROR,
                f"The Plan sheet has no '{column.header}' column. Add a column headed "
                f"'{column.header}' in row {header_row}.", file, plan_sheet,
                f"A{header_row}"))
    source = PlanSource(file=file, plan_sheet=plan_sheet, columns=columns,
                        extra_columns=extras)
    plan = Plan(source=source, extra_columns=list(extras))
    for first, last in _merged(ws, path, plan_sheet):
        if row_of(last) > row_of(first) and row_of(last) > header_row:
            findings.append(Finding(
                "merged-cells", ERROR,
                f"Cells {first}:{last} are merged across rows, so only the first row holds "
                "the value. Unmerge them (Home > Merge & Center) and fill each row.",
                file, plan_sheet, first))
    letter_to_key = {v: k for k, v in columns.items()}
    index_to_key = {column_index_from_string(v): k for v, k in letter_to_key.items()}
    index_to_extra = {column_index_from_string(v): h for h, v in extras.items()}
    totals = table_total_rows(wb, contract, file, (header_row, header_cells))
    findings += totals
    sums = {row_of(f.cell) for f in totals if f.sheet == plan_sheet}  # not actions

    if hasattr(ws, "raw_rows"):
        rows = _fast_rows(ws, header_row, index_to_key, index_to_extra)
    else:
        rows = _cell_rows(ws, header_row, index_to_key, index_to_extra,
                          _FormulaResults(path, plan_sheet))
    left = set(sums)  # rows that are not actions: a save leaves them alone
    for row_number, values, extra, ready in rows:
        if row_number in sums:
            continue
        # a heading row has one meaningful cell (besides computed ones and the ID);
        # rows with more cells than the computed columns could fill cannot be one
        meaningful = {k: c for k, c in values.items()
                      if schema.COLUMNS_BY_KEY[k].kind not in (schema.COMPUTED,
                                                               schema.ACTION_ID)} \
            if len(values) <= _MOST_COMPUTED + 1 and not extra else {}
        if not extra and _remains_of_an_action(values):
            continue  # its cells cut or cleared: see master_edits for where it went
        if len(meaningful) == 1 and not extra:
            (key, cell), = meaningful.items()
            value = cell if cell.__class__ in _READY else cell.value
            # (a Key action alone is an action being typed in, not a heading: it is
            # read as one, and validation asks for the rest)
            if key in ("ref", "theme", "objective") and isinstance(value, str):
                findings.append(Finding(
                    "heading-row", WARNING,
                    f"Row {row_number} holds only '{_text(value)[:60]}', so it is read "
                    "as a heading, not an action, and left as it is. Headings in rows of "
                    "their own get in the way of sorting and filtering; the Theme column "
                    "of each action says the same. If it is meant to be an action, "
                    "complete the row.",
                    file, plan_sheet, f"{columns[key]}{row_number}"))
                left.add(row_number)
                continue
        if ready is not None:  # nothing to look at twice: the action in one call
            action = Action(row=row_number, action_id=ready.pop("action_id", ""),
                            extra=extra, **ready)
        else:
            action = _read_action(values, extra, row_number, file, plan_sheet, findings)
        plan.actions.append(action)
    source.left_rows = frozenset(left)
    _new_ids(plan.actions, file, plan_sheet, findings)
    findings += _lights_typed_over(plan, contract, file, plan_sheet, columns.get("rag"))
    findings[:] = _months_together(findings)

    plan.officers = _read_officers(wb, contract, file, findings)
    plan.themes = _read_themes(wb, contract, file, findings)
    plan.settings = _read_settings(wb, contract, file, findings, source.setting_rows)
    at: dict[str, list[int]] = {key: [] for key in _ROWS_KEPT}
    plan.review_log = [ReviewEntry(*(_day(v) if v is not None else "" for v in r[:6]))
                       for r in _rows(wb, contract.sheet("review_log"), schema.REVIEW_LOG,
                                      at["review_log"])]
    if audit:
        plan.audit = _read_audit(wb, contract, at["audit"])
    else:
        source.audit_unread = True
        del at["audit"]
    plan.change_requests = [
        ChangeRequest(*[(_text(v) if i in (0, 2, 3, 4, 5, 7, 8, 9, 11, 13, 14) else
                         v if i == 1 else _day(v)) for i, v in enumerate(r[:15])])
        for r in _rows(wb, contract.sheet("change_requests"), schema.CHANGE_REQUESTS,
                       at["change_requests"], source.record_columns)]
    plan.returns_log = [
        ReturnRecord(_text(r[0]), _text(r[1]), int(r[2] or 0), _day_time(r[3]), _text(r[4]),
                     int(r[5] or 0), _day_time(r[6]), _text(r[7]))
        for r in _rows(wb, contract.sheet("returns"), schema.RETURNS_LOG, at["returns"])]
    at["officers"] = [o.row for o in plan.officers]
    at["themes"] = [t.row for t in plan.themes]
    source.record_rows = {key: tuple(rows) for key, rows in at.items()}
    source.sheets = {key: find_sheet(wb, contract.sheet(key)) or ""
                     for key in contract.sheet_names}
    if not plan.settings.plan_id:
        if plan.returns_log:  # returns went out under the ID now gone
            findings.append(Finding(
                "plan-id-missing", ERROR,
                "Settings has no Plan ID, but returns were issued from this plan under "
                "one: they cannot be merged until it is back. Copy the Plan ID from a "
                "backup in the backups folder (or type the one a refused return names) "
                "into Settings.", file, source.sheets["settings"] or None))
        plan.settings.plan_id = Settings().plan_id  # a plan of its own from now on
    gone = [key for key in _RECORD_SHEETS if find_sheet(wb, contract.sheet(key)) is None]
    if gone and _written_by_cip_xl(wb):
        renamed = _renamed_to(wb, contract, gone)
        restored = None if renamed else _restore_sheets(plan, path, contract, gone)
        if restored is not None:
            missing = {contract.sheet(key) for key in gone}
            findings[:] = [f for f in findings
                           if f.code != "sheet-missing" or f.sheet not in missing]
        findings.append(restored or _sheets_gone(
            path, source, [contract.sheet(key) for key in gone], renamed))
    if "action_id" not in columns and plan.actions and (
            plan.returns_log or plan.change_requests or plan.audit):
        findings[:] = [f for f in findings if f.code != "action-id-new"]
        findings.append(_restore_ids(path, plan, contract, header_row))
    issued_at = {r.revision for r in plan.returns_log}
    if issued_at and plan.settings.revision != max(issued_at):
        findings.append(Finding(
            "revision-changed", WARNING,
            f"Plan revision in Settings is {plan.settings.revision}, but the latest returns "
            f"were issued at revision {max(issued_at)} (see the Returns sheet): returns "
            "are merged only at the plan's revision. If it was changed by hand, set it back "
            f"to {max(issued_at)}.", file, source.sheets["settings"] or None))
    findings += moved_table_columns(wb, contract, file)
    return PlanReading(plan, findings, wb)


def table_total_rows(wb, contract: Contract, file: str,
                     plan_headers: tuple[int, dict] | None = None) -> list[Finding]:
    """An ERROR finding for each Total Row of an Excel Table holding the rows of the
    Plan sheet (``plan_headers``: its header row and cells, if found already) or of a
    fixed-layout sheet (see :mod:`cip_xl.sheet_tables`). A Total Row sits where the
    next action or entry goes: saves would write over it, so
    :func:`cip_xl.plan_write.save_plan` refuses such a workbook; reading skips it on the
    Plan sheet (it is not an action)."""
    from .sheet_tables import total_rows

    sheets = []
    plan_title = find_sheet(wb, contract.plan_sheet)
    if plan_title is not None:
        header_row, cells = plan_headers or find_header_row(wb[plan_title], contract)
        if cells:
            sheets.append((plan_title, header_row, min(cells), max(cells), "action"))
    for spec in schema.FIXED_SHEETS:
        title = find_sheet(wb, contract.sheet(spec.key))
        if spec is not schema.LISTS and title is not None:
            sheets.append((title, 1, 1, len(spec.headers), "entry"))
    findings = []
    for title, header_row, first, last, kind in sheets:
        for name, cell in total_rows(wb, title, header_row, first, last):
            findings.append(Finding(
                "table-total-row", ERROR,
                f"Row {row_of(cell)} of the {title} sheet is the Total Row of the Excel "
                f"Table '{name}', where cip-xl adds the next {kind}: it will not save the "
                "plan until the Total Row is turned off (click in the table, then Table "
                "Design > Total Row). Totals can go on a sheet of your own.",
                file, title, cell))
    return findings


def table_layout(first_row: tuple, spec: schema.SheetSpec) -> tuple[int, ...] | None:
    """The column (1-based) of each of ``spec``'s headings on a fixed-layout sheet whose
    row 1 holds ``first_row``: found by heading, in any order, among columns of the
    council's own — cip-xl's own order where row 1 is blank (a save writes the headings
    there). ``None`` when a heading is missing (renamed or deleted) or appears twice.
    The Settings sheet is kept by position: Setting in A, Value in B."""
    width = len(spec.headers)
    keys = [schema.header_key(value) if value is not None else "" for value in first_row]
    wanted = [schema.header_key(header) for header in spec.headers]
    if not any(keys[:width]) and not set(wanted) & set(keys):
        return tuple(range(1, width + 1))
    if spec is schema.SETTINGS:
        return (1, 2) if keys[:2] == wanted else None
    layout = []
    for key in wanted:
        if keys.count(key) != 1:
            return None
        layout.append(keys.index(key) + 1)
    return tuple(layout)


def first_row_of(wb, title: str) -> tuple:
    """Row 1 of sheet ``title`` of an openpyxl workbook or a FastWorkbook (whose sheet
    is not parsed for it: the Audit sheet may hold tens of thousands of rows)."""
    if hasattr(wb, "first_row"):
        return tuple(wb.first_row(title))
    return tuple(next(wb[title].iter_rows(min_row=1, max_row=1, values_only=True), ()))


def moved_table_columns(wb, contract: Contract, file: str) -> list[Finding]:
    """An ERROR finding for each of the plan's fixed-layout sheets (Officers, Themes,
    Settings and the logs) whose columns cannot be found by their headings in row 1
    (see :func:`table_layout`): a heading renamed, deleted or typed twice, or on the
    Settings sheet anything but Setting and Value in A and B. Saving writes each
    value under its heading, so :func:`cip_xl.plan_write.save_plan` refuses such a
    workbook rather than guess. Columns inserted or moved, and the council's own
    columns anywhere among cip-xl's, are fine."""
    from .fastbook import column_letters

    findings = []
    for spec in schema.FIXED_SHEETS:
        if spec is schema.LISTS:
            continue
        title = find_sheet(wb, contract.sheet(spec.key))
        if title is None:
            continue
        first = first_row_of(wb, title)
        if table_layout(first, spec) is not None:
            continue
        first += (None,) * (len(spec.headers) - len(first))
        keys = [schema.header_key(value) if value is not None else "" for value in first]
        if spec is schema.SETTINGS:
            index = next(i for i, header in enumerate(spec.headers)
                         if keys[i] != schema.header_key(header))
            letter = column_letters(index + 1)
            found = f"headed '{_text(first[index])[:40]}'" \
                if _text(first[index]) else "without a heading"
            findings.append(Finding(
                "table-columns-moved", ERROR,
                f"Column {letter} of the {title} sheet is {found} where cip-xl keeps "
                f"'{spec.headers[index]}'. cip-xl keeps each setting's name in column A "
                "and its value in column B, so it will not save the plan until they are "
                "back there.", file, title, f"{letter}1"))
            continue
        for index, header in enumerate(spec.headers):
            key = schema.header_key(header)
            places = [i for i, found in enumerate(keys) if found == key]
            if len(places) == 1:
                continue
            if places:
                letters = [column_letters(i + 1) for i in places]
                findings.append(Finding(
                    "table-column-twice", ERROR,
                    f"The {title} sheet has {len(places)} columns headed '{header}' ("
                    f"{', '.join(letters)}). cip-xl writes each value under its heading, "
                    "so it will not save the plan until one is renamed or deleted.",
                    file, title, f"{letters[1]}1"))
            else:
                findings.append(Finding(
                    "table-column-missing", ERROR,
                    f"The {title} sheet has no column headed '{header}' in row 1: renamed "
                    "or deleted? cip-xl finds this sheet's columns by their headings "
                    f"({', '.join(spec.headers)}), in any order and with your own columns "
                    f"among them; it will not save the plan until '{header}' is back.",
                    file, title, f"{column_letters(index + 1)}1"))
            break
    return findings


class _FormulaResults:
    """The results a file keeps for the formulas of one sheet, which an openpyxl
    workbook opened for editing does not give: read (with openpyxl, values only) the
    first time one is asked for — for a formula typed where a value belongs, which is
    rare — as :class:`~cip_xl.fastbook.FastCell` objects, None where there is none."""

    def __init__(self, path: Path, sheet: str) -> None:
        self.path, self.sheet, self._sheet = path, sheet, None

    def __call__(self, row: int, column: int):
        from .fastbook import FastCell
        from .filecheck import open_workbook

        if self._sheet is None:
            try:
                self._sheet = open_workbook(self.path, data_only=True)[self.sheet]
            except (PlanFileError, KeyError):  # no such file or sheet: no results
                self._sheet = False
        if self._sheet is False:
            return None
        cell = self._sheet.cell(row, column)
        value = cell.value
        if value is None or value == "" or (isinstance(value, str) and
                                            value.strip() in EXCEL_ERRORS):
            return None
        return FastCell(row, column, value, cell.data_type, cell.number_format)


def _cell_rows(ws, header_row: int, index_to_key: dict[int, str],
               index_to_extra: dict[int, str], results: _FormulaResults | None = None):
    """(row number, {column key: cell}, {extra header: value}) of each row below the
    header that holds anything in a known column; blank and whitespace-only cells are
    left out. For openpyxl worksheets; :func:`_fast_rows` gives the same from a
    FastSheet (a formula typed where a value belongs as a ``FormulaCell`` with its
    result, taken from ``results``)."""
    from .fastbook import FormulaCell

    for row_number, row in numbered_rows(ws, header_row + 1):
        values: dict[str, object] = {}
        extra: dict[str, object] = {}
        for cell in row:
            if cell.value is None or (isinstance(cell.value, str) and not cell.value.strip()):
                continue
            key = index_to_key.get(cell.column)
            if key is not None:
                values[key] = cell
                if cell.data_type == "f" and key in _VALUE_KEYS and results is not None:
                    result = results(row_number, cell.column)
                    if result is not None:
                        values[key] = FormulaCell(row_number, cell.column, cell.value, "f")
                        values[key].result = result
            elif cell.column in index_to_extra:
                extra[index_to_extra[cell.column]] = cell.value
        if values or extra:
            yield row_number, values, extra, None


def _fast_rows(ws, header_row: int, index_to_key: dict[int, str],
               index_to_extra: dict[int, str]):
    """:func:`_cell_rows` for a :class:`~cip_xl.fastbook.FastSheet`, straight from its
    raw values: only the known columns are looked at, and a cell whose value
    :func:`_read_action` would take without a second look comes as that value — a text
    cell as its trimmed text, a date as a :class:`~datetime.date`, a % complete as its
    float (all :data:`_READY`) — instead of a cell. That is most of a plan.

    Each row comes with a fourth item: the row's ready values by column key when
    nothing else in the row needs :func:`_read_action` (live formulas in computed
    columns aside, which it ignores), else None.
    """
    from .fastbook import FastCell, FormulaCell, plain_value

    special_rows = ws.special_rows()
    percent = ws.percent
    dates_shown = ws.dates_shown
    columns = []
    for index, key in sorted(index_to_key.items()):
        kind = schema.COLUMNS_BY_KEY[key].kind
        text = kind in _PLAIN_TEXT_KINDS or kind in (schema.DATE, schema.DATE_PHRASE) or \
            (kind == schema.COMPUTED and key != "due_date")
        day = kind in (schema.DATE, schema.DATE_PHRASE) or key == "due_date"
        columns.append((index - 1, index, key, text, day, kind == schema.PERCENT,
                        kind == schema.COMPUTED))
    extras = [(index - 1, index, header) for index, header in sorted(index_to_extra.items())]
    for number, raw in ws.numbered_rows(header_row + 1):
        special = special_rows.get(number) or {}
        width = len(raw)
        values: dict[str, object] = {}
        ready: dict[str, object] | None = {}
        for at, index, key, text_ready, day_ready, is_percent, computed in columns:
            if index in special:
                kind = special[index]
                if computed and kind == "f" and \
                        len(ws.formulas.xml((number, index))) <= EXCEL_CELL_LIMIT:
                    values[key] = _LIVE_FORMULA  # its text is never needed: not read
                else:  # anything but a live formula where one belongs
                    values[key] = cell = FastCell(number, index, ws.value(number, index), kind)
                    if kind == "f" and key in _VALUE_KEYS and at < width and \
                            raw[at] != "" and (number, index) not in ws.formula_errors:
                        cell = FormulaCell(number, index, cell.value, kind)
                        cell.result = ws.cell_of(number, index, raw[at])
                        values[key] = cell
                    ready = None
            elif at < width:
                value = raw[at]
                kind = value.__class__
                if kind is str:
                    text = value.strip()
                    if not text:
                        continue
                    if text_ready and len(value) <= EXCEL_CELL_LIMIT and \
                            text not in _EXCEL_ERROR_SET:
                        values[key] = text
                        if ready is not None:
                            ready[key] = text
                    else:
                        values[key] = FastCell(number, index, value, "s")
                        ready = None
                elif (kind is date and day_ready and (number, index) not in dates_shown) or (
                        kind is float and is_percent and (number, index) not in percent):
                    values[key] = value  # a day, or a plain % complete: as it is
                    if ready is not None:
                        ready[key] = value
                else:
                    values[key] = ws.cell_of(number, index, value)
                    ready = None
        extra: dict[str, object] = {}
        for at, index, header in extras:
            if index in special:
                extra[header] = ws.value(number, index)
            elif at < width:
                value = raw[at]
                if value.__class__ is not str or value.strip():
                    extra[header] = plain_value(value)
        if values or extra:
            yield number, values, extra, ready


def _merged(ws, path: Path, title: str) -> list[tuple[str, str]]:
    """Merged ranges of the Plan sheet, from openpyxl or, read-only, from the XML."""
    ranges = getattr(ws, "merged_cells", None)
    if ranges is not None:
        return [tuple(r.coord.split(":")) for r in ranges.ranges if ":" in r.coord]
    if hasattr(ws, "merged"):  # a FastSheet scanned them already
        return ws.merged
    return merged_ranges(path, title)


def _day_time(value: object) -> datetime | None:
    return value if isinstance(value, datetime) else None


def find_sheet(wb, name: str) -> str | None:
    """The sheet called ``name``, ignoring case and surrounding spaces."""
    for title in wb.sheetnames:
        if title.strip().lower() == name.strip().lower():
            return title
    return None


def _rows(wb, name: str, spec: schema.SheetSpec, at: list[int] | None = None,
          columns: dict[str, tuple[int, ...]] | None = None) -> list[tuple]:
    """The rows below the headings of log sheet ``name`` that hold anything in its
    columns, as tuples of their values in ``spec``'s order (blank as None), each column
    found by its heading (:func:`table_layout`; by position if they cannot be, which
    validation reports). ``at``, if given, gets the row number of each, in order;
    ``columns``, if given, the column of each heading, under ``spec.key``."""
    title = find_sheet(wb, name)
    if title is None:
        return []
    width = len(spec.headers)
    ws = wb[title]  # (parsed whole below: row 1 from it, not read apart)
    first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    layout = table_layout(tuple(first), spec) or tuple(range(1, width + 1))
    if columns is not None:
        columns[spec.key] = layout
    if hasattr(ws, "raw_rows") and not ws.special_rows():
        return _raw_log_rows(ws.numbered_rows(2), layout, at)
    return _log_rows(numbered_rows(ws, 2, max_col=max(layout), values_only=True), layout, at,
                     numbered=True)


def _log_rows(rows, layout: tuple[int, ...], at: list[int] | None = None,
              numbered: bool = False) -> list[tuple]:
    """:func:`_rows` of ``rows`` (each a sequence of values from column A, the first
    from row 2; with ``numbered``, each as (row number, that sequence))."""
    width = max(layout)
    padding = (None,) * width
    pick = itemgetter(*(c - 1 for c in layout)) if len(layout) > 1 else \
        (lambda row: (row[layout[0] - 1],))
    found = []
    for number, row in rows if numbered else enumerate(rows, start=2):
        values = pick(tuple(row[:width]) + padding[len(row):])
        if any(v is not None and (v.__class__ is not str or v.strip()) for v in values):
            found.append(values)
            if at is not None:
                at.append(number)
    return found


def _raw_log_rows(numbered, layout: tuple[int, ...],
                  at: list[int] | None = None) -> list[tuple]:
    """:func:`_rows` from a sheet's raw rows below its headings, ``numbered`` (row
    number, raw values: :meth:`~cip_xl.fastbook.FastSheet.numbered_rows`; no formulas
    or error values in the sheet): text as it is, anything else as openpyxl gives it —
    the Audit sheet of a plan some years old holds tens of thousands of rows."""
    from .fastbook import plain_value

    width = len(layout)
    if layout != tuple(range(1, width + 1)):  # columns moved by the council
        return _log_rows(((number, [v if v.__class__ is str and v else plain_value(v)
                                    for v in raw]) for number, raw in numbered),
                         layout, at, numbered=True)
    rows = []
    padding = (None,) * width
    # cip-xl's own order: no picking, one pass per row
    for number, raw in numbered:
        values = [v if v.__class__ is str and v else plain_value(v) for v in raw[:width]]
        for v in values:
            if v is not None and (v.__class__ is not str or not v.isspace()):
                rows.append(tuple(values) + padding[len(values):])
                if at is not None:
                    at.append(number)
                break
    return rows




def replaced_by_save(findings: list[Finding]) -> list[Finding]:
    """Those of a reading's ``findings`` that name what any save of the plan replaces
    or records, for the jobs that save it to pass on: traffic lights typed over
    (``rag-typed-over``, :func:`_lights_typed_over`), dates shown as months that are
    saved as the months' words (``date-as-month``), a directorate or next due date
    typed over (``computed-typed-over``), changes made in the master since its last
    save, which the save writes to the Audit sheet (``master-edited``), and entries
    deleted from that sheet, whose last copy the save keeps as a backup
    (``audit-rows-deleted``: see :mod:`cip_xl.master_edits`), and Action IDs taken
    back from the last save, which the save writes beside their actions
    (``action-ids-restored``, ``action-ids-put-back``, ``action-id-taken-back``) or new
    ones for copied rows (``action-id-copied``), as it writes deleted sheets of records
    again from it (``sheet-restored``); and settings that could not be read, which the
    save keeps as typed while their defaults are used (``setting-not-date``,
    ``setting-not-number``), and a theme's order typed as words, which the save
    replaces by its place (``theme-order-not-number``); and copies of the plan a syncing
    service kept beside it, which no save takes in (``plan-conflict-copy``)."""
    return [f for f in findings if f.code in ("rag-typed-over", "date-as-month",
                                              "setting-not-date", "setting-not-number",
                                              "theme-order-not-number",
                                              "computed-typed-over", "master-edited",
                                              "audit-rows-deleted", "action-ids-restored",
                                              "action-ids-put-back", "sheet-restored",
                                              "action-id-taken-back", "action-id-copied",
                                              "plan-conflict-copy")]


def _months_together(findings: list[Finding]) -> list[Finding]:
    """``findings`` with the notes of dates shown as months (``date-as-month``) made
    one where there are many — a council that types every target as a month has a
    whole column of them, until the next save writes the words."""
    months = [f for f in findings if f.code == "date-as-month"]
    if len(months) <= NAMED_ONE_BY_ONE:
        return findings
    first = months[0]
    together = Finding(
        "date-as-month", INFO,
        f"{len(months)} target and revised dates (from {first.cell}) are dates on the 1st "
        "shown as a month and year, as Excel stores a month typed in ('Mar 2027' becomes "
        "01/03/2027, shown as Mar-27): each is read as its month, due at the month's end, "
        "and saved as the words.", first.file, first.sheet, first.cell)
    return [together if f is first else f for f in findings if f.code != "date-as-month"
            or f is first]


def _lights_typed_over(plan: Plan, contract: Contract, file: str, sheet: str,
                       letter: str | None) -> list[Finding]:
    """Warnings for the RAG cells holding a value instead of cip-xl's formula — typed
    over by hand, or pasted as values — which the next save replaces: one per cell, or
    one for them all when there are many. (A value read from a RAG cell is kept in
    ``Action.rag`` until :func:`cip_xl.status.refresh` gives the verdict.)"""
    typed = [a for a in plan.actions if a.rag and isinstance(a.rag, str) and a.rag.strip()]
    if not typed or letter is None:
        return []
    header = contract.column("rag").header
    advice = ("cip-xl works each traffic light out from the Status, % complete, dates "
              "and last update, and every save puts its formula back (the value typed "
              "stays in the backup). To change a traffic light, change those (the "
              "Status, say); to keep a note, use a column of your own.")
    if len(typed) <= NAMED_ONE_BY_ONE:
        return [Finding("rag-typed-over", WARNING,
                        f"{header} of Ref {a.ref or a.row} holds '{_text(a.rag)[:40]}', "
                        f"typed over cip-xl's formula. {advice}",
                        file, sheet, f"{letter}{a.row}", a.ref or None) for a in typed]
    first = typed[0]
    return [Finding("rag-typed-over", WARNING,
                    f"{len(typed)} cells of the {header} column hold values (from "
                    f"{letter}{first.row}: '{_text(first.rag)[:40]}') instead of cip-xl's "
                    f"formula: typed over, or pasted as values. {advice}",
                    file, sheet, f"{letter}{first.row}")]


#: the sheets of records whose rows a save of the same file keeps
#: (``PlanSource.record_rows``)
_ROWS_KEPT = ("officers", "themes", "review_log", "audit", "change_requests", "returns")

#: how many Plan columns are computed or the Action ID
_MOST_COMPUTED = sum(1 for c in schema.PLAN_COLUMNS
                     if c.kind in (schema.COMPUTED, schema.ACTION_ID))
#: column kinds whose text is stored trimmed and nothing else (see _read_action)
_PLAIN_TEXT_KINDS = frozenset({schema.TEXT, schema.REF, schema.CODE, schema.THEME,
                               schema.STATUS, schema.ACTION_ID})
_EXCEL_ERROR_SET = frozenset(EXCEL_ERRORS)
#: what _fast_rows gives instead of a cell when the value needs no second look
_READY = frozenset({str, date, float})


#: the columns whose formulas are read as the value they show (text stays as typed)
_VALUE_KEYS = frozenset(c.key for c in schema.PLAN_COLUMNS if c.kind in (
    schema.DATE_PHRASE, schema.DATE, schema.PERCENT, schema.STATUS))


class _LiveFormula:
    """What _fast_rows gives for a live formula in a computed column (a RAG verdict),
    which is recomputed rather than read, so its text is never unescaped."""

    data_type = "f"


_LIVE_FORMULA = _LiveFormula()


def _remains_of_an_action(values: dict) -> bool:
    """Whether a row's cells (:func:`_fast_rows`) are only what an action leaves behind
    when its cells are cut or cleared without the hidden column: its Action ID, and
    perhaps its traffic light's formula. Anything typed (in a worked-out column too)
    keeps the row an action, for validation to name what it lacks."""
    if "action_id" not in values or not values.keys() <= {"action_id", "rag"}:
        return False
    light = values.get("rag", _LIVE_FORMULA)
    return light is _LIVE_FORMULA or getattr(light, "data_type", None) == "f"


def _read_action(values: dict, extra: dict, row: int, file: str, sheet: str,
                 findings: list[Finding]) -> Action:
    action = Action(row=row, action_id="")
    for key, cell in values.items():
        if cell.__class__ in _READY:  # a value _fast_rows has checked
            setattr(action, key, cell)
            continue
        if cell is _LIVE_FORMULA:  # recomputed, not read
            continue
        value = cell.value
        column = schema.COLUMNS_BY_KEY[key]
        result = getattr(cell, "result", None)  # a FormulaCell: see _fast_rows
        if result is not None:
            findings.append(Finding(
                "formula-in-cell", WARNING,
                f"{column.header} holds the formula {str(value)[:60]}; cip-xl reads the "
                f"value it shows, {as_text(result.value)}, and its next save writes "
                "that value in place of the formula (a plan's dates and figures are "
                "typed, so that returns and the audit trail can follow them).",
                file, sheet, cell.coordinate, action.ref or None))
            cell = result
            value = cell.value
        if value.__class__ is str and column.kind in _PLAIN_TEXT_KINDS and \
                cell.data_type != "f" and len(value) <= EXCEL_CELL_LIMIT:
            text = value.strip()
            if text not in _EXCEL_ERROR_SET:  # most cells: text kept as typed, trimmed
                setattr(action, key, text)
                continue
        if isinstance(value, str) and len(value) > EXCEL_CELL_LIMIT:
            findings.append(Finding(
                "cell-too-long", ERROR,
                f"{column.header} holds {len(value):,} characters, more than the "
                f"{EXCEL_CELL_LIMIT:,} Excel keeps in a cell; shorten it.",
                file, sheet, cell.coordinate))
        if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
            findings.append(Finding(
                "excel-error", ERROR,
                f"{column.header} shows the Excel error {value.strip()}; replace it with "
                "the value it should hold.", file, sheet, cell.coordinate))
        if cell.data_type == "f" and column.kind != schema.COMPUTED:
            findings.append(Finding(
                "formula-in-cell", WARNING,
                f"{column.header} holds the formula {str(value)[:60]}; cip-xl keeps it as "
                "text. Type the value itself instead.", file, sheet, cell.coordinate))
        if key == "ref":
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                text = _text(value)
                if isinstance(value, float) and not value.is_integer():
                    findings.append(Finding(
                        "ref-as-number", WARNING,
                        f"Ref {text} is stored as a number, so a ref like 3.10 turns into "
                        "3.1. Retype it: cip-xl formats the Ref column as Text, so that "
                        "what is typed there stays as typed.",
                        file, sheet, cell.coordinate, text))
                action.ref = text
            else:
                action.ref = _text(value)
        elif column.kind in (schema.DATE_PHRASE, schema.DATE):
            value = _day(value)
            shown = None
            if column.kind == schema.DATE_PHRASE and isinstance(value, date):
                from .fastbook import date_shown

                shown = date_shown(getattr(cell, "number_format", None) or "")
            if shown == "no-year":
                from .dates import typed_without_year

                showing, typed, meant = typed_without_year(value)
                hint = (f"If {meant} was meant, type '{meant}'; otherwise type the date "
                        "with its year." if meant else
                        "Type the date with its year, so that it is certain.")
                findings.append(Finding(
                    "date-without-year", WARNING,
                    f"{column.header} shows {showing} with no year: Excel reads '{typed}' "
                    f"typed into a cell as that day of the year it was typed in, so this "
                    f"is {value:%d/%m/%Y}. {hint}",
                    file, sheet, cell.coordinate, action.ref or None))
            elif shown == "month":
                from .dates import typed_month

                month = typed_month(value)
                if month is not value:
                    findings.append(Finding(
                        "date-as-month", INFO,
                        f"{column.header} {value:%d/%m/%Y} is shown as a month (Excel "
                        f"turns '{month}' typed into a cell into the 1st): it is read as "
                        f"'{month}', due at the end of the month, and saved as those words.",
                        file, sheet, cell.coordinate, action.ref or None))
                    value = month
            setattr(action, key, value.strip() if isinstance(value, str) else value)
        elif column.kind == schema.PERCENT:
            action.percent_complete = _percent(cell)
        elif column.kind == schema.COMPUTED:
            if cell.data_type != "f":  # live formulas are recomputed, not read
                setattr(action, key, _day(value) if key == "due_date" else _text(value))
        else:
            setattr(action, key, _text(value))
    action.extra = extra
    return action


#: the sheets of a plan that hold records no other sheet has: one deleted loses them
_RECORD_SHEETS = ("officers", "themes", "settings", "review_log", "audit",
                  "change_requests", "returns")


def _written_by_cip_xl(wb) -> bool:
    """Whether cip-xl laid the workbook out (its layout stamp is there), so that it had
    every sheet of the contract: one missing now was deleted or renamed since."""
    from .plan_write import LAYOUT_PROPERTY

    if hasattr(wb, "custom_property"):  # a FastWorkbook
        return bool(wb.custom_property(LAYOUT_PROPERTY))
    props = getattr(wb, "custom_doc_props", None)
    return props is not None and any(p.name == LAYOUT_PROPERTY for p in props.props)


def _last_saved(path: Path) -> tuple[Path | None, str]:
    """The file holding the plan at ``path`` as cip-xl last saved it, and what to call
    it: the copy every save keeps (:mod:`cip_xl.master_edits`), which has everything
    that save wrote, or else the newest backup (the plan before it); (None, "") if
    neither is there."""
    from .master_edits import saved_copy_path
    from .safe_save import backups_of

    copy = saved_copy_path(path)
    if copy.is_file():
        return copy, "the copy kept of its last save"
    newest = backups_of(path)[:1]
    return (newest[0][1], "the newest backup") if newest else (None, "")


def _renamed_to(wb, contract: Contract, gone: list[str]) -> dict[str, str]:
    """For each sheet key in ``gone``, the one other sheet of ``wb`` whose first row
    holds all that sheet's headings (most likely it, renamed), by the missing name."""
    specs = {spec.key: spec for spec in schema.FIXED_SHEETS}
    ours = {contract.sheet(key) for key in contract.sheet_names} | {contract.plan_sheet}
    others = [title for title in wb.sheetnames if title not in ours]
    found = {}
    for key in gone:
        wanted = set(specs[key].headers)
        matches = [title for title in others if hasattr(wb[title], "iter_rows") and wanted
                   <= {str(c.value) for c in next(wb[title].iter_rows(max_row=1), ())}]
        if len(matches) == 1:
            found[contract.sheet(key)] = matches[0]
    return found


def _restore_sheets(plan: Plan, path: Path, contract: Contract,
                    gone: list[str]) -> Finding | None:
    """:func:`cip_xl.master_edits.restore_sheets` of the sheets ``gone`` from the plan
    at ``path``, the copy of its last save read on the side."""
    from .master_edits import restore_sheets

    return restore_sheets(plan, path, contract, gone,
                          lambda copy, audit: _read_aside(copy, contract, audit))


def _read_aside(path: Path, contract: Contract, audit: bool = False, book=None) -> Plan:
    """The plan in the file at ``path`` (the copy of a plan's last save), read without
    using or replacing the sheets kept from the file read last — the plan itself.
    ``book``: that file opened already (``FastWorkbook(path, share=False)``), if it was;
    the caller closes it."""
    from .fastbook import FastWorkbook

    if book is not None and book.path == Path(path):
        return _read(book, path, contract, audit).plan
    with FastWorkbook(path, share=False) as wb:
        return _read(wb, path, contract, audit).plan


def _sheets_gone(path: Path, source: PlanSource, gone: list[str],
                 renamed: dict[str, str]) -> Finding:
    """The finding for sheets of records (``gone``) missing from a workbook cip-xl laid
    out: a save would write them again empty, losing for good the officers, settings
    (the Plan ID that returns carry), the trail, undecided requests or the record of
    returns. ``renamed``: a sheet that looks like each, by missing name, to be named.
    Marks ``source`` so that no save replaces the file."""
    from .safe_save import in_backups

    backup, called = _last_saved(path)
    where = f" ({in_backups(backup)})" if backup is not None else ""
    names = ", ".join(f"'{name}'" for name in gone)
    looks = "".join(f" The sheet '{now}' has the headings of '{name}': if it is that "
                    f"sheet renamed, name it '{name}' again." for name, now in renamed.items())
    plural = len(gone) > 1
    them, are = ("them", "they are") if plural else ("it", "it is")
    source.do_not_save = Finding(
        "sheet-deleted", ERROR,
        f"{path.name} has no {names} sheet{'s' if plural else ''} (deleted or renamed?), "
        "which cip-xl wrote there with records no other sheet keeps: a save would write "
        f"{them} again empty and lose them for good. Nothing is saved until {are} back: "
        "undo the change in Excel, name a renamed sheet back (or name it in a council "
        f"profile's [sheets]), or copy the sheet from {called or 'a backup'}"
        f"{where} (right-click its tab, Move or Copy, into this workbook).{looks}",
        source.file, gone[0])
    return source.do_not_save


def _restore_ids(path: Path, plan: Plan, contract: Contract, header_row: int) -> Finding:
    """The hidden Action ID column of ``plan``'s sheet has gone (deleted in Excel, say)
    from a plan with returns or a trail, which know its actions only by those IDs.
    Each action's ID is taken back from the plan as cip-xl last saved it
    (:func:`_last_saved`), matched by Ref and Key action (or by the Key action, else
    the Ref, alone where unique on both sides); actions it does not have (typed in
    since) keep new IDs. The next save writes the column again. Where the backup
    cannot be read, or an action matches more than one of its actions, nothing is
    guessed: ``plan.source`` is marked so that no save replaces the file (it would
    give every action a new ID for good) and the finding says how to put the column
    back by hand."""
    from .safe_save import in_backups

    source = plan.source
    backup, called = _last_saved(path)
    where = in_backups(backup) if backup is not None else ""
    lost = (f"The {source.plan_sheet} sheet has no Action ID column (the hidden column "
            "at the end, deleted?), but this plan has issued returns or keeps an audit "
            "trail, which know its actions only by those IDs")
    matched, why = _ids_from(backup, plan, contract) if backup is not None else \
        (None, "there is no backup to take them from")
    if matched is None:
        message = (
            f"{lost}: without them every return would be refused and the trail would lose "
            f"its actions, and a save would give every action a new ID for good; cip-xl "
            f"could not take them back ({why}). Nothing is saved until the column is "
            "back: undo the change in Excel, or copy the Action ID column from "
            f"{called or 'a backup'}{f' ({where})' if where else ''} into the plan, "
            "heading and all, with its rows in the same order as the plan's.")
        source.do_not_save = Finding("action-ids-missing", ERROR, message, source.file,
                                     source.plan_sheet, f"A{header_row}")
        return source.do_not_save
    new = [a for a in plan.actions if id(a) not in matched]
    give_back(plan, matched)
    refs = ", ".join(a.ref or f"row {a.row}" for a in new)
    return Finding(
        "action-ids-restored", WARNING,
        f"{lost}. They were taken back from {called} ({where}), each action matched "
        "by its Ref and Key action; the next save writes the column again"
        + (f". Not in that file, so given new IDs: {refs}." if new else ".")
        + " Check the plan before merging if actions were renumbered and reworded since.",
        source.file, source.plan_sheet, f"A{header_row}")


def _ids_from(backup: Path, plan: Plan,
              contract: Contract) -> tuple[dict[int, str] | None, str]:
    """Each action of ``plan`` (by ``id()``) and the Action ID of its match in the plan
    at ``backup`` (see :func:`_restore_ids`); ``None`` and why when any match is not
    certain."""
    try:
        old = read_plan(backup, contract, read_only=True, audit=False).plan
    except PlanFileError:
        return None, f"{backup.name} cannot be read"
    if old.source is not None and old.source.do_not_save is not None or not all(
            a.action_id for a in old.actions):
        return None, f"{backup.name} has no Action IDs either"
    return matched_ids(old, plan, backup.name)


def _new_ids(actions: list[Action], file: str, sheet: str,
             findings: list[Finding]) -> None:
    """Give each action read without an Action ID a new one, and say so: made from its
    row, Ref and Key action and none of the plan's others
    (:func:`~cip_xl.model.derived_action_id`), so that each reading of the file gives
    it the one the finding names."""
    lacking = [action for action in actions if not action.action_id]
    if not lacking:
        return
    taken = {action.action_id for action in actions}
    for action in lacking:
        action.action_id = derived_action_id((action.row, action.ref, action.key_action),
                                             taken)
        taken.add(action.action_id)
        findings.append(Finding(
            "action-id-new", INFO,
            f"Row {action.row} had no Action ID; it gets {action.action_id} when the plan "
            "is next saved.", file, sheet, None, action.ref or None))


def _percent(cell) -> float | str | None:
    value = cell.value
    if isinstance(value, bool):
        return as_text(value)
    if isinstance(value, (int, float)):
        if "%" in (cell.number_format or "") and 0 <= value <= 1.0:
            return round(value * 100, 6)
        return float(value)
    text = _text(value).rstrip("%").strip()
    try:
        number = float(text)
    except ValueError:
        return _text(value)
    # float() also reads "nan" and "inf", which no spreadsheet cell can hold as a number
    return number if math.isfinite(number) else _text(value)


def _header_map(ws, headers: tuple[str, ...]) -> dict[str, int]:
    """Column indexes (0-based) of ``headers`` in row 1, matched loosely."""
    found: dict[str, int] = {}
    first = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    for index, value in enumerate(first):
        for header in headers:
            if schema.header_key(value) == schema.header_key(header) and header not in found:
                found[header] = index
    return found


def _read_officers(wb, contract: Contract, file: str, findings: list[Finding]) -> list[Officer]:
    title = find_sheet(wb, contract.sheet("officers"))
    if title is None:
        findings.append(Finding("sheet-missing", ERROR,
                                f"There is no '{contract.sheet('officers')}' sheet listing "
                                "lead officer codes.", file, contract.sheet("officers")))
        return []
    ws = wb[title]
    where = _header_map(ws, schema.OFFICERS.headers)
    officers = []
    for row_number, row in numbered_rows(ws, 2, values_only=True):
        def get(header: str) -> str:
            index = where.get(header)
            return _text(row[index]) if index is not None and index < len(row) else ""
        if not any(get(h) for h in schema.OFFICERS.headers):
            continue
        officers.append(Officer(get("Code"), get("Title"), get("Name"), get("Email"),
                                get("Directorate"), row=row_number))
    return officers


def _read_themes(wb, contract: Contract, file: str, findings: list[Finding]) -> list[Theme]:
    from .fastbook import column_letters

    title = find_sheet(wb, contract.sheet("themes"))
    if title is None:
        return []
    ws = wb[title]
    where = _header_map(ws, schema.THEMES.headers)
    themes = []
    for row_number, row in numbered_rows(ws, 2, values_only=True):
        def get(header: str) -> object:
            index = where.get(header)
            return row[index] if index is not None and index < len(row) else None
        name = _text(get("Theme"))
        if not name:
            continue
        order = get("Order")
        if isinstance(order, bool) or not isinstance(order, (int, float)):
            if _text(order):  # typed, but not a number: named before a save replaces it
                column = column_letters((where.get("Order") or 0) + 1)
                findings.append(Finding(
                    "theme-order-not-number", WARNING,
                    f"The order of theme '{name}' is '{_text(order)[:40]}', not a number: "
                    f"the theme keeps its place on the sheet, {len(themes) + 1}, which the "
                    "next save writes there.", file, title, f"{column}{row_number}"))
            order = len(themes) + 1
        themes.append(Theme(name, int(order), _text(get("Description")), row=row_number))
    return themes


def _setting_result(sheet, results: _FormulaResults | None, row: int, key: str,
                    label: object, formula: str, file: str, findings: list[Finding]) -> object:
    """For a date or number setting typed as a formula (``=TODAY()``, ``=15*2``), the
    value it showed when the plan was last saved, with a warning that the next save
    writes that value in its place; the formula's text where the file keeps no result
    (or an error), for the setting's own finding to quote."""
    if results is None:
        shown = sheet.cached(row, 2) if (row, 2) in sheet.formulas else None
    else:
        cell = results(row, 2)
        shown = cell.value if cell is not None else None
    if shown is None or (isinstance(shown, str) and shown.strip() in EXCEL_ERRORS):
        return formula
    day = _day(shown)
    findings.append(Finding(
        "formula-in-cell", WARNING,
        f"{label} holds the formula {formula[:60]}; cip-xl reads the value it shows, "
        f"{as_text(day)}, and its next save writes that value in place of the formula"
        + (" (a reporting date that moved every day would make last quarter's report "
           "read differently each time it is run: type the quarter's end)."
           if key == "reporting_date" and ("TODAY" in formula.upper() or
                                           "NOW" in formula.upper()) else "."),
        file, sheet.title, f"B{row}"))
    return day


#: said of a setting that cannot be read
_WRITTEN_AS_READ = ("A save writes that in its place: the plan's own traffic lights in "
                    "Excel work from it.")
_KEPT_AS_TYPED = ("Saving the plan keeps what was typed there, and the traffic lights "
                  "Excel works out from Settings are wrong until it is fixed.")


def _kept_as_typed(key: str) -> str:
    """What keeping setting ``key`` as typed (not a date or number) costs: the live
    traffic lights for those Excel's formulas read; a report's cover for the meeting
    date; nothing else to say for the rest."""
    if key in schema.SETTING_NAMES:
        return _KEPT_AS_TYPED
    if key == "meeting_date":
        return ("Saving the plan keeps what was typed there; a report leaves the meeting "
                "date out until it is a date.")
    return "Saving the plan keeps what was typed there."


def _read_settings(wb, contract: Contract, file: str, findings: list[Finding],
                   rows: dict[str, int]) -> Settings:
    """The plan's settings, labels in column A and values in B, in any order; into
    ``rows``, the row of each (``PlanSource.setting_rows``). A label given twice: the
    lower row's value is used (and the other row left as it is), and for cip-xl's own
    settings a finding says so."""
    settings = Settings(plan_id="")
    title = find_sheet(wb, contract.sheet("settings"))
    if title is None:
        findings.append(Finding("sheet-missing", WARNING,
                                f"There is no '{contract.sheet('settings')}' sheet; defaults "
                                "are used.", file, contract.sheet("settings")))
        return Settings()
    labels = {schema.header_key(label): key for key, label in schema.SETTINGS_ROWS}
    sheet = wb[title]
    results = None if hasattr(sheet, "cached") else _FormulaResults(Path(file), title)
    for row_number, row in numbered_rows(sheet, 2, max_col=2, values_only=True):
        label, value = (tuple(row) + (None, None))[:2]
        key = labels.get(schema.header_key(label))
        if key is None and label is None:
            continue
        written = schema.SETTING_LABELS[key] if key is not None else _text(label)
        if written in rows and key is not None:  # (a council's notes may share a label)
            findings.append(Finding(
                "setting-duplicate", WARNING,
                f"'{_text(label)}' is in rows {rows[written]} and {row_number} of "
                f"{title}; the value in row {row_number} is used. Delete the other row.",
                file, title, f"A{row_number}"))
        rows[written] = row_number
        if key is None:
            settings.extra[written] = value
            continue
        if (key in schema.DATE_SETTINGS or key in schema.NUMBER_SETTINGS) and \
                isinstance(value, str) and value.startswith("="):
            value = _setting_result(sheet, results, row_number, key, label, value, file,
                                    findings)
        value = _day(value)
        if key in schema.DATE_SETTINGS:
            if value is not None and not isinstance(value, date):
                from .dates import parse_due
                parsed = parse_due(value)
                meant = date_as_meant(key, _text(value), parsed.kind, parsed.due)
                if meant:  # "Q2 2026/27" as the reporting date: its end
                    findings.append(Finding(
                        "setting-read-as-meant", INFO,
                        f"{label} '{_text(value)}' names {meant[1]}: read as that day. "
                        f"{_WRITTEN_AS_READ}", file, title, f"B{row_number}"))
                    value = meant[0]
                elif parsed.kind == "date":
                    value = parsed.due
                else:
                    findings.append(Finding(
                        "setting-not-date", ERROR,
                        f"{label} '{_text(value)}' is not a date; type a date such as "
                        f"31/12/2026. {_kept_as_typed(key)}", file, title,
                        f"B{row_number}"))
                    settings.as_typed[key] = value
                    value = None
            setattr(settings, key, value)
        elif key in schema.NUMBER_SETTINGS and (meant := number_as_meant(key, value)):
            number, how = meant
            setattr(settings, key, number)
            findings.append(Finding(
                "setting-read-as-meant", INFO,
                f"{label} {how}: read as {number}. {_WRITTEN_AS_READ}", file, title,
                f"B{row_number}"))
        elif key in schema.NUMBER_SETTINGS:
            try:
                setattr(settings, key, int(value) if value is not None else
                        getattr(Settings, key, 0))
            except (TypeError, ValueError):
                settings.as_typed[key] = value
                findings.append(Finding(
                    "setting-not-number", ERROR,
                    f"{label} '{_text(value)}' is not a whole number; "
                    f"{getattr(settings, key)} is used until it is. {_kept_as_typed(key)}", file,
                    title, f"B{row_number}"))
        else:
            setattr(settings, key, _text(value))
    return settings  # a blank plan_id is filled in by _read, which can tell if it matters
