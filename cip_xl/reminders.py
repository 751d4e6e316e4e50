"""Chasing: one reminder per lead officer, as .eml drafts or sent by SMTP.

An officer is reminded of their actions that are overdue, due within the window, or
without an update this period, and of their department's return if it has not come
back. Completed, cancelled, ongoing and deferred actions are never chased. An officer
with no usable email address still gets a draft, without a To: address (Outlook opens
it for one to be typed in), and a finding that says so; :func:`send` leaves such drafts
unsent. Sending is explicit: drafts are the default, and :func:`send` is a separate step.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from .dates import describe
from .findings import WARNING, Finding
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
        for code in action.lead_officers:
            reminder = by_code.get(code.upper())
            if reminder is None:
                findings.append(Finding("reminder-officer-unknown", WARNING,
                                        f"Ref {action.ref}: lead officer {code} is not on the "
                                        "Officers sheet, so nobody is reminded of it.",
                                        ref=action.ref))
                continue
            getattr(reminder, bucket).append((action, judgement))
    for record in current_returns(plan):
        if record.merged:
            continue
        for reminder in by_code.values():
            officer = reminder.officer
            if record.department in (officer.directorate, officer.code.upper()):
                reminder.returns_missing.append(record.file)
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
        elif recipient(officer) is None:
            findings.append(Finding("reminder-email-invalid", WARNING,
                                    f"{officer.code} ({who}) has things to chase but the "
                                    f"email address '{officer.email.strip()[:80]}' on the "
                                    f"Officers sheet is not one a message can be sent to: "
                                    f"{draft}", sheet="Officers"))
    return reminders, findings


def _one_line(text: str) -> str:
    """``text`` fit for an email header: a cell's line breaks become spaces."""
    return " ".join(str(text).split())


def recipient(officer: Officer) -> Address | None:
    """The officer as an email recipient ("Name" <address>), or None if the address on
    the Officers sheet is not a usable one."""
    email = officer.email.strip()
    if not email or any(ch.isspace() for ch in email) or email.count("@") != 1:
        return None
    try:
        address = Address(display_name=_one_line(officer.name or officer.title),
                          addr_spec=email)
    except (ValueError, IndexError, TypeError):
        return None
    return address if address.username and address.domain else None


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
    to = recipient(officer)
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


def send(paths: list[Path], host: str, port: int = 25, *, starttls: bool = False,
         username: str | None = None, password: str | None = None,
         timeout: int = 30) -> int:
    """Send the .eml files through an SMTP server; return how many were sent. A draft
    without a To: address (an officer with no usable one) is left unsent."""
    import smtplib
    from email import policy
    from email.parser import BytesParser

    sent = 0
    with smtplib.SMTP(host, port, timeout=timeout) as server:
        if starttls:
            server.starttls()
        if username:
            server.login(username, password or "")
        for path in paths:
            message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
            if not message["To"]:
                continue
            del message["X-Unsent"]
            server.send_message(message)
            sent += 1
    return sent
