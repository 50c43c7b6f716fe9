"""`flask jobs run`: the due work, once (run it from cron or the systemd timer in deploy/)."""
from __future__ import annotations

import smtplib
import threading
import time

import click
from flask import Flask
from flask.cli import AppGroup

from portal.extensions import db
from portal.types import utcnow

jobs = AppGroup("jobs", help="Việc định kỳ: nhắc hạn, đôn đốc, nhắc việc chuẩn bị.")


def run_once(app: Flask):
    """Run the due work in one transaction, then send its e-mail (after the commit)."""
    from portal.jobs import reminders
    from portal.tracker.mail import MailSettings, send_all
    from portal.tracker.notify import item_link

    with app.app_context():
        adapter = app.url_map.bind("localhost", script_name=app.config.get(
            "APPLICATION_ROOT") or "/")
        base = (app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
        report = reminders.run(
            utcnow(), app.config, link=lambda a: base + item_link(a.id),
            list_link=adapter.build("tracker.index", {"tab": "open"}))
        db.session.commit()
        settings = MailSettings.from_config(app.config)
        if report.mails and settings is not None:
            try:
                send_all(settings, report.mails)
            except (OSError, smtplib.SMTPException) as err:
                app.logger.warning("reminder mail failed: %s", err)
        db.session.remove()
        return report


@jobs.command("run")
def run_command() -> None:
    """Do the due work once: reminders before, on and after deadlines, one digest a day per
    officer, escalation of long-late items, preparation steps due; then the background
    jobs waiting. Safe to run from several hosts at once and to rerun: nothing is sent
    twice, no job is run twice."""
    from flask import current_app

    app = current_app._get_current_object()
    click.echo(run_once(app).summary())
    click.echo(f"Việc nền đã chạy: {run_background(app)}")


def run_background(app: Flask) -> int:
    """The background jobs waiting (a dossier, an export) and any abandoned by a host that
    died, one after another, each claimed so that several hosts can run this at once; then
    the finished ones older than JOB_KEEP_DAYS are deleted with their files."""
    from portal.jobs import background

    with app.app_context():
        try:
            done = background.run_pending()
            background.purge(app.config)
            return done
        finally:
            db.session.remove()


def start_in_process(app: Flask, every: float) -> threading.Thread:
    """`make run`: the same jobs every `every` seconds in a daemon thread."""

    def loop():
        while True:
            try:
                run_once(app)
                run_background(app)
            except Exception:  # noqa: BLE001 - keep the loop alive; the next run retries
                app.logger.exception("scheduled jobs failed")
            time.sleep(every)

    thread = threading.Thread(target=loop, name="portal-jobs", daemon=True)
    thread.start()
    return thread


def register(app: Flask) -> None:
    app.cli.add_command(jobs)
    every = float(app.config.get("RUN_JOBS_EVERY") or 0)
    if every > 0 and not app.testing:
        start_in_process(app, every)
