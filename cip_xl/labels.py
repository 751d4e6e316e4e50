"""A sensitivity label on the plan, carried to the returns issued from it.

Councils on Microsoft 365 label their documents (Microsoft Purview sensitivity labels:
"OFFICIAL", "OFFICIAL-SENSITIVE"). Excel keeps a label that does not encrypt as custom
document properties named ``MSIP_Label_<id>_...``; cip-xl's saves of the plan keep them.
A return holds the plan's actions, so it carries the plan's label too: an officer is
not asked to label it again when saving (where labelling is mandatory), and what the
council said about the data stays with it. A label that encrypts makes a file cip-xl
cannot open at all (:func:`cip_xl.filecheck.sniff` says so).
"""
from __future__ import annotations

from pathlib import Path

#: the start of the names of the custom properties that hold a sensitivity label
LABEL_PREFIX = "MSIP_Label_"


def plan_label(path: str | Path) -> dict[str, str]:
    """The sensitivity label on the workbook at ``path``: its ``MSIP_Label_``
    properties by name, in the order written; empty when it has none or the file
    cannot be read."""
    from .plan_patch import custom_properties_of

    return {name: value for name, value in custom_properties_of(path).items()
            if name.startswith(LABEL_PREFIX)}


def put_label(workbook, label: dict[str, str]) -> None:
    """Give the openpyxl ``workbook`` the sensitivity ``label`` (from
    :func:`plan_label`), as Excel writes one."""
    from openpyxl.packaging.custom import StringProperty

    for name, value in label.items():
        workbook.custom_doc_props.append(StringProperty(name=name, value=value))
