"""The plan workbook as users open it: sheets, headers, dropdowns, frozen header, hidden ID.

Values are read back with python-calamine (an independent reader); the Excel furniture
(validation, panes, hidden columns, names) with openpyxl.
"""
from __future__ import annotations

from datetime import date

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

import cip_xl
from cip_xl import schema
from cip_xl.example import example_plan
from cip_xl.model import Action, Officer, Plan, Theme

from .conftest import run_cli

EXPECTED_SHEETS = ["Plan", "Summary", "Officers", "Themes", "Settings", "Review log", "Audit",
                   "Change requests", "Returns", "Lists"]


def test_new_plan_has_every_sheet_in_order(tmp_path):
    path = cip_xl.new_plan_file(tmp_path / "new.xlsx", council="Testshire CC",
                                reporting_date=date(2026, 12, 31))
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names == EXPECTED_SHEETS
    headers = book.get_sheet_by_name("Plan").to_python()[0]
    assert headers[:4] == ["Ref", "Theme", "Objective", "Key action"]
    assert "RAG" in headers and headers[-1] == "Action ID"
    settings = dict(row[:2] for row in book.get_sheet_by_name("Settings").to_python()[1:])
    assert settings["Council"] == "Testshire CC"
    assert settings["Reporting date"] == date(2026, 12, 31) or \
        settings["Reporting date"].date() == date(2026, 12, 31)
    assert str(settings["Plan ID"]).startswith("P")


def test_new_refuses_to_overwrite(tmp_path):
    path = tmp_path / "new.xlsx"
    cip_xl.new_plan_file(path)
    with pytest.raises(cip_xl.PlanFileError, match="already exists"):
        cip_xl.new_plan_file(path)


@pytest.mark.parametrize("command", ["new", "import"])
def test_a_plan_replaced_with_overwrite_is_kept_and_one_open_is_not_replaced(
        example_path, tmp_path, command):
    """`new --overwrite` and `import --overwrite` replaced the plan named — a year's
    actions and trail, if the name was mistyped — with nothing kept. The file replaced
    is now copied into backups/ first (restore can put it back), and a plan open in
    Excel is not replaced at all."""
    from cip_xl.safe_save import backups_of

    source = tmp_path / "actions.csv"
    source.write_text("Ref,Key action,Lead officer,Target date\n"
                      "1.1,Set the budget,HF,Mar 2027\n", encoding="utf-8")
    args = ["new", str(example_path)] if command == "new" else \
        ["import", str(source), "-o", str(example_path)]
    before = example_path.read_bytes()
    kept = {path for _, path in backups_of(example_path)}
    owner = example_path.with_name(f"~${example_path.name}")
    owner.write_bytes(b"\x0aJane Smith" + b"\0" * 40)
    refused = run_cli(*args, "--overwrite")
    assert refused.returncode == 2 and "open in Excel" in refused.stderr, refused.stderr
    assert example_path.read_bytes() == before
    owner.unlink()

    result = run_cli(*args, "--overwrite")
    assert result.returncode == 0, result.stderr
    made = [path for _, path in backups_of(example_path) if path not in kept]
    assert len(made) == 1 and made[0].read_bytes() == before
    assert f"kept as {made[0].relative_to(example_path.parent)}" in result.stdout or \
        f"kept as {made[0]}" in result.stdout, result.stdout
    keys = [row[3] for row in CalamineWorkbook.from_path(str(example_path))
            .get_sheet_by_name("Plan").to_python()[1:] if any(row)]
    assert keys == ([] if command == "new" else ["Set the budget"])
    restored = run_cli("restore", str(example_path), str(made[0]))
    assert restored.returncode == 0, restored.stderr
    assert "now another plan, just made by cip-xl" in restored.stdout + restored.stderr
    assert "the plan the new one replaced is back as it was" in restored.stdout
    assert "The new plan is kept as" in restored.stdout
    assert len(cip_xl.load_plan(example_path).actions) == 40
    # a new plan typed into since is another plan's history: not replaced so
    run_cli(*args, "--overwrite")
    wb = openpyxl.load_workbook(example_path)
    wb["Plan"].append(["2.1", "Money", "", "Sell the depot", "HF", "Dec 2026"])
    wb.save(example_path)
    typed_into = example_path.read_bytes()
    refused = run_cli("restore", str(example_path), str(made[0]))
    assert refused.returncode == 2 and "is a copy of another plan" in refused.stderr
    assert example_path.read_bytes() == typed_into


def test_dropdowns_freeze_filters_hidden_id(example_path):
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    assert ws.freeze_panes == "B2"
    assert ws.auto_filter.ref.startswith("A1:")
    assert ws.print_title_rows.replace("$", "") == "1:1"
    headers = [c.value for c in ws[1]]
    id_letter = openpyxl.utils.get_column_letter(headers.index("Action ID") + 1)
    assert ws.column_dimensions[id_letter].hidden
    status_letter = openpyxl.utils.get_column_letter(headers.index("Status") + 1)
    validations = {dv.formula1: dv for dv in ws.data_validations.dataValidation}
    status = validations[schema.STATUS_LIST_NAME]
    assert status.type == "list" and status.showErrorMessage
    assert str(status.sqref).startswith(f"{status_letter}2:")
    assert validations[schema.OFFICER_LIST_NAME].errorStyle == "warning"
    assert wb["Lists"].sheet_state == "hidden"
    # the named lists point at the values the dropdowns offer
    dest = wb.defined_names[schema.STATUS_LIST_NAME].attr_text
    sheet, cells = dest.split("!")
    words = [c.value for row in wb[sheet.strip("'")][cells.replace("$", "")] for c in row]
    assert words == list(schema.STATUS_WORDS)
    assert wb.defined_names[schema.REPORT_DATE_NAME].attr_text == "'Settings'!$B$4"


