"""cip-xl: automation for council improvement plans kept in Excel.

The library API (see :mod:`cip_xl.api`)::

    import cip_xl
    report = cip_xl.validate("plan.xlsx")
    for finding in report.findings:
        print(finding)

Heavy libraries (openpyxl, pandas, docx) are imported where they are used, so importing
cip_xl is cheap.
"""
from .api import (DemoResult, StatusResult, annotate, approve, backups, check_template,
                  check_trail, export, issue_returns, load_plan, merge, new_plan_file,
                  refresh_status, report, restore, run_demo, save_plan, validate,
                  write_shipped_resources, write_shipped_workbooks)
from .status import Judgement, judge
from .dates import DueDate, parse_due
from .findings import Finding, PlanFileError
from .model import Action, Officer, Plan, Settings, Theme

__version__ = "0.1.0"
__all__ = [
    "Action", "DemoResult", "DueDate", "Finding", "Judgement", "Officer", "Plan",
    "PlanFileError", "Settings", "StatusResult", "Theme", "annotate", "approve", "backups",
    "check_template", "check_trail", "export", "issue_returns", "judge", "load_plan", "merge",
    "new_plan_file", "parse_due", "refresh_status", "report", "restore", "run_demo", "save_plan",
    "validate", "write_shipped_resources", "write_shipped_workbooks",
]
