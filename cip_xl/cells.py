"""How a cell's value reads as text: the one rule every reader and report shares.

Dates read as dd/mm/yyyy (UK), whole numbers stored as floats lose their ".0", blank is
the empty string.
"""
from __future__ import annotations

import re
from datetime import date, datetime

#: characters XML 1.0 cannot hold as themselves: control characters other than tab, line
#: feed and carriage return; U+FFFE and U+FFFF; lone surrogates, which are not characters
#: at all. Workbooks hold the control characters as escapes (:func:`workbook_text`).
NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

#: what no workbook keeps, escaped or not: lone surrogates, U+FFFE and U+FFFF (Excel has
#: no way to type them; python-calamine does not read their escapes back)
NOT_KEPT = re.compile(r"[\ud800-\udfff\ufffe\uffff]")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
#: an underscore that would start an escape: "_x" or "_X", four hex digits, "_"
_LOOKS_ESCAPED = re.compile(r"_(?=[xX][0-9A-Fa-f]{4}_)")
#: an escape as python-calamine reads it back (up to U+00FF); Excel reads all of them
_ESCAPE = re.compile(r"_x00([0-9A-Fa-f]{2})_")


def workbook_text(text: str) -> str:
    """``text`` as a cell's XML holds it, the way Excel writes it: a control character
    (a vertical tab from a line break pasted out of Word, a form feed, a bell) becomes
    Excel's escape ``_xHHHH_``, which Excel, LibreOffice and python-calamine read back as
    the character; text that merely looks like an escape keeps its look by writing its
    underscore as ``_x005F_``; what no workbook keeps (:data:`NOT_KEPT`) becomes U+FFFD.
    Every writer of cell text uses this; ordinary text comes back unchanged."""
    if "_" in text and _LOOKS_ESCAPED.search(text):
        text = _LOOKS_ESCAPED.sub("_x005F_", text)
    if not text.isprintable() and NOT_IN_XML.search(text):
        if NOT_KEPT.search(text):
            text = NOT_KEPT.sub("\ufffd", text)
        text = _CONTROL.sub(lambda found: f"_x{ord(found.group()):04X}_", text)
    return text


def property_text(text: object, limit: int = 255) -> str:
    """``text`` as a document property (a title, a subject): one line — line breaks,
    tabs and Word's break characters as single spaces — at most the ``limit``
    characters Word and Excel keep, and U+FFFD for any character no XML holds."""
    text = " ".join(str(text).split())
    if NOT_IN_XML.search(text):
        text = NOT_IN_XML.sub("\ufffd", text)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def kept_text(text: str) -> str:
    """What reading a cell written with ``text`` gives back: ``text`` itself, except
    for what no workbook keeps (:data:`NOT_KEPT`), which is U+FFFD."""
    return NOT_KEPT.sub("\ufffd", text) if NOT_KEPT.search(text) else text


def read_workbook_text(text: str) -> str:
    """Cell text as written in the file (``_xHHHH_`` escapes and all, as openpyxl gives
    it) as python-calamine and Excel read it: the inverse of :func:`workbook_text`."""
    if "_x00" not in text:
        return text
    return _ESCAPE.sub(lambda found: chr(int(found.group(1), 16)), text)


def as_text(value: object) -> str:
    """``value`` as a person would read it in the cell."""
    if value is None:
        return ""
    if isinstance(value, bool):  # as Excel shows a logical value
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def quoted(value: object, limit: int = 200) -> str:
    """A typed value as findings quote it: a date as dd/mm/yyyy, text cut at ``limit``
    characters with an ellipsis."""
    if isinstance(value, (date, datetime)):
        return value.strftime("%d/%m/%Y")
    text = str(value)
    return text if len(text) <= limit else text[:limit] + "…"


def listed(items: list[str]) -> str:
    """``items`` as a sentence lists them: "a", "a and b", "a, b and c"."""
    return ", ".join(items[:-1]) + " and " + items[-1] if len(items) > 1 else items[0]


#: words that hedge a figure: "c. 60", "approx 60%", "about half"
_HEDGE = r"(?:c|ca|circa|approx|approximately|about|around|roughly|~|est|estimated)\.?\s*"
#: a % complete written with words around its number: "c. 60", "approx 60%", "about 60
#: per cent", "60% complete", "~60"
_PERCENT_HEDGED = re.compile(
    rf"^(?:{_HEDGE})?(\d{{1,3}}(?:\.\d+)?)\s*(?:%|per\s*cent|percent|pc)?\s*"
    r"(?:complete|completed|done)?\.?$", re.IGNORECASE)
#: a bound, not a figure: "nearly 100", "over 50%"
_PERCENT_BOUND = re.compile(r"^(nearly|almost|over|under|at least|just over|just under|"
                            r"more than|less than)\s+(\d{1,3})\s*%?$", re.IGNORECASE)
#: a range: "60-70%", "60 to 70"
_PERCENT_RANGE = re.compile(r"^(\d{1,3})\s*%?\s*(?:-|–|to)\s*(\d{1,3})\s*%?$", re.IGNORECASE)
_PERCENT_WORDS = {"none": 0, "nil": 0, "zero": 0, "not started": 0, "half": 50,
                  "halfway": 50, "half way": 50, "a quarter": 25, "quarter": 25,
                  "three quarters": 75, "all": 100, "fully": 100, "full": 100,
                  "finished": 100}


def percent_in_words(text: str) -> tuple[float | None, str]:
    """A % complete typed as text that is not a bare number: (its number, "") when a
    number with words around it ("c. 60", "60% complete") — the number is what was
    meant; else (None, a hint: what to type instead) for a range ("60-70%"), a bound
    ("nearly 100") or a word ("half"); (None, "") when nothing can be said."""
    words = " ".join(text.split())
    hedged = _PERCENT_HEDGED.match(words)
    if hedged:
        return float(hedged[1]), ""
    ranged = _PERCENT_RANGE.match(words)
    if ranged:
        return None, (f"it is a range: type one number, {ranged[1]} (the part certain "
                      "to be done) or the figure agreed")
    bound = _PERCENT_BOUND.match(words)
    if bound:
        return None, f"'{words}' is a bound, not a figure: type the number meant"
    if words.lower().rstrip(".") in ("n/a", "na", "not applicable", "-"):
        return None, "leave it blank where no figure applies"
    from .schema import normalise_status

    status = normalise_status(words)
    if status is not None and words.lower().rstrip(".") not in _PERCENT_WORDS:
        return None, (f"'{words}' is a status: pick it in the Status column (Complete "
                      "sets 100)")
    word = _PERCENT_WORDS.get(re.sub(rf"^{_HEDGE}", "", words.lower()).rstrip("."))
    if word is not None:
        return None, f"type it as a number: {word}"
    return None, ""
