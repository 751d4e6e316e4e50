"""The ``cip-xl`` command line: a thin face over :mod:`cip_xl.api`.

Each command parses its options, makes one library call and prints the result. Errors
that are findings print as one line and exit 2 (unusable file) or 1 (plan has errors);
nothing prints a traceback unless ``CIP_XL_DEBUG=1`` is set.
"""
from __future__ import annotations

import contextlib
import json
import os
import re
import sys
from datetime import date, datetime
from pathlib import Path

import click

from .findings import ERROR, PlanFileError

EXIT_FINDINGS, EXIT_UNUSABLE, EXIT_INTERNAL = 1, 2, 3


def _date(ctx, param, value: str | None) -> date | None:
    if value is None:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    from .dates import day_first_hint

    hint = day_first_hint(value)
    raise click.BadParameter(f"'{value}' is not a date; " + (hint or "write e.g. 30/09/2026"))


profile_option = click.option(
    "--profile", type=click.Path(dir_okay=False, exists=True),
    help="Council profile (INI): its sheet and column names, traffic-light colours and "
         "backups kept; default: cip-xl.ini beside the plan.")


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="cip-xl", prog_name="cip-xl")
def cli() -> None:
    """Automate a council improvement plan kept in Excel.

    \b
    The quarterly cycle:
      cip-xl new PLAN.xlsx          start a blank plan
      cip-xl import OLD.docx -o PLAN.xlsx   or bring in last year's plan
      cip-xl validate PLAN.xlsx     check it, cell by cell
      cip-xl status PLAN.xlsx       traffic lights, live in Excel, and a Summary sheet
      cip-xl returns PLAN.xlsx      one protected return per department
      cip-xl merge PLAN.xlsx R/*.xlsx   take the returns back in, losing nothing
      cip-xl approve PLAN.xlsx      decide proposed dates and new actions
      cip-xl report PLAN.xlsx       the Word committee report and appendices
      cip-xl remind PLAN.xlsx       reminders to lead officers (.eml drafts or SMTP)
      cip-xl changes PLAN.xlsx --since 30/06/2026   what moved since last quarter
      cip-xl export PLAN.xlsx -o plan.csv   the plan as open data, to publish
      cip-xl restore PLAN.xlsx last     undo the last save (a merge, say), trail kept
      cip-xl demo                   run everything on a built-in example plan
    """


@cli.command()
@click.argument("plan", type=click.Path(dir_okay=False))
@click.option("--council", default="", help="Council name for the Settings sheet.")
@click.option("--title", default="Corporate Improvement Plan", show_default=True,
              help="Plan title.")
@click.option("--reporting-date", callback=_date, help="Quarter end, e.g. 30/09/2026.")
@click.option("--overwrite", is_flag=True,
              help="Replace PLAN if it exists (it is kept in backups/ first).")
@profile_option
def new(plan, council, title, reporting_date, overwrite, profile) -> None:
    """Write a blank plan workbook PLAN.xlsx with every sheet, dropdown and header."""
    from . import api
    from .safe_save import backups_of

    existed = Path(plan).exists()
    path = api.new_plan_file(plan, council=council, title=title,
                             reporting_date=reporting_date, profile=profile,
                             overwrite=overwrite)
    click.echo(f"Wrote a blank plan to {path}. Add officers and themes on their sheets, "
               "then one row per key action on the Plan sheet.")
    kept = backups_of(path) if existed else []
    if kept:
        click.echo(f"The file replaced is kept as {max(kept)[1]}.")


@cli.command()
@click.argument("plan", type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["table", "json"], case_sensitive=False),
              default="table",
              show_default=True, help="How to print the findings.")
@click.option("--annotate", "annotate_", is_flag=True,
              help="Also write a copy with a Findings sheet and the problem cells "
                   "highlighted (PLAN.checked.xlsx, or --output). Make fixes in the plan: "
                   "a copy typed into since is not written over.")
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="Where --annotate writes its copy.")
@click.option("--strict", is_flag=True, help="Exit 1 on warnings too.")
@click.option("--trail", is_flag=True,
              help="Also check that the Audit sheet only grew: every entry of the copy "
                   "of the last save and of each backup still there, as it was (reads "
                   "every one of them: slower on a trail of years).")
@profile_option
def validate(plan, fmt, annotate_, output, strict, trail, profile) -> None:
    """Check PLAN against the workbook contract and report every problem by cell.

    Exits 0 when there are no errors, 1 when there are, 2 when the file cannot be read
    at all (corrupt, password-protected, .xls, not a plan).
    """
    from . import api

    report = api.validate(plan, profile)
    findings = report.findings + (api.check_trail(plan, profile) if trail else [])
    if fmt == "json":
        click.echo(json.dumps({"file": str(plan), "ok": report.ok,
                               "findings": [f.as_dict() for f in findings]}, indent=2,
                              default=str))
    else:
        _print_findings(findings, title=f"{Path(plan).name}: {len(report.plan.actions)} "
                        "actions checked")
    if annotate_:
        out = api.annotate(plan, findings, output)
        click.echo(f"Annotated copy: {out}", err=fmt == "json")
    if report.errors or (strict and findings and
                         any(f.severity == "warning" for f in findings)):
        sys.exit(EXIT_FINDINGS)


