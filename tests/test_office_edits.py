"""The plan edited in a real office suite, as a council edits it, then taken through the
cycle: LibreOffice inserts rows the way Excel does — moving names, validations, the
filter and formulas with them — which openpyxl's own row insertion does not."""
from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl import schema
from cip_xl.example import fill_in_return
from cip_xl.status import refresh

from .conftest import soffice

#: the Python with LibreOffice's UNO bridge (Debian's python3-uno), not the project's
UNO_PYTHON = "/usr/bin/python3"
EDIT = Path(__file__).with_name("office_edit.py")


def _bridge_missing() -> str | None:
    if soffice() is None:
        return "LibreOffice (soffice) is not installed; .ci/run installs it"
    try:
        found = subprocess.run([UNO_PYTHON, "-c", "import uno"], capture_output=True,
                               timeout=60).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        found = False
    return None if found else \
        "LibreOffice's Python bridge (Debian python3-uno) is not installed; .ci/run installs it"


_MISSING = _bridge_missing()
pytestmark = [pytest.mark.libreoffice,
              pytest.mark.skipif(_MISSING is not None, reason=str(_MISSING))]


def in_office(path: Path, steps: list, profile: Path) -> list | None:
    """Apply ``steps`` (see tests/office_edit.py) to ``path`` in LibreOffice; the
    values a ``values`` step printed, if any."""
    done = subprocess.run([UNO_PYTHON, str(EDIT), str(path), str(profile),
                           json.dumps(steps)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(done.stdout) if done.stdout.strip() else None


def test_rows_inserted_in_libreoffice_leave_every_note_and_name_in_place(example_path,
                                                                          tmp_path):
    """Rows inserted in the office suite — a blank row between themes on the Plan
    sheet, one between directorates on Officers, a note row in Settings — with the
    council's own notes beside actions and officers. Through status, issuing returns,
    a merge and LibreOffice recalculating: every note stays beside its action or
    officer, and every traffic light LibreOffice works out is cip-xl's own."""
    wb = openpyxl.load_workbook(example_path)
    plan_ws, officers = wb["Plan"], wb["Officers"]
    note = plan_ws.max_column + 2
    for row in range(2, plan_ws.max_row + 1):
        plan_ws.cell(row, note).value = f"note on {plan_ws.cell(row, 1).value}"
    for row in range(2, officers.max_row + 1):
        officers.cell(row, 7).value = f"phone of {officers.cell(row, 1).value}"
    wb.save(example_path)
    profile = tmp_path / "profile"
    in_office(example_path, [["insert", "Plan", 10], ["insert", "Officers", 4],
                             ["insert", "Settings", 3],
                             ["text", "Settings", "A3", "Note"],
                             ["text", "Settings", "B3", "Agreed by the Executive"],
                             ["save"]], profile)

    cip_xl.refresh_status(example_path, as_of=date(2026, 12, 31))
    issued = cip_xl.issue_returns(example_path, tmp_path / "returns",
                                  when=datetime(2026, 12, 1, 9))
    place = next(item.path for item in issued if item.department == "Place")
    assert fill_in_return(place) > 0
    assert cip_xl.merge(example_path, [place]).saved

    book = CalamineWorkbook.from_path(str(example_path))
    rows = book.get_sheet_by_name("Plan").to_python()
    assert not any(str(v).strip() for v in rows[9])  # the blank row, still blank
    assert all(r[note - 1] == f"note on {r[0]}" for r in rows[1:] if r[0])
    people = book.get_sheet_by_name("Officers").to_python()
    assert not any(str(v).strip() for v in people[3])
    assert all(r[6] == f"phone of {r[0]}" for r in people[1:] if r[0])

    wb = openpyxl.load_workbook(example_path)
    labels = dict(schema.SETTINGS_ROWS)
    for key, name in schema.SETTING_NAMES.items():  # each name on its own setting
        sheet, cell = wb.defined_names[name].attr_text.replace("$", "").split("!")
        assert wb[sheet.strip("'")][cell].offset(0, -1).value == labels[key], name

    shutil.copy(example_path, tmp_path / "again.xlsx")
    worked_out = in_office(tmp_path / "again.xlsx", [["values", "Plan"]], profile)
    plan = cip_xl.load_plan(example_path)
    judged = refresh(plan)
    rag = worked_out[0].index("RAG")
    ident = worked_out[0].index("Action ID")
    assert {r[ident]: r[rag] for r in worked_out[1:] if r[ident]} == \
        {a.action_id: judged[a.action_id].label for a in plan.actions}
