"""Read what a plan's key explains: its officers' codes and its status letters.

A key comes as a table ("HF | Head of Finance"), as lines under a "Key:" heading, or as
one line: "Key: G – on track; A – some slippage; R – significant slippage; C –
complete". :func:`key_line` reads the one line; :func:`status_codes` the codes of a key
whose meaning is a status — a plan that writes C for a complete action, or 1 for one on
track, says so only in its key.
"""
from __future__ import annotations

import re

from .. import schema

#: the label a key line opens with: "Key:", "RAG key -", "Legend:", "Status key:"
_LABEL = re.compile(r"^\s*(?:(?:rag|status|colour|traffic[- ]light)\s+)?(?:key|legend)"
                    r"\s*(?:[:\-–—]\s*|\s+)", re.IGNORECASE)
#: a code and what it means: "C – complete", "HF = Head of Finance", "1: on track"
_ENTRY = re.compile(r"^\s*(?P<code>[A-Za-z]{1,3}|\d{1,2})\s*(?:=|:|–|—|-)\s*"
                    r"(?P<meaning>\S.*?)\s*\.?\s*$")
#: where one entry ends and the next begins, in a line that lists them with commas
_NEXT = re.compile(r",\s*(?=(?:[A-Za-z]{1,3}|\d{1,2})\s*(?:=|:|–|—|-)\s)")


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


def _status_of(meaning: str) -> str | None:
    """The status ``meaning`` says ("some slippage, action in hand": At risk): itself,
    else its first words."""
    from .tables import opening_status  # tables reads keys with this module

    return schema.normalise_status(meaning) or opening_status(meaning)


def status_codes(entries: list[tuple[str, str]]) -> dict[str, str]:
    """Code (upper case) → status, for each key entry whose code is a letter or two or
    a number and whose meaning is a status ("C", "complete": Complete); an officer's
    code ("HF", "Head of Finance") gives none."""
    codes: dict[str, str] = {}
    for code, meaning in entries:
        if not re.fullmatch(r"[A-Za-z]{1,3}|\d{1,2}", code.strip()):
            continue
        word = _status_of(meaning)
        if word:
            codes.setdefault(code.strip().upper(), word)
    return codes
