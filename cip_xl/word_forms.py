"""Word files in the forms a clerk saves them: as a template, with macros, as Strict.

A report template is, to a clerk, a template: Word's Save As offers "Word Template
(*.dotx)" for it, and a council's own document templates are often macro-enabled
(.dotm, .docm) for their letterhead and numbering tools. These are the same package as
a Word Document (.docx) but for the content type of the main part (and, with macros, a
VBA project part related to it); python-docx and docxtpl refuse any main part but a
document's. :func:`openable` gives python-docx and docxtpl such a file as a Word
Document: the main part's content type that of a document, the relationships to the
VBA project and the macro-bound toolbars and key assignments left out (so the report
made from it is an ordinary .docx, which Word will not open with macros in it), and a
file saved as Strict Open XML in the usual form (:mod:`cip_xl.strict_ooxml`). Nothing
else in the package changes.
"""
from __future__ import annotations

import io
import re
import zipfile
import zlib
from pathlib import Path

#: the main part's content type in a Word Document (.docx)
DOCUMENT = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
#: the main part's content type in Word's other forms of the same package, and each form
OTHER_FORMS = {
    b"application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml":
        "a Word Template (.dotx)",
    b"application/vnd.ms-word.document.macroEnabled.main+xml":
        "a Word Macro-Enabled Document (.docm)",
    b"application/vnd.ms-word.template.macroEnabledTemplate.main+xml":
        "a Word Macro-Enabled Template (.dotm)",
}
_OTHER_FORM = re.compile(b"|".join(re.escape(kind) for kind in OTHER_FORMS))
#: a relationship to what only a macro-enabled file may hold: its VBA project, the
#: toolbars and key assignments bound to its macros
_MACRO_PART = re.compile(rb'<Relationship\b[^>]*\bType="[^"]*/(?:vbaProject|'
                         rb'keyMapCustomizations|attachedToolbars)"[^>]*/>')


def saved_as(data: bytes) -> str | None:
    """Which of Word's other forms the package ``data`` was saved as ("a Word Template
    (.dotx)", ...), by its main part's content type; None for a Word Document or
    anything else (including a file that is not a package)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            types = archive.read("[Content_Types].xml")
    except (KeyError, OSError, zipfile.BadZipFile, zlib.error, RuntimeError, EOFError,
            ValueError):
        return None
    found = _OTHER_FORM.search(types)
    return OTHER_FORMS[found.group(0)] if found else None


def has_macros(data: bytes) -> bool:
    """Whether the package ``data`` relates a VBA project (macros) to a part."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return any(b"/vbaProject\"" in archive.read(item)
                       for item in archive.infolist() if item.filename.endswith(".rels"))
    except (KeyError, OSError, zipfile.BadZipFile, zlib.error, RuntimeError, EOFError,
            ValueError):
        return False


def as_document(data: bytes) -> bytes:
    """The package ``data`` as a Word Document (.docx): ``data`` itself when it is one
    already (or is not a package at all: whoever reads it next says what is wrong);
    otherwise the same parts with the main part's content type a document's and the
    relationships to macro parts left out."""
    if saved_as(data) is None:
        return data
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as archive, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in archive.infolist():
            part = archive.read(item)
            if item.filename == "[Content_Types].xml":
                part = _OTHER_FORM.sub(DOCUMENT, part)
            elif item.filename.endswith(".rels"):
                part = _MACRO_PART.sub(b"", part)
            target.writestr(item, part)
    return out.getvalue()


def openable(path: str | Path) -> str | io.BytesIO:
    """What python-docx or docxtpl should open for the Word file at ``path``: its name,
    or — for one saved as a template, with macros or as Strict Open XML — the Word
    Document it holds, in memory. A file that cannot be read is named as it is:
    opening it then says why."""
    from .strict_ooxml import transitional

    try:
        data = Path(path).read_bytes()
    except OSError:
        return str(path)
    usual = as_document(transitional(data))
    return str(path) if usual is data else io.BytesIO(usual)
