"""Saving a plan by changing only the cells whose values changed.

A status refresh, a merge or issuing returns changes values — a verdict, a progress
text, a log row — in a workbook cip-xl laid out at its last full save. Rebuilding the
whole package through openpyxl for that costs seconds per thousand actions; here the
plan is compared, cell by cell, with the values already in the file (read with
:class:`~cip_xl.fastbook.FastWorkbook`), and only the differences are written, by
:mod:`cip_xl.xlsx_patch`. Everything else in the package keeps its bytes, including what
openpyxl would drop.

That is only right while the workbook still has the layout a full save gave it: the
same columns, the same action rows, the same lists behind the dropdowns, the same
Summary groups. The full save records a fingerprint of that layout
(:func:`cip_xl.plan_write.layout_stamp`); :func:`patch_save` declines — returning
``False`` so that the caller does the full save — whenever the fingerprint, the
columns, the rows or anything else it checks do not match. It never half-writes: the
new package is built in memory and replaces the file atomically.
"""
from __future__ import annotations

import math
import re
import zipfile
from datetime import date, datetime
from functools import lru_cache
from operator import attrgetter, is_, itemgetter
from pathlib import Path
from typing import Callable

from . import schema
from .cells import kept_text
from .fastbook import column_number, plain_value
from .model import Plan
from .plan_write import DATE_FORMAT, REF_FORMAT, wrapped_lines
from .schema import Contract


def patch_save(plan: Plan, path: Path, contract: Contract, book,
               judgements: dict | None = None,
               unchanged: Callable[[], None] | None = None,
               job: str = "", backup: Path | None = None) -> bool | None:
    """Write ``plan`` into the workbook at ``path`` by editing changed cells only.

    ``book`` is the :class:`~cip_xl.fastbook.FastWorkbook` the plan was read from;
    ``judgements``, if given, are :func:`cip_xl.status.refresh` of ``plan`` just made.
    Returns ``False`` (nothing written) if the change needs a full save, ``None`` if
    nothing differs (nothing written), ``True`` once the file has been replaced.
    The caller holds the plan's lock and has made the backup. ``unchanged``: see
    :func:`cip_xl.safe_save.atomic_write_bytes`. ``job``: what is saving, recorded in
    the file when it is written with ``backup``, the backup made of it before (see
    :data:`cip_xl.plan_write.SAVED_BY_PROPERTY`).
    """
    from .plan_write import BACKUP_BEFORE_PROPERTY, NO_BACKUP, SAVED_BY_PROPERTY
    from .xlsx_patch import PatchError

    try:
        replaced = plan_edits(plan, contract, book, judgements)
        if replaced:
            part = "docProps/custom.xml"
            xml = with_custom_property(replaced.get(part) or book.part(part),
                                       SAVED_BY_PROPERTY, job)
            replaced[part] = with_custom_property(
                xml, BACKUP_BEFORE_PROPERTY, backup.name if backup is not None else NO_BACKUP)
    except PatchError:
        return False
    if replaced is None:
        return False
    if not replaced:
        return None
    return _replace(book, replaced, path, unchanged)


def _replace(book, replaced: dict[str, bytes], path: Path,
             unchanged: Callable[[], None] | None = None) -> bool:
    """Write the package of ``book`` with the ``replaced`` parts to ``path``; False if
    the package cannot be rewritten (nothing written). ``unchanged``: see
    :func:`cip_xl.safe_save.atomic_write_bytes`."""
    from .safe_save import atomic_write_bytes
    from .xlsx_patch import PatchError, rewrite_package

    try:
        data = rewrite_package(book.data, replaced)
    except PatchError:
        return False
    atomic_write_bytes(data, path, unchanged)
    return True


def cache_labels(plan: Plan, path: Path, contract: Contract,
                 judgements: dict | None = None) -> None:
    """After a full save of ``plan`` to ``path``: give its live RAG formulas their
    labels as cached values, and the Summary chart its text alternative.

    openpyxl writes a formula with an empty result, which Excel and LibreOffice work out
    on opening but a reader that does not calculate — a preview in Outlook or on a
    phone, python-calamine, pandas — shows as blank traffic lights. A patched save of
    the same plan over the file just written differs from it in those labels alone (a
    patched save writes what a full save writes, and what openpyxl cannot: see
    :func:`described_charts`), so that is made now. A layout the
    patch cannot edit leaves them to Excel: the save itself is done and stands."""
    from .fastbook import FastWorkbook
    from .findings import PlanFileError
    from .xlsx_patch import PatchError

    try:
        book = FastWorkbook(path)
        replaced = plan_edits(plan, contract, book, judgements)
    except (PatchError, PlanFileError, ValueError):
        return
    if replaced:
        _replace(book, replaced, path)


