"""Read an ad-hoc spreadsheet (.xlsx, .xlsm or .csv) into raw tables and legend entries.

Each sheet is one raw table, addressed by sheet and cell (``Sheet!A5``); a sheet that is
a key ("Code | Meaning") gives officer codes. The first text above the header row is
taken as the plan's title. A blank cell coloured red, amber, green or blue is noted with
its colour word (:mod:`cip_xl.importers.colours`): a status said by colour alone; a note
attached to a cell, or the address a cell links to, with its text. A cell merged down
several rows (a theme or lead officer beside all its actions) is read in each of them,
as it shows.
"""
from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

from ..dates import typed_month
from ..fastbook import date_shown
from ..filecheck import merged_ranges
from ..findings import ERROR, Finding, PlanFileError
from ..cells import as_text, read_workbook_text
from ..text_files import read_text_file
from .keys import is_key_label
from .tables import NAMES_A_PLAN, RawTable, clean, council_named, legend_from_table


def read_sheet(path: Path) -> tuple[list[RawTable], list[tuple[str, str]], str,
                                    tuple[str, str]]:
    """(tables, legend entries, a title guess, the council named and where: see
    :func:`~cip_xl.importers.tables.council_named`) from a spreadsheet or CSV file."""
    from openpyxl.utils import get_column_letter

    if path.suffix.lower() == ".csv":
        try:
            rows = [list(r) for r in csv.reader(io.StringIO(read_text_file(path),
                                                            newline=""))]
        except (OSError, UnicodeDecodeError, csv.Error) as exc:
            raise PlanFileError(Finding("import-unreadable", ERROR,
                                        f"{path.name} cannot be read as CSV ({exc}).",
                                        file=str(path))) from None
        return [RawTable(path.stem, rows, lambda r, c: f"{get_column_letter(c + 1)}{r + 1}",
                         sheet_label=path.name)], [], "", _council([], rows[:_HEADING_ROWS])

    from ..filecheck import open_workbook

    wb = open_workbook(path, read_only=True, data_only=True)
    try:
        return _read_workbook(wb, path)
    except PlanFileError:
        raise
    except Exception as exc:  # read-only mode parses while iterating: damage shows here
        raise PlanFileError(Finding("import-unreadable", ERROR,
                                    f"{path.name} is damaged ({type(exc).__name__}).",
                                    file=str(path))) from None
    finally:
        wb.close()


#: how many rows at the top of a sheet may hold headings naming the council
_HEADING_ROWS = 6


def _council(properties: list[tuple[str, str]], rows: list[list[str]]) -> tuple[str, str]:
    """The council named by a workbook's ``properties`` ((where, text) pairs) or the
    top ``rows`` of its sheets, and where."""
    return council_named(properties + [("a heading at its top", "\n".join(
        cell for row in rows for cell in row if cell))])


#: a label beside a title at the head of an export: Planner's "Plan name", "Title:"
_TITLE_LABEL = re.compile(r"(?:plan\s+name|plan\s+title|title|name\s+of\s+plan)\s*:?",
                          re.IGNORECASE)


