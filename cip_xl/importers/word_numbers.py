"""The numbers Word shows before a numbered list's paragraphs, written into their text.

Word numbers a list's paragraphs itself: a plan's Ref column numbered by a list (Home >
Numbering) or its priorities by a heading style's multilevel list ("1", "1.1") holds no
figure in its text, so its actions were read with no Ref and renumbered "0a", "0aa".
:func:`write_list_numbers` works out each numbered paragraph's label as Word shows it
for the lists councils use — figures, letters and roman numerals at up to nine levels,
a level's text such as "%1.%2", a list restarted, a level restarting under the one
above — and writes it at the start of the paragraph. A bullet is no number and is
left as it is.
"""
from __future__ import annotations

from dataclasses import dataclass, field

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_VAL = f"{_W}val"
#: the levels a list has
_LEVELS = 9


@dataclass
class _Level:
    """One level of a list: its first number, how numbers are written ("decimal",
    "lowerLetter"...), its text ("%1.%2."), what follows the number, and the level
    after whose use it starts again (None: never; the default is any level above)."""

    start: int = 1
    style: str = "decimal"
    text: str = ""
    suffix: str = "tab"
    restart: int | None = -1  # -1: after any level above it
    legal: bool = False  # "%1.%2" written in figures whatever the levels' styles


@dataclass
class _Lists:
    """A document's list definitions: each abstract list's levels, each list's abstract
    list and the levels it starts at other numbers, and each style's list."""

    levels: dict[str, dict[int, _Level]] = field(default_factory=dict)
    lists: dict[str, tuple[str, dict[int, int]]] = field(default_factory=dict)
    #: style id → (list id or None, level or None, the style it is based on)
    styles: dict[str, tuple[str | None, int | None, str | None]] = field(default_factory=dict)
    #: (abstract list, style id) → the level that style is
    style_levels: dict[tuple[str, str], int] = field(default_factory=dict)


def _val(element, name: str) -> str | None:
    found = element.find(f"{_W}{name}") if element is not None else None
    return found.get(_VAL) if found is not None else None


def _number(text: str | None, default: int | None) -> int | None:
    try:
        return int(text) if text is not None else default
    except ValueError:
        return default


def _read_lists(numbering, styles) -> _Lists:
    found = _Lists()
    for abstract in numbering.iter(f"{_W}abstractNum"):
        key = abstract.get(f"{_W}abstractNumId")
        levels = found.levels.setdefault(key, {})
        for level in abstract.iter(f"{_W}lvl"):
            number = _number(level.get(f"{_W}ilvl"), 0)
            restart = _number(_val(level, "lvlRestart"), -1)
            levels[number] = _Level(
                start=_number(_val(level, "start"), 1), style=_val(level, "numFmt") or
                "decimal", text=_val(level, "lvlText") or "", suffix=_val(level, "suff")
                or "tab", restart=None if restart == 0 else restart,
                legal=level.find(f"{_W}isLgl") is not None)
            style = _val(level, "pStyle")
            if style:
                found.style_levels[(key, style)] = number
    for listed in numbering.iter(f"{_W}num"):
        starts = {}
        for override in listed.iter(f"{_W}lvlOverride"):
            start = _number(_val(override, "startOverride"), None)
            if start is not None:
                starts[_number(override.get(f"{_W}ilvl"), 0)] = start
        found.lists[listed.get(f"{_W}numId")] = (_val(listed, "abstractNumId"), starts)
    if styles is not None:
        for style in styles.iter(f"{_W}style"):
            properties = style.find(f"{_W}pPr")
            numbered = properties.find(f"{_W}numPr") if properties is not None else None
            found.styles[style.get(f"{_W}styleId")] = (
                _val(numbered, "numId"), _number(_val(numbered, "ilvl"), None),
                _val(style, "basedOn"))
    return found