def plan_edits(plan: Plan, contract: Contract, book,
               judgements: dict | None = None) -> dict[str, bytes] | None:
    """The package parts to replace (name → new XML) to hold ``plan``; ``None`` when a
    full save is needed. Raises :class:`~cip_xl.xlsx_patch.PatchError` for XML this
    layer will not edit."""
    from .plan_read import find_header_row, find_sheet, table_layout, table_total_rows
    from .plan_write import (LAYOUT_PROPERTY, action_rows, layout_from_headers,
                             layout_stamp, record_rows, table_contents)
    from .sheet_tables import grown_tables
    from .status import refresh
    from .xlsx_patch import SheetXml, Styles

    titles = {key: find_sheet(book, contract.sheet(key))
              for key in contract.sheet_names}
    plan_title = find_sheet(book, contract.plan_sheet)
    if plan_title is None or None in titles.values() or \
            find_sheet(book, "Summary") is None or book.date1904:
        return None
    stored_stamp = book.custom_property(LAYOUT_PROPERTY)
    if not stored_stamp:
        return None
    plan_ws = book[plan_title]
    header_row, header_cells = find_header_row(plan_ws, contract)
    if table_total_rows(book, contract, "", (header_row, header_cells)):
        return None  # the full save refuses it, and says why
    layout = layout_from_headers(header_row, header_cells, plan, contract)
    _, by_key, by_extra = layout
    for column_index in list(by_key.values()) + list(by_extra.values()):
        if column_index not in header_cells:  # a full save would add this column
            return None
    if judgements is None:
        judgements = refresh(plan)
    # actions added since the plan was read (an approved new action) have no row yet,
    # and rows may have been typed in below the plan since its last full save: all go
    # below the others, laid out anew, and the ranges sized by the number of actions
    # grow. Each action read stays in its row, as in a full save of the file it was
    # read from (blank rows left between themes, say, stay where they are)
    placed = len(plan.actions)
    while placed and plan.actions[placed - 1].row is None:
        placed -= 1
    rows = action_rows(plan, header_row, keep_rows=True)
    if placed and (rows[0] != plan.actions[0].row or any(
            a.row != r or r <= before
            for a, r, before in zip(plan.actions[1:placed], rows[1:], rows))):
        return None  # rows not in the order the sheet holds them: the full save's job
    for at in range(placed, max(placed - TYPED_ROWS, 0), -1):
        existing = rows[at - 1] - header_row
        if layout_stamp(plan, contract, layout, actions=existing) == stored_stamp:
            break  # the rows the last full save laid out
    else:
        return None
    owned = sorted(set(by_key.values()) | set(by_extra.values()))
    taken = set(rows) | (plan.source.left_rows if plan.source is not None else set())
    for row, _ in plan_ws.numbered_rows(header_row + 1):
        # rows a full save would clear, or where the new actions go
        if row not in taken and any(plan_ws.value(row, c) is not None for c in owned):
            return None

    styles = Styles(book.part("xl/styles.xml"))
    replaced: dict[str, bytes] = {}

    # the Plan sheet
    sheet = SheetXml(book.part(book.sheet_part(plan_title)))
    ref_column = layout[1].get("ref")
    if ref_column is not None and not styles.has_format(
            sheet.column_style(ref_column) or 0, REF_FORMAT):
        return None  # the full save formats the Ref column as Text, for rows typed below
    edits = _plan_sheet_edits(plan, contract, layout, judgements, plan_ws, sheet, styles,
                              rows, new_from=header_row + existing + 1)
    hidden = _hidden_cells(plan_ws.merged)
    if hidden and not hidden.isdisjoint(edits.cells):
        return None  # a value for a cell under merged cells: the full save explains
    if edits:
        replaced[book.sheet_part(plan_title)] = sheet.apply(edits, styles)
    laid_out = max(rows, default=header_row) - header_row
    if existing < laid_out:
        _grow_ranges(book, replaced, plan_title, header_row, (owned[0], owned[-1]),
                     existing, laid_out,
                     layout_stamp(plan, contract, layout, actions=laid_out))

    # the fixed-layout sheets
    unread = plan.source is not None and plan.source.audit_unread
    for key, spec, rows in table_contents(plan):
        title = titles[key]
        # each column found by its heading, which must be as a full save writes it
        # (the heading of the trail, not read, looked at from the XML)
        first_row = book.first_row(title)
        columns = table_layout(first_row, spec)
        if columns is None or tuple(first_row[c - 1] if c <= len(first_row) else None
                                    for c in columns) != spec.headers:
            return None
        if key == "audit" and unread:
            if rows:  # what was added since goes below the trail
                _append_unread(book, title, spec, rows, styles, replaced, columns)
            continue
        ws = book[title]
        at, clear = record_rows(plan, key, len(rows), keep_rows=True)
        if key == "settings" and not _settings_named(book, title, at):
            return None  # the full save names them again
        kept = _audit_kept(plan, contract, book, ws) if key == "audit" else 0
        if kept and kept == len(rows):
            continue  # the trail as read, nothing added: not even its XML to look at
        table = SheetXml(book.part(book.sheet_part(title)))
        edits = _table_edits(ws, table, rows, styles, key, columns, at, clear, kept)
        if edits:
            replaced[book.sheet_part(title)] = table.apply(edits)
            # rows added: a table or a filter a council put over the rows grows
            last_row = max(at, default=1) if at is not None else len(rows) + 1
            replaced.update(grown_tables(book, title, 1, last_row,
                                         min(columns), max(columns))[1])
            _grow_log_filter(book, replaced, title, last_row, columns)
    summary = _summary_results(book, plan, judgements, replaced)
    if summary is not None:
        replaced[summary[0]] = summary[1]
    replaced.update(described_charts(book, find_sheet(book, "Summary")))
    replaced.update(described_workbook(book, plan))
    if styles.changed:
        replaced["xl/styles.xml"] = styles.xml()
    return replaced


#: a formula cell as a save writes it on the Summary sheet: no type (a number), or
#: t="str" after the other attributes (a text result)
_SUMMARY_CELL = re.compile(
    rb'<c r="([A-Z]+)(\d+)"((?:(?! t=")[^>])*)(?: t="str")?><f>([^<]*)</f>'
    rb'(?:<v>([^<]*)</v>|<v/>)?</c>')