def _read_workbook(wb, path: Path) -> tuple[list[RawTable], list[tuple[str, str]], str,
                                            tuple[str, str]]:
    from openpyxl.utils import column_index_from_string, get_column_letter

    from .colours import RagPalette

    tables, legend = [], []
    titles: list[str] = []  # each sheet's heading, or ''
    sums = _total_rows(path)
    notes = _cell_notes(path)
    palette = RagPalette(getattr(wb, "loaded_theme", None))
    for ws in wb.worksheets:
        rows, colours, numbers = _cells(ws, palette)
        at = {number: index for index, number in enumerate(numbers)}
        noted = {}  # the notes on this sheet's cells, by (row, column) in ``rows``
        for cell, text in notes.get(ws.title, {}).items():
            found = re.fullmatch(r"\$?([A-Z]{1,3})\$?([0-9]+)", cell.split(":")[0])
            if found and int(found[2]) in at:
                place = (at[int(found[2])], column_index_from_string(found[1]) - 1)
                shown = rows[place[0]][place[1]].strip() if place[1] < len(
                    rows[place[0]]) else ""
                if shown and text.endswith(shown) and text.startswith("links to "):
                    continue  # the cell shows the address it links to: nothing more
                noted[place] = text
        _fill_merged_down(rows, at, merged_ranges(path, ws.title))
        for number in sums.get(ws.title, ()):  # a table's Total Row: sums, not an action
            if number in at:
                rows[at[number]] = [""] * len(rows[at[number]])
        while rows and not any(c.strip() for c in rows[-1]):
            rows.pop()
        pairs = legend_from_table([r[:2] for r in rows[1:]]) if rows and \
            len([c for c in rows[0] if c]) <= 2 else None
        if pairs:
            legend += pairs
            continue
        # the rows over the table (a theme heading under its header is no title)
        over = next((i for i, r in enumerate(rows[:4]) if sum(1 for c in r if c) >= 3), 4)
        alone = [clean(r[0]) for r in rows[:over] if r and r[0] and
                 sum(1 for c in r if c) == 1]  # the one that names a plan, if one does
        titles.append(next((text for text in alone if NAMES_A_PLAN.search(text)), "") or
                      next((clean(r[1]) for r in rows[:3] if len(r) > 1 and
                            _TITLE_LABEL.fullmatch(clean(r[0])) and clean(r[1])), "") or
                      (alone[0] if alone else ""))
        tables.append(RawTable(ws.title, rows,
                               lambda r, c, numbers=numbers:
                               f"{get_column_letter(c + 1)}{numbers[r]}",
                               sheet_label=ws.title, part_name=ws.title, colours=colours,
                               notes=noted))
    # the title is a heading naming a plan, on any sheet ("How to complete this tracker"
    # on a guidance sheet names none); else the first sheet's
    title = next((text for text in titles if NAMES_A_PLAN.search(text)),
                 titles[0] if titles else "")
    properties = wb.properties
    council = _council(
        [("the workbook's Author property", properties.creator or ""),
         ("the workbook's Title property", properties.title or "")],
        [row for table in tables for row in table.rows[:_HEADING_ROWS]])
    return tables, legend, title, council


def _cell_notes(path: Path) -> dict[str, dict[str, str]]:
    """The notes attached to the cells of the workbook at ``path``, by sheet and cell
    (:func:`cip_xl.cell_notes.cell_notes`), and where a cell links to a page or file
    outside the workbook, "links to <address>" (a tracker's "Cabinet report" cell
    showing its words, the address behind them); none where it cannot be read for them
    (the values are read all the same)."""
    from ..cell_notes import cell_notes
    from ..fastbook import FastWorkbook

    try:
        book = FastWorkbook(path, share=False)
    except PlanFileError:
        return {}
    try:
        found = cell_notes(book)
        for title in book.sheetnames:
            for cell, address in _links(book, title).items():
                notes = found.setdefault(title, {})
                said = f"links to {address}"
                notes[cell] = f"{notes[cell]}\n{said}" if cell in notes else said
        return found
    finally:
        book.close()


