"""Editing cells of an xlsx package in place, leaving every other byte as it was.

This is the private XML layer under :mod:`cip_xl.plan_patch`. Saving through openpyxl
rebuilds the whole package from its object model: for a 10,000-action plan that is
seconds of work to change a few hundred cells, and it drops what openpyxl does not model.
Here a sheet's XML is edited as text: only the rows holding an edited cell are rebuilt,
other parts of the package are copied compressed, byte for byte.

The caller says what each cell must hold (:class:`CellEdit`) and which style it takes:
an existing style index, or a variant of one (:class:`Styles`) with another fill or
number format. Values are written the way Excel writes them: numbers and dates as
``<v>`` (dates as serial days), text as inline strings, a formula with its cached
result.
"""
from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import lru_cache
from typing import Iterable
from zipfile import ZipFile

from .cells import _LOOKS_ESCAPED, NOT_IN_XML, workbook_text
from .fastbook import attributes
from .fastbook import _unescape, column_letters, column_number  # noqa: F401 (re-exported)

#: Excel's day 0 for the 1900 date system
EPOCH = datetime(1899, 12, 30)
#: the number of rows an Excel sheet has
EXCEL_ROWS = 1_048_576

_ROW_OPEN = re.compile(rb"<row\b([^>]*?)(/?)>")
#: a row's opening tag, up to its number if it has one (the group is None if not)
_ROW_TAG = re.compile(rb'<row\b(?:[^>]*?\br="(\d+)")?')
_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_STYLE = re.compile(rb'\bs="(\d+)"')
#: what makes a cell hold something: a value, an inline string or a formula
_HOLDS = re.compile(rb"<(?:\w+:)?(?:v|is|f)\b")
_HEIGHT = re.compile(rb'\s(?:ht|customHeight)="[^"]*"')


class PatchError(Exception):
    """The package is not one this layer can edit safely (the caller saves another way)."""


@dataclass
class Formula:
    """A formula (without its leading ``=``) and the result to cache beside it.
    ``xml``, if given, is ``text`` already escaped for XML."""

    text: str
    cached: object = None
    xml: bytes | None = None


@dataclass
class CellEdit:
    """What one cell must hold: ``value`` (None empties it) in style ``style``
    (an index into the workbook's cell styles; None keeps the cell's own); or, with
    ``fill`` (RRGGBB), the cell's own style with that solid fill; or, with
    ``formatted`` (number format or None for General, quote prefix), the cell's own
    style with that number format. A cell not in the sheet yet takes, as its own, the
    style of its column's cell in ``fallback_row``; given ``fill`` or ``formatted`` it
    is written even when empty. Styles found from the cell are worked out when the
    sheet is rewritten, where the cell is found anyway."""

    value: object
    style: int | None = None
    fill: str | None = None
    formatted: tuple[str | None, bool] | None = None
    fallback_row: int | None = None


@dataclass
class SheetEdits:
    """Edits to one sheet: cells by (row, column), row heights by row, and rows the
    sheet does not have yet (``appended``: row → its non-empty cells as (column, value,
    style index), in column order — a log's new entries, written without comparing)."""

    cells: dict[tuple[int, int], CellEdit] = field(default_factory=dict)
    heights: dict[int, float] = field(default_factory=dict)
    appended: dict[int, list[tuple[int, object, int]]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.cells or self.heights or self.appended)


def escape(text: str) -> bytes:
    """``text`` as XML character data; characters XML cannot hold become U+FFFD (cell
    text is passed through :func:`~cip_xl.cells.workbook_text` first, which keeps them
    as Excel's escapes). A carriage return is written as a character reference: as
    itself, every XML reader would turn it into a line feed."""
    text = _markup_escaped(text)
    if not text.isprintable():  # printable text has no control characters at all
        if "\r" in text:
            text = text.replace("\r", "&#13;")
        if NOT_IN_XML.search(text):
            text = NOT_IN_XML.sub("\ufffd", text)
    return text.encode("utf-8")


def _markup_escaped(text: str) -> str:
    """``text`` with the characters that are markup in XML character data escaped."""
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def serial(value: date | datetime) -> float | int:
    """Excel's serial day number for ``value`` (1900 date system)."""
    if not isinstance(value, datetime):
        return (value - EPOCH.date()).days
    delta = value - EPOCH
    number = delta.days + delta.seconds / 86400
    return int(number) if number == int(number) else round(number, 10)


def _number(value: float | int) -> bytes:
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)
    return repr(value).encode()


#: what str.strip() takes off the ends of a text that needs xml:space="preserve"
_SPACES = frozenset(" \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001"
                    "\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028"
                    "\u2029\u202f\u205f\u3000")


