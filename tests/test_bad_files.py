"""Files that are not usable plans: one clear line, exit 2, no traceback, nothing changed."""
from __future__ import annotations

import os
import stat
import zipfile
from datetime import date

import pytest

from cip_xl.safe_save import backups_of

from .conftest import run_cli


def _from_example(example_path, target, replace: dict[str, bytes],
                  compression: int = zipfile.ZIP_DEFLATED) -> None:
    with zipfile.ZipFile(example_path) as src, zipfile.ZipFile(target, "w",
                                                               compression) as dst:
        for item in src.infolist():
            dst.writestr(item.filename, replace.get(item.filename, src.read(item.filename)))


def _zip_password(example_path, target) -> None:
    """The example with every part flagged as locked by a zip password (the flag bit
    set in each local and central header), as a zip tool's "encrypt" would leave it."""
    data = bytearray(example_path.read_bytes())
    for signature, flags_at in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        while at >= 0:
            data[at + flags_at] |= 0x1
            at = data.find(signature, at + 4)
    target.write_bytes(bytes(data))


def _encrypted(example_path, target) -> None:
    from msoffcrypto.format.ooxml import OOXMLFile

    with example_path.open("rb") as plain, target.open("wb") as out:
        OOXMLFile(plain).encrypt("secret", out)


BILLION_LAUGHS = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
                  b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
                  b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
                  b'main"><sheets><sheet name="&lol2;" sheetId="1" r:id="rId1"/></sheets>'
                  b'</workbook>')