def _summary_results(book, plan: Plan, judgements: dict, replaced: dict[str, bytes]):
    """(part, XML) of the Summary sheet with each count's result cached beside its
    formula — what Excel works out from the Plan sheet on opening — or None when they
    are cached already. A preview, or a reader that does not calculate, shows the cached
    ones. The tables are where a full save lays them out for this plan's themes and
    directorates (the layout stamp the caller checked says they still are); a cell is
    given its count only if its formula is the one for its place."""
    from .fastbook import column_letters
    from .plan_read import find_sheet
    from .schema import VERDICTS
    from .xlsx_patch import escape

    counts: dict[tuple[str, str, str], int] = {}
    for action in plan.actions:
        judgement = judgements.get(action.action_id)
        label = judgement.label if judgement else ""
        for key in ("theme", "directorate"):  # Excel compares text without case
            group = (key, str(getattr(action, key) or "").casefold(), label)
            counts[group] = counts.get(group, 0) + 1
    wanted: dict[bytes, tuple[int, bytes]] = {}  # cell → (count, what its formula says)
    shown: dict[bytes, object] = {}  # cell → what it shows, for the chart's caches
    last = len(VERDICTS) + 2  # the Total column
    top = 3
    for key, groups in (("theme", plan.theme_names()),
                        ("directorate", sorted({a.directorate for a in plan.actions
                                                if a.directorate}))):
        head = top + 1
        totals = [0] * (len(VERDICTS) + 1)
        for column, verdict in enumerate(VERDICTS, start=2):
            shown[f"{column_letters(column)}{head}".encode()] = verdict.label
        for row, group in enumerate(groups, start=head + 1):
            shown[f"A{row}".encode()] = str(group)
            name = str(group).casefold()
            values = [counts.get((key, name, v.label), 0) for v in VERDICTS]
            values.append(sum(values))
            totals = [a + b for a, b in zip(totals, values)]
            for column, value in enumerate(values, start=2):
                mark = f"$A{row})" if column < last else f"SUM(B{row}:"
                wanted[f"{column_letters(column)}{row}".encode()] = (value, mark.encode())
        total = head + len(groups) + 1
        if groups:
            for column, value in enumerate(totals, start=2):
                letter = column_letters(column)
                mark = f"SUM({letter}{head + 1}:{letter}{total - 1})"
                wanted[f"{letter}{total}".encode()] = (value, mark.encode())
        top = total + 3
    day = plan.settings.reporting_date
    if day is not None:  # the title: '="Status of actions as at "&TEXT(ReportDate,...)'
        wanted[b"A1"] = (f"Status of actions as at {day:%d/%m/%Y}", b"TEXT(ReportDate,")
    title = find_sheet(book, "Summary")
    shown.update((cell, value) for cell, (value, _) in wanted.items())
    _chart_caches(book, title, shown, replaced)
    part = book.sheet_part(title)
    xml = replaced.get(part) or book.part(part)
    changed = False

    def cache(found: re.Match) -> bytes:
        nonlocal changed
        ref = found[1] + found[2]
        value, mark = wanted.get(ref, (None, b""))
        if value is None or mark not in found[4]:
            return found[0]
        if isinstance(value, str):
            result, kind = escape(value), b' t="str"'
        else:
            result, kind = str(value).encode(), b""
        if found[5] == result:
            return found[0]
        changed = True
        return b'<c r="%s"%s%s><f>%s</f><v>%s</v></c>' % (ref, found[3], kind, found[4],
                                                          result)

    xml = _SUMMARY_CELL.sub(cache, xml)
    return (part, xml) if changed else None


#: a series' reference in a chart part: its formula and the values cached with it
_CHART_REF = re.compile(
    rb"<((?:\w+:)?)(strRef|numRef)>\s*<\1f>([^<]*)</\1f>\s*"
    rb"(?:<\1(?:str|num)Cache>.*?</\1(?:str|num)Cache>\s*)?</\1\2>", re.S)
_CHART_RANGE = re.compile(rb"^\$?([A-Z]+)\$?(\d+)(?::\$?([A-Z]+)\$?(\d+))?$")


def _chart_caches(book, title: str, shown: dict[bytes, object],
                  replaced: dict[str, bytes]) -> None:
    """Into ``replaced``: each chart part drawn from the Summary sheet ``title`` with
    the values of the cells it reads (``shown``: cell → value) cached beside their
    references, as Excel saves a chart — a preview or a viewer that does not
    calculate draws the chart from those, and without them shows it empty. Text is
    cached as text (the themes, read through a ``numRef`` as openpyxl writes them,
    become a ``strRef``); a reference to any cell not in ``shown`` is left as it is."""
    from .fastbook import column_letters
    from .xlsx_patch import escape

    sheet_names = {title.encode(), b"'" + title.replace("'", "''").encode() + b"'"}

    def cache(found: re.Match) -> bytes:
        prefix, formula = found[1], found[3]
        sheet, _, cells = formula.rpartition(b"!")
        place = _CHART_RANGE.match(cells)
        if sheet not in sheet_names or place is None:
            return found[0]
        first_col, first_row = column_number(place[1]), int(place[2])
        last_col = column_number(place[3]) if place[3] else first_col
        last_row = int(place[4]) if place[4] else first_row
        refs = [f"{column_letters(c)}{r}".encode() for r in range(first_row, last_row + 1)
                for c in range(first_col, last_col + 1)]
        if not all(ref in shown for ref in refs):
            return found[0]
        values = [shown[ref] for ref in refs]
        text = any(isinstance(v, str) for v in values)
        ref, cached = (b"strRef", b"strCache") if text else (b"numRef", b"numCache")
        p = prefix
        points = b"".join(b'<%spt idx="%d"><%sv>%s</%sv></%spt>' % (
            p, index, p, escape(str(v)) if text else str(v).encode(), p, p)
            for index, v in enumerate(values))
        head = b"" if text else b"<%sformatCode>General</%sformatCode>" % (p, p)
        return (b'<%s%s><%sf>%s</%sf><%s%s>%s<%sptCount val="%d"/>%s</%s%s></%s%s>' % (
            p, ref, p, formula, p, p, cached, head, p, len(values), points, p, cached,
            p, ref))

    for part in book.part_names():
        if not (part.startswith("xl/charts/chart") and part.endswith(".xml")):
            continue
        xml = replaced.get(part) or book.part(part)
        new = _CHART_REF.sub(cache, xml)
        if new != xml:
            replaced[part] = new


