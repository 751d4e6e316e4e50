"""Council profiles: rename sheets and headers, add aliases and columns, without code.

A profile is a small INI file, by default ``cip-xl.ini`` beside the plan::

    [sheets]
    plan = Action plan
    officers = Key

    [headers]
    key_action = Key task
    lead_officer = Accountable officer

    [aliases]
    progress_update = Position at quarter end; Latest position

    [columns]
    optional = funded_by, ict_requirement
    extra = Portfolio holder, Budget code

    [colours]
    At risk = FFC000
    Overdue = E06666

    [backups]
    keep = all          ; never delete a backup (default: pruned)
    last = 20           ; when pruned: the newest backups kept...
    days = 31           ; ...and the newest of each of this many days (and of every month)

Keys are the column keys of :data:`cip_xl.schema.PLAN_COLUMNS` and the sheet keys of
:data:`cip_xl.schema.FIXED_SHEETS`. Unknown sections and keys are refused with a message
naming them, as are sheet names Excel would not take, two sheets or two columns given
one name, and an alias that is another column's heading.
"""
from __future__ import annotations

import configparser
import re
from dataclasses import replace
from pathlib import Path

from .findings import ERROR, Finding, PlanFileError
from .schema import (COLUMNS_BY_KEY, DEFAULT_CONTRACT, FIXED_SHEETS, PLAN_COLUMNS,
                     VERDICTS, BackupRule, Contract)
from .text_files import read_text_file

PROFILE_NAME = "cip-xl.ini"


def _problem(path: Path, message: str) -> PlanFileError:
    return PlanFileError(Finding("profile-invalid", ERROR, message, file=str(path)))


def load_profile(path: str | Path) -> Contract:
    """Read a profile file into a :class:`~cip_xl.schema.Contract`.

    Raises :class:`~cip_xl.findings.PlanFileError` for a file that cannot be read or
    names a column or sheet cip-xl does not know.
    """
    path = Path(path)
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keep "Portfolio holder" as written
    try:
        parser.read_string(read_text_file(path), source=str(path))
    except UnicodeDecodeError:
        raise _problem(path, f"The profile {path.name} is not a text file: open it in "
                       "Notepad and save it with Encoding UTF-8.") from None
    except (OSError, configparser.Error) as exc:
        raise _problem(path, f"The profile {path.name} cannot be read: {exc}") from None

    sections = _sections(parser, path)

    def entries(name: str) -> list[tuple[str, str]]:
        return parser.items(sections[name]) if name in sections else []

    sheet_keys = {s.key for s in FIXED_SHEETS}
    names = dict(DEFAULT_CONTRACT.sheet_names)
    plan_sheet = DEFAULT_CONTRACT.plan_sheet
    if "sheets" in sections:
        for key, value in entries("sheets"):
            key = key.strip().lower().replace(" ", "_")
            if key == "plan":
                plan_sheet = value.strip()
            elif key in sheet_keys:
                names[key] = value.strip()
            else:
                raise _problem(path, f"[sheets] in {path.name} names '{key}', which is not "
                               f"a sheet; use one of: plan, {', '.join(sorted(sheet_keys))}.")

    def known(section: str, key: str) -> str:
        key = key.strip().lower()
        if key not in COLUMNS_BY_KEY:
            raise _problem(path, f"[{section}] in {path.name} names '{key}', which is not "
                           f"a column; use one of: {', '.join(COLUMNS_BY_KEY)}.")
        return key

    _check_sheet_names(plan_sheet, names, path)
    headers = {known("headers", k): v.strip() for k, v in entries("headers")}
    aliases = {known("aliases", k): tuple(a.strip() for a in v.split(";") if a.strip())
               for k, v in entries("aliases")}
    optional: set[str] = set()
    extra: tuple[str, ...] = ()
    if "columns" in sections:
        for key, value in entries("columns"):
            items = [v.strip() for v in value.split(",") if v.strip()]
            if key.lower() == "optional":
                optional = {known("columns", v) for v in items}
            elif key.lower() == "extra":
                extra = tuple(items)
            else:
                raise _problem(path, f"[columns] in {path.name} has '{key}'; only "
                               "'optional' and 'extra' are understood.")

    palette: dict[str, str] = {}
    if "colours" in sections:
        words = {v.word.lower(): v.word for v in VERDICTS}
        for word, colour in entries("colours"):
            colour = colour.strip().lstrip("#").upper()
            if word.strip().lower() not in words:
                raise _problem(path, f"[colours] in {path.name} names '{word}'; use one of: "
                               f"{', '.join(words.values())}.")
            if not re.fullmatch(r"[0-9A-F]{6}", colour):
                raise _problem(path, f"[colours] {word} = {colour} in {path.name} is not a "
                               "colour; write six hex digits such as FFC000.")
            palette[words[word.strip().lower()]] = colour

    backups = _backup_rule(entries("backups"), path)
    _check_headings(headers, aliases, path)
    columns = []
    for col in PLAN_COLUMNS:
        if col.optional and col.key not in optional:
            continue
        columns.append(replace(col, header=headers.get(col.key, col.header),
                               aliases=col.aliases + aliases.get(col.key, ())))
    # the hidden Action ID stays last, after optional columns
    columns.sort(key=lambda c: c.key == "action_id")
    contract = Contract(plan_sheet=plan_sheet, sheet_names=names, columns=tuple(columns),
                        extra_columns=extra, palette=palette, backups=backups)
    for name in extra:  # a column of the council's own named as one of cip-xl's
        column = contract.match_header(name)
        if column is not None:
            how = (f": switch that on instead ('optional = {column.key}'), or give yours "
                   "another name" if column.optional and column.key not in optional else
                   ", which the plan has already: give yours another name")
            raise _problem(path, f"[columns] extra = {name} in {path.name}: a column "
                           f"headed '{name}' is read as cip-xl's {column.key} column "
                           f"({column.header}){how}.")
    return contract