def _print_findings(findings, title: str) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    if not findings:
        console.print(f"{title}: no problems found.")
        return
    if not console.is_terminal:  # a log or a pipe: one plain line per finding
        click.echo(title)
        for finding in findings:
            click.echo(str(finding))
        return
    table = Table(title=title, show_lines=False, expand=False)
    for header in ("Severity", "Where", "Finding", "Code"):
        table.add_column(header, overflow="fold")
    style = {"error": "bold red", "warning": "yellow", "info": "dim"}
    for finding in findings:
        where = f"{finding.sheet}!{finding.cell}" if finding.cell else (finding.sheet or "")
        table.add_row(f"[{style.get(finding.severity, '')}]{finding.severity}[/]", where,
                      finding.message, finding.code)
    console.print(table)
    counts = {s: sum(1 for f in findings if f.severity == s)
              for s in ("error", "warning", "info")}
    console.print(", ".join(f"{n} {s}{'s' if n != 1 else ''}" for s, n in counts.items()))


@cli.command()
@click.argument("plan", type=click.Path(dir_okay=False))
@click.option("--as-of", callback=_date,
              help="Judge as of this date (it becomes the plan's reporting date); "
                   "default: the reporting date in Settings.")
@click.option("--verbose", "-v", is_flag=True, help="List every action with its reason.")
@profile_option
def status(plan, as_of, verbose, profile) -> None:
    """Work out every action's traffic light and write it into PLAN.

    Writes the RAG column (symbol + word, e.g. "▲ At risk") as live formulas with
    colours that follow the word, a Summary sheet of counts by theme and directorate,
    and keeps a backup of the previous file in backups/.
    """
    from . import api
    from .schema import VERDICTS
    from .status import counts

    result = api.refresh_status(plan, as_of, profile)
    _print_counts(counts(result.plan, result.judgements), VERDICTS,
                  f"Status as at {result.as_of:%d/%m/%Y}")
    if verbose:
        from rich.console import Console
        from rich.table import Table

        table = Table("Ref", "RAG", "Reason", "Lead")
        for action in result.plan.actions:
            judgement = result.judgements[action.action_id]
            table.add_row(action.ref, judgement.label, judgement.reason, action.lead_officer)
        Console().print(table)
    if result.findings:
        _print_findings(result.findings, title=f"In {Path(plan).name} itself")
    if not result.saved:
        click.echo(f"{plan} already shows these traffic lights; it was left as it was.")
        return
    click.echo(f"Wrote the traffic lights into {plan}"
               + (f" (previous version kept as {result.backup})" if result.backup else "."))


