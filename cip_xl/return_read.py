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
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from .filecheck import row_of
from .findings import ERROR, WARNING, Finding, PlanFileError
from .returns import (FORMAT, META_SHEET, NEW_ACTION_COLUMNS, NEW_ACTIONS_SHEET,
                      RETURN_SHEET, fingerprint, return_columns)
from .schema import Contract, header_key


@dataclass
class IssuedRow:
    """What the hidden record says was issued for one action."""

    action_id: str
    row: int
    fingerprint: str
    values: dict[str, object]


@dataclass
class ReturnedCell:
    """One cell as returned: its value, address and whether it held a formula."""

    value: object
    coordinate: str
    formula: bool = False


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

    @property
    def department(self) -> str:
        return str(self.meta.get("department", ""))

    @property
    def fingerprint(self) -> str:
        return str(self.meta.get("fingerprint", ""))


def _returned_value(ws, cell, formula: bool) -> object:
    """The value a returned cell gives the merge: what was typed, except that a formula
    showing an Excel error (#REF!, #DIV/0!...) gives that error, to be refused."""
    if formula:
        error = getattr(ws, "formula_errors", {}).get((cell.row, cell.column))
        if error is not None:
            return error
    return _plain(cell.value)


def _plain(value: object) -> object:
    if isinstance(value, datetime) and value.time() == datetime.min.time():
        return value.date()
    if isinstance(value, str) and not value.strip():
        return None
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


def _fail(path: Path, code: str, message: str, sheet: str | None = None) -> PlanFileError:
    return PlanFileError(Finding(code, ERROR, message, str(path), sheet))


def _read(wb, path: Path, contract: Contract) -> ReturnedWorkbook:
    if META_SHEET not in wb.sheetnames or RETURN_SHEET not in wb.sheetnames:
        raise _fail(path, "return-unrecognised",
                    f"{path.name} is not a cip-xl return (it has no '{RETURN_SHEET}' sheet "
                    "and issue record). Only returns made by 'cip-xl returns' can be merged.")
    meta: dict[str, object] = {}
    issued: dict[str, IssuedRow] = {}
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
    rows_iter = ws.iter_rows()
    header = next(rows_iter, ())
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
    for column in columns:
        if column.key not in position.values():
            findings.append(Finding(
                "return-column-missing", ERROR,
                f"The column '{column.header.rstrip(' ✎')}' has been deleted or renamed; "
                "its values cannot be taken in.", str(path), RETURN_SHEET, "1"))
    for index, name in unknown.items():
        findings.append(Finding(
            "return-column-added", WARNING,
            f"A column '{name}' was added; what is typed in it is listed below but not "
            "taken into the plan.", str(path), RETURN_SHEET, f"{_letter(index)}1"))

    rows: list[ReturnedRow] = []
    for row in rows_iter:
        cells: dict[str, ReturnedCell] = {}
        for cell in row:
            if cell.value is None or not hasattr(cell, "column"):
                continue
            key = position.get(cell.column)
            formula = getattr(cell, "data_type", None) == "f"
            if key is None:
                findings.append(Finding(
                    "return-outside-table", ERROR,
                    f"'{_quote(cell.value)}' was typed outside the return's columns; "
                    "it is not taken into the plan.", str(path), RETURN_SHEET,
                    cell.coordinate))
                continue
            cells[key] = ReturnedCell(_returned_value(ws, cell, formula), cell.coordinate,
                                      formula)
        if not any(c.value is not None for c in cells.values()):
            continue
        if row and row[0].row in merged_rows:
            continue
        action_id = cells.get("action_id")
        rows.append(ReturnedRow(row[0].row if row else 0,
                                str(action_id.value).strip() if action_id and
                                action_id.value is not None else "", cells))

    new_actions: list[ReturnedRow] = []
    if NEW_ACTIONS_SHEET in wb.sheetnames:
        keys = [k for k, _ in NEW_ACTION_COLUMNS]
        new_sheet = wb[NEW_ACTIONS_SHEET]
        for row in new_sheet.iter_rows(min_row=2):
            cells = {}
            for cell in row:
                if cell.value is None or not hasattr(cell, "column"):
                    continue
                if cell.column <= len(keys):
                    formula = getattr(cell, "data_type", None) == "f"
                    cells[keys[cell.column - 1]] = ReturnedCell(
                        _returned_value(new_sheet, cell, formula), cell.coordinate, formula)
                else:
                    findings.append(Finding(
                        "return-outside-table", ERROR,
                        f"'{_quote(cell.value)}' was typed outside the new-action columns; "
                        "it is not taken into the plan.", str(path), NEW_ACTIONS_SHEET,
                        cell.coordinate))
            if any(c.value is not None for c in cells.values()):
                new_actions.append(ReturnedRow(row[0].row, "", cells))
    return ReturnedWorkbook(path, meta, issued, rows, new_actions, findings,
                            {key: _letter(index) for index, key in position.items()})


def _letter(index: int) -> str:
    from .fastbook import column_letters
    return column_letters(index)


def _quote(value: object, limit: int = 200) -> str:
    if isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"
