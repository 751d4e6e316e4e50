"""Word reports read back with python-docx, clerk-broken templates, and LibreOffice PDFs."""
from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from datetime import date

import docx
import openpyxl
import pytest
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn

import cip_xl
from cip_xl.example import example_plan
from cip_xl.reporting import ReportOptions, render_report, summary_sentence
from cip_xl.report_templates import COMMITTEE_TEMPLATE
from cip_xl.resources import resource
from cip_xl.status import refresh
from cip_xl.synthetic import synthetic_plan

from .conftest import run_cli


def _status_cells(document):
    """(text, fill) of every table cell whose text is a verdict label."""
    labels = {v.label for v in cip_xl.schema.VERDICTS}
    found = []
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                if cell.text.strip() in labels:
                    shd = cell._tc.tcPr.find(qn("w:shd")) if cell._tc.tcPr is not None else None
                    found.append((cell.text.strip(), shd.get(qn("w:fill")) if shd is not None
                                  else None))
    return found


@pytest.mark.parametrize("size", [40, 2000])
def test_report_contents_shading_headers_orientation_title_language(size, tmp_path):
    plan = example_plan() if size == 40 else synthetic_plan(size, directorates=30, seed=5)
    plan.actions[0].progress_update = "Audit & Governance <Committee> agreed \"yes\""
    judgements = refresh(plan)
    out = tmp_path / "report.docx"
    render_report(plan, out, ReportOptions(item="7"), judgements)
    document = docx.Document(out)

    text = "\n".join(p.text for p in document.paragraphs)
    assert summary_sentence(judgements) in text
    assert text.startswith("REPORT TO THE MEETING OF THE EXECUTIVE")
    body = "".join(t.text or "" for t in document.element.body.iter(qn("w:t")))
    assert "Audit & Governance <Committee> agreed \"yes\"" in body  # escaped, not truncated
    for action in plan.actions:
        assert action.key_action in body
    cells = _status_cells(document)
    fills = {v.label: v.fill for v in cip_xl.schema.VERDICTS}
    plan_rows = [c for c in cells if c[1] is not None]
    assert len(plan_rows) >= size  # every action's status cell (plus key and exceptions)
    assert all(fill == fills[label] for label, fill in plan_rows)

    action_tables = [t for t in document.tables if t.rows[0].cells[0].text == "Ref"]
    assert action_tables
    for table in action_tables:
        header = table.rows[0]._tr.trPr
        assert header.find(qn("w:tblHeader")) is not None
        for row in table.rows[1:]:
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None
        assert table._tbl.tblPr.find(qn("w:tblCaption")) is not None
        # drawn by its grid (fixed layout): a narrow Ref column, a wide Progress one
        grid = [int(g.get(qn("w:w"))) for g in table._tbl.tblGrid.iter(qn("w:gridCol"))]
        assert grid[0] * 4 < max(grid) and sum(grid) <= 26.7 * 567  # A4 landscape's width
    assert document.sections[0].orientation == WD_ORIENT.PORTRAIT
    for section in document.sections[1:]:
        assert section.orientation == WD_ORIENT.LANDSCAPE
        assert section.page_width > section.page_height
    for section in document.sections:  # A4, not python-docx's US Letter
        assert sorted(round(x.cm, 1) for x in (section.page_width, section.page_height)) \
            == [21.0, 29.7]
    for section in document.sections[1:]:  # the appendices, where the tables are
        width = section.page_width - section.left_margin - section.right_margin
        assert all(sum(int(g.get(qn("w:w"))) for g in t._tbl.tblGrid.iter(qn("w:gridCol")))
                   <= width / 635 + 1 for t in document.tables)  # EMU to twips
    assert "Item 7 Appendix 1" in document.sections[1].header.paragraphs[0].text
    assert document.core_properties.title.startswith(plan.settings.plan_title)
    assert document.core_properties.language == "en-GB"
    lang = document.styles.element.find(qn("w:docDefaults")).find(".//" + qn("w:lang"))
    assert lang.get(qn("w:val")) == "en-GB"
    pictures = list(document.element.body.iter(qn("wp:docPr")))
    assert pictures and pictures[0].get("descr").startswith("Bar chart of actions by status")


def test_report_command_and_appendix_template(example_path, tmp_path):
    out = tmp_path / "appendix.docx"
    result = run_cli("report", str(example_path), "-o", str(out), "--template", "appendix",
                     "--item", "9", "--as-of", "31/12/2026")
    assert result.returncode == 0, result.stderr
    document = docx.Document(out)
    assert "31 December 2026" in document.paragraphs[0].text
    assert document.sections[0].orientation == WD_ORIENT.LANDSCAPE
    assert "Item 9 Appendix 1" in document.sections[0].header.paragraphs[0].text