def _print_counts(groups, verdicts, title: str) -> None:
    """Verdicts down the side, all actions then each theme across (fits 80 columns)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    table.add_column("Status", no_wrap=True)
    table.add_column("All", justify="right")
    for group in groups:
        table.add_column(group, justify="right")
    for verdict in verdicts:
        per_group = [tally.get(verdict.word, 0) for tally in groups.values()]
        table.add_row(verdict.label, str(sum(per_group)), *map(str, per_group))
    table.add_row("Total", str(sum(sum(t.values()) for t in groups.values())),
                  *(str(sum(t.values())) for t in groups.values()), style="bold")
    Console().print(table)


@cli.command()
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("-o", "--output", type=click.Path(file_okay=False), default="returns",
              show_default=True, help="Folder to write the returns into.")
@click.option("--by", type=click.Choice(["directorate", "officer"], case_sensitive=False),
              help="One return per directorate or per lead officer.  [default: "
                   "directorate; officer where no officer has a directorate]")
@click.option("--department", "departments", multiple=True, metavar="NAME",
              help="Issue only this department's return again (repeat for more): after "
                   "moving an action or changing its lead officer, or for a lost file. "
                   "The other departments' returns of this round stay good; returns are "
                   "split as this round's were (--by is not needed).")
@click.option("--new-round", is_flag=True,
              help="Start a new round even though this round's returns are out and none "
                   "has been merged (they can then no longer be merged).")
@click.option("--reporting-date", callback=_date,
              help="This quarter's end, e.g. 31/12/2026: set in Settings first (the "
                   "Audit sheet records it), so the returns ask for progress as at it.")
@profile_option
def returns(plan, output, by, departments, new_round, reporting_date, profile) -> None:
    """Issue this quarter's returns: one protected workbook per department.

    Officers can change only Status, % complete, Progress update, a proposed revised date
    and a comment, and may propose new actions. The plan's revision goes up by one, so
    returns issued before can no longer be merged: while this round's are out and none
    has been merged, a new round is refused unless --new-round is given. The returns ask
    for progress as at the reporting date in Settings (--reporting-date moves it to
    this quarter's end): a round issued more than 100 days from it is warned about.

    With --department, only the departments named get a new return, from the plan as it
    is now; each replaces that department's return of this round, and every other return
    already sent can still be merged. A replaced return that comes back filled in anyway
    still merges as a copy of the new one (where both set a cell, the one saved last
    wins), for the actions still in that department; what it says of actions that moved
    to another department is listed, not taken in.
    """
    from . import api

    issued = api.issue_returns(plan, output, by, profile,
                               departments=list(departments) if departments else None,
                               new_round=new_round, reporting_date=reporting_date,
                               who=os.environ.get("USER") or os.environ.get("USERNAME", ""))
    for item in issued:
        actions = "action " if item.actions == 1 else "actions"
        click.echo(f"  {item.department:<32} {item.actions:>4} {actions}  {item.path}")
    for finding in issued.findings:
        where = f"{finding.where}: " if finding.cell else ""  # a cell of the plan
        click.echo(f"{where}{finding.severity}: {finding.message} [{finding.code}]",
                   err=True)
    again = " again" if departments else ""
    click.echo(f"Issued {len(issued)} return{'s' if len(issued) != 1 else ''}{again} into "
               f"{output}/. Send each to its department; save what comes back in a "
               f"folder of its own (say returned/) and merge it with: "
               f"cip-xl merge {_typed(plan)} returned/")


@cli.command()
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.argument("returned", nargs=-1, required=True, type=click.Path())
@click.option("--dry-run", is_flag=True, help="Report what would happen; change nothing.")
@click.option("--report", type=click.Path(dir_okay=False),
              help="Also write the merge report to this .md or .xlsx file.")
@click.option("--convert-ods", is_flag=True,
              help="Have LibreOffice (where installed) convert returns saved as .ods, "
                   "and merge them. Off by default: it starts an office program on "
                   "files from outside, which cip-xl otherwise never does.")
@profile_option
def merge(plan, returned, dry_run, report, convert_ods, profile) -> None:
    """Merge returned workbooks into PLAN: apply officers' edits, report the rest.

    RETURNED are the files officers sent back, or a folder holding them (every file in
    it is merged or named, whatever its type).

    Each edit is compared as issued / as returned / in the master now: allowed edits are
    applied and audited; locked-column edits, deleted rows, clashes and returns for
    another plan or revision are listed by file and cell and not applied. Proposed
    dates, new actions, comments and notes on an action's cells go to Change requests
    (decide them with 'cip-xl approve'). Copies of one return (a corrected version, or
    one filled in by two people) merge cell by cell; where two changed the same cell,
    the copy saved last wins. Text typed anywhere else in a return is listed by cell; so
    is what a workbook that cannot be merged (an .xls, rows copied into another
    workbook; an .ods, unless --convert-ods and LibreOffice) says that the master does
    not. In a terminal at most 20 findings are shown for each return; with more, all are
    in the merge report (--report, or one written beside the plan). Exits 1 if anything
    was refused.
    """
    from . import api
    from .merging import returned_files

    files = returned_files(returned)  # a folder: the files in it
    with click.progressbar(length=len(files), label="Merging returns",
                           file=sys.stderr, hidden=not sys.stderr.isatty()) as bar:
        def step(path):
            bar.label = f"Merging {Path(path).name[:40]}"
            bar.update(1)
        result = api.merge(plan, list(returned), dry_run=dry_run, profile=profile,
                           report=report, progress=step, convert_ods=convert_ods)
    if report is None and _on_terminal() and _too_many(result):
        # a screenful at most per return: the rest goes into a report beside the plan
        from datetime import datetime

        from .merge_report import write_report

        report = Path(plan).with_name(f"merge-report-{datetime.now():%Y%m%d-%H%M%S}.md")
        write_report(result, report)
    _print_merge(result, SHOWN_PER_RETURN if report and _on_terminal() else None, report)
    if report:
        click.echo(f"Merge report written to {report}")
    if any(o.refusals for o in result.outcomes):
        sys.exit(EXIT_FINDINGS)


#: in a terminal, the findings shown for each return; the rest are in the merge report
SHOWN_PER_RETURN = 20


def _on_terminal() -> bool:
    """Whether output goes to a person's terminal (not a log or a pipe, which get all)."""
    return sys.stdout.isatty()


def _too_many(result) -> bool:
    """Whether some return has more findings to show than a terminal should."""
    return any(sum(f.severity != "info" for f in o.findings) > SHOWN_PER_RETURN
               for o in result.outcomes)


def _print_merge(result, shown: int | None = None, report=None) -> None:
    """The merge's table of returns, then its findings — at most ``shown`` for each
    return when given, with where the rest are (``report``)."""
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"Merge into {result.plan_path.name}"
                  + (" (dry run: nothing written)" if result.dry_run else ""))
    for header in ("Return", "Department", "Applied", "Requests", "Refused", "Result"):
        table.add_column(header, overflow="fold")
    for o in result.outcomes:
        table.add_row(o.file.name, o.department, str(o.edits), str(len(o.requests)),
                      str(len(o.refusals)), o.verdict)
    console.print(table)
    refusals, left = [], 0
    for o in result.outcomes:
        mine = [f for f in o.findings if f.severity != "info"]
        if shown is not None and len(mine) > shown:
            left += len(mine) - shown
            mine = mine[:shown]
        refusals += mine
    if result.master_findings:
        _print_findings(result.master_findings, title=f"In {result.plan_path.name} itself")
    if refusals:
        _print_findings(refusals, title="Not taken in, or worth a look")
    if left:
        console.print(f"… and {left} more, {shown} shown for each return at most: every "
                      f"one is in the merge report, {report}.", soft_wrap=True)
    if result.missing:
        console.print("Returns not yet received: " + ", ".join(result.missing),
                      soft_wrap=True)
    if result.saved:
        console.print(f"Saved {result.plan_path} (previous version: {result.backup})",
                      soft_wrap=True)  # a path is not broken across lines
    elif not result.dry_run:
        console.print("Nothing changed in the master.")


@cli.command()
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("--approve", "approve_ids", multiple=True, metavar="ID",
              help="Approve this change request: its ID, or the Ref of an action with "
              "one undecided request (repeatable).")
@click.option("--reject", "reject_ids", multiple=True, metavar="ID",
              help="Reject this change request: its ID or Ref, as --approve "
              "(repeatable).")
@click.option("--all", "approve_all", is_flag=True,
              help="Approve every undecided request whose Decision cell is empty "
              "(what is typed there decides the others).")
@click.option("--by", default=lambda: os.environ.get("USER") or os.environ.get("USERNAME", ""),
              help="Your name, for the audit trail (default: your login).")
