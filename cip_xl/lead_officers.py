"""Reading a Lead officer cell against the plan's Officers sheet.

cip-xl's dropdown offers officer codes (HF, CEX), but plans are typed by people who
know their colleagues: "Head of Finance", "Alison Marsh", "CEX / Head of Finance",
"HF and CPPU". :class:`LeadOfficers` reads each part of the cell — split at ``/ , ; &
+`` and "and" — as an officer's code, else as an officer's title or name (whole, any
case; an officer's name surname first, "Smith, Jane", and email address too), else as
a title and name joined by a dash ("Head of Housing - Amir Khan"), else,
where every word is a code, as those codes ("CEX CPPU"); a remark in
brackets beside it ("HF (lead)") is passed over where the part is not a title or name
with brackets of its own. A part that
names no officer is given back as written, for validation to name it with a
suggestion (:meth:`LeadOfficers.advice`).

Build one reader per job (:meth:`cip_xl.model.Plan.lead_officer_reader`): it
remembers each cell it has read, as a plan names a few dozen officers thousands of
times.
"""
from __future__ import annotations

import difflib
import re

from .cells import as_text
from .model import Action, Officer

#: between the officers a cell names: "CEX/ CPPU", "HF, SPO", "HF & CEX", "HF and CEX"
_BETWEEN = re.compile(r"\s*(?:[/,;&+\n]|\band\b)\s*", re.IGNORECASE)


#: between officers, but not a comma: "Smith, Jane" or "Jane Smith, Head of Planning"
#: may be one
_NOT_COMMA = re.compile(r"\s*(?:[/;&+\n]|\band\b)\s*", re.IGNORECASE)
#: a name surname first, as Outlook shows it: "Smith, Jane" (surname, then forename)
SURNAME_FIRST = re.compile(r"([A-Z][a-z'’\-]+),\s*([A-Z][a-z'’\-]+)")
#: a dash between an officer's title and name: "Head of Housing - Amir Khan"
_DASH = re.compile(r"\s+[-–—]\s+")
#: a name given by an initial and a surname: "J. Smith", "J Smith", "J.Smith" — read as
#: the one officer whose name has them (Jane Smith), where only one has
_INITIAL_AND_SURNAME = re.compile(r"([A-Z])\.?\s*([A-Z][a-z'’]+(?:-[A-Z][a-z'’]+)?)")
#: a remark in brackets beside an officer: "HF (lead)", "CEX (sponsor)"
_REMARK = re.compile(r"\s*\([^()]*\)\s*")


def cell_parts(cell: str) -> list[str]:
    """A Lead officer cell split where it names another officer (``/ , ; & +``, "and"):
    "CEX/ Head of Finance" → ["CEX", "Head of Finance"]."""
    return [part for part in _BETWEEN.split(str(cell).strip()) if part]


def without_remark(part: str) -> str:
    """An officer named in a Lead officer cell without a remark in brackets beside
    them: "HF (lead)" → "HF", "Chief Executive (supported by the Climate Officer)" →
    "Chief Executive"; ``part`` as it is where nothing else is left."""
    return _REMARK.sub(" ", part).strip() or part


#: what a Lead officer cell says before anyone is named
_NOBODY = {"tbc", "tba", "to be confirmed", "to be agreed", "tbd", "vacant", "vacancy",
           "n/a", "na", "none", "unknown", "?", "-"}
#: words left out of an officer's initials: "Head of Finance" is HF
_NOT_INITIALLED = {"of", "and", "the", "for", "to", "in", "&"}


def initials(description: str) -> str:
    """The code a title or name suggests: its initials ("Head of Finance" → HF, "Sarah
    Jones" → SJ; an acronym whole: "HR Manager" → HRM), at most eight letters; '' if
    it has no words."""
    return "".join(word if word.isupper() else word[0].upper()
                   for word in re.findall(r"[^\W_]+", str(description or ""))
                   if word.lower() not in _NOT_INITIALLED)[:8]


def chunks(cell: str) -> list[str]:
    """A Lead officer cell split where it names another officer, but not at a comma:
    "HF / Smith, Jane" → ["HF", "Smith, Jane"] (a comma may be inside one officer's
    name, to be told apart by the reader)."""
    return _NOT_COMMA.split(cell)


def _written_surname_first(name: str) -> str:
    """A name of two words as Outlook's address book shows it: "Jane Smith" is "Smith,
    Jane"; '' for any other."""
    words = str(name or "").split()
    return f"{words[1]}, {words[0]}" if len(words) == 2 else ""


