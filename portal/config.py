"""Configuration read from the environment, in one place."""
from __future__ import annotations

import os


def _database_url(instance_path: str) -> str:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return "sqlite:///" + os.path.join(instance_path, "portal.sqlite3")
    # psycopg 3 is the driver; accept the plain postgresql:// form people paste.
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


class Config:
    """Settings for a real installation; every value can come from the environment."""

    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI: str | None = None  # filled by create_app from DATABASE_URL
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None  # a meeting runs for hours: the token lives with the login session
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    LANGUAGES = ("vi", "en")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE", "0") == "1"
    # Proxies in front of the app (nginx: 1) whose X-Forwarded-For/-Proto/-Host are trusted,
    # so the lockout and the audit see the user's address, not the proxy's. 0: none.
    TRUSTED_PROXIES = int(os.environ.get("TRUSTED_PROXIES", "0"))
    # Failed logins allowed per account name or address within the lockout window.
    LOGIN_MAX_FAILURES = int(os.environ.get("LOGIN_MAX_FAILURES", "10"))
    LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_MAX_FAILURES_PER_ADDRESS", "50"))
    LOGIN_LOCKOUT_MINUTES = int(os.environ.get("LOGIN_LOCKOUT_MINUTES", "15"))
    # A login session ends after this long whatever happens, and after this long idle (a
    # screen's polling is not activity). New passwords: a minimum length, not a common one.
    SESSION_LIFETIME_HOURS = float(os.environ.get("SESSION_LIFETIME_HOURS", "12"))
    SESSION_IDLE_MINUTES = float(os.environ.get("SESSION_IDLE_MINUTES", "60"))
    # an unchanged screen poll (304) may rest on the last full login check this long
    POLL_TRUST_SECONDS = float(os.environ.get("POLL_TRUST_SECONDS", "10"))
    PASSWORD_MIN_LENGTH = int(os.environ.get("PASSWORD_MIN_LENGTH", "10"))
    # Argon2id cost; tests lower it, production keeps the library's defaults.
    ARGON2_TIME_COST = int(os.environ.get("ARGON2_TIME_COST", "3"))
    ARGON2_MEMORY_COST = int(os.environ.get("ARGON2_MEMORY_COST", "65536"))
    # The body that issues documents and the place written in their date line.
    ISSUING_BODY_PARENT = os.environ.get("ISSUING_BODY_PARENT", "ỦY BAN NHÂN DÂN")
    ISSUING_BODY = os.environ.get("ISSUING_BODY", "TỈNH BẮC GIANG")
    DOCUMENT_PLACE = os.environ.get("DOCUMENT_PLACE", "Bắc Giang")
    INVITATION_INVITER = os.environ.get("INVITATION_INVITER", "Ủy ban nhân dân tỉnh")
    INVITATION_SIGNER_AUTHORITY = [
        line for line in os.environ.get(
            "INVITATION_SIGNER_AUTHORITY", "TL. CHỦ TỊCH|KT. CHÁNH VĂN PHÒNG").split("|") if line
    ]
    INVITATION_SIGNER_TITLE = os.environ.get("INVITATION_SIGNER_TITLE", "PHÓ CHÁNH VĂN PHÒNG")
    INVITATION_SIGNER_NAME = os.environ.get("INVITATION_SIGNER_NAME", "")
    ICAL_UID_DOMAIN = os.environ.get("ICAL_UID_DOMAIN", "")
    DUE_SOON_DAYS = int(os.environ.get("DUE_SOON_DAYS", "3"))
    # `flask jobs run`: reminders N working days before a deadline, and while late; the
    # office is told once an item is this many working days late. `make run` sets
    # RUN_JOBS_EVERY=60 to run them in-process every minute.
    REMINDER_BEFORE_DAYS = os.environ.get("REMINDER_BEFORE_DAYS", "3,1")
    REMINDER_LATE_DAYS = os.environ.get("REMINDER_LATE_DAYS", "1,5,10")
    REMINDER_ESCALATE_AFTER_DAYS = int(os.environ.get("REMINDER_ESCALATE_AFTER_DAYS", "10"))
    RUN_JOBS_EVERY = float(os.environ.get("RUN_JOBS_EVERY", "0"))
    # Background jobs (a dossier, an export): "thread" starts each in a thread of the web
    # process once the request has committed; "queue" leaves them to `flask jobs run` on
    # any host. A running job silent for JOB_STALE_MINUTES is taken over by the next run.
    BACKGROUND_JOBS = os.environ.get("BACKGROUND_JOBS", "thread")
    JOB_STALE_MINUTES = float(os.environ.get("JOB_STALE_MINUTES", "10"))
    JOB_KEEP_DAYS = float(os.environ.get("JOB_KEEP_DAYS", "7"))  # then a job's file is deleted
    # The dashboard ranks an agency only from this many assignments on.
    RANKING_MIN_ITEMS = int(os.environ.get("RANKING_MIN_ITEMS", "5"))
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "")  # links in e-mail
    MAX_ATTACHMENT_MB = float(os.environ.get("MAX_ATTACHMENT_MB", "10"))
    MAX_CONTENT_LENGTH = int((MAX_ATTACHMENT_MB * 5 + 2) * 1024 * 1024)  # 5 files per answer
    # Where uploaded files are kept (portal/storage.py): "database" (the default: every host
    # sees them, pg_dump backs them up), "s3" (S3_BUCKET, S3_PREFIX, S3_ENDPOINT_URL,
    # S3_REGION, AWS_* credentials; needs boto3) or "disk" (UPLOAD_FOLDER, one host only).
    FILE_STORAGE = os.environ.get("FILE_STORAGE", "database")
    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER")  # default instance/uploads
    S3_BUCKET = os.environ.get("S3_BUCKET", "")
    S3_PREFIX = os.environ.get("S3_PREFIX", "")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL", "")
    S3_REGION = os.environ.get("S3_REGION", "")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "")
    MAIL_PORT = int(os.environ.get("MAIL_PORT") or 0) or None
    MAIL_SENDER = os.environ.get("MAIL_SENDER", "")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME", "")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD", "")
    DOCUMENT_BODY_CODE = os.environ.get("DOCUMENT_BODY_CODE", "UBND")
    CONCLUSION_SIGNER_AUTHORITY = tuple(
        line for line in os.environ.get(
            "CONCLUSION_SIGNER_AUTHORITY", "TL. CHỦ TỊCH|KT. CHÁNH VĂN PHÒNG").split("|") if line
    )
    CONCLUSION_SIGNER_TITLE = os.environ.get("CONCLUSION_SIGNER_TITLE", "PHÓ CHÁNH VĂN PHÒNG")
    CONCLUSION_SIGNER_NAME = os.environ.get("CONCLUSION_SIGNER_NAME", "")
    PDF_FONT_DIRS = tuple(
        p for p in os.environ.get("PDF_FONT_DIRS", "").split(os.pathsep) if p
    ) or (
        "/usr/share/fonts/truetype/liberation",
        "/usr/share/fonts/truetype/liberation2",
        "/usr/share/fonts/truetype/croscore",
        "/usr/share/fonts/truetype/dejavu",
    )
    TEMPLATES_AUTO_RELOAD = None
    STRICT_TEMPLATES = os.environ.get("FLASK_DEBUG") == "1"
