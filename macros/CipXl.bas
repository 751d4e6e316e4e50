Attribute VB_Name = "CipXl"
' cip-xl: the "Improvement Plan" ribbon tab.
' Each button calls one entry point in the Python package cip_xl.addin through
' xlwings' RunPython (the xlwings add-in or module must be present: see
' docs/excel-addin.md). The Python side saves the workbook, runs the same library
' call as the cip-xl command line, and shows the outcome on a Findings sheet.
Option Explicit

Private Sub CipRun(ByVal entry As String)
    RunPython "import cip_xl.addin; cip_xl.addin." & entry & "()"
End Sub

Public Sub CipValidate(control As IRibbonControl)
    CipRun "validate"
End Sub

Public Sub CipStatus(control As IRibbonControl)
    CipRun "refresh_status"
End Sub

Public Sub CipReturns(control As IRibbonControl)
    CipRun "issue_returns"
End Sub

Public Sub CipReturnAgain(control As IRibbonControl)
    CipRun "issue_return_again"
End Sub

Public Sub CipReportTheme(control As IRibbonControl)
    CipRun "report_on_theme"
End Sub

Public Sub CipMerge(control As IRibbonControl)
    CipRun "merge_returns"
End Sub

Public Sub CipApprove(control As IRibbonControl)
    CipRun "approve"
End Sub

Public Sub CipReport(control As IRibbonControl)
    CipRun "build_report"
End Sub

Public Sub CipExport(control As IRibbonControl)
    CipRun "export_open_data"
End Sub

Public Sub CipRemind(control As IRibbonControl)
    CipRun "reminders"
End Sub

Public Sub CipUndo(control As IRibbonControl)
    CipRun "undo_last_save"
End Sub
