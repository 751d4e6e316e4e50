"""What an officer typed in a workbook that merging cannot take in as a return.

An officer copies their rows into a workbook of their own, or saves the return in
LibreOffice's own format (.ods, unless the merge is asked to convert it: see
:mod:`cip_xl.odf_return`), as an old .xls or as CSV: the hidden issue record is gone or
cannot be read, so nothing can be merged (the three-way comparison needs what was
issued). What they typed must not vanish with the refusal: :func:`typed_in` finds, on
any sheet with a Ref column and an officer's column (Status, % complete, Progress
update, Proposed revised date, Comment) under their usual headings, each value that is
not what the master holds for that Ref, as a finding with its sheet and cell — the
manager's list of what to copy across by hand.
"""
from __future__ import annotations

import csv
import io
import re
from pathlib import Path

from .cells import as_text
from .findings import WARNING, Finding
from .merging import _norm, _short
from .model import Plan
from .schema import Contract, header_key, normalise_status

#: the officer's columns of a return, and the plan's field each compares with (None:
#: the plan has no such field, so anything typed counts)
_FIELDS = {"status": "status", "percent_complete": "percent_complete",
           "progress_update": "progress_update", "proposed_date": None, "comment": None}
#: how many values are listed for one workbook before the rest are only counted
LISTED = 200
#: how far down a sheet its headings are looked for
_HEADING_ROWS = 10
#: the largest file read for what it says (a return is tens of kilobytes; a file far
#: larger is not an officer's rows, and reading it could take the machine's memory)
_LARGEST = 50 * 1024 * 1024


def typed_in(path: str | Path, plan: Plan, contract: Contract) -> list[Finding]:
    """Findings (``typed-in-unrecognised-return``, warnings) for what the workbook at
    ``path`` — one merging refused as not a return it can take in — says of the plan's
    actions that the master does not; an empty list when it cannot be read or has no
    such rows. Never raises."""
    from python_calamine import CalamineWorkbook

    from .fastbook import column_letters
    from .returns import return_columns

    path = Path(path)
    try:
        if path.stat().st_size > _LARGEST:
            return []
    except OSError:
        return []
    try:
        book = CalamineWorkbook.from_path(str(path))  # .xlsx, .xls and .ods alike
        sheets = [(title, None) for title in book.sheet_names]
    except Exception:  # damaged, or not a workbook: perhaps the return saved as CSV
        from .spreadsheet_2003 import sheets_2003

        book, sheets = None, sheets_2003(path)  # or as an XML Spreadsheet 2003
        if sheets is None:
            rows = text_rows(path)
            if rows is None:
                return []
            sheets = [(path.stem, rows)]
    headings = {header_key(c.header): c.key for c in return_columns(contract)
                if c.key in _FIELDS or c.key == "ref"}
    by_ref: dict[str, list] = {}
    for action in plan.actions:
        by_ref.setdefault(as_text(action.ref).strip(), []).append(action)
    found: list[Finding] = []
    more = 0
    for title, rows in sheets:
        try:
            if rows is None:
                rows = book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except Exception:  # a chart sheet, or one calamine cannot parse: no rows to list
            continue
        at, layout = _layout(rows[:_HEADING_ROWS], contract, headings)
        if layout is None:
            found += _proposed(rows, path, title)
            continue
        ref_column = layout.pop("ref")
        for number, row in enumerate(rows[at + 1:], start=at + 2):
            ref = as_text(_cell(row, ref_column)).strip()
            actions = by_ref.get(ref) if ref else None
            if not actions or len(actions) > 1:
                continue  # not one of the plan's actions, or not one only
            for key, column in layout.items():
                value = _cell(row, column)
                if value is None or value == "":
                    continue
                field = _FIELDS[key]
                now = getattr(actions[0], field) if field else None
                if _same(key, value, now):
                    continue
                if len(found) >= LISTED:
                    more += 1
                    continue
                header = contract.column(key).header if field else \
                    next(c.header.rstrip(" ✎") for c in return_columns(contract)
                         if c.key == key)
                says = f" where the master says '{_short(as_text(now))}'" if now not in (None, "") \
                    else ""
                found.append(Finding(
                    "typed-in-unrecognised-return", WARNING,
                    f"Ref {ref}: {header} '{_short(as_text(value), 200)}'{says}; not taken in. "
                    "Copy it into the plan, or into the department's return, if it is the "
                    "officer's.", str(path), title,
                    f"{column_letters(column + 1)}{number}", ref))
    if more:
        found.append(Finding(
            "typed-in-unrecognised-return", WARNING,
            f"…and {more} more values that differ from the master; not taken in.",
            str(path)))
    return found