def test_refs_stay_text_and_values_round_trip(tmp_path):
    plan = Plan(officers=[Officer("HF", "Head of Finance")], themes=[Theme("Finance", 1)])
    for ref in ("3.1", "3.10", "3.11", "10"):
        plan.actions.append(Action(ref=ref, theme="Finance", key_action=f"Action {ref}",
                                   lead_officer="HF", target_date="Dec 2026",
                                   progress_update="=SUM(A1) typed by an officer"))
    path = tmp_path / "refs.xlsx"
    cip_xl.save_plan(plan, path)
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Plan").to_python()
    assert [r[0] for r in rows[1:5]] == ["3.1", "3.10", "3.11", "10"]
    progress = rows[0].index("Progress update")
    assert rows[1][progress] == "=SUM(A1) typed by an officer"  # text, not a formula
    again = cip_xl.load_plan(path)
    assert [a.ref for a in again.actions] == ["3.1", "3.10", "3.11", "10"]
    assert again.actions[0].action_id == plan.actions[0].action_id


def test_example_plan_round_trips_exactly(example_path):
    assert cip_xl.load_plan(example_path) == example_plan()


def test_saving_keeps_what_the_user_added(example_path):
    wb = openpyxl.load_workbook(example_path)
    notes = wb.create_sheet("My notes")
    notes["A1"] = "kept"
    notes.column_dimensions["A"].width = 55
    wb["Plan"]["D2"].comment = openpyxl.comments.Comment("check with HF", "manager")
    headers = [c.value for c in wb["Plan"][1]]
    extra_col = len(headers) + 1
    wb["Plan"].cell(1, extra_col, "Portfolio holder")
    wb["Plan"].cell(2, extra_col, "Cllr Hayes")
    wb.save(example_path)

    plan = cip_xl.load_plan(example_path)
    assert plan.actions[0].extra == {"Portfolio holder": "Cllr Hayes"}
    plan.actions[0].progress_update = "Updated by the manager"
    backup = cip_xl.save_plan(plan, example_path)
    assert backup is not None and backup.exists()

    wb = openpyxl.load_workbook(example_path)
    assert wb["My notes"]["A1"].value == "kept"
    assert wb["My notes"].column_dimensions["A"].width == 55
    assert wb["Plan"]["D2"].comment.text == "check with HF"
    assert wb["Plan"].cell(2, extra_col).value == "Cllr Hayes"
    values = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Plan").to_python()
    column = values[0].index("Progress update")
    assert values[1][column] == "Updated by the manager"


def test_a_full_save_keeps_formatted_words_it_does_not_change(example_path):
    """Words made bold or red inside a cell (rich text) survive a full save wherever the
    save leaves the text as it was — a progress update, a header, a sheet of the
    council's own — instead of every cell of the workbook being flattened to plain text.
    Text the save changes is written plain."""
    from openpyxl.cell.rich_text import CellRichText, TextBlock
    from openpyxl.cell.text import InlineFont

    bold, red = InlineFont(b=True), InlineFont(color="FFFF0000")
    wb = openpyxl.load_workbook(example_path, rich_text=True)
    ws = wb["Plan"]
    column = [c.value for c in ws[1]].index("Progress update") + 1
    kept_text = ws.cell(2, column).value
    ws.cell(2, column).value = CellRichText([TextBlock(bold, kept_text[:9]), kept_text[9:]])
    ws.cell(3, column).value = CellRichText([TextBlock(red, "Late:"), " waiting on HR"])
    ws.cell(1, column).value = CellRichText([TextBlock(bold, "Progress"), " update"])
    wb.create_sheet("Cover")["A1"] = CellRichText(["Draft: ", TextBlock(red, "not for"),
                                                   " publication"])
    wb.save(example_path)

    plan = cip_xl.load_plan(example_path)
    assert plan.actions[0].progress_update == kept_text
    plan.actions[1].progress_update = "Recruited in October"
    cip_xl.save_plan(plan, example_path)  # no workbook given: the full save

    wb = openpyxl.load_workbook(example_path, rich_text=True)
    ws = wb["Plan"]
    runs = ws.cell(2, column).value
    assert isinstance(runs, CellRichText) and str(runs) == kept_text
    assert runs[0].font.b and runs[0].text == kept_text[:9]
    assert ws.cell(3, column).value == "Recruited in October"
    assert str(ws.cell(1, column).value) == "Progress update"
    cover = wb["Cover"]["A1"].value
    assert isinstance(cover, CellRichText) and cover[1].font.color.rgb == "FFFF0000"
    values = CalamineWorkbook.from_path(str(example_path)).get_sheet_by_name("Plan").to_python()
    assert [values[1][column - 1], values[2][column - 1]] == [kept_text,
                                                              "Recruited in October"]


def test_refuses_to_save_over_features_it_would_lose(example_path):
    import shutil
    import zipfile

    patched = example_path.with_name("sparkly.xlsx")
    with zipfile.ZipFile(example_path) as src, zipfile.ZipFile(patched, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"</worksheet>", b'<extLst><ext uri="{05C60535-1F16-'
                                    b'4fd2-B633-F4F36F0B64E0}" xmlns:x14="http://schemas.'
                                    b'microsoft.com/office/spreadsheetml/2009/9/main">'
                                    b'<x14:sparklineGroups/></ext></extLst></worksheet>')
            dst.writestr(item, data)
    before = patched.read_bytes()
    plan = cip_xl.load_plan(patched)
    with pytest.raises(cip_xl.PlanFileError, match="sparklines"):
        cip_xl.save_plan(plan, patched)
    assert patched.read_bytes() == before
    shutil.rmtree(patched.parent / "backups", ignore_errors=True)


