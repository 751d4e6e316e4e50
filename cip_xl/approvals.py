"""Deciding change requests: proposed revised dates, new actions and comments.

The manager approves or rejects requests by ID (``cip-xl approve --approve CR1A2B``) or
by typing Approve / Reject in the Decision column of the Change requests sheet and then
running ``cip-xl approve``. A typed decision is read by its first word ("Approved -
agreed at CMT" approves and keeps those words; "Not agreed" rejects; see
:func:`typed_verdict`); ``approve_all`` approves only requests whose Decision cell is
empty. Approved revised dates and new actions are applied to the plan with an audit
entry; comments are marked Noted. Decided requests are never applied twice.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from .dates import parse_due
from .findings import ERROR, INFO, WARNING, Finding
from .model import Action, AuditEntry, ChangeRequest, Plan

APPROVE_WORDS = {"approve", "approved", "accept", "accepted", "agree", "agreed", "yes", "y",
                 "ok", "okay", "✓", "✔", "☑"}
REJECT_WORDS = {"reject", "rejected", "refuse", "refused", "decline", "declined", "no", "n",
                "✗", "✘", "❌"}


def typed_verdict(typed: str) -> tuple[str | None, bool]:
    """What a decision typed on the Change requests sheet says: ("approve" | "reject" |
    None, whether words follow it). The first word decides — "Approved - agreed at CMT
    12/11", "Yes, subject to budget", "Rejected." — and "not" before an approving word
    rejects ("Not agreed"); anything else is no decision."""
    words = re.findall(r"[^\W\d_]+|[✓✔☑✗✘❌]", typed.lower())
    if not words:
        return None, False
    if words[0] == "not" and len(words) > 1 and words[1] in APPROVE_WORDS:
        return "reject", len(words) > 2
    if words[0] in APPROVE_WORDS:
        return "approve", len(words) > 1
    if words[0] in REJECT_WORDS:
        return "reject", len(words) > 1
    return None, False


@dataclass
class ApprovalResult:
    """What a run of approvals did."""

    approved: list[ChangeRequest] = field(default_factory=list)
    rejected: list[ChangeRequest] = field(default_factory=list)
    pending: list[ChangeRequest] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)


def _proposing_officer(plan: Plan, request) -> str:
    """The lead officer for a new action proposed in ``request``: the officer whose own
    return proposed it (returns issued per officer are named by their code), or ''
    where the return was a directorate's."""
    department = str(request.from_return or "").split(" return (")[0].strip()
    officer = plan.officer(department) if department else None
    if officer is None or any(o.directorate.strip() == department for o in plan.officers):
        return ""
    return officer.code


def next_ref(plan: Plan, theme: str) -> str:
    """The next free Ref in ``theme``: after 2.3 comes 2.4; a new theme's first is N.1."""
    refs = [a.ref for a in plan.actions if a.theme == theme]
    numbered = [tuple(int(p) for p in r.split(".")) for r in refs
                if re.fullmatch(r"\d+(\.\d+)+", r)]
    if numbered:
        last = max(numbered)
        return ".".join(map(str, last[:-1] + (last[-1] + 1,)))
    names = plan.theme_names()
    prefix = names.index(theme) + 1 if theme in names else len(names) + 1
    taken = {a.ref for a in plan.actions}
    counter = 1
    while f"{prefix}.{counter}" in taken:
        counter += 1
    return f"{prefix}.{counter}"


