"""`cip-xl export`: the plan's actions as open data (CSV, JSON) for a portal or dashboard."""
from __future__ import annotations

import csv
import json
from datetime import date

import openpyxl
from python_calamine import CalamineWorkbook

from .conftest import convert_with_libreoffice, run_cli

HEADERS = ["Ref", "Action ID", "Theme", "Objective", "Key action", "Lead officer",
           "Directorate", "Target date", "Revised date", "Due date", "Status",
           "Status reason", "% complete", "Progress update", "Last updated", "As at"]


def _sheet(path, name):
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
    return [dict(zip(rows[0], row)) for row in rows[1:] if any(row)]


def _csv(path):
    with open(path, encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))


def test_the_plan_as_open_data_agrees_with_the_plan(example_path, tmp_path):
    """One row per action beside the plan, named for it: the status each has in the
    plan after `status` (read back with calamine), its lead officers by job title from
    the Officers sheet, days as ISO dates — and no officer's name or email."""
    judged = run_cli("status", str(example_path), "--as-of", "30/09/2026")
    assert judged.returncode == 0, judged.stderr
    made = run_cli("export", str(example_path), "--as-of", "30/09/2026")
    assert made.returncode == 0, made.stderr
    out = example_path.with_name("plan-open-data.csv")
    assert f"Wrote {out}" in made.stdout and "statuses as at 30/09/2026" in made.stdout
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    rows = _csv(out)
    assert rows[0] == HEADERS
    published = {row[0]: dict(zip(HEADERS, row)) for row in rows[1:]}
    plan_rows = _sheet(example_path, "Plan")
    officers = {o["Code"]: o for o in _sheet(example_path, "Officers")}
    assert set(published) == {r["Ref"] for r in plan_rows} and len(rows) - 1 == len(plan_rows)
    for row in plan_rows:
        mine = published[row["Ref"]]
        assert mine["Status"] in row["RAG"] and mine["Status"], row["Ref"]
        assert mine["Key action"] == row["Key action"]
        assert mine["Lead officer"] == officers[row["Lead officer"]]["Title"]
        assert mine["As at"] == "2026-09-30"
        if isinstance(row["Target date"], date):
            assert mine["Target date"] == row["Target date"].isoformat()
    text = out.read_text(encoding="utf-8-sig")
    for officer in officers.values():
        assert officer["Name"] not in text and (not officer["Email"] or
                                                officer["Email"] not in text)