def cell_xml(ref: bytes, value: object, style: bytes | None) -> bytes:
    """The ``<c>`` element holding ``value`` at ``ref`` (style index ``style``)."""
    s = b' s="' + style + b'"' if style and style != b"0" else b""
    if value.__class__ is str and value:  # most cells: text
        space = b' xml:space="preserve"' if value[0] in _SPACES or \
            value[-1] in _SPACES or "\n" in value else b""
        return b'<c r="%s"%s t="inlineStr"><is><t%s>%s</t></is></c>' % (
            ref, s, space, escape(workbook_text(value)))
    if value.__class__ is Formula:  # a verdict's formula, most often
        cached = value.cached
        formula = value.xml if value.xml is not None else escape(value.text)
        if cached is None or cached == "":
            return b'<c r="%s"%s><f>%s</f></c>' % (ref, s, formula)
        if cached.__class__ is str:
            return b'<c r="%s"%s t="str"><f>%s</f><v>%s</v></c>' % (
                ref, s, formula, escape(cached))
        return b'<c r="%s"%s><f>%s</f><v>%s</v></c>' % (ref, s, formula, _number(cached))
    head = b'<c r="' + ref + b'"' + s
    if value is None or value == "":
        return head + b"/>"
    if isinstance(value, bool):
        return head + b' t="b"><v>' + (b"1" if value else b"0") + b"</v></c>"
    if isinstance(value, (int, float)):
        return head + b"><v>" + _number(value) + b"</v></c>"
    if isinstance(value, (date, datetime)):
        return head + b"><v>" + _number(serial(value)) + b"</v></c>"
    if isinstance(value, time):
        fraction = (value.hour * 3600 + value.minute * 60 + value.second) / 86400
        return head + b"><v>" + _number(fraction) + b"</v></c>"
    text = str(value)
    space = b' xml:space="preserve"' if text != text.strip() or "\n" in text else b""
    return (head + b' t="inlineStr"><is><t' + space + b">" + escape(workbook_text(text)) +
            b"</t></is></c>")


#: the number formats Excel builds in that saves write, by their ids
_BUILTIN_FORMATS = {None: 0, "General": 0, "0": 1, "0%": 9, "d-mmm-yy": 15, "@": 49}
_COL = re.compile(rb"<col\b([^>]*)>")


