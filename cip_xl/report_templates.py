"""Build the Word templates shipped in ``report_templates/``, and know their fields.

The templates are ordinary .docx files with docxtpl/Jinja placeholders that clerks may
edit in Word: ``{{ committee }}``, a ``{%p for theme in themes %}`` block with one table
per theme, ``{%tr for a in theme.actions %}`` rows, ``{% cellbg a.fill %}`` status
shading. They are generated here (``cip-xl make-resources``) so that the accessibility
furniture Word hides from clerks is right: repeating header rows, rows that don't split,
table captions, a landscape appendix and the document language.

:data:`FIELDS` lists every name a template may use; the pre-flight check refuses others.
"""
from __future__ import annotations

from pathlib import Path

COMMITTEE_TEMPLATE = "committee-report.docx"
APPENDIX_TEMPLATE = "plan-appendix.docx"
TEMPLATES = {"committee": COMMITTEE_TEMPLATE, "appendix": APPENDIX_TEMPLATE}

#: top-level names a template may use, with what they hold (the clerks' guide lists them)
FIELDS: dict[str, str] = {
    "council": "the council's name (Settings)",
    "plan_title": "the plan's title (Settings)",
    "committee": "the committee or meeting (Settings)",
    "meeting_date": "the meeting date, e.g. 21 October 2026",
    "portfolio": "the portfolio (Settings)",
    "report_from": "who the report is from (Settings: Report author)",
    "subject": "the subject line: plan title and 'quarterly update'",
    "part": "the part of the plan reported on (report --theme, --directorate), e.g. "
            "'Places and communities'; blank for the whole plan",
    "item_header": "e.g. 'Item 7' (from --item)",
    "appendix1_header": "e.g. 'Item 7 Appendix 1'",
    "appendix2_header": "e.g. 'Item 7 Appendix 2'",
    "as_of": "the reporting date, e.g. 30 September 2026",
    "summary_sentence": "'Of 40 actions, 12 are on track, ...'",
    "recommendation": "the decision recommended",
    "alternatives": "alternative options considered",
    "risks": "risk implications (counts of overdue and at-risk actions)",
    "resources": "resource implications",
    "contact": "the contact officer (Settings)",
    "background_papers": "background papers",
    "themes": "list of themes; each has name, actions (ref, objective, key_action, "
              "lead, target, progress, rag, fill, reason) and total",
    "exceptions": "overdue and at-risk actions (same fields as theme actions, plus theme)",
    "officers": "the officer key: code, title, name",
    "counts": "one per status: label, word, fill, count",
    "total": "how many actions",
    "chart": "the status chart picture",
    "changes": "quarter-on-quarter changes, when supplied (list of text lines)",
}

HEADER_FILL = "1F4E79"
#: the appendix's title: the plan's, with the part's name for a part of it
_APPENDIX_TITLE = "{{ plan_title }}{% if part %}: {{ part }}{% endif %} – progress update " \
    "as at {{ as_of }}"


def _oxml(tag: str, **attrs: str):
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(key), value)
    return element


def mark_header_row(row) -> None:
    """Repeat ``row`` at the top of every page (w:tblHeader) and keep it whole."""
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(_oxml("w:tblHeader", **{"w:val": "true"}))
    tr_pr.append(_oxml("w:cantSplit", **{"w:val": "true"}))


def keep_row_whole(row) -> None:
    row._tr.get_or_add_trPr().append(_oxml("w:cantSplit", **{"w:val": "true"}))


def caption_table(table, caption: str, description: str = "") -> None:
    """Give ``table`` a caption and description screen readers announce."""
    tbl_pr = table._tbl.tblPr
    tbl_pr.append(_oxml("w:tblCaption", **{"w:val": caption}))
    if description:
        tbl_pr.append(_oxml("w:tblDescription", **{"w:val": description}))


def template_language(document) -> str | None:
    """The language ``document``'s style defaults give its text ("cy-GB"), or None."""
    from docx.oxml.ns import qn

    lang = document.styles.element.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/"
                                        f"{qn('w:rPr')}/{qn('w:lang')}")
    return (lang.get(qn("w:val")) or None) if lang is not None else None