def test_formula_like_text_cannot_run_in_a_spreadsheet(example_path, tmp_path):
    """A progress update beginning '=' (pasted from somewhere, or malicious) would run
    as a formula when the CSV is opened (LibreOffice does run '=1+1' in a CSV): it
    starts with an apostrophe, and LibreOffice opening the CSV gets text, with the
    pound sign and dash whole. JSON keeps it as typed."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    head = [c.value for c in ws[1]]
    ws.cell(2, head.index("Progress update") + 1).value = \
        '=HYPERLINK("http://evil.example","Click") – £1.2m'
    ws.cell(3, head.index("Progress update") + 1).value = "£1.2m saved – on track"
    wb.save(example_path)
    made = run_cli("export", str(example_path), "-o", str(tmp_path / "open.csv"))
    assert made.returncode == 0, made.stderr
    rows = _csv(tmp_path / "open.csv")
    column = HEADERS.index("Progress update")
    assert rows[1][column] == "'=HYPERLINK(\"http://evil.example\",\"Click\") – £1.2m"
    assert rows[2][column] == "£1.2m saved – on track"
    # opened as its Text Import dialog offers a file marked UTF-8 (headless, LibreOffice
    # takes the system's Western European without being told; Excel reads the mark)
    converted = convert_with_libreoffice(tmp_path / "open.csv", "xlsx", tmp_path / "lo",
                                         infilter="CSV:44,34,76,1")
    sheet = openpyxl.load_workbook(converted).active
    cell = sheet.cell(2, column + 1)
    assert cell.data_type != "f" and "HYPERLINK" in str(cell.value)
    assert sheet.cell(3, column + 1).value == "£1.2m saved – on track"
    made = run_cli("export", str(example_path), "-o", str(tmp_path / "open.json"))
    assert made.returncode == 0, made.stderr
    document = json.loads((tmp_path / "open.json").read_text(encoding="utf-8"))
    assert document["actions"][0]["progress_update"].startswith("=HYPERLINK")


def test_json_gives_numbers_as_numbers_and_says_what_it_is_of(example_path, tmp_path):
    """The JSON names the plan, council and date judged as at; % complete is a number;
    every action is there with every column."""
    out = tmp_path / "open.json"
    made = run_cli("export", str(example_path), "-o", str(out), "--as-of", "31/12/2026")
    assert made.returncode == 0, made.stderr
    document = json.loads(out.read_text(encoding="utf-8"))
    plan_rows = _sheet(example_path, "Plan")
    settings = {r[0]: r[1] for r in CalamineWorkbook.from_path(str(example_path))
                .get_sheet_by_name("Settings").to_python() if r}
    assert document["plan"] == settings["Plan title"] and document["as_at"] == "2026-12-31"
    assert len(document["actions"]) == len(plan_rows)
    assert list(document["columns"].values()) == HEADERS
    by_ref = {a["ref"]: a for a in document["actions"]}
    for row in plan_rows:
        if isinstance(row["% complete"], float):
            assert by_ref[row["Ref"]]["percent_complete"] == row["% complete"]
            assert isinstance(by_ref[row["Ref"]]["percent_complete"], (int, float))


def test_one_theme_alone_is_named_for_it(example_path):
    """`--theme places`: that theme's actions alone, in a file named for it."""
    made = run_cli("export", str(example_path), "--theme", "places")
    assert made.returncode == 0, made.stderr
    out = example_path.with_name("plan-open-data-Places_and_communities.csv")
    rows = _csv(out)
    themes = {row[HEADERS.index("Theme")] for row in rows[1:]}
    assert themes == {"Places and communities"} and "(8 actions" in made.stdout


def test_an_output_of_another_kind_is_refused_and_nothing_written(example_path, tmp_path):
    made = run_cli("export", str(example_path), "-o", str(tmp_path / "open.docx"))
    assert made.returncode != 0
    assert "open.docx" in made.stderr and ".csv, .json or .xlsx" in made.stderr
    assert not (tmp_path / "open.docx").exists()
    assert "Traceback" not in made.stderr


