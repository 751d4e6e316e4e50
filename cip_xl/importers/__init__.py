"""Import legacy plans: Word appendices and hand-made spreadsheets → :class:`Plan`.

:func:`import_plan` picks the reader by file type and builds the plan with
:func:`cip_xl.importers.tables.build_plan`; everything uncertain is a finding.
"""
from __future__ import annotations

import configparser
from pathlib import Path

from ..findings import ERROR, Finding, PlanFileError
from ..schema import COLUMNS_BY_KEY, Contract
from ..text_files import read_text_file
from .tables import ImportResult, build_plan

__all__ = ["ImportResult", "import_plan", "load_mapping"]

#: what import reads as Word (a plan saved as a template or with macros is a document
#: all the same) and as a spreadsheet
WORD_SUFFIXES = (".docx", ".docm", ".dotx", ".dotm")
SHEET_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".csv")


def load_mapping(path: str | Path) -> dict[str, str]:
    """A header mapping file: ``[columns]`` with ``Header as written = column_key``."""
    path = Path(path)
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str
    try:
        parser.read_string(read_text_file(path), source=str(path))
    except UnicodeDecodeError:
        raise PlanFileError(Finding(
            "mapping-invalid", ERROR, f"{path.name} is not a text file: open it in Notepad "
            "and save it with Encoding UTF-8.", file=str(path))) from None
    except (OSError, configparser.Error) as exc:
        raise PlanFileError(Finding("mapping-invalid", ERROR,
                                    f"{path.name} cannot be read: {exc}", file=str(path))) from None
    if not parser.has_section("columns"):
        raise PlanFileError(Finding("mapping-invalid", ERROR,
                                    f"{path.name} has no [columns] section.", file=str(path)))
    mapping = {}
    for header, key in parser.items("columns"):
        key = key.strip().lower()
        if key not in COLUMNS_BY_KEY:
            raise PlanFileError(Finding(
                "mapping-invalid", ERROR,
                f"{path.name}: '{header} = {key}' names no column; use one of "
                f"{', '.join(COLUMNS_BY_KEY)}.", file=str(path)))
        mapping[header.strip()] = key
    return mapping


def import_plan(source: str | Path, contract: Contract | None = None,
                mapping: dict[str, str] | None = None, open_only: bool = False,
                convert: bool = False) -> ImportResult:
    """Read the legacy plan in ``source`` (.docx, .xlsx, .xlsm or .csv; Word and Excel
    templates and macro-enabled files too). A plan cip-xl
    kept is carried forward as the start of a new one
    (:func:`cip_xl.importers.cip_plan.carry_forward`; ``open_only`` leaves out its
    actions marked Complete or Cancelled). With ``convert``, a plan in another office
    format (a Word 97 or Excel 97 file, RTF, OpenDocument, a web page) is converted by
    LibreOffice, where it is installed, and that is read
    (:mod:`cip_xl.importers.converted`); otherwise it is refused, saying what it is."""
    from ..filecheck import sniff

    from .sources import what_it_is

    source = Path(source)
    suffix = source.suffix.lower()
    if not source.is_file():
        sniff(source)  # the same clear message for a missing file, or a folder
    if suffix in WORD_SUFFIXES:
        if what_it_is(source) is not None:  # a PDF or a Word 97 file renamed, say
            return _other_form(source, contract, mapping, open_only, convert)
        from .word import read_word, tracked_changes_finding
        tables, legend, review, title, council, tracked = read_word(source)
        result = build_plan(tables, legend, str(source), contract, mapping, title, council)
        result.plan.review_log = review
        if tracked:
            result.findings.insert(0, tracked_changes_finding(tracked, source))
        return result
    if suffix in SHEET_SUFFIXES:
        if suffix != ".csv":
            sniff(source)
        from .cip_plan import carry_forward, kept_by_cip_xl
        if suffix != ".csv" and kept_by_cip_xl(source):
            from ..schema import DEFAULT_CONTRACT
            return carry_forward(source, contract or DEFAULT_CONTRACT, open_only)
        from .sheet import read_sheet
        tables, legend, title, council = read_sheet(source)
        return build_plan(tables, legend, str(source), contract, mapping, title, council)
    return _other_form(source, contract, mapping, open_only, convert)


def _other_form(source: Path, contract: Contract | None, mapping: dict[str, str] | None,
                open_only: bool, convert: bool) -> ImportResult:
    """The plan in ``source``, a file import does not read as it is, converted by
    LibreOffice where ``convert`` asks and it can; else the refusal saying what it is."""
    from .converted import can_convert, import_converted
    from .sources import unsupported, what_it_is

    found = what_it_is(source)
    if convert and can_convert(found):
        return import_converted(source, found, lambda converted: import_plan(
            converted, contract, mapping, open_only))
    raise PlanFileError(unsupported(source, convert))
