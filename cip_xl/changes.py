"""What changed between two quarters: status moves, date slips, new, completed,
cancelled and removed actions, and the direction of travel per theme.

:func:`compare` takes the plan as it was (usually a backup kept by cip-xl) and as it is
now, judges each as of its own reporting date with :mod:`cip_xl.status`, and matches
actions by their stable Action ID, so renumbering does not confuse it.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from .dates import describe
from .model import Plan
from .schema import Contract
from .status import refresh

#: how good each verdict is, for the direction of travel (Cancelled does not count)
SCORE = {"Complete": 3, "On track": 2, "Not due": 2, "No update": 1, "At risk": 1,
         "Overdue": 0}


@dataclass
class Change:
    """One change to one action between the two quarters."""

    ref: str
    theme: str
    kind: str  # "status", "date slip", "new", "completed", "cancelled", "removed"
    before: str
    after: str
    key_action: str = ""
    action_id: str = ""
    #: who made it, as the Audit sheet says ("Place return (...)", "Edited in the
    #: master (last saved by ...)"), or "" — a verdict that moved because time did, say
    by: str = ""

    @property
    def sentence(self) -> str:
        what = f"Ref {self.ref} ({self.key_action[:60]})"
        if self.kind == "status":
            return f"{what} moved from {self.before} to {self.after}."
        if self.kind == "date slip":
            return f"{what}: due date moved from {self.before} to {self.after}."
        if self.kind == "new":
            return f"{what} is new this quarter ({self.after})."
        if self.kind == "removed":
            return f"{what} was removed from the plan."
        return f"{what} was {self.kind} ({self.after})."


@dataclass
class ThemeTravel:
    theme: str
    before: float | None
    after: float | None

    @property
    def direction(self) -> str:
        if self.before is None or self.after is None:
            return "→ New" if self.before is None else "→ Removed"
        if self.after > self.before + 0.05:
            return "↑ Improving"
        if self.after < self.before - 0.05:
            return "↓ Worse"
        return "→ No change"


@dataclass
class ChangeReport:
    before_date: date | None
    after_date: date | None
    changes: list[Change] = field(default_factory=list)
    themes: list[ThemeTravel] = field(default_factory=list)

    def lines(self) -> list[str]:
        """Sentences for the Word report's 'changes' section."""
        travel = [f"{t.theme}: {t.direction}" for t in self.themes]
        return [c.sentence for c in self.changes] + travel


def _mean(values: list[int]) -> float | None:
    return sum(values) / len(values) if values else None


#: the fields whose Audit entries say who made each kind of change
_MADE_BY = {"status": ("Status", "% complete"), "completed": ("Status", "% complete"),
            "cancelled": ("Status",), "date slip": ("Target date", "Revised date"),
            "new": ("New action",), "removed": ("Action removed",)}


def compare(before: Plan, after: Plan) -> ChangeReport:
    """The changes from ``before`` to ``after`` (each judged as of its reporting date).
    Where the plans hold their audit trails, each change says who made it, from the
    entries ``after`` has and ``before`` has not."""
    old = refresh(before, before.settings.reporting_date)
    new = refresh(after, after.settings.reporting_date)
    report = ChangeReport(before.settings.reporting_date, after.settings.reporting_date)
    earlier = {a.action_id: a for a in before.actions}
    for action in after.actions:
        judgement = new[action.action_id]
        previous = earlier.get(action.action_id)
        if previous is None:
            report.changes.append(Change(action.ref, action.theme, "new", "",
                                         judgement.label, action.key_action,
                                         action.action_id))
            continue
        was = old[previous.action_id]
        if was.verdict.word != judgement.verdict.word:
            kind = {"Complete": "completed", "Cancelled": "cancelled"}.get(
                judgement.verdict.word, "status")
            report.changes.append(Change(action.ref, action.theme, kind, was.label,
                                         judgement.label, action.key_action,
                                         action.action_id))
        due_before = previous.due_date
        due_after = action.due_date
        if due_before and due_after and due_after > due_before and \
                judgement.verdict.word not in ("Complete", "Cancelled"):
            report.changes.append(Change(action.ref, action.theme, "date slip",
                                         describe(due_before), describe(due_after),
                                         action.key_action, action.action_id))
    current = {a.action_id for a in after.actions}
    for action in before.actions:
        if action.action_id not in current:
            report.changes.append(Change(action.ref, action.theme, "removed",
                                         old[action.action_id].label, "", action.key_action,
                                         action.action_id))
    _made_by(report.changes, before, after)

    def scores(plan: Plan, judgements) -> dict[str, float | None]:
        grouped: dict[str, list[int]] = {}
        for action in plan.actions:
            word = judgements[action.action_id].verdict.word
            if word in SCORE:
                grouped.setdefault(action.theme, []).append(SCORE[word])
        return {theme: _mean(values) for theme, values in grouped.items()}

    then, now = scores(before, old), scores(after, new)
    for theme in after.theme_names() + [t for t in before.theme_names()
                                        if t not in after.theme_names()]:
        if theme in then or theme in now:
            report.themes.append(ThemeTravel(theme, then.get(theme), now.get(theme)))
    return report


