"""The workbook contract: sheets, columns, the status vocabulary and the palette.

Everything else in cip-xl reads the shape of a plan workbook from here. This module
imports nothing of ours. A council can rename sheets and headers, add aliases and switch
on optional columns through a profile (see :mod:`cip_xl.profile`), which produces a
:class:`Contract` — never by editing this file.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

# --------------------------------------------------------------------------- columns

#: kinds of column value, used by the reader, the writer and validation
TEXT, REF, CODE, THEME, DATE_PHRASE, DATE, STATUS, PERCENT, COMPUTED, ACTION_ID = (
    "text", "ref", "officer-code", "theme", "date-phrase", "date", "status",
    "percent", "computed", "action-id",
)


@dataclass(frozen=True)
class Column:
    """One column of the Plan sheet.

    ``key`` is the stable internal name (also the :class:`cip_xl.model.Action`
    attribute); ``header`` the text written in row 1; ``aliases`` other headers that
    mean the same column in real plans. ``officer_editable`` marks the columns a lead
    officer may change in a return; ``computed`` columns are written by cip-xl and
    never typed by people.
    """

    key: str
    header: str
    kind: str = TEXT
    aliases: tuple[str, ...] = ()
    required: bool = False
    officer_editable: bool = False
    width: float = 14
    hidden: bool = False
    optional: bool = False


#: the Plan sheet's columns in their default order
PLAN_COLUMNS: tuple[Column, ...] = (
    Column("ref", "Ref", REF, ("ref no", "ref no.", "reference", "no", "no.", "item",
                               "action no.", "action number", "action ref",
                               "action reference", "ref number", "reference number",
                               "item no."), required=True, width=7),
    Column("theme", "Theme", THEME, ("section", "priority", "key area", "area",
                                      "corporate priority", "strategic priority",
                                      "council priority", "priority area",
                                      "strategic theme", "theme/priority"),
           required=True, width=18),
    Column("objective", "Objective", TEXT,
           ("service objective", "objectives", "improvement objective", "aim",
            "strategic objective", "corporate objective", "well-being objective",
            "service objective (referenced to use of resources or 2009/10 strategic "
            "improvement plan)"), width=30),
    Column("key_action", "Key action", TEXT,
           ("key actions", "action", "actions", "task", "tasks", "key tasks",
            "project", "milestone", "what we will do", "activity", "activities",
            "deliverable", "deliverables", "key deliverables", "key action/milestone",
            "planned action", "action to be taken", "actions to be taken",
            "what will we do", "how we will do it", "key milestone", "key milestones",
            "milestones", "milestone/action", "action description", "description of action",
            "activity/action", "action/activity", "actions/milestones"),
           required=True, width=40),
    Column("lead_officer", "Lead officer", CODE,
           ("lead", "lead officer(s)", "responsible officer", "accountability",
            "accountable officer", "accountable", "owner", "responsibility",
            "responsible", "lead person", "who", "officer responsible", "responsible lead",
            "responsible person", "lead responsible officer", "owners", "lead officer/team",
            "who is responsible", "who's responsible", "who is leading", "responsible officer(s)",
            "lead officer(s)/team", "action owner(s)"),
           required=True, width=12),
    Column("target_date", "Target date", DATE_PHRASE,
           ("completion date", "comp letion date", "completio n date", "due date",
            "deadline", "target completion date", "timescale", "timescales", "by when",
            "date due", "when", "due", "target date for completion", "timeframe",
            "timeline", "delivery date", "target completion", "due by",
            "planned completion date", "milestone date", "completion target",
            "date for completion", "timescale for completion", "target timescale",
            "deadline date", "target end date"),
           required=True, width=14),
    Column("revised_date", "Revised date", DATE_PHRASE,
           ("revised target date", "revised completion date", "new date",
            "revised deadline", "revised due date", "new target date", "revised timescale",
            "revised target", "revised completion", "revised end date"), width=14),
    Column("target_outcomes", "Target / outcomes", TEXT,
           ("target/outcomes", "target/ outcomes", "outcomes", "outcome",
            "success measure", "measure of success", "progress measure", "targets",
            "success measures", "measures of success", "measures", "performance measure",
            "outcome measure", "how will we measure success", "how we will measure success",
            "what success looks like", "expected outcome", "expected outcomes",
            "intended outcomes", "how we will know", "how will we know",
            "how we will know we've succeeded", "how we will know we have succeeded",
            "how will we know we've succeeded", "how will we know we have succeeded",
            "how will we know we have made a difference", "how we will measure it",
            "how will we measure it", "how will success be measured"),
           width=30),
    Column("resources", "Resource implications", TEXT,
           ("resources", "resource", "resource implication", "cost", "resources required",
            "financial implications", "budget implications"), width=20),
    Column("status", "Status", STATUS,
           ("progress status", "on target", "on target?", "rag status", "state",
            "current status", "overall status", "action status", "brag status"),
           officer_editable=True, width=13),
    Column("percent_complete", "% complete", PERCENT,
           ("percent complete", "% done", "percentage complete", "complete %",
            "% completed"),
           officer_editable=True, width=10),
    Column("progress_update", "Progress update", TEXT,
           ("progress", "update", "comments", "progress to date", "latest update",
            "commentary", "progress/comments", "current position", "latest position",
            "position statement", "progress made", "progress commentary",
            "update/comments", "status update", "comments/progress", "progress notes",
            "update on progress", "latest progress update", "quarterly update",
            "what we have done", "what has been done", "progress so far"),
           officer_editable=True, width=45),
    Column("last_updated", "Last updated", DATE,
           ("date updated", "updated", "update date", "date of update", "date last updated",
            "last update", "date of last update", "last updated on"), width=12),
    Column("directorate", "Directorate", COMPUTED, width=16),
    Column("due_date", "Next due (as read)", COMPUTED, ("due date (as read)",), width=12),
    Column("rag", "RAG", COMPUTED, ("rag rating", "traffic light", "brag", "brag rating"),
           width=14),
    # optional columns seen in real plans, switched on by a profile
    Column("funded_by", "Funded by", TEXT, ("funding", "funding source"),
           optional=True, width=18),
    Column("ict_requirement", "ICT requirement", TEXT,
           ("ict require ment yes/no", "ict requirement yes/no", "ict", "it requirement"),
           optional=True, width=12),
    Column("risk", "Risk", TEXT, ("risks", "risk implications", "key risks", "risks/issues",
                                  "risks and issues"),
           optional=True, width=20),
    Column("linked_pi", "Linked PI", TEXT, ("pi", "performance indicator", "linked pis",
                                             "linked indicator", "kpi", "kpis",
                                             "key performance indicator"),
           optional=True, width=14),
    Column("action_id", "Action ID", ACTION_ID, ("id",), hidden=True, width=12),
)

COLUMNS_BY_KEY = {c.key: c for c in PLAN_COLUMNS}

#: the columns a lead officer may edit in a return
OFFICER_COLUMNS = tuple(c.key for c in PLAN_COLUMNS if c.officer_editable)


# ---------------------------------------------------------------------- other sheets

@dataclass(frozen=True)
class SheetSpec:
    """A fixed-layout sheet: its default name and its header row."""

    key: str
    name: str
    headers: tuple[str, ...]
    widths: tuple[float, ...] = ()
    hidden: bool = False


OFFICERS = SheetSpec("officers", "Officers",
                     ("Code", "Title", "Name", "Email", "Directorate"),
                     (10, 40, 24, 34, 28))
THEMES = SheetSpec("themes", "Themes", ("Order", "Theme", "Description"), (8, 40, 60))
SETTINGS = SheetSpec("settings", "Settings", ("Setting", "Value"), (28, 60))
REVIEW_LOG = SheetSpec("review_log", "Review log",
                       ("Version", "Review date", "Issues/actions arising from review",
                        "Plan amended Y/N", "Amendment approved by", "Date of amendment"),
                       (10, 14, 50, 12, 24, 16))
AUDIT = SheetSpec("audit", "Audit",
                  ("When", "Who / return", "Action ID", "Ref", "Field", "Old value",
                   "New value", "Source"),
                  (20, 28, 12, 8, 18, 36, 36, 30))
CHANGE_REQUESTS = SheetSpec("change_requests", "Change requests",
                            ("Request ID", "Received", "From return", "Action ID", "Ref",
                             "Kind", "Proposed value", "Reason", "Decision", "Decided by",
                             "Decided on", "Theme", "Proposed target date",
                             "Target / outcomes", "Source"),
                            (12, 16, 28, 12, 8, 14, 40, 40, 12, 18, 14, 22, 14, 30, 30))
RETURNS_LOG = SheetSpec("returns", "Returns",
                        ("Department", "File", "Revision", "Issued", "Fingerprint",
                         "Actions", "Merged", "Result"),
                        (28, 44, 9, 18, 18, 9, 18, 50))
LISTS = SheetSpec("lists", "Lists", ("Status", "Officer", "Theme", "Yes/No"), hidden=True)

#: the sheets of a plan workbook in their order, the Plan sheet first
PLAN_SHEET_NAME = "Plan"
FIXED_SHEETS = (OFFICERS, THEMES, SETTINGS, REVIEW_LOG, AUDIT, CHANGE_REQUESTS,
                RETURNS_LOG, LISTS)

#: Settings rows: key, label written in column A, default value
SETTINGS_ROWS: tuple[tuple[str, str], ...] = (
    ("council", "Council"),
    ("plan_title", "Plan title"),
    ("reporting_date", "Reporting date"),
    ("amber_window_days", "Amber window (days)"),
    ("amber_percent", "Amber below % complete"),
    ("no_update_days", "No update after (days)"),
    ("plan_start", "Plan start"),
    ("progress_threshold", "Progress rule: at risk below (%)"),
    ("committee", "Committee"),
    ("meeting_date", "Meeting date"),
    ("portfolio", "Portfolio"),
    ("report_author", "Report author"),
    ("contact", "Contact"),
    ("plan_id", "Plan ID"),
    ("revision", "Plan revision"),
)

#: the label in column A of each setting, by key
SETTING_LABELS: dict[str, str] = dict(SETTINGS_ROWS)

#: the row of each setting on the Settings sheet as a new plan lays it out (value in B);
#: a save of a plan keeps each setting in the row it was read from
#: (``PlanSource.setting_rows``)
SETTINGS_ROW_OF: dict[str, int] = {key: row for row, (key, _) in
                                   enumerate(SETTINGS_ROWS, start=2)}

#: the defined name of the reporting date cell, used by formulas and formats
REPORT_DATE_NAME = "ReportDate"
#: settings that formulas in the workbook read, by defined name
SETTING_NAMES = {
    "reporting_date": REPORT_DATE_NAME,
    "amber_window_days": "AmberWindow",
    "amber_percent": "AmberPercent",
    "no_update_days": "NoUpdateDays",
    "plan_start": "PlanStart",
    "progress_threshold": "ProgressThreshold",
}
#: settings that hold dates and whole numbers
DATE_SETTINGS = ("reporting_date", "meeting_date", "plan_start")
NUMBER_SETTINGS = ("amber_window_days", "amber_percent", "no_update_days",
                   "progress_threshold", "revision")
STATUS_LIST_NAME = "StatusList"
OFFICER_LIST_NAME = "OfficerList"
THEME_LIST_NAME = "ThemeList"

# ------------------------------------------------------------------ status vocabulary

#: what an officer may say about their action (the Status dropdown)
STATUS_WORDS: tuple[str, ...] = (
    "Not started", "On track", "At risk", "Slipped", "Complete", "Deferred",
    "Ongoing", "Cancelled",
)

#: words seen in real plans and what they mean in our vocabulary
STATUS_ALIASES: dict[str, str] = {
    "not yet started": "Not started",
    "not due": "Not started",
    "not yet due": "Not started",
    "assigned": "Not started",  # Pentana's words for an action not begun
    "unassigned": "Not started",
    "check progress": "At risk",  # Pentana's warning that progress is behind
    "in progress": "On track",
    "on target": "On track",
    "on schedule": "On track",
    "progressing": "On track",
    "work in progress": "On track",
    "on-track": "On track",
    "ahead of schedule": "On track",
    "green": "On track",
    "g": "On track",  # a RAG column's letters: R, A, G (and B for done)
    "amber": "At risk",
    "a": "At risk",
    "slipping": "At risk",
    "behind schedule": "At risk",
    "some slippage": "At risk",
    "some slippage reported": "At risk",
    "behind": "At risk",
    "off track": "Slipped",
    "slippage": "Slipped",
    "delayed": "Slipped",
    "overdue": "Slipped",  # a traffic light's word, pasted in as a status
    "red": "Slipped",
    "r": "Slipped",
    "completed": "Complete",
    "blue": "Complete",  # BRAG: blue for done
    "b": "Complete",
    "done": "Complete",
    "achieved": "Complete",
    "closed": "Complete",
    "on-going": "Ongoing",
    "continuous": "Ongoing",
    "postponed": "Deferred",
    "on hold": "Deferred",
    "withdrawn": "Cancelled",
    "deleted": "Cancelled",
    "superseded": "Cancelled",
    "no longer required": "Cancelled",
    "stopped": "Cancelled",
    "finished": "Complete",
    "fully achieved": "Complete",
    "paused": "Deferred",
    "off target": "Slipped",
    "not on target": "Slipped",
    "ahead of target": "On track",
    "behind target": "At risk",
    "minor slippage": "At risk",
    "significant slippage": "Slipped",
    "major slippage": "Slipped",
    "late": "Slipped",
    "yet to start": "Not started",
    "not commenced": "Not started",
    "not yet commenced": "Not started",
    "no longer applicable": "Cancelled",
    "removed": "Cancelled",
    "bau": "Ongoing",  # the work now part of a service's day-to-day
    "business as usual": "Ongoing",
}
#: a status given by a coloured circle, square or tick alone, as trackers kept in Excel
#: for the web, Teams or SharePoint lists show one (the words stripped of symbols are
#: blank): each colour's traffic light, the tick done
_STATUS_SYMBOLS = {**dict.fromkeys("🟢🟩", "On track"), **dict.fromkeys("🟡🟠🟨🟧", "At risk"),
                   **dict.fromkeys("🔴🟥", "Slipped"), **dict.fromkeys("🔵🟦✅✔✓☑", "Complete")}
#: done, with the work carried on as part of a service's day-to-day: "Complete -
#: ongoing", "Completed and now business as usual", "Complete/BAU"
_DONE_AND_CARRIED_ON = re.compile(
    r"^(?:complete|completed|achieved|done)\s*(?:[-–—/,:;]|\band\b|\s)\s*(?:now\s+)?"
    r"(?:ongoing|on-going|bau|business\s+as\s+usual|embedded|(?:now\s+)?monitored)$")
#: a traffic light's colour with its meaning beside it: "Green - on track", "Amber:
#: some slippage", "Complete (Blue)" — the words say which status, else the colour
_RAG_WORDS = ("red", "amber", "green", "blue", "r", "a", "g", "b")
_COLOUR_AND_WORDS = re.compile(rf"^({'|'.join(_RAG_WORDS)})\s*(?:\s[-–—]\s*|:\s*|\()"
                               r"\s*([^()]+?)\)?$|^([^()]+?)\s*\((red|amber|green|blue)\)$")


#: a status said of what it is the status of: "Action complete", "Project delayed"
_SAID_OF = re.compile(r"^(?:action|task|project|work|milestone)s?\s+(?:is\s+|are\s+)?(.+)$")
#: a status numbered on a scale, as a dropdown's options are: "1 - On track", "(3) Red"
_NUMBERED = re.compile(r"^\(?\d{1,2}\)?\s*(?:[-–—.:)]\s*|\s)([^\d\s].*)$")


def normalise_status(text: object) -> str | None:
    """Map an officer's status word to the vocabulary; ``None`` if it is not one.

    Blank input gives ``None`` as well; callers tell blank from unknown themselves.
    """
    if text is None:
        return None
    return _status_word(text if text.__class__ is str else str(text))


@lru_cache(maxsize=1024)
def _status_word(text: str) -> str | None:
    """:func:`normalise_status` of text, remembered: a plan uses a handful of words."""
    words = " ".join(text.split()).strip().rstrip(".").lower()
    if not words:
        return None
    for word in STATUS_WORDS:
        if word.lower() == words:
            return word
    found = STATUS_ALIASES.get(words) or _STATUS_SYMBOLS.get(words.replace("\ufe0f", ""))
    if found is None and _DONE_AND_CARRIED_ON.match(words):
        return "Complete"
    numbered = _NUMBERED.match(words) if found is None else None
    if numbered:  # a performance system's scale: "1 - Not started", "4. Complete"
        return _status_word(numbered[1])
    said_of = _SAID_OF.match(words) if found is None else None
    if said_of:  # "Action complete", "Project delayed", "Work ongoing"
        return _status_word(said_of[1])
    if found is None:  # a traffic light's label pasted in ("◆ On track"), "on-track"
        bare = status_letters(words)
        if bare and bare != words and not _COLOUR_AND_WORDS.match(words):
            return _status_word(bare)
    coloured = _COLOUR_AND_WORDS.match(words) if found is None else None
    if coloured:  # "Green - on track"; "Green (complete)" is Complete, as it says
        colour, meant = (coloured[1], coloured[2]) if coloured[1] else \
            (coloured[4], coloured[3])
        if status_letters(meant) in _RAG_WORDS:
            return None  # "Amber - Green": two colours, the manager's to decide
        return _status_word(meant) or STATUS_ALIASES[colour]
    return found


def status_letters(text: str) -> str:
    """``text``'s words alone, lower case, without symbols or punctuation: "◆ On
    track" → "on track" — how a status typed is compared with the list's words."""
    return " ".join(re.sub(r"[\W_]+", " ", text).split()).lower()


