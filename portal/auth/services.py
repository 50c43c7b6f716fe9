"""Signing in and out: the commands of the login and logout views.

Plain functions, no Flask request: they check the credentials against the accounts and
the lockout, and write the audit events; the view commits (a failed attempt is recorded
too, so that the lockout counts it) and only then keeps the user logged in.
"""
from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import func, or_, select

from portal.audit.models import AuditEvent
from portal.audit.trail import record
from portal.auth.models import User
from portal.errors import N_, DomainError
from portal.extensions import db
from portal.types import utcnow

WRONG = N_("Tên đăng nhập hoặc mật khẩu không đúng.")
LOCKED = N_("Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(n)s phút.")


def throttled(username: str, remote_addr: str | None, config: Mapping) -> bool:
    """Too many failed logins lately for this account name or from this address.

    Counted from the audit trail, so every gunicorn worker sees the same count without a
    shared cache (one indexed query)."""
    since = utcnow() - timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])
    recent = (AuditEvent.action == "login_failed", AuditEvent.at >= since)
    by_name, by_address = db.session.execute(select(
        func.count(AuditEvent.id).filter(AuditEvent.entity_id == username[:40]),
        func.count(AuditEvent.id).filter(AuditEvent.remote_addr == remote_addr),
    ).where(*recent, or_(AuditEvent.entity_id == username[:40],
                         AuditEvent.remote_addr == remote_addr))).one()
    # An office behind one proxy shares an address: that limit is much higher.
    return by_name >= config["LOGIN_MAX_FAILURES"] or \
        by_address >= config["LOGIN_MAX_FAILURES_PER_ADDRESS"]


def check_login(username: str, password: str, remote_addr: str | None,
                config: Mapping) -> User:
    """The active account whose password this is. Refused (DomainError at the password):
    while locked out (429), or for a wrong name or password (recorded as `login_failed`)."""
    username = username.strip()
    if throttled(username, remote_addr, config):
        raise DomainError(LOCKED, 429, "password", n=config["LOGIN_LOCKOUT_MINUTES"])
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_active or not user.check_password(password):
        record("login_failed", "User", entity_id=username[:40],
               detail={"username": username[:64]})
        raise DomainError(WRONG, 200, "password")
    return user


def record_login(user: User) -> None:
    """The audit event of a login (written once the user is the request's actor)."""
    record("login", "User", user.id)


def record_logout(user: User) -> None:
    record("logout", "User", user.id)
