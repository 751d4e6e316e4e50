"""Reminders as .eml drafts and over SMTP; the quarter-on-quarter change report."""
from __future__ import annotations

import email
import shutil
import socket
from datetime import date
from email import policy

import openpyxl
import pytest

import cip_xl
from cip_xl.example import example_plan
from cip_xl.synthetic import synthetic_plan

from .conftest import run_cli
from .returns_helpers import edit_return, return_for


def _read(path):
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def test_reminders_name_the_right_officers_and_actions(example_path, tmp_path):
    folder = tmp_path / "reminders"
    result = run_cli("remind", str(example_path), "-o", str(folder))
    assert result.returncode == 0, result.stderr
    assert "Nothing was sent" in result.stdout
    plan = cip_xl.load_plan(example_path)
    drafts = {p.name: _read(p) for p in folder.glob("*.eml")}
    hdc = drafts["reminder-HDC.eml"]
    assert hdc["To"] == "Ruth Whitaker <ruth.whitaker@wrenfield.gov.example>"
    assert hdc["X-Unsent"] == "1"
    body = hdc.get_content()
    assert "Ref 2.5: Test IT disaster recovery" in body and "● Overdue" in body
    assert "Ref 4.3" not in body  # slipped but not overdue, not due soon: not chased
    everything = "\n".join(m.get_content() for m in drafts.values())
    for action in plan.actions:
        if action.status in ("Complete", "Cancelled", "Ongoing", "Deferred"):
            assert f"Ref {action.ref}:" not in everything, action.ref
    assert "Ref 5.4:" in drafts["reminder-HES.eml"].get_content()  # no update since June


def test_missing_emails_and_unreturned_returns(example_path, tmp_path):
    cip_xl.issue_returns(example_path, tmp_path / "returns")
    wb = openpyxl.load_workbook(example_path)
    officers = wb["Officers"]
    for row in officers.iter_rows(min_row=2):
        if row[0].value == "HDC":
            row[3].value = None
    wb.save(example_path)
    reminders, files, findings = cip_xl.api.remind(example_path, tmp_path / "r")
    # still a draft, for the address to be typed in (an imported plan has none at all)
    assert any(f.code == "reminder-no-email" and "HDC" in f.message and
               "reminder-HDC.eml has no To: address" in f.message for f in findings)
    unaddressed = _read(tmp_path / "r" / "reminder-HDC.eml")
    assert unaddressed["To"] is None and unaddressed["X-Unsent"] == "1"
    assert "Ref 2.5: Test IT disaster recovery" in unaddressed.get_content()
    hp = next(r for r in reminders if r.officer.code == "HP")
    assert len(hp.returns_missing) == 1 and "Place" in hp.returns_missing[0]
    assert "has not been received" in _read(tmp_path / "r" / "reminder-HP.eml").get_content()


def test_a_return_nobody_on_the_officers_sheet_owns_is_named(example_path, tmp_path):
    """Returns issued per officer, then the Head of Finance's code deleted from the
    Officers sheet: the HF return still out is chased by nobody — a finding says so,
    and which row of the Officers sheet lost its code — rather than vanishing from
    the reminders."""
    cip_xl.issue_returns(example_path, tmp_path / "returns", by="officer")
    wb = openpyxl.load_workbook(example_path)
    row = next(r for r in wb["Officers"].iter_rows(min_row=2) if r[0].value == "HF")
    row[0].value = None
    wb.save(example_path)
    reminders, _, findings = cip_xl.api.remind(example_path, tmp_path / "r")
    assert "HF" not in {r.officer.code for r in reminders}
    unowned = [f for f in findings if f.code == "reminder-return-unowned"]
    assert len(unowned) == 1 and "The HF return (Return_HF_" in unowned[0].message
    assert f"Row {row[0].row} of the Officers sheet (Head of Finance) has no code: type HF " \
        f"in A{row[0].row}." in unowned[0].message