#: a number as a CSV file writes it: compared with the master's number as one
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


def text_rows(path: Path) -> list[list] | None:
    """The rows of the text file at ``path`` — a return saved "as CSV" (comma, or the
    semicolon or tab some computers' settings use) — every cell as its text (a Ref
    "3.10" stays "3.10"), or None when it is no such file."""
    from .text_files import read_text_file

    try:
        text = read_text_file(path)
    except (OSError, UnicodeDecodeError):
        return None
    if "\x00" in text or not text.strip():
        return None
    try:
        dialect = csv.Sniffer().sniff(text[:64 * 1024], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return list(csv.reader(io.StringIO(text, newline=""), dialect))
    except csv.Error:
        return None


def _proposed(rows: list[list], path: Path, title: str) -> list[Finding]:
    """New actions proposed on a sheet headed as a return's New actions sheet is."""
    from .fastbook import column_letters
    from .returns import NEW_ACTION_COLUMNS

    wanted = header_key(NEW_ACTION_COLUMNS[1][1])  # "Proposed key action"
    for index, row in enumerate(rows[:_HEADING_ROWS]):
        if any(header_key(v) == wanted for v in row if v not in (None, "")):
            break
    else:
        return []
    found = []
    for number, row in enumerate(rows[index + 1:], start=index + 2):
        typed = [(c, v) for c, v in enumerate(row) if v is not None and v != ""]
        if typed:
            found.append(Finding(
                "typed-in-unrecognised-return", WARNING,
                "A new action proposed, not taken in: '"
                + _short("; ".join(as_text(v) for _, v in typed), 200) + "'.",
                str(path), title, f"{column_letters(typed[0][0] + 1)}{number}"))
    return found


def _layout(rows: list[list], contract: Contract,
            headings: dict[str, str]) -> tuple[int, dict[str, int] | None]:
    """The row holding a sheet's headings among ``rows`` and each recognised column's
    index by key; ``None`` unless a Ref and at least one officer's column are there."""
    for index, row in enumerate(rows):
        layout: dict[str, int] = {}
        for column, value in enumerate(row):
            if value is None or value == "":
                continue
            key = headings.get(header_key(value))
            if key is None:
                column_of = contract.match_header(value)
                key = column_of.key if column_of is not None and (
                    column_of.key in _FIELDS or column_of.key == "ref") else None
            if key is not None and key not in layout:
                layout[key] = column
        if "ref" in layout and len(layout) > 1:
            return index, layout
    return 0, None


def _cell(row: list, column: int) -> object:
    return row[column] if column < len(row) else None


def _same(key: str, value: object, now: object) -> bool:
    """Whether the workbook's ``value`` says what the master's ``now`` does."""
    if key == "status":
        value = normalise_status(value) or value
    if isinstance(value, str) and isinstance(now, (int, float)):
        text = value.strip()  # as a CSV file holds a number: "60", "60%"
        if text.endswith("%") and _NUMBER.fullmatch(text[:-1].strip()):
            return _norm(float(text[:-1])) == _norm(now)
        if _NUMBER.fullmatch(text):
            value = float(text)
    if key == "percent_complete" and isinstance(value, float) and 0 < value <= 1 and \
            isinstance(now, (int, float)) and now > 1:
        value = value * 100  # a percentage cell (50% is 0.5 underneath)
    return _norm(value) == _norm(now)