def test_the_councils_own_columns_named_are_added(example_path, tmp_path):
    """A council's own "Ward" and "Budget" columns on the Plan sheet are left out
    unless named (they may hold what is not for publishing); named with --column (any
    case, twice over), each follows the plan's columns, a number kept a number in
    JSON. A column the plan has not is refused, naming those that can be added; one
    published already is said to be."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    last = ws.max_column
    ws.cell(1, last + 1, "Ward")
    ws.cell(1, last + 2, "Budget")
    ws.cell(2, last + 1, "Central")
    ws.cell(2, last + 2, 15000)
    wb.save(example_path)
    plain = run_cli("export", str(example_path), "-o", str(tmp_path / "plain.csv"))
    assert plain.returncode == 0, plain.stderr
    assert _csv(tmp_path / "plain.csv")[0] == HEADERS
    made = run_cli("export", str(example_path), "-o", str(tmp_path / "own.json"),
                   "--column", "budget", "--column", "Ward", "--column", "ward")
    assert made.returncode == 0, made.stderr
    document = json.loads((tmp_path / "own.json").read_text(encoding="utf-8"))
    assert list(document["columns"])[-2:] == ["Budget", "Ward"]
    first = document["actions"][0]
    assert (first["Budget"], first["Ward"]) == (15000, "Central")
    assert document["actions"][1]["Ward"] == ""
    made = run_cli("export", str(example_path), "-o", str(tmp_path / "own.csv"),
                   "--column", "Ward")
    assert _csv(tmp_path / "own.csv")[0] == HEADERS + ["Ward"]
    refused = run_cli("export", str(example_path), "-o", str(tmp_path / "no.csv"),
                      "--column", "Portfolio")
    assert refused.returncode != 0 and not (tmp_path / "no.csv").exists()
    assert "no column 'Portfolio' to add" in refused.stderr
    assert "'Target / outcomes', 'Resource implications', 'Ward', 'Budget'" in \
        refused.stderr
    for name in ("status", "RAG"):
        refused = run_cli("export", str(example_path), "-o", str(tmp_path / "no.csv"),
                          "--column", name)
        assert refused.returncode != 0 and f"'{name}' is published already" in \
            refused.stderr


def test_the_plans_outcomes_are_added_by_name(example_path, tmp_path):
    """Target / outcomes is not published unless named — by its header or another name
    ('outcomes') — and then given as the plan has it."""
    made = run_cli("export", str(example_path), "-o", str(tmp_path / "o.csv"),
                   "--column", "outcomes")
    assert made.returncode == 0, made.stderr
    rows = _csv(tmp_path / "o.csv")
    assert rows[0] == HEADERS + ["Target / outcomes"]
    plan_rows = _sheet(example_path, "Plan")
    assert [r[-1] for r in rows[1:]] == [r["Target / outcomes"] or "" for r in plan_rows]
    assert any(r[-1] for r in rows[1:])


def test_a_workbook_keeps_refs_as_text_and_days_as_dates(example_path, tmp_path):
    """Excel opening the CSV reads a Ref such as 1.10 as the number 1.1 (LibreOffice
    does too: seen), so a council whose themes run past nine actions has refs it cannot
    tell apart. The .xlsx keeps them text, days as dates, text beginning '=' as text;
    its header row is a Table's, and LibreOffice opens it."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    head = [c.value for c in ws[1]]
    ws.cell(2, head.index("Ref") + 1).value = "1.10"
    ws.cell(2, head.index("Progress update") + 1).value = "=1+1 is two"
    wb.save(example_path)
    out = tmp_path / "open.xlsx"
    made = run_cli("export", str(example_path), "-o", str(out), "--as-of", "30/09/2026")
    assert made.returncode == 0, made.stderr
    rows = CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Actions").to_python()
    assert rows[0] == HEADERS
    first = dict(zip(HEADERS, rows[1]))
    assert first["Ref"] == "1.10" and first["Progress update"] == "=1+1 is two"
    assert first["As at"] == date(2026, 9, 30) and isinstance(first["Due date"], date)
    assert len(rows) - 1 == len(_sheet(example_path, "Plan"))
    sheet = openpyxl.load_workbook(out)["Actions"]
    assert list(sheet.tables) == ["Actions"] and sheet.freeze_panes == "A2"
    # the theme's name is not cut off at the column's edge when printed
    assert sheet.column_dimensions["C"].width >= len("Managing our finances")
    converted = convert_with_libreoffice(out, "csv", tmp_path / "lo")
    assert "1.10" in converted.read_text(encoding="utf-8", errors="replace")