def _made_by(changes: list[Change], before: Plan, after: Plan) -> None:
    """Fill in each change's ``by`` from the Audit entries ``after`` has and ``before``
    has not (those made in between) for its action and the fields that make its kind
    of change. An entry that put a field back to what it was at the start (a merge
    undone by a restore, a date retyped and typed back) leaves out those before it:
    they came to nothing."""
    from .returns import comparable

    earlier = set(before.audit)
    makers: dict[tuple[str, str], list[str]] = {}
    start: dict[tuple[str, str], object] = {}
    for entry in after.audit:
        if entry not in earlier:
            key = (entry.action_id, entry.field)
            was = start.setdefault(key, comparable(entry.old))
            who = makers.setdefault(key, [])
            if comparable(entry.new) == was:
                who.clear()  # back where it started
            elif entry.who not in who:
                who.append(entry.who)
    for change in changes:
        who = [name for field_ in _MADE_BY.get(change.kind, ())
               for name in makers.get((change.action_id, field_), ())]
        change.by = "; ".join(dict.fromkeys(who))


def backups_to_compare(plan_path: Path,
                       contract: Contract | None = None) -> list[tuple[datetime, Path]]:
    """(when it was made, file) of each backup of the plan at ``plan_path``, newest
    first: with ``contract``, those made under a name it had before too
    (:mod:`cip_xl.plan_history`)."""
    from .safe_save import backups_of

    if contract is None:
        return backups_of(plan_path)
    from .plan_history import every_backup
    from .plan_read import read_plan_id

    return every_backup(plan_path, read_plan_id(plan_path, contract), contract)


#: words for the end of the quarter before the one the plan reports on
_LAST_QUARTER = re.compile(r"(?:the\s+)?(?:end\s+of\s+)?(?:the\s+)?(?:last|previous|prior)"
                           r"\s+quarter(?:\s+end|'s\s+end)?", re.IGNORECASE)


def _relative_day(words: str, plan_path: Path, contract: Contract | None) -> date | None:
    """The day ``words`` means when typed at a prompt: "today", "yesterday", or "last
    quarter" — the end of the quarter before the one holding the plan's reporting date
    (Settings; today where it has none): what `changes` compares a quarter with."""
    text = " ".join(words.split()).lower()
    if text in ("today", "now"):
        return date.today()
    if text == "yesterday":
        return date.today() - timedelta(days=1)
    if not _LAST_QUARTER.fullmatch(text):
        return None
    from .plan_read import read_settings
    from .schema import DEFAULT_CONTRACT

    settings = read_settings(plan_path, contract or DEFAULT_CONTRACT)
    reported = settings.reporting_date if settings is not None else None
    if not isinstance(reported, date):  # none, or kept as typed (unreadable)
        reported = date.today()
    first_month = (reported.month - 1) // 3 * 3 + 1  # of the quarter holding it
    return date(reported.year, first_month, 1) - timedelta(days=1)


