"""Word committee reports from editable templates.

:func:`render_report` fills a template (a shipped one by name, or a clerk's own .docx)
with the plan's Settings and computed facts — verdicts from :mod:`cip_xl.status`, the
"Of 40 actions, ..." sentence, a status chart with a text alternative — and saves a
document with its title and language set. Rendering always uses autoescape and strict
undefined names, the rendered XML is parsed strictly, and every action is checked to be
in the output: a broken template or odd data gives a clear error, never a silently
truncated report. :func:`check_template` is the pre-flight for clerk-edited templates.
"""
from __future__ import annotations

import difflib
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from io import BytesIO
from pathlib import Path

from .cells import NOT_IN_XML, listed, property_text
from .dates import parse_due
from .findings import ERROR, INFO, WARNING, Finding, PlanFileError
from .model import Plan
from .report_templates import FIELDS, TEMPLATES
from .schema import SETTING_LABELS, VERDICTS, verdict_fills
from .status import Judgement, refresh
from .word_comments import comments_sentence, leave_out_comments, template_comments

EXCEPTION_WORDS = ("Overdue", "At risk")
#: how a clerk takes the comments out of a template
_DELETE_COMMENTS = ("delete comments in Word (Review > Delete > Delete All Comments in "
                    "Document)")


@dataclass
class ReportOptions:
    """What the clerk chooses: template, item number, and the cover's free text."""

    template: str | Path = "committee"
    item: str | None = None
    as_of: date | None = None
    recommendation: str = ""
    alternatives: str = ""
    resources: str = ""
    background_papers: str = "None"
    changes: list[str] = field(default_factory=list)
    #: the name of the plan's Settings sheet (a profile may rename it), for findings
    settings_sheet: str = "Settings"
    #: the council's verdict colours (RRGGBB) by verdict word, from its profile's
    #: [colours]; a verdict not named keeps cip-xl's colour
    palette: dict[str, str] = field(default_factory=dict)
    #: the part of the plan reported on, for a committee of its own ("Places and
    #: communities"; see :mod:`cip_xl.report_parts`): named in the subject and title
    part: str = ""
    #: the committee and meeting this report goes to, where not the Settings' (a part
    #: of the plan taken to a scrutiny committee of its own)
    committee: str = ""
    meeting_date: date | None = None
    #: the portfolio the report is under, where not the Settings' (a part of the plan
    #: in another portfolio holder's remit)
    portfolio: str = ""


@dataclass
class ReportResult:
    """The report written: its path and number of actions; the earlier report it
    replaced, kept in ``backups/`` (it may hold a clerk's edits); ``findings``: blank
    Settings that left gaps in it."""

    path: Path
    actions: int
    pdf: Path | None = None
    pages: int | None = None
    previous: Path | None = None
    findings: list[Finding] = field(default_factory=list)


def template_path(template: str | Path) -> Path:
    """A shipped template by name (committee, appendix) or a .docx path."""
    from .resources import resource

    if str(template) in TEMPLATES:
        return resource("report_templates", TEMPLATES[str(template)])
    path = Path(template)
    if not path.is_file():
        raise PlanFileError(Finding(
            "template-missing", ERROR,
            f"There is no template '{template}'; use one of {', '.join(TEMPLATES)} or the "
            "path of a .docx file.", file=str(template)))
    return path


def _long_date(day: date | None) -> str:
    return f"{day.day} {day:%B %Y}" if day else ""


def summary_sentence(judgements: dict[str, Judgement]) -> str:
    """'Of 40 actions, 15 are on track, 6 complete, ...' in a fixed, readable order."""
    total = len(judgements)
    if not total:
        return "The plan has no actions yet."
    tally = {v.word: 0 for v in VERDICTS}
    for judgement in judgements.values():
        tally[judgement.verdict.word] += 1
    phrases = {"On track": "on track", "Complete": "complete", "At risk": "at risk",
               "Overdue": "overdue", "No update": "without an update this period",
               "Not due": "not yet due", "Cancelled": "cancelled"}
    parts = [f"{tally[word]} {phrase}" for word, phrase in phrases.items() if tally[word]]
    parts[0] = parts[0].replace(" ", " is " if parts[0].startswith("1 ") else " are ", 1)
    return f"Of {total} action{'s' if total != 1 else ''}, {listed(parts)}."