def test_names_are_published_only_when_asked_for(example_path, tmp_path):
    """--with-names adds a Lead officer name column after Lead officer, each action's
    leads' names from the Officers sheet in the order of their titles; emails never."""
    out = tmp_path / "named.csv"
    made = run_cli("export", str(example_path), "-o", str(out), "--with-names")
    assert made.returncode == 0, made.stderr
    rows = _csv(out)
    lead = HEADERS.index("Lead officer") + 1
    assert rows[0] == HEADERS[:lead] + ["Lead officer name"] + HEADERS[lead:]
    published = {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    officers = {o["Code"]: o for o in _sheet(example_path, "Officers")}
    for row in _sheet(example_path, "Plan"):
        officer = officers[row["Lead officer"]]
        mine = published[row["Ref"]]
        assert (mine["Lead officer"], mine["Lead officer name"]) == \
            (officer["Title"], officer["Name"]), row["Ref"]
    text = out.read_text(encoding="utf-8-sig")
    assert not any(o["Email"] and o["Email"] in text for o in officers.values())
    # in the workbook, neither the names' heading nor a job title is cut off
    made = run_cli("export", str(example_path), "-o", str(tmp_path / "named.xlsx"),
                   "--with-names")
    assert made.returncode == 0, made.stderr
    sheet = openpyxl.load_workbook(tmp_path / "named.xlsx")["Actions"]
    widths = {c.value: sheet.column_dimensions[c.column_letter].width for c in sheet[1]}
    assert widths["Lead officer name"] >= 1.3 * len("Lead officer name")  # bold
    assert widths["Lead officer"] >= max(len(o["Title"] or "") for o in officers.values())


def test_an_own_column_headed_like_a_published_one_is_told_apart(example_path, tmp_path):
    """A council's own "As at" column, asked for, is published as "As at (Plan sheet)"
    beside the export's own As at, in the CSV and the JSON alike."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    ws.cell(1, ws.max_column + 1, "As at")
    ws.cell(2, ws.max_column, "Q2 figures")
    wb.save(example_path)
    made = run_cli("export", str(example_path), "-o", str(tmp_path / "o.csv"),
                   "--column", "as at", "--as-of", "30/09/2026")
    assert made.returncode == 0, made.stderr
    rows = _csv(tmp_path / "o.csv")
    assert rows[0] == HEADERS + ["As at (Plan sheet)"]
    first = dict(zip(rows[0], rows[1]))
    assert (first["As at"], first["As at (Plan sheet)"]) == ("2026-09-30", "Q2 figures")
    run_cli("export", str(example_path), "-o", str(tmp_path / "o.json"), "--column", "As at")
    document = json.loads((tmp_path / "o.json").read_text(encoding="utf-8"))
    assert document["actions"][0]["As at (Plan sheet)"] == "Q2 figures"


def test_action_ids_not_saved_yet_are_warned_of_and_kept_by_the_next_save(
        example_path, tmp_path):
    """Two actions typed into the master in Excel have no Action ID until cip-xl saves
    the plan: the export warns that the IDs it publishes for them are not the plan's
    yet, naming their refs; they are the ones `status` then saves (a dashboard
    following them sees the same actions), and an export after that warns of nothing."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    head = [c.value for c in ws[1]]
    for ref, words in (("5.9", "Open the new library"), ("5.10", "Resurface the car park")):
        row = ws.max_row + 1
        for header, value in (("Ref", ref), ("Theme", "Places and communities"),
                              ("Key action", words), ("Lead officer", "HF"),
                              ("Target date", "Mar 2027")):
            ws.cell(row, head.index(header) + 1).value = value
    wb.save(example_path)
    made = run_cli("export", str(example_path), "-o", str(tmp_path / "before.csv"))
    assert made.returncode == 0, made.stderr
    assert "[export-ids-not-saved]" in made.stdout
    assert "2 actions have no Action ID in the plan (5.9, 5.10)" in made.stdout
    part = run_cli("export", str(example_path), "-o", str(tmp_path / "part.csv"),
                   "--theme", "managing")
    assert part.returncode == 0 and "export-ids-not-saved" not in part.stdout
    saved = run_cli("status", str(example_path))
    assert saved.returncode == 0, saved.stderr
    again = run_cli("export", str(example_path), "-o", str(tmp_path / "after.csv"))
    assert again.returncode == 0 and "export-ids-not-saved" not in again.stdout
    before, after = _csv(tmp_path / "before.csv"), _csv(tmp_path / "after.csv")
    assert [r[:2] for r in before] == [r[:2] for r in after]
    ids = {r["Ref"]: r["Action ID"] for r in _sheet(example_path, "Plan")}
    assert all(ids[row[0]] == row[1] for row in before[1:]) and ids["5.10"]


def test_the_plan_itself_is_never_written_over(example_path):
    """`export plan.xlsx -o plan.xlsx` (a slip of the keyboard: the .xlsx is a format
    export writes) is refused before anything is read: the master stays the master."""
    before = example_path.read_bytes()
    made = run_cli("export", str(example_path), "-o", str(example_path))
    assert made.returncode != 0 and "Traceback" not in made.stderr
    assert "[output-is-input]" in made.stderr and "the plan itself" in made.stderr
    assert example_path.read_bytes() == before


def test_another_plan_is_never_written_over(example_path, tmp_path):
    """A workbook that is a plan kept with cip-xl (last year's, say) is not replaced by
    the open data or the changes workbook, which would lose it with no backup."""
    last_year = tmp_path / "plan-2025.xlsx"
    last_year.write_bytes(example_path.read_bytes())
    before = last_year.read_bytes()
    made = run_cli("export", str(example_path), "-o", str(last_year))
    assert made.returncode != 0 and "[output-is-plan]" in made.stderr
    assert "plan-2025.xlsx is a plan kept with cip-xl" in made.stderr
    assert "say plan-open-data.xlsx" in made.stderr
    changed = run_cli("changes", str(example_path), "--since", "last", "--xlsx",
                      str(last_year))
    assert changed.returncode != 0 and "[output-is-plan]" in changed.stderr
    assert last_year.read_bytes() == before
    other = tmp_path / "other.xlsx"  # a workbook of the council's own is theirs to replace
    openpyxl.Workbook().save(other)
    made = run_cli("export", str(example_path), "-o", str(other))
    assert made.returncode == 0, made.stderr


def test_a_lead_not_on_the_officers_sheet_is_warned_of(example_path, tmp_path):
    """A lead typed as a name the Officers sheet has not ('Jane Smith') can only be
    published as typed — a person's name, which the export leaves out otherwise: the
    export says so, naming it and its refs; a listed lead is not named."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    head = [c.value for c in ws[1]]
    ws.cell(2, head.index("Lead officer") + 1).value = "Jane Smith"
    ws.cell(3, head.index("Lead officer") + 1).value = "HF / Jane Smith"
    refs = [ws.cell(row, head.index("Ref") + 1).value for row in (2, 3)]
    wb.save(example_path)
    made = run_cli("export", str(example_path), "-o", str(tmp_path / "o.csv"))
    assert made.returncode == 0, made.stderr
    said = " ".join(made.stdout.split())
    assert "[export-lead-as-typed]" in said
    assert f"published as typed: 'Jane Smith' ({refs[0]}, {refs[1]})." in said
    published = {row[0]: row[5] for row in _csv(tmp_path / "o.csv")[1:]}
    assert published[refs[1]] == "Head of Finance; Jane Smith"
    named = run_cli("export", str(example_path), "-o", str(tmp_path / "n.csv"),
                    "--with-names")
    assert "export-lead-as-typed" not in named.stdout


def test_a_blank_plan_is_said_to_have_nothing_to_publish(tmp_path):
    """A plan just made with `new` (no actions, no reporting date): the file holds the
    headers alone and the export says so, and that its statuses would be as at today;
    --as-of answers the second."""
    plan = tmp_path / "blank.xlsx"
    assert run_cli("new", str(plan)).returncode == 0
    made = run_cli("export", str(plan), "-o", str(tmp_path / "o.csv"))
    assert made.returncode == 0, made.stderr
    assert _csv(tmp_path / "o.csv") == [HEADERS]
    said = " ".join(made.stdout.split())
    assert "[export-plan-empty]" in said and "[reporting-date-missing]" in said
    assert f"as at today, {date.today():%d/%m/%Y}" in said
    dated = run_cli("export", str(plan), "-o", str(tmp_path / "o.csv"),
                    "--as-of", "31/12/2026")
    assert "reporting-date-missing" not in dated.stdout and "export-plan-empty" in dated.stdout
