"""Putting a backup of the plan back, with nothing of the trail lost.

After a merge taken in from the wrong files, a column sorted without its Action IDs and
saved, or a master damaged on the shared drive, the way back is a backup: each save
keeps the plan as it was in ``backups/`` beside it. Copying one over the plan by hand
loses the Audit entries made since, and the next reading takes every value it puts back
for one typed in the master. :func:`restore` instead, under the plan's lock (a plan
open in Excel is refused, as by every job that saves it):

- keeps the plan as it is now as a backup too — a damaged plan included — so that a
  restore can itself be undone;
- puts the backup's file back, every sheet and format as it was, except that the Audit
  sheet keeps every entry made since (the trail only grows) and gains one saying what
  was restored and one for each value put back, with the value it replaces;
- keeps the record of the returns issued since (they are out with officers): those
  merged since show as not merged, to be merged again, and the plan's revision does not
  go back, so that they are not refused as old ones.

The trail of a plan that cannot be read is taken from the copy of its last save
(:mod:`cip_xl.master_edits`).
"""
from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path

from .findings import ERROR, INFO, WARNING, Finding, PlanFileError
from .model import AuditEntry, Plan, ReturnRecord
from .schema import Contract

#: the Audit entry that says a restore was made
RESTORED_FIELD = "Plan restored"


@dataclass
class KeptVersion:
    """A backup of the plan, as ``cip-xl restore --list`` shows it: when it was made,
    the file, who made the Audit entries since, and the saves since, newest first, as
    each recorded what it was ("status as of 30/09/2026", "merge of 12 returns") —
    what restoring it undoes. ``more_saves``: there were saves since that are not in
    ``saves_since`` (their backups have been pruned, or a cip-xl that did not record
    its saves made them). ``earlier_name``: the plan's file name when the backup was
    made, where it was another (the plan has been saved under a new name since)."""

    made: datetime
    path: Path
    entries_since: int
    made_by: list[str]
    saves_since: list[str] = field(default_factory=list)
    more_saves: bool = False
    earlier_name: str = ""

    def saves_said(self, shown: int = 4) -> str:
        """:attr:`saves_since` as a line: the first ``shown`` and how many more, and
        whether there were others not recorded."""
        saves = self.saves_since
        text = "; ".join(saves[:shown]) + (f" and {len(saves) - shown} more"
                                            if len(saves) > shown else "")
        if self.more_saves:
            text += ("; and " if text else "") + "earlier saves not recorded (their " \
                "backups were pruned, or an older cip-xl made them)"
        return text or "none recorded"


@dataclass
class Restoring:
    """What :func:`restore` did (or, with ``dry_run``, would do).

    ``backup`` was put back at ``plan_path``; ``replaced`` is the backup of the plan
    as it was (``None`` in a dry run, or when there was no plan); ``entries`` are the
    Audit entries the restore made (the first says what was restored); ``carried`` is
    how many entries made since the backup the trail kept; ``merges_undone`` the
    records of returns merged since, now shown as not merged; ``returns_kept`` those of
    returns issued since."""

    plan_path: Path
    backup: Path
    made: datetime
    replaced: Path | None
    entries: list[AuditEntry]
    places: list[str]
    carried: int
    merges_undone: list[ReturnRecord] = field(default_factory=list)
    returns_kept: list[ReturnRecord] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    dry_run: bool = False

    @property
    def put_back(self) -> int:
        """How many values the restore put back (its entries after the first, which
        says what was restored)."""
        return len(self.entries) - 1


