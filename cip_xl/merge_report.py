"""The merge report: per return, what was applied, what was refused and why.

Written as Markdown (readable anywhere, pasteable into an email) or as an .xlsx workbook
with one row per change and per finding, chosen by the file's suffix.
"""
from __future__ import annotations

from pathlib import Path

from .cells import as_text
from .merging import MergeResult


def _cell(value: object) -> str:
    return as_text(value).replace("|", "\\|").replace("\n", " ")


def _findings_table(findings) -> list[str]:
    """Markdown lines: a table of ``findings`` (severity, where, finding), a blank after."""
    return ["| Severity | Where | Finding |", "|---|---|---|"] + \
        [f"| {f.severity} | {_cell(f.where)} | {_cell(f.message)} |" for f in findings] + [""]


def markdown(result: MergeResult) -> str:
    """The report as Markdown text."""
    lines = [f"# Merge report: {result.plan_path.name}", "",
             f"{'Dry run: nothing was written. ' if result.dry_run else ''}"
             f"{len(result.outcomes)} return(s) read; "
             f"{sum(o.edits for o in result.outcomes)} change(s) applied, "
             f"{sum(len(o.refusals) for o in result.outcomes)} refused, "
             f"{sum(len(o.requests) for o in result.outcomes)} change request(s).", ""]
    if result.backup:
        lines += [f"The previous master was kept as `{result.backup}`.", ""]
    if result.missing:
        lines += ["## Returns not yet received", ""] + \
            [f"- {department}" for department in result.missing] + [""]
    if result.master_findings:
        lines += [f"## {result.plan_path.name} itself", ""] + \
            _findings_table(result.master_findings)
    for outcome in result.outcomes:
        status = outcome.verdict
        lines += [f"## {outcome.file.name} ({outcome.department or 'unknown department'}): "
                  f"{status}", ""]
        if outcome.applied:
            lines += ["| Ref | Field | Was | Now | From |", "|---|---|---|---|---|"]
            lines += [f"| {_cell(c.ref)} | {_cell(c.field)} | {_cell(c.old)} | "
                      f"{_cell(c.new)} | {_cell(c.source)} |" for c in outcome.applied]
            lines.append("")
        if outcome.requests:
            lines += ["Change requests:", ""]
            lines += [f"- {r.request_id}: {r.kind} for {r.ref or 'a new action'}: "
                      f"{_cell(r.proposed)}" + (f" ({_cell(r.reason)})" if r.reason else "")
                      for r in outcome.requests]
            lines.append("")
        if outcome.findings:
            lines += _findings_table(outcome.findings)
        if not (outcome.applied or outcome.requests or outcome.findings):
            lines += ["Nothing new in this return.", ""]
    return "\n".join(lines)


#: the names a merge report may have: text (Markdown) or a workbook
REPORT_TYPES = (".md", ".txt", ".xlsx")


def write_report(result: MergeResult, path: str | Path) -> Path:
    """Write the report to ``path`` (.md or .txt: Markdown; .xlsx: a workbook)
    atomically; return the path. Another name is a :class:`PlanFileError`."""
    from .safe_save import atomic_save, atomic_write_bytes, refuse_other_type

    path = Path(path)
    refuse_other_type(path, REPORT_TYPES, "the merge report")
    if path.suffix.lower() == ".xlsx":
        atomic_save(_workbook(result), path)
    else:
        atomic_write_bytes(markdown(result).encode("utf-8"), path)
    return path


#: the .xlsx report's columns wrapped whole (Was, Now or finding)
_WRAPPED = (6, 7)
#: the .xlsx report's columns: heading and width
_COLUMNS = (("Return", 36), ("Department", 24), ("Kind", 20), ("Ref", 8),
            ("Field or severity", 20), ("Was", 30), ("Now or finding", 60), ("Where", 40))


def _report_rows(result: MergeResult):
    """The .xlsx report's rows, in the columns of :data:`_COLUMNS`: each change
    applied, change request and finding, return by return, then each return missing;
    what the save replaced in the master first."""
    for f in result.master_findings:
        yield (result.plan_path.name, "", f.code, f.ref, f.severity, None, f.message,
               f.where)
    for o in result.outcomes:
        for c in o.applied:  # the Last updated dates the merge set are not edits
            yield (o.file.name, o.department, "applied" if c.by_officer else "set by merge",
                   c.ref, c.field, c.old, c.new, c.source)
        for r in o.requests:
            yield (o.file.name, o.department, "request", r.ref, r.kind, None, r.proposed,
                   r.source)
        for f in o.findings:
            yield (o.file.name, o.department, f.code, f.ref, f.severity, None, f.message,
                   f.where)
    for department in result.missing:
        yield ("", department, "missing", "", "", "", "return not yet received", "")


def _workbook(result: MergeResult):
    """The report as an openpyxl workbook: one sheet, a row per change applied, change
    request, finding and missing return (:func:`_report_rows`), under headings marked
    as an Excel Table's header row; each row read from its top line, the long texts
    (Was, Now or finding) wrapped whole; printed landscape, a page wide."""
    from copy import copy

    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.table import Table, TableStyleInfo

    from .plan_write import describe_workbook, print_across, set_value, wrapped_lines

    wb = Workbook()
    describe_workbook(wb.properties, f"Merge report: {result.plan_path.name}")
    ws = wb.active
    ws.title = "Merge report"
    for c, (header, width) in enumerate(_COLUMNS, start=1):
        ws.cell(1, c, header).font = Font(bold=True)
        ws.column_dimensions[ws.cell(1, c).column_letter].width = width
    top, wrapped = Alignment(vertical="top"), Alignment(vertical="top", wrap_text=True)
    styles: dict[tuple, object] = {}  # a cell style made once, copied to each like it
    last = 1
    for last, row in enumerate(_report_rows(result), start=2):
        lines = 1
        for c, value in enumerate(row, start=1):
            cell = ws.cell(last, c)
            set_value(cell, value, "value")
            wrap = c in _WRAPPED and bool(value)
            if wrap:
                lines = max(lines, wrapped_lines(as_text(value), _COLUMNS[c - 1][1]))
            shape = (cell.number_format, cell.quotePrefix, wrap)
            if shape in styles:
                cell._style = copy(styles[shape])
            else:
                cell.alignment = wrapped if wrap else top
                styles[shape] = copy(cell._style)
        if lines > 1:  # neither Excel nor LibreOffice grows a row written without a height
            ws.row_dimensions[last].height = min(409, 15 * lines)  # Excel's limit
    ws.freeze_panes = "A2"
    print_across(ws)  # (as many pages down as it takes, not squeezed onto one)
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.print_title_rows = "1:1"  # the headings on every printed page
    # an Excel Table marks row 1 as the headings (screen readers announce them with
    # each cell) and gives each column its filter button
    table = Table(displayName="MergeReport", ref=f"A1:H{max(2, last)}")
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
    ws.add_table(table)
    return wb
