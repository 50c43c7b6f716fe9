"""Login, logout and the language switch.

Logging in is the one change made before there is a user, so it does not take the
`portal.web.change` path (which starts from a logged-in user): the view runs the command
`services.check_login`, commits its audit event through `web.commit_read()` (a failed
attempt too: the lockout counts them) and keeps the user logged in only once that is saved.
Logging out is a declared change. The language switch writes only the browser session.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import (Blueprint, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from portal import web
from portal.auth import polls, services
from portal.access import requires
from portal.auth.forms import ChangePasswordForm, LoginForm
from portal.auth.models import Role, User
from portal.errors import DomainError
from portal.extensions import db, login_manager

bp = Blueprint("auth", __name__)

login_manager.login_view = "auth.login"
login_manager.login_message = "Vui lòng đăng nhập để tiếp tục."
login_manager.login_message_category = "warning"


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The cookie holds a login session's id: the account while that session lives. A
    screen's poll (If-None-Match) and its event stream are not activity."""
    return services.session_user(session_id, current_app.config,
                                 passive=bool(request.headers.get("If-None-Match"))
                                 or request.headers.get("Accept") == "text/event-stream")


@bp.before_app_request
def _password_change_first():
    """An account asked to change its password does nothing else first."""
    if (request.endpoint in ("auth.change_password", "auth.change_password_form",
                             "auth.logout", "static") or not current_user.is_authenticated
            or not current_user.must_change_password):
        return None
    return web.saved(_("Vui lòng đổi mật khẩu trước khi tiếp tục."), category="warning",
                     redirect=url_for("auth.change_password_form"))


@bp.after_app_request
def _keep_the_idle_clock(response):
    """A page view that refreshed its login session's idle clock saves it (a change commits
    it with the change)."""
    user = g.get("_login_user")
    if request.method == "GET" and getattr(user, "touched_session", False):
        try:
            web.commit_read()
        except Exception:  # noqa: BLE001 - only the idle clock; never fail the page for it
            db.session.rollback()
    return response


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
    services.open_session(user, request.remote_addr)
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
    """Log out (POST, CSRF-checked) and go back to the login page: the login session ends on
    the server, so a copy of the cookie no longer works; the logout is audited."""
    services.record_logout(current_user)
    services.close_session(current_user.login_session_id)
    polls.forget_login(current_user.login_session_id)


# --------------------------------------------------------------------------- passwords

def _password_page(_obj, form, status=200, error=None):
    return render_template("auth/password.html", form=form, error=error), status


@bp.get("/account/password")
@requires("account.own_password")
def change_password_form():
    """The form to change one's own password (and the page a required change leads to)."""
    return _password_page(None, ChangePasswordForm(formdata=None))


def _password_changed(_obj, login_session):
    login_user(current_user._get_current_object())  # the fresh session's id in the cookie
    flash(_("Đã đổi mật khẩu. Các phiên đăng nhập khác của tài khoản đã kết thúc."), "success")
    return redirect(home_for(current_user), code=303)


@bp.post("/account/password")
@web.change(allow="account.own_password", form=lambda _obj: ChangePasswordForm(),
            invalid=_password_page, done=_password_changed)
def change_password(form):
    """Change one's own password: the current one is checked, the new one meets the policy;
    every other login session of the account ends."""
    return services.change_password(current_user, form.current_password.data,
                                    form.new_password.data, current_app.config,
                                    request.remote_addr)


def _required(user, _result):
    return web.saved(_("Tài khoản %(name)s sẽ phải đổi mật khẩu ở lần đăng nhập tới; các phiên "
                       "đăng nhập hiện có đã kết thúc.", name=user.username),
                     redirect=url_for("admin.users"))


@bp.post("/accounts/<int:user_id>/require-password-change")
@web.change(allow="account.manage", load=lambda user_id: db.session.get(User, user_id),
            done=_required)
def require_password_change(user, _form):
    """An administrator requires a new password at the account's next login."""
    services.require_password_change(user)


@bp.post("/language/<lang>")
def set_language(lang: str):
    """Switch the interface language (vi or en) for this browser session (nothing is
    written to the database)."""
    if lang in ("vi", "en"):
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")) or url_for("auth.index"), code=303)