@pytest.mark.parametrize("part, content, words", [
    ("xl/threadedComments/threadedComment1.xml", b"<ThreadedComments/>", "threaded comments"),
    ("xl/metadata.xml", b"<metadata/>", "dynamic array formulas"),
    ("xl/richData/rdrichvalue.xml", b"<rvData/>", "pictures in cells"),
    ("xl/connections.xml", b"<connections/>", "Power Query"),
    ("customXml/item1.xml", '<?xml version="1.0" encoding="utf-16"?><DataMashup xmlns="'
     'http://schemas.microsoft.com/DataMashup">AAAA</DataMashup>'.encode("utf-16"),
     "Power Query"),
    ("xl/model/item.data", b"\x00", "data model"),
    ("xl/featurePropertyBag/featurePropertyBag.xml", b"<FeaturePropertyBags/>",
     "check boxes in cells"),
    ("xl/namedSheetViews/namedSheetView1.xml", b"<namedSheetViews/>", "sheet views"),
], ids=["threaded comments", "dynamic arrays", "rich data", "connections", "queries",
        "data model", "check boxes", "sheet views"])
def test_refuses_a_full_save_that_would_drop_newer_excel_features(example_path, part,
                                                                  content, words):
    """Newer Excel keeps these in parts openpyxl does not know, so a full save would
    drop them (checked here, so the list stays true); the save is refused, naming them,
    and the master is left as it was."""
    import shutil
    import zipfile

    featured = example_path.with_name("featured.xlsx")
    with zipfile.ZipFile(example_path) as src, zipfile.ZipFile(featured, "w") as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        dst.writestr(part, content)
    resaved = example_path.with_name("resaved.xlsx")
    openpyxl.load_workbook(featured).save(resaved)
    assert part not in zipfile.ZipFile(resaved).namelist()  # openpyxl does drop it
    before = featured.read_bytes()
    plan = cip_xl.load_plan(featured)
    with pytest.raises(cip_xl.PlanFileError, match=words):
        cip_xl.save_plan(plan, featured)
    assert featured.read_bytes() == before
    shutil.rmtree(featured.parent / "backups", ignore_errors=True)


LABEL_PART = "docMetadata/LabelInfo.xml"
LABEL_REL = "http://schemas.microsoft.com/office/2020/02/relationships/classificationlabels"
LABEL = (b'<?xml version="1.0" encoding="utf-8" standalone="yes"?>\r\n<clbl:labelList '
         b'xmlns:clbl="http://schemas.microsoft.com/office/2020/mipLabelMetadata">'
         b'<clbl:label id="{3c5c9d36-1b2a-4c3d-8e4f-5a6b7c8d9e0f}" enabled="1" '
         b'method="Standard" siteId="{0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0}" removed="0"/>'
         b"</clbl:labelList>")


def labelled(path):
    """``path`` with a Microsoft 365 sensitivity label, as Office stores it."""
    import zipfile

    out = path.with_name("labelled.xlsx")
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "_rels/.rels":
                data = data.replace(b"</Relationships>", (
                    f'<Relationship Id="rId9" Type="{LABEL_REL}" Target="{LABEL_PART}"/>'
                    "</Relationships>").encode())
            elif item.filename == "[Content_Types].xml":
                data = data.replace(b"</Types>", (
                    f'<Override PartName="/{LABEL_PART}" ContentType="application/'
                    'vnd.ms-office.classificationlabels+xml"/></Types>').encode())
            dst.writestr(item, data)
        dst.writestr(LABEL_PART, LABEL)
    return out


