"""What was typed into the master since cip-xl last saved it, for the audit trail.

Merges and approvals write every change they make to the Audit sheet, but a change typed
straight into the master in Excel — a target date moved, a progress update rewritten, an
action deleted by a colleague with the shared drive open, a reporting date moved on
Settings — left no trace. Every save of the plan keeps a copy of the file as written,
``backups/NAME.as-saved.xlsx`` (:func:`keep_saved_copy`). When the plan is next read, it
is compared with that copy (:func:`typed_since_saved`): each action's cell that differs,
each action added or removed, each setting, officer and theme changed, each review,
change request and issued return's record added, removed or changed (a decision typed, a
proposed date changed before it was approved) becomes an Audit entry, naming the place,
the value before and after, and whoever last saved the file (as the file's properties
say), which the next save writes to the Audit sheet. A value typed over a cell cip-xl
works out (Directorate, Next due) is told from one merely left stale and named before
the save replaces it. A file byte for byte as cip-xl saved it costs one comparison of
the two packages' directories; the copy is read only when the file was saved by
something else since.

The copy is never read as a backup (its name is not one), and a plan of another Plan ID
— a new year's plan saved under last year's name — is not compared with it. A plan saved
under a new name since cip-xl last saved it has no copy of its own yet: it is compared
with the copy under its old name (:func:`cip_xl.plan_history.earlier_saved_copy`).
"""
from __future__ import annotations

import re
import zipfile
from contextlib import suppress
from datetime import datetime
from operator import attrgetter
from pathlib import Path
from typing import Callable

from .action_ids import all_in_place, copied, left_behind, out_of_place, owners
from .cells import as_text, listed
from .file_stamp import saver_named
from .findings import ERROR, INFO, NAMED_ONE_BY_ONE, WARNING, Finding
from .model import Action, AuditEntry, ChangeRequest, Plan, ReturnRecord, ReviewEntry
from .returns import comparable
from .schema import (CHANGE_REQUESTS, COLUMNS_BY_KEY, COMPUTED, RETURNS_LOG, REVIEW_LOG,
                     Contract)

#: the saved copy's name in the backups folder: NAME.as-saved.xlsx
SAVED_SUFFIX = ".as-saved"

#: the Plan columns compared: those a person types (the computed ones are cip-xl's)
_COMPARED = tuple(key for key, column in COLUMNS_BY_KEY.items()
                  if column.kind != COMPUTED and key != "action_id")
#: an action's compared values, for one comparison of all of them (most are equal)
_VALUES = attrgetter(*_COMPARED)

#: a sheet's used range, "A1:H120" (or "A1"): its last row
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\b[^>]*\bref="[A-Z]+(\d+)(?::[A-Z]+(\d+))?"')


def saved_copy_path(plan_path: str | Path) -> Path:
    """Where the copy of the plan at ``plan_path`` as cip-xl last saved it is kept."""
    from .safe_save import BACKUP_FOLDER

    plan_path = Path(plan_path)
    return plan_path.parent / BACKUP_FOLDER / f"{plan_path.stem}{SAVED_SUFFIX}" \
        f"{plan_path.suffix}"


def discard_saved_copy(plan_path: str | Path, contract: Contract) -> None:
    """Before a save of the plan at ``plan_path`` writes it: remove the copy kept by
    the save before, which would no longer be the file as cip-xl saved it (should this
    save be cut short before :func:`keep_saved_copy`, the next reading compares
    nothing rather than take this save's changes for ones typed in the master). A copy
    whose Audit sheet has rows the file has lost since (entries deleted in Excel) is
    kept as a backup instead: the only file holding the trail as it was."""
    plan_path = Path(plan_path)
    copy = saved_copy_path(plan_path)
    with suppress(OSError):  # a folder gone read-only: the copy stays (rare)
        if _audit_rows_lost(plan_path, copy, contract):
            # named as a backup of the time it was saved (safe_save.backups_of)
            stamp = f"{datetime.fromtimestamp(copy.stat().st_mtime):%Y%m%d-%H%M%S}"
            target, counter = copy.with_name(f"{plan_path.stem}.{stamp}{plan_path.suffix}"), 1
            while target.exists():
                counter += 1
                target = copy.with_name(f"{plan_path.stem}.{stamp}-{counter}"
                                        f"{plan_path.suffix}")
            copy.replace(target)
            return
        copy.unlink(missing_ok=True)


