"""Turn the tables of a legacy plan into a :class:`~cip_xl.model.Plan`.

The format readers (:mod:`.word`, :mod:`.sheet`) reduce a source to :class:`RawTable`
objects — rows of cell text with a way to name each row's place — and legend entries
("HF Head of Finance"). :func:`build_plan` does the rest, the same for every format:

* finds the plan tables among the others by their headers (aliases included, so
  "Comp letion date" and "Completio n Date" are the target date), skipping headers
  repeated on every page;
* reads theme rows (a row whose only text is a theme, even when Word split it across
  cells), rows continued over a page break, "See above" cells, bullets and several
  paragraphs in a cell, multiple officer codes and dates;
* repairs refs that a spreadsheet turned into numbers ("3.1 0", a run of "3.1" after
  3.10) and fills in missing refs, always with a finding;
* maps status words to the vocabulary, keeping the words as written;
* sorts legend entries into officers and mere abbreviations.

Nothing is dropped silently: every guess is a finding naming the table and row.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Callable, Iterable

from .. import schema
from ..cells import listed as listed_names, quoted
from ..dates import MONTHS, parse_due
from ..findings import INFO, WARNING, Finding
from ..lead_officers import (SURNAME_FIRST, cell_parts, chunks, initial_and_surname,
                             initialled, initials as officer_initials, without_remark)
from ..model import Action, Officer, Plan, Theme
from ..plan_read import EXCEL_CELL_LIMIT
from ..schema import Contract
from .keys import key_line, key_row, status_codes
from .two_row_headers import one_header_row, sub_header_words

STATUS_AS_WRITTEN = "Status (as written)"
UPDATED_AS_WRITTEN = "Last updated (as written)"
#: the column an imported action's cell notes are kept in, each "header: text"
CELL_NOTES = "Cell notes"
ROLE = re.compile(r"\b(head|heads|manager|officer|director|chief|executive|team|unit|"
                  r"board|partnership|accountant|lead|group|service|services|member|"
                  r"portfolio|clerk|monitoring|assistant|deputy|adviser|advisor|"
                  r"coordinator|co-ordinator|administrator|leader|cabinet)\b", re.I)
REF = re.compile(r"[A-Za-z]{0,3}\s?\d+(\s?\.\s?\d+)*[a-z]?\.?")
CODE = re.compile(r"^[A-Za-z][A-Za-z()&.\-]{0,9}$")
#: a title that names a plan, not the council over it: "Corporate Improvement Plan
#: 2026/27" rather than "Marshfield Borough Council" in the row above
NAMES_A_PLAN = re.compile(r"\b(?:plan|strategy|programme|priorities)\b", re.IGNORECASE)


@dataclass
class RawTable:
    """Rows of cell text from one table or sheet, and how to name a row's place."""

    name: str
    rows: list[list[str]]
    where: Callable[[int, int], str] = lambda row, column: f"row {row + 1}"
    sheet_label: str = ""
    #: the name of the part of the plan the table is, where its place gives one: a
    #: spreadsheet kept a sheet per theme or directorate gives the sheet's name
    part_name: str = ""
    #: what parts the source in :attr:`part_name`: its "sheet", or the "heading" a Word
    #: table is under
    part_kind: str = "sheet"
    #: (row, column) of each blank cell coloured red, amber, green or blue → that word
    colours: dict[tuple[int, int], str] = field(default_factory=dict)
    #: (row, column) of each cell with a note attached (Excel's New Note or New
    #: Comment, a Word comment, the address a cell links to) → its text
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    #: a line outside the table's rows saying when its progress was written: a Word
    #: paragraph "Position as at 30 September 2026" (see :func:`updated_over`)
    dated_by: str = ""


@dataclass
class ImportResult:
    """The plan found, what was guessed or doubtful, and a count of what was found;
    ``previous``: where the file the new plan replaced (--overwrite) was kept, if any."""

    plan: Plan
    findings: list[Finding] = field(default_factory=list)
    previous: Path | None = None

    @property
    def summary(self) -> str:
        plan = self.plan
        council = f", for {plan.settings.council}" if plan.settings.council else ""
        return (f"Found {len(plan.actions)} action{'s' if len(plan.actions) != 1 else ''} "
                f"in {len(plan.themes)} theme{'s' if len(plan.themes) != 1 else ''}, "
                f"{len(plan.officers)} officer{'s' if len(plan.officers) != 1 else ''}; "
                f"the plan is titled '{plan.settings.plan_title}'{council} (Settings).")


def clean(text: object) -> str:
    """Cell text with Word's symbol-font bullets as '• ' and tidy whitespace per line."""
    if text is None:
        return ""
    value = str(text).replace("\uf0b7", "•").replace("\u00a0", " ")
    lines = []
    for line in value.replace("\r", "\n").split("\n"):
        line = re.sub(r"[ \t]+", " ", line).strip()
        line = re.sub(r"^•\s*", "• ", line)
        if line:
            lines.append(line)
    return "\n".join(lines)


#: headers of the systems councils keep actions in before a plan — Microsoft Planner's
#: "Export plan to Excel", a SharePoint or Lists export, Pentana (Covalent) and InPhase
#: reports — read on import only: in a cip-xl plan "Notes" or "Title" may be a column
#: of the council's own, not a second Progress update or Key action
EXPORT_HEADERS: dict[str, str] = {
    schema.header_key(header): key for key, headers in {
        "key_action": ("task name", "title", "action title", "action name", "task title"),
        "theme": ("bucket", "bucket name"),
        "directorate": ("department", "dept", "dept.", "service area", "directorate/service",
                        "directorate / department", "lead department", "lead dept",
                        "lead service", "lead directorate"),
        "lead_officer": ("assigned to", "managed by", "assignee", "action owner",
                         "owner name"),
        "ref": ("code", "action code"),
        "target_date": ("original due date", "original target date", "finish date",
                        "end date", "baseline date"),
        "percent_complete": ("progress bar", "% progress", "progress %", "percent done"),
        "progress_update": ("latest note", "note", "notes", "latest comment", "comment",
                            "latest progress"),
        "last_updated": ("latest note date", "note date", "modified", "last modified",
                         "date modified", "last updated date"),
    }.items() for header in headers}

#: headers of the day a task was finished (Planner's "Completed Date", Pentana's
#: "Completion Date"): kept as a column, and a completed action's last update where
#: it has none as late
COMPLETED_HEADERS = frozenset(schema.header_key(h) for h in (
    "completed date", "completion date", "date completed", "actual completion date",
    "completed on", "date closed", "closed date", "actual end date"))


#: a reporting period in a tracker's header: "Q2 update", "Progress at Q2 2026/27",
#: "Sept 2026 commentary", "RAG (Quarter 2)", "Key actions 2026/27"
_PERIOD_IN_HEADER = re.compile(
    r"\b(?:(?:q|qtr|quarter)\s*[1-4]|quarter\s+(?:one|two|three|four)|"
    r"(?:\d{4}|\d{2})\s*[/\-–]\s*(?:\d{4}|\d{2})|(?:19|20)\d{2}|"
    r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r"))\b\.?", re.IGNORECASE)
#: words that join a period to what the column holds: "Progress at Q2", "Update for Q2"
_PERIOD_JOINERS = re.compile(r"\b(?:as\s+at|at|for|in|of|end)\b|[()\[\]:,\-–]",
                             re.IGNORECASE)


def _period_key(text: str, contract: Contract) -> str | None:
    """The column a header means once the reporting period in it is set aside ("Q2
    update": progress_update), the plan's headers and an export's alike; None for a
    header with no period in it, or none that means a column."""
    if not _PERIOD_IN_HEADER.search(text):
        return None
    rest = " ".join(_PERIOD_JOINERS.sub(" ", _PERIOD_IN_HEADER.sub(" ", text)).split())
    if not rest:
        return None
    column = contract.match_header(rest)
    return column.key if column else EXPORT_HEADERS.get(schema.header_key(rest))


#: headers of the outcomes a plan's actions serve, where they are left of the actions
#: ("Outcome | What we will do | ..."): the objective; right of them, each action's own
#: outcome (target / outcomes)
_OUTCOMES_SERVED = frozenset(schema.header_key(h) for h in (
    "outcome", "outcomes", "intended outcome", "intended outcomes"))


def header_map(row: list[str], contract: Contract,
               mapping: dict[str, str] | None = None, exports: bool = True) -> dict[int, str]:
    """Column index → column key for a header row (``mapping`` overrides by header),
    the first column of each meaning taken, the plan's headers and other names and an
    export's (:data:`EXPORT_HEADERS`) alike. A due date beside an original one
    ("Original Due Date" and "Due Date", as Pentana exports them) is the revised date.
    ``exports=False``: the plan's headers alone."""
    found: dict[int, str] = {}
    overrides = {schema.header_key(k): v for k, v in (mapping or {}).items()}
    for index, text in enumerate(row):
        key = overrides.get(schema.header_key(text))
        if key is None:
            column = contract.match_header(text)
            key = column.key if column else \
                EXPORT_HEADERS.get(schema.header_key(text)) if exports else None
            if key is None and exports:  # "Q2 update", "Key actions 2026/27"
                key = _period_key(clean(text), contract)
            # in a hand-made tracker the RAG column is the status people typed; a
            # Directorate column gives the lead officers' directorates (_directorates)
            key = {"rag": "status", "due_date": None, "action_id": None}.get(key, key)
        if key == "target_outcomes" and "key_action" not in found.values() and \
                "objective" not in found.values() and \
                schema.header_key(text) in _OUTCOMES_SERVED:
            key = "objective"  # "Outcome" left of the actions: what they serve
        due = next((i for i, k in found.items() if k == "target_date"), None)
        if key == "target_date" and due is not None and "revised_date" not in \
                found.values():
            if schema.header_key(text).startswith(("original", "baseline")):
                found[due] = "revised_date"  # the due date now, before the original
            elif schema.header_key(row[due]).startswith(("original", "baseline")):
                key = "revised_date"  # the due date now, after the original
        if key and key not in found.values():
            found[index] = key
    return found