def make_bad(kind: str, example_path, tmp_path):
    """Write one bad file of ``kind``; return its path."""
    target = tmp_path / f"{kind}.xlsx"
    if kind == "empty":
        target.write_bytes(b"")
    elif kind == "random-bytes":
        target.write_bytes(bytes(range(256)) * 40)
    elif kind == "csv-renamed":
        target.write_text("Ref,Key action\n1.1,Do things\n", encoding="utf-8")
    elif kind == "csv-excel-renamed":  # Excel's "CSV (Comma delimited)": Windows-1252
        target.write_bytes("Ref,Key action,Budget\n1.1,Cut costs – phase 2,£5k\n"
                           .encode("cp1252"))
    elif kind == "xls-renamed":
        target.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2000)
    elif kind == "pdf-renamed":  # a printed copy sent back as the return
        target.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    elif kind == "photo-renamed":  # a phone's photo of the screen
        target.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(200))
    elif kind == "email-saved":  # the reply saved whole, with nothing attached
        target.write_bytes(b"From: ruth@x.example\r\nSubject: RE: return\r\n"
                           b"MIME-Version: 1.0\r\n\r\nForgot the attachment, sorry\r\n")
    elif kind == "web-page-single-file":  # Excel's "Single File Web Page" (.mht)
        target = tmp_path / "Return_Place.mht"
        target.write_bytes(
            b"MIME-Version: 1.0\r\nX-Document-Type: Workbook\r\nContent-Type: multipart/"
            b'related; boundary="----=_NextPart_01DA"\r\n\r\nThis document is a Single '
            b"File Web Page, also known as a Web Archive file.\r\n\r\n------=_NextPart_01DA"
            b"\r\nContent-Location: file:///C:/D3F0/Return_Place.htm\r\nContent-Type: "
            b'text/html; charset="windows-1252"\r\n\r\n<html><table><tr><td>5.1</td></tr>'
            b"</table></html>\r\n------=_NextPart_01DA--\r\n")
    elif kind == "xml-spreadsheet-2003":
        target.write_bytes(b'<?xml version="1.0"?>\r\n<?mso-application progid="Excel.Sheet"'
                           b'?>\r\n<Workbook xmlns="urn:schemas-microsoft-com:office:'
                           b'spreadsheet" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet">'
                           b'<Worksheet ss:Name="Plan"/></Workbook>')
    elif kind == "unicode-text":  # Excel's "Unicode Text": UTF-16, tab-separated
        target.write_bytes(b"\xff\xfe" + "Ref\tKey action\r\n1.1\tCut costs £5k\r\n"
                           .encode("utf-16-le"))
    elif kind == "onedrive-link":  # a link dragged out of an email: Windows' .url
        target = tmp_path / "Return_Place.xlsx.url"
        target.write_bytes(b"[InternetShortcut]\r\nURL=https://wrenfield-my.sharepoint.com/"
                           b":x:/g/personal/ruth/EaBc?e=1\r\n")
    elif kind == "windows-shortcut":  # "Return_Place.xlsx - Shortcut.lnk"
        target = tmp_path / "Return_Place.xlsx - Shortcut.lnk"
        target.write_bytes(b"L\x00\x00\x00\x01\x14\x02\x00\x00\x00\x00\x00\xc0"
                           + bytes(200))
    elif kind == "winmail-dat":  # Outlook's packed attachments, saved on their own
        target = tmp_path / "winmail.dat"
        target.write_bytes(b"\x78\x9f\x3e\x22\x01\x00" + bytes(40))
    elif kind == "outlook-msg":
        target = tmp_path / "RE return.msg"
        target.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600 +
                           "__substg1.0_0037001F".encode("utf-16-le"))
    elif kind == "zip-of-files":
        with zipfile.ZipFile(target, "w") as archive:
            archive.writestr("notes.txt", "a note")
    elif kind == "truncated":
        target.write_bytes(example_path.read_bytes()[:3000])
    elif kind == "encrypted":
        _encrypted(example_path, target)
    elif kind == "numbers":  # a return opened on a Mac and saved by Apple Numbers
        target = tmp_path / "Return_Place.numbers"
        with zipfile.ZipFile(target, "w") as z:
            z.writestr("Index/Document.iwa", b"\x00\x01")
            z.writestr("Index/Tables/DataList.iwa", b"\x00")
            z.writestr("Metadata/Properties.plist", b"<plist/>")
    elif kind == "word-renamed":
        with zipfile.ZipFile(target, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("word/document.xml", "<w:document/>")
    elif kind == "xlsb":  # Excel's binary format, saved by an officer who chose it
        with zipfile.ZipFile(target, "w") as z:
            z.writestr("[Content_Types].xml", "<Types/>")
            z.writestr("xl/workbook.bin", b"\x83\x01\x00")
            z.writestr("xl/worksheets/sheet1.bin", b"\x81\x01\x00")
    elif kind == "zip-bomb":
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
            z.writestr("xl/workbook.xml", b"<workbook/>")
            z.writestr("xl/worksheets/sheet1.xml", b"\x00" * (40 * 1024 * 1024))
    elif kind == "entity-bomb":
        _from_example(example_path, target, {"xl/workbook.xml": BILLION_LAUGHS})
    elif kind == "entity-bomb-stored":  # not compressed: read another way
        _from_example(example_path, target, {"xl/workbook.xml": BILLION_LAUGHS},
                      zipfile.ZIP_STORED)
    elif kind == "zip-password":
        _zip_password(example_path, target)
    elif kind == "broken-xml":
        _from_example(example_path, target, {"xl/workbook.xml": b"<workbook><sheets>"})
    elif kind == "no-plan-sheet":
        import openpyxl
        wb = openpyxl.Workbook()
        wb.active.title = "Budget"
        wb.save(target)
    elif kind == "missing":
        target = tmp_path / "does-not-exist.xlsx"
    return target


CASES = {
    "empty": "is empty",
    "random-bytes": "not an .xlsx workbook",
    "csv-renamed": "a text or CSV file",
    "csv-excel-renamed": "a text or CSV file",
    "xls-renamed": "old Excel 97-2003",
    "pdf-renamed": "is a PDF (a printed or scanned copy), not a workbook",
    "photo-renamed": "is a picture (JPEG), not a workbook",
    "email-saved": "is an email saved whole, with no workbook attached",
    "outlook-msg": "is an email saved from Outlook (.msg)",
    "winmail-dat": "is Outlook's winmail.dat",
    "onedrive-link": "is a shortcut to a web address (https://wrenfield-my.sharepoint.com/"
                     ":x:/g/personal/ruth/EaBc?e=1), not the workbook",
    "windows-shortcut": "is a Windows shortcut to another file, not the file itself",
    "web-page-single-file": "is a web page (a single file, .mht), not an .xlsx workbook",
    "xml-spreadsheet-2003": "is an Excel 2003 XML Spreadsheet, not an .xlsx workbook",
    "unicode-text": "is a text or CSV file",
    "zip-of-files": "is a zip archive of files, not an Excel workbook",
    "truncated": "is damaged",
    "encrypted": "password-protected",
    "word-renamed": "a Word document",
    "numbers": "is an Apple Numbers spreadsheet, not an Excel workbook. In Numbers, File > "
               "Export To > Excel",
    "xlsb": "Excel Binary Workbook (.xlsb)",
    "zip-bomb": "zip bomb",
    "entity-bomb": "entity declarations",
    "entity-bomb-stored": "entity declarations",
    "zip-password": "zip password",
    "broken-xml": "is damaged",
    "no-plan-sheet": "has no 'Plan' sheet",
    "missing": "There is no file",
}


@pytest.mark.parametrize("kind", sorted(CASES))
def test_bad_file_gives_one_clear_line(kind, example_path, tmp_path):
    bad = make_bad(kind, example_path, tmp_path)
    before = bad.read_bytes() if bad.exists() else None
    result = run_cli("validate", str(bad))
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert CASES[kind] in lines[0]
    assert bad.name in lines[0] or kind == "missing"
    if before is not None:
        assert bad.read_bytes() == before


def test_internal_errors_are_one_line_too(tmp_path):
    result = run_cli("new", str(tmp_path / "no-such-folder" / "plan.xlsx"))
    assert result.returncode == 2
    assert "does not exist" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize("fails, error, words", [
    ("os.replace", PermissionError(13, "Permission denied"), "locked or read-only"),
    ("os.fsync", OSError(28, "No space left on device"), "No space left on device"),
    ("shutil.copy2", PermissionError(13, "Permission denied"), "backup could not be made"),
], ids=["locked", "disk full", "no backup"])
def test_a_plan_that_cannot_be_written_is_one_clear_line(example_path, monkeypatch,
                                                         capsys, fails, error, words):
    """Windows refuses to replace a file Excel or a sync client holds; disks fill up;
    the backups folder may be read-only. The job stops with one line naming the file,
    exit 2, the master as it was and no temporary file left beside it."""
    from datetime import date

    import cip_xl
    from cip_xl.cli import main

    before = example_path.read_bytes()

    def refuse(*args, **kwargs):
        raise error
    monkeypatch.setattr(fails, refuse)
    with pytest.raises(cip_xl.PlanFileError) as refused:
        cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31))
    assert refused.value.finding.file == str(example_path)
    assert words in refused.value.finding.message
    with pytest.raises(SystemExit) as exit_:
        main(["status", str(example_path), "--as-of", "31/01/2027"])
    assert exit_.value.code == 2
    out = capsys.readouterr()
    assert out.err.count("\n") == 1 and "plan.xlsx" in out.err and words in out.err
    assert "Traceback" not in out.err and "internal error" not in out.err
    monkeypatch.undo()
    assert example_path.read_bytes() == before
    # no temporary file, no lock and no backup of a save that did not happen
    assert [p.name for p in example_path.parent.iterdir() if p.name.startswith(".")] == []
    assert not backups_of(example_path)


