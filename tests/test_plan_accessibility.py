"""The plan workbook as councils publish it: a title and a language in its properties,
and a text alternative for the Summary chart (Excel's Accessibility Checker calls a chart
without one an error), looked at through LibreOffice as an independent reader."""
from __future__ import annotations

import html
import re
import shutil
import zipfile
from datetime import date
from pathlib import Path

import openpyxl

import cip_xl
from cip_xl.status_sheet import CHART_DESCRIPTION

from .conftest import convert_with_libreoffice


def _chart_frames(path) -> list[str]:
    """The non-visual properties (cNvPr start tags) of the Summary sheet's charts."""
    with zipfile.ZipFile(path) as package:
        drawings = [package.read(name).decode() for name in package.namelist()
                    if re.fullmatch(r"xl/drawings/drawing\d+\.xml", name)]
    return [tag for xml in drawings for tag in re.findall(r"<(?:\w+:)?cNvPr\b[^>]*>", xml)]


def _odf(path, outdir) -> tuple[str, str]:
    """(content.xml, meta.xml) of ``path`` converted to .ods by LibreOffice."""
    converted = convert_with_libreoffice(path, "ods", outdir)
    with zipfile.ZipFile(converted) as package:
        return package.read("content.xml").decode(), package.read("meta.xml").decode()


def test_a_saved_plan_has_a_title_a_language_and_a_described_chart(example_path, tmp_path):
    properties = openpyxl.load_workbook(example_path).properties
    assert (properties.title, properties.language, properties.creator) == \
        ("Corporate Improvement Plan 2026/27", "en-GB", "cip-xl")
    assert len(_chart_frames(example_path)) == 1
    content, meta = _odf(example_path, tmp_path / "odf")
    assert "<dc:title>Corporate Improvement Plan 2026/27</dc:title>" in meta
    assert "<dc:language>en-GB</dc:language>" in meta
    described = [html.unescape(text) for text in
                 re.findall(r"<svg:desc>([^<]*)</svg:desc>", content)]
    assert described == [CHART_DESCRIPTION]
    assert "(Cancelled, Complete, Overdue, At risk, No update, On track, Not due)" in \
        CHART_DESCRIPTION


def test_what_libreoffice_drops_comes_back_and_a_councils_own_title_stays(example_path,
                                                                          tmp_path):
    """LibreOffice saving the plan as .xlsx drops the chart's text alternative; the
    next save (a patched one) puts it back. A title the council gave the workbook
    itself (File > Info) is theirs and stays; a blank one is filled in."""
    resaved = convert_with_libreoffice(example_path, "xlsx", tmp_path / "lo")
    assert not any("descr=" in tag for tag in _chart_frames(resaved))
    shutil.copy(resaved, example_path)
    cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    frames = _chart_frames(example_path)
    assert len(frames) == 1 and 'descr="Stacked bar chart: one bar per theme' in frames[0]
    assert openpyxl.load_workbook(example_path).properties.title == \
        "Corporate Improvement Plan 2026/27"

    wb = openpyxl.load_workbook(example_path)
    wb.properties.title = "CIP master copy - do not circulate"
    wb.properties.language = ""
    wb.save(example_path)
    cip_xl.refresh_status(example_path, as_of=date(2027, 3, 31))
    properties = openpyxl.load_workbook(example_path).properties
    assert (properties.title, properties.language) == \
        ("CIP master copy - do not circulate", "en-GB")


def test_a_new_plan_is_titled_too(tmp_path):
    path = cip_xl.new_plan_file(tmp_path / "new.xlsx", council="Anytown Borough Council",
                                title="Strategic Improvement Plan 2027/28")
    properties = openpyxl.load_workbook(path).properties
    assert (properties.title, properties.language, properties.creator) == \
        ("Strategic Improvement Plan 2027/28", "en-GB", "cip-xl")


def test_the_sheets_of_records_print_whole_with_their_headings(example_path, tmp_path):
    """A council prints its Record of Review & Amendment with the plan, and the trail
    for an auditor. Printed, each sheet of records ran over several pages across, its
    later columns on pages of their own without the headings; now every column is on
    the page, in landscape, headings repeated on each page. A council's own print
    set-up is kept."""
    import subprocess

    import pytest

    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed; .ci/run installs it")
    wb = openpyxl.load_workbook(example_path)
    wb["Officers"].page_setup.orientation = "portrait"  # the council's own choice
    wb.save(example_path)
    cip_xl.save_plan(cip_xl.load_plan(example_path), example_path)  # a full save
    wb = openpyxl.load_workbook(example_path)
    assert wb["Officers"].page_setup.orientation == "portrait"
    for title in ("Review log", "Audit", "Change requests", "Returns"):
        assert wb[title].print_title_rows == "$1:$1", title
    pdf = convert_with_libreoffice(example_path, "pdf", tmp_path / "pdf")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    pages = text.split("\f")
    for first, last in (("Version", "amendment"), ("When", "Source"),
                        ("Request ID", "Decided by"), ("Department", "Result")):
        page = next(p for p in pages if p.lstrip().startswith(first))
        assert last in page, (first, last)


def _words_on_fills(path) -> dict[tuple[str, str, str], str]:
    """(sheet, fill, words' colour) → the first cell of each pairing, for every visible
    cell holding words on a solid fill; colours as RRGGBB, a font's automatic colour
    (or the theme's dark text) black."""
    def rgb(colour, default: str) -> str:
        if colour is None or (colour.type == "theme" and colour.theme == 1) or \
                (colour.type == "indexed" and colour.indexed in (8, 64)):
            return default
        assert colour.type == "rgb", (path, colour)  # cip-xl gives colours as RGB
        return colour.rgb[-6:]

    found = {}
    for ws in openpyxl.load_workbook(path).worksheets:
        if ws.sheet_state != "visible":
            continue
        for row in ws.iter_rows():
            for cell in row:
                if cell.value not in (None, "") and cell.fill.fill_type == "solid":
                    key = (ws.title, rgb(cell.fill.fgColor, "FFFFFF"),
                           rgb(cell.font.color, "000000"))
                    found.setdefault(key, cell.coordinate)
    return found


def test_every_word_on_a_colour_can_be_read(example_path, tmp_path):
    """Words cip-xl puts on a coloured cell — headings, traffic lights, the cells an
    officer fills in, a checked copy's highlights — reach the 4.5:1 contrast WCAG
    asks of text, in the plan, a return and a checked copy (a guard on the colours
    chosen: a council publishes these)."""
    from cip_xl.schema import contrast_ratio

    cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    returns = cip_xl.issue_returns(example_path, tmp_path / "returns")
    wb = openpyxl.load_workbook(example_path)
    wb["Plan"]["F2"] = "Dcember 2026"  # findings to highlight
    wb["Plan"]["E3"] = "ZZ"
    wb.save(example_path)
    checked = cip_xl.annotate(example_path, cip_xl.validate(example_path).findings)
    files = [example_path, Path(returns[0].path), Path(checked)]
    pairs = {}
    for path in files:
        pairs.update({(path.name, *key): cell for key, cell in _words_on_fills(path).items()})
    assert {sheet for _, sheet, _, _ in pairs} >= {"Plan", "Summary", "Return"}
    assert len({fill for _, _, fill, _ in pairs}) >= 9  # headings, 7 verdicts, input
    low = {key: cell for key, cell in pairs.items() if contrast_ratio(key[2], key[3]) < 4.5}
    assert not low, low