def latest_period(header: list[str], rows: list[list[str]], columns: dict[int, str],
                  contract: Contract, mapping: dict[str, str] | None = None
                  ) -> tuple[dict[int, str], list[tuple[int, list[int]]]]:
    """``columns`` with each column named by a reporting period ("Q1 update") moved to
    the last column of the same meaning that has entries ("Q2 update", where Q3's and
    Q4's are still blank): a tracker adds a quarter's columns at the right. Also each
    move as (the column now read, the others of its meaning, kept as columns of their
    own)."""
    changed = dict(columns)
    moves: list[tuple[int, list[int]]] = []
    for index, key in columns.items():
        if not _PERIOD_IN_HEADER.search(clean(header[index])):
            continue
        same = [i for i in range(len(header)) if i == index or (
            i not in columns and header_map([header[i]], contract, mapping).get(0) == key)]
        filled = [i for i in same if any(i < len(row) and clean(row[i]) for row in rows)]
        if len(same) < 2:
            continue
        chosen = filled[-1] if filled else index
        if chosen != index:
            del changed[index]
            changed[chosen] = key
        moves.append((chosen, [i for i in same if i != chosen]))
    return changed, moves


def by_content(rows: list[list[str]], columns: dict[int, str]) -> dict[int, str]:
    """``columns`` with a Progress column read as what it holds: status words only
    ("In progress", "Completed": Planner's Progress) make it the Status, percentages
    (Pentana's progress bar) the % complete — unless the table has that column too."""
    changed = dict(columns)
    for index, key in columns.items():
        if key != "progress_update":
            continue
        values = [clean(row[index]) for row in rows if index < len(row)]
        values = [v for v in values if v]
        if not values:
            continue
        if "status" not in changed.values() and all(
                schema.normalise_status(v) for v in values):
            changed[index] = "status"
        elif "percent_complete" not in changed.values() and all(
                re.fullmatch(r"\d{1,3}(?:\.\d+)?\s*%?", v) for v in values):
            changed[index] = "percent_complete"
    return changed


def is_header(row: list[str], contract: Contract, mapping=None) -> bool:
    """Whether ``row`` heads a table of actions: three plan columns or more, one of them
    the key action or objective — and where an export's headers count towards that, a
    lead officer or date among them: a sheet of officers headed "Code, Title, Name,
    Directorate" is no table of actions titled by "Title"."""
    keys = set(header_map(row, contract, mapping).values())
    if len(keys) < 3 or not keys & {"key_action", "objective"}:
        return False
    return keys == set(header_map(row, contract, mapping, exports=False).values()) or \
        bool(keys & {"lead_officer", "target_date"})


def join_split(parts: list[str]) -> str:
    """Join text Word split across cells: no space inside a split word ("Vi"+"sion")."""
    text = ""
    for part in (p.strip() for p in parts if p and p.strip()):
        if text and ((text[-1].isalpha() and part[0].islower()) or part[0] in ",.:;)"):
            text += part
        elif text:
            text += " " + part
        else:
            text = part
    return text


def fix_ref(text: str) -> tuple[str, bool]:
    """Undo the damage number-formatting does to refs: '3.1 0' → '3.10', and whether it
    did any; a full stop after a ref ('3.3.', as a list numbers it) goes, as no damage.
    A space between figures goes; one after letters stays ('CP 01.01', 'HOU 3'), as
    does a ref's line break, as a space."""
    ref = re.sub(r"(?<=[\d.]) (?=[\d.])", "", " ".join(text.split())).rstrip(".")
    return ref, ref != " ".join(text.split()).rstrip(".")


def legend_from_table(rows: list[list[str]]) -> list[tuple[str, str]] | None:
    """Code/meaning pairs if a table is a key ("HF | Head of Finance | UoR | ..."), else None."""
    pairs = []
    cells = 0
    for row in rows:
        texts = [clean(c) for c in row]
        if len([t for t in texts if t]) == 1 and re.match(r"^\w{0,4}(ey|egend|bbreviations)\b",
                                                           texts[0] or "", re.I):
            continue  # "Key:" (or Word's "ney:") title row
        for i in range(0, len(texts) - 1, 2):
            code, meaning = texts[i], texts[i + 1]
            if not code and not meaning:
                continue
            cells += 1
            if CODE.match(code) and meaning and not CODE.match(meaning.replace(" ", "")):
                pairs.append((code, meaning))
    if pairs and len(pairs) >= max(2, cells * 0.6):
        return pairs
    return None


def legend_from_lines(lines: list[str]) -> list[tuple[str, str]]:
    """Code/meaning pairs from paragraphs under a "Legend:" or "Key:" heading, or
    of a key on one line (:func:`~cip_xl.importers.keys.key_line`)."""
    pairs = []
    collecting = False
    for line in lines:
        text = line.strip()
        entries = key_line(text)  # "Key: G – on track; A – at risk; ..." on one line
        if entries:
            pairs += entries
            continue
        if re.match(r"^(key|legend|abbreviations)\s*:?\s*$", text, re.I):
            collecting = True
            continue
        if not collecting:
            continue
        match = re.match(r"^([A-Za-z][A-Za-z()&.\-]{0,9})[\t ]+(.+)$", text)
        if match and (match[2][:1].isupper()):
            pairs.append((match[1], match[2].strip()))
        elif text:
            collecting = False if pairs else collecting
    return pairs


#: a day in figures with the year in full: how a date cell reads, and how Word plans
#: write one ("31/12/2010"); kept as a date, where "Dec 2010" or "22/1/09" stay words
_DAY_FIGURES = re.compile(r"\d{1,2}/\d{1,2}/\d{4}")


#: the headers of a list of officers kept beside a plan (a tracker's Officers or
#: Contacts sheet, a Word key with columns): what each says of an officer
ROSTER_HEADERS: dict[str, str] = {
    schema.header_key(header): field_name for field_name, headers in {
        "code": ("code", "officer code", "initials", "abbreviation", "lead officer code"),
        "title": ("title", "job title", "post", "role", "position"),
        "name": ("name", "officer", "officer name", "full name", "contact", "lead officer"),
        "email": ("email", "e-mail", "email address", "e-mail address"),
        "directorate": ("directorate", "department", "service", "service area"),
    }.items() for header in headers}


@dataclass(frozen=True)
class _Listed:
    """An officer as a list of officers gives them, and where."""

    code: str
    title: str
    name: str
    email: str
    directorate: str
    where: str


def _officers_listed(table: RawTable) -> list[_Listed]:
    """The officers a table lists, if it is a list of officers — headed Code and a
    title or name, with an email or directorate (or both a title and a name); or,
    with no codes, headed Name and an email or directorate (each officer's code then
    blank: see :func:`_match_listed`) — else none."""
    for index, row in enumerate(table.rows[:3]):
        columns: dict[str, int] = {}
        for column, text in enumerate(row):
            field_name = ROSTER_HEADERS.get(schema.header_key(text))
            if field_name and field_name not in columns:
                columns[field_name] = column
        coded = "code" in columns and bool({"title", "name"} & set(columns)) and \
            len(columns) >= 3
        if not coded and not ("name" in columns and {"email", "directorate"} & set(columns)):
            continue
        listed = []
        for r in range(index + 1, len(table.rows)):
            cells = {f: clean(table.rows[r][c]) if c < len(table.rows[r]) else ""
                     for f, c in columns.items()}
            code = cells.get("code", "").replace(" ", "") if coded else ""
            if (CODE.match(code) and (cells.get("title") or cells.get("name"))) or \
                    (not coded and cells.get("name")):
                listed.append(_Listed(code, cells.get("title", ""),
                                      cells.get("name", ""), cells.get("email", ""),
                                      cells.get("directorate", ""),
                                      table.where(r, columns["code" if coded else "name"])))
        return listed
    return []


def _fill_from_list(officers: list[Officer], listed: list[_Listed]) -> None:
    """Each officer's title, name and email as the list of officers gives them (where
    the plan's key left them blank), and an officer for each one listed the plan has
    not (an officer with no action yet is still one)."""
    by_code = {o.code.upper(): o for o in officers}
    for entry in listed:
        officer = by_code.get(entry.code.upper())
        if officer is None:
            officer = by_code[entry.code.upper()] = Officer(entry.code)
            officers.append(officer)
        _take_from(officer, entry)


def _take_from(officer: Officer, entry: _Listed) -> None:
    """``officer``'s blank title, name and email as the list's ``entry`` gives them (a
    title that is the listed name, as a key may give it, is the listed title)."""
    if officer.title in ("", entry.name) and officer.title != entry.title:
        officer.title = entry.title  # the key gave the name where the title goes
    officer.name = officer.name or entry.name
    officer.email = officer.email or entry.email


def _match_listed(officers: list[Officer], listed: list[_Listed]
                  ) -> list[tuple[_Listed, Officer]]:
    """Officers of a list that gives no codes, each matched to the plan's officer of the
    same name (any case) — or, failing that, title — and that officer's blank title,
    name and email filled in from it; the pairs matched. One the plan has not is not
    added: with no code, a list of a council's staff is not known to be the plan's."""
    def same(one: str, other: str) -> bool:
        return bool(one) and " ".join(one.split()).casefold() == \
            " ".join(other.split()).casefold()

    pairs = []
    for entry in listed:
        officer = next((o for o in officers if same(entry.name, o.name)), None) or \
            next((o for o in officers if same(entry.title, o.title)), None)
        if officer is None:
            continue
        _take_from(officer, entry)
        pairs.append((entry, officer))
    return pairs


@dataclass
class _State:
    theme: str = ""
    objective: str = ""
    last: Action | None = None
    previous_values: dict = field(default_factory=dict)