def last_row(path: Path, title: str) -> int | None:
    """The last row the sheet ``title`` of the workbook at ``path`` says it uses (its
    ``dimension``, in the first bytes of its XML: nothing else inflated), or None."""
    from .fastbook import _sheet_parts

    try:
        with zipfile.ZipFile(path) as package:
            part = _sheet_parts(package).get(title)
            if part is None:
                return None
            with package.open(part) as xml:
                head = xml.read(4096)
    except (OSError, KeyError, zipfile.BadZipFile):
        return None
    found = _DIMENSION.search(head)
    return int(found.group(2) or found.group(1)) if found else None


def _audit_rows_lost(plan_path: Path, copy: Path, contract: Contract) -> int:
    """How many rows the Audit sheet of the plan at ``plan_path`` has fewer than it had
    in ``copy`` (0 if none, or either cannot tell)."""
    title = contract.sheet("audit")
    now, before = last_row(plan_path, title), last_row(copy, title)
    return before - now if now is not None and before is not None and now < before else 0


def keep_saved_copy(plan_path: str | Path) -> None:
    """After a save of the plan at ``plan_path``: keep a copy of the file as written
    (no copy, if it cannot be written: nothing is then compared)."""
    plan_path = Path(plan_path)
    copy = saved_copy_path(plan_path)
    temp = copy.with_name(f".{copy.name}.tmp")
    try:
        copy.parent.mkdir(exist_ok=True)
        temp.write_bytes(plan_path.read_bytes())
        temp.replace(copy)
    except OSError:
        with suppress(OSError):
            temp.unlink(missing_ok=True)


def copy_to_compare(plan_path: str | Path) -> Path | None:
    """The copy of the last save of the plan at ``plan_path`` that reading the plan
    compares it with, or None: no copy, or the plan is still byte for byte that file."""
    plan_path = Path(plan_path)
    copy = saved_copy_path(plan_path)
    return copy if copy.is_file() and not _unchanged(plan_path, copy) else None


def _unchanged(plan_path: Path, copy: Path) -> bool:
    """Whether the file at ``plan_path`` is still the one cip-xl saved as ``copy``:
    the same size and, part by part, the same checksums (read from the two packages'
    directories, nothing inflated)."""
    try:
        if plan_path.stat().st_size != copy.stat().st_size:
            return False
        with zipfile.ZipFile(plan_path) as now, zipfile.ZipFile(copy) as saved:
            return {(i.filename, i.CRC, i.file_size) for i in now.infolist()} == \
                {(i.filename, i.CRC, i.file_size) for i in saved.infolist()}
    except (OSError, zipfile.BadZipFile):
        return False


def _saved_by(plan_path: Path, copy: Path) -> tuple[datetime | None, str]:
    """(when, who) of the last save of ``plan_path`` that was not cip-xl's, as its core
    properties say — the time only if it differs from the saved copy's, the name only
    if it is not the one the copy already had."""
    from .return_read import saved_time

    def core(path: Path) -> bytes:
        try:
            with zipfile.ZipFile(path) as package:
                return package.read("docProps/core.xml")
        except (OSError, KeyError, zipfile.BadZipFile):
            return b""

    now, before = core(plan_path), core(copy)
    when = saved_time(now)
    if when is not None and when == saved_time(before):
        when = None

    who = saver_named(now)
    return when, who if who and (when is not None or who != saver_named(before)) else ""


def _history_elsewhere(plan_path: Path) -> list[Finding]:
    """A note for a plan whose copy of cip-xl's last save is in a backups folder it
    was moved away from (:func:`cip_xl.plan_history.history_elsewhere`), if it was."""
    from .plan_history import history_elsewhere

    said = history_elsewhere(plan_path)
    if not said:
        return []
    return [Finding("plan-history-elsewhere", INFO,
                    f"{said} Until then, what is typed into the plan in Excel cannot be "
                    "told from what cip-xl wrote (and audited), and `cip-xl restore` has no "
                    "backup to put back; the next save here starts a new history.",
                    str(plan_path))]


def _same(a: object, b: object) -> bool:
    """Whether two cell values read from the plan are the same to a person (see
    :func:`cip_xl.returns.comparable`: 60 and 60.0, a day and its midnight, blank and
    empty alike). Equal values of one type are the same without looking further: nearly
    every value compared is."""
    if a.__class__ is b.__class__ and a == b:
        return True
    return comparable(a) == comparable(b)