def label_of(path):
    """The label part, its root relationship's target and its content type, or Nones."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        names = package.namelist()
        rels = package.read("_rels/.rels").decode()
        types = package.read("[Content_Types].xml").decode()
    target = re.search(r'Type="' + re.escape(LABEL_REL) + r'" Target="([^"]+)"', rels)
    content = re.search(r'PartName="/' + re.escape(LABEL_PART) + r'" ContentType="([^"]+)"',
                        types)
    return (zipfile.ZipFile(path).read(LABEL_PART) if LABEL_PART in names else None,
            target and target[1].lstrip("/"), content and content[1])


def test_a_full_save_keeps_the_sensitivity_label(example_path, tmp_path):
    """A plan labelled in Microsoft 365 (OFFICIAL, say) keeps its label through saves
    that rebuild the workbook with openpyxl — which drops the part (checked here, so
    that this stays needed) — and in annotated copies."""
    import zipfile

    plan = labelled(example_path)
    resaved = tmp_path / "openpyxl.xlsx"
    openpyxl.load_workbook(plan).save(resaved)
    assert LABEL_PART not in zipfile.ZipFile(resaved).namelist()
    wanted = (LABEL, LABEL_PART, "application/vnd.ms-office.classificationlabels+xml")

    loaded = cip_xl.load_plan(plan)
    loaded.officers.append(Officer("NEW", "New post", "A. Person", "", "Place"))
    cip_xl.save_plan(loaded, plan)  # a new officer: the layout moves, a full save
    assert label_of(plan) == wanted
    assert [o.code for o in cip_xl.load_plan(plan).officers][-1] == "NEW"
    copy = cip_xl.annotate(plan, cip_xl.validate(plan).findings, tmp_path / "copy.xlsx")
    assert label_of(copy) == wanted
    assert CalamineWorkbook.from_path(str(copy)).sheet_names[0] == "Findings"
    cip_xl.save_plan(cip_xl.load_plan(plan), plan)  # again: one label, not two
    assert zipfile.ZipFile(plan).namelist().count(LABEL_PART) == 1
    assert zipfile.ZipFile(plan).read("_rels/.rels").count(b"classificationlabels") == 1


@pytest.mark.libreoffice
def test_a_labelled_plan_saved_in_full_opens_in_libreoffice(example_path, tmp_path):
    from .conftest import convert_with_libreoffice

    plan = labelled(example_path)
    cip_xl.save_plan(cip_xl.load_plan(plan), plan)
    assert label_of(plan)[0] == LABEL
    csv = convert_with_libreoffice(plan, "csv", tmp_path / "lo")
    assert "Ref" in csv.read_text(encoding="utf-8", errors="replace").splitlines()[0]


#: what a SharePoint or Teams document library writes into a workbook it holds: its
#: columns' values, the content type's schema, each with a properties part
LIBRARY_ITEMS = {
    1: (b'<?xml version="1.0"?>\r\n<p:properties xmlns:p="http://schemas.microsoft.com/'
        b'office/2006/metadata/properties" xmlns:xsi="http://www.w3.org/2001/XMLSchema-'
        b'instance"><documentManagement><Document_x0020_owner xmlns="a1">Policy team'
        b'</Document_x0020_owner><Retention xmlns="a1">7 years</Retention>'
        b"</documentManagement></p:properties>", "http://schemas.microsoft.com/office/2006/"
        "metadata/properties"),
    2: (b'<?xml version="1.0"?>\r\n<ct:contentTypeSchema ct:_="" ma:_="" ma:contentTypeName='
        b'"Document" xmlns:ct="http://schemas.microsoft.com/office/2006/metadata/'
        b'contentType" xmlns:ma="http://schemas.microsoft.com/office/2006/metadata/'
        b'properties/metaAttributes"/>', "http://schemas.microsoft.com/office/2006/"
        "metadata/contentType"),
}


def in_a_document_library(path):
    """``path`` as a SharePoint document library leaves it: custom XML items the
    workbook points to, each with its properties part."""
    import zipfile

    from .corpus import rezip

    props = "application/vnd.openxmlformats-officedocument.customXmlProperties+xml"
    with zipfile.ZipFile(path) as package:
        rels = package.read("xl/_rels/workbook.xml.rels")
        types = package.read("[Content_Types].xml")
    change = {
        "xl/_rels/workbook.xml.rels": rels.replace(b"</Relationships>", "".join(
            f'<Relationship Id="rId9{n}" Type="http://schemas.openxmlformats.org/'
            f'officeDocument/2006/relationships/customXml" Target="../customXml/'
            f'item{n}.xml"/>' for n in LIBRARY_ITEMS).encode() + b"</Relationships>"),
        "[Content_Types].xml": types.replace(b"</Types>", "".join(
            f'<Override PartName="/customXml/itemProps{n}.xml" ContentType="{props}"/>'
            for n in LIBRARY_ITEMS).encode() + b"</Types>")}
    for n, (body, schema_uri) in LIBRARY_ITEMS.items():
        change[f"customXml/item{n}.xml"] = body
        change[f"customXml/itemProps{n}.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="no"?>\r\n<ds:datastoreItem '
            f'ds:itemID="{{6A1F2E4B-0000-4000-8000-00000000000{n}}}" xmlns:ds="http://'
            'schemas.openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs>'
            f'<ds:schemaRef ds:uri="{schema_uri}"/></ds:schemaRefs></ds:datastoreItem>'
        ).encode()
        change[f"customXml/_rels/item{n}.xml.rels"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n<Relationships '
            'xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/customXmlProps" '
            f'Target="itemProps{n}.xml"/></Relationships>').encode()
    return rezip(path, path.with_name("library.xlsx"), change)


def library_parts(path) -> dict[str, bytes]:
    """The custom XML parts of ``path`` the workbook and content types account for:
    each item the workbook points to, and the parts its relationships name, whose
    content types are declared."""
    import re
    import zipfile

    with zipfile.ZipFile(path) as package:
        assert package.testzip() is None
        rels = package.read("xl/_rels/workbook.xml.rels").decode()
        types = package.read("[Content_Types].xml").decode()
        found = {}
        for target in re.findall(r'relationships/customXml" Target="([^"]+)"', rels):
            item = target.replace("../", "").lstrip("/")
            found[item] = package.read(item)
            own = package.read(item.replace("customXml/", "customXml/_rels/") + ".rels")
            props = "customXml/" + re.search(r'Target="([^"]+)"', own.decode())[1]
            assert f'PartName="/{props}"' in types
            found[props] = package.read(props)
    return found


def test_a_full_save_keeps_a_document_librarys_metadata(example_path, tmp_path):
    """A plan kept in a SharePoint or Teams library carries the library's columns
    (owner, retention...) as custom XML: saves that rebuild the workbook with openpyxl
    — which drops it (checked here, so that this stays needed) — keep every part, once,
    and so do annotated copies."""
    import zipfile

    plan = in_a_document_library(example_path)
    wanted = library_parts(plan)
    assert len(wanted) == 4
    resaved = tmp_path / "openpyxl.xlsx"
    openpyxl.load_workbook(plan).save(resaved)
    assert not [n for n in zipfile.ZipFile(resaved).namelist() if n.startswith("customXml")]

    loaded = cip_xl.load_plan(plan)
    loaded.officers.append(Officer("NEW", "New post", "A. Person", "", "Place"))
    cip_xl.save_plan(loaded, plan)  # a new officer: the layout moves, a full save
    assert library_parts(plan) == wanted
    cip_xl.save_plan(cip_xl.load_plan(plan), plan)  # again: each part once
    custom = [n for n in zipfile.ZipFile(plan).namelist() if n.startswith("customXml/")]
    assert len(custom) == len(set(custom)) == 6
    assert library_parts(plan) == wanted
    copy = cip_xl.annotate(plan, cip_xl.validate(plan).findings, tmp_path / "copy.xlsx")
    assert library_parts(copy) == wanted


def test_power_querys_item_is_not_carried_when_its_loss_is_accepted(example_path):
    """Power Query keeps its queries in a custom XML item too; a full save loses its
    connections (and refuses unless told to go on): the item does not come back
    without them, the library's items do."""
    import zipfile

    from .corpus import rezip

    plan = in_a_document_library(example_path)
    mashup = '<?xml version="1.0" encoding="utf-16"?><DataMashup xmlns="http://schemas.' \
        'microsoft.com/DataMashup">AAAA</DataMashup>'.encode("utf-16")
    rels = zipfile.ZipFile(plan).read("xl/_rels/workbook.xml.rels")
    rezip(plan, example_path, {
        "xl/_rels/workbook.xml.rels": rels.replace(b"</Relationships>", (
            b'<Relationship Id="rId97" Type="http://schemas.openxmlformats.org/'
            b'officeDocument/2006/relationships/customXml" Target="../customXml/item7.xml"'
            b"/></Relationships>")),
        "customXml/item7.xml": mashup})
    with pytest.raises(cip_xl.PlanFileError, match="Power Query"):
        cip_xl.save_plan(cip_xl.load_plan(example_path), example_path)
    cip_xl.save_plan(cip_xl.load_plan(example_path), example_path, allow_loss=True)
    assert "customXml/item7.xml" not in zipfile.ZipFile(example_path).namelist()
    assert len(library_parts(example_path)) == 4