def build_plan(tables: list[RawTable], legend: list[tuple[str, str]], file: str,
               contract: Contract | None = None, mapping: dict[str, str] | None = None,
               title: str = "", council: tuple[str, str] = ("", "")) -> ImportResult:
    """Build a plan from ``tables`` and ``legend`` entries read from ``file``.
    ``council``: the council's name as the file gives it and where (see
    :func:`council_named`), or blanks."""
    contract = contract or schema.DEFAULT_CONTRACT
    plan = Plan()
    result = ImportResult(plan)
    findings = result.findings
    themes: list[str] = []
    state = _State()
    plan_tables = 0
    status_originals = updated_originals = False
    places: dict[int, tuple[str, str]] = {}
    part_of: dict[int, str] = {}  # id of each action → the part_name of its table
    #: lead officer code → the directorates the tracker gives their actions, each with
    #: the first place it does
    directorates: dict[str, dict[str, str]] = {}
    listed: list[_Listed] = []  # officers a list of them beside the plan gives
    #: lists of officers with no codes, each with where it is: matched by name
    uncoded: list[tuple[str, list[_Listed]]] = []
    #: the header of each column kept as one of its own (its key) → its name: the same
    #: column of the next table (a sheet per theme, a table per action) goes into it
    kept_before: dict[str, str] = {}
    # the statuses a key beside or under the plan, in a row of its own, gives its
    # letters ("Key: G – on track; ...; C – complete"), a cell to each, or its colours
    codes = status_codes(legend + [entry for table in tables
                                   for coloured in [_colours_by_row(table)]
                                   for r, row in enumerate(table.rows)
                                   for entry in key_row(row, coloured.get(r))])
    coded: dict[str, str] = {}  # each status letter read by the key → its status
    from .action_records import as_rows  # it reads tables with this module's helpers

    records = 0  # tables that record one action or more, labels down the left
    noted: list[str] = []  # the cells whose notes were kept with their actions
    numbered: dict[str, str] = {}  # a theme heading's number ("Priority 1: ...") → it
    dated_by_line, day_by_line = 0, None  # actions the document's "as at" line dates
    sheet_before = ""
    for table in tables:
        if table.part_kind == "sheet" and table.part_name != sheet_before:
            state.theme = state.objective = ""  # a sheet's themes are its own
        sheet_before = table.part_name
        recorded = as_rows(table, contract, mapping)
        if recorded is not None:
            table = recorded
            records += 1
        header_index = next((i for i, row in enumerate(table.rows[:6])
                             if is_header(row, contract, mapping)), None)
        table, deep = one_header_row(table, header_index, contract, mapping)
        if deep:
            findings.append(Finding(
                "import-two-row-header", INFO,
                f"The table's header is two rows deep ({sub_header_words(deep)}): each "
                "column is read by both rows' words — "
                + ", ".join(f"'{name}'" for name in deep.names if name) + ".", file,
                table.sheet_label or table.name, table.where(header_index, 0)))
        if header_index is None:
            found = _officers_listed(table)
            if found and not found[0].code:
                uncoded.append((table.sheet_label or table.name, found))
            elif found:
                listed += found
                findings.append(Finding(
                    "import-officers-listed", INFO,
                    f"{len(found)} officer{'s' if len(found) != 1 else ''} read from the "
                    f"list of officers on {table.sheet_label or table.name} (code, title, "
                    "name, email and directorate, as it gives them) into Officers.", file,
                    table.sheet_label or table.name, found[0].where))
            continue
        plan_tables += 1
        over = theme_over_header(table.rows, header_index, contract, mapping)
        if over is not None:  # a table per theme on one sheet: the first one's heading
            first_theme = _one_text(table.rows[over])
            state.theme, state.objective = first_theme, ""
            if first_theme not in themes:
                themes.append(first_theme)
            findings.append(Finding(
                "import-theme-row", INFO, f"'{first_theme}' read as a theme heading, over "
                "the first of the tables of each theme.", file,
                table.sheet_label or table.name, table.where(over, 0)))
        columns = header_map(table.rows[header_index], contract, mapping)
        read_as = by_content(table.rows[header_index + 1:], columns)
        for index in sorted(set(read_as.items()) - set(columns.items())):
            findings.append(Finding(
                "import-column-by-content", INFO,
                f"The column '{clean(table.rows[header_index][index[0]])}' holds "
                f"{'status words' if index[1] == 'status' else 'percentages'}: read as "
                f"{contract.column(index[1]).header}.", file,
                table.sheet_label or table.name, table.where(header_index, index[0])))
        columns, moves = latest_period(table.rows[header_index], table.rows[header_index + 1:],
                                       read_as, contract, mapping)
        header = table.rows[header_index]
        for chosen, others in moves:
            names = listed_names([f"'{clean(header[i])}'" for i in sorted(others + [chosen])])
            filled = any(chosen < len(row) and clean(row[chosen])
                         for row in table.rows[header_index + 1:])
            findings.append(Finding(
                "import-latest-period", INFO,
                f"The column '{clean(header[chosen])}' is read as "
                f"{contract.column(columns[chosen]).header}, the last of {names} "
                f"{'with entries' if filled else '(none has any)'}; what the others hold "
                "is kept in columns of their own.", file, table.sheet_label or table.name,
                table.where(header_index, chosen)))
        for index, text in enumerate(table.rows[header_index]):  # "Latest Note", once
            key = header_map([text], contract, mapping).get(0)  # "Progress" is the %
            if index not in columns and key and key not in columns.values():
                columns[index] = key
        headed = {i: clean(text) for i, text in enumerate(table.rows[header_index])
                  if i not in columns and clean(text)}
        kept_as: dict[int, str] = {}
        reused: set[int] = set()  # columns of this table kept as an earlier table's were
        completed_column = next((i for i, text in headed.items()
                                 if schema.header_key(text) in COMPLETED_HEADERS), None)
        dated_by_completion: list[str] = []
        sheet_updated = updated_over(table.rows, header_index) or \
            updated_over([[table.dated_by]], 1)
        dated_by_sheet = 0  # actions given the day the line over the table says
        status_column = next((i for i, key in columns.items() if key == "status"), None)
        coloured: list[str] = []
        coloured_rows = _colours_by_row(table)
        last_here: Action | None = None  # the table's last action read
        action_at: dict[int, Action] = {}  # the action read from each row
        for r in range(header_index + 1, len(table.rows)):
            raw = table.rows[r]
            if is_header(raw, contract, mapping):
                continue  # the header repeated on a new page
            cells = {key: clean(raw[i]) for i, key in columns.items() if i < len(raw)}
            extra_at = [i for i, c in enumerate(raw) if i not in columns and clean(c)
                        and i not in headed]
            extra = [clean(raw[i]) for i in extra_at]
            if not any(cells.values()) and not extra:
                continue
            where = table.where(r, 0)

            def note(code: str, severity: str, message: str, key: str | None = None,
                     column: int | None = None):
                if column is None:
                    column = next((i for i, k in columns.items() if k == key), 0)
                findings.append(Finding(code, severity, message, file,
                                        table.sheet_label or table.name,
                                        table.where(r, column), cells.get("ref") or None))

            if key_row(raw, coloured_rows.get(r)):  # the plan's key, under its table
                said = quoted(" | ".join(clean(c) for c in raw if clean(c)), 80)
                note("import-note-row", INFO, f"'{said}' reads as a note to the table "
                     "(the plan's key), not an action: it is not carried into the plan.")
                continue
            kind = _row_kind(cells, columns)
            if kind == "theme":
                order = [i for i in sorted(columns) if i < len(raw)]
                parts = [clean(raw[i]) for i in order if columns[i] != "ref"]
                name = join_split(parts) or cells.get("ref", "")
                number = _theme_number(cells.get("ref", ""), name)
                name = re.sub(r"^\d+(\.\d+)*\.?\s+", "", name)
                if cells.get("theme"):
                    name = cells["theme"]
                if _NOTE_ROW.match(name):  # "Key: Green = on track; ...", under the table
                    said = quoted(" ".join(name.split()), 80)
                    note("import-note-row", INFO, f"'{said}' reads as a note "
                         "to the table (a key, a total, a source), not a theme: it is not "
                         "carried into the plan.")
                    continue
                written = " ".join(clean(c) for c in raw if clean(c))
                label = _progress_label(written, contract, mapping)
                if last_here is not None and (label or _is_sentence(written)):
                    text = written[label[0]:] if label and not label[1] else written
                    old = last_here.progress_update
                    last_here.progress_update = f"{old}\n{text}" if old else text
                    note("import-progress-row", INFO, f"'{quoted(written, 60)}' under Ref "
                         f"{last_here.ref or '(none)'} read as its progress update (a row "
                         "across the table under the action), not a theme heading.")
                    continue
                state.theme, state.objective = name, ""
                if name not in themes:
                    themes.append(name)
                if number:
                    numbered.setdefault(number, name)
                note("import-theme-row", INFO, f"'{name}' read as a theme heading.")
                continue
            if kind == "continuation" and state.last is not None:
                for key, text in cells.items():
                    if text and key in ("key_action", "target_outcomes", "progress_update",
                                        "resources", "objective"):
                        old = getattr(state.last, key)
                        setattr(state.last, key, f"{old}\n{text}" if old else text)
                note("import-continued-row", INFO, f"{where} has no Ref, officer or date; "
                     f"its text was added to Ref {state.last.ref or '(none)'} as the rest "
                     "of that row from the page before.")
                continue
            action = Action(row=r)
            ref, mangled = fix_ref(cells.get("ref", ""))
            if mangled:
                note("import-ref-mangled", WARNING, f"Ref '{cells.get('ref')}' read as "
                     f"'{ref}'.", "ref")
            action.ref = ref
            theme = cells.get("theme") or state.theme
            if cells.get("theme") and theme not in themes:
                themes.append(theme)
            action.theme = theme
            objective = cells.get("objective", "")
            if schema.SEE_ABOVE.search(objective) or (not objective and state.objective):
                if schema.SEE_ABOVE.search(objective):
                    note("import-see-above", INFO, f"Objective '{objective}' replaced by the "
                         f"objective above: '{state.objective[:60]}'.", "objective")
                objective = state.objective
            state.objective = objective or state.objective
            action.objective = objective
            action.key_action = cells.get("key_action", "")
            parts = []
            for part in _lead_parts(cells.get("lead_officer", "")):
                if part not in parts:
                    parts.append(part)
            action.lead_officer = "/".join(parts)
            target_text = ""
            for key in ("target_date", "revised_date"):
                text = " ".join(cells.get(key, "").split())
                if key == "target_date":
                    target_text = text
                elif text == target_text:
                    text = ""  # an export's Due Date the same as its Original: no revision
                read = parse_due(text) if _DAY_FIGURES.fullmatch(text) else None
                # a day (a date cell, as the sheet reader gives it): a date in the plan,
                # as cip-xl's own keeps one, sorted and filtered as a date in Excel (as
                # text, 01/04/2027 sorted before 31/12/2026)
                setattr(action, key, read.due if read and read.kind == "date" else
                        text or None)
                if text and not parse_due(text).readable:
                    note("import-date-unreadable", WARNING, f"{contract.column(key).header} "
                         f"'{text[:60]}' is not a date cip-xl can read; it is kept as "
                         "written — correct it in the plan.", key)
            for key in ("target_outcomes", "resources", "progress_update", "funded_by",
                        "ict_requirement", "risk", "linked_pi"):
                text = cells.get(key, "")
                if schema.SEE_ABOVE.search(text) and state.previous_values.get(key):
                    note("import-see-above", INFO, f"{contract.column(key).header} "
                         f"'{text}' replaced by the value above.", key)
                    text = state.previous_values[key]
                setattr(action, key, text)
                if text:
                    state.previous_values[key] = text
            status_text = cells.get("status", "")
            if status_text:
                letter = " ".join(status_text.split()).upper()
                word = codes.get(letter) or schema.normalise_status(
                    status_text.split("\n")[0])
                if letter in codes:
                    coded[status_text] = word
                if word is None:
                    word = _status_from_text(status_text)
                if word is None:
                    note("import-status-unknown", WARNING, f"Status '{status_text[:60]}' "
                         f"is not one of the list; kept in '{STATUS_AS_WRITTEN}'.", "status")
                action.status = word or ""
                if word != status_text:
                    action.extra[STATUS_AS_WRITTEN] = status_text
                    status_originals = True
            elif (r, status_column) in table.colours:  # said by colour alone
                colour = table.colours[(r, status_column)]
                action.status = codes.get(colour.upper()) or \
                    schema.normalise_status(colour) or ""
                action.extra[STATUS_AS_WRITTEN] = f"{colour} (the cell's colour)"
                status_originals = True
                coloured.append(table.where(r, status_column))
                note("import-status-from-colour", INFO, f"Status '{action.status}' taken "
                     f"from the colour of the blank status cell ({colour}).", "status")
            elif action.progress_update:
                word = _status_from_text(action.progress_update)
                if word:
                    action.status = word
                    note("import-status-from-progress", INFO, f"Status '{word}' taken from "
                         f"the progress text '{action.progress_update[:50]}'.",
                         "progress_update")
            percent = cells.get("percent_complete", "").rstrip("%").strip()
            if percent:
                try:
                    number = float(percent)
                except ValueError:
                    number = None
                # float() also reads "nan" and "inf": keep those as the text they are
                action.percent_complete = number if number is not None and \
                    math.isfinite(number) else percent
            updated = cells.get("last_updated", "")
            if updated:
                read = parse_due(updated)
                if read.kind in ("date", "month"):  # "Sep 2026": its first day
                    action.last_updated = read.due if read.kind == "date" else \
                        read.due.replace(day=1)
                else:
                    action.extra[UPDATED_AS_WRITTEN] = updated
                    updated_originals = True
                    note("import-date-unreadable", WARNING, f"Last updated '{updated[:60]}' "
                         f"is not a date cip-xl can read; it is kept in "
                         f"'{UPDATED_AS_WRITTEN}'.", "last_updated")
            if sheet_updated and action.progress_update and not action.last_updated and \
                    not updated:  # "Last updated: 12 November 2026" over the table
                action.last_updated = sheet_updated[0]
                dated_by_sheet += 1
            if completed_column is not None and action.status == "Complete" and \
                    _completed_later(raw, completed_column, action):
                dated_by_completion.append(table.where(r, completed_column))
            directorate = cells.get("directorate", "")
            if directorate:
                at = table.where(r, next(i for i, k in columns.items() if k == "directorate"))
                for part in _lead_parts(action.lead_officer):
                    directorates.setdefault(part.upper(), {}).setdefault(directorate, at)
            for index in (i for i in headed if i < len(raw) and clean(raw[i])):
                if index not in kept_as:
                    same = kept_before.get(schema.header_key(headed[index]))
                    if same and same not in kept_as.values():  # an earlier table's
                        kept_as[index] = same
                        reused.add(index)
                    else:
                        kept_as[index] = _kept_column(headed[index], plan, contract,
                                                      table.sheet_label or table.name)
                        plan.extra_columns.append(kept_as[index])
                        kept_before.setdefault(schema.header_key(headed[index]),
                                               kept_as[index])
                action.extra[kept_as[index]] = clean(raw[index])
            if extra:
                note("import-extra-cells", WARNING, f"{table.where(r, extra_at[0])} has text "
                     f"outside the plan's columns, kept in the progress update: "
                     f"'{extra[0][:60]}'.", column=extra_at[0])
                action.progress_update = "\n".join([action.progress_update] + extra).strip()
            for key in ("objective", "key_action", "target_outcomes", "resources",
                        "progress_update"):
                text = getattr(action, key)
                if len(text) > EXCEL_CELL_LIMIT:
                    note("import-text-too-long", WARNING,
                         f"{contract.column(key).header} has {len(text):,} characters; a "
                         f"workbook cell keeps {EXCEL_CELL_LIMIT:,}, so the end (from "
                         f"'{text[EXCEL_CELL_LIMIT:EXCEL_CELL_LIMIT + 40]}') is not "
                         "imported.", key)
                    setattr(action, key, text[:EXCEL_CELL_LIMIT])
            if not action.key_action and not action.lead_officer and not action.target_date:
                note("import-row-unclear", WARNING, f"{where} has text but no key action, "
                     "officer or date; imported as an action for you to check.")
            plan.actions.append(action)
            part_of[id(action)] = table.part_name
            places[id(action)] = (table.sheet_label or table.name, where)
            state.last = last_here = action
            action_at[r] = action
        if table.notes:
            noted += _keep_notes(table, header_index, action_at, findings, file)
        if set(kept_as) - reused:
            # the source's order, not the order first filled
            order = sorted(set(kept_as) - reused)
            plan.extra_columns = [c for c in plan.extra_columns if c not in
                                  {kept_as[i] for i in order}] + [kept_as[i] for i in order]
            names = [f"'{headed[i]}'" + (f" (as '{kept_as[i]}')" if kept_as[i] != headed[i]
                                         else "") for i in order]
            findings.append(Finding(
                "import-column-kept", INFO,
                f"{len(names)} column{'s are' if len(names) != 1 else ' is'} none of the "
                f"plan's, kept as {'columns' if len(names) != 1 else 'a column'} of "
                f"{'their' if len(names) != 1 else 'its'} own at the Plan sheet's right "
                f"(delete any not wanted there): {', '.join(names)}.", file,
                table.sheet_label or table.name, table.where(header_index, order[0])))
        if dated_by_sheet and table.dated_by:
            dated_by_line += dated_by_sheet  # one note for the document's tables
            day_by_line = sheet_updated[0]
        elif dated_by_sheet:
            findings.append(Finding(
                "import-updated-by-sheet", INFO,
                f"The table says it was updated on {sheet_updated[0]:%d %B %Y}: "
                + _dated_then(dated_by_sheet), file, table.sheet_label or table.name,
                table.where(sheet_updated[1], sheet_updated[2])))
        if dated_by_completion:
            count = len(dated_by_completion)
            findings.append(Finding(
                "import-updated-when-completed", INFO,
                f"{count} completed action{'s are' if count != 1 else ' is'} given the "
                f"day {'they were' if count != 1 else 'it was'} completed "
                f"('{headed[completed_column]}') as {'their' if count != 1 else 'its'} "
                f"Last updated date, having none later.", file,
                table.sheet_label or table.name, dated_by_completion[0]))
        if coloured:
            first, last = coloured[0], coloured[-1]
            span = first if len(coloured) == 1 else \
                f"rows {first[4:]}-{last[4:]}" if first.startswith("row ") else \
                f"{first}:{last}"  # a Word table's rows, or a sheet's cells
            findings.append(Finding(
                "import-status-from-colour", WARNING,
                f"The status of {len(coloured)} action{'s' if len(coloured) != 1 else ''} "
                "was said by colour alone; it was read from the colour ("
                + ", ".join(f"{colour} = {codes.get(colour.upper()) or word}"
                            for colour, word in _COLOUR_STATUSES.items())
                + (", as the plan's key says" if any(
                    colour.upper() in codes for colour in _COLOUR_STATUSES) else "")
                + f") and the colour kept in '{STATUS_AS_WRITTEN}'. Check them.", file,
                table.sheet_label or table.name, span))
    if coded:
        findings.append(Finding(
            "import-status-key", INFO,
            "Statuses written as the plan's key explains them: " + ", ".join(
                f"{letter} = {word}" for letter, word in sorted(coded.items())) + f" (kept "
            f"as written in '{STATUS_AS_WRITTEN}').", file))
    if not plan_tables:
        findings.append(Finding(
            "import-no-plan-table", WARNING,
            "No table with plan headers (Ref, Objective, Key action, Lead officer, "
            "Completion date...) was found. Use --mapping to say which headers mean what.",
            file))
    _repair_refs(plan, findings, file, places,
                 {t.sheet_label or t.name for t in tables if t.part_kind == "sheet"}, part_of)
    if records:
        findings.append(Finding(
            "import-action-records", INFO,
            f"{records} table{'s' if records != 1 else ''} give{'' if records != 1 else 's'}"
            " an action's details with the labels down the left (Action, Lead officer, "
            "Target date...): each was read as the plan's row for that action.", file))
    if dated_by_line:
        findings.append(Finding(
            "import-updated-by-sheet", INFO,
            f"The document gives the position as at {day_by_line:%d %B %Y} "
            f"('{tables[0].dated_by}'): " + _dated_then(dated_by_line), file))
    if themes:  # a sheet of no theme headings beside sheets of them: "Completed actions"
        themes += _themes_by_ref_or_sheet(plan.actions, numbered, part_of, themes,
                                          findings, file)
    named = list(dict.fromkeys(part_of[id(a)] for a in plan.actions if part_of.get(id(a))))
    if not themes and len(named) > 1:  # a sheet per theme or directorate
        for action in plan.actions:
            action.theme = action.theme or part_of.get(id(action)) or "Plan"
        themes = list(dict.fromkeys(a.theme for a in plan.actions))
        part = next((t.part_kind for t in tables if t.part_name), "sheet")
        where = f"on {len(named)} sheets" if part == "sheet" else \
            f"in tables under {len(named)} headings"
        findings.append(Finding(
            "import-themes-from-sheets", INFO,
            f"No theme headings were found in the tables, and the actions are {where} "
            f"({', '.join(named)}): each action is under a theme named after its {part}. "
            f"Rename the themes on the Themes sheet if the {part}s are something else.",
            file))
    if not themes and plan.actions:
        themes = ["Plan"]
        for action in plan.actions:
            action.theme = action.theme or "Plan"
        findings.append(Finding("import-no-themes", INFO, "No theme headings were found; "
                                "every action is under the theme 'Plan'.", file))
    plan.themes = [Theme(name, order) for order, name in enumerate(themes, start=1)]
    if status_originals:
        plan.extra_columns.append(STATUS_AS_WRITTEN)
    if noted:
        plan.extra_columns.append(CELL_NOTES)
        what = "comment" if any(t.part_kind == "heading" for t in tables) else "note"
        findings.append(Finding(
            "import-cell-notes", INFO,
            f"{len(noted)} {what}{'s' if len(noted) != 1 else ''} on cells of actions' "
            f"rows ({listed_names(noted[:6]) + (', ...' if len(noted) > 6 else '')}) "
            f"{'are' if len(noted) != 1 else 'is'} kept in the '{CELL_NOTES}' column at the "
            "Plan sheet's right, each after the header of the column it was on.", file))
    if updated_originals:
        plan.extra_columns.append(UPDATED_AS_WRITTEN)
    # the key's status letters are no officers (and no abbreviations to list)
    legend = [(code, meaning) for code, meaning in legend if code.upper() not in codes]
    known = {code.upper() for code, _ in legend}
    legend = legend + [(e.code, e.title or e.name) for e in listed
                       if e.code.upper() not in known] + \
        [(e.code, e.name) for e in listed if e.title and e.name]  # a lead given by name
    for entry in listed:
        if entry.directorate:
            directorates.setdefault(entry.code.upper(), {}).setdefault(entry.directorate,
                                                                       entry.where)
    plan.officers = _officers(plan, legend, findings, file, directorates)
    _fill_from_list(plan.officers, listed)
    for label, entries in uncoded:
        matched = _match_listed(plan.officers, entries)
        for entry, officer in matched:
            if entry.directorate:
                directorates.setdefault(officer.code.upper(), {}).setdefault(
                    entry.directorate, entry.where)
        others = len(entries) - len(matched)
        findings.append(Finding(
            "import-officers-listed", INFO if matched else WARNING,
            f"The list of officers on {label} gives no codes: "
            + (f"{len(matched)} of its {len(entries)} officers lead actions in the plan "
               "by name or title, and their titles, names, emails and directorates are "
               "filled in on Officers from it" +
               (f"; the {others} other{'s' if others != 1 else ''} "
                f"{'are' if others != 1 else 'is'} not added" if others else "") + "."
               if matched else
               f"none of its {len(entries)} officers leads an action by the name or title "
               "the plan gives, so none was added. If the plan's lead officers are codes, "
               "add a Code column to the list and import again."),
            file, label, entries[0].where))
    _directorates(plan.officers, directorates, findings, file)
    title = plan_title(title)
    if title:
        plan.settings.plan_title = title
    name, where = council
    if name:
        plan.settings.council = name
        findings.append(Finding(
            "import-council-guessed", INFO,
            f"The council is taken to be '{name}', as {where} names it; if that is not "
            "right, change it on the Settings sheet (or import with --council).", file))
    return result


