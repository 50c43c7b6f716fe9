"""The audit viewer (/admin/audit): who changed what, when, before and after.

For administrators and the Office. Personal data in the recorded values is masked; showing
one event in full («Hiện đầy đủ») is itself written to the trail. The CSV export is masked.
Officers and observers get 403.
"""
from __future__ import annotations

import csv
import io

from flask import Blueprint, make_response, request
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal import web
from portal.access import requires
from portal.audit import trail, viewer
from portal.audit.forms import AuditFilterForm
from portal.audit.models import AuditEvent
from portal.auth.models import User
from portal.exports import csv_value
from portal.extensions import db
from portal.htmx import render
from portal.timefmt import format_datetime, local_today
from portal.formfields import bounded_int

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

PAGE_SIZE = 50
MAX_EXPORT = 10000


def _form() -> tuple[AuditFilterForm, viewer.AuditFilters, int]:
    form = AuditFilterForm(formdata=request.args)
    people = db.session.execute(select(User.id, User.username).order_by(User.username,
                                                                        User.id)).all()
    form.user.choices = [SelectChoice(0, "—")] + [SelectChoice(row.id, row.username)
                                                  for row in people]
    form.entity.choices = [SelectChoice("", "—")] + [
        SelectChoice(e, e) for e in viewer.entities(db.Model.registry)]
    ok = form.validate()
    user_id = bounded_int(request.args.get("user"), minimum=1)
    filters = viewer.AuditFilters(
        user_id=user_id,
        entity=(request.args.get("entity") or "")[:60],
        entity_id=(form.entity_id.data or "").strip()[:40],
        action=(form.action.data or "").strip()[:20],
        date_from=form.date_from.data if ok else None,
        date_to=form.date_to.data if ok else None)
    return form, filters, 200 if ok else 422


@bp.get("/")
@requires("audit.read")
def index():
    """The trail under the filters (person, object, action, period), newest first, 50 a
    page; `reveal=<id>` shows that event's personal data in full and records the reveal.
    htmx swaps the `events` block."""
    form, filters, status = _form()
    page = db.paginate(viewer.events(filters), per_page=PAGE_SIZE, error_out=False,
                       count=False)
    revealed = bounded_int(request.args.get("reveal"), minimum=1)
    shown = {e.id for e in page.items}
    if revealed in shown:
        trail.record("view_personal_data", "AuditEvent", revealed, {"viewer": "audit"})
        web.commit_read()
    return render("audit/index.html", "events", status=status, form=form, filters=filters,
                  page=page, revealed=revealed, values=viewer.values,
                  personal=viewer.has_personal_data, actions=viewer.KNOWN_ACTIONS)


@bp.get("/export.csv")
@requires("audit.read")
def export():
    """The trail under the same filters as CSV (at most 10 000 rows, masked); audited."""
    _form_, filters, _status = _form()
    rows = db.session.scalars(viewer.events(filters).limit(MAX_EXPORT)).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Thời điểm", "Người thực hiện", "Thao tác", "Đối tượng", "Mã", "Trước",
                     "Sau"])
    for event in rows:
        writer.writerow([csv_value(v) for v in (
            format_datetime(event.at), event.user.username if event.user else "",
            event.action, event.entity, event.entity_id or "",
            _flat(viewer.values(event, "before", revealed=False)),
            _flat(viewer.values(event, "after", revealed=False)))])
    trail.record("export_audit", "AuditEvent", None,
                 {"count": len(rows), "filters": filters.args()})
    web.commit_read()
    response = make_response("\ufeff" + out.getvalue())
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="nhat-ky-{local_today():%Y%m%d}.csv"')
    return response


def _flat(values: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in values.items())