def initialled(part: str) -> str:
    """The initial and surname ``part`` gives a name by ("j smith" for "J. Smith", "J
    Smith" or "J.Smith"); '' for text that is not so written."""
    found = _INITIAL_AND_SURNAME.fullmatch(part.strip())
    return f"{found[1]} {found[2]}".casefold() if found else ""


def initial_and_surname(name: str) -> str:
    """The initial and surname of a full name ("j smith" for "Jane Smith"), as
    :func:`initialled` gives them from "J. Smith"; '' for a name of one word."""
    words = name.split()
    return f"{words[0][0]} {words[-1]}".casefold() if len(words) >= 2 else ""


def _words(text: object) -> str:
    return " ".join(str(text or "").split()).casefold()


class LeadOfficers:
    """The officers of a plan, to read Lead officer cells by."""

    def __init__(self, officers: list[Officer]) -> None:
        self._codes: dict[str, str] = {}
        for officer in reversed(officers):  # the first listed wins, as Plan.officer
            if officer.code.strip():
                self._codes[officer.code.strip().upper()] = officer.code.strip()
        self._named: dict[str, list[str]] = {}
        for officer in officers:
            code = officer.code.strip()
            for text in (officer.title, officer.name, _written_surname_first(officer.name),
                         officer.email):
                key = _words(text)
                if code and key and code not in self._named.setdefault(key, []):
                    self._named[key].append(code)
        #: an initial and surname ("j smith") → the codes of the officers named so
        self._initialled: dict[str, list[str]] = {}
        for officer in officers:
            code, key = officer.code.strip(), initial_and_surname(officer.name)
            if code and key and code not in self._initialled.setdefault(key, []):
                self._initialled[key].append(code)
        self._officers = officers
        self._read: dict[str, tuple[str, ...]] = {}
        # titles that hold a separator ("Head of Digital & Customer Services") are
        # found whole before the cell is split
        joined = sorted((key for key, codes in self._named.items()
                         if len(codes) == 1 and _BETWEEN.search(key)), key=len, reverse=True)
        self._joined = re.compile(r"(?<!\w)(?:" + "|".join(
            r"\s+".join(map(re.escape, key.split())) for key in joined) + r")(?!\w)",
            re.IGNORECASE) if joined else None

    def __call__(self, action: Action) -> list[str]:
        """The officers ``action``'s Lead officer cell names, first named first: their
        codes as the Officers sheet writes them; a part naming no officer as typed."""
        cell = action.lead_officer
        return list(self.codes(cell if isinstance(cell, str) else as_text(cell)))

    def codes(self, cell: str) -> tuple[str, ...]:
        """:meth:`__call__` of a cell's text."""
        found = self._read.get(cell)
        if found is None:  # "Jane Smith, Head of Planning": one officer, named once
            found = self._read[cell] = tuple(dict.fromkeys(self._parts(cell)))
        return found

    def is_officer(self, code: str) -> bool:
        """Whether ``code`` (from :meth:`codes`) is an officer on the sheet."""
        return code.upper() in self._codes

    def _parts(self, cell: str):
        if _words(cell).strip(".") in _NOBODY:  # "N/A": not two officers, N and A
            yield cell.strip()
            return
        if self._joined is not None:
            cell = self._joined.sub(lambda m: self._named[_words(m[0])][0], cell)
        for chunk in chunks(cell):
            bare = _REMARK.sub(" ", chunk).strip()
            reversed_name = SURNAME_FIRST.fullmatch(bare)
            if reversed_name and not any(self._one(word) for word in reversed_name.groups()):
                yield bare  # "Smith, Jane", no officer so named: one person, unknown
                continue
            for part in cell_parts(chunk):
                if part.upper() not in self._codes and _words(part) not in self._named:
                    part = without_remark(part)  # "HF (lead)": HF
                code = self._codes.get(part.upper())
                if code is not None:
                    yield code
                    continue
                named = self._named.get(_words(part), ())
                if len(named) == 1:
                    yield named[0]
                    continue
                initialled = self._by_initial(part) if not named else ()
                if len(initialled) == 1:  # "J. Smith": the one Jane Smith
                    yield initialled[0]
                    continue
                halves = set(self._halves(part))
                if len(halves) == 1 and None not in halves:
                    yield halves.pop()  # "Head of Housing - Amir Khan": one officer's both
                    continue
                words = part.split()
                if len(named) > 1 or not any(word.upper() in self._codes for word in words):
                    yield part  # "Chief Exec", or a title two officers share: named whole
                    continue
                for word in words:  # "CEX CPPU", "CEX Bob"
                    yield self._codes.get(word.upper(), word)

    def _by_initial(self, part: str) -> list[str]:
        """The codes of the officers whose names have the initial and surname ``part``
        gives ("J. Smith": Jane Smith's, John Smith's); [] for a part that is none."""
        return self._initialled.get(initialled(part), []) if initialled(part) else []

    def _halves(self, part: str) -> list[str | None]:
        """For a part with a dash in it ("Head of Housing - Amir Khan"): the officer
        each side names (:meth:`_one`); [] for a part without one."""
        return [self._one(half) for half in _DASH.split(part)] if _DASH.search(part) else []

    def _one(self, text: str) -> str | None:
        """The code of the one officer ``text`` is the code, title or name of; None."""
        code = self._codes.get(text.upper())
        named = self._named.get(_words(text), ())
        return code or (named[0] if len(named) == 1 else None)

    def advice(self, part: str, sheet: str = "Officers") -> str:
        """For a part of a cell that names no officer: why, or who may be meant ("did
        you mean AM (Alison Marsh)?", or a row of the Officers sheet with no code that
        it names), as a sentence; '' if nothing can be said. ``sheet``: the Officers
        sheet's name in this plan."""
        if _words(part).strip(".") in _NOBODY:
            return ("An action needs a lead officer: its return goes to their "
                    "department. Name the officer who will lead it, or the head of service "
                    "until one is agreed.")
        codeless = self._codeless(part, sheet)
        if codeless:
            return codeless
        halves = self._halves(part)
        if len(halves) == 2 and all(halves) and halves[0] != halves[1]:
            return (f"'{part}' names two officers, {halves[0]} and {halves[1]}: write the "
                    f"one who leads, or both as '{halves[0]}/{halves[1]}'.")
        shared = self._named.get(_words(part), ())
        if len(shared) > 1:
            return (f"'{part}' is the title or name of {len(shared)} officers "
                    f"({', '.join(shared)}): write the code of the one meant.")
        initialled = self._by_initial(part)
        if len(initialled) > 1:
            return (f"'{part}' may be any of the {len(initialled)} officers of that initial "
                    f"and surname ({', '.join(initialled)}): write the code of the one meant.")
        wanted = _words(part)
        by_word = [o for o in self._officers if o.code.strip() and wanted and any(
            wanted == word for word in _words(o.name).split())]
        if len(by_word) == 1:
            return f"Did you mean {self._who(by_word[0])}?"
        keys = {**{k.casefold(): v for k, v in self._codes.items()},
                **{k: v[0] for k, v in self._named.items() if len(v) == 1}}
        close = difflib.get_close_matches(wanted, list(keys), n=1, cutoff=0.8)
        if close:
            officer = next(o for o in self._officers if o.code.strip() == keys[close[0]])
            return f"Did you mean {self._who(officer)}?"
        return ""

    def _codeless(self, part: str, sheet: str) -> str:
        """Advice when ``part`` may be an officer whose row has no code: a row it names
        by title or name, or whose initials it is; else, where rows have no code, a
        reminder that one of them may be meant."""
        rows = [o for o in self._officers if not o.code.strip() and o.row]
        if not rows:
            return ""
        wanted = _words(part)
        named = [o for o in rows if wanted in (_words(o.title), _words(o.name))]
        initialled = [o for o in rows if part.strip().upper() in
                      {initials(o.title), initials(o.name)} - {""}]
        for found, code in ((named, initials(part) or "a code"),
                            (initialled, part.strip().upper())):
            if len(found) == 1:
                officer = found[0]
                about = officer.title or officer.name
                return (f"Row {officer.row} of the {sheet} sheet ({about}) has no code: "
                        f"type {code} in A{officer.row}.")
        listed = ", ".join(str(o.row) for o in rows[:5]) + (", ..." if len(rows) > 5 else "")
        return (f"The {sheet} sheet has {len(rows)} row{'s' if len(rows) > 1 else ''} "
                f"with no code (row{'s' if len(rows) > 1 else ''} {listed}): if '{part}' is "
                "one of them, type it in that row's Code cell.")

    @staticmethod
    def _who(officer: Officer) -> str:
        about = officer.name or officer.title
        return f"{officer.code.strip()} ({about})" if about else officer.code.strip()