#: a word of a place's name: "Rochford", "Stratford-on-Avon", "King's"
_PLACE_WORD = r"(?!Council\b)[A-Z][A-Za-z'’\-]+"
#: a place's name: its words, with the small words inside some ("Kingston upon Thames")
_PLACE = rf"{_PLACE_WORD}(?:\s+(?:upon|on|under|in|le|and)\s+{_PLACE_WORD}|\s+{_PLACE_WORD})*"
#: a council's name as its papers give it: "Rochford District Council", "Cornwall
#: Council", "London Borough of Harrow", "Royal Borough of Kingston upon Thames"
_COUNCIL = re.compile(rf"\b(?:{_PLACE}\s+Council|(?:London|Royal)\s+Borough\s+of\s+{_PLACE})\b")
#: words of a council's kind, not its place: a name of these alone names no council
_COUNCIL_KIND = {"Council", "District", "Borough", "County", "City", "Town", "Parish",
                 "Metropolitan", "London", "Royal", "of"}
#: words after which what only looks like a council's name begins ("Full Council",
#: "The Council", "Report to the Executive Council"): the place, if any, follows the last
_NOT_A_PLACE = {"the", "full", "this", "our", "each", "every", "whole", "special",
                "extraordinary", "annual", "executive", "cabinet", "committee", "meeting",
                "report", "item", "appendix", "local", "member", "members", "new"}


