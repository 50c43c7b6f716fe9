"""Reminders (đôn đốc): the office urges agencies about items due soon or late.

One reminder batch gives each agency concerned one in-app notification (to its officers,
`Notification.agency_id`) and, when an SMTP server is configured, one e-mail listing its
items; each item gets a "remind" step in its timeline and its `last_reminded_at` set.
Plain functions, no Flask request.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from typing import Callable

from sqlalchemy import select, update

from portal.admin.models import Agency
from portal.auth.models import Role, User
from portal.extensions import db
from portal.tracker import lifecycle
from portal.tracker.mail import MailSettings, message
from portal.tracker.models import Assignment, AssignmentStep, Notification
from portal.types import utcnow

BATCH_LIMIT = 2000  # items per reminder action; the least recently reminded go first
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass
class AgencyReminder:
    agency: Agency
    items: list[Assignment]
    notification: Notification


@dataclass
class Outcome:
    agencies: list[AgencyReminder] = field(default_factory=list)
    skipped: int = 0  # selected but not open (nothing is owed)

    @property
    def items(self) -> int:
        return sum(len(r.items) for r in self.agencies)


def _summary(items: list[Assignment], lateness: Callable[[Assignment], str | None]) -> str:
    late = sum(1 for a in items if lateness(a) == "late")
    soon = sum(1 for a in items if lateness(a) == "due_soon")
    parts = []
    if late:
        parts.append(f"{late} quá hạn")
    if soon:
        parts.append(f"{soon} sắp đến hạn")
    text = f"Văn phòng UBND tỉnh đôn đốc trả lời {len(items)} ý kiến, kiến nghị"
    return text + (f" ({', '.join(parts)})" if parts else "") + "."


def remind(items: list[Assignment], actor: User, *, note: str = "",
           lateness: Callable[[Assignment], str | None] = lambda a: None,
           link: Callable[[Agency], str] = lambda agency: "",
           now: datetime | None = None) -> Outcome:
    """Record a reminder for the open items among `items` (each with its agency loaded)."""
    now = now or utcnow()
    note = (note or "").strip()
    empty = lifecycle.Facts()
    outcome = Outcome()
    by_agency: dict[int, list[Assignment]] = {}
    for item in items:
        if not lifecycle.can(actor, item, "remind", empty):
            outcome.skipped += 1
            continue
        by_agency.setdefault(item.agency_id, []).append(item)
    steps = []
    for agency_items in by_agency.values():
        agency = agency_items[0].agency
        text = _summary(agency_items, lateness) + (f" {note}" if note else "")
        notification = Notification(agency_id=agency.id, text=text, link=link(agency),
                                    created_at=now)
        db.session.add(notification)
        outcome.agencies.append(AgencyReminder(agency, agency_items, notification))
        for item in agency_items:
            why = {"late": "quá hạn", "due_soon": "sắp đến hạn"}.get(lateness(item) or "")
            steps.append(AssignmentStep(
                assignment_id=item.id, action="remind", from_status=item.status.value,
                to_status=item.status.value, actor_id=actor.id, at=now,
                text=(f"Đôn đốc ({why})" if why else "Đôn đốc") + (f": {note}" if note else "")))
    db.session.add_all(steps)
    ids = [item.id for r in outcome.agencies for item in r.items]
    # A plain UPDATE, not the versioned ORM one: a reminder must never make an agency's
    # answer being saved at the same moment fail as a conflict.
    for start in range(0, len(ids), 500):
        db.session.execute(update(Assignment).where(Assignment.id.in_(ids[start:start + 500]))
                           .values(last_reminded_at=now),
                           execution_options={"synchronize_session": False})
    return outcome


def agency_addresses(agency_ids: list[int]) -> dict[int, list[str]]:
    """E-mail addresses of the active officers of each agency (one query): the account's
    e-mail, or its user name when that is an e-mail address."""
    found: dict[int, list[str]] = {}
    if not agency_ids:
        return found
    for user in db.session.scalars(select(User).where(
            User.agency_id.in_(agency_ids), User.role == Role.OFFICER,
            User.is_active_account).order_by(User.id)):
        address = (user.email or user.username or "").strip()
        if _EMAIL.match(address):
            found.setdefault(user.agency_id, []).append(address)
    return found


def mail_messages(outcome: Outcome, settings: MailSettings,
                  item_link: Callable[[Assignment], str],
                  deadline_text: Callable[[Assignment], str],
                  note: str = "") -> list[Message]:
    """One message per agency with at least one address, listing its items."""
    addresses = agency_addresses([r.agency.id for r in outcome.agencies])
    messages = []
    for reminder in outcome.agencies:
        to = addresses.get(reminder.agency.id)
        if not to:
            continue
        lines = [f"Kính gửi: {reminder.agency.name}", "", reminder.notification.text]
        if note:
            lines.append(note)
        lines.append("")
        for n, item in enumerate(reminder.items, 1):
            content = " ".join(item.petition.content.split())
            if len(content) > 160:
                content = content[:157] + "..."
            lines.append(f"{n}. {content}")
            lines.append(f"   Hạn trả lời: {deadline_text(item)} — {item_link(item)}")
        lines += ["", "Văn phòng UBND tỉnh"]
        subject = f"Đôn đốc trả lời ý kiến, kiến nghị ({len(reminder.items)} nội dung)"
        messages.append(message(settings, to, subject, "\n".join(lines)))
    return messages