def test_an_earlier_report_is_kept_and_one_open_in_word_is_not_replaced(example_path,
                                                                        tmp_path):
    """Writing the report again keeps the earlier one in backups/ (a clerk may have
    edited it in Word); while Word has it open (its owner file beside it) it is left
    alone and the command says why."""
    out = tmp_path / "report.docx"
    assert run_cli("report", str(example_path), "-o", str(out)).returncode == 0
    edited = docx.Document(out)
    edited.add_paragraph("Clerk's note: Members asked for a briefing on 3.2.")
    edited.save(out)
    clerks = out.read_bytes()
    again = run_cli("report", str(example_path), "-o", str(out))
    assert again.returncode == 0, again.stderr
    kept = list((tmp_path / "backups").glob("report.*.docx"))
    assert len(kept) == 1 and kept[0].read_bytes() == clerks
    assert "previous version kept as" in again.stdout and kept[0].name in again.stdout
    assert "Clerk's note" not in "\n".join(p.text for p in docx.Document(out).paragraphs)
    owner = tmp_path / "~$report.docx"
    owner.write_bytes(b"\x05clerk" + b" " * 50)
    before = out.read_bytes()
    refused = run_cli("report", str(example_path), "-o", str(out))
    assert refused.returncode == 2 and "open in Word" in refused.stderr
    assert "~$report.docx" in refused.stderr and out.read_bytes() == before
    assert len(list((tmp_path / "backups").glob("report.*.docx"))) == 1
    owner.unlink()
    lock = tmp_path / ".~lock.report.docx#"  # the clerk uses LibreOffice Writer
    lock.write_text("A Clerk,aclerk,CLERK-PC,03.12.2026 09:14,file:///x;", encoding="utf-8")
    refused = run_cli("report", str(example_path), "-o", str(out))
    assert refused.returncode == 2 and "open in LibreOffice by A Clerk" in refused.stderr
    assert out.read_bytes() == before


def test_blank_settings_the_cover_needs_are_named(tmp_path):
    """An imported plan has no committee, meeting, portfolio, author or contact: the
    report still comes out, and each blank the cover shows is named by its cell; the
    appendix template, which has no cover, asks for none of them."""
    plan = example_plan()
    settings = plan.settings
    settings.committee = settings.portfolio = settings.report_author = ""
    settings.contact = ""
    settings.meeting_date = None
    path = tmp_path / "plan.xlsx"
    cip_xl.save_plan(plan, path)
    result = run_cli("report", str(path), "-o", str(tmp_path / "report.docx"))
    assert result.returncode == 0, result.stderr
    blanks = re.findall(r"Settings!(B\d+): warning: Settings has no ([\w ]+),",
                        result.stderr)
    assert blanks == [("B10", "Committee"), ("B11", "Meeting date"), ("B12", "Portfolio"),
                      ("B13", "Report author"), ("B14", "Contact")]
    sheet = openpyxl.load_workbook(path)["Settings"]
    assert [sheet[cell].offset(0, -1).value for cell, _ in blanks] == [
        "Committee", "Meeting date", "Portfolio", "Report author", "Contact"]
    appendix = run_cli("report", str(path), "-o", str(tmp_path / "appendix.docx"),
                       "--template", "appendix")
    assert appendix.returncode == 0 and "report-setting-blank" not in appendix.stderr


def test_a_meeting_date_typed_as_no_day_is_named_as_typed(example_path, tmp_path):
    """"Jan 2027" typed as the meeting date gives the cover no date: the report says
    what was typed and that it is no day, not that the cell is blank."""
    wb = openpyxl.load_workbook(example_path)
    cell = next(row[1] for row in wb["Settings"].iter_rows() if row[0].value == "Meeting date")
    cell.value = "Jan 2027"
    wb.save(example_path)
    result = run_cli("report", str(example_path), "-o", str(tmp_path / "report.docx"))
    assert result.returncode == 0, result.stderr
    said = " ".join(result.stderr.split())
    assert f"Settings!{cell.coordinate}: warning: The Meeting date in Settings, 'Jan 2027', " \
        "is not a day, so the cover gives no meeting date: type the day" in said
    assert "Settings has no Meeting date" not in said