def set_language(document, language: str = "en-GB") -> None:
    """Set the document language in the style defaults (what Word and readers use)."""
    from docx.oxml.ns import qn

    styles = document.styles.element
    doc_defaults = styles.find(qn("w:docDefaults"))
    if doc_defaults is None:
        doc_defaults = _oxml("w:docDefaults")
        styles.insert(0, doc_defaults)
    rpr_default = doc_defaults.find(qn("w:rPrDefault"))
    if rpr_default is None:
        rpr_default = _oxml("w:rPrDefault")
        doc_defaults.insert(0, rpr_default)
    rpr = rpr_default.find(qn("w:rPr"))
    if rpr is None:
        rpr = _oxml("w:rPr")
        rpr_default.append(rpr)
    for old in rpr.findall(qn("w:lang")):
        rpr.remove(old)
    rpr.append(_oxml("w:lang", **{"w:val": language, "w:eastAsia": language,
                                  "w:bidi": "ar-SA"}))
    document.core_properties.language = language


def _a4(section) -> None:
    """A4 portrait with Word's UK margins (python-docx starts from US Letter, which
    councils' printers do not hold, and whose landscape page is 1.8 cm narrower than
    the appendix tables)."""
    from docx.shared import Cm

    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.54)
    section.top_margin = section.bottom_margin = Cm(2.54)


def _landscape(section) -> None:
    from docx.enum.section import WD_ORIENT

    if section.orientation != WD_ORIENT.LANDSCAPE:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width


def _shade(cell, fill: str) -> None:
    tc_pr = cell._tc.get_or_add_tcPr()
    tc_pr.append(_oxml("w:shd", **{"w:val": "clear", "w:color": "auto", "w:fill": fill}))


def _header_cells(row, labels) -> None:
    from docx.shared import RGBColor

    for cell, label in zip(row.cells, labels):
        cell.text = ""
        run = cell.paragraphs[0].add_run(label)
        run.bold = True
        run.font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
        _shade(cell, HEADER_FILL)


def _loop_table(document, headers, cells, loop: str, caption: str, widths):
    """A table: header row, ``{%tr for %}`` row, the data row, ``{%tr endfor %}`` row;
    ``widths``: each column's, in cm."""
    from docx.shared import Cm

    table = document.add_table(rows=4, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False
    _header_cells(table.rows[0], headers)
    mark_header_row(table.rows[0])
    table.rows[1].cells[0].text = "{%tr " + loop + " %}"
    for cell, text in zip(table.rows[2].cells, cells):
        cell.text = text
    keep_row_whole(table.rows[2])
    table.rows[3].cells[0].text = "{%tr endfor %}"
    # the grid is what a fixed-layout table is drawn by, in Word and LibreOffice alike
    # (python-docx shares the page out equally); each cell's own width says the same
    for column, width in zip(table.columns, widths):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths):
            cell.width = Cm(width)
    caption_table(table, caption)
    return table


def _heading(document, text: str, level: int):
    return document.add_heading(text, level=level)


def _cover(document) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    header = document.sections[0].header.paragraphs[0]
    header.text = "{{ item_header }}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    title = document.add_paragraph()
    title.add_run("REPORT TO THE MEETING OF THE {{ committee|upper }} "
                  "{{ meeting_date|upper }}").bold = True
    for label, field in (("PORTFOLIO", "portfolio"), ("REPORT FROM", "report_from"),
                         ("SUBJECT", "subject")):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{label}: ").bold = True
        paragraph.add_run("{{ " + field + "|upper }}")
    sections = (
        ("1 DECISION BEING RECOMMENDED", ["1.1 {{ recommendation }}"]),
        ("2 REASONS FOR RECOMMENDATION", ["2.1 {{ summary_sentence }}",
                                          "2.2 The plan is arranged under these themes:"]),
    )
    for heading, paragraphs in sections:
        _heading(document, heading, 1)
        for text in paragraphs:
            document.add_paragraph(text)
    document.add_paragraph("{%p for theme in themes %}")
    document.add_paragraph("{{ theme.name }}", style="List Bullet")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p if changes %}")
    document.add_paragraph("2.3 Since the last report:")
    document.add_paragraph("{%p for line in changes %}")
    document.add_paragraph("{{ line }}", style="List Bullet")
    document.add_paragraph("{%p endfor %}")
    document.add_paragraph("{%p endif %}")
    for heading, text in (("3 ALTERNATIVE OPTIONS CONSIDERED", "3.1 {{ alternatives }}"),
                          ("4 RISK IMPLICATIONS", "4.1 {{ risks }}"),
                          ("5 RESOURCE IMPLICATIONS", "5.1 {{ resources }}")):
        _heading(document, heading, 1)
        document.add_paragraph(text)
    _heading(document, "Background papers", 2)
    document.add_paragraph("{{ background_papers }}")
    _heading(document, "Appendices", 2)
    document.add_paragraph("Appendix 1: " + _APPENDIX_TITLE)
    document.add_paragraph("Appendix 2: actions overdue or at risk")
    _heading(document, "Contact officer", 2)
    document.add_paragraph("For further information please contact {{ contact }}.")


