"""How a cell's value reads as text: the one rule every reader and report shares.

Dates read as dd/mm/yyyy (UK), whole numbers stored as floats lose their ".0", blank is
the empty string.
"""
from __future__ import annotations

import re
from datetime import date, datetime

#: characters no workbook can hold: XML 1.0 forbids them (control characters other than
#: tab, line feed and carriage return; U+FFFE and U+FFFF; lone surrogates, which are not
#: characters at all). Every writer replaces them with U+FFFD.
NOT_IN_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


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