def test_on_windows_a_file_held_for_a_moment_is_saved_once_let_go(example_path,
                                                                   monkeypatch):
    """OneDrive uploading the plan, or a virus scanner reading it, holds it for a moment
    after each save, and Windows refuses to replace it meanwhile: the save waits a
    little and tries again rather than telling the manager it is locked. One held for
    good is still refused, after about a second and a half."""
    from datetime import date

    import cip_xl
    from cip_xl import safe_save

    replace, held, pauses = os.replace, [2], []

    def held_for_a_moment(source, target):
        if held[0]:
            held[0] -= 1
            raise PermissionError(13, "The process cannot access the file")
        replace(source, target)

    monkeypatch.setattr(safe_save, "_WINDOWS", True)
    monkeypatch.setattr(safe_save.os, "replace", held_for_a_moment)
    monkeypatch.setattr(safe_save.time, "sleep", pauses.append)
    assert cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31)).saved
    assert pauses == [0.05, 0.1] and cip_xl.load_plan(example_path).settings.reporting_date \
        == date(2027, 1, 31)

    held[0], pauses[:] = 99, []
    before = example_path.read_bytes()
    with pytest.raises(cip_xl.PlanFileError, match="locked or read-only"):
        cip_xl.refresh_status(example_path, as_of=date(2027, 2, 28))
    assert sum(pauses) == pytest.approx(1.55) and example_path.read_bytes() == before


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_saved_files_keep_the_permissions_of_the_shared_folder(example_path, tmp_path):
    """Files cip-xl writes get the permissions any new file gets there (the user's
    umask: on a shared drive colleagues can read them) — not the owner-only ones of a
    temporary file — and a plan saved over keeps the permissions it had."""
    import cip_xl

    umask = os.umask(0o022)
    os.umask(umask)
    usual = 0o666 & ~umask
    assert stat.S_IMODE(example_path.stat().st_mode) == usual
    cip_xl.issue_returns(example_path, tmp_path / "returns")
    cip_xl.report(example_path, tmp_path / "report.docx")
    written = list((tmp_path / "returns").glob("*.xlsx")) + [tmp_path / "report.docx"]
    assert {stat.S_IMODE(p.stat().st_mode) for p in written} == {usual}

    os.chmod(example_path, 0o640)  # the manager's team may read it, nobody else
    before = example_path.read_bytes()
    cip_xl.refresh_status(example_path, as_of=date(2027, 1, 31))
    assert example_path.read_bytes() != before  # saved again...
    assert stat.S_IMODE(example_path.stat().st_mode) == 0o640  # ...as private as it was


