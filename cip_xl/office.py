"""LibreOffice, headless, as a converter: Word/Excel to PDF, with a timeout and checks.

soffice exits 0 even when it produced nothing, and hangs when its profile folder is not
writable, so :func:`convert` runs it with a private profile under a timeout and checks
that the output file really exists and is a PDF with pages.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from .findings import ERROR, Finding, PlanFileError
from .safe_save import make_folder

TAGGED_PDF = 'pdf:writer_pdf_Export:{"UseTaggedPDF":{"type":"boolean","value":"true"}}'


def soffice() -> str | None:
    """The LibreOffice program, or ``None`` if it is not installed: on the PATH, or
    where its installers put it (Windows' installer does not add it to the PATH)."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found:
        return found
    return next((str(place) for place in _installed_places() if place.is_file()), None)


def _installed_places() -> list[Path]:
    """Where LibreOffice's installers put its program on Windows and on a Mac."""
    places = [Path(os.environ[folder]) / "LibreOffice" / "program" / "soffice.exe"
              for folder in ("ProgramFiles", "ProgramFiles(x86)", "ProgramW6432")
              if os.environ.get(folder)]
    return places + [Path("/Applications/LibreOffice.app/Contents/MacOS/soffice")]


def convert(source: str | Path, folder: str | Path, target: str = "pdf",
            timeout: int = 300, input_filter: str = "") -> Path:
    """Convert ``source`` into ``folder`` as ``target`` ('pdf' makes a tagged PDF),
    opening it with LibreOffice's ``input_filter`` where one is named (a web page opens
    in Writer/Web, which has no Word export, unless opened as "HTML (StarWriter)")."""
    source, folder = Path(source), Path(folder)
    program = soffice()
    if program is None:
        raise PlanFileError(Finding(
            "libreoffice-missing", ERROR,
            "LibreOffice is not installed, so no PDF can be made (install it from "
            "libreoffice.org, or the libreoffice-writer package on Linux; or open the "
            ".docx in Word and save as PDF).",
            file=str(source)))
    make_folder(folder)
    # (on Windows a file LibreOffice still holds cannot be deleted: left to the system)
    with tempfile.TemporaryDirectory(prefix="cip-xl-lo-", ignore_cleanup_errors=True) \
            as profile:
        env = dict(os.environ, HOME=profile)
        # a file URL, as LibreOffice wants it: file:///C:/Users/Jo%20Bloggs/... on
        # Windows (a space in the path left it waiting for ever)
        command = [program, f"-env:UserInstallation={Path(profile).as_uri()}",
                   "--headless", "--convert-to", TAGGED_PDF if target == "pdf" else target,
                   "--outdir", str(folder), str(source)]
        if input_filter:
            command[2:2] = [f"--infilter={input_filter}"]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, env=env,
                           check=False)
        except subprocess.TimeoutExpired:
            raise PlanFileError(Finding(
                "libreoffice-timeout", ERROR,
                f"LibreOffice did not finish converting {source.name} within {timeout} "
                "seconds.", file=str(source))) from None
    produced = folder / f"{source.stem}.{target.split(':')[0]}"
    if not produced.exists() or produced.stat().st_size == 0:
        raise PlanFileError(Finding("libreoffice-failed", ERROR,
                                    f"LibreOffice produced no {produced.name}.",
                                    file=str(source)))
    if target == "pdf" and pdf_pages(produced) < 1:
        raise PlanFileError(Finding("libreoffice-failed", ERROR,
                                    f"{produced.name} has no pages.", file=str(source)))
    return produced


def pdf_pages(path: str | Path) -> int:
    """The number of pages in a PDF (read from its page objects)."""
    data = Path(path).read_bytes()
    if not data.startswith(b"%PDF"):
        return 0
    counts = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count\s+(\d+)", data)]
    return max(counts) if counts else len(re.findall(rb"/Type\s*/Page\b", data))
