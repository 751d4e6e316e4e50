"""Reading a workbook fast, for jobs that read a plan without writing it through openpyxl.

Values come from python-calamine, which parses the package in Rust at several times
openpyxl's speed. What calamine does not say — which cells hold formulas (it gives their
cached result), which hold Excel errors (it gives them as blanks) and which are
formatted as percentages — comes from one scan of each sheet's XML when that sheet is
first read. :class:`FastWorkbook` answers the small part of openpyxl's read API that
:mod:`cip_xl.plan_read` uses, so one reader serves both.

Values are given as openpyxl gives them: dates as datetimes, whole numbers as ints,
blank cells as ``None``, a formula as its text (``"=SUM(A1:A3)"``, data type ``"f"``),
an error as its code (``"#N/A"``, data type ``"e"``).
"""
from __future__ import annotations

import contextlib
import io
import posixpath
import re
import zipfile
from collections.abc import Callable, Mapping
from datetime import date, datetime, time
from functools import lru_cache
from operator import itemgetter
from pathlib import Path

from .findings import ERROR, Finding, PlanFileError

#: sheets whose XML is at least this long are parsed and scanned side by side
PARALLEL_FROM = 2 * 1024 * 1024
#: a sheet whose recorded extent (rows x columns from A1) is at least this many cells
#: is looked through for cells typed far from the rest (see FastWorkbook._values)
STRAY_CHECK_FROM = 2_000_000
#: a gap of more rows (or columns) than this, and than the rows (columns) above it,
#: sets the cells beyond it apart as typed far off
STRAY_ROW_GAP = 1000
STRAY_COLUMN_GAP = 100
#: a sheet no wider than this (column IV) has only rows far off worth setting apart,
#: found from its row tags alone (see _split_strays)
NARROW_COLUMNS = 256
MAX_COLUMNS = 16384

#: number formats Excel builds in that show a percentage; a date without its day
#: (mmm-yy) or its year (d-mmm); and the format a cell of each is given when read
_PERCENT_BUILTIN = {9, 10}
_DATE_BUILTIN = {17: "month", 16: "no-year"}
_SHOWN_FORMAT = {"month": "mmm-yy", "no-year": "d-mmm"}

_CELL_OPEN = rb"<(?:\w+:)?c\b([^>]*)>"
_FORMULA = re.compile(_CELL_OPEN + rb"\s*<(?:\w+:)?f\b([^>]*?)(?:/>|>([^<]*)</(?:\w+:)?f>)")
_ERROR = re.compile(rb"<(?:\w+:)?c\b([^>]*\bt=\"e\"[^>]*)>(?:\s*<(?:\w+:)?f\b[^>]*?"
                    rb"(?:/>|>[^<]*</(?:\w+:)?f>))?\s*<(?:\w+:)?v>([^<]*)</(?:\w+:)?v>")
_SHARED_INDEX = re.compile(rb'\bsi="(\d+)"')
_REF = re.compile(rb'\br="([A-Z]{1,3})(\d+)"')
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\b[^>]*ref="([A-Z]+\d+):([A-Z]+\d+)"')


def column_number(letters: bytes | str) -> int:
    """``"A"`` → 1, ``"AB"`` → 28."""
    number = 0
    for ch in letters if isinstance(letters, str) else letters.decode():
        number = number * 26 + ord(ch) - 64
    return number


@lru_cache(maxsize=16384)  # as many columns as Excel has
def column_letters(number: int) -> str:
    """1 → ``"A"``, 28 → ``"AB"``."""
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _unescape(text: bytes) -> str:
    """XML character data as text (the five predefined entities and character refs)."""
    value = text.decode("utf-8", "replace")
    if "&" not in value:
        return value
    if "&#" in value:
        value = value.replace("&#34;", '"').replace("&#39;", "'")  # lxml writes quotes so
        if "&#" in value:
            import html

            return html.unescape(value)
    return value.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"') \
        .replace("&apos;", "'").replace("&amp;", "&")


_CHARREF = re.compile(rb"&#x?[0-9a-fA-F]+;")


def _unescape_many(texts: list[bytes]) -> list[str]:
    """:func:`_unescape` of many texts at once.

    The texts (character data matched as ``[^<]*``, so they hold no markup) are parsed
    as the children of one small document by lxml, which resolves the entities and
    character references in C; a sheet's formulas repeat a handful of them thousands of
    times. Text that is not well formed (an unknown entity) takes the slower way:
    each distinct reference replaced once over the joined text.
    """
    if not texts:
        return []
    joined = b"\x00".join(texts)  # NUL cannot occur in XML
    if b"&" not in joined:
        return joined.decode("utf-8", "replace").split("\x00")
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(b"<t><f>" + b"</f><f>".join(texts) + b"</f></t>", parser)
    except etree.XMLSyntaxError:
        root = None  # not well formed: the slower way below
    if root is not None and len(root) == len(texts):
        return [child.text or "" for child in root]
    import html

    for ref in set(_CHARREF.findall(joined)):
        joined = joined.replace(ref, html.unescape(ref.decode()).encode("utf-8"))
    joined = joined.replace(b"&lt;", b"<").replace(b"&gt;", b">") \
        .replace(b"&quot;", b'"').replace(b"&apos;", b"'").replace(b"&amp;", b"&")
    return joined.decode("utf-8", "replace").split("\x00")


