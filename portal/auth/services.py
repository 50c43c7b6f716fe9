"""Signing in and out: the commands of the login and logout views.

Plain functions, no Flask request: they check the credentials against the accounts and
the lockout, and write the audit events; the view commits (a failed attempt is recorded
too, so that the lockout counts it) and only then keeps the user logged in.
"""
from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import delete, func, or_, select
from zxcvbn import zxcvbn

from portal.audit.models import AuditEvent
from portal.audit.trail import record
from portal.auth.models import LoginSession, User
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
    if user is None:
        dummy_check(password)  # the same work as a wrong password: names cannot be probed
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


# --------------------------------------------------------------------------- login sessions

def open_session(user: User, remote_addr: str | None) -> LoginSession:
    """A new server-side login session for `user`; its id goes into the browser's cookie."""
    now = utcnow()
    login = LoginSession(id=secrets.token_urlsafe(32), user_id=user.id, created_at=now,
                         last_seen_at=now, remote_addr=(remote_addr or "")[:64] or None)
    db.session.add(login)
    user.login_session_id = login.id
    return login


def session_user(session_id: str, config: Mapping, *, passive: bool) -> User | None:
    """The account of a live login session (one query), or None once it has ended: logged
    out, past its lifetime (SESSION_LIFETIME_HOURS), idle too long (SESSION_IDLE_MINUTES;
    a `passive` request such as a screen's poll does not count as activity), or the
    account disabled. An active request refreshes the idle clock (at most once a minute)."""
    if not session_id or len(session_id) > 64:
        return None
    found = db.session.execute(
        select(User, LoginSession).join(LoginSession, LoginSession.user_id == User.id)
        .where(LoginSession.id == session_id)).first()
    if found is None:
        return None
    user, login = found
    now = utcnow()
    lifetime = timedelta(hours=config["SESSION_LIFETIME_HOURS"])
    idle = timedelta(minutes=config["SESSION_IDLE_MINUTES"])
    if not user.is_active or now - login.created_at > lifetime or now - login.last_seen_at > idle:
        return None
    user.touched_session = not passive and now - login.last_seen_at > TOUCH_EVERY
    if user.touched_session:
        login.last_seen_at = now  # committed with the request's change, or after a page
    user.login_session_id = login.id
    return user


TOUCH_EVERY = timedelta(minutes=1)


def close_session(session_id: str | None) -> None:
    """End one login session (logout)."""
    if session_id:
        db.session.execute(delete(LoginSession).where(LoginSession.id == session_id))


def close_all_sessions(user: User) -> int:
    """End every login session of `user` (a password change, a disabled account)."""
    return db.session.execute(delete(LoginSession).where(LoginSession.user_id == user.id)) \
        .rowcount or 0


# --------------------------------------------------------------------------- passwords

TOO_SHORT = N_("Mật khẩu phải có ít nhất %(n)s ký tự.")
TOO_COMMON = N_("Mật khẩu này quá phổ biến hoặc dễ đoán; hãy chọn mật khẩu khác.")
NOT_CURRENT = N_("Mật khẩu hiện tại không đúng.")
SAME_AS_BEFORE = N_("Mật khẩu mới phải khác mật khẩu hiện tại.")


def check_password_policy(password: str, config: Mapping, *, user_inputs=()) -> None:
    """A new password: at least PASSWORD_MIN_LENGTH characters and not a common or easily
    guessed one (zxcvbn's dictionaries of common passwords, names and patterns)."""
    minimum = int(config["PASSWORD_MIN_LENGTH"])
    if len(password) < minimum:
        raise DomainError(TOO_SHORT, 422, "new_password", n=minimum)
    if zxcvbn(password[:100], user_inputs=[u for u in user_inputs if u])["score"] < 3:
        raise DomainError(TOO_COMMON, 422, "new_password")


def change_password(user: User, current: str, new: str, config: Mapping,
                    remote_addr: str | None) -> LoginSession:
    """The user's own new password: every login session of the account ends (other browsers
    are logged out) and this browser gets a fresh one."""
    if not user.check_password(current):
        raise DomainError(NOT_CURRENT, 422, "current_password")
    if current == new:
        raise DomainError(SAME_AS_BEFORE, 422, "new_password")
    check_password_policy(new, config, user_inputs=(user.username, user.full_name))
    user.set_password(new)
    user.must_change_password = False
    close_all_sessions(user)
    record("password_changed", "User", user.id)
    return open_session(user, remote_addr)


def require_password_change(user: User) -> User:
    """An administrator asks for a new password at the account's next login; its current
    sessions end now."""
    user.must_change_password = True
    close_all_sessions(user)
    return user


# Verifying against this when the name is unknown makes a wrong name cost the same as a
# wrong password, so the timing does not tell which account names exist.
_DUMMY: dict[tuple, str] = {}


def dummy_check(password: str) -> None:
    from portal.auth.models import _hasher

    hasher = _hasher()
    key = (hasher.time_cost, hasher.memory_cost)
    if key not in _DUMMY:
        _DUMMY[key] = hasher.hash(secrets.token_hex(16))
    try:
        hasher.verify(_DUMMY[key], password)
    except Exception:  # noqa: BLE001 - it never matches; only the work matters
        pass