def test_names_with_commas_titles_with_line_breaks_and_bad_addresses(example_path,
                                                                      tmp_path):
    """An officer called "Whitaker, Ruth" is one recipient, not two; a plan title typed
    with Alt+Enter still makes a subject line; an action with no key action is still
    listed; an address that cannot be mailed is a finding naming the officer, not a
    crash."""
    wb = openpyxl.load_workbook(example_path)
    officers = wb["Officers"]
    for row in officers.iter_rows(min_row=2):
        if row[0].value == "HDC":
            row[2].value = "Whitaker, Ruth"
        if row[0].value == "HES":
            row[3].value = "head of environment at wrenfield"
    settings = wb["Settings"]
    for row in settings.iter_rows(min_row=2):
        if row[0].value == "Plan title":
            row[1].value = "Council Plan\n2026-27"
    for row in wb["Plan"].iter_rows(min_row=2):
        if row[0].value == "2.5":  # overdue, HDC's: its key action left blank
            row[3].value = None
    wb.save(example_path)
    result = run_cli("remind", str(example_path), "-o", str(tmp_path / "r"))
    assert result.returncode == 0, result.stderr
    hdc = _read(tmp_path / "r" / "reminder-HDC.eml")
    assert [a.addr_spec for a in hdc["To"].addresses] == \
        ["ruth.whitaker@wrenfield.gov.example"]
    assert hdc["To"].addresses[0].display_name == "Whitaker, Ruth"
    # the reporting date is when progress is measured, not a deadline already past
    assert hdc["Subject"] == "Council Plan 2026-27: please send your update as at 30 Sep 2026"
    assert "Ref 2.5: (no key action written)" in hdc.get_content()
    assert _read(tmp_path / "r" / "reminder-HES.eml")["To"] is None  # not that text
    reminders, files, findings = cip_xl.api.remind(example_path, tmp_path / "again")
    assert any(f.code == "reminder-email-invalid" and "HES" in f.message for f in findings)



def test_addresses_pasted_from_outlook_or_a_link_or_two_at_once_are_used(example_path,
                                                                        tmp_path):
    """An Email cell pasted from Outlook ("Whitaker, Ruth <...>"), from a hyperlink
    ("mailto:..."), or holding two addresses ("a; b") is read as what it says: no
    warning from validate, and each address on the reminder's To: line. One with a
    space inside ("j smith@...") is still named, by validate and by remind."""
    pasted = {"HDC": "Whitaker, Ruth <ruth.whitaker@wrenfield.gov.example>",
              "HES": "mailto:HES@wrenfield.gov.example",
              "HLD": "ml.price@wrenfield.gov.example; legal.deputy@wrenfield.gov.example",
              "HH": "sam okafor@wrenfield.gov.example"}
    wb = openpyxl.load_workbook(example_path)
    for row in wb["Officers"].iter_rows(min_row=2):
        if row[0].value in pasted:
            row[3].value = pasted[row[0].value]
    wb.save(example_path)
    invalid = [f for f in cip_xl.validate(example_path).findings
               if f.code == "officer-email-invalid"]
    assert [(f.cell, "sam okafor" in f.message) for f in invalid] == \
        [(invalid[0].cell, True)]

    reminders, files, findings = cip_xl.api.remind(example_path, tmp_path / "r")
    assert [f.code for f in findings if "email" in f.code] == ["reminder-email-invalid"]
    to = {path.stem.split("-")[1]: _read(path)["To"] for path in files}
    assert [(a.display_name, a.addr_spec) for a in to["HDC"].addresses] == \
        [("Whitaker, Ruth", "ruth.whitaker@wrenfield.gov.example")]
    assert [a.addr_spec for a in to["HES"].addresses] == ["HES@wrenfield.gov.example"]
    assert [a.addr_spec for a in to["HLD"].addresses] == \
        ["ml.price@wrenfield.gov.example", "legal.deputy@wrenfield.gov.example"]
    assert to["HH"] is None

