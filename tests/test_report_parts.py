"""A report for one committee's part of the plan: its themes or its directorates."""
from __future__ import annotations

import docx
import pytest

from cip_xl.changes import Change, ChangeReport, ThemeTravel
from cip_xl.example import example_plan
from cip_xl.findings import PlanFileError
from cip_xl.report_parts import changes_in_part, plan_part
from cip_xl.status import refresh

from .conftest import run_cli


def _text(path) -> str:
    document = docx.Document(path)
    return "\n".join([p.text for p in document.paragraphs] +
                     [c.text for t in document.tables for r in t.rows for c in r.cells])


def test_a_report_for_one_theme_holds_its_actions_alone(example_path, tmp_path):
    """`report --theme Places` (the start of "Places and communities"): the report
    beside the plan is named for the part, holds that theme's eight actions and no
    other's, counts only them, and its title says which part it is."""
    plan = example_plan()
    made = run_cli("report", str(example_path), "--theme", "places")
    assert made.returncode == 0, made.stderr
    out = example_path.with_name("plan-report-Places_and_communities.docx")
    assert out.exists() and "(8 actions)" in made.stdout
    text = _text(out)
    for action in plan.actions:
        assert (action.key_action in text) == (action.theme == "Places and communities")
    assert "Of 8 actions" in text
    key = next(t for t in docx.Document(out).tables if t.rows[0].cells[0].text == "Code")
    leads = {a.lead_officer for a in plan.actions if a.theme == "Places and communities"}
    assert {r.cells[0].text for r in key.rows[1:]} == leads  # the part's leads alone
    assert "delivering the Corporate Improvement Plan 2026/27 for Places and communities " \
        "(Appendix 1)" in text
    title = docx.Document(out).core_properties.title
    assert title == "Corporate Improvement Plan 2026/27 – progress update: " \
                    "Places and communities"
    # the appendix's heading, and the cover's list of appendices, name the part
    assert text.count("Corporate Improvement Plan 2026/27: Places and communities – "
                      "progress update as at") == 2
    whole = run_cli("report", str(example_path), "-o", str(tmp_path / "whole.docx"))
    assert whole.returncode == 0, whole.stderr
    assert _text(tmp_path / "whole.docx").count(
        "Corporate Improvement Plan 2026/27 – progress update as at") == 2


def test_a_report_for_directorates_holds_the_actions_their_officers_lead(example_path,
                                                                          tmp_path):
    """Directorates named twice over (any case, '&' or 'and'): the actions led by
    their officers, in either."""
    plan = example_plan()
    refresh(plan)
    wanted = [a for a in plan.actions if a.directorate in ("Place", "People & Communities")]
    out = tmp_path / "scrutiny.docx"
    made = run_cli("report", str(example_path), "-o", str(out), "--directorate", "place",
                   "--directorate", "People and Communities")
    assert made.returncode == 0, made.stderr
    assert f"({len(wanted)} actions)" in made.stdout and 0 < len(wanted) < 40
    text = _text(out)
    for action in plan.actions:
        assert (action.key_action in text) == (action in wanted), action.ref


@pytest.mark.parametrize("option, name, said", [
    ("--theme", "Managing finances", "did you mean 'Managing our finances'?"),
    ("--theme", "Transport", "Its themes are: 'Managing our finances'; "),
    ("--directorate", "Housing", "Its directorates are: "),
])
def test_a_part_the_plan_has_not_is_named_and_nothing_written(example_path, tmp_path,
                                                              option, name, said):
    out = tmp_path / "part.docx"
    made = run_cli("report", str(example_path), "-o", str(out), option, name)
    assert made.returncode != 0 and "Traceback" not in made.stderr
    assert said in made.stderr and "[report-part-unknown]" in made.stderr
    assert not out.exists()


def test_a_name_beginning_two_themes_is_asked_about():
    plan = example_plan()
    plan.actions[0].theme = "Places and communities (north)"
    plan.themes = []
    with pytest.raises(PlanFileError) as refused:
        plan_part(plan, themes=("Places",))
    assert "begins more than one theme's name" in refused.value.finding.message


