"""Saving without losing work: atomic replace, timestamped backups.

:func:`atomic_save` writes to a temporary file in the same folder, flushes it to disk and
renames it over the target, so a crash at any point leaves either the old file or the new
one, never half of either. :func:`make_backup` copies the current file into a
``backups`` folder beside it first; :func:`prune_backups` keeps that folder from
growing without end (see :data:`KEEP_LAST`).
"""
from __future__ import annotations

import contextlib
import errno
import glob
import os
import re
import shutil
import stat
import time
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Callable

from .findings import ERROR, Finding, PlanFileError
from .schema import KEEP_DAILY, KEEP_LAST, BackupRule  # noqa: F401 (re-exported)

BACKUP_FOLDER = "backups"
#: a backup's name as :func:`make_backup` makes it: NAME.YYYYmmdd-HHMMSS[-n].ext
_BACKUP_NAME = re.compile(r"(?P<stem>.+)\.(?P<stamp>\d{8}-\d{6})(?:-(?P<number>\d+))?"
                          r"(?P<suffix>\.[^.]+)")
#: the program a file that cannot be replaced is most likely open in, by extension
_APPLICATION = {".xlsx": "Excel", ".xlsm": "Excel", ".docx": "Word", ".md": "an editor",
                ".eml": "Outlook"}


def make_folder(folder: str | Path) -> Path:
    """Create ``folder`` (and its parents) if it is not there; return it. One that
    cannot be made — a file of that name in the way, no permission, a drive gone — is a
    :class:`PlanFileError` naming it (``folder-not-made``)."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise PlanFileError(Finding(
            "folder-not-made", ERROR,
            f"The folder {folder} cannot be made ({exc.strerror or exc}): a file of that "
            "name may be in the way, or you lack permission to write there. Give another "
            "folder. Nothing was written.", file=str(folder))) from None
    return folder


def atomic_save(workbook, path: str | Path) -> None:
    """Save an openpyxl ``workbook`` to ``path`` atomically."""
    _atomic(path, workbook.save)


def atomic_write_bytes(data: bytes, path: str | Path,
                       unchanged: Callable[[], None] | None = None) -> None:
    """Write ``data`` to ``path`` atomically (same guarantees as :func:`atomic_save`).
    ``unchanged``, if given, is called just before the new file replaces the old, and
    stops the save by raising (:func:`cip_xl.file_stamp.refuse_if_changed`)."""
    _atomic(path, lambda stream: stream.write(data), unchanged)


def _atomic(path: str | Path, write: Callable[[BinaryIO], object],
            unchanged: Callable[[], None] | None = None) -> None:
    """Write through ``write`` to a temporary file beside ``path``, then — once
    ``unchanged()``, if given, has not raised — put it in place. A file that cannot be
    written or replaced — locked by Excel or a sync client, read-only, a full disk — is
    a :class:`PlanFileError` saying so, and ``path`` is as it was."""
    path = Path(path)
    temp = None
    try:
        kept_mode = _mode_kept(path)
        handle, temp = _temporary_beside(path)
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        if kept_mode is not None:
            os.chmod(temp, kept_mode)
        if unchanged is not None:
            unchanged()
        _put_in_place(temp, path)
        temp = None
        _fsync_folder(path.parent)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and not path.parent.is_dir():
            raise PlanFileError(Finding(
                "folder-missing", ERROR,
                f"{path.name} could not be saved: the folder {path.parent} does not exist. "
                "Create it, or give another place; nothing was written.",
                file=str(path))) from None
        program = _APPLICATION.get(path.suffix.lower(), "another program")
        raise PlanFileError(Finding(
            "file-not-saved", ERROR, f"{path.name} could not be saved: " + (
                f"it is locked or read-only (open in {program}, being synced, or you "
                "lack permission to change it). Close it and try again"
                if isinstance(exc, PermissionError) else
                f"{exc.strerror or exc}") + "; nothing was changed.",
            file=str(path))) from None
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)


#: Windows refuses to replace a file another program has open without sharing it,
#: as a sync client (OneDrive, SharePoint) or a virus scanner does for a moment after
#: the file changes; the save waits these pauses (seconds, 1.55 in all) for it to let
#: go before saying the file is locked
_PAUSES = (0.05, 0.1, 0.2, 0.4, 0.8)
_WINDOWS = os.name == "nt"


def _put_in_place(temp: str | Path, path: Path) -> None:
    """Rename ``temp`` over ``path``; on Windows, tried again after each of
    :data:`_PAUSES` while it is refused (PermissionError), then once more."""
    for pause in _PAUSES if _WINDOWS else ():
        try:
            os.replace(temp, path)
            return
        except PermissionError:
            time.sleep(pause)
    os.replace(temp, path)


def _mode_kept(path: Path) -> int | None:
    """The permissions of the file at ``path`` that its replacement is given (who may
    read the plan on a shared drive stays as it was), or None where there is none yet.
    A file marked read-only is not replaced (see :func:`refuse_read_only`)."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None
    refuse_read_only(path, mode)
    return mode


