"""Generated plans of any size, for tests and benchmarks.

:func:`synthetic_plan` makes a realistic plan — themes, directorates, officers, dates
written as real dates and as council phrases, statuses, progress texts of a chosen
length — from a seed, so the same arguments always give the same plan.
"""
from __future__ import annotations

import random
from datetime import date, timedelta

from .model import Action, Officer, Plan, Settings, Theme

_THEMES = ("Managing our finances", "Governing the business", "Our people",
           "Customers and digital services", "Places and communities", "Health and care",
           "Climate and environment", "Economy and skills")
_VERBS = ("Review", "Deliver", "Introduce", "Update", "Publish", "Procure", "Consult on",
          "Train staff in", "Benchmark", "Agree")
_THINGS = ("the procurement strategy", "the workforce plan", "online payments",
           "the risk register", "the housing allocations policy", "fly-tipping enforcement",
           "the residents' survey", "the asset management plan", "the complaints code",
           "food waste collections", "the local plan", "the leisure contract")
_STATUSES = ("Not started", "On track", "On track", "On track", "At risk", "Slipped",
             "Complete", "Complete", "Deferred", "Ongoing", "Cancelled")
_WORDS = ("progress", "meeting", "agreed", "report", "partners", "budget", "delayed",
          "consultation", "complete", "procurement", "members", "residents", "review")


def synthetic_plan(actions: int = 200, directorates: int = 10, seed: int = 1,
                   as_of: date = date(2026, 9, 30), progress_words: int = 30,
                   themes: int = 5) -> Plan:
    """A plan of ``actions`` actions over ``themes`` themes and ``directorates``
    directorates (three officers each), judged as of ``as_of``."""
    rng = random.Random(seed)
    theme_names = [_THEMES[i % len(_THEMES)] + (f" {i // len(_THEMES) + 1}"
                                               if i >= len(_THEMES) else "")
                   for i in range(themes)]
    officers = []
    for d in range(directorates):
        for k in range(3):
            code = f"D{d + 1:02d}{'ABC'[k]}"
            officers.append(Officer(code, f"Head of Service {code}", f"Officer {code}",
                                    f"{code.lower()}@council.example",
                                    f"Directorate {d + 1:02d}"))
    plan = Plan(officers=officers,
                themes=[Theme(name, i + 1) for i, name in enumerate(theme_names)],
                settings=Settings(council="Synthetic Borough Council",
                                  plan_title=f"Generated plan of {actions} actions",
                                  reporting_date=as_of, plan_id=f"PSYNTH{seed:06d}"))
    per_theme: dict[str, int] = {}
    for index in range(actions):
        theme = theme_names[index % themes]
        per_theme[theme] = per_theme.get(theme, 0) + 1
        ref = f"{theme_names.index(theme) + 1}.{per_theme[theme]}"
        due = as_of + timedelta(days=rng.randint(-200, 300))
        status = rng.choice(_STATUSES)
        pct = None if status in ("Ongoing", "Cancelled") else (
            100 if status == "Complete" else rng.choice((0, 10, 25, 40, 50, 60, 75, 80, 90)))
        updated = None if status == "Not started" and rng.random() < 0.7 else \
            as_of - timedelta(days=rng.randint(0, 150))
        plan.actions.append(Action(
            ref=ref, theme=theme, objective=f"Objective {ref.split('.')[0]}",
            key_action=f"{rng.choice(_VERBS)} {rng.choice(_THINGS)}",
            lead_officer=rng.choice(officers).code,
            target_date=_written(due, rng),
            revised_date=_written(due + timedelta(days=rng.randint(30, 120)), rng)
            if rng.random() < 0.12 else None,
            target_outcomes="Outcome agreed by members", resources="Within existing budgets",
            status=status, percent_complete=pct,
            progress_update=" ".join(rng.choice(_WORDS) for _ in range(progress_words)),
            last_updated=updated,
            action_id=f"A{seed:02X}{index:07X}"[-9:]))
    return plan


def _written(day: date, rng: random.Random) -> date | str:
    """A due date as a council might write it: a real date, or a month or quarter."""
    choice = rng.random()
    if choice < 0.5:
        return day
    if choice < 0.85:
        return day.strftime("%b %Y")
    start = day.year if day.month >= 4 else day.year - 1
    quarter = ((day.month - 4) % 12) // 3 + 1
    return f"Q{quarter} {start}/{(start + 1) % 100:02d}"