def build_context(plan: Plan, judgements: dict[str, Judgement], options: ReportOptions,
                  as_of: date) -> dict:
    """The template's data: every name in :data:`cip_xl.report_templates.FIELDS`."""
    from docxtpl import Listing

    settings = plan.settings
    officers = {o.code.upper(): o for o in plan.officers}
    fills = verdict_fills(options.palette)

    def row(action) -> dict:
        judgement = judgements[action.action_id]
        target = parse_due(action.target_date).text
        revised = parse_due(action.revised_date).text
        return {
            "ref": action.ref, "objective": action.objective,
            "key_action": Listing(action.key_action), "lead": action.lead_officer,
            "target": f"{target} (revised {revised})" if revised else target,
            "progress": Listing(action.progress_update or ""),
            "rag": judgement.label, "fill": fills[judgement.verdict.word],
            "reason": judgement.reason, "theme": action.theme,
        }

    themes = []
    for name in plan.theme_names():
        actions = [row(a) for a in plan.actions if a.theme == name]
        if actions:
            themes.append({"name": name, "actions": actions, "total": len(actions)})
    exceptions = [row(a) for a in plan.actions
                  if judgements[a.action_id].verdict.word in EXCEPTION_WORDS]
    counts = []
    for verdict in VERDICTS:
        count = sum(1 for j in judgements.values() if j.verdict.word == verdict.word)
        counts.append({"label": verdict.label, "word": verdict.word,
                       "fill": fills[verdict.word], "count": count})
    overdue = sum(1 for j in judgements.values() if j.verdict.word == "Overdue")
    at_risk = sum(1 for j in judgements.values() if j.verdict.word == "At risk")
    item = f"Item {options.item}" if options.item else ""
    context = {
        "council": settings.council, "plan_title": settings.plan_title,
        "committee": options.committee or settings.committee or "Executive",
        "meeting_date": _long_date(options.meeting_date or settings.meeting_date),
        "portfolio": options.portfolio or settings.portfolio,
        "report_from": settings.report_author,
        "subject": f"{settings.plan_title} – quarterly update" +
        (f": {options.part}" if options.part else ""),
        "part": options.part,
        "item_header": item,
        "appendix1_header": f"{item} Appendix 1".strip(),
        "appendix2_header": f"{item} Appendix 2".strip(),
        "as_of": _long_date(as_of),
        "summary_sentence": summary_sentence(judgements),
        "recommendation": options.recommendation or
        f"To note the progress made in delivering the {settings.plan_title} " +
        (f"for {options.part} " if options.part else "") +
        "(Appendix 1) and the actions overdue or at risk (Appendix 2).",
        "alternatives": options.alternatives or
        "Not to monitor the plan. This is not recommended: the council would not know "
        "whether its improvement actions are being delivered.",
        "risks": f"{overdue} action{'s are' if overdue != 1 else ' is'} overdue and "
                 f"{at_risk} {'are' if at_risk != 1 else 'is'} at risk (Appendix 2). "
                 "Lead officers have given the reasons and the steps being taken.",
        "resources": options.resources or
        "The actions are being delivered within existing budgets unless stated.",
        "contact": settings.contact or settings.report_author,
        "background_papers": options.background_papers,
        "themes": themes, "exceptions": exceptions,
        "officers": [{"code": o.code, "title": o.title, "name": o.name}
                     for o in _key_officers(plan, officers, options)],
        "counts": counts, "total": len(plan.actions), "changes": list(options.changes),
    }
    return _xml_safe(context)


def _key_officers(plan: Plan, officers: dict, options: ReportOptions) -> list:
    """The officers the report's key lists: all of them, or for a part of the plan
    (:attr:`ReportOptions.part`) those who lead its actions."""
    if not options.part:
        return list(officers.values())
    leads = plan.lead_officer_reader()
    used = {code.strip().upper() for action in plan.actions for code in leads(action)}
    return [o for code, o in officers.items() if code in used]


#: Word's manual line break and page break characters → a line break
_BREAKS = {0x0B: "\n", 0x0C: "\n"}


def _xml_safe(value):
    """``value`` (the context, or any part of it) fit for a document: a vertical tab or
    form feed — Word's own line and page breaks, pasted into a cell — is a line break,
    as a line break typed in the cell is; any other character no document can hold (see
    :data:`cip_xl.cells.NOT_IN_XML`) becomes U+FFFD, where Word would refuse the report."""
    if isinstance(value, str):
        if not NOT_IN_XML.search(value):
            return value
        return NOT_IN_XML.sub("\ufffd", value.translate(_BREAKS))
    if isinstance(value, dict):
        return {key: _xml_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_xml_safe(item) for item in value]
    if hasattr(value, "xml") and isinstance(value.xml, str):  # a docxtpl Listing
        value.xml = _xml_safe(value.xml)
    return value


