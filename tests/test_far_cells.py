"""A value typed far from the table — in row 1,048,576 after a slip of Ctrl+Down, or in
column XFD after Ctrl+Right — is found and kept like any other, without laying out the
millions of empty cells between it and the table: before, one such value made a merge
take ~0.7 GB and a plan's full save 9 GB and three minutes."""
from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import openpyxl
import pytest

import cip_xl
from cip_xl.fastbook import FastWorkbook, forget, typed_cells
from cip_xl.returns import RETURN_SHEET

from .conftest import REPO, convert_with_libreoffice
from .returns_helpers import headers, return_for
from .test_fast_reading import assert_same, both_readings

#: what a job with a value far off may take at most (the example's jobs take ~40-80 MB;
#: laying out the cells between took 0.7-9 GB)
MEMORY_LIMIT_MB = 300


#: the peak resident memory of the process, in kB, as Linux keeps it for this program
#: alone (getrusage's ru_maxrss is not: it keeps the peak of the process it was forked
#: from, here pytest's, across exec)
PEAK = ("__import__('re').search(r'VmHWM:\\s+(\\d+) kB', "
        "open('/proc/self/status').read())[1]")


def run_measured(code: str) -> dict:
    """Run ``code`` (which sets ``result``, something JSON can hold) in a fresh Python,
    as a job runs; give back its result and its peak memory in MB (``peak_mb``: 0
    where the system does not say)."""
    script = (f"import json, os\n{code}\n"
              f"peak = int({PEAK}) / 1024 if os.path.exists('/proc/self/status') else 0\n"
              "print(json.dumps({'result': result, 'peak_mb': peak}))")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=REPO, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def put(path: Path, sheet: str, cell: str, value: object, target: Path | None = None) -> Path:
    """Type ``value`` into ``cell`` of ``sheet`` and save (as ``target`` if given)."""
    wb = openpyxl.load_workbook(path)
    wb[sheet].protection.sheet = False
    wb[sheet][cell] = value
    wb.save(target or path)
    return target or path


@pytest.fixture
def cycle(example_path, tmp_path):
    folder = tmp_path / "returns"
    cip_xl.api.issue_returns(example_path, folder, when=datetime(2026, 11, 2, 9))
    return example_path, folder


MERGE = """
import cip_xl
outcome = cip_xl.api.merge({plan!r}, [{ret!r}], dry_run={dry})
result = [[f.code, f.sheet, f.cell, f.message] for f in outcome.findings]
"""


