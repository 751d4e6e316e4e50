"""The traffic lights inside the workbook: live RAG formulas, colours and a Summary.

:func:`install` writes, into an openpyxl workbook already holding the plan:

* in each action's RAG cell, a formula that applies :mod:`cip_xl.status`'s rule to the
  row and the named settings (``ReportDate``, ``AmberWindow``...), so the word and symbol
  stay right while people edit in Excel with no Python; the cell is also filled with the
  colour of the verdict Python computed;
* conditional formats that colour each RAG cell by the word it shows, so colour and word
  can never disagree;
* a Summary sheet of SUMPRODUCT formulas — verdicts by theme and by directorate — and a
  stacked bar chart with a text alternative. (SUMPRODUCT compares names exactly; COUNTIFS
  would read a theme called "<Homes>" or "Net zero*" as a comparison or a wildcard.)
"""
from __future__ import annotations

from .model import Plan
from .schema import VERDICTS, Contract, verdict_fills
from .status import Judgement

SUMMARY_SHEET = "Summary"
#: the Summary chart's title, and the text alternative a screen reader reads for it
#: (Excel's Accessibility Checker calls a chart without one an error). It says what
#: the chart shows rather than its counts, which Excel works out again as the plan
#: is edited.
CHART_TITLE = "Actions by status and theme"
CHART_DESCRIPTION = (
    "Stacked bar chart: one bar per theme, divided by status ("
    + ", ".join(v.word for v in VERDICTS) + "). The same counts are in the table "
    "'Actions by theme' above the chart.")
SPARE_ROWS = 500


def rag_formula(row: int, letters: dict[str, str]) -> str:
    """The Excel formula computing the RAG label of ``row`` (see :mod:`cip_xl.status`).

    ``letters`` maps the column keys status, percent_complete, due_date and last_updated
    to their letters. Written without LET so LibreOffice 7 computes it too.
    """
    s = f"${letters['status']}{row}"
    p = f"${letters['percent_complete']}{row}"
    d = f"${letters['due_date']}{row}"
    u = f"${letters['last_updated']}{row}"
    label = {v.word: f'"{v.label}"' for v in VERDICTS}
    start = "IF(ISNUMBER(PlanStart),PlanStart,DATE(YEAR(ReportDate)-(MONTH(ReportDate)<4),4,1))"
    behind = (f"IF(AND(ISNUMBER({d}),{s}<>\"Ongoing\",{s}<>\"Not started\",{s}<>\"\","
              f"ISNUMBER({p}),ProgressThreshold>0,"
              f"{start}<ReportDate,ReportDate<{d}),"
              f"{p}*100<ProgressThreshold*100*(ReportDate-{start})/({d}-{start}),FALSE)")
    return (
        f'=IF({s}="Cancelled",{label["Cancelled"]},'
        f'IF({s}="Complete",{label["Complete"]},'
        f'IF({s}="Deferred",{label["Not due"]},'
        f'IF(AND(ISNUMBER({d}),{d}<ReportDate,{s}<>"Ongoing"),{label["Overdue"]},'
        f'IF(OR({s}="At risk",{s}="Slipped"),{label["At risk"]},'
        f'IF(AND(ISNUMBER({d}),{s}<>"Ongoing",{d}-ReportDate<=AmberWindow,'
        f'N({p})<AmberPercent),{label["At risk"]},'
        f'IF({behind},{label["At risk"]},'
        f'IF(AND(OR(NOT(ISNUMBER({u})),{u}<ReportDate-NoUpdateDays),{s}<>"",'
        f'{s}<>"Not started"),{label["No update"]},'
        f'IF(OR({s}="On track",{s}="Ongoing",N({p})>0),{label["On track"]},'
        f'{label["Not due"]})))))))))'
    )


def install(wb, plan: Plan, contract: Contract, judgements: dict[str, Judgement],
            layout: tuple[int, dict[str, int], dict[str, int]],
            palette: dict[str, str] | None = None) -> None:
    """Write RAG formulas, fills, conditional formats and the Summary into ``wb``.

    ``layout`` is :func:`cip_xl.plan_write.plan_layout`'s answer for the Plan sheet;
    ``palette`` overrides verdict fill colours by word (RRGGBB).
    """
    from openpyxl.formatting.rule import FormulaRule

    from .plan_write import last_action_row, writable_cell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter

    palette = verdict_fills(palette)
    text_colours = {word: _text_font(colour) for word, colour in palette.items()}
    header_row, by_key, _ = layout
    letters = {key: get_column_letter(index) for key, index in by_key.items()}
    ws = wb[_title(wb, contract.plan_sheet)]
    rag = letters["rag"]
    for offset, action in enumerate(plan.actions, start=1):
        row = action.row or header_row + offset  # as the Plan sheet was just written
        cell = writable_cell(ws, row, by_key["rag"], "=", f"Ref {action.ref}'s RAG formula")
        cell.value = rag_formula(row, letters)
        judgement = judgements.get(action.action_id)
        if judgement:
            cell.fill = PatternFill("solid", fgColor=palette[judgement.verdict.word])
        cell.font = Font(bold=True, color=text_colours[judgement.verdict.word]
                         if judgement else None)
    last = last_action_row(plan, header_row) + SPARE_ROWS
    target = f"{rag}{header_row + 1}:{rag}{last}"
    ws.conditional_formatting = _without(ws.conditional_formatting, rag)
    # where a council's colours take white words, every rule says its words' colour:
    # a verdict shown in place of another must not keep white words on a light fill
    dark = any(text_colours.values())
    for verdict in VERDICTS:
        colour = palette[verdict.word]
        ws.conditional_formatting.add(target, FormulaRule(
            formula=[f'${rag}{header_row + 1}="{verdict.label}"'], stopIfTrue=True,
            fill=PatternFill(start_color=colour, end_color=colour, fill_type="solid"),
            font=Font(color=text_colours[verdict.word] or "FF000000") if dark else None))
    _summary(wb, plan, contract, letters, header_row, last, palette)


