"""The plan as plain dataclasses: what the master workbook holds, without Excel.

Target and revised dates are kept as written (a real date, or a phrase such as
"Dec 2010"); :func:`cip_xl.dates.parse_due` reads them when a due date is needed.
``row`` attributes record where a thing was read from, for findings; they are ``None``
for things made in code.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import lru_cache
from typing import TYPE_CHECKING, Collection

from .schema import SETTING_LABELS, SETTINGS_ROW_OF

if TYPE_CHECKING:
    from .file_stamp import FileStamp
    from .findings import Finding

def theme_key(name: str) -> str:
    """A theme's (or department's) name as names are matched: any case, '&' as 'and',
    punctuation and spacing aside ('People & Communities' is 'people and communities');
    an apostrophe as if not there ("Chief Executive's Office" is 'chief executives
    office')."""
    name = re.sub(r"\s*&\s*", " and ", str(name).casefold())
    name = re.sub(r"['\u2018\u2019`]", "", name)
    return " ".join(re.sub(r"[^\w\s]", " ", name).split())


#: the Action IDs :func:`new_action_id` has given in this run: a plan of 10,000 actions
#: made at once would otherwise hold two the same about once in eighty
_GIVEN: set[str] = set()


def new_action_id() -> str:
    """A fresh stable Action ID: 'A' and eight hex digits, e.g. ``A3F09C21B``, never
    one given before in this run."""
    while True:
        ident = "A" + secrets.token_hex(4).upper()
        if ident not in _GIVEN:
            _GIVEN.add(ident)
            return ident


def derived_action_id(parts: tuple[object, ...], taken: Collection[str] = ()) -> str:
    """An Action ID made from ``parts`` (an action's row, Ref, Key action...), not one
    of ``taken``: the same parts and IDs taken give the same ID, so that each reading of
    a file gives an action found without an ID the same one — the one a finding names
    and the next save writes."""
    seed = "\x1f".join(str(part) for part in parts)
    counter = 0
    while True:
        digest = hashlib.sha256(f"{seed}\x1e{counter}".encode("utf-8")).hexdigest()
        ident = "A" + digest[:8].upper()
        if ident not in taken:
            return ident
        counter += 1


@dataclass
class Action:
    """One key action: one row of the Plan sheet.

    ``action_id`` is stable across renumbering; ``ref`` is the text the council uses
    ("3.10", never 3.1). ``status`` is the officer's own word (see
    :data:`cip_xl.schema.STATUS_WORDS`); ``rag`` is computed and never typed.
    ``extra`` holds the values of a council's own columns by header.
    """

    ref: str = ""
    theme: str = ""
    objective: str = ""
    key_action: str = ""
    lead_officer: str = ""
    target_date: date | str | None = None
    revised_date: date | str | None = None
    target_outcomes: str = ""
    resources: str = ""
    status: str = ""
    percent_complete: float | str | None = None
    progress_update: str = ""
    last_updated: date | str | None = None
    # computed by cip_xl.status.refresh, never typed, so not part of equality
    directorate: str = field(default="", compare=False)
    due_date: date | None = field(default=None, compare=False)
    rag: str = field(default="", compare=False)
    funded_by: str = ""
    ict_requirement: str = ""
    risk: str = ""
    linked_pi: str = ""
    action_id: str = field(default_factory=new_action_id)
    extra: dict[str, object] = field(default_factory=dict)
    row: int | None = field(default=None, compare=False)


@dataclass
class Officer:
    """A row of the Officers sheet (the plan's key or legend)."""

    code: str
    title: str = ""
    name: str = ""
    email: str = ""
    directorate: str = ""
    row: int | None = field(default=None, compare=False)


@dataclass
class Theme:
    """A theme or section of the plan, in report order."""

    name: str
    order: int = 0
    description: str = ""
    row: int | None = field(default=None, compare=False)


@dataclass
class Settings:
    """The Settings sheet: who the plan belongs to and when it reports.

    ``reporting_date`` is the quarter end the statuses are judged at;
    ``amber_window_days`` how close to its due date an action turns amber unless it is
    at least ``amber_percent`` complete; ``no_update_days`` how old the last update may
    be before an action shows "No update". The progress rule compares % complete with
    the share of time elapsed since ``plan_start`` (the financial year's start when
    ``None``): below ``progress_threshold`` per cent of the expected progress an action
    is at risk (0 turns the rule off). ``plan_id`` identifies this plan (returns carry
    it); ``revision`` counts the returns issued from it. ``as_typed``: what was typed
    for a setting that could not be read ("two weeks" as the amber window), by key —
    the setting itself holds its default meanwhile, and a save writes back what was
    typed (:meth:`written`) until a job sets the setting (``status --as-of``).
    """

    council: str = ""
    plan_title: str = "Corporate Improvement Plan"
    reporting_date: date | None = None
    amber_window_days: int = 30
    amber_percent: int = 75
    no_update_days: int = 90
    plan_start: date | None = None
    progress_threshold: int = 70
    committee: str = ""
    meeting_date: date | None = None
    portfolio: str = ""
    report_author: str = ""
    contact: str = ""
    plan_id: str = field(default_factory=lambda: "P" + secrets.token_hex(6).upper())
    revision: int = 1
    extra: dict[str, object] = field(default_factory=dict)
    as_typed: dict[str, object] = field(default_factory=dict)

    def written(self, key: str) -> object:
        """The value a save writes for setting ``key``: what was typed, where it could
        not be read; else the setting (numbers as whole numbers)."""
        from .schema import NUMBER_SETTINGS

        if key in self.as_typed:
            return self.as_typed[key]
        value = getattr(self, key)
        return int(value) if key in NUMBER_SETTINGS else value


@dataclass
class ReviewEntry:
    """A row of the Record of Review & Amendment."""

    version: str = ""
    review_date: date | str | None = None
    issues: str = ""
    amended: str = ""
    approved_by: str = ""
    amendment_date: date | str | None = None


@dataclass(frozen=True)
class AuditEntry:
    """A row of the append-only Audit sheet. Entries cannot be changed once made; the
    trail grows by appending."""

    when: datetime
    who: str
    action_id: str
    ref: str
    field: str
    old: object
    new: object
    source: str = ""


@dataclass
class ChangeRequest:
    """A proposed revised date, new action or comment awaiting the manager's decision.

    ``kind`` is "Revised date", "New action" or "Comment"; ``proposed`` the new date or
    the proposed key action's text; ``theme``, ``target_date`` and ``outcomes`` describe
    a new action; ``source`` is the return file and cell it came from.
    """

    request_id: str
    received: datetime | None
    from_return: str
    action_id: str
    ref: str
    kind: str
    proposed: object
    reason: str = ""
    decision: str = ""
    decided_by: str = ""
    decided_on: date | None = None
    theme: str = ""
    target_date: date | str | None = None
    outcomes: str = ""
    source: str = ""


@dataclass
class ReturnRecord:
    """A row of the Returns sheet: one return issued, and when it came back."""

    department: str
    file: str
    revision: int
    issued: datetime | None
    fingerprint: str
    actions: int = 0
    merged: datetime | None = None
    result: str = ""


@dataclass
class PlanSource:
    """Where a plan was read from, so findings can name file, sheet and cell.

    ``columns`` maps column keys to their letters in the Plan sheet as found;
    ``extra_columns`` maps a council's own headers to theirs.
    """

    file: str
    plan_sheet: str
    columns: dict[str, str]
    extra_columns: dict[str, str] = field(default_factory=dict)
    sheets: dict[str, str] = field(default_factory=dict)
    #: the Audit sheet was not read (jobs that never use the trail skip it): the plan's
    #: ``audit`` holds only entries added since; a patched save writes them below the
    #: sheet's rows, any other save reads the sheet first
    #: (:func:`cip_xl.plan_write.save_plan`)
    audit_unread: bool = False
    #: why the plan must not be saved over the file it was read from, as a finding —
    #: its Action ID column or one of its sheets of records has gone, and a save would
    #: make that for good (``action-ids-missing``, ``sheet-deleted``) — or None
    do_not_save: Finding | None = None
    #: rows below the Plan sheet's header that hold something but were not read as
    #: actions (a heading typed in a row of its own, a table's total row): a save of
    #: the same file leaves them as they are and puts new actions below them
    left_rows: frozenset[int] = frozenset()
    #: the row each record of a sheet of records was read from, in the order read, by
    #: sheet key ("officers", "audit"...): a save of the same file writes each record
    #: back into its row, so a council's own cells beside it stay beside it
    #: (:func:`cip_xl.plan_write.record_rows`)
    record_rows: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: the row of each setting on the Settings sheet, by its label as a save writes it
    #: (schema.SETTINGS_ROWS, or a council's own label): a save of the same file
    #: writes it back there, so a note typed between settings, or beside one, stays put
    setting_rows: dict[str, int] = field(default_factory=dict)
    #: the column (1-based) of each heading of a sheet of records, in its spec's order,
    #: by sheet key, where read ("change_requests": the cells approvals name)
    record_columns: dict[str, tuple[int, ...]] = field(default_factory=dict)
    #: the file as read (or as cip-xl last saved it): a save over it refuses one
    #: changed since (cip_xl.file_stamp); None where the reading did not take one
    stamp: FileStamp | None = None

    def cell(self, key: str, row: int | None) -> str | None:
        """The A1 address of column ``key`` in ``row``, or ``None`` if unknown."""
        letter = self.columns.get(key)
        return f"{letter}{row}" if letter and row else None


@dataclass
class Plan:
    """A whole improvement plan: the master workbook's content."""

    actions: list[Action] = field(default_factory=list)
    officers: list[Officer] = field(default_factory=list)
    themes: list[Theme] = field(default_factory=list)
    settings: Settings = field(default_factory=Settings)
    review_log: list[ReviewEntry] = field(default_factory=list)
    audit: list[AuditEntry] = field(default_factory=list)
    change_requests: list[ChangeRequest] = field(default_factory=list)
    returns_log: list[ReturnRecord] = field(default_factory=list)
    extra_columns: list[str] = field(default_factory=list)
    source: PlanSource | None = field(default=None, compare=False, repr=False)

    def officer(self, code: str) -> Officer | None:
        """The officer with ``code`` (case-insensitive), or ``None``."""
        wanted = code.strip().upper()
        for officer in self.officers:
            if officer.code.strip().upper() == wanted:
                return officer
        return None

    def theme_named(self, text: str) -> str | None:
        """The name of the theme on the Themes sheet that ``text`` names (see
        :func:`theme_key`), or None."""
        key = theme_key(text)
        return next((t.name for t in self.themes if key and theme_key(t.name) == key), None)

    def lead_officer_reader(self):
        """A :class:`~cip_xl.lead_officers.LeadOfficers` for this plan's officers as
        they are now: ``reader(action)`` gives the codes of the officers an action's
        Lead officer cell names, by code, title or name. Build one per job."""
        from .lead_officers import LeadOfficers

        return LeadOfficers(self.officers)

    def action(self, action_id: str) -> Action | None:
        for action in self.actions:
            if action.action_id == action_id:
                return action
        return None

    def setting_cell(self, key: str) -> str | None:
        """The A1 address on the Settings sheet of the value of setting ``key``
        (schema.SETTINGS_ROWS): where it was read, or, for a plan not read from a
        workbook, where a save writes it; ``None`` if the sheet read lacks it."""
        if self.source is None or not self.source.setting_rows:
            row: int | None = SETTINGS_ROW_OF[key]
        else:
            row = self.source.setting_rows.get(SETTING_LABELS[key])
        return f"B{row}" if row else None

    def theme_names(self) -> list[str]:
        """Theme names in report order; themes used by actions but not listed last."""
        names = [t.name for t in sorted(self.themes, key=lambda t: t.order)]
        for action in self.actions:
            if action.theme and action.theme not in names:
                names.append(action.theme)
        return names


@lru_cache(maxsize=None)
def _containers(kind: type) -> tuple[str, ...]:
    """The fields of dataclass ``kind`` that hold a dict or a list."""
    from dataclasses import fields

    return tuple(f.name for f in fields(kind)
                 if str(f.type).startswith(("dict", "list", "Dict", "List")))


def _twin(record):
    """A copy of one record (an action, officer, log entry...): a new object whose
    dicts and lists are new too; the values in them (text, numbers, dates) are shared,
    none of them being changeable."""
    twin = object.__new__(record.__class__)
    fields = twin.__dict__
    fields.update(record.__dict__)
    for name in _containers(record.__class__):
        fields[name] = fields[name].copy()
    return twin


def copy_plan(plan: Plan) -> Plan:
    """A copy of ``plan`` sharing nothing that can be changed with it: changing, adding
    or removing anything in one leaves the other as it was. Many times faster than
    :func:`copy.deepcopy` (a 10,000-action plan in a few milliseconds)."""
    twin = _twin(plan)
    twin.actions = [_twin(action) for action in plan.actions]
    for name in ("officers", "themes", "review_log", "change_requests", "returns_log"):
        setattr(twin, name, [_twin(record) for record in getattr(plan, name)])
    twin.audit = list(plan.audit)  # its entries cannot be changed: shared
    twin.settings = _twin(plan.settings)
    twin.source = _twin(plan.source) if plan.source is not None else None
    return twin
