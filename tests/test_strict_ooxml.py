"""Workbooks saved as "Strict Open XML Spreadsheet" (Excel's File > Save As list).

The same content as the usual .xlsx under other names: namespaces and relationship types
under http://purl.oclc.org/ooxml/, dates written as ISO text (t="d"). openpyxl finds no
sheets in one; cip-xl must read, merge, check and save them as it does any other.
"""
from __future__ import annotations

import zipfile
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl.importers import import_plan
from cip_xl.returns import RETURN_SHEET
from cip_xl.safe_save import backups_of
from cip_xl.strict_ooxml import transitional, usual_names

from .conftest import SHARED, REPO, convert_with_libreoffice, run_cli
from .returns_helpers import open_return, return_for

#: the usual (Transitional) names and what a Strict file calls them, as ISO/IEC 29500
#: lists them — written out here, not derived from the code under test
STRICT_NAMES = [
    ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties",
     "http://purl.oclc.org/ooxml/officeDocument/relationships/extendedProperties"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/relationships/custom-properties",
     "http://purl.oclc.org/ooxml/officeDocument/relationships/customProperties"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/relationships",
     "http://purl.oclc.org/ooxml/officeDocument/relationships"),
    ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
     "http://purl.oclc.org/ooxml/spreadsheetml/main"),
    ("http://schemas.openxmlformats.org/drawingml/2006/main",
     "http://purl.oclc.org/ooxml/drawingml/main"),
    ("http://schemas.openxmlformats.org/drawingml/2006/spreadsheetDrawing",
     "http://purl.oclc.org/ooxml/drawingml/spreadsheetDrawing"),
    ("http://schemas.openxmlformats.org/drawingml/2006/chart",
     "http://purl.oclc.org/ooxml/drawingml/chart"),
    ("http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing",
     "http://purl.oclc.org/ooxml/drawingml/wordprocessingDrawing"),
    ("http://schemas.openxmlformats.org/drawingml/2006/picture",
     "http://purl.oclc.org/ooxml/drawingml/picture"),
    ("http://schemas.openxmlformats.org/wordprocessingml/2006/main",
     "http://purl.oclc.org/ooxml/wordprocessingml/main"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/math",
     "http://purl.oclc.org/ooxml/officeDocument/math"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/extended-properties",
     "http://purl.oclc.org/ooxml/officeDocument/extendedProperties"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/custom-properties",
     "http://purl.oclc.org/ooxml/officeDocument/customProperties"),
    ("http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes",
     "http://purl.oclc.org/ooxml/officeDocument/docPropsVTypes"),
]


def save_as_strict(source: Path, target: Path | None = None) -> Path:
    """``source`` as Excel's "Strict Open XML Spreadsheet" (or Word's "Strict Open XML
    Document") names its parts (written over ``source`` unless ``target`` is given)."""
    target = target or source
    with zipfile.ZipFile(source) as archive:
        parts = [(item, archive.read(item)) for item in archive.infolist()]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for item, data in parts:
            if item.filename.endswith((".xml", ".rels")):
                for usual, strict in STRICT_NAMES:
                    data = data.replace(usual.encode(), strict.encode())
                if item.filename == "xl/workbook.xml":
                    data = data.replace(b"<workbook ", b'<workbook conformance="strict" ', 1)
            out.writestr(item, data)
    with zipfile.ZipFile(target) as archive:  # the test's own check that it is Strict
        assert b"purl.oclc.org" in archive.read("_rels/.rels")
        main = "xl/workbook.xml" if "xl/workbook.xml" in archive.namelist() else \
            "word/document.xml"
        root = archive.read(main).split(b">")[1]  # markup compatibility is named alike
        assert b"schemas.openxmlformats.org" not in \
            root.replace(b"schemas.openxmlformats.org/markup-compatibility/", b"")
    return target