def find_backup(plan_path: str | Path, which: str, contract: Contract | None = None) -> Path:
    """The version of the plan at ``plan_path`` that ``which`` names: a file (a
    backup's name alone is looked for in ``backups/``), ``last`` (the newest backup:
    the plan before its last save), or a date, dd/mm/yyyy or yyyy-mm-dd (the newest
    backup made on or before that day). With ``contract``, backups made under a name the
    plan had before count too (:mod:`cip_xl.plan_history`). Raises
    :class:`PlanFileError` (``restore-no-backup``) when there is none."""
    from .changes import backup_for, backups_to_compare
    from .safe_save import BACKUP_FOLDER

    plan_path = Path(plan_path)
    if which.strip().lower() in ("last", "latest", "newest"):
        every = backups_to_compare(plan_path, contract)
        if not every:
            from .plan_history import why_no_backups

            raise PlanFileError(Finding(
                "restore-no-backup", ERROR,
                f"There is no backup of {plan_path.name} in "
                f"{plan_path.parent / BACKUP_FOLDER}. " + why_no_backups(
                    plan_path, "cip-xl makes one each time it saves the plan.") +
                " Nothing was changed.", file=str(plan_path)))
        return every[0][1]
    candidate = Path(which)
    if candidate.suffix.lower() in (".xlsx", ".xlsm"):
        kept = plan_path.parent / BACKUP_FOLDER / candidate.name
        if not candidate.exists() and candidate.parent == Path(".") and kept.exists():
            return kept
        if not candidate.is_file():
            raise PlanFileError(Finding(
                "restore-no-backup", ERROR,
                f"There is no file {which} to restore {plan_path.name} from. "
                f'`cip-xl restore "{plan_path}" --list` shows the backups there are; '
                "nothing was changed.", file=str(plan_path)))
        return candidate
    return backup_for(plan_path, which, option="BACKUP", contract=contract)


def kept_versions(plan_path: str | Path, contract: Contract) -> list[KeptVersion]:
    """Each backup of the plan at ``plan_path``, newest first, with who made the Audit
    entries the plan has below the backup's last Audit row — the trail only grows, so
    those are the entries made since (read from the plan's trail; none if the plan
    cannot be read). A backup whose Audit sheet does not say where it ends is counted
    by time instead."""
    from .master_edits import last_row
    from .plan_history import every_backup
    from .plan_read import read_trail
    from .safe_save import backed_up_name

    plan_path = Path(plan_path)
    rows: list[int] = []
    try:
        plan_id, trail = read_trail(plan_path, contract, rows)
    except (PlanFileError, OSError):
        plan_id, trail, rows = "", [], []
    listed = []
    # the saves that made each version since, newest first, and the backup the oldest
    # of them made before it: the next backup listed, unless those between were pruned
    job, before = saved_by(plan_path)
    saves, more = [job] if job else [], not job
    for made, path in every_backup(plan_path, plan_id, contract):
        ended = last_row(path, contract.sheet("audit"))
        since = [e for e, row in zip(trail, rows) if row > ended] if ended is not None \
            else [e for e in trail if isinstance(e.when, datetime) and e.when >= made]
        who = list(dict.fromkeys(_who(e) for e in since))
        more = more or before != path.name
        named = backed_up_name(path) or plan_path.name
        listed.append(KeptVersion(made, path, len(since), who, list(saves), more,
                                  named if named != plan_path.name else ""))
        job, before = saved_by(path)
        if job:
            saves.append(job)
        more = more or not job
    return listed


def saved_by(path: Path) -> tuple[str, str]:
    """What the save that wrote the plan file at ``path`` recorded itself as, and the
    backup it made before (:data:`cip_xl.plan_write.SAVED_BY_PROPERTY`,
    :data:`~cip_xl.plan_write.BACKUP_BEFORE_PROPERTY`); '' for what it did not say, or
    when the file cannot be read."""
    from .plan_patch import custom_properties_of
    from .plan_write import BACKUP_BEFORE_PROPERTY, SAVED_BY_PROPERTY

    said = custom_properties_of(path)
    return said.get(SAVED_BY_PROPERTY, ""), said.get(BACKUP_BEFORE_PROPERTY, "")


def _who(entry: AuditEntry) -> str:
    """Who made ``entry``, as a short list of them names it: "Place return (Return_...,
    saved ...)" as "Place return", "Edited in the master (last saved by Jane Smith, ...)" as
    "Edited in the master"."""
    return str(entry.who or "someone").partition(" (")[0]


