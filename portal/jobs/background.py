"""Background jobs: work a user asks for that takes a while (the chair's dossier, an
export), run outside the request that asked for it, with a progress a page can poll.

    job = background.start("dossier", {"session_id": 3}, user, session_id=3)

creates the job's row (queued) inside the request's transaction. Once that commits
(`portal.web.after_commit`), a thread of the web process runs it when BACKGROUND_JOBS is
"thread" (development, a single host); with "queue", `flask jobs run` on any host claims
it. Claiming is a compare-and-set on the row (after SELECT … FOR UPDATE SKIP LOCKED on
PostgreSQL), so two hosts or threads never run one job twice; a running job silent for
JOB_STALE_MINUTES (its process died) is claimed again and starts over.

A kind of job is a function registered with `@job_kind("name", title)`; it receives a
`JobContext` (its params, the user who asked, `progress(percent, step)`) and returns a
`JobResult` (the file). The file is stored in the row until the job is deleted.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass
from datetime import timedelta
from typing import Callable

from flask import Flask, current_app, has_request_context
from sqlalchemy import and_, or_, select, update

from portal.errors import N_
from portal.extensions import db
from portal.jobs.models import BackgroundJob, JobStatus
from portal.types import utcnow

log = logging.getLogger(__name__)

FAILED = N_("Không hoàn thành được: đã có lỗi khi thực hiện. Vui lòng thử lại; nếu vẫn lỗi, "
            "hãy báo quản trị hệ thống.")


@dataclass(frozen=True)
class JobResult:
    """The file a job made."""

    content: bytes
    name: str
    mime: str = "application/pdf"


@dataclass
class JobContext:
    """What a kind's function gets: the job's params, the user who asked (whose rights the
    result follows, e.g. the masking of personal data), and the progress callback."""

    job_id: int
    kind: str
    params: dict
    user: object | None
    session_id: int | None
    _report: Callable[[int, str], None]

    def progress(self, percent: int, step: str = "") -> None:
        """Say how far the job is (0–99; 100 is set when it is done) and what it is doing."""
        self._report(percent, step)


@dataclass(frozen=True)
class Kind:
    name: str
    title: object  # what the job list and the progress page call it
    run: Callable[[JobContext], JobResult]
    back: Callable[[BackgroundJob], str | None] | None = None  # the page it was started from


KINDS: dict[str, Kind] = {}


def job_kind(name: str, title="", back: Callable[[BackgroundJob], str | None] | None = None):
    """Register a kind of job: `@job_kind("dossier", _l("Hồ sơ …"), back=url_of_its_page)`
    on `f(ctx) -> JobResult`."""

    def register(run):
        KINDS[name] = Kind(name, title or name, run, back)
        return run

    return register


def title_of(job: BackgroundJob) -> str:
    kind = KINDS.get(job.kind)
    return str(kind.title) if kind is not None else job.kind


def back_of(job: BackgroundJob) -> str | None:
    """The page the job was started from (its progress page links back to it)."""
    kind = KINDS.get(job.kind)
    return kind.back(job) if kind is not None and kind.back is not None else None


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:120]


# --------------------------------------------------------------------------- starting

def start(kind: str, params: dict, user, *, session_id: int | None = None) -> BackgroundJob:
    """Queue a job of `kind` for `user` (inside the caller's transaction, no commit); in a
    request with BACKGROUND_JOBS="thread" it starts in a thread once the request commits."""
    if kind not in KINDS:
        raise KeyError(f"unknown job kind {kind!r}")
    job = BackgroundJob(kind=kind, params=dict(params), user_id=getattr(user, "id", None),
                        session_id=session_id, status=JobStatus.QUEUED, percent=0,
                        message="", claimed_by="", result_name="", result_mime="")
    db.session.add(job)
    db.session.flush()
    if has_request_context() and current_app.config.get("BACKGROUND_JOBS") == "thread":
        from portal.web import after_commit

        app, job_id = current_app._get_current_object(), job.id
        after_commit(lambda: run_in_thread(app, job_id))
    return job


def run_in_thread(app: Flask, job_id: int) -> threading.Thread:
    """Run one job in a daemon thread of this process, in its own app context."""

    def main():
        with app.app_context():
            try:
                run(job_id)
            finally:
                db.session.remove()

    thread = threading.Thread(target=main, name=f"portal-job-{job_id}", daemon=True)
    thread.start()
    return thread


# --------------------------------------------------------------------------- running

def _stale_before(config) -> object:
    return utcnow() - timedelta(minutes=float(config.get("JOB_STALE_MINUTES") or 10))


def claim(job_id: int | None = None, worker: str | None = None) -> int | None:
    """Take one job to run (that one, or the oldest waiting): a queued job, or a running one
    whose worker fell silent. Commits the claim; returns the job's id, or None."""
    stale = _stale_before(current_app.config)
    claimable = or_(BackgroundJob.status == JobStatus.QUEUED,
                    and_(BackgroundJob.status == JobStatus.RUNNING,
                         or_(BackgroundJob.heartbeat_at.is_(None),
                             BackgroundJob.heartbeat_at < stale)))
    query = select(BackgroundJob.id, BackgroundJob.status, BackgroundJob.heartbeat_at) \
        .where(claimable).order_by(BackgroundJob.id).limit(1)
    if job_id is not None:
        query = query.where(BackgroundJob.id == job_id)
    if db.engine.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = db.session.execute(query).first()
    if row is None:
        db.session.rollback()
        return None
    seen = (BackgroundJob.heartbeat_at.is_(None) if row.heartbeat_at is None
            else BackgroundJob.heartbeat_at == row.heartbeat_at)
    now = utcnow()
    taken = db.session.execute(
        update(BackgroundJob)
        .where(BackgroundJob.id == row.id, BackgroundJob.status == row.status, seen)
        .values(status=JobStatus.RUNNING, claimed_by=worker or worker_name(), started_at=now,
                heartbeat_at=now, percent=0, message="")
        .execution_options(synchronize_session=False)).rowcount
    db.session.commit()
    return row.id if taken == 1 else None


def _report(job_id: int) -> Callable[[int, str], None]:
    def report(percent: int, step: str = "") -> None:
        db.session.execute(
            update(BackgroundJob).where(BackgroundJob.id == job_id)
            .values(percent=max(0, min(99, int(percent))), message=str(step)[:500],
                    heartbeat_at=utcnow())
            .execution_options(synchronize_session=False))
        db.session.commit()  # the page polling the job sees it now

    return report


def execute(job_id: int) -> bool:
    """Run a claimed job to its end: DONE with its file, or FAILED with a message (the
    error itself goes to the log). Commits; True when it is done."""
    from portal.auth.models import User

    job = db.session.get(BackgroundJob, job_id)
    kind = KINDS.get(job.kind)
    user = db.session.get(User, job.user_id) if job.user_id is not None else None
    context = JobContext(job.id, job.kind, dict(job.params or {}), user, job.session_id,
                         _report(job.id))
    try:
        if kind is None:
            raise LookupError(f"unknown job kind {job.kind!r}")
        result = kind.run(context)
    except Exception:  # noqa: BLE001 - the job fails, the worker goes on
        db.session.rollback()
        log.exception("background job %s (%s) failed", job_id, getattr(job, "kind", "?"))
        job = db.session.get(BackgroundJob, job_id)
        job.status, job.message, job.finished_at = JobStatus.FAILED, FAILED, utcnow()
        db.session.commit()
        return False
    job = db.session.get(BackgroundJob, job_id)
    job.result, job.result_name, job.result_mime = result.content, result.name, result.mime
    job.status, job.percent, job.message = JobStatus.DONE, 100, ""
    job.finished_at = job.heartbeat_at = utcnow()
    db.session.commit()
    return True


def run(job_id: int, worker: str | None = None) -> bool:
    """Claim and run one given job; False if someone else has it or it is finished."""
    claimed = claim(job_id, worker)
    return claimed is not None and execute(claimed)


def run_pending(worker: str | None = None, limit: int = 100) -> int:
    """`flask jobs run`: run the waiting jobs (and those abandoned) one after another;
    how many were run."""
    done = 0
    while done < limit:
        job_id = claim(None, worker)
        if job_id is None:
            break
        execute(job_id)
        done += 1
    return done


def purge(config) -> int:
    """Delete finished jobs (and their files) older than JOB_KEEP_DAYS; how many. Commits."""
    before = utcnow() - timedelta(days=float(config.get("JOB_KEEP_DAYS") or 7))
    old = list(db.session.scalars(select(BackgroundJob).where(
        BackgroundJob.status.in_((JobStatus.DONE, JobStatus.FAILED)),
        BackgroundJob.finished_at < before)))
    for job in old:
        db.session.delete(job)
    db.session.commit()
    return len(old)


# --------------------------------------------------------------------------- reading

def jobs_of(user, *, session_id: int | None = None, kind: str | None = None,
            limit: int = 20) -> list[BackgroundJob]:
    """The user's own jobs, newest first (of a session, of a kind)."""
    query = select(BackgroundJob).where(BackgroundJob.user_id == user.id)
    if session_id is not None:
        query = query.where(BackgroundJob.session_id == session_id)
    if kind is not None:
        query = query.where(BackgroundJob.kind == kind)
    return list(db.session.scalars(query.order_by(BackgroundJob.id.desc()).limit(limit)))


def own_job(user, job_id: int) -> BackgroundJob | None:
    """A job of the user's (None for anyone else's: 404, ids cannot be probed)."""
    return db.session.scalar(select(BackgroundJob).where(BackgroundJob.id == job_id,
                                                         BackgroundJob.user_id == user.id))
