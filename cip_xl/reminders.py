"""Chasing: one reminder per lead officer, as .eml drafts or sent by SMTP.

An officer is reminded of their actions that are overdue, due within the window, or
without an update this period, and of their department's return if it has not come
back. Completed, cancelled, ongoing and deferred actions are never chased. An officer
with no usable email address still gets a draft, without a To: address (Outlook opens
it for one to be typed in), and a finding that says so; :func:`send` leaves such drafts
unsent. Sending is explicit: drafts are the default, and :func:`send` is a separate step.
"""
from __future__ import annotations

import contextlib
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from .dates import describe
from .findings import ERROR, WARNING, Finding, PlanFileError
from .returns import current_returns
from .model import Action, Officer, Plan
from .schema import normalise_status
from .status import Judgement, refresh

NOT_CHASED = {"Complete", "Cancelled", "Ongoing", "Deferred"}


@dataclass
class Reminder:
    """What one officer is reminded of."""

    officer: Officer
    overdue: list[tuple[Action, Judgement]] = field(default_factory=list)
    due_soon: list[tuple[Action, Judgement]] = field(default_factory=list)
    no_update: list[tuple[Action, Judgement]] = field(default_factory=list)
    returns_missing: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.overdue or self.due_soon or self.no_update or self.returns_missing)


def collect(plan: Plan, as_of: date | None = None,
            window_days: int | None = None) -> tuple[list[Reminder], list[Finding]]:
    """The reminders due as of ``as_of`` (default: the reporting date), and findings."""
    as_of = as_of or plan.settings.reporting_date or date.today()
    window = plan.settings.amber_window_days if window_days is None else window_days
    judgements = refresh(plan, as_of)
    by_code = {o.code.upper(): Reminder(o) for o in plan.officers if o.code}
    findings: list[Finding] = []
    leads = plan.lead_officer_reader()  # by code, title or name
    for action in plan.actions:
        status = normalise_status(action.status) or ""
        if status in NOT_CHASED:
            continue
        judgement = judgements[action.action_id]
        if judgement.verdict.word == "Overdue":
            bucket = "overdue"
        elif judgement.due and as_of <= judgement.due <= as_of + timedelta(days=window):
            bucket = "due_soon"
        elif judgement.verdict.word == "No update":
            bucket = "no_update"
        else:
            continue
        for code in leads(action):
            reminder = by_code.get(code.upper())
            if reminder is None:
                advice = leads.advice(code)
                findings.append(Finding("reminder-officer-unknown", WARNING,
                                        f"Ref {action.ref}: lead officer {code} is not on the "
                                        "Officers sheet, so nobody is reminded of it."
                                        + (f" {advice}" if advice else ""),
                                        ref=action.ref))
                continue
            getattr(reminder, bucket).append((action, judgement))
    for record in current_returns(plan):
        if record.merged:
            continue
        chased = False
        for reminder in by_code.values():
            officer = reminder.officer
            if record.department in (officer.directorate, officer.code.upper()):
                reminder.returns_missing.append(record.file)
                chased = True
        if not chased:  # its officer's code or directorate gone from the Officers sheet
            advice = leads.advice(record.department)
            findings.append(Finding(
                "reminder-return-unowned", WARNING,
                f"The {record.department} return ({record.file}) is not back, and no "
                f"officer on the Officers sheet has the code or directorate "
                f"{record.department}, so nobody is reminded of it."
                + (f" {advice}" if advice else ""), sheet="Officers"))
    reminders = [r for r in by_code.values() if not r.empty]
    for reminder in reminders:
        officer = reminder.officer
        who = officer.title or officer.name or "no title"
        draft = f"{draft_name(officer)} has no To: address: type it in before sending it " \
            "(--send leaves it unsent), or add it to the Officers sheet and write the " \
            "reminders again."
        if not officer.email.strip():
            findings.append(Finding("reminder-no-email", WARNING,
                                    f"{officer.code} ({who}) has things to chase but no "
                                    f"email address on the Officers sheet: {draft}",
                                    sheet="Officers"))
        elif recipients(officer) is None:
            findings.append(Finding("reminder-email-invalid", WARNING,
                                    f"{officer.code} ({who}) has things to chase but the "
                                    f"email address '{officer.email.strip()[:80]}' on the "
                                    f"Officers sheet is not one a message can be sent to: "
                                    f"{draft}", sheet="Officers"))
    return reminders, findings


def _one_line(text: str) -> str:
    """``text`` fit for an email header: a cell's line breaks become spaces."""
    return " ".join(str(text).split())


