"""The tracker's commands: what the pages' POSTs call (`portal.web.change` runs them).

Each takes the user and the values, applies the rules (`lifecycle`, `reminders`) and raises
`DomainError` when refused; none reads the request or commits. Files attached to an answer
go into the file store in the same transaction as the rows that name them (`portal.storage`
removes them again from a store outside the database if it does not commit): nothing is
ever half-saved.
"""
from __future__ import annotations

import smtplib
from dataclasses import dataclass, field
from email.message import Message
from typing import Callable

from flask import current_app
from portal.admin.models import Agency
from portal.auth.models import User
from portal.extensions import db
from portal.tracker import lifecycle, reminders, services, uploads
from portal.tracker.mail import MailSettings, send_all
from portal.tracker.models import Assignment, AssignmentStep, Attachment
from portal.tracker.services import Filters, Today

# --------------------------------------------------------------------------- one assignment


def act(assignment: Assignment, name: str, user: User, text: str = "", *,
        files: list[uploads.CheckedFile] | tuple = (),
        coordinator_id: int | None = None, **data) -> AssignmentStep:
    """Take lifecycle action `name` (its step, its notifications), then keep the answer's
    checked `files` in the file store with their rows. Returns the step.

    Raises TransitionError when the move is refused, UploadError (at `files`, 422) when the
    server cannot store a file; a concurrent move of the same assignment fails here, at the
    flush (StaleDataError), before any file is written."""
    if coordinator_id is not None:
        data["agency"] = db.session.get(Agency, coordinator_id)
    step = lifecycle.apply(assignment, name, user, text, **data)
    db.session.flush()  # the step's id; and the version check, before writing any file
    for checked in files:
        stored = uploads.store(checked)
        db.session.add(Attachment(
            assignment_id=assignment.id, step_id=step.id, filename=checked.filename,
            stored_name=stored, content_type=checked.content_type, size=checked.size,
            sha256=checked.sha256, uploaded_by_id=user.id))
    return step


# --------------------------------------------------------------------------- reminders

@dataclass
class Reminded:
    """A bulk reminder recorded (notifications, steps); its e-mail goes after the commit
    (`send_mail`), which notes here whether it went out."""

    outcome: reminders.Outcome
    batch_full: bool
    settings: MailSettings | None = None
    messages: list[Message] = field(default_factory=list)
    mailed: int | None = None  # messages sent; None while not (yet) sent
    mail_failed: bool = False

    def send_mail(self) -> None:
        """Send the reminder e-mails (one connection); an unreachable or refusing server is
        noted, not raised: the reminders are saved whatever happens to the mail."""
        if not self.messages or self.settings is None:
            return
        try:
            self.mailed = send_all(self.settings, self.messages)
        except (OSError, smtplib.SMTPException) as err:
            current_app.logger.warning("reminder mail failed: %s", err)
            self.mail_failed = True


def remind(user: User, filters: Filters, today: Today, *, selected: list[int] | None = None,
           note: str = "", list_link: Callable[[Agency], str] = lambda agency: "",
           item_link: Callable[[Assignment], str] = lambda item: "",
           deadline_text: Callable[[Assignment], str] = lambda item: "",
           settings: MailSettings | None = None) -> Reminded:
    """Remind the agencies about the `selected` items (ids), or about every late or due-soon
    item under `filters`: a notification per agency, a step per item, and, when SMTP is
    set up, the e-mails to send once committed (`Reminded.send_mail`)."""
    limit = reminders.BATCH_LIMIT
    items = services.to_remind(user, filters, today, selected=selected, limit=limit)
    note = (note or "").strip()
    outcome = reminders.remind(items, user, note=note, lateness=today.lateness, link=list_link)
    messages = reminders.mail_messages(outcome, settings, item_link=item_link,
                                       deadline_text=deadline_text,
                                       note=note) if settings else []
    return Reminded(outcome, batch_full=len(items) == limit, settings=settings,
                    messages=messages)
