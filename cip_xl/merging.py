"""Merging returns into the master: a three-way comparison that loses nothing.

For every cell an officer may change, :func:`merge_returns` compares the value *as
issued* (the return's hidden record), *as returned* and in the *master now*:

* returned = issued: the officer changed nothing;
* returned = master: already applied (merging twice changes nothing);
* master = issued: the officer's change is applied and written to the Audit sheet;
* otherwise the master changed since issue: a clash, reported, not applied — unless
  another copy of this same return made the change and this copy was saved after that
  one: the officer's corrected version replaces it (:class:`_OtherCopies`).

Edits to locked columns, deleted, copied or reordered rows, unknown Action IDs, returns
for another plan or an old revision, and values that do not fit (a status outside the
list, text in % complete, an unreadable date) are findings naming file, sheet and cell —
never applied silently; so is anything typed outside the cells merging reads
(:mod:`cip_xl.return_extras`), and what a workbook that cannot be merged at all says
that the master does not (:mod:`cip_xl.foreign_return`). Proposed revised dates,
comments, notes on an action's cells and proposed new actions become change requests.
The master is locked for the merge, backed up and replaced atomically, and only when
something changed.

Copies of one return (the officer's corrected version; a directorate's return filled in
by two heads of service) merge cell by cell like any return, in one run or in several,
in any order: what one copy changed and another left as issued is kept, and where two
copies changed a cell differently the copy saved last wins, with a warning naming the
value it replaced (a saved time that cannot be right — before the return was issued, or
later than now — wins nothing: that is a clash). A department's return issued again in
the same round (``cip-xl returns --department``) and the one it replaced count as copies
of each other for the actions still in that department: the officer who filled in the
old one loses nothing and need not type it again; rows of actions that have moved to
another department's return are listed, not taken in.
"""
from __future__ import annotations

import contextlib
import re
import struct
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Callable

from . import schema
from .cells import NOT_KEPT, as_text, percent_in_words
from .dates import far_off_hint, parse_due, typed_without_year, unreadable_hint
from .filecheck import row_of
from .findings import ERROR, INFO, WARNING, Finding, PlanFileError
from .model import Action, AuditEntry, ChangeRequest, Plan
from .plan_read import EXCEL_CELL_LIMIT, EXCEL_ERRORS, replaced_by_save
from .return_read import ReturnedCell, ReturnedRow, ReturnedWorkbook, read_return
from .returns import comparable as _norm
from .returns import (NEW_ACTIONS_SHEET, RETURN_SHEET, current_returns, departments_now,
                      fingerprint, to_json)
from .safe_save import same_file
from .schema import Contract

LOCKED_FIELDS = ("ref", "theme", "objective", "key_action", "lead_officer", "target_date",
                 "revised_date", "target_outcomes", "rag")
APPLIED_FIELDS = ("status", "percent_complete", "progress_update")
#: the audit source of a % complete taken as 100 because the return says Complete
COMPLETE_IS_100 = "set to 100 because the status is Complete"


@dataclass
class AppliedChange:
    """One change taken into the master: an officer's edit, or (``by_officer`` False)
    what the merge sets because of them — the action's Last updated date."""

    action_id: str
    ref: str
    field: str
    old: object
    new: object
    source: str
    by_officer: bool = True