#: the sections a profile may have, and how else they are spelt
_SECTIONS = ("sheets", "headers", "aliases", "columns", "colours", "backups")
_SPELT = {"colors": "colours", "sheet": "sheets", "header": "headers", "headings": "headers",
          "alias": "aliases", "column": "columns", "colour": "colours", "color": "colours",
          "backup": "backups"}
#: characters Excel does not allow in a sheet's name
_NOT_IN_SHEET_NAMES = set('[]:*?/\\')


def _sections(parser: configparser.ConfigParser, path: Path) -> dict[str, str]:
    """The profile's sections by the name cip-xl knows them by ("colours" for
    [Colours] or [colors]); a section it does not know is refused, naming it — its
    settings would otherwise be passed over without a word."""
    from difflib import get_close_matches

    found: dict[str, str] = {}
    for section in parser.sections():
        name = section.strip().lower()
        name = _SPELT.get(name, name)
        if name not in _SECTIONS:
            close = get_close_matches(name, _SECTIONS, n=1)
            hint = f"did you mean [{close[0]}]? " if close else ""
            raise _problem(path, f"{path.name} has a section [{section}], which cip-xl does "
                           f"not know: {hint}The sections are "
                           f"{', '.join(f'[{s}]' for s in _SECTIONS)}.")
        if name in found:
            raise _problem(path, f"{path.name} has [{found[name]}] and [{section}]: put "
                           "their lines under one of them.")
        found[name] = section
    return found


def _check_sheet_names(plan_sheet: str, names: dict[str, str], path: Path) -> None:
    """Refuse sheet names Excel would not take, or two sheets given one name."""
    given = [("plan", plan_sheet), *names.items()]
    seen: dict[str, str] = {}
    for key, name in given:
        bad = sorted(_NOT_IN_SHEET_NAMES & set(name))
        if not name or len(name) > 31 or bad or name[0] == "'" or name[-1] == "'":
            why = ("is blank" if not name else f"is {len(name)} characters long" if
                   len(name) > 31 else f"holds {' '.join(bad)}" if bad else
                   "begins or ends with an apostrophe")
            raise _problem(path, f"[sheets] {key} = {name} in {path.name}: Excel cannot "
                           f"give a sheet that name (it {why}; a sheet's name is at most 31 "
                           "characters, without [ ] : * ? / \\).")
        other = seen.get(name.casefold())
        if other is not None:
            raise _problem(path, f"[sheets] in {path.name} names both the {other} sheet and "
                           f"the {key} sheet '{name}': each needs a name of its own.")
        seen[name.casefold()] = key


def _check_headings(headers: dict[str, str], aliases: dict[str, tuple[str, ...]],
                    path: Path) -> None:
    """Refuse a heading given to two columns, a blank one, and an alias that is another
    column's heading (headings win over aliases: it would be passed over)."""
    from .schema import header_key

    heading = {key: headers.get(key, column.header) for key, column in COLUMNS_BY_KEY.items()}
    owner: dict[str, str] = {}
    for key, text in heading.items():
        if not header_key(text):
            raise _problem(path, f"[headers] {key} in {path.name} gives the column no "
                           "heading: write the words its heading has in the plan.")
        other = owner.get(header_key(text))
        if other is not None:
            mine, theirs = (key, other) if key in headers else (other, key)
            raise _problem(path, f"[headers] in {path.name} gives {mine} the heading "
                           f"'{heading[mine]}', which is the heading of {theirs}: two columns "
                           "cannot share one. Give it another.")
        owner[header_key(text)] = key
    for key, words in aliases.items():
        for alias in words:
            other = owner.get(header_key(alias))
            if other is not None and other != key:
                raise _problem(path, f"[aliases] {key} = {alias} in {path.name}: "
                               f"'{alias}' is the heading of {other}, so a column headed so "
                               f"is read as {other}, not {key}. Remove it, or rename "
                               f"{other} under [headers].")


def _backup_rule(items: list[tuple[str, str]], path: Path) -> BackupRule:
    """The profile's ``[backups]`` section's ``items`` as a
    :class:`~cip_xl.schema.BackupRule`."""
    if not items:
        return BackupRule()
    values: dict[str, object] = {}
    for key, value in items:
        key, value = key.strip().lower(), value.split(";")[0].split("#")[0].strip()
        if key == "keep":
            if value.lower() not in ("all", "pruned"):
                raise _problem(path, f"[backups] keep = {value} in {path.name}: write "
                               "'all' (never delete a backup) or 'pruned' (the default).")
            values["every"] = value.lower() == "all"
        elif key in ("last", "days"):
            if not value.isdigit() or (key == "last" and int(value) < 1):
                what = "backups (1 or more)" if key == "last" else "days"
                raise _problem(path, f"[backups] {key} = {value} in {path.name} is not a "
                               f"number of {what}.")
            values[key] = int(value)
        else:
            raise _problem(path, f"[backups] in {path.name} has '{key}'; only 'keep', "
                           "'last' and 'days' are understood.")
    return BackupRule(**values)


def contract_for(plan_path: str | Path | None, profile: str | Path | None = None) -> Contract:
    """The contract for a plan: ``profile`` if given, else ``cip-xl.ini`` beside it."""
    if profile:
        return load_profile(profile)
    if plan_path is not None:
        beside = Path(plan_path).with_name(PROFILE_NAME)
        if beside.is_file():
            return load_profile(beside)
    return DEFAULT_CONTRACT
