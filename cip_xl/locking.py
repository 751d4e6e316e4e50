"""One writer at a time: a lock file beside the master plan.

:func:`plan_lock` creates ``.PLAN.xlsx.lock`` atomically, already holding who took it,
where and when; a second merge on the same master is refused with that person's name. A
lock left by a process that no longer runs on this computer is taken over, and so is an
empty one left by a crash (written by an older cip-xl, or where hard links are missing).
An office suite's lock file beside the master — Excel's owner file (``~$PLAN.xlsx``, or
``~$AN.xlsx`` over a longer name's first two characters) or LibreOffice's
(``.~lock.PLAN.xlsx#``) — means someone has it open, and saving under them would lose
their work — their next Save would write back the plan as they opened it — so that is
refused too, naming who has it open where the lock file says (:func:`open_elsewhere`).
"""
from __future__ import annotations

import getpass
import json
import os
import socket
from contextlib import contextmanager
from dataclasses import dataclass
from glob import escape as glob_escape
from datetime import datetime, timedelta
from pathlib import Path
from typing import Iterator

from .findings import ERROR, Finding, PlanFileError


#: where to look for the lock file: its name begins with a dot, which hides it on a Mac
#: and on Linux but not in Windows' File Explorer
_HIDDEN = "" if os.name == "nt" else "; a hidden file"


def lock_path(plan: Path) -> Path:
    return plan.with_name(f".{plan.name}.lock")


def _alive(pid: int) -> bool:
    """Whether process ``pid`` still runs on this computer (an owner that has gone
    leaves a lock to take over). On Windows ``os.kill(pid, 0)`` is no probe: signal 0
    is CTRL_C_EVENT there, which fails for nearly every process — a merge still
    running would seem gone, and a second one take its lock — so Windows is asked
    about the process itself."""
    if pid == os.getpid():
        return True
    if os.name == "nt":
        return _runs_on_windows(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


#: Windows: the right to ask a process its exit code; the code of one still running;
#: the error for a process that exists but may not be opened (another user's)
_QUERY_LIMITED_INFORMATION, _STILL_ACTIVE, _ACCESS_DENIED = 0x1000, 259, 5


def _runs_on_windows(pid: int, kernel32=None, last_error=None) -> bool:
    """Whether process ``pid`` runs, as Windows' kernel32 says (``kernel32`` and
    ``last_error``: stand-ins with its OpenProcess, GetExitCodeProcess and CloseHandle,
    and ctypes.get_last_error). When in doubt it runs: a lock wrongly taken over lets
    two jobs write one plan, while one wrongly kept only asks the manager to wait or
    delete it."""
    import ctypes

    if kernel32 is None:
        from ctypes import wintypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)  # type: ignore[attr-defined]
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
        kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE,
                                                ctypes.POINTER(wintypes.DWORD))
        kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
        last_error = ctypes.get_last_error  # type: ignore[attr-defined]
    handle = kernel32.OpenProcess(_QUERY_LIMITED_INFORMATION, False, pid)
    if not handle:  # gone, unless it is someone else's
        return last_error() == _ACCESS_DENIED
    try:
        code = ctypes.c_ulong()
        if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
            return True
        return code.value == _STILL_ACTIVE
    finally:
        kernel32.CloseHandle(handle)


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


def _owner_names(workbook: Path) -> list[str]:
    """The names Microsoft Office gives ``workbook``'s owner file: ``~$`` before the
    name, or over its first two characters (Word, for a name of eight or more before
    the extension) or its first (Word, for seven)."""
    name = workbook.name
    return list(dict.fromkeys(f"~${name[cut:]}" for cut in (0, 2, 1)))


@dataclass(frozen=True)
class OpenElsewhere:
    """A file someone has open in an office suite, known by the lock file the suite
    keeps beside it while it is open (left behind, too, if it crashed)."""

    #: the lock file: Microsoft Office's owner file, or LibreOffice's lock file
    lock_file: Path
    #: "Excel", "Word" or "LibreOffice"
    application: str
    #: who has it open, as the lock file names them ("Jane Smith on LAPTOP-7"), or ""
    who: str = ""
    #: when they opened it, as LibreOffice records it ("03/12/2026 09:14"), or ""
    since: str = ""

    def describe(self) -> str:
        """"open in LibreOffice by Jane Smith on LAPTOP-7 since 03/12/2026 09:14 (its
        lock file .~lock.plan.xlsx# is beside it)", for a message about the file."""
        by = f" by {self.who}" if self.who else ""
        since = f" since {self.since}" if self.since else ""
        return (f"open in {self.application}{by}{since} (its lock file "
                f"{self.lock_file.name} is beside it)")