def described_charts(book, title: str) -> dict[str, bytes]:
    """The drawing parts of sheet ``title`` (the Summary) to replace so that each chart
    in them has a text alternative (status_sheet.CHART_DESCRIPTION and CHART_TITLE),
    which openpyxl cannot write; empty when each has one already."""
    from .status_sheet import CHART_DESCRIPTION, CHART_TITLE
    from .xlsx_patch import escape

    described = b' descr="%s" title="%s"' % (escape(CHART_DESCRIPTION), escape(CHART_TITLE))

    def describe(found: re.Match) -> bytes:
        if _DESCRIBED.search(found[2]):
            return found[0]
        return found[1] + _UNDESCRIBED.sub(b"", found[2]) + described + found[3]

    replaced = {}
    for kind, part in book.sheet_relations(title):
        if kind.endswith(b"/drawing"):
            xml = book.part(part)
            new = _FRAME_NAME.sub(describe, xml)
            if new != xml:
                replaced[part] = new
    return replaced


#: the non-visual properties of a chart's frame in a drawing: (start, attributes, end)
_FRAME_NAME = re.compile(rb"(<(?:\w+:)?graphicFrame\b[^>]*>\s*<(?:\w+:)?nvGraphicFramePr>\s*"
                         rb"<(?:\w+:)?cNvPr\b)([^>]*?)(\s*/?>)")
_DESCRIBED = re.compile(rb'\bdescr="[^"]')
_UNDESCRIBED = re.compile(rb'\s(?:descr|title)="[^"]*"')


def described_workbook(book, plan: Plan) -> dict[str, bytes]:
    """The document properties part to replace so that the workbook has a title and a
    language (see :func:`cip_xl.plan_write.describe_workbook`), where it has none;
    empty when it has both, or no properties part to add them to."""
    from .plan_write import LANGUAGE, workbook_title
    from .xlsx_patch import escape

    try:
        xml = book.part("docProps/core.xml")
    except KeyError:
        return {}
    end = _CORE_END.search(xml)
    if end is None:
        return {}
    added = b""
    for name, text in ((b"title", workbook_title(plan)), (b"language", LANGUAGE)):
        found = re.search(rb"<(?:\w+:)?%s\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?%s>)" %
                          (name, name), xml)
        if found is not None and (found[1] or b"").strip():
            continue
        if found is not None:  # there, but blank
            xml = xml[:found.start()] + xml[found.end():]
        added += b'<dc:%s xmlns:dc="http://purl.org/dc/elements/1.1/">%s</dc:%s>' % (
            name, escape(text), name)
    if not added:
        return {}
    end = _CORE_END.search(xml)
    return {"docProps/core.xml": xml[:end.start()] + added + xml[end.start():]}


_CORE_END = re.compile(rb"</(?:\w+:)?coreProperties>")


#: how many rows typed in below the plan a patched save lays out (more: the full save)
TYPED_ROWS = 25


def _grow_ranges(book, replaced: dict[str, bytes], plan_title: str, header_row: int,
                 columns: tuple[int, int], before: int, after: int, stamp: str) -> None:
    """Into ``replaced``: the ranges a full save sizes by the number of actions, grown
    from ``before`` actions to ``after`` — the Plan sheet's dropdowns and conditional
    formats and the Summary's formulas (to the last action plus the spare rows), the
    Plan sheet's filter and its hidden name, or the Excel Table holding the actions in
    ``columns`` (first, last), to the last action — and the layout stamp of the plan as
    it now is. Only ranges ending where a full save ended them are grown; raises
    PatchError if the filter or the stamp is not where it should be."""
    from .plan_read import find_sheet
    from .plan_write import LAYOUT_PROPERTY, SPARE_ROWS
    from .sheet_tables import grown_tables
    from .xlsx_patch import PatchError

    spare = (header_row + before + SPARE_ROWS, header_row + after + SPARE_ROWS)
    last = (header_row + before, header_row + after)

    part = book.sheet_part(plan_title)
    xml = replaced.get(part) or book.part(part)
    cut = xml.rfind(b"</sheetData>")
    if cut < 0:
        raise PatchError("the Plan sheet has no rows")
    tail = _SQREF.sub(lambda found: found[1] + _ends(found[2], *spare) + b'"', xml[cut:])
    filters = _AUTOFILTER.findall(tail)
    in_table, tables = grown_tables(book, plan_title, header_row, last[1], *columns)
    if in_table and not filters:
        replaced.update(tables)  # the actions are in an Excel Table: it filters them
    elif len(filters) != 1 or _ends(filters[0][1], *last) == filters[0][1]:
        # not the filter a full save set over the actions: rows were deleted or moved
        # by hand since, and the ranges with them
        raise PatchError("the Plan sheet's filter is not where a full save put it")
    else:
        tail = _AUTOFILTER.sub(lambda found: found[1] + _ends(found[2], *last) + b'"', tail)
    replaced[part] = xml[:cut] + tail

    part = book.sheet_part(find_sheet(book, "Summary"))
    xml = replaced.get(part) or book.part(part)
    replaced[part] = _FORMULA_BODY.sub(
        lambda found: found[1] + _ends(found[2], *spare) + found[3], xml)

    _grow_filter_name(book, replaced, plan_title, *last)

    xml = book.part("docProps/custom.xml")
    name = re.escape(LAYOUT_PROPERTY.encode("utf-8"))
    xml, stamps = re.subn(rb'(<(?:\w+:)?property\b[^>]*\bname="' + name +
                          rb'"[^>]*>\s*<(?:\w+:)?lpwstr\b[^>]*>)[^<]*(</)',
                          lambda found: found[1] + stamp.encode() + found[2], xml)
    if stamps != 1:
        raise PatchError("the layout stamp is not where a full save put it")
    replaced["docProps/custom.xml"] = xml


def _grow_filter_name(book, replaced: dict[str, bytes], title: str, old: int,
                      new: int) -> None:
    """Into ``replaced``: the workbook with the hidden name Excel keeps beside sheet
    ``title``'s filter (``_xlnm._FilterDatabase``) made to end in row ``new`` if it
    ended in row ``old``."""
    on_sheet = _on_sheet(title)
    xml = replaced.get("xl/workbook.xml") or book.part("xl/workbook.xml")
    grown = _FILTER_NAME.sub(
        lambda found: found[1] + (_ends(found[2], old, new) if found[2].startswith(on_sheet)
                                  else found[2]) + found[3], xml)
    if grown != xml:
        replaced["xl/workbook.xml"] = grown


