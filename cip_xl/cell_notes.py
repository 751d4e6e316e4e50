"""Notes attached to cells — what people type beside a cell rather than in it.

Excel has two kinds: the classic *note* (``xl/commentsN.xml``) and, since Microsoft
365, the threaded *comment* with replies (``xl/threadedComments/``), which Excel writes
together with a placeholder note for older versions. :func:`cell_notes` reads both from
a package (the thread's text replacing its placeholder), so that merging can keep what
an officer wrote in them. Parts are parsed with defusedxml.
"""
from __future__ import annotations

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_THREADED = "{http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments}"
#: what stands in the text of a note that could not be read
UNREADABLE = "(a note cip-xl could not read: look at it in Excel)"


def cell_notes(wb) -> dict[str, dict[str, str]]:
    """The notes of workbook ``wb`` (a :class:`~cip_xl.fastbook.FastWorkbook`): sheet
    title → cell (``"L2"``) → its text. A threaded comment gives the comment and its
    replies, one per line. Empty when the package holds none (the common case costs a
    look at the part names). A note part that cannot be parsed gives
    :data:`UNREADABLE` for the sheet's cell ``"A1"`` rather than nothing."""
    if not any("comment" in name.lower() for name in wb.part_names()):
        return {}
    found: dict[str, dict[str, str]] = {}
    for title in wb.sheetnames:
        notes: dict[str, str] = {}
        threads: dict[str, str] = {}
        for kind, name in wb.sheet_relations(title):
            if kind.endswith(b"/comments"):
                notes.update(_read(wb, name, _notes))
            elif kind.endswith(b"/threadedComment"):
                threads.update(_read(wb, name, _threads))
        if notes or threads:
            found[title] = {**notes, **threads}
    return found


def _read(wb, name: str, parse) -> dict[str, str]:
    from defusedxml import ElementTree

    try:
        return parse(ElementTree.fromstring(wb.part(name)))
    except Exception:  # a damaged part, entities defusedxml refuses: say so, lose nothing
        return {"A1": UNREADABLE}


def _notes(root) -> dict[str, str]:
    found = {}
    for comment in root.iter(f"{_MAIN}comment"):
        text = "".join(t.text or "" for t in comment.iter(f"{_MAIN}t")).strip()
        if comment.get("ref") and text:
            found[comment.get("ref")] = text
    return found


def _threads(root) -> dict[str, str]:
    found: dict[str, list[str]] = {}
    for comment in root.iter(f"{_THREADED}threadedComment"):
        text = "".join(comment.find(f"{_THREADED}text").itertext()).strip() \
            if comment.find(f"{_THREADED}text") is not None else ""
        if comment.get("ref") and text:
            found.setdefault(comment.get("ref"), []).append(text)
    return {ref: "\n".join(texts) for ref, texts in found.items()}
