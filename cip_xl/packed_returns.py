"""Returns that come back inside something else: an email saved whole, a zip archive.

Officers reply to the quarterly email with their return attached, and a manager who
saves the reply (File > Save As in a mail program, or dragging it out of the inbox)
puts an ``.eml`` in the returned folder instead of the workbook; a mail program's
"download all attachments" gives a ``.zip`` of them. :func:`attached_returns` and
:func:`zipped_returns` take the workbooks out into a folder of the caller's, so that
the merge reads each as the return it is, its findings naming the email or archive
and the file in it. Outlook, where most councils read their mail, saves an email
dragged out of the inbox as a ``.msg`` (a compound file, like an old .xls):
:func:`message_returns` takes the workbooks out of that, and out of emails attached
to it (a reply forwarded as an attachment).

Only structure is read (Python's own MIME parser, no scripts, no HTML; the zip's
directory, within the limits :mod:`cip_xl.filecheck` sets; the .msg's streams, read
by olefile): each workbook is written as bytes under a name of cip-xl's making, in a
folder of its own, and not opened here.
"""
from __future__ import annotations

import re
import zipfile
from email import policy
from email.parser import BytesParser
from pathlib import Path

#: the first lines of a saved email: header fields ("From: ...") before a blank line
_HEADERS = re.compile(rb"\A(?:[!-9;-~]+:[^\r\n]*\r?\n(?:[ \t][^\r\n]*\r?\n)*)+\r?\n")
#: header fields every saved email has at least one of
_MAIL_FIELDS = re.compile(rb"^(?:from|to|subject|date|mime-version|message-id):",
                          re.IGNORECASE | re.MULTILINE)
#: what Excel's single-file web pages (and a browser's) carry that an email does not
_WEB_ARCHIVE_MARKS = (b"X-Document-Type:", b"Snapshot-Content-Location:",
                      b"Single File Web Page")
#: the MIME types of workbooks, by the extension each is saved with
_SPREADSHEET_TYPES = {
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "application/vnd.ms-excel.sheet.macroenabled.12": ".xlsm",
    "application/vnd.oasis.opendocument.spreadsheet": ".ods",
    "application/vnd.ms-excel": ".xls"}
#: the MIME type of Outlook's winmail.dat
_TNEF_TYPE = "application/ms-tnef"
#: kinds of attachment that may be a return (the merge says what is wrong with others)
RETURN_SUFFIXES = (".xlsx", ".xlsm", ".ods", ".xls", ".xlsb", ".csv")
#: an Outlook .msg's streams are named in its directory, in UTF-16
_MSG_STREAM = "__substg1.0_".encode("utf-16-le")


def _head(path: Path, head: bytes | None) -> bytes:
    if head is None:
        try:
            with open(path, "rb") as file:
                head = file.read(64 * 1024)
        except OSError:
            return b""
    return head


def is_saved_email(path: Path, head: bytes | None = None) -> bool:
    """Whether ``path`` is an email saved whole (.eml): header fields, a blank line,
    and at least one of From, To, Subject, Date — and not a web page saved as one file
    (:func:`is_web_archive`), which is written the same way. ``head``: its first
    bytes, if read."""
    head = _head(path, head)
    found = _HEADERS.match(head)
    return bool(found and _MAIL_FIELDS.search(found[0])) and not is_web_archive(path, head)


def is_web_archive(path: Path, head: bytes | None = None) -> bool:
    """Whether ``path`` is a web page saved as one file (.mht, .mhtml): what Excel's
    "Single File Web Page" and a browser's "Save as MHTML" write — the page and its
    pictures as the parts of a MIME message, like an email's. ``head``: its first
    bytes, if read."""
    head = _head(path, head)
    found = _HEADERS.match(head)
    if not found or b"multipart/related" not in found[0].lower():
        return False
    return path.suffix.lower() in (".mht", ".mhtml") or \
        any(mark in head for mark in _WEB_ARCHIVE_MARKS)


def is_outlook_message(path: Path, data: bytes) -> bool:
    """Whether ``data`` (the bytes of ``path``, a compound file) is an Outlook .msg."""
    return path.suffix.lower() == ".msg" or _MSG_STREAM in data[:1024 * 1024]


