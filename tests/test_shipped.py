"""workbook/ holds generated files; they must match what the code generates now,
survive a non-editable install, and open in LibreOffice."""
from __future__ import annotations

import csv
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl.resources import EXAMPLE_WORKBOOK, TEMPLATE_WORKBOOK, resource_folder

from .conftest import REPO, convert_with_libreoffice, run_cli


def _values(path: Path) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def _furniture(path: Path) -> dict:
    wb = openpyxl.load_workbook(path)
    return {ws.title: (ws.sheet_state, ws.freeze_panes,
                       sorted((dv.type, dv.formula1, str(dv.sqref))
                              for dv in ws.data_validations.dataValidation),
                       {k: d.width for k, d in ws.column_dimensions.items()})
            for ws in wb.worksheets} | {"names": {n: d.attr_text
                                                  for n, d in wb.defined_names.items()}}


@pytest.mark.parametrize("name", [TEMPLATE_WORKBOOK, EXAMPLE_WORKBOOK])
def test_shipped_workbooks_match_the_code(name, tmp_path):
    cip_xl.write_shipped_workbooks(tmp_path)
    shipped = REPO / "workbook" / name
    assert _values(shipped) == _values(tmp_path / name), \
        f"workbook/{name} is stale: run 'cip-xl make-resources'"
    assert _furniture(shipped) == _furniture(tmp_path / name)


def test_example_workbook_has_forty_actions_over_five_themes():
    plan = cip_xl.load_plan(REPO / "workbook" / EXAMPLE_WORKBOOK)
    assert len(plan.actions) == 40
    assert len({a.theme for a in plan.actions}) == 5
    assert len({o.directorate for o in plan.officers}) == 4


def test_demo_writes_its_outputs_and_says_where(tmp_path):
    result = run_cli("demo", "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    assert str(tmp_path / "out") in result.stdout
    assert (tmp_path / "out" / "example-plan.xlsx").exists()
    # the open data too, a row per action of the plan it judged
    with open(tmp_path / "out" / "open-data.csv", encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0][:3] == ["Ref", "Action ID", "Theme"] and len(rows) == 41
    assert "open-data.csv" in result.stdout
    again = run_cli("demo", "-o", str(tmp_path / "out"))  # a second run is fine too
    assert again.returncode == 0, again.stderr


@pytest.mark.slow
def test_non_editable_install_carries_its_resources(tmp_path):
    target = tmp_path / "site"
    build = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps",
                            "--quiet", "--target", str(target),
                            str(REPO)], capture_output=True, text=True, timeout=300)
    assert build.returncode == 0, build.stderr
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code = ("import cip_xl.resources as r, cip_xl, sys; "
            "print(r.resource('workbook', 'example-plan.xlsx')); "
            "print(cip_xl.__file__)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=elsewhere, env={"PYTHONPATH": str(target), "PATH": ""},
                         timeout=60)
    assert run.returncode == 0, run.stderr
    resource_path, package_path = run.stdout.split()
    assert resource_path.startswith(str(target)) and package_path.startswith(str(target))
    assert Path(resource_path).stat().st_size > 5000
    assert (target / "cip_xl" / "data" / "workbook" / TEMPLATE_WORKBOOK).exists()


@pytest.mark.libreoffice
@pytest.mark.parametrize("name", [TEMPLATE_WORKBOOK, EXAMPLE_WORKBOOK])
def test_libreoffice_converts_shipped_workbooks_to_pdf(name, tmp_path):
    pdf = convert_with_libreoffice(resource_folder("workbook") / name, "pdf", tmp_path)
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page") + \
        data.count(b"/Type/Page") >= 1


@pytest.mark.parametrize("name", ["committee-report.docx", "plan-appendix.docx"])
def test_shipped_templates_match_the_code(name, tmp_path):
    from cip_xl.report_templates import write_templates

    write_templates(tmp_path)

    def parts(path):
        import zipfile
        with zipfile.ZipFile(path) as archive:
            return {n: archive.read(n) for n in archive.namelist()
                    if n.startswith("word/") and n.endswith(".xml")}
    assert parts(REPO / "report_templates" / name) == parts(tmp_path / name), \
        f"report_templates/{name} is stale: run 'cip-xl make-resources'"


def test_help_walks_through_every_command_of_the_cycle():
    """`cip-xl --help` opens with the quarterly cycle, one line per command: a manager
    reading it meets every command there is (export was missing), each with its use."""
    from cip_xl.cli import cli

    shown = run_cli("--help")
    assert shown.returncode == 0, shown.stderr
    cycle = shown.stdout.split("Options:")[0]
    missing = [name for name, command in cli.commands.items() if name != "addin"
               and not command.hidden and f"cip-xl {name} " not in cycle]
    assert not missing, cycle