class SheetXml:
    """One worksheet part, edited as text. Only unprefixed SpreadsheetML (what Excel,
    LibreOffice and openpyxl write) is accepted."""

    def __init__(self, xml: bytes) -> None:
        start = xml.find(b"<sheetData")
        if start < 0:
            raise PatchError("the sheet has no <sheetData> (a namespace prefix?)")
        if re.search(rb'<f\b[^>]*\bt="(?:shared|array|dataTable)"', xml):
            # rewriting one cell of a shared or array formula would orphan the others
            raise PatchError("the sheet holds shared or array formulas")
        open_end = xml.find(b">", start)
        if xml[open_end - 1:open_end] == b"/":  # <sheetData/>: no rows at all
            self.head = xml[:open_end - 1] + b">"
            self.body = b""
            self.tail = b"</sheetData>" + xml[open_end + 1:]
        else:
            end = xml.find(b"</sheetData>", open_end)
            if end < 0:
                raise PatchError("the sheet's <sheetData> is not closed")
            self.head, self.body, self.tail = xml[:open_end + 1], xml[open_end + 1:end], \
                xml[end:]
        self._rows: list[tuple[int, int]] | None = None  # (row number, offset in body)
        self._styles: Styles | None = None

    def column_style(self, column: int) -> int | None:
        """The style of column ``column`` (1-based) — what Excel gives a cell typed in
        it where the sheet has no cell yet — or None if the sheet gives it none."""
        for found in _COL.finditer(self.head):
            given = attributes(found[1])
            try:
                low, high = int(given[b"min"]), int(given[b"max"])
            except (KeyError, ValueError):
                continue
            if low <= column <= high:
                style = given.get(b"style")
                return int(style) if style and style.isdigit() else None
        return None

    def rows(self) -> list[tuple[int, int]]:
        """(row number, offset) of every ``<row>`` in the sheet, in file order."""
        if self._rows is None:
            found = [(tag[1], tag.start()) for tag in _ROW_TAG.finditer(self.body)]
            if any(number is None for number, _ in found):
                raise PatchError("a row without its number (r attribute)")
            self._rows = [(int(number), offset) for number, offset in found]
        return self._rows

    def row_span(self, index: int) -> tuple[int, int]:
        """Start and end offsets (in the body) of the ``index``-th row element."""
        return self._row_bounds(index)[:2]

    def _row_bounds(self, index: int) -> tuple[int, int, re.Match]:
        """:meth:`row_span` and the match of the row's opening tag."""
        start = self.rows()[index][1]
        opening = _ROW_OPEN.match(self.body, start)
        if opening[2]:  # <row .../>
            return start, opening.end(), opening
        end = self.body.find(b"</row>", opening.end())
        if end < 0:
            raise PatchError("a row is not closed")
        return start, end + len(b"</row>"), opening

    def _cell_span(self, start: int, end: int, ref: bytes) -> tuple[int, int, int] | None:
        """Where cell ``ref`` is between ``start`` and ``end``, found by its opening
        ``<c r="REF"`` (the attribute order every office suite writes): (start, end of
        its opening tag, end); None if not found that way."""
        at = self.body.find(b'<c r="' + ref + b'"', start, end)
        if at < 0:
            return None
        tag_end = self.body.find(b">", at, end)
        if tag_end < 0:
            raise PatchError(f"cell {ref.decode()} is not closed")
        if self.body[tag_end - 1] == 0x2F:  # "/": <c .../>
            return at, tag_end, tag_end + 1
        close = self.body.find(b"</c>", tag_end, end)
        if close < 0:
            raise PatchError(f"cell {ref.decode()} is not closed")
        return at, tag_end, close + 4

    def style_of(self, row: int, column: int) -> bytes | None:
        """The style index written on one cell, or None if the cell is absent."""
        index = self._find(row)
        if index is None:
            return None
        start, end = self.row_span(index)
        ref = _letters(column) + str(row).encode()
        span = self._cell_span(start, end, ref)
        if span is not None:
            tag = self.body[span[0]:span[1]]
            style = _STYLE.search(tag)
            return style[1] if style else b"0"
        for found in _CELL.finditer(self.body, start, end):
            cell_ref = _CELL_REF.search(found[1])
            if cell_ref and cell_ref[1] + cell_ref[2] == ref:
                style = _STYLE.search(found[1])
                return style[1] if style else b"0"
        return None

    def height_of(self, row: int) -> float | None:
        index = self._find(row)
        if index is None:
            return None
        opening = _ROW_OPEN.match(self.body, self.rows()[index][1])
        height = re.search(rb'\bht="([^"]+)"', opening[1])
        return float(height[1]) if height else None

    def has_row(self, row: int) -> bool:
        """Whether the sheet has a ``<row>`` element for ``row``."""
        return self._find(row) is not None

    def last_row(self) -> int:
        """The number of the sheet's last ``<row>`` element (0 if it has none), found
        from the end without indexing the rows: rows are in ascending order, as
        SpreadsheetML requires, so appending below it needs nothing else."""
        if self._rows is not None:
            return max((number for number, _ in self._rows), default=0)
        at = self.body.rfind(b"<row")
        while at >= 0:
            tag = _ROW_TAG.match(self.body, at)
            if tag is not None:
                if tag[1] is None:
                    raise PatchError("a row without its number (r attribute)")
                return int(tag[1])
            at = self.body.rfind(b"<row", 0, at)  # <rowSomething>: not a row
        return 0

    def last_filled_row(self) -> int:
        """The number of the last row holding a value or a formula (0 if none). Rows
        below it, if any, are only formatted — borders a council drew down a log for
        the entries to come. Found from the end, as :meth:`last_row`, looking at those
        rows alone."""
        end = len(self.body)
        at = self.body.rfind(b"<row", 0, end)
        while at >= 0:
            tag = _ROW_TAG.match(self.body, at)
            if tag is not None:
                if tag[1] is None:
                    raise PatchError("a row without its number (r attribute)")
                if _HOLDS.search(self.body, at, end):
                    return int(tag[1])
                end = at
            at = self.body.rfind(b"<row", 0, at)
        return 0

    def first_row_values(self, shared: "SharedStrings | None") -> dict[int, object]:
        """The values in row 1 — a log sheet's headers — by column number, read from
        the XML without parsing the rest of the sheet: text (``shared`` resolves shared
        strings), numbers as float. Empty if the sheet's first row is not row 1. A
        value this cannot read (a shared string without ``shared``, phonetic text) is
        None, so that comparing it with a header fails rather than guesses."""
        opening = _ROW_OPEN.search(self.body)
        if opening is None or _ROW_TAG.match(self.body, opening.start())[1] != b"1" or \
                opening[2]:
            return {}
        end = self.body.find(b"</row>", opening.end())
        if end < 0:
            raise PatchError("a row is not closed")
        values: dict[int, object] = {}
        for found in _CELL.finditer(self.body, opening.end(), end):
            ref = _CELL_REF.search(found[1])
            if ref is None or ref[2] != b"1":
                raise PatchError("a cell in row 1 without a proper reference")
            kind = _CELL_TYPE.search(found[1])
            kind = kind[1] if kind else b"n"
            inner = found[2] or b""
            if kind == b"inlineStr":
                value = _text_of(inner)
            else:
                number = _VALUE.search(inner)
                if number is None:
                    continue
                if kind == b"s":
                    value = shared.text(int(number[1])) if shared is not None else None
                elif kind in (b"str", b"e"):
                    value = _unescape(number[1])
                else:
                    try:
                        value = float(number[1])
                    except ValueError:
                        value = None
            values[column_number(ref[1].decode())] = value
        return values

    def _find(self, row: int) -> int | None:
        if not hasattr(self, "_by_number"):
            self._by_number = {number: i for i, (number, _) in enumerate(self.rows())}
        return self._by_number.get(row)

    def apply(self, edits: SheetEdits, styles: "Styles | None" = None) -> bytes:
        """The sheet's XML with ``edits`` made (``styles`` serves edits with a fill)."""
        self._styles = styles
        by_row: dict[int, dict[int, CellEdit]] = {}
        for (row, column), edit in edits.cells.items():
            by_row.setdefault(row, {})[column] = edit
        for row in edits.heights:
            by_row.setdefault(row, {})
        pieces: list[bytes] = []
        cursor = 0
        new_rows: list[tuple[int, bytes]] = []
        for row, cells in edits.appended.items():
            if row in by_row:  # (rows in the sheet already: see the check below)
                raise PatchError(f"row {row} is edited and appended")
            new_rows.append((row, _appended_row(row, cells)))
        # a sheet only appended to (a log's new entries) is not indexed row by row
        rows = self.rows() if by_row else []
        for row in sorted(by_row):
            index = self._find(row)
            if index is None:
                new_rows.append((row, self._new_row(row, by_row[row],
                                                    edits.heights.get(row))))
                continue
            cells = by_row[row]
            if len(cells) == 1 and row not in edits.heights:
                # one cell, most often a verdict: spliced straight into the pieces. Its
                # reference is unique, so it is looked for up to the next row's start
                # without finding where this row ends
                (column, edit), = cells.items()
                ref = _letters(column) + str(row).encode()
                span = self._cell_span(rows[index][1], rows[index + 1][1]
                                       if index + 1 < len(rows) else len(self.body), ref)
                if span is not None:
                    pieces.append(self.body[cursor:span[0]])
                    pieces.append(cell_xml(ref, edit.value,
                                           self._style(edit, self.body[span[0]:span[1]],
                                                       column)))
                    cursor = span[2]
                    continue
            start, end, opening = self._row_bounds(index)
            pieces.append(self.body[cursor:start])
            spliced = self._splice_row(start, end, row, by_row[row], edits.heights.get(row),
                                       opening)
            pieces.append(spliced if spliced is not None else self._edit_row(
                self.body[start:end], row, by_row[row], edits.heights.get(row)))
            cursor = end
        pieces.append(self.body[cursor:])
        head = self.head
        if new_rows:
            new_rows.sort()
            if new_rows[0][0] <= self.last_row():
                raise PatchError("new rows would go between existing rows")
            if new_rows[-1][0] > EXCEL_ROWS:
                raise PatchError("new rows would go below Excel's last row")
            pieces += [xml for _, xml in new_rows]
            head = _widen_dimension(head, new_rows[-1][0])
        return b"".join([head, *pieces, self.tail])  # one copy of a sheet of many MB

    def _new_row(self, row: int, cells: dict[int, CellEdit], height: float | None) -> bytes:
        attrs = f' r="{row}"'.encode()
        if height is not None:
            attrs += f' ht="{height:g}" customHeight="1"'.encode()
        number = str(row).encode()
        content = b"".join([
            cell_xml(_letters(c) + number, e.value, self._style(e, None, c))
            for c, e in sorted(cells.items())
            if e.value not in (None, "") or e.style or e.formatted or e.fill])
        return b"<row" + attrs + b">" + content + b"</row>"

    def _style(self, edit: CellEdit, tag: bytes | None, column: int) -> bytes | None:
        """The style index for an edited cell in ``column`` whose current opening tag
        is ``tag`` (None: the cell is not in the sheet)."""
        if edit.style is not None:
            return _index(edit.style)
        found = _STYLE.search(tag) if tag is not None else None
        own = found[1] if found else None
        if tag is None and edit.fallback_row is not None:  # a new cell: as its column's
            own = self.style_of(edit.fallback_row, column)
        if edit.formatted is not None:
            if self._styles is None:
                raise PatchError("a number format was asked for without the workbook's "
                                 "styles")
            return _index(self._styles.with_format(int(own or b"0"), *edit.formatted))
        if edit.fill is not None:
            if self._styles is None:
                raise PatchError("a fill was asked for without the workbook's styles")
            return str(self._styles.with_fill(int(own or b"0"), edit.fill)).encode()
        return own

    def _splice_row(self, start: int, end: int, row: int, edits: dict[int, CellEdit],
                    height: float | None, opening: re.Match) -> bytes | None:
        """The row with ``edits`` made by replacing each edited cell where it stands
        (``opening``: the match of the row's opening tag); None if a cell is not found
        that way (then :meth:`_edit_row` rebuilds it)."""
        if opening[2]:
            return None
        number = str(row).encode()
        spans = []
        for column, edit in edits.items():
            ref = _letters(column) + number
            span = self._cell_span(opening.end(), end, ref)
            if span is None:
                return None
            tag = self.body[span[0]:span[1]]
            spans.append((span[0], span[2],
                          cell_xml(ref, edit.value, self._style(edit, tag, column))))
        attrs = opening[1]
        if height is not None:
            attrs = _HEIGHT.sub(b"", attrs) + f' ht="{height:g}" customHeight="1"'.encode()
        pieces = [b"<row" + attrs + b">"]
        cursor = opening.end()
        for cell_start, cell_end, xml in sorted(spans):
            pieces.append(self.body[cursor:cell_start])
            pieces.append(xml)
            cursor = cell_end
        pieces.append(self.body[cursor:end])
        return b"".join(pieces)

    def _edit_row(self, xml: bytes, row: int, edits: dict[int, CellEdit],
                  height: float | None) -> bytes:
        opening = _ROW_OPEN.match(xml)
        attrs = opening[1]
        if height is not None:
            attrs = _HEIGHT.sub(b"", attrs) + f' ht="{height:g}" customHeight="1"'.encode()
        closed = bool(opening[2])
        cells: list[tuple[int, bytes]] = []
        if not closed:
            for found in _CELL.finditer(xml, opening.end(), len(xml) - len(b"</row>")):
                ref = _CELL_REF.search(found[1])
                if ref is None or int(ref[2]) != row:
                    raise PatchError(f"a cell in row {row} without a proper reference")
                cells.append((column_number(ref[1]), found[0]))
            between = _CELL.sub(b"", xml[opening.end():len(xml) - len(b"</row>")])
            if between.strip():
                raise PatchError(f"row {row} holds something other than cells")
        existing = dict(cells)
        for column, edit in edits.items():
            old = existing.get(column)
            style = self._style(edit, old[:old.find(b">")] if old is not None else None,
                                column)
            ref = f"{column_letters(column)}{row}".encode()
            if edit.value in (None, "") and style is None:
                existing.pop(column, None)
            else:
                existing[column] = cell_xml(ref, edit.value, style)
        content = b"".join(existing[c] for c in sorted(existing))
        return b"<row" + attrs + b">" + content + b"</row>"


