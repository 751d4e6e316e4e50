"""Read a Word (.docx) plan appendix into raw tables and legend entries.

Every table is read with its rows of cell text (paragraphs inside a cell kept as lines),
the colour of blank cells shaded red, amber, green or blue and the comments on its cells;
key tables and "Legend:" paragraphs give officer codes; a "Record of Review & Amendment"
table gives the review log.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ..findings import ERROR, WARNING, Finding, PlanFileError
from ..model import ReviewEntry
from ..schema import REVIEW_LOG, header_key
from .tables import (NAMES_A_PLAN, RawTable, clean, council_named, legend_from_lines,
                     legend_from_table, position_line)
from .keys import is_key_label
from .word_numbers import write_list_numbers


def _row_texts(row) -> list[str]:
    """The text of each grid cell; a cell merged across columns appears once, a grid
    column a row starts after (Word's "gridBefore": a row drawn from the second
    column) as blank."""
    texts = [""] * row.grid_cols_before
    seen = set()
    for cell in row.cells:
        if id(cell._tc) in seen:
            texts.append("")
            continue
        seen.add(id(cell._tc))
        texts.append("\n".join(p.text for p in cell.paragraphs))
    return texts


def _comments(document) -> dict[str, str]:
    """The text of each comment in ``document`` by its id, who made it after it: "Date
    agreed by CMT (Jo Bloggs)"; empty where it has none."""
    try:
        listed = list(document.comments)
    except Exception:  # a comments part python-docx cannot read: the plan is read all the same
        return {}
    return {str(comment.comment_id): comment.text.strip() + (
        f" ({comment.author})" if comment.author else "")
        for comment in listed if comment.text.strip()}


def _row_comments(row, r: int, comments: dict[str, str]) -> dict[tuple[int, int], str]:
    """The comments anchored in each cell of ``row`` (row ``r`` of its table), by (row,
    grid column), as notes on those cells: a comment on an action's date or progress.
    Each is taken out of ``comments``: one spanning cells is the first cell's."""
    from docx.oxml.ns import qn

    found: dict[tuple[int, int], str] = {}
    seen: set[int] = set()
    for c, cell in enumerate(row.cells, start=row.grid_cols_before):
        if id(cell._tc) in seen:
            continue
        seen.add(id(cell._tc))
        ids = dict.fromkeys(mark.get(qn("w:id")) for mark in cell._tc.iter(
            qn("w:commentRangeStart"), qn("w:commentReference")))
        said = [comments.pop(i) for i in ids if i in comments]
        if said:
            found[(r, c)] = "\n".join(said)
    return found


def _row_colours(row, texts: list[str], r: int) -> dict[tuple[int, int], str]:
    """The traffic-light colour word of each blank cell of ``row`` (row ``r`` of its
    table) shaded red, amber, green or blue: a status said by colour alone; and of each
    cell after a "Key" cell: a key's meaning in its colour."""
    from docx.oxml.ns import qn

    from .colours import rag_word

    found = {}
    labelled = next((c for c, text in enumerate(texts) if text.strip()), None)
    key = labelled is not None and is_key_label(texts[labelled])
    for c, (cell, text) in enumerate(zip(row.cells, texts[row.grid_cols_before:]),
                                     start=row.grid_cols_before):
        if text.strip() and not (key and c > labelled):  # a key's meaning in its colour
            continue
        tc_pr = cell._tc.tcPr
        if tc_pr is None:
            continue
        shading = tc_pr.find(qn("w:shd"))
        fill = shading.get(qn("w:fill")) if shading is not None else None
        if fill and re.fullmatch(r"[0-9A-Fa-f]{6}", fill):  # not "auto"
            word = rag_word(fill)
            if word:
                found[(r, c)] = word
    return found


def read_word(path: Path) -> tuple[list[RawTable], list[tuple[str, str]], list[ReviewEntry],
                                   str, tuple[str, str], TrackedChanges]:
    """(tables, legend entries, review log, a title guess, the council named and
    where: see :func:`~cip_xl.importers.tables.council_named`, the tracked changes the
    document was read as if accepted: see :func:`as_accepted`) from a .docx file."""
    import docx

    from ..word_forms import openable

    try:
        document = docx.Document(openable(path))  # saved as a .dotx, .docm or Strict too
    except Exception as exc:  # python-docx raises several types for a bad package
        raise PlanFileError(Finding(
            "import-unreadable", ERROR,
            f"{path.name} cannot be read as a Word document ({type(exc).__name__}). Open it "
            "in Word and save it again as a .docx.", file=str(path))) from None
    tracked = as_accepted(document.element.body)
    write_list_numbers(document.element.body, _numbering(document), document.styles.element)
    comments = _comments(document)
    tables, legend, review = [], [], []
    for number, (table, part) in enumerate(_all_tables(document), start=1):
        rows = [_row_texts(row) for row in table.rows]
        colours, notes = {}, {}
        for r, (row, texts) in enumerate(zip(table.rows, rows)):
            colours.update(_row_colours(row, texts, r))
            if comments:
                notes.update(_row_comments(row, r, comments))
        pairs = legend_from_table(rows)
        if pairs:
            legend += pairs
            continue
        if rows and _is_review_log(rows[0]):
            review += [ReviewEntry(*[clean(c) for c in (r + [""] * 6)[:6]])
                       for r in rows[1:] if any(c.strip() for c in r)]
            continue
        tables.append(RawTable(f"table {number}", rows,
                               lambda r, c: f"row {r + 1}",
                               sheet_label=f"table {number}", part_name=part,
                               part_kind="heading", colours=colours, notes=notes))
    paragraphs = _paragraphs(document)
    legend += legend_from_lines([p.text for p in paragraphs])
    position = position_line([p.text for p in paragraphs])  # "Position as at 30 Sep..."
    for table in tables:
        table.dated_by = position
    return tables, legend, review, _title(document, paragraphs), \
        _council(document, paragraphs), tracked


