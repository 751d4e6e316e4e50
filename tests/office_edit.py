"""Edit a workbook in LibreOffice as a person would, through its UNO bridge.

Run by the tests with the Python that has LibreOffice's ``uno`` module (Debian's
``python3-uno``, for /usr/bin/python3), not the project's:

    python3 office_edit.py WORKBOOK PROFILE_DIR 'JSON list of steps'

Steps, in order: ``["insert", sheet, row]`` inserts a blank row above ``row`` (1-based),
moving the cells, names, validations, filters and formulas below it as the office suite
does; ``["text", sheet, cell, text]`` types text into a cell, kept as text;
``["type", sheet, cell, text]`` types ``text`` into a cell as a person does, in a
British locale (31/03/2027 becomes a date, 60% a percentage, 3.10 a number — unless the
cell is formatted as Text; validation and protection as the office suite applies them
to typing); ``["formula", sheet, cell, text]`` enters ``text`` as the office suite reads an entry
(``=1+1`` becomes a formula, ``12`` a number; function names in English);
``["number", sheet, cell, value, shown]`` puts a number in a cell and formats it as the
office suite formats what is typed ("date" for 31/03/2027 typed in a British locale,
"percent" for 60%, "" to leave the format alone); ``["sort", sheet, range, field]``
sorts the rows of a range (``A2:P41``: a selection that leaves columns out) by its
``field``-th column (0 for the first), ascending, as Data > Sort does with the
selection alone; ``["save"]`` saves the
workbook as .xlsx; ``["values", sheet]`` recalculates every formula and prints the
sheet's used range as JSON (a list of rows of values); ``["run", argv, cwd]`` runs a
command while the workbook is open (a colleague's cip-xl, say) and prints its exit code
and output as JSON. The office suite runs headless in its own profile — its user named
Sam Jones in a British locale — and is shut down whatever happens.
"""
import json
import os
import socket
import subprocess
import sys
import time

import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.lang import Locale
from com.sun.star.table import TableSortField

#: com.sun.star.util.NumberFormat kinds of the formats a typed entry is given
_SHOWN = {"date": 2, "percent": 128}


def _property(name, value):
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


#: the profile's settings: a British locale, which is how typed dates and numbers are
#: read, and a user's name, which LibreOffice's lock file gives
_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
 xmlns:xs="http://www.w3.org/2001/XMLSchema"
 xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Setup/L10N"><prop oor:name="ooSetupSystemLocale"
 oor:op="fuse"><value>en-GB</value></prop></item>
<item oor:path="/org.openoffice.UserProfile/Data"><prop oor:name="givenname"
 oor:op="fuse"><value>Sam</value></prop></item>
<item oor:path="/org.openoffice.UserProfile/Data"><prop oor:name="sn"
 oor:op="fuse"><value>Jones</value></prop></item>
</oor:items>
"""


def main(path, profile, steps):
    settings = os.path.join(profile, "user", "registrymodifications.xcu")
    if not os.path.exists(settings):  # a new profile: made British before it starts
        os.makedirs(os.path.dirname(settings), exist_ok=True)
        with open(settings, "w", encoding="utf-8") as out:
            out.write(_SETTINGS)
    port = _free_port()
    office = subprocess.Popen(
        ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--invisible",
         "--norestore", f"--accept=socket,host=127.0.0.1,port={port};urp;"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        local = uno.getComponentContext()
        resolver = local.ServiceManager.createInstanceWithContext(
            "com.sun.star.bridge.UnoUrlResolver", local)
        deadline = time.monotonic() + 90
        while True:
            try:
                context = resolver.resolve(
                    f"uno:socket,host=127.0.0.1,port={port};urp;StarOffice.ComponentContext")
                break
            except Exception:
                if time.monotonic() > deadline or office.poll() is not None:
                    raise SystemExit("LibreOffice did not start")
                time.sleep(0.5)
        desktop = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.Desktop", context)
        url = uno.systemPathToFileUrl(os.path.abspath(path))
        document = desktop.loadComponentFromURL(url, "_blank", 0,
                                                (_property("Hidden", True),))
        controller = document.getCurrentController()
        dispatcher = context.ServiceManager.createInstanceWithContext(
            "com.sun.star.frame.DispatchHelper", context)
        try:
            for step in steps:
                kind = step[0]
                if kind == "insert":
                    document.Sheets.getByName(step[1]).Rows.insertByIndex(step[2] - 1, 1)
                elif kind == "text":
                    document.Sheets.getByName(step[1]).getCellRangeByName(step[2]) \
                        .setString(step[3])
                elif kind == "type":
                    sheet = document.Sheets.getByName(step[1])
                    controller.setActiveSheet(sheet)
                    controller.select(sheet.getCellRangeByName(step[2]))
                    dispatcher.executeDispatch(controller.getFrame(), ".uno:EnterString",
                                               "", 0, (_property("StringName", step[3]),))
                elif kind == "formula":
                    document.Sheets.getByName(step[1]).getCellRangeByName(step[2]) \
                        .setFormula(step[3])
                elif kind == "number":
                    cell = document.Sheets.getByName(step[1]).getCellRangeByName(step[2])
                    cell.setValue(step[3])
                    if step[4]:
                        cell.NumberFormat = document.NumberFormats.getStandardFormat(
                            _SHOWN[step[4]], Locale("en", "GB", ""))
                elif kind == "sort":
                    by = TableSortField()
                    by.Field, by.IsAscending = step[3], True
                    order = _property("SortFields", uno.Any(
                        "[]com.sun.star.table.TableSortField", (by,)))
                    cells = document.Sheets.getByName(step[1]).getCellRangeByName(step[2])
                    uno.invoke(cells, "sort", ((order,),))
                elif kind == "save":
                    document.storeToURL(url, (_property("FilterName",
                                                        "Calc MS Excel 2007 XML"),))
                elif kind == "values":
                    document.calculateAll()
                    sheet = document.Sheets.getByName(step[1])
                    cursor = sheet.createCursor()
                    cursor.gotoEndOfUsedArea(False)
                    end = cursor.getRangeAddress()
                    cells = sheet.getCellRangeByPosition(0, 0, end.EndColumn, end.EndRow)
                    print(json.dumps([list(row) for row in cells.getDataArray()]))
                elif kind == "run":
                    done = subprocess.run(step[1], cwd=step[2], capture_output=True,
                                          text=True, timeout=300)
                    print(json.dumps({"returncode": done.returncode, "stdout": done.stdout,
                                      "stderr": done.stderr}))
                else:
                    raise SystemExit(f"unknown step {kind}")
        finally:
            document.close(True)
        try:
            desktop.terminate()
        except Exception:  # the bridge goes down with the office suite
            pass
    finally:
        try:
            office.wait(timeout=30)
        except subprocess.TimeoutExpired:
            office.kill()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], json.loads(sys.argv[3]))
