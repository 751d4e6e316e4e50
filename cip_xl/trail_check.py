"""Checking that the Audit sheet only ever grew: no entry changed or removed since the
versions of the plan cip-xl kept.

The trail is a sheet like any other: a cell can be retyped and a row deleted in Excel.
Every save keeps the plan as it was before (a backup) and as written (the copy of the
last save, :mod:`cip_xl.master_edits`), each with the trail as it stood then. Each entry
those files hold must still be in the plan, word for word — in any row, so that a
trail sorted or filtered and saved passes. One that is not is named with the row it
was in and the file that has it: ``audit-entry-changed`` when another entry now stands
in its row (the differing columns named), else ``audit-entry-removed``. Files of
another plan (another Plan ID) are passed by. Each file's trail is read in full, so
this is a check asked for (``cip-xl validate --trail``), not part of every reading.
"""
from __future__ import annotations

from collections import Counter
from pathlib import Path

from .cells import as_text
from .findings import NAMED_ONE_BY_ONE, WARNING, Finding, PlanFileError
from .model import AuditEntry
from .returns import comparable
from .schema import AUDIT, Contract

#: the fields of an entry, in the order of the sheet's headings
_FIELDS = ("when", "who", "action_id", "ref", "field", "old", "new", "source")


def entry_key(entry: AuditEntry) -> tuple:
    """An entry as compared: each value as a person reads it (a date and its midnight,
    60 and 60.0, alike; see :func:`cip_xl.returns.comparable`)."""
    return tuple(comparable(getattr(entry, name)) for name in _FIELDS)


def _told(entry: AuditEntry) -> str:
    when = f"{entry.when:%d/%m/%Y %H:%M}" if hasattr(entry.when, "strftime") else \
        as_text(entry.when)
    about = ", ".join(part for part in (f"Ref {entry.ref}" if entry.ref else "",
                                        entry.field) if part)
    return f"entry of {when} by {entry.who or '(no one)'}" + (f" ({about})" if about else "")


def _kept_versions(plan_path: Path, plan_id: str,
                   contract: Contract) -> list[tuple[str, Path]]:
    """(what to call it, file) of each version of the plan cip-xl kept, newest first:
    the copy of the last save, then the backups — under a name the plan had before too
    (:mod:`cip_xl.plan_history`)."""
    from .master_edits import saved_copy_path
    from .plan_history import earlier_saved_copy, every_backup
    from .safe_save import in_backups

    versions = []
    copy = saved_copy_path(plan_path)
    if copy.is_file():
        versions.append((f"the copy of the last save ({in_backups(copy)})", copy))
    else:
        earlier = earlier_saved_copy(plan_path, plan_id, contract)
        if earlier is not None:
            versions.append((f"the copy of the last save as {earlier[1]} "
                             f"({in_backups(earlier[0])})", earlier[0]))
    versions += [(f"the backup of {when:%d/%m/%Y %H:%M} ({in_backups(path)})", path)
                 for when, path in every_backup(plan_path, plan_id, contract)]
    return versions


def check_trail(plan_path: str | Path, contract: Contract) -> list[Finding]:
    """Findings for each Audit entry a kept version of the plan at ``plan_path`` has and
    the plan has not (see the module's doc): one per entry, in the newest version that
    has it, up to :data:`~cip_xl.findings.NAMED_ONE_BY_ONE` of them and one for the
    rest. A kept version that cannot be read is passed by. Raises
    :class:`~cip_xl.findings.PlanFileError` if the plan itself cannot be read."""
    from .plan_read import read_trail

    plan_path = Path(plan_path)
    title = contract.sheet("audit")
    rows: list[int] = []
    plan_id, entries = read_trail(plan_path, contract, rows)
    now = Counter(entry_key(entry) for entry in entries)
    in_row = dict(zip(rows, entries))
    told: set[tuple] = set()
    found: list[tuple[str, str, str, int, str | None]] = []  # code, message, file, row, cell
    for called, version in _kept_versions(plan_path, plan_id, contract):
        at: list[int] = []
        try:
            their_id, kept = read_trail(version, contract, at)
        except (PlanFileError, OSError):
            continue
        if their_id != plan_id:
            continue
        theirs = {entry_key(entry) for entry in kept}
        left = now.copy()
        for entry, row in zip(kept, at):
            key = entry_key(entry)
            if left[key] > 0:
                left[key] -= 1
                continue
            if key in told:
                continue
            told.add(key)
            there = in_row.get(row)  # an entry of theirs there now moved up, not retyped
            found.append(_finding_parts(entry, row, None if there is None or entry_key(there)
                                        in theirs else there, called))
    file = str(plan_path)
    findings = [Finding(code, WARNING, message, file, title, cell)
                for code, message, _, _, cell in found[:NAMED_ONE_BY_ONE]]
    if len(found) > NAMED_ONE_BY_ONE:
        rest = found[NAMED_ONE_BY_ONE:]
        findings.append(Finding(
            "audit-entry-changed" if any(c == "audit-entry-changed" for c, *_ in rest)
            else "audit-entry-removed", WARNING,
            f"{len(rest)} more entries the kept versions of the plan have are not on the "
            f"{title} sheet as they were (from row {rest[0][3]}, in {rest[0][2]}): entries "
            "of the trail are never changed or removed; copy them back from those files.",
            file, title, rest[0][4]))
    return findings


def _finding_parts(entry: AuditEntry, row: int, there: AuditEntry | None,
                   called: str) -> tuple[str, str, str, int, str | None]:
    """(code, message, version, row, cell) for ``entry``, in ``row`` of the version
    called ``called`` and not in the plan, whose entry in that row now is ``there``:
    the cell that starts the entry's row now, or None for an entry removed."""
    if there is not None:
        changed = [(heading, getattr(entry, name), getattr(there, name))
                   for name, heading in zip(_FIELDS, AUDIT.headers)
                   if comparable(getattr(entry, name)) != comparable(getattr(there, name))]
        if len(changed) < len(_FIELDS) // 2:  # the same entry, retyped
            what = "; ".join(f"{heading} was '{as_text(old)[:60]}', now "
                             f"'{as_text(new)[:60]}'" for heading, old, new in changed)
            return ("audit-entry-changed",
                    f"Row {row}: the {_told(entry)} has been changed since {called}: "
                    f"{what}. Entries of the trail are never changed; copy the row back "
                    "from that file.", called, row, f"A{row}")
    return ("audit-entry-removed",
            f"The {_told(entry)}, in row {row} of {called}, is no longer on the sheet. "
            "Entries of the trail are never removed; copy the row back from that file.",
            called, row, None)