@dataclass
class TrackedChanges:
    """The changes tracked in a document and not yet accepted or rejected: how many
    insertions and deletions (a move counts as both), and who made them."""

    insertions: int = 0
    deletions: int = 0
    authors: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.insertions or self.deletions)


def tracked_changes_finding(tracked: TrackedChanges, path: Path) -> Finding:
    """The warning that the document at ``path`` was read with ``tracked`` accepted."""
    def count(number: int, what: str) -> str:
        return f"{number} {what}{'s' if number != 1 else ''}"

    by = f" by {', '.join(tracked.authors)}" if tracked.authors else ""
    return Finding(
        "import-tracked-changes", WARNING,
        f"{path.name} has changes tracked{by} and not yet accepted or rejected "
        f"({count(tracked.insertions, 'insertion')}, {count(tracked.deletions, 'deletion')}):"
        " it was read as if they were all accepted, text inserted kept and text deleted "
        "left out. Where a change was not agreed, correct the plan.", file=str(path))


#: what wraps text, or rows of a table, without being text: a tracked insertion or
#: move, a smart tag (Word 2003's dates and places), custom XML, a simple field's
#: result, a content control, text direction
_WRAPPERS = ("ins", "moveTo", "smartTag", "customXml", "fldSimple", "sdt", "dir", "bdo")
#: text tracked as deleted, or moved away from here
_REMOVED = ("del", "moveFrom")


def as_accepted(body) -> TrackedChanges:
    """Make ``body`` (a document's ``w:body`` element, changed in place) read as the
    document shows with its tracked changes accepted, and its text wrapped in content
    controls, smart tags, custom XML and simple fields as the text it is: python-docx
    reads a paragraph's runs and a table's rows where they are its children only, so a
    tracked insertion ("A further 20 are on site"), a revised date typed with changes
    tracked, a cell or a row inside a content control, or a date Word 2003 tagged was
    read as blank. Deleted text, and table rows deleted, are left out; a content
    control showing its placeholder ("Click or tap here to enter text.") is blank.
    Returns the tracked changes found."""
    from docx.oxml.ns import qn

    def tags(names: tuple[str, ...]) -> set[str]:
        return {qn(f"w:{name}") for name in names}

    wrappers, removed = tags(_WRAPPERS), tags(_REMOVED)
    inserted, moved_to, content = qn("w:ins"), qn("w:moveTo"), qn("w:sdtContent")
    property_tags = tags(("rPr", "pPr", "trPr", "tcPr", "sectPr", "tblPr"))
    found = TrackedChanges()
    authors: dict[str, None] = {}
    for element in list(body.iter(*wrappers, *removed)):
        parent = element.getparent()
        if parent is None or not any(above is body for above in element.iterancestors()):
            continue  # inside what was left out already (a row deleted)
        changed = element.tag in (inserted, moved_to) or element.tag in removed
        if changed and element.get(qn("w:author")):
            authors[element.get(qn("w:author"))] = None
        if parent.tag in property_tags:  # a paragraph mark or a row marked changed
            if element.tag in removed and parent.tag == qn("w:trPr"):
                row = parent.getparent()  # a row deleted, changes tracked
                if row.getparent() is not None:
                    row.getparent().remove(row)
                    found.deletions += 1
            continue
        if changed:
            if element.tag in removed:
                found.deletions += 1
            else:
                found.insertions += 1
        if element.tag in removed:
            parent.remove(element)
            continue
        children = list(element)
        if element.tag == qn("w:sdt"):
            inside = element.find(content)
            children = list(inside) if inside is not None else []
            if element.find(f"{qn('w:sdtPr')}/{qn('w:showingPlcHdr')}") is not None:
                for text in (t for child in children for t in child.iter(qn("w:t"))):
                    text.text = ""  # the control's prompt, not a value
        at = parent.index(element)
        parent.remove(element)
        for offset, child in enumerate(children):
            parent.insert(at + offset, child)
    found.authors = list(authors)
    return found


def _numbering(document):
    """The element of ``document``'s numbering part (its lists' definitions), or None
    where it has none."""
    from docx.opc.constants import RELATIONSHIP_TYPE

    try:
        return document.part.part_related_by(RELATIONSHIP_TYPE.NUMBERING).element
    except (KeyError, AttributeError):
        return None