def _grow_log_filter(book, replaced: dict[str, bytes], title: str, last_row: int,
                     columns: tuple[int, ...]) -> None:
    """Into ``replaced``: a sheet filter a council put over the rows of log sheet
    ``title`` (already in ``replaced``), written in ``columns``, grown to ``last_row``
    as :func:`cip_xl.sheet_tables.fitted_ref` grows a table, and its hidden name —
    or the entries added would fall outside it."""
    from .filecheck import row_of
    from .sheet_tables import fitted_ref

    part = book.sheet_part(title)
    xml = replaced[part]
    cut = xml.rfind(b"</sheetData>")
    found = _AUTOFILTER.search(xml, cut) if cut >= 0 else None
    if found is None:
        return
    ref = found[2].decode("ascii", "replace")
    grown = fitted_ref(ref, 1, last_row, min(columns), max(columns))
    if grown is None:
        return
    replaced[part] = xml[:found.start(2)] + grown.encode() + xml[found.end(2):]
    _grow_filter_name(book, replaced, title, row_of(ref.split(":")[-1]), last_row)


_SQREF = re.compile(rb'(\bsqref=")([^"]*)"')
_AUTOFILTER = re.compile(rb'(<(?:\w+:)?autoFilter\b[^>]*?\bref=")([^"]*)"')
_FORMULA_BODY = re.compile(rb"(<(?:\w+:)?f\b[^>]*>)([^<]*)(</)")
_FILTER_NAME = re.compile(rb'(<(?:\w+:)?definedName\b[^>]*\bname="_xlnm\._FilterDatabase"'
                          rb"[^>]*>)([^<]*)(</)")


def _ends(text: bytes, old: int, new: int) -> bytes:
    """``text`` (a reference or a formula) with each range ending in row ``old`` made
    to end in row ``new`` (``A2:B541``, ``$B$2:$B$541``)."""
    return re.sub(rb"(:\$?[A-Z]{1,3}\$?)" + str(old).encode() + rb"(?!\d)",
                  lambda found: found[1] + str(new).encode(), text)


def _hidden_cells(merged: list[tuple[str, str]]) -> set[tuple[int, int]]:
    """(row, column) of every cell hidden under merged cells: all of a merged range
    but its first cell."""
    hidden: set[tuple[int, int]] = set()
    for first, last in merged:
        top, left = _place(first)
        bottom, right = _place(last)
        hidden.update((row, column) for row in range(top, bottom + 1)
                      for column in range(left, right + 1))
        hidden.discard((top, left))
    return hidden


def _place(coordinate: str) -> tuple[int, int]:
    """``"C10"`` → (10, 3)."""
    letters = coordinate.rstrip("0123456789")
    return int(coordinate[len(letters):]), column_number(letters)


def stored(value: object, kind: str) -> tuple[object, str | None, bool]:
    """What :func:`cip_xl.plan_write.set_value` stores for ``value`` in a column of
    ``kind``: (the value as reading the cell gives it back, its number format, whether
    it is text with a quote prefix)."""
    if value.__class__ is str:  # most values: text, kept as it is
        if not value:
            return None, None, False
        text = kept_text(value)
        return text, REF_FORMAT if kind == schema.REF else None, text[0] in "=+-@"
    if value is None or value == "":
        return None, None, False
    if isinstance(value, datetime):
        return value, DATE_FORMAT + " hh:mm", False
    if isinstance(value, date):
        return value, DATE_FORMAT, False
    if isinstance(value, float) and not math.isfinite(value):
        return str(value), None, False  # as set_value: no cell holds NaN as a number
    if kind == schema.PERCENT and isinstance(value, (int, float)):  # TRUE too, as there
        return value, "0", False
    if isinstance(value, (int, float)) and kind not in (schema.TEXT, schema.REF):
        return value, None, False
    text = kept_text(str(value))
    if text == "":
        return None, None, False
    return text, REF_FORMAT if kind == schema.REF else None, text[:1] in "=+-@"


def _same(current: object, wanted: object) -> bool:
    """Whether a cell holding ``current`` (as read) already holds ``wanted``."""
    if wanted is None:
        return current is None
    if current is None:
        return False
    if isinstance(wanted, bool) or isinstance(current, bool):
        return type(wanted) is type(current) and wanted == current
    if isinstance(wanted, datetime):
        return isinstance(current, datetime) and \
            abs((current - wanted).total_seconds()) < 1
    if isinstance(wanted, date):
        return isinstance(current, datetime) and current == datetime.combine(
            wanted, datetime.min.time())
    if isinstance(wanted, (int, float)):
        return isinstance(current, (int, float)) and not isinstance(current, datetime) \
            and current == wanted
    return isinstance(current, str) and current == wanted


#: column kinds where set_value writes numbers as text
_TEXT_KINDS = frozenset({schema.TEXT, schema.REF})

#: stands for the row number in the RAG formula built once per save
_ROW_MARK = "\u2063ROW\u2063"
_ROW_MARK_XML = _ROW_MARK.encode("utf-8")


def _compare(value: object, raw: list, column: int, special: dict | None,
             numbers_as_text: bool) -> tuple[bool, object]:
    """Whether the cell in ``column`` of a row (``raw``: calamine's values; ``special``:
    its formulas and error values) surely holds ``value`` already, and the cell's value
    as openpyxl would give it (None for a formula or an error value, which is always
    rewritten). The common cases — blank, the same text, the same number
    or date — are settled here in calamine's own form, without converting the cell; a
    False answer means "compare what would be stored" (:func:`stored`, :func:`_same`)."""
    if special and column in special:  # a formula or an error value: always rewritten
        return False, None
    current = raw[column - 1] if column <= len(raw) else ""
    if current.__class__ is str:
        if current == "":
            return value is None or value == "", None
        return value.__class__ is str and value == current and \
            value[:1] not in "=+-@", current
    if value.__class__ is current.__class__ and value == current and not numbers_as_text:
        return True, current
    return False, plain_value(current)