#: what cip-xl works out in a column, and how to change it instead of typing over it
_WORKED_OUT = {
    "directorate": "an action's directorate is its lead officer's, from the Officers "
                   "sheet: to move the action, change its Lead officer (or that "
                   "officer's directorate on Officers)",
    "due_date": "the next due date is worked out from the Target and Revised dates: to "
                "change it, write a Revised date",
}


def typed_since_saved(plan: Plan, plan_path: str | Path, contract: Contract,
                      reader) -> tuple[list[AuditEntry], list[Finding]]:
    """The Audit entries for what was typed into ``plan`` (just read from
    ``plan_path``: its actions, settings, officers, themes, reviews, change requests
    and record of returns) since cip-xl saved the copy :func:`keep_saved_copy` kept —
    Action IDs parted from their actions given back first (:func:`_mend_ids`) — and
    findings: what :func:`_mend_ids` says, a note saying how many, a warning
    for each value typed over a cell cip-xl works out (Directorate, Next due), which
    the next save replaces (``computed-typed-over``), and one for rows deleted from the
    Audit sheet (``audit-rows-deleted``). Nothing where there is no copy, the file is as
    saved, or the copy is of another plan (another Plan ID) or cannot be read.
    ``reader(path)`` reads the copy as a :class:`Plan`."""
    plan_path = Path(plan_path)
    copy, as_named = copy_to_compare(plan_path), ""
    if copy is None and not saved_copy_path(plan_path).is_file():
        # saved under a new name since cip-xl last saved it (plan_history)
        from .plan_history import earlier_saved_copy

        earlier = earlier_saved_copy(plan_path, plan.settings.plan_id, contract)
        if earlier is not None and not _unchanged(plan_path, earlier[0]):
            copy, as_named = earlier[0], f" as {earlier[1]}"
        elif earlier is None:
            return [], _history_elsewhere(plan_path)
    if copy is None:
        return [], []
    try:
        kept = reader(copy)
    except Exception:  # a damaged copy: nothing to compare with, nothing lost
        return [], []
    if kept.settings.plan_id != plan.settings.plan_id or not plan.settings.plan_id:
        return [], []
    mended = _mend_ids(kept, plan, copy, contract, str(plan_path))
    if any(f.severity == ERROR for f in mended):
        return [], mended  # every action would seem changed: nothing is compared
    when, who = _saved_by(plan_path, copy)
    # when the file does not say, when it was written (the same for every reading of it)
    stamp = when or datetime.fromtimestamp(int(plan_path.stat().st_mtime))
    # whoever saved the file last: others may have typed in it before them
    told = [part for part in (f"last saved by {who}" if who else "",
                              f"{'' if who else 'saved '}{when:%d/%m/%Y %H:%M}" if when
                              else "") if part]
    said = f" ({', '.join(told)})" if told else ""
    file_said = f" (the file was {', '.join(told)})" if who else said
    by = f"Edited in the master{said}"
    source = plan.source
    sheet = source.plan_sheet if source is not None else contract.plan_sheet
    name = plan_path.name
    typed_over: list[tuple[Action, str, object]] = []

    def where(title: str, action: Action | None, key: str | None, field: str) -> str:
        if title != sheet:
            return f"{name}!{title}, typed in the master"
        if field == "Action removed":
            return f"{name}!{sheet}, deleted in the master"
        cell = source.cell(key, action.row) if source is not None and key else None
        row = f"{sheet}!{cell}" if cell else f"{sheet}!row {action.row}" if action.row \
            else sheet
        return f"{name}!{row}, typed in the master"

    entries, places = entries_between(kept, plan, contract, stamp, by, where, typed_over)
    findings = mended + _typed_over(typed_over, contract, str(plan_path), sheet, source)
    lost = _audit_rows_lost(plan_path, copy, contract)
    if lost:
        trail = contract.sheet("audit")
        findings.append(Finding(
            "audit-rows-deleted", WARNING,
            f"The {trail} sheet has {lost} row{'s' if lost != 1 else ''} fewer than when "
            f"cip-xl last saved the plan{file_said}: entries of the trail were deleted. The next "
            "save keeps the plan as cip-xl saved it, with every entry, as a backup in "
            f"{copy.parent.name}/; copy the rows back from there if that was not meant.",
            str(plan_path), trail))
    if not entries:
        return [], findings
    shown = [f"Ref {e.ref} {e.field}" if e.ref else e.field for e in entries[:NAMED_ONE_BY_ONE]]
    more = f" and {len(entries) - NAMED_ONE_BY_ONE} more" if len(entries) > NAMED_ONE_BY_ONE else ""
    findings.insert(0, Finding(
        "master-edited", INFO,
        f"{len(entries)} change{'s' if len(entries) != 1 else ''} "
        f"{'were' if len(entries) != 1 else 'was'} made in the master since cip-xl last "
        f"saved it{as_named}{file_said}, to {listed(places)} ({'; '.join(shown)}{more}): a save "
        "records each on the Audit sheet, with the value before.", str(plan_path), sheet))
    return entries, findings