def test_tabs_and_long_titles_do_not_stop_the_report(tmp_path):
    """A key action typed with a tab (Word holds it as <w:tab/>) still counts as in the
    report; a plan title longer than the 255 characters Word keeps for a document title
    is shortened there, and kept whole in the text."""
    plan = example_plan()
    plan.actions[0].key_action = "Agree\tthe new budget process"
    plan.settings.plan_title = "Corporate Improvement Plan " + "and more " * 40
    judgements = refresh(plan)
    out = tmp_path / "report.docx"
    render_report(plan, out, ReportOptions(), judgements)
    document = docx.Document(out)
    title = document.core_properties.title
    assert len(title) <= 255 and title.startswith("Corporate Improvement Plan and more")
    text = "\n".join(p.text for p in document.paragraphs) + "\n".join(
        c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "Agree\tthe new budget process" in text


def test_characters_no_document_can_hold_become_marks_not_a_failed_report(tmp_path):
    """A plan can hold characters XML forbids: Word's line and page breaks (vertical
    tab, form feed) pasted into a cell, a bell, or U+FFFF from another program. The
    report shows the breaks as line breaks and the rest as U+FFFD, instead of failing
    with an error that blames the template."""
    plan = example_plan()
    plan.actions[0].key_action = "Agree\x07 the budget"
    plan.actions[0].progress_update = "Page one\x0cpage two \uffff"
    plan.settings.plan_title = "Improvement\x0b Plan"
    out = tmp_path / "report.docx"
    render_report(plan, out, ReportOptions(), refresh(plan))
    document = docx.Document(out)
    text = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "Agree\ufffd the budget" in text
    assert "Page one\npage two \ufffd" in text
    assert document.core_properties.title.startswith("Improvement Plan")


def _edit_template(source, target, change):
    """Copy a template, passing its document.xml through ``change``."""
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/document.xml":
                data = change(data.decode("utf-8")).encode("utf-8")
            dst.writestr(item, data)
    return target


def test_clerk_broken_templates_get_clear_errors_and_no_file(tmp_path, example_path):
    source = resource("report_templates", COMMITTEE_TEMPLATE)
    tracked = _edit_template(source, tmp_path / "tracked.docx", lambda x: x.replace(
        "<w:t>1 DECISION BEING RECOMMENDED</w:t>",
        '<w:t>1 DECISION</w:t></w:r><w:ins w:id="1" w:author="Clerk" w:date="2026-01-01T00:'
        '00:00Z"><w:r><w:t> BEING RECOMMENDED</w:t></w:r></w:ins><w:r><w:t></w:t>', 1))
    no_endfor = _edit_template(source, tmp_path / "no-endfor.docx",
                               lambda x: re.sub(r"\{%tr endfor %\}", "", x, count=2))
    misspelt = _edit_template(source, tmp_path / "misspelt.docx",
                              lambda x: x.replace("{{ committee|upper }}",
                                                  "{{ comittee|upper }}"))
    expectations = {tracked: ("template-tracked-changes", "Accept All Changes"),
                    no_endfor: ("template-syntax", "endfor"),
                    misspelt: ("template-unknown-field", "did you mean 'committee'")}
    for template, (code, words) in expectations.items():
        findings = cip_xl.check_template(template)
        assert findings and findings[0].code == code and words in findings[0].message, findings
        check = run_cli("report", "--check-template", str(template))
        assert check.returncode == 1 and words in check.stdout
        out = tmp_path / f"{template.stem}-out.docx"
        result = run_cli("report", str(example_path), "-o", str(out), "--template",
                         str(template))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert not out.exists()  # never a silently truncated file
    fine = run_cli("report", "--check-template", str(source))
    assert fine.returncode == 0 and "fine" in fine.stdout


@pytest.mark.libreoffice
def test_libreoffice_pdf_has_pages_and_repeats_the_header_row(tmp_path):
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    plan = synthetic_plan(200, directorates=10, seed=9, themes=3, progress_words=40)
    path = tmp_path / "plan.xlsx"
    cip_xl.save_plan(plan, path)
    result = cip_xl.report(path, tmp_path / "report.docx", item="7", pdf=True)
    assert result.pdf.exists() and result.pages >= 6
    info = subprocess.run(["pdfinfo", str(result.pdf)], capture_output=True, text=True,
                          check=True).stdout
    assert "(A4)" in info, info  # printed on the paper councils use
    pages = []
    for page in range(1, result.pages + 1):
        pages.append(subprocess.run(["pdftotext", "-f", str(page), "-l", str(page),
                                     "-layout", str(result.pdf), "-"], capture_output=True,
                                    text=True, check=True).stdout)
    assert "REPORT TO THE MEETING" in pages[0]
    appendix = [p for p in pages if "Item 7 Appendix 1" in p]
    assert len(appendix) >= 3
    for text in appendix[1:]:  # a table's header row is repeated on every page
        assert re.search(r"Ref\s+Objective\s+Key action|Code\s+Title\s+Name", text), \
            text[:400]
    assert sum(bool(re.search(r"Ref\s+Objective\s+Key action", t)) for t in appendix) >= 3
    # the columns are as wide as their contents need: Ref narrow, Progress wide
    page = next(i for i, text in enumerate(pages, 1)
                if re.search(r"Ref\s+Objective\s+Key action", text))
    boxes = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox",
                            str(result.pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    words = [(w, float(x), float(y)) for x, y, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)"[^>]*>([^<]+)</word>', boxes)]
    header_y = next(y for w, _, y in words if w == "Objective")
    left = {w: x for w, x, y in words if abs(y - header_y) < 1}
    ref_column = left["Objective"] - left["Ref"]
    progress_column = left["Status"] - left["Progress"]
    assert progress_column > 4 * ref_column, left


def test_a_pdf_is_made_when_the_temporary_folder_has_a_space(example_path, tmp_path,
                                                             monkeypatch):
    """On Windows the temporary folder is under the user's name, which often has a
    space (C:\\Users\\Jo Bloggs\\AppData\\Local\\Temp). LibreOffice's private profile
    there, named by a file URL written by hand, left it waiting until the 300-second
    timeout; the URL is now made properly."""
    import tempfile

    from cip_xl.office import soffice

    if soffice() is None:
        pytest.skip("LibreOffice (soffice) is not installed; .ci/run installs it")
    spaced = tmp_path / "Jo Bloggs" / "Temp"
    spaced.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(spaced))
    result = cip_xl.report(example_path, tmp_path / "report.docx", item="7", pdf=True)
    assert result.pdf.exists() and result.pages >= 1


@pytest.mark.libreoffice
def test_the_cover_of_the_example_plan_is_one_page(example_path, tmp_path):
    """The cover of a plan of five themes ran its last lines, the contact officer, onto
    a page of their own before the appendix."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    result = cip_xl.report(example_path, tmp_path / "report.docx", item="7", pdf=True)
    first, second = (subprocess.run(["pdftotext", "-f", str(page), "-l", str(page),
                                      str(result.pdf), "-"], capture_output=True,
                                     text=True, check=True).stdout for page in (1, 2))
    assert "REPORT TO THE MEETING" in first and "Contact officer" in first
    assert "Places and communities" in first  # the fifth theme, in the list of 2.2
    assert "Item 7 Appendix 1" in second


def test_libreoffice_is_found_where_its_windows_installer_puts_it(tmp_path, monkeypatch):
    """LibreOffice's Windows installer does not put soffice on the PATH: --pdf said it
    was not installed. Its usual folder is looked in too."""
    from cip_xl import office

    program = tmp_path / "Program Files" / "LibreOffice" / "program" / "soffice.exe"
    program.parent.mkdir(parents=True)
    program.write_bytes(b"MZ")
    monkeypatch.setattr(office.shutil, "which", lambda name: None)
    for folder in ("ProgramFiles", "ProgramFiles(x86)", "ProgramW6432"):
        monkeypatch.delenv(folder, raising=False)
    assert office.soffice() is None  # (this machine has no /Applications/LibreOffice.app)
    monkeypatch.setenv("ProgramFiles", str(tmp_path / "Program Files"))
    assert office.soffice() == str(program)


def test_a_report_of_a_plan_with_no_actions_says_so(tmp_path):
    """A blank plan still makes a report (the cover, empty tables), with a warning that
    there is nothing in it, rather than a quiet empty appendix."""
    blank = tmp_path / "blank.xlsx"
    cip_xl.new_plan_file(blank, council="Wrenfield District Council")
    result = cip_xl.report(blank, tmp_path / "report.docx")
    assert result.path.exists() and result.actions == 0
    assert "report-plan-empty" in [f.code for f in result.findings]


#: the main part's content type in each of Word's forms of a document
_WORD_FORMS = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
    ".dotx": "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml",
    ".docm": "application/vnd.ms-word.document.macroEnabled.main+xml",
    ".dotm": "application/vnd.ms-word.template.macroEnabledTemplate.main+xml",
}


def saved_as_word_form(source, target, macros: bool = False):
    """Save the Word document ``source`` as Word saves it in the form ``target``'s
    extension names: the main part's content type, and for a macro-enabled form (with
    ``macros``) a VBA project, its data part and the relationships Word writes."""
    from cip_xl.vba_project import write_compound

    form = _WORD_FORMS[target.suffix]
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(_WORD_FORMS[".docx"].encode(), form.encode())
                if macros:
                    data = data.replace(b"</Types>", (
                        b'<Default Extension="bin" ContentType="application/vnd.ms-office.'
                        b'vbaProject"/><Override PartName="/word/vbaData.xml" ContentType='
                        b'"application/vnd.ms-word.vbaData+xml"/></Types>'))
            elif item.filename == "word/_rels/document.xml.rels" and macros:
                data = data.replace(b"</Relationships>", (
                    b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/'
                    b'2006/relationships/vbaProject" Target="vbaProject.bin"/>'
                    b"</Relationships>"))
            dst.writestr(item, data)
        if macros:
            dst.writestr("word/vbaProject.bin", write_compound(
                {"VBA": {"dir": b"\x01" * 64, "ThisDocument": b"\0" * 512},
                 "PROJECT": b'ID="{00000000-0000-0000-0000-000000000000}"\r\n'}))
            dst.writestr("word/_rels/vbaProject.bin.rels", (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns='
                '"http://schemas.openxmlformats.org/package/2006/relationships"><Relationship '
                'Id="rId1" Type="http://schemas.microsoft.com/office/2006/relationships/'
                'wordVbaData" Target="vbaData.xml"/></Relationships>'))
            dst.writestr("word/vbaData.xml", (
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><wne:vbaSuppData '
                'xmlns:wne="http://schemas.microsoft.com/office/word/2006/wordml"/>'))
    return target


@pytest.mark.parametrize("form, macros", [(".dotx", False), (".docm", True),
                                          (".dotm", True)])
def test_a_template_saved_as_a_word_template_or_with_macros_fills_in(example_path, tmp_path,
                                                                      form, macros):
    """A clerk saves the report template as Word offers it for a template — "Word
    Template (*.dotx)" — or the council's macro-enabled letterhead template is used
    (.docm, .dotm): the report was an internal error (python-docx opens only a
    document). It is filled in, and the report is a Word Document: a document's
    content type, and no macros (Word will not open a .docx with them); a note says so."""
    template = saved_as_word_form(resource("report_templates", COMMITTEE_TEMPLATE),
                                  tmp_path / f"Committee report{form}", macros)
    check = run_cli("report", "--check-template", str(template))
    assert check.returncode == 0 and "fine" in check.stdout, check.stdout + check.stderr
    out = tmp_path / "report.docx"
    result = run_cli("report", str(example_path), "-o", str(out), "--template", str(template))
    assert result.returncode == 0 and "Traceback" not in result.stderr, result.stderr
    assert ("macros are not carried into the report" in result.stderr) == macros
    with zipfile.ZipFile(out) as package:
        types = package.read("[Content_Types].xml").decode()
        relationships = package.read("word/_rels/document.xml.rels").decode()
        assert _WORD_FORMS[".docx"] in types and "macroEnabled" not in types
        assert "template.main" not in types and "vbaProject" not in relationships
        assert not any("vba" in name.lower() for name in package.namelist())
    document = docx.Document(out)
    text = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    plan = cip_xl.load_plan(example_path)
    assert plan.actions[0].key_action in text and "{{" not in text
    if form == ".docm":  # and an office suite opens it
        from cip_xl.office import pdf_pages

        from .conftest import convert_with_libreoffice

        assert pdf_pages(convert_with_libreoffice(out, "pdf", tmp_path / "pdf")) >= 2


def test_a_template_that_is_no_word_document_is_named_for_what_it_is(example_path, tmp_path):
    """A template kept as a Word 97 document, locked with a password, or labelled
    OFFICIAL-SENSITIVE with encryption: each is named, with what to do (it was "is not
    a Word (.docx) document" for all), and no report is written."""
    from cip_xl.vba_project import write_compound

    from .corpus import encrypt

    source = resource("report_templates", COMMITTEE_TEMPLATE)
    old = tmp_path / "template.doc"
    old.write_bytes(write_compound({"WordDocument": b"\0" * 4096, "1Table": b"\0" * 4096}))
    locked = encrypt(source, tmp_path / "locked.docx")
    labelled = tmp_path / "labelled.docx"
    strong, rights = "StrongEncryptionDataSpace", "DRMEncryptedDataSpace"
    labelled.write_bytes(locked.read_bytes().replace(
        strong.encode("utf-16-le"), rights.ljust(len(strong), "\0").encode("utf-16-le")))
    for template, words in ((old, "is a Word 97-2003 document"),
                            (locked, "is a password-protected Office document"),
                            (labelled, "is protected by a sensitivity label")):
        out = tmp_path / f"{template.stem}-report.docx"
        result = run_cli("report", str(example_path), "-o", str(out), "--template",
                         str(template))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert f"{template.name} {words}" in result.stderr, result.stderr
        assert "cannot be a report template" in result.stderr
        assert "[template-not-docx]" in result.stderr and not out.exists()


def commented_template(source, target):
    """``source`` with two comments as a clerk leaves them in Word: one on the cover's
    first line, one in the row the actions fill (so each action's row repeats it), and
    the parts Word writes beside a comments part (replies' state, who commented)."""
    document = docx.Document(source)
    document.add_comment(document.paragraphs[0].runs, author="Jane Clerk", initials="JC",
                         text="Check the figures with Finance before this goes out")
    row = next(p for t in document.tables for r in t.rows for c in r.cells
               for p in c.paragraphs if "a.key_action" in p.text)
    document.add_comment(row.runs, author="Jane Clerk", text="Ask Sam about wording")
    staged = target.with_name("staged.docx")
    document.save(staged)
    w15 = "http://schemas.microsoft.com/office/word/2012/wordml"
    extras = {
        "word/commentsExtended.xml": (
            f'<w15:commentsEx xmlns:w15="{w15}"><w15:commentEx w15:paraId="1A2B3C4D" '
            'w15:done="0"/></w15:commentsEx>', "commentsExtended",
            "application/vnd.openxmlformats-officedocument.wordprocessingml."
            "commentsExtended+xml", "2011"),
        "word/people.xml": (
            f'<w15:people xmlns:w15="{w15}"><w15:person w15:author="Jane Clerk">'
            '<w15:presenceInfo w15:providerId="AD" w15:userId="S::jane.clerk@council.gov.uk'
            '::1"/></w15:person></w15:people>', "people",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.people+xml",
            "2011"),
    }
    with zipfile.ZipFile(staged) as src, \
            zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "word/_rels/document.xml.rels":
                data = data.decode().replace("</Relationships>", "".join(
                    f'<Relationship Id="rIdX{n}" Type="http://schemas.microsoft.com/office/'
                    f'{year}/relationships/{kind}" Target="{name[5:]}"/>'
                    for n, (name, (_, kind, _, year)) in enumerate(extras.items())) +
                    "</Relationships>")
            elif item.filename == "[Content_Types].xml":
                data = data.decode().replace("</Types>", "".join(
                    f'<Override PartName="/{name}" ContentType="{kind}"/>'
                    for name, (_, _, kind, _) in extras.items()) + "</Types>")
            dst.writestr(item, data)
        for name, (xml, *_rest) in extras.items():
            dst.writestr(name, '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
                         + xml)
    staged.unlink()
    return target


def test_a_clerks_comments_in_the_template_stay_out_of_the_report(example_path, tmp_path):
    """A clerk's comment on the template ("check the figures with Finance ...") went
    into every committee report made from it — and into the PDF, as a sticky note —
    which councils publish. The report leaves the comments out, with a warning; the
    pre-flight names them, and the template can still be used."""
    template = commented_template(resource("report_templates", COMMITTEE_TEMPLATE),
                                  tmp_path / "Committee report.docx")
    findings = cip_xl.check_template(template)
    assert [(f.code, f.severity) for f in findings] == [("template-comments", "warning")]
    assert "2 comments (Jane Clerk: 'Check the figures with Finance" in findings[0].message
    check = run_cli("report", "--check-template", str(template))
    assert check.returncode == 0 and "Delete All Comments" in check.stdout, check.stdout

    from cip_xl.office import soffice

    out = tmp_path / "report.docx"
    result = run_cli("report", str(example_path), "-o", str(out), "--template",
                     str(template), *(["--pdf"] if soffice() else []))
    assert result.returncode == 0, result.stderr
    assert "Committee report.docx: warning: The template holds 2 comments" in result.stderr
    assert "left out of the report" in result.stderr
    with zipfile.ZipFile(out) as package:
        names = package.namelist()
        assert not [n for n in names if "comment" in n.lower() or "people" in n.lower()]
        everything = b"".join(package.read(n) for n in names if n.endswith((".xml", ".rels")))
    for gone in (b"commentRangeStart", b"commentReference", b"figures with", b"Ask Sam",
                 b"jane.clerk"):
        assert gone not in everything
    document = docx.Document(out)
    text = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    plan = cip_xl.load_plan(example_path)
    assert all(action.key_action in text for action in plan.actions)
    assert document.paragraphs[0].text.startswith("REPORT TO THE MEETING OF THE")
    pdf = out.with_suffix(".pdf")
    if pdf.exists():  # LibreOffice made it: no annotation (sticky note) in it
        assert b"/Annot" not in pdf.read_bytes()


def test_the_report_is_dated_and_signed_as_made_not_as_its_template(example_path, tmp_path):
    """The report's document properties said it was created and last modified on the
    day its template was saved (1 January 2026 for the shipped one, years ago for a
    clerk's), last modified by whoever edited the template, with the shipped
    template's description "generated by python-docx": what Word's File > Info and a
    council's document library show. It is created and modified when it is made, by
    the report's author (Settings)."""
    from datetime import datetime, timedelta, timezone

    clerks = tmp_path / "Clerk's template.docx"
    document = docx.Document(resource("report_templates", COMMITTEE_TEMPLATE))
    document.core_properties.created = datetime(2019, 5, 2, 9, 30)
    document.core_properties.modified = datetime(2024, 3, 1, 16, 0)
    document.core_properties.last_modified_by = "Jane Clerk"
    document.core_properties.revision = 17
    document.save(clerks)
    author = cip_xl.load_plan(example_path).settings.report_author
    assert author
    for template in ("committee", str(clerks)):
        out = tmp_path / "report.docx"
        cip_xl.report(example_path, out, template=template)
        with zipfile.ZipFile(out) as package:
            core = package.read("docProps/core.xml").decode()
        stamps = re.findall(r"<dcterms:(created|modified)\b[^>]*>([^<]+)<", core)
        assert {kind for kind, _ in stamps} == {"created", "modified"}, core
        now = datetime.now(timezone.utc)
        for _, stamp in stamps:
            when = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ").replace(
                tzinfo=timezone.utc)
            assert now - timedelta(minutes=5) < when <= now + timedelta(seconds=1), core
        assert f"<cp:lastModifiedBy>{author.replace('&', '&amp;')}</cp:lastModifiedBy>" in core
        assert "<cp:revision>1</cp:revision>" in core
        assert "Jane Clerk" not in core and "python-docx" not in core


