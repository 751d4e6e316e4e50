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
    """The LibreOffice program, or ``None`` if it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(source: str | Path, folder: str | Path, target: str = "pdf",
            timeout: int = 300) -> Path:
    """Convert ``source`` into ``folder`` as ``target`` ('pdf' makes a tagged PDF)."""
    source, folder = Path(source), Path(folder)
    program = soffice()
    if program is None:
        raise PlanFileError(Finding(
            "libreoffice-missing", ERROR,
            "LibreOffice is not installed, so no PDF can be made (install the "
            "libreoffice-writer package, or open the .docx in Word and save as PDF).",
            file=str(source)))
    make_folder(folder)
    with tempfile.TemporaryDirectory(prefix="cip-xl-lo-") as profile:
        env = dict(os.environ, HOME=profile)
        command = [program, f"-env:UserInstallation=file://{Path(profile).as_posix()}",
                   "--headless", "--convert-to", TAGGED_PDF if target == "pdf" else target,
                   "--outdir", str(folder), str(source)]
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