# ------------------------------------------------------------------------- verdicts

@dataclass(frozen=True)
class Verdict:
    """A traffic-light verdict: a word, a symbol and a fill colour (RRGGBB)."""

    word: str
    symbol: str
    fill: str
    font: str = "000000"

    @property
    def label(self) -> str:
        """What goes in the RAG cell: symbol and word, never colour alone."""
        return f"{self.symbol} {self.word}"


#: default verdicts in order of precedence; colours from the Okabe–Ito
#: colour-blind-safe palette, lightened for legible black text
VERDICTS: tuple[Verdict, ...] = (
    Verdict("Cancelled", "✖", "D9D9D9"),
    Verdict("Complete", "✔", "9AD0F5"),
    Verdict("Overdue", "●", "F4A582"),
    Verdict("At risk", "▲", "FFE08A"),
    Verdict("No update", "?", "E6CCF0"),
    Verdict("On track", "◆", "A6DDC4"),
    Verdict("Not due", "○", "FFFFFF"),
)
VERDICTS_BY_WORD = {v.word: v for v in VERDICTS}


def verdict_fills(palette: dict[str, str] | None = None) -> dict[str, str]:
    """Each verdict's fill colour (RRGGBB) by its word: the council's own where
    ``palette`` (a profile's [colours]) gives one, else cip-xl's."""
    return {v.word: (palette or {}).get(v.word, v.fill) for v in VERDICTS}


