"""Excel Tables ("Format as Table") over cip-xl's sheets, kept around the rows.

A council may format the Plan sheet, or a log, as an Excel Table: banded rows, a filter
in the headings, structured references. Excel grows a table when a row is typed just
below it; a save that adds rows (an approved new action, the audit entries of a merge)
does the same here, or the new rows would sit outside the table, unbanded and missed by
its filter and by every formula or pivot table that names it.

The table that holds a sheet's rows is one whose top row is the sheet's header row and
whose columns overlap the columns cip-xl writes; it grows to the last row written,
never shrinks (blank rows a council keeps in it for typing stay), and a table with a
Total Row is left as it is (the row sits where the next one goes: validation names it,
see :func:`total_rows`, and saves refuse). Other tables are not touched.

A sheet whose rows are in a table gets no sheet filter: the table has its own, and
Excel treats a sheet filter over a table as damage — it offers to repair the file and
the repair deletes the table.
"""
from __future__ import annotations

import re

from .fastbook import attributes, column_number

_TABLE_TYPE = b"/relationships/table"
_RANGE = re.compile(r"\$?([A-Z]{1,3})\$?(\d+):\$?([A-Z]{1,3})\$?(\d+)")
_REF = re.compile(rb'(\sref=")[^"]*"')
_TABLE_TAG = re.compile(rb"<(?:\w+:)?table\b[^>]*>")
_FILTER_REF = re.compile(rb'(<(?:\w+:)?autoFilter\b[^>]*?\bref=")([^"]*)"')


def fitted_ref(ref: str, header_row: int, last_row: int, first_column: int,
               last_column: int, total_rows: int = 0) -> str | None:
    """The range a table at ``ref`` should cover once a sheet's rows, headed in
    ``header_row`` and written in columns ``first_column``..``last_column``, end in
    ``last_row``; ``None`` when the table is left as it is: not the table holding those
    rows, with a total row (``total_rows``), or already reaching ``last_row``."""
    if total_rows or not holds_rows(ref, header_row, first_column, last_column):
        return None
    found = _RANGE.fullmatch(ref)
    wanted = max(last_row, header_row + 1)  # Excel's tables have a row below the header
    if int(found[4]) >= wanted:
        return None
    return f"{found[1]}{header_row}:{found[3]}{wanted}"


def holds_rows(ref: str, header_row: int, first_column: int, last_column: int) -> bool:
    """Whether a table at ``ref`` holds a sheet's rows (see :func:`fitted_ref`)."""
    found = _RANGE.fullmatch(ref or "")
    return found is not None and int(found[2]) == header_row and \
        column_number(found[3]) >= first_column and column_number(found[1]) <= last_column


def fit_tables(ws, header_row: int, last_row: int, first_column: int,
               last_column: int) -> bool:
    """Grow the table holding the rows of openpyxl worksheet ``ws`` to ``last_row``
    (see :func:`fitted_ref`); return whether the rows are in a table (the sheet then
    must not get a sheet filter)."""
    held = False
    for table in ws.tables.values():
        if not holds_rows(table.ref, header_row, first_column, last_column):
            continue
        held = True
        left = column_number(_RANGE.fullmatch(table.ref)[1])
        for offset, column in enumerate(table.tableColumns):
            heading = ws.cell(header_row, left + offset).value
            if isinstance(heading, str) and heading and column.name != heading:
                column.name = heading  # a heading written by the save: Excel wants both
        ref = fitted_ref(table.ref, header_row, last_row, first_column, last_column,
                         table.totalsRowCount or 0)
        if ref is None:
            continue
        if table.autoFilter is not None and table.autoFilter.ref == table.ref:
            table.autoFilter.ref = ref
        table.ref = ref
    return held


def tables_on(wb, title: str) -> list[tuple[str, str, int, str | None]]:
    """(name, range, number of total rows, package part) of each Excel Table on sheet
    ``title`` of ``wb``: an openpyxl workbook (part None) or a
    :class:`~cip_xl.fastbook.FastWorkbook`, whose sheet is not parsed for this."""
    if not hasattr(wb, "sheet_part"):
        return [(table.displayName or table.name or "", table.ref, table.totalsRowCount or 0,
                 None) for table in wb[title].tables.values()]
    found = []
    for part in (part for kind, part in wb.sheet_relations(title)
                 if kind.endswith(_TABLE_TYPE)):
        try:
            tag = _TABLE_TAG.search(wb.part(part))
        except KeyError:
            continue
        if tag is None:
            continue
        values = attributes(tag[0])
        totals = values.get(b"totalsRowCount", b"0")
        found.append(((values.get(b"displayName") or values.get(b"name") or b"").decode(
            "utf-8", "replace"), values.get(b"ref", b"").decode("ascii", "replace"),
            int(totals) if totals.isdigit() else 1, part))
    return found


def total_rows(wb, title: str, header_row: int, first_column: int,
               last_column: int) -> list[tuple[str, str]]:
    """(table name, first cell) of each Total Row of the table holding the rows of sheet
    ``title`` (see :func:`fitted_ref`): a row of sums, not data, which a save adding
    rows would write over."""
    found = []
    for name, ref, totals, _ in tables_on(wb, title):
        if totals and holds_rows(ref, header_row, first_column, last_column):
            left = _RANGE.fullmatch(ref)[1]
            found.extend((name, f"{left}{row}") for row in total_row_numbers(ref, totals))
    return found


def total_row_numbers(ref: str, totals: int) -> range:
    """The rows of a table at ``ref`` with ``totals`` Total Rows that are those rows
    (none if it has none, or ``ref`` is not a range)."""
    found = _RANGE.fullmatch(ref or "")
    if not totals or found is None:
        return range(0)
    return range(int(found[4]) - totals + 1, int(found[4]) + 1)


def grown_tables(book, title: str, header_row: int, last_row: int,
                 first_column: int, last_column: int) -> tuple[bool, dict[str, bytes]]:
    """For a patched save of the :class:`~cip_xl.fastbook.FastWorkbook` ``book``:
    whether sheet ``title`` holds its rows in a table, and the table parts (name → new
    XML) grown to ``last_row`` (see :func:`fitted_ref`), their own filters with them."""
    held, replaced = False, {}
    for _, ref, totals, part in tables_on(book, title):
        if not holds_rows(ref, header_row, first_column, last_column):
            continue
        held = True
        new = fitted_ref(ref, header_row, last_row, first_column, last_column, totals)
        if new is None:
            continue
        xml = book.part(part)
        tag = _TABLE_TAG.search(xml)
        start = _REF.sub(lambda attr: attr[1] + new.encode() + b'"', tag[0], count=1)
        rest = _FILTER_REF.sub(lambda filt: filt[1] + (new.encode() if filt[2] == ref.encode()
                                                       else filt[2]) + b'"',
                               xml[tag.end():], count=1)
        replaced[part] = xml[:tag.start()] + start + rest
    return held, replaced
