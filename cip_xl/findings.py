"""Findings: problems reported to people, never tracebacks.

A :class:`Finding` has a stable code, a severity, a place (file, sheet, cell) and a
sentence a non-programmer understands. :class:`PlanFileError` carries one finding for a
file that cannot be used at all (corrupt, foreign, password-protected...).
"""
from __future__ import annotations

import re

from dataclasses import asdict, dataclass
from pathlib import Path

ERROR, WARNING, INFO = "error", "warning", "info"
SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}
#: how many findings of one kind (cells typed over, say) are named one by one before
#: one finding stands for them all
NAMED_ONE_BY_ONE = 5


@dataclass(frozen=True)
class Finding:
    """One problem, with where it is and what to do about it.

    ``code`` is stable (tests and scripts may rely on it); ``cell`` is an A1
    reference such as ``G14`` or ``None`` when the finding is about a whole sheet or
    file; ``ref`` is the action's Ref when the finding is about one action.
    """

    code: str
    severity: str
    message: str
    file: str = ""
    sheet: str | None = None
    cell: str | None = None
    ref: str | None = None

    @property
    def where(self) -> str:
        """``file: Sheet!G14`` — the place as a person would type it."""
        place = Path(self.file).name if self.file else ""
        if self.sheet:
            sheet = f"'{self.sheet}'" if " " in self.sheet else self.sheet
            inner = f"{sheet}!{self.cell}" if self.cell else sheet
            place = f"{place}: {inner}" if place else inner
        return place

    def as_dict(self) -> dict:
        data = asdict(self)
        data["where"] = self.where
        return data

    def __str__(self) -> str:
        return f"{self.where}: {self.severity}: {self.message} [{self.code}]"


_COORDINATE = re.compile(r"([A-Z]{1,3})(\d+)")


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Errors first, then in sheet and cell order."""
    def key(f: Finding):
        found = _COORDINATE.fullmatch(f.cell.replace("$", "")) if f.cell else None
        col, row = (found[1], int(found[2])) if found else (f.cell or "", 0)
        return (SEVERITY_ORDER.get(f.severity, 9), f.sheet or "", row, len(col), col)
    return sorted(findings, key=key)


class PlanFileError(Exception):
    """A file cip-xl cannot use at all; ``finding`` says which and why."""

    def __init__(self, finding: Finding):
        super().__init__(str(finding))
        self.finding = finding