@pytest.mark.skipif(os.name == "nt", reason="POSIX permissions")
def test_a_plan_marked_read_only_is_left_as_it_is(example_path):
    """A plan marked read-only (Windows' Read-only box; no write permission for its
    owner) is not saved over — even where the folder would allow it, as it does here
    — and the message says so: one line, exit 2, the plan and backups as they were."""
    before = example_path.read_bytes()
    os.chmod(example_path, 0o444)
    result = run_cli("status", str(example_path), "--as-of", "31/01/2027")
    assert result.returncode == 2, result.stdout + result.stderr
    assert "plan.xlsx is marked read-only" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert example_path.read_bytes() == before
    assert stat.S_IMODE(example_path.stat().st_mode) == 0o444
    assert not backups_of(example_path)
    assert [p.name for p in example_path.parent.iterdir() if p.name.startswith(".")] == []


def test_a_report_open_in_word_is_named_as_such(example_path, tmp_path, monkeypatch):
    """Windows will not replace a report the clerk still has open in Word: the message
    says Word, not Excel, and the report already there is left as it was."""
    import cip_xl

    out = tmp_path / "report.docx"
    cip_xl.report(example_path, out)
    before = out.read_bytes()

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")
    monkeypatch.setattr("os.replace", refuse)
    with pytest.raises(cip_xl.PlanFileError) as refused:
        cip_xl.report(example_path, out)
    assert "open in Word" in refused.value.finding.message
    monkeypatch.undo()
    assert out.read_bytes() == before


def test_returns_not_all_written_are_taken_back(example_path, tmp_path, monkeypatch):
    """If the third return cannot be written (the shared folder fills up), the two
    written before it are removed and the master is not changed: a half-sent round
    of returns would leave departments with returns the master never recorded."""
    import os

    import cip_xl

    before = example_path.read_bytes()
    replace, calls = os.replace, []

    def third_fails(source, target):
        calls.append(target)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return replace(source, target)
    monkeypatch.setattr("os.replace", third_fails)
    folder = tmp_path / "returns"
    with pytest.raises(cip_xl.PlanFileError, match="No space left on device"):
        cip_xl.issue_returns(example_path, folder)
    assert len(calls) == 3
    assert list(folder.iterdir()) == []
    assert example_path.read_bytes() == before


@pytest.mark.parametrize("command", [
    ["returns", "{plan}", "-o", "{blocked}/returns"],
    ["remind", "{plan}", "-o", "{blocked}/reminders"],
    ["demo", "-o", "{blocked}/demo"],
])
def test_an_output_folder_that_cannot_be_made_is_one_clear_line(command, example_path,
                                                                 tmp_path):
    """A file where the output folder should go (or no permission there): one line
    naming the folder, exit 2, the plan as it was — not an internal error."""
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    before = example_path.read_bytes()
    args = [part.format(plan=example_path, blocked=blocked) for part in command]
    result = run_cli(*args)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "[folder-not-made]" in lines[0], result.stderr
    assert str(blocked) in lines[0] and "internal error" not in lines[0]
    assert example_path.read_bytes() == before