def council_named(places: list[tuple[str, str]]) -> tuple[str, str]:
    """The council whose plan this is, from ``places``: (where, text) pairs — a
    document's author and title properties first (councils' templates set them), then
    its headers and text. Returns (name, where it was found) for the name written most
    often ("Rochford District Council"; the first found of equals), or ("", "")."""
    counts: dict[str, int] = {}
    first: dict[str, str] = {}
    for where, text in places:
        for found in _COUNCIL.finditer(text or ""):
            words = found.group(0).split()
            cut = max((i for i, w in enumerate(words) if w.lower() in _NOT_A_PLACE),
                      default=-1)
            words = words[cut + 1:]
            while words and len(words[0]) > 1 and words[0].isupper():
                words = words[1:]  # "RDC Rochford District Council"
            if all(w in _COUNCIL_KIND for w in words):
                continue
            name = " ".join(words)
            counts[name] = counts.get(name, 0) + 1
            first.setdefault(name, where)
    if not counts:
        return "", ""
    order = list(first)
    best = max(counts, key=lambda name: (counts[name], -order.index(name)))
    return best, first[best]


#: what a covering report (or a tracker's summary sheet) calls itself after the plan's
#: name: "– Progress Update", ": Quarterly Update", "- Q2 monitoring report", "- Q2
#: summary", "– performance dashboard"
_REPORT_KIND = re.compile(
    r"\s*[:\-–—]\s*(?:(?:q[1-4]|quarter\s+\w+|quarterly|progress|half[- ]year(?:ly)?|"
    r"annual|monitoring|performance|position)\s+)*(?:update|report|monitoring|review|"
    r"summary|dashboard|tracker|statement)\s*$", re.IGNORECASE)


def plan_title(text: str) -> str:
    """The plan's own name from the title of the document it was imported from: without
    the words a covering report adds (a plan's report is titled by cip-xl itself)."""
    return _REPORT_KIND.sub("", clean(text).replace("\n", " ")).strip()


def _kept_column(header: str, plan: Plan, contract: Contract, source: str) -> str:
    """A name for a column kept from the source: its header, unless the plan would read
    that as one of its own columns (Planner's "Priority" is a Theme's other name) or a
    column kept already has it: then with its sheet's name, "Priority (Tasks)", and a
    number if need be."""
    taken = {schema.header_key(name) for name in plan.extra_columns} | \
        {schema.header_key(STATUS_AS_WRITTEN), schema.header_key(UPDATED_AS_WRITTEN)}

    def free(name: str) -> bool:
        return schema.header_key(name) not in taken and contract.match_header(name) is None

    name = header if free(header) else f"{header} ({source})"
    number = 1
    while not free(name):
        number += 1
        name = f"{header} ({source} {number})"
    return name


def _completed_later(raw: list, column: int, action: Action) -> bool:
    """Give ``action`` (a completed one) the day in ``raw[column]``, the day it was
    completed, as its Last updated date where it has none or an earlier one (a
    Planner task closed without a note is last updated when it was closed); whether
    it did. A cell that is not a day (blank, "TBC") changes nothing."""
    text = clean(raw[column]) if column < len(raw) else ""
    read = parse_due(text) if text else None
    if read is None or read.kind != "date":
        return False
    if isinstance(action.last_updated, date) and action.last_updated >= read.due:
        return False
    action.last_updated = read.due
    return True