def _appended_row(row: int, cells: list[tuple[int, object, int]]) -> bytes:
    """A ``<row>`` the sheet does not have yet, holding ``cells`` (see
    :attr:`SheetEdits.appended`): what :func:`cell_xml` writes for each, built as one
    text — a merge appends thousands of audit rows, most cells plain text."""
    number = str(row)
    pieces = []
    for column, value, style in cells:
        if value.__class__ is str and value and value.isprintable() and \
                value[0] not in _SPACES and value[-1] not in _SPACES and \
                ("_" not in value or not _LOOKS_ESCAPED.search(value)):
            # printable, no escape look-alike, nothing to preserve: stored as it is
            pieces.append(f'<c r="{_column_letters(column)}{number}"'
                          f'{_style_attribute(style)} t="inlineStr"><is><t>'
                          f'{_markup_escaped(value)}</t></is></c>')
        elif value.__class__ is datetime or value.__class__ is date:  # when, a date
            pieces.append(f'<c r="{_column_letters(column)}{number}"'
                          f'{_style_attribute(style)}><v>{_number(serial(value)).decode()}'
                          "</v></c>")
        else:
            pieces.append(cell_xml(_letters(column) + number.encode(), value,
                                   _index(style)).decode("utf-8"))
    return f'<row r="{number}">{"".join(pieces)}</row>'.encode("utf-8")


