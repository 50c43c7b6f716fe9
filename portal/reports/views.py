"""The dashboard and the periodic reports (III.2): a page, a PDF and an Excel workbook."""
from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, make_response, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from portal import web
from portal.access import may, requires
from portal.audit import trail
from portal.calendar.models import DialogueSession, Plan, SessionKind
from portal.formfields import bounded_int
from portal.documents.layout import render_pdf
from portal.documents.models import Setting
from portal.extensions import db
from portal.htmx import is_fragment_request, render
from portal.labels import label
from portal.petitions import privacy
from portal.jobs import background
from portal.reports import exports, figures, pdf, publication, summary
from portal.reports.charts import Bar, bar_chart, percent
from portal.reports.forms import (
    DashboardFilterForm, ExportJobForm, PeriodForm, PublicPageForm, PublishForm,
)
from portal.reports.public import (
    PUBLIC_PAGE_KEY, public_page_enabled, switch_public_page, switched_on)
from portal.reports.words import status_label
from portal.timefmt import local_today

bp = Blueprint("reports", __name__, url_prefix="/reports")

PAGE_OUTSTANDING_LIMIT = 100  # the page lists the oldest; the workbook lists them all


# --------------------------------------------------------------------------- the dashboard


def _dashboard_charts(d: figures.Dashboard) -> dict:
    """The dashboard's charts as inline SVG, in the user's language."""
    agencies = d.by_agency
    return {
        "status": bar_chart("chart-status", _("Nhiệm vụ theo trạng thái"),
                            [Bar(status_label(s), n) for s, n in d.by_status]),
        "field": bar_chart("chart-field", _("Ý kiến, kiến nghị theo lĩnh vực"),
                           [Bar(f.name, f.petitions) for f in d.by_field]),
        "agency": bar_chart("chart-agency", _("Nhiệm vụ được giao theo cơ quan"),
                            [Bar(a.name, a.tally.assigned) for a in agencies]),
        "on_time": bar_chart(
            "chart-on-time", _("Tỷ lệ trả lời đúng hạn theo cơ quan (%)"),
            [Bar(a.name, (a.tally.on_time_rate or 0) * 100,
                 f"{percent(a.tally.on_time_rate)} ({a.tally.on_time}/"
                 f"{a.tally.on_time + a.tally.late_answered})") for a in agencies],
            max_value=100, tone="ok"),
        "open_late": bar_chart("chart-open-late", _("Nhiệm vụ quá hạn chưa trả lời theo cơ quan"),
                               [Bar(a.name, a.tally.open_late) for a in agencies], tone="err"),
        "oldest": bar_chart("chart-oldest", _("Số ngày làm việc quá hạn của các nhiệm vụ tồn "
                                              "đọng lâu nhất"),
                            [Bar(f"#{i.assignment_id} {i.agency}", i.days_late)
                             for i in d.oldest_open], tone="warn"),
        "held": bar_chart("chart-held", _("Buổi đối thoại đã tổ chức theo hình thức"),
                          [Bar(label(k), n) for k, n in d.held_by_kind]),
    }


def _public_setting() -> Setting | None:
    return db.session.get(Setting, PUBLIC_PAGE_KEY)


def _switch_context(form: PublicPageForm | None = None, message: str | None = None,
                    error=None) -> dict:
    setting = _public_setting()  # a missing row is read again by every get: read it once
    enabled = switched_on(setting)
    if form is None:
        form = PublicPageForm(formdata=None, enabled="0" if enabled else "1",
                              version=setting.version if setting is not None else "")
    return {"public_enabled": enabled, "may_switch": may("public_page.switch"),
            "message": message, "error": error, "public_form": form}


def _dashboard_page(block: str, status: int = 200, form: PublicPageForm | None = None,
                    message: str | None = None, error=None):
    """The dashboard, or only `block` for htmx (then the figures are not counted)."""
    context = _switch_context(form, message, error)
    if block == "dashboard" or not is_fragment_request():
        filters, narrow, ok = _dashboard_filters()
        if not ok:
            status = 422
        d = summary.dashboard(local_today(), narrow,
                              min_ranked=int(current_app.config.get("RANKING_MIN_ITEMS", 5)))
        context.update(d=d, charts=_dashboard_charts(d), percent=percent,
                       status_label=status_label, filters=filters,
                       min_ranked=int(current_app.config.get("RANKING_MIN_ITEMS", 5)))
    return render("reports/dashboard.html", block, status=status, **context)


def _dashboard_filters():
    """The filter form from the query string, and what it narrows to (ignored while bad)."""
    form = DashboardFilterForm(formdata=request.args)
    form.kind.choices = [SelectChoice("", _("— Mọi hình thức —"))] + [
        SelectChoice(k.value, label(k)) for k in SessionKind]
    form.leader.choices = [SelectChoice("", _("— Mọi người chủ trì —"))] + [
        SelectChoice(h, h) for h in figures.leaders()]
    ok = form.validate()
    kind = form.kind.data if form.kind.data in SessionKind._value2member_map_ else None
    leader = form.leader.data if form.leader.data in {c.value for c in form.leader.choices} \
        else ""
    narrow = figures.DashboardFilter(
        start=form.start.data if ok else None, end=form.end.data if ok else None,
        kind=SessionKind(kind) if kind else None, leader=leader or "")
    return form, narrow, ok