@dataclass
class ReturnOutcome:
    """What happened to one return: applied, requested, refused (findings)."""

    file: Path
    department: str = ""
    applied: list[AppliedChange] = field(default_factory=list)
    requests: list[ChangeRequest] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    refused: bool = False
    #: for a return taken out of an email or a zip: "folder/email.eml › name.xlsx"
    shown_as: Path | None = None
    #: a folder inside a folder given, whose files were not looked at (its finding
    #: says so): not a return at all
    left_out: bool = False

    @property
    def verdict(self) -> str:
        """What became of it, in a word or three: merged, refused, not looked in."""
        return "not looked in" if self.left_out else "refused" if self.refused else "merged"

    @property
    def refusals(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def edits(self) -> int:
        """How many of the officers' edits were applied: what the counts say ("3
        applied"), not counting the Last updated dates the merge set with them."""
        return sum(1 for change in self.applied if change.by_officer)


@dataclass
class MergeResult:
    """The outcome of a merge run over several returns."""

    plan_path: Path
    outcomes: list[ReturnOutcome]
    dry_run: bool
    saved: bool = False
    backup: Path | None = None
    missing: list[str] = field(default_factory=list)
    #: what the save replaced in the master itself (not in a return): traffic lights
    #: typed over by hand (``rag-typed-over``)
    master_findings: list[Finding] = field(default_factory=list)

    @property
    def findings(self) -> list[Finding]:
        return self.master_findings + [f for o in self.outcomes for f in o.findings]


def merge_returns(plan_path: str | Path, returns: list[str | Path], contract: Contract, *,
                  dry_run: bool = False, when: datetime | None = None,
                  progress: Callable[[Path], None] | None = None,
                  convert_ods: bool = False) -> MergeResult:
    """Merge ``returns`` into the master at ``plan_path``; see the module docstring.

    ``returns`` may name folders: each stands for the files in it (see
    :func:`returned_files`). With ``dry_run`` nothing is written. ``progress`` is called
    with each return's path before it is read. ``convert_ods``: a return saved as .ods
    is converted by LibreOffice, where installed, and merged (:mod:`cip_xl.odf_return`);
    without it, no office program is ever started on an officer's file. Raises :class:`PlanFileError` only for an unusable master or a
    lock held by someone else; problems with returns are findings in the result.
    """
    from .locking import is_excel_owner_file, open_elsewhere, plan_lock
    from .plan_read import read_plan
    from .plan_write import save_plan

    plan_path = Path(plan_path)
    when = (when or datetime.now()).replace(microsecond=0)
    result = MergeResult(plan_path, [], dry_run)
    given = [Path(p) for p in returns]
    returns = returned_files(given)
    lock = plan_lock(plan_path, "merge") if not dry_run else contextlib.nullcontext()
    with lock, contextlib.ExitStack() as unpacked:
        # the audit trail is only added to: its sheet is left unread (a patched save
        # writes the new entries below it; see PlanSource.audit_unread)
        reading = read_plan(plan_path, contract, read_only=True, audit=False)
        plan = reading.plan
        stop = plan.source.do_not_save if plan.source is not None else None
        if stop is not None:  # nothing could be matched, or kept
            raise PlanFileError(replace(stop, message=stop.message + " No return was merged."))
        before = _snapshot(plan)
        id_missing = any(f.code == "plan-id-missing" for f in reading.findings)
        by_id = {a.action_id: a for a in plan.actions}
        twins = _twins(plan)
        trail = _Trail(plan_path, contract, plan)
        for path, packed in _unpacked_returns(returns, unpacked):
            if progress:
                progress(path)
            if is_excel_owner_file(path):
                continue  # Excel's lock file for an open workbook: not a return (below)
            outcome = ReturnOutcome(path)
            result.outcomes.append(outcome)
            if packed is not None:  # findings name the email or zip and the file
                outcome.shown_as = packed
            if path.is_dir():  # a folder given with nothing in it
                outcome.refused = True
                outcome.findings.append(_no_returns_in(path, plan_path))
                continue
            if same_file(path, plan_path):  # "cip-xl merge plan.xlsx *.xlsx" in its folder
                outcome.refused = True
                outcome.findings.append(Finding(
                    "return-is-master", ERROR,
                    f"{path.name} is the master plan being merged into, not a return; it "
                    "was left out. List only the returns after the plan.", str(path)))
                continue
            returned, refusal = _read_returned(path, contract, convert_ods)
            if returned is None:
                outcome.refused = True
                outcome.findings.append(refusal)
                if refusal.code in _READABLE_ANYWAY:  # what its officer typed
                    from .foreign_return import typed_in

                    outcome.findings.extend(typed_in(path, plan, contract))
                continue
            _merge_one(plan, by_id, returned, outcome, when, contract, id_missing, trail,
                       twins)
        result.outcomes += _left_out(given, plan_path)
        for outcome in result.outcomes:
            if outcome.left_out:
                continue
            if outcome.shown_as is not None:
                _name_where_it_came_from(outcome)
                continue  # written by cip-xl a moment ago: open nowhere
            opened = open_elsewhere(outcome.file) if outcome.file.is_file() else None
            if opened is not None:
                outcome.findings.append(Finding(
                    f"return-open-in-{opened.application.lower()}", WARNING,
                    f"{outcome.file.name} is {opened.describe()}: what was merged is the "
                    "return as last saved. If it was being changed, save and close it and "
                    "merge it again.", str(outcome.file)))
        result.missing = [r.department for r in current_returns(plan) if not r.merged]
        if not dry_run and _snapshot(plan) != before:
            merged = sum(1 for o in result.outcomes if not o.refused)
            result.backup = save_plan(plan, plan_path, contract,
                                      workbook=reading.workbook,
                                      job=f"merge of {merged} return"
                                      f"{'s' if merged != 1 else ''}")
            result.saved = True
            result.master_findings = replaced_by_save(reading.findings)
    return result


def _unpacked_returns(paths: list[Path], unpacked: contextlib.ExitStack):
    """(path, None) for each of ``paths``, but for an email saved whole with workbooks
    attached (.eml — in its winmail.dat too — or Outlook's .msg), a zip archive of
    them, or a winmail.dat on its own (:mod:`cip_xl.packed_returns`), (workbook,
    "email.eml › name") for each, written into a temporary folder that ``unpacked``
    removes."""
    from .packed_returns import (attached_returns, is_outlook_file, is_saved_email,
                                 is_tnef_file, is_zip_archive, message_returns,
                                 tnef_returns, zipped_returns)

    for path in map(Path, paths):
        take_out = (attached_returns if is_saved_email(path) else zipped_returns
                    if is_zip_archive(path) else message_returns if is_outlook_file(path)
                    else tnef_returns if is_tnef_file(path)
                    else None) if path.is_file() else None
        if take_out is not None:
            folder = Path(unpacked.enter_context(
                tempfile.TemporaryDirectory(prefix="cip-xl-unpacked-")))
            try:
                found = take_out(path, folder)
            except (OSError, ValueError, LookupError, zipfile.BadZipFile, EOFError,
                    NotImplementedError, zlib.error, struct.error):  # damaged: refused below
                found = []
            for attachment, name in found:
                yield attachment, path.with_name(f"{path.name} › {name}")
            if found:
                continue
        yield path, None


def _name_where_it_came_from(outcome: ReturnOutcome) -> None:
    """Findings of a return taken out of an email or archive name it and the file in
    it, not the temporary file it was read from."""
    written = str(outcome.file)
    outcome.findings[:] = [replace(f, file=str(outcome.shown_as)) if f.file == written
                           else f for f in outcome.findings]
    holder, name = outcome.shown_as.name.split(" › ", 1)
    outcome.findings.insert(0, Finding(
        "return-unpacked", INFO, f"Taken out of {holder}, where it is {name}.",
        str(outcome.shown_as)))
    outcome.file = outcome.shown_as


def _read_returned(path: Path, contract: Contract, convert_ods: bool):
    """(the return at ``path`` as read, None) or (None, the finding refusing it). With
    ``convert_ods``, an .ods is read through LibreOffice where it is installed
    (:mod:`cip_xl.odf_return`); if what it holds is no return either, the refusal is
    the one saying how to save it as .xlsx. Without, that refusal says the merge can
    convert it where it can."""
    from .filecheck import is_text_table
    from .odf_return import can_convert, read_odf_return

    try:
        return read_return(path, contract), None
    except PlanFileError as exc:
        refusal = exc.finding
    if refusal.code == "file-not-xlsx" and is_text_table(path):
        # saving it again as .xlsx would not make it a return again
        return None, replace(refusal, message=(
            f"{path.name} is a text or CSV file, not a return: saved as CSV, a return "
            "keeps one sheet's values and loses the record of what was issued, so it "
            "cannot be merged. Ask the officer for the workbook they were sent (.xlsx), "
            "saved as it is, with their changes. Anything in this file that the master "
            "does not say is listed below it."))
    if refusal.code != "file-foreign" or not can_convert(path):
        return None, refusal
    if not convert_ods:
        return None, replace(refusal, message=refusal.message + " Or merge it with "
                             "--convert-ods, and LibreOffice, installed here, converts it.")
    try:
        returned = read_odf_return(path, contract)
    except PlanFileError as exc:
        if exc.finding.code not in _READABLE_ANYWAY:
            return None, exc.finding  # a return, refused for what it holds
        returned = None
    return (returned, None) if returned is not None else (None, refusal)


#: files a folder may hold that nobody put there: Windows' and macOS's own
_SYSTEM_FILES = ("desktop.ini", "thumbs.db", ".ds_store")


def _shown(path: Path) -> bool:
    """Whether ``path`` is one a person put in a folder: not hidden, not the system's."""
    return not path.name.startswith(".") and path.name.lower() not in _SYSTEM_FILES


def returned_files(paths: list[str | Path]) -> list[Path]:
    """``paths`` with each folder among them replaced by the files in it (not in its
    subfolders — see :func:`folders_left_out`; hidden files and the system's own left
    out), in name order: every file an officer sent is merged or named, whatever its
    type. A folder with no files stays (merging says so)."""
    found: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            found.append(path)
            continue
        inside = sorted(p for p in path.iterdir() if p.is_file() and _shown(p))
        found.extend(inside or [path])
    return found


def folders_left_out(paths: list[str | Path],
                     leaving: Path | None = None) -> list[tuple[Path, list[Path]]]:
    """The folders inside each folder among ``paths`` that hold files, each with those
    files (in it or in folders within it, in name order; hidden and the system's left
    out): what merging a folder does not look at. Returns as issued, last quarter's,
    those merged already are often kept in such folders, and a blank return merged
    would count as received; so they are named instead (a folder of returns filed by
    department is merged by giving each). ``leaving``: a folder not looked into (the
    plan's backups, which hold copies of the plan, never returns)."""
    found = []
    for path in map(Path, paths):
        if not path.is_dir():
            continue
        for folder in sorted(p for p in path.iterdir() if p.is_dir() and _shown(p)):
            if leaving is not None and same_file(folder, leaving):
                continue
            files = sorted(p for p in folder.rglob("*") if p.is_file() and _shown(p) and
                           all(_shown(Path(part)) for part in p.relative_to(folder).parts))
            if files:
                found.append((folder, files))
    return found


def _backups_of(plan_path: Path) -> Path:
    """The folder the plan's backups are kept in."""
    from .safe_save import BACKUP_FOLDER

    return plan_path.parent / BACKUP_FOLDER


def _merge_command(plan_path: Path, files: list[Path]) -> str:
    """The command that merges ``files``: each folder holding one of them named."""
    holders = " ".join(f'"{folder}"' for folder in sorted({f.parent for f in files}))
    return f'cip-xl merge "{plan_path}" {holders}'


def _left_out(given: list[Path], plan_path: Path) -> list[ReturnOutcome]:
    """An outcome naming each folder inside a folder given whose files were not merged
    (:func:`folders_left_out`)."""
    outcomes = []
    with_files = [path for path in given if returned_files([path]) != [path]]
    for folder, files in folders_left_out(with_files, _backups_of(plan_path)):
        # (a folder given with none of its own: see _no_returns_in)
        names = ", ".join(p.name for p in files[:3]) + (", ..." if len(files) > 3 else "")
        outcome = ReturnOutcome(folder, left_out=True)
        if not any(_may_hold_a_return(p) for p in files):  # Word papers, pictures...
            outcome.findings.append(Finding(
                "returns-in-folder-left-out", INFO,
                f"The folder {folder} holds {len(files)} file{'s' if len(files) != 1 else ''}"
                f" ({names}), none of a kind a return is sent in; not looked in.",
                str(folder)))
            outcomes.append(outcome)
            continue
        outcome.findings.append(Finding(
            "returns-in-folder-left-out", WARNING,
            f"The folder {folder} holds {len(files)} file{'s' if len(files) != 1 else ''} "
            f"({names}) that {'were' if len(files) != 1 else 'was'} not merged: merging a "
            "folder takes the files directly in it, not those in the folders inside it, "
            "where returns as issued or already merged are often kept. If they are returns "
            f"to merge, move them into {folder.parent} or name the folder holding them "
            f"too: {_merge_command(plan_path, files)}.",
            str(folder)))
        outcomes.append(outcome)
    return outcomes


#: what a return may come back as, besides a workbook: an email saved whole or its
#: winmail.dat, an archive, a text table, a web page or XML Spreadsheet 2003
_MAY_HOLD_A_RETURN = (".xltx", ".xltm", ".txt", ".tsv", ".xml", ".eml", ".msg", ".zip",
                      ".dat", ".mht", ".mhtml", ".htm", ".html")


def _may_hold_a_return(path: Path) -> bool:
    """Whether the file at ``path`` is of a kind a return can be sent in (by its name;
    one without an extension may be anything)."""
    from .packed_returns import RETURN_SUFFIXES

    return not path.suffix or path.name.lower().endswith((*RETURN_SUFFIXES,
                                                          *_MAY_HOLD_A_RETURN))


def _no_returns_in(folder: Path, plan_path: Path) -> Finding:
    """The refusal of the folder ``folder``, given to merge, that holds no files (perhaps
    only folders, named with the command that merges them)."""
    inside = folders_left_out([folder], _backups_of(plan_path))
    if not inside:
        return Finding("no-returns", ERROR, f"The folder {folder} has no files in it: put "
                       "the returned workbooks there and merge again.", str(folder))
    return Finding(
        "no-returns", ERROR,
        f"The folder {folder} has no files directly in it, only folders ("
        f"{', '.join(f.name for f, _ in inside)}), and merging a folder does not look "
        "inside the folders in it. Put the returned workbooks in one folder, or name each "
        "folder that holds them: "
        f"{_merge_command(plan_path, [f for _, files in inside for f in files])}.",
        str(folder))


def _snapshot(plan: Plan) -> tuple:
    """What a merge can change in ``plan``, copied so that a later snapshot compares
    unequal exactly when something changed: each action's, change request's and
    return record's fields (actions' own columns copied too), and the audit entries
    (which cannot change, only be added)."""
    def fields(items: list) -> list[dict]:
        return [vars(item).copy() for item in items]

    return ([(vars(a).copy(), dict(a.extra)) for a in plan.actions],
            list(plan.audit),  # entries cannot change: the list is enough
            fields(plan.change_requests), fields(plan.returns_log))


class _Trail:
    """The Audit sheet's entries, read from the master only if asked for (merging leaves
    the trail unread: it only grows), followed by those this merge has added."""

    def __init__(self, plan_path: Path, contract: Contract, plan: Plan) -> None:
        self._plan_path, self._contract, self._plan = plan_path, contract, plan
        self._read: list[AuditEntry] | None = None

    def entries(self) -> list[AuditEntry]:
        if self._read is None:
            from .plan_read import read_audit

            source = self._plan.source
            unread = source is not None and source.audit_unread
            self._read = read_audit(self._plan_path, self._contract) if unread else []
        return [*self._read, *self._plan.audit]


#: refusals of a returned file that can still be read for what its officer typed
#: (a workbook without the issue record, an .xls, an .ods): see cip_xl.foreign_return
_READABLE_ANYWAY = ("return-unrecognised", "return-sheet-renamed", "file-old-format",
                    "file-foreign", "file-binary-workbook", "file-not-xlsx")

#: how the Audit sheet's "who" gives the time a return was saved
_SAVED = "%d/%m/%Y %H:%M:%S"
#: how far a copy's saved time may fall outside the times it could have been saved at
#: (after its return was issued, before now) and still be believed: clocks drift a
#: little, and a zone set wrong is an hour out
_CLOCK_SLACK = timedelta(hours=1)
_SAVED_IN = re.compile(r", saved (\d\d/\d\d/\d{4} \d\d:\d\d:\d\d)\)$")


@dataclass
class _OtherCopies:
    """What other copies of a return set in the master: copies of one issue record
    (same plan, revision and department), such as the officer's corrected version sent
    after the first, or a directorate's return filled in by two people — and the
    department's other returns of the round, when it was issued again.

    Merging a copy is the usual three-way comparison, but a cell whose master value was
    set by another copy — the trail's latest entry for it came from a copy of this
    return, and the master still holds that entry's value, so nobody has changed it
    since — is the officer's own earlier answer, not a change made in the master: the
    copy *saved later* wins. Saved times are those Excel and LibreOffice keep inside
    the file (``docProps/core.xml``), which copying or e-mailing keeps; merging writes
    them into the Audit sheet's "who". An entry without one (written before cip-xl kept
    it) counts as saved when it was merged. A copy that does not say when it was saved
    replaces nothing.
    """

    saved: datetime | None
    trail: _Trail
    #: who the trail's entries made by a copy of this return name, and since when
    from_return: str
    since: datetime | None
    #: when this copy's return was issued (its hidden record), if it says
    issued: datetime | None = None
    _set_by_copy: dict[tuple[str, str], AuditEntry] | None = None

    @classmethod
    def of(cls, plan: Plan, returned: ReturnedWorkbook, trail: _Trail) -> _OtherCopies | None:
        """The copies of ``returned`` merged before (in this run or an earlier one) —
        returns with its issue record, or its department's others at its revision — or
        None when there were none. The trail is read only when a cell is looked up —
        merging an unchanged return again looks up none."""
        revision = str(returned.meta.get("revision"))
        records = [r for r in plan.returns_log if r.merged is not None and (
            r.fingerprint == returned.fingerprint or
            (r.department == returned.department and str(r.revision) == revision))]
        if not records:
            return None
        since = None if any(r.issued is None for r in records) else \
            min(r.issued for r in records)
        return cls(returned.saved, trail, f"{returned.department} return (", since,
                   _issued_time(returned))

    def entry(self, action_id: str, header: str, now: object) -> AuditEntry | None:
        """The trail's entry by which a copy of this return set ``header`` of the action
        to what the master holds ``now`` (normalised), if one did."""
        if self._set_by_copy is None:
            self._set_by_copy = {}
            for entry in self.trail.entries():  # in the order made: the last one wins
                if isinstance(entry.who, str) and entry.who.startswith(self.from_return) \
                        and isinstance(entry.when, datetime) and \
                        (self.since is None or entry.when >= self.since):
                    self._set_by_copy[(str(entry.action_id), str(entry.field))] = entry
        entry = self._set_by_copy.get((action_id, header))
        return entry if entry is not None and _norm(entry.new) == now else None

    @staticmethod
    def saved_by(entry: AuditEntry) -> datetime:
        """When the copy that made ``entry`` was saved, or at the latest merged."""
        found = _SAVED_IN.search(entry.who)
        if found is not None:
            with contextlib.suppress(ValueError):
                return datetime.strptime(found.group(1), _SAVED)
        return entry.when

    def saved_after(self, entry: AuditEntry) -> bool:
        """Whether this copy was saved after the copy that made ``entry`` — both saved
        times believable (see :meth:`_unbelievable`)."""
        theirs = self.saved_by(entry)
        return self.saved is not None and self.saved > theirs and \
            not self._unbelievable(self.saved, self.issued) and \
            not self._unbelievable(theirs, self.since)

    @staticmethod
    def _unbelievable(saved: datetime, issued: datetime | None) -> str:
        """Why a copy's ``saved`` time cannot be right — before its return was
        ``issued``, or later than now, beyond :data:`_CLOCK_SLACK` — or "" if it can:
        the clock of the computer that saved it was wrong, and which of two copies is
        the later cannot be told from it."""
        if issued is not None and saved < issued - _CLOCK_SLACK:
            return f"before the return was issued ({issued:{_SAVED}})"
        if saved > datetime.now() + _CLOCK_SLACK:
            return "later than now"
        return ""

    def why_not(self, entry: AuditEntry) -> tuple[str, str]:
        """Why this copy does not replace the value ``entry`` set, and what to do."""
        by = f"was set to '{_short(as_text(entry.new))}' by {entry.who}"
        if self.saved is None:
            return f"{by}, and this copy does not say when it was saved", \
                "Decide which to keep."
        wrong = "; the clock of the computer that saved it was wrong, so which copy is " \
            "later cannot be told"
        mine = self._unbelievable(self.saved, self.issued)
        if mine:
            return (f"{by}, and this copy says it was saved {self.saved:{_SAVED}}, "
                    f"{mine}{wrong}", "Decide which to keep.")
        theirs = self._unbelievable(self.saved_by(entry), self.since)
        if theirs:
            return (f"{by}, which says it was saved {theirs}{wrong}",
                    "Decide which to keep.")
        return (f"{by}, and this copy was saved before that one ({self.saved:{_SAVED}})",
                "The later copy's value stands; if this copy is the officer's latest after "
                "all, open it in Excel, save it and merge it again.")


def _issued_time(returned: ReturnedWorkbook) -> datetime | None:
    """When ``returned`` was issued, as its hidden record says (None if it does not)."""
    with contextlib.suppress(TypeError, ValueError):
        return datetime.fromisoformat(str(returned.meta.get("issued")))
    return None


def _twins(plan: Plan) -> dict[str, list[Action]]:
    """The actions sharing an Action ID, by ID: a row copied in Excel to start a similar
    action copies its hidden ID too (validation says so); usually none."""
    seen: dict[str, list[Action]] = {}
    for action in plan.actions:
        seen.setdefault(action.action_id, []).append(action)
    return {key: actions for key, actions in seen.items() if len(actions) > 1}


def _told_apart(by_id: dict[str, Action], twins: dict[str, list[Action]],
                returned: ReturnedWorkbook) -> tuple[dict[str, Action], dict[str, str]]:
    """``by_id`` for this return: an Action ID on two rows of the master means the
    action whose Ref and Key action are those the return was issued with (or whose Ref
    alone is); and the IDs that cannot be told apart, with the Refs sharing each."""
    if not twins:
        return by_id, {}
    mine, doubtful = dict(by_id), {}
    for action_id, issued in returned.issued.items():
        actions = twins.get(action_id)
        if actions is None:
            continue
        values = issued.values
        for same in (lambda a: a.ref == values.get("ref") and
                     a.key_action == values.get("key_action"),
                     lambda a: a.ref == values.get("ref")):
            found = [a for a in actions if same(a)]
            if len(found) == 1:
                mine[action_id] = found[0]
                break
        else:
            mine.pop(action_id, None)
            doubtful[action_id] = ", ".join(a.ref or f"row {a.row}" for a in actions)
    return mine, doubtful


def _merge_one(plan: Plan, by_id: dict[str, Action], returned: ReturnedWorkbook,
               outcome: ReturnOutcome, when: datetime, contract: Contract,
               id_missing: bool = False, trail: _Trail | None = None,
               twins: dict[str, list[Action]] | None = None) -> None:
    """Merge one return into ``plan`` (``by_id``: its actions by Action ID; a merge
    adds no actions — new ones are requests — and removes none). ``id_missing``: the
    master's Plan ID was blank when it was read (see ``plan-id-missing``). ``trail``
    gives the Audit sheet's entries when a copy of this return was merged before (see
    :class:`_OtherCopies`). ``twins``: actions of the master sharing an Action ID (see
    :func:`_told_apart`)."""
    path = returned.path
    outcome.department = returned.department
    file = str(path)

    def refuse(code: str, message: str, typed: bool = False) -> None:
        outcome.refused = True
        outcome.findings.append(Finding(code, ERROR, message, file))
        if typed:  # a return of this plan: what its officer typed, to copy across
            outcome.findings.extend(_typed_in_refused(returned, file))
            outcome.findings.extend(returned.findings)

    if returned.meta.get("plan_id") != plan.settings.plan_id and id_missing:
        return refuse("return-other-plan",
                      f"{path.name} was issued from the plan with ID "
                      f"{returned.meta.get('plan_id')} ('{returned.meta.get('plan_title', '?')}'"
                      "), but this master's Plan ID in Settings is blank (deleted?). If this "
                      f"is that plan, type {returned.meta.get('plan_id')} back into Settings, "
                      "Plan ID, and merge again; nothing in this return was taken in.")
    if returned.meta.get("plan_id") != plan.settings.plan_id:
        return refuse("return-other-plan",
                      f"{path.name} was issued from another plan "
                      f"('{returned.meta.get('plan_title', '?')}', ID "
                      f"{returned.meta.get('plan_id')}), not this one "
                      f"({plan.settings.plan_id}); nothing in it was taken in.")
    issued_at = {str(r.revision) for r in plan.returns_log}
    if str(returned.meta.get("revision")) != str(plan.settings.revision) and \
            str(plan.settings.revision) not in issued_at and \
            str(returned.meta.get("revision")) in issued_at:
        return refuse("return-old-revision",
                      f"{path.name} was issued at revision {returned.meta.get('revision')}, "
                      f"but Plan revision in Settings is {plan.settings.revision}, at which "
                      "no returns were issued (changed by hand?). If so, set it back to "
                      f"{max(issued_at, key=int)} and merge again; nothing in this return "
                      "was taken in.")
    if str(returned.meta.get("revision")) != str(plan.settings.revision):
        return refuse("return-old-revision",
                      f"{path.name} was issued at revision {returned.meta.get('revision')} "
                      f"but the plan is now at revision {plan.settings.revision} (returns "
                      "were issued again since). Ask for the latest return instead; nothing "
                      "in this one was taken in.", typed=True)
    replaced_by = next((r for r in current_returns(plan)
                        if r.department == returned.department and
                        r.fingerprint != returned.fingerprint), None)
    department_now: dict[str, str] | None = None  # set for a replaced return
    if replaced_by is not None and any(r.fingerprint == returned.fingerprint
                                       for r in plan.returns_log):
        issued_on = f" on {replaced_by.issued:%d/%m/%Y}" if replaced_by.issued else ""
        department_now = departments_now(plan)
        outcome.findings.append(Finding(
            "return-reissued", WARNING,
            f"{path.name} was replaced: the {returned.department} return was issued "
            f"again{issued_on} ({replaced_by.file}). What its officer typed for actions "
            f"still in the {returned.department} return was taken in, as from a copy of "
            "that one (where both set a cell, the one saved last wins); rows of actions "
            "that have left it are listed below and not taken in."
            + (" The new return is still awaited." if replaced_by.merged is None else ""),
            file))
    outcome.findings.extend(returned.findings)
    who = f"{returned.department} return ({path.name}" + (
        f", saved {returned.saved:{_SAVED}})" if returned.saved is not None else ")")
    copies = _OtherCopies.of(plan, returned, trail) if trail is not None else None
    seen_rows: set[str] = set()
    reordered = False
    by_id, doubtful = _told_apart(by_id, twins or {}, returned)

    for row in returned.rows:
        issued = returned.issued.get(row.action_id)
        if issued is None:
            _unknown_row(plan, row, returned, outcome, when, who)
            continue
        if row.action_id in seen_rows:
            outcome.findings.extend(_typed_findings(
                row, file, "row-duplicated",
                f"Row {row.row} repeats the action in an earlier row (a copied row); "
                "what it holds is not taken in", issued.values))
            continue
        seen_rows.add(row.action_id)
        if row.row != issued.row:
            reordered = True
        if row.action_id in doubtful:
            outcome.findings.extend(_typed_findings(
                row, file, "action-id-duplicate",
                f"Ref {issued.values.get('ref')}: its Action ID is on more than one row of "
                f"the master (Refs {doubtful[row.action_id]}: a row copied?), and which one "
                "this return is for cannot be told; nothing for it was taken in. Clear the "
                "Action ID of the copy in the master (cip-xl gives it a new one) and merge "
                "again", issued.values))
            continue
        action = by_id.get(row.action_id)
        if action is None:
            outcome.findings.extend(_typed_findings(
                row, file, "action-removed",
                f"Ref {issued.values.get('ref')} has been removed from the master since "
                "the return was issued; what the officer typed is not taken in",
                issued.values))
            continue
        if _norm(action.ref) != _norm(issued.values.get("ref")) and \
                _norm(action.key_action) != _norm(issued.values.get("key_action")):
            outcome.findings.extend(_typed_findings(
                row, file, "action-id-elsewhere",
                f"Ref {issued.values.get('ref')} ('{_short(issued.values.get('key_action'))}')"
                f" was issued with an Action ID that the master now has on Ref {action.ref} "
                f"('{_short(action.key_action)}'): both its Ref and its Key action differ, "
                "as when the Plan sheet is sorted without its hidden Action ID column. "
                "Nothing for it was taken in: check the master's Action IDs against a "
                "backup (or, if the action was renumbered and reworded since, copy the "
                "officer's text across by hand)", issued.values))
            continue
        if department_now is not None and \
                department_now.get(row.action_id) != returned.department:
            outcome.findings.extend(_typed_findings(
                row, file, "action-moved",
                f"Ref {issued.values.get('ref')} is now in the "
                f"{department_now.get(row.action_id)} return, not this department's; "
                "what the officer typed for it is not taken in", issued.values))
            continue
        _merge_row(plan, action, row, issued.values, returned.columns, outcome, when, who,
                   file, copies)

    returned_ids = {r.action_id for r in returned.rows}
    for action_id, issued in returned.issued.items():
        if action_id not in seen_rows and action_id not in returned_ids:
            outcome.findings.append(Finding(
                "row-deleted", ERROR,
                f"Ref {issued.values.get('ref')} ('{_short(issued.values.get('key_action'))}') "
                f"was deleted from the return (it was row {issued.row}); nothing for it was "
                "taken in.", file, RETURN_SHEET, f"A{issued.row}", issued.values.get("ref")))
    if reordered:
        outcome.findings.append(Finding(
            "rows-reordered", WARNING,
            "The rows of the return were sorted or moved. Each row was matched to its "
            "action by its hidden Action ID, so edits were still taken in; the plan's "
            "order is unchanged.", file, RETURN_SHEET))
    for row in returned.new_actions:
        _new_action(plan, row, returned, outcome, when, who, NEW_ACTIONS_SHEET)
    if returned.notes:
        _notes(plan, by_id if department_now is None else
               {key: a for key, a in by_id.items()
                if department_now.get(key) == returned.department},
               returned, outcome, when, who)

    for record in plan.returns_log:
        if record.fingerprint == returned.fingerprint and record.merged is None:
            record.merged = when
            record.result = (f"{outcome.edits} applied, {len(outcome.refusals)} "
                             f"refused, {len(outcome.requests)} requests")
        elif record.fingerprint == returned.fingerprint and outcome.applied:
            record.result = (f"{record.result}; copy merged {when:%d/%m/%Y %H:%M}: "
                             f"{outcome.edits} applied, {len(outcome.refusals)} "
                             f"refused, {len(outcome.requests)} requests")


def _notes(plan: Plan, by_id: dict[str, Action], returned: ReturnedWorkbook,
           outcome: ReturnOutcome, when: datetime, who: str) -> None:
    """The notes an officer attached to cells (Excel's Review > New Note or New Comment,
    which the Return sheet's protection allows): one on an action's row of the Return
    sheet becomes a comment on that action, on the Change requests sheet like the
    Comment column; any other is a finding with its text, so none is lost."""
    file = str(returned.path)
    action_at: dict[int, Action] = {}
    for row in returned.rows:
        action = by_id.get(row.action_id) if row.action_id in returned.issued else None
        if action is not None:
            action_at.setdefault(row.row, action)
    for (sheet, cell), text in returned.notes.items():
        action = action_at.get(row_of(cell)) if sheet == RETURN_SHEET else None
        if action is not None:
            _request(plan, outcome, when, who, action, "Comment", text, "",
                     f"{_name_of(file)}!{sheet}!{cell} (a note on the cell)")
        else:
            outcome.findings.append(Finding(
                "return-note", ERROR,
                f"A note on this cell says '{_short(text, 200)}'; notes here are not taken "
                "into the plan.", file, sheet, cell))


def _typed_in_refused(returned: ReturnedWorkbook, file: str) -> list[Finding]:
    """What the officer typed in a return refused whole (issued again, or at an old
    revision): each cell that no longer holds what was issued, each note and each
    proposed new action, with its text, so that it can be copied into the current
    return."""
    found = []
    for row in returned.rows:
        issued = returned.issued.get(row.action_id)
        ref = issued.values.get("ref") if issued is not None else None
        for cell in _typed_by_officer(row, issued.values if issued is not None else None):
            found.append(Finding(
                "typed-in-refused-return", WARNING,
                f"Typed in this return{f' for Ref {ref}' if ref else ''}, not taken in: "
                f"'{_short(as_text(cell.value), 200)}'.", file, RETURN_SHEET,
                cell.coordinate, str(ref) if ref else None))
    for (sheet, cell), text in returned.notes.items():
        found.append(Finding(
            "typed-in-refused-return", WARNING,
            f"A note in this return, not taken in: '{_short(text, 200)}'.", file, sheet,
            cell))
    for row in returned.new_actions:
        first = min(row.cells.values(), key=lambda c: (len(c.coordinate), c.coordinate))
        text = "; ".join(as_text(c.value) for c in row.cells.values() if c.value is not None)
        found.append(Finding(
            "typed-in-refused-return", WARNING,
            f"A new action proposed in this return, not taken in: '{_short(text, 200)}'.",
            file, NEW_ACTIONS_SHEET, first.coordinate))
    return found


def _short(text: object, limit: int = 60) -> str:
    text = "" if text is None else str(text)
    return text if len(text) <= limit else text[:limit] + "…"


def _typed_findings(row: ReturnedRow, file: str, code: str, reason: str,
                    issued: dict | None = None, sheet: str = RETURN_SHEET) -> list[Finding]:
    """One finding per officer-typed cell of ``row`` (on ``sheet``) that is not taken in
    (cells that still hold what was ``issued`` lose nothing and are not listed)."""
    found = [Finding(code, ERROR, f"{reason} ('{_short(as_text(cell.value), 200)}').",
                     file, sheet, cell.coordinate)
             for cell in _typed_by_officer(row, issued)]
    if not found:
        found.append(Finding(code, ERROR, reason + ".", file, sheet, f"A{row.row}"))
    return found


def _typed_by_officer(row: ReturnedRow, issued: dict | None) -> list[ReturnedCell]:
    """The cells of ``row`` in the officer's columns that hold something other than
    what was ``issued``; for a row that was not issued (None), every cell it holds —
    a note typed below the table, say, under any heading."""
    if issued is None:
        return sorted((cell for key, cell in row.cells.items()
                       if key != "action_id" and cell.value is not None),
                      key=lambda cell: (len(cell.coordinate), cell.coordinate))
    found = []
    for key in ("status", "percent_complete", "progress_update", "proposed_date", "comment"):
        cell = row.cells.get(key)
        if cell is not None and cell.value is not None and \
                _norm(cell.value) != _norm(issued.get(key)):
            found.append(cell)
    return found


def _as_text(cell: ReturnedCell, findings: list[Finding], file: str, header: str) -> str | None:
    value = cell.value
    if value is None:
        return None
    text = as_text(value)
    if NOT_KEPT.search(text):
        findings.append(Finding(
            "control-characters", WARNING,
            f"{header} holds characters a workbook cannot store; they are kept as "
            "'\ufffd' marks.", file, RETURN_SHEET, cell.coordinate))
        text = NOT_KEPT.sub("\ufffd", text)
    if cell.formula or text[:1] in "=+@":
        findings.append(Finding(
            "formula-stored-as-text", WARNING,
            f"{header} starts like a formula ('{_short(text)}'); it is kept as text and "
            "never calculated.", file, RETURN_SHEET, cell.coordinate))
    return text


def _formula_result(cell: ReturnedCell, header: str, findings: list[Finding], file: str,
                    ref: str | None = None, sheet: str = RETURN_SHEET) -> tuple[bool, object]:
    """(ok, value) for a cell that holds a value — a status, a percentage, a date — and
    was typed as a formula ('=50+10', '=TODAY()+30'): what the formula showed when the
    return was saved, read as if typed, with a warning naming the formula; or a finding
    and ok=False when it showed an Excel error or the file holds no result (saved by a
    program that does not calculate)."""
    formula = _short(as_text(cell.value))
    before = f"Ref {ref}: {header[:1].lower()}{header[1:]}" if ref else header
    shown = cell.shown
    if shown is None:
        findings.append(Finding(
            "return-formula-no-result", ERROR,
            f"{before} is the formula '{formula}', saved without the value it works out "
            "(the program that saved the return does not calculate); it is not taken in. "
            "Type the value itself.", file, sheet, cell.coordinate, ref))
        return False, None
    if isinstance(shown, str) and shown.strip() in EXCEL_ERRORS:
        findings.append(Finding(
            "return-excel-error", ERROR,
            f"{before} is the formula '{formula}', which shows the Excel error "
            f"{shown.strip()}; it is not taken in.", file, sheet, cell.coordinate, ref))
        return False, None
    findings.append(Finding(
        "return-formula-result", WARNING,
        f"{before} is the formula '{formula}': '{_short(as_text(shown))}', what it showed "
        "when the return was saved, is read as if typed (a formula is never copied into "
        "the plan).", file, sheet, cell.coordinate, ref))
    return True, shown


def _read_field(key: str, cell: ReturnedCell, outcome: ReturnOutcome, file: str,
                contract: Contract | None = None) -> tuple[bool, object]:
    """(ok, value): the returned cell as a plan value, or a finding and ok=False."""
    header = schema.COLUMNS_BY_KEY[key].header if key in schema.COLUMNS_BY_KEY else key
    value = cell.value
    if cell.formula and (key in ("status", "percent_complete") or (
            isinstance(cell.shown, str) and cell.shown.strip() in EXCEL_ERRORS)):
        # a value typed as a formula is read as what it showed; text typed as one
        # ('=- see email') is kept as typed unless it showed an error, which is refused
        ok, value = _formula_result(cell, header, outcome.findings, file)
        if not ok:
            return False, None
    if isinstance(value, str) and value.strip() in EXCEL_ERRORS:
        outcome.findings.append(Finding(
            "return-excel-error", ERROR, f"{header} shows the Excel error {value.strip()}; "
            "it is not taken in.", file, RETURN_SHEET, cell.coordinate))
        return False, None
    if key == "status":
        if value is None:
            return True, ""
        word = schema.normalise_status(value)
        if word is None:
            outcome.findings.append(Finding(
                "return-status-invalid", ERROR,
                f"Status '{_short(as_text(value))}' is not one of the list "
                f"({', '.join(schema.STATUS_WORDS)}); it is not taken in.", file,
                RETURN_SHEET, cell.coordinate))
            return False, None
        if schema.status_letters(as_text(value)) != word.lower():  # another plan's word
            outcome.findings.append(Finding(
                "return-status-read-as", INFO,
                f"Status '{_short(as_text(value))}' is not one of the list; it was read as "
                f"'{word}'.", file, RETURN_SHEET, cell.coordinate))
        return True, word
    if key == "percent_complete":
        if value is None:
            return True, None
        number, hint = value, ""
        if isinstance(value, str):
            try:
                number = float(value.strip().rstrip("%"))
            except ValueError:
                number, hint = percent_in_words(value)
                if number is not None and 0 <= number <= 100:
                    outcome.findings.append(Finding(
                        "return-percent-words", WARNING,
                        f"% complete '{_short(value)}' is taken as {number:g} (the words "
                        "around the number are not kept).", file, RETURN_SHEET,
                        cell.coordinate))
        if isinstance(number, bool) or not isinstance(number, (int, float)) or \
                not 0 <= number <= 100:
            outcome.findings.append(Finding(
                "return-percent-invalid", ERROR,
                f"% complete '{_short(as_text(value))}' is not a number from 0 to 100; it is "
                f"not taken in" + (f" ({hint})." if hint else "."), file,
                RETURN_SHEET, cell.coordinate))
            return False, None
        if number.__class__ is float and 0 < number < 1 and not (
                isinstance(value, str) and value.strip().endswith("%")):
            # 60% typed into a cell formatted as a number keeps 0.6 (and shows 1)
            outcome.findings.append(Finding(
                "return-percent-fraction", WARNING,
                f"% complete {number:g} is taken as {number * 100:g}%: typing 60% into the "
                f"cell keeps it as 0.6. If {number:g}% was meant, correct the plan.",
                file, RETURN_SHEET, cell.coordinate))
            number = round(number * 100, 6)
        return True, float(number)
    text = _as_text(cell, outcome.findings, file, header)
    if text is not None and len(text) > EXCEL_CELL_LIMIT:
        outcome.findings.append(Finding(
            "return-cell-too-long", ERROR,
            f"{header} holds {len(text):,} characters, more than the {EXCEL_CELL_LIMIT:,} "
            "Excel keeps in a cell; it is not taken in (it begins "
            f"'{_short(text, 80)}').", file, RETURN_SHEET, cell.coordinate))
        return False, None
    return True, text


@lru_cache(maxsize=256)
def _name_of(file: str) -> str:
    """The file name of the return at ``file``, as audit sources quote it (once per
    return, not once per changed cell)."""
    return Path(file).name


def _merge_row(plan: Plan, action: Action, row: ReturnedRow, issued: dict,
               columns: dict[str, str], outcome: ReturnOutcome, when: datetime, who: str,
               file: str, copies: _OtherCopies | None = None) -> None:
    """Three-way merge of one returned row; columns missing from the return (reported
    when it was read) are skipped, an empty cell in a present column is a cleared value.
    ``copies``: what other copies of the same return set, which this copy replaces where
    the master still holds it and this copy was saved after them."""
    for key in LOCKED_FIELDS:
        if key not in columns:
            continue
        cell = row.cells.get(key)
        returned = cell.value if cell else None
        was = issued.get(key)
        if returned != was and _norm(returned) != _norm(was):  # equal values: equal _norm
            header = schema.COLUMNS_BY_KEY[key].header if key in schema.COLUMNS_BY_KEY \
                else "Status at issue"
            coordinate = cell.coordinate if cell else f"{columns[key]}{row.row}"
            typed = f"'{_short(as_text(returned), 200)}'" if returned is not None else "nothing"
            outcome.findings.append(Finding(
                "locked-edit", ERROR,
                f"Ref {issued.get('ref')}: {header} is not the officer's to change; "
                f"{typed} was typed where '{_short(as_text(issued.get(key)))}' was issued. Not "
                "taken in: ask the improvement manager to change it.", file, RETURN_SHEET,
                coordinate, str(issued.get("ref"))))

    # what this return says for each field it has; a status set to Complete with
    # % complete left as issued says 100 (derived from the return alone, so that
    # copies of one return give the same result in any order)
    said: dict[str, tuple[object, ReturnedCell, str]] = {}
    for key in APPLIED_FIELDS:
        if key not in columns:
            continue
        cell = row.cells.get(key) or ReturnedCell(None, f"{columns[key]}{row.row}", False)
        ok, value = _read_field(key, cell, outcome, file)
        if ok:
            said[key] = (value, cell, f"{_name_of(file)}!{RETURN_SHEET}!{cell.coordinate}")
    status = said.get("status")
    if status is not None and schema.normalise_status(status[0]) == "Complete":
        percent = said.get("percent_complete")
        unchanged = percent is None and "percent_complete" not in columns or \
            percent is not None and _norm(percent[0]) == _norm(issued.get("percent_complete"))
        if _norm(status[0]) != _norm(issued.get("status")) and unchanged:
            cell = percent[1] if percent is not None else status[1]
            said["percent_complete"] = (100.0, cell, COMPLETE_IS_100 if percent is None else
                                        f"{percent[2]}, {COMPLETE_IS_100}")
        elif percent is not None and _norm(percent[0]) != _norm(
                issued.get("percent_complete")) and _norm(percent[0]) != 100.0:
            outcome.findings.append(Finding(  # the officer's own figure stands
                "complete-not-100", WARNING,
                f"Ref {action.ref} is marked Complete but the return says "
                f"{as_text(percent[0]) or 'no'}% complete; check with the lead officer.",
                file, RETURN_SHEET, percent[1].coordinate, action.ref))

    changed = False
    for key in APPLIED_FIELDS:
        if key not in said:
            continue
        value, cell, source = said[key]
        theirs, base, mine = _norm(value), _norm(issued.get(key)), _norm(getattr(action, key))
        if theirs == base or theirs == mine:
            continue
        header = schema.COLUMNS_BY_KEY[key].header
        if mine != base:
            set_by = copies.entry(action.action_id, header, mine) if copies else None
            if set_by is None or not copies.saved_after(set_by):
                why, advice = copies.why_not(set_by) if set_by is not None else (
                    "was changed in the master since this return was issued (now "
                    f"'{_short(as_text(getattr(action, key)))}')", "Decide which to keep.")
                outcome.findings.append(Finding(
                    "clash", ERROR, f"Ref {action.ref}: {header} {why}; the officer's "
                    f"'{_short(as_text(value), 200)}' was not applied. {advice}", file,
                    RETURN_SHEET, cell.coordinate, action.ref))
                continue
            outcome.findings.append(Finding(
                "copy-replaced", WARNING,
                f"Ref {action.ref}: {header} '{_short(as_text(set_by.new))}', set by "
                f"{set_by.who}, was replaced by this copy's "
                f"'{_short(as_text(value), 200)}': this copy was saved later.", file,
                RETURN_SHEET, cell.coordinate, action.ref))
            source = f"{source}, replacing {set_by.source or set_by.who}"
        _apply(plan, action, key, value, outcome, when, who, source)
        changed = True
        _question_a_step_back(action, key, mine, value, outcome, file, cell.coordinate)
    if changed:
        old = action.last_updated
        if old != when.date():
            _apply(plan, action, "last_updated", when.date(), outcome, when, who,
                   "date of the merge", by_officer=False)

    proposed = row.cells.get("proposed_date")
    comment_cell = row.cells.get("comment")
    comment = _as_text(comment_cell, outcome.findings, file, "Comment") if comment_cell else None
    proposed_value = proposed.value if proposed is not None else None
    if proposed is not None and proposed.formula:
        ok, proposed_value = _formula_result(proposed, "Proposed revised date",
                                             outcome.findings, file, action.ref)
        if not ok:
            proposed = None
    parsed = parse_due(proposed_value) if proposed is not None else None
    if parsed is not None and parsed.kind in ("tbc", "ongoing", "recurring"):
        # "TBC": the date will move, to a day not known yet — news for the manager, but
        # no revised date to approve (approved, the action could no longer be judged)
        outcome.findings.append(Finding(
            "proposed-date-words", WARNING,
            f"Ref {action.ref}: proposed revised date '{_short(parsed.text)}' is not a date "
            "to approve; it is kept as a comment for the manager (a revised date, once "
            "known, can be proposed next time).", file, RETURN_SHEET, proposed.coordinate,
            action.ref))
        comment = f"Proposed revised date: {parsed.text}" + (f". {comment}" if comment
                                                             else "")
        comment_cell = comment_cell or proposed
        parsed = None
    if parsed is not None and parsed.kind not in ("date", "blank") + _DATE_PHRASES:
        outcome.findings.append(Finding(
            "return-date-invalid", ERROR,
            f"Ref {action.ref}: proposed revised date '{_short(as_text(proposed_value))}' "
            "is not a date, a month or a quarter; it is not taken in"
            + (f" ({unreadable_hint(parsed.text).rstrip('; ')})." if
               unreadable_hint(parsed.text) else "."), file, RETURN_SHEET,
            proposed.coordinate, action.ref))
    if parsed is not None and parsed.kind in ("date",) + _DATE_PHRASES and \
            _already_due(action, parsed.due) and not _requested_before(
                plan, action, parsed.due if parsed.kind == "date" else parsed.text,
                comment or ""):
        which = "revised date" if action.revised_date not in (None, "") else "target date"
        outcome.findings.append(Finding(
            "proposed-date-unchanged", INFO,
            f"Ref {action.ref}: the proposed revised date '{_short(parsed.text)}' is the "
            f"{which} the plan already has; no change request was made for it.", file,
            RETURN_SHEET, proposed.coordinate, action.ref))
        parsed = None  # a comment beside it is kept, below
    if parsed is not None and parsed.kind in ("date",) + _DATE_PHRASES:
        reference = plan.settings.reporting_date or when.date()
        if parsed.due < reference:
            as_of = "the reporting date" if plan.settings.reporting_date else "today"
            showing, typed, meant = typed_without_year(parsed.due)
            why = (f"the cell shows {showing} with no year: Excel reads '{typed}' typed in "
                   f"as that day of the year it is typed in; if {meant} was meant, correct "
                   "the request before approving it" if proposed.no_year and meant else
                   "check with the lead officer that it is not a slip of the year")
            outcome.findings.append(Finding(
                "return-date-past", WARNING,
                f"Ref {action.ref}: the proposed revised date {parsed.due:%d/%m/%Y} is "
                f"before {as_of} ({reference:%d/%m/%Y}), so approving it would make the "
                f"action overdue at once; {why}. It is on the Change requests sheet.", file,
                RETURN_SHEET, proposed.coordinate, action.ref))
        elif far := far_off_hint(parsed, reference):
            outcome.findings.append(Finding(
                "return-date-far-off", WARNING,
                f"Ref {action.ref}: the proposed revised date {far} Correct the request "
                "before approving it; it is on the Change requests sheet.", file,
                RETURN_SHEET, proposed.coordinate, action.ref))
        reason_cell = f", reason in {comment_cell.coordinate}" if comment else ""
        # "Sept 2027" (which Excel leaves as text) is proposed in the words typed, as a
        # revised date in the plan may be written; a day as the day
        _request(plan, outcome, when, who, action, "Revised date",
                 parsed.due if parsed.kind == "date" else parsed.text, comment or "",
                 f"{_name_of(file)}!{RETURN_SHEET}!{proposed.coordinate}{reason_cell}")
    elif comment:  # a comment on its own, or beside an unreadable date: kept
        _request(plan, outcome, when, who, action, "Comment", comment, "",
                 f"{_name_of(file)}!{RETURN_SHEET}!{comment_cell.coordinate}")


def _requested_before(plan: Plan, action: Action, proposed: object, reason: str) -> bool:
    """Whether this revised date, with this reason, is on the Change requests sheet
    already (merged before, perhaps approved since): merging again changes nothing."""
    wanted = _request_id(action, "Revised date", proposed, reason)
    return any(r.request_id == wanted for r in plan.change_requests)


def _already_due(action: Action, due) -> bool:
    """Whether ``action`` is already due on ``due``: its revised date, else its target
    date, read as the plan reads it ("Mar 2027" is due on 31/03/2027)."""
    current = action.revised_date if action.revised_date not in (None, "") else \
        action.target_date
    return parse_due(current).due == due


#: what a proposed revised date may be besides a day: a month ("Sept 2027") or a
#: period ("Q4 2026/27", "Summer 2027"), due at its end (see cip_xl.dates)
_DATE_PHRASES = ("month", "period")


def _apply(plan: Plan, action: Action, key: str, value: object, outcome: ReturnOutcome,
           when: datetime, who: str, source: str, by_officer: bool = True) -> None:
    old = getattr(action, key)
    setattr(action, key, value)
    header = schema.COLUMNS_BY_KEY[key].header
    plan.audit.append(AuditEntry(when, who, action.action_id, action.ref, header,
                                 _audit_value(old), _audit_value(value), source))
    outcome.applied.append(AppliedChange(action.action_id, action.ref, header, old, value,
                                         source, by_officer))


def _audit_value(value: object) -> object:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _question_a_step_back(action: Action, key: str, was: object, now: object,
                          outcome: ReturnOutcome, file: str, coordinate: str) -> None:
    """A warning, the change applied, where a return takes an action backwards: its %
    complete lower than the plan had, or an action that was Complete reopened — a slip
    of the keyboard as often as news, for the manager to check with the officer — or
    out of the plan (marked Cancelled), which usually needs agreeing."""
    if key == "percent_complete" and isinstance(was, (int, float)) and \
            isinstance(now, (int, float)) and now < was:
        outcome.findings.append(Finding(
            "percent-went-down", WARNING,
            f"Ref {action.ref}: % complete went down from {was:g} to {now:g} (applied); "
            "check with the lead officer that it is not a slip.", file, RETURN_SHEET,
            coordinate, action.ref))
    elif key == "status" and schema.normalise_status(was) == "Complete" and \
            schema.normalise_status(now) not in (None, "Complete"):
        outcome.findings.append(Finding(
            "action-reopened", WARNING,
            f"Ref {action.ref} was Complete and the return says '{_short(now)}' (applied): "
            "reopened. Check with the lead officer, and the Last updated date.", file,
            RETURN_SHEET, coordinate, action.ref))
    elif key == "status" and schema.normalise_status(now) == "Cancelled" and \
            schema.normalise_status(was) != "Cancelled":
        outcome.findings.append(Finding(
            "action-cancelled", WARNING,
            f"Ref {action.ref} is marked Cancelled by this return (applied): the action "
            "leaves the plan's count and shows as cancelled in the committee report. "
            "Taking an action out usually needs the agreement of whoever approved the "
            "plan: record it on the Review log, or set the status back if that was not "
            "meant.", file, RETURN_SHEET, coordinate, action.ref))


def _request_id(action: Action | None, kind: str, proposed: object, reason: str,
                **details) -> str:
    """The ID of a change request: the same request, merged again, has the same one."""
    return "CR" + fingerprint([action.action_id if action else "", kind, to_json(proposed),
                               reason, details.get("theme", ""),
                               to_json(details.get("target_date"))])[:8].upper()


def _request(plan: Plan, outcome: ReturnOutcome, when: datetime, who: str,
             action: Action | None, kind: str, proposed: object, reason: str, source: str,
             **details) -> None:
    """Add a change request unless the same one is already on the sheet."""
    request_id = _request_id(action, kind, proposed, reason, **details)
    if any(r.request_id == request_id for r in plan.change_requests):
        return
    request = ChangeRequest(request_id, when, who, action.action_id if action else "",
                            action.ref if action else "", kind, proposed, reason,
                            source=source, **details)
    plan.change_requests.append(request)
    outcome.requests.append(request)


def _unknown_row(plan: Plan, row: ReturnedRow, returned: ReturnedWorkbook,
                 outcome: ReturnOutcome, when: datetime, who: str) -> None:
    file = str(returned.path)
    if row.action_id:
        same_place = next((r.values for r in returned.issued.values() if r.row == row.row),
                          None)
        outcome.findings.extend(_typed_findings(
            row, file, "row-unknown-action",
            f"Row {row.row} has Action ID '{row.action_id}', which this return did not "
            "issue (the hidden ID was changed); what it holds is not taken in", same_place))
        return
    _new_action(plan, row, returned, outcome, when, who, RETURN_SHEET)


def _new_action(plan: Plan, row: ReturnedRow, returned: ReturnedWorkbook,
                outcome: ReturnOutcome, when: datetime, who: str, sheet: str) -> None:
    """A row an officer added: a change request for a new action, never applied."""
    file = str(returned.path)
    findings: list[Finding] = []

    def text(key: str) -> str:
        cell = row.cells.get(key)
        return (_as_text(cell, findings, file, key.replace("_", " ")) or "") if cell else ""

    key_action = text("key_action") or text("progress_update") or text("comment")
    target = row.cells.get("target_date")
    target_value = target.value if target else None
    if target is not None and target.formula:
        ok, target_value = _formula_result(target, "Target date", findings, file, sheet=sheet)
        if not ok:  # the request is still made, without a date
            target_value = None
    if isinstance(target_value, datetime):
        target_value = target_value.date()
    outcome.findings.extend(findings)
    if not key_action:
        outcome.findings.extend(_typed_findings(
            row, file, "new-action-incomplete",
            f"Row {row.row} of {sheet} has no proposed key action, so it cannot become a "
            "request", sheet=sheet))
        return
    first = min(row.cells.values(), key=lambda c: (len(c.coordinate), c.coordinate))
    _request(plan, outcome, when, who, None, "New action", key_action, text("comment"),
             f"{returned.path.name}!{sheet}!{first.coordinate}", theme=text("theme"),
             target_date=target_value, outcomes=text("target_outcomes"))
    outcome.findings.append(Finding(
        "new-action-requested", INFO,
        f"A new action was proposed ('{_short(key_action)}'); it is on the Change requests "
        "sheet for approval.", file, sheet, first.coordinate))
