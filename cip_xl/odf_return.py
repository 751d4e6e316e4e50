"""A return an officer saved in LibreOffice's own format (.ods), read through LibreOffice.

LibreOffice asks, when a workbook is saved, whether to keep the Excel format or use its
own, and an officer who picks its own sends back an .ods. The issue record survives in
it (a hidden sheet), so where LibreOffice is installed on the manager's computer
:func:`read_odf_return` has it convert the file to .xlsx in a temporary folder — the
same file LibreOffice writes when the officer keeps the Excel format — and reads that,
every finding naming the .ods. This starts an office program on a file from outside,
which cip-xl otherwise never does, so the merge does it only when asked
(``merge --convert-ods``); otherwise, or without LibreOffice, it refuses the file,
saying how to save it as .xlsx, and lists what was typed in it.
"""
from __future__ import annotations

import tempfile
import zipfile
from dataclasses import replace
from pathlib import Path

from .findings import INFO, Finding, PlanFileError
from .return_read import ReturnedWorkbook, read_return
from .schema import Contract

#: the mimetype an OpenDocument spreadsheet package begins with
ODF_SPREADSHEET = b"application/vnd.oasis.opendocument.spreadsheet"
#: seconds LibreOffice is given to convert one return (a few pages)
CONVERT_TIMEOUT = 120


def is_odf_spreadsheet(path: str | Path) -> bool:
    """Whether the file at ``path`` is an OpenDocument spreadsheet (.ods)."""
    try:
        with zipfile.ZipFile(path) as package:
            return package.read("mimetype").strip() == ODF_SPREADSHEET
    except (OSError, KeyError, zipfile.BadZipFile):
        return False


def can_convert(path: str | Path) -> bool:
    """Whether the file at ``path`` is an OpenDocument spreadsheet and LibreOffice is
    installed here to convert it."""
    from .office import soffice

    return is_odf_spreadsheet(path) and soffice() is not None


def read_odf_return(path: str | Path, contract: Contract) -> ReturnedWorkbook | None:
    """The return in the OpenDocument spreadsheet at ``path``, converted by LibreOffice
    and read as :func:`cip_xl.return_read.read_return` reads one, with its findings
    (and a note that it was converted) naming ``path``; None where it cannot be had:
    not an OpenDocument spreadsheet, no LibreOffice here, or a conversion that failed.
    Raises PlanFileError, naming ``path``, for a converted file the reading refuses."""
    from .office import convert

    path = Path(path)
    if not can_convert(path):
        return None
    # (on Windows a file LibreOffice still holds cannot be deleted: left to the system)
    with tempfile.TemporaryDirectory(prefix="cip-xl-odf-", ignore_cleanup_errors=True) \
            as folder:
        try:
            converted = convert(path, folder, "xlsx", timeout=CONVERT_TIMEOUT)
        except PlanFileError:
            return None
        try:
            returned = read_return(converted, contract)
        except PlanFileError as exc:
            raise PlanFileError(_naming(exc.finding, converted, path)) from None
    returned.path = path
    returned.findings = [Finding(
        "return-opendocument", INFO,
        f"{path.name} was saved in LibreOffice's own format (.ods); LibreOffice converted "
        "it to be merged. When saving a return in LibreOffice, choose 'Use Excel "
        "2007-365!'.", str(path))] + [_naming(f, converted, path) for f in returned.findings]
    return returned


def _naming(finding: Finding, converted: Path, path: Path) -> Finding:
    """``finding`` about the converted file ``converted``, said of ``path`` instead."""
    file = str(path) if finding.file in (str(converted), converted.name) else finding.file
    return replace(finding, file=file, message=finding.message.replace(converted.name,
                                                                       path.name))