def refuse_read_only(path: str | Path, mode: int | None = None) -> None:
    """Raise :class:`PlanFileError` (``file-read-only``) if the file at ``path`` is
    marked read-only — no write permission for its owner: Windows' Read-only box, or
    ``chmod a-w`` — so that a job about to change it stops before its work, not after.
    ``mode``: its permissions, if already known. A missing file is not refused."""
    path = Path(path)
    if mode is None:
        try:
            mode = stat.S_IMODE(os.stat(path).st_mode)
        except OSError:
            return
    if not mode & stat.S_IWUSR:
        raise PlanFileError(Finding(
            "file-read-only", ERROR,
            f"{path.name} is marked read-only, so cip-xl leaves it as it is. If it should "
            "change, clear Read-only in its Properties (chmod u+w elsewhere) and try "
            "again; nothing was changed.", file=str(path)))


def refuse_other_type(path: str | Path, suffixes: tuple[str, ...], what: str,
                      example: str | None = None) -> None:
    """Raise :class:`PlanFileError` (``output-type``) unless ``path`` ends in one of
    ``suffixes`` (".docx"...; any case): ``what`` ("the Word report") written under
    another name would be a file its name says it is not — a .docx called out.txt
    opens in Notepad as noise. ``example``: a name to suggest (else the name given,
    ending in the first suffix). Called before the work, so nothing is written."""
    path = Path(path)
    if path.suffix.lower() in suffixes:
        return
    kinds = suffixes[0] if len(suffixes) == 1 else \
        f"{', '.join(suffixes[:-1])} or {suffixes[-1]}"
    raise PlanFileError(Finding(
        "output-type", ERROR,
        f"{path.name}: {what} is written as {kinds}; give a name ending in {kinds} (say "
        f"{example or (path.stem or 'report') + suffixes[0]}). Nothing was written.",
        file=str(path)))


def refuse_to_write_over(output: str | Path, inputs: list[tuple[str | Path, str]],
                         what: str, example: str, plans=None) -> None:
    """Raise :class:`PlanFileError` (``output-is-input``) if ``output`` is one of the
    files the job reads — ``inputs``, each with what it is ("the plan itself", "a
    return being merged") — which ``what`` ("the merge report") would replace: a slip
    of the keyboard (``--report plan.xlsx``) must not turn the master into a report.
    With ``plans`` (a :class:`~cip_xl.schema.Contract`), also (``output-is-plan``) if
    ``output`` is a workbook holding a plan kept with cip-xl (a Plan ID on its Settings
    sheet as the contract names it) — last year's, another council's — which would be
    lost with no backup. ``example``: a name to suggest instead. Called before the
    work."""
    output = Path(output)
    if not output.exists():
        return
    code = "output-is-input"
    role = next((role for path, role in inputs if same_file(output, path)), None)
    if role is None and plans is not None and output.is_file() and \
            output.suffix.lower() in (".xlsx", ".xlsm"):
        from .plan_read import read_plan_id

        if read_plan_id(output, plans):
            code, role = "output-is-plan", "a plan kept with cip-xl"
    if role is not None:
        raise PlanFileError(Finding(
            code, ERROR,
            f"{output.name} is {role}: {what} is written beside it, never over it. "
            f"Give another name (say {example}). Nothing was written.",
            file=str(output)))


def same_file(a: str | Path, b: str | Path) -> bool:
    """Whether ``a`` and ``b`` name one file: the same file on disk where both exist
    (however spelt: another case on Windows, a link), else the same absolute path."""
    try:
        return os.path.samefile(a, b)
    except (OSError, ValueError):
        try:
            return Path(a).resolve() == Path(b).resolve()
        except (OSError, ValueError):
            return False


def _temporary_beside(path: Path) -> tuple[int, str]:
    """A new, empty file beside ``path`` for its replacement to be written to, open for
    writing: (descriptor, name). It is created with the permissions a new file gets
    there (the user's umask applies), not the owner-only ones of
    :func:`tempfile.mkstemp`: a new plan, return or report on a shared drive is
    readable by those who read the folder's other files."""
    flags = os.O_CREAT | os.O_EXCL | os.O_WRONLY | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        name = path.parent / f".{path.stem}.{os.urandom(6).hex()}{path.suffix}.tmp"
        try:
            return os.open(name, flags, 0o666), str(name)
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free name for a temporary file", str(path))


