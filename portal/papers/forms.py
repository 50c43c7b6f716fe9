"""The settings form of the meeting's papers: the minutes planned per stage and kind."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from portal.calendar.models import SessionKind
from portal.labels import STAGE_LABELS
from portal.papers.program import MAX_MINUTES
from portal.runner.stages import STAGES


def field_name(kind: SessionKind, stage: str) -> str:
    """`citizen_reception__opening`: the form field of one kind's stage."""
    return f"{SessionKind(kind).value}__{stage}"


class DurationsForm(FlaskForm):
    """Minutes per stage for every kind of dialogue: one field per (kind, stage)."""

    def values(self) -> dict[tuple[SessionKind, str], int]:
        return {(kind, stage): self[field_name(kind, stage)].data
                for kind in SessionKind for stage in STAGES}


for _kind in SessionKind:
    for _stage in STAGES:
        setattr(DurationsForm, field_name(_kind, _stage), IntegerField(
            STAGE_LABELS[_stage], validators=[
                InputRequired(_l("Vui lòng nhập số phút.")),
                NumberRange(min=1, max=MAX_MINUTES,
                            message=_l("Từ 1 đến %(max)d phút.", max=MAX_MINUTES))]))