def _list_of(paragraph, lists: _Lists) -> tuple[str, int] | None:
    """The list (its id) and level ``paragraph`` is numbered by, directly or by its
    style (or the style that one is based on); None where it is none."""
    properties = paragraph.find(f"{_W}pPr")
    if properties is None:
        return None
    numbered = properties.find(f"{_W}numPr")
    list_id, level = _val(numbered, "numId"), _number(_val(numbered, "ilvl"), None)
    style = _val(properties, "pStyle")
    named, seen = style, set()
    while list_id is None and named and named not in seen:  # a style's list
        seen.add(named)
        list_id, style_level, named = lists.styles.get(named, (None, None, None))
        level = level if level is not None else style_level
    if list_id is None or list_id == "0" or list_id not in lists.lists:
        return None
    if level is None:
        abstract = lists.lists[list_id][0]
        level = lists.style_levels.get((abstract, style or ""), 0)
    return list_id, max(0, min(level, _LEVELS - 1))


def _letters(number: int) -> str:
    """Word's letters: a-z, then aa, bb... zz, aaa."""
    return chr(ord("a") + (number - 1) % 26) * ((number - 1) // 26 + 1)


def _roman(number: int) -> str:
    out = ""
    for value, letters in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"),
                           (5, "v"), (4, "iv"), (1, "i")):
        while number >= value:
            out, number = out + letters, number - value
    return out


def _written(number: int, style: str) -> str:
    if number <= 0 and style not in ("decimal", "decimalZero"):
        return str(number)
    if style == "decimalZero":
        return f"{number:02d}"
    if style in ("lowerLetter", "upperLetter"):
        text = _letters(number)
        return text.upper() if style == "upperLetter" else text
    if style in ("lowerRoman", "upperRoman"):
        text = _roman(number)
        return text.upper() if style == "upperRoman" else text
    return str(number)  # decimal, and what is read as it (ordinal, a cardinal's words)


def write_list_numbers(body, numbering, styles) -> None:
    """Write, at the start of each paragraph of ``body`` (a document's ``w:body``,
    changed in place) that a list numbers, the number Word shows for it, as text;
    ``numbering`` and ``styles``: the document's numbering and styles parts' elements
    (``numbering`` None: the document numbers nothing). Counts follow Word's: a list's
    numbers run on through the document (across tables), a level starts again after a
    level above it is used, a list restarted ("Restart at 1") starts its levels
    again."""
    if numbering is None:
        return
    lists = _read_lists(numbering, styles)
    counts: dict[str, list[int | None]] = {}
    begun: set[str] = set()
    for paragraph in body.iter(f"{_W}p"):
        found = _list_of(paragraph, lists)
        if found is None:
            continue
        list_id, level = found
        abstract, starts = lists.lists[list_id]
        levels = lists.levels.get(abstract)
        if not levels or level not in levels:
            continue
        count = counts.setdefault(abstract, [None] * _LEVELS)
        if list_id not in begun:  # a list restarted: its levels start at their numbers
            begun.add(list_id)
            for restarted, start in starts.items():
                if 0 <= restarted < _LEVELS:
                    count[restarted] = start - 1
        this = levels[level]
        count[level] = this.start if count[level] is None else count[level] + 1
        for below in range(level + 1, _LEVELS):
            kept = levels.get(below, _Level())
            if kept.restart is not None and (kept.restart == -1 or level < kept.restart):
                count[below] = None
        if this.style in ("bullet", "none") or not this.text:
            continue
        label = this.text
        for at in range(1, _LEVELS + 1):
            if f"%{at}" in label:
                shown = levels.get(at - 1, _Level())
                number = count[at - 1] if count[at - 1] is not None else shown.start
                label = label.replace(f"%{at}", _written(
                    number, "decimal" if this.legal else shown.style))
        _write_first(paragraph, label + ("" if this.suffix == "nothing" else " "))


def _write_first(paragraph, text: str) -> None:
    """Put ``text`` in a run of its own at the start of ``paragraph``."""
    from docx.oxml import OxmlElement

    run, typed = OxmlElement("w:r"), OxmlElement("w:t")
    run.append(typed)
    typed.text = text
    typed.set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
    properties = paragraph.find(f"{_W}pPr")
    paragraph.insert(0 if properties is None else paragraph.index(properties) + 1, run)