def open_elsewhere(path: Path) -> OpenElsewhere | None:
    """Who has the workbook or document at ``path`` open in Excel, Word or LibreOffice,
    by the lock file beside it; None where there is none. A lock file that cannot be
    read still says the file is open, without naming anyone."""
    for name in _owner_names(path):
        owner = path.with_name(name)
        if owner != path and is_excel_owner_file(owner):
            application = "Word" if path.suffix.lower() in (".docx", ".docm", ".doc") \
                else "Excel"
            return OpenElsewhere(owner, application, _owner_named(owner))
    lock = path.with_name(f".~lock.{path.name}#")
    try:
        text = lock.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return None
    except OSError:
        text = ""
    return OpenElsewhere(lock, "LibreOffice", *_libreoffice_holder(text))


def _owner_named(owner: Path) -> str:
    """The user name in Microsoft Office's owner file ``owner``, or "". The file starts
    with the name's length in one byte and the name in the Windows code page; a
    two-byte length and the name in UTF-16 follow at byte 54 (Word) or 55 (Excel)."""
    try:
        data = owner.read_bytes()[:256]
    except OSError:
        return ""
    if len(data) < 58 or not 0 < data[0] <= 52:
        return ""
    # Word pads the name with zero bytes to byte 54, Excel with spaces to byte 55: a
    # space at 54 after something other than zeros is Excel's padding
    at = 55 if data[54] == 0x20 and (data[53] or data[52]) else 54
    length = data[at]
    name = data[at + 2:at + 2 + 2 * length].decode("utf-16-le", "replace").strip() \
        if 0 < length <= 52 and len(data) >= at + 2 + 2 * length else ""
    if not name or not name.isprintable() or "\ufffd" in name:
        name = data[1:1 + data[0]].decode("cp1252", "replace").strip()
    return name if name.isprintable() and "\ufffd" not in name else ""


def _libreoffice_holder(text: str) -> tuple[str, str]:
    """(who, since) from the text of LibreOffice's lock file: its fields, separated by
    commas (a backslash escapes one), are the user's name as set in LibreOffice, their
    login, their computer, when they opened it (dd.mm.yyyy hh:mm) and their profile."""
    fields, field, escaped = [], "", False
    for char in text:
        if escaped:
            field, escaped = field + char, False
        elif char == "\\":
            escaped = True
        elif char == ",":
            fields.append(field)
            field = ""
        elif char == ";":
            break
        else:
            field += char
    fields.append(field)
    fields += [""] * (4 - len(fields))
    name, login, computer, when = (f.strip()[:80] if f.isprintable() else ""
                                   for f in fields[:4])
    who = name or login
    if who and computer:
        who = f"{who} on {computer}"
    return who, when.replace(".", "/") if when.count(".") == 2 else when


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
                f"{lock.name} (beside the plan{_HIDDEN}) and try again.")
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
    raises :class:`PlanFileError` (``plan-locked``) naming who holds it, as do a plan
    open in an office suite (``plan-open-in-excel``, ...) and one marked read-only
    (``file-read-only``)."""
    from .safe_save import refuse_read_only

    plan = Path(plan)
    refuse_read_only(plan)  # before the job's work, which it could not save
    opened = open_elsewhere(plan)
    if opened is not None:
        raise PlanFileError(Finding(
            f"plan-open-in-{opened.application.lower()}", ERROR,
            f"{plan.name} is {opened.describe()}. Close it and try again; if nobody has "
            "it open, delete that file.", file=str(plan)))
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
                f"{plan.name} is locked by {lock.name} (beside the plan{_HIDDEN}), "
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
        if holder:
            if holder.get("host") == host and isinstance(holder.get("pid"), int) \
                    and not _alive(holder["pid"]):
                leftover.unlink(missing_ok=True)
            continue
        # killed while writing it: empty or half written. Its name says whose it was
        # (LOCK.PID.XXXXXXXX). One of a process here that has gone, or not written to
        # for a while, is litter; deleting one still being written costs its process
        # nothing (it then takes the lock without it: _publish)
        pid = leftover.name[len(lock.name) + 1:].partition(".")[0]
        if pid.isdigit() and not _alive(int(pid)) or _left_empty_by_a_crash(leftover):
            leftover.unlink(missing_ok=True)
