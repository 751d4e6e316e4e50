"""Pictures, text boxes, shapes and charts placed on a workbook's sheets.

They live in the sheet's drawing part, not in its cells, so reading cells never sees
them. A return's protection leaves objects unlocked (so that officers can attach
notes), which also lets an officer paste a screenshot as evidence or type into a text
box; :func:`sheet_objects` finds each one, with the cell it is anchored at and any text
in it, so that merging can say what it did not take in. Parts are parsed with
defusedxml.
"""
from __future__ import annotations

from dataclasses import dataclass

from .fastbook import column_letters

_XDR = "{http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
#: what each kind of drawing element is called in a message
_KINDS = {"sp": "text box or shape", "pic": "picture", "graphicFrame": "chart or diagram",
          "grpSp": "group of shapes", "cxnSp": "line", "contentPart": "drawing (ink)"}


@dataclass(frozen=True)
class SheetObject:
    """One object on a sheet: ``kind`` ("picture", "text box or shape"...), the cell
    its top-left corner is anchored at (``None`` for one placed by position alone),
    its name as Excel shows it, and the text typed in it (empty if none)."""

    sheet: str
    cell: str | None
    kind: str
    name: str
    text: str


def sheet_objects(wb) -> list[SheetObject]:
    """Every object on the sheets of ``wb`` (a :class:`~cip_xl.fastbook.FastWorkbook`),
    sheet by sheet in drawing order; empty when the package has no drawing parts (the
    common case costs a look at the part names). A drawing part that cannot be parsed
    gives one object of kind "drawing cip-xl could not read" rather than nothing."""
    if not any(name.startswith("xl/drawings/") and name.endswith(".xml")
               for name in wb.part_names()):
        return []
    from defusedxml import ElementTree

    found: list[SheetObject] = []
    for title in wb.sheetnames:
        for kind, name in wb.sheet_relations(title):
            if not kind.endswith(b"/drawing"):
                continue
            try:
                root = ElementTree.fromstring(wb.part(name))
            except Exception:  # damaged, or entities defusedxml refuses: say so
                found.append(SheetObject(title, None, "drawing cip-xl could not read",
                                         name, ""))
                continue
            found.extend(_objects(title, root))
    return found


def _objects(title: str, root) -> list[SheetObject]:
    found = []
    for anchor in root:
        corner = anchor.find(f"{_XDR}from")
        cell = None
        if corner is not None:
            try:
                column = int(corner.findtext(f"{_XDR}col", "0"))
                row = int(corner.findtext(f"{_XDR}row", "0"))
                cell = f"{column_letters(column + 1)}{row + 1}"
            except ValueError:
                cell = None
        for item in anchor:
            tag = item.tag.rsplit("}", 1)[-1]
            if tag not in _KINDS:
                continue  # from, to, ext, clientData
            properties = next(item.iter(f"{_XDR}cNvPr"), None)
            name = properties.get("name", "") if properties is not None else ""
            lines = ["".join(t.text or "" for t in paragraph.iter(f"{_A}t"))
                     for paragraph in item.iter(f"{_A}p")]
            text = "\n".join(line for line in lines if line.strip()).strip()
            found.append(SheetObject(title, cell, _KINDS[tag], name, text))
    return found
