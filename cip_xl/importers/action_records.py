"""Read a plan kept as one table per action, its labels down the left.

Some councils' Word plans give each action a small table of its own: "Action ref |
1.1", "Action | Deliver the savings...", "Lead officer | Head of Finance", "Target date
| 31/03/2027", "Progress update | ...", under a heading for each priority — or the
action named in a row across the top ("Action 1: Deliver the savings"). No row of such
a table is a header, so import found no plan in it. :func:`as_rows` turns a table of
labels and values (two columns, or pairs of them across four) into the header row and
action rows the rest of import reads; a label met again, or a row across the table,
starts the next action. Labels that name none of the plan's columns are kept, as a
table's other columns are.
"""
from __future__ import annotations

import re

from ..schema import Contract
from .tables import RawTable, clean, header_map, is_header

#: how much of a table's labels must name the plan's columns for it to be a record
_NAMED_SHARE = 0.5
#: a row across the top of an action's table naming it: "Action 1.2: Review fees",
#: "Ref 3 - Open the leisure centre", "1.2 Review fees" (not "2027 budget setting"),
#: "Action: Run a staff survey"
_TITLE = re.compile(r"^(?:(?:(?:key\s+)?action|ref(?:erence)?|no\.?)\s*"
                    r"(?P<ref>[A-Za-z]{0,3}\s?\d+(?:\.\d+)*[a-z]?)|(?P<dotted>\d+(?:\.\d+)+)|"
                    r"(?:key\s+)?action(?=\s*[:\-–—]))?"
                    r"\s*[:.\-–—]?\s*(?P<text>\S.*)$", re.IGNORECASE | re.DOTALL)


def _pairs(row: list[str]) -> list[tuple[int, str, str]] | None:
    """(column of the value, label, value) of each label and value in ``row``: the
    first cell and the second (a value merged across the rest reads once), or two
    pairs across four columns; [(0, '', text)] for a row of one cell across the table;
    None for a row of another kind."""
    cells = [clean(c) for c in row]
    if len(cells) == 4 and cells[0] and cells[2]:
        return [(1, cells[0], cells[1]), (3, cells[2], cells[3])]
    while cells and not cells[-1]:
        cells.pop()
    if not cells:
        return []
    filled = [c for c in cells[1:] if c]
    if not cells[0] or len(set(filled)) > 1:
        return None
    if not filled:
        return [(0, "", cells[0])]
    return [(1, cells[0], filled[0])]


def as_rows(table: RawTable, contract: Contract,
            mapping: dict[str, str] | None = None) -> RawTable | None:
    """``table`` as a header row of its labels and a row for each action it records,
    each cell still named where the table has it; None where ``table`` is no table of
    labels and values for actions — a row of it is a header or of three values, or
    fewer than three of the plan's columns are among its labels (the action's words
    among them, or a row across the top naming it)."""
    if any(is_header(row, contract, mapping) for row in table.rows[:6]):
        return None
    header: list[str] = []
    position: dict[str, int] = {}  # a column's key (or label) → its place in the header
    records: list[dict[int, tuple[int, int, str]]] = [{}]
    keys: set[str] = set()
    labels = named = 0

    def put(name: str, key: str, at: tuple[int, int], value: str) -> None:
        if key not in position:
            position[key] = len(header)
            header.append(name)
        if position[key] in records[-1]:
            records.append({})  # a label met again: the next action's
        records[-1][position[key]] = (*at, value)

    for r, row in enumerate(table.rows):
        pairs = _pairs(row)
        if pairs is None:
            return None
        for column, label, value in pairs:
            if not label and header_map([value], contract, mapping):
                label, value = value, ""  # a label with its value left blank
            if not label:  # a row across the table naming the action that follows
                if records[-1]:
                    records.append({})
                title = _TITLE.match(value)
                ref = title and (title["ref"] or title["dotted"])
                if ref:
                    put("Ref", "ref", (r, 0), " ".join(ref.split()))
                put("Action", "key_action", (r, 0), title["text"] if title else value)
                keys |= {"ref", "key_action"}
                continue
            labels += 1
            key = header_map([label], contract, mapping).get(0)
            if key:
                named += 1
                keys.add(key)
            put(label.rstrip(": "), key or " ".join(label.casefold().rstrip(": ").split()),
                (r, column), value)
    if len(keys) < 3 or not keys & {"key_action", "objective"} or \
            named < labels * _NAMED_SHARE:
        return None
    records = [record for record in records if record]
    first = {place: at[:2] for record in reversed(records)
             for place, at in record.items()}  # where each label is first written
    rows = [header] + [[record.get(place, (0, 0, ""))[2] for place in range(len(header))]
                       for record in records]

    def where(row: int, column: int) -> str:
        found = records[row - 1].get(column) if row else None
        at = found[:2] if found else first.get(column) if not row else \
            (min(r for r, _, _ in records[row - 1].values()), 0)
        return table.where(*(at or (0, 0)))

    colours = {(number, place): table.colours[(r, column)]
               for number, record in enumerate(records, start=1)
               for place, (r, column, _) in record.items() if (r, column) in table.colours}
    notes = {(number, place): table.notes[(r, column)]
             for number, record in enumerate(records, start=1)
             for place, (r, column, _) in record.items() if (r, column) in table.notes}
    return RawTable(table.name, rows, where, sheet_label=table.sheet_label,
                    part_name=table.part_name, part_kind=table.part_kind, colours=colours,
                    notes=notes)