def _text_font(fill: str) -> str | None:
    """The font colour (ARGB) for words on ``fill``: white where it reads better than
    black (see :func:`cip_xl.schema.text_colour_on`); None (Excel's automatic, black)
    otherwise."""
    from .schema import text_colour_on

    return "FFFFFFFF" if text_colour_on(fill) == "FFFFFF" else None


def _title(wb, name: str) -> str:
    for title in wb.sheetnames:
        if title.strip().lower() == name.strip().lower():
            return title
    raise KeyError(name)


def _without(formatting, letter: str):
    """The sheet's conditional formats minus those cip-xl put on the RAG column."""
    from openpyxl.formatting.formatting import ConditionalFormattingList

    kept = ConditionalFormattingList()
    for cf in formatting:
        if all(str(r).startswith(letter) and str(r)[len(letter):len(letter) + 1].isdigit()
               for r in cf.sqref.ranges):
            continue
        for rule in cf.rules:
            kept.add(str(cf.sqref), rule)
    return kept


def _summary(wb, plan: Plan, contract: Contract, letters: dict[str, str], header_row: int,
             last: int, palette: dict[str, str]) -> None:
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Alignment, Font, PatternFill

    from .plan_write import print_across, set_text

    if SUMMARY_SHEET in wb.sheetnames:
        del wb[SUMMARY_SHEET]
    ws = wb.create_sheet(SUMMARY_SHEET, 1)
    plan_ref = "'" + _title(wb, contract.plan_sheet).replace("'", "''") + "'"
    rag = f"{plan_ref}!${letters['rag']}${header_row + 1}:${letters['rag']}${last}"
    ws["A1"] = '="Status of actions as at "&TEXT(ReportDate,"dd/mm/yyyy")'
    ws["A1"].font = Font(bold=True, size=14)
    ws.column_dimensions["A"].width = 36
    for index in range(2, len(VERDICTS) + 3):
        ws.column_dimensions[chr(64 + index)].width = 13

    def table(top: int, title: str, key: str, groups: list[str]) -> tuple[int, int]:
        column = f"{plan_ref}!${letters[key]}${header_row + 1}:${letters[key]}${last}"
        ws.cell(top, 1, title).font = Font(bold=True)
        head = top + 1
        ws.cell(head, 1, "Theme" if key == "theme" else "Directorate")
        for offset, verdict in enumerate(VERDICTS, start=2):
            ws.cell(head, offset, verdict.label)
        ws.cell(head, len(VERDICTS) + 2, "Total")
        for offset in range(1, len(VERDICTS) + 3):
            cell = ws.cell(head, offset)
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, horizontal="center")
            word = cell.value.split(" ", 1)[-1] if offset > 1 else None
            if word in palette:
                cell.fill = PatternFill("solid", fgColor=palette[word])
                cell.font = Font(bold=True, color=_text_font(palette[word]))
        for r, group in enumerate(groups, start=head + 1):
            set_text(ws.cell(r, 1), group)  # a theme called "=Growth" is not a formula
            for c in range(2, len(VERDICTS) + 2):
                letter = chr(64 + c)
                ws.cell(r, c, f"=SUMPRODUCT(({column}=$A{r})*({rag}={letter}${head}))")
            ws.cell(r, len(VERDICTS) + 2, f"=SUM(B{r}:{chr(64 + len(VERDICTS) + 1)}{r})")
        total = head + len(groups) + 1
        ws.cell(total, 1, "All actions").font = Font(bold=True)
        for c in range(2, len(VERDICTS) + 3):
            letter = chr(64 + c)
            ws.cell(total, c, f"=SUM({letter}{head + 1}:{letter}{total - 1})" if groups else 0)
            ws.cell(total, c).font = Font(bold=True)
        return head, total

    themes = plan.theme_names()
    directorates = sorted({a.directorate for a in plan.actions if a.directorate})
    head, total = table(3, "Actions by theme", "theme", themes)
    table(total + 3, "Actions by directorate", "directorate", directorates)

    if themes:
        chart = BarChart()
        chart.type, chart.grouping, chart.overlap = "bar", "stacked", 100
        chart.title = CHART_TITLE  # (its text alternative: plan_patch.described_charts)
        chart.y_axis.title = "Actions"
        data = Reference(ws, min_col=2, max_col=len(VERDICTS) + 1, min_row=head,
                         max_row=total - 1)
        chart.add_data(data, titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=head + 1, max_row=total - 1))
        for series, verdict in zip(chart.series, VERDICTS):
            series.graphicalProperties.solidFill = palette[verdict.word]
            series.graphicalProperties.line.solidFill = "404040"
        chart.width, chart.height = 22, 3 + 1.2 * len(themes)
        ws.add_chart(chart, f"A{total + len(directorates) + 8}")
    note = ws.cell(total + len(directorates) + 7, 1,
                   "Chart: the same counts as the table 'Actions by theme' above, as "
                   "stacked bars, one bar per theme.")
    note.font = Font(italic=True)
    if themes:  # printed, the chart starts a page rather than breaking across two
        from openpyxl.worksheet.pagebreak import Break

        ws.row_breaks.append(Break(id=note.row - 1))
    ws.sheet_view.showGridLines = False
    ws.row_dimensions[head].height = 30
    print_across(ws)
