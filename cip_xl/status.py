"""The traffic-light verdict for each action as of a date: one rule, one place.

:func:`judge` gives an action its verdict (a :class:`~cip_xl.schema.Verdict`: word,
symbol, colour) and a reason a committee can read. Reports, reminders and the workbook's
RAG column all use it. The order of precedence (DESIGN.md):

1. **Cancelled** — the officer's status is Cancelled.
2. **Complete** — the status is Complete (late completion is said in the reason).
3. **Not due** — the action is Deferred: paused, so never overdue and never chased.
4. **Overdue** — the next due date (the approved revised date if there is one, else the
   target; with milestones, the next one not yet passed) is before the reporting date and
   the action is neither complete nor Ongoing.
5. **At risk** — the officer says At risk or Slipped; or it is due within the amber
   window and less than ``amber_percent`` complete; or the progress rule finds it behind:
   % complete below ``progress_threshold`` per cent of the share of time elapsed
   between the plan start and the due date (for actions under way: not for those not
   yet started, which turn amber through the window instead).
6. **No update** — the last update is blank or older than ``no_update_days`` before the
   reporting date, and the action has started (its status is neither blank nor Not
   started).
7. **On track** — the status is On track or Ongoing, or some progress is recorded.
8. **Not due** — everything else: not started and not yet due.

The same rule is written as an Excel formula by :mod:`cip_xl.status_sheet`, so the RAG
column stays right while people edit; a test recalculates it in LibreOffice and compares
it with this module cell by cell.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from .dates import DueDate, describe, parse_due
from .model import Action, Plan, Settings
from .schema import VERDICTS_BY_WORD, Verdict, normalise_status


@dataclass(frozen=True)
class Judgement:
    """An action's verdict as of a date, with the reason and the date it turned on."""

    verdict: Verdict
    reason: str
    due: date | None

    @property
    def label(self) -> str:
        return self.verdict.label


def financial_year_start(day: date) -> date:
    """1 April of the UK financial year that ``day`` falls in."""
    return date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def due_dates(action: Action, as_of: date) -> tuple[DueDate, DueDate, DueDate]:
    """(target, revised, the one in force): the revised date wins when it is readable."""
    target = parse_due(action.target_date, as_of)
    revised = parse_due(action.revised_date, as_of)
    in_force = revised if revised.due else target
    return target, revised, in_force


def _percent(action: Action) -> float | None:
    value = action.percent_complete
    return float(value) if isinstance(value, (int, float)) else None


def judge(action: Action, settings: Settings, as_of: date | None = None) -> Judgement:
    """The verdict for ``action`` as of ``as_of`` (default: the plan's reporting date,
    else today), under the thresholds in ``settings``."""
    as_of = as_of or settings.reporting_date or date.today()
    status = normalise_status(action.status) or ""
    target, revised, in_force = due_dates(action, as_of)
    due = in_force.next_milestone(as_of) if in_force.due else None
    pct = _percent(action)
    pct_text = f", {pct:g}% complete" if pct is not None else ""
    due_text = _due_phrase(due, target, revised, in_force)

    def verdict(word: str, reason: str) -> Judgement:
        return Judgement(VERDICTS_BY_WORD[word], reason, due)

    if status == "Cancelled":
        return verdict("Cancelled", "cancelled")
    if status == "Complete":
        finished = _day_of(action.last_updated)
        if finished and in_force.due and finished > in_force.due:
            return verdict("Complete", f"completed {describe(finished)}, "
                           f"{_days(finished - in_force.due)} after it was due "
                           f"({describe(in_force.due)})")
        return verdict("Complete", "completed" + (f" {describe(finished)}" if finished else ""))
    if status == "Deferred":
        return verdict("Not due", "deferred by the lead officer")
    if due is not None and due < as_of and status != "Ongoing":
        done = f" ({pct:g}% done)" if pct is not None else ""
        return verdict("Overdue", f"{due_text}, {_days(as_of - due)} past, not "
                       f"complete{done}")
    if status in ("At risk", "Slipped"):
        return verdict("At risk", f"the lead officer reports it {status.lower()}"
                       f"{'; ' + due_text if due else ''}{pct_text}")
    if due is not None and status != "Ongoing":
        days_left = (due - as_of).days
        if days_left <= settings.amber_window_days and (pct or 0) < settings.amber_percent:
            when = "today" if days_left == 0 else f"in {_days(due - as_of)}"
            return verdict("At risk", f"{due_text}, {when}, only {pct or 0:g}% complete")
        behind = _behind(pct, due, as_of, settings) if status not in ("", "Not started") \
            else ""
        if behind:
            return verdict("At risk", behind)
    if _stale(action, as_of, settings) and status not in ("", "Not started"):
        updated = action.last_updated
        when = f"last updated {describe(updated)}" if isinstance(updated, date) else \
            "never updated"
        return verdict("No update", f"{when}; no update this period")
    if status in ("On track", "Ongoing") or (pct or 0) > 0:
        reason = "ongoing" if status == "Ongoing" else "on track"
        return verdict("On track", f"{reason}{'; ' + due_text if due else ''}{pct_text}")
    return verdict("Not due", f"not started{'; ' + due_text if due else '; no due date'}")