def _looks_like_codes(text: str) -> bool:
    """'CEX/ CPPU', 'HF', 'oso': officer codes, not words spilled from a heading."""
    tokens = [t for t in re.split(r"[\s/,;&+]+", text) if t]
    return bool(tokens) and all(
        re.fullmatch(r"[A-Z][A-Z()&.]{0,9}|[A-Z][A-Za-z]{1,3}|[a-z]{2,5}", t) for t in tokens)


#: a row across a tracker that is a note to it, not a theme heading: "Key: Green = on
#: track", "RAG key", "Note: figures at 30 September", "Source: ..."
_NOTE_ROW = re.compile(r"^(?:(?:rag|status|colour)\s+)?(?:key|legend)\b\s*(?:[:\-–—=]|$)|"
                       r"^(?:grand\s+)?totals?\b(?!\s+[a-z])|"
                       r"^(?:notes?|n\.\s?b\.?|please\s+note|source)\s*[:\-–—]",
                       re.IGNORECASE)


#: a line over a tracker's table saying when its progress was written: "Last updated:
#: 12 November 2026", "Updated 30/09/2026", "Position as at 30 September 2026"
_UPDATED_LINE = re.compile(
    r"^\s*(?:(?:date\s+)?(?:last\s+)?updated(?:\s+on)?|"
    r"(?P<as_at>(?:position|progress(?:\s+update)?)\s+(?:as\s+at|at)))"
    r"\s*[:\-–]?\s*(?P<when>.*)$", re.IGNORECASE)


def _dated_then(count: int) -> str:
    """What an import says of the ``count`` actions a line over their table dates."""
    return (f"the {count} action{'s' if count != 1 else ''} with a progress update and no "
            f"date of {'their' if count != 1 else 'its'} own {'are' if count != 1 else 'is'} "
            "taken as updated then (reports judge an update by its date).")


def position_line(lines: list[str]) -> str:
    """The first of a document's ``lines`` that gives the day its progress is as at
    ("Position as at 30 September 2026", "Progress update at 30/09/2026"); '' where none
    does. A document's "Last updated" line is not taken: a plan's paper often dates its
    own revision so."""
    for line in lines:
        found = _UPDATED_LINE.match(clean(line))
        if found and found["as_at"] and parse_due(found["when"]).kind == "date":
            return clean(line)
    return ""


def updated_over(rows: list[list[str]], header_index: int | None
                 ) -> tuple[date, int, int] | None:
    """(the day, its row and column) a line over the table at ``rows[header_index]``
    says its progress was written, in one cell ("Last updated: 12 November 2026") or a
    label beside the day ("Updated:" | 30/09/2026); None where no line gives a day."""
    for r, row in enumerate(rows[:header_index or 0]):
        texts = [(c, clean(text)) for c, text in enumerate(row) if clean(text)]
        for i, (c, text) in enumerate(texts):
            found = _UPDATED_LINE.match(text)
            if not found:
                continue
            when = found["when"] or (texts[i + 1][1] if i + 1 < len(texts) else "")
            read = parse_due(when)
            if read.kind == "date":
                return read.due, r, c
    return None


def _theme_number(ref: str, heading: str) -> str:
    """The number of a theme heading, in its Ref cell ("1") or at its start ("Priority
    1: Homes", "2. Economy", "Theme 3 – Leisure"); '' where it has none."""
    found = re.fullmatch(r"(\d{1,2})\.?", ref.strip()) or re.match(
        r"(?:[A-Za-z]+\s+)?(\d{1,2})(?:\s*[.:)–—-]\s*|\s+)\S", heading)
    return found[1] if found else ""


def _themes_by_ref_or_sheet(actions: list[Action], numbered: dict[str, str],
                            part_of: dict[int, str], themes: list[str],
                            findings: list[Finding], file: str) -> list[str]:
    """Give each action under no theme heading — on a sheet of none, where other sheets
    have them ("Completed actions" beside the plan), or above a sheet's first — the
    theme whose number its Ref begins with ("1.2": "Priority 1: Homes", or "Homes",
    whose actions are 1.1 and 1.3), else a theme named after its sheet, with a warning
    for each sheet saying which; the themes named after sheets are returned (not in
    ``themes`` before)."""
    def leading(ref: str) -> str:
        found = re.match(r"(\d{1,2})[.\-/]\d", ref or "")
        return found[1] if found else ""

    # a heading of no number ("Homes") is numbered by the Refs of its actions (1.1, 1.3)
    refs_under: dict[str, set[str]] = {}
    for action in actions:
        if action.theme and leading(action.ref):
            refs_under.setdefault(leading(action.ref), set()).add(action.theme)
    numbered = {**{number: next(iter(named)) for number, named in refs_under.items()
                   if len(named) == 1}, **numbered}
    added: list[str] = []
    placed: dict[str, list[str]] = {}  # each sheet → what was said of its actions
    for action in actions:
        if action.theme:
            continue
        sheet = part_of.get(id(action)) or "Plan"
        number = leading(action.ref)
        if number in numbered:
            action.theme = numbered[number]
            said = f"{action.ref} under '{action.theme}'"
        else:
            action.theme = sheet
            if sheet not in themes and sheet not in added:
                added.append(sheet)
            said = f"{action.ref or 'one without a Ref'} under '{sheet}', the sheet's name"
        placed.setdefault(sheet, []).append(said)
    for sheet, said in placed.items():
        findings.append(Finding(
            "import-theme-by-ref", WARNING,
            f"{len(said)} action{'s' if len(said) != 1 else ''} on '{sheet}' "
            f"{'are' if len(said) != 1 else 'is'} under no theme heading: each was put under "
            "the theme its Ref is numbered by, else one named after the sheet: "
            + listed_names(said[:4] + ([f"{len(said) - 4} more"] if len(said) > 4 else []))
            + ". Check them on the Plan sheet.", file, sheet))
    return added


#: the status a blank cell's colour says where the plan's key does not say otherwise
_COLOUR_STATUSES = {colour: schema.normalise_status(colour)
                    for colour in ("red", "amber", "green", "blue")}


def _keep_notes(table: RawTable, header_index: int, action_at: dict[int, Action],
                findings: list[Finding], file: str) -> list[str]:
    """Keep each note attached to a cell of ``table`` (a comment, in a Word table) with
    the action read from its row, in :data:`CELL_NOTES` as "Status: <the note>" (the
    header of its column); a note on any other row (a heading, the header, the title)
    is a warning with its text, so none is lost unsaid. Returns the places of the notes
    kept."""
    header = table.rows[header_index]
    kept = []
    what = "comment" if table.part_kind == "heading" else "note"  # Word's, Excel's
    for (r, c), text in sorted(table.notes.items()):
        action = action_at.get(r)
        place = table.where(r, c)
        if action is None:
            findings.append(Finding(
                "import-cell-note", WARNING,
                f"A {what} on this cell says '{quoted(' '.join(text.split()), 200)}'; it is on "
                "no action's row, so it is not imported: copy what matters into the plan.",
                file, table.sheet_label or table.name, place))
            continue
        label = clean(header[c]) if c < len(header) and clean(header[c]) else \
            f"Column {re.sub(r'[0-9]+$', '', place)}"
        said = f"{label}: {text.strip()}"
        old = action.extra.get(CELL_NOTES, "")
        action.extra[CELL_NOTES] = f"{old}\n{said}" if old else said
        kept.append(f"{table.sheet_label or table.name}!{place}")
    return kept


def _colours_by_row(table: RawTable) -> dict[int, dict[int, str]]:
    """The colour word of each blank coloured cell of ``table``, by row and column."""
    rows: dict[int, dict[int, str]] = {}
    for (r, c), word in table.colours.items():
        rows.setdefault(r, {})[c] = word
    return rows


def _one_text(row: list[str]) -> str:
    """The text of a row with one cell of text (a heading across it), else ''."""
    texts = [clean(c) for c in row if clean(c)]
    return texts[0] if len(texts) == 1 else ""


def theme_over_header(rows: list[list[str]], header_index: int, contract: Contract,
                      mapping: dict[str, str] | None = None) -> int | None:
    """The row of the heading of the first theme, over the first header row,
    ``rows[header_index]``, where a tracker gives each theme a table of its own on one
    sheet — a heading, the header again, the theme's actions — so the first theme's
    heading is above where the plan's rows begin; None where the layout does not recur
    (a row over the only header is the sheet's title)."""
    def heading_before(index: int) -> int | None:
        found = next((i for i in range(index - 1, -1, -1)
                      if any(clean(c) for c in rows[i])), None)
        return found if found is not None and _one_text(rows[found]) else None

    first = heading_before(header_index)
    if first is None or _NOTE_ROW.match(_one_text(rows[first])):
        return None
    recurs = any(heading_before(i) is not None and is_header(rows[i], contract, mapping)
                 for i in range(header_index + 1, len(rows)) if _one_text(rows[i - 1]) or
                 not any(clean(c) for c in rows[i - 1]))
    return first if recurs else None


def _progress_label(text: str, contract: Contract, mapping: dict[str, str] | None
                    ) -> tuple[int, bool] | None:
    """For a row of one text under an action that opens with a label of its progress —
    a header of the Progress update column ("Update:", "Comments -", "Q2 update:", the
    council's own by ``mapping``) or a period alone ("Q2:") — where the text after it
    begins and whether the label names a period (kept with the text); else None."""
    found = re.match(r"([^:\-–—]{1,40}?)\s*[:\-–—]\s*(?=\S)", text)
    if found is None:
        return None
    label = found[1].strip()
    if _PERIOD_IN_HEADER.fullmatch(label):
        return found.end(), True
    if header_map([label], contract, mapping).get(0) == "progress_update":
        return found.end(), bool(_PERIOD_IN_HEADER.search(label))
    return None


def _is_sentence(text: str) -> bool:
    """Eight words or more ending with a full stop: a row of progress under an action,
    where a theme heading is a few words."""
    return text.rstrip().endswith(".") and len(text.split()) >= 8