@bp.get("/")
@requires("report.read")
def dashboard():
    """Counts by status, field and agency, on-time rates, the oldest open items, the agency
    ranking and the sessions held, each as a chart with its table, narrowed by the sessions'
    period, kind and leader (query string). 403 for agency officers."""
    return _dashboard_page("dashboard")


def _switch_refused(_obj, form: PublicPageForm, status: int, error):
    if isinstance(error, web.Stale) and not error.current:
        # Someone switched it meanwhile: say what it is now beside what this click wanted.
        def state(on: bool) -> str:
            return _("Bật") if on else _("Tắt")

        error.current = [web.Difference(_("Trang công khai"), state(public_page_enabled()),
                                        state(form.enabled.data == "1"))]
        form = None  # the switch is shown afresh: the current state, its current version
    return _dashboard_page("public_switch", status=status, form=form, error=error)


def _switched(_obj, enabled: bool):
    message = _("Đã bật trang công khai.") if enabled else _("Đã tắt trang công khai.")
    return web.saved(message, redirect=url_for("reports.dashboard"),
                     fragment=lambda: _dashboard_page("public_switch", message=message))


@bp.post("/public-page")
@web.change(allow="public_page.switch", form=lambda _obj: PublicPageForm(),
            versioned=lambda _obj: _public_setting(), invalid=_switch_refused, done=_switched)
def public_page(form: PublicPageForm):
    """Switch the public page on (enabled=1) or off (0); 422 with the switch on bad input;
    409 when someone switched it since the page was shown (the form carries the setting's
    version). htmx gets the switch re-rendered; a plain post is redirected to the dashboard."""
    return switch_public_page(form.enabled.data == "1", current_user)


# --------------------------------------------------------------------------- publishing a session

def _concluded_or_none(session_id: int):
    return db.session.get(DialogueSession, session_id)


def _review_page(meeting, form=None, status=200, error=None):
    conclusion, lines = publication.review(meeting)
    if form is None:
        found = publication.publication(meeting)
        form = PublishForm(formdata=None, conclusion=conclusion,
                           version=found.version if found else "")
    posted = request.form if request.method == "POST" else None
    return render("reports/publish.html", "publish", status=status, meeting=meeting,
                  form=form, lines=lines, posted=posted, error=error,
                  published=publication.publication(meeting),
                  viewer=privacy.meeting_viewer(current_user, meeting.id))


@bp.get("/public/sessions/<int:session_id>")
@requires("public_page.switch")
def review_publication(session_id: int):
    """What the public page would show of a concluded session: the conclusion and each
    petition with personal data masked, to edit and tick before publishing."""
    meeting = _concluded_or_none(session_id)
    if meeting is None:
        abort(404)
    return _review_page(meeting)


def _publication_saved(meeting, _result, message):
    return web.saved(message, redirect=url_for("reports.review_publication",
                                               session_id=meeting.id))


@bp.post("/public/sessions/<int:session_id>")
@web.change(allow="public_page.switch", load=_concluded_or_none,
            form=lambda _m: PublishForm(), versioned=publication.publication,
            invalid=_review_page,
            done=lambda m, r: _publication_saved(m, r, _("Đã công khai buổi đối thoại.")))
def publish_session(meeting, form):
    """Publish the session in the reviewed wording (the ticked petitions only); a text that
    still carries personal data is refused at its field; audited."""
    texts = {}
    for key in request.form:
        if key.startswith("p-") and key.endswith("-on"):
            pid = bounded_int(key[2:-3], minimum=1)
            if pid is not None:
                texts[pid] = request.form.get(f"p-{pid}-text", "")
    return publication.publish(meeting, current_user, form.conclusion.data, texts)


@bp.post("/public/sessions/<int:session_id>/unpublish")
@web.change(allow="public_page.switch", load=_concluded_or_none,
            done=lambda m, r: _publication_saved(m, r, _("Đã thôi công khai buổi đối thoại.")))
def unpublish_session(meeting, _form):
    """Take the session off the public page; audited."""
    publication.unpublish(meeting, current_user)


# --------------------------------------------------------------------------- the period report


def _period_form() -> tuple[PeriodForm, figures.Period | None]:
    """The period asked for (this month when none is), or the form with its errors."""
    if "from" not in request.args and "to" not in request.args:
        start, end = figures.month_bounds(local_today().year, local_today().month)
        return PeriodForm(formdata=None, start=start, end=end), figures.Period(start, end)
    form = PeriodForm(request.args)
    if form.validate():
        return form, figures.Period(form.start.data, form.end.data)
    return form, None


def _period_args(period: figures.Period) -> dict:
    return {"from": f"{period.start:%d/%m/%Y}", "to": f"{period.end:%d/%m/%Y}"}