#: None → "", any other value → itself (as _BLANK.get(value, value))
_BLANK = {None: ""}


class _RowCheck:
    """Which cells of a row may not hold their values already, settled for most rows
    by comparing the row as one tuple.

    ``columns`` are the (1-based) columns of the row's values, in the order they will
    be given; ``text_columns`` those where a number must be written as text. A cell
    is *surely unchanged* when it holds no formula or error value and its value equals
    calamine's with the same type (a blank value, ``None`` or ``""``, against a blank
    cell), text columns holding text — an int against calamine's float counts as the
    same outside text columns. These are exactly the cells for which :func:`_compare`,
    or :func:`stored` and :func:`_same` after it, find nothing to write; every other
    cell is left to them. A refresh or a merge leaves most rows and most cells as they
    were; comparing them as tuples, in C, is what keeps a save of 10,000 actions quick.
    """

    def __init__(self, columns: list[int], text_columns: set[int]) -> None:
        self.columns = frozenset(columns)
        self.width = max(columns, default=0)
        self.every = range(len(columns))
        self.cells = itemgetter(*(c - 1 for c in columns)) if len(columns) > 1 else \
            (lambda raw: (raw[columns[0] - 1],)) if columns else (lambda raw: ())
        self.text_at = frozenset(at for at, c in enumerate(columns) if c in text_columns)
        self.good: dict[tuple, bool] = {}

    def changed(self, wanted: tuple, raw: list, special: dict | None):
        """Positions in ``wanted`` (the row's values, in column order) of the cells to
        compare one by one; empty when the row surely holds them all."""
        if special and not self.columns.isdisjoint(special):
            return self.every
        if None in wanted:
            try:
                wanted = tuple(map(_BLANK.get, wanted, wanted))
            except TypeError:  # an unhashable value set in code
                return self.every
        if not raw:  # a row not in the sheet yet (a new log entry): the values there are
            return [at for at, value in enumerate(wanted) if value != ""]
        if len(raw) < self.width:
            raw = list(raw) + [""] * (self.width - len(raw))
        current = self.cells(raw)
        if wanted == current:
            types = (tuple(map(type, wanted)), tuple(map(type, current)))
            good = self.good.get(types)
            if good is None:
                good = self.good[types] = all(
                    self._same_kind(at, mine, theirs)
                    for at, (mine, theirs) in enumerate(zip(*types)))
            if good:
                return ()
        text_at = self.text_at
        return [at for at, mine, theirs in zip(self.every, wanted, current)
                if mine != theirs or mine.__class__ is not theirs.__class__
                or (at in text_at and mine.__class__ is not str)]

    def _same_kind(self, at: int, mine: type, theirs: type) -> bool:
        if at in self.text_at:
            return mine is str and theirs is str
        return mine is theirs or (mine is int and theirs is float)


def _plan_sheet_edits(plan, contract, layout, judgements, ws, sheet, styles,
                      rows: list[int], new_from: int | None = None):
    """The Plan sheet's edits, each action in its row of ``rows`` (see
    :func:`cip_xl.plan_write.action_rows`). Rows from ``new_from`` on are new actions'
    rows (added, or typed in since the last full save): every cell a full save lays out
    is written there, blank ones too, in its column's style (that of the first action's
    row), as a full save does, without comparing."""
    from .status_sheet import rag_formula
    from .xlsx_patch import CellEdit, Formula, SheetEdits, column_letters, escape

    header_row, by_key, by_extra = layout
    columns = {key: contract.column(key) for key in by_key}
    letters = {key: column_letters(index) for key, index in by_key.items()}
    palette = schema.verdict_fills(contract.palette)
    rag_index = by_key["rag"]
    owned = [(key, index, columns[key].kind) for key, index in by_key.items()
             if key != "rag"] + [(None, index, schema.TEXT) for index in by_extra.values()]
    by_header = {index: header for header, index in by_extra.items()}
    visible_text = {key for key, column in columns.items()
                    if not column.hidden and column.kind != schema.COMPUTED}
    edits = SheetEdits()
    first = rows[0] if rows else header_row + 1  # the first action's row: its styles
    formulas = ws.formulas
    rag_text = rag_formula(_ROW_MARK, letters)  # one formula, its row filled in per row
    rag_xml = escape(rag_text[1:])
    special_rows = ws.special_rows()
    keys = [key for key, _, _ in owned if key]
    fields = attrgetter(*keys) if len(keys) > 1 else lambda action: (getattr(action, keys[0]),)
    extras = [by_header[index] for key, index, _ in owned if not key]
    check = _RowCheck([index for _, index, _ in owned],
                      {index for _, index, kind in owned if kind in _TEXT_KINDS})
    every = range(len(owned))
    column_styles: dict[int, int] = {}

    def column_style(index: int) -> int:
        if index not in column_styles:
            column_styles[index] = int(sheet.style_of(first, index) or 0)
        return column_styles[index]

    for row, action in zip(rows, plan.actions):
        laid_out = new_from is not None and row >= new_from
        changed_text = False
        raw = ws.raw_row(row)
        special = special_rows.get(row)
        values = fields(action)
        if extras:
            values += tuple(action.extra.get(header) for header in extras)
        if laid_out:  # nothing there to compare with
            for at in every:
                index = owned[at][1]
                wanted, number_format, quote = stored(values[at], owned[at][2])
                edits.cells[(row, index)] = CellEdit(
                    wanted, styles.with_format(column_style(index), number_format, quote))
            changed_text = True
            to_compare = ()
        else:
            to_compare = check.changed(values, raw, special)
        for at in to_compare:
            key, index, kind = owned[at]
            value = values[at]
            unchanged, current = _compare(value, raw, index, special, kind in _TEXT_KINDS)
            if unchanged:
                continue
            wanted, number_format, quote = stored(value, kind)
            if _same(current, wanted) and (row, index) not in formulas and \
                    (row, index) not in ws.errors:
                continue
            edits.cells[(row, index)] = CellEdit(wanted) if wanted is None else \
                CellEdit(wanted, formatted=(number_format, quote), fallback_row=first)
            if key in visible_text:  # a text that grew, shrank or went: the height too
                changed_text = True
        judgement = judgements.get(action.action_id)
        label = judgement.label if judgement else ""
        number = str(row)
        xml = rag_xml.replace(_ROW_MARK_XML, number.encode())
        place = (row, rag_index)
        # the verdict shown first; then the formula, as XML (as cip-xl writes it) before
        # as text (as another program may have escaped it)
        fill = palette[judgement.verdict.word] if judgement else None
        if laid_out:
            edits.cells[place] = CellEdit(
                Formula(rag_text[1:].replace(_ROW_MARK, number), label, xml),
                styles.with_fill(column_style(rag_index), fill) if fill
                else column_style(rag_index))
        elif ws.cached(row, rag_index) != label or (
                formulas.xml(place) != xml and
                formulas.get(place) != rag_text.replace(_ROW_MARK, number)):
            edits.cells[place] = CellEdit(
                Formula(rag_text[1:].replace(_ROW_MARK, number), label, xml), fill=fill)
        if changed_text:
            lines = 1
            for key in visible_text:
                value = getattr(action, key)
                if isinstance(value, str):
                    lines = max(lines, wrapped_lines(value, columns[key].width))
            height = min(409, 15 * lines)
            if sheet.height_of(row) != height:
                edits.heights[row] = height
    return edits