def attached_returns(email: Path, folder: Path) -> list[tuple[Path, str]]:
    """The workbooks attached to the saved ``email``, each written into ``folder`` (a
    new, empty folder of the caller's), as (where written, its name in the email), in
    the order attached — a workbook known by its name's extension or, where its name
    does not say, its MIME type; those in a winmail.dat too (:mod:`cip_xl.tnef`).
    Attachments of other kinds are left out; none: []."""
    from .tnef import is_tnef

    with open(email, "rb") as file:
        message = BytesParser(policy=policy.default).parse(file)
    found = []
    for number, part in enumerate(message.walk(), start=1):
        name = part.get_filename()
        kind = part.get_content_type()
        if part.is_multipart() or not name and kind != _TNEF_TYPE and \
                kind not in _SPREADSHEET_TYPES:
            continue
        shown = _shown_name(name or "", number)
        suffix = _SPREADSHEET_TYPES.get(kind)
        if suffix and not shown.lower().endswith(RETURN_SUFFIXES):
            shown += suffix  # a workbook sent under a name without its extension
        if not shown.lower().endswith(RETURN_SUFFIXES):
            if kind == _TNEF_TYPE or shown.lower() == "winmail.dat":
                data = part.get_payload(decode=True) or b""
                if is_tnef(data):  # Outlook's winmail.dat: the attachments packed in it
                    found += _unpacked_tnef(data, folder, len(found), f"{shown} › ")
            continue
        data = part.get_payload(decode=True)
        if data:
            found.append((_write_attachment(folder, len(found) + 1, shown, data), shown))
    return found


def is_tnef_file(path: Path) -> bool:
    """Whether the file at ``path`` is Outlook's winmail.dat (TNEF) saved on its own."""
    from .tnef import SIGNATURE, is_tnef

    try:
        with open(path, "rb") as file:
            return is_tnef(file.read(len(SIGNATURE)))
    except OSError:
        return False


def tnef_returns(packed: Path, folder: Path) -> list[tuple[Path, str]]:
    """The workbooks in Outlook's winmail.dat ``packed`` (see :mod:`cip_xl.tnef`),
    each written into ``folder`` (a new, empty folder of the caller's), as (where
    written, its name in it). Files of other kinds are left out; none, or a damaged
    winmail.dat: [] (the file is then refused, saying what it is)."""
    return _unpacked_tnef(packed.read_bytes(), folder, 0, "")


def _unpacked_tnef(data: bytes, folder: Path, before: int,
                   within: str) -> list[tuple[Path, str]]:
    """The workbooks in the TNEF stream ``data`` written into ``folder``, numbered after
    the ``before`` already written there, each shown as ``within`` and its name; []
    for a damaged stream (the email is then said to hold no workbook)."""
    from .filecheck import MAX_UNPACKED_BYTES
    from .tnef import tnef_attachments

    try:
        attached = tnef_attachments(data)
    except ValueError:
        return []
    found = []
    for number, (name, content) in enumerate(attached, start=1):
        shown = _shown_name(name, number)
        if shown.lower().endswith(RETURN_SUFFIXES) and content and \
                len(content) <= MAX_UNPACKED_BYTES:
            found.append((_write_attachment(folder, before + len(found) + 1, shown,
                                            content), within + shown))
    return found


def _shown_name(name: str, number: int) -> str:
    """The file name an attachment or member called ``name`` is shown by: its last
    part, whichever way its slashes lean; "attachment N" if it has none."""
    return Path(name.replace("\\", "/")).name.strip() or f"attachment {number}"


def _place_for(folder: Path, number: int, shown: str) -> Path:
    """Where the ``number``-th workbook taken out, shown as ``shown``, is written: a
    name of ours, in a folder of its own, so the email's or archive's cannot point
    elsewhere."""
    target = folder / str(number) / re.sub(r"[^\w .,'&()\-]", "_", shown)
    target.parent.mkdir()
    return target


def _write_attachment(folder: Path, number: int, shown: str, data: bytes) -> Path:
    """``data`` written where :func:`_place_for` says; that place."""
    target = _place_for(folder, number, shown)
    target.write_bytes(data)
    return target


#: the start of every compound file (an Outlook .msg, an old .xls)
_COMPOUND_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
#: MS-OXMSG: each attachment is a storage of this name (numbered) holding its
#: properties as streams: its bytes (PidTagAttachDataBinary), its long file name
#: (PidTagAttachLongFilename) and its short one (PidTagAttachFilename), the names as
#: UTF-16 (type 001F) or in the message's code page (001E)
_ATTACHMENT = "__attach_version1.0_#"
_ATTACHED_BYTES = "__substg1.0_37010102"
_LONG_NAME, _SHORT_NAME = "__substg1.0_3707", "__substg1.0_3704"


