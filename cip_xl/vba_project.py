"""Add a VBA module to an existing VBA project (vbaProject.bin), without Office.

Used by ``cip-xl addin build``: it takes the VBA project xlwings ships in its quickstart
add-in (which holds xlwings' ``RunPython``), adds ``macros/CipXl.bas`` as a standard
module, and writes a new project. Three formats are involved, each kept to what is
needed here:

* MS-OVBA compression (literal-only compressed chunks, which the format allows) and
  decompression, for the ``VBA/dir`` stream and module source;
* the ``VBA/dir`` stream's records, to which a MODULE record is appended;
* a compound file (CFB, version 3) writer for the result.

The project keeps ``_VBA_PROJECT``'s version 0xFFFF and carries no compiled p-code, so
Office compiles every module from source when it opens the file (MS-OVBA 2.3.4.1).
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field


# ----------------------------------------------------------- MS-OVBA compression

def decompress(data: bytes) -> bytes:
    """Decompress an MS-OVBA CompressedContainer."""
    if not data or data[0] != 1:
        raise ValueError("not an MS-OVBA compressed container")
    out = bytearray()
    position = 1
    while position < len(data):
        header = struct.unpack_from("<H", data, position)[0]
        size = (header & 0x0FFF) + 3
        compressed = header & 0x8000
        chunk = data[position + 2: position + size]
        position += size
        start = len(out)
        if not compressed:
            out += chunk[:4096]
            continue
        i = 0
        while i < len(chunk):
            flags = chunk[i]
            i += 1
            for bit in range(8):
                if i >= len(chunk):
                    break
                if not flags & (1 << bit):
                    out.append(chunk[i])
                    i += 1
                    continue
                token = struct.unpack_from("<H", chunk, i)[0]
                i += 2
                decompressed = len(out) - start
                bits = max((decompressed - 1).bit_length(), 4)
                length_mask = 0xFFFF >> bits
                offset = (token >> (16 - bits)) + 1
                length = (token & length_mask) + 3
                for _ in range(length):
                    out.append(out[-offset])
    return bytes(out)


def compress(data: bytes) -> bytes:
    """An MS-OVBA CompressedContainer holding ``data`` as literal-only chunks."""
    out = bytearray(b"\x01")
    for start in range(0, len(data), 4096):
        chunk = data[start:start + 4096]
        body = bytearray()
        for i in range(0, len(chunk), 8):
            body.append(0)  # flag byte: eight literals
            body += chunk[i:i + 8]
        header = (len(body) + 2 - 3) | (0b011 << 12) | 0x8000
        out += struct.pack("<H", header) + body
    return bytes(out)


# ------------------------------------------------------------------ VBA/dir stream

def parse_dir(data: bytes) -> list[tuple[int, bytes]]:
    """The records of a decompressed dir stream as (id, payload)."""
    records = []
    position = 0
    while position < len(data):
        ident, size = struct.unpack_from("<HI", data, position)
        position += 6
        if ident == 0x0009:  # PROJECTVERSION: its size field is reserved; 6 bytes follow
            size = 6
        records.append((ident, data[position:position + size]))
        position += size
    return records


def build_dir(records: list[tuple[int, bytes]]) -> bytes:
    out = bytearray()
    for ident, payload in records:
        size = 4 if ident == 0x0009 else len(payload)
        out += struct.pack("<HI", ident, size) + payload
    return bytes(out)


def module_records(name: str, codepage: str = "cp1252") -> list[tuple[int, bytes]]:
    """The dir records of a new standard (procedural) module called ``name``."""
    ascii_name = name.encode(codepage)
    unicode_name = name.encode("utf-16-le")
    return [
        (0x0019, ascii_name), (0x0047, unicode_name),        # MODULENAME, unicode
        (0x001A, ascii_name), (0x0032, unicode_name),        # MODULESTREAMNAME
        (0x001C, b""), (0x0048, b""),                        # MODULEDOCSTRING
        (0x0031, struct.pack("<I", 0)),                      # MODULEOFFSET: source at 0
        (0x001E, struct.pack("<I", 0)),                      # MODULEHELPCONTEXT
        (0x002C, struct.pack("<H", 0xFFFF)),                 # MODULECOOKIE
        (0x0021, b""),                                       # MODULETYPE: procedural
        (0x002B, b""),                                       # module terminator
    ]


# ------------------------------------------------------------- compound file writer

ENDOFCHAIN, FREESECT, FATSECT, NOSTREAM = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD, 0xFFFFFFFF
SECTOR, MINI, CUTOFF = 512, 64, 4096


@dataclass
class Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    children: list["Entry"] = field(default_factory=list)
    index: int = 0
    start: int = ENDOFCHAIN
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM


def _order(entry: Entry) -> tuple[int, str]:
    """CFB sibling order: shorter names first, then by upper-case name."""
    return (len(entry.name), entry.name.upper())


def write_compound(tree: dict) -> bytes:
    """A compound file from a nested dict: name → bytes (stream) or dict (storage)."""
    root = Entry("Root Entry", 5)

    def build(node: dict, parent: Entry) -> None:
        for name, value in node.items():
            if isinstance(value, dict):
                storage = Entry(name, 1)
                build(value, storage)
                parent.children.append(storage)
            else:
                parent.children.append(Entry(name, 2, bytes(value)))
    build(tree, root)

    entries: list[Entry] = []

    def number(entry: Entry) -> None:
        entry.index = len(entries)
        entries.append(entry)
        for child in entry.children:
            number(child)
    number(root)

    def link(entry: Entry) -> None:
        children = sorted(entry.children, key=_order)

        def balanced(items: list[Entry]) -> int:
            if not items:
                return NOSTREAM
            middle = len(items) // 2
            node = items[middle]
            node.left = balanced(items[:middle])
            node.right = balanced(items[middle + 1:])
            return node.index
        entry.child = balanced(children)
        for child in children:
            link(child)
    link(root)

    streams = [e for e in entries if e.kind == 2]
    small = [e for e in streams if len(e.data) < CUTOFF]
    large = [e for e in streams if len(e.data) >= CUTOFF]

    mini = bytearray()
    mini_fat: list[int] = []
    for entry in small:
        if not entry.data:
            entry.start = ENDOFCHAIN
            continue
        count = -(-len(entry.data) // MINI)
        entry.start = len(mini_fat)
        mini_fat += [len(mini_fat) + i + 1 for i in range(count - 1)] + [ENDOFCHAIN]
        mini += entry.data + bytes(count * MINI - len(entry.data))

    def sectors(size: int) -> int:
        return -(-size // SECTOR)

    directory_size = len(entries) * 128
    plan = [("dir", sectors(directory_size)),
            ("minifat", sectors(len(mini_fat) * 4)),
            ("ministream", sectors(len(mini)))]
    plan += [(e, sectors(len(e.data))) for e in large]
    used = sum(count for _, count in plan)
    fat_sectors = 1
    while fat_sectors * (SECTOR // 4) < used + fat_sectors:
        fat_sectors += 1
    if fat_sectors > 109:
        raise ValueError("project too large for a header-only DIFAT")

    fat = [FREESECT] * (fat_sectors * (SECTOR // 4))
    starts: dict = {}
    position = 0
    for key, count in plan:
        if count == 0:
            starts[key if isinstance(key, str) else key.index] = ENDOFCHAIN
            continue
        starts[key if isinstance(key, str) else key.index] = position
        for i in range(count):
            fat[position + i] = position + i + 1 if i < count - 1 else ENDOFCHAIN
        position += count
    fat_start = position
    for i in range(fat_sectors):
        fat[fat_start + i] = FATSECT

    root.start = starts["ministream"] if mini else ENDOFCHAIN
    root.data = bytes(mini)
    for entry in large:
        entry.start = starts[entry.index]

    body = bytearray()

    def pad(blob: bytes) -> bytes:
        return blob + bytes(-len(blob) % SECTOR)

    directory = bytearray()
    for entry in entries:
        encoded = (entry.name.encode("utf-16-le") + b"\x00\x00")[:64]
        size = len(root.data) if entry.kind == 5 else len(entry.data)
        directory += encoded + bytes(64 - len(encoded))
        directory += struct.pack("<HBBIII", len(encoded), entry.kind, 1, entry.left,
                                 entry.right, entry.child)
        directory += bytes(16) + struct.pack("<I", 0) + bytes(16)
        directory += struct.pack("<IQ", entry.start if (entry.kind != 1) else 0,
                                 size if entry.kind != 1 else 0)
    body += pad(bytes(directory))
    body += pad(b"".join(struct.pack("<I", v) for v in mini_fat))
    body += pad(bytes(mini))
    for entry in large:
        body += pad(entry.data)
    body += b"".join(struct.pack("<I", v) for v in fat)

    difat = [fat_start + i for i in range(fat_sectors)] + [FREESECT] * (109 - fat_sectors)
    header = bytearray(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16))
    header += struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + bytes(6)
    header += struct.pack("<IIIIIIIII", 0, fat_sectors, starts["dir"], 0, CUTOFF,
                          starts["minifat"] if mini_fat else ENDOFCHAIN,
                          sectors(len(mini_fat) * 4), ENDOFCHAIN, 0)
    header += b"".join(struct.pack("<I", v) for v in difat)
    return bytes(header) + bytes(body)


# ------------------------------------------------------------------ the whole job

def add_module(project: bytes, name: str, source: str) -> bytes:
    """``project`` (a vbaProject.bin) with a standard module ``name`` holding ``source``."""
    import io

    import olefile

    ole = olefile.OleFileIO(io.BytesIO(project))
    tree: dict = {}
    for path in ole.listdir(streams=True, storages=False):
        node = tree
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = ole.openstream(path).read()
    vba = tree["VBA"]
    if name in vba:
        raise ValueError(f"the project already has a module {name}")
    records = parse_dir(decompress(vba["dir"]))
    codepage = "cp1252"
    for ident, payload in records:
        if ident == 0x0003:  # PROJECTCODEPAGE
            codepage = f"cp{struct.unpack('<H', payload)[0]}"
    rebuilt = []
    for ident, payload in records:
        if ident == 0x000F:  # PROJECTMODULES: one more
            payload = struct.pack("<H", struct.unpack("<H", payload)[0] + 1)
        if ident == 0x0010:  # dir terminator: the new module goes just before it
            rebuilt += module_records(name, codepage)
        rebuilt.append((ident, payload))
    vba["dir"] = compress(build_dir(rebuilt))
    text = source.replace("\r\n", "\n").replace("\n", "\r\n")
    if not text.startswith("Attribute VB_Name"):
        text = f'Attribute VB_Name = "{name}"\r\n' + text
    vba[name] = compress(text.encode(codepage))
    project_text = tree["PROJECT"].decode(codepage)
    lines = project_text.split("\r\n")
    last_module = max(i for i, line in enumerate(lines)
                      if line.startswith(("Module=", "Document=", "Class=")))
    lines.insert(last_module + 1, f"Module={name}")
    tree["PROJECT"] = "\r\n".join(lines).encode(codepage)
    if "PROJECTwm" in tree:
        names = tree["PROJECTwm"]
        entry = name.encode(codepage) + b"\x00" + name.encode("utf-16-le") + b"\x00\x00"
        tree["PROJECTwm"] = names[:-2] + entry + names[-2:]
    return write_compound(tree)


# ------------------------------------------------------------ the ribbon relationship

RIBBON_REL = "http://schemas.microsoft.com/office/2007/relationships/ui/extensibility"
RIBBON_PART = "customUI/customUI.xml"


def restore_ribbon(path) -> bool:
    """Re-link ``customUI/customUI.xml`` from the package's root relationships.

    openpyxl copies the ribbon part of a macro-enabled workbook but rewrites
    ``_rels/.rels`` without its relationship, which would make the ribbon vanish on the
    next save. Returns True if the file was patched (atomically).
    """
    import zipfile
    from io import BytesIO

    from .safe_save import atomic_write_bytes

    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        if RIBBON_PART not in names:
            return False
        rels = archive.read("_rels/.rels")
        if RIBBON_REL.encode() in rels:
            return False
        link = (f'<Relationship Id="rIdCipXlRibbon" Type="{RIBBON_REL}" '
                f'Target="{RIBBON_PART}"/></Relationships>').encode()
        buffer = BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
            for item in archive.infolist():
                data = archive.read(item.filename)
                if item.filename == "_rels/.rels":
                    data = data.replace(b"</Relationships>", link)
                target.writestr(item, data)
    atomic_write_bytes(buffer.getvalue(), path)
    return True