@click.option("--dry-run", is_flag=True, help="Show what would be decided; change nothing.")
@profile_option
def approve(plan, approve_ids, reject_ids, approve_all, by, dry_run, profile) -> None:
    """Decide change requests: proposed revised dates, new actions, comments.

    Decide by ID here, or type Approve / Reject in the Decision column of the Change
    requests sheet and run this without options. Approved dates and actions are applied
    to the plan and audited.
    """
    from . import api

    result = api.approve(plan, approve_ids=set(approve_ids), reject_ids=set(reject_ids),
                         approve_all=approve_all, by=by, profile=profile, dry_run=dry_run)
    for label, items in (("Approved", result.approved), ("Rejected", result.rejected),
                         ("Still to decide", result.pending)):
        for request in items:
            click.echo(_request_line(label, request))
    if result.pending and not dry_run:
        click.echo("Decide with --approve ID or --reject ID (or --all), or type Approve or "
                   "Reject in the Decision column of the Change requests sheet and run "
                   "this again.")
    if result.findings:
        _print_findings(result.findings, title="Approvals")
    if any(f.severity == "error" for f in result.findings):
        sys.exit(EXIT_FINDINGS)


def _request_line(label: str, request) -> str:
    """One change request as the manager decides it: what is asked, for which action,
    the officer's reason and the return it came from."""
    from datetime import date

    proposed = request.proposed
    proposed = f"{proposed:%d/%m/%Y}" if isinstance(proposed, date) else \
        " ".join(str(proposed).split())
    proposed = proposed if len(proposed) <= 60 else proposed[:59] + "…"
    reason = " ".join(request.reason.split())
    reason = f' "{reason if len(reason) <= 80 else reason[:79] + "…"}"' if reason else ""
    source = f", from the {request.from_return.split(' (')[0]}" if request.from_return \
        else ""
    return (f"{label:<16} {request.request_id}  {request.kind:<13} "
            f"{request.ref or '(new)':<6} {proposed}{reason}{source}")


@cli.command()
@click.option("-o", "--output", type=click.Path(file_okay=False), default="cip-xl-demo",
              show_default=True, help="Folder to write the demo's files into.")
def demo(output) -> None:
    """Run the quarterly cycle on a fictional council's plan and write what it makes."""
    from . import api

    result = api.run_demo(output)
    click.echo(f"cip-xl demo: Wrenfield District Council, "
               f"{len(result.report.plan.actions)} actions, wrote into {result.folder}/")
    for label, path in result.outputs.items():
        click.echo(f"  {label:<14} {path}")
    errors = len(result.report.errors)
    click.echo(f"Validation: {errors} errors, {len(result.report.findings) - errors} "
               "warnings and notes.")
    merged = result.merge
    if merged:
        outcome = merged.outcomes[0]
        click.echo(f"Merged the Place return as if its officers had filled it in: "
                   f"{outcome.edits} changes applied, {len(outcome.requests)} change "
                   f"request(s), {len(outcome.refusals)} refused (see the merge report).")


@cli.command("import")
@click.argument("source", type=click.Path(dir_okay=False))
@click.option("-o", "--output", type=click.Path(dir_okay=False), required=True,
              help="The new plan workbook to write (.xlsx).")
@click.option("--mapping", type=click.Path(dir_okay=False, exists=True),
              help="INI file saying which of your headers means which column: "
                   "[columns] then 'Accountable = lead_officer' lines.")
@click.option("--council", default="", help="Council name for the Settings sheet "
              "[default: the name the file gives].")
@click.option("--overwrite", is_flag=True,
              help="Replace OUTPUT if it exists (it is kept in backups/ first).")
@click.option("--open-only", is_flag=True,
              help="From a plan kept with cip-xl: leave out the actions marked Complete or "
                   "Cancelled.")
@click.option("--convert", is_flag=True,
              help="Have LibreOffice (where installed) convert a plan kept as .doc, .rtf, "
                   ".odt, .xls, .ods, XML Spreadsheet 2003 or a saved web page, and import "
                   "that.")
@click.option("-v", "--verbose", is_flag=True,
              help="Also list the small notes (theme rows read, 'See above' filled in).")
@profile_option
def import_(source, output, mapping, council, overwrite, open_only, convert, verbose,
            profile) -> None:
    """Bring in last year's plan from a Word appendix (.docx) or a spreadsheet
    (.xlsx, .csv), without retyping; with --convert, from an older or other office
    format too.

    Last year's plan kept with cip-xl is carried forward as it was — actions, officers,
    themes, settings — under a new Plan ID, with a fresh Audit trail, Returns and Change
    requests, and no reporting date until you set the new year's.

    Finds the plan tables (a header two rows deep too: "Timescale" over "Start" and
    "End"; a Word table per action, labels down the left), theme headings, the key of
    officer codes and status letters ("C = complete", "Green = completed", in a line,
    along a row, as coloured swatches or cells) and the review log; every guess (a ref
    repaired, "See above" filled in, a status word mapped, a status read from a blank
    RAG cell's red, amber, green or blue fill) is listed with its table and row. A
    "Last updated:" line over a tracker's table, or a Word plan's "Position as at"
    line, dates the progress updates that have no date of their own. A Word plan
    with changes tracked is read as if they were accepted (a warning says so); notes
    on a spreadsheet's cells and the addresses its links point to, and comments on a
    Word table's cells, are kept with their actions, in a 'Cell notes' column.
    The plan's title is taken from the document, without a covering report's
    "- Quarterly Update", and the council's name from the file's Author property, page
    headers, headings or text ("Rochford District Council", not "Full Council"), unless
    --council gives it.
    """
    from . import api

    result = api.import_plan(source, output, mapping=mapping, council=council,
                             profile=profile, overwrite=overwrite, open_only=open_only,
                             convert=convert)
    carried = any(f.code == "import-from-cip-plan" for f in result.findings)
    verbose = verbose or carried  # what was carried and what was not: all worth reading
    notes = [f for f in result.findings if verbose or f.severity != "info"]
    if notes:
        _print_findings(notes, title=f"{Path(source).name}: check these")
    small = sum(1 for f in result.findings if f.severity == "info")
    click.echo(result.summary + (f" {small} small notes (theme rows read, 'See above' "
                                 "filled in): -v lists them." if small and not verbose else ""))
    kept = f" (the file replaced is kept as {result.previous})" if result.previous else ""
    click.echo(f"Wrote {output}{kept}. Next: cip-xl validate {_typed(output)}")