class Formulas(Mapping):
    """A sheet's formulas: (row, column) → ``"=formula"``.

    The text is kept as the XML holds it (escaped) and unescaped only when asked for:
    most jobs only need to know *where* the formulas are (membership and iteration
    never unescape), and a status refresh compares its RAG formulas with the XML it
    would write (:meth:`xml`). The first few cells asked for are unescaped one by one;
    past that, the rest all at once (:func:`_unescape_many`).
    """

    ONE_BY_ONE = 64

    def __init__(self, raw: dict[tuple[int, int], bytes]) -> None:
        self._raw = raw
        self._text: dict[tuple[int, int], str] = {}

    def xml(self, place: tuple[int, int]) -> bytes | None:
        """The formula at ``place`` as the sheet's XML holds it (no ``=``), or None."""
        return self._raw.get(place)

    def __getitem__(self, place: tuple[int, int]) -> str:
        text = self._text.get(place)
        if text is not None:
            return text
        raw = self._raw[place]
        if len(self._text) < self.ONE_BY_ONE:
            text = self._text[place] = "=" + _unescape_many([raw])[0]
            return text
        todo = [p for p in self._raw if p not in self._text]
        for other, unescaped in zip(todo, _unescape_many([self._raw[p] for p in todo])):
            self._text[other] = "=" + unescaped
        return self._text[place]

    def __contains__(self, place: object) -> bool:
        return place in self._raw

    def __iter__(self):
        return iter(self._raw)

    def __len__(self) -> int:
        return len(self._raw)


class FastCell:
    """One non-empty cell: ``row``, ``column`` (1-based), ``value``, ``data_type``
    (``"n"``, ``"s"``, ``"b"``, ``"d"``, ``"f"``, ``"e"``) and ``number_format``."""

    __slots__ = ("row", "column", "value", "data_type", "number_format")

    def __init__(self, row: int, column: int, value: object, data_type: str,
                 number_format: str = "General") -> None:
        self.row, self.column, self.value = row, column, value
        self.data_type, self.number_format = data_type, number_format

    @property
    def coordinate(self) -> str:
        return f"{column_letters(self.column)}{self.row}"

    @property
    def quotePrefix(self) -> bool:  # noqa: N802 - openpyxl's name
        return False


class FormulaCell(FastCell):
    """A formula typed where a value belongs (a date, a % complete), with ``result``:
    the cell as it shows the value the file keeps as the formula's result."""

    __slots__ = ("result",)


def plain_value(value: object) -> object:
    """A value as python-calamine gives it (blank ``""``, whole numbers as floats, dates
    as dates) as openpyxl would give it (``None``, ints, datetimes)."""
    if value == "":
        return None
    kind = type(value)
    if kind is float:
        return int(value) if value.is_integer() and abs(value) < 2**53 else value
    if kind is date:
        return datetime.combine(value, time())
    return value


def _type_of(value: object) -> str:
    if isinstance(value, bool):
        return "b"
    if isinstance(value, (int, float)):
        return "n"
    if isinstance(value, (date, time)):
        return "d"
    return "s"


