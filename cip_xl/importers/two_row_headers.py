"""Read a table whose header is two rows deep into one header row.

Councils' plans often group columns under a header merged across them: "Timescale"
over "Start" and "End", "Progress" over "Q1", "Q2", "Q3" and "Q4". Read as one row,
"Timescale" (the first column, the start) was taken for the target date and each end
date was text outside the plan's columns. :func:`two_row_header` names each column as
the two rows do together: the end (or target, or due) under a timescale is the target
date, its start a Start date column of its own; a quarter under a heading is that
heading for the quarter ("Progress Q2"), as a tracker names its quarters' columns.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from ..schema import Contract

if TYPE_CHECKING:
    from .tables import RawTable

#: what a sub-header under a date heading says the column holds
_START = {"start", "start date", "from", "begin", "begins", "commence", "commencement",
          "planned start", "start by", "starting"}
_END = {"end", "end date", "finish", "finish date", "to", "by", "complete", "completion",
        "completion date", "target", "target date", "due", "due date", "deadline", "until"}
_ORIGINAL = {"original", "original date", "baseline", "planned", "agreed"}
_REVISED = {"revised", "revised date", "new date", "forecast", "current", "latest"}
#: a sub-header is a few words, not a cell of an action's text
_LONGEST = 40


@dataclass(frozen=True)
class DeepHeader:
    """A header two rows deep read as one: each column's name, and each heading merged
    across columns with the sub-headers under it, as the rows gave them."""

    names: list[str]
    groups: list[tuple[str, list[str]]]


def _key(text: str, contract: Contract, mapping: dict[str, str] | None) -> str | None:
    from .tables import header_map

    return header_map([text], contract, mapping).get(0)


def _name(group: str, sub: str, contract: Contract,
          mapping: dict[str, str] | None) -> str:
    """The column's name, from the heading over it (``group``) and its own (``sub``)."""
    word = " ".join(sub.casefold().rstrip(":").split())
    if _key(group, contract, mapping) == "target_date":  # "Timescale", "Target date"
        if word in _START:
            return "Start date"
        if word in _END:
            return group
        if word in _ORIGINAL:
            return group if group.casefold().startswith("original") else f"Original {group}"
        if word in _REVISED:
            return f"Revised {group}" if _key(f"Revised {group}", contract, mapping) == \
                "revised_date" else "Revised date"
    for name in (f"{group} {sub}", f"{sub} {group}"):
        if _key(name, contract, mapping):
            return name
    return f"{group} {sub}"


def _padded(one: list[str], other: list[str]) -> tuple[list[str], list[str]]:
    """Two rows' cells, cleaned, the shorter row filled out with blanks."""
    from .tables import clean

    width = max(len(one), len(other))
    return ([clean(c) for c in one] + [""] * (width - len(one)),
            [clean(c) for c in other] + [""] * (width - len(other)))


def _spans(row: list[str]) -> list[tuple[int, int]]:
    """Each heading of ``row`` as its first column and the one after its last: a
    heading spans the blank cells after it (a cell merged across columns)."""
    spans: list[tuple[int, int]] = []
    for index, text in enumerate(row):
        if text:
            spans.append((index, index + 1))
        elif spans:
            spans[-1] = (spans[-1][0], index + 1)
    return spans


def two_row_header(top: list[str], below: list[str], contract: Contract,
                   mapping: dict[str, str] | None = None) -> DeepHeader | None:
    """The header ``top`` with the row under it, ``below``, where that row is its second
    row: short sub-headers under a heading spread across their columns (its text in the
    first, blank cells after it, as a cell merged across columns reads) and, under every
    other column, nothing or the header again (a header cell merged down, as the readers
    give it in each row it spans). None where ``below`` is no such row — an action
    under a header with a blank cell has text under the other columns too."""
    top, below = _padded(top, below)
    width = len(top)
    spans = _spans(top)
    new = [i for i in range(width) if below[i] and below[i] != top[i]]
    if not new or any(len(below[i]) > _LONGEST or "\n" in below[i] for i in new):
        return None
    heading_of = {i: start for start, end in spans for i in range(start, end)}
    if any(i not in heading_of for i in new):
        return None  # text under blank cells before the first heading: an action's
    grouped = {start for start, end in spans if end - start > 1}
    if any(heading_of[i] not in grouped for i in new) or \
            not any(not top[i] for i in new):
        return None  # text under a column of its own: the row is an action
    names = list(top)
    groups: list[tuple[str, list[str]]] = []
    for start, end in spans:
        if start not in grouped:
            continue
        subs = [below[i] for i in range(start, end) if i in new]
        if not subs:
            continue
        groups.append((top[start], subs))
        for i in range(start, end):
            if i in new:
                names[i] = _name(top[start], below[i], contract, mapping)
            elif i != start:
                names[i] = ""
    return DeepHeader(names, groups)


def sub_header_words(header: DeepHeader) -> str:
    """'Timescale' over 'Start', 'End'; 'Progress' over 'Q1', 'Q2', for a finding."""
    return "; ".join(f"'{group}' over " + ", ".join(f"'{s}'" for s in subs)
                     for group, subs in header.groups)


def heading_row_above(above: list[str], header: list[str], contract: Contract,
                      mapping: dict[str, str] | None = None) -> DeepHeader | None:
    """The header ``header`` read with the row over it, ``above``, where that row
    groups its columns under headings merged across them ("Action details" over Ref,
    Action and Lead; "Timescale" over "Start" and "End"): a column whose own header
    means none of the plan's columns is named by both rows where that names one ("End"
    under "Timescale" is the target date, "Start" a Start date). None where ``above``
    groups no columns, or names none anew (a title over the table, say)."""
    above, names = _padded(above, header)
    spans = [(start, end) for start, end in _spans(above)
             if above[start] != names[start] or end - start > 1]  # not merged down
    if not spans or any(end - start < 2 or len(above[start]) > _LONGEST
                        for start, end in spans):
        return None
    groups: list[tuple[str, list[str]]] = []
    for start, end in spans:
        renamed = []
        for i in range(start, end):
            if not names[i] or _key(names[i], contract, mapping):
                continue
            name = _name(above[start], names[i], contract, mapping)
            if name == "Start date" or _key(name, contract, mapping):
                renamed.append(names[i])
                names[i] = name
        if renamed:
            groups.append((above[start], renamed))
    return DeepHeader(names, groups) if groups else None


def one_header_row(table: RawTable, header_index: int | None, contract: Contract,
                   mapping: dict[str, str] | None = None) -> tuple[RawTable, DeepHeader | None]:
    """``table`` with its header, ``table.rows[header_index]``, read as one row where
    it is two rows deep (:func:`two_row_header`: its second row left blank; or
    :func:`heading_row_above`), and how; ``table`` as it is, and None, otherwise. The
    rows keep their places, so findings name the cells the source has."""
    if header_index is None:
        return table, None
    rows = table.rows
    deep = two_row_header(rows[header_index], rows[header_index + 1], contract, mapping) \
        if header_index + 1 < len(rows) else None
    if deep:  # "Timescale" over "Start" and "End"
        return replace(table, rows=rows[:header_index] + [
            deep.names, [""] * len(deep.names)] + rows[header_index + 2:]), deep
    deep = heading_row_above(rows[header_index - 1], rows[header_index], contract,
                             mapping) if header_index else None
    if deep:  # the headings grouping the columns in the row above
        return replace(table, rows=rows[:header_index] + [deep.names] +
                       rows[header_index + 1:]), deep
    return table, None