def _all_tables(document) -> list[tuple[object, str]]:
    """Every table in the document's body, in the order written — those python-docx's
    ``document.tables`` leaves out too: a plan table inside a content control (council
    templates wrap their parts in them) or inside another table's cell (a one-cell
    table drawn as a frame around the appendix, or a layout table) — each with the
    heading it is under, where the document's headings part its tables (a table, or a
    table per action, under each priority's heading): of the headings of each level,
    the widest level whose headings differ between tables; else ''."""
    from docx.oxml.ns import qn
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    table_tag, paragraph_tag = qn("w:tbl"), qn("w:p")
    found: list[tuple[object, dict[int, str]]] = []
    under: dict[int, str] = {}  # the heading of each level the text is under now
    for element in document.element.body.iter(table_tag, paragraph_tag):
        if element.tag == table_tag:
            found.append((Table(element, document._body), dict(under)))
            continue
        if next(element.iterancestors(table_tag), None) is not None:
            continue
        paragraph = Paragraph(element, document._body)
        level = re.fullmatch(r"Heading (\d)", _style_name(paragraph))
        if level and paragraph.text.strip():
            depth = int(level[1])
            under = {d: text for d, text in under.items() if d < depth}
            under[depth] = clean(paragraph.text)
    parting = next((depth for depth in range(1, 10)
                    if len({headings.get(depth, "") for _, headings in found}) > 1), None)
    return [(table, headings.get(parting, "") if parting else "")
            for table, headings in found]


def _paragraphs(document) -> list:
    """The document body's paragraphs outside its tables, in the order written — those
    inside a content control too, which ``document.paragraphs`` leaves out."""
    from docx.oxml.ns import qn
    from docx.text.paragraph import Paragraph

    table = qn("w:tbl")
    body = document.element.body
    return [Paragraph(element, document._body) for element in body.iter(qn("w:p"))
            if next(element.iterancestors(table), None) is None]


def _council(document, paragraphs: list) -> tuple[str, str]:
    """The council the document names (its Author property, as councils' templates set
    it, or its title, page headers and footers, or text — ``paragraphs``, as
    :func:`_paragraphs` gives them), and where."""
    properties = document.core_properties
    places = [("the document's Author property", properties.author or ""),
              ("the document's Title property", properties.title or "")]
    for section in document.sections:
        for part in (section.header, section.footer):
            if not part.is_linked_to_previous:
                places.append(("its page header or footer",
                               "\n".join(p.text for p in part.paragraphs)))
    places.append(("its text", "\n".join(p.text for p in paragraphs)))
    return council_named(places)


#: "Appendix 1: Strategic Improvement Plan 2010/11 – Progress Update" in a covering report
_APPENDIX_LINE = re.compile(r"^\s*appendix\s+\w{1,3}\s*[:.\-–—]\s*(.+)$", re.IGNORECASE)


def _style_name(paragraph) -> str:
    """The name of ``paragraph``'s style; '' where it has none — a document whose styles
    name no default paragraph style (LibreOffice's .docx of an RTF file, for one) gives
    its unstyled paragraphs none."""
    style = paragraph.style
    return (style.name or "") if style is not None else ""


def _title(document, paragraphs: list) -> str:
    """The plan's title as the document gives it: the first paragraph styled Title or
    Heading that names a plan; else the document's own title (File > Properties), the
    "Appendix 1: ..." line of a covering report or a line typed as a title at the top
    (in Normal style, a short line: "Corporate Improvement Plan 2026/27"), where it
    names a plan — council papers are typed in Normal style, and a property title that
    names no plan is usually a template's leftover; else the first Title or Heading
    paragraph (a plan's priorities are its Headings, its title not always one)."""
    styled = [p.text.strip() for p in paragraphs
              if _style_name(p).startswith(("Title", "Heading")) and p.text.strip()]
    named = next((text for text in styled if NAMES_A_PLAN.search(text)), None)
    if named:  # the heading naming a plan, not the council's name in Title style above
        return named
    candidates = [document.core_properties.title or ""]
    candidates += [found[1] for found in (_APPENDIX_LINE.match(p.text)
                                          for p in paragraphs) if found]
    opening = [p.text.strip() for p in paragraphs if p.text.strip()][:6]
    candidates += [text for text in opening if _TYPED_TITLE.fullmatch(text)]
    return next((clean(text) for text in candidates
                 if re.search(r"\bplan\b", text, re.IGNORECASE) and len(text) < 150),
                styled[0] if styled else "")


#: a line at a document's top that reads as a title, not a sentence: fifteen words at
#: most, no full stop or colon at its end
_TYPED_TITLE = re.compile(r"(?:\S+\s+){0,14}\S+(?<![.:;,])")


def _is_review_log(header: list[str]) -> bool:
    wanted = {header_key(h) for h in REVIEW_LOG.headers[:3]}
    return len(wanted & {header_key(h) for h in header}) >= 2