@lru_cache(maxsize=None)
def _column_letters(column: int) -> str:
    return column_letters(column)


@lru_cache(maxsize=4096)
def _style_attribute(style: int) -> str:
    """`` s="N"`` as :func:`cell_xml` writes it (nothing for style 0)."""
    return f' s="{style}"' if style else ""


_CELL_TYPE = re.compile(rb'\bt="([^"]*)"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
_TEXT = re.compile(rb"<t\b[^>]*>([^<]*)</t>|<t\b[^>]*/>")


def _text_of(inner: bytes) -> str | None:
    """The text of an inline string or shared string item (rich text runs joined);
    None for one carrying phonetic text, whose ``<t>`` is not part of the value."""
    if b"<rPh" in inner:
        return None
    return "".join(_unescape(t or b"") for t in _TEXT.findall(inner))


class SharedStrings:
    """The workbook's shared strings table (xl/sharedStrings.xml), looked up by index.
    ``chunks`` gives the part's XML piece by piece (its inflated stream); only as much
    is taken and indexed as the items asked for need — a log's headers come early,
    while after Excel saves a plan some years old the table holds every audit text."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = iter(chunks)
        self._xml = bytearray()
        self._starts: list[int] = []  # where each item found so far begins
        self._scanned = 0  # items beginning before this are in _starts
        self._done = False

    def _more(self) -> bool:
        chunk = next(self._chunks, b"") if not self._done else b""
        if not chunk:
            self._done = True
            return False
        self._xml += chunk
        self._starts += [found.start() for found in
                         _SHARED_ITEM.finditer(self._xml, self._scanned)]
        self._scanned = max(len(self._xml) - 3, self._scanned)  # "<si" cut off: again
        return True

    def text(self, index: int) -> str | None:
        """Item ``index``'s text; None if there is no such item or it cannot be read."""
        if index < 0:
            return None
        while len(self._starts) <= index:
            if not self._more():
                return None  # the table has fewer items
        start = self._starts[index]
        end = self._xml.find(b"</si>", start)
        while end < 0 and self._more():
            end = self._xml.find(b"</si>", start)
        opening = self._xml.find(b">", start)
        if opening < 0:
            return None
        if self._xml[opening - 1] == 0x2F and (end < 0 or opening < end):  # <si/>
            return ""
        return _text_of(bytes(self._xml[opening + 1:end])) if end >= 0 else None


#: an item's opening tag, with the character after its name (so that one cut off at
#: the end of a piece is not taken for one)
_SHARED_ITEM = re.compile(rb"<si[\s>/]")


@lru_cache(maxsize=4096)
def _index(style: int) -> bytes:
    """A style index as the bytes of its attribute value."""
    return str(style).encode()


@lru_cache(maxsize=None)
def _letters(column: int) -> bytes:
    """Column letters as bytes (cached: a sheet has a few dozen columns)."""
    return column_letters(column).encode()


def _widen_dimension(head: bytes, last_row: int) -> bytes:
    found = re.search(rb'<dimension ref="([A-Z]+\d+)(?::([A-Z]+)(\d+))?"', head)
    if not found:
        return head
    if found[2] and int(found[3]) >= last_row:
        return head
    end_col = found[2] or re.match(rb"[A-Z]+", found[1])[0]
    ref = found[1] + b":" + end_col + str(last_row).encode()
    return head[:found.start()] + b'<dimension ref="' + ref + b'"' + head[found.end():]


class Styles:
    """The package's cell styles (xl/styles.xml), with variants added on demand."""

    def __init__(self, xml: bytes) -> None:
        from lxml import etree

        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        self._root = etree.fromstring(xml, parser)
        self._ns = {"m": self._root.nsmap.get(None) or
                    "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
        self._xfs = self._one("m:cellXfs")
        self._fills = self._one("m:fills")
        self.changed = False
        self._cache: dict[tuple, int] = {}

    def _one(self, path: str):
        found = self._root.find(path, self._ns)
        if found is None:
            raise PatchError(f"styles.xml has no {path[2:]}")
        return found

    def _tag(self, name: str) -> str:
        return f"{{{self._ns['m']}}}{name}"

    def fill_of(self, style: int) -> str | None:
        """RRGGBB of the solid fill of cell style ``style``, if it has one."""
        xfs = list(self._xfs)
        if style >= len(xfs):
            return None
        fill_id = int(xfs[style].get("fillId", "0"))
        fills = list(self._fills)
        if fill_id >= len(fills):
            return None
        colour = fills[fill_id].find("m:patternFill/m:fgColor", self._ns)
        rgb = colour.get("rgb") if colour is not None else None
        return rgb[-6:].upper() if rgb else None

    def with_fill(self, style: int, rgb: str) -> int:
        """A cell style like ``style`` but with a solid ``rgb`` fill, its words in the
        colour that reads on it (white on a council's dark red: see
        :func:`cip_xl.schema.text_colour_on`)."""
        key = ("fill", style, rgb.upper())
        if key in self._cache:
            return self._cache[key]
        from .schema import text_colour_on

        style = self._with_text_colour(style, text_colour_on(rgb.upper()))
        if self.fill_of(style) == rgb.upper():
            self._cache[key] = style
        else:
            from lxml import etree

            fill = etree.SubElement(self._fills, self._tag("fill"))
            pattern = etree.SubElement(fill, self._tag("patternFill"), patternType="solid")
            etree.SubElement(pattern, self._tag("fgColor"), rgb="00" + rgb.upper())
            etree.SubElement(pattern, self._tag("bgColor"), rgb="00" + rgb.upper())
            self._fills.set("count", str(len(self._fills)))
            self._cache[key] = self._variant(style, fillId=str(len(self._fills) - 1),
                                             applyFill="1")
        return self._cache[key]

    def _with_text_colour(self, style: int, rgb: str) -> int:
        """A cell style like ``style`` with its font's colour ``rgb`` (RRGGBB): itself
        where the font has that colour already, or has none (Excel's automatic, black)
        and black is wanted."""
        from copy import deepcopy

        xfs = list(self._xfs)
        fonts = self._root.find("m:fonts", self._ns)
        font_id = int((xfs[style] if style < len(xfs) else xfs[0]).get("fontId", "0"))
        if fonts is None or font_id >= len(fonts):
            return style
        font = fonts[font_id]
        colour = font.find("m:color", self._ns)
        current = (colour.get("rgb") or "")[-6:].upper() if colour is not None else ""
        if current == rgb or (rgb == "000000" and (colour is None or (
                not current and colour.get("theme") in (None, "1")))):
            return style
        font = deepcopy(font)
        for old in font.findall("m:color", self._ns):
            font.remove(old)
        new = font.makeelement(self._tag("color"), rgb="FF" + rgb)
        # in the schema's order: after the size, before the name, family and scheme
        later = [child for child in font if child.tag.rsplit("}", 1)[-1] in
                 ("name", "family", "charset", "scheme")]
        if later:
            later[0].addprevious(new)
        else:
            font.append(new)
        index = next((at for at, other in enumerate(fonts) if _same(other, font)), None)
        if index is None:  # not there yet
            fonts.append(font)
            fonts.set("count", str(len(fonts)))
            index = len(fonts) - 1
        return self._variant(style, fontId=str(index), applyFont="1")

    def with_format(self, style: int, number_format: str | None,
                    quote_prefix: bool = False) -> int:
        """A cell style like ``style`` with ``number_format`` (None: General) and,
        for text that starts like a formula, Excel's quote prefix."""
        key = ("format", style, number_format, quote_prefix)
        if key not in self._cache:
            fmt_id = self._format_id(number_format)
            xfs = list(self._xfs)
            base = xfs[style] if style < len(xfs) else xfs[0]
            if base.get("numFmtId", "0") == str(fmt_id) and \
                    (base.get("quotePrefix") in ("1", "true")) == quote_prefix:
                self._cache[key] = style
            else:
                attrs = {"numFmtId": str(fmt_id), "applyNumberFormat": "1"}
                attrs["quotePrefix"] = "1" if quote_prefix else "0"
                self._cache[key] = self._variant(style, **attrs)
        return self._cache[key]

    def has_format(self, style: int, number_format: str) -> bool:
        """Whether cell style ``style`` shows values with ``number_format`` (one of the
        formats :meth:`with_format` gives)."""
        key = ("has", style, number_format)
        if key not in self._cache:
            xf = self._xfs[style] if style < len(self._xfs) else None
            ident = xf.get("numFmtId", "0") if xf is not None else None
            if ident == str(_BUILTIN_FORMATS.get(number_format)):
                self._cache[key] = True
            else:  # the same format under an id of the package's own (LibreOffice's)
                formats = self._root.find("m:numFmts", self._ns)
                self._cache[key] = ident is not None and formats is not None and any(
                    fmt.get("numFmtId") == ident and fmt.get("formatCode") == number_format
                    for fmt in formats)
        return self._cache[key]

    def _format_id(self, code: str | None) -> int:
        if code in _BUILTIN_FORMATS:
            return _BUILTIN_FORMATS[code]
        formats = self._root.find("m:numFmts", self._ns)
        from lxml import etree

        if formats is None:
            formats = etree.Element(self._tag("numFmts"), count="0")
            self._root.insert(0, formats)
        for fmt in formats:
            if fmt.get("formatCode") == code:
                return int(fmt.get("numFmtId"))
        ident = max([163] + [int(f.get("numFmtId")) for f in formats]) + 1
        etree.SubElement(formats, self._tag("numFmt"), numFmtId=str(ident), formatCode=code)
        formats.set("count", str(len(formats)))
        self.changed = True
        return ident

    def _variant(self, style: int, **attrs: str) -> int:
        from copy import deepcopy

        xfs = list(self._xfs)
        xf = deepcopy(xfs[style] if style < len(xfs) else xfs[0])
        for name, value in attrs.items():
            xf.set(name, value)
        for index, other in enumerate(xfs):  # reuse an identical style
            if _same(other, xf):
                return index
        self._xfs.append(xf)
        self._xfs.set("count", str(len(self._xfs)))
        self.changed = True
        return len(self._xfs) - 1

    def xml(self) -> bytes:
        from lxml import etree

        return etree.tostring(self._root, xml_declaration=True, encoding="UTF-8",
                              standalone=True)


def _same(a, b) -> bool:
    from lxml import etree

    return etree.tostring(a) == etree.tostring(b)


# ---------------------------------------------------------------- the package

def rewrite_package(source: bytes, replaced: dict[str, bytes]) -> bytes:
    """The zip package ``source`` with the parts in ``replaced`` given new contents.

    Every other part is copied as stored (still compressed), so its bytes are exactly
    what they were; replaced parts are deflated (see :func:`deflate`).
    """
    import io

    out = io.BytesIO()
    central: list[bytes] = []
    with ZipFile(io.BytesIO(source)) as archive:
        missing = set(replaced) - set(archive.namelist())
        if missing:
            raise PatchError(f"no part {sorted(missing)[0]} to replace")
        for info in archive.infolist():
            if info.flag_bits & 0x1:
                raise PatchError("an encrypted part")
            name = info.filename.encode("utf-8") if info.flag_bits & 0x800 else \
                info.filename.encode("cp437")
            if info.filename in replaced:
                data = replaced[info.filename]
                stored, crc = deflate(data)
                size, method = len(data), zlib.DEFLATED
            else:
                stored = _raw(source, info)
                crc, size, method = info.CRC, info.file_size, info.compress_type
            if size >= 0xFFFFFFFF or len(stored) >= 0xFFFFFFFF or out.tell() >= 0xFFFFFFFF:
                raise PatchError("a part too large for a plain zip")
            flags = info.flag_bits & 0x806  # keep the UTF-8 name and deflate option bits
            dostime, dosdate = _dos_time(info.date_time)
            offset = out.tell()
            out.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, flags, method, dostime,
                                  dosdate, crc, len(stored), size, len(name), 0))
            out.write(name)
            out.write(stored)
            central.append(struct.pack(
                "<4s6H3L5H2L", b"PK\x01\x02", info.create_version or 20, 20, flags,
                method, dostime, dosdate, crc, len(stored), size, len(name), 0, 0, 0,
                info.internal_attr, info.external_attr, offset) + name)
    start = out.tell()
    for entry in central:
        out.write(entry)
    out.write(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(central), len(central),
                          out.tell() - start, start, 0))
    return out.getvalue()