def entries_between(kept: Plan, plan: Plan, contract: Contract, when: datetime, who: str,
                    place: Callable[[str, Action | None, str | None, str], str],
                    typed_over: list[tuple[Action, str, object]] | None = None,
                    ) -> tuple[list[AuditEntry], list[str]]:
    """The Audit entries, made ``when`` by ``who``, for each difference between ``kept``
    (the plan before) and ``plan`` (after): each action's cell changed, each action
    added or removed, each setting, officer and theme changed, each review, change
    request and issued return's record added, removed or changed. ``place(sheet title,
    action or None, column key or None, field)`` gives each entry's Source. Values
    typed over the cells cip-xl works out are added to ``typed_over``, if given.
    Returns the entries and the places changed, for a message to list ("3 actions on
    the Plan sheet", "the Settings sheet")."""
    source = plan.source
    sheet = source.plan_sheet if source is not None else contract.plan_sheet
    entries: list[AuditEntry] = []
    for action, field, key, old, new in _actions_changed(
            kept, plan, contract, typed_over if typed_over is not None else []):
        entries.append(AuditEntry(when, who, action.action_id, action.ref, field, old, new,
                                  place(sheet, action, key, field)))
    changed = len({e.action_id for e in entries})
    places = [f"{changed} action{'s' if changed != 1 else ''} on the {sheet} sheet"] \
        if entries else []
    for key, records in (("settings", _settings_changed(kept, plan)),
                         ("officers", _officers_changed(kept, plan)),
                         ("themes", _themes_changed(kept, plan)),
                         ("review_log", _log_changed(kept.review_log, plan.review_log,
                                                     ReviewEntry, REVIEW_LOG, "version")),
                         ("change_requests", _log_changed(
                             kept.change_requests, plan.change_requests, ChangeRequest,
                             CHANGE_REQUESTS, "request_id")),
                         ("returns", _log_changed(kept.returns_log, plan.returns_log,
                                                  ReturnRecord, RETURNS_LOG, "file"))):
        title = contract.sheet(key)
        for what, old, new, *about in records:  # a change request is about an action
            record = about[0] if about else None
            field = f"{title}: {what}"
            entries.append(AuditEntry(when, who, getattr(record, "action_id", ""),
                                      getattr(record, "ref", ""), field, old, new,
                                      place(title, None, None, field)))
        if records:
            places.append(f"the {title} sheet")
    return entries, places


def _ids_put_back(kept: Plan, plan: Plan, moved: list[tuple[Action, str]], copy: Path,
                  contract: Contract, file: str) -> Finding:
    """Give each action of ``plan`` back its own Action ID, from ``kept`` (read from
    ``copy``), when ``moved`` (:func:`cip_xl.action_ids.out_of_place`) says rows were
    sorted without their hidden ID column: a warning (``action-ids-put-back``) saying so
    and how to sort safely; or, when not every action can be matched for certain, an
    error (``action-ids-out-of-place``) that stops any save — which would tie the
    returns, requests and trail of one action to another for good."""
    from .action_ids import give_back, matched_ids
    from .safe_save import in_backups

    source = plan.source
    sheet = source.plan_sheet if source is not None else contract.plan_sheet
    first = moved[0][0]
    cell = source.cell("action_id", first.row) if source is not None else None
    column = "".join(ch for ch in cell if ch.isalpha()) if cell else ""
    named = "; ".join(f"Ref {action.ref} had the ID of Ref {was}"
                      for action, was in moved[:NAMED_ONE_BY_ONE])
    more = f" and {len(moved) - NAMED_ONE_BY_ONE} more" if len(moved) > NAMED_ONE_BY_ONE \
        else ""
    what = (f"The Action IDs of {len(moved)} actions no longer sit beside their actions "
            f"({named}{more}): the {sheet} sheet looks sorted, or rows moved, without "
            f"its hidden Action ID column{f' ({column})' if column else ''}")
    how = ("To sort the plan, use the filter buttons in the heading row, or select "
           "whole rows: the hidden column then moves with them.")
    where = in_backups(copy)
    matched, why = matched_ids(kept, plan, copy.name)
    if matched is None:
        stop = Finding(
            "action-ids-out-of-place", ERROR,
            f"{what}. Returns, change requests and the Audit sheet know actions only by "
            f"these IDs, and cip-xl could not give every action back its own ({why}). "
            "Nothing is saved until they are: undo the sort in Excel, or put the rows "
            f"back in the order of the plan as cip-xl last saved it ({where}). {how}",
            file, sheet, cell, first.ref or None)
        if source is not None:
            source.do_not_save = stop
        return stop
    fresh = give_back(plan, matched)
    refs = ", ".join(a.ref or f"row {a.row}" for a in fresh)
    return Finding(
        "action-ids-put-back", WARNING,
        f"{what}. Each action was given back its own ID from the plan as cip-xl last "
        f"saved it ({where}), matched by its Key action and Ref; the next save writes "
        "them beside their actions"
        + (f". Not in that file, so given new IDs: {refs}" if fresh else "")
        + f". {how}", file, sheet, cell, first.ref or None)