def _fsync_folder(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # Windows cannot open folders; the rename is durable enough there
        return
    try:
        with contextlib.suppress(OSError):  # some file systems refuse it on folders
            os.fsync(fd)
    finally:
        os.close(fd)


def make_backup(path: str | Path, when: datetime | None = None) -> Path:
    """Copy ``path`` to ``backups/NAME.YYYYmmdd-HHMMSS.ext`` beside it; return the copy.
    A backup that cannot be made is a :class:`PlanFileError` (the save must not go on
    without one)."""
    path = Path(path)
    folder = path.parent / BACKUP_FOLDER
    stamp = (when or datetime.now()).strftime("%Y%m%d-%H%M%S")
    try:
        folder.mkdir(exist_ok=True)
        # after the last made in the same second, even if one before it was deleted
        # (pruned): backups_of orders a second's backups by their number
        counter = max((number for _, number, _ in _numbered(path, stamp)), default=0) + 1
        target = folder / (f"{path.stem}.{stamp}{path.suffix}" if counter == 1 else
                           f"{path.stem}.{stamp}-{counter}{path.suffix}")
        while target.exists():
            counter += 1
            target = folder / f"{path.stem}.{stamp}-{counter}{path.suffix}"
        shutil.copy2(path, target)
    except OSError as exc:
        with contextlib.suppress(OSError):
            target.unlink(missing_ok=True)  # half a copy
        raise PlanFileError(Finding(
            "backup-failed", ERROR,
            f"{path.name} was not changed: its backup could not be made in "
            f"{folder} ({exc.strerror or exc}). Make room or ask for permission to write "
            "there, and try again.", file=str(path))) from None
    return target


def in_backups(path: Path) -> str:
    """A file in the backups folder as messages name it: ``backups/NAME``."""
    return f"{BACKUP_FOLDER}/{Path(path).name}"


def backups_of(path: str | Path) -> list[tuple[datetime, Path]]:
    """(when it was made, file) of each backup of ``path`` in its backups folder, newest
    first; files of other plans and files not named as :func:`make_backup` names them
    (``NAME.YYYYmmdd-HHMMSS.ext``, or ``...-HHMMSS-2.ext`` for a second in one second)
    are not among them."""
    found = _numbered(Path(path))
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [(made, backup) for made, _, backup in found]


def made_when(backup: str | Path) -> datetime | None:
    """When the backup ``backup`` was made, as its name says (None: not named as
    :func:`make_backup` names one)."""
    found = _named_backups([Path(backup)])
    return found[0][0] if found else None


def backed_up_name(backup: str | Path) -> str | None:
    """The name of the file ``backup`` is a backup of, as its name says ("CIP
    Q2.xlsx" for ``CIP Q2.20261203-144729.xlsx``); None if not named as
    :func:`make_backup` names one."""
    found = _named_backups([Path(backup)])
    return found[0][2] if found else None


def backups_of_other_names(path: str | Path) -> list[tuple[datetime, str, Path]]:
    """(when it was made, the name of the plan it is a backup of, file) of each backup
    in the backups folder of ``path`` of a file of its kind under another name — the
    plan before it was saved under a new name, or another plan altogether (telling
    which is the caller's job) — newest first."""
    path = Path(path)
    try:
        candidates = list((path.parent / BACKUP_FOLDER).iterdir())
    except OSError:
        return []
    found = [(made, number, name, backup) for made, number, name, backup
             in _named_backups(candidates)
             if name.lower().endswith(path.suffix.lower()) and name != path.name]
    found.sort(key=lambda item: (item[0], item[1]), reverse=True)
    return [(made, name, backup) for made, _, name, backup in found]


def _numbered(path: Path, stamp: str = "") -> list[tuple[datetime, int, Path]]:
    """(when it was made, its number within that second, file) of each backup of
    ``path`` (made in the second ``stamp``, YYYYmmdd-HHMMSS, if given), in no order
    (see :func:`backups_of`)."""
    try:
        candidates = list((path.parent / BACKUP_FOLDER).glob(
            f"{glob.escape(path.stem)}.{glob.escape(stamp)}*{glob.escape(path.suffix)}"))
    except OSError:
        return []
    return [(made, number, backup) for made, number, name, backup
            in _named_backups(candidates) if name == path.name]


def _named_backups(files: list[Path]) -> list[tuple[datetime, int, str, Path]]:
    """(when it was made, its number within that second, the name of the file it is a
    backup of, file) of each of ``files`` named as :func:`make_backup` names a backup
    (``NAME.YYYYmmdd-HHMMSS.ext``, ``...-HHMMSS-2.ext``); the others are passed over."""
    found = []
    for backup in files:
        named = _BACKUP_NAME.fullmatch(backup.name)
        if named is None:
            continue
        try:
            made = datetime.strptime(named["stamp"], "%Y%m%d-%H%M%S")
        except ValueError:
            continue
        found.append((made, int(named["number"] or 1), named["stem"] + named["suffix"],
                      backup))
    return found


def prune_backups(path: str | Path, rule: BackupRule = BackupRule()) -> list[Path]:
    """Delete the backups of ``path`` that ``rule`` does not keep (by default the
    :data:`KEEP_LAST` newest, the newest of each of the latest :data:`KEEP_DAILY` days,
    and the newest of every month); return them. A backup that cannot be deleted is
    left; this never raises."""
    if rule.every:
        return []
    kept: set[Path] = set()
    days: set = set()
    months: set = set()
    backups = backups_of(path)
    for index, (made, backup) in enumerate(backups):
        if index < rule.last:
            kept.add(backup)
        if made.date() not in days:
            days.add(made.date())
            if len(days) <= rule.days:
                kept.add(backup)  # the newest of its day
        if (made.year, made.month) not in months:
            months.add((made.year, made.month))
            kept.add(backup)  # the newest of its month
    removed = []
    for _, backup in backups:
        if backup not in kept:
            with contextlib.suppress(OSError):
                backup.unlink()
                removed.append(backup)
    return removed