@pytest.mark.parametrize("language, expected", [("cy-GB", "cy-GB"), ("en-US", "en-GB")])
def test_a_welsh_template_keeps_its_language_and_an_american_one_becomes_british(
        example_path, tmp_path, language, expected):
    """Every report was marked British English, whatever its template: a Welsh
    council's template in Welsh (its text in cy-GB, as the Welsh Language Standards
    have it published) came out marked English, which screen readers then read with
    English rules. A template's own language other than English is kept; English of
    another country (Word's en-US default on many council computers) becomes en-GB."""
    from cip_xl.report_templates import set_language

    template = tmp_path / f"template-{language}.docx"
    document = docx.Document(resource("report_templates", COMMITTEE_TEMPLATE))
    set_language(document, language)
    document.save(template)
    out = tmp_path / "report.docx"
    cip_xl.report(example_path, out, template=str(template))
    with zipfile.ZipFile(out) as package:
        styles = package.read("word/styles.xml").decode()
        core = package.read("docProps/core.xml").decode()
    defaults = re.search(r"<w:docDefaults>.*?</w:docDefaults>", styles, re.S)[0]
    assert re.findall(r'<w:lang w:val="([^"]+)"', defaults) == [expected], defaults
    assert f"<dc:language>{expected}</dc:language>" in core, core


