"""One writer at a time: a lock file beside the master plan.

:func:`plan_lock` creates ``.PLAN.xlsx.lock`` atomically (``O_EXCL``) holding who took
it, where and when; a second merge on the same master is refused with that person's
name. A lock left by a process that no longer runs on this computer is taken over.
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


@contextmanager
def plan_lock(plan: str | Path, purpose: str = "merge") -> Iterator[Path]:
    """Hold the lock on master ``plan`` for the ``with`` block."""
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
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            holder = _holder(lock)
            stale = holder.get("host") == record["host"] and isinstance(holder.get("pid"), int) \
                and not _alive(holder["pid"])
            if stale and attempt == 1:
                lock.unlink(missing_ok=True)  # its process has gone: take it over
                continue
            who = f"{holder.get('user', 'someone')} on {holder.get('host', 'another computer')}"
            raise PlanFileError(Finding(
                "plan-locked", ERROR,
                f"{plan.name} is being changed by {who} since "
                f"{_since(holder.get('since'))} ({holder.get('purpose', 'merge')}). "
                + _what_to_do(holder.get("since"), lock), file=str(plan))) from None
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
        break
    try:
        yield lock
    finally:
        lock.unlink(missing_ok=True)