class FastSheet:
    """One sheet's cells, read once. Rows and columns are 1-based, as in openpyxl."""

    def __init__(self, title: str, rows: list[list], formulas: Formulas, errors: dict,
                 percent: set, merged: list[tuple[str, str]], xml: bytes = b"",
                 formula_errors: dict | None = None,
                 dates_shown: dict | None = None,
                 far_rows: dict[int, list] | None = None) -> None:
        self.title = title
        self.xml = xml  #: the sheet's XML as stored in the package (kept for patching)
        self._rows = rows
        #: rows below ``rows`` and a gap (a value typed far down the sheet), by number:
        #: their values as :meth:`raw_row` gives them (see :func:`_split_strays`)
        self._far_rows = far_rows or {}
        self._further: list[int] | None = None  # see numbered_rows
        self.formulas = formulas  #: (row, column) → "=formula" (see :class:`Formulas`)
        self.errors = errors  #: (row, column) → "#N/A"
        self.percent = percent  #: {(row, column)} formatted as a percentage
        #: (row, column) → "month" or "no-year": a date shown without its day, or
        #: without its year (see :func:`date_shown`)
        self.dates_shown = dates_shown or {}
        self.merged = merged  #: [(first, last)] merged ranges
        self.merged_cells = None  # as openpyxl's read-only mode: see plan_read._merged
        #: (row, column) → the error ("#REF!") a formula shows as its result
        self.formula_errors = formula_errors or {}
        self._special: dict | None = None

    @property
    def max_row(self) -> int:
        return max(len(self._rows), max(self._far_rows, default=0),
                   max((r for r, _ in self.formulas), default=0),
                   max((r for r, _ in self.errors), default=0))

    def value(self, row: int, column: int) -> object:
        """The value of one cell (``None`` if blank), as openpyxl gives it."""
        special = self.formulas.get((row, column)) or self.errors.get((row, column))
        if special is not None:
            return special
        values = self.raw_row(row)
        return plain_value(values[column - 1]) if column <= len(values) else None

    def cached(self, row: int, column: int) -> object:
        """The value a cell shows: for a formula, the result cached in the file (an
        error result as its text, ``"#REF!"``)."""
        if (row, column) in self.formula_errors:
            return self.formula_errors[(row, column)]
        values = self.raw_row(row)
        return plain_value(values[column - 1]) if column <= len(values) else None

    def raw_rows(self) -> list[list]:
        """The sheet's values as python-calamine gives them, row by row from row 1
        (see :func:`plain_value`); formulas show their cached results. For code that
        compares many cells and needs to be fast; do not change the lists.

        Rows far below the rest (a value typed at row 1,048,576) are not in this list:
        :meth:`raw_row` and :meth:`numbered_rows` give every row."""
        return self._rows

    def raw_row(self, row: int) -> list | tuple:
        """One row's values as :meth:`raw_rows` gives them (empty if the row has none)."""
        if row <= len(self._rows):
            return self._rows[row - 1]
        return self._far_rows.get(row, ())

    def numbered_rows(self, first: int = 1):
        """(row number, values as :meth:`raw_row` gives them) of the rows from
        ``first`` that may hold anything, in order: every row of :meth:`raw_rows`, then
        those further down holding a value, a formula or an error value. Rows past the
        end of :meth:`raw_rows` holding nothing are passed over."""
        rows = self._rows
        for number in range(first, len(rows) + 1):
            yield number, rows[number - 1]
        if self._further is None:  # worked out once: the sheet never changes
            self._further = sorted({r for r in (*self._far_rows, *self.special_rows())
                                    if r > len(rows)})
        for number in self._further:
            if number >= first:
                yield number, self._far_rows.get(number, ())

    def special_rows(self) -> dict[int, dict[int, str]]:
        """Where the formulas and error values are, by row, then column: ``"f"`` or
        ``"e"`` (their text: :meth:`value`)."""
        if self._special is None:
            self._special = {}
            for kind, found in (("e", self.errors), ("f", self.formulas)):
                for row, column in found:
                    self._special.setdefault(row, {})[column] = kind
        return self._special

    def iter_rows(self, min_row: int = 1, max_row: int | None = None,
                  max_col: int | None = None, values_only: bool = False):
        """Rows from ``min_row`` to ``max_row``: tuples of values with ``values_only``
        (blank cells as ``None``), otherwise tuples of the row's non-empty
        :class:`FastCell`s."""
        last = max_row if max_row is not None else self.max_row
        special_rows = self.special_rows()
        for number in range(min_row, last + 1):
            raw = self.raw_row(number)
            special = special_rows.get(number)
            if special:
                width = max(len(raw), max(special))
                raw = list(raw) + [""] * (width - len(raw))
            if max_col is not None:
                raw = raw[:max_col]
            if values_only:
                values = [plain_value(v) for v in raw]
                for column in special or ():
                    if column <= len(values):
                        values[column - 1] = self.value(number, column)
                yield tuple(values)
                continue
            if special:  # formulas and error values stand in for their cached results
                yield tuple([FastCell(number, index, self.value(number, index),
                                      special[index]) if index in special
                             else FastCell(number, index, value, "s")
                             if value.__class__ is str else self.cell_of(number, index, value)
                             for index, value in enumerate(raw, start=1)
                             if value != "" or index in special])
            else:  # text cells need no conversion
                yield tuple([FastCell(number, index, value, "s")
                             if value.__class__ is str else self.cell_of(number, index, value)
                             for index, value in enumerate(raw, start=1) if value != ""])

    def cell_of(self, row: int, column: int, value: object) -> FastCell:
        """The cell at ``row``, ``column`` holding calamine's non-text ``value`` (from
        :meth:`raw_rows`), converted as :func:`plain_value` does."""
        value = plain_value(value)
        return FastCell(row, column, value, _type_of(value),
                        "0%" if self.percent and (row, column) in self.percent
                        else _SHOWN_FORMAT.get(self.dates_shown.get((row, column)),
                                               "General"))


#: content digest → (sheets parsed, what readers built from them) of the workbook most
def typed_cells(ws: FastSheet, first_row: int):
    """Each row of ``ws`` from ``first_row`` on, as ``(row, [(column, value, formula)])``
    for its non-empty cells in column order: values as openpyxl gives them, a formula
    as its text (``formula`` true), an error value as its text. Works on the sheet's raw
    rows (:meth:`FastSheet.raw_rows`): no cell objects are built."""
    special_rows = ws.special_rows()
    for number, raw in ws.numbered_rows(first_row):
        special = special_rows.get(number)
        cells = [(column, value if value.__class__ is str else plain_value(value), False)
                 for column, value in enumerate(raw, start=1)
                 if value != "" and not (special and column in special)]
        if special:
            cells.extend((column, ws.value(number, column), kind == "f")
                         for column, kind in special.items())
            cells.sort(key=itemgetter(0))
        yield number, cells


#: recently read
_RECENT: dict[bytes, tuple[dict[str, FastSheet], dict[str, object]]] = {}