def test_strict_names_are_given_their_usual_form():
    """Each Strict name becomes the name Excel writes by default — including those that
    are not the same words (extended-properties, the thumbnail's package namespace) —
    and the package's conformance claim goes."""
    for usual, strict in STRICT_NAMES:
        assert usual_names(f'<x a="{strict}"/>'.encode()) == f'<x a="{usual}"/>'.encode()
    thumbnail = b"http://purl.oclc.org/ooxml/officeDocument/relationships/metadata/thumbnail"
    assert usual_names(thumbnail) == \
        b"http://schemas.openxmlformats.org/package/2006/relationships/metadata/thumbnail"
    assert usual_names(b'<workbook conformance="strict" xmlns="http://purl.oclc.org/ooxml/'
                       b'spreadsheetml/main">') == \
        b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    plain = b"<worksheet xmlns='http://schemas.openxmlformats.org/spreadsheetml/2006/main'/>"
    assert usual_names(plain) is plain


def test_a_return_saved_as_strict_merges_with_its_notes_and_dates(example_path, tmp_path):
    """An officer's return saved as Strict Open XML: progress, a proposed date (written
    as ISO text, as Strict files write dates), a note on a cell and one on the heading
    row all reach the master as from any other return."""
    folder = tmp_path / "returns"
    cip_xl.api.issue_returns(example_path, folder, when=datetime(2026, 11, 2, 9))
    place = return_for(folder, "Place")
    wb, cell = open_return(place)
    cell("5.1", "Progress update").value = "Depot works tendered in October."
    cell("5.1", "Proposed revised date").value = datetime(2027, 3, 31)
    cell("5.1", "Comment / reason for new date").value = "Tender returned late."
    cell("5.2", "Progress update").comment = Comment("Chased legal on 19/11", "Jo")
    wb[RETURN_SHEET]["A1"].comment = Comment("Why is 5.4 not on my list?", "Jo")
    wb.iso_dates = True  # dates as ISO text, t="d"
    wb.save(place)
    save_as_strict(place)
    with pytest.raises(KeyError):  # openpyxl alone sees no sheets in it
        openpyxl.load_workbook(place)[RETURN_SHEET]

    result = cip_xl.api.merge(example_path, [place])
    plan = cip_xl.load_plan(example_path)
    first = next(a for a in plan.actions if a.ref == "5.1")
    assert first.progress_update == "Depot works tendered in October."
    requests = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name(
        "Change requests").to_python()
    dates = [r for r in requests if r[4] == "5.1" and r[5] == "Revised date"]
    assert [(r[6], r[7]) for r in dates] == [(date(2027, 3, 31), "Tender returned late.")]
    notes = [r for r in requests if r[4] == "5.2" and r[5] == "Comment"]
    assert [r[6] for r in notes] == ["Chased legal on 19/11"]
    named = [(f.code, f.cell) for f in result.findings]
    assert named == [("return-note", "A1")], named


def test_a_plan_saved_as_strict_is_checked_merged_and_saved_readable(example_path,
                                                                     tmp_path):
    """A master saved as Strict Open XML validates; the checked copy holds the plan's
    sheets as well as its findings (it held only the Findings sheet); a merge saves
    the master in the usual form, which openpyxl, calamine and LibreOffice all read, and
    the Strict original is the backup."""
    folder = tmp_path / "returns"
    cip_xl.api.issue_returns(example_path, folder, when=datetime(2026, 11, 2, 9))
    save_as_strict(example_path)
    strict_bytes = example_path.read_bytes()

    checked = tmp_path / "checked.xlsx"
    result = run_cli("validate", str(example_path), "--annotate", "-o", str(checked))
    assert result.returncode == 0, result.stdout + result.stderr
    copy = CalamineWorkbook.from_path(str(checked))
    assert copy.sheet_names[:2] == ["Findings", "Plan"]
    assert copy.get_sheet_by_name("Plan").to_python()[1][0] == "1.1"

    resources = return_for(folder, "Resources")
    wb, cell = open_return(resources)
    cell("1.2", "Progress update").value = "Budget proposals sent to the Executive."
    wb.save(resources)
    result = run_cli("merge", str(example_path), str(resources))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Saved" in result.stdout
    saved = openpyxl.load_workbook(example_path)  # the usual form now
    ws = saved["Plan"]
    column = next(c.column for c in ws[1] if c.value == "Progress update")
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == "1.2")
    assert ws.cell(row, column).value == "Budget proposals sent to the Executive."
    assert len(ws["A"]) > 40 and saved["Officers"]["A2"].value
    # newest first, as restore lists them (by name, a second backup made in the same
    # second, "plan.20261204-070023-2.xlsx", sorts before the first)
    backups = [path for _, path in backups_of(example_path)]
    assert backups and backups[0].read_bytes() == strict_bytes
    csv = convert_with_libreoffice(example_path, "csv", tmp_path / "lo")
    assert "Budget proposals sent to the Executive." in csv.read_text("utf-8", "replace")


