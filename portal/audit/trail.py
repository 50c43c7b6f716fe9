"""Writes an AuditEvent for every row the ORM inserts, updates or deletes.

The events go into the same transaction as the change itself, so a change that
is rolled back leaves no audit event, and none is ever missed by a view that
forgot to call a helper.
"""
from __future__ import annotations

import enum
from datetime import date, datetime, time
from decimal import Decimal

from flask import has_request_context, request
from sqlalchemy import event, insert, inspect
from sqlalchemy.orm import Session

from portal.audit.models import AuditEvent
from portal.types import utcnow


def _plain(value):
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _actor() -> tuple[int | None, str | None]:
    if not has_request_context():
        return None, None
    from flask_login import current_user

    user_id = current_user.id if current_user and current_user.is_authenticated else None
    return user_id, request.remote_addr


def _columns(obj):
    mapper = inspect(obj).mapper
    excluded = set(getattr(obj, "__audit_exclude__", ()))
    return [c for c in mapper.column_attrs if c.key not in excluded], excluded


def _snapshot(obj) -> dict:
    cols, _ = _columns(obj)
    return {c.key: _plain(getattr(obj, c.key)) for c in cols}


def _changes(obj) -> tuple[dict, dict]:
    state = inspect(obj)
    before, after = {}, {}
    cols, excluded = _columns(obj)
    for col in cols:
        hist = state.attrs[col.key].history
        if hist.has_changes():
            before[col.key] = _plain(hist.deleted[0]) if hist.deleted else None
            after[col.key] = _plain(hist.added[0]) if hist.added else None
    for key in excluded:
        if state.attrs[key].history.has_changes():
            after[key] = "(đã thay đổi)"
    return before, after


def _event_row(action: str, obj, before, after, user_id, addr) -> dict:
    ident = inspect(obj).identity
    return {
        "at": utcnow(),
        "user_id": user_id,
        "action": action,
        "entity": type(obj).__name__,
        "entity_id": "/".join(str(i) for i in ident) if ident else None,
        "before": before,
        "after": after,
        "remote_addr": addr,
    }


def record(action: str, entity: str, entity_id=None, detail: dict | None = None) -> None:
    """Record an event that is not a row change (a login, a download of personal data)."""
    from portal.extensions import db

    user_id, addr = _actor()
    db.session.add(
        AuditEvent(
            user_id=user_id,
            action=action,
            entity=entity,
            entity_id=str(entity_id) if entity_id is not None else None,
            after=detail,
            remote_addr=addr,
        )
    )


def _skipped(obj) -> bool:
    """The trail itself and bookkeeping rows (a used client key) are not audited."""
    return isinstance(obj, AuditEvent) or getattr(obj, "__audit_skip__", False)


def _after_flush(session: Session, flush_context) -> None:
    user_id, addr = _actor()
    rows = []
    for obj in session.new:
        if not _skipped(obj):
            rows.append(_event_row("create", obj, None, _snapshot(obj), user_id, addr))
    for obj in session.dirty:
        if _skipped(obj) or not session.is_modified(obj, include_collections=False):
            continue
        before, after = _changes(obj)
        if after:
            rows.append(_event_row("update", obj, before, after, user_id, addr))
    for obj in session.deleted:
        if not _skipped(obj):
            rows.append(_event_row("delete", obj, _snapshot(obj), None, user_id, addr))
    if rows:
        # A Core insert on the flush's own connection: same transaction, no re-flush.
        session.connection().execute(insert(AuditEvent.__table__), rows)


def install() -> None:
    """Listen on every ORM session; called once from create_app."""
    if not event.contains(Session, "after_flush", _after_flush):
        event.listen(Session, "after_flush", _after_flush)
