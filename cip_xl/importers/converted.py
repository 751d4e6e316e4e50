"""Last year's plan in another office format, converted by LibreOffice to be imported.

Councils keep old plans as they were written: a Word 97 document, an RTF or
OpenDocument file, an Excel 97 workbook, the web page the committee system published.
Where LibreOffice is installed, ``import --convert`` has it convert such a file to
.docx or .xlsx in a temporary folder — what "Save As" in Word or Excel would make —
and imports that, every finding naming the file given. Like ``merge --convert-ods``,
this starts an office program on a file from elsewhere, so it is done only when asked;
otherwise the refusal (:func:`cip_xl.importers.sources.unsupported`) says how to save
the file in a form import reads, and that ``--convert`` can do it here.
"""
from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from ..findings import ERROR, WARNING, Finding, PlanFileError
from .sources import Source
from .tables import ImportResult

#: seconds LibreOffice is given to convert one plan (a long committee paper takes ~10)
CONVERT_TIMEOUT = 300
#: how LibreOffice is told to open a kind it would otherwise open where it cannot
#: export to Word (a web page opens in Writer/Web)
_INPUT_FILTERS = {"a web page": "HTML (StarWriter)"}


def can_convert(found: Source | None) -> bool:
    """Whether a file that is ``found`` can be converted here: a kind LibreOffice
    converts to something import reads, with LibreOffice installed."""
    from ..office import soffice

    return found is not None and bool(found.converts_to) and soffice() is not None


def import_converted(path: Path, found: Source,
                     read: Callable[[Path], ImportResult]) -> ImportResult:
    """The plan in ``path`` (a file that is ``found``), converted by LibreOffice and
    read by ``read``, with a warning that it was converted first; every finding names
    ``path``. Raises PlanFileError naming ``path`` when LibreOffice cannot convert it
    or the converted file cannot be imported."""
    from ..office import convert

    # (on Windows a file LibreOffice still holds cannot be deleted: left to the system)
    with tempfile.TemporaryDirectory(prefix="cip-xl-import-", ignore_cleanup_errors=True) \
            as folder:
        try:
            converted = convert(path, folder, found.converts_to, timeout=CONVERT_TIMEOUT,
                                input_filter=_INPUT_FILTERS.get(found.kind, ""))
        except PlanFileError as exc:
            late = exc.finding.code == "libreoffice-timeout"
            raise PlanFileError(Finding(
                "import-convert-failed", ERROR,
                f"{path.name} is {found.kind}, which LibreOffice could not convert"
                f"{f' within {CONVERT_TIMEOUT} seconds' if late else ''}: {found.advice}.",
                file=str(path))) from None
        try:
            result = read(converted)
        except PlanFileError as exc:
            refusal = _naming(exc.finding, converted, path)
            raise PlanFileError(replace(refusal, message=(
                f"{refusal.message} ({path.name} is {found.kind}: LibreOffice converted it "
                f"to .{found.converts_to} to be read.)"))) from None
    result.findings = [Finding(
        "import-converted", WARNING,
        f"{path.name} is {found.kind}; LibreOffice converted it to .{found.converts_to} to "
        "be imported. Check the new plan against it: a conversion can move text between a "
        "table's cells or lose a cell's colour.", file=str(path))] + \
        [_naming(f, converted, path) for f in result.findings]
    return result


def _naming(finding: Finding, converted: Path, path: Path) -> Finding:
    """``finding`` about the converted file ``converted``, said of ``path`` instead."""
    file = str(path) if finding.file in (str(converted), converted.name) else finding.file
    return replace(finding, file=file,
                   message=finding.message.replace(converted.name, path.name))
