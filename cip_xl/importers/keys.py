"""Read what a plan's key explains: its officers' codes and its status letters.

A key comes as a table ("HF | Head of Finance"), as lines under a "Key:" heading, as
one line: "Key: G – on track; A – some slippage; R – significant slippage; C –
complete", or along a tracker's row, a cell to each entry ("Key:" | "G = on track" |
"A = at risk"), or a coloured swatch beside each meaning, or each meaning in a cell of its
colour. :func:`key_line` reads the one
line, :func:`key_row` the row; :func:`status_codes` the codes of a key whose meaning is
a status — a plan that writes C for a complete action, 1 for one on track, or Green for
one completed ("Green – completed; Amber – in progress; Red – not started"), says so
only in its key.
"""
from __future__ import annotations

import re

from .. import schema

#: the label a key line opens with: "Key:", "RAG key -", "Legend:", "Status key:"
_LABEL = re.compile(r"^\s*(?:(?:rag|status|colour|traffic[- ]light)\s+)?(?:key|legend)"
                    r"\s*(?:[:\-–—]\s*|\s+)", re.IGNORECASE)
#: a key's code: letters ("C", "HF"), a number, or a traffic light's colour named
_CODE = r"(?:(?i:red|amber|green|blue|yellow|orange|purple|grey|gray|black)|[A-Za-z]{1,3}" \
    r"|\d{1,2})"
#: a code and what it means: "C – complete", "HF = Head of Finance", "1: on track",
#: "Green – completed"
_ENTRY = re.compile(rf"^\s*(?P<code>{_CODE})\s*(?:=|:|–|—|-)\s*(?P<meaning>\S.*?)\s*\.?\s*$")
#: where one entry ends and the next begins, in a line that lists them with commas
_NEXT = re.compile(rf",\s*(?={_CODE}\s*(?:=|:|–|—|-)\s)")
#: a cell that is a key's label alone: "Key", "Key:", "RAG key -", "Legend"
_LABEL_ALONE = re.compile(r"^\s*(?:(?:rag|status|colour|traffic[- ]light)\s+)?(?:key|legend)"
                          r"\s*[:\-–—]?\s*$", re.IGNORECASE)


def key_line(text: str) -> list[tuple[str, str]]:
    """The (code, meaning) entries of a key written on one line (or in one cell), with
    its label ("Key: G – on track; A – at risk") or without one where it lists three
    entries or more; [] for other text."""
    labelled = _LABEL.match(text)
    body = text[labelled.end():] if labelled else text
    parts = re.split(r"\s*[;|\n]\s*", body)
    if len(parts) == 1:
        parts = _NEXT.split(body)
    entries = []
    for part in parts:
        if not part.strip():
            continue
        found = _ENTRY.match(part)
        if not found:
            return []
        entries.append((found["code"], found["meaning"]))
    return entries if len(entries) >= (2 if labelled else 3) else []


def key_row(cells: list[str], colours: dict[int, str] | None = None
            ) -> list[tuple[str, str]]:
    """The (code, meaning) entries of a key laid along a row of ``cells`` (their text),
    every text of the row part of it: an entry to a cell ("Key:" | "G = on track" |
    "A = at risk"); after a "Key" cell, codes and meanings in turn ("Key" | "G" | "On
    track" | "A" | "At risk"); or a coloured swatch, a blank cell whose colour
    ``colours`` names by its column ("green"), before each meaning ([green] | "On track"
    | [amber] | "At risk"), the colour its code; or, after a "Key" cell, each meaning in
    a cell of its colour (a green cell reading "Complete"). [] for any other row, a
    plan's among them: a row of two entries or more only."""
    colours = colours or {}
    filled = [(i, text.strip()) for i, text in enumerate(cells) if text and text.strip()]
    if not filled:
        return []
    labelled = bool(_LABEL_ALONE.match(filled[0][1]))
    texts = [text for _, text in filled[1 if labelled else 0:]]
    if not texts:
        return []
    swatched = [(colours[i - 1], text) for i, text in filled if colours.get(i - 1)]
    if len(swatched) >= 2 and len(swatched) == len(texts):
        return swatched
    entries = key_line(("Key: " if labelled else "") + "; ".join(texts))
    if entries:
        return entries
    if labelled and len(texts) >= 4 and len(texts) % 2 == 0:
        pairs = list(zip(texts[::2], texts[1::2]))
        if all(re.fullmatch(_CODE, code) and not re.fullmatch(_CODE, meaning)
               for code, meaning in pairs):
            return pairs
    painted = [(colours[i], text) for i, text in filled[1:] if colours.get(i)]
    if labelled and len(painted) >= 2 and len(painted) == len(texts):
        return painted  # "Key:" | a green cell reading "Complete" | an amber one...
    return []


def is_key_label(text: str) -> bool:
    """Whether ``text`` is a key's label alone: "Key", "Key:", "RAG key -", "Legend"."""
    return bool(_LABEL_ALONE.match(text))


def _status_of(meaning: str) -> str | None:
    """The status ``meaning`` says ("some slippage, action in hand": At risk): itself,
    else its first words."""
    from .tables import opening_status  # tables reads keys with this module

    return schema.normalise_status(meaning) or opening_status(meaning)


def status_codes(entries: list[tuple[str, str]]) -> dict[str, str]:
    """Code (upper case) → status, for each key entry whose code is a letter or two, a
    number or a colour and whose meaning is a status ("C", "complete": Complete;
    "Green", "completed": Complete); an officer's code ("HF", "Head of Finance") gives
    none."""
    codes: dict[str, str] = {}
    for code, meaning in entries:
        if not re.fullmatch(_CODE, code.strip()):
            continue
        word = _status_of(meaning)
        if word:
            codes.setdefault(code.strip().upper(), word)
    return codes
