"""Find the files cip-xl ships: the plan workbooks, Word templates and VBA macros.

In a checkout they are the top-level folders ``workbook/``, ``report_templates/`` and
``macros/``; an installed package carries them as ``cip_xl/data/<folder>`` (setup.cfg
maps the folders into the package). :func:`resource_folder` finds either.
"""
from __future__ import annotations

from pathlib import Path

FOLDERS = ("workbook", "report_templates", "macros")
TEMPLATE_WORKBOOK = "plan-template.xlsx"
EXAMPLE_WORKBOOK = "example-plan.xlsx"


def resource_folder(kind: str) -> Path:
    """The folder holding resources of ``kind`` (one of :data:`FOLDERS`)."""
    if kind not in FOLDERS:
        raise ValueError(f"unknown resource folder {kind!r}")
    package = Path(__file__).resolve().parent
    installed = package / "data" / kind
    if installed.is_dir():
        return installed
    return package.parent / kind


def resource(kind: str, name: str) -> Path:
    """The path of resource ``name`` in folder ``kind``; raises FileNotFoundError."""
    path = resource_folder(kind) / name
    if not path.is_file():
        raise FileNotFoundError(f"cip-xl is missing its resource {kind}/{name}; "
                                "reinstall the package.")
    return path