def chart_png(counts: list[dict]) -> bytes:
    """A horizontal bar chart of actions by status; words beside bars, not colour alone."""
    from io import BytesIO

    from PIL import Image, ImageDraw, ImageFont

    rows = [c for c in counts if c["count"]] or counts[:1]
    width, bar_left, row_height = 900, 260, 44
    height = 40 + row_height * len(rows)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    try:
        font = ImageFont.load_default(size=22)
    except TypeError:  # Pillow older than 10.1
        font = ImageFont.load_default()
    biggest = max(c["count"] for c in rows) or 1
    for index, c in enumerate(rows):
        top = 20 + index * row_height
        draw.text((10, top + 6), c["word"], fill="black", font=font)
        length = int((width - bar_left - 80) * c["count"] / biggest)
        draw.rectangle((bar_left, top, bar_left + max(length, 2), top + row_height - 10),
                       fill="#" + c["fill"], outline="#404040")
        draw.text((bar_left + length + 10, top + 6), str(c["count"]), fill="black",
                  font=font)
    stream = BytesIO()
    image.save(stream, format="PNG")
    return stream.getvalue()


def chart_description(counts: list[dict], as_of: str) -> str:
    parts = [f"{c['word']} {c['count']}" for c in counts if c["count"]]
    return f"Bar chart of actions by status as at {as_of}: " + ", ".join(parts) + "."


def _environment():
    from jinja2 import Environment, StrictUndefined

    return Environment(autoescape=True, undefined=StrictUndefined)


def _nearby(xml: str, lineno: int | None, needle: str | None = None) -> str:
    """The document text near a problem, for a message a clerk can act on."""
    lines = xml.splitlines()
    if needle:
        for index, line in enumerate(lines):
            if needle in line:
                lineno = index + 1
                break
    if not lineno:
        return ""
    start = max(lineno - 2, 0)
    text = " ".join(re.sub(r"<[^>]+>", "", line) for line in lines[start:lineno + 1])
    text = re.sub(r"\s+", " ", text).strip()
    return text[:160]


def _not_a_template(path: Path) -> Finding:
    """The refusal of a template that is no Word package, naming what it is where its
    content says (a Word 97 document, a password-protected or labelled file...)."""
    from .importers.sources import LABEL_PROTECTED, PASSWORD_PROTECTED, what_it_is

    found = what_it_is(path)
    kind = found.kind if found else ""
    if found == PASSWORD_PROTECTED:
        advice = ("open it in Word, remove the password (File > Info > Protect Document > "
                  "Encrypt with Password, and clear it) and save it")
    elif found == LABEL_PROTECTED:
        advice = ("open it in Word, choose a label that does not encrypt (Home > "
                  "Sensitivity) and save it")
    else:
        advice = ("open it in Word and save it as a Word Document (.docx) with File > Save "
                  "As, and give that")
    return Finding("template-not-docx", ERROR,
                   f"{path.name} is {kind or 'not a Word document'}, which cannot be a report "
                   f"template: {advice}.", file=str(path))