@pytest.mark.libreoffice
def test_a_plan_from_a_document_library_saved_in_full_opens_in_libreoffice(
        example_path, tmp_path):
    from .conftest import convert_with_libreoffice

    plan = in_a_document_library(example_path)
    cip_xl.save_plan(cip_xl.load_plan(plan), plan)
    assert len(library_parts(plan)) == 4
    csv = convert_with_libreoffice(plan, "csv", tmp_path / "lo")
    assert "Ref" in csv.read_text(encoding="utf-8", errors="replace").splitlines()[0]


def test_profile_renames_headers_and_adds_columns(tmp_path):
    (tmp_path / "cip-xl.ini").write_text(
        "[sheets]\nplan = Action plan\n\n[headers]\nkey_action = Key task\n\n"
        "[columns]\noptional = funded_by\nextra = Portfolio holder\n", encoding="utf-8")
    path = cip_xl.new_plan_file(tmp_path / "council.xlsx")
    book = CalamineWorkbook.from_path(str(path))
    assert book.sheet_names[0] == "Action plan"
    headers = book.get_sheet_by_name("Action plan").to_python()[0]
    assert "Key task" in headers and "Funded by" in headers and "Portfolio holder" in headers
    assert "Key action" not in headers


@pytest.mark.parametrize("encoding", ["utf-8-sig", "cp1252", "utf-8", "utf-16"],
                         ids=["Notepad UTF-8 with BOM", "Notepad ANSI", "UTF-8",
                              "Notepad Unicode (UTF-16 with its mark)"])
def test_a_profile_saved_in_notepad_is_read(tmp_path, encoding):
    """Notepad saves UTF-8 with a byte-order mark (older Notepad: ANSI, Windows-1252).
    Read as plain UTF-8 the mark made "[sheets]" no section at all, and a "–" or "£"
    in ANSI stopped the profile; both are read as written."""
    (tmp_path / "cip-xl.ini").write_bytes(
        "[sheets]\nplan = Action plan\n\n[headers]\nkey_action = Key task – 2027\n\n"
        "[columns]\nextra = Budget (£k)\n".encode(encoding))
    path = cip_xl.new_plan_file(tmp_path / "council.xlsx")
    book = CalamineWorkbook.from_path(str(path))
    headers = book.get_sheet_by_name("Action plan").to_python()[0]
    assert "Key task – 2027" in headers and "Budget (£k)" in headers


def test_a_profile_that_is_not_text_says_how_to_save_it(tmp_path):
    from cip_xl.profile import load_profile

    profile = tmp_path / "cip-xl.ini"
    profile.write_bytes(b"[headers]\nkey_action = \x81\x8d\x00\x9d\n")
    with pytest.raises(cip_xl.PlanFileError, match="save it with Encoding UTF-8"):
        load_profile(profile)


def test_profile_with_unknown_column_is_refused(tmp_path):
    profile = tmp_path / "bad.ini"
    profile.write_text("[headers]\nkey_actoin = Task\n", encoding="utf-8")
    from cip_xl.profile import load_profile
    with pytest.raises(cip_xl.PlanFileError, match="key_actoin"):
        load_profile(profile)


