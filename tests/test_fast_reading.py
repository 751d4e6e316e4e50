"""The fast reader (python-calamine plus an XML scan) reads every plan exactly as the
openpyxl reader does: the same actions, settings, logs and the same findings with the
same cells — on the hostile corpus, on odd cells, and on a plan LibreOffice re-saved."""
from __future__ import annotations

import dataclasses
from datetime import date, datetime

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl.example import example_plan
from cip_xl.filecheck import open_workbook
from cip_xl.findings import PlanFileError
from cip_xl.master_edits import saved_copy_path
from cip_xl.plan_read import read_plan

from .conftest import convert_with_libreoffice, run_cli
from .corpus import Context, cases


def both_readings(path):
    """(fast reading, openpyxl reading) of ``path``, or None if either refuses it."""
    try:
        fast = read_plan(path, read_only=True)
    except PlanFileError as fast_error:
        with pytest.raises(PlanFileError) as slow_error:
            read_plan(path, workbook=open_workbook(path))
        assert fast_error.finding.code == slow_error.value.finding.code
        return None
    return fast, read_plan(path, workbook=open_workbook(path))


def assert_same(fast, slow):
    key = lambda f: (f.code, f.severity, f.message, f.sheet, f.cell)  # noqa: E731
    assert [key(f) for f in fast.findings] == [key(f) for f in slow.findings]
    assert [dataclasses.asdict(a) for a in fast.plan.actions] == \
        [dataclasses.asdict(a) for a in slow.plan.actions]
    for part in ("settings", "officers", "themes", "review_log", "audit",
                 "change_requests", "returns_log", "extra_columns"):
        assert getattr(fast.plan, part) == getattr(slow.plan, part), part


@pytest.fixture(params=["one thread", "side by side"], autouse=True)
def sheet_loading(request, monkeypatch):
    """Every test here runs twice: with sheets parsed and scanned one after the other
    (as small sheets are) and side by side on two threads (as big sheets are)."""
    from cip_xl import fastbook

    if request.param == "side by side":
        monkeypatch.setattr(fastbook, "PARALLEL_FROM", 0)
    fastbook.forget()
    yield request.param
    fastbook.forget()


@pytest.fixture(scope="module")
def corpus_context(tmp_path_factory):
    base = tmp_path_factory.mktemp("fast")
    plan = base / "plan.xlsx"
    cip_xl.save_plan(example_plan(), plan)
    cip_xl.issue_returns(plan, base / "returns")
    return base


@pytest.mark.parametrize("case", [c for c in cases() if c.command == "validate"],
                         ids=lambda c: c.name)
def test_the_fast_reader_agrees_on_the_hostile_corpus(case, corpus_context, tmp_path):
    import shutil

    shutil.copytree(corpus_context, tmp_path / "work")
    folder = tmp_path / "work"
    made = case.make(Context(folder, folder / "plan.xlsx", folder / "returns"))
    if made.is_dir() or made.suffix.lower() not in (".xlsx", ".xlsm"):
        pytest.skip("not a workbook path")
    readings = both_readings(made)
    if readings:
        assert_same(*readings)


