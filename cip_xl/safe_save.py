"""Saving without losing work: atomic replace, timestamped backups.

:func:`atomic_save` writes to a temporary file in the same folder, flushes it to disk and
renames it over the target, so a crash at any point leaves either the old file or the new
one, never half of either. :func:`make_backup` copies the current file into a
``backups`` folder beside it first.
"""
from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Callable

from .findings import ERROR, Finding, PlanFileError

BACKUP_FOLDER = "backups"


def atomic_save(workbook, path: str | Path) -> None:
    """Save an openpyxl ``workbook`` to ``path`` atomically."""
    _atomic(path, workbook.save)


def atomic_write_bytes(data: bytes, path: str | Path) -> None:
    """Write ``data`` to ``path`` atomically (same guarantees as :func:`atomic_save`)."""
    _atomic(path, lambda stream: stream.write(data))


def _atomic(path: str | Path, write: Callable[[BinaryIO], object]) -> None:
    """Write through ``write`` to a temporary file beside ``path``, then put it in
    place. A file that cannot be written or replaced — locked by Excel or a sync
    client, read-only, a full disk — is a :class:`PlanFileError` saying so, and
    ``path`` is as it was."""
    path = Path(path)
    temp = None
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{path.stem}.",
                                        suffix=path.suffix + ".tmp", dir=path.parent)
        with os.fdopen(handle, "wb") as stream:
            write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
        temp = None
        _fsync_folder(path.parent)
    except OSError as exc:
        raise PlanFileError(Finding(
            "file-not-saved", ERROR, f"{path.name} could not be saved: " + (
                "it is locked or read-only (open in Excel, being synced, or you lack "
                "permission to change it). Close it and try again"
                if isinstance(exc, PermissionError) else
                f"{exc.strerror or exc}") + "; nothing was changed.",
            file=str(path))) from None
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)


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
    target = folder / f"{path.stem}.{stamp}{path.suffix}"
    counter = 1
    try:
        folder.mkdir(exist_ok=True)
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