@cli.command()
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("-o", "--output", type=click.Path(file_okay=False), default="reminders",
              show_default=True, help="Folder for the .eml drafts.")
@click.option("--as-of", callback=_date, help="Judge as of this date (default: reporting date).")
@click.option("--window", type=click.IntRange(min=0),
              help="Days ahead that count as 'due soon' (default: the amber window in "
                   "Settings).")
@click.option("--from", "sender", default="", help="Sender address for the emails.")
@click.option("--send", is_flag=True, help="Really send them by SMTP (default: drafts only).")
@click.option("--smtp", default="localhost", show_default=True, help="SMTP server.")
@click.option("--port", default=25, show_default=True, type=int, help="SMTP port.")
@click.option("--starttls", is_flag=True, help="Use STARTTLS.")
@click.option("--user", help="SMTP login; the password is read from CIP_XL_SMTP_PASSWORD.")
@profile_option
def remind(plan, output, as_of, window, sender, send, smtp, port, starttls, user,
           profile) -> None:
    """Write one reminder per lead officer: overdue actions, actions due soon, actions
    without an update, and returns not yet received.

    Completed, cancelled, ongoing and deferred actions are not chased. The reminders are
    .eml drafts (open them in Outlook); with --send they are sent by SMTP. An officer
    with no usable email address on the Officers sheet gets a draft without a To:
    address, to be typed in (--send leaves it unsent).
    """
    from . import api

    reminders, files, findings = api.remind(plan, output, sender=sender, as_of=as_of,
                                            window_days=window, profile=profile)
    for reminder in reminders:
        click.echo(f"  {reminder.officer.code:<8} {len(reminder.overdue)} overdue, "
                   f"{len(reminder.due_soon)} due soon, {len(reminder.no_update)} without "
                   f"update, {len(reminder.returns_missing)} return(s) missing")
    if findings:
        _print_findings(findings, title="Reminders")
    click.echo(f"Wrote {len(files)} draft(s) into {output}/.")
    if send and files:
        from .reminders import SENT_FOLDER
        from .reminders import send as send_all
        sending = send_all(files, smtp, port, starttls=starttls, username=user,
                           password=os.environ.get("CIP_XL_SMTP_PASSWORD"))
        if sending.refused:
            _print_findings(sending.refused, title="Not sent")
        click.echo(f"Sent {len(sending.sent)} reminder(s) through {smtp}:{port}"
                   + (f" (moved into {output}/{SENT_FOLDER}/)" if sending.sent else "")
                   + "." + (f" {len(sending.no_address)} draft(s) without a To: address "
                            "were not sent (see the warnings)." if sending.no_address else "")
                   + (f" {len(sending.already_sent)} went out earlier today, word for word, "
                      f"and were not sent again (delete them from {output}/{SENT_FOLDER}/ "
                      "to send them once more)." if sending.already_sent else ""))
        if sending.refused:
            sys.exit(EXIT_FINDINGS)
    elif files:
        click.echo("Nothing was sent (add --send to send them by SMTP).")


@cli.command()
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("--since", required=True,
              help="An earlier version: a backup file, or a date — 30/06/2026, or in "
                   "words: '30 June 2026', 'June 2026', 'Q1 2026/27' (its last day), "
                   "'today', 'last quarter' (the end of the quarter before the reporting "
                   "date's) — for the newest backup from on or before it.")
@click.option("--xlsx", type=click.Path(dir_okay=False),
              help="Also write the changes to this .xlsx file.")
@click.option("--theme", "themes", multiple=True, metavar="NAME",
              help="Only this theme's changes (repeat for more; as for report --theme).")
@click.option("--directorate", "directorates", multiple=True, metavar="NAME",
              help="Only the changes to actions this directorate's officers lead.")
@profile_option
def changes(plan, since, xlsx, themes, directorates, profile) -> None:
    """What changed since last quarter: status moves, date slips, new, completed and
    cancelled actions, and the direction of travel of each theme. Each change says who
    made it where the Audit sheet does (a return, an approval, an edit in the master)."""
    from rich.console import Console
    from rich.table import Table

    from . import api

    if xlsx:  # before the work: not over the plan, or the copy it is compared with
        from .safe_save import refuse_other_type, refuse_to_write_over

        refuse_other_type(xlsx, (".xlsx",), "the changes workbook")
        refuse_to_write_over(xlsx, [(plan, "the plan itself"),
                                    (since, "the earlier copy of the plan")],
                             "the changes workbook", "changes.xlsx",
                             plans=api.contract_for(plan, profile))
    result = api.changes(plan, since, profile=profile, themes=themes,
                         directorates=directorates)
    console = Console()
    before, after = (f"{day:%d/%m/%Y}" if day else "no reporting date"
                     for day in (result.before_date, result.after_date))
    table = Table(title=f"Changes since the earlier copy (reporting date {after} in both)"
                  if before == after else f"Changes from {before} to {after} (reporting dates)")
    for header in ("Ref", "Change", "Before", "After", "Key action", "By"):
        table.add_column(header, overflow="fold")
    for change in result.changes:
        table.add_row(change.ref, change.kind, change.before, change.after,
                      change.key_action[:60],
                      "; ".join(_who_briefly(who) for who in change.by.split("; ") if who))
    console.print(table)
    for travel in result.themes:
        console.print(f"{travel.theme}: {travel.direction}")
    if xlsx:
        from .changes import write_sheet
        write_sheet(result, Path(xlsx))
        click.echo(f"Wrote {xlsx}")


