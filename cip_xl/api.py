"""The library's front door: one function per job, each the twin of a CLI command.

``cip-xl new`` is :func:`new_plan_file`, ``cip-xl validate`` is :func:`validate` (and
:func:`annotate` for ``--annotate``), ``cip-xl status`` is :func:`refresh_status`,
``cip-xl returns`` is :func:`issue_returns`, ``cip-xl merge`` is :func:`merge`,
``cip-xl approve`` is :func:`approve`, ``cip-xl import`` is :func:`import_plan`, ``cip-xl report`` is :func:`report` (and
:func:`check_template`), ``cip-xl demo`` is :func:`run_demo`. The CLI and the
Excel add-in call these and nothing deeper, so the two faces cannot drift apart.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from .findings import ERROR, Finding, PlanFileError
from .model import Plan
from .profile import contract_for
from .validation import ValidationReport, validate_file

#: fixed document properties for the shipped workbooks, so regenerating them is stable
SHIPPED_TIMESTAMP = datetime(2026, 1, 1)


def load_plan(path: str | Path, profile: str | Path | None = None) -> Plan:
    """Read the master plan at ``path`` (reading findings are dropped; see :func:`validate`)."""
    from .plan_read import read_plan

    return read_plan(path, contract_for(path, profile), read_only=True).plan


def _plan_for_reading(path: str | Path, profile: str | Path | None = None) -> Plan:
    """The plan at ``path`` for a job that neither uses its audit trail nor saves it:
    the Audit sheet, which only grows, is left unread (see ``PlanSource.audit_unread``)."""
    from .plan_read import read_plan

    return read_plan(path, contract_for(path, profile), read_only=True, audit=False).plan


def save_plan(plan: Plan, path: str | Path, profile: str | Path | None = None, *,
              allow_loss: bool = False, job: str = "a script") -> Path | None:
    """Save ``plan`` to ``path`` atomically, backing up an existing file first.

    Returns the backup's path (``None`` for a new file). ``job`` is recorded in the file
    as what saved it, for ``cip-xl restore --list`` to show.
    """
    from .plan_write import save_plan as write

    return write(plan, path, contract_for(path, profile), allow_loss=allow_loss, job=job)


def new_plan_file(path: str | Path, *, council: str = "",
                  title: str = "Corporate Improvement Plan",
                  reporting_date: date | None = None,
                  profile: str | Path | None = None, overwrite: bool = False) -> Path:
    """Write a blank plan workbook to ``path``; refuses to replace a file unless
    ``overwrite``, and then keeps the file replaced in ``backups/`` first (see
    :func:`backups`)."""
    from .example import blank_plan
    from .plan_write import NEW_PLAN_JOB, new_workbook

    path = Path(path)
    _check_target(path, overwrite)
    plan, contract = blank_plan(council, title, reporting_date), contract_for(path, profile)
    wb = new_workbook(plan, contract)
    _save_new_plan(wb, plan, path, contract, NEW_PLAN_JOB)
    return path


def _save_new_plan(wb, plan, path: Path, contract, job: str) -> Path | None:
    """Save the new plan workbook ``wb`` (of ``plan``) at ``path`` as every save does
    (``job`` recorded, the traffic lights cached, a copy of the file as written kept).
    A file there already (replaced by choice: --overwrite) is copied into ``backups/``
    first, under the plan's lock, so that a plan replaced by mistake can be restored
    (:func:`cip_xl.plan_restore.restore` puts it back over a plan just made); one open
    in Excel or being changed by another job is refused. Returns that backup, or None."""
    from .locking import plan_lock
    from .master_edits import keep_saved_copy
    from .plan_patch import cache_labels
    from .plan_write import record_job
    from .safe_save import atomic_save, make_backup

    def save(backup: Path | None) -> None:
        record_job(wb, job, backup)
        atomic_save(wb, path)
        cache_labels(plan, path, contract)  # what openpyxl cannot write (see save_plan)
        keep_saved_copy(path)  # what is typed next is told from it (master_edits)

    if not path.exists():
        save(None)
        return None
    with plan_lock(path, "writing a new plan over it"):
        backup = make_backup(path)
        save(backup)
    return backup


def _check_target(path: Path, overwrite: bool) -> None:
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise PlanFileError(Finding("file-name", ERROR,
                                    f"{path.name}: a plan must be saved as .xlsx.",
                                    file=str(path)))
    if path.exists() and not overwrite:
        raise PlanFileError(Finding("file-exists", ERROR,
                                    f"{path} already exists; choose another name or "
                                    "pass --overwrite.", file=str(path)))
    if not path.parent.exists():
        raise PlanFileError(Finding("folder-missing", ERROR,
                                    f"The folder {path.parent} does not exist.",
                                    file=str(path)))


def validate(path: str | Path, profile: str | Path | None = None) -> ValidationReport:
    """Read the plan at ``path`` and check every rule; see :mod:`cip_xl.validation`."""
    return validate_file(path, contract_for(path, profile))


def check_trail(path: str | Path, profile: str | Path | None = None) -> list[Finding]:
    """Check that the Audit sheet of the plan at ``path`` only grew: every entry of the
    versions of it cip-xl kept (the copy of the last save, the backups) still there;
    see :mod:`cip_xl.trail_check`."""
    from .trail_check import check_trail as check

    return check(path, contract_for(path, profile))


def annotate(path: str | Path, findings: list[Finding],
             output: str | Path | None = None) -> Path:
    """Write ``findings`` into a copy of ``path`` (Findings sheet, highlights, notes)."""
    from .annotated_copy import annotate_copy

    return annotate_copy(path, findings, output)


def write_shipped_resources(root: str | Path | None = None) -> list[Path]:
    """(Re)generate ``workbook/`` and ``report_templates/`` from the code."""
    from .report_templates import write_templates
    from .resources import resource_folder

    root = Path(root) if root else None
    workbooks = root / "workbook" if root else resource_folder("workbook")
    templates = root / "report_templates" if root else resource_folder("report_templates")
    return write_shipped_workbooks(workbooks) + write_templates(templates)


def write_shipped_workbooks(folder: str | Path) -> list[Path]:
    """(Re)generate the blank template and the example plan in ``folder``.

    These are the files in the repository's ``workbook/`` folder; a test checks that
    they match what this function writes.
    """
    from .example import blank_plan, example_plan
    from .plan_patch import cache_labels
    from .plan_write import new_workbook
    from .resources import EXAMPLE_WORKBOOK, TEMPLATE_WORKBOOK
    from .schema import DEFAULT_CONTRACT
    from .safe_save import atomic_save

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, plan in ((TEMPLATE_WORKBOOK, blank_plan()), (EXAMPLE_WORKBOOK, example_plan())):
        if name == TEMPLATE_WORKBOOK:
            plan.settings.plan_id = ""  # each plan made from the template gets its own
        wb = new_workbook(plan)  # (titled, in English, by cip-xl)
        wb.properties.created = wb.properties.modified = SHIPPED_TIMESTAMP
        atomic_save(wb, folder / name)
        cache_labels(plan, folder / name, DEFAULT_CONTRACT)  # as save_plan does
        written.append(folder / name)
    return written


@dataclass
class StatusResult:
    """What ``cip-xl status`` did: the plan judged, each action's judgement, the backup.
    The plan is read without its audit trail (``plan.source.audit_unread``; the job
    never uses it): :func:`load_plan` gives the whole plan."""

    plan: Plan
    judgements: dict
    as_of: date
    backup: Path | None = None
    #: False when the workbook already held exactly this (it was then left untouched)
    saved: bool = True
    #: what the save replaced and the manager may want to know: traffic lights typed
    #: over by hand (``rag-typed-over``)
    findings: list = field(default_factory=list)


def refresh_status(path: str | Path, as_of: date | None = None,
                   profile: str | Path | None = None) -> StatusResult:
    """Judge every action of the plan at ``path`` and write the traffic lights into it.

    ``as_of`` becomes the plan's reporting date (Settings), so that the live formulas in
    the workbook and the verdicts agree; without it the reporting date already in
    Settings is used, else today. The plan is saved atomically after a backup; when
    it already holds exactly these verdicts it is left untouched (``saved`` False).
    """
    from .plan_read import read_plan, replaced_by_save
    from .plan_write import save_plan as write
    from .status import refresh

    from .locking import plan_lock

    contract = contract_for(path, profile)
    with plan_lock(path, "refreshing status"):
        # the audit trail is not needed, and the save leaves its sheet as it is
        reading = read_plan(path, contract, read_only=True, audit=False)
        plan = reading.plan
        if as_of is not None:
            plan.settings.reporting_date = as_of
            plan.settings.as_typed.pop("reporting_date", None)  # replaced, as asked
        elif plan.settings.reporting_date is None:
            plan.settings.reporting_date = date.today()
        judgements = refresh(plan)
        backup = write(plan, path, contract, workbook=reading.workbook,
                       judgements=judgements,
                       job=f"status as of {plan.settings.reporting_date:%d/%m/%Y}")
    return StatusResult(plan, judgements, plan.settings.reporting_date, backup,
                        saved=backup is not None,
                        findings=replaced_by_save(reading.findings))


def issue_returns(path: str | Path, folder: str | Path, by: str | None = None,
                  profile: str | Path | None = None, when: datetime | None = None,
                  departments: list[str] | None = None, new_round: bool = False,
                  reporting_date: date | None = None, who: str = "") -> list:
    """Write one return per department (``by`` directorate or officer; None: by
    directorate unless the Officers sheet gives none) into ``folder``.

    ``reporting_date``, if given, is this quarter's end: set in Settings first (the
    Audit sheet records it, by ``who``), so the returns ask for progress as at it.

    The plan's revision goes up by one and each return is logged on its Returns sheet
    (refused while this round's returns are out and none has been merged, unless
    ``new_round``: see :func:`cip_xl.returns.issue_returns`);
    with ``departments``, only those departments' returns of this round are issued again
    (the revision stays; the others' returns can still be merged);
    the master is saved under its lock, after a backup. If it cannot be saved, the
    returns just written are removed again. Returns the
    :class:`~cip_xl.returns.IssuedReturn` list.
    """
    from .labels import plan_label
    from .locking import plan_lock
    from .plan_read import read_plan, replaced_by_save
    from .plan_write import save_plan as write
    from .returns import issue_returns as issue
    from .returns import new_reporting_date, take_back

    contract = contract_for(path, profile)
    with plan_lock(path, "issuing returns"):
        reading = read_plan(path, contract, read_only=True, audit=False)
        if reporting_date is not None:
            if departments and reporting_date != reading.plan.settings.reporting_date:
                raise PlanFileError(Finding(
                    "returns-date-in-round", ERROR,
                    "The other departments' returns of this round ask for progress as at "
                    f"{_day_or_none(reading.plan.settings.reporting_date)}; a new reporting "
                    "date starts a new round: issue every department's return (without "
                    "--department). No return was issued.", file=str(path)))
            new_reporting_date(reading.plan, reporting_date, contract, who, when)
        try:
            issued = issue(reading.plan, Path(folder), contract, by, when, departments,
                           new_round, plan_label(path))
        except PlanFileError as exc:  # said of the plan: name its file
            if exc.finding.file:
                raise
            from dataclasses import replace
            raise PlanFileError(replace(exc.finding, file=str(path))) from None
        try:
            write(reading.plan, path, contract, workbook=reading.workbook,
                  job=f"{len(issued)} return{'s' if len(issued) != 1 else ''} issued"
                  + (" again" if departments else ""))
        except BaseException:
            take_back(issued)  # the master does not record them: nothing has changed
            raise
    issued.findings += replaced_by_save(reading.findings)
    return issued


def _day_or_none(day: date | None) -> str:
    """``day`` as a council writes it (31/12/2026), or "no date" if there is none."""
    return f"{day:%d/%m/%Y}" if day else "no date"


def reporting_date_far(path: str | Path, profile: str | Path | None = None,
                       today: date | None = None) -> tuple[date | None, date] | None:
    """(the reporting date in Settings, the quarter end nearest ``today``) where the
    plan at ``path`` has a reporting date more than a quarter and a little from today —
    returns issued now would ask for progress as at a quarter gone — or none (``None``
    first); else None. For a face to ask before it issues returns. Reads the Settings
    sheet alone."""
    from .plan_read import read_settings
    from .returns import quarter_end_instead

    settings = read_settings(path, contract_for(path, profile))
    if settings is None:
        return None
    near = quarter_end_instead(settings.reporting_date, today or date.today())
    return (settings.reporting_date, near) if near is not None else None


def round_still_out(path: str | Path, profile: str | Path | None = None) -> Finding | None:
    """The finding a new round of returns from the plan at ``path`` would be refused
    with — this round's returns are out and none has been merged (``round-still-out``)
    — or None; for a face to ask before it starts. Reads the plan, changes nothing."""
    from .plan_read import read_plan
    from .returns import round_still_out as still_out

    plan = read_plan(path, contract_for(path, profile), read_only=True, audit=False).plan
    found = still_out(plan)
    return None if found is None else replace(found, file=str(path))


def department_at(path: str | Path, sheet: str, row: int,
                  profile: str | Path | None = None) -> str:
    """The department whose return holds the action on row ``row`` of sheet ``sheet``
    of the plan at ``path`` (what the add-in's "Issue one again" button issues again:
    see :func:`issue_returns`). Raises :class:`PlanFileError` when that is not a row of
    an action on the Plan sheet."""
    from .returns import department_of

    plan, action = _action_at(path, sheet, row, profile,
                              "its department's return is the one issued again")
    return department_of(plan, action)


def theme_at(path: str | Path, sheet: str, row: int,
             profile: str | Path | None = None) -> str:
    """The theme of the action on row ``row`` of sheet ``sheet`` of the plan at
    ``path`` (what the add-in's "Report on this theme" button reports on: see
    :func:`report`). Raises :class:`PlanFileError` when that is not a row of an action
    on the Plan sheet, or its action has no theme."""
    _, action = _action_at(path, sheet, row, profile, "the report is of its theme")
    if not action.theme:
        raise PlanFileError(Finding(
            "select-an-action", ERROR,
            f"The action on row {row} (Ref {action.ref}) has no theme to report on: give "
            "it one, or select another.", str(path), sheet))
    return action.theme


def _action_at(path: str | Path, sheet: str, row: int, profile: str | Path | None,
               purpose: str):
    """(the plan at ``path``, the action on row ``row`` of sheet ``sheet``), or a
    :class:`PlanFileError` asking for an action's row to be selected, for ``purpose``."""
    from .plan_read import read_plan

    contract = contract_for(path, profile)
    plan = read_plan(path, contract, read_only=True, audit=False).plan
    plan_sheet = plan.source.plan_sheet if plan.source is not None else "Plan"
    action = next((a for a in plan.actions if a.row == row), None) \
        if sheet == plan_sheet else None
    if action is None:
        raise PlanFileError(Finding(
            "select-an-action", ERROR,
            f"Select a cell in an action's row on the {plan_sheet} sheet first (the "
            f"selection was {sheet}, row {row}); {purpose}.", str(path), sheet))
    return plan, action


def merge(path: str | Path, returns: list[str | Path], *, dry_run: bool = False,
          profile: str | Path | None = None, report: str | Path | None = None,
          progress=None, when: datetime | None = None, convert_ods: bool = False):
    """Merge returned workbooks into the master at ``path``; see :mod:`cip_xl.merging`.

    ``report`` (a .md or .xlsx path) receives the merge report; ``convert_ods``: returns
    saved as .ods are converted by LibreOffice, where installed, and merged. Returns the
    :class:`~cip_xl.merging.MergeResult`.
    """
    from .merging import merge_returns
    from .merge_report import REPORT_TYPES, write_report

    if report:  # before the merge: a report that cannot be written must not follow one
        from .merging import returned_files
        from .safe_save import refuse_other_type, refuse_to_write_over

        refuse_other_type(report, REPORT_TYPES, "the merge report")
        refuse_to_write_over(report, [(path, "the plan itself")] + [
            (file, "a return being merged") for file in returned_files(returns)],
            "the merge report", f"merge-report{Path(report).suffix.lower()}")
    result = merge_returns(path, [Path(r) for r in returns], contract_for(path, profile),
                           dry_run=dry_run, progress=progress, when=when,
                           convert_ods=convert_ods)
    if report:
        write_report(result, report)
    return result


def approve(path: str | Path, *, approve_ids: set[str] = frozenset(),
            reject_ids: set[str] = frozenset(), approve_all: bool = False, by: str = "",
            profile: str | Path | None = None, dry_run: bool = False):
    """Decide change requests in the master at ``path``; see :mod:`cip_xl.approvals`."""
    from .approvals import decide
    from .locking import plan_lock
    from .plan_read import read_plan, replaced_by_save
    from .plan_write import save_plan as write

    contract = contract_for(path, profile)
    with plan_lock(path, "approving change requests"):
        # decisions only add to the audit trail: it is left unread, as merging leaves it
        reading = read_plan(path, contract, read_only=True, audit=False)
        plan = reading.plan
        result = decide(plan, approve=set(approve_ids), reject=set(reject_ids),
                        approve_all=approve_all, by=by, file=str(path),
                        sheet=contract.sheet("change_requests"))
        if (result.approved or result.rejected) and not dry_run:
            write(plan, path, contract, workbook=reading.workbook,
                  job=f"change requests decided ({len(result.approved)} approved, "
                  f"{len(result.rejected)} rejected)")
            result.findings += replaced_by_save(reading.findings)
    return result


def report(path: str | Path, output: str | Path | None, *,
           template: str | Path = "committee",
           as_of: date | None = None, item: str | None = None, pdf: bool = False,
           since: str | None = None, profile: str | Path | None = None,
           themes: tuple[str, ...] = (), directorates: tuple[str, ...] = (),
           committee: str = "", meeting_date: date | None = None, portfolio: str = ""):
    """Write the Word report for the plan at ``path`` to ``output`` — None: beside the
    plan, named for it and any part (:func:`cip_xl.report_parts.part_file_name`) —
    and a PDF beside it with ``pdf``, using LibreOffice. ``since`` (a backup or a date, as for
    :func:`changes`) adds what changed since then. ``themes`` and ``directorates``
    (names, or the start of one) make it a report of that part of the plan alone, for a
    committee whose remit it is: the actions in any of them, counted alone, the part
    named in the title (see :mod:`cip_xl.report_parts`); ``committee``,
    ``meeting_date`` and ``portfolio`` address it to a committee, meeting and portfolio
    other than the Settings' (as such a part goes to its scrutiny committee). An
    earlier report at ``output`` is kept in ``backups/`` beside it (refused while it is
    open in Word).
    Returns a :class:`~cip_xl.reporting.ReportResult`, whose findings name blank
    Settings that left gaps in the report."""
    from .office import convert, pdf_pages
    from .report_parts import changes_in_part, part_file_name, plan_part
    from .reporting import ReportOptions, render_report
    from .safe_save import refuse_other_type, refuse_to_write_over
    from .status import refresh

    from dataclasses import replace

    def refuse_unfit(output: str | Path) -> None:
        refuse_other_type(output, (".docx",), "the Word report")
        refuse_to_write_over(output, [(template, "the template the report is made from")],
                             "the Word report", "report.docx")

    if output is not None:  # before reading the plan
        refuse_unfit(output)
    plan = _plan_for_reading(path, profile)
    judgements = part = None
    if themes or directorates:  # each action's directorate is its lead's: judge first
        judgements = refresh(plan, as_of or plan.settings.reporting_date or date.today())
        part = plan_part(plan, tuple(themes), tuple(directorates), file=str(path))
        plan = part.plan
        judgements = {a.action_id: judgements[a.action_id] for a in plan.actions}
    if output is None:
        output = Path(path).with_name(part_file_name(Path(path),
                                                     part=part.name if part else ""))
        refuse_unfit(output)
    moved = changes(path, since, profile=profile) if since else None
    lines = [] if moved is None else (changes_in_part(moved, part) if part else moved).lines()
    contract = contract_for(path, profile)
    result = render_report(plan, output, ReportOptions(
        template=template, item=item, as_of=as_of, changes=lines,
        settings_sheet=contract.sheet("settings"), palette=contract.palette,
        part=part.name if part else "", committee=committee, meeting_date=meeting_date,
        portfolio=portfolio),
        judgements)
    # the plan's file for findings about its Settings; those about the template keep its
    result.findings = [f if f.file else replace(f, file=str(path)) for f in result.findings]
    if pdf:
        result.pdf = convert(result.path, result.path.parent)
        result.pages = pdf_pages(result.pdf)
    return result


def export(path: str | Path, output: str | Path | None = None, *,
           as_of: date | None = None, themes: tuple[str, ...] = (),
           directorates: tuple[str, ...] = (), columns: tuple[str, ...] = (),
           with_names: bool = False, profile: str | Path | None = None):
    """Write the actions of the plan at ``path`` as open data (see
    :mod:`cip_xl.open_data`) to ``output`` — a .csv, .json or .xlsx file, written
    atomically; None: ``PLAN-open-data.csv`` beside the plan, named for any part —
    each judged as of ``as_of`` (default: the reporting date, else today). ``themes`` and
    ``directorates`` keep that part of the plan alone, as for :func:`report`;
    ``columns`` adds the Plan sheet's columns so named (the plan's not published by
    default, the council's own); ``with_names`` the lead officers' names. The plan is
    only read. Returns a :class:`~cip_xl.open_data.ExportResult`, whose findings warn
    of an empty plan, a missing reporting date (statuses as at today), Action IDs the
    plan has not saved yet and (without ``with_names``) lead officers published as
    typed, not being on the Officers sheet; raises :class:`PlanFileError` for an output
    of another type, or a column the plan has not (nothing written)."""
    from .open_data import FORMATS, ExportResult, ids_not_saved, nothing_to_say, open_data
    from .plan_read import read_plan
    from .report_parts import part_file_name, plan_part
    from .safe_save import (atomic_save, atomic_write_bytes, refuse_other_type,
                            refuse_to_write_over)
    from .status import refresh

    contract = contract_for(path, profile)

    def refuse_unfit(output: str | Path) -> None:
        instead = part_file_name(Path(path), "open-data", Path(output).suffix.lower())
        refuse_other_type(output, tuple(FORMATS), "the open data file",
                          f"{Path(output).stem or 'plan-open-data'}.csv")
        refuse_to_write_over(output, [(path, "the plan itself")], "the open data file",
                             instead, plans=contract)

    if output is not None:  # before reading the plan
        refuse_unfit(output)
    reading = read_plan(path, contract, read_only=True, audit=False)
    plan = reading.plan
    as_at = as_of or plan.settings.reporting_date or date.today()
    judgements = refresh(plan, as_at)  # each action's directorate too, for a part
    part = plan_part(plan, tuple(themes), tuple(directorates), file=str(path)) \
        if themes or directorates else None
    if part is not None:
        plan = part.plan
    if output is None:
        output = Path(path).with_name(part_file_name(Path(path), "open-data", ".csv",
                                                     part.name if part else ""))
    data = open_data(plan, judgements, as_at, part.name if part else "", tuple(columns),
                     file=str(path), contract=contract, with_names=with_names)
    fmt = FORMATS[Path(output).suffix.lower()]
    if fmt == "xlsx":
        atomic_save(data.workbook(), output)
    else:
        atomic_write_bytes(data.encoded(fmt), output)
    return ExportResult(Path(output), fmt, len(data.rows), as_at,
                        nothing_to_say(plan, as_of, str(path), contract)
                        + ids_not_saved(reading.findings, plan, str(path)) + data.findings)


def changes(path: str | Path, since: str, *, profile: str | Path | None = None,
            themes: tuple[str, ...] = (), directorates: tuple[str, ...] = ()):
    """What changed in the plan at ``path`` since an earlier version: ``since`` is a
    backup file, or a date (the newest backup on or before it is used). Returns a
    :class:`~cip_xl.changes.ChangeReport`, each change saying who made it where the
    Audit sheet does; with ``themes`` or ``directorates``, of that part of the plan
    alone (as :func:`report` takes them)."""
    from .changes import backup_for, compare
    from .plan_read import read_plan
    from .report_parts import changes_in_part, plan_part

    earlier = backup_for(Path(path), since, contract=contract_for(path, profile))

    def with_trail(at: Path) -> Plan:  # who made each change: the entries in between
        return read_plan(at, contract_for(at, profile), read_only=True).plan

    now = with_trail(Path(path))
    found = compare(with_trail(earlier), now)  # (each action's directorate worked out)
    if themes or directorates:
        return changes_in_part(found, plan_part(now, tuple(themes), tuple(directorates),
                                                file=str(path)))
    return found


def backups(path: str | Path, *, profile: str | Path | None = None):
    """The backups of the plan at ``path``, newest first, each with who made the Audit
    entries since (a list of :class:`~cip_xl.plan_restore.KeptVersion`)."""
    from .plan_restore import kept_versions

    return kept_versions(path, contract_for(path, profile))


def restore(path: str | Path, backup: str, *, by: str = "", dry_run: bool = False,
            profile: str | Path | None = None):
    """Put a backup of the plan at ``path`` back: ``backup`` is a file, ``last``, or a
    date (the newest backup made on or before it). The plan as it was is kept as a
    backup; the Audit trail keeps every entry and records the restore. Returns a
    :class:`~cip_xl.plan_restore.Restoring`; see :mod:`cip_xl.plan_restore`."""
    from .plan_restore import find_backup
    from .plan_restore import restore as put_back

    contract = contract_for(path, profile)
    return put_back(path, find_backup(path, backup, contract), contract, by=by,
                    dry_run=dry_run)


def remind(path: str | Path, folder: str | Path, *, sender: str = "",
           as_of: date | None = None, window_days: int | None = None,
           profile: str | Path | None = None):
    """Write reminder .eml drafts, one per lead officer with something to chase, into
    ``folder``. Returns (reminders, files written, findings); see :mod:`cip_xl.reminders`."""
    from .reminders import collect, write_drafts

    plan = _plan_for_reading(path, profile)
    as_of = as_of or plan.settings.reporting_date or date.today()
    reminders, findings = collect(plan, as_of, window_days)
    sender = sender or plan.settings.contact.split(",")[-1].strip() or "improvement@localhost"
    if "@" not in sender:
        sender = "improvement@localhost"
    files = write_drafts(reminders, plan, Path(folder), sender, as_of)
    return reminders, files, findings


def check_template(path: str | Path) -> list[Finding]:
    """Pre-flight a (clerk-edited) Word template; see :func:`cip_xl.reporting.check_template`."""
    from .reporting import check_template as check

    return check(path)


def import_plan(source: str | Path, output: str | Path, *, mapping: str | Path | None = None,
                council: str = "", profile: str | Path | None = None,
                overwrite: bool = False, open_only: bool = False, convert: bool = False):
    """Import a legacy plan (.docx, .xlsx, .csv) into a new plan workbook ``output``;
    with ``convert``, one in another office format (.doc, .rtf, .odt, .xls, .ods, a web
    page) through LibreOffice where it is installed.

    Returns the :class:`~cip_xl.importers.ImportResult` (the plan, what was guessed, and
    a summary of what was found). ``council`` names the council; without it, the name
    the file gives (its Author property, headings or text) is taken, with a note
    saying where from. Refuses to replace ``output`` unless ``overwrite``. Last year's
    plan kept with cip-xl is carried forward under a new Plan ID (``open_only``: without
    the actions marked Complete or Cancelled); see :mod:`cip_xl.importers.cip_plan`.
    A file replaced with ``overwrite`` is kept in ``backups/`` first (``previous``).
    """
    from .importers import import_plan as read, load_mapping
    from .plan_write import new_workbook
    from .safe_save import refuse_to_write_over

    output = Path(output)
    refuse_to_write_over(output, [(source, "the file being imported")], "the new plan",
                         f"{Path(source).stem}-plan.xlsx")  # even with overwrite
    _check_target(output, overwrite)
    contract = contract_for(output, profile)
    result = read(source, contract, load_mapping(mapping) if mapping else None, open_only,
                  convert)
    if not result.plan.actions and any(f.code == "import-from-cip-plan"
                                       for f in result.findings):
        raise PlanFileError(Finding(
            "import-nothing-found", ERROR,
            f"{Path(source).name} is a plan kept with cip-xl, but it has no actions"
            + (" that are not Complete or Cancelled" if open_only else "")
            + " to carry forward. Start the new plan with `cip-xl new` instead. Nothing "
            "was written.", file=str(source)))
    if not result.plan.actions:
        converted = any(f.code == "import-converted" for f in result.findings)
        raise PlanFileError(Finding(
            "import-nothing-found", ERROR,
            f"No actions were found in {Path(source).name}"
            + (" as LibreOffice converted it" if converted else "") + ": no table has plan "
            "headers (Ref, Key action, Lead officer, Completion date...). Use --mapping to say "
            "which of its headers mean what. Nothing was written.", file=str(source)))
    if council:  # given: the name the file gives, if any, is not a guess to report
        result.plan.settings.council = council
        result.findings = [f for f in result.findings if f.code != "import-council-guessed"]
    wb = new_workbook(result.plan, contract)
    job = f"{'carry forward' if open_only else 'import'} from {Path(source).name}"
    result.previous = _save_new_plan(wb, result.plan, output, contract, job)
    return result


@dataclass
class DemoResult:
    """What ``cip-xl demo`` made: the folder, the files in it and the validation."""

    folder: Path
    outputs: dict[str, Path] = field(default_factory=dict)
    report: ValidationReport | None = None
    status: StatusResult | None = None
    merge: object = None


def run_demo(folder: str | Path) -> DemoResult:
    """Run the quarterly cycle on the built-in example plan, writing into ``folder``."""
    from .example import example_plan

    from .safe_save import make_folder

    folder = make_folder(folder)
    plan_path = folder / "example-plan.xlsx"
    if plan_path.exists():
        plan_path.unlink()  # the demo's own output from an earlier run
    result = DemoResult(folder)
    save_plan(example_plan(), plan_path, job="the demo")
    result.outputs["plan"] = plan_path
    result.report = validate(plan_path)
    result.outputs["checked plan"] = annotate(plan_path, result.report.findings)
    result.status = refresh_status(plan_path)

    from .example import fill_in_return

    returns_folder = folder / "returns"
    if returns_folder.exists():  # the demo's own returns from an earlier run
        for old in returns_folder.glob("*.xlsx"):
            old.unlink()
    issued = issue_returns(plan_path, returns_folder)
    result.outputs["returns"] = returns_folder
    place = next(i.path for i in issued if i.department == "Place")
    fill_in_return(place)
    merge_report = folder / "merge-report.md"
    result.merge = merge(plan_path, [place], report=merge_report)
    result.outputs["merge report"] = merge_report
    committee = report(plan_path, folder / "committee-report.docx", item="7")
    result.outputs["Word report"] = committee.path
    result.outputs["open data"] = export(plan_path, folder / "open-data.csv").path
    return result