def test_sending_through_a_local_smtp_server(example_path, tmp_path):
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Message

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    wb = openpyxl.load_workbook(example_path)  # one officer without an address
    for row in wb["Officers"].iter_rows(min_row=2):
        if row[0].value == "HDC":
            row[3].value = None
    wb.save(example_path)
    controller = aiosmtpd.Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        result = run_cli("remind", str(example_path), "-o", str(tmp_path / "r"), "--send",
                         "--smtp", "127.0.0.1", "--port", str(port),
                         "--from", "improvement@wrenfield.gov.example")
    finally:
        controller.stop()
    assert result.returncode == 0, result.stderr
    # each reminder sent is moved into sent/; HDC's, with no address, is left unsent
    left = sorted(p.name for p in (tmp_path / "r").glob("*.eml"))
    sent = sorted((tmp_path / "r" / "sent").glob("*.eml"))
    assert left == ["reminder-HDC.eml"] and len(received) == len(sent) >= 3
    assert "1 draft(s) without a To: address were not sent" in result.stdout
    recipients = sorted(m["To"] for m in received)
    assert recipients == sorted(_read(p)["To"] for p in sent)
    assert all(m["X-Unsent"] is None for m in received)  # a sent mail is no draft
    assert all(m["From"] == "improvement@wrenfield.gov.example" for m in received)


