"""Hostile and broken input: one clear message naming the place, a non-zero exit, and a
master that is byte-for-byte untouched (or, for refused cells, unchanged in its data)."""
from __future__ import annotations

import shutil
import zipfile

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import cip_xl
from cip_xl.example import example_plan
from cip_xl.findings import PlanFileError

from .conftest import run_cli
from .corpus import Context, cases
from .returns_helpers import edit_return

CASES = cases()


def test_the_corpus_has_at_least_forty_inputs():
    assert len(CASES) >= 40
    assert len({c.name for c in CASES}) == len(CASES)


@pytest.fixture(scope="module")
def clean_cycle(tmp_path_factory):
    base = tmp_path_factory.mktemp("clean")
    plan = base / "plan.xlsx"
    cip_xl.save_plan(example_plan(), plan)
    cip_xl.issue_returns(plan, base / "returns")
    return base


@pytest.fixture
def context(clean_cycle, tmp_path):
    shutil.copytree(clean_cycle, tmp_path / "work")
    folder = tmp_path / "work"
    return Context(folder, folder / "plan.xlsx", folder / "returns")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(case, context):
    made = case.make(context)
    before = context.plan.read_bytes()
    actions_before = cip_xl.load_plan(context.plan).actions
    if case.command == "validate":
        result = run_cli("validate", str(made))
    elif case.command == "merge":
        result = run_cli("merge", str(context.plan), str(made))
    elif case.command == "import":
        out = context.folder / "imported.xlsx"
        result = run_cli("import", str(made), "-o", str(out))
        assert not out.exists()
    else:
        raise AssertionError(case.command)
    output = result.stdout + result.stderr
    assert result.returncode == case.exit_code, output
    assert "Traceback" not in output
    assert f"[{case.code}]" in output, output
    lines = [line for line in output.splitlines() if f"[{case.code}]" in line]
    assert any(made.name in line or case.code.startswith(("plan-", "return-other", "file-"))
               for line in lines), lines
    if case.where:
        assert any(case.where in line for line in lines), lines
    if case.exit_code == 2:
        assert len([l for l in result.stderr.splitlines() if l.strip()]) == 1
    if case.command != "validate":
        if case.master_bytes_kept:
            assert context.plan.read_bytes() == before
        else:  # the return was received, but nothing it held was taken in
            assert cip_xl.load_plan(context.plan).actions == actions_before


def test_emoji_and_right_to_left_text_survive_a_merge(context):
    text = "مرحبا بالعالم — 😀 done ✔ «quoted» \u202eRTL override\u202c"
    place = context.place_return()
    edit_return(place, {("5.1", "Progress update"): text})
    assert cip_xl.merge(context.plan, [place]).saved
    action = next(a for a in cip_xl.load_plan(context.plan).actions if a.ref == "5.1")
    assert action.progress_update == text


def test_formulas_typed_into_text_cells_stay_text(context):
    place = context.place_return()
    edit_return(place, {("5.1", "Progress update"): '=HYPERLINK("http://x","y")',
                        ("5.2", "Progress update"): "+44 1632 960451",
                        ("5.3", "Progress update"): "@everyone see notes"})
    result = cip_xl.merge(context.plan, [place])
    assert sum(f.code == "formula-stored-as-text" for f in result.findings) == 3
    ws = openpyxl.load_workbook(context.plan)["Plan"]
    typed = [c for row in ws.iter_rows(min_row=2) for c in row
             if isinstance(c.value, str) and c.value[:1] in "=+@"
             and ("HYPERLINK" in c.value or "1632" in c.value or "everyone" in c.value)]
    assert len(typed) == 3 and all(c.data_type == "s" for c in typed)


def test_macros_in_an_xlsm_are_kept_and_never_run(tmp_path):
    xlwings = pytest.importorskip("xlwings")
    from pathlib import Path

    from cip_xl.plan_write import write_into
    from cip_xl.schema import DEFAULT_CONTRACT

    source = Path(xlwings.__file__).parent / "quickstart.xlsm"
    wb = openpyxl.load_workbook(source, keep_vba=True)
    for name in list(wb.sheetnames):
        del wb[name]
    write_into(wb, example_plan(), DEFAULT_CONTRACT)
    plan = tmp_path / "plan.xlsm"
    wb.save(plan)
    with zipfile.ZipFile(plan) as archive:
        vba = archive.read("xl/vbaProject.bin")
    assert run_cli("validate", str(plan)).returncode == 0
    assert run_cli("status", str(plan)).returncode == 0
    with zipfile.ZipFile(plan) as archive:
        assert archive.read("xl/vbaProject.bin") == vba  # kept exactly, never touched


def test_department_names_with_separators_and_reserved_names_are_safe(tmp_path):
    plan = example_plan()
    names = {"Place": "Planning/Building Control: North", "Resources": "CON",
             "People & Communities": "..\\..\\evil"}
    for officer in plan.officers:
        officer.directorate = names.get(officer.directorate, officer.directorate)
    path = tmp_path / "plan.xlsx"
    cip_xl.save_plan(plan, path)
    issued = cip_xl.issue_returns(path, tmp_path / "returns")
    for item in issued:
        assert item.path.parent == tmp_path / "returns"
        assert not set(item.path.name) & set('\\/:*?"<>|')
        assert item.path.stem.split("_")[0].upper() not in ("CON", "..")


FUZZ_BASE = {}


def _fuzz_base(tmp_path_factory):
    if not FUZZ_BASE:
        base = tmp_path_factory.mktemp("fuzz")
        plan = base / "plan.xlsx"
        cip_xl.save_plan(example_plan(), plan)
        issued = cip_xl.issue_returns(plan, base / "returns")
        FUZZ_BASE.update(plan=plan.read_bytes(), ret=issued[0].path.read_bytes(), base=base)
    return FUZZ_BASE


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_files_never_escape_as_anything_but_a_finding(tmp_path_factory, data):
    """Flip, cut and splice bytes of a real plan and return: readers either read them or
    raise PlanFileError — never another exception."""
    from cip_xl.importers import import_plan
    from cip_xl.plan_read import read_plan
    from cip_xl.return_read import read_return
    from cip_xl.schema import DEFAULT_CONTRACT

    base = _fuzz_base(tmp_path_factory)
    which = data.draw(st.sampled_from(["plan", "ret"]))
    blob = bytearray(base[which])
    for _ in range(data.draw(st.integers(1, 6))):
        position = data.draw(st.integers(0, len(blob) - 1))
        blob[position] = data.draw(st.integers(0, 255))
    if data.draw(st.booleans()):
        blob = blob[:data.draw(st.integers(0, len(blob)))]
    path = base["base"] / f"fuzzed-{which}.xlsx"
    path.write_bytes(bytes(blob))
    for reader in (lambda: read_plan(path, DEFAULT_CONTRACT),
                   lambda: read_return(path, DEFAULT_CONTRACT),
                   lambda: import_plan(path)):
        try:
            reader()
        except PlanFileError as exc:
            assert exc.finding.message and exc.finding.code
