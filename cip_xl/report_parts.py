"""Part of a plan for a committee of its own: the themes or directorates it covers.

A council takes its plan to more than one committee — each overview and scrutiny
committee sees the themes, or the directorates, in its remit. :func:`plan_part` gives
the plan with only those actions, and what to call the part in the report's title;
:func:`changes_in_part` keeps, of what changed since last quarter, what is about them
(for the report's changes section and ``cip-xl changes``).
Names are matched as the plan matches theme names (any case, '&' as 'and'), or by the
start of one name ("Places" for "Places and communities"), or a theme by its number
in the refs ("3" or "Theme 3" for the theme whose actions are 3.1, 3.2, ...); a name
that matches none is an error naming those there are.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, replace
from pathlib import Path

from .findings import ERROR, Finding, PlanFileError
from .model import Plan, theme_key

#: a theme named by its number, as the refs number it ("3", "Theme 3")
_THEME_NUMBER = re.compile(r"(?:theme\s*)?(\d+)", re.IGNORECASE)
#: the letters a ref begins with before its number ("CP" in "CP3.1", "CP 03.01")
_REF_PREFIX = re.compile(r"([A-Za-z]*)[\s._-]*")


@dataclass(frozen=True)
class PlanPart:
    """``plan`` with only the actions of the themes and directorates named; ``name``
    the part as the report's title gives it ("Places and communities"); ``themes`` the
    themes named (none when the part is chosen by directorate alone)."""

    plan: Plan
    name: str
    themes: tuple[str, ...] = ()

    @property
    def action_ids(self) -> frozenset[str]:
        return frozenset(a.action_id for a in self.plan.actions)


def plan_part(plan: Plan, themes: tuple[str, ...] = (), directorates: tuple[str, ...] = (),
              file: str = "") -> PlanPart:
    """The part of ``plan`` in any of ``themes`` or ``directorates`` (an action's
    directorate is its lead officer's: run :func:`cip_xl.status.refresh` first). Raises
    :class:`PlanFileError` for a name that matches no theme or directorate, or more than
    one, and for a part with no actions."""
    chosen_themes = [_numbered_theme(name, plan) or
                     _one(name, plan.theme_names(), "theme", file) for name in themes]
    known = sorted({a.directorate for a in plan.actions if a.directorate} |
                   {o.directorate for o in plan.officers if o.directorate})
    if directorates and not known:
        raise PlanFileError(Finding(
            "report-part-unknown", ERROR,
            "No officer on the Officers sheet has a directorate, so the plan cannot be "
            "reported a directorate at a time: fill in their directorates there, or "
            "report by --theme. Nothing was written.", file=file))
    chosen_directorates = [_one(name, known, "directorate", file) for name in directorates]
    wanted_themes = {theme_key(t) for t in chosen_themes}
    wanted_directorates = {theme_key(d) for d in chosen_directorates}
    actions = [a for a in plan.actions if theme_key(a.theme) in wanted_themes or
               (a.directorate and theme_key(a.directorate) in wanted_directorates)]
    name = ", ".join(dict.fromkeys(chosen_themes + chosen_directorates))
    if not actions:
        raise PlanFileError(Finding(
            "report-part-empty", ERROR,
            f"The plan has no actions in {name}, so there is nothing to report; nothing "
            "was written.", file=file))
    return PlanPart(replace(plan, actions=actions), name, tuple(chosen_themes))


def part_file_name(plan_path: Path, what: str = "report", suffix: str = ".docx",
                   part: str = "") -> str:
    """The name ``what`` made of the plan at ``plan_path`` gets beside it when none is
    given: ``PLAN-report.docx``, or for a part ``PLAN-report-Places_and_communities.docx``
    (the part's name made safe for Windows and SharePoint); ``PLAN-open-data.csv``."""
    from .returns import safe_file_name

    named = f"-{safe_file_name(part, suffix='')}" if part else ""
    return f"{Path(plan_path).stem}-{what}{named}{suffix}"


def changes_in_part(changes, part: PlanPart):
    """``changes`` (a :class:`~cip_xl.changes.ChangeReport`) cut to the part: the
    changes to its actions (and to actions removed from its themes) and how each of
    its themes moved — not the other themes' and directorates'."""
    ids = part.action_ids
    themes = {theme_key(t) for t in part.themes}
    return replace(changes, changes=[c for c in changes.changes
                                     if c.action_id in ids or theme_key(c.theme) in themes],
                   themes=[t for t in changes.themes if theme_key(t.theme) in themes])


def _one(name: str, known: list[str], what: str, file: str) -> str:
    """The one of ``known`` that ``name`` names: the same, as theme names are matched,
    or the only one it begins; else a :class:`PlanFileError` saying which there are."""
    key = theme_key(name)
    same = [k for k in known if theme_key(k) == key]
    if same:
        return same[0]
    begun = [k for k in known if key and theme_key(k).startswith(key)]
    if len(begun) == 1:
        return begun[0]
    listed = "; ".join(f"'{k}'" for k in known) or "none"
    if len(begun) > 1:
        said = f"'{name}' begins more than one {what}'s name: " + \
            ", ".join(f"'{k}'" for k in begun) + ". Give more of the one meant."
    else:
        close = difflib.get_close_matches(key, [theme_key(k) for k in known], n=1,
                                          cutoff=0.6)
        meant = next((k for k in known if close and theme_key(k) == close[0]), None)
        said = f"The plan has no {what} '{name}'" + \
            (f": did you mean '{meant}'?" if meant else ".")
    raise PlanFileError(Finding(
        "report-part-unknown", ERROR,
        f"{said} Its {what}s are: {listed}. Nothing was written.", file=file))


def _numbered_theme(name: str, plan: Plan) -> str | None:
    """The theme ``name`` gives by number ("3", "Theme 3"): the one theme whose actions'
    refs begin with that number (3.1, 3.2, ...), after the letters every ref begins
    with, if they all begin with the same (the plan's "CP3.1", Pentana's "CP 03.01");
    None where ``name`` is not a number, a theme is named so, or no one theme's refs
    begin with it."""
    number = _THEME_NUMBER.fullmatch(" ".join(name.split()))
    if number is None or any(theme_key(t) == theme_key(name) for t in plan.theme_names()):
        return None
    refs = [(a.theme, (a.ref or "").strip()) for a in plan.actions if a.theme]
    letters = [_REF_PREFIX.match(ref) for _, ref in refs]
    if len({found.group(1).upper() for found in letters}) == 1:
        refs = [(theme, ref[found.end():]) for (theme, ref), found in zip(refs, letters)]
    first = re.compile(rf"0*{int(number.group(1))}(?!\d)")
    found = {theme for theme, ref in refs if first.match(ref)}
    return found.pop() if len(found) == 1 else None
