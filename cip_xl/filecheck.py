"""Opening workbooks safely: recognise what a file really is before parsing it.

:func:`open_workbook` turns every way a file can be unusable — missing, empty, a CSV or
legacy .xls renamed, an Excel Binary Workbook, password-protected, a zip bomb, an XML entity bomb, a Word file,
plain corruption — into a :class:`~cip_xl.findings.PlanFileError` with one clear
sentence. :func:`features_openpyxl_drops` lists what saving through openpyxl would lose.
"""
from __future__ import annotations

import io
import re
import warnings
import zlib
import zipfile
from pathlib import Path

from .findings import ERROR, Finding, PlanFileError

#: what names MS-OFFCRYPTO's rights-management data space in an encrypted Office file:
#: a sensitivity label that encrypts (OFFICIAL-SENSITIVE, say), not a password
RIGHTS_MANAGED = "DRMEncrypted".encode("utf-16-le")

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
#: refuse workbooks whose parts unpack to more than this (a zip bomb guard)
MAX_UNPACKED_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200


def _fail(path: Path, code: str, message: str) -> PlanFileError:
    return PlanFileError(Finding(code, ERROR, message, file=str(path)))


def read_package(path: str | Path) -> bytes:
    """The bytes of the file at ``path``, or :class:`PlanFileError` saying why they
    cannot be read (missing, a folder, locked, unreadable)."""
    path = Path(path)
    if not path.exists():
        raise _fail(path, "file-missing", f"There is no file called {path}.")
    if path.is_dir():
        raise _fail(path, "file-is-folder", f"{path} is a folder, not a workbook.")
    try:
        return path.read_bytes()
    except PermissionError:
        raise _fail(path, "file-locked",
                    f"{path.name} cannot be read: it is locked or you lack permission. "
                    "Close it in Excel and try again.") from None
    except OSError as exc:
        raise _fail(path, "file-unreadable",
                    f"{path.name} cannot be read ({exc.strerror}).") from None