def _luminance(rgb: str) -> float:
    """The relative luminance of colour ``rgb`` (RRGGBB), as WCAG 2 defines it."""
    channels = []
    for at in (0, 2, 4):
        value = int(rgb[at:at + 2], 16) / 255
        channels.append(value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4)
    red, green, blue = channels
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """The WCAG 2 contrast ratio of two colours (RRGGBB), from 1 to 21; body text
    needs 4.5 (level AA)."""
    lighter, darker = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def text_colour_on(fill: str) -> str:
    """The text colour (RRGGBB) that reads on ``fill``: black, or white where white
    contrasts more — a council's own dark red (C00000) or blue (0070C0) for a verdict
    takes white words. One of the two always reaches WCAG's 4.5:1."""
    return "FFFFFF" if contrast_ratio(fill, "FFFFFF") > contrast_ratio(fill, "000000") \
        else "000000"

# ------------------------------------------------------------------------- matching


def header_key(text: object) -> str:
    """Reduce a header to letters and digits so that split words and spacing match.

    ``"Comp letion date"`` and ``"Completio n Date"`` both become ``"completiondate"``;
    ``"Target/ outcomes"`` becomes ``"targetoutcomes"``; ``"% complete"`` keeps its
    per-cent sign so it does not collide with "Complete".
    """
    return _key_of(text if text.__class__ is str else str(text or ""))