@pytest.mark.parametrize("profile, words", [
    ("[colums]\noptional = funded_by\n", "did you mean [columns]?"),
    ("[headers]\nkey_action = Ref\n", "the heading 'Ref', which is the heading of ref"),
    ("[headers]\nkey_action =\n", "gives the column no heading"),
    ("[sheets]\nplan = Settings\n", "names both the plan sheet and the settings sheet"),
    ("[sheets]\nplan = Action plan 2026/27\n", "Excel cannot give a sheet that name (it "
     "holds /"),
    ("[sheets]\nplan = Corporate Improvement Plan 2026 to 2027\n", "is 39 characters long"),
    ("[aliases]\nprogress_update = Key action\n", "'Key action' is the heading of "
     "key_action"),
    ("[headers]\nkey_action = Task\n[Headers]\nref = No.\n", "has [headers] and [Headers]"),
    ("[columns]\nextra = Funded by\n", "read as cip-xl's funded_by column (Funded by): "
     "switch that on instead"),
    ("[columns]\nextra = Portfolio holder, Comments\n", "'Comments' is read as cip-xl's "
     "progress_update column"),
], ids=["section misspelt", "two columns one heading", "blank heading", "two sheets one name",
        "a slash in a sheet name", "a sheet name too long", "alias another's heading",
        "a section twice", "an extra column that is an optional one",
        "an extra column named as one of every plan's"])
def test_a_profile_that_would_be_passed_over_or_misread_is_refused(example_path, profile,
                                                                   words):
    """A section misspelt was passed over without a word (the council's settings not
    applied); two columns or two sheets given one name read one as the other (every
    action "has no Ref"); a sheet name Excel will not take stopped the first save;
    an alias that is another column's heading did nothing. Each is refused, naming it,
    and the plan is not touched."""
    (example_path.parent / "cip-xl.ini").write_text(profile, encoding="utf-8")
    before = example_path.read_bytes()
    result = run_cli("status", str(example_path))
    assert result.returncode == 2, result.stdout + result.stderr
    assert words in result.stdout + result.stderr
    assert "profile-invalid" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert example_path.read_bytes() == before


def test_a_profiles_sections_are_read_in_any_case_and_spelling(tmp_path):
    """[Headers] and [Colors] are what people type: they were passed over as
    unknown sections; they are read as [headers] and [colours]."""
    from cip_xl.profile import load_profile

    profile = tmp_path / "cip-xl.ini"
    profile.write_text("[Headers]\nkey_action = Key task\n\n[Colors]\nAt risk = 123456\n",
                       encoding="utf-8")
    contract = load_profile(profile)
    assert contract.match_header("Key task").key == "key_action"
    assert contract.palette["At risk"] == "123456"


def _rag_cells(path) -> dict[str, tuple[str, str]]:
    """Each action's RAG cell as Excel shows it: (its verdict's word, '<fill> on <text
    colour>'), black being the font's automatic colour or black given."""
    ws = openpyxl.load_workbook(path, data_only=True)["Plan"]
    header = [cell.value for cell in ws[1]]
    cells = {}
    for row in ws.iter_rows(min_row=2):
        cell = row[header.index("RAG")]
        if row[0].value is None:
            continue
        text = (cell.font.color.rgb if cell.font.color is not None else None) or "FF000000"
        cells[row[0].value] = (cell.value.split(" ", 1)[1],
                               f"{cell.fill.fgColor.rgb[-6:]} on {text[-6:]}")
    return cells


def test_a_councils_dark_colours_take_white_words(example_path):
    """A council's profile giving its own RAG colours — Excel's dark red and blue for
    Overdue and Complete — had black words on them (3.2:1 and 4.1:1, below the 4.5:1
    that text needs to be read). Words on a dark fill are white now, in the cells a
    full save writes, in those a later quick save changes (actions going from on
    track to overdue and back) and in the live formats Excel applies as people edit."""
    profile = example_path.with_name("cip-xl.ini")
    profile.write_text("[colours]\nOverdue = C00000\nComplete = 0070C0\n"
                       "On track = 00B050\n", encoding="utf-8")
    expected = {"Overdue": "C00000 on FFFFFF", "Complete": "0070C0 on FFFFFF",
                "On track": "00B050 on 000000", "Not due": "FFFFFF on 000000",
                "At risk": "FFE08A on 000000"}
    # a full save (the colours changed), then quick saves as verdicts change
    for as_of in ("30/09/2026", "30/06/2027", "30/09/2026"):
        assert run_cli("status", str(example_path), "--as-of", as_of).returncode in (0, 1)
        cells = _rag_cells(example_path)
        words = [word for word, _ in cells.values()]
        assert set(words) >= {"Complete", "Overdue"}
        if as_of == "30/06/2027":
            assert words.count("Overdue") > 10
        else:
            assert {"On track", "Not due", "At risk"} <= set(words)
        for ref, (word, colours) in cells.items():
            if word in expected:
                assert colours == expected[word], (as_of, ref)
    rules = openpyxl.load_workbook(example_path)["Plan"].conditional_formatting
    live = {rule.formula[0].split('"')[1].split(" ", 1)[1]:
            (rule.dxf.fill.fgColor.rgb[-6:], rule.dxf.font.color.rgb[-6:])
            for cf in rules for rule in cf.rules}
    assert live["Overdue"] == ("C00000", "FFFFFF")
    assert live["On track"] == ("00B050", "000000")  # said, not left to the cell's