def test_changes_since_last_quarter_are_those_of_the_part():
    """The report's changes section for one theme: its actions' changes (one removed
    from it too) and how it moved; not the other themes'."""
    plan = example_plan()
    part = plan_part(plan, themes=("Our people",))
    ours = next(a for a in plan.actions if a.theme == "Our people")
    other = next(a for a in plan.actions if a.theme != "Our people")
    changes = ChangeReport(None, None, [
        Change(ours.ref, ours.theme, "completed", "On track", "Complete", "x", ours.action_id),
        Change(other.ref, other.theme, "completed", "On track", "Complete", "y",
               other.action_id),
        Change("3.9", "Our people", "removed", "On track", "", "gone", "A0000GONE")],
        [ThemeTravel("Our people", 50, 60), ThemeTravel(other.theme, 50, 40)])
    lines = changes_in_part(changes, part).lines()
    assert lines == [changes.changes[0].sentence, changes.changes[2].sentence,
                     f"Our people: {changes.themes[0].direction}"]


def test_directorates_asked_for_where_officers_have_none():
    plan = example_plan()
    for officer in plan.officers:
        officer.directorate = ""
    refresh(plan)
    with pytest.raises(PlanFileError) as refused:
        plan_part(plan, directorates=("Place",))
    assert "No officer on the Officers sheet has a directorate" in \
        refused.value.finding.message


def test_changes_since_last_quarter_for_one_directorate(example_path, tmp_path):
    """`changes --directorate Place`: the status moves of the Place directorate's
    actions alone, and no theme's direction (a directorate is no theme)."""
    import openpyxl

    import shutil

    before = tmp_path / "before.xlsx"
    shutil.copy(example_path, before)
    import cip_xl

    plan = cip_xl.load_plan(example_path)
    refresh(plan)
    place = next(a for a in plan.actions if a.directorate == "Place")
    other = next(a for a in plan.actions if a.directorate == "Resources")
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    status = next(c.column for c in ws[1] if c.value == "Status")
    for action in (place, other):
        ws.cell(action.row, status).value = "Cancelled"
    wb.save(example_path)
    made = run_cli("changes", str(example_path), "--since", str(before),
                   "--directorate", "place")
    assert made.returncode == 0, made.stderr
    said = " ".join(made.stdout.split())
    assert place.ref in said and "cancelled" in said
    assert not [a.ref for a in plan.actions if a.ref != place.ref and f" {a.ref} " in said]
    assert not [name for name in plan.theme_names() if f"{name}: " in said]


def test_a_part_goes_to_a_committee_and_meeting_of_its_own(example_path, tmp_path):
    """The cover is addressed to the committee and meeting given, under the portfolio
    given, not the Settings'."""
    out = tmp_path / "place.docx"
    made = run_cli("report", str(example_path), "-o", str(out), "--theme", "places",
                   "--committee", "Place Scrutiny Committee", "--meeting-date", "12/01/2027",
                   "--portfolio", "Planning and Regeneration")
    assert made.returncode == 0, made.stderr
    text = _text(out)
    assert "REPORT TO THE MEETING OF THE PLACE SCRUTINY COMMITTEE 12 JANUARY 2027" in \
        text.upper()
    assert "PORTFOLIO: PLANNING AND REGENERATION" in text


@pytest.mark.parametrize("name", ["5", "Theme 5", "theme5"])
def test_a_theme_is_named_by_its_number_in_the_refs(name):
    """Officers speak of "theme 5": the theme whose actions are 5.1, 5.2, ... — not
    the fifth listed, nor actions 15.x."""
    plan = example_plan()
    places = [a for a in plan.actions if a.theme == "Places and communities"]
    plan.actions[0].ref = "15.1"  # another theme's: "5" must not pick it
    part = plan_part(plan, themes=(name,))
    assert part.name == "Places and communities" and part.plan.actions == places
    assert all(a.ref.startswith("5.") for a in part.plan.actions)


@pytest.mark.parametrize("ref", ["CP{}.{}", "CP {:02d}.{:02d}", "cp-{}.{}"])
def test_a_theme_is_named_by_its_number_after_the_plans_letters(ref):
    """Refs the plan begins with its own letters ("CP3.1", Pentana's "CP 03.01") still
    number the themes; letters that differ from theme to theme are the themes' own,
    so a number alone names none of them."""
    plan = example_plan()
    for action in plan.actions:
        theme, number = action.ref.split(".", 1)
        action.ref = ref.format(int(theme), int(number))
    places = [a for a in plan.actions if a.theme == "Places and communities"]
    assert plan_part(plan, themes=("5",)).plan.actions == places
    own = {t: t[:3].upper() for t in plan.theme_names()}
    for action in plan.actions:
        action.ref = own[action.theme] + action.ref
    with pytest.raises(PlanFileError):
        plan_part(plan, themes=("5",))


def test_a_number_no_themes_refs_begin_with_is_refused():
    plan = example_plan()
    with pytest.raises(PlanFileError) as refused:
        plan_part(plan, themes=("9",))
    assert "no theme '9'" in refused.value.finding.message
