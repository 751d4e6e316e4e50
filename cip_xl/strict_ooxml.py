"""Files saved as "Strict Open XML": the same content under other names.

Excel, Word and PowerPoint can save in the Strict form of Office Open XML (ISO/IEC
29500-1's strict conformance: Excel's File > Save As, "Strict Open XML Spreadsheet
(*.xlsx)"). Such a file has the usual extension and parts, but its XML namespaces and
relationship types are named under ``http://purl.oclc.org/ooxml/`` instead of
``http://schemas.openxmlformats.org/``, and a date may be written as ISO 8601 text
(``t="d"``). python-calamine reads both forms; openpyxl and python-docx find no sheets
or no document in a Strict file, and this package's own readers of notes and drawings
look for the usual names. :func:`transitional` gives such a package the usual names —
the form Excel saves by default, which every reader here understands — so that the
rest of cip-xl never sees the difference. Nothing is lost: the names are all that
differ (a ``t="d"`` date stays one, which openpyxl and calamine both read).
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib

_STRICT = b"http://purl.oclc.org/ooxml/"
_TRANSITIONAL = b"http://schemas.openxmlformats.org/"
#: a Strict name: its area (spreadsheetml, drawingml, officeDocument...) and the rest
_STRICT_NAME = re.compile(rb"http://purl\.oclc\.org/ooxml/(\w+)/([\w/]+)")
#: Strict names whose usual form is not the same words with "/2006" put in
_RENAMED = {
    b"officeDocument/extendedProperties":
        _TRANSITIONAL + b"officeDocument/2006/extended-properties",
    b"officeDocument/customProperties":
        _TRANSITIONAL + b"officeDocument/2006/custom-properties",
    b"officeDocument/relationships/extendedProperties":
        _TRANSITIONAL + b"officeDocument/2006/relationships/extended-properties",
    b"officeDocument/relationships/customProperties":
        _TRANSITIONAL + b"officeDocument/2006/relationships/custom-properties",
    b"officeDocument/relationships/metadata/thumbnail":
        _TRANSITIONAL + b"package/2006/relationships/metadata/thumbnail",
}
#: the attribute a Strict workbook's root element carries to say so
_CONFORMANCE = re.compile(rb'\s+conformance="strict"')


def _usual_name(found: re.Match) -> bytes:
    area, rest = found.group(1), found.group(2)
    return _RENAMED.get(area + b"/" + rest) or _TRANSITIONAL + area + b"/2006/" + rest


def usual_names(xml: bytes) -> bytes:
    """``xml`` (a part of a Strict package) with every Strict namespace and
    relationship type named as Excel names it by default."""
    if _STRICT not in xml:
        return xml
    return _CONFORMANCE.sub(b"", _STRICT_NAME.sub(_usual_name, xml), count=1)


def is_strict(archive: zipfile.ZipFile) -> bool:
    """Whether the package ``archive`` was saved in the Strict form: its root
    relationships name the main document with a Strict relationship type."""
    try:
        return _STRICT in archive.read("_rels/.rels")
    except (KeyError, OSError, zipfile.BadZipFile, RuntimeError):
        return False


def transitional(data: bytes) -> bytes:
    """The package ``data`` as it would be saved in the usual (Transitional) form —
    ``data`` itself, unchanged, when it is in that form already or is not a readable
    package (whoever reads it next says what is wrong). Every XML part is renamed with
    :func:`usual_names`; every other part is kept as it was."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if not is_strict(archive):
                return data
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
                for item in archive.infolist():
                    part = archive.read(item)
                    if item.filename.endswith((".xml", ".rels")):
                        part = usual_names(part)
                    target.writestr(item, part)
            return out.getvalue()
    except (OSError, zipfile.BadZipFile, zlib.error, RuntimeError, EOFError, ValueError):
        return data