def sniff(path: str | Path, data: bytes | None = None) -> str:
    """Check that ``path`` looks like an xlsx/xlsm package; return its suffix.

    ``data`` is the file's bytes if the caller has read them already (with
    :func:`read_package`); otherwise they are read here. Raises
    :class:`PlanFileError` naming the problem otherwise. Does not parse XML.
    """
    path = Path(path)
    if data is None:
        data = read_package(path)
    if not data:
        raise _fail(path, "file-empty", f"{path.name} is empty (0 bytes).")
    if data.startswith(OLE_MAGIC):
        if "EncryptedPackage".encode("utf-16-le") in data:
            if RIGHTS_MANAGED in data:
                raise _fail(path, "file-rights-protected",
                            f"{path.name} is protected by a sensitivity label or rights "
                            "management (a label such as OFFICIAL-SENSITIVE that encrypts): "
                            "only Excel, signed in as someone the label allows, can open "
                            "it; cip-xl cannot. Open it in Excel, choose a label that does "
                            "not encrypt (Home > Sensitivity) and save it again — or ask "
                            "whoever sent it to.")
            raise _fail(path, "file-encrypted",
                        f"{path.name} is password-protected. Open it in Excel, remove the "
                        "password (File > Info > Protect Workbook) and save it again.")
        from .packed_returns import is_outlook_message

        if is_outlook_message(path, data):
            raise _fail(path, "file-outlook-message",
                        f"{path.name} is an email saved from Outlook (.msg) with no "
                        "workbook attached to it that cip-xl can take out. If it holds a "
                        "link (OneDrive, SharePoint) instead of the file, open the link, "
                        "download the workbook and save it beside the others; if a "
                        "workbook is attached, save it (right-click it, Save As).")
        raise _fail(path, "file-old-format",
                    f"{path.name} is an old Excel 97-2003 (.xls) file. Open it in Excel "
                    "and save it as an Excel Workbook (.xlsx).")
    if not data.startswith(ZIP_MAGIC):
        copy = _copy_of_a_workbook(data)
        if copy:
            raise _fail(path, "file-not-a-workbook",
                        f"{path.name} is {copy}, not a workbook: nothing in it can be read "
                        "as cells. Use (or ask for) the workbook itself (.xlsx).")
        from .tnef import is_tnef

        if is_tnef(data):
            raise _fail(path, "file-winmail",
                        f"{path.name} is Outlook's winmail.dat — the attachments of an email "
                        "Outlook sent in its Rich Text format, packed into one file — and "
                        "holds no workbook cip-xl can take out. Ask the officer to send the "
                        "return again as an ordinary attachment (in Outlook: Format Text > "
                        "HTML before sending).")
        shortcut = _shortcut(data)
        if shortcut is not None:
            raise _fail(path, "file-shortcut", shortcut.format(name=path.name))
        from .packed_returns import is_saved_email

        if is_saved_email(path, data[:64 * 1024]):
            raise _fail(path, "file-email",
                        f"{path.name} is an email saved whole, with no workbook attached "
                        "to it. Save the return itself (the .xlsx attached to the officer's "
                        "reply) beside the other returns.")
        from .packed_returns import is_web_archive
        from .spreadsheet_2003 import is_spreadsheet_2003

        kind = "an Excel 2003 XML Spreadsheet" if is_spreadsheet_2003(data) else \
            "a web page (a single file, .mht)" if is_web_archive(path, data[:64 * 1024]) \
            else "a web page (HTML)" if _looks_like_html(data) else \
            "a text or CSV file" if _looks_textual(data) else "a file of another kind"
        raise _fail(path, "file-not-xlsx",
                    f"{path.name} is {kind}, not an .xlsx workbook (whatever its name "
                    "says). Open it in Excel and save it as an Excel Workbook (.xlsx).")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            total = 0
            for info in archive.infolist():
                total += info.file_size
                if info.flag_bits & 0x1:
                    raise _fail(path, "file-encrypted",
                                f"{path.name} has parts locked with a zip password "
                                f"({info.filename}), which Excel never does. Ask the sender "
                                "for a copy without the password.")
                if info.compress_size and info.file_size / info.compress_size > MAX_RATIO \
                        and info.file_size > 10 * 1024 * 1024:
                    raise _fail(path, "file-zip-bomb",
                                f"{path.name} unpacks to far more than it stores "
                                f"({info.filename}); refused as a possible zip bomb.")
                if info.filename.endswith((".xml", ".rels", ".vml")) and \
                        _declares_entities(archive, data, info):
                    raise _fail(path, "file-xml-entities",
                                f"{path.name} contains XML entity declarations "
                                f"({info.filename}), which Excel never writes; refused as "
                                "possibly malicious.")
            if total > MAX_UNPACKED_BYTES:
                raise _fail(path, "file-too-large",
                            f"{path.name} unpacks to {total // (1024 * 1024)} MB, more than "
                            f"the {MAX_UNPACKED_BYTES // (1024 * 1024)} MB cip-xl accepts.")
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, NotImplementedError,
            OSError, RuntimeError):
        raise _fail(path, "file-corrupt",
                    f"{path.name} is damaged (the zip package cannot be read). Restore it "
                    "from a backup or ask the sender for a fresh copy.") from None
    if "xl/workbook.bin" in names:
        raise _fail(path, "file-binary-workbook",
                    f"{path.name} is an Excel Binary Workbook (.xlsb), which cip-xl cannot "
                    "read. Open it in Excel and save it as an Excel Workbook (.xlsx) (File > "
                    "Save As, Save as type), then use that file.")
    if "xl/workbook.xml" not in names and not any(n.endswith("workbook.xml") for n in names):
        iwork = any(n.startswith("Index/") and n.endswith(".iwa") for n in names)
        what = "a Word document" if "word/document.xml" in names else (
            "a PowerPoint file" if "ppt/presentation.xml" in names else (
                "an OpenDocument file" if "content.xml" in names else
                _IWORK.get(path.suffix.lower(), "an Apple iWork file (Numbers, Pages or "
                           "Keynote)") if iwork else
                "a zip archive of files"))
        advice = " Open it in LibreOffice and save it as Excel 2007-365 (.xlsx) (File > " \
            "Save As, File type), then use that file." if what == "an OpenDocument file" \
            else " Text typed in it belongs in the workbook's cells: use (or ask for) the " \
            "workbook itself." if what == "a Word document" else \
            " In Numbers, File > Export To > Excel... makes an .xlsx; better still, the " \
            "workbook is filled in with Excel (or Excel for the web)." if iwork else ""
        raise _fail(path, "file-foreign",
                    f"{path.name} is {what}, not an Excel workbook.{advice}")
    return path.suffix.lower()


