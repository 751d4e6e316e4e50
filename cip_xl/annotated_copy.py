"""Write findings into a copy of a workbook: a Findings sheet, highlighted cells, notes.

The original is never touched: :func:`annotate_copy` writes a new file (by default
``PLAN.checked.xlsx``) so that a manager can click through the problems in Excel.
"""
from __future__ import annotations

from pathlib import Path

from .findings import ERROR, WARNING, Finding, PlanFileError

#: the sheet cip-xl writes findings on (here, and in the Excel add-in)
FINDINGS_SHEET = "Findings"
#: the one it writes instead beside a workbook's own sheet called Findings
FINDINGS_SHEET_BESIDE = "cip-xl findings"
#: the headings of the add-in's Findings sheet, in its second row (below a title)
ADDIN_FINDINGS_HEADINGS = ["Severity", "Where", "Finding", "Code"]
HIGHLIGHT = {ERROR: "F4A582", WARNING: "FFE08A"}


def default_annotated_path(path: str | Path) -> Path:
    path = Path(path)
    return path.with_name(f"{path.stem}.checked{path.suffix}")


def annotate_copy(path: str | Path, findings: list[Finding],
                  output: str | Path | None = None) -> Path:
    """Copy ``path`` to ``output`` with the findings written in; return ``output``."""
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.hyperlink import Hyperlink

    from .filecheck import open_workbook
    from .plan_write import set_text
    from .kept_parts import save_keeping_parts
    from .safe_save import refuse_other_type, refuse_to_write_over

    output = Path(output) if output else default_annotated_path(path)
    refuse_other_type(output, (Path(path).suffix.lower(),), "the checked copy",
                      default_annotated_path(path).name)
    refuse_to_write_over(output, [(path, "the plan itself")],
                         "the checked copy, with its Findings sheet and highlights,",
                         default_annotated_path(path).name)
    _refuse_if_edited(output)
    wb = open_workbook(path, rich_text=True)  # a copy: formatted words stay formatted
    headers = ("Severity", "Code", "Where", "Ref", "Finding")
    name = FINDINGS_SHEET
    if name in wb.sheetnames:
        rows = [[c.value for c in row] for row in wb[name].iter_rows(max_row=2, max_col=5)]
        # one cip-xl wrote (this copy's, or the add-in's: headings in row 2) goes; a
        # council's own Findings sheet stays, and these findings go beside it
        if (rows[:1] and tuple(rows[0]) == headers) or (
                len(rows) > 1 and rows[1][:4] == ADDIN_FINDINGS_HEADINGS):
            del wb[name]
        else:
            name = FINDINGS_SHEET_BESIDE
            if name in wb.sheetnames:
                del wb[name]
    ws = wb.create_sheet(name, 0)
    for column, header in enumerate(headers, start=1):
        ws.cell(1, column, header).font = Font(bold=True)
    for column, width in zip("ABCDE", (10, 22, 24, 8, 100)):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A2"
    notes: dict[tuple[str, str], list[str]] = {}
    for row, finding in enumerate(findings, start=2):
        where = f"{finding.sheet}!{finding.cell}" if finding.sheet and finding.cell else \
            (finding.sheet or "")
        # as text: a message quotes what was typed (control characters, a leading "=")
        for column, text in enumerate((finding.severity, finding.code, where,
                                       finding.ref, finding.message), start=1):
            set_text(ws.cell(row, column), text)
        place = ws.cell(row, 3)
        if finding.sheet in wb.sheetnames and finding.cell:
            place.hyperlink = Hyperlink(ref=place.coordinate,
                                        location=f"'{finding.sheet}'!{finding.cell}")
            place.font = Font(color="0563C1", underline="single")
            notes.setdefault((finding.sheet, finding.cell), []).append(
                f"{finding.severity}: {finding.message}")
            colour = HIGHLIGHT.get(finding.severity)
            if colour:
                target = wb[finding.sheet][finding.cell]
                if finding.severity == ERROR or target.fill.fgColor.rgb != \
                        "00" + HIGHLIGHT[ERROR]:
                    target.fill = PatternFill("solid", fgColor=colour)
    ws.auto_filter.ref = f"A1:E{max(2, len(findings) + 1)}"
    for (sheet, cell), lines in notes.items():
        comment = Comment("\n".join(lines), "cip-xl")
        comment.width, comment.height = 320, 40 + 30 * len(lines)
        wb[sheet][cell].comment = comment
    wb.active = 0
    save_keeping_parts(wb, output, Path(path).read_bytes())  # a sensitivity label
    _record_written(output)
    return output


def _written_record(output: Path) -> Path:
    """Where the checksum of the checked copy ``output`` as cip-xl wrote it is kept."""
    from .safe_save import BACKUP_FOLDER

    return output.parent / BACKUP_FOLDER / f".{output.name}.written"


def _record_written(output: Path) -> None:
    from contextlib import suppress

    from .file_stamp import digest_of

    record = _written_record(output)
    with suppress(OSError):  # no record: the next run refuses to write over the copy
        record.parent.mkdir(exist_ok=True)
        record.write_text(digest_of(output.read_bytes()).hex(), encoding="ascii")


def _refuse_if_edited(output: Path) -> None:
    """Refuse to write over a file at ``output`` that is not the checked copy as cip-xl
    last wrote it: one typed into since (a manager making the fixes in the copy, which
    looks like the plan, rather than in the plan) or a file cip-xl did not write."""
    from .file_stamp import digest_of

    if not output.exists():
        return
    try:
        if _written_record(output).read_text(encoding="ascii").strip() == \
                digest_of(output.read_bytes()).hex():
            return
        why = "has been changed since cip-xl wrote it"
    except FileNotFoundError:
        why = "was not written by this cip-xl (or has no record of it)"
    except OSError as exc:
        why = f"cannot be read ({exc.strerror or exc})"
    raise PlanFileError(Finding(
        "checked-copy-edited", ERROR,
        f"{output.name} {why}, so it is not written over: what was typed into it would be "
        "lost. Make fixes in the plan itself; move or rename that file (or give another "
        "--output) and run again. Nothing was written.", file=str(output)))