def _mend_ids(kept: Plan, plan: Plan, copy: Path, contract: Contract,
              file: str) -> list[Finding]:
    """Give actions of ``plan`` parted from their Action IDs in Excel their IDs back
    from ``kept`` (the copy of the last save, read from ``copy``; see
    :mod:`cip_xl.action_ids`), with findings saying so: rows sorted without the hidden
    column (:func:`_ids_put_back`), an action's cells moved without it or its ID
    cleared (``action-id-taken-back``), a row copied ID and all and made a new action
    (``action-id-copied``). Only an error, nothing else mended, when which ID is whose
    cannot be told."""
    from .model import derived_action_id

    if all_in_place(kept, plan):  # the usual case: nothing to mend
        return []
    owner = owners(kept, plan)  # which action of the last save each row is
    moved = out_of_place(kept, plan, owner)
    found = [_ids_put_back(kept, plan, moved, copy, contract, file)] if moved else []
    if found and found[0].severity == ERROR:
        return found
    source = plan.source
    sheet = source.plan_sheet if source is not None else contract.plan_sheet

    def note(code: str, action: Action, message: str) -> None:
        cell = source.cell("action_id", action.row) if source is not None else None
        found.append(Finding(code, INFO, message, file, sheet, cell, action.ref or None))

    for action, ident in left_behind(kept, plan, owner):
        action.action_id = ident
        note("action-id-taken-back", action,
             f"Row {action.row} (Ref {action.ref}) had no Action ID of its own — its cells "
             "moved there without the hidden column, or its ID cleared? It is the action "
             "the last save had under that Ref and Key action, so it keeps its ID, "
             f"{ident}, which the next save writes (returns and the trail know the action "
             "by it).")
    held = {action.action_id for action in (*kept.actions, *plan.actions)}
    for duplicate, original in copied(kept, plan, owner):
        was = duplicate.action_id
        # the same at each reading of the file: the ID this finding names is the one
        # the next save writes
        duplicate.action_id = derived_action_id((duplicate.row, duplicate.ref,
                                                 duplicate.key_action), held)
        held.add(duplicate.action_id)
        note("action-id-copied", duplicate,
             f"Row {duplicate.row} (Ref {duplicate.ref}) had the Action ID of Ref "
             f"{original.ref} (row {original.row}), {was}, copied with its row: it is a new "
             f"action, so it gets an ID of its own, {duplicate.action_id}, which the next "
             "save writes.")
    return found


#: a sheet of records, by its key, and the plan's attribute holding its records
_RECORDS = {"officers": "officers", "themes": "themes", "settings": "settings",
            "review_log": "review_log", "audit": "audit",
            "change_requests": "change_requests", "returns": "returns_log"}