def check_template(path: str | Path) -> list[Finding]:
    """Pre-flight a template: tracked changes, broken tags, unknown or misspelt fields.

    Returns findings (errors mean the template must not be used); never raises for a
    bad template, only for a file that is not a Word document at all.
    """
    from docxtpl import DocxTemplate
    from jinja2 import TemplateSyntaxError, meta

    from .word_forms import openable

    path = Path(path)
    file = str(path)
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            parts = {n: archive.read(n).decode("utf-8", "replace") for n in names
                     if re.match(r"word/(document|header\d*|footer\d*)\.xml$", n)}
            comments = template_comments(archive)
    except (zipfile.BadZipFile, OSError):
        raise PlanFileError(_not_a_template(path)) from None
    if "word/document.xml" not in parts:
        raise PlanFileError(_not_a_template(path))
    findings = []
    for name, xml in parts.items():
        for tag, what in (("w:ins", "inserted"), ("w:del", "deleted")):
            match = re.search(rf"<{tag}[ >]", xml)
            if match:
                near = re.sub(r"<[^>]+>", " ", xml[max(0, match.start() - 400):
                                                    match.start() + 400])
                near = re.sub(r"\s+", " ", near).strip()[:120]
                findings.append(Finding(
                    "template-tracked-changes", ERROR,
                    f"The template has tracked changes ({what} text near '{near}'). In "
                    "Word choose Review > Accept All Changes, turn off Track Changes, and "
                    "save.", file, name))
                break
    if findings:
        return findings
    if comments:
        findings.append(Finding(
            "template-comments", WARNING,
            f"The template holds {comments_sentence(comments)}. Reports made from it "
            f"leave {'it' if len(comments) == 1 else 'them'} out, as councils publish "
            f"reports; to stop this note, {_DELETE_COMMENTS} and save.",
            file, "word/comments.xml"))
    template = DocxTemplate(openable(path))  # saved as a .dotx, .docm or Strict too
    env = _environment()
    sources = []
    template.init_docx()
    sources.append(template.patch_xml(template.get_xml()))
    for uri in (template.HEADER_URI, template.FOOTER_URI):
        for _, part in template.get_headers_footers(uri):
            sources.append(template.patch_xml(template.get_part_xml(part)))
    for xml in sources:
        xml = re.sub(r"<w:p([ >])", r"\n<w:p\1", xml)
        try:
            parsed = env.parse(xml)
        except TemplateSyntaxError as exc:
            near = _nearby(xml, exc.lineno)
            findings.append(Finding(
                "template-syntax", ERROR,
                f"A placeholder is broken near '{near}': {exc.message}. Check that every "
                "{% for %} has its {% endfor %} row and every {{ has its }}.", file))
            continue
        for name in sorted(meta.find_undeclared_variables(parsed) - set(FIELDS)):
            guess = difflib.get_close_matches(name, FIELDS, n=1)
            near = _nearby(xml, None, name)
            findings.append(Finding(
                "template-unknown-field", ERROR,
                f"The template uses '{{{{ {name} }}}}' near '{near}', which is not a field "
                "cip-xl fills" + (f"; did you mean '{guess[0]}'?" if guess else
                                  f". Fields: {', '.join(FIELDS)}."), file))
    return findings


def render_report(plan: Plan, output: str | Path, options: ReportOptions,
                  judgements: dict[str, Judgement] | None = None) -> ReportResult:
    """Render the report for ``plan`` into ``output`` (.docx) atomically.

    Raises :class:`PlanFileError` if the template fails its pre-flight or rendering
    does not produce a complete, well-formed document.
    """
    from docx.shared import Cm
    from docxtpl import DocxTemplate, InlineImage
    from jinja2 import TemplateError
    from lxml import etree

    from .report_templates import set_language, template_language
    from .safe_save import atomic_write_bytes
    from .word_forms import openable

    source = template_path(options.template)
    problems = [f for f in check_template(source) if f.severity == ERROR]
    if problems:
        raise PlanFileError(problems[0])
    as_of = options.as_of or plan.settings.reporting_date or date.today()
    if judgements is None:
        judgements = refresh(plan, as_of)
    context = build_context(plan, judgements, options, as_of)

    class StrictTemplate(DocxTemplate):
        def fix_tables(self, xml):  # docxtpl parses with recover=True: be strict first
            etree.fromstring(xml.encode("utf-8"))
            return super().fix_tables(xml)

    template = StrictTemplate(openable(source))
    template.init_docx()
    placeholders = template.patch_xml(template.get_xml())
    lists_actions = "a.key_action" in placeholders
    findings = _gaps(plan, placeholders, options) + _macros_left_out(source)
    context["chart"] = InlineImage(template, BytesIO(chart_png(context["counts"])),
                                   width=Cm(14))
    try:
        template.render(context, _environment(), autoescape=True)
    except TemplateError as exc:
        near = " ".join(getattr(exc, "docx_context", []) or [])
        near = re.sub(r"\s+", " ", near).strip()[:160]
        raise PlanFileError(Finding(
            "report-render", ERROR,
            f"The template could not be filled near '{near}': {exc}.",
            file=str(source))) from None
    except etree.XMLSyntaxError as exc:
        raise PlanFileError(Finding(
            "report-render", ERROR,
            f"Filling the template produced a broken document ({exc}); the report was not "
            "written. Check the template's placeholders with --check-template.",
            file=str(source))) from None
    document = template.docx
    _describe_pictures(document, chart_description(context["counts"], context["as_of"]))
    _words_readable_on_fills(document, context["counts"])
    properties = document.core_properties
    properties.title = property_text(f"{plan.settings.plan_title} – progress update" +
                                     (f": {options.part}" if options.part else ""))
    properties.subject = property_text(context["summary_sentence"])
    properties.author = property_text(plan.settings.report_author or "cip-xl")
    # made now, by its author: not the template's dates and editor (the shipped one's
    # are fixed, a clerk's are of the day the template was saved)
    properties.created = properties.modified = \
        datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)
    properties.last_modified_by = properties.author
    properties.revision = 1
    if properties.comments == "generated by python-docx":  # the shipped template's
        properties.comments = ""
    # a council's English is British; a template in Welsh (say) stays in its language
    kept = template_language(document)
    if kept and not kept.lower().startswith("en"):
        properties.language = kept
    else:
        set_language(document, "en-GB")
    comments = leave_out_comments(document)
    if comments:
        findings.append(Finding(
            "report-comments-left-out", WARNING,
            f"The template holds {comments_sentence(comments)}; "
            f"{'it was' if len(comments) == 1 else 'they were'} left out of the report, "
            f"which is for publishing. To stop this note, {_DELETE_COMMENTS} in the "
            "template.",
            file=str(source)))
    _check_complete(document, plan, lists_actions, str(source))
    stream = BytesIO()
    document.save(stream)
    output = Path(output)
    previous = _keep_previous(output)
    atomic_write_bytes(stream.getvalue(), output)
    return ReportResult(output, len(plan.actions), previous=previous, findings=findings)


