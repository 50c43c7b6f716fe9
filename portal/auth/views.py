"""Login, logout and the language switch.

Logging in is the one change made before there is a user, so it does not take the
`portal.web.change` path (which starts from a logged-in user): the view runs the command
`services.check_login`, commits its audit event through `web.commit_read()` (a failed
attempt too: the lockout counts them) and keeps the user logged in only once that is saved.
Logging out is a declared change. The language switch writes only the browser session.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal import web
from portal.auth import services
from portal.auth.forms import LoginForm
from portal.auth.models import Role, User
from portal.errors import DomainError
from portal.extensions import db, login_manager

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


@bp.route("/")
def index():
    """The start page: the login form, or the user's home."""
    if current_user.is_authenticated:
        return redirect(home_for(current_user))
    return redirect(url_for("auth.login"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """Show the login form; on a good password log in and redirect (303) home or to `next`.
    A wrong name or password keeps the name typed (200); too many lately answer 429."""
    form = LoginForm()
    if not form.validate_on_submit():
        return render_template("auth/login.html", form=form)
    try:
        user = services.check_login(form.username.data, form.password.data,
                                    request.remote_addr, current_app.config)
    except DomainError as err:
        web.commit_read()  # the failed attempt is recorded: the lockout counts it
        form.password.errors.append(err.message)
        return render_template("auth/login.html", form=form), err.status
    login_user(user)
    services.record_login(user)
    try:
        web.commit_read()
    except Exception:
        logout_user()  # not logged in without its audit event
        raise
    return redirect(_safe_next(request.args.get("next")) or home_for(user), code=303)


def _logged_out(_obj, _result):
    logout_user()
    flash(_("Bạn đã đăng xuất."), "info")
    return redirect(url_for("auth.login"), code=303)


@bp.post("/logout")
@web.change(allow="auth.logout", done=_logged_out)
def logout(_form):
    """Log out (POST, CSRF-checked) and go back to the login page; the logout is audited."""
    services.record_logout(current_user)


@bp.post("/language/<lang>")
def set_language(lang: str):
    """Switch the interface language (vi or en) for this browser session (nothing is
    written to the database)."""
    if lang in ("vi", "en"):
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.index"), code=303)