def forget() -> None:
    """Drop the sheets kept from the workbook read last (benchmarks start cold)."""
    _RECENT.clear()


class FastWorkbook:
    """A workbook opened for reading with python-calamine; see the module's doc."""

    def __init__(self, path: str | Path, share: bool = True) -> None:
        """Open the workbook at ``path``. ``share=False`` neither uses nor replaces the
        sheets and readings kept from the most recent bytes read (below): for a file
        read on the side, such as the copy of a plan as last saved
        (:mod:`cip_xl.master_edits`), which must not push the plan itself out."""
        from python_calamine import CalamineWorkbook

        from .file_stamp import FileStamp
        from .filecheck import read_package, sniff
        from .strict_ooxml import transitional

        self.path = Path(path)
        #: a sheet being parsed on another thread (:meth:`read_ahead`): (title, result)
        self._ahead: tuple[str, Callable[[], tuple[list[list], bytes]]] | None = None
        try:  # before reading: a change made while reading shows as one made later
            status = self.path.stat()
        except OSError:
            status = None  # read_package says why
        #: the package's bytes as read: what the values come from, and the base a
        #: patched save (cip_xl.plan_patch) copies unchanged parts from
        self.data = read_package(self.path)
        #: the file as read (cip_xl.file_stamp): a save over it checks it is still that
        self.stamp = FileStamp.before_reading(status, self.data) \
            if share and status is not None else None
        sniff(self.path, self.data)
        self.data = transitional(self.data)  # a file saved as Strict Open XML
        try:
            self._book = CalamineWorkbook.from_filelike(io.BytesIO(self.data))
            self.sheetnames = list(self._book.sheet_names)
            self._archive = zipfile.ZipFile(io.BytesIO(self.data))
            self._parts = _sheet_parts(self._archive)
            self._shown_styles = _shown_styles(self._archive)
        except PlanFileError:
            raise
        except Exception as exc:  # calamine raises its own types for bad packages
            raise PlanFileError(Finding(
                "file-corrupt", ERROR,
                f"{self.path.name} is damaged or not a workbook Excel wrote "
                f"({type(exc).__name__}: {str(exc)[:120]}). Open it in Excel, save a fresh "
                "copy and try again.", file=str(self.path))) from None
        # the same bytes read again in this process (validate, then status) share the
        # sheets parsed the first time: they are never changed once read
        global _RECENT
        kept: tuple[dict, dict] = ({}, {})
        if self.stamp is not None:
            digest = self.stamp.digest
            if digest not in _RECENT:
                _RECENT = {digest: kept}
            kept = _RECENT[digest]
        self._sheets: dict[str, FastSheet] = kept[0]
        #: what a reader built from these bytes and may use again while they are the
        #: most recent read (cip_xl.plan_read keeps its plan here). Whatever is kept
        #: must be handed out as copies: it outlives this workbook.
        self.remembered: dict[str, object] = kept[1]

    def __getitem__(self, title: str) -> FastSheet:
        if title not in self._sheets:
            self._sheets[title] = self._load(title)
        return self._sheets[title]

    def read_ahead(self, title: str) -> None:
        """Start parsing sheet ``title`` on another thread — calamine's values and
        inflating its XML, both done outside Python's lock — for a workbook that will be
        read after other work: the copy of a plan's last save, compared with the plan
        once the plan itself is read (:mod:`cip_xl.master_edits`). Whatever is asked of
        the workbook next waits for it first."""
        part = self._parts.get(title)
        if part is None or title in self._sheets or self._ahead is not None:
            return
        from .background import start

        self._ahead = (title, start(lambda: (*self._values(title), self._archive.read(part))))

    def _finish_ahead(self) -> None:
        """Wait for the sheet :meth:`read_ahead` started, and keep it."""
        if self._ahead is None:
            return
        title, result = self._ahead
        self._ahead = None
        try:
            rows, far_rows, xml = result()
        except Exception as exc:
            raise self._damaged(title, exc) from None
        self._sheets[title] = self._sheet(title, (rows, far_rows), xml, None)

    def _damaged(self, title: str, exc: Exception) -> PlanFileError:
        return PlanFileError(Finding(
            "file-corrupt", ERROR,
            f"{self.path.name} is damaged: its sheet '{title}' cannot be read "
            f"({type(exc).__name__}). Restore it from a backup.",
            file=str(self.path), sheet=title))

    def _load(self, title: str) -> FastSheet:
        """Parse one sheet: calamine's values and the scan of its XML. For a big sheet
        the two run side by side — calamine releases Python's lock while it parses —
        which takes a third off reading a 10,000-action Plan sheet."""
        self._finish_ahead()
        if title in self._sheets:
            return self._sheets[title]
        part = self._parts.get(title)
        try:
            big = part is not None and \
                self._archive.getinfo(part).file_size >= PARALLEL_FROM
            if big:
                from .background import start

                values = start(self._values, title)
                try:
                    xml = self._archive.read(part)
                    scanned = _scan(xml, self._shown_styles)
                finally:
                    rows = values()  # waited for, whatever happened here
            else:
                rows = self._values(title)
                xml = self._archive.read(part) if part else b""
                scanned = None
        except KeyError:
            raise
        except Exception as exc:
            raise self._damaged(title, exc) from None
        return self._sheet(title, rows, xml, scanned)

    def _sheet(self, title: str, values: tuple[list[list], dict[int, list]], xml: bytes,
               scanned) -> FastSheet:
        """The sheet ``title`` of calamine's ``values`` (:meth:`_values`) and its
        ``xml``, with the scan of that XML if made already."""
        formulas, errors, percent, dates, shown = scanned or _scan(xml, self._shown_styles)
        merged = [(a.decode(), b.decode()) for a, b in _MERGE.findall(xml)] \
            if b"mergeCell" in xml else []
        rows, far_rows = values
        return FastSheet(title, rows, formulas, errors, percent, merged, xml, shown, dates,
                         far_rows)

    def _values(self, title: str) -> tuple[list[list], dict[int, list]]:
        """calamine's values of sheet ``title``, row by row from row 1, and those of
        rows far below them by row number (:attr:`FastSheet._far_rows`).

        calamine holds a sheet as one block from A1 to its last row and column, so one
        value typed far off — in row 1,048,576 or column XFD after a slip of Ctrl+Down
        — would cost a block of millions of cells (a 2,000-action plan: 1.3 GB). Where
        the sheet's recorded extent is that large, the cells far from the rest are
        taken out (:func:`_split_strays`) and parsed as a small sheet of their own."""
        part = self._parts.get(title)
        corner = _extent(self._archive, part) if part is not None else (0, 0)
        xml, check = None, corner[0] * corner[1] >= STRAY_CHECK_FROM
        if corner == (1, 1):  # no extent recorded (Google Sheets writes none), or A1
            xml = self._archive.read(part)
            check, corner = _may_be_far(xml), (MAX_COLUMNS, 1)
        if check:
            from .xlsx_patch import PatchError, rewrite_package

            split = _split_strays(xml or self._archive.read(part),
                                  narrow=corner[0] <= NARROW_COLUMNS)
            if split is not None:
                near, far, far_rows, far_columns = split
                with contextlib.suppress(PatchError):  # a package it cannot copy: read whole
                    rows, strays = (_calamine_rows(rewrite_package(self.data, {part: apart}),
                                                   title) for apart in (near, far))
                    return rows, _placed(rows, strays, far_rows, far_columns)
        return self._book.get_sheet_by_name(title).to_python(skip_empty_area=False), {}

    def part(self, name: str) -> bytes:
        """The bytes of one package part (``xl/styles.xml``...); a sheet already read
        is not decompressed again."""
        for title, sheet in self._sheets.items():
            if sheet.xml and self._parts.get(title) == name:
                return sheet.xml
        return self._archive.read(name)

    def sheet_part(self, title: str) -> str:
        """The package part holding sheet ``title``."""
        return self._parts[title]

    def part_names(self) -> list[str]:
        """The names of every part in the package."""
        return self._archive.namelist()

    def sheet_relations(self, title: str) -> list[tuple[bytes, str]]:
        """(type, package part) of each internal relationship of sheet ``title``: its
        notes, drawing, tables...; empty when it has none."""
        part = self._parts.get(title)
        if part is None:
            return []
        try:
            rels = relationships(self.part(posixpath.join(
                posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")))
        except KeyError:
            return []
        found = []
        for rel in rels:
            target = rel.get(b"Target", b"").decode("utf-8", "replace")
            if rel.get(b"TargetMode") == b"External" or not target:
                continue
            found.append((rel.get(b"Type", b""), target.lstrip("/") if target.startswith("/")
                          else posixpath.normpath(posixpath.join(posixpath.dirname(part),
                                                                 target))))
        return found

    def first_row(self, title: str) -> tuple:
        """The values in row 1 of sheet ``title``, blank as None: from the sheet if it
        has been read, else from the start of its XML alone — a log's headers, looked
        at without parsing the tens of thousands of rows below them (text as calamine
        reads it, numbers as float)."""
        if title not in self._sheets:
            values = self._first_row_from_xml(title)
            if values is not None:
                return tuple(values.get(c) for c in range(1, max(values, default=0) + 1))
        return next(self[title].iter_rows(min_row=1, max_row=1, values_only=True), ())

    def _first_row_from_xml(self, title: str) -> dict[int, object] | None:
        """:meth:`first_row` by column number, from the sheet's XML inflated up to the
        end of row 1; None if that XML cannot be taken apart so (then the sheet is
        parsed after all)."""
        from .xlsx_patch import PatchError, SharedStrings, SheetXml

        head = _row_one_xml(self._archive, self._parts[title])
        if head is None:
            return None
        shared = self.remembered.get("shared strings")
        if shared is None:  # kept with the sheets (never changed): the save looks again
            part = next((part for _, kind, part in _workbook_relationships(self._archive)
                         if kind.endswith(b"/sharedStrings")), None)
            stream = self._archive.open(part) if part else io.BytesIO()
            shared = self.remembered["shared strings"] = SharedStrings(
                iter(lambda: stream.read(1 << 18), b""))
        try:
            return SheetXml(head).first_row_values(shared)
        except PatchError:
            return None

    @property
    def date1904(self) -> bool:
        """Whether the workbook counts dates from 1904 (old Mac Excel)."""
        return bool(re.search(rb'date1904="(?:1|true)"', self.part("xl/workbook.xml")))

    def custom_property(self, name: str) -> str | None:
        """A text custom document property, or None."""
        from .plan_patch import custom_properties

        try:
            xml = self._archive.read("docProps/custom.xml")
        except KeyError:
            return None
        return custom_properties(xml).get(name)

    def close(self) -> None:
        """Release calamine's copy of the workbook. Sheets already read, and the
        package's bytes, stay available."""
        with contextlib.suppress(PlanFileError):
            self._finish_ahead()  # (a sheet being read ahead: let it end first)
        self._book.close()

    def __enter__(self) -> "FastWorkbook":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _scan(xml: bytes, shown_styles: dict[bytes, str]) -> tuple[Formulas, dict, set, dict,
                                                                 dict]:
    """Formulas, error values, cells formatted as a percentage, cells showing a date
    without its day or its year (:attr:`FastSheet.dates_shown`), and the error results
    of formulas (``#REF!`` shown by ``=A0``...) of one sheet's XML."""
    formulas: dict[tuple[int, int], bytes] = {}
    errors: dict[tuple[int, int], str] = {}
    shown: dict[tuple[int, int], str] = {}
    percent: set[tuple[int, int]] = set()
    dates: dict[tuple[int, int], str] = {}
    if b"<f" in xml or b":f" in xml:
        shared: dict[bytes, bytes] = {}
        for attrs, f_attrs, formula in _formulas(xml):
            ref = _REF.search(attrs)
            if ref is None:
                continue
            index = _SHARED_INDEX.search(f_attrs) if f_attrs else None
            if index and formula:
                shared[index[1]] = formula
            elif index:
                formula = shared.get(index[1], b"")
            formulas[(int(ref[2]), column_number(ref[1]))] = formula
    if b't="e"' in xml:
        for attrs, code in _ERROR.findall(xml):
            ref = _REF.search(attrs)
            if ref:
                place = (int(ref[2]), column_number(ref[1]))
                # a formula's error result is what the cell shows, not its value
                (shown if place in formulas else errors)[place] = _unescape(code)
    if shown_styles:
        pattern = re.compile(_CELL_OPEN.replace(rb"([^>]*)", rb"([^>]*\bs=\"(" +
                                                b"|".join(sorted(shown_styles)) +
                                                rb")\"[^>]*)"))
        for attrs, style in pattern.findall(xml):
            ref = _REF.search(attrs)
            if ref:
                place = (int(ref[2]), column_number(ref[1]))
                if shown_styles[style] == "percent":
                    percent.add(place)
                else:
                    dates[place] = shown_styles[style]
    return Formulas(formulas), errors, percent, dates, shown


_PLAIN_F = re.compile(rb"<f[\s>/]")
_F_BODY = re.compile(rb"<f\b([^>]*?)(?:/>|>([^<]*)</f>)")


def _formulas(xml: bytes):
    """(cell attributes, formula attributes, formula text) of every formula cell.

    Sheets written without a namespace prefix (Excel, LibreOffice, openpyxl) are scanned
    from each ``<f`` back to its cell, which is many times faster than matching every
    cell; prefixed XML takes the general pattern.
    """
    if b"<sheetData" not in xml:
        yield from _FORMULA.findall(xml)
        return
    for found in _PLAIN_F.finditer(xml):
        at = found.start()
        start = xml.rfind(b"<c ", 0, at)
        if start < 0:
            continue
        head_end = xml.find(b">", start)
        if xml[head_end + 1:at].strip():  # <f> is not the cell's first child: not a cell formula
            continue
        body = _F_BODY.match(xml, at)
        if body:
            yield xml[start + 3:head_end], body[1], body[2] or b""


_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="(?:[A-Z]+\d+:)?([A-Z]{1,3})(\d+)"')
_CELL_REF = re.compile(rb'<c\b[^>]*?\br="([A-Z]{1,3})(\d+)"')


def _extent(archive: zipfile.ZipFile, part: str) -> tuple[int, int]:
    """(column, row) of the far corner of a sheet's recorded extent (its
    ``<dimension>``, which Excel, LibreOffice and openpyxl write at the top), inflating
    no more of the part than its start; (1, 1) if it records none."""
    head = b""
    with archive.open(part) as stream:
        while len(head) < 1 << 20 and b"<sheetData" not in head:
            chunk = stream.read(1 << 14)
            if not chunk:
                break
            head += chunk
    found = _DIMENSION.search(head)
    return (column_number(found[1]), int(found[2])) if found else (1, 1)


_ROW_NUMBER = re.compile(rb'<row\b[^>]*?\br="(\d+)"')
_THREE_LETTERS = re.compile(rb'<c\b[^>]*?\br="[A-Z]{3}\d')


def _may_be_far(xml: bytes) -> bool:
    """For a sheet recording no extent: whether it may hold a cell far off — a row
    numbered past 65,536, or a column past ZZ — found from the end (rows are in
    order) and by one scan for a three-letter column."""
    at = xml.rfind(b"<row ")
    last = _ROW_NUMBER.match(xml, at) if at >= 0 else None
    return bool(last and int(last[1]) > 65536) or _THREE_LETTERS.search(xml) is not None


def _cut(numbers: list[int], gap: int) -> int:
    """The last of ``numbers`` (ascending) before the first jump of more than ``gap``
    and more than the number before it; the last of them if there is no such jump."""
    previous = 0
    for number in numbers:
        if number - previous > max(gap, previous):
            return previous
        previous = number
    return previous


def _split_strays(xml: bytes, narrow: bool = False
                  ) -> tuple[bytes, bytes, list[int], list[int]] | None:
    """A sheet's XML apart from the cells typed far from the rest, and those cells
    alone in a compact sheet of their own: ``(near, far, rows, columns)``, where row
    *i* and column *j* of ``far`` are ``rows[i - 1]`` and ``columns[j - 1]`` of the
    sheet. None if no cell is far off, or the XML is not laid out as Excel,
    LibreOffice and openpyxl write it (unprefixed, every cell with its reference).

    "Far off" is past a gap of more than :data:`STRAY_ROW_GAP` rows and more rows than
    above it (or the same in columns, :data:`STRAY_COLUMN_GAP`): a value in row
    1,048,576 below a table of 2,000 rows, or in column XFD beside one of 20 columns.
    Formulas and errors are found from the whole XML by :func:`_scan`, as before; the
    cells set apart only keep calamine from laying out the empty block between.

    A ``narrow`` sheet (its extent no wider than :data:`NARROW_COLUMNS`) is cut by its
    row tags alone — the rows far down are the last ones — without looking at each
    cell above them: a 10,000-action Plan sheet has 10,000 rows but 250,000 cells.
    """
    start = xml.find(b"<sheetData")
    open_end = xml.find(b">", start)
    end = xml.find(b"</sheetData>", open_end)
    if start < 0 or end < 0 or xml[open_end - 1:open_end] == b"/" or \
            not xml.rstrip().endswith(b"</worksheet>"):
        return None
    body = xml[open_end + 1:end]
    tail = _far_rows_start(body) if narrow else None
    cells = [(int(found[2]), column_number(found[1]), found.start())
             for found in _CELL_REF.finditer(body, tail or 0)]
    if len(cells) != sum(body.count(tag, tail or 0) for tag in (b"<c ", b"<c>", b"<c/")):
        return None  # a cell without its reference: where it is cannot be known
    if tail is not None:
        far = cells  # every cell below the cut
    else:
        last_row = _cut(sorted({row for row, _, _ in cells}), STRAY_ROW_GAP)
        last_column = _cut(sorted({column for _, column, _ in cells}), STRAY_COLUMN_GAP)
        far = [cell for cell in cells if cell[0] > last_row or cell[1] > last_column]
    if not far:
        return None
    rows = sorted({row for row, _, _ in far})
    columns = sorted({column for _, column, _ in far})
    row_at = {row: index for index, row in enumerate(rows, start=1)}
    column_at = {column: index for index, column in enumerate(columns, start=1)}
    kept, taken, at = [], {}, 0
    for row, column, begin in far:
        tag_end = body.find(b">", begin)
        finish = tag_end + 1 if body[tag_end - 1] == 0x2F else body.find(b"</c>", tag_end) + 4
        if tag_end < 0 or finish < 4:
            return None
        kept.append(body[at:begin])
        at = finish
        ref = (column_letters(column_at[column]) + str(row_at[row])).encode()
        cell = body[begin:finish]
        place = _CELL_REF.match(cell)
        taken.setdefault(row_at[row], []).append(
            cell[:place.start(1)] + ref + cell[place.end(2):])
    kept.append(body[at:])
    near = xml[:open_end + 1] + b"".join(kept) + xml[end:]
    far_xml = xml[:start] + b"<sheetData>" + b"".join(
        b'<row r="%d">' % number + b"".join(found) + b"</row>"
        for number, found in taken.items()) + b"</sheetData></worksheet>"
    return near, far_xml, rows, columns


def _far_rows_start(body: bytes) -> int | None:
    """Where in a sheet's ``<sheetData>`` (``body``) its rows far down begin — past a
    gap as :func:`_split_strays` says — from its row tags alone; None if no row is far
    down, or the rows are not numbered in order (the cells are looked at instead)."""
    tags = list(_ROW_NUMBER.finditer(body))
    numbers = [int(tag[1]) for tag in tags]
    if len(tags) != body.count(b"<row ") + body.count(b"<row>") or \
            any(a >= b for a, b in zip(numbers, numbers[1:])):
        return None
    last = _cut(numbers, STRAY_ROW_GAP)
    return next((tag.start() for tag, number in zip(tags, numbers) if number > last), None)


def _calamine_rows(package: bytes, title: str) -> list[list]:
    """calamine's values of sheet ``title`` of the package ``package``, from row 1."""
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_filelike(io.BytesIO(package))
    try:
        return book.get_sheet_by_name(title).to_python(skip_empty_area=False)
    finally:
        book.close()


def _placed(rows: list[list], strays: list[list], far_rows: list[int],
            far_columns: list[int]) -> dict[int, list]:
    """The values ``strays`` of the cells :func:`_split_strays` set apart, put back in
    place: those in a row of ``rows`` into that row's list (lengthened as needed), the
    others into rows of their own, returned by row number."""
    further: dict[int, list] = {}
    for number, values in zip(far_rows, strays):
        for column, value in zip(far_columns, values):
            if value == "":
                continue
            target = rows[number - 1] if number <= len(rows) else \
                further.setdefault(number, [])
            if len(target) < column:
                target.extend([""] * (column - len(target)))
            target[column - 1] = value
    return further


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Sheet title → the package part holding its XML."""
    workbook = archive.read("xl/workbook.xml")
    targets = {ident: part for ident, _, part in _workbook_relationships(archive)}
    parts = {}
    for sheet in re.findall(rb"<(?:\w+:)?sheet\b[^>]*>", workbook):
        name = re.search(rb'\bname="([^"]*)"', sheet)
        ident = re.search(rb'\br:id="([^"]+)"', sheet) or re.search(rb'\b\w+:id="([^"]+)"', sheet)
        if name and ident and ident[1] in targets:
            parts[_unescape(name[1])] = targets[ident[1]]
    return parts


def _row_one_xml(archive: zipfile.ZipFile, part: str, most: int = 1 << 22) -> bytes | None:
    """A worksheet part inflated only as far as its first row, closed so that it reads
    as a sheet of that row alone; None if row 1 is not within ``most`` bytes."""
    head = b""
    with archive.open(part) as stream:
        while len(head) < most:
            chunk = stream.read(1 << 16)
            head += chunk
            start = head.find(b"<sheetData")
            if start >= 0:
                end = head.find(b"</row>", start)
                if end >= 0:
                    return head[:end + 6] + b"</sheetData></worksheet>"
                if b"</sheetData>" in head or b"<sheetData/>" in head:
                    return head
            if not chunk:
                return head
    return None


def relationships(xml: bytes) -> list[dict[bytes, bytes]]:
    """The attributes (Id, Type, Target, TargetMode...) of each relationship in a
    package's ``.rels`` part."""
    return [attributes(tag) for tag in re.findall(rb"<(?:\w+:)?Relationship\b[^>]*>", xml)]


def attributes(tag: bytes) -> dict[bytes, bytes]:
    """The attributes of one XML start tag, by name, their values as written."""
    return dict(_ATTRIBUTE.findall(tag))


_ATTRIBUTE = re.compile(rb'\b([\w:]+)="([^"]*)"')


def _workbook_relationships(archive: zipfile.ZipFile) -> list[tuple[bytes, bytes, str]]:
    """(Id, Type, package part) of each relationship of xl/workbook.xml."""
    found = []
    for rel in relationships(archive.read("xl/_rels/workbook.xml.rels")):
        if rel.get(b"Id") and rel.get(b"Target"):
            part = rel[b"Target"].decode().lstrip("/")
            found.append((rel[b"Id"], rel.get(b"Type", b""),
                          part if part.startswith("xl/") else posixpath.normpath("xl/" + part)))
    return found


def date_shown(number_format: str) -> str | None:
    """``"month"`` if ``number_format`` shows a date as its month and year alone — as
    Excel formats "Mar 2027" typed into a cell (mmm-yy, showing Mar-27: the date is the
    1st); ``"no-year"`` if it shows the day and month but no year — as Excel formats
    "Mar 27" (d-mmm, showing 27-Mar: the 27th of this year); else None."""
    code = re.sub(r'"[^"]*"|\[[^\]]*\]|\\.', "", number_format.split(";")[0]).lower()
    if "m" not in code or any(c in code for c in "hs"):
        return None
    if "y" in code:
        return None if "d" in code else "month"
    return "no-year" if "d" in code else None


def _shown_styles(archive: zipfile.ZipFile) -> dict[bytes, str]:
    """Indexes (as bytes) of cell styles whose number format shows a percentage
    (``"percent"``) or a date without its day or its year (see :func:`date_shown`)."""
    try:
        styles = archive.read("xl/styles.xml")
    except KeyError:
        return {}
    custom = {}
    for ident, code in re.findall(rb'<(?:\w+:)?numFmt\b[^>]*numFmtId="(\d+)"[^>]*'
                                  rb'formatCode="([^"]*)"', styles):
        text = _unescape(code)
        if "%" in text.replace('"%"', ""):
            custom[ident] = "percent"
        elif date_shown(text):
            custom[ident] = date_shown(text)
    found: dict[bytes, str] = {}
    block = re.search(rb"<(?:\w+:)?cellXfs\b.*?</(?:\w+:)?cellXfs>", styles, re.S)
    if not block:
        return found
    for index, xf in enumerate(re.findall(rb"<(?:\w+:)?xf\b[^>]*>", block[0])):
        ident = re.search(rb'\bnumFmtId="(\d+)"', xf)
        if not ident:
            continue
        kind = "percent" if int(ident[1]) in _PERCENT_BUILTIN else \
            _DATE_BUILTIN.get(int(ident[1])) or custom.get(ident[1])
        if kind:
            found[str(index).encode()] = kind
    return found