def test_a_profile_can_keep_every_backup_or_fewer(example_path):
    """A council whose records policy keeps every version says so in its profile
    (``[backups] keep = all``) and no save deletes a backup; another keeps fewer. A
    value the profile cannot mean is refused before anything is saved."""
    from datetime import datetime, timedelta

    from cip_xl.safe_save import backups_of, make_backup

    start = datetime(2026, 1, 5, 9, 0)
    for day in range(60):  # a backup a day for two months
        make_backup(example_path, when=start + timedelta(days=day))
    profile = example_path.with_name("cip-xl.ini")
    profile.write_text("[backups]\nkeep = all   ; records policy RM-12\n", encoding="utf-8")
    result = run_cli("status", str(example_path), "--as-of", "01/04/2026")
    assert result.returncode in (0, 1), result.stderr
    assert len(backups_of(example_path)) == 61  # every one, and this save's

    profile.write_text("[backups]\nlast = 3\ndays = 0\n", encoding="utf-8")
    run_cli("status", str(example_path), "--as-of", "02/04/2026")
    kept = [when for when, _ in backups_of(example_path)]  # newest first
    # the newest three (the two saves' of today and 5 March), then the newest of each
    # earlier month
    assert len(kept) == 5 and kept[2] == datetime(2026, 3, 5, 9)
    assert kept[3:] == [datetime(2026, 2, 28, 9), datetime(2026, 1, 31, 9)]

    before = example_path.read_bytes()
    profile.write_text("[backups]\nkeep = some\n", encoding="utf-8")
    refused = run_cli("status", str(example_path), "--as-of", "03/04/2026")
    assert refused.returncode == 2 and "keep = some" in refused.stderr
    assert "'all'" in refused.stderr and example_path.read_bytes() == before


def test_reads_real_plan_headers_through_aliases():
    contract = schema.DEFAULT_CONTRACT
    for header, key in (("Comp letion date", "target_date"), ("Completio n Date", "target_date"),
                        ("Target Date", "target_date"), ("Accountability", "lead_officer"),
                        ("On Target", "status"), ("Update", "progress_update"),
                        ("ICT Require ment Yes/No", "ict_requirement"), ("Ref No", "ref"),
                        ("Target/ outcomes", "target_outcomes"), ("% complete", "percent_complete")):
        assert contract.match_header(header).key == key, header


def test_a_percent_that_is_not_finite_is_written_as_text(tmp_path):
    # Excel refuses a workbook holding <v>nan</v>; both kinds of save write text instead
    from cip_xl.plan_read import read_plan
    from cip_xl.plan_write import save_plan

    plan = example_plan()
    plan.actions[0].percent_complete = float("nan")
    path = tmp_path / "plan.xlsx"
    save_plan(plan, path)  # the full save
    reading = read_plan(path, read_only=True)
    reading.plan.actions[1].percent_complete = float("inf")
    save_plan(reading.plan, path, workbook=reading.workbook)  # the patched save
    rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name("Plan").to_python()
    assert rows[1][10] == "nan" and rows[2][10] == "inf"
    assert openpyxl.load_workbook(path)["Plan"]["K3"].value == "inf"


def test_numbers_written_where_dates_were_show_as_numbers(example_path):
    """A row inserted by hand in Settings (a note) moves values onto cells formatted
    for other values. A full save writes the amber window's 30 where the reporting
    date's format was: it must read back as 30, not 30/01/1900 (which validation then
    called "not a whole number"); a council's own currency format is kept. A gap left
    in the audit trail stays where it is, each entry in its row."""
    from datetime import datetime

    from cip_xl.model import AuditEntry

    plan = example_plan()
    plan.audit = [AuditEntry(datetime(2026, 7, 1, 9), "HR", a.action_id, a.ref, field, old,
                             new, "R.xlsx")
                  for a, field, old, new in (
                      (plan.actions[0], "Last updated", date(2026, 4, 1), date(2026, 7, 1)),
                      (plan.actions[1], "% complete", 20, 40))]
    cip_xl.save_plan(plan, example_path)
    wb = openpyxl.load_workbook(example_path)
    wb["Settings"].insert_rows(3)
    wb["Settings"]["A3"], wb["Settings"]["B3"] = "Note", "Agreed on 1 May"
    wb["Audit"].insert_rows(2)  # a gap at the top of the trail
    wb["Officers"]["F1"], wb["Officers"]["F2"] = "Budget", 125000
    wb["Officers"]["F2"].number_format = '"£"#,##0'
    wb.save(example_path)

    cip_xl.save_plan(cip_xl.load_plan(example_path), example_path)  # a full save
    book = CalamineWorkbook.from_path(str(example_path))
    settings = {row[0]: row[1] for row in book.get_sheet_by_name("Settings").to_python()}
    assert settings["Amber window (days)"] == 30 and settings["Note"] == "Agreed on 1 May"
    assert settings["Reporting date"] == date(2026, 9, 30)
    assert not [f for f in cip_xl.validate(example_path).findings
                if f.code == "setting-not-number"]
    trail = book.get_sheet_by_name("Audit").to_python()
    assert [row[5:7] for row in trail[1:4]] == [["", ""],
                                                [date(2026, 4, 1), date(2026, 7, 1)],
                                                [20, 40]]
    assert openpyxl.load_workbook(example_path)["Officers"]["F2"].number_format == \
        '"£"#,##0'