def restore(plan_path: str | Path, backup: str | Path, contract: Contract, *,
            by: str = "", dry_run: bool = False) -> Restoring:
    """Put ``backup`` (a version of the plan at ``plan_path``: see
    :func:`find_backup`) back in its place, as the module says. ``by`` is named on
    the Audit sheet. ``dry_run`` works out the entries and changes nothing. Raises
    :class:`PlanFileError` for a backup that cannot be read, is of another plan (Plan
    ID) or kind of file, or is the plan itself, and for a plan locked, open in Excel or
    changed while the restore worked: nothing is changed then."""
    from .locking import plan_lock
    from .plan_read import read_plan
    from .plan_write import save_plan
    from .safe_save import make_backup

    plan_path, backup = Path(plan_path), Path(backup)
    _refuse_unfit(plan_path, backup)
    made = _made(plan_path, backup)
    with plan_lock(plan_path, "restoring a backup"), \
            tempfile.TemporaryDirectory(prefix="cip-xl-restore-") as work:
        now, stamp, findings = _plan_now(plan_path, contract)
        aside = Path(work) / backup.name  # read and saved there, then put in place
        try:
            shutil.copyfile(backup, aside)
            reading = read_plan(aside, contract, read_only=True)
        except OSError as exc:
            raise PlanFileError(Finding(
                "restore-unreadable", ERROR,
                f"Not restored: {backup.name} cannot be read ({exc.strerror or exc}). The "
                "plan was not changed.", file=str(backup))) from None
        except PlanFileError as exc:
            raise _naming(exc, backup) from None
        restored = reading.plan
        if now is not None and now.settings.plan_id and restored.settings.plan_id and \
                now.settings.plan_id != restored.settings.plan_id and \
                _just_made(plan_path):  # by new or import --overwrite: put it back
            findings.append(Finding(
                "restore-over-new-plan", INFO,
                f"{plan_path.name} is now another plan, just made by cip-xl "
                f"({saved_by(plan_path)[0]}) over the one {backup.name} is a copy of: that "
                "plan is put back as it was, with its own trail, and the new one kept as a "
                "backup.", file=str(plan_path)))
            now = None
        if now is not None and now.settings.plan_id and restored.settings.plan_id and \
                now.settings.plan_id != restored.settings.plan_id:
            raise PlanFileError(Finding(
                "restore-other-plan", ERROR,
                f"{backup.name} is a copy of another plan (Plan ID "
                f"{restored.settings.plan_id}, '{restored.settings.plan_title}'), not of "
                f"{plan_path.name} (Plan ID {now.settings.plan_id}); nothing was changed.",
                file=str(backup)))
        replaced = None if dry_run or not plan_path.exists() else make_backup(plan_path)
        try:
            result = _put_back(restored, now, plan_path, backup, made, replaced,
                               contract, by, dry_run)
            result.findings[:0] = findings
            if dry_run:
                return result
            try:
                save_plan(restored, aside, contract, workbook=reading.workbook,
                          backup=False, job=f"restore of {backup.name}",
                          backup_made=replaced)
            except PlanFileError as exc:
                raise _naming(exc, backup) from None
            _replace_plan(plan_path, aside.read_bytes(), stamp, contract)
        except BaseException:
            if replaced is not None:
                with contextlib.suppress(OSError):
                    replaced.unlink()  # the plan is as it was: its copy is not needed
            raise
    return result


def _just_made(plan_path: Path) -> bool:
    """Whether the plan file at ``plan_path`` is as `cip-xl new` or `import` wrote it
    (:data:`cip_xl.plan_write.NEW_PLAN_JOBS`), byte for byte: nothing saved since, by
    cip-xl or in Excel."""
    from .master_edits import copy_to_compare, saved_copy_path
    from .plan_write import NEW_PLAN_JOBS

    return saved_by(plan_path)[0].startswith(NEW_PLAN_JOBS) and \
        saved_copy_path(plan_path).is_file() and copy_to_compare(plan_path) is None