def _settings_named(book, title: str, at: list[int] | None) -> bool:
    """Whether each defined name the live formulas read a setting by (ReportDate,
    AmberWindow...: schema.SETTING_NAMES) points at the value cell of the row that
    setting goes into, ``at`` (see :func:`cip_xl.plan_write.record_rows`; None: from
    row 2), on Settings sheet ``title``. A row inserted in Excel moves the name with
    its setting; a setting new to the sheet, or one whose row was deleted, leaves its
    name to the full save."""
    written = dict(zip((key for key, _ in schema.SETTINGS_ROWS),
                       at or range(2, len(schema.SETTINGS_ROWS) + 2)))
    names = {found[1]: found[2] for found in _DEFINED_NAME.finditer(
        book.part("xl/workbook.xml"))}
    on_sheet = _on_sheet(title)
    for key, name in schema.SETTING_NAMES.items():
        cell = f"$B${written[key]}".encode()
        if names.get(name.encode()) not in (start + cell for start in on_sheet):
            return False
    return True


def _on_sheet(title: str) -> tuple[bytes, bytes]:
    """How the text of a defined name referring to sheet ``title`` starts, as the
    workbook's XML holds it: quoted (``'Plan'!``, as openpyxl writes it) or not
    (``Plan!``, as Excel writes a name that needs no quotes)."""
    from .xlsx_patch import escape

    plain = escape(title)
    return b"'" + plain.replace(b"'", b"''") + b"'!", plain + b"!"


#: a workbook-wide defined name: (name, what it refers to, as the XML holds it)
_DEFINED_NAME = re.compile(rb'<(?:\w+:)?definedName\b(?![^>]*\blocalSheetId=)[^>]*'
                           rb'\bname="([^"]*)"[^>]*>([^<]*)</')


def _audit_kept(plan: Plan, contract: Contract, book, ws) -> int:
    """How many of the plan's first audit entries are surely in the Audit sheet's rows
    2, 3... already: the entries read from these bytes under ``contract``
    (cip_xl.plan_read keeps that reading beside the sheets), still the same objects in
    the same places — an entry cannot be changed — when the sheet has no rows that
    reading skipped. 0 if unknown. The trail only grows, so this is most of it, and
    those rows need no comparing."""
    kept = book.remembered.get("plan")
    read = kept[2].audit if kept is not None and kept[1] == contract else ()
    count = len(read)
    if not count or ws.max_row != count + 1 or len(plan.audit) < count or \
            not all(map(is_, read, plan.audit)):
        return 0
    return count


def _append_unread(book, title: str, spec, rows: list[tuple], styles,
                   replaced: dict[str, bytes], columns: tuple[int, ...]) -> None:
    """Into ``replaced``: log sheet ``title`` (the Audit sheet of a plan read without
    it, its headings found in ``columns``) with ``rows`` written below its last row,
    the sheet neither parsed nor compared — on a plan some years old it holds tens of
    thousands of entries."""
    from .sheet_tables import grown_tables
    from .xlsx_patch import CellEdit, SheetEdits, SheetXml

    part = book.sheet_part(title)
    table = SheetXml(book.part(part))
    edits = SheetEdits()
    new_styles: dict[tuple, int] = {}
    padding = (None,) * len(spec.headers)
    last = table.last_row()
    filled = table.last_filled_row() if last else 0  # (blank rows formatted below it)
    for row, values in enumerate(rows, start=filled + 1):
        values = tuple(values) + padding[len(values):]
        if row <= last:  # a row the council formatted ahead: filled in, formats kept
            for column, value in zip(columns, values):
                wanted, number_format, quote = stored(value, "value")
                if wanted is not None:
                    edits.cells[(row, column)] = CellEdit(
                        wanted, formatted=(number_format, quote))
        else:
            _new_log_row(edits, row, values, styles, new_styles, columns)
    end = max(last, filled + len(rows))
    replaced[part] = table.apply(edits, styles)
    replaced.update(grown_tables(book, title, 1, end, min(columns), max(columns))[1])
    _grow_log_filter(book, replaced, title, end, columns)