def test_backups_are_kept_recent_daily_and_monthly_not_for_ever(example_path):
    """Every save backs the plan up first; a plan saved at every merge, approval and
    refresh for years would fill its folder (and the library it syncs to). A save
    keeps the 20 newest backups, the newest of each of the last 31 days with one, and
    the newest of every month, and deletes nothing else — not other plans' backups,
    nor files named otherwise — so `changes --since` still finds each quarter's."""
    from datetime import datetime, timedelta

    from cip_xl.changes import backup_for
    from cip_xl.safe_save import BACKUP_FOLDER, backups_of, make_backup

    start = datetime(2025, 1, 1, 9, 0)
    for hour in range(0, 400 * 24, 7):  # every 7 hours for 400 days
        make_backup(example_path, when=start + timedelta(hours=hour))
    folder = example_path.parent / BACKUP_FOLDER
    other = folder / "other plan.20250101-090000.xlsx"
    notes = folder / "plan.before the restructure.xlsx"
    other.write_bytes(b"another plan's backup")
    notes.write_bytes(b"kept by hand")
    made = sorted(backups_of(example_path))
    assert len(made) == 400 * 24 // 7 + 1

    cip_xl.save_plan(cip_xl.load_plan(example_path), example_path)
    kept = backups_of(example_path)
    newest = [when for when, _ in kept[:21]]
    assert newest[1:] == [when for when, _ in made[-20:]][::-1]  # the 20 before this save
    days = {when.date() for when, _ in made}
    last_days = sorted(days)[-30:]  # (the 31st: today, the backup this save made)
    for day in last_days:  # the newest of each of the last 31 days with a backup
        assert max(w for w, _ in made if w.date() == day) in {w for w, _ in kept}
    for month in {(w.year, w.month) for w, _ in made}:  # the newest of every month
        assert max(w for w, _ in made if (w.year, w.month) == month) in {w for w, _ in kept}
    assert len(kept) < 80 and other.exists() and notes.exists()
    # a quarter's comparison still finds the plan as it was at the end of June
    assert backup_for(example_path, "30/06/2025").name == \
        f"plan.{max(w for w, _ in made if w.month == 6 and w.year == 2025):%Y%m%d-%H%M%S}.xlsx"


def test_actions_sorted_in_code_stay_in_their_rows(example_path):
    """Saved into the file it was read from, each action goes back into its own row
    whatever its place in plan.actions: sorting the list in code neither sorts the
    sheet nor moves a council's note (a column with no heading) off its action."""
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    note = ws.max_column + 2
    for row in range(2, ws.max_row + 1):
        ws.cell(row, note).value = f"note on {ws.cell(row, 1).value}"
    wb.save(example_path)
    before = [c.value for c in ws["A"]]

    plan = cip_xl.load_plan(example_path)
    plan.actions.sort(key=lambda a: str(a.target_date))
    plan.actions[0].progress_update = "Sorted in code, changed in code"
    changed = plan.actions[0].ref
    cip_xl.save_plan(plan, example_path)

    ws = openpyxl.load_workbook(example_path)["Plan"]
    assert [c.value for c in ws["A"]] == before
    assert all(ws.cell(r, note).value == f"note on {ws.cell(r, 1).value}"
               for r in range(2, ws.max_row + 1))
    heads = {c.value: c.column for c in ws[1]}
    row = before.index(changed) + 1
    assert ws.cell(row, heads["Progress update"]).value == "Sorted in code, changed in code"


def test_the_decision_column_offers_approve_and_reject_without_refusing_words(example_path):
    """The Change requests sheet's Decision column has a dropdown of Approve / Reject
    that refuses nothing (a decision with its reason after it can be typed), given once
    however often the plan is laid out again; it follows the column if it is moved."""
    cip_xl.save_plan(cip_xl.load_plan(example_path), example_path)
    wb = openpyxl.load_workbook(example_path)
    lists = [(str(dv.sqref), dv.showErrorMessage) for dv in
             wb["Change requests"].data_validations.dataValidation
             if dv.formula1 == '"Approve,Reject"']
    heads = [c.value for c in wb["Change requests"][1]]
    letter = openpyxl.utils.get_column_letter(heads.index("Decision") + 1)
    assert lists == [(f"{letter}2:{letter}1048576", False)]
    wb["Change requests"].insert_cols(1)  # a column of the council's own before them
    wb["Change requests"]["A1"] = "Seen by"
    wb.save(example_path)
    plan = cip_xl.load_plan(example_path)
    plan.themes.append(Theme("A new theme", 9))  # laid out again
    cip_xl.save_plan(plan, example_path)
    moved = openpyxl.utils.get_column_letter(heads.index("Decision") + 2)
    sheet = openpyxl.load_workbook(example_path)["Change requests"]
    assert [str(dv.sqref) for dv in sheet.data_validations.dataValidation
            if dv.formula1 == '"Approve,Reject"'] == [f"{moved}2:{moved}1048576"]


def test_a_backup_made_in_the_same_second_as_others_is_numbered_after_them(example_path):
    """Backups made in one second are numbered (-2, -3); with one of them deleted (pruned,
    or by hand), the next still takes the next number, so that it is listed, and put
    back by 'restore last', as the newest."""
    from datetime import datetime

    from cip_xl.safe_save import backups_of, make_backup

    when = datetime(2026, 12, 3, 9, 30, 5)
    first, second, third = (make_backup(example_path, when=when) for _ in range(3))
    assert [p.name for p in (first, second, third)] == [
        "plan.20261203-093005.xlsx", "plan.20261203-093005-2.xlsx",
        "plan.20261203-093005-3.xlsx"]
    second.unlink()
    fourth = make_backup(example_path, when=when)
    assert fourth.name == "plan.20261203-093005-4.xlsx"
    assert backups_of(example_path)[0][1] == fourth