def recipients(officer: Officer) -> list[Address] | None:
    """The officer as email recipients ("Name" <address>): each address in their Email
    cell (see :mod:`cip_xl.mail_addresses`), named as it was pasted or else by the
    officer's name; None if the cell is blank or holds something that is not one."""
    from .mail_addresses import addresses_in

    found = addresses_in(officer.email)
    if not found:
        return None
    named = _one_line(officer.name or officer.title)
    addresses = []
    for shown, email in found:
        try:
            address = Address(display_name=shown or (named if len(found) == 1 else ""),
                              addr_spec=email)
        except (ValueError, IndexError, TypeError):
            return None
        if not (address.username and address.domain):
            return None
        addresses.append(address)
    return addresses


def _line(action: Action, judgement: Judgement) -> str:
    first = next((line.strip() for line in action.key_action.splitlines() if line.strip()),
                 "(no key action written)")
    return f"  • Ref {action.ref}: {first[:90]} — " \
           f"{judgement.label}: {judgement.reason}"


def compose(reminder: Reminder, plan: Plan, sender: str, as_of: date) -> EmailMessage:
    """The email for one reminder (plain text; UTF-8); without a To: header when the
    officer has no usable email address."""
    officer = reminder.officer
    settings = plan.settings
    to = recipients(officer)
    message = EmailMessage()
    if to is not None:  # else a draft for the address to be typed in
        message["To"] = to
    message["From"] = _one_line(sender)
    # the reporting date is what progress is measured at (usually already past when
    # reminders go out), not a deadline
    message["Subject"] = _one_line(f"{settings.plan_title}: please send your update as "
                                   f"at {describe(as_of)}")
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain="cip-xl.invalid")
    message["X-Unsent"] = "1"  # Outlook opens an .eml with this header as a draft
    lines = [f"Dear {_one_line(officer.name or officer.title or officer.code)},", "",
             f"This is a reminder about the {_one_line(settings.plan_title)} actions you lead "
             f"({officer.code}), as at {describe(as_of)}.", ""]
    for title, items in (("Overdue", reminder.overdue),
                         ("Due soon", reminder.due_soon),
                         ("No update this period", reminder.no_update)):
        if items:
            lines.append(f"{title}:")
            lines += [_line(a, j) for a, j in items]
            lines.append("")
    if reminder.returns_missing:
        lines.append("Your return has not been received yet:")
        lines += [f"  • {name}" for name in reminder.returns_missing]
        lines.append("")
    lines += ["Please update the progress, % complete and status, or propose a new date "
              "with the reason, in your return.", "",
              f"Thank you,\n{settings.report_author or 'Improvement team'}"]
    if settings.contact:
        lines.append(settings.contact)
    message.set_content("\n".join(lines))
    return message