def _row_kind(cells: dict[str, str], columns: dict[int, str]) -> str:
    """'theme', 'continuation' or 'action' for a row's cells."""
    filled = {k for k, v in cells.items() if v}
    ref = cells.get("ref", "")
    if cells.get("theme") and not filled - {"theme", "ref"}:
        return "theme"
    if filled == {"ref"} and not REF.fullmatch(ref):
        return "theme"  # a heading merged across the whole row
    dated = parse_due(cells.get("target_date") or None).due is not None
    led = _looks_like_codes(cells.get("lead_officer", ""))
    text = " ".join(cells[k] for k in filled if k != "ref")
    if not dated and not led and (not ref or re.fullmatch(r"\d+\.?", ref)) \
            and len(text) <= 150 and (cells.get("objective") or cells.get("theme")) \
            and not filled & {"status", "percent_complete", "progress_update",
                              "target_outcomes", "resources"}:
        return "theme"
    if filled & {"lead_officer", "target_date", "revised_date", "status",
                 "percent_complete"}:
        return "action"
    if not ref and not cells.get("objective"):
        return "continuation"
    return "action"


def opening_status(text: str, allowed: tuple[str, ...] | None = None) -> str | None:
    """The status the first words of ``text``'s first line say, the most words first
    ("Completed as part of...", "• Completed", "some slippage, action in hand"): one of
    ``allowed``, where given; None if they say none."""
    first = re.sub(r"^[•\-\s]+", "", text.split("\n")[0]).strip()
    for size in (4, 3, 2, 1):
        words = " ".join(first.split()[:size]).rstrip(".,;:")
        word = schema.normalise_status(words)
        if word and (allowed is None or word in allowed):
            return word
    return None


def _status_from_text(text: str) -> str | None:
    """The status a text is, whole ("Not started", where a Progress column takes the
    status's place), else a status word opening it ("Completed as part of...", "•
    Completed") — not "Not started", whose words open texts of other meaning ("Not
    due to start until...", "Assigned to the team"), unless a dash, colon, comma or
    bracket sets them apart from a remark that is no status ("Not started – awaiting
    funding")."""
    whole = schema.normalise_status(text.strip())
    if whole:
        return whole
    said = _STATUS_AND_REMARK.match(text)
    if said and not _status_from_text(said[2]):  # "Complete - on track": the manager's
        word = schema.normalise_status(said[1])
        if word:
            return word
    return opening_status(
        text, ("Complete", "On track", "Slipped", "At risk", "Ongoing", "Cancelled",
               "Deferred"))


#: a status and a remark after a dash, colon, comma or bracket: "Not started – awaiting
#: funding", "Not started: due in April"
_STATUS_AND_REMARK = re.compile(r"([^\n:;,(–—]+?)\s*(?:[:;,(–—]|\s-\s)\s*(\S.*)", re.S)


def _repair_refs(plan: Plan, findings: list[Finding], file: str,
                 places: dict[int, tuple[str, str]], sheets_apart: set[str],
                 part_of: dict[int, str]) -> None:
    """Renumber repeated refs that look number-mangled; give missing refs a number —
    and where no action has one (a Planner or SharePoint export), or none on a sheet
    of ``sheets_apart`` (a workbook's sheets, each numbered on its own: a tracker's
    sheet of actions never numbered), number those by theme: 1.1, 1.2, then 2.1 for
    the second theme (a number another sheet's action has passed over). A Word
    table's actions are numbered with those of the tables round it. An action under no
    theme heading is numbered with those of its part (``part_of``: the Word heading
    its table is under, its sheet), which will be its theme."""
    actions = plan.actions
    sheets: dict[str | None, list[Action]] = {}
    for action in actions:
        sheets.setdefault(places.get(id(action), (None, None))[0], []).append(action)
    refless = not any(a.ref for a in actions)  # a Word plan's tables too, each its own
    bare = [action for sheet, on_sheet in sheets.items() if not any(a.ref for a in on_sheet)
            and (sheet in sheets_apart or refless) for action in on_sheet]
    taken: set[str] = {a.ref for a in actions if a.ref}
    if bare:
        def theme_of(action: Action) -> str:
            return action.theme or part_of.get(id(action), "")

        themes = {theme: number for number, theme in enumerate(
            dict.fromkeys(theme_of(a) for a in actions), start=1)}
        numbered: dict[int, int] = {}  # theme's number → the last numbered in it
        for action in bare:
            theme = themes[theme_of(action)]
            while True:
                numbered[theme] = numbered.get(theme, 0) + 1
                if f"{theme}.{numbered[theme]}" not in taken:
                    break
            action.ref = f"{theme}.{numbered[theme]}"
            taken.add(action.ref)
        where = "" if len(bare) == len(actions) else " on " + listed_names(
            [f"'{sheet}'" for sheet, on_sheet in sheets.items() if on_sheet[0] in bare])
        findings.append(Finding(
            "import-refs-numbered", WARNING,
            f"No action{where} had a Ref; the {len(bare)} "
            f"action{'s are' if len(bare) != 1 else ' is'} numbered by theme, in the order "
            "found (1.1, 1.2, ... then 2.1 for the next theme). Check them: returns and "
            "reports know actions by Ref.", file,
            *places.get(id(bare[0]), (None, None))))
    taken = set()
    for index, action in enumerate(actions):
        sheet, cell = places.get(id(action), (None, None))
        previous = actions[index - 1].ref if index else ""
        if action.ref and action.ref in taken:
            guess = _next_ref(previous, taken)
            if guess:
                findings.append(Finding(
                    "import-ref-renumbered", WARNING,
                    f"Ref '{action.ref}' appears again after '{previous}'; it looks like a "
                    f"ref stored as a number (3.11 shown as 3.1), so it became '{guess}'. "
                    "Check it.", file, sheet, cell, guess))
                action.ref = guess
        elif not action.ref:
            following = next((a.ref for a in actions[index + 1:] if a.ref), "")
            guess = _between(previous, following, taken)
            findings.append(Finding(
                "import-ref-missing", WARNING,
                f"An action ('{action.key_action[:50]}') had no Ref; it became '{guess}'.",
                file, sheet, cell, guess))
            action.ref = guess
        taken.add(action.ref)


def _next_ref(previous: str, taken: set[str]) -> str | None:
    match = re.fullmatch(r"(\d+(?:\.\d+)*)\.(\d+)", previous)
    if not match:
        return None
    candidate = f"{match[1]}.{int(match[2]) + 1}"
    return candidate if candidate not in taken else None


def _between(previous: str, following: str, taken: set[str]) -> str:
    if previous.isdigit() and following.isdigit() and int(following) - int(previous) == 2:
        return str(int(previous) + 1)
    base = previous or "0"
    for letter in "abcdefghijklmnopqrstuvwxyz":
        if f"{base}{letter}" not in taken:
            return f"{base}{letter}"
    return f"{base}-{len(taken)}"


def _directorates(officers: list[Officer], given: dict[str, dict[str, str]],
                  findings: list[Finding], file: str) -> None:
    """Give each officer the directorate a tracker's Directorate column gives their
    actions (in cip-xl it is the officer's, on the Officers sheet, and the Plan's
    column shows it); where their actions are given more than one, the first, with a
    warning naming where the others are."""
    for officer in officers:
        found = given.get(officer.code.upper())
        if not found or officer.directorate:
            continue
        names = list(found)
        officer.directorate = names[0]
        if len(names) > 1:
            others = ", ".join(f"'{name}' ({found[name]})" for name in names[1:])
            findings.append(Finding(
                "import-directorate-differs", WARNING,
                f"Actions led by {officer.code} are given more than one directorate: "
                f"{officer.code} is in '{names[0]}' on the Officers sheet (as at "
                f"{found[names[0]]}), not {others}. Returns go per directorate: check it.",
                file))


#: words left out of a code made from a title or name ("Head of Finance" → HF)
def _lead_parts(cell: str) -> list[str]:
    """The officers a tracker's Lead officer cell names, as written: codes ("CEX",
    "CEX CPPU" → both) and titles or names ("Head of Finance", "Sarah Jones"): the
    parts of the cell (:func:`cip_xl.lead_officers.cell_parts`), a part's words one
    officer's title or name unless all look like codes."""
    parts = []
    for chunk in chunks(" ".join(str(cell).split())):
        if _name_and_title(chunk) or _surname_first(chunk):  # "Smith, Jane": one officer
            parts.append(chunk)
            continue
        for part in cell_parts(chunk):
            words = part.split()
            if len(words) > 1 and all(_looks_like_code(word) for word in words):
                parts.extend(words)
            elif part:
                parts.append(part)
    return parts


#: a person's name as a tracker writes it beside their title: "Jane Smith", "J. Smith",
#: "Dr Amir Khan", "Siân O'Neill-Jones"
_PERSON = re.compile(r"(?:(?:mr|mrs|ms|miss|dr|cllr)\.?\s+)?[^\W\d_][^\W\d_'’\-]*\.?"
                     r"(?:\s+[^\W\d_][\w'’\-]*\.?){1,3}", re.IGNORECASE)
#: a name and a title: "Jane Smith, Head of Planning", "Head of Planning - Jane Smith",
#: "Jane Smith (Head of Planning)"
_NAME_AND_TITLE = re.compile(r"^([^,()]+?)\s*(?:,|\s[-–—]\s|\()\s*([^,()]+?)\s*\)?$")


#: a name as Outlook's address book shows it, surname first: "Smith, Jane", "Smith,
#: Jane (Planning)"
_SURNAME_FIRST = re.compile(SURNAME_FIRST.pattern + r"(?:\s*\([^()]*\))?")
#: words of a service, not a name: "Finance, Planning" is two services
_SERVICE_WORDS = frozenset((
    "finance planning housing legal audit revenues benefits waste parking leisure "
    "licensing environment regeneration estates property procurement communications comms "
    "elections customer customers digital policy performance economy transport highways "
    "education schools health culture tourism payroll insurance facilities transformation "
    "partnerships community communities safety governance democratic development strategy "
    "resources people place children adults public services corporate").split())


