"""Whether the master is still the file a job read, so that a save never replaces
changes saved in between.

The merge lock keeps two cip-xl jobs apart and the check for Excel's owner file refuses
a plan open when a job starts, but neither sees what happens while the job works: a
colleague opening the plan and saving it a minute into a long merge, Excel's AutoSave
writing a co-authored copy (which leaves no owner file), a sync client putting down a
version edited elsewhere. Saving the plan as the job read it would then replace those
changes, kept only in a backup nobody knows to look in.

So each reading of the plan takes a :class:`FileStamp` of the file it read, and the
save over that file first checks it (:func:`refuse_if_changed`): the same size and
modification time, or else the same bytes (a sync client touching a file without
changing it). A file changed since is refused, nothing written.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import unescape

from .findings import ERROR, Finding, PlanFileError

_LAST_MODIFIED_BY = re.compile(rb"<(?:\w+:)?lastModifiedBy\b[^>]*>([^<]*)<")


def digest_of(data: bytes) -> bytes:
    """The checksum two readings of a file are compared by."""
    return hashlib.blake2b(data, digest_size=20).digest()


@dataclass(frozen=True)
class FileStamp:
    """A file as a job read it (or last saved it): its size and modification time
    (nanoseconds) as they were *before* its bytes were read, the checksum of those
    bytes (:func:`digest_of`; ``None`` for a file cip-xl has just written, whose bytes
    are not kept), and when it was read."""

    size: int
    modified_ns: int
    digest: bytes | None
    taken: datetime

    @classmethod
    def before_reading(cls, status: os.stat_result, data: bytes) -> FileStamp:
        """The stamp of ``data``, the bytes read from a file whose ``os.stat`` was
        ``status`` just before: a change made between the two shows as one later."""
        return cls(status.st_size, status.st_mtime_ns, digest_of(data), datetime.now())

    @classmethod
    def of_saved(cls, path: str | Path) -> FileStamp | None:
        """The stamp of the file at ``path`` just written by cip-xl; ``None`` if it
        cannot be looked at."""
        try:
            status = Path(path).stat()
        except OSError:
            return None
        return cls(status.st_size, status.st_mtime_ns, None, datetime.now())


def changed_since(path: str | Path, stamp: FileStamp) -> bool:
    """Whether the file at ``path`` is no longer the one ``stamp`` was taken of: gone,
    or of another size or modification time with other bytes."""
    path = Path(path)
    try:
        status = path.stat()
        if (status.st_size, status.st_mtime_ns) == (stamp.size, stamp.modified_ns):
            return False
        return stamp.digest is None or digest_of(path.read_bytes()) != stamp.digest
    except OSError:  # gone, or unreadable: not the file read
        return True


def saver_named(core: bytes) -> str:
    """Who last saved a workbook, from its core properties part ``core``
    (``docProps/core.xml``); "" if it does not say."""
    found = _LAST_MODIFIED_BY.search(core[:65536])
    return unescape(found.group(1).decode("utf-8", "replace")).strip() if found else ""


def _saved_by(path: Path) -> str:
    """Who last saved the workbook at ``path``, as its properties say ("" if they do
    not)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as package:
            return saver_named(package.read("docProps/core.xml"))
    except (OSError, KeyError, zipfile.BadZipFile):
        return ""


def refuse_if_changed(path: str | Path, stamp: FileStamp | None) -> None:
    """Raise :class:`PlanFileError` (``plan-changed-meanwhile``) if the plan at
    ``path`` has changed since ``stamp`` was taken of it — saved in Excel, by AutoSave
    or a sync client while the job worked — or has gone. Nothing when ``stamp`` is
    ``None`` (no reading to compare with)."""
    if stamp is None or not changed_since(path, stamp):
        return
    path = Path(path)
    read = f"{stamp.taken:%H:%M:%S}"
    try:
        when = datetime.fromtimestamp(path.stat().st_mtime)
    except OSError:
        raise PlanFileError(Finding(
            "plan-changed-meanwhile", ERROR,
            f"{path.name} was moved, renamed or deleted after cip-xl read it at {read}, "
            "so it was not saved back there: nothing was written. Put the plan back "
            "(or give where it is now) and run the command again.",
            file=str(path))) from None
    who = _saved_by(path)
    by = f" by {who}" if who else ""
    if when < stamp.taken.replace(microsecond=0):  # an older file put in its place
        what = (f"was replaced after cip-xl read it at {read}, by a version last saved"
                f"{by} at {when:%d/%m/%Y %H:%M} — a sync client putting down a copy "
                "edited elsewhere, or a file copied over it —")
    else:
        saved = f"{when:%H:%M:%S}"
        after = f"after cip-xl read it at {read}" if saved != read else \
            "just after cip-xl read it"
        what = f"was saved{by} at {saved}, {after} — in Excel, by AutoSave or by a sync " \
            "client —"
    raise PlanFileError(Finding(
        "plan-changed-meanwhile", ERROR,
        f"{path.name} {what} while this job was working on it. Saving would have "
        "replaced those changes, so nothing was written. Run the command again: it "
        "starts from the plan as it is now.", file=str(path)))