#: Apple's iWork documents (a zip of Index/*.iwa parts) by file type, as a Mac user may
#: save a return they opened in Numbers
_IWORK = {".numbers": "an Apple Numbers spreadsheet", ".pages": "an Apple Pages document",
          ".key": "an Apple Keynote presentation"}


#: how much of each XML part is searched for a DOCTYPE (it must come before the root)
_HEAD_BYTES = 4096


def _declares_entities(archive: zipfile.ZipFile, data: bytes, info: zipfile.ZipInfo) -> bool:
    """True if an XML part has a DOCTYPE (entity bombs need one before the root).

    The part's first bytes are inflated straight from ``data``, the package's bytes —
    several times quicker than opening the member through zipfile, which matters when
    forty returns are merged; any part stored another way is opened through zipfile."""
    head = None
    offset = info.header_offset
    local = data[offset:offset + 30]
    if len(local) == 30 and local[:4] == ZIP_MAGIC and \
            info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
        start = offset + 30 + int.from_bytes(local[26:28], "little") + \
            int.from_bytes(local[28:30], "little")
        stored = memoryview(data)[start:start + info.compress_size]
        if info.compress_type == zipfile.ZIP_STORED:
            head = bytes(stored[:_HEAD_BYTES])
        else:
            head = zlib.decompressobj(-15).decompress(stored, _HEAD_BYTES)
    if head is None:
        with archive.open(info) as stream:
            head = stream.read(_HEAD_BYTES)
    head = head.upper()
    return b"<!DOCTYPE" in head or b"<!ENTITY" in head


#: what a file sent in place of a workbook is, by its first bytes: a printed or
#: scanned copy, a screenshot, a document
_COPIES = ((b"%PDF", "a PDF (a printed or scanned copy)"),
           (b"\x89PNG", "a picture (PNG)"), (b"\xff\xd8\xff", "a picture (JPEG)"),
           (b"GIF8", "a picture (GIF)"), (b"II*\x00", "a picture (TIFF)"),
           (b"MM\x00*", "a picture (TIFF)"), (b"{\\rtf", "a Rich Text document (RTF)"))


def _copy_of_a_workbook(data: bytes) -> str:
    """What ``data`` is if it is a copy of a workbook's content rather than one — a PDF,
    a picture (HEIC: a phone's photo), an RTF document; '' otherwise."""
    for magic, kind in _COPIES:
        if data.startswith(magic):
            return kind
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1"):
        return "a picture (HEIC, a phone's photo)"
    return ""


#: how a Windows shell link (.lnk) begins: its header size and class ID
_SHELL_LINK = b"L\x00\x00\x00\x01\x14\x02\x00"
_WEB_ADDRESS = re.compile(rb"^URL=(\S+)", re.MULTILINE | re.IGNORECASE)


def _shortcut(data: bytes) -> str | None:
    """What to say of a shortcut saved in place of a file — a link to a web address
    (.url: a OneDrive or SharePoint link dragged out of an email) or to another file
    (.lnk) — with ``{name}`` for the file's name; None for anything else."""
    if data.startswith(_SHELL_LINK):
        return ("{name} is a Windows shortcut to another file, not the file itself. Copy "
                "the workbook it points to (right-click the shortcut, Open file location) "
                "into this folder instead.")
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"[InternetShortcut]"):
        return None
    address = _WEB_ADDRESS.search(head)
    link = address.group(1).decode("utf-8", "replace")[:120] if address else ""
    return ("{name} is a shortcut to a web address" + (f" ({link})" if link else "") +
            ", not the workbook: a link to a file on OneDrive or SharePoint, say. Open the "
            "link, download the workbook (File > Save As > Download a Copy) and save it in "
            "this folder instead.")


