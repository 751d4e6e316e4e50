"""Package-level parts a full save through openpyxl would drop, put back.

openpyxl writes the package's root relationships (``_rels/.rels``) and content types
afresh, with only the parts it models: the workbook and the document properties. Any
other part the package root points to is lost — most importantly Microsoft 365's
**sensitivity label** (``docMetadata/LabelInfo.xml``): a plan labelled OFFICIAL would
come back unlabelled, and a council's labelling policy then asks the next person to
label it again or blocks sharing it. Such parts stand alone (no relationships of their
own), so they are copied back byte for byte with their relationship and content type.
Parts openpyxl keeps, and anything reached through the workbook, are left to it; a
thumbnail is not carried (it would show the plan as it was).
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from io import BytesIO
from pathlib import Path

from .fastbook import attributes, relationships

_ROOT_RELS = "_rels/.rels"
_TYPES = "[Content_Types].xml"
_THUMBNAIL = b"/metadata/thumbnail"


def save_keeping_parts(workbook, path: str | Path, original: bytes | None) -> None:
    """Save the openpyxl ``workbook`` to ``path`` atomically, with the stand-alone
    parts the package root of ``original`` (the file's bytes before the save) points
    to and the new package lacks put back."""
    from .safe_save import atomic_write_bytes

    buffer = BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    atomic_write_bytes(keep_root_parts(data, original) if original else data, path)


def keep_root_parts(saved: bytes, original: bytes) -> bytes:
    """``saved`` (a package openpyxl wrote) with the stand-alone parts ``original``'s
    root relationships point to and ``saved`` lacks added back."""
    try:
        before = zipfile.ZipFile(BytesIO(original))
        old_rels = before.read(_ROOT_RELS)
        old_types = before.read(_TYPES)
    except (zipfile.BadZipFile, KeyError):
        return saved
    after = zipfile.ZipFile(BytesIO(saved))
    names, old_names = set(after.namelist()), set(before.namelist())
    rels, types = after.read(_ROOT_RELS), after.read(_TYPES)
    linked = {rel.get(b"Type") for rel in relationships(rels)}
    carried: list[str] = []
    for rel in relationships(old_rels):
        kind, target = rel.get(b"Type"), rel.get(b"Target")
        if not kind or not target or kind in linked or kind.endswith(_THUMBNAIL) or \
                rel.get(b"TargetMode") == b"External":
            continue
        part = posixpath.normpath(target.decode("utf-8", "replace").lstrip("/"))
        own_rels = posixpath.join(posixpath.dirname(part), "_rels",
                                  posixpath.basename(part) + ".rels")
        if part not in old_names or part in names or own_rels in old_names:
            continue
        content_type = _content_type(old_types, part)
        if content_type is None:
            continue
        carried.append(part)
        ident = f"rIdCipXlKept{len(carried)}".encode()
        rels = rels.replace(b"</Relationships>", b'<Relationship Id="' + ident +
                            b'" Type="' + kind + b'" Target="/' + part.encode() +
                            b'"/></Relationships>')
        if _content_type(types, part) != content_type:
            types = types.replace(b"</Types>", b'<Override PartName="/' + part.encode() +
                                  b'" ContentType="' + content_type + b'"/></Types>')
    if not carried:
        return saved
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in after.infolist():
            body = rels if item.filename == _ROOT_RELS else \
                types if item.filename == _TYPES else after.read(item.filename)
            target.writestr(item, body)
        for part in carried:
            target.writestr(before.getinfo(part), before.read(part))
    return out.getvalue()


def _content_type(types: bytes, part: str) -> bytes | None:
    """The content type ``[Content_Types].xml`` gives ``part``: its Override, else the
    Default for its extension."""
    for tag in re.findall(rb"<(?:\w+:)?Override\b[^>]*>", types):
        override = attributes(tag)
        if override.get(b"PartName", b"").decode("utf-8", "replace").lstrip("/").lower() \
                == part.lower():
            return override.get(b"ContentType")
    extension = part.rsplit(".", 1)[-1].lower().encode()
    for tag in re.findall(rb"<(?:\w+:)?Default\b[^>]*>", types):
        default = attributes(tag)
        if default.get(b"Extension", b"").lower() == extension:
            return default.get(b"ContentType")
    return None