def test_a_councils_own_colours_shade_the_report_with_words_that_read(example_path,
                                                                       tmp_path):
    """A council's profile colours shaded the plan but not its committee report, which
    kept cip-xl's: the report now uses them, and words in a cell shaded a dark one
    (Excel's dark red for Overdue) are white, as the template cannot say; the
    light ones keep the template's black. LibreOffice's PDF draws them white."""
    example_path.with_name("cip-xl.ini").write_text(
        "[colours]\nOverdue = C00000\nOn track = 00B050\n", encoding="utf-8")
    out = tmp_path / "report.docx"
    result = run_cli("report", str(example_path), "-o", str(out), "--as-of", "31/12/2026")
    assert result.returncode == 0, result.stdout + result.stderr
    document = docx.Document(out)
    cells = _status_cells(document)
    fills = {text.split(" ", 1)[1]: fill for text, fill in cells}
    assert fills["Overdue"] == "C00000" and fills["On track"] == "00B050"
    assert fills["At risk"] == "FFE08A"  # not in the profile: cip-xl's own
    colours = {}
    for table in document.tables:
        for row in table.rows:
            for cell in row.cells:
                word = cell.text.strip().split(" ", 1)[-1]
                if cell.text.strip() in {v.label for v in cip_xl.schema.VERDICTS}:
                    colours.setdefault(word, set()).update(
                        str(run.font.color.rgb) for p in cell.paragraphs for run in p.runs)
    assert colours["Overdue"] == {"FFFFFF"}
    assert colours["On track"] == {"None"} and colours["At risk"] == {"None"}

    if not shutil.which("soffice") or not shutil.which("pdftoppm"):
        pytest.skip("LibreOffice and poppler-utils are not installed; .ci/run installs them")
    from cip_xl.office import convert

    pdf = convert(out, tmp_path)
    # the words on the dark red are drawn white: the overdue cells' pixels are the red
    # and white, with nothing near black
    subprocess.run(["pdftotext", "-bbox", str(pdf), str(tmp_path / "boxes.html")],
                   check=True)
    boxes = (tmp_path / "boxes.html").read_text(encoding="utf-8")
    pages = re.findall(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', boxes, re.S)
    for number, (width, height, words) in enumerate(pages, 1):
        found = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" '
                          r'yMax="([\d.]+)">Overdue</word>', words)
        if found:
            break
    else:
        raise AssertionError("no 'Overdue' in the PDF")
    x0, y0, x1, y1 = (float(v) for v in found.groups())
    subprocess.run(["pdftoppm", "-r", "144", "-f", str(number), "-l", str(number), "-png",
                    "-singlefile", str(pdf), str(tmp_path / "page")], check=True)
    from PIL import Image

    image = Image.open(tmp_path / "page.png").convert("RGB")
    scale = 144 / 72
    middle = (y1 - y0) / 4  # the word's middle, clear of the cell's borders
    box = image.crop((int(x0 * scale), int((y0 + middle) * scale), int(x1 * scale),
                      int((y1 - middle) * scale)))
    pixels = {pixel for _, pixel in box.getcolors(maxcolors=1 << 16)}
    assert not any(max(p) < 90 for p in pixels), "black words on the dark red"
    assert any(min(p) > 200 for p in pixels), "no white words"


