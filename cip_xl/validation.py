"""Validation: the rules a plan must keep, reported as findings with their cells.

:func:`validate_plan` checks a :class:`~cip_xl.model.Plan` already read;
:func:`validate_file` reads a workbook and checks it, returning the reading's findings
and the rules' findings together. Neither raises for a bad plan; only an unusable file
raises :class:`~cip_xl.findings.PlanFileError`.
"""
from __future__ import annotations

import difflib
from collections import Counter
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from . import schema
from .cells import percent_in_words
from .dates import far_off_hint, parse_due, unreadable_hint
from .findings import ERROR, INFO, WARNING, Finding, sort_findings
from .mail_addresses import addresses_in
from .model import Plan, theme_key
from .schema import Contract



@dataclass
class ValidationReport:
    """A plan and everything found wrong with it, errors first. The plan is read
    without its audit trail (``plan.source.audit_unread``; no rule reads it):
    :func:`cip_xl.api.load_plan` gives the whole plan."""

    plan: Plan
    findings: list[Finding]

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_file(path: str | Path, contract: Contract | None = None) -> ValidationReport:
    """Read the plan at ``path`` and check it against every rule."""
    from .plan_read import read_plan

    reading = read_plan(path, contract, read_only=True, audit=False)  # no rule reads it
    return ValidationReport(reading.plan, sort_findings(
        reading.findings + validate_plan(reading.plan, contract)))


def validate_plan(plan: Plan, contract: Contract | None = None) -> list[Finding]:
    """Check ``plan`` against the rules; findings name cells when the plan has a source."""
    contract = contract or schema.DEFAULT_CONTRACT
    source = plan.source
    file = source.file if source else ""
    sheet = source.plan_sheet if source else contract.plan_sheet
    findings: list[Finding] = []

    def at(key: str, action) -> str | None:
        return source.cell(key, action.row) if source else None

    def add(code: str, severity: str, message: str, key: str | None, action) -> None:
        findings.append(Finding(code, severity, message, file, sheet,
                                at(key, action) if key else None,
                                action.ref or None))

    leads = plan.lead_officer_reader()
    # with the Officers sheet itself gone, its finding says so once: every action's code
    # would otherwise be one more error with the same cause
    officers_listed = source is None or not source.sheets or \
        bool(source.sheets.get("officers"))
    theme_names = {t.name.strip().lower() for t in plan.themes}
    refs = Counter(a.ref.strip() for a in plan.actions if a.ref.strip())
    ids = Counter(a.action_id for a in plan.actions)
    as_of = plan.settings.reporting_date
    reference = as_of or date.today()  # what dates are far off from
    previous_objective = ""

    for action in plan.actions:
        label = f"Ref {action.ref}" if action.ref else f"Row {action.row}"
        if not action.ref.strip():
            add("ref-missing", ERROR, f"Row {action.row} has no Ref; give every action a "
                "reference such as 3.10.", "ref", action)
        elif refs[action.ref.strip()] > 1:
            add("ref-duplicate", ERROR, f"Ref {action.ref} is used by "
                f"{refs[action.ref.strip()]} actions; each action needs its own Ref.",
                "ref", action)
        if ids[action.action_id] > 1:
            add("action-id-duplicate", ERROR, f"Action ID {action.action_id} appears on "
                "more than one row (a row was copied). Clear the Action ID of the copy; "
                "cip-xl gives it a new one.", "action_id", action)
        for key in ("theme", "key_action", "lead_officer", "target_date"):
            value = getattr(action, key)
            if value is None or (isinstance(value, str) and not value.strip()):
                header = contract.column(key).header
                add("required-missing", ERROR, f"{label} has no {header}; fill it in.",
                    key, action)
        for code in leads(action) if officers_listed else ():
            if not leads.is_officer(code):
                officers = contract.sheet("officers")
                advice = leads.advice(code, officers) or "Add the officer there or correct it."
                add("officer-unknown", ERROR, f"{label}: lead officer '{code}' is not on "
                    f"the {officers} sheet (by code, title or name). "
                    f"{advice}", "lead_officer", action)
        if action.theme.strip() and theme_names and \
                action.theme.strip().lower() not in theme_names:
            meant = _theme_meant(action.theme, plan.themes)
            add("theme-unknown", WARNING, f"{label}: theme '{action.theme}' is not on the "
                f"{contract.sheet('themes')} sheet" +
                (f"; did you mean '{meant}'?" if meant else "."), "theme", action)

        target = parse_due(action.target_date, as_of)
        revised = parse_due(action.revised_date, as_of)
        for key, parsed in (("target_date", target), ("revised_date", revised)):
            if not parsed.readable:
                header = contract.column(key).header
                add("date-unreadable", ERROR, f"{header} {parsed.problem}", key, action)
            elif parsed.due is not None:
                far = far_off_hint(parsed, reference)
                if far:
                    add("date-far-off", WARNING, f"{label}: {contract.column(key).header} "
                        f"{far}", key, action)
        if target.due and revised.due and revised.due < target.due:
            add("revised-before-target", WARNING, f"{label}: the revised date "
                f"({revised.text}) is before the target date ({target.text}); a revised "
                "date should be later.", "revised_date", action)
        updated = action.last_updated
        if isinstance(updated, str):
            parsed = parse_due(updated)
            if parsed.kind != "date":
                hint = unreadable_hint(updated).rstrip("; ")
                add("date-unreadable", ERROR, f"Last updated '{updated}' is not a date; "
                    f"{hint or 'type a date such as 30/09/2026'}.", "last_updated", action)

        status = schema.normalise_status(action.status)
        if action.status.strip() and status is None:
            add("status-unknown", ERROR, f"{label}: status '{action.status}' is not one "
                f"of the list ({', '.join(schema.STATUS_WORDS)}). Pick from the "
                "dropdown instead of typing.", "status", action)
        elif status and status != action.status.strip():
            add("status-alias", INFO, f"{label}: status '{action.status}' is read as "
                f"'{status}'.", "status", action)
        pct = action.percent_complete
        if isinstance(pct, str):
            meant, hint = percent_in_words(pct)
            hint = f"type it as a number: {meant:g}" if meant is not None else hint
            add("percent-invalid", ERROR, f"{label}: % complete '{pct}' is not a number; "
                f"{hint or 'type a number from 0 to 100'}.", "percent_complete", action)
        elif pct is not None and not 0 <= pct <= 100:
            add("percent-invalid", ERROR, f"{label}: % complete {pct:g} is outside 0 to "
                "100.", "percent_complete", action)
        elif pct is not None and 0 < pct < 1:
            add("percent-fraction", WARNING, f"{label}: % complete is {pct:g}, under 1%: "
                f"typing {pct * 100:g}% into a cell formatted as a number keeps {pct:g}. "
                f"If {pct * 100:g}% was meant, type {pct * 100:g}.", "percent_complete",
                action)
        if status == "Complete":
            if not updated:
                add("complete-without-date", WARNING, f"{label} is marked Complete but "
                    "has no Last updated date; record when it was completed.",
                    "last_updated", action)
            if isinstance(pct, (int, float)) and pct < 100:
                typed = " (typing 100% into a cell formatted as a number keeps 1: type " \
                    "100)" if pct == 1 else ""
                add("complete-not-100", WARNING, f"{label} is marked Complete but shows "
                    f"{pct:g}% complete{typed}.", "percent_complete", action)
        elif isinstance(pct, (int, float)) and pct == 100 and status not in (
                None, "Cancelled", "Ongoing"):
            add("percent-100-not-complete", INFO, f"{label} shows 100% complete but its "
                f"status is '{status}': if the action is done, mark it Complete, so the "
                "report counts it with the completed ones.", "status", action)
        if schema.SEE_ABOVE.search(action.objective or ""):
            hint = f" (above it: '{previous_objective[:60]}')" if previous_objective else ""
            add("see-above", WARNING, f"{label}: the objective says '{action.objective}'"
                f"{hint}. Write the objective out, so filters, returns and reports show "
                "it.", "objective", action)
        elif action.objective.strip():
            previous_objective = action.objective.strip()

    findings += _check_officers(plan, contract, file)
    findings += _check_settings(plan, contract, file)
    if not plan.actions:
        findings.append(Finding("plan-empty", WARNING, "The plan has no actions yet.",
                                file, sheet))
    return findings