def is_outlook_file(path: Path) -> bool:
    """Whether the file at ``path`` is an email saved from Outlook (.msg)."""
    try:
        with open(path, "rb") as file:
            if file.read(len(_COMPOUND_MAGIC)) != _COMPOUND_MAGIC:
                return False  # (every workbook returned: nothing more read)
            head = _COMPOUND_MAGIC + file.read(1024 * 1024)
    except OSError:
        return False
    return is_outlook_message(path, head)


def message_returns(message: Path, folder: Path) -> list[tuple[Path, str]]:
    """The workbooks attached to the Outlook message ``message`` (.msg), and to any
    email attached to it, each written into ``folder`` (a new, empty folder of the
    caller's), as (where written, its name in the email), in the order attached.
    Attachments of other kinds, and links to files (OneDrive, SharePoint) instead of
    the files, are left out; none, or more than cip-xl unpacks: []."""
    import olefile

    from .filecheck import MAX_UNPACKED_BYTES

    found: list[tuple[Path, str]] = []
    with olefile.OleFileIO(str(message)) as ole:
        attached = sorted(path[:-1] for path in ole.listdir(streams=True, storages=False)
                          if len(path) >= 2 and path[-1] == _ATTACHED_BYTES
                          and path[-2].startswith(_ATTACHMENT))
        named = []
        for number, storage in enumerate(attached, start=1):
            shown = _shown_name(_attachment_name(ole, storage), number)
            if shown.lower().endswith(RETURN_SUFFIXES):
                named.append((number, storage, shown))
        if sum(ole.get_size(storage + [_ATTACHED_BYTES])
               for _, storage, _ in named) > MAX_UNPACKED_BYTES:
            return []
        for number, storage, shown in named:
            data = ole.openstream(storage + [_ATTACHED_BYTES]).read()
            if data:
                found.append((_write_attachment(folder, number, shown, data), shown))
    return found


def _attachment_name(ole, storage: list[str]) -> str:
    """The file name an attachment was sent under: its long name, else its short one."""
    for stream in (_LONG_NAME, _SHORT_NAME):
        for kind, codec in (("001F", "utf-16-le"), ("001E", "cp1252")):
            path = storage + [stream + kind]
            if ole.exists(path):
                return ole.openstream(path).read().decode(codec, "replace").split("\x00")[0]
    return ""


def is_zip_archive(path: Path, head: bytes | None = None) -> bool:
    """Whether ``path`` is a zip archive of files, not an Office or OpenDocument
    package (which are zips too)."""
    if head is None:
        try:
            with open(path, "rb") as file:
                head = file.read(4)
        except OSError:
            return False
    if not head.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError):
        return False
    return "[Content_Types].xml" not in names and "mimetype" not in names


def zipped_returns(archive_path: Path, folder: Path) -> list[tuple[Path, str]]:
    """The workbooks in the zip archive at ``archive_path``, each written into
    ``folder`` (a new, empty folder of the caller's), as (where written, its name in
    the archive), in the archive's order; [] if none can be taken out (none there,
    locked with a password, or more than cip-xl unpacks)."""
    from .filecheck import MAX_RATIO, MAX_UNPACKED_BYTES

    found: list[tuple[Path, str]] = []
    with zipfile.ZipFile(archive_path) as archive:
        members = [info for info in archive.infolist() if not info.is_dir()
                   and not info.filename.startswith("__MACOSX/")
                   and info.filename.lower().endswith(RETURN_SUFFIXES)
                   and not Path(info.filename).name.startswith("~$")]
        if any(info.flag_bits & 0x1 or info.file_size > 10 * 1024 * 1024 and
               info.file_size > MAX_RATIO * max(info.compress_size, 1) for info in members) \
                or sum(info.file_size for info in members) > MAX_UNPACKED_BYTES:
            return []  # locked, or a zip bomb: refused as the archive it is
        for number, info in enumerate(members, start=1):
            shown = _shown_name(info.filename, number)
            target = _place_for(folder, number, shown)
            with archive.open(info) as member, open(target, "wb") as out:
                left = info.file_size + 1  # never more than the directory says
                while left > 0 and (chunk := member.read(min(left, 1 << 20))):
                    out.write(chunk)
                    left -= len(chunk)
            found.append((target, shown))
    return found