def _days(span: timedelta) -> str:
    return f"{span.days} day{'s' if span.days != 1 else ''}"


def _due_phrase(due: date | None, target: DueDate, revised: DueDate, in_force: DueDate) -> str:
    if due is None:
        return "no due date"
    text = f"due {describe(due)}"
    if in_force is revised and target.due:
        text += f" (revised from {describe(target.due)})"
    elif len(in_force.milestones) > 1 and due != in_force.due:
        text += f" (next milestone; final {describe(in_force.due)})"
    return text


def _behind(pct: float | None, due: date, as_of: date, settings: Settings) -> str:
    """The progress rule: a reason if % complete lags the time elapsed, else ''."""
    if pct is None or settings.progress_threshold <= 0:
        return ""
    start = settings.plan_start or financial_year_start(as_of)
    if not start < as_of < due:
        return ""
    expected = 100 * (as_of - start).days / (due - start).days
    if pct * 100 < settings.progress_threshold * expected:
        return (f"{pct:g}% complete with {expected:.0f}% of the time to "
                f"{describe(due)} gone")
    return ""


def _day_of(value: object) -> date | None:
    """The day a Last updated value names (a datetime set in code counts as its day)."""
    if isinstance(value, datetime):
        return value.date()
    return value if isinstance(value, date) else None


def _stale(action: Action, as_of: date, settings: Settings) -> bool:
    updated = _day_of(action.last_updated)
    if updated is None:
        return True
    return updated < as_of - timedelta(days=settings.no_update_days)


def refresh(plan: Plan, as_of: date | None = None) -> dict[str, Judgement]:
    """Judge every action; set its ``rag``, ``due_date`` and ``directorate`` columns.

    Returns the judgements by Action ID. ``as_of`` defaults to the plan's reporting
    date, else today.
    """
    as_of = as_of or plan.settings.reporting_date or date.today()
    judgements = {}
    officers: dict[str, object] = {}
    for officer in reversed(plan.officers):  # the first listed wins, as Plan.officer
        officers[officer.code.strip().upper()] = officer
    leads = plan.lead_officer_reader()  # by code, title or name
    for action in plan.actions:
        judgement = judge(action, plan.settings, as_of)
        judgements[action.action_id] = judgement
        action.rag = judgement.label
        action.due_date = judgement.due
        codes = leads(action)
        officer = officers.get(codes[0].strip().upper()) if codes else None
        action.directorate = officer.directorate if officer else ""
    return judgements


def counts(plan: Plan, judgements: dict[str, Judgement], by: str = "theme") -> dict[str, Counter]:
    """Verdict counts grouped by ``theme`` or ``directorate``, in the plan's order."""
    groups: dict[str, Counter] = {}
    if by == "theme":
        for name in plan.theme_names():
            groups[name] = Counter()
    for action in plan.actions:
        key = getattr(action, by) or "(none)"
        groups.setdefault(key, Counter())[judgements[action.action_id].verdict.word] += 1
    return groups
