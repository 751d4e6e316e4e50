"""Email addresses as people put them in an Officers sheet's Email cell.

A bare address is the usual, but a cell is as often filled by pasting: from Outlook
("Jane Smith <jane.smith@council.gov.uk>", "Smith, Jane <jane.smith@...>"), from a
hyperlink ("mailto:jane.smith@..."), or two people who share the work ("jane@...;
deputy@..."). :func:`addresses_in` reads all of these; validation names a cell it cannot
read and reminders are addressed to every address in it.
"""
from __future__ import annotations

import re

#: one address, as a message can be sent to it
ADDRESS = re.compile(r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$")
#: "Name <address>", with whatever separates it from the one before
_NAMED = re.compile(r"\s*[,;]?\s*(?:\"([^\"]*)\"|([^<>\"]*?))\s*<\s*([^<>\s]+)\s*>")


def addresses_in(cell: object) -> list[tuple[str, str]] | None:
    """(display name or "", address) for each address in an Email ``cell`` (see the
    module's doc), in the order written; ``[]`` for a blank cell; ``None`` when any part
    of it is not an address ("j smith@council.gov.uk", "jane at council")."""
    text = re.sub(r"(?i)\bmailto:", "", " ".join(str(cell or "").split()))
    if not text.strip(" ,;"):
        return []
    found: list[tuple[str, str]] = []
    if "<" in text or ">" in text:
        end = 0
        for match in _NAMED.finditer(text):
            if text[end:match.start()].strip(" ,;"):
                return None  # words between two named addresses
            name = (match.group(1) if match.group(1) is not None else match.group(2)) or ""
            found.append((name.strip(), match.group(3)))
            end = match.end()
        if text[end:].strip(" ,;") or not found:
            return None
    else:
        found = [("", part) for part in re.split(r"\s*[,;]\s*", text.strip(" ,;"))]
    return found if all(ADDRESS.match(address) for _, address in found) else None