def _links(book, title: str) -> dict[str, str]:
    """The address each cell of sheet ``title`` links to outside the workbook, by cell;
    a link to a place in the workbook is none."""
    import html
    import posixpath

    from ..fastbook import attributes, relationships

    try:
        part = book.sheet_part(title)
        outside = {rel.get(b"Id"): rel.get(b"Target", b"") for rel in relationships(book.part(
            posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")))
            if rel.get(b"TargetMode") == b"External"}
    except KeyError:  # a sheet with no relationships, or a chart sheet
        return {}
    if not outside:
        return {}
    links = {}
    for tag in re.findall(rb"<(?:\w+:)?hyperlink\b[^>]*>", book.part(part)):
        said = attributes(tag)
        target = next((outside[value] for name, value in said.items()
                       if name.endswith(b":id") and value in outside), None)
        if target and not target.startswith(b"#") and said.get(b"ref"):  # "#Fees!A1": here
            links[said[b"ref"].decode()] = html.unescape(target.decode("utf-8", "replace"))
    return links


#: the blank rows kept of a longer run: they part tables as the whole run would, and
#: a run this short keeps every row where it was
_BLANK_RUN = 10


def _cells(ws, palette) -> tuple[list[list[str]], dict[tuple[int, int], str], list[int]]:
    """The text of every cell of ``ws`` by row, the traffic-light colour word of each
    blank cell filled red, amber, green or blue (a status said by colour alone), and of
    each cell after a "Key" cell (a meaning in its colour), by (row, column) in that
    list, and the sheet's number of each row listed. Of a run of blank rows only the
    first :data:`_BLANK_RUN` are listed: one value typed in row 1,048,576 would
    otherwise make a million rows for the tables to be looked for in (21 seconds for a
    sheet of 20 rows); each row ends at its last cell."""
    from openpyxl.cell.read_only import EMPTY_CELL

    rows, colours, numbers = [], {}, []
    blank = 0
    for number, row in enumerate(ws.iter_rows(), start=1):
        width = len(row)
        while width and row[width - 1] is EMPTY_CELL:  # a read-only sheet's padding: a
            width -= 1  # value in column XFD pads every row to 16,384 cells
        row = row[:width]
        if not row or all(cell.value is None and not palette.word(cell) for cell in row):
            blank += 1
            if blank > _BLANK_RUN:
                continue
        else:
            blank = 0
        r = len(rows)
        numbers.append(number)
        texts = []
        for c, cell in enumerate(row):
            value = cell.value
            if isinstance(value, date) and \
                    date_shown(getattr(cell, "number_format", None) or "") == "month":
                value = typed_month(value)  # shown as Mar-27: typed as "Mar 2027"
            elif value.__class__ in (int, float) and "%" in \
                    (getattr(cell, "number_format", None) or "").replace('"%"', ""):
                value = f"{round(value * 100, 6):g}%"  # 0.6 shown as 60%: "60%"
            # openpyxl leaves Excel's _xHHHH_ escapes in text; read them as Excel does
            text = read_workbook_text(as_text(value))
            texts.append(text)
            if not text.strip():
                word = palette.word(cell)
                if word:
                    colours[(r, c)] = word
        labelled = next((c for c, text in enumerate(texts) if text.strip()), None)
        if labelled is not None and is_key_label(texts[labelled]):
            for c in range(labelled + 1, len(texts)):  # a key's meanings in their colours
                word = palette.word(row[c]) if texts[c].strip() else None
                if word:
                    colours[(r, c)] = word
        rows.append(texts)
    return rows, colours, numbers


def _fill_merged_down(rows: list[list[str]], at: dict[int, int],
                      merged: list[tuple[str, str]]) -> None:
    """Give the text of a cell merged down several rows — a theme, objective or lead
    officer written once beside all its actions — to each row it spans, in its first
    column, as the sheet shows it (Excel keeps it in the top row alone). ``at``: the
    index in ``rows`` of each sheet row number listed. A cell merged across one row (a
    heading) is left as it is."""
    from openpyxl.utils.cell import range_boundaries

    for first, last in merged:
        column, top, _, bottom = range_boundaries(f"{first}:{last}")
        if bottom == top or at.get(top) is None or column > len(rows[at[top]]):
            continue
        text = rows[at[top]][column - 1]
        if not text.strip():
            continue
        for number in range(top + 1, bottom + 1):
            row = rows[at[number]] if number in at else None
            if row is None:
                continue
            row.extend([""] * (column - len(row)))
            if not row[column - 1].strip():
                row[column - 1] = text


def _total_rows(path: Path) -> dict[str, set[int]]:
    """The rows (1-based) of each sheet that are an Excel Table's Total Row: a row of
    sums under a council's table, which would otherwise read as a theme heading."""
    from ..fastbook import FastWorkbook
    from ..sheet_tables import tables_on, total_row_numbers

    book = FastWorkbook(path)
    try:
        return {title: {row for _, ref, totals, _ in tables_on(book, title)
                        for row in total_row_numbers(ref, totals)}
                for title in book.sheetnames}
    finally:
        book.close()