def restore_sheets(plan: Plan, plan_path: str | Path, contract: Contract, gone: list[str],
                   reader) -> Finding | None:
    """Sheets of records cip-xl wrote, deleted from the plan at ``plan_path`` since
    (``gone``: their keys, as in ``contract.sheet_names``): their records in ``plan``
    taken from the copy :func:`keep_saved_copy` kept of the last save, for the next
    save to write the sheets again, and a warning saying so (``sheet-restored``).
    ``None`` — nothing taken — when there is no copy, it cannot be read, or it is not
    of this plan (another Plan ID; with Settings gone, too few of the same actions).
    ``reader(path, audit)`` reads the copy as a :class:`Plan` (its audit trail too if
    ``audit``)."""
    from .safe_save import in_backups

    plan_path = Path(plan_path)
    copy = saved_copy_path(plan_path)
    if not copy.is_file():
        return None
    try:
        kept = reader(copy, "audit" in gone)
    except Exception:  # a damaged copy: the caller refuses to save instead
        return None
    if "settings" in gone:
        ids = {a.action_id for a in plan.actions if a.action_id}
        if len(ids & {a.action_id for a in kept.actions}) * 2 < max(1, len(ids)):
            return None
    elif not plan.settings.plan_id or kept.settings.plan_id != plan.settings.plan_id:
        return None
    source = plan.source
    for key in gone:
        records = getattr(kept, _RECORDS[key])
        for record in records if key in ("officers", "themes") else ():
            record.row = None  # written one after another in the new sheet
        setattr(plan, _RECORDS[key], records)
        if source is not None:
            source.record_rows.pop(key, None)
            source.sheets[key] = contract.sheet(key)
    if source is not None and "audit" in gone:
        source.audit_unread = False
    names = [f"'{contract.sheet(key)}'" for key in gone]
    plural = len(gone) > 1
    stamp = datetime.fromtimestamp(copy.stat().st_mtime)
    return Finding(
        "sheet-restored", WARNING,
        f"{plan_path.name} has no {listed(names)} sheet{'s' if plural else ''} (deleted?), "
        "which cip-xl wrote there with records no other sheet keeps. "
        f"{'Their' if plural else 'Its'} records were taken from the plan as cip-xl last "
        f"saved it ({in_backups(copy)}, {stamp:%d/%m/%Y %H:%M}), and the next "
        f"save writes {'them' if plural else 'it'} again; anything typed into "
        f"{'them' if plural else 'it'} in Excel after that save is not in that copy.",
        str(plan_path), contract.sheet(gone[0]))


def _actions_changed(kept: Plan, plan: Plan, contract: Contract,
                     typed_over: list[tuple[Action, str, object]]):
    """(action, field, column key or None, before, now) for each change to an action of
    ``plan`` since ``kept``: a cell changed ("Target date"), an action added ("New
    action") or removed ("Action removed", the action as it was). Values typed over
    the cells cip-xl works out are added to ``typed_over``."""
    before = {a.action_id: a for a in kept.actions if a.action_id}
    for action in plan.actions:
        old = before.pop(action.action_id, None)
        if old is None:
            yield action, "New action", "key_action", None, action.key_action
            continue
        for key in _WORKED_OUT:  # the value cip-xl wrote, changed: typed over
            typed = getattr(action, key)
            if typed not in (None, "") and not _same(getattr(old, key), typed):
                typed_over.append((action, key, typed))
        if _VALUES(old) == _VALUES(action) and old.extra == action.extra:
            continue
        for key in _COMPARED:
            if not _same(getattr(old, key), getattr(action, key)):
                yield (action, contract.column(key).header, key, getattr(old, key),
                       getattr(action, key))
        for header in sorted(set(old.extra) | set(action.extra)):
            if not _same(old.extra.get(header), action.extra.get(header)):
                yield action, header, None, old.extra.get(header), action.extra.get(header)
    for old in before.values():
        yield old, "Action removed", None, old.key_action, None


def _settings_changed(kept: Plan, plan: Plan) -> list[tuple[str, object, object]]:
    """(setting, before, now) for each setting of ``plan`` that differs from ``kept``:
    a reporting date moved changes every traffic light."""
    from .schema import SETTINGS_ROWS

    changed = [(label, kept.settings.written(key), plan.settings.written(key))
               for key, label in SETTINGS_ROWS]
    extra = kept.settings.extra, plan.settings.extra
    changed += [(label, extra[0].get(label), extra[1].get(label))
                for label in dict.fromkeys([*extra[0], *extra[1]])]
    return [(label, old, new) for label, old, new in changed if not _same(old, new)]


