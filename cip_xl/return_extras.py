"""What an officer put on a return outside the cells a merge reads.

A return's protection keeps officers to their columns, but it leaves the workbook's
structure and the sheets' objects unlocked (officers attach notes) and has no password:
an officer can add a sheet of notes, copy the Return sheet and type in the copy, type on
the Instructions sheet once its protection is off, or paste a screenshot or a text box.
None of that is taken into the plan; :func:`outside_the_cells` names each piece by
sheet and cell, with what it says, so that nothing typed is lost without a word.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

from .cells import quoted
from .fastbook import column_letters, typed_cells
from .findings import ERROR, WARNING, Finding
from .returns import (INSTRUCTIONS_SHEET, LISTS_SHEET, META_SHEET, NEW_ACTIONS_SHEET,
                      RETURN_SHEET)
from .sheet_objects import sheet_objects


def outside_the_cells(wb, path: Path, meta: dict) -> list[Finding]:
    """Findings for what was put on the return ``wb`` (a
    :class:`~cip_xl.fastbook.FastWorkbook` of the file at ``path``, whose hidden record
    is ``meta``) outside the cells a merge reads: typed on added sheets or on an
    unprotected Instructions sheet, and objects on any sheet."""
    findings = []
    for title in wb.sheetnames:
        if title not in _ISSUED_SHEETS:
            findings.extend(_added_sheet(wb, title, path))
    if INSTRUCTIONS_SHEET in wb.sheetnames and not _protected(wb, INSTRUCTIONS_SHEET):
        findings.extend(_typed_on_instructions(wb, path, meta.get("instructions")))
    findings.extend(_objects(wb, path))
    return findings


#: the sheets a return is issued with; anything else was added by whoever filled it in
_ISSUED_SHEETS = frozenset((META_SHEET, RETURN_SHEET, NEW_ACTIONS_SHEET, INSTRUCTIONS_SHEET,
                            LISTS_SHEET))
#: typed cells of an added sheet named one by one; the rest are counted
ADDED_SHEET_CELLS_NAMED = 20


def _added_sheet(wb, title: str, path: Path) -> list[Finding]:
    """Findings for what is typed on sheet ``title``, which the return was not issued
    with (an officer's own notes, a copy of the Return sheet): none of it is taken into
    the plan, so each cell is named — the first :data:`ADDED_SHEET_CELLS_NAMED`, then
    how many more and where. A cell holding what the same cell of the Return sheet holds
    (a copy of that sheet) loses nothing and is not named."""
    try:
        return_sheet = wb[RETURN_SHEET]
        typed = [(number, column, value) for number, cells in typed_cells(wb[title], 1)
                 for column, value, _ in cells
                 if value != return_sheet.value(number, column)]
    except Exception:  # a chart sheet, a dialog sheet: nothing calamine reads as cells
        return [Finding("return-sheet-added", WARNING,
                        f"A sheet '{title}' was added to the return; cip-xl cannot read it, "
                        "and nothing on it is taken into the plan. Look at it in Excel.",
                        str(path), title)]
    findings = [Finding("return-sheet-added", ERROR,
                        f"'{quoted(value)}' was typed on a sheet '{title}' added to the "
                        "return; it is not taken into the plan.", str(path), title,
                        f"{column_letters(column)}{number}")
                for number, column, value in typed[:ADDED_SHEET_CELLS_NAMED]]
    if len(typed) > ADDED_SHEET_CELLS_NAMED:
        rest = typed[ADDED_SHEET_CELLS_NAMED:]
        first, last = rest[0], rest[-1]
        findings.append(Finding(
            "return-sheet-added", ERROR,
            f"{len(rest):,} more cells typed on the added sheet '{title}', from "
            f"{column_letters(first[1])}{first[0]} to {column_letters(last[1])}{last[0]}, "
            "are not taken into the plan either.", str(path), title,
            f"{column_letters(first[1])}{first[0]}"))
    return findings


def _objects(wb, path: Path) -> list[Finding]:
    """A finding for each picture, text box, shape or chart put on the return's sheets
    (none is issued with one): what they hold is not taken into the plan, so each is
    named with its sheet, cell and any text typed in it."""
    findings = []
    for item in sheet_objects(wb):
        where = f" at {item.cell}" if item.cell else ""
        name = f" ('{item.name}')" if item.name else ""
        if item.text:
            what = (f" and says '{quoted(item.text)}'; its text is not taken into the plan: "
                    "copy it into the Progress update or Comment column.")
        else:
            what = "; it is not taken into the plan: if it matters, ask for it separately."
        findings.append(Finding(
            "return-object", ERROR,
            f"A {item.kind}{name} was put on the {item.sheet} sheet{where}{what}",
            str(path), item.sheet, item.cell))
    return findings


def _protected(wb, title: str) -> bool:
    """Whether sheet ``title`` is still protected (then nothing can have been typed on
    it in Excel or LibreOffice): a look at its XML, which is small, without parsing."""
    try:
        xml = wb.part(wb.sheet_part(title))
    except KeyError:
        return False
    found = re.search(rb"<(?:\w+:)?sheetProtection\b[^>]*>", xml)
    return found is not None and re.search(rb'\bsheet="(?:1|true)"', found.group(0)) is not None


def _typed_on_instructions(wb, path: Path, issued: object) -> list[Finding]:
    """Findings for what was typed on the Instructions sheet after its protection was
    taken off: anything but the issued lines in column A (``issued``: the record's
    JSON list of them; a return issued before it was recorded has only its cells
    outside those lines named)."""
    try:
        lines = json.loads(issued) if isinstance(issued, str) else None
    except ValueError:
        lines = None
    if not isinstance(lines, list):
        lines = None
    findings = []
    for number, cells in typed_cells(wb[INSTRUCTIONS_SHEET], 1):
        for column, value, _ in cells:
            if column == 1 and number <= (len(lines) if lines is not None else
                                          _INSTRUCTION_LINES):
                if lines is None or " ".join(str(value).split()) == \
                        " ".join(str(lines[number - 1]).split()):
                    continue
            findings.append(Finding(
                "return-instructions-typed", ERROR,
                f"'{quoted(value)}' was typed on the {INSTRUCTIONS_SHEET} sheet; it is not "
                "taken into the plan.", str(path), INSTRUCTIONS_SHEET,
                f"{column_letters(column)}{number}"))
    return findings


#: how many lines the Instructions sheet of a return has (for returns whose record
#: does not list them)
_INSTRUCTION_LINES = 15
