"""The whole cycle with text people really type: formulas-that-are-not, tabs, line
breaks, commas in names, emoji, Word-ish quotes, template syntax, very long cells.

Every command must finish (or refuse with a finding) and keep the text as typed. Each
case here once stopped a command with an internal error or lost text.
"""
from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl.example import example_plan
from cip_xl.plan_write import save_plan

AWKWARD = [
    "=1+1", "+44 1234 567890", "-10% on budget", "@home", "Line one\nLine two",
    "Tab\there", "Smith, John", "Emoji 🚀 launched", "“Smart” quotes – and dashes",
    "<b>&amp;</b> & <script>", "{{ jinja }} {% if %}", "%s %d {0}", "日本語のテキスト",
    "x" * 3000, "#N/A", "TRUE", "0", "1e10", "C:\\share\\file.docx", "Ünïcödé ß",
    "Pasted from Word\x0bwith a line break", "Page\x0cbreak", "not an escape: _x0041_",
]
TEXT_FIELDS = ("key_action", "objective", "progress_update", "target_outcomes", "resources")


#: the cases that once broke a command, always run: a tab in a key action (the report's
#: completeness check), a comma in an officer's name (two email recipients) and a plan
#: title longer than Word keeps for a document title
KNOWN = ["Tab\there", "Smith, John", "Line one\nLine two", "=1+1", "x" * 3000, "@home",
         "-10% on budget", "{{ jinja }} {% if %}", "=1+1", "Smith, John", "=1+1", "x" * 3000]


#: control characters pasted from Word (kept as Excel keeps them: _x000B_), and text
#: that only looks like such an escape
PASTED = ["Pasted from Word\x0bwith a line break", "Page\x0cbreak",
          "not an escape: _x0041_", "Smith, John", "Pasted from Word\x0bwith a line break", "Page\x0cbreak",
          "not an escape: _x0041_", "Tab\there", "Page\x0cbreak", "Smith, John",
          "Pasted from Word\x0bwith a line break", "Plan title\x0bon two lines"]


@example(choices=KNOWN, fields=["key_action"] * 8)
@example(choices=PASTED, fields=list(TEXT_FIELDS) + ["progress_update"] * 3)
@settings(max_examples=12, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(choices=st.lists(st.sampled_from(AWKWARD), min_size=12, max_size=12),
       fields=st.lists(st.sampled_from(TEXT_FIELDS), min_size=8, max_size=8))
def test_every_command_keeps_awkward_text(choices, fields):
    plan = example_plan()
    typed = {}
    for index, (text, field) in enumerate(zip(choices, fields)):
        action = plan.actions[index * 4 % len(plan.actions)]
        setattr(action, field, text)
        typed[(action.action_id, field)] = text
    plan.themes[0].name, old_theme = choices[8], plan.themes[0].name
    for action in plan.actions:
        if action.theme == old_theme:
            action.theme = choices[8]
    plan.officers[0].name = choices[9]
    plan.officers[1].directorate = choices[10] or "Place"
    plan.settings.plan_title = choices[11]

    with tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        path = work / "plan.xlsx"
        save_plan(plan, path)
        cip_xl.validate(path)
        cip_xl.refresh_status(path)
        issued = cip_xl.issue_returns(path, work / "returns")
        cip_xl.merge(path, [item.path for item in issued])
        cip_xl.api.report(path, work / "report.docx")
        cip_xl.api.remind(path, work / "reminders")

        back = {a.action_id: a for a in cip_xl.load_plan(path).actions}
        for (action_id, field), text in typed.items():
            assert getattr(back[action_id], field) == text.strip(), (field, text[:40])
        # an independent reader finds each typed text, as text, in its return
        shown = {}
        for item in issued:
            rows = CalamineWorkbook.from_path(str(item.path)).get_sheet_by_name(
                "Return").to_python()
            assert len(rows) - 1 == item.actions
            header = [str(h).rstrip(" ✎") for h in rows[0]]
            for row in rows[1:]:
                shown[row[header.index("Action ID")]] = dict(zip(header, row))
        headers = {"key_action": "Key action", "objective": "Objective",
                   "progress_update": "Progress update", "target_outcomes": "Target / outcomes"}
        for (action_id, field), text in typed.items():
            if field in headers:
                assert shown[action_id][headers[field]] == text.strip(), (field, text[:40])


#: characters that meet Excel's escapes: underscores, the letters and digits of
#: "_x000B_", control characters, a carriage return, a non-character
_ESCAPE_PARTS = st.lists(st.sampled_from(list("_xX005FBb1 é") + [
    "_x000B_", "_x005F_", "\x0b", "\x07", "\x00", "\r", "\n", "\ufffe"]),
    max_size=10).map("".join)


@settings(max_examples=80, deadline=None)
@given(text=st.one_of(_ESCAPE_PARTS, st.text(max_size=16)))
def test_any_text_reads_back_as_written(text):
    """Whatever text a cell is given — control characters, text that looks like Excel's
    ``_xHHHH_`` escapes, both at once — every writer's cell reads back, in
    python-calamine and in openpyxl through cip-xl's reading of escapes, as that text
    (what no workbook keeps as U+FFFD)."""
    import io
    import zipfile
    from xml.etree import ElementTree

    import openpyxl

    from cip_xl.cells import kept_text, read_workbook_text
    from cip_xl.plan_write import set_text
    from cip_xl.xlsx_patch import cell_xml

    expected = kept_text(text) or None
    wb = openpyxl.Workbook()
    set_text(wb.active["A1"], text)  # the full save's writer
    buffer = io.BytesIO()
    wb.save(buffer)
    data = buffer.getvalue()
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(
        "Sheet").to_python()
    assert ((rows[0][0] if rows and rows[0] else "") or None) == expected
    again = openpyxl.load_workbook(io.BytesIO(data)).active["A1"].value
    assert (read_workbook_text(again) if again else None) == expected

    if expected:  # the patched save's writer, in the same package
        with zipfile.ZipFile(io.BytesIO(data)) as src:
            sheet = src.read("xl/worksheets/sheet1.xml")
        cell = cell_xml(b"A1", text, None)
        ElementTree.fromstring(cell)  # well-formed
        start = sheet.index(b'<c r="A1"')
        end = sheet.index(b"</c>", start) + len(b"</c>")
        patched = io.BytesIO()
        with zipfile.ZipFile(io.BytesIO(data)) as src, \
                zipfile.ZipFile(patched, "w") as dst:
            for item in src.infolist():
                part = src.read(item.filename)
                if item.filename == "xl/worksheets/sheet1.xml":
                    part = sheet[:start] + cell + sheet[end:]
                dst.writestr(item, part)
        value = CalamineWorkbook.from_filelike(io.BytesIO(patched.getvalue())) \
            .get_sheet_by_name("Sheet").to_python()
        assert value[0][0] == expected
