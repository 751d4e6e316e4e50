"""Acting as an officer on a return, the way Excel would save it."""
from __future__ import annotations

import re
import zipfile
from datetime import datetime, timezone
from pathlib import Path

import openpyxl

from cip_xl.returns import RETURN_SHEET


def headers(ws) -> dict[str, int]:
    return {str(c.value).rstrip(" ✎"): c.column for c in ws[1] if c.value}


def open_return(path: Path):
    """The return at ``path`` opened with openpyxl, and a function giving the cell of
    its Return sheet at (Ref, column header)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[RETURN_SHEET]
    columns = headers(ws)
    rows = {ws.cell(r, columns["Ref"]).value: r for r in range(2, ws.max_row + 1)}
    return wb, lambda ref, header: ws.cell(rows[ref], columns[header])


def edit_return(path: Path, edits: dict[tuple[str, str], object]) -> None:
    """Set cells of the Return sheet by (Ref, column header) and save, as an officer."""
    wb, cell = open_return(path)
    for (ref, header), value in edits.items():
        cell(ref, header).value = value
    wb.save(path)


def return_for(folder: Path, department: str) -> Path:
    matches = [p for p in folder.glob("*.xlsx") if department.replace(" ", "_") in p.name]
    assert len(matches) == 1, (department, list(folder.glob("*.xlsx")))
    return matches[0]


def set_saved_time(path: Path, local: datetime | None) -> None:
    """Make ``path`` say it was last saved at the local time ``local`` (None: say
    nothing), as Excel writes it in the core properties: UTC, to the second."""
    with zipfile.ZipFile(path) as archive:
        parts = {item.filename: archive.read(item.filename) for item in archive.infolist()}
    core = parts["docProps/core.xml"].decode("utf-8")
    stamp = "" if local is None else \
        local.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    core, count = re.subn(r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                          lambda m: m.group(1) + stamp + m.group(2) if stamp else "", core)
    assert count == 1, core
    parts["docProps/core.xml"] = core.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