_NOT_KEY = re.compile(r"[^a-z0-9%]")


@lru_cache(maxsize=4096)
def _key_of(text: str) -> str:
    """:func:`header_key` of text, remembered: every reading looks for the header row
    among the plan's first rows, and a save looks again (long progress texts too)."""
    return _NOT_KEY.sub("", text.lower())


SEE_ABOVE = re.compile(r"^\s*(see|as)\s+(above|previous)\b|^\s*ditto\s*$|^\s*\"\s*$",
                       re.IGNORECASE)


#: backups of a plan kept by :func:`cip_xl.safe_save.prune_backups`: the most recent
#: ones, then the newest of each day that has one, back this many days with backups;
#: older than both, the newest of each month, however old
KEEP_LAST = 20
KEEP_DAILY = 31


@dataclass(frozen=True)
class BackupRule:
    """Which backups of a plan a save keeps (a council profile's ``[backups]``): the
    ``last`` newest, the newest of each of the latest ``days`` days that have one, and
    the newest of every month; or, with ``every``, all of them — for a council whose
    records policy keeps every version, or whose backups another system manages."""

    last: int = KEEP_LAST
    days: int = KEEP_DAILY
    every: bool = False


@dataclass(frozen=True)
class Contract:
    """The contract in force for one council: sheet names, columns and headers.

    Built from the defaults above and an optional profile. ``columns`` lists the Plan
    columns in the order a new workbook writes them (optional columns included only if
    switched on); ``extra_columns`` are headers of a council's own columns, kept as text.
    """

    plan_sheet: str = PLAN_SHEET_NAME
    sheet_names: dict[str, str] = field(
        default_factory=lambda: {s.key: s.name for s in FIXED_SHEETS})
    columns: tuple[Column, ...] = tuple(c for c in PLAN_COLUMNS if not c.optional)
    extra_columns: tuple[str, ...] = ()
    #: verdict fill colours (RRGGBB) by verdict word, overriding :data:`VERDICTS`
    palette: dict[str, str] = field(default_factory=dict)
    #: which backups of the plan a save keeps (a profile's ``[backups]``)
    backups: BackupRule = BackupRule()

    def sheet(self, key: str) -> str:
        """The sheet name for ``key`` ("officers", "themes", ...)."""
        return self.sheet_names[key]

    def column(self, key: str) -> Column:
        for col in self.columns:
            if col.key == key:
                return col
        return COLUMNS_BY_KEY[key]

    def match_header(self, text: object) -> Column | None:
        """The column a header means, by its header text or any alias, or ``None``.

        Optional columns that a profile did not switch on are still recognised, so a
        plan that has "Funded by" reads it whatever the profile says.
        """
        wanted = header_key(text)
        if not wanted:
            return None
        return self._header_index().get(wanted)

    def _header_index(self) -> dict[str, Column]:
        """Normalised header or alias → column; headers win over aliases, and the
        contract's own columns over the defaults (worked out once per contract)."""
        index = self.__dict__.get("_index")
        if index is None:
            known = {c.key: c for c in PLAN_COLUMNS}
            known.update({c.key: c for c in self.columns})
            index = {}
            for col in known.values():  # the first alias listed wins...
                for alias in col.aliases:
                    index.setdefault(header_key(alias), col)
            for col in reversed(list(known.values())):  # ...headers win over aliases
                index[header_key(col.header)] = col
            object.__setattr__(self, "_index", index)
        return index


DEFAULT_CONTRACT = Contract()
