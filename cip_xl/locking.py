"""One writer at a time: a lock file beside the master plan.

:func:`plan_lock` creates ``.PLAN.xlsx.lock`` atomically, already holding who took it,
where and when; a second merge on the same master is refused with that person's name. A
lock left by a process that no longer runs on this computer is taken over, and so is an
empty one left by a crash (written by an older cip-xl, or where hard links are missing).
An Excel owner file (``~$PLAN.xlsx``, or ``~$AN.xlsx`` over a longer name's first two
characters) means someone has the master open in Excel, and saving under them would lose
their work — their next Save in Excel would write back the plan as they opened it — so
that is refused too.
"""
from __future__ import annotations

import getpass
import json
import os
import socket
from contextlib import contextmanager
from glob import escape as glob_escape
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

from .findings import ERROR, Finding, PlanFileError


def lock_path(plan: Path) -> Path:
    return plan.with_name(f".{plan.name}.lock")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _holder(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def is_excel_owner_file(path: Path) -> bool:
    """Whether ``path`` is the owner ("lock") file Excel keeps beside a workbook it has
    open: ``~$`` and the workbook's name, a few hundred bytes, not a package."""
    from .filecheck import ZIP_MAGIC

    if not path.name.startswith("~$"):
        return False
    try:
        with path.open("rb") as handle:
            head = handle.read(4)
        return path.stat().st_size < 4096 and head != ZIP_MAGIC
    except OSError:
        return False


def owner_file_of(owner: Path, workbook: Path) -> bool:
    """Whether ``owner`` is named as Excel names the owner file of ``workbook``: ``~$``
    before the name, or over its first two characters when the name is long."""
    rest = owner.name[2:]
    return owner.parent == workbook.parent and (
        workbook.name == rest or (len(workbook.name) == len(rest) + 2 and
                                  workbook.name.endswith(rest)))


def excel_owner_file(workbook: Path) -> Path | None:
    """Excel's owner file for ``workbook``, if one is beside it (the workbook is open in
    Excel, or Excel crashed with it open)."""
    for name in dict.fromkeys((f"~${workbook.name}", f"~${workbook.name[2:]}")):
        candidate = workbook.with_name(name)
        if candidate != workbook and is_excel_owner_file(candidate):
            return candidate
    return None


#: how long a lock may be held before it is taken for one left by a crash: cip-xl's
#: jobs take seconds, a county's merge a minute or two
_LONG_HELD = timedelta(minutes=30)


def _since(stamp: object) -> str:
    """A lock's start time as a person reads it."""
    try:
        return f"{datetime.fromisoformat(str(stamp)):%d/%m/%Y %H:%M}"
    except ValueError:
        return "an unknown time"


def _what_to_do(stamp: object, lock: Path) -> str:
    """What to do about a lock held by someone else, by how long it has been held."""
    try:
        held = datetime.now() - datetime.fromisoformat(str(stamp))
    except ValueError:
        held = None
    if held is not None and held > _LONG_HELD:
        days, hours = held.days, held.seconds // 3600
        age = f"{days} day{'s' if days != 1 else ''}" if days else \
            f"{hours} hour{'s' if hours != 1 else ''}" if hours else "over half an hour"
        return (f"That was {age} ago, and cip-xl's jobs take seconds: it most likely "
                f"crashed or was stopped. If nobody is running cip-xl on this plan, delete "
                f"{lock.name} (beside the plan; a hidden file) and try again.")
    return f"Wait for it to finish; if it crashed, delete {lock.name}."


#: an empty lock file older than this was left by a process that died between creating
#: it and writing who holds it (writing takes microseconds)
_EMPTY_LOCK_GRACE = timedelta(seconds=10)


def _left_empty_by_a_crash(path: Path) -> bool:
    """Whether lock ``path`` holds nothing readable and has not been written to for a
    while: no process is about to fill it in, so it names nobody who could release it."""
    try:
        if path.read_text(encoding="utf-8").strip():
            return False
        written = datetime.fromtimestamp(path.stat().st_mtime)
    except (OSError, ValueError):
        return False
    return datetime.now() - written > _EMPTY_LOCK_GRACE


def _publish(lock: Path, record: dict) -> bool:
    """Create ``lock`` holding ``record``, or return False if it exists. The record is
    written to a private file first and then hard-linked into place, so the lock never
    exists without its holder (a process killed half-way leaves no empty lock). Where the
    file system has no hard links, ``O_EXCL`` creation and a write are used instead."""
    private = lock.with_name(f"{lock.name}.{record['pid']}.{os.urandom(4).hex()}")
    try:
        private.write_text(json.dumps(record), encoding="utf-8")
        linked = _link(private, lock)
    finally:
        private.unlink(missing_ok=True)
    if linked is not None:
        return linked
    try:
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
    except FileExistsError:
        return False
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(record, handle)
    return True


def _link(private: Path, lock: Path) -> bool | None:
    """Hard-link ``private`` as ``lock``: True once done, False if ``lock`` exists, None
    where the file system has no hard links (some network shares)."""
    try:
        os.link(private, lock)
    except FileExistsError:
        return False
    except (OSError, NotImplementedError):
        return None
    return True


@contextmanager
def plan_lock(plan: str | Path, purpose: str = "merge") -> Iterator[Path]:
    """Hold the lock on master ``plan`` for the ``with`` block. A lock whose process has
    gone from this computer, or an empty one left by a crash, is taken over; any other
    raises :class:`PlanFileError` (``plan-locked``) naming who holds it."""
    plan = Path(plan)
    owner = excel_owner_file(plan)
    if owner is not None:
        raise PlanFileError(Finding(
            "plan-open-in-excel", ERROR,
            f"{plan.name} is open in Excel (its owner file {owner.name} exists). Close it "
            "and try again; if nobody has it open, delete that file.", file=str(plan)))
    lock = lock_path(plan)
    record = {"user": getpass.getuser(), "host": socket.gethostname(), "pid": os.getpid(),
              "since": datetime.now().isoformat(timespec="seconds"), "purpose": purpose}
    for attempt in (1, 2):
        try:
            published = _publish(lock, record)
        except OSError as exc:  # a read-only folder, a full disk, a share gone away
            raise PlanFileError(Finding(
                "plan-folder-unwritable", ERROR,
                f"{plan.name} cannot be changed: cip-xl could not create its lock file in "
                f"{plan.parent} ({exc.strerror or exc}). You need permission to write in "
                "that folder, and room on its drive. Nothing was changed.",
                file=str(plan))) from None
        if published:
            break
        holder = _holder(lock)
        stale = (holder.get("host") == record["host"] and isinstance(holder.get("pid"), int)
                 and not _alive(holder["pid"])) or (not holder and _left_empty_by_a_crash(lock))
        if stale and attempt == 1:
            lock.unlink(missing_ok=True)  # its process has gone: take it over
            continue
        if not holder:
            raise PlanFileError(Finding(
                "plan-locked", ERROR,
                f"{plan.name} is locked by {lock.name} (beside the plan; a hidden file), "
                "which does not say who holds it. Wait a moment and try again; if nobody "
                "is running cip-xl on this plan, delete that file.", file=str(plan)))
        who = f"{holder.get('user', 'someone')} on {holder.get('host', 'another computer')}"
        raise PlanFileError(Finding(
            "plan-locked", ERROR,
            f"{plan.name} is being changed by {who} since "
            f"{_since(holder.get('since'))} ({holder.get('purpose', 'merge')}). "
            + _what_to_do(holder.get("since"), lock), file=str(plan)))
    _tidy_leftovers(lock, record["host"])
    try:
        yield lock
    finally:
        lock.unlink(missing_ok=True)


def _tidy_leftovers(lock: Path, host: str) -> None:
    """Delete the private files that processes on this computer killed while taking
    ``lock`` left beside the plan (hidden, a few bytes each, but litter all the same)."""
    for leftover in lock.parent.glob(f"{glob_escape(lock.name)}.*"):
        holder = _holder(leftover)
        if holder.get("host") == host and isinstance(holder.get("pid"), int) \
                and not _alive(holder["pid"]):
            leftover.unlink(missing_ok=True)