#: Settings the shipped cover reads, by the placeholder it fills, and what a blank
#: one leaves in the report
_COVER_SETTINGS = (
    ("committee", "committee", "the report is addressed to the Executive"),
    ("meeting_date", "meeting_date", "the cover gives no meeting date"),
    ("portfolio", "portfolio", "the cover's PORTFOLIO line is blank"),
    ("report_from", "report_author", "the cover's REPORT FROM line is blank"),
    ("contact", "contact", "'For further information please contact' names nobody"),
)


def _macros_left_out(template: Path) -> list[Finding]:
    """A note, for a template with macros, that the report (a .docx) has none."""
    from .word_forms import has_macros, saved_as

    data = template.read_bytes()
    if not has_macros(data):
        return []
    form = saved_as(data) or "a file with macros"
    return [Finding("report-macros-left-out", INFO,
                    f"{template.name} is {form}; its macros are not carried into the report, "
                    "which is a Word Document (.docx), as Word opens only those without "
                    "macros.", file=str(template))]


def _gaps(plan: Plan, xml: str, options: ReportOptions) -> list[Finding]:
    """A warning for each blank setting whose placeholder the template uses (the cover
    lines a clerk would otherwise fill in by hand, or miss), for a meeting date before
    the date reported as at, and for a missing reporting date; each names its cell on
    the Settings sheet."""
    labels = SETTING_LABELS
    settings, sheet = plan.settings, options.settings_sheet
    found = []

    def shown(placeholder: str) -> bool:  # the template fills it in somewhere
        return re.search(r"\{\{-?\s*" + placeholder + r"\b", xml) is not None

    for placeholder, key, gap in _COVER_SETTINGS:
        value = getattr(options, key, None) or getattr(settings, key)
        if key == "contact":
            value = value or settings.report_author
        if value or not shown(placeholder):
            continue
        typed = settings.as_typed.get(key)  # "Jan 2027" as the meeting date: no day
        said = (f"The {labels[key]} in {sheet}, '{typed}', is not a day" if typed is not None
                else f"{sheet} has no {labels[key]}")
        found.append(Finding(
            "report-setting-blank", WARNING,
            f"{said}, so {gap}: {'type the day' if typed is not None else 'fill it in'} "
            "and write the report again, or edit the report in Word.", sheet=sheet,
            cell=plan.setting_cell(key)))
    meeting = options.meeting_date or settings.meeting_date
    as_at = options.as_of or settings.reporting_date
    if meeting and as_at and meeting < as_at and shown("meeting_date"):
        found.append(Finding(
            "report-meeting-before-date", WARNING,
            f"The meeting date ({meeting:%d/%m/%Y}) is before the date the report is as at "
            f"({as_at:%d/%m/%Y}): the cover addresses it to a meeting held before the "
            f"quarter it reports on ended — last quarter's, left in {sheet}? Set the "
            "Meeting date of the meeting it goes to (or give --meeting-date) and write the "
            "report again.", sheet=sheet,
            cell=None if options.meeting_date else plan.setting_cell("meeting_date")))
    if options.as_of is None and settings.reporting_date is None:
        found.append(Finding(
            "reporting-date-missing", WARNING,
            f"{sheet} has no reporting date (the quarter end): the report is as at "
            f"today, {_long_date(date.today())}.", sheet=sheet,
            cell=plan.setting_cell("reporting_date")))
    if not plan.actions:
        found.append(Finding(
            "report-plan-empty", WARNING,
            "The plan has no actions yet, so the report's tables and chart are empty: add "
            "the key actions on the Plan sheet (or `cip-xl import` last year's plan) and "
            "write the report again."))
    return found


