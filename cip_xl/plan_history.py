"""The versions of the plan cip-xl kept under a name the plan had before.

Every save keeps the plan as it was, ``backups/NAME.YYYYmmdd-HHMMSS.xlsx``, and a copy
of the file as written, ``backups/NAME.as-saved.xlsx`` — by the plan's file name. Many
managers save the plan under a new name each quarter ("CIP 2026-27 Q3.xlsx", with Save
As or by renaming the file). Under its new name the plan would have no backups to
restore or compare with, and what was typed into it in Excel since cip-xl last saved it
under the old name would go unrecorded.

A backup or copy in the same backups folder under another name is taken for an earlier
version of this plan when it holds the same Plan ID and came before: a backup made
before the plan's own oldest backup; a copy of the very save the plan's file records as
the one that wrote it (an older snapshot of the plan kept under another name records an
earlier save, and is not compared with a later one). Last year's plan in the same
folder has another Plan ID and is never among them.
"""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

from .schema import Contract


def earlier_backups(plan_path: str | Path, plan_id: str,
                    contract: Contract) -> list[tuple[datetime, str, Path]]:
    """(when it was made, the name the plan had, file) of each backup of the plan at
    ``plan_path`` (Plan ID ``plan_id``) made under another name before its own oldest
    backup, newest first; none when ``plan_id`` is blank."""
    from .plan_read import read_plan_id
    from .safe_save import backups_of, backups_of_other_names

    if not plan_id:
        return []
    own = backups_of(plan_path)
    before = own[-1][0] if own else None  # the oldest of its own
    return [(made, name, backup) for made, name, backup in backups_of_other_names(plan_path)
            if (before is None or made < before) and read_plan_id(backup, contract) == plan_id]


def every_backup(plan_path: str | Path, plan_id: str,
                 contract: Contract) -> list[tuple[datetime, Path]]:
    """(when it was made, file) of each backup of the plan at ``plan_path``: its own
    (:func:`cip_xl.safe_save.backups_of`), then those made under a name it had before
    (:func:`earlier_backups`), newest first."""
    from .safe_save import backups_of

    return backups_of(plan_path) + [(made, backup) for made, _, backup
                                    in earlier_backups(plan_path, plan_id, contract)]


def earlier_saved_copy(plan_path: str | Path, plan_id: str,
                       contract: Contract) -> tuple[Path, str] | None:
    """The copy of cip-xl's last save of the plan at ``plan_path`` (Plan ID
    ``plan_id``) under another name, and that name — for a plan with no copy of its own
    (:func:`cip_xl.master_edits.saved_copy_path`): the newest copy under another name
    with the same Plan ID written by the save the plan's file records as the one that
    wrote it (Excel keeps the record, :func:`cip_xl.plan_restore.saved_by`, when it saves
    the file again); where the file has no such record, the newest whose Audit sheet
    ends at or above the plan's. None if there is none."""
    from .master_edits import SAVED_SUFFIX, last_row
    from .plan_read import read_plan_id
    from .plan_restore import saved_by
    from .safe_save import BACKUP_FOLDER

    plan_path = Path(plan_path)
    if not plan_id:
        return None
    ending = f"{SAVED_SUFFIX}{plan_path.suffix}".lower()
    try:
        copies = [(copy.stat().st_mtime, copy)
                  for copy in (plan_path.parent / BACKUP_FOLDER).iterdir()
                  if copy.name.lower().endswith(ending) and len(copy.name) > len(ending)]
    except OSError:
        return None
    trail = contract.sheet("audit")
    record = saved_by(plan_path)
    ends = None
    for _, copy in sorted(copies, reverse=True):
        name = copy.name[:-len(ending)] + plan_path.suffix
        if name == plan_path.name or read_plan_id(copy, contract) != plan_id:
            continue
        if record[1]:  # the file keeps the record of the save that wrote it
            if saved_by(copy) == record:
                return copy, name
            continue
        if ends is None:
            ends = last_row(plan_path, trail) or 0
        if (last_row(copy, trail) or 0) <= ends:
            return copy, name
    return None


def history_elsewhere(plan_path: str | Path) -> str:
    """A sentence for a plan cip-xl has saved whose backups are not beside it — moved or
    copied from the folder where cip-xl saved it, leaving ``backups/`` behind — saying
    so and what to move; '' if the plan's file records no cip-xl save, or its backups
    folder holds the copy of that save, the backup it made (under whatever name the plan
    had then) or any backup of the plan by its name."""
    from .master_edits import saved_copy_path
    from .plan_restore import saved_by
    from .plan_write import NO_BACKUP
    from .safe_save import BACKUP_FOLDER, backups_of

    plan_path = Path(plan_path)
    saved, backup = saved_by(plan_path)
    folder = plan_path.parent / BACKUP_FOLDER
    if not saved or saved_copy_path(plan_path).is_file() or \
            (backup and backup != NO_BACKUP and (folder / backup).is_file()) or \
            backups_of(plan_path):
        return ""
    held = f"neither the copy of that save nor the backup it made ({backup})" \
        if backup and backup != NO_BACKUP else "no copy of that save"
    return (f"cip-xl last saved {plan_path.name} ({saved}), but {folder} holds {held}. "
            "If the plan was moved or copied here from another folder, move the "
            f"{BACKUP_FOLDER} folder from there into {plan_path.parent} with it.")


def why_no_backups(plan_path: str | Path, default: str) -> str:
    """What a message saying the plan at ``plan_path`` has no backups goes on to say:
    that they were left in another folder (:func:`history_elsewhere`), else
    ``default`` ("cip-xl makes one each time it saves the plan")."""
    return history_elsewhere(plan_path) or default