def backup_for(plan_path: Path, since: str, option: str = "--since",
               contract: Contract | None = None) -> Path:
    """The earlier plan to compare with: a file path, or the newest backup of
    ``plan_path`` made on or before the date ``since`` (dd/mm/yyyy, yyyy-mm-dd, a day,
    month or quarter in words — "30 June 2026", "June 2026", "Q1 2026/27": its last
    day — or "today", "yesterday", "last quarter": :func:`_relative_day`); with
    ``contract``, made under a name the plan had before too
    (:func:`backups_to_compare`). ``option`` is what messages call ``since``."""
    from .findings import ERROR, Finding, PlanFileError
    from .safe_save import BACKUP_FOLDER

    candidate = Path(since)
    if candidate.suffix.lower() in (".xlsx", ".xlsm"):
        return candidate
    day = None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            day = datetime.strptime(since, fmt).date()
            break
        except ValueError:
            continue
    if day is None:  # "30 June 2026", "June 2026", "Q1 2026/27": the day it ends
        from .dates import parse_due

        read = parse_due(since)
        if read.kind in ("date", "month", "period") and read.due is not None:
            day = read.due
    if day is None:
        day = _relative_day(since, plan_path, contract)
    if day is None:
        from .dates import day_first_hint

        hint = day_first_hint(since)
        raise PlanFileError(Finding("since-invalid", ERROR,
                                    f"{option} '{since}' is neither a backup file nor a date "
                                    "such as 30/06/2026, 'June 2026', 'Q1 2026/27' or 'last "
                                    "quarter'" + (f": {hint}" if hint else "."),
                                    file=str(plan_path)))
    folder = plan_path.parent / BACKUP_FOLDER
    every = backups_to_compare(plan_path, contract)
    stamped = [(made, path) for made, path in every if made.date() <= day]
    if not stamped:
        from .plan_history import why_no_backups

        oldest = (f" The oldest there is from {every[-1][0]:%d/%m/%Y}." if every else
                  " " + why_no_backups(plan_path, "There are none there yet: cip-xl makes "
                                       "one each time it saves the plan."))
        raise PlanFileError(Finding(
            "since-no-backup", ERROR,
            f"There is no backup of {plan_path.name} from on or before {day:%d/%m/%Y} in "
            f"{folder}.{oldest} Give a later date, or the file of an earlier copy of the "
            f"plan ({option} FILE), such as the one sent to committee.",
            file=str(plan_path)))
    return stamped[0][1]  # the newest


def write_sheet(report: ChangeReport, path: Path) -> Path:
    """Write the changes to an .xlsx workbook (a Changes sheet and a Themes sheet)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    from .plan_write import describe_workbook
    from .safe_save import atomic_save, refuse_other_type

    refuse_other_type(path, (".xlsx",), "the changes workbook")
    wb = Workbook()
    ws = wb.active
    ws.title = "Changes"
    headers = ("Ref", "Theme", "Key action", "Change", "Before", "After", "By")
    ws.append(headers)
    for change in report.changes:
        ws.append((change.ref, change.theme, change.key_action, change.kind, change.before,
                   change.after, change.by))
    themes = wb.create_sheet("Direction of travel")
    themes.append(("Theme", "Score before", "Score now", "Direction"))
    for travel in report.themes:
        themes.append((travel.theme,
                       round(travel.before, 2) if travel.before is not None else None,
                       round(travel.after, 2) if travel.after is not None else None,
                       travel.direction))
    for sheet, name in ((ws, "ChangeList"), (themes, "DirectionOfTravel")):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        sheet.freeze_panes = "A2"
        sheet.print_title_rows = "1:1"  # the headings on every printed page
        # an Excel Table marks row 1 as the headings (screen readers announce them
        # with each cell) and gives each column its filter button
        table = Table(displayName=name, ref=f"A1:{get_column_letter(sheet.max_column)}"
                                            f"{max(2, sheet.max_row)}")
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=True)
        sheet.add_table(table)
    for letter, width in zip("ABCDEFG", (8, 28, 50, 12, 22, 22, 40)):
        ws.column_dimensions[letter].width = width
    themes.column_dimensions["A"].width = 32
    themes.column_dimensions["D"].width = 16
    span = " to ".join(f"{day:%d/%m/%Y}" for day in (report.before_date, report.after_date)
                       if day is not None)
    describe_workbook(wb.properties, f"Changes to the plan{', ' + span if span else ''}")
    atomic_save(wb, path)
    return path
