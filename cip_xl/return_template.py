"""Writing many returns from one: the first built with openpyxl, the rest copied.

Every return of one issue has the same sheets, styles, dropdowns, protection and
instructions; only the rows, the record, a line of the instructions and the title
differ. Building each through openpyxl costs tens of milliseconds of fixed work per
file, most of an issue's time. :class:`ReturnTemplate` builds one return holding
every column-and-kind-of-value the issue needs (:meth:`ReturnTemplate.sample`) and,
for each department, replaces just those parts of its package through
:mod:`cip_xl.xlsx_patch`, each cell in the style the template gave the same column and
kind of value. When a return needs a style the template lacks,
:meth:`ReturnTemplate.copy_for` says so (``None``) and that return is built with
openpyxl instead, so every return is cell for cell what building it would give.
"""
from __future__ import annotations

import io
import re
import zipfile

from .returns import (INSTRUCTIONS_SHEET, META_SHEET, RETURN_SHEET, ReturnContent,
                      instruction_height, meta_table)
from .schema import Contract
from .xlsx_patch import (CellEdit, PatchError, SheetEdits, SheetXml, cell_xml,
                         column_letters, escape, rewrite_package)


def workbook_bytes(workbook) -> bytes:
    """An openpyxl workbook saved to memory."""
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _shape(value: object, kind: str) -> tuple:
    from .plan_patch import stored

    return type(value), stored(value, kind)[2]


class ReturnTemplate:
    """A built return's package, ready to be copied for other departments."""

    def __init__(self, data: bytes, content: ReturnContent, parts: dict[str, str],
                 styles: dict[tuple, bytes | None]) -> None:
        self.data, self.content, self.parts, self.styles = data, content, parts, styles
        self.sheets = {title: SheetXml(self._read(part)) for title, part in parts.items()}
        self.last_row = max(2, len(content.cells) + 1)

    def _read(self, part: str) -> bytes:
        with zipfile.ZipFile(io.BytesIO(self.data)) as archive:
            return archive.read(part)

    @staticmethod
    def sample(contents: list[ReturnContent], contract: Contract) -> ReturnContent:
        """A return to build as the template: the first department's, plus one row for
        each column and kind of value only other departments have, so that the template
        holds every style the copies need."""
        from dataclasses import replace

        first = contents[0]
        seen = {(c,) + _shape(value, kind) for row in first.cells
                for c, (value, kind) in enumerate(row, start=1)}
        extra = []
        for content in contents[1:]:
            for row in content.cells:
                for c, (value, kind) in enumerate(row, start=1):
                    key = (c,) + _shape(value, kind)
                    if key not in seen:
                        seen.add(key)
                        extra.append(row)
        return replace(first, cells=first.cells + extra,
                       heights=first.heights + [30] * len(extra))

    @classmethod
    def make(cls, data: bytes, content: ReturnContent,
             contract: Contract) -> "ReturnTemplate | None":
        """The template for the return ``data`` built from ``content``; None if its
        package is not one :mod:`cip_xl.xlsx_patch` can copy."""
        from .fastbook import _sheet_parts

        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                parts = {title: part for title, part in _sheet_parts(archive).items()
                         if title in (RETURN_SHEET, INSTRUCTIONS_SHEET, META_SHEET)}
            if len(parts) != 3:
                return None
            template = cls(data, content, parts, {})
            sheet = template.sheets[RETURN_SHEET]
            for r, row in enumerate(content.cells, start=2):
                for c, (value, kind) in enumerate(row, start=1):
                    template.styles.setdefault((c,) + _shape(value, kind),
                                               sheet.style_of(r, c))
            return template
        except (PatchError, KeyError, zipfile.BadZipFile):
            return None

    def copy_for(self, content: ReturnContent) -> bytes | None:
        """The package of the return holding ``content``; None if it needs a style
        this template does not have."""
        from .plan_patch import stored

        rows = []
        for r, (row, height) in enumerate(zip(content.cells, content.heights), start=2):
            cells = []
            for c, (value, kind) in enumerate(row, start=1):
                key = (c,) + _shape(value, kind)
                if key not in self.styles:
                    return None
                cells.append(cell_xml(f"{column_letters(c)}{r}".encode(),
                                      stored(value, kind)[0], self.styles[key]))
            rows.append(f'<row r="{r}" ht="{height:g}" customHeight="1">'.encode() +
                        b"".join(cells) + b"</row>")
        try:
            replaced = {
                self.parts[RETURN_SHEET]: self._return_sheet(rows, len(content.cells)),
                self.parts[INSTRUCTIONS_SHEET]: self._instructions(content),
                self.parts[META_SHEET]: self._record(content),
                "docProps/core.xml": self._core(content.title),
            }
            return rewrite_package(self.data, replaced)
        except PatchError:
            return None

    def _return_sheet(self, rows: list[bytes], count: int) -> bytes:
        sheet = self.sheets[RETURN_SHEET]
        start, end = sheet.row_span(0)  # the header row stays as it is
        last = max(2, count + 1)
        ranges = re.compile(rb"(:[A-Z]{1,3})" + str(self.last_row).encode() + rb'(?=["\s])')
        head = ranges.sub(rb"\g<1>" + str(last).encode(), sheet.head)
        tail = ranges.sub(rb"\g<1>" + str(last).encode(), sheet.tail)
        return head + sheet.body[start:end] + b"".join(rows) + tail

    def _instructions(self, content: ReturnContent) -> bytes:
        edits = SheetEdits()
        for r, ((text, _), (old, _)) in enumerate(zip(content.instructions,
                                                      self.content.instructions), start=1):
            if text != old:
                edits.cells[(r, 1)] = CellEdit(text)
                edits.heights[r] = instruction_height(r, text)
        if len(content.instructions) != len(self.content.instructions):
            raise PatchError("the instructions have another number of lines")
        return self.sheets[INSTRUCTIONS_SHEET].apply(edits)

    def _record(self, content: ReturnContent) -> bytes:
        sheet = self.sheets[META_SHEET]
        table = meta_table(content)
        rows = [f'<row r="{r}">'.encode() + b"".join(
                    cell_xml(f"{column_letters(c)}{r}".encode(), value, None)
                    for c, value in enumerate(row, start=1)) + b"</row>"
                for r, row in enumerate(table, start=1) if row]
        width = max(len(row) for row in table)
        head = re.sub(rb'<dimension ref="[^"]*"',
                      f'<dimension ref="A1:{column_letters(width)}{len(table)}"'.encode(),
                      sheet.head)
        return head + b"".join(rows) + sheet.tail

    def _core(self, title: str) -> bytes:
        core = self._read("docProps/core.xml")
        found = re.search(rb"(<dc:title\b[^>]*>)[^<]*</dc:title>", core)
        if not found:
            raise PatchError("the template has no title")
        return core[:found.start()] + found[1] + escape(title) + b"</dc:title>" + \
            core[found.end():]
