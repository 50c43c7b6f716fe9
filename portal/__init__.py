"""The Office's dialogue portal: plan, run and follow up the leaders' dialogues with the people."""
from __future__ import annotations

import os
import secrets

from flask import Flask, request, session
from jinja2 import StrictUndefined

from portal.config import Config, _database_url
from portal.errors import N_
from portal.extensions import babel, csrf, db, htmx_ext, login_manager, migrate


def _select_locale() -> str:
    lang = session.get("lang")
    if lang:
        return lang
    return request.accept_languages.best_match(["vi", "en"], default="vi") or "vi"


NO_SECRET_KEY = (
    "SECRET_KEY is not set. On a shared database (PostgreSQL) every app host must sign "
    "sessions and forms with the same key: set SECRET_KEY in the environment of every host "
    "(for example: SECRET_KEY=$(python3 -c 'import secrets; print(secrets.token_hex(32))')). "
    "Only the embedded SQLite database of one host keeps a generated key in instance/.")


def _secret_key(app: Flask) -> str:
    """The development key for SQLite: one kept in instance/ (shared by all workers of this
    one host). A shared database needs SECRET_KEY from the environment (NO_SECRET_KEY)."""
    path = os.path.join(app.instance_path, "secret_key")
    if os.path.exists(path):
        with open(path, encoding="ascii") as fh:
            return fh.read().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key)
    return key


