"""County-scale benchmarks for cip-xl, reported as ratios measured in the same run.

    python benchmarks/run.py            # 200 / 2,000 / 10,000 actions, 40 returns
    python benchmarks/run.py --smoke    # tiny sizes, for CI: proves the scripts run

Workloads:

* W1 validate + status of a plan (200, 2,000, 10,000 actions), and of the largest
  again a quarter later (reporting date moved on, verdicts changing); of the
  2,000-action plan saved in Excel since cip-xl saved it (one progress update typed:
  its Plan sheet is compared with the copy cip-xl kept, for the audit trail); and of
  the 2,000-action plan after two years of merges (32,000 rows in its audit trail)
* W2 merge 40 edited returns into a 2,000-action plan (the naive script saves the
  master after each return, as by hand; a second one loads and saves it once); and
  into the plan after two years of merges (only the second naive script)
* W3 the Word report of 2,000 actions
* W4 issue 40 returns from a 2,000-action plan
* W5 approve one proposed new action into the 10,000-action plan (a row added: the
  naive script loads the plan, appends the row and saves)

Each is compared with the floor — python-calamine just parsing the same files — and
with a plain openpyxl script doing the job naively (W3 with docxtpl's bare render of
the same rows). Absolute seconds vary on shared machines; the ratios are the result.
"""
from __future__ import annotations

import argparse
import gc
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import cip_xl  # noqa: E402
from cip_xl.fastbook import forget  # noqa: E402
from cip_xl.synthetic import synthetic_plan  # noqa: E402


def timed(function, repeat: int = 1) -> float:
    """The best of ``repeat`` wall-clock runs of ``function``, in seconds. Each run
    starts after a garbage collection, so that neither side pays for collecting what
    the other left behind (openpyxl leaves millions of objects)."""
    best = float("inf")
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def calamine_parse(paths: list[Path]) -> None:
    """The floor: read every sheet of every file, and nothing else."""
    from python_calamine import CalamineWorkbook

    for path in paths:
        book = CalamineWorkbook.from_path(str(path))
        for name in book.sheet_names:
            book.get_sheet_by_name(name).to_python()


# ------------------------------------------------------------------ naive scripts

def naive_validate_status(path: Path) -> None:
    """What a hand-written openpyxl script does: load, check and colour every row."""
    import openpyxl
    from openpyxl.styles import PatternFill

    from cip_xl.dates import parse_due

    wb = openpyxl.load_workbook(path)
    ws = wb["Plan"]
    headers = [c.value for c in ws[1]]
    status_col = headers.index("Status")
    date_col = headers.index("Target date")
    rag_col = headers.index("RAG")
    today = date(2026, 9, 30)
    for row in ws.iter_rows(min_row=2):
        due = parse_due(row[date_col].value).due
        word = row[status_col].value
        colour = "9AD0F5" if word == "Complete" else (
            "F4A582" if due and due < today else "A6DDC4")
        row[rag_col].fill = PatternFill("solid", fgColor=colour)
        row[rag_col].value = word
    wb.save(path)


def naive_merge(plan: Path, returns: list[Path], save_each: bool = True) -> None:
    """Open the master and each return fully and copy edited cells. ``save_each``: open
    and save the master per return, as a manager pasting returns in by hand does;
    otherwise load it once and save it once at the end."""
    import openpyxl

    def load():
        master = openpyxl.load_workbook(plan)
        ws = master["Plan"]
        headers = [c.value for c in ws[1]]
        ident = headers.index("Action ID")
        return master, headers, {row[ident].value: row for row in ws.iter_rows(min_row=2)}

    master, headers, rows = load()
    for path in returns:
        if save_each and master is None:
            master, headers, rows = load()
        returned = openpyxl.load_workbook(path)["Return"]
        rhead = [str(c.value).rstrip(" ✎") for c in returned[1]]
        for rrow in returned.iter_rows(min_row=2):
            target = rows.get(rrow[rhead.index("Action ID")].value)
            if target is None:
                continue
            for field in ("Status", "% complete", "Progress update"):
                value = rrow[rhead.index(field)].value
                if target[headers.index(field)].value != value:
                    target[headers.index(field)].value = value
        if save_each:
            master.save(plan)
            master = None
    if not save_each:
        master.save(plan)