def test_change_report_across_two_merged_quarters(tmp_path):
    plan = synthetic_plan(120, directorates=4, seed=21, as_of=date(2026, 6, 30))
    path = tmp_path / "plan.xlsx"
    cip_xl.save_plan(plan, path)
    cip_xl.issue_returns(path, tmp_path / "q1")
    quarter_one = tmp_path / "plan-q1.xlsx"
    quarter_one.write_bytes(path.read_bytes())

    # quarter 2: one directorate reports, an action is cancelled, the date moves on
    department = cip_xl.load_plan(path).returns_log[0].department
    returned = return_for(tmp_path / "q1", department.replace(" ", "_"))
    wb = openpyxl.load_workbook(returned)
    ws = wb["Return"]
    refs = [ws.cell(r, 1).value for r in range(2, ws.max_row + 1)]
    statuses = {r: ws.cell(i + 2, 10).value for i, r in enumerate(refs)}
    open_refs = [r for r in refs if statuses[r] not in ("Complete", "Cancelled")]
    edit_return(returned, {(open_refs[0], "Status"): "Complete",
                           (open_refs[1], "Status"): "Cancelled"})
    cip_xl.merge(path, [returned])
    later = cip_xl.load_plan(path)
    later.settings.reporting_date = date(2026, 9, 30)
    target = next(a for a in later.actions if a.ref == open_refs[2])
    target.revised_date = date(2027, 12, 31)
    cip_xl.save_plan(later, path)

    report = cip_xl.api.changes(path, str(quarter_one))
    kinds = {(c.ref, c.kind) for c in report.changes}
    assert (open_refs[0], "completed") in kinds and (open_refs[1], "cancelled") in kinds
    assert (open_refs[2], "date slip") in kinds
    # who made each, from the Audit sheet: the return; a date set by a library caller
    # in its own plan object is not on the trail
    by = {(c.ref, c.kind): c.by for c in report.changes}
    assert by[(open_refs[0], "completed")].startswith(f"{department} return (")
    assert by[(open_refs[2], "date slip")] == ""
    assert report.before_date == date(2026, 6, 30) and report.after_date == date(2026, 9, 30)
    assert {t.theme for t in report.themes} == {t.name for t in later.themes}
    assert all(t.direction[0] in "↑↓→" for t in report.themes)

    out = tmp_path / "changes.xlsx"
    result = run_cli("changes", str(path), "--since", str(quarter_one), "--xlsx", str(out))
    assert result.returncode == 0, result.stderr
    assert "Changes from 30/06/2026 to 30/09/2026 (reporting dates)" in result.stdout
    rows = list(openpyxl.load_workbook(out)["Changes"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Ref", "Theme", "Key action", "Change")
    shared = openpyxl.load_workbook(out)  # an accessible file to share
    assert (shared.properties.title, shared.properties.language) == \
        ("Changes to the plan, 30/06/2026 to 30/09/2026", "en-GB")
    for sheet in shared.worksheets:  # each table's headings marked as such
        assert [t.ref for t in sheet.tables.values()] == \
            [f"A1:{sheet.cell(1, sheet.max_column).column_letter}{sheet.max_row}"]
    assert (open_refs[0], "completed") in {(r[0], r[3]) for r in rows[1:]}

    doc = tmp_path / "report.docx"
    made = run_cli("report", str(path), "-o", str(doc), "--since", str(quarter_one))
    assert made.returncode == 0, made.stderr
    import docx
    text = "\n".join(p.text for p in docx.Document(doc).paragraphs)
    assert "Since the last report" in text and f"Ref {open_refs[0]}" in text


def test_since_a_date_picks_the_newest_backup_before_it(example_path):
    plan = example_plan()
    plan.actions[0].status = "Cancelled"
    cip_xl.save_plan(plan, example_path)  # makes a backup of the first version
    report = cip_xl.api.changes(example_path, date.today().strftime("%d/%m/%Y"))
    assert [(c.ref, c.kind) for c in report.changes] == [("1.1", "cancelled")]
    # a day, month or quarter in words: its last day ("June 2026" is 30/06/2026)
    for words in (f"{date.today():%d %B %Y}", f"{date.today():%B %Y}"):
        said = cip_xl.api.changes(example_path, words)
        assert [(c.ref, c.kind) for c in said.changes] == [("1.1", "cancelled")], words
    gone = run_cli("changes", str(example_path), "--since", "June 2020")
    assert gone.returncode == 2 and "from on or before 30/06/2020" in gone.stderr
    # at a prompt, "today" is a day; "last quarter" the end of the quarter before the
    # one holding the reporting date (the example plan's is 30/09/2026)
    assert cip_xl.api.changes(example_path, "today").changes == report.changes
    quarter = run_cli("changes", str(example_path), "--since", "last quarter")
    assert quarter.returncode == 2 and "from on or before 30/06/2026" in quarter.stderr
    bad = run_cli("changes", str(example_path), "--since", "last Tuesday")
    assert bad.returncode == 2 and "neither a backup file nor a date" in bad.stderr
    assert "'last quarter'" in bad.stderr
    too_early = run_cli("changes", str(example_path), "--since", "30/06/2020")
    assert too_early.returncode == 2 and "[since-no-backup]" in too_early.stderr
    assert f"The oldest there is from {date.today():%d/%m/%Y}." in too_early.stderr
    assert "--since FILE" in too_early.stderr
    shutil.rmtree(example_path.parent / "backups")
    none = run_cli("changes", str(example_path), "--since", "30/06/2020")
    # the plan records a save whose backup is not there: moved without its backups?
    assert "holds neither the copy of that save nor the backup it made" in none.stderr
    assert "move the backups folder" in none.stderr


def test_the_change_report_says_who_moved_a_date_in_the_master(example_path, tmp_path):
    """A revised date typed into the master in Excel by a colleague: the change report
    since the last quarter's copy shows the slip, made by an edit in the master, by
    name (from the Audit sheet the next save wrote)."""
    quarter = tmp_path / "plan-q2.xlsx"
    shutil.copy(example_path, quarter)
    plan = cip_xl.load_plan(example_path)
    action = next(a for a in plan.actions if a.status not in ("Complete", "Cancelled"))
    wb = openpyxl.load_workbook(example_path)
    ws = wb["Plan"]
    column = next(c.column for c in ws[1] if c.value == "Revised date")
    ws.cell(action.row, column).value = "Dec 2028"
    wb.properties.lastModifiedBy = "Jane Smith"
    wb.save(example_path)
    assert cip_xl.refresh_status(example_path).saved

    report = cip_xl.api.changes(example_path, str(quarter))
    slips = [c for c in report.changes if c.kind == "date slip"]
    assert [c.ref for c in slips] == [action.ref]
    assert slips[0].by.startswith("Edited in the master (last saved by Jane Smith")
    shown = run_cli("changes", str(example_path), "--since", str(quarter))
    assert shown.returncode == 0, shown.stderr
    words = shown.stdout.split()  # the table folds the By column over lines
    assert {"Edited", "master", "(Jane", "Smith)"} <= set(words)
    assert not any(word.startswith("saved") for word in words)  # briefly: name only


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_mail_server_that_cannot_be_reached_is_named_and_nothing_is_lost(
        example_path, tmp_path):
    folder = tmp_path / "r"
    result = run_cli("remind", str(example_path), "-o", str(folder), "--send",
                     "--smtp", "127.0.0.1", "--port", str(_free_port()))
    assert result.returncode == 2, result.stdout + result.stderr
    assert "internal error" not in result.stderr
    assert "could not be reached" in result.stderr and "nothing was sent" in result.stderr
    assert "[smtp-unreachable]" in result.stderr
    assert len(list(folder.glob("*.eml"))) >= 3 and not (folder / "sent").exists()


def test_an_address_refused_leaves_its_draft_and_a_second_run_sends_only_it(
        example_path, tmp_path):
    """The server refuses one officer's address: the others go (each moved into sent/),
    that draft stays with a finding naming it and the exit code says so. Run again once
    the address is right, only that reminder goes: those sent today are not sent
    twice."""
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Message

    received, refusing = [], {"on": True}
    folder = tmp_path / "r"

    class Collect(Message):
        async def handle_RCPT(self, server, session, envelope, address, options):
            if refusing["on"] and address.startswith("megan.price@"):
                return "550 5.1.1 No such mailbox"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        def handle_message(self, message):
            received.append(message)

    port = _free_port()
    controller = aiosmtpd.Controller(Collect(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        first = run_cli("remind", str(example_path), "-o", str(folder), "--send",
                        "--smtp", "127.0.0.1", "--port", str(port))
        drafts_left = sorted(p.name for p in folder.glob("*.eml"))
        sent_first = sorted(p.name for p in (folder / "sent").glob("*.eml"))
        count_first = len(received)
        refusing["on"] = False
        second = run_cli("remind", str(example_path), "-o", str(folder), "--send",
                         "--smtp", "127.0.0.1", "--port", str(port))
    finally:
        controller.stop()
    assert first.returncode == 1, first.stdout + first.stderr
    assert "reminder-HES.eml" in first.stdout and "No such mailbox" in first.stdout
    assert drafts_left == ["reminder-HES.eml"]
    assert count_first == len(sent_first) >= 3 and "reminder-HES.eml" not in sent_first
    kept = _read(folder / "sent" / sent_first[0])
    assert kept["X-Unsent"] is None and kept["To"]  # what went, not a draft
    assert second.returncode == 0, second.stdout + second.stderr
    assert [m["To"] for m in received[count_first:]] == \
        [str(_read(folder / "sent" / "reminder-HES.eml")["To"])]
    assert f"{len(sent_first)} went out earlier today" in second.stdout
    assert sorted(p.name for p in folder.glob("*.eml")) == []


def test_a_login_the_server_refuses_sends_nothing(example_path, tmp_path, monkeypatch):
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")
    from aiosmtpd.handlers import Message
    from aiosmtpd.smtp import AuthResult

    received = []

    class Collect(Message):
        def handle_message(self, message):
            received.append(message)

    port = _free_port()
    controller = aiosmtpd.Controller(
        Collect(), hostname="127.0.0.1", port=port, auth_require_tls=False,
        authenticator=lambda *args: AuthResult(success=False, handled=False))
    controller.start()
    monkeypatch.setenv("CIP_XL_SMTP_PASSWORD", "wrong")
    folder = tmp_path / "r"
    try:
        result = run_cli("remind", str(example_path), "-o", str(folder), "--send",
                         "--smtp", "127.0.0.1", "--port", str(port), "--user", "clerk")
    finally:
        controller.stop()
    assert result.returncode == 2, result.stdout + result.stderr
    assert "refused the login for clerk" in result.stderr and "[smtp-login-refused]" in \
        result.stderr and "CIP_XL_SMTP_PASSWORD" in result.stderr
    assert received == [] and not (folder / "sent").exists()


def test_a_connection_lost_part_way_names_each_reminder_not_sent(example_path, tmp_path):
    """The server drops the connection at the second reminder: the first is in sent/,
    the others stay as drafts, each named, and running again sends only those."""
    aiosmtpd = pytest.importorskip("aiosmtpd.controller")

    received, drop = [], {"at": 2}

    class Dropping:
        async def handle_DATA(self, server, session, envelope):
            if len(received) + 1 == drop["at"]:
                server.transport.close()  # gone mid-conversation
                return "421 closing"
            received.append(envelope.rcpt_tos[0])
            return "250 OK"

    port = _free_port()
    controller = aiosmtpd.Controller(Dropping(), hostname="127.0.0.1", port=port)
    controller.start()
    folder = tmp_path / "r"
    try:
        first = run_cli("remind", str(example_path), "-o", str(folder), "--send",
                        "--smtp", "127.0.0.1", "--port", str(port))
        left = sorted(p.name for p in folder.glob("*.eml"))
        sent_first = list((folder / "sent").glob("*.eml"))
        drop["at"] = 0
        second = run_cli("remind", str(example_path), "-o", str(folder), "--send",
                         "--smtp", "127.0.0.1", "--port", str(port))
    finally:
        controller.stop()
    assert first.returncode == 1, first.stdout + first.stderr
    assert len(sent_first) == 1
    assert "stopped answering" in first.stdout and len(left) >= 2
    assert all(name in first.stdout for name in left)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "1 went out earlier today" in second.stdout
    assert len(received) == len(set(received)) == len(left) + 1  # each officer once
    assert list(folder.glob("*.eml")) == []


def test_lead_officers_written_by_title_or_name_are_the_officers(example_path, tmp_path):
    """A Lead officer cell holding an officer's title ('Head of Digital & Customer') or
    name ('Ruth Whitaker') rather than the code means that officer everywhere: no
    validation error, the action's directorate, its place in a return split by officer,
    and the officer's reminder. A surname alone is an error that suggests the officer;
    a cell naming two ('HDC and Head of Finance') names both."""
    wb = openpyxl.load_workbook(example_path)
    officers = {row[0]: row for row in wb["Officers"].iter_rows(min_row=2,
                                                                     values_only=True)}
    hdc = officers["HDC"]
    plan_sheet = wb["Plan"]
    heads = {c.value: c.column for c in plan_sheet[1]}
    rows = {plan_sheet.cell(r, 1).value: r for r in range(2, plan_sheet.max_row + 1)}
    lead = heads["Lead officer"]
    before = cip_xl.load_plan(example_path)
    hdc_refs = [a.ref for a in before.actions if a.lead_officer == "HDC"]
    plan_sheet.cell(rows[hdc_refs[0]], lead).value = hdc[1]  # the title
    plan_sheet.cell(rows[hdc_refs[1]], lead).value = hdc[2].upper()  # the name, any case
    surname = hdc[2].split()[-1]
    plan_sheet.cell(rows["1.1"], lead).value = surname
    plan_sheet.cell(rows["1.2"], lead).value = f"HDC and {officers['HF'][1]}"
    wb.save(example_path)

    report = cip_xl.validate(example_path)
    unknown = [f for f in report.findings if f.code == "officer-unknown"]
    assert [f.ref for f in unknown] == ["1.1"]
    assert f"Did you mean HDC ({hdc[2]})?" in unknown[0].message
    plan = report.plan
    reader = plan.lead_officer_reader()
    by_ref = {a.ref: a for a in plan.actions}
    assert reader(by_ref["1.2"]) == ["HDC", "HF"]
    cip_xl.api.refresh_status(example_path)
    plan = cip_xl.load_plan(example_path)
    for ref in hdc_refs[:2]:
        assert next(a for a in plan.actions if a.ref == ref).directorate == hdc[4]

    issued = cip_xl.issue_returns(example_path, tmp_path / "returns", by="officer")
    hdc_return = next(item for item in issued if item.department == "HDC")
    rows_issued = [r[0] for r in openpyxl.load_workbook(hdc_return.path)["Return"]
                   .iter_rows(min_row=2, values_only=True)]
    assert set(hdc_refs) <= set(rows_issued)

    reminders, _, findings = cip_xl.api.remind(example_path, tmp_path / "r",
                                               as_of=date(2027, 6, 30))
    hdc_reminder = next(r for r in reminders if r.officer.code == "HDC")
    named = {a.ref for a, _ in hdc_reminder.overdue + hdc_reminder.due_soon +
             hdc_reminder.no_update}
    assert set(hdc_refs[:2]) & named
    assert not any(f.code == "reminder-officer-unknown" and f.ref in hdc_refs for f in findings)