def decide(plan: Plan, *, approve: set[str] = frozenset(), reject: set[str] = frozenset(),
           approve_all: bool = False, by: str = "", when: datetime | None = None,
           file: str = "", sheet: str = "Change requests") -> ApprovalResult:
    """Apply decisions to ``plan``'s undecided change requests (see module docstring)."""
    when = (when or datetime.now()).replace(microsecond=0)
    result = ApprovalResult()
    approve = _named(plan, approve, result.findings, file, sheet)
    reject = _named(plan, reject, result.findings, file, sheet)
    from .plan_write import record_rows

    # each request's row, as a save of the file read writes it (blank rows kept)
    rows = record_rows(plan, "change_requests", len(plan.change_requests), True)[0] or \
        range(2, len(plan.change_requests) + 2)
    layout = plan.source.record_columns.get("change_requests") if plan.source else None
    where = _cells_of(layout)
    for request, index in zip(plan.change_requests, rows):
        if request.decided_on:
            continue
        typed, said_more = typed_verdict(request.decision or "")
        blank = not str(request.decision or "").strip()
        if request.request_id in approve and request.request_id in reject:
            result.findings.append(Finding("request-both", ERROR,
                                           f"{request.request_id} was both approved and "
                                           "rejected; it is left undecided.", file, sheet,
                                           where("Decision", index)))
            result.pending.append(request)
            continue
        explicit = request.request_id in approve or request.request_id in reject
        column = "Proposed value" if request.kind == "Revised date" else \
            "Proposed target date"
        other = _other_date(request, typed, said_more and not explicit, when.date(),
                            f"{column} ({where(column, index)})")
        if other is not None:
            result.findings.append(Finding(
                "decision-other-date", WARNING, other, file, sheet,
                where("Decision", index), request.ref or None))
            result.pending.append(request)
            continue
        if request.request_id in approve or (not explicit and (
                typed == "approve" or approve_all and blank)):
            verdict = "Noted" if request.kind == "Comment" else "Approved"
            if verdict == "Approved" and not _apply(plan, request, by, when, result,
                                                    file, sheet, index, where):
                result.pending.append(request)
                continue
            result.approved.append(request)
        elif request.request_id in reject or typed == "reject":
            verdict = "Rejected"
            result.rejected.append(request)
        else:
            if not blank:
                result.findings.append(Finding(
                    "decision-unclear", WARNING,
                    f"{request.request_id}: decision '{request.decision}' is neither "
                    "Approve nor Reject; left undecided.", file, sheet,
                    where("Decision", index)))
            result.pending.append(request)
            continue
        if typed and said_more and not explicit:
            verdict = " ".join(str(request.decision).split())  # their words, kept
        request.decision, request.decided_by, request.decided_on = verdict, by, when.date()
    return result


def _named(plan: Plan, given, findings: list[Finding], file: str,
           sheet: str) -> set[str]:
    """The IDs of the change requests ``given`` names, as a person types them: any case,
    spaces around (pasted from the sheet), or the Ref of an action with one undecided
    request. What names none — or several — is an error finding, with the IDs it may
    have meant."""
    from difflib import get_close_matches

    known = {r.request_id.upper(): r.request_id for r in plan.change_requests}
    named: set[str] = set()
    for typed in sorted(given):
        text = str(typed).strip()
        if text.upper() in known:
            named.add(known[text.upper()])
            continue
        open_ = [r.request_id for r in plan.change_requests
                 if not r.decided_on and r.ref and r.ref == text]
        if len(open_) == 1:
            named.add(open_[0])
            findings.append(Finding(
                "request-by-ref", INFO, f"'{text}' was taken as {open_[0]}, the one "
                f"undecided change request for Ref {text}.", file, sheet, None, text))
            continue
        if open_:
            hint = (f" Ref {text} has {len(open_)} undecided requests: "
                    f"{', '.join(open_)}; name the one meant.")
        else:
            close = get_close_matches(text.upper(), known, n=2, cutoff=0.7)
            hint = f" Did you mean {' or '.join(known[c] for c in close)}?" if close else \
                " `cip-xl approve PLAN --dry-run` lists those still to decide."
        findings.append(Finding("request-unknown", ERROR,
                                f"There is no change request {text}.{hint}", file, sheet))
    return named


def _other_date(request: ChangeRequest, typed: str | None, worded: bool,
                today: date, proposed_cell: str) -> str | None:
    """Why ``request`` cannot be approved by the decision typed for it, when its words
    (``worded``: more than "Approve") name a day still to come other than the one
    proposed — "Approved, but to March 2028": approving would apply the date proposed,
    not the one meant. Days gone by are passed over: "agreed at CMT 12/11/2026" is when
    it was decided. None when the decision can be applied as typed."""
    from .dates import dates_in, describe

    if typed != "approve" or not worded or request.kind not in ("Revised date",
                                                                "New action"):
        return None
    proposed = request.proposed if request.kind == "Revised date" else request.target_date
    meant = parse_due(proposed).due if proposed not in (None, "") else None
    named = [(words, due) for words, due in dates_in(str(request.decision))
             if due > today and due != meant]
    if not named:
        return None
    words, due = named[0]
    what = "revised date" if request.kind == "Revised date" else "target date"
    offered = f"the {describe(meant)} proposed" if meant else f"no {what}"
    return (f"{request.request_id} (Ref {request.ref or 'new'}): the decision "
            f"'{request.decision}' names {words} ({describe(due)}), not {offered}, so it "
            "is left undecided: approving would apply what was proposed. To approve "
            f"{words}, type it in {proposed_cell} and type Approve; to approve what was "
            "proposed, type Approve alone.")


