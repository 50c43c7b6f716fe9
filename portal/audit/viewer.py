"""Reading the audit trail: filters, and personal data masked unless revealed.

Plain functions, no Flask request: the viewer's page and its CSV export share them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time, timedelta

from sqlalchemy import Select, select
from sqlalchemy.orm import joinedload

from portal.audit.models import AuditEvent
from portal.petitions.privacy import MASK, mask_name, redact
from portal.timefmt import local_to_utc

# Values of a row change that are personal data (Decree 13/2023): masked unless revealed.
PERSONAL_NAMES = {"submitter_name", "submitter_key", "delegate_name", "full_name"}
PERSONAL_VALUES = {"submitter_contact", "submitter_id_number", "contact", "email",
                   "remote_addr", "username"}
# Free texts that may carry a phone or an ID number typed into them.
FREE_TEXT = {"content", "answer", "prepared_answer", "detail", "text", "conclusion",
             "opening_notes", "briefing", "directive", "review_note", "reason", "note",
             "upper_answer", "body"}
# Entities whose `name` is a person's (an invitee, a speaker, someone at the door).
PEOPLE = {"Invitee", "Speaker", "Attendance"}


@dataclass
class AuditFilters:
    user_id: int | None = None
    entity: str = ""
    entity_id: str = ""
    action: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def args(self) -> dict:
        out = {"user": self.user_id, "entity": self.entity, "entity_id": self.entity_id,
               "action": self.action,
               "from": self.date_from.strftime("%d/%m/%Y") if self.date_from else None,
               "to": self.date_to.strftime("%d/%m/%Y") if self.date_to else None}
        return {k: v for k, v in out.items() if v not in (None, "")}


def events(filters: AuditFilters) -> Select:
    """The events under the filters, newest first (ties by id)."""
    query = select(AuditEvent).options(joinedload(AuditEvent.user))
    if filters.user_id is not None:
        query = query.where(AuditEvent.user_id == filters.user_id)
    if filters.entity:
        query = query.where(AuditEvent.entity == filters.entity)
    if filters.entity_id:
        query = query.where(AuditEvent.entity_id == filters.entity_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.date_from:
        query = query.where(AuditEvent.at >= local_to_utc(filters.date_from, time(0)))
    if filters.date_to:
        query = query.where(
            AuditEvent.at < local_to_utc(filters.date_to + timedelta(days=1), time(0)))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def _masked(entity: str, key: str, value):
    if value is None or value == "":
        return value
    if key in PERSONAL_NAMES or (key == "name" and entity in PEOPLE):
        return mask_name(str(value))
    if key in PERSONAL_VALUES:
        return MASK
    if key in FREE_TEXT and isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {k: _masked(entity, k, v) for k, v in value.items()}
    return value


def values(event: AuditEvent, which: str, *, revealed: bool) -> dict:
    """The event's before or after values, personal data masked unless `revealed`."""
    data = getattr(event, which) or {}
    if revealed:
        return dict(data)
    return {k: _masked(event.entity, k, v) for k, v in data.items()}


def has_personal_data(event: AuditEvent) -> bool:
    return any(values(event, w, revealed=False) != (getattr(event, w) or {})
               for w in ("before", "after"))


# The actions written by the trail itself and by `trail.record` (logins, reveals, exports).
KNOWN_ACTIONS = ("create", "update", "delete", "login", "logout", "login_failed",
                 "password_changed", "view_personal_data", "export_personal_data",
                 "download_attachment", "export_audit")


def entities(registry) -> list[str]:
    """The kinds of object that can appear in the trail: every mapped model."""
    return sorted({mapper.class_.__name__ for mapper in registry.mappers})
