"""The meeting's papers: the office's settings of the program's planned times (minutes per
stage and kind of dialogue). The program and the script themselves are drafted, edited
and issued through the register (`portal.documents.views`, kinds `program` and `script`)."""
from __future__ import annotations

from flask import Blueprint, url_for
from flask_babel import gettext
from flask_login import current_user

from portal import web
from portal.access import requires
from portal.calendar.models import SessionKind
from portal.htmx import render
from portal.labels import STAGE_LABELS
from portal.papers import program
from portal.papers.forms import DurationsForm, field_name
from portal.runner.stages import STAGES

bp = Blueprint("papers", __name__, url_prefix="/papers")


def _page(form: DurationsForm | None = None, *, status: int = 200, error=None,
          saved: bool = False):
    if form is None:
        table = program.all_durations()
        form = DurationsForm(formdata=None, data={
            field_name(kind, stage): table[kind][stage] for kind in SessionKind
            for stage in STAGES})
    return render("papers/settings.html", "durations", status=status, form=form, error=error,
                  saved=saved, kinds=list(SessionKind), stages=STAGES,
                  stage_labels=STAGE_LABELS, field_name=field_name,
                  defaults=program.DEFAULT_MINUTES)


@bp.get("/settings")
@requires("papers.settings")
def settings():
    """The minutes planned for each stage, per kind of dialogue: the program's times."""
    return _page()


@bp.post("/settings")
@web.change(allow="papers.settings", form=lambda _obj: DurationsForm(), once=True,
            invalid=lambda _obj, form, status, error: _page(form, status=status, error=error),
            done=lambda _obj, _result=None: web.saved(
                gettext("Đã lưu thời lượng các bước."), redirect=url_for("papers.settings"),
                fragment=lambda: _page(saved=True)))
def save_settings(form: DurationsForm):
    """Save the minutes per stage and kind (1–600 each: 422 at the field); programs drafted
    from then on plan their times with them."""
    return program.save_durations(current_user, form.values())