def create_app(config: dict | None = None) -> Flask:
    """Build the app. `config` overrides the environment (tests pass their database here)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=os.path.join(root, "templates"),
        static_folder=os.path.join(root, "static"),
        instance_path=os.environ.get("PORTAL_INSTANCE_PATH", os.path.join(root, "instance")),
    )
    app.config.from_object(Config)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config["SQLALCHEMY_DATABASE_URI"] = _database_url(app.instance_path)
    if config:
        app.config.update(config)
    if not app.config.get("SECRET_KEY"):
        if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
            raise RuntimeError(NO_SECRET_KEY)
        try:
            app.config["SECRET_KEY"] = _secret_key(app)
        except FileExistsError:  # another worker wrote it a moment ago
            app.config["SECRET_KEY"] = _secret_key(app)
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)
    if app.config.get("STRICT_TEMPLATES") or app.testing:
        app.jinja_env.undefined = StrictUndefined

    from portal.formfields import MAX_INT
    from werkzeug.routing import IntegerConverter

    class BoundedInt(IntegerConverter):
        """`<int:…>` in a URL: at most PostgreSQL's integer, so an id of 40 digits is a 404,
        not an overflow in the database."""

        def __init__(self, map, *args, **kwargs):
            kwargs.setdefault("max", MAX_INT)
            super().__init__(map, *args, **kwargs)

    app.url_map.converters["int"] = BoundedInt
    db.init_app(app)
    migrate.init_app(app, db, directory=os.path.join(root, "migrations"), render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_select_locale, default_timezone="Asia/Ho_Chi_Minh")
    htmx_ext.init_app(app)

    from portal import models  # noqa: F401  (register every table)
    from portal.audit import trail

    trail.install()

    _register_blueprints(app)
    from portal.auth import polls

    polls.install(app)  # after the blueprints: its hook runs first
    _register_template_helpers(app)
    _register_errors(app)
    _register_security_headers(app)

    from portal.cli import register_cli

    register_cli(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from portal.admin.views import bp as admin_bp
    from portal.audit.views import bp as audit_bp
    from portal.auth.views import bp as auth_bp
    from portal.calendar.views import bp as calendar_bp
    from portal.documents.views import bp as documents_bp
    from portal.dossier.views import bp as dossier_bp
    from portal.health import bp as health_bp
    from portal.jobs.views import bp as jobs_bp
    from portal.petitions.views import bp as petitions_bp
    from portal.plans.views import bp as plans_bp
    from portal.preparation.views import bp as preparation_bp
    from portal.reports.public import bp as public_bp
    from portal.reports.views import bp as reports_bp
    from portal.papers.views import bp as papers_bp
    from portal.runner.views import bp as runner_bp
    from portal.tracker.views import bp as tracker_bp

    for bp in (health_bp, auth_bp, calendar_bp, plans_bp, preparation_bp, petitions_bp,
               runner_bp, papers_bp, tracker_bp, documents_bp, reports_bp, public_bp, admin_bp,
               audit_bp, jobs_bp, dossier_bp):
        app.register_blueprint(bp)


def _register_template_helpers(app: Flask) -> None:
    from portal import timefmt
    from portal.labels import label
    from portal.petitions.privacy import redact

    app.jinja_env.filters.update(
        redact=redact,
        date=timefmt.format_date,
        datetime=timefmt.format_datetime,
        time=timefmt.format_time,
        label=label,
    )

    from portal.access import may
    from portal.web import new_client_key

    def form_macro(name: str):
        """A macro of _form.html, global so htmx fragments (blocks) can use it too."""

        def call(*args, **kwargs):
            return getattr(app.jinja_env.get_template("_form.html").module, name)(*args, **kwargs)

        return call

    for name in ("field", "version_input", "client_key_input", "post_button", "change_error",
                 "locality_input"):
        app.jinja_env.globals[name] = form_macro(name)
    app.jinja_env.globals.update(may=may, new_client_key=new_client_key)

    @app.context_processor
    def inject_globals():
        from portal.auth.models import Role

        return {"Role": Role, "current_lang": _select_locale()}


def _is_connection_problem(err) -> bool:
    """A lost or refused connection (restart, network), not a bad statement."""
    from sqlalchemy.exc import InterfaceError

    if getattr(err, "connection_invalidated", False) or isinstance(err, InterfaceError):
        return True
    text = str(getattr(err, "orig", err)).lower()
    return any(sign in text for sign in (
        "connection", "could not connect", "server closed", "terminating", "shutdown",
        "the database system is", "database is locked", "unable to open database"))


# A strict policy: scripts and styles only from the app's own files, no inline script or
# handler, no eval (htmx is configured for it in base.html), never framed.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
       "form-action 'self'; frame-ancestors 'none'")


def _register_security_headers(app: Flask) -> None:
    @app.after_request
    def security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Frame-Options", "DENY")
        headers["X-Content-Type-Options"] = "nosniff"
        headers.setdefault("Referrer-Policy", "same-origin")
        if app.config.get("SESSION_COOKIE_SECURE"):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        # Pages and files of a logged-in user may carry personal data: never kept by a cache
        # or the browser's history. Static files keep their caching.
        if request.endpoint != "static" and "Cache-Control" not in headers:
            headers["Cache-Control"] = "no-store"
        return response


# The error pages' messages (translated when shown).
ERROR_MESSAGES = {
    400: N_("Phiên làm việc đã hết hạn hoặc yêu cầu không hợp lệ. Vui lòng tải lại trang và "
            "thử lại."),
    403: N_("Bạn không có quyền truy cập nội dung này."),
    404: N_("Không tìm thấy trang hoặc nội dung yêu cầu."),
    409: N_("Nội dung đã được người khác thay đổi. Vui lòng tải lại để xem bản mới nhất."),
    413: N_("Tệp gửi lên quá lớn so với giới hạn cho phép."),
    500: N_("Đã có lỗi trong hệ thống; thao tác chưa được lưu. Vui lòng thử lại; nếu vẫn lỗi, "
            "hãy báo quản trị hệ thống."),
    503: N_("Hệ thống tạm thời không kết nối được cơ sở dữ liệu. Dữ liệu đã lưu vẫn an toàn; "
            "nội dung bạn đang nhập vẫn còn trên trang. Vui lòng thử lại sau giây lát."),
}


def _register_errors(app: Flask) -> None:
    from flask import g, render_template
    from flask_babel import gettext as _
    from flask_wtf.csrf import CSRFError
    from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError

    from portal.extensions import db
    from portal.htmx import is_fragment_request

    def page(code: int, full: str = "errors/error.html", **headers):
        template = "errors/_message.html" if is_fragment_request() else full
        body = render_template(template, code=code, message=_(ERROR_MESSAGES[code]))
        return body, code, headers

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unreachable(err):
        """The database does not answer (restarting, network): nothing is lost, try again."""
        if isinstance(err, DBAPIError) and not _is_connection_problem(err):
            raise err
        try:
            db.session.rollback()
        except DBAPIError:
            db.session.remove()
        app.logger.warning("database unreachable: %s", err.__class__.__name__)
        g._login_user = login_manager.anonymous_user()  # the page must not load the account
        return page(503, full="errors/unavailable.html",
                    **{"Retry-After": "5", "Cache-Control": "no-store"})

    @app.errorhandler(CSRFError)
    def csrf_error(err):
        return page(400)

    @app.errorhandler(DataError)
    @app.errorhandler(OverflowError)
    def out_of_range(err):
        """A value the database or the calendar cannot hold (a last line: inputs are checked
        before, see portal.formfields.bounded_int): a 400, never a 500."""
        db.session.rollback()
        app.logger.warning("out-of-range input on %s: %s", request.path, err.__class__.__name__)
        return page(400)

    for code in (403, 404, 409, 413, 500):
        app.register_error_handler(code, lambda err, code=code: page(code))