def _refuse_unfit(plan_path: Path, backup: Path) -> None:
    """Refuse a backup that is not there, is the plan itself or another kind of file."""
    from .safe_save import same_file

    if not backup.is_file():
        raise PlanFileError(Finding(
            "restore-no-backup", ERROR,
            f"There is no file {backup} to restore {plan_path.name} from; nothing was "
            "changed.", file=str(plan_path)))
    if same_file(plan_path, backup):
        raise PlanFileError(Finding(
            "restore-is-plan", ERROR,
            f"{backup} is the plan itself: give a backup of it (`cip-xl restore "
            f'"{plan_path}" --list` shows them). Nothing was changed.', file=str(plan_path)))
    if backup.suffix.lower() != plan_path.suffix.lower():
        raise PlanFileError(Finding(
            "restore-other-type", ERROR,
            f"{backup.name} is a {backup.suffix} file and {plan_path.name} a "
            f"{plan_path.suffix} one: a backup of this plan is of its kind. Nothing was "
            "changed.", file=str(backup)))


def _made(plan_path: Path, backup: Path) -> datetime:
    """When ``backup`` was made: as its name says, else when the file was written."""
    from .safe_save import BACKUP_FOLDER, made_when, same_file

    made = made_when(backup) if same_file(backup.parent, plan_path.parent / BACKUP_FOLDER) \
        else None
    return made or datetime.fromtimestamp(int(backup.stat().st_mtime))


def _plan_now(plan_path: Path, contract: Contract):
    """(the plan as it is now or None, the stamp of the file read, findings): a plan
    that cannot be read is taken from the copy of its last save, for its trail, with a
    warning; a plan that is not there, likewise."""
    from .file_stamp import FileStamp
    from .master_edits import saved_copy_path
    from .plan_read import read_plan
    from .safe_save import in_backups

    stamp = None
    try:
        reading = read_plan(plan_path, contract, read_only=True)
        return reading.plan, reading.plan.source.stamp, []
    except PlanFileError as exc:
        why = exc.finding.message
    except OSError as exc:
        why = f"{plan_path.name} cannot be read ({exc.strerror or exc})."
    with contextlib.suppress(OSError):
        status = plan_path.stat()
        stamp = FileStamp.before_reading(status, plan_path.read_bytes())
    there = "" if stamp is None else " The plan as it is was kept as a backup too."
    copy = saved_copy_path(plan_path)
    try:
        kept = read_plan(copy, contract, read_only=True).plan if copy.is_file() else None
    except PlanFileError:
        kept = None
    if kept is None:
        return None, stamp, [Finding(
            "restore-trail-unknown", WARNING,
            f"{why} Neither it nor a copy of its last save could be read, so the Audit "
            "entries made since the backup could not be kept: they are in the newer "
            f"backups, if any.{there}", str(plan_path))]
    return kept, stamp, [Finding(
        "restore-from-damaged", WARNING,
        f"{why} Its trail and values were taken from the copy of its last save "
        f"({in_backups(copy)}); anything typed in it since that save is not on the Audit "
        f"sheet.{there}", str(plan_path))]


def _put_back(restored: Plan, now: Plan | None, plan_path: Path, backup: Path,
              made: datetime, replaced: Path | None, contract: Contract, by: str,
              dry_run: bool) -> Restoring:
    """Make ``restored`` (the backup's plan) the plan to save: the trail made since
    and the returns issued since kept, the revision not gone back, and the Audit entries
    for the restore added. ``now`` is the plan as it was (None if not known)."""
    from .master_edits import entries_between
    from .safe_save import in_backups
    from .trail_check import entry_key

    when = datetime.now().replace(microsecond=0)
    who = f"restored by {by}" if by else "restored"
    called = in_backups(backup) if backup.parent.name == "backups" else backup.name
    carried: list[AuditEntry] = []
    undone: list[ReturnRecord] = []
    kept: list[ReturnRecord] = []
    if now is not None:
        had = Counter(entry_key(entry) for entry in restored.audit)
        for entry in now.audit:  # the trail only grows: what was made since stays
            key = entry_key(entry)
            if had[key] > 0:
                had[key] -= 1
            else:
                carried.append(entry)
        restored.settings.revision = max(restored.settings.revision, now.settings.revision)
        was = {(r.file, r.fingerprint): r for r in restored.returns_log}
        for record in now.returns_log:
            then = was.get((record.file, record.fingerprint))
            if then is None:  # issued since: out with officers, so kept
                kept.append(record)
                restored.returns_log.append(replace(record, merged=None, result=""))
            if record.merged is not None and (then is None or then.merged is None):
                undone.append(record)
    kept_as = f"; the plan as it was kept as {in_backups(replaced)}" if replaced else ""
    summary = AuditEntry(when, who, "", "", RESTORED_FIELD,
                         _as_it_was(plan_path, now),
                         f"{called}, made {made:%d/%m/%Y %H:%M}",
                         f"cip-xl restore{kept_as}")
    entries, places = [summary], []
    if now is not None:
        changed, places = entries_between(now, restored, contract, when, who,
                                          lambda *_: f"restored from {called}")
        entries += changed
    restored.audit.extend(carried + entries)
    findings = _told(plan_path, undone, kept, carried, dry_run)
    return Restoring(plan_path, backup, made, replaced, entries, places, len(carried),
                     undone, kept, findings, dry_run)


