"""Going through a sheet's rows without making cells where there are none.

openpyxl's ``iter_rows`` (and any loop to ``max_row``) goes through every row and column
of a sheet's extent, making a cell at each place it passes. One value typed far off —
in row 1,048,576 or column XFD after a slip of Ctrl+Down or Ctrl+Right — makes that
extent millions of cells: reading and saving a 40-action plan with a value in row
1,048,576 took three minutes and 9 GB. The helpers here go through the rows that have
cells, in order, and are used wherever a whole sheet is read or cleared.
"""
from __future__ import annotations

from collections.abc import Iterator


def rows_holding(ws, first: int) -> list[int]:
    """The numbers of the rows of openpyxl sheet ``ws`` (loaded whole, as a save
    writes into) from ``first`` on that have cells, in order: all there can be to clear
    below a table. From openpyxl's store of cells, as its own ``max_row`` is."""
    return sorted({row for row, _ in ws._cells if row >= first})


def numbered_rows(ws, first: int, max_col: int | None = None,
                  values_only: bool = False) -> Iterator[tuple[int, tuple]]:
    """``(row number, row)`` of each row of ``ws`` from ``first`` on that may hold
    anything, as ``ws.iter_rows`` gives a row: with ``values_only``, a tuple of values
    from column A (blank as None; up to ``max_col`` if given, else to the row's last
    cell); otherwise a tuple of its cells (an openpyxl sheet's: only those it has).
    Rows holding nothing may be passed over."""
    cells = getattr(ws, "_cells", None)
    if cells is None:
        if hasattr(ws, "numbered_rows"):  # a FastSheet: its rows far down, sparsely
            for number, _ in ws.numbered_rows(first):
                yield number, next(ws.iter_rows(min_row=number, max_row=number,
                                                max_col=max_col, values_only=values_only))
            return
        yield from enumerate(ws.iter_rows(min_row=first, max_col=max_col,
                                          values_only=values_only), start=first)
        return
    by_row: dict[int, list] = {}
    for (row, column), cell in cells.items():
        if row >= first and (max_col is None or column <= max_col):
            by_row.setdefault(row, []).append((column, cell))
    for row in sorted(by_row):
        found = sorted(by_row[row], key=lambda pair: pair[0])
        if not values_only:
            yield row, tuple(cell for _, cell in found)
            continue
        values = [None] * (max_col if max_col is not None else found[-1][0])
        for column, cell in found:
            values[column - 1] = cell.value
        yield row, tuple(values)
