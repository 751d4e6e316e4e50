"""Text files a council writes by hand — a profile, a header mapping, a CSV export —
read in the encodings Windows tools save them in.

Notepad saves UTF-8 with or without a byte-order mark, and older versions "ANSI"
(Windows-1252: £, – and é as single bytes); Excel's "CSV (Comma delimited)" is
Windows-1252 too, its "CSV UTF-8" has the mark. Read as plain UTF-8, the mark made a
profile's first ``[section]`` unreadable and a £ sign stopped the whole file. Notepad's
"Unicode" (or "UTF-16 LE") and Excel's "Unicode Text" are UTF-16, marked too: read as
Windows-1252 they gave a character and a NUL for each one.
"""
from __future__ import annotations

from pathlib import Path

#: the byte-order marks UTF-16 text begins with (little-end first, as Windows writes it)
UTF16_MARKS = (b"\xff\xfe", b"\xfe\xff")


def read_text_file(path: str | Path) -> str:
    """The text of the file at ``path``: UTF-16 where it begins with that byte-order
    mark, else UTF-8 (a mark dropped), else Windows-1252. Raises OSError if it cannot be
    read, and UnicodeDecodeError if it is none of these (bytes Windows-1252 leaves
    undefined: not a text file a person wrote)."""
    data = Path(path).read_bytes()
    if data.startswith(UTF16_MARKS):
        return data.decode("utf-16")  # the mark says which end first, and is dropped
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252")
