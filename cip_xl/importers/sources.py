"""What a file given to ``import`` is, when it is not one import reads, and what to do.

Last year's plan turns up in whatever form was kept: the Word 97 document a committee
paper was written in, the PDF published on the council's website, an OpenDocument file,
a web page saved from the committee system. Each gets a sentence naming what it is —
by its content, since names lie — and how to make the .docx or .xlsx that imports.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

from ..filecheck import OLE_MAGIC, RIGHTS_MANAGED
from ..findings import ERROR, Finding


class Source(NamedTuple):
    """What a file is, in words ("a Word 97-2003 document"), what to do to import it,
    and the format LibreOffice can convert it to for import ("docx", "xlsx"; '' where
    a conversion would not give tables to read: a PDF, a password-protected file)."""

    kind: str
    advice: str
    converts_to: str = ""


_AS_DOCX = "open it in Word (or LibreOffice Writer) and save it as a Word Document (.docx) " \
    "with File > Save As, then import that"
_AS_XLSX = "open it in Excel (or LibreOffice Calc) and save it as an Excel Workbook " \
    "(.xlsx) with File > Save As, then import that"
_PDF = ("the tables in it are a printed page, not a Word table or cells cip-xl can read. "
        "Word opens a PDF as a document it can edit (File > Open, then OK when it offers "
        "to convert): save that as a Word Document (.docx) and import it, checking its "
        "tables against the PDF, as the conversion can split or join cells. The Word or "
        "Excel original, if committee services still have it, is better")
#: by what a zip package's "mimetype" part says: OpenDocument's kinds
_OPENDOCUMENT = {
    b"application/vnd.oasis.opendocument.text":
        Source("an OpenDocument text", _AS_DOCX, "docx"),
    b"application/vnd.oasis.opendocument.spreadsheet":
        Source("an OpenDocument spreadsheet", _AS_XLSX, "xlsx")}
#: by name, where the content does not say (or cannot be read)
_BY_SUFFIX = {".doc": Source("a Word 97-2003 document", _AS_DOCX, "docx"),
              ".dot": Source("a Word 97-2003 template", _AS_DOCX, "docx"),
              ".rtf": Source("a Rich Text document", _AS_DOCX, "docx"),
              ".odt": Source("an OpenDocument text", _AS_DOCX, "docx"),
              ".wpd": Source("a WordPerfect document", _AS_DOCX),
              ".pages": Source("an Apple Pages document", _AS_DOCX),
              ".xls": Source("an Excel 97-2003 workbook", _AS_XLSX, "xlsx"),
              ".ods": Source("an OpenDocument spreadsheet", _AS_XLSX, "xlsx"),
              ".numbers": Source("an Apple Numbers spreadsheet", _AS_XLSX),
              ".pdf": Source("a PDF", _PDF)}
PASSWORD_PROTECTED = Source(
    "a password-protected Office document",
    "open it, remove the password (File > Info > Protect Document, or Protect Workbook in "
    "Excel) and save it again, then import that")
LABEL_PROTECTED = Source(
    "protected by a sensitivity label or rights management (a label such as "
    "OFFICIAL-SENSITIVE that encrypts)",
    "open it in Word or Excel, choose a label that does not encrypt (Home > Sensitivity) "
    "and save it again, then import that")
_WEB_PAGE = Source("a web page", "open it in Word and save it as a Word Document (.docx), "
                   "or in Excel as an Excel Workbook (.xlsx), then import that", "docx")
_SPREADSHEET_2003 = Source("an Excel 2003 XML Spreadsheet", _AS_XLSX, "xlsx")
#: "Export to Excel" from a SharePoint list gives query.iqy: a link for Excel to fetch
#: the list by, not its rows
_WEB_QUERY = Source(
    "an Excel web query (the query.iqy a SharePoint list's Export to Excel gives): a "
    "link to the list, not its rows",
    "open it in Excel, which fetches the list (choose Enable if it asks), save that as "
    "an Excel Workbook (.xlsx) with File > Save As, then import that; or use the list's "
    "Export > Export to CSV and import the .csv")
_WEB_QUERY_HEAD = re.compile(rb"^web\s*\r?\n\s*\d\s*\r?\n\s*https?://", re.IGNORECASE)


def _head(path: Path) -> bytes:
    try:
        with open(path, "rb") as file:
            return file.read(8192)
    except OSError:
        return b""


def _ole_kind(path: Path) -> Source | None:
    """What an OLE compound file is (Word 97, Excel 97, a password-protected Office
    file), by the streams in it; None if olefile cannot tell."""
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            streams = {"/".join(entry) for entry in ole.listdir()}
    except Exception:  # olefile raises several types for a damaged file: not named
        return None
    if "EncryptedPackage" in streams:
        return LABEL_PROTECTED if RIGHTS_MANAGED in path.read_bytes() else \
            PASSWORD_PROTECTED
    if "WordDocument" in streams:
        return _BY_SUFFIX[".doc"]
    if streams & {"Workbook", "Book"}:
        return _BY_SUFFIX[".xls"]
    return None


def _package_kind(path: Path) -> Source | None:
    """What a zip package that is not a .docx or .xlsx is (OpenDocument), or None."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as package:
            return _OPENDOCUMENT.get(package.read("mimetype").strip())
    except (OSError, KeyError, zipfile.BadZipFile, RuntimeError, ValueError):
        return None


def what_it_is(path: Path) -> Source | None:
    """What the file at ``path`` is, and what to do to import it, when its content or
    name says it is a document or workbook import does not read; None otherwise."""
    from ..spreadsheet_2003 import is_spreadsheet_2003

    head = _head(path)
    if head.startswith(b"%PDF"):
        return _BY_SUFFIX[".pdf"]
    if head.startswith(b"{\\rtf"):
        return _BY_SUFFIX[".rtf"]
    if head.startswith(OLE_MAGIC):
        found = _ole_kind(path)
        if found is not None:
            return found
    if head.startswith(b"PK\x03\x04"):
        found = _package_kind(path)
        if found is not None:
            return found
    lowered = head[:2048].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if lowered.startswith((b"<!doctype html", b"<html")):
        return _WEB_PAGE
    if is_spreadsheet_2003(head):
        return _SPREADSHEET_2003
    if _WEB_QUERY_HEAD.match(lowered) or path.suffix.lower() == ".iqy":
        return _WEB_QUERY
    return _BY_SUFFIX.get(path.suffix.lower())


def unsupported(path: Path, convert: bool = False) -> Finding:
    """The refusal of a file import cannot read, saying what it is and what to do —
    and, for a kind LibreOffice converts, that ``--convert`` does it where LibreOffice
    is installed (``convert``: it was asked for, and cannot help)."""
    from .converted import can_convert

    found = what_it_is(path)
    if found is None:
        return Finding("import-unsupported", ERROR,
                       f"{path.name}: cip-xl imports .docx, .xlsx, .xlsm and .csv files. "
                       "Open the plan in Word or Excel and save it as one of those.",
                       file=str(path))
    offer = ""
    if can_convert(found):
        offer = " Or import it with --convert, and LibreOffice, installed here, converts it."
    elif convert and found.converts_to:
        offer = (" (--convert needs LibreOffice, which is not installed here: "
                 "libreoffice.org.)")
    elif convert:
        offer = " (--convert cannot help: LibreOffice makes no document import reads from it.)"
    return Finding("import-unsupported", ERROR,
                   f"{path.name} is {found.kind}, which cip-xl cannot import: "
                   f"{found.advice}.{offer}", file=str(path))