def _cells_of(layout: tuple[int, ...] | None):
    """``where(heading, row)``: the cell of the Change requests sheet under ``heading``
    in ``row``, by the columns read (``layout``, in the sheet spec's order; a council
    may have moved them) or where a save puts them."""
    from .fastbook import column_letters
    from .schema import CHANGE_REQUESTS

    columns = layout or tuple(range(1, len(CHANGE_REQUESTS.headers) + 1))

    def where(heading: str, row: int) -> str:
        return f"{column_letters(columns[CHANGE_REQUESTS.headers.index(heading)])}{row}"
    return where


def _apply(plan: Plan, request: ChangeRequest, by: str, when: datetime,
           result: ApprovalResult, file: str, sheet: str, index: int, where) -> bool:
    who = f"approved by {by}" if by else "approved"
    if request.kind == "Revised date":
        action = plan.action(request.action_id)
        if action is None:
            result.findings.append(Finding(
                "request-action-gone", ERROR,
                f"{request.request_id}: action {request.ref} is no longer in the plan, so "
                "its new date has nowhere to go. Reject the request (type Reject in its "
                "Decision cell), or put the action back — its row, with its Action ID, "
                "from a backup — and approve it again.",
                file, sheet, where("Request ID", index)))
            return False
        if str(request.ref or "").strip() and \
                str(request.ref).strip() != str(action.ref or "").strip():
            # renumbered since, or the IDs scrambled by sorting the Plan sheet without
            # its hidden column: which action the officer meant is for a person to say
            result.findings.append(Finding(
                "request-ref-changed", ERROR,
                f"{request.request_id} proposes a new date for Ref {request.ref}, but the "
                f"action it was made for (Action ID {action.action_id}) is now Ref "
                f"{action.ref} ('{str(action.key_action)[:50]}'): the plan was renumbered, "
                "or sorted without its hidden Action ID column. It is left undecided. If "
                f"it is the same action, write {action.ref} in the request's Ref cell and "
                "approve it again; if not, check the Action IDs against a backup.",
                file, sheet, where("Ref", index), request.ref))
            return False
        plan.audit.append(AuditEntry(when, who, action.action_id, action.ref, "Revised date",
                                     action.revised_date, request.proposed,
                                     f"change request {request.request_id}"))
        action.revised_date = request.proposed
        reference = plan.settings.reporting_date or when.date()
        proposed = request.proposed.date() if isinstance(request.proposed, datetime) \
            else request.proposed
        if isinstance(proposed, str):  # "Sept 2027": due at the month's end
            proposed = parse_due(proposed).due
        if isinstance(proposed, date) and proposed < reference:
            result.findings.append(Finding(
                "request-date-past", WARNING,
                f"{request.request_id}: action {action.ref}'s new revised date "
                f"{proposed:%d/%m/%Y} is before the "
                f"{'reporting date' if plan.settings.reporting_date else 'date today'} "
                f"({reference:%d/%m/%Y}), so it shows as overdue.", file, sheet,
                where("Proposed value", index), action.ref))
        return True
    if request.kind == "New action":
        theme = (plan.theme_named(request.theme) or request.theme) if request.theme else \
            (plan.theme_names() or [""])[0]  # "Customers & Digital" is the theme listed
        lead = _proposing_officer(plan, request)
        action = Action(ref=next_ref(plan, theme), theme=theme, key_action=str(request.proposed),
                        lead_officer=lead, target_date=request.target_date,
                        target_outcomes=request.outcomes, status="Not started")
        plan.actions.append(action)
        plan.audit.append(AuditEntry(when, who, action.action_id, action.ref, "New action",
                                     None, action.key_action,
                                     f"change request {request.request_id}"))
        request.action_id, request.ref = action.action_id, action.ref
        proposed_by = request.from_return.split(" (")[0]
        by = f", proposed in the {proposed_by}," if proposed_by else ""
        where_put = ""
        if not request.theme and theme:
            where_put = (f" No theme was proposed, so it went under '{theme}': change its "
                         "Theme (and Ref) if it belongs elsewhere.")
        elif theme and theme not in {t.name for t in plan.themes}:
            where_put = (f" Its theme, '{theme}', is not on the Themes sheet: add it there, "
                         "or give the action one that is.")
        if lead and where_put:
            result.findings.append(Finding(
                "new-action-placed", WARNING,
                f"New action {action.ref} ('{action.key_action[:50]}'){by} was added, led "
                f"by {lead}, whose return it was.{where_put}", file, "Plan", None,
                action.ref))
        elif not lead:
            result.findings.append(Finding(
                "new-action-needs-officer", WARNING,
                f"New action {action.ref} ('{action.key_action[:50]}'){by} was added; give "
                f"it a lead officer on the Plan sheet.{where_put}", file, "Plan", None,
                action.ref))
        return True
    return True
