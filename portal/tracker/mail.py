"""E-mail through the Office's SMTP server, when one is configured (MAIL_SERVER, MAIL_PORT).

Settings (app config, from the environment): MAIL_SERVER, MAIL_PORT, MAIL_SENDER (the From
address), MAIL_USE_TLS ("1": STARTTLS), MAIL_USERNAME / MAIL_PASSWORD (optional login),
MAIL_TIMEOUT (seconds, default 10). Plain smtplib, one connection for a batch.
"""
from __future__ import annotations

import smtplib
from dataclasses import dataclass
from email.header import Header
from email.message import Message
from email.mime.text import MIMEText
from email.utils import formatdate, make_msgid


@dataclass(frozen=True)
class MailSettings:
    server: str
    port: int
    sender: str
    use_tls: bool = False
    username: str = ""
    password: str = ""
    timeout: float = 10.0

    @classmethod
    def from_config(cls, config) -> "MailSettings | None":
        """The settings, or None when no SMTP server is configured (mail is then skipped)."""
        server, port = config.get("MAIL_SERVER"), config.get("MAIL_PORT")
        if not server or not port:
            return None
        return cls(
            server=str(server), port=int(port),
            sender=config.get("MAIL_SENDER") or f"no-reply@{server}",
            use_tls=str(config.get("MAIL_USE_TLS", "")).lower() in ("1", "true", "yes"),
            username=config.get("MAIL_USERNAME") or "",
            password=config.get("MAIL_PASSWORD") or "",
            timeout=float(config.get("MAIL_TIMEOUT") or 10),
        )


def message(settings: MailSettings, to: list[str], subject: str, body: str) -> Message:
    """A UTF-8 plain-text message. The subject is encoded with email.header.Header: the
    newer folder of EmailMessage drops the space between two encoded words when it folds a
    long Vietnamese subject ("kiến nghị" arrives as "kiếnnghị")."""
    msg = MIMEText(body, "plain", "utf-8")
    msg["From"] = settings.sender
    msg["To"] = ", ".join(to)
    msg["Subject"] = Header(subject, "utf-8")
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    return msg


def send_all(settings: MailSettings, messages: list[Message]) -> int:
    """Send the messages over one connection; returns how many were sent.
    Raises OSError / smtplib.SMTPException when the server cannot be reached or refuses."""
    if not messages:
        return 0
    with smtplib.SMTP(settings.server, settings.port, timeout=settings.timeout) as smtp:
        if settings.use_tls:
            smtp.starttls()
        if settings.username:
            smtp.login(settings.username, settings.password)
        for msg in messages:
            smtp.send_message(msg)
    return len(messages)
