"""Read a returned workbook: what was issued (the hidden record) and what came back.

:func:`read_return` reads a return with :class:`~cip_xl.fastbook.FastWorkbook` (fast,
and nothing in it is ever run),
checks that it is a cip-xl return whose hidden record is intact, and gives back every
row and cell an officer could have typed in, with its address, so that
:mod:`cip_xl.merging` can apply it or report it. Unusable files raise
:class:`~cip_xl.findings.PlanFileError`.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from calendar import monthrange
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from .cell_notes import cell_notes
from .dates import typed_month
from .cells import quoted
from .fastbook import column_letters, typed_cells
from .filecheck import row_of
from .findings import ERROR, WARNING, Finding, PlanFileError
from .return_extras import outside_the_cells
from .returns import (FORMAT, INSTRUCTIONS_SHEET, LISTS_SHEET, META_SHEET,
                      NEW_ACTION_COLUMNS, NEW_ACTIONS_SHEET, RETURN_SHEET, fingerprint,
                      return_columns, text_fingerprint)
from .schema import Contract, header_key


@dataclass
class IssuedRow:
    """What the hidden record says was issued for one action."""

    action_id: str
    row: int
    fingerprint: str
    values: dict[str, object]


@dataclass(slots=True)
class ReturnedCell:
    """One cell as returned: its value, address and whether it held a formula.

    For a formula, ``value`` is the formula as typed (``"=50+10"``) and ``shown`` what
    it showed when the return was last saved: the result the file keeps (``60``), an
    error as its text (``"#VALUE!"``), or None when the program that saved it did not
    calculate. Which of the two the merge takes depends on the column."""

    value: object
    coordinate: str
    formula: bool = False
    #: a date shown without its year (27-Mar): what Excel makes of "Mar 27" typed in
    no_year: bool = False
    shown: object = None


@dataclass
class ReturnedRow:
    row: int
    action_id: str
    cells: dict[str, ReturnedCell]


@dataclass
class ReturnedWorkbook:
    """A return as read: its record, its rows, its proposed new actions, and findings
    about its shape (columns added or removed, typing outside the table)."""

    path: Path
    meta: dict[str, object]
    issued: dict[str, IssuedRow]
    rows: list[ReturnedRow]
    new_actions: list[ReturnedRow]
    findings: list[Finding] = field(default_factory=list)
    #: column letter of each field found in the Return sheet's header
    columns: dict[str, str] = field(default_factory=dict)
    #: when the officer last saved it (:func:`saved_time`), if the file says
    saved: datetime | None = None
    #: notes attached to cells (:mod:`cip_xl.cell_notes`): (sheet, cell) → text
    notes: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def department(self) -> str:
        return str(self.meta.get("department", ""))

    @property
    def fingerprint(self) -> str:
        return str(self.meta.get("fingerprint", ""))


def _shown(ws, row: int, column: int, formula: bool) -> object:
    """What a formula cell showed when the file was saved: its cached result, an error
    (#REF!, #DIV/0!...) as its text, or None if the file holds no result."""
    return _plain(ws.cached(row, column)) if formula else None


def _plain(value: object) -> object:
    """A typed value as the merge takes it: blank text is no value, a date-time at
    midnight is a date."""
    if value.__class__ is str:
        return None if not value or value.isspace() else value
    if isinstance(value, datetime) and value.time() == _MIDNIGHT:
        return value.date()
    return value


_MIDNIGHT = datetime.min.time()


def _month_end(value: object) -> object:
    """A proposed date shown as its month and year alone, on the 1st — what Excel
    makes of "Mar 2027" typed in — as the month's last day, as councils mean a month.
    Other values as they are."""
    if isinstance(value, date) and not isinstance(value, datetime) and value.day == 1:
        return date(value.year, value.month, monthrange(value.year, value.month)[1])
    return value


def _shown_as_percent(value: object) -> object:
    """% complete in a cell formatted as a percentage — typed as "60%", or pasted from a
    sheet that keeps fractions — holds 0.6 and shows 60%: the merge takes what the
    officer saw, 60. Other values are left as they are, to be judged by the merge."""
    if value.__class__ in (int, float) and 0 <= value <= 1:
        return round(value * 100, 6)
    return value


def read_return(path: str | Path, contract: Contract) -> ReturnedWorkbook:
    """Read the return at ``path``; raise PlanFileError if it is not one we issued."""
    from .fastbook import FastWorkbook

    path = Path(path)
    wb = FastWorkbook(path)
    try:
        return _read(wb, path, contract)
    except PlanFileError:
        raise
    except Exception as exc:  # damage inside a sheet shows while reading it
        raise _fail(path, "file-corrupt",
                    f"{path.name} is damaged ({type(exc).__name__}); ask for a fresh copy "
                    "of the return.") from None
    finally:
        wb.close()


#: the last-saved time in a package's core properties (W3C date-time, UTC or an offset)
_MODIFIED = re.compile(
    rb"<(?:\w+:)?modified\b[^>]*>\s*(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)(?::(\d\d))?"
    rb"(?:\.\d+)?\s*(Z|[+-]\d\d:?\d\d)?\s*<")


def saved_time(core: bytes) -> datetime | None:
    """When a workbook was last saved, from its core properties part ``core``
    (``docProps/core.xml``: Excel and LibreOffice set it on every save; copying or
    e-mailing the file does not), in this machine's local time like the Audit sheet's
    times; ``None`` when the part does not say. A time with no zone is taken as UTC, as
    Excel writes it."""
    found = _MODIFIED.search(core[:65536])
    if found is None:
        return None
    year, month, day, hour, minute, second, zone = found.groups()
    offset = timedelta(0)
    if zone and zone != b"Z":
        digits = zone[1:].replace(b":", b"")
        offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
        offset = -offset if zone[:1] == b"-" else offset
    try:
        moment = datetime(int(year), int(month), int(day), int(hour), int(minute),
                          int(second or 0), tzinfo=timezone(offset))
        return moment.astimezone().replace(tzinfo=None)
    except (ValueError, OverflowError):  # a month 13, a 25th hour, the year 1
        return None


def _fail(path: Path, code: str, message: str, sheet: str | None = None) -> PlanFileError:
    return PlanFileError(Finding(code, ERROR, message, str(path), sheet))


def _read(wb, path: Path, contract: Contract) -> ReturnedWorkbook:
    if META_SHEET in wb.sheetnames and RETURN_SHEET not in wb.sheetnames:
        others = ", ".join(f"'{t}'" for t in wb.sheetnames
                           if t not in (META_SHEET, LISTS_SHEET, INSTRUCTIONS_SHEET,
                                        NEW_ACTIONS_SHEET))
        raise _fail(path, "return-sheet-renamed",
                    f"{path.name} is a cip-xl return whose '{RETURN_SHEET}' sheet has been "
                    f"renamed or deleted (its other sheets: {others or 'none'}). Rename the "
                    f"sheet with the actions back to '{RETURN_SHEET}' and merge it again.")
    if META_SHEET not in wb.sheetnames or RETURN_SHEET not in wb.sheetnames:
        from .plan_read import find_sheet

        if find_sheet(wb, contract.plan_sheet) is not None:  # a whole plan sent back
            raise _fail(path, "return-unrecognised",
                        f"{path.name} is a copy of a plan (it has a '{contract.plan_sheet}' "
                        f"sheet), not a return: a copy cannot be merged, as nothing says "
                        "who could change what in it. What it holds that the master does "
                        "not is listed below, to copy across or to ask the officer to put in "
                        "their return ('cip-xl returns' issues one).")
        raise _fail(path, "return-unrecognised",
                    f"{path.name} is not a cip-xl return (it has no '{RETURN_SHEET}' sheet "
                    "and issue record). Only returns made by 'cip-xl returns' can be merged.")
    meta: dict[str, object] = {}
    issued: dict[str, IssuedRow] = {}
    texts: dict[str, str] = {}  # each row's record as written, hashed as it is
    table = False
    for row in wb[META_SHEET].iter_rows(values_only=True):
        if not row or row[0] is None:
            continue
        if row[0] == "action_id":
            table = True
            continue
        if table:
            try:
                values = json.loads(row[3])
                issued[str(row[0])] = IssuedRow(str(row[0]), int(row[1]), str(row[2]), values)
                texts[str(row[0])] = row[3]
            except (TypeError, ValueError, IndexError):
                raise _fail(path, "return-tampered",
                            f"{path.name}: the hidden issue record has been changed or "
                            "damaged, so its rows cannot be trusted. Issue a fresh return.",
                            META_SHEET) from None
        else:
            meta[str(row[0])] = row[1] if len(row) > 1 else None
    if meta.get("format") != FORMAT:
        raise _fail(path, "return-unrecognised", f"{path.name} is not a cip-xl return.")
    expected = fingerprint([meta.get("plan_id"), meta.get("revision"), meta.get("department"),
                            [r.fingerprint for r in issued.values()]])
    if expected != meta.get("fingerprint") or any(
            text_fingerprint(texts[r.action_id]) != r.fingerprint and
            fingerprint(r.values) != r.fingerprint for r in issued.values()):
        raise _fail(path, "return-tampered",
                    f"{path.name}: the hidden issue record does not match its fingerprint; "
                    "it has been edited. Issue a fresh return.", META_SHEET)

    findings: list[Finding] = []
    merged_rows: set[int] = set()
    for first, last in wb[RETURN_SHEET].merged:
        top, bottom = row_of(first), row_of(last)
        if bottom > top:
            merged_rows.update(range(top, bottom + 1))
            findings.append(Finding(
                "return-merged-cells", ERROR,
                f"Cells {first}:{last} were merged across rows, which keeps only the first "
                "row's text; rows {0} to {1} are not taken in. Unmerge them and send the "
                "return again.".format(top, bottom), str(path), RETURN_SHEET, first))
    ws = wb[RETURN_SHEET]
    columns = return_columns(contract)
    by_header = {header_key(c.header): c.key for c in columns}
    by_header.update({header_key(c.header.rstrip(" ✎")): c.key for c in columns})
    header = next(ws.iter_rows(max_row=1), ())
    position: dict[int, str] = {}
    unknown: dict[int, str] = {}
    for cell in header:
        if cell.value is None:
            continue
        key = by_header.get(header_key(cell.value))
        if key and key not in position.values():
            position[cell.column] = key
        else:
            unknown[cell.column] = str(cell.value)
    for issued_at, column in enumerate(columns, start=1):
        if column.key in position.values():
            continue
        if issued_at in unknown:  # its heading retyped, the column where it was issued
            findings.append(Finding(
                "return-column-renamed", WARNING,
                f"The heading of column {column_letters(issued_at)} was changed to "
                f"'{quoted(unknown.pop(issued_at))}'; it was issued as "
                f"'{column.header.rstrip(' ✎')}', and its cells are read as that column.",
                str(path), RETURN_SHEET, f"{column_letters(issued_at)}1"))
            position[issued_at] = column.key
            continue
        findings.append(Finding(
            "return-column-missing", ERROR,
            f"The column '{column.header.rstrip(' ✎')}' has been deleted or renamed; "
            "its values cannot be taken in.", str(path), RETURN_SHEET, "1"))
    for index, name in unknown.items():
        findings.append(Finding(
            "return-column-added", WARNING,
            f"A column '{name}' was added; what is typed in it is listed below but not "
            "taken into the plan.", str(path), RETURN_SHEET, f"{column_letters(index)}1"))

    rows: list[ReturnedRow] = []
    for number, typed in typed_cells(ws, 2):
        cells: dict[str, ReturnedCell] = {}
        for column, value, formula in typed:
            key = position.get(column)
            if key is None:
                findings.append(Finding(
                    "return-outside-table", ERROR,
                    f"'{quoted(value)}' was typed outside the return's columns; "
                    "it is not taken into the plan.", str(path), RETURN_SHEET,
                    f"{column_letters(column)}{number}"))
                continue
            value = _plain(value)
            result = _shown(ws, number, column, formula)
            shown = ws.dates_shown.get((number, column))
            if key == "percent_complete" and (number, column) in ws.percent:
                value, result = _shown_as_percent(value), _shown_as_percent(result)
            elif key == "proposed_date" and shown == "month":
                value, result = _month_end(value), _month_end(result)
            cells[key] = ReturnedCell(
                value, f"{column_letters(column)}{number}", formula,
                shown == "no-year" and isinstance(result if formula else value, date),
                result)
        if number in merged_rows or not any(c.value is not None for c in cells.values()):
            continue
        action_id = cells.get("action_id")
        rows.append(ReturnedRow(number, str(action_id.value).strip() if action_id and
                                action_id.value is not None else "", cells))

    new_actions: list[ReturnedRow] = []
    if NEW_ACTIONS_SHEET in wb.sheetnames:
        keys = [k for k, _ in NEW_ACTION_COLUMNS]
        new_sheet = wb[NEW_ACTIONS_SHEET]
        for number, typed in typed_cells(new_sheet, 2):
            cells = {}
            for column, value, formula in typed:
                if column <= len(keys):
                    value = _plain(value)
                    result = _shown(new_sheet, number, column, formula)
                    if keys[column - 1] == "target_date" and \
                            new_sheet.dates_shown.get((number, column)) == "month":
                        value, result = typed_month(value), typed_month(result)
                    cells[keys[column - 1]] = ReturnedCell(
                        value, f"{column_letters(column)}{number}", formula, shown=result)
                else:
                    findings.append(Finding(
                        "return-outside-table", ERROR,
                        f"'{quoted(value)}' was typed outside the new-action columns; "
                        "it is not taken into the plan.", str(path), NEW_ACTIONS_SHEET,
                        f"{column_letters(column)}{number}"))
            if any(c.value is not None for c in cells.values()):
                new_actions.append(ReturnedRow(number, "", cells))
    findings.extend(outside_the_cells(wb, path, meta))
    try:
        saved = saved_time(wb.part("docProps/core.xml"))
    except KeyError:  # a package with no core properties
        saved = None
    notes = {(title, cell): text for title, cells in cell_notes(wb).items()
             for cell, text in cells.items()}
    return ReturnedWorkbook(path, meta, issued, rows, new_actions, findings,
                            {key: column_letters(index) for index, key in position.items()},
                            saved, notes)