def safe_stem(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", text).strip("-") or "officer"


def draft_name(officer: Officer) -> str:
    """The file name of ``officer``'s reminder draft."""
    return f"reminder-{safe_stem(officer.code)}.eml"


def write_drafts(reminders: list[Reminder], plan: Plan, folder: Path, sender: str,
                 as_of: date) -> list[Path]:
    """Write one .eml draft per officer (without a To: where they have no usable
    address, as :func:`collect` reports); return the files."""
    from .safe_save import atomic_write_bytes, make_folder

    make_folder(folder)
    written = []
    for reminder in reminders:
        message = compose(reminder, plan, sender, as_of)
        path = folder / draft_name(reminder.officer)
        atomic_write_bytes(bytes(message), path)
        written.append(path)
    return written


#: the folder, inside the drafts' folder, that each reminder sent is moved into
SENT_FOLDER = "sent"


@dataclass
class Sending:
    """What :func:`send` did with the drafts: each ``sent`` (moved into
    :data:`SENT_FOLDER`), each left with ``no_address``, each ``already_sent`` today
    (the same reminder, word for word, is in :data:`SENT_FOLDER` with today's date:
    the run before was cut short), and a finding for each one the server ``refused``
    or that was not sent because the connection was lost."""

    sent: list[Path] = field(default_factory=list)
    no_address: list[Path] = field(default_factory=list)
    already_sent: list[Path] = field(default_factory=list)
    refused: list[Finding] = field(default_factory=list)


def _sent_today(path: Path, message: EmailMessage, today: date) -> bool:
    """Whether the reminder in the draft at ``path`` went out today already: the copy
    of the one sent under its name has today's date and the same addressee, subject
    and words."""
    from email import policy
    from email.parser import BytesParser
    from email.utils import parsedate_to_datetime

    kept = path.parent / SENT_FOLDER / path.name
    try:
        before = BytesParser(policy=policy.default).parsebytes(kept.read_bytes())
        when = parsedate_to_datetime(str(before["Date"]))
    except (OSError, TypeError, ValueError):
        return False
    return when.date() == today and all(
        str(before[header]) == str(message[header]) for header in ("To", "Subject")) and \
        before.get_content() == message.get_content()


def _kept_as_sent(path: Path, message: EmailMessage) -> None:
    """Move the draft at ``path`` into :data:`SENT_FOLDER` as ``message`` was sent (a
    later draft for the same officer replaces it)."""
    from .safe_save import atomic_write_bytes, make_folder

    folder = make_folder(path.parent / SENT_FOLDER)
    atomic_write_bytes(bytes(message), folder / path.name)
    path.unlink(missing_ok=True)


def _server_said(exc: BaseException) -> str:
    """What an SMTP or network error says, for a person."""
    import smtplib

    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode("utf-8", "replace") if isinstance(
            exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {_one_line(text)}"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return _one_line(str(exc)) or type(exc).__name__


def send(paths: list[Path], host: str, port: int = 25, *, starttls: bool = False,
         username: str | None = None, password: str | None = None,
         timeout: int = 30, today: date | None = None) -> Sending:
    """Send the .eml drafts at ``paths`` through the SMTP server at ``host``:``port``.

    Each one sent is moved into :data:`SENT_FOLDER` beside it, dated when it went, so
    that the drafts' folder holds only what is still to go. A draft without a To:
    address (an officer with no usable one) is left unsent, as is one whose reminder
    went out word for word earlier ``today`` (a run cut short, run again, sends each
    reminder once). A server that cannot be reached or refuses the login is a
    :class:`PlanFileError` saying so, nothing sent; an address the server refuses, or a
    connection lost part way, is a finding for each draft not sent, the others going
    (or gone) as usual."""
    import smtplib
    from email import policy
    from email.parser import BytesParser

    today = today or date.today()
    outcome = Sending()
    waiting: list[tuple[Path, EmailMessage]] = []
    for path in paths:
        message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
        if not message["To"]:
            outcome.no_address.append(path)
        elif _sent_today(path, message, today):
            outcome.already_sent.append(path)
            path.unlink(missing_ok=True)  # the drafts' folder holds what is still to go
        else:
            waiting.append((path, message))
    if not waiting:
        return outcome
    folder = waiting[0][0].parent
    server_name = f"{host}:{port}"
    try:
        server = smtplib.SMTP(host, port, timeout=timeout)
    except (OSError, smtplib.SMTPException) as exc:
        raise PlanFileError(Finding(
            "smtp-unreachable", ERROR,
            f"The mail server {server_name} could not be reached ({_server_said(exc)}): "
            "nothing was sent. Check --smtp and --port (the IT desk knows the council's "
            f"mail relay), or open the drafts in {folder} in Outlook and send them from "
            "there.", str(folder))) from None
    try:
        try:
            if starttls:
                server.starttls()
            if username:
                server.login(username, password or "")
        except smtplib.SMTPAuthenticationError as exc:
            raise PlanFileError(Finding(
                "smtp-login-refused", ERROR,
                f"The mail server {server_name} refused the login for {username} "
                f"({_server_said(exc)}): nothing was sent. Check --user and the password "
                "in CIP_XL_SMTP_PASSWORD.", str(folder))) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise PlanFileError(Finding(
                "smtp-unreachable", ERROR,
                f"The mail server {server_name} did not accept the connection "
                f"({_server_said(exc)}): nothing was sent. Check --smtp, --port and "
                "--starttls with the IT desk.", str(folder))) from None
        for index, (path, message) in enumerate(waiting):
            del message["X-Unsent"]  # a mail sent is no draft
            del message["Date"]
            message["Date"] = formatdate(localtime=True)  # when it went
            try:
                server.send_message(message)
            except (smtplib.SMTPRecipientsRefused, smtplib.SMTPDataError) as exc:
                if isinstance(exc, smtplib.SMTPRecipientsRefused):  # this address
                    said = "; ".join(_server_said(smtplib.SMTPResponseException(code, text))
                                     for code, text in exc.recipients.values())
                    what = f"{message['To']} ({said}). Check that officer's email on the " \
                        "Officers sheet;"
                else:  # this message: too big, say
                    what = f"it ({_server_said(exc)});"
                outcome.refused.append(Finding(
                    "reminder-refused", ERROR,
                    f"{path.name} was not sent: the mail server refused {what} the draft "
                    "is still there to send from Outlook.", str(path)))
                continue
            except (OSError, smtplib.SMTPException) as exc:
                why = _server_said(exc)
                stopped = (f"refused to send from {message['From']} ({why}): give --from "
                           "an address the server sends for" if isinstance(
                               exc, smtplib.SMTPSenderRefused) else
                           f"stopped answering ({why}). Run the command again: the "
                           "reminders sent today are not sent twice")
                for unsent, _ in waiting[index:]:
                    outcome.refused.append(Finding(
                        "reminder-not-sent", ERROR,
                        f"{unsent.name} was not sent: the mail server {server_name} "
                        f"{stopped}.", str(unsent)))
                break
            _kept_as_sent(path, message)
            outcome.sent.append(path)
    finally:  # a server that stopped answering cannot say goodbye either
        with contextlib.suppress(OSError, smtplib.SMTPException):
            server.quit()
        server.close()
    return outcome