def _officers_changed(kept: Plan, plan: Plan) -> list[tuple[str, object, object]]:
    """(what, before, now) for each officer added, removed or changed, by code."""
    def by_code(officers) -> dict[str, object]:
        found: dict[str, object] = {}
        for officer in officers:
            found.setdefault(officer.code.strip().upper(), officer)
        return found

    before, now = by_code(kept.officers), by_code(plan.officers)
    fields = (("title", "Title"), ("name", "Name"), ("email", "Email"),
              ("directorate", "Directorate"))
    changed = []
    for code, officer in now.items():
        old = before.get(code)
        if old is None:
            changed.append((f"{officer.code} added", None,
                            ", ".join(p for p in (officer.title, officer.name) if p)))
            continue
        changed += [(f"{officer.code} {label}", getattr(old, key), getattr(officer, key))
                    for key, label in fields
                    if not _same(getattr(old, key), getattr(officer, key))]
    changed += [(f"{old.code} removed", ", ".join(p for p in (old.title, old.name) if p),
                 None) for code, old in before.items() if code not in now]
    return changed


def _log_changed(before: list, now: list, kind: type, spec,
                 key: str) -> list[tuple[str, object, object, object]]:
    """(what, before, now, entry) for each entry (a ``kind``) of a log sheet (``spec``: the
    Review log, the Change requests, the Returns) added, removed or changed, each
    entry known by its field ``key`` (a request's ID, a review's version, a return's
    file name) — a decision typed over, a proposal reworded before it was approved,
    a request deleted with the officer's words. The entry (as it is now, or was)
    gives the Audit entry its action, if it has one."""
    from dataclasses import fields

    names = [f.name for f in fields(kind)]
    headings = dict(zip(names, spec.headers))

    def by_key(entries: list) -> dict[str, object]:
        found: dict[str, object] = {}
        for entry in entries:
            found.setdefault(str(getattr(entry, key) or "").strip(), entry)
        return found

    def told(entry) -> str:
        return "; ".join(f"{headings[name]}: {as_text(getattr(entry, name))}"
                         for name in names if getattr(entry, name) not in (None, ""))

    old, new = by_key(before), by_key(now)
    label = headings.get(key, "")
    changed = []
    for ident, entry in new.items():
        was = old.get(ident)
        if was is None:
            changed.append((f"{label} {ident} added", None, told(entry), entry))
            continue
        changed += [(f"{label} {ident} {headings[name]}", getattr(was, name),
                     getattr(entry, name), entry) for name in names
                    if not _same(getattr(was, name), getattr(entry, name))]
    changed += [(f"{label} {ident} removed", told(was), None, was)
                for ident, was in old.items() if ident not in new]
    return changed


def _themes_changed(kept: Plan, plan: Plan) -> list[tuple[str, object, object]]:
    """(what, before, now) for each theme added, removed or described anew, by name."""
    before = {t.name.strip(): t for t in kept.themes}
    now = {t.name.strip(): t for t in plan.themes}
    changed = [("theme added", None, name) for name in now if name not in before]
    changed += [("theme removed", name, None) for name in before if name not in now]
    changed += [(f"{name} description", before[name].description, theme.description)
                for name, theme in now.items()
                if name in before and not _same(before[name].description,
                                                theme.description)]
    return changed


def _typed_over(typed: list[tuple[Action, str, object]], contract: Contract, file: str,
                sheet: str, source) -> list[Finding]:
    """Warnings for values typed over cells cip-xl works out (``computed-typed-over``):
    one per cell, or one for a column with many."""
    found = []
    for key, why in _WORKED_OUT.items():
        cells = [(action, value) for action, k, value in typed if k == key]
        if not cells:
            continue
        header = contract.column(key).header
        first, value = cells[0]
        if len(cells) > NAMED_ONE_BY_ONE:
            found.append(Finding(
                "computed-typed-over", WARNING,
                f"{len(cells)} cells of the {header} column were typed over since cip-xl "
                f"last saved the plan (from Ref {first.ref}: '{as_text(value)[:40]}'): "
                f"{why}. The next save writes what cip-xl works out (what was typed stays "
                "in the backup).", file, sheet,
                source.cell(key, first.row) if source is not None else None))
            continue
        for action, value in cells:
            found.append(Finding(
                "computed-typed-over", WARNING,
                f"{header} of Ref {action.ref} holds '{as_text(value)[:40]}', typed over "
                f"what cip-xl worked out: {why}. The next save writes it again (what was "
                "typed stays in the backup).", file, sheet,
                source.cell(key, action.row) if source is not None else None, action.ref))
    return found