def _keep_previous(output: Path) -> Path | None:
    """Before a report replaces an earlier one at ``output``: refuse while it is open in
    Word (its owner file is beside it: the clerk is editing it); else copy it into
    ``backups/`` — it may hold a clerk's edits — and return the copy."""
    from .locking import open_elsewhere
    from .safe_save import make_backup, prune_backups

    if not output.exists():
        return None
    opened = open_elsewhere(output)
    if opened is not None:
        raise PlanFileError(Finding(
            f"report-open-in-{opened.application.lower()}", ERROR,
            f"{output.name} is {opened.describe()}, and may hold edits: close it and try "
            "again, or write the report under another name (-o). If nobody has it open, "
            "delete that file.", file=str(output)))
    kept = make_backup(output)
    prune_backups(output)
    return kept


def _words_readable_on_fills(document, counts: list[dict]) -> None:
    """White words in the table cells a template shades with a verdict's colour
    (``{% cellbg a.fill %}``) where the colour is a council's dark one that black
    words cannot be read on (see :func:`cip_xl.schema.text_colour_on`); the template
    cannot say so itself. Only cells whose words begin with a verdict's label."""
    from docx.oxml.ns import qn

    from .schema import text_colour_on

    dark = {c["fill"].upper() for c in counts if text_colour_on(c["fill"]) == "FFFFFF"}
    if not dark:
        return
    labels = tuple(c["label"] for c in counts)
    for shade in document.element.body.iter(qn("w:shd")):
        cell = shade.getparent().getparent()  # w:tc > w:tcPr > w:shd
        if cell.tag != qn("w:tc") or (shade.get(qn("w:fill")) or "").upper() not in dark:
            continue
        if not "".join(t.text or "" for t in cell.iter(qn("w:t"))).strip().startswith(labels):
            continue
        for run in cell.iter(qn("w:r")):
            colour = run.get_or_add_rPr().get_or_add_color()
            for name in list(colour.attrib):  # a theme colour would win over the value
                del colour.attrib[name]
            colour.set(qn("w:val"), "FFFFFF")


def _describe_pictures(document, description: str) -> None:
    """Alt text for every picture (docxtpl's InlineImage has no option for it)."""
    from docx.oxml.ns import qn

    for doc_pr in document.element.body.iter(qn("wp:docPr")):
        doc_pr.set("descr", description)
        doc_pr.set("title", "Status chart")


def _opening(key_action: str) -> str:
    """How the start of a key action shows in a report's text, without white space
    ("" for a blank one: found in any report)."""
    text = _xml_safe(key_action).strip()
    return "".join(text.splitlines()[0][:40].split()) if text else ""


def _check_complete(document, plan: Plan, lists_actions: bool, template: str) -> None:
    """If the template lists actions, every action must be in the output."""
    if not lists_actions:
        return
    # compared without white space: Word holds a tab or line break as an element of its
    # own (<w:tab/>, <w:br/>), not as a character of the text around it
    body = "".join("".join(t.text or "" for t in document.element.body.iter(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t")).split())
    missing = [a for a in plan.actions if _opening(a.key_action) not in body]
    if missing:
        first = missing[0]
        raise PlanFileError(Finding(
            "report-incomplete", ERROR,
            f"The report came out without {len(missing)} of {len(plan.actions)} actions "
            f"(first: Ref {first.ref}); it was not written. Check the template with "
            "--check-template.", file=template))
