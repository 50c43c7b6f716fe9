from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from portal.admin.models import Agency
from portal.extensions import db
from portal.formfields import VNDateField
from portal.labels import choices
from portal.timefmt import local_today
from portal.tracker.models import AnswerMode


def agency_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Agency.id, Agency.name).where(Agency.is_active).order_by(Agency.kind, Agency.name)
    )
    return [SelectChoice(0, _l("— Chọn cơ quan —"))] + [SelectChoice(r.id, r.name) for r in rows]


class AssignForm(FlaskForm):
    """The chair assigns a petition to a lead agency, on the spot or in writing by a deadline."""

    agency_id = SelectField(_l("Cơ quan chủ trì trả lời"), coerce=int,
                            validators=[DataRequired(_l("Vui lòng chọn cơ quan."))])
    mode = SelectField(_l("Hình thức"), choices=choices(AnswerMode),
                       validators=[DataRequired(_l("Vui lòng chọn hình thức trả lời."))])
    deadline = VNDateField(_l("Hạn trả lời"))
    answer = TextAreaField(_l("Nội dung trả lời tại buổi đối thoại"),
                           validators=[Length(max=10000)])

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Several forms render on one page: the caller passes the choices it loaded once.
        self.agency_id.choices = agencies if agencies is not None else agency_choices()

    def validate_deadline(self, field):
        if self.mode.data == AnswerMode.IN_WRITING.value:
            if field.data is None and not field.errors:
                raise ValidationError(_l("Vui lòng nhập hạn trả lời bằng văn bản."))
            if field.data is not None and field.data < local_today():
                raise ValidationError(_l("Hạn trả lời không được trước ngày hôm nay."))

    def validate_answer(self, field):
        if self.mode.data == AnswerMode.ON_THE_SPOT.value and not (field.data or "").strip():
            raise ValidationError(_l("Vui lòng ghi nội dung trả lời tại buổi đối thoại."))


class ConclusionForm(FlaskForm):
    conclusion = TextAreaField(
        _l("Kết luận của người chủ trì"),
        validators=[DataRequired(_l("Vui lòng nhập kết luận.")), Length(max=50000)],
    )
    version = HiddenField()


class AdvanceForm(FlaskForm):
    confirm = HiddenField()
