"""Last year's plan, kept with cip-xl, brought in as the start of a new one.

A plan cip-xl kept is read as a plan, not as a table to guess at: read as a council's
own spreadsheet, its Settings sheet's headings became the council's name ("Setting
Value Council") and its Summary's heading the plan's title. :func:`carry_forward`
keeps each action (Action ID, Ref, words, dates, status and progress as they were),
the officers, the themes and the council's settings, and starts the plan's own
record afresh: a new Plan ID — so that last year's returns are refused by the new
plan, not merged into it — revision 1, and no audit trail, returns, change requests
or reviews. The reporting date and plan start are left for the new year to set.
Change requests still undecided are named (they are not carried); ``open_only``
leaves out the actions marked Complete or Cancelled.
"""
from __future__ import annotations

import copy
import zipfile
from pathlib import Path

from ..findings import INFO, NAMED_ONE_BY_ONE, WARNING, Finding, PlanFileError
from ..model import Plan, Settings
from ..schema import Contract
from .tables import ImportResult

#: the officer's statuses an action is not carried forward with under ``open_only``
_DONE = ("complete", "cancelled")


def kept_by_cip_xl(path: str | Path) -> bool:
    """Whether the workbook at ``path`` is a plan cip-xl saved (its layout stamp is in
    the file's custom properties); False for anything else, readable or not."""
    from ..plan_write import LAYOUT_PROPERTY

    try:
        with zipfile.ZipFile(path) as package:
            return LAYOUT_PROPERTY.encode() in package.read("docProps/custom.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def carry_forward(path: str | Path, contract: Contract,
                  open_only: bool = False) -> ImportResult:
    """The plan cip-xl kept at ``path`` as the start of a new plan (see the module's
    doc), with findings saying what was carried and what was not. Raises
    :class:`PlanFileError` if it cannot be read as a plan."""
    from ..plan_read import read_plan

    path = Path(path)
    reading = read_plan(path, contract, read_only=True)
    if not reading.plan.actions and any(f.severity == "error" for f in reading.findings):
        first = next(f for f in reading.findings if f.severity == "error")
        raise PlanFileError(first)
    old = reading.plan
    file = str(path)
    findings = [Finding(
        "import-from-cip-plan", INFO,
        f"{path.name} is a plan cip-xl kept: its actions, officers, themes and settings "
        f"were carried forward as they were, under a new Plan ID (returns issued from "
        f"{path.name} are refused by the new plan). Its Audit trail, Returns, Change "
        "requests and Record of Review stay with it.", file)]
    own = _own_sheets(path, contract)
    if own:
        findings.append(Finding(
            "import-own-sheets", INFO,
            f"{path.name} has {'sheets' if len(own) > 1 else 'a sheet'} of your own ("
            + ", ".join(f"'{title}'" for title in own) + "), not carried: to bring one "
            "across with its charts and formats, open both workbooks in Excel, right-click "
            "its tab > Move or Copy..., pick the new plan under 'To book' and tick 'Create "
            "a copy'.", file))
    done = [a for a in old.actions if str(a.status).strip().lower() in _DONE]
    actions = [a for a in old.actions if not open_only or a not in done]
    if done:
        refs = ", ".join(a.ref or "(no Ref)" for a in done[:NAMED_ONE_BY_ONE]) + (
            f" and {len(done) - NAMED_ONE_BY_ONE} more" if len(done) > NAMED_ONE_BY_ONE
            else "")
        findings.append(Finding(
            "import-done-left-out" if open_only else "import-done-carried", INFO,
            (f"{len(done)} action(s) marked Complete or Cancelled were left out: {refs}."
             if open_only else
             f"{len(done)} action(s) are marked Complete or Cancelled ({refs}): they were "
             "carried forward; import with --open-only to leave them out."), file))
    undecided = [r for r in old.change_requests if not str(r.decision or "").strip()]
    if undecided:
        asked = "; ".join(f"{r.request_id} ({r.kind}, Ref {r.ref or 'new'})"
                          for r in undecided[:NAMED_ONE_BY_ONE])
        more = f" and {len(undecided) - NAMED_ONE_BY_ONE} more" \
            if len(undecided) > NAMED_ONE_BY_ONE else ""
        findings.append(Finding(
            "import-requests-undecided", WARNING,
            f"{len(undecided)} change request(s) in {path.name} were never decided and are "
            f"not carried: {asked}{more}. Decide them there, or put what they ask into "
            "the new plan by hand.", file, contract.sheet("change_requests")))
    settings = _new_settings(old.settings)
    findings.append(Finding(
        "import-settings-new-year", INFO,
        f"The reporting date and plan start were left blank for the new year, and the "
        f"title kept as '{settings.plan_title}': change it on the Settings sheet if it "
        "names last year.", file, contract.sheet("settings")))
    plan = Plan(actions=[_carried(a) for a in actions],
                officers=copy.deepcopy(old.officers), themes=copy.deepcopy(old.themes),
                settings=settings, extra_columns=list(old.extra_columns))
    return ImportResult(plan, findings)


def _own_sheets(path: Path, contract: Contract) -> list[str]:
    """The sheets of the workbook at ``path`` that cip-xl does not lay out (a council's
    own: "Our KPIs", "Glossary"), in the order of their tabs."""
    from python_calamine import CalamineWorkbook

    from ..status_sheet import SUMMARY_SHEET

    owned = {name.strip().lower() for name in
             [contract.sheet(key) for key in contract.sheet_names] +
             [contract.plan_sheet, contract.sheet("lists"), SUMMARY_SHEET]}
    try:
        titles = CalamineWorkbook.from_path(str(path)).sheet_names
    except Exception:  # read as a plan a moment ago: this cannot fail but to say less
        return []
    return [title for title in titles if title.strip().lower() not in owned]


def _new_settings(old: Settings) -> Settings:
    """The settings of the new plan: the council's, a new Plan ID, revision 1, and no
    reporting date or plan start."""
    settings = copy.deepcopy(old)
    settings.plan_id = Settings().plan_id
    settings.revision = 1
    settings.reporting_date = None
    settings.plan_start = None
    settings.meeting_date = None
    for key in ("reporting_date", "plan_start", "meeting_date", "plan_id", "revision"):
        settings.as_typed.pop(key, None)
    return settings


def _carried(action):
    """A copy of ``action`` for the new plan: no row, nothing worked out."""
    carried = copy.deepcopy(action)
    carried.row = None
    carried.rag = ""
    carried.due_date = None
    return carried