def _period_page(form: PeriodForm, report: figures.PeriodReport | None, status: int = 200):
    today = local_today()
    year = form.end.data.year if isinstance(form.end.data, date) else today.year
    names = {"month": _("Tháng này"), "q1": _("Quý I"), "q2": _("Quý II"), "q3": _("Quý III"),
             "q4": _("Quý IV"), "year": _("Năm %(y)s", y=year),
             "previous_year": _("Năm %(y)s", y=year - 1)}
    presets = [(names[key], p, url_for("reports.period", **_period_args(p)))
               for key, p in figures.presets(today, year)]
    context: dict = {"form": form, "report": report, "presets": presets, "percent": percent,
                     "status_label": status_label}
    if report is not None:
        args = _period_args(report.period)
        context.update(
            pdf_url=url_for("reports.period_pdf", **args),
            xlsx_url=url_for("reports.period_xlsx", **args),
            xlsx_job_url=url_for("reports.period_xlsx_job", **args),
            export_form=ExportJobForm(formdata=None),
            export_jobs=background.jobs_of(current_user, kind=exports.KIND, limit=5),
            job_title=background.title_of,
            summary=pdf.summary_line(report),
            field_chart=bar_chart("chart-period-field", _("Ý kiến, kiến nghị theo lĩnh vực"),
                                  [Bar(f.name, f.petitions) for f in report.by_field]),
            agency_chart=bar_chart(
                "chart-period-agency", _("Tỷ lệ trả lời đúng hạn theo cơ quan (%)"),
                [Bar(a.name, (a.tally.on_time_rate or 0) * 100, percent(a.tally.on_time_rate))
                 for a in report.by_agency], max_value=100, tone="ok"),
        )
    return render("reports/period.html", "period", status=status, **context)


@bp.get("/period")
@requires("report.read")
def period():
    """The report for `from`–`to` (dd/mm/yyyy) as a page; 422 with the error at the field."""
    form, chosen = _period_form()
    if chosen is None:
        return _period_page(form, None, status=422)
    report = summary.period_report(chosen, local_today(), PAGE_OUTSTANDING_LIMIT)
    return _period_page(form, report)


def _download(body: bytes, mimetype: str, filename: str, disposition: str = "attachment"):
    response = make_response(body)
    response.headers["Content-Type"] = mimetype
    response.headers["Content-Disposition"] = f'{disposition}; filename="{filename}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


def _stem(p: figures.Period) -> str:
    return f"bao-cao-{p.start:%Y%m%d}-{p.end:%Y%m%d}"


def _signer_name(year: int) -> str:
    """The leader whose plan covers the year (the report's signer), if there is one."""
    return db.session.scalar(select(Plan.leader_name).where(Plan.year == year)
                             .order_by(Plan.id).limit(1)) or ""


@bp.get("/period.pdf")
@requires("report.read")
def period_pdf():
    """The report as an A4 PDF in the administrative format; 422 page on a bad period."""
    form, chosen = _period_form()
    if chosen is None:
        return _period_page(form, None, status=422)
    report = summary.period_report(chosen, local_today(), pdf.PDF_OUTSTANDING_LIMIT)
    with force_locale("vi"):
        document = pdf.build_report(report, current_app.config, _signer_name(chosen.end.year))
    body = render_pdf(document, current_app.config["PDF_FONT_DIRS"])
    trail.record("export_report", "Report", None,
                 {"format": "pdf", **_period_args(chosen), "masked": True})
    web.commit_read()
    return _download(body, "application/pdf", f"{_stem(chosen)}.pdf", "inline")


def _export_refused(_obj, _form, status, error):
    form, chosen = _period_form()
    if chosen is None:
        return _period_page(form, None, status=422)
    return _period_page(form, summary.period_report(chosen, local_today(),
                                                    PAGE_OUTSTANDING_LIMIT), status=status)


def _export_started(_obj, job):
    if job is None:  # the form had no period: its page with the errors
        return web.saved(redirect=url_for("reports.period", **request.args))
    return web.saved(redirect=url_for("jobs.show", job_id=job.id))


@bp.post("/period.xlsx/job")
@web.change(allow="report.read", form=lambda _obj: ExportJobForm(), once=True,
            invalid=_export_refused, done=_export_started)
def period_xlsx_job(form: ExportJobForm):
    """Start the workbook of the period (`from`, `to` in the query string) as a background
    job; answers with its progress page (a resent click answers with the job it started)."""
    _form, chosen = _period_form()
    if chosen is None:
        return None
    job = background.start(exports.KIND, exports.params_of(chosen), current_user)
    trail.record("export_report", "Report", None,
                 {"format": "xlsx", **_period_args(chosen), "masked": True, "job": True})
    return job


@bp.get("/period.xlsx")
@requires("report.read")
def period_xlsx():
    """The report as an Excel workbook with every outstanding item; 422 page on a bad period."""
    form, chosen = _period_form()
    if chosen is None:
        return _period_page(form, None, status=422)
    today = local_today()
    report = summary.period_report(chosen, today, outstanding_limit=0)
    with force_locale("vi"):
        body = summary.period_workbook(chosen, today, report)
    trail.record("export_report", "Report", None,
                 {"format": "xlsx", **_period_args(chosen), "masked": True})
    web.commit_read()
    return _download(body, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                     f"{_stem(chosen)}.xlsx")