def _as_it_was(plan_path: Path, now: Plan | None) -> str:
    """The plan replaced, as the restore's Audit entry names it."""
    try:
        saved = datetime.fromtimestamp(int(plan_path.stat().st_mtime))
    except OSError:
        return f"{plan_path.name} (not there)"
    state = "" if now is not None and now.source is not None and \
        Path(now.source.file) == plan_path else ", unreadable"
    return f"{plan_path.name} saved {saved:%d/%m/%Y %H:%M}{state}"


def _told(plan_path: Path, undone: list[ReturnRecord], kept: list[ReturnRecord],
          carried: list[AuditEntry], dry_run: bool) -> list[Finding]:
    """What the manager needs to know after a restore: merges to make again, returns
    issued since, the trail kept."""
    will = "will be" if dry_run else "were"
    found = []
    if undone:
        files = ", ".join(r.file for r in undone[:5]) + (
            f" and {len(undone) - 5} more" if len(undone) > 5 else "")
        found.append(Finding(
            "restore-merges-undone", WARNING,
            f"{len(undone)} return{'s' if len(undone) != 1 else ''} merged since the "
            f"backup {'are' if len(undone) != 1 else 'is'} undone with the rest ({files}): "
            f"the Returns sheet shows {'them' if len(undone) != 1 else 'it'} as not merged. "
            f"Merge {'them' if len(undone) != 1 else 'it'} again (`cip-xl merge "
            f'"{plan_path}" FILES`) to take the officers\' updates back in.',
            str(plan_path)))
    if kept:
        found.append(Finding(
            "restore-returns-kept", INFO,
            f"{len(kept)} return{'s' if len(kept) != 1 else ''} issued since the backup "
            f"{will} kept on the Returns sheet, and the plan's revision with them: they "
            "are out with officers and can still be merged.", str(plan_path)))
    if carried:
        found.append(Finding(
            "restore-trail-kept", INFO,
            f"{len(carried)} Audit entr{'ies' if len(carried) != 1 else 'y'} made since "
            f"the backup {will} kept: the trail only grows.", str(plan_path)))
    return found


def _naming(exc: PlanFileError, backup: Path) -> PlanFileError:
    """``exc``, raised for the backup's working copy, naming the backup and saying
    that nothing was restored."""
    finding = exc.finding
    return PlanFileError(replace(
        finding, file=str(backup),
        message=f"Not restored: {finding.message}"
        + ("" if "nothing was changed" in finding.message.lower() else
           " The plan was not changed.")))


def _replace_plan(plan_path: Path, data: bytes, stamp, contract: Contract) -> None:
    """Write ``data`` over the plan, refusing a plan changed since ``stamp`` was taken
    (before the work, and again just before the rename), and keep the copy of the
    last save that the next reading compares with."""
    from .file_stamp import refuse_if_changed
    from .master_edits import discard_saved_copy, keep_saved_copy
    from .safe_save import atomic_write_bytes

    def unchanged() -> None:
        refuse_if_changed(plan_path, stamp)

    unchanged()
    if plan_path.exists():
        discard_saved_copy(plan_path, contract)
    atomic_write_bytes(data, plan_path, unchanged)
    keep_saved_copy(plan_path)