def without_extent(path: Path) -> None:
    """Take the recorded extent (``<dimension>``) out of every sheet of ``path``, as
    Google Sheets writes its downloads."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as archive:
        parts = {item.filename: archive.read(item.filename) for item in archive.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            if name.startswith("xl/worksheets/sheet"):
                data, count = re.subn(rb"<dimension [^>]*/>", b"", data)
                assert count == 1, name
            archive.writestr(name, data)


@pytest.mark.parametrize("extent", ["recorded", "not recorded"])
def test_a_note_typed_at_the_foot_of_a_return_is_quoted_without_laying_out_the_rows(cycle,
                                                                                  extent):
    plan_path, folder = cycle
    place = return_for(folder, "Place")
    wb = openpyxl.load_workbook(place)
    theme = openpyxl.utils.get_column_letter(headers(wb[RETURN_SHEET])["Theme"])
    put(place, RETURN_SHEET, f"{theme}1048576", "Budget confirmed at Cabinet")
    if extent == "not recorded":
        without_extent(place)
    ran = run_measured(MERGE.format(plan=str(plan_path), ret=str(place), dry=False))
    found = {(sheet, cell): (code, message) for code, sheet, cell, message in ran["result"]}
    code, message = found[(RETURN_SHEET, f"{theme}1048576")]
    assert code == "new-action-incomplete" and "'Budget confirmed at Cabinet'" in message
    assert ran["peak_mb"] < MEMORY_LIMIT_MB, ran["peak_mb"]
    # the rest of the return was merged as usual: its record is on the plan
    assert any(r.department == "Place" for r in cip_xl.load_plan(plan_path).returns_log)


@pytest.mark.parametrize("extent", ["recorded", "not recorded"])
def test_a_value_typed_far_right_of_a_return_is_named_where_it_was_typed(cycle, extent):
    plan_path, folder = cycle
    place = put(return_for(folder, "Place"), RETURN_SHEET, "XFD5", "see email of 3 Nov")
    if extent == "not recorded":
        without_extent(place)
    ran = run_measured(MERGE.format(plan=str(plan_path), ret=str(place), dry=True))
    found = {(sheet, cell): (code, message) for code, sheet, cell, message in ran["result"]}
    code, message = found[(RETURN_SHEET, "XFD5")]
    assert code == "return-outside-table" and "'see email of 3 Nov'" in message


def test_a_return_with_a_value_far_down_resaved_by_libreoffice_still_merges(cycle, tmp_path):
    plan_path, folder = cycle
    place = put(return_for(folder, "Place"), RETURN_SHEET, "C1048576", "typed at the foot")
    out = tmp_path / "lo"
    resaved = convert_with_libreoffice(place, "xlsx:Calc MS Excel 2007 XML", out)
    ran = run_measured(MERGE.format(plan=str(plan_path), ret=str(resaved), dry=True))
    cells = {(sheet, cell) for _, sheet, cell, _ in ran["result"]}
    assert (RETURN_SHEET, "C1048576") in cells
    assert ran["peak_mb"] < MEMORY_LIMIT_MB, ran["peak_mb"]


JOBS = """
import cip_xl
from cip_xl.plan_read import read_plan
from cip_xl.plan_write import save_plan
checked = cip_xl.validate({plan!r})
cip_xl.api.refresh_status({plan!r})
reading = read_plan({plan!r})
reading.plan.actions.reverse()  # the order changed: the whole sheet is written again
save_plan(reading.plan, {plan!r}, workbook=reading.workbook)
result = [[f.code, f.sheet, f.cell] for f in checked.findings]
"""


@pytest.mark.parametrize("sheet, cell", [("Plan", "C1048576"), ("Plan", "XFD5"),
                                         ("Audit", "B1048576"), ("Officers", "A1048576")])
def test_a_plan_with_a_value_far_off_is_checked_and_saved_keeping_it(example_path, sheet,
                                                                      cell):
    put(example_path, sheet, cell, "typed far off")
    ran = run_measured(JOBS.format(plan=str(example_path)))
    assert ran["peak_mb"] < MEMORY_LIMIT_MB, ran["peak_mb"]
    if (sheet, cell) == ("Plan", "C1048576"):  # on its own in a row: read as a heading
        assert ["heading-row", "Plan", cell] in ran["result"]
    saved = openpyxl.load_workbook(example_path)
    assert saved[sheet][cell].value == "typed far off"
    assert len(cip_xl.load_plan(example_path).actions) == 40


@pytest.mark.parametrize("sheet, cell", [("Plan", "C1048576"), ("Plan", "XFD5"),
                                         ("Plan", "D70000"), ("Audit", "B1048576"),
                                         ("Officers", "A1048576"), ("Themes", "A900000"),
                                         ("Settings", "B1048576")])
def test_the_fast_reader_reads_a_value_far_off_as_the_openpyxl_reader_does(example_path,
                                                                           sheet, cell):
    put(example_path, sheet, cell, "Customers and digital services"
        if sheet == "Themes" else "typed far off")
    readings = both_readings(example_path)
    assert readings is not None
    assert_same(*readings)


def test_cells_far_off_are_read_in_place_without_the_block_between(example_path):
    """The fast reader's sheet: values, formulas and error values far off where they
    were typed; the rows it lays out are the table's."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    ws["C1048576"] = "foot"
    ws["XFD5"] = 12.5
    ws["E1048570"] = "=1+1"
    ws["F1048575"] = "=NA()"
    ws["A1048000"] = datetime(2027, 3, 31)
    wb.save(example_path)
    forget()
    with FastWorkbook(example_path) as book:
        plan = book["Plan"]
        assert len(plan.raw_rows()) < 100  # the table's rows, not a million
        assert plan.max_row == 1048576
        assert plan.value(1048576, 3) == "foot"
        assert plan.value(5, 16384) == 12.5
        assert plan.value(1048570, 5) == "=1+1"
        assert plan.value(1048000, 1) == datetime(2027, 3, 31)
        assert plan.value(1048575, 6) == "=NA()"
        assert plan.value(1048571, 3) is None
        far = {number: cells for number, cells in typed_cells(plan, 1000)}
        assert sorted(far) == [1048000, 1048570, 1048575, 1048576]
        assert far[1048576] == [(3, "foot", False)]
        assert far[1048570] == [(5, "=1+1", True)]
        row_five = next(cells for number, cells in typed_cells(plan, 5))
        assert row_five[-1] == (16384, 12.5, False)
