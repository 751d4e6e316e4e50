"""winmail.dat: the attachments Outlook packs into one file (TNEF, MS-OXTNEF).

Outlook sending in its Rich Text format to a mail system that is not Exchange wraps
the message's attachments in a ``winmail.dat`` (MIME type application/ms-tnef), which
other mail programs show as an attachment nobody can open: the officer's return is in
it. :func:`tnef_attachments` takes the files out.

The format is a signature, then attributes, each: a level (message or attachment), an
ID, a length, the data and a checksum. Each attachment begins with its rendering
attribute, and has its bytes, its short title and a list of MAPI properties holding
its long file name.
"""
from __future__ import annotations

import struct

SIGNATURE = struct.pack("<I", 0x223E9F78)
_ATTACHMENT_LEVEL = 2
_REND_DATA, _TITLE, _DATA, _PROPERTIES = 0x00069002, 0x00018010, 0x0006800F, 0x00069005
#: PidTagAttachLongFilename
_LONG_FILENAME = 0x3707
#: MAPI property types: the size of one fixed-length value (padded to 4 bytes), and
#: those whose values are counted and sized (strings, binary, objects)
_FIXED = {0x0001: 0, 0x0002: 4, 0x0003: 4, 0x0004: 4, 0x0005: 8, 0x0006: 8, 0x0007: 8,
          0x000A: 4, 0x000B: 4, 0x0014: 8, 0x0040: 8, 0x0048: 16}
_SIZED = {0x000D, 0x001E, 0x001F, 0x0102}
_MULTIPLE = 0x1000


def is_tnef(head: bytes) -> bool:
    """Whether ``head`` (a file's first bytes) begins a TNEF stream (winmail.dat)."""
    return head.startswith(SIGNATURE)


def tnef_attachments(data: bytes) -> list[tuple[str, bytes]]:
    """(file name, bytes) of each file attached in the TNEF stream ``data``, in order
    (the long file name where the stream gives one, else the short title). Raises
    ValueError if ``data`` is no TNEF stream or is cut short."""
    if not is_tnef(data):
        raise ValueError("not a TNEF stream")
    attachments: list[dict] = []
    at = 6  # the signature, and a key of two bytes
    while at < len(data):
        if at + 9 > len(data):
            raise ValueError("an attribute cut short")
        level, ident, length = struct.unpack_from("<BII", data, at)
        start, end = at + 9, at + 9 + length
        if end + 2 > len(data):
            raise ValueError("an attribute cut short")
        at = end + 2  # (after its checksum)
        if level != _ATTACHMENT_LEVEL:
            continue
        if ident == _REND_DATA or not attachments:
            attachments.append({})
        value = data[start:end]
        if ident == _TITLE:
            attachments[-1]["title"] = value.split(b"\0")[0].decode("cp1252", "replace")
        elif ident == _DATA:
            attachments[-1]["data"] = value
        elif ident == _PROPERTIES:
            attachments[-1]["long"] = _long_filename(value)
    return [(item.get("long") or item.get("title") or "", item["data"])
            for item in attachments if item.get("data") is not None]


def _long_filename(properties: bytes) -> str:
    """PidTagAttachLongFilename from an attachment's MAPI property list; "" if it has
    none or the list cannot be read."""
    try:
        count, = struct.unpack_from("<I", properties, 0)
        at = 4
        for _ in range(count):
            kind, ident = struct.unpack_from("<HH", properties, at)
            at += 4
            if ident >= 0x8000:  # a named property: its set's GUID, then a number or name
                named, = struct.unpack_from("<I", properties, at + 16)
                at += 20
                if named == 0:
                    at += 4
                else:
                    size, = struct.unpack_from("<I", properties, at)
                    at += 4 + size + (-size % 4)
            base = kind & ~_MULTIPLE
            values = 1
            if kind & _MULTIPLE or base in _SIZED:
                values, = struct.unpack_from("<I", properties, at)
                at += 4
            for _ in range(values):
                if base in _SIZED:
                    size, = struct.unpack_from("<I", properties, at)
                    value = properties[at + 4:at + 4 + size]
                    at += 4 + size + (-size % 4)
                    if ident == _LONG_FILENAME and base in (0x001E, 0x001F):
                        codec = "utf-16-le" if base == 0x001F else "cp1252"
                        return value.decode(codec, "replace").split("\0")[0]
                else:
                    at += _FIXED[base]
    except (struct.error, KeyError):
        return ""
    return ""