@pytest.mark.parametrize("args, code", [
    (("report", "{plan}", "-o", "{tmp}/report.txt"), "output-type"),
    (("merge", "{plan}", "{tmp}/returns", "--report", "{tmp}/merge.docx"), "output-type"),
    (("validate", "{plan}", "--annotate", "-o", "{tmp}/checked.csv"), "output-type"),
    (("validate", "{plan}", "--annotate", "-o", "{plan}"), "output-is-input"),
    (("changes", "{plan}", "--since", "{tmp}/before.xlsx", "--xlsx", "{tmp}/c.csv"),
     "output-type"),
    (("merge", "{plan}", "{tmp}/returns", "--report", "{plan}"), "output-is-input"),
    (("merge", "{plan}", "{tmp}/returns", "--report", "{tmp}/returns/{first_return}"),
     "output-is-input"),
    (("changes", "{plan}", "--since", "{tmp}/before.xlsx", "--xlsx", "{plan}"),
     "output-is-input"),
    (("changes", "{plan}", "--since", "{tmp}/before.xlsx", "--xlsx", "{tmp}/before.xlsx"),
     "output-is-input"),
    (("report", "{plan}", "--template", "{tmp}/ours.docx", "-o", "{tmp}/ours.docx"),
     "output-is-input"),
    (("import", "{tmp}/before.xlsx", "-o", "{tmp}/before.xlsx", "--overwrite"),
     "output-is-input"),
])
def test_an_output_named_as_another_kind_of_file_is_refused_first(args, code, example_path,
                                                                   tmp_path):
    """A Word report called report.txt, a merge report called .docx (Word cannot open
    Markdown), a checked copy or a changes workbook named as a CSV; and a checked copy,
    a merge report or a changes workbook named as the plan itself, a return being
    merged or the copy compared with, a report named as its template, a plan imported
    over the file it comes from (each would have been replaced): refused before any
    work, naming the file, with nothing written and the master as it was."""
    import cip_xl

    cip_xl.issue_returns(example_path, tmp_path / "returns")
    (tmp_path / "before.xlsx").write_bytes(example_path.read_bytes())
    from cip_xl.reporting import template_path

    (tmp_path / "ours.docx").write_bytes(template_path("committee").read_bytes())
    before = example_path.read_bytes()
    files = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    first_return = sorted((tmp_path / "returns").glob("*.xlsx"))[0].name
    result = run_cli(*(a.format(plan=example_path, tmp=tmp_path, first_return=first_return)
                       for a in args))
    assert result.returncode == 2, result.stdout + result.stderr
    assert f"[{code}]" in result.stderr and "Nothing was written" in result.stderr
    assert "internal error" not in result.stderr
    assert example_path.read_bytes() == before
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == files


def test_a_negative_due_soon_window_is_refused(example_path, tmp_path):
    result = run_cli("remind", str(example_path), "--window", "-5", "-o",
                     str(tmp_path / "r"))
    assert result.returncode == 2 and "--window" in result.stderr
    assert not (tmp_path / "r").exists()


def test_an_output_in_a_folder_that_does_not_exist_says_so(example_path, tmp_path):
    """A report sent to a folder that is not there names the folder (before: 'No such
    file or directory', which reads as if the plan were missing)."""
    target = tmp_path / "no such folder" / "report.docx"
    result = run_cli("report", str(example_path), "-o", str(target))
    assert result.returncode == 2
    assert "the folder" in result.stderr and "no such folder does not exist" in result.stderr
    assert "[folder-missing]" in result.stderr and not target.parent.exists()


@pytest.mark.parametrize("typed, said", [
    ("12/31/2026", "dates are written day first: did you mean '31/12/2026'"),
    ("30/02/2027", "Feb 2027 has 28 days: did you mean '28/02/2027'?"),
])
def test_a_date_given_on_the_command_line_the_american_way_is_told_so(example_path, typed,
                                                                      said):
    for args in (("status", str(example_path), "--as-of", typed),
                 ("changes", str(example_path), "--since", typed)):
        result = run_cli(*args)
        assert result.returncode == 2 and said in result.stderr, result.stderr