def naive_issue(plan: Path, folder: Path) -> None:
    """One workbook per department, copied cell by cell with openpyxl."""
    import openpyxl

    wb = openpyxl.load_workbook(plan)
    ws = wb["Plan"]
    officers = {r[0]: r[4] for r in wb["Officers"].iter_rows(min_row=2, values_only=True)}
    headers = [c.value for c in ws[1]]
    lead = headers.index("Lead officer")
    groups: dict[str, list] = {}
    for row in ws.iter_rows(min_row=2, values_only=True):
        groups.setdefault(officers.get(row[lead], "?"), []).append(row)
    folder.mkdir(exist_ok=True)
    for department, rows in groups.items():
        out = openpyxl.Workbook()
        sheet = out.active
        sheet.append(headers)
        for row in rows:
            sheet.append(row)
        sheet.protection.sheet = True
        out.save(folder / f"{department}.xlsx")


def naive_add_action(plan: Path, values: list) -> None:
    """Append one action's row with openpyxl."""
    import openpyxl

    wb = openpyxl.load_workbook(plan)
    wb["Plan"].append(values)
    wb.save(plan)


def proposed_new_action(folder: Path, plan: Path) -> str:
    """Issue returns from ``plan``, propose a new action in the first and merge it:
    the plan then holds the proposal; its request ID is returned."""
    import openpyxl

    from cip_xl.returns import NEW_ACTIONS_SHEET

    returns = folder / "w5-returns"
    issued = cip_xl.issue_returns(plan, returns)
    wb = openpyxl.load_workbook(issued[0].path)
    theme = cip_xl.load_plan(plan).theme_names()[0]
    sheet = wb[NEW_ACTIONS_SHEET]
    sheet["A2"], sheet["B2"], sheet["C2"] = theme, "Pilot a new scheme", date(2027, 3, 31)
    wb.save(issued[0].path)
    merged = cip_xl.api.merge(plan, [issued[0].path])
    shutil.rmtree(returns)
    return next(r.request_id for r in merged.outcomes[0].requests if r.kind == "New action")


# ------------------------------------------------------------------ set-up

def make_plan(folder: Path, actions: int, departments: int, words: int) -> Path:
    path = folder / f"plan-{actions}.xlsx"
    if not path.exists():
        cip_xl.save_plan(synthetic_plan(actions, directorates=departments, seed=actions,
                                        progress_words=words), path)
    return path


def edited_returns(folder: Path, plan: Path) -> list[Path]:
    """Issue returns from ``plan`` and type an edit into every row of each."""
    import openpyxl

    returns = folder / "returns"
    if returns.exists():
        shutil.rmtree(returns)
    issued = cip_xl.issue_returns(plan, returns)
    for item in issued:
        wb = openpyxl.load_workbook(item.path)
        ws = wb["Return"]
        column = next(c.column for c in ws[1] if str(c.value).startswith("Progress update"))
        for row in range(2, ws.max_row + 1):
            ws.cell(row, column).value = f"Quarter 3 update for row {row}: progress made."
        wb.save(item.path)
    return [i.path for i in issued]


def ratio(a: float, b: float) -> str:
    return f"{a / b:5.2f}×" if b else "  n/a"


def make_plans_apart(folder: Path, sizes: list[int], departments: int, words: int,
                     audit: tuple[int, int]) -> None:
    """Generate the plans in a process of their own: building a 10,000-action plan
    through openpyxl leaves this process's heap large and fragmented, which slowed
    whatever was timed next by up to 15%. ``audit``: (actions, rows) of the plan with
    a long audit trail (see :func:`make_audit_plan`)."""
    subprocess.run([sys.executable, __file__, "--make-plans", str(folder),
                    str(departments), str(words), *map(str, sorted(set(sizes)))],
                   check=True)
    subprocess.run([sys.executable, __file__, "--make-audit-plan", str(folder),
                    str(departments), str(words), *map(str, audit)], check=True)