#: parts at least this long are deflated in pieces on several threads
PARALLEL_FROM = 4 * 1024 * 1024
#: zlib's level for a replaced part, where ISA-L is not installed
ZLIB_LEVEL = 4
#: ISA-L's level (it has 0 to 3): several times quicker than zlib at ZLIB_LEVEL, for
#: parts ~15% larger (a 26 MB Plan sheet: 0.15 s -> 0.02 s on one core, 3.0 -> 3.5 MB)
ISAL_LEVEL = 2


@lru_cache(maxsize=1)
def _deflater():
    """The zlib-like module to deflate with and its level: python-isal's (Intel's ISA-L)
    where it is installed, as it is wherever it has a wheel; else the standard zlib.
    Worked out once (without isal, every import attempt would search the path)."""
    try:
        from isal import isal_zlib
    except ImportError:
        return zlib, ZLIB_LEVEL
    return isal_zlib, ISAL_LEVEL


def deflate(data: bytes) -> tuple[bytes, int]:
    """``data`` as one raw deflate stream (what a zip part holds), and its CRC-32.

    A large part (a 10,000-action Plan sheet is 26 MB of XML) is cut into one piece per
    processor core, up to four, each deflated on its own thread — the deflater releases
    Python's lock while it works — with the CRC computed meanwhile. Every piece but the
    last ends with a sync flush, which closes it on a byte boundary without ending the
    stream, so the pieces joined are one valid stream (as pigz makes them); each piece
    starts without the previous one's history, which costs a fraction of a per cent in
    size.
    """
    import os

    module, level = _deflater()
    count = min(4, os.cpu_count() or 1) if len(data) >= PARALLEL_FROM else 1
    if count == 1:
        packer = module.compressobj(level, module.DEFLATED, -15)
        return packer.compress(data) + packer.flush(), module.crc32(data)
    from .background import start

    step = -(-len(data) // count)
    view = memoryview(data)

    def piece(begin: int) -> bytes:
        packer = module.compressobj(level, module.DEFLATED, -15)
        last = begin + step >= len(data)
        return packer.compress(view[begin:begin + step]) + packer.flush(
            module.Z_FINISH if last else module.Z_SYNC_FLUSH)

    pieces = [start(piece, begin) for begin in range(0, len(data), step)]
    crc = module.crc32(data)
    return b"".join([result() for result in pieces]), crc


def _raw(source: bytes, info) -> bytes:
    """The stored (compressed) bytes of one part, read from its local header."""
    offset = info.header_offset
    header = source[offset:offset + 30]
    if header[:4] != b"PK\x03\x04":
        raise PatchError(f"a damaged local header for {info.filename}")
    name_length, extra_length = struct.unpack("<2H", header[26:30])
    start = offset + 30 + name_length + extra_length
    return source[start:start + info.compress_size]


def _dos_time(stamp: tuple) -> tuple[int, int]:
    year, month, day, hour, minute, second = stamp
    return (hour << 11) | (minute << 5) | (second // 2), \
        ((max(year, 1980) - 1980) << 9) | (month << 5) | day


def sheet_parts(package: ZipFile) -> dict[str, str]:
    """Sheet title → package part, from the workbook and its relationships."""
    from .fastbook import _sheet_parts

    return _sheet_parts(package)