@pytest.fixture
def odd_plan(tmp_path):
    """The example plan with every kind of cell the fast reader must report like openpyxl."""
    path = tmp_path / "odd.xlsx"
    cip_xl.save_plan(example_plan(), path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Plan"]
    heads = {c.value: c.column for c in ws[1]}
    ws.cell(2, heads["Progress update"]).value = "=CONCAT(\"a\",\"<b>\")"
    ws.cell(3, heads["Key action"]).value = "#N/A"  # an error value
    ws.cell(4, heads["% complete"]).value = 0.45
    ws.cell(4, heads["% complete"]).number_format = "0%"
    ws.cell(5, heads["% complete"]).value = 0.5  # 0.5 per cent, not formatted as %
    ws.cell(6, heads["Target date"]).value = date(2027, 3, 31)
    ws.cell(7, heads["Ref"]).value = 3.1
    ws.cell(8, heads["Status"]).value = True
    ws.cell(9, heads["Progress update"]).value = "Text with ✔ & <angles> \"quotes\""
    ws.merge_cells(start_row=10, start_column=heads["Theme"], end_row=11,
                   end_column=heads["Theme"])
    # cells the fast reader takes straight from calamine's values only when they need
    # no second look: each of these needs one
    ws.cell(10, heads["Objective"]).value = date(2026, 5, 1)  # a date in a text column
    ws.cell(11, heads["Resource implications"]).value = 1500  # a number in a text column
    ws.cell(12, heads["Lead officer"]).value = "  CEX  "
    ws.cell(12, heads["Key action"]).value = "   "  # whitespace only
    ws.cell(13, heads["Objective"]).value = " #REF! "  # an error typed as text
    ws.cell(13, heads["Last updated"]).value = datetime(2026, 6, 1, 14, 30)
    ws.cell(14, heads["Last updated"]).value = "  last week "
    ws.cell(14, heads["% complete"]).value = date(2026, 1, 1)  # a date as % complete
    ws.cell(15, heads["% complete"]).value = 40  # a whole number
    ws.cell(15, heads["Directorate"]).value = "  Place "  # computed columns typed over
    ws.cell(15, heads["Next due (as read)"]).value = " soon "
    ws.cell(16, heads["Revised date"]).value = 46000  # a date serial without a format
    # "Mar 2027" typed in Excel: the 1st, shown as Mar-27 (built-in format 17)
    ws.cell(17, heads["Target date"]).value = datetime(2027, 3, 1)
    ws.cell(17, heads["Target date"]).number_format = "mmm-yy"
    ws.cell(18, heads["Target date"]).value = datetime(2027, 3, 15)  # a day: kept
    ws.cell(18, heads["Target date"]).number_format = "mmm-yy"
    ws.cell(19, heads["Revised date"]).value = datetime(2027, 6, 1)
    ws.cell(19, heads["Revised date"]).number_format = "mmmm yyyy"
    ws.cell(20, heads["Last updated"]).value = datetime(2026, 6, 1)  # not a target
    ws.cell(20, heads["Last updated"]).number_format = "mmm-yy"
    # "Mar 27" typed in Excel in 2026: 27 March 2026, shown as 27-Mar (built-in 16)
    ws.cell(21, heads["Target date"]).value = datetime(2026, 3, 27)
    ws.cell(21, heads["Target date"]).number_format = "d-mmm"
    ws.cell(22, heads["Target date"]).value = datetime(2026, 3, 31)  # "Mar 31": no 2031
    ws.cell(22, heads["Target date"]).number_format = "d-mmm"
    extra = ws.max_column + 1
    ws.cell(1, extra).value = "Council note"
    ws.cell(2, extra).value = "a note in a column of the council's own"
    ws.cell(3, extra).value = 12.5
    ws.cell(4, extra).value = "  "
    wb["Settings"]["B3"] = "=TODAY()"
    wb.save(path)
    return path


def test_the_fast_reader_reports_formulas_errors_percentages_and_merges(odd_plan):
    fast, slow = both_readings(odd_plan)
    assert_same(fast, slow)
    codes = {f.code for f in fast.findings}
    assert {"formula-in-cell", "excel-error", "merged-cells"} <= codes
    actions = {a.row: a for a in fast.plan.actions}
    assert actions[4].percent_complete == 45
    assert actions[5].percent_complete == 0.5
    assert actions[2].progress_update == '=CONCAT("a","<b>")'
    assert actions[9].progress_update == 'Text with ✔ & <angles> "quotes"'
    assert actions[17].target_date == "Mar 2027"
    assert actions[18].target_date == date(2027, 3, 15)
    assert actions[19].revised_date == "Jun 2027"
    assert actions[20].last_updated == date(2026, 6, 1)
    # each named, in the Target date (F) and Revised date (G) columns
    assert {f.cell for f in fast.findings if f.code == "date-as-month"} == {"F17", "G19"}
    assert actions[21].target_date == date(2026, 3, 27)  # kept, but questioned
    no_year = [f for f in fast.findings if f.code == "date-without-year"]
    assert [(f.cell, f.severity) for f in no_year] == [("F21", "warning"), ("F22", "warning")]
    assert "type 'Mar 2027'" in no_year[0].message
    assert "with its year" in no_year[1].message and "2031" not in no_year[1].message


def test_the_fast_reader_agrees_on_a_plan_libreoffice_resaved(odd_plan, tmp_path):
    resaved = convert_with_libreoffice(odd_plan, "xlsx", tmp_path / "lo")
    fast, slow = both_readings(resaved)
    assert_same(fast, slow)
    assert "formula-in-cell" in {f.code for f in fast.findings}
    # LibreOffice writes mmm-yy as a format of its own: still a month
    actions = {a.row: a for a in fast.plan.actions}
    assert (actions[17].target_date, actions[19].revised_date) == ("Mar 2027", "Jun 2027")
    assert "date-without-year" in {f.code for f in fast.findings}


def test_formula_text_is_unescaped_as_an_xml_parser_would():
    from cip_xl.fastbook import _unescape_many

    texts = [b'IF($J2="x","&#10006; Cancelled",$O2&lt;ReportDate)', b"A1&amp;&quot;&apos;",
             b"", b"plain"]
    assert _unescape_many(texts) == ['IF($J2="x","\u2716 Cancelled",$O2<ReportDate)',
                                     "A1&\"'", "", "plain"]
    # text that is not well formed (an undefined entity) is still read, item by item
    assert _unescape_many([b"&#9650; ok", b"&nbsp; odd"]) == ["\u25b2 ok", "&nbsp; odd"]


def test_formula_text_is_unescaped_only_when_asked_for(monkeypatch):
    """Knowing where formulas are costs nothing; the first cells asked for are unescaped
    one by one, then the rest in one go — with the same text either way."""
    from cip_xl import fastbook

    raw = {(row, 16): b'IF($J%d="x","&#10006; Cancelled",$O%d&lt;ReportDate)' % (row, row)
           for row in range(2, 202)}
    calls = []
    real = fastbook._unescape_many
    monkeypatch.setattr(fastbook, "_unescape_many", lambda texts: calls.append(
        len(texts)) or real(texts))
    formulas = fastbook.Formulas(raw)
    assert (2, 16) in formulas and (1, 16) not in formulas and len(formulas) == 200
    assert max(row for row, _ in formulas) == 201 and formulas.get((1, 16)) is None
    assert formulas.xml((5, 16)) == raw[(5, 16)]
    assert calls == []
    for row in range(2, 2 + fastbook.Formulas.ONE_BY_ONE):
        assert formulas[(row, 16)] == f'=IF($J{row}="x","\u2716 Cancelled",$O{row}<ReportDate)'
    assert calls == [1] * fastbook.Formulas.ONE_BY_ONE
    assert formulas[(150, 16)] == '=IF($J150="x","\u2716 Cancelled",$O150<ReportDate)'
    assert calls[-1] == 200 - fastbook.Formulas.ONE_BY_ONE  # the rest at once
    assert dict(formulas) == {place: "=" + text for place, text in zip(
        raw, real(list(raw.values())))}
    assert len(calls) == fastbook.Formulas.ONE_BY_ONE + 1


def test_reading_the_same_bytes_again_is_as_if_read_afresh(odd_plan, tmp_path):
    """validate, then status, read the same file twice; the second reading is a copy
    of the first. Whatever a job does to the plan it was given must not reach the next
    reading, and the same bytes at another path, or under another contract, are read
    for what they are there."""
    import shutil

    from cip_xl.findings import Finding
    from cip_xl.model import AuditEntry
    from cip_xl.schema import Contract

    first = read_plan(odd_plan, read_only=True)
    action = first.plan.actions[0]
    action.progress_update = "changed by the first job"
    action.extra["Council note"] = "changed too"
    first.plan.settings.extra["Added"] = "by the first job"
    first.plan.source.columns["ref"] = "ZZ"
    first.plan.officers[0].name = "Someone else"
    first.plan.audit.append(AuditEntry(datetime(2026, 1, 1), "me", action.action_id,
                                       action.ref, "Progress update", "", "x"))
    first.plan.actions.pop()
    first.findings.append(Finding("made-up", "error", "not in the file"))

    second = read_plan(odd_plan, read_only=True)
    assert_same(second, read_plan(odd_plan, workbook=open_workbook(odd_plan)))
    assert second.plan.source.columns["ref"] != "ZZ"
    third = read_plan(odd_plan, read_only=True)
    assert third.plan.actions[0] is not second.plan.actions[0]
    assert third.plan.actions[0].extra is not second.plan.actions[0].extra

    elsewhere = shutil.copy(odd_plan, tmp_path / "same-bytes.xlsx")
    moved = read_plan(elsewhere, read_only=True)
    assert moved.plan.source.file == str(elsewhere)
    assert {f.file for f in moved.findings} == {str(elsewhere)}

    with pytest.raises(PlanFileError) as refused:
        read_plan(odd_plan, Contract(plan_sheet="Actions"), read_only=True)
    assert refused.value.finding.code == "plan-sheet-renamed"  # its plan is on 'Plan'
    assert "not 'Actions'" in refused.value.finding.message


def test_a_row_without_an_action_id_gets_a_new_one_and_a_note(tmp_path):
    """An Action ID cleared in Excel (a copied row, say) is replaced on reading, with an
    INFO finding naming the row — by both readers — and kept from the next save on."""
    import re

    path = tmp_path / "plan.xlsx"
    cip_xl.save_plan(example_plan(), path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Plan"]
    heads = {c.value: c.column for c in ws[1]}
    ws.cell(5, heads["Action ID"]).value = None
    wb.save(path)
    # (with the copy of the last save there, the action keeps its old ID instead:
    # tests/test_master_edits.py)
    saved_copy_path(path).unlink()

    fast, slow = both_readings(path)
    for reading in (fast, slow):
        notes = [f for f in reading.findings if f.code == "action-id-new"]
        assert [(f.severity, f.ref) for f in notes] == [("info", ws.cell(5, 1).value)]
        action = next(a for a in reading.plan.actions if a.row == 5)
        assert re.fullmatch(r"A[0-9A-F]{8}", action.action_id)
        assert action.action_id in notes[0].message
    assert next(a for a in fast.plan.actions if a.row == 5).key_action == \
        ws.cell(5, heads["Key action"]).value
    # the ID a finding names is the one the next save writes, whichever run reads it
    given = next(a for a in fast.plan.actions if a.row == 5).action_id
    assert given == next(a for a in slow.plan.actions if a.row == 5).action_id
    told = run_cli("validate", str(path))
    assert f"it gets {given} when" in told.stdout, told.stdout

    assert run_cli("status", str(path)).returncode == 0
    assert CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Plan").to_python()[
        4][heads["Action ID"] - 1] == given
    again = read_plan(path, read_only=True)
    assert not [f for f in again.findings if f.code == "action-id-new"]
    assert len({a.action_id for a in again.plan.actions}) == len(again.plan.actions)


def test_action_ids_made_at_once_are_never_the_same(monkeypatch):
    """A plan imported or made with 10,000 actions gets 10,000 new IDs at once: drawn at
    random alone, about one such plan in eighty would hold two the same (an error in
    validate the manager did not cause). Each new ID is one not given before."""
    from cip_xl import model

    draws = iter(["0000000a", "0000000a", "0000000b", "0000000a", "0000000c"])
    monkeypatch.setattr(model, "_GIVEN", set())
    monkeypatch.setattr(model.secrets, "token_hex", lambda size: next(draws))
    assert [model.new_action_id() for _ in range(3)] == ["A0000000A", "A0000000B",
                                                         "A0000000C"]


def test_a_process_that_cannot_start_a_thread_still_reads_and_saves(odd_plan, monkeypatch):
    """Parsing beside the scan, and deflating in pieces, want threads; a process at its
    thread limit does the work in its own thread instead — never 'file damaged'."""
    import threading

    from cip_xl import fastbook, xlsx_patch

    expected = read_plan(odd_plan, read_only=True)
    fastbook.forget()

    def refuse(self):
        raise RuntimeError("can't start new thread")

    monkeypatch.setattr(threading.Thread, "start", refuse)
    monkeypatch.setattr(fastbook, "PARALLEL_FROM", 0)
    monkeypatch.setattr(xlsx_patch, "PARALLEL_FROM", 0)
    assert_same(read_plan(odd_plan, read_only=True), expected)
    result = cip_xl.refresh_status(odd_plan, as_of=date(2027, 1, 31))
    assert result.saved
    fastbook.forget()
    again = read_plan(odd_plan, read_only=True)
    assert again.plan.settings.reporting_date == date(2027, 1, 31)


def test_work_started_in_the_background_gives_its_result_or_its_error():
    from cip_xl.background import start

    assert start(sum, [1, 2, 3])() == 6
    failing = start(int, "not a number")
    with pytest.raises(ValueError):
        failing()
