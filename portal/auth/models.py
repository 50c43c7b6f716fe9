"""Accounts and roles (tài khoản, vai trò)."""
from __future__ import annotations

from datetime import datetime

import enum

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.types import UTCDateTime, utcnow, enum_type


class Role(enum.StrEnum):
    """What an account may do. Labels are shown through ROLE_LABELS."""

    OFFICE = "office"  # Văn phòng UBND tỉnh
    CHAIR = "chair"  # người chủ trì
    OFFICER = "officer"  # cán bộ sở, ngành, địa phương
    OBSERVER = "observer"  # Ban Thường vụ, Ban Dân vận: chỉ xem
    ADMIN = "admin"  # quản trị


def _hasher() -> PasswordHasher:
    return PasswordHasher(
        time_cost=current_app.config["ARGON2_TIME_COST"],
        memory_cost=current_app.config["ARGON2_MEMORY_COST"],
    )


class User(UserMixin, db.Model):
    """A person who logs in. An agency officer is bound to exactly one agency."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    # The person's title (chức vụ), as the minutes' signature blocks print it.
    position: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Where reminders (đôn đốc) are e-mailed when an SMTP server is configured.
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(enum_type(Role, 20))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    is_active_account: Mapped[bool] = mapped_column(default=True)
    # Secret token of the user's iCalendar feed URL; None until the user asks for one.
    feed_token: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Optimistic lock: an edit form carries the version it started from (409 if stale).
    version: Mapped[int] = mapped_column(default=1, server_default="1")
    __mapper_args__ = {"version_id_col": version}

    agency = relationship("Agency", lazy="joined")

    # Audit shows that the password changed, never the hash.
    __audit_exclude__ = ("password_hash", "feed_token")

    # The office's administrator can require a new password at the next login.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default="0")

    # The login session this request runs in (set by the loader; Flask-Login keeps its id).
    login_session_id = None
    touched_session = False  # the request refreshed its session's idle clock

    def get_id(self) -> str:
        """What the browser's cookie holds: the id of a server-side login session, so that
        logging out (or a password change) ends it on the server."""
        return self.login_session_id or ""

    @property
    def is_active(self) -> bool:  # Flask-Login asks this
        return self.is_active_account

    def set_password(self, password: str) -> None:
        self.password_hash = _hasher().hash(password)

    def check_password(self, password: str) -> bool:
        try:
            ok = _hasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False
        if ok and _hasher().check_needs_rehash(self.password_hash):
            self.set_password(password)
        return ok

    def has_role(self, *roles: Role) -> bool:
        return self.role in roles

    @property
    def is_staff(self) -> bool:
        """Office staff, the chair and admins see every agency's items."""
        return self.role in (Role.OFFICE, Role.CHAIR, Role.ADMIN)

    def __repr__(self) -> str:
        return f"<User {self.username}>"


class LoginSession(db.Model):
    """One login of one account in one browser: its id is the secret the session cookie
    carries. Logging out deletes it; a password change or a disabled account ends them all;
    it expires after an absolute lifetime and after an idle time."""

    __tablename__ = "login_session"
    __audit_skip__ = True  # logins and logouts are audited as such

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"),
                                         index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    remote_addr: Mapped[str | None] = mapped_column(String(64))