def test_a_meeting_before_the_quarter_reported_is_warned_of(tmp_path):
    """The reporting date moved on to 31/12/2026 and the meeting date left at last
    quarter's 21/10/2026: the cover would address the report to a meeting held before
    the quarter ended. It is said, naming the cell; --meeting-date answers it."""
    plan = example_plan()
    plan.settings.reporting_date = date(2026, 12, 31)
    plan.settings.meeting_date = date(2026, 10, 21)
    path = tmp_path / "plan.xlsx"
    cip_xl.save_plan(plan, path)
    made = run_cli("report", str(path), "-o", str(tmp_path / "report.docx"))
    assert made.returncode == 0, made.stderr
    said = " ".join(made.stderr.split())
    assert "Settings!B11: warning: The meeting date (21/10/2026) is before the date the " \
        "report is as at (31/12/2026)" in said and "[report-meeting-before-date]" in said
    given = run_cli("report", str(path), "-o", str(tmp_path / "report.docx"),
                    "--meeting-date", "19/01/2027")
    assert given.returncode == 0 and "report-meeting-before-date" not in given.stderr


@pytest.mark.libreoffice
def test_a_lead_officer_given_by_title_is_not_broken_across_lines(tmp_path):
    """An imported plan keeps its lead officers as written: 'Head of Regeneration' in
    the appendix's Lead officer column broke as 'Regenerat' and 'ion'."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    plan = example_plan()
    for action in plan.actions:
        action.lead_officer = "Head of Regeneration"
    path = tmp_path / "plan.xlsx"
    cip_xl.save_plan(plan, path)
    result = cip_xl.report(path, tmp_path / "report.docx", item="7", pdf=True)
    text = subprocess.run(["pdftotext", "-layout", str(result.pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert text.count("Regeneration") >= len(plan.actions)
    assert not re.search(r"Regenerat\s*$", text, re.MULTILINE)
