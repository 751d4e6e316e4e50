"""Copies of the plan that a file-syncing service kept when two saves clashed.

Councils keep the plan on SharePoint or a OneDrive-synced folder. When two people save
it at about the same time — the plan open on two computers, or in Excel and in the
browser — the service keeps both versions: the plan, and the other side as a copy
beside it named with that computer's name ("CIP 2026-27-DESKTOP-7F3K2Q1.xlsx"; Dropbox
and Box add "(Jane Smith's conflicted copy 2026-12-03)"). Whatever was typed into
that copy is in no version cip-xl reads, and nothing else tells the manager it is
there. :func:`conflict_copies` finds such a copy — named so, holding this plan (the
same Plan ID) with values that differ — for every job that reads the plan to warn of,
naming the first few differences.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from .findings import WARNING, Finding
from .model import Plan
from .schema import Contract

#: after the plan's name: "-" and a computer's name as OneDrive and SharePoint add it —
#: capitals and figures ("DESKTOP-7F3K2Q1", "WCC-LT0423"), perhaps "-1" for a second
_COMPUTER = re.compile(r"-([A-Z0-9][A-Z0-9-]{5,24}?)(?:-\d{1,3})?")


def _computer_named(rest: str) -> bool:
    """Whether ``rest`` (what follows the plan's name) is "-" and a computer's name:
    its last part mixes capitals and figures, as Windows names computers
    ("DESKTOP-7F3K2Q1") and councils' IT do ("WCC-LT0423") — and a copy named for a
    year or a draft ("-2027-DRAFT", "-Q3-2027") does not."""
    found = _COMPUTER.fullmatch(rest)
    last = found[1].rsplit("-", 1)[-1] if found else ""
    return bool(re.search(r"[A-Z]", last) and re.search(r"\d", last))
#: after the plan's name: " (Jane Smith's conflicted copy 2026-12-03)" (Dropbox), " (Jane
#: Smith's conflict 2026-12-03)" (Box)
_CONFLICTED = re.compile(r" \([^()]*\bconflict(?:ed)?\b[^()]*\)", re.IGNORECASE)
#: the kinds of file a plan is kept as
_WORKBOOKS = (".xlsx", ".xlsm")


def conflict_copies(plan_path: str | Path, plan: Plan, contract: Contract) -> list[Finding]:
    """A warning (``plan-conflict-copy``) for each copy of ``plan`` (as read from
    ``plan_path``) that a syncing service made beside it when two saves clashed: a
    workbook named as one (see the module), holding the plan with the same Plan ID and
    values that differ, the first few of which it names. Nothing for a plan without a
    Plan ID or in a backups folder. Never raises."""
    from .safe_save import BACKUP_FOLDER

    plan_path = Path(plan_path)
    if not plan.settings.plan_id or plan_path.parent.name.lower() == BACKUP_FOLDER:
        return []
    stem = plan_path.stem.lower()
    try:
        with os.scandir(plan_path.parent) as entries:
            names = [e.name for e in entries if e.name.lower().startswith(stem) and
                     e.name.lower().endswith(_WORKBOOKS) and e.is_file()]
    except OSError:
        return []
    found = []
    for name in sorted(names):
        copy = plan_path.parent / name
        rest = copy.stem[len(plan_path.stem):]
        service = "OneDrive and SharePoint name" if _computer_named(rest) else \
            "Dropbox and Box name" if _CONFLICTED.fullmatch(rest) else None
        differences = _differences(copy, plan_path, plan, contract) if service else []
        if not differences:
            continue
        shown = "; ".join(differences[:_SHOWN]) + (
            f"; and {len(differences) - _SHOWN} more" if len(differences) > _SHOWN else "")
        found.append(Finding(
            "plan-conflict-copy", WARNING,
            f"{name} beside the plan is a copy of it (the same Plan ID{_saved(copy)}), "
            f"named as {service} the other side of two saves that clashed. It differs "
            f"from {plan_path.name} in {len(differences)} value"
            f"{'s' if len(differences) != 1 else ''} — {shown} — which may have been "
            f"typed into it and not into the plan. Copy across what is missing, then move "
            f"{name} out of the folder.", str(copy)))
    return found


#: how many of a copy's differences a finding names
_SHOWN = 5


def _differences(copy: Path, plan_path: Path, plan: Plan, contract: Contract) -> list[str]:
    """Each value in which the plan in ``copy`` differs from ``plan`` ("Ref 5.1
    Progress update: 'Typed on the laptop' there, 'Consultation opened' here"); none
    when ``copy`` is the file at ``plan_path`` byte for byte, holds another plan (or
    none), or cannot be read."""
    from datetime import datetime

    from .cells import as_text
    from .master_edits import entries_between
    from .plan_read import _read_aside

    try:
        if copy.stat().st_size == plan_path.stat().st_size and \
                copy.read_bytes() == plan_path.read_bytes():
            return []
        theirs = _read_aside(copy, contract)
    except Exception:  # damaged, or no plan: not a copy to speak of
        return []
    if theirs.settings.plan_id != plan.settings.plan_id:
        return []
    entries, _ = entries_between(plan, theirs, contract, datetime.now(), "",
                                 lambda *_: "")

    def said(value: object) -> str:
        text = " ".join(as_text(value).split()) if value not in (None, "") else ""
        return f"'{text[:40]}…'" if len(text) > 40 else f"'{text}'" if text else "blank"

    return [f"{'Ref ' + e.ref + ' ' if e.ref else ''}{e.field}: {said(e.new)} there, "
            f"{said(e.old)} here" for e in entries]


def _saved(copy: Path) -> str:
    """", saved 03/12/2026 10:14 by Jane Smith", as the copy's properties say."""
    import zipfile

    from .file_stamp import saver_named
    from .return_read import saved_time

    try:
        with zipfile.ZipFile(copy) as package:
            core = package.read("docProps/core.xml")
    except (OSError, KeyError, zipfile.BadZipFile):
        return ""
    when, who = saved_time(core), saver_named(core)
    told = [part for part in (f"saved {when:%d/%m/%Y %H:%M}" if when else "",
                              f"by {who}" if who else "") if part]
    return f", {' '.join(told)}" if told else ""
