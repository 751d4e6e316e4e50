"""Excel 2003 XML Spreadsheets: a return saved with Excel's "XML Spreadsheet 2003".

One of the choices in Excel's Save As list: the workbook as one XML file (.xml), its
sheets, rows and cells in the ``urn:schemas-microsoft-com:office:spreadsheet``
namespace. Neither openpyxl nor python-calamine reads it, so a merge refuses it (Excel
saves it again as .xlsx); :func:`sheets_2003` reads its values so that what the officer
typed is still listed (see :mod:`cip_xl.foreign_return`). Parsed with defusedxml.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

_SS = "{urn:schemas-microsoft-com:office:spreadsheet}"
#: what marks such a file in its first bytes: its processing instruction, or namespace
_MARKS = (b'progid="Excel.Sheet"', b"urn:schemas-microsoft-com:office:spreadsheet")
#: the largest such file read (a return is tens of kilobytes)
_LARGEST = 50 * 1024 * 1024
#: how far down and across a sheet its cells are laid out
MOST_ROWS, MOST_COLUMNS = 10_000, 200


def is_spreadsheet_2003(head: bytes) -> bool:
    """Whether ``head`` (a file's first bytes) begins an Excel 2003 XML Spreadsheet."""
    start = head[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"<?xml") and any(mark in start for mark in _MARKS) and \
        b"<html" not in start.lower()


def _value(kind: str, text: str) -> object:
    """A cell's value as python-calamine gives it: numbers as floats, dates as
    datetimes, text as it is."""
    if kind == "Number":
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "DateTime":
        try:
            return datetime.fromisoformat(text[:19])
        except ValueError:
            return text
    if kind == "Boolean":
        return text.strip() == "1"
    return text


def sheets_2003(path: str | Path) -> list[tuple[str, list[list]]] | None:
    """Each sheet of the Excel 2003 XML Spreadsheet at ``path`` as (its name, its rows
    of values from A1, blank cells None), or None when it is no such file or cannot be
    read. Cells placed by ``ss:Index`` (after blanks, which are not written) and merged
    across (``ss:MergeAcross``) land where Excel shows them."""
    from defusedxml import ElementTree

    path = Path(path)
    try:
        if path.stat().st_size > _LARGEST:
            return None
        with open(path, "rb") as file:
            if not is_spreadsheet_2003(file.read(4096)):
                return None
        root = ElementTree.parse(str(path)).getroot()
    except Exception:  # unreadable, damaged, or entities defusedxml refuses
        return None
    try:
        return [(sheet.get(f"{_SS}Name", ""), _rows(sheet))
                for sheet in root.iter(f"{_SS}Worksheet")]
    except ValueError:  # an index that is not a number
        return None


def _rows(sheet) -> list[list]:
    """The rows of one Worksheet element, as :func:`sheets_2003` gives them; cells
    beyond row :data:`MOST_ROWS` or column :data:`MOST_COLUMNS` (far from any table:
    a slip of Ctrl+Down) are not laid out."""
    rows: list[list] = []
    for table in sheet.iter(f"{_SS}Table"):
        for row in table.iter(f"{_SS}Row"):
            number = int(row.get(f"{_SS}Index") or len(rows) + 1)
            if number > MOST_ROWS:
                break
            while len(rows) < number:
                rows.append([])
            cells = rows[number - 1]
            for cell in row.iter(f"{_SS}Cell"):
                column = int(cell.get(f"{_SS}Index") or len(cells) + 1)
                if column > MOST_COLUMNS:
                    break
                cells.extend([None] * (column - 1 - len(cells)))
                data = cell.find(f"{_SS}Data")
                text = "".join(data.itertext()) if data is not None else ""
                cells.append(_value(data.get(f"{_SS}Type", "String"), text)
                             if data is not None and text != "" else None)
                cells.extend([None] * min(int(cell.get(f"{_SS}MergeAcross") or 0),
                                          MOST_COLUMNS - len(cells)))
    width = max((len(r) for r in rows), default=0)
    return [r + [None] * (width - len(r)) for r in rows]