@cli.command()
@click.argument("plan", type=click.Path(dir_okay=False, exists=True))
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="The file to write: .csv, .json or .xlsx (default: PLAN-open-data.csv "
                   "beside the plan; with --theme or --directorate, PLAN-open-data-PART.csv)."
                   " Excel opening a CSV reads a Ref such as 1.10 as 1.1; the .xlsx keeps "
                   "it.")
@click.option("--as-of", callback=_date,
              help="Judge statuses as of this date (default: the reporting date).")
@click.option("--theme", "themes", multiple=True, metavar="NAME",
              help="Only this theme's actions (repeat for more; as for report --theme).")
@click.option("--directorate", "directorates", multiple=True, metavar="NAME",
              help="Only the actions this directorate's officers lead.")
@click.option("--column", "columns", multiple=True, metavar="HEADER",
              help="Add this column of the Plan sheet (repeat for more): one of the "
                   "plan's not published by default ('Target / outcomes', 'Resource "
                   "implications'), or the council's own ('Ward', for a dashboard to "
                   "filter by).")
@click.option("--with-names", is_flag=True,
              help="Add a Lead officer name column (names are left out by default as "
                   "personal data; the committee report names them already). Emails "
                   "are never published.")
@profile_option
def export(plan, output, as_of, themes, directorates, columns, with_names,
           profile) -> None:
    """Write PLAN's actions as open data: one row per action, for the council's open
    data portal or a dashboard (Power BI, a SharePoint list) to refresh each quarter.

    Each row gives the Ref and Action ID, theme, objective, key action, lead officers
    by job title, directorate, target, revised and due dates (2027-03-31 where a day is
    known), the status as judged and why, % complete, progress update, last updated and
    the date judged as at. Officers' names (unless --with-names) and emails are left
    out, and the Plan sheet's other columns unless named with --column. The CSV opens
    in Excel as UTF-8; text that would run as a formula there starts with an
    apostrophe. The plan is only read.
    """
    from . import api

    result = api.export(plan, output, as_of=as_of, themes=themes,
                        directorates=directorates, columns=columns, with_names=with_names,
                        profile=profile)
    click.echo(f"Wrote {result.path} ({result.actions} action"
               f"{'s' if result.actions != 1 else ''}, statuses as at "
               f"{result.as_at:%d/%m/%Y}).")
    if result.findings:
        _print_findings(list(result.findings), title="Before publishing")


#: how many backups ``restore --list`` shows without --all: the newest, which a
#: terminal would otherwise scroll out of sight above the older ones
LISTED_BACKUPS = 10


@cli.command()
@click.argument("plan", type=click.Path(dir_okay=False))
@click.argument("backup", required=False)
@click.option("--list", "list_only", is_flag=True,
              help="List the backups, newest first, with the saves since and whose "
                   "changes each would undo.")
@click.option("--all", "list_all", is_flag=True,
              help=f"List every backup kept, not only the {LISTED_BACKUPS} newest.")
@click.option("--by", default=lambda: os.environ.get("USER") or os.environ.get("USERNAME", ""),
              help="Your name, for the audit trail (default: your login).")
@click.option("--dry-run", is_flag=True, help="Show what would be put back; change nothing.")
@profile_option
def restore(plan, backup, list_only, list_all, by, dry_run, profile) -> None:
    """Put a backup of PLAN back: undo a merge, a bad edit saved, a damaged file.

    BACKUP is a file of the backups folder beside the plan (its name alone will do),
    'last' (the plan before its last save), or a date such as 30/06/2026 (the newest
    backup made on or before it). Without BACKUP, or with --list, the newest backups
    are listed (--all: every one), each with the saves since and whose changes
    restoring it would undo.

    The plan as it is now is kept as a backup first, so a restore can be undone too.
    The Audit sheet keeps every entry made since the backup and records the restore:
    each value put back, with the value it replaces. Returns issued since stay on the
    Returns sheet; those merged since show as not merged: merge them again.
    """
    from . import api
    from .cells import listed

    if list_only or list_all or backup is None:
        _list_backups(plan, api.backups(plan, profile=profile), list_all)
        return
    result = api.restore(plan, backup, by=by, dry_run=dry_run, profile=profile)
    made = f"{result.made:%d/%m/%Y %H:%M}"
    put_back = result.put_back
    places = f", in {listed(result.places)}" if result.places else ""
    if dry_run:
        click.echo(f"Restoring {result.backup.name} (made {made}) would put back "
                   f"{put_back} value(s){places}; nothing was changed." if put_back else
                   f"{result.backup.name} (made {made}) holds the same values as the plan: "
                   "restoring it would put none back. Nothing was changed.")
        for entry in result.entries[1:21]:
            click.echo("  " + _put_back_line(entry))
        if put_back > 20:
            click.echo(f"  … and {put_back - 20} more.")
    else:
        over_new = any(f.code == "restore-over-new-plan" for f in result.findings)
        what = ("the plan the new one replaced is back as it was, its own trail with it"
                if over_new else
                f"{put_back} value(s) put back{places}, each on the Audit sheet" if put_back
                else "it holds the same values as the plan had, so none was put back; "
                     "the Audit sheet records the restore")
        click.echo(f"Restored {plan} from {result.backup.name} (made {made}): {what}.")
        if result.replaced is not None:
            click.echo(f"The new plan is kept as {result.replaced}." if over_new else
                       f"The plan as it was is kept as {result.replaced} (restore that to "
                       "undo this).")
    if result.findings:
        _print_findings(result.findings, title="Restore")