def _appendices(document, new_section: bool) -> None:
    from docx.enum.section import WD_SECTION
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    section = document.add_section(WD_SECTION.NEW_PAGE) if new_section else \
        document.sections[0]
    _landscape(section)
    section.left_margin = section.right_margin = Cm(1.5)
    section.header.is_linked_to_previous = False
    header = section.header.paragraphs[0]
    header.text = "{{ appendix1_header }}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _heading(document, _APPENDIX_TITLE, 1)
    document.add_paragraph("{{ summary_sentence }}")
    document.add_paragraph("{{ chart }}")
    key = _loop_table(document, ("Status", "Actions"),
                      ("{% cellbg c.fill %}{{ c.label }}", "{{ c.count }}"),
                      "for c in counts", "Key to status: number of actions in each",
                      (5, 3))
    key.alignment = 0
    document.add_paragraph("Each status is shown by a symbol and a word as well as a "
                           "colour.")
    document.add_paragraph("{%p for theme in themes %}")
    _heading(document, "{{ theme.name }}", 2)
    _loop_table(document,
                ("Ref", "Objective", "Key action", "Lead officer", "Target date",
                 "Progress", "Status"),
                ("{{ a.ref }}", "{{ a.objective }}", "{{ a.key_action }}", "{{ a.lead }}",
                 "{{ a.target }}", "{{ a.progress }}", "{% cellbg a.fill %}{{ a.rag }}"),
                "for a in theme.actions", "Actions under this theme with their status",
                # a lead officer given by title ("Head of Regeneration", as an imported
                # plan keeps it) fits without a word broken across lines
                (1.3, 4.5, 5.3, 3.0, 2.8, 7.0, 2.8))
    document.add_paragraph("{%p endfor %}")
    _heading(document, "Key to lead officers", 2)
    _loop_table(document, ("Code", "Title", "Name"),
                ("{{ o.code }}", "{{ o.title }}", "{{ o.name }}"), "for o in officers",
                "Lead officer codes", (3, 9, 6))

    section = document.add_section(WD_SECTION.NEW_PAGE)
    _landscape(section)
    section.header.is_linked_to_previous = False
    header = section.header.paragraphs[0]
    header.text = "{{ appendix2_header }}"
    header.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _heading(document, "Actions overdue or at risk as at {{ as_of }}", 1)
    document.add_paragraph("{% if exceptions %}{{ exceptions|length }} actions need "
                           "attention.{% else %}No action is overdue or at risk."
                           "{% endif %}")
    _loop_table(document, ("Ref", "Theme", "Key action", "Lead officer", "Status", "Why"),
                ("{{ a.ref }}", "{{ a.theme }}", "{{ a.key_action }}", "{{ a.lead }}",
                 "{% cellbg a.fill %}{{ a.rag }}", "{{ a.reason }}"),
                "for a in exceptions", "Actions overdue or at risk, with the reason",
                (1.3, 4.5, 7.0, 3.0, 3.0, 7.4))


def build_template(kind: str):
    """A python-docx Document: the ``committee`` report or the plan ``appendix`` only."""
    from docx import Document
    from docx.shared import Pt

    document = Document()
    _a4(document.sections[0])
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)
    # Word's 24 pt above each numbered heading ran the cover of a five-theme plan onto a
    # second page for its last two lines, the contact officer; 12 pt keeps it on one
    document.styles["Heading 1"].paragraph_format.space_before = Pt(12)
    set_language(document)
    if kind == "committee":
        _cover(document)
        _appendices(document, new_section=True)
    else:
        _appendices(document, new_section=False)
    document.core_properties.author = "cip-xl"
    return document


def write_templates(folder: str | Path) -> list[Path]:
    """(Re)generate the shipped templates in ``folder``; return their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    from datetime import datetime

    for kind, name in TEMPLATES.items():
        document = build_template(kind)
        document.core_properties.created = document.core_properties.modified = \
            datetime(2026, 1, 1)
        document.core_properties.title = "Improvement plan report" if kind == "committee" \
            else "Improvement plan appendix"
        document.save(folder / name)
        written.append(folder / name)
    return written
