"""A background job's progress and its file: the page (or the fragment htmx polls every
second while the job runs) and the download once done. A user sees only their own jobs:
anyone else's is 404, since a job's file follows the rights of the user who asked."""
from __future__ import annotations

from flask import Blueprint, abort, make_response
from flask_login import current_user

from portal import web
from portal.access import requires
from portal.audit.trail import record
from portal.htmx import render
from portal.jobs import background
from portal.jobs.models import JobStatus

bp = Blueprint("jobs", __name__, url_prefix="/jobs")


def _own(job_id: int):
    job = background.own_job(current_user, job_id)
    if job is None:
        abort(404)
    return job


@bp.get("/<int:job_id>")
@requires("job.read")
def show(job_id: int):
    """The job's status and progress bar (the `job` block for htmx, which polls it until
    the job is finished), with the download link once done; 404 for another user's job."""
    job = _own(job_id)
    response = render("jobs/job.html", "job", job=job, title=background.title_of(job),
                      back=background.back_of(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/<int:job_id>/file")
@requires("job.read")
def download(job_id: int):
    """The file the job made (a plain link, not htmx); 404 before it is done or for another
    user's job. Every download is in the audit trail (the file may hold personal data)."""
    job = _own(job_id)
    if job.status != JobStatus.DONE or job.result is None:
        abort(404)
    record("download_job_file", "BackgroundJob", job.id,
           {"kind": job.kind, "session_id": job.session_id})
    web.commit_read()
    response = make_response(job.result)
    response.headers["Content-Type"] = job.result_mime or "application/octet-stream"
    response.headers["Content-Disposition"] = f'attachment; filename="{job.result_name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response