def _list_backups(plan: str, versions, every: bool = False) -> None:
    """The backups of ``plan`` as ``restore --list`` shows them: the
    :data:`LISTED_BACKUPS` newest, or ``every`` one."""
    if not versions:
        from .plan_history import why_no_backups

        elsewhere = why_no_backups(Path(plan), "")
        click.echo(f"There are no backups of {plan} here. {elsewhere}" if elsewhere else
                   f"There are no backups of {plan} yet: cip-xl makes one each time it "
                   "saves the plan.")
        return
    click.echo(f"Backups of {plan}, newest first. Restore one with: cip-xl restore "
               f"{_typed(plan)} NAME (or 'last' for the newest).")
    for version in versions if every else versions[:LISTED_BACKUPS]:
        named = f"  (the plan as {version.earlier_name})" if version.earlier_name else ""
        click.echo(f"  {version.made:%d/%m/%Y %H:%M:%S}  {version.path.name}{named}")
        click.echo(f"      saves since: {version.saves_said()}")
        entries = (f"{version.entries_since} Audit entr"
                   f"{'ies' if version.entries_since != 1 else 'y'} since ("
                   + "; ".join(version.made_by[:3])
                   + (f" and {len(version.made_by) - 3} more" if len(version.made_by) > 3
                      else "") + ")") if version.entries_since else \
            "no Audit entries since: those saves changed no value typed or merged"
        click.echo(f"      {entries}")
    older = versions[LISTED_BACKUPS:] if not every else []
    if older:
        click.echo(f"...and {len(older)} older backup{'s' if len(older) != 1 else ''}, the "
                   f"oldest from {older[-1].made:%d/%m/%Y}: list every one with "
                   f"cip-xl restore {_typed(plan)} --all")


def _put_back_line(entry) -> str:
    """One value a restore puts back, for a dry run's list."""
    from .cells import as_text

    def short(value) -> str:
        text = " ".join(as_text(value).split()) if value not in (None, "") else "(blank)"
        return text if len(text) <= 40 else text[:39] + "…"

    about = f"Ref {entry.ref} " if entry.ref else ""
    return f"{about}{entry.field}: {short(entry.old)} → {short(entry.new)}"


def _who_briefly(who: str) -> str:
    """An Audit sheet's 'who' for a table's narrow column: "Place return (Return_...,
    saved ...)" as "Place return", "Edited in the master (last saved by Jane Smith, ...)"
    as "Edited in the master (Jane Smith)"."""
    import re

    head, _, rest = who.partition(" (")
    named = re.match(r"(?:last saved )?by ([^,)]+)", rest)
    return f"{head} ({named.group(1)})" if named else head


@cli.group()
def addin() -> None:
    """The Excel add-in: the Improvement Plan ribbon tab (see docs/excel-addin.md)."""


@addin.command("build")
@click.option("-o", "--output", type=click.Path(), default="cip-xl.xlam", show_default=True,
              help="Where to write the add-in (a file, or a folder).")
@click.option("--plan", type=click.Path(dir_okay=False, exists=True),
              help="Instead, make this plan a macro-enabled workbook with the tab built in "
                   "(written to --output, which must end .xlsm).")
def addin_build(output, plan) -> None:
    """Build the Excel add-in cip-xl.xlam (the Improvement Plan ribbon tab and its VBA),
    or with --plan a macro-enabled plan workbook carrying the tab itself.

    Install the add-in in Excel (File > Options > Add-ins > Excel Add-ins > Browse); its
    tab then works on whichever plan workbook is in front.
    """
    from .addin import build_addin, build_plan_workbook

    if plan:
        path = build_plan_workbook(Path(plan), Path(output))
        click.echo(f"Wrote {path}: open it in Excel and use the Improvement Plan tab "
                   "(needs Python with cip-xl; see docs/excel-addin.md).")
        return
    path = build_addin(Path(output))
    click.echo(f"Wrote {path}. In Excel: File > Options > Add-ins > Manage Excel Add-ins "
               "> Browse, choose it, and tick it. See docs/excel-addin.md.")


@addin.command("install")
@click.argument("plan", type=click.Path(dir_okay=False, exists=True), required=False)
def addin_install(plan) -> None:
    """Print the steps that add the ribbon to PLAN, and write xlwings.conf beside it
    pointing Excel at this Python."""
    from .addin import write_xlwings_conf
    from .resources import resource_folder

    macros = resource_folder("macros")
    if plan:
        conf = write_xlwings_conf(Path(plan).parent)
        click.echo(f"Wrote {conf} (Excel will run {sys.executable}).")
    click.echo(f"""
1. python -m pip install "cip-xl[addin]"   and   xlwings addin install
2. Save the plan as .xlsm. In Excel press Alt+F11, File > Import File:
     {macros / 'CipXl.bas'}
   then Tools > References > tick xlwings.
3. With Excel closed, add this ribbon with the Office RibbonX Editor
   (Insert > Office 2010+ Custom UI Part):
     {macros / 'customUI.xml'}
4. Open the plan: the Improvement Plan tab runs cip-xl.""")


@cli.command("make-resources", hidden=True)
@click.argument("root", type=click.Path(file_okay=False), required=False)
def make_resources(root) -> None:
    """Regenerate workbook/ and report_templates/ from the code (for developers)."""
    from . import api

    for path in api.write_shipped_resources(root):
        click.echo(f"wrote {path}")


