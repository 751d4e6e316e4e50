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


def markdown(result: MergeResult) -> str:
    """The report as Markdown text."""
    lines = [f"# Merge report: {result.plan_path.name}", "",
             f"{'Dry run: nothing was written. ' if result.dry_run else ''}"
             f"{len(result.outcomes)} return(s) read; "
             f"{sum(len(o.applied) for o in result.outcomes)} change(s) applied, "
             f"{sum(len(o.refusals) for o in result.outcomes)} refused, "
             f"{sum(len(o.requests) for o in result.outcomes)} change request(s).", ""]
    if result.backup:
        lines += [f"The previous master was kept as `{result.backup}`.", ""]
    if result.missing:
        lines += ["## Returns not yet received", ""] + \
            [f"- {department}" for department in result.missing] + [""]
    for outcome in result.outcomes:
        status = "refused" if outcome.refused else "merged"
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
            lines += ["| Severity | Where | Finding |", "|---|---|---|"]
            lines += [f"| {f.severity} | {_cell(f.where)} | {_cell(f.message)} |"
                      for f in outcome.findings]
            lines.append("")
        if not (outcome.applied or outcome.requests or outcome.findings):
            lines += ["Nothing new in this return.", ""]
    return "\n".join(lines)


def write_report(result: MergeResult, path: str | Path) -> Path:
    """Write the report to ``path`` (.md or .xlsx) atomically; return the path."""
    from .safe_save import atomic_save, atomic_write_bytes

    path = Path(path)
    if path.suffix.lower() == ".xlsx":
        from openpyxl import Workbook
        from openpyxl.styles import Font

        from .plan_write import set_value

        wb = Workbook()
        ws = wb.active
        ws.title = "Merge report"
        headers = ("Return", "Department", "Kind", "Ref", "Field or severity", "Was",
                   "Now or finding", "Where")
        for c, header in enumerate(headers, start=1):
            ws.cell(1, c, header).font = Font(bold=True)
        rows = []
        for o in result.outcomes:
            rows += [(o.file.name, o.department, "applied", c.ref, c.field, c.old, c.new,
                      c.source) for c in o.applied]
            rows += [(o.file.name, o.department, "request", r.ref, r.kind, None, r.proposed,
                      r.source) for r in o.requests]
            rows += [(o.file.name, o.department, f.code, f.ref, f.severity, None, f.message,
                      f.where) for f in o.findings]
        rows += [("", d, "missing", "", "", "", "return not yet received", "")
                 for d in result.missing]
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                set_value(ws.cell(r, c), value, "value")
        for letter, width in zip("ABCDEFGH", (36, 24, 20, 8, 18, 30, 60, 40)):
            ws.column_dimensions[letter].width = width
        ws.freeze_panes = "A2"
        ws.auto_filter.ref = f"A1:H{max(2, len(rows) + 1)}"
        atomic_save(wb, path)
    else:
        atomic_write_bytes(markdown(result).encode("utf-8"), path)
    return path
