"""Package parts a full save through openpyxl would drop, put back.

openpyxl writes the package's relationships and content types afresh, with only the
parts it models. Two kinds of part a council's plan carries are lost that way:

* parts the package root points to, most importantly Microsoft 365's **sensitivity
  label** (``docMetadata/LabelInfo.xml``): a plan labelled OFFICIAL would come back
  unlabelled, and a council's labelling policy then asks the next person to label it
  again or blocks sharing it;
* **custom XML** the workbook points to: a plan kept in a SharePoint or Teams document
  library holds the library's columns (its metadata, retention and classification
  fields) in ``customXml/item*.xml``, each with a small properties part, and would
  lose them.

Such parts stand alone (a custom XML item's only relationship is to its properties
part), so they are copied back byte for byte with their relationships and content
types. Parts openpyxl keeps are left to it; a thumbnail is not carried (it would show
the plan as it was).
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from io import BytesIO
from pathlib import Path
from typing import Callable

from .fastbook import attributes, relationships

_ROOT_RELS = "_rels/.rels"
_WORKBOOK_RELS = "xl/_rels/workbook.xml.rels"
_TYPES = "[Content_Types].xml"
_THUMBNAIL = b"/metadata/thumbnail"
_CUSTOM_XML = b"/relationships/customXml"


def save_keeping_parts(workbook, path: str | Path, original: bytes | None,
                       unchanged: Callable[[], None] | None = None) -> None:
    """Save the openpyxl ``workbook`` to ``path`` atomically, with the stand-alone
    parts the package root of ``original`` (the file's bytes before the save) points
    to and the new package lacks put back. ``unchanged``: see
    :func:`cip_xl.safe_save.atomic_write_bytes`."""
    from .safe_save import atomic_write_bytes

    buffer = BytesIO()
    workbook.save(buffer)
    data = buffer.getvalue()
    atomic_write_bytes(keep_root_parts(data, original) if original else data, path,
                       unchanged)


def keep_root_parts(saved: bytes, original: bytes) -> bytes:
    """``saved`` (a package openpyxl wrote) with the stand-alone parts ``original``'s
    root and workbook relationships point to (see the module's description) and
    ``saved`` lacks added back."""
    from .strict_ooxml import transitional

    try:  # what a Strict Open XML file's parts are called in the one openpyxl wrote
        before = zipfile.ZipFile(BytesIO(transitional(original)))
        old_types = before.read(_TYPES)
    except (zipfile.BadZipFile, KeyError):
        return saved
    after = zipfile.ZipFile(BytesIO(saved))
    names, old_names = set(after.namelist()), set(before.namelist())
    replaced = {_TYPES: after.read(_TYPES)}
    carried: list[str] = []

    def carry(part: str, kind: bytes, rels: bytes, linked: list[str]) -> bytes:
        """``rels`` with a relationship of ``kind`` to ``part`` added, ``part`` and
        ``linked`` (the parts its own relationships name) carried with their content
        types; ``rels`` as it is if any of them cannot be."""
        types = replaced[_TYPES]
        for each in [part, *linked]:
            content_type = _content_type(old_types, each)
            if content_type is None:
                return rels
            if _content_type(types, each) != content_type:
                types = types.replace(b"</Types>", b'<Override PartName="/' + each.encode() +
                                      b'" ContentType="' + content_type + b'"/></Types>')
        replaced[_TYPES] = types
        carried.extend([part, *linked])
        if linked:
            carried.append(_rels_of(part))
        ident = f"rIdCipXlKept{len(carried)}".encode()
        return rels.replace(b"</Relationships>", b'<Relationship Id="' + ident +
                            b'" Type="' + kind + b'" Target="/' + part.encode() +
                            b'"/></Relationships>')

    for rels_part, wanted in ((_ROOT_RELS, _stand_alone_root_part),
                              (_WORKBOOK_RELS, _custom_xml_item)):
        try:
            old_rels, rels = before.read(rels_part), after.read(rels_part)
        except KeyError:
            continue
        linked_kinds = {rel.get(b"Type") for rel in relationships(rels)}
        for rel in relationships(old_rels):
            kind, target = rel.get(b"Type"), rel.get(b"Target")
            if not kind or not target or rel.get(b"TargetMode") == b"External":
                continue
            part = _resolve(rels_part, target)
            if part not in old_names or part in names or part in carried:
                continue
            linked = wanted(before, old_names, kind, part, linked_kinds)
            if linked is None or any(each in names for each in linked):
                continue
            rels = carry(part, kind, rels, linked)
        replaced[rels_part] = rels
    if not carried:
        return saved
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in after.infolist():
            target.writestr(item, replaced.get(item.filename) or after.read(item.filename))
        for part in carried:
            target.writestr(before.getinfo(part), before.read(part))
    return out.getvalue()


def _stand_alone_root_part(before: zipfile.ZipFile, old_names: set[str], kind: bytes,
                           part: str, linked_kinds: set) -> list[str] | None:
    """For a part the package root points to: no further parts to carry with it (``[]``)
    if it stands alone and is of a kind the new package does not link already (a
    thumbnail is never carried); ``None`` if it is not carried."""
    if kind in linked_kinds or kind.endswith(_THUMBNAIL) or _rels_of(part) in old_names:
        return None
    return []


def _custom_xml_item(before: zipfile.ZipFile, old_names: set[str], kind: bytes,
                     part: str, linked_kinds: set) -> list[str] | None:
    """For a part the workbook points to: the parts a custom XML item's relationships
    name (its properties part), all within the package and with none of their own;
    ``None`` if the part is not custom XML, is Power Query's (whose connections the
    save loses: see :func:`cip_xl.filecheck.features_openpyxl_drops`) or cannot be
    carried whole."""
    from .filecheck import holds_power_query

    if not kind.endswith(_CUSTOM_XML) or holds_power_query(before.read(part)):
        return None
    own = _rels_of(part)
    if own not in old_names:
        return []
    linked = []
    for rel in relationships(before.read(own)):
        target = rel.get(b"Target")
        if not target or rel.get(b"TargetMode") == b"External":
            return None
        each = _resolve(own, target)
        if each not in old_names or _rels_of(each) in old_names:
            return None
        linked.append(each)
    return linked


def _rels_of(part: str) -> str:
    """The relationships part of ``part``."""
    return posixpath.join(posixpath.dirname(part), "_rels", posixpath.basename(part) + ".rels")


def _resolve(rels_part: str, target: bytes) -> str:
    """The package part a relationship in ``rels_part`` names by ``target``."""
    text = target.decode("utf-8", "replace")
    if text.startswith("/"):
        return posixpath.normpath(text.lstrip("/"))
    source = posixpath.dirname(posixpath.dirname(rels_part))  # the folder of its part
    return posixpath.normpath(posixpath.join(source, text))


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
