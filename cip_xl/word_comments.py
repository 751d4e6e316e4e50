"""Comments a clerk leaves in a report template, kept out of the reports made from it.

A clerk editing a template in Word may leave a comment on it ("check the figures with
Finance before this goes out"). Filled in as it stands, every committee report made
from the template would carry that comment — and the PDF LibreOffice makes of the
report carries it too, as a sticky note — into papers the council publishes. A report
is a publication and a comment on its template is about the template, so
:func:`leave_out_comments` takes them out of the filled-in document (the comment marks
in the text, the comments part and the parts Word keeps beside it: replies, ids, the
people who commented); :func:`template_comments` lists them for the pre-flight. Parts
are parsed with defusedxml.
"""
from __future__ import annotations

import posixpath
import zipfile
from typing import NamedTuple

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
#: the last word of the relationship types of the parts that hold comments and what
#: Word keeps beside them (replies and their state, durable ids, who commented)
_COMMENT_PARTS = {"comments", "commentsExtended", "commentsIds", "commentsExtensible",
                  "people"}
#: the marks in the text that anchor a comment
_MARKS = {f"{_W}commentRangeStart", f"{_W}commentRangeEnd", f"{_W}commentReference"}


class Comment(NamedTuple):
    """One comment: who made it (as Word recorded them) and its text."""

    author: str
    text: str


#: what stands for the comments of a part that cannot be read (missing, or not XML)
UNREADABLE = Comment("", "(a comment cip-xl could not read)")
#: what reading a part may raise: missing (KeyError), not XML (ParseError, a
#: SyntaxError), or refused by defusedxml (a ValueError)
_BROKEN = (KeyError, SyntaxError, ValueError)


def _comments(xml: bytes) -> list[Comment]:
    from defusedxml import ElementTree

    found = []
    for comment in ElementTree.fromstring(xml).iter(f"{_W}comment"):
        paragraphs = ("".join(t.text or "" for t in p.iter(f"{_W}t"))
                      for p in comment.iter(f"{_W}p"))
        found.append(Comment(comment.get(f"{_W}author") or "",
                             " ".join(p for p in paragraphs if p).strip()))
    return found


def template_comments(archive: zipfile.ZipFile) -> list[Comment]:
    """The comments in the Word package open in ``archive``, in the order Word keeps
    them; empty where it has none. A comments part that cannot be parsed gives one
    comment with no author whose text says so."""
    from defusedxml import ElementTree

    try:
        rels = ElementTree.fromstring(archive.read("word/_rels/document.xml.rels"))
    except _BROKEN:  # no main part's relationships, or broken ones: no comments seen
        return []
    found: list[Comment] = []
    for rel in rels:
        if not rel.get("Type", "").endswith("/comments"):
            continue
        target = rel.get("Target", "")
        name = target.lstrip("/") if target.startswith("/") else \
            posixpath.normpath(posixpath.join("word", target))
        try:
            found.extend(_comments(archive.read(name)))
        except _BROKEN:  # a part missing or broken: say there is something there
            found.append(UNREADABLE)
    return found


def leave_out_comments(document) -> list[Comment]:
    """Take the comments out of python-docx ``document`` (a filled-in report) and
    return them. The comment marks go from every part's text (a reference's run with
    them, where it holds nothing else), and the relationships to the comment parts from
    the main part, so those parts are not saved."""
    part = document.part
    kept = [rel for rel in part.rels.values()
            if not rel.is_external and rel.reltype.rsplit("/", 1)[-1] in _COMMENT_PARTS]
    if not kept:
        return []
    found: list[Comment] = []
    for rel in kept:
        if rel.reltype.endswith("/comments"):
            try:
                found.extend(_comments(rel.target_part.blob))
            except _BROKEN:
                found.append(UNREADABLE)
    for each in part.package.iter_parts():
        element = getattr(each, "element", None)
        if element is None:
            continue
        for mark in list(element.iter(*_MARKS)):
            parent = mark.getparent()
            if (mark.tag == f"{_W}commentReference" and parent.tag == f"{_W}r"
                    and all(child is mark or child.tag == f"{_W}rPr" for child in parent)):
                mark, parent = parent, parent.getparent()
            parent.remove(mark)
    for rel in kept:
        part.rels.pop(rel.rId)
    return found


def comments_sentence(comments: list[Comment]) -> str:
    """"2 comments (Jane Clerk: 'check the figures …')" — how many, and the first."""
    first = comments[0]
    text = first.text if len(first.text) <= 80 else first.text[:79].rstrip() + "…"
    who = f"{first.author}: " if first.author else ""
    count = "1 comment" if len(comments) == 1 else f"{len(comments)} comments"
    return f"{count} ({who}'{text}'" + (", and others)" if len(comments) > 1 else ")")