def _table_edits(ws, sheet, rows, styles, key, columns: tuple[int, ...],
                 at: list[int] | None = None, clear: set[int] | None = None, kept: int = 0):
    """Edits making the log or list sheet ``ws`` hold ``rows`` from row 2, each value in
    its heading's column of ``columns``, and the rows below cleared — or, with ``at``
    and ``clear`` (see :func:`cip_xl.plan_write.record_rows`), each of ``rows`` in its
    row of ``at`` and the rows ``clear`` cleared. The first ``kept`` of ``rows`` are
    known to be in their rows already."""
    from .xlsx_patch import CellEdit, SheetEdits

    edits = SheetEdits()
    width = len(columns)
    special_rows = ws.special_rows()
    check = _RowCheck(list(columns), set())
    padding = (None,) * width
    new_styles: dict[tuple, int] = {}
    if at is None:
        at = range(2, len(rows) + 2)
        # rows further down holding nothing have nothing to clear
        clear = [number for number, _ in ws.numbered_rows(len(rows) + 2)]
    date_rows = {r for r, (setting, _) in zip(at, schema.SETTINGS_ROWS)
                 if setting in schema.DATE_SETTINGS} if key == "settings" else set()
    places = list(zip(at[kept:], rows[kept:])) + [(r, ()) for r in sorted(clear or ())]
    for r, values in places:
        values = tuple(values[:width]) + padding[len(values):]
        raw = ws.raw_row(r)
        special = special_rows.get(r)
        if not raw and not special and key != "settings" and not sheet.has_row(r):
            # nothing to compare with
            _new_log_row(edits, r, values, styles, new_styles, columns)
            continue
        for at in check.changed(values, raw, special):
            c = columns[at]
            value = values[at]
            unchanged, current = _compare(value, raw, c, special, False)
            if unchanged:
                continue
            wanted, number_format, quote = stored(value, "value")
            if r in date_rows and c == 2:
                number_format = "dd/mm/yyyy"
            if _same(current, wanted) and (r, c) not in ws.formulas and \
                    (r, c) not in ws.errors:
                continue
            style = None
            if wanted is not None:
                own = sheet.style_of(r, c)
                style = styles.with_format(int(own) if own else 0, number_format, quote)
            edits.cells[(r, c)] = CellEdit(wanted, style)
    return edits


def _new_log_row(edits, row: int, values: tuple, styles, new_styles: dict,
                 columns: tuple[int, ...]) -> None:
    """Edits writing ``values`` as a row the sheet does not have yet — a new audit
    entry, change request or return record — each in its column of ``columns``: what
    the cell-by-cell comparison would write there, without comparing. Blank values
    make no cell; a row of them, none."""
    cells = []
    for column, value in zip(columns, values):
        if value.__class__ is str and value and value.isprintable() and \
                value[0] not in "=+-@":  # most: plain text, stored as it is
            wanted, number_format, quote = value, None, False
        else:
            wanted, number_format, quote = stored(value, "value")
            if wanted is None:
                continue
        style = new_styles.get((number_format, quote))
        if style is None:
            style = new_styles[(number_format, quote)] = styles.with_format(
                0, number_format, quote)
        cells.append((column, wanted, style))
    if cells:
        if not _in_order(columns):  # moved by the council: cells go in column order
            cells.sort(key=itemgetter(0))
        edits.appended[row] = cells


@lru_cache(maxsize=32)
def _in_order(columns: tuple[int, ...]) -> bool:
    return list(columns) == sorted(columns)


_CUSTOM = re.compile(rb'<(?:\w+:)?property\b[^>]*\bname="([^"]*)"[^>]*>\s*'
                     rb"<(?:\w+:)?lpwstr\b[^>]*>([^<]*)</(?:\w+:)?lpwstr>")


_PROPERTY = re.compile(rb"<((?:\w+:)?)property\b[^>]*>.*?</\1property>", re.DOTALL)


def with_custom_property(xml: bytes, name: str, value: str) -> bytes:
    """The custom document properties ``xml`` (docProps/custom.xml) with text property
    ``name`` set to ``value``: given the new text where it is, else added after the
    others in the shape of one of them (prefixes as the file writes them) with the next
    ``pid``. Raises :class:`~cip_xl.xlsx_patch.PatchError` if no text property is
    there to take the shape of."""
    from .xlsx_patch import PatchError, escape

    text = escape(value)
    quoted = re.escape(escape(name))
    xml, found = re.subn(rb'(<(?:\w+:)?property\b[^>]*\bname="' + quoted +
                         rb'"[^>]*>\s*<(?:\w+:)?lpwstr\b[^>]*>)[^<]*(</)',
                         lambda m: m[1] + text + m[2], xml, count=1)
    if found:
        return xml
    shapes = [m for m in _PROPERTY.finditer(xml) if b"lpwstr" in m[0]]
    if not shapes:
        raise PatchError("the document's custom properties have no text property")
    pids = [int(pid) for pid in re.findall(rb'\bpid="(\d+)"', xml)] or [1]
    element = re.sub(rb'\bname="[^"]*"', lambda _: b'name="' + escape(name) + b'"',
                     shapes[0][0], count=1)
    element = re.sub(rb'\bpid="\d+"', lambda _: b'pid="%d"' % (max(pids) + 1), element,
                     count=1)
    element = re.sub(rb"(<(?:\w+:)?lpwstr\b[^>]*>)[^<]*(</)",
                     lambda m: m[1] + text + m[2], element, count=1)
    end = list(_PROPERTY.finditer(xml))[-1].end()
    return xml[:end] + element + xml[end:]


def custom_properties(xml: bytes) -> dict[str, str]:
    """Text custom document properties (docProps/custom.xml) by name."""
    from .fastbook import _unescape

    return {_unescape(name): _unescape(value) for name, value in _CUSTOM.findall(xml)}


def custom_properties_of(path) -> dict[str, str]:
    """:func:`custom_properties` of the workbook file at ``path``; empty when it has
    none or cannot be read."""
    try:
        with zipfile.ZipFile(path) as package:
            xml = package.read("docProps/custom.xml")
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError):
        return {}
    return custom_properties(xml)
