"""Text files a council writes by hand — a profile, a header mapping, a CSV export —
read in the encodings Windows tools save them in.

Notepad saves UTF-8 with or without a byte-order mark, and older versions "ANSI"
(Windows-1252: £, – and é as single bytes); Excel's "CSV (Comma delimited)" is
Windows-1252 too, its "CSV UTF-8" has the mark. Read as plain UTF-8, the mark made a
profile's first ``[section]`` unreadable and a £ sign stopped the whole file.
"""
from __future__ import annotations

from pathlib import Path


def read_text_file(path: str | Path) -> str:
    """The text of the file at ``path``: UTF-8 (a byte-order mark dropped), else
    Windows-1252. Raises OSError if it cannot be read, and UnicodeDecodeError if it is
    neither (bytes Windows-1252 leaves undefined: not a text file a person wrote)."""
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")