@cli.command()
@click.argument("plan", type=click.Path(dir_okay=False), required=False)
@click.option("-o", "--output", type=click.Path(dir_okay=False),
              help="The .docx to write (default: PLAN-report.docx beside the plan; "
                   "with --theme or --directorate, PLAN-report-PART.docx).")
@click.option("--template", default="committee", show_default=True,
              help="'committee' (cover report with appendices), 'appendix' (the plan "
                   "only), or the path of your own template (.docx; .dotx, .docm and "
                   ".dotm too).")
@click.option("--as-of", callback=_date, help="Judge statuses as of this date.")
@click.option("--item", help="Agenda item number for the page headers, e.g. 7 gives "
                             "'Item 7 Appendix 1'.")
@click.option("--pdf", is_flag=True, help="Also make a PDF with LibreOffice.")
@click.option("--since", help="Add what changed since this backup file or date "
                              "(see 'cip-xl changes').")
@click.option("--theme", "themes", multiple=True, metavar="NAME",
              help="Report on this theme alone (repeat for more; any case, the start "
                   "of its name, or its number in the refs: 3 for 3.1, 3.2, ...): for a "
                   "committee whose remit it is. The report counts "
                   "only its actions and its title names the part.")
@click.option("--directorate", "directorates", multiple=True, metavar="NAME",
              help="Report on the actions this directorate's officers lead (repeat for "
                   "more; with --theme, the actions in any named).")
@click.option("--committee", default="", metavar="NAME",
              help="The committee the report goes to, in place of the Settings' (say "
                   "'Place Scrutiny Committee' for its part of the plan).")
@click.option("--meeting-date", callback=_date, metavar="DATE",
              help="Its meeting's date, in place of the Settings'.")
@click.option("--portfolio", default="", metavar="NAME",
              help="The portfolio on the cover, in place of the Settings' (a part in "
                   "another portfolio holder's remit).")
@click.option("--check-template", "check", type=click.Path(dir_okay=False, exists=True),
              help="Only check a Word template for problems (tracked changes, broken or "
                   "misspelt placeholders) and report them.")
@profile_option
def report(plan, output, template, as_of, item, pdf, since, themes, directorates,
           committee, meeting_date, portfolio, check, profile) -> None:
    """Write the Word committee report (and appendices) for PLAN.

    Status cells are shaded (in the profile's colours, if it gives any) and carry a
    symbol and a word; header rows repeat on every page; the appendices are landscape;
    the document has a title and language.
    Settings the cover needs but lacks are named by cell. An earlier report of the same
    name is kept in backups/ (it may hold a clerk's edits); one open in Word is not
    replaced.
    """
    from . import api

    if check:
        findings = api.check_template(check)
        if any(finding.severity == "error" for finding in findings):
            _print_findings(findings, title=f"{Path(check).name}: template problems")
            sys.exit(EXIT_FINDINGS)
        if findings:
            _print_findings(findings, title=f"{Path(check).name}: the template can be "
                                            "used; note")
            return
        click.echo(f"{Path(check).name}: the template is fine.")
        return
    if not plan:
        raise click.UsageError("Give the PLAN to report on (or --check-template FILE).")
    result = api.report(plan, output or None, template=template, as_of=as_of, item=item, pdf=pdf,
                        since=since, profile=profile, themes=themes,
                        directorates=directorates, committee=committee,
                        meeting_date=meeting_date, portfolio=portfolio)
    for finding in result.findings:
        click.echo(f"{finding.where}: {finding.severity}: {finding.message} "
                   f"[{finding.code}]", err=True)
    kept = f" (previous version kept as {result.previous})" if result.previous else ""
    click.echo(f"Wrote {result.path} ({result.actions} actions){kept}")
    if result.pdf:
        click.echo(f"Wrote {result.pdf} ({result.pages} pages)")


#: what a file name may hold and still be typed as it is into a command line
_PLAIN_WORD = re.compile(r"[\w./\\:+,=@%-]+")


def _typed(path: object) -> str:
    """``path`` as it must be typed in a command we suggest: in double quotes if it has
    spaces or characters a shell or Command Prompt would take for its own ("CIP 2026
    (draft) & co.xlsx"). Double quotes work in PowerShell, Command Prompt and bash."""
    text = str(path)
    return text if _PLAIN_WORD.fullmatch(text) else f'"{text}"'


def _printable_anywhere() -> None:
    """Let the output streams replace what their encoding lacks. The traffic lights'
    symbols (▲ ✖ ◆) and arrows are not in Windows-1252, which Python on Windows writes
    when the output goes to a file or another program (``cip-xl status > log.txt``, a
    scheduled task): printing them stopped the job with an encoding error after its
    work was done. Each symbol goes with its word, which is what stays readable."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            with contextlib.suppress(ValueError, OSError):
                reconfigure(errors="replace")


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the CLI, turning failures into one clear line."""
    _printable_anywhere()
    try:
        cli.main(args=argv, prog_name="cip-xl", standalone_mode=False)
    except PlanFileError as exc:
        finding = exc.finding
        place = f"{finding.where}: " if finding.sheet else ""  # else the message names it
        click.echo(f"cip-xl: {place}{finding.message} [{finding.code}]", err=True)
        sys.exit(EXIT_UNUSABLE if finding.severity == ERROR else EXIT_FINDINGS)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except KeyboardInterrupt:
        click.echo("Interrupted; nothing was half-written.", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug of ours: one line, details on request
        if os.environ.get("CIP_XL_DEBUG"):
            raise
        click.echo(f"cip-xl: internal error: {type(exc).__name__}: {exc}. Set "
                   "CIP_XL_DEBUG=1 to see the details and please report it.", err=True)
        sys.exit(EXIT_INTERNAL)