def test_a_full_save_of_a_strict_plan_keeps_every_sheet(example_path):
    """The save that rewrites the whole workbook (openpyxl's), as when a patch cannot
    be made, reads a Strict master's sheets instead of finding none — which wrote the
    plan's own sheets afresh and dropped the council's."""
    wb = openpyxl.load_workbook(example_path)
    wb.create_sheet("Risk register")["B2"] = "Depot lease ends 2028"
    wb.save(example_path)
    save_as_strict(example_path)
    plan = cip_xl.load_plan(example_path)
    plan.actions[0].progress_update = "Written by a full save"
    cip_xl.save_plan(plan, example_path)  # no workbook given: read with openpyxl
    saved = openpyxl.load_workbook(example_path)
    assert saved.sheetnames[:5] == ["Plan", "Summary", "Officers", "Themes", "Settings"]
    assert saved["Risk register"]["B2"].value == "Depot lease ends 2028"
    assert cip_xl.load_plan(example_path).actions[0].progress_update == \
        "Written by a full save"


def test_a_tracker_saved_as_strict_is_imported(tmp_path):
    """A council's own tracker saved as Strict Open XML imports its actions."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Tracker"
    ws.append(["Ref", "Theme", "Key action", "Lead officer", "Target date"])
    for number in range(1, 4):
        ws.append([f"1.{number}", "Finance", f"Close the books {number}", "HF",
                   datetime(2026, 12, 31)])
    wb.save(tmp_path / "usual.xlsx")
    wb.iso_dates = True
    wb.save(tmp_path / "tracker.xlsx")
    save_as_strict(tmp_path / "tracker.xlsx")
    result = import_plan(tmp_path / "tracker.xlsx")
    assert [(a.ref, a.key_action, a.target_date) for a in result.plan.actions] == [
        (f"1.{n}", f"Close the books {n}", date(2026, 12, 31)) for n in range(1, 4)]
    usual = import_plan(tmp_path / "usual.xlsx")
    assert [f.message for f in result.findings] == [f.message for f in usual.findings]


def test_a_package_in_the_usual_form_or_unreadable_is_left_alone(example_path, tmp_path):
    data = example_path.read_bytes()
    assert transitional(data) is data
    assert transitional(b"not a zip") == b"not a zip"


def test_a_report_template_saved_as_strict_fills_in(example_path, tmp_path):
    """A clerk's template saved in Word as "Strict Open XML Document" passes its check
    and fills in (it stopped with an internal error), the report as the usual one."""
    import docx

    template = save_as_strict(REPO / "report_templates" / "committee-report.docx",
                              tmp_path / "our template.docx")
    checked = run_cli("report", "--check-template", str(template))
    assert checked.returncode == 0 and "the template is fine" in checked.stdout, \
        checked.stdout + checked.stderr
    result = run_cli("report", str(example_path), "--template", str(template),
                     "-o", str(tmp_path / "report.docx"))
    assert result.returncode == 0, result.stdout + result.stderr
    report = docx.Document(str(tmp_path / "report.docx"))
    text = "\n".join(c.text for t in report.tables for r in t.rows for c in r.cells)
    assert "Report savings options to the Executive" in text
    assert report.core_properties.title.startswith("Corporate Improvement Plan")


def test_a_word_plan_saved_as_strict_is_imported(tmp_path):
    """Last year's plan in a Word document saved as Strict Open XML imports as the
    same document saved the usual way does."""
    usual = SHARED / "samples" / "rochford_sip_2010_11.docx"
    if not usual.exists():
        pytest.skip("the shared council samples are not beside this checkout")
    strict = save_as_strict(usual, tmp_path / "sip.docx")
    imported, expected = import_plan(strict), import_plan(usual)
    assert len(imported.plan.actions) == 13
    assert [(a.ref, a.key_action, a.lead_officer) for a in imported.plan.actions] == \
        [(a.ref, a.key_action, a.lead_officer) for a in expected.plan.actions]
