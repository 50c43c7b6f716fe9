"""Login, logout and the language switch."""
from __future__ import annotations

from datetime import timedelta
from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import func, or_, select

from portal.audit.models import AuditEvent
from portal.audit.trail import record
from portal.auth.forms import LoginForm
from portal.auth.models import Role, User
from portal.extensions import db, login_manager
from portal.types import utcnow

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.login_message_category = "warning"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    return db.session.get(User, int(user_id))


def home_for(user: User) -> str:
    """Where a user lands after logging in."""
    if user.role == Role.OFFICER:
        return url_for("tracker.index")
    if user.role == Role.ADMIN:
        return url_for("admin.users")
    return url_for("calendar.index")


def _safe_next(target: str | None) -> str | None:
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def throttled(username: str, remote_addr: str | None) -> bool:
    """Too many failed logins lately for this account name or from this address.

    Counted from the audit trail, so every gunicorn worker sees the same count without a
    shared cache (one indexed query)."""
    config = current_app.config
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


@bp.route("/")
def index():
    """The start page: the login form, or the user's home."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on a good password log in and redirect (303) home or to `next`."""
    form = LoginForm()
    if form.validate_on_submit():
        username = form.username.data.strip()
        if throttled(username, request.remote_addr):
            form.password.errors.append(_(
                "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau %(n)s phút.",
                n=current_app.config["LOGIN_LOCKOUT_MINUTES"]))
            return render_template("auth/login.html", form=form), 429
        user = db.session.scalar(select(User).where(User.username == username))
        if user is None or not user.is_active or not user.check_password(form.password.data):
            form.password.errors.append(_("Tên đăng nhập hoặc mật khẩu không đúng."))
            record("login_failed", "User", entity_id=username[:40],
                   detail={"username": username[:64]})
            db.session.commit()
            return render_template("auth/login.html", form=form), 200
        login_user(user)
        record("login", "User", user.id)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")) or home_for(user), code=303)
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    """Log out (POST, CSRF-checked) and go back to the login page."""
    record("logout", "User", current_user.id)
    db.session.commit()
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/language/<lang>")
def set_language(lang: str):
    """Switch the interface language (vi or en) for this browser session."""
    if lang in ("vi", "en"):
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.index"), code=303)