def _surname_first(part: str) -> str:
    """The name ``part`` gives surname first ("Smith, Jane": "Jane Smith"), or ''."""
    found = _SURNAME_FIRST.fullmatch(part.strip())
    if found is None or {found[1].lower(), found[2].lower()} & _SERVICE_WORDS or \
            ROLE.search(part.split("(")[0]):
        return ""
    return f"{found[2]} {found[1]}"


#: an officer's email address in a Lead officer cell, and a name its first part gives:
#: "jane.smith@marshfield.gov.uk" (Jane Smith)
_EMAIL = re.compile(r"^([a-z]+)(?:[._\-]([a-z]+))?(?:[._\-]([a-z]+))?@[\w\-]+(?:\.[\w\-]+)+$",
                    re.IGNORECASE)


def _name_in_email(part: str) -> str | None:
    """For an email address: the name its first part gives ("jane.smith@...": "Jane
    Smith"; "" for "planning@..."); None for no address."""
    found = _EMAIL.match(part.strip())
    if found is None:
        return None if "@" not in part else ""
    words = [w for w in found.groups() if w]
    return " ".join(w.capitalize() for w in words) if len(words) > 1 else ""


def _naming_order(part: str) -> int:
    """Which officers an import makes first: those named with their title, then by
    address, then the rest, then those named by an initial ("J. Smith") — so that a
    bare name is the officer already made."""
    return 0 if _name_and_title(part) else 1 if _name_in_email(part) is not None else \
        3 if initialled(part) else 2


def _naming_key(text: str) -> str:
    """How an officer's title or name is compared: any case, the full stops and spacing
    of an initial aside ("J. Smith", "J Smith" and "j.smith" are one)."""
    return " ".join(text.replace(".", " ").split()).casefold()


def _by_initial(part: str, made: Iterable[Officer]) -> Officer | None:
    """The one officer made already whose name has the initial and surname ``part``
    gives ("J. Smith": Jane Smith); None where it gives none, or two officers have
    them (Jane and John Smith)."""
    wanted = initialled(part)
    matches = [o for o in made if wanted and initial_and_surname(o.name) == wanted]
    return matches[0] if len(matches) == 1 else None


def _name_and_title(part: str) -> tuple[str, str] | None:
    """(name, title) where ``part`` gives one officer's name and title, either way
    round; None otherwise ("Jane Smith, John Brown" is two officers)."""
    found = _NAME_AND_TITLE.match(part.strip())
    if found is None or ("(" in part) != part.rstrip().endswith(")"):
        return None
    for name, title in ((found[1], found[2]), (found[2], found[1])):
        if _PERSON.fullmatch(name) and name[0].isupper() and not ROLE.search(name) \
                and ROLE.search(title):
            return name, title
    return None


def _looks_like_code(word: str) -> bool:
    """An officer code as plans write them: a few capitals, perhaps with digits."""
    return bool(re.fullmatch(r"[A-Z][A-Z0-9]{0,5}", word))


def _code_for(description: str, taken: set[str]) -> str:
    """A code for an officer a tracker names by title or name: the initials ("Head of
    Finance" → HF, "Sarah Jones" → SJ; an acronym whole: "HR Manager" → HRM), with a
    number added if another officer has it."""
    initials = officer_initials(description) or "OFFICER"
    code, number = initials, 2
    while code.upper() in taken:
        code, number = f"{initials}{number}", number + 1
    taken.add(code.upper())
    return code


def _officers(plan: Plan, legend: list[tuple[str, str]], findings: list[Finding],
              file: str, directorates: dict[str, dict[str, str]] | None = None
              ) -> list[Officer]:
    """The Officers sheet of an imported plan: the document's key (the officers in it),
    the codes used that it lacks, and an officer with a code of its own for each title
    or name a Lead officer cell gives instead of a code — that cell is kept as written,
    and read through the title or name (:mod:`cip_xl.lead_officers`). ``directorates``
    (by what the cells say) are re-keyed by code."""
    legend_codes = {code.upper() for code, _ in legend}
    meaning_of = {" ".join(meaning.split()).casefold(): code for code, meaning in legend}
    used: set[str] = set()
    described: dict[str, str] = {}  # a title or name as written (upper) → legend code or ""
    named_in_cell: dict[str, str] = {}  # a key's code → the name a cell gives with its title
    for action in plan.actions:
        for part in _lead_parts(action.lead_officer):
            if (" " not in part and "@" not in part and not _surname_first(part)) or \
                    part.upper() in legend_codes:
                used.add(part.upper())
            else:
                pair = _name_and_title(part)  # the key's officer by title, and a name
                code = meaning_of.get(part.casefold(), "") or (
                    meaning_of.get(" ".join(pair[1].split()).casefold(), "") if pair else "")
                if code and pair:
                    named_in_cell.setdefault(code.upper(), pair[0])
                described.setdefault(part, code)
                if code:
                    used.add(code.upper())
    officers: list[Officer] = []
    seen: set[str] = set()
    skipped = []
    for code, meaning in legend:
        key = code.upper()
        if key in seen:
            continue
        if key in used or ROLE.search(meaning):
            officers.append(Officer(code.upper() if code.islower() else code, meaning,
                                    name=named_in_cell.get(key, "")))
            seen.add(key)
        else:
            skipped.append(f"{code} ({meaning})")
            seen.add(key)
    if skipped:
        findings.append(Finding("import-abbreviations", INFO,
                                "The key also explains abbreviations that are not officers; "
                                f"they were not added to Officers: {', '.join(skipped)}.",
                                file))
    known = {o.code.upper() for o in officers}
    for code in sorted(used - known):
        officers.append(Officer(code))
        findings.append(Finding("import-officer-unlisted", WARNING,
                                f"Lead officer code {code} is not in the document's key; it "
                                "was added to Officers without a title.", file))
    taken = {o.code.upper() for o in officers} | legend_codes
    made = []
    made_for: dict[str, str] = {}  # a title or name (_naming_key) → the code made for it
    #: the title of an officer made with a name too → its code; '' where two officers
    #: of different names share it ("Head of Service")
    titled: dict[str, str] = {}
    # an officer named with a title first, then by address: "Jane Smith, Head of
    # Planning", "jane.smith@..." and "Smith, Jane" elsewhere are the same officer, and
    # the "Head of Planning" of another cell
    by_code: dict[str, Officer] = {}
    same: list[str] = []  # another way of naming an officer made already
    initialled: list[str] = []  # "J. Smith" read as the one Jane Smith made already
    for part, code in sorted(described.items(), key=lambda item: _naming_order(item[0])):
        if code:
            continue  # the key's officer, by its meaning
        pair = _name_and_title(part)
        named, emailed = _surname_first(part), _name_in_email(part)
        # "Chief Executive (supported by Climate Officer)": the officer, not the remark
        bare = part if pair or named or emailed is not None else without_remark(part)
        name = pair[0] if pair else named or emailed or bare
        known = made_for.get(_naming_key(part)) or made_for.get(_naming_key(name)) or \
            titled.get(_naming_key(bare))
        by_initial = None if known else _by_initial(bare, by_code.values())
        if by_initial is not None:
            known = by_initial.code
            initialled.append(f"'{part}' as {by_initial.name} ({known})")
        if known:  # "Helen Forde" and "helen forde": one officer
            described[part] = known
            if _naming_key(part) not in made_for and by_initial is None:
                same.append(f"'{part}' ({known})")
            made_for.setdefault(_naming_key(part), known)
            if emailed is not None and not by_code[known].email:
                by_code[known].email = part.strip()
            continue
        role = bool(ROLE.search(bare))
        if pair:
            officer = Officer(_code_for(pair[1], taken), title=pair[1], name=pair[0])
        elif named:  # "Smith, Jane"
            officer = Officer(_code_for(named, taken), name=named)
        elif emailed is not None:  # "jane.smith@...": Jane Smith, by that address
            officer = Officer(_code_for(emailed or part.split("@")[0], taken), name=emailed,
                              email=part.strip())
        else:
            officer = Officer(_code_for(bare, taken), title=bare if role else "",
                              name="" if role else bare)
        officers.append(officer)
        by_code[officer.code] = officer
        described[part] = made_for[_naming_key(part)] = officer.code
        made_for.setdefault(_naming_key(bare), officer.code)
        if officer.name:
            made_for.setdefault(_naming_key(officer.name), officer.code)
            if officer.title:
                title = _naming_key(officer.title)
                titled[title] = officer.code if titled.get(title, officer.code) == \
                    officer.code else ""
        made.append(f"{officer.code} ({part})")
    if made:
        findings.append(Finding(
            "import-officer-named", INFO,
            "Lead officers named by title, name or email address were added to Officers "
            f"with a code each: {', '.join(made)}"
            f"{'; read as one of them: ' + ', '.join(same) if same else ''}. The plan keeps "
            "what it said; check each officer's title, name and email there.", file))
    if initialled:
        findings.append(Finding(
            "import-officer-initial", WARNING,
            "Lead officers named by an initial and surname were read as the one officer "
            f"of that initial and surname the plan names in full: {', '.join(initialled)}. "
            "Check them on the Plan sheet: the cells keep what they said.", file))
    if directorates:
        for part, code in described.items():
            if part.upper() in directorates:
                for name, at in directorates.pop(part.upper()).items():
                    directorates.setdefault(code.upper(), {}).setdefault(name, at)
    # lower-case codes in the plan ("oso") match their officer; titles and names as written
    canonical = {o.code.upper(): o.code for o in officers}
    for action in plan.actions:
        action.lead_officer = "/".join(
            canonical.get(part.upper(), part) if part not in described else part
            for part in _lead_parts(action.lead_officer))
    return officers