def make_audit_plan(folder: Path, actions: int, departments: int, words: int,
                    rows: int) -> Path:
    """The ``actions``-action plan after quarters of merges: ``rows`` audit entries, two
    for each action a return updated (its progress text and last-updated date)."""
    from datetime import datetime

    from cip_xl.model import AuditEntry
    from cip_xl.plan_read import read_plan

    path = folder / f"plan-{actions}-audit-{rows}.xlsx"
    if path.exists():
        return path
    plan = read_plan(make_plan(folder, actions, departments, words)).plan
    start = datetime(2025, 4, 1, 9)
    for index in range(rows // 2):
        action = plan.actions[index % len(plan.actions)]
        when = start + timedelta(days=91 * (index // len(plan.actions)), seconds=index)
        source = f"Return_{action.directorate or 'Team'}.xlsx"
        plan.audit += [
            AuditEntry(when, f"{action.directorate} return", action.action_id, action.ref,
                       "Progress update", f"Update {index - len(plan.actions)}: "
                       "work under way, first milestones met.",
                       f"Update {index}: work under way, next milestones on track.",
                       f"{source}!Return!L{index % 50 + 2}"),
            AuditEntry(when, f"{action.directorate} return", action.action_id, action.ref,
                       "Last updated", (when - timedelta(days=91)).date(), when.date(),
                       "date of the merge")]
    cip_xl.save_plan(plan, path)
    return path


def copy_as_saved(plan: Path, target: Path) -> None:
    """Copy ``plan`` to ``target`` with the copy cip-xl keeps of it as last saved (see
    cip_xl.master_edits), as the file it is: a plan nobody has edited since."""
    from cip_xl.master_edits import saved_copy_path

    shutil.copy(plan, target)
    kept, copy = saved_copy_path(plan), saved_copy_path(target)
    copy.parent.mkdir(exist_ok=True)
    if kept.is_file():
        shutil.copy(kept, copy)
    else:
        copy.unlink(missing_ok=True)


def edited_in_excel(plan: Path, target: Path) -> None:
    """``target``: ``plan`` with one progress update typed in and saved by openpyxl,
    as by Excel — no longer the file cip-xl saved, so reading it compares its Plan
    sheet with the copy kept (cip_xl.master_edits)."""
    import openpyxl

    copy_as_saved(plan, target)
    wb = openpyxl.load_workbook(target)
    ws = wb["Plan"]
    column = next(c.column for c in ws[1] if c.value == "Progress update")
    ws.cell(2, column).value = "Typed into the master in Excel."
    wb.save(target)


def w1_ratios(work: Path, plan: Path, repeat: int, as_of: date | None = None) -> str:
    """W1 on a copy of ``plan`` (validate, then status, as of ``as_of``): our time and
    its ratios to the floor and to the naive script, as a line's tail."""
    def ours():
        copy = work / "w1.xlsx"
        copy_as_saved(plan, copy)
        forget()  # each repeat starts cold; validate's parse serves status
        cip_xl.validate(copy)
        cip_xl.refresh_status(copy, as_of=as_of)

    def naive():
        copy = work / "w1-naive.xlsx"
        shutil.copy(plan, copy)
        naive_validate_status(copy)

    t_ours, t_naive = timed(ours, repeat), timed(naive, repeat)
    t_floor = timed(lambda: calamine_parse([plan]), repeat)
    return (f"ours {t_ours:6.2f}s | vs floor {ratio(t_ours, t_floor)} | naive/ours "
            f"{ratio(t_naive, t_ours)}")


def w2_ratios(work: Path, plan: Path, repeat: int, each: bool = True) -> str:
    """W2: returns issued from ``plan`` and edited, then merged into a copy of it as
    issued: our time and its ratios to the floor and to the naive scripts (``each``:
    the one saving after every return too, which takes tens of seconds), with peak
    memory, as a line's tail."""
    from cip_xl.master_edits import saved_copy_path

    master = work / "w2.xlsx"
    copy_as_saved(plan, master)
    returns = edited_returns(work, master)
    before, kept = master.read_bytes(), saved_copy_path(master).read_bytes()

    def ours_merge():
        master.write_bytes(before)
        saved_copy_path(master).write_bytes(kept)  # the master as issuing saved it
        forget()
        cip_xl.merge(master, returns)

    def naive_merge_run(save_each=True):
        copy = work / "w2-naive.xlsx"
        copy.write_bytes(before)
        naive_merge(copy, returns, save_each)

    # best of ``repeat`` for both sides that take seconds; once for the naive script
    # that saves after every return (tens of seconds, and far behind)
    t_merge = timed(ours_merge, repeat)
    t_floor = timed(lambda: calamine_parse([master] + returns), repeat)
    t_naive_once = timed(lambda: naive_merge_run(save_each=False), repeat)
    naive = f"{ratio(timed(naive_merge_run, 1), t_merge)} (saving once: " \
        f"{ratio(t_naive_once, t_merge).strip()})" if each else \
        f"{ratio(t_naive_once, t_merge)} (saving once)"
    master.write_bytes(before)
    saved_copy_path(master).write_bytes(kept)
    tracemalloc.start()
    cip_xl.merge(master, returns)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    data = sum(p.stat().st_size for p in [master] + returns)
    return (f"{len(returns)} returns: ours {t_merge:6.2f}s | vs floor {ratio(t_merge, t_floor)} | naive/ours "
            f"{naive} | peak Python memory {peak / 2**20:.0f} MB for "
            f"{data / 2**20:.1f} MB of files")


def run(sizes: list[int], merge_size: int, departments: int, words: int,
        repeat: int, audit_rows: int) -> list[str]:
    lines = []
    work = Path(tempfile.mkdtemp(prefix="cip-xl-bench-"))
    try:
        make_plans_apart(work, sizes + [merge_size], departments, words,
                         (merge_size, audit_rows))
        # W1
        for size in sizes:
            plan = make_plan(work, size, departments, words)
            lines.append(f"W1 validate+status {size:>6} actions: "
                         + w1_ratios(work, plan, repeat))

        # W1 again a quarter later: the plan already carries its verdicts, the
        # reporting date moves on and many verdicts change
        plan = make_plan(work, sizes[-1], departments, words)
        refreshed = work / "w1-refreshed.xlsx"
        shutil.copy(plan, refreshed)
        cip_xl.refresh_status(refreshed)
        next_quarter = cip_xl.load_plan(refreshed).settings.reporting_date + timedelta(91)
        lines.append(f"W1 a quarter later {sizes[-1]:>6} actions: "
                     + w1_ratios(work, refreshed, repeat, as_of=next_quarter))

        # W1 on a plan saved in Excel since cip-xl saved it: its Plan sheet is compared
        # with the copy cip-xl kept, for the Audit sheet (cip_xl.master_edits)
        typed = work / "w1-typed.xlsx"
        edited_in_excel(make_plan(work, merge_size, departments, words), typed)
        lines.append(f"W1 after an edit in Excel {merge_size:>6} actions: "
                     + w1_ratios(work, typed, repeat))

        # W1 on a plan with a long audit trail
        aged = make_audit_plan(work, merge_size, departments, words, audit_rows)
        lines.append(f"W1 with {audit_rows} audit rows {merge_size:>6} actions: "
                     + w1_ratios(work, aged, repeat))

        # W5: approving a proposed new action adds a row to the largest plan
        from cip_xl.master_edits import saved_copy_path

        proposing = work / "w5.xlsx"
        copy_as_saved(plan, proposing)
        request = proposed_new_action(work, proposing)
        pending, kept = proposing.read_bytes(), saved_copy_path(proposing).read_bytes()
        row = [c for c in cip_xl.load_plan(proposing).actions[0].__dict__.values()
               if isinstance(c, str)]

        def ours_approve():
            proposing.write_bytes(pending)
            saved_copy_path(proposing).write_bytes(kept)
            forget()
            cip_xl.api.approve(proposing, approve_ids={request}, by="benchmark")

        def naive_approve():
            copy = work / "w5-naive.xlsx"
            copy.write_bytes(pending)
            naive_add_action(copy, row)

        t_ours, t_naive = timed(ours_approve, repeat), timed(naive_approve, repeat)
        if cip_xl.load_plan(proposing).actions[-1].key_action != "Pilot a new scheme":
            raise SystemExit("W5: the approval added no action; the timing means nothing")
        t_floor = timed(lambda: calamine_parse([proposing]), repeat)
        lines.append(f"W5 approve a new action {sizes[-1]:>6} actions: ours {t_ours:6.2f}s | "
                     f"vs floor {ratio(t_ours, t_floor)} | naive/ours "
                     f"{ratio(t_naive, t_ours)}")

        # W2 and W4 on the merge-sized plan
        plan = make_plan(work, merge_size, departments, words)
        master = work / "w2.xlsx"
        shutil.copy(plan, master)
        t_issue = timed(lambda: cip_xl.issue_returns(master, work / "issued"), 1)
        t_naive_issue = timed(lambda: naive_issue(plan, work / "naive-issued"), 1)
        lines.append(f"W4 issue returns {merge_size:>6} actions, "
                     f"{len(list((work / 'issued').glob('*.xlsx')))} returns: ours "
                     f"{t_issue:6.2f}s | naive/ours {ratio(t_naive_issue, t_issue)}")

        lines.append(f"W2 merge returns {merge_size:>6} actions, "
                     + w2_ratios(work, plan, repeat))
        # W2 on the plan with a long audit trail, which merging adds to
        lines.append(f"W2 with {audit_rows} audit rows {merge_size:>6} actions, "
                     + w2_ratios(work, aged, repeat, each=False))

        # W3
        from docxtpl import DocxTemplate

        from cip_xl.reporting import ReportOptions, build_context, render_report
        from cip_xl.resources import resource
        from cip_xl.status import refresh

        big = cip_xl.load_plan(plan)
        judgements = refresh(big)
        t_report = timed(lambda: render_report(big, work / "w3.docx", ReportOptions(),
                                               judgements), repeat)

        def bare():
            template = DocxTemplate(resource("report_templates", "committee-report.docx"))
            context = build_context(big, judgements, ReportOptions(), big.settings.reporting_date)
            context["chart"] = ""
            template.render(context, autoescape=True)
            template.save(work / "w3-bare.docx")

        t_bare = timed(bare, repeat)
        lines.append(f"W3 Word report {merge_size:>6} actions: ours {t_report:6.2f}s | "
                     f"vs docxtpl bare render {ratio(t_report, t_bare)}")

        # start-up
        def start(args):
            return timed(lambda: subprocess.run([sys.executable, *args], check=True,
                                                capture_output=True), repeat)
        t_help = start(["-m", "cip_xl", "--help"])
        t_python = start(["-c", "pass"])
        lines.append(f"CLI start-up: cip-xl --help {t_help:5.2f}s | python alone "
                     f"{t_python:5.2f}s")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true",
                        help="tiny sizes, to prove the scripts still run (CI)")
    parser.add_argument("--repeat", type=int, default=3, help="best of N for quick steps")
    parser.add_argument("--make-plans", nargs="+", metavar="ARG", help=argparse.SUPPRESS)
    parser.add_argument("--make-audit-plan", nargs=5, metavar="ARG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.make_plans:  # FOLDER DEPARTMENTS WORDS SIZE...: see make_plans_apart
        folder, departments, words, *sizes = args.make_plans
        for size in sizes:
            make_plan(Path(folder), int(size), int(departments), int(words))
        return
    if args.make_audit_plan:  # FOLDER DEPARTMENTS WORDS ACTIONS ROWS
        folder, departments, words, actions, rows = args.make_audit_plan
        make_audit_plan(Path(folder), int(actions), int(departments), int(words), int(rows))
        return
    if args.smoke:
        lines = run([30], 40, 4, 8, 1, audit_rows=200)
    else:
        lines = run([200, 2000, 10000], 2000, 40, 60, args.repeat, audit_rows=32000)
    print(f"cip-xl {cip_xl.__version__}, Python {platform.python_version()}, "
          f"{platform.machine()}, {date.today():%d %B %Y}")
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
