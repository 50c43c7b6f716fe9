from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, ValidationError

from portal.text import vn_order
from portal.admin.localities import names
from portal.admin.models import Agency
from portal.calendar.models import SessionKind
from portal.extensions import db
from portal.formfields import OnceForm, VNDateField
from portal.labels import choices
from portal.petitions.models import SubmitterKind
from portal.preparation.models import InviteeKind
from portal.runner.amendments import TARGETS
from portal.runner.services import text_base  # noqa: F401 - the forms' hidden `base`
from portal.timefmt import local_today
from portal.tracker.models import AnswerMode

REQUIRED = _l("Trường này là bắt buộc.")


def agency_choices() -> list[SelectChoice]:
    rows = db.session.execute(
        select(Agency.id, Agency.name).where(Agency.is_active)
        .order_by(Agency.kind, vn_order(Agency.name), Agency.id)
    )
    return [SelectChoice(r.id, r.name) for r in rows]


class AssignForm(FlaskForm):
    """The chair assigns a petition to one lead agency (and any coordinating agencies),
    on the spot or in writing by a deadline; or marks it beyond the province's authority."""

    agency_id = SelectField(_l("Cơ quan chủ trì trả lời"), coerce=int,
                            validators=[DataRequired(_l("Vui lòng chọn cơ quan."))])
    coordinators = SelectMultipleField(_l("Cơ quan phối hợp"), coerce=int)
    mode = SelectField(_l("Hình thức"), choices=choices(AnswerMode),
                       validators=[DataRequired(_l("Vui lòng chọn hình thức trả lời."))])
    deadline = VNDateField(_l("Hạn trả lời"))
    answer = TextAreaField(_l("Nội dung trả lời tại buổi đối thoại"),
                           validators=[Length(max=10000)])
    beyond_authority = BooleanField(_l("Vượt thẩm quyền của tỉnh: báo cáo cấp có thẩm quyền"))
    # Registered beforehand and not raised at the meeting: assigned in writing afterwards.
    not_raised = BooleanField(_l("Không nêu tại buổi: giao trả lời bằng văn bản sau buổi"))
    # The assignment's version when the form changes an existing one (409 if it moved on).
    assignment_version = HiddenField()

    def __init__(self, *args, agencies=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Several forms render on one page: the caller passes the choices it loaded once.
        agencies = agencies if agencies is not None else agency_choices()
        self.agency_id.choices = [SelectChoice(0, _l("— Chọn cơ quan —"))] + agencies
        self.coordinators.choices = agencies

    def validate_deadline(self, field):
        if self.mode.data == AnswerMode.IN_WRITING.value:
            if field.data is None and not field.errors:
                raise ValidationError(_l("Vui lòng nhập hạn trả lời bằng văn bản."))
            if field.data is not None and field.data < local_today():
                raise ValidationError(_l("Hạn trả lời không được trước ngày hôm nay."))

    def validate_answer(self, field):
        if self.mode.data == AnswerMode.ON_THE_SPOT.value and not (field.data or "").strip():
            raise ValidationError(_l("Vui lòng ghi nội dung trả lời tại buổi đối thoại."))

    def validate_coordinators(self, field):
        if self.agency_id.data and self.agency_id.data in (field.data or []):
            raise ValidationError(_l("Cơ quan chủ trì không đồng thời là cơ quan phối hợp."))


class CloseUnraisedForm(FlaskForm):
    """A petition not raised at the meeting, closed there with a reason."""

    reason = StringField(_l("Lý do kết thúc (không nêu tại buổi)"), validators=[
        DataRequired(_l("Vui lòng nêu lý do kết thúc ý kiến.")), Length(max=1000)])


class TimeLimitsForm(FlaskForm):
    """Working days to answer in writing, per kind of dialogue (the suggested deadline):
    one field per kind, named by the kind's value."""

    version = HiddenField()


for _choice in choices(SessionKind):
    setattr(TimeLimitsForm, _choice.value, IntegerField(_choice.label, validators=[
        InputRequired(_l("Vui lòng nhập số ngày làm việc.")),
        NumberRange(min=1, max=120, message=_l("Từ 1 đến 120 ngày làm việc."))]))


class _BasedTextForm(FlaskForm):
    base = HiddenField()


class ConclusionForm(_BasedTextForm):
    conclusion = TextAreaField(
        _l("Kết luận của người chủ trì"),
        validators=[DataRequired(_l("Vui lòng nhập kết luận.")), Length(max=50000)],
    )


class NotesForm(_BasedTextForm):
    """The opening's reasons and program, or the host's briefing text."""

    text = TextAreaField(_l("Nội dung"), validators=[Length(max=50000)])


class DirectiveForm(_BasedTextForm):
    directive = TextAreaField(_l("Chỉ đạo của người chủ trì"), validators=[Length(max=10000)])


class SpeakerForm(FlaskForm):
    name = StringField(_l("Họ tên người phát biểu"),
                       validators=[DataRequired(_l("Vui lòng nhập họ tên.")), Length(max=200)])
    kind = SelectField(_l("Là"), choices=choices(SubmitterKind), validators=[DataRequired(REQUIRED)])
    # Typed, with the tree's names offered (a datalist): the console is run by keyboard.
    locality = StringField(_l("Địa bàn"), validators=[Length(max=200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.locality_names = names()


class DoorForm(FlaskForm):
    """Someone who came without an invitation, added at the door."""

    kind = SelectField(_l("Thành phần"), choices=choices(InviteeKind),
                       validators=[DataRequired(REQUIRED)])
    name = StringField(_l("Họ tên"), validators=[DataRequired(_l("Vui lòng nhập họ tên.")),
                                                 Length(max=200)])
    position = StringField(_l("Chức vụ"), validators=[Length(max=200)])
    organisation = StringField(_l("Cơ quan, đơn vị, địa phương"), validators=[Length(max=200)])


class LimitForm(FlaskForm):
    minutes = IntegerField(_l("Thời gian mỗi lượt phát biểu (phút)"), validators=[
        InputRequired(_l("Vui lòng nhập số phút.")),
        NumberRange(min=1, max=60, message=_l("Từ 1 đến 60 phút."))])


class AmendmentForm(FlaskForm):
    target = SelectField(_l("Nội dung đính chính"),
                         choices=[SelectChoice(k, v) for k, v in TARGETS.items()])
    petition_id = IntegerField(_l("Ý kiến số"), default=0)
    text = TextAreaField(_l("Nội dung mới"), validators=[
        DataRequired(_l("Vui lòng nhập nội dung mới.")), Length(max=50000)])
    reason = StringField(_l("Lý do đính chính"), validators=[
        DataRequired(_l("Vui lòng nêu lý do đính chính.")), Length(max=1000)])


class ActionForm(FlaskForm):
    """A bare action (stage change, start/stop): only the CSRF token and the client key."""

    confirm = HiddenField()


class KioskForm(OnceForm, FlaskForm):
    """A new kiosk link for the hall screen: where it is shown, and in which language."""

    label = StringField(_l("Đặt tại"), validators=[Length(max=120)])
    language = SelectField(_l("Ngôn ngữ hiển thị"), default="vi",
                           choices=[SelectChoice("vi", _l("Tiếng Việt")),
                                    SelectChoice("en", _l("Tiếng Anh"))])