def _check_officers(plan: Plan, contract: Contract, file: str) -> list[Finding]:
    sheet = contract.sheet("officers")
    found: list[Finding] = []
    seen: dict[str, int | None] = {}
    for officer in plan.officers:
        code = officer.code.strip().upper()
        if not code:
            found.append(Finding("officer-code-missing", ERROR,
                                 f"Row {officer.row} of {sheet} has no code.", file, sheet,
                                 f"A{officer.row}" if officer.row else None))
            continue
        if code in seen:
            found.append(Finding("officer-duplicate", ERROR,
                                 f"Officer code {officer.code} is listed twice (rows "
                                 f"{seen[code]} and {officer.row}).", file, sheet,
                                 f"A{officer.row}" if officer.row else None))
        seen[code] = officer.row
        if officer.email and addresses_in(officer.email) is None:
            found.append(Finding("officer-email-invalid", WARNING,
                                 f"{officer.code}'s email '{officer.email}' does not look "
                                 "like an email address (or several, separated by ';'): "
                                 "reminders cannot be sent to it.", file, sheet,
                                 f"D{officer.row}" if officer.row else None))
    return found


def _check_settings(plan: Plan, contract: Contract, file: str) -> list[Finding]:
    sheet = contract.sheet("settings")
    found = []
    if plan.settings.reporting_date is None:
        found.append(Finding("reporting-date-missing", WARNING,
                             "Settings has no reporting date (the quarter end); statuses "
                             "will be judged as at today.", file, sheet,
                             plan.setting_cell("reporting_date")))
    meeting, as_at = plan.settings.meeting_date, plan.settings.reporting_date
    if meeting and as_at and meeting < as_at:
        found.append(Finding("meeting-before-date", WARNING,
                             f"The meeting date ({meeting:%d/%m/%Y}) is before the reporting "
                             f"date ({as_at:%d/%m/%Y}): a report would be addressed to a "
                             "meeting held before the quarter it reports on ended — last "
                             "quarter's meeting?", file, sheet,
                             plan.setting_cell("meeting_date")))
    if not plan.settings.plan_title.strip():
        found.append(Finding("plan-title-missing", WARNING, "Settings has no plan title.",
                             file, sheet, plan.setting_cell("plan_title")))
    return found


def _theme_meant(typed: str, themes) -> str:
    """The theme on the Themes sheet that ``typed`` (not one of them) most likely
    means — 'People and Communities' for 'People & Communities', a near miss — or ''."""
    keys = {theme_key(t.name): t.name for t in themes if t.name.strip()}
    key = theme_key(typed)
    if key in keys:
        return keys[key]
    close = difflib.get_close_matches(key, list(keys), n=1, cutoff=0.85)
    return keys[close[0]] if close else ""