def _looks_like_html(data: bytes) -> bool:
    head = data[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<!doctype html", b"<html")) or \
        b"urn:schemas-microsoft-com:office:excel" in data[:4096]


def _looks_textual(data: bytes) -> bool:
    """Whether ``data`` begins as text a person or Excel wrote: UTF-8 (a character cut
    at the sample's end allowed), Windows-1252 as Excel's "CSV (Comma delimited)"
    saves a £ or a dash, or UTF-16 with its byte-order mark (Excel's "Unicode Text")."""
    from .text_files import UTF16_MARKS

    if data.startswith(UTF16_MARKS):  # (one character may be cut at the sample's end)
        text = data[:2048].decode("utf-16", "replace")
        return "\x00" not in text and text.count("\ufffd") <= 1
    sample = data[:2048]
    if b"\x00" in sample:
        return False
    try:
        sample.decode("utf-8")
        return True
    except UnicodeDecodeError as cut:
        if cut.start >= len(sample) - 3 and len(data) > len(sample):
            return True
    try:
        sample.decode("cp1252")
        return True
    except UnicodeDecodeError:
        return False


def is_text_table(path: str | Path) -> bool:
    """Whether the file at ``path`` is text that is not a web page: what a return saved
    as CSV (or tab-separated text) is. False when it cannot be read."""
    try:
        with open(path, "rb") as file:
            data = file.read(4096)
    except OSError:
        return False
    from .packed_returns import is_web_archive
    from .spreadsheet_2003 import is_spreadsheet_2003

    return bool(data.strip()) and _looks_textual(data) and not _looks_like_html(data) \
        and not is_spreadsheet_2003(data) and not is_web_archive(Path(path), data)


def open_workbook(path: str | Path, *, read_only: bool = False, data_only: bool = False,
                  rich_text: bool = False):
    """Open a workbook with openpyxl after :func:`sniff`; never raises anything else.

    ``.xlsm`` files are opened with ``keep_vba`` so their macros survive a save (they
    are never run). ``rich_text`` keeps text with formatted words (bold, colour) as
    openpyxl's ``CellRichText``, so that saving keeps the formatting; otherwise such
    text reads as plain ``str``. XML with entity declarations is refused by defusedxml.
    A file saved as Strict Open XML is opened in the usual form
    (:func:`cip_xl.strict_ooxml.transitional`), which a save through openpyxl writes.
    """
    import openpyxl

    from .strict_ooxml import transitional

    path = Path(path)
    data = read_package(path)
    suffix = sniff(path, data)
    usual = transitional(data)  # openpyxl finds no sheets in a Strict Open XML file
    try:
        with warnings.catch_warnings():  # losses are reported by features_openpyxl_drops
            warnings.simplefilter("ignore")
            return openpyxl.load_workbook(path if usual is data else io.BytesIO(usual),
                                          read_only=read_only, data_only=data_only,
                                          keep_vba=suffix == ".xlsm", keep_links=True,
                                          rich_text=rich_text)
    except Exception as exc:  # openpyxl raises many types on bad input
        name = type(exc).__name__
        if "Entities" in name or "DTD" in name or "External" in name:
            raise _fail(path, "file-xml-entities",
                        f"{path.name} contains XML entity declarations, which Excel never "
                        "writes; refused as possibly malicious.") from None
        raise _fail(path, "file-corrupt",
                    f"{path.name} is damaged or not a workbook Excel wrote "
                    f"({name}: {str(exc)[:120]}). Open it in Excel, save a fresh copy and "
                    "try again.") from None


#: parts of an xlsx that openpyxl drops or rewrites on save, and how to say so
_DROPPED_PARTS = (
    (re.compile(r"^xl/slicers/"), "slicers"),
    (re.compile(r"^xl/slicerCaches/"), "slicers"),
    (re.compile(r"^xl/timelines/"), "timelines"),
    (re.compile(r"^xl/ctrlProps/"), "form controls (buttons, check boxes)"),
    (re.compile(r"^xl/activeX/"), "ActiveX controls"),
    (re.compile(r"^xl/pivotTables/"), "pivot tables"),
    (re.compile(r"^xl/threadedComments/"),
     "threaded comments (to keep them, convert them: Review > Notes > Convert to Notes)"),
    (re.compile(r"^xl/metadata\.xml$"), "dynamic array formulas (results that spill)"),
    (re.compile(r"^xl/richData/"), "pictures in cells or linked data types"),
    (re.compile(r"^xl/(?:connections\.xml$|queryTables/)"), "data connections (Power Query)"),
    (re.compile(r"^xl/model/"), "a data model (Power Pivot)"),
    (re.compile(r"^xl/featurePropertyBag/"), "check boxes in cells"),
    (re.compile(r"^xl/namedSheetViews/"), "sheet views"),
)
_DROPPED_XML = (
    (b"<x14:sparklineGroups", "sparklines"),
    (b"<x14:dataValidations", "drop-down lists that point at another sheet (x14)"),
    (b"<x14:conditionalFormattings", "newer conditional formats (x14)"),
)


#: the root of the custom XML part holding Power Query's queries, in UTF-8 or UTF-16
_MASHUP = (b"<DataMashup", "<DataMashup".encode("utf-16-le"))


def holds_power_query(item: bytes) -> bool:
    """Whether a custom XML item is where Power Query keeps its queries (UTF-16)."""
    return any(marker in item for marker in _MASHUP)


def features_openpyxl_drops(path: str | Path) -> list[str]:
    """What a user put in ``path`` that saving it with openpyxl would lose.

    Empty when the workbook holds only what openpyxl keeps. cip-xl refuses to save over
    a workbook with any of these rather than lose them silently.
    """
    found: list[str] = []
    with zipfile.ZipFile(path) as archive:
        for name in archive.namelist():
            for pattern, what in _DROPPED_PARTS:
                if pattern.match(name) and what not in found:
                    found.append(what)
            if re.match(r"^xl/worksheets/sheet\d+\.xml$", name):
                data = archive.read(name)
                for marker, what in _DROPPED_XML:
                    if marker in data and what not in found:
                        found.append(what)
            if re.match(r"^customXml/item\d+\.xml$", name) and \
                    "data connections (Power Query)" not in found:
                if holds_power_query(archive.read(name)):
                    found.append("data connections (Power Query)")
            if re.match(r"^xl/drawings/drawing\d+\.xml$", name):
                drawing = archive.read(name)
                if b"<xdr:sp>" in drawing or b"<xdr:sp " in drawing:
                    if "shapes and text boxes" not in found:
                        found.append("shapes and text boxes")
    return found


def row_of(coordinate: str) -> int:
    return int("".join(ch for ch in coordinate if ch.isdigit()) or 0)


def merged_ranges(path: Path, sheet_name: str) -> list[tuple[str, str]]:
    """The merged ranges (first, last cell) of sheet ``sheet_name``, read from the
    package's XML: openpyxl's read-only mode does not report them. None found (or a
    package laid out otherwise than Excel's) gives none."""
    import posixpath
    import re
    import zipfile
    from xml.sax.saxutils import escape

    names = {escape(sheet_name, {'"': "&quot;"}),
             escape(sheet_name, {'"': "&quot;", "'": "&apos;"})}  # "Q&A": "Q&amp;A"
    try:
        with zipfile.ZipFile(path) as archive:
            workbook = archive.read("xl/workbook.xml").decode("utf-8", "replace")
            rels = archive.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
            match = re.search(r'<(?:\w+:)?sheet\b[^>]*name="(?:' +
                              "|".join(map(re.escape, names)) + r')"[^>]*r:id="([^"]+)"',
                              workbook)
            if not match:
                return []
            target = re.search(r'<Relationship\b[^>]*Id="' + re.escape(match[1]) +
                               r'"[^>]*Target="([^"]+)"', rels) or re.search(
                r'<Relationship\b[^>]*Target="([^"]+)"[^>]*Id="' + re.escape(match[1]) + '"',
                rels)
            if not target:
                return []
            part = target[1].lstrip("/")
            part = part if part.startswith("xl/") else posixpath.normpath("xl/" + part)
            xml = archive.read(part).decode("utf-8", "replace")
    except (KeyError, OSError, zipfile.BadZipFile):
        return []
    return re.findall(r'<(?:\w+:)?mergeCell\b[^>]*ref="([A-Z]+\d+):([A-Z]+\d+)"', xml)
