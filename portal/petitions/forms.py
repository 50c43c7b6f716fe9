"""Petitions (ý kiến, kiến nghị): one point raised by one person or organisation."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import select
from wtforms import SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

from portal.text import vn_order
from portal.admin.localities import locality_field, offer
from portal.admin.models import Agency, AgencyKind, Field
from portal.extensions import db
from portal.formfields import OnceForm, VersionedForm, VNDateField
from portal.labels import choices
from portal.petitions.models import AnswerPlan, Channel, SubmitterKind
from portal.timefmt import local_today

REQUIRED = _l("Trường này là bắt buộc.")
# WTForms has no Vietnamese catalog: say it ourselves when a posted choice is not offered.
BAD_CHOICE = dict(invalid_value_message=_l("Lựa chọn không hợp lệ."),
                  invalid_choice_message=_l("Lựa chọn không hợp lệ."))

# Channels of petitions received before the meeting; "at the dialogue" is the runner's.
BEFORE_MEETING_CHANNELS = (Channel.WRITING, Channel.RECEPTION, Channel.VOTER_CONTACT,
                           Channel.BUSINESS_ASSOCIATION)


def _too_long(n: int):
    return Length(max=n, message=_l("Không được dài quá %(max)d ký tự.", max=n))


def field_choices() -> list[tuple[int, str]]:
    rows = db.session.execute(
        select(Field.id, Field.name).where(Field.is_active)
        .order_by(Field.position, Field.name, Field.id)
    )
    return [SelectChoice(row.id, row.name) for row in rows]


def advising_agency_choices() -> list[SelectChoice]:
    """Active agencies that can advise (not the upper authorities), first the "none" choice."""
    rows = db.session.execute(
        select(Agency.id, Agency.name)
        .where(Agency.is_active, Agency.kind != AgencyKind.UPPER)
        .order_by(Agency.kind, vn_order(Agency.name), Agency.id)
    )
    return [SelectChoice(0, _l("— Chưa giao —"))] + [SelectChoice(r.id, r.name) for r in rows]


ID_NUMBER_RULE = Regexp(r"^[0-9A-Za-z]*$", message=_l("Số định danh chỉ gồm chữ và số."))


class PetitionForm(FlaskForm):
    """A petition registered before the meeting or recorded from the floor."""

    submitter_kind = SelectField(_l("Người nêu là"), **BAD_CHOICE, choices=choices(SubmitterKind),
                                 validators=[DataRequired(REQUIRED)])
    submitter_name = StringField(_l("Họ tên / tên tổ chức"),
                                 validators=[DataRequired(REQUIRED), _too_long(200)])
    submitter_contact = StringField(_l("Liên hệ (điện thoại, địa chỉ)"),
                                    validators=[_too_long(200)])
    # Optional: forms that do not render it (the runner's) post nothing and keep it empty.
    submitter_id_number = StringField(_l("Số định danh (CCCD), nếu có"),
                                      validators=[Optional(), _too_long(20), ID_NUMBER_RULE])
    locality_id = locality_field()
    locality = StringField(_l("Địa bàn"), validators=[_too_long(200)])
    field_id = SelectField(_l("Lĩnh vực"), **BAD_CHOICE, coerce=int,
                           validators=[DataRequired(_l("Vui lòng chọn lĩnh vực."))])
    channel = SelectField(_l("Kênh tiếp nhận"), **BAD_CHOICE, choices=choices(Channel),
                          validators=[DataRequired(REQUIRED)])
    content = TextAreaField(_l("Nội dung ý kiến, kiến nghị"),
                            validators=[DataRequired(REQUIRED), _too_long(10000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.field_id.choices = [SelectChoice(0, _l("— Chọn lĩnh vực —"))] + field_choices()
        offer(self)


def check_advising(form, meeting_day: date, current_deadline: date | None) -> None:
    """Cross-field rules of the advising agency and its deadline; errors go on the fields.

    The deadline is required with an agency, falls on or before the meeting day, and is not
    in the past (unless it is the deadline already stored, left as it was).
    """
    agency, deadline = form.advising_agency_id, form.advising_deadline
    if deadline.errors:
        return
    if agency.data and deadline.data is None:
        deadline.errors.append(_l("Vui lòng nhập hạn tham mưu."))
    elif deadline.data is not None and not agency.data:
        agency.errors.append(_l("Vui lòng chọn cơ quan tham mưu cho hạn đã nhập."))
    elif deadline.data is not None:
        if deadline.data > meeting_day:
            deadline.errors.append(_l("Hạn tham mưu không được sau ngày đối thoại (%(day)s).",
                                      day=meeting_day.strftime("%d/%m/%Y")))
        elif deadline.data < local_today() and deadline.data != current_deadline:
            deadline.errors.append(_l("Hạn tham mưu không được trước ngày hôm nay."))


class _AdvisingFields(FlaskForm):
    advising_agency_id = SelectField(_l("Cơ quan tham mưu, chuẩn bị trả lời"), **BAD_CHOICE,
                                     coerce=int, default=0)
    advising_deadline = VNDateField(_l("Hạn tham mưu"))

    def __init__(self, *args, meeting_day: date, current_deadline: date | None = None,
                 agencies: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting_day = meeting_day
        self.current_deadline = current_deadline
        self.advising_agency_id.choices = (agencies if agencies is not None
                                           else advising_agency_choices())

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        check_advising(self, self.meeting_day, self.current_deadline)
        return ok and not self.advising_agency_id.errors and not self.advising_deadline.errors


class RegisterForm(OnceForm, VersionedForm, _AdvisingFields, PetitionForm):
    """A petition received before the meeting, with its classification and advising agency.
    Registering sends a client key (a resubmit creates one petition); editing sends the
    version it started from (a stale save is refused)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.channel.choices = [c for c in choices(Channel)
                                if Channel(c.value) in BEFORE_MEETING_CHANNELS]


class AdvisingForm(VersionedForm, _AdvisingFields):
    """The office classifies a petition (field) and asks an agency to advise, by a deadline."""

    field_id = SelectField(_l("Lĩnh vực"), **BAD_CHOICE, coerce=int,
                           validators=[DataRequired(_l("Vui lòng chọn lĩnh vực."))])

    def __init__(self, *args, fields: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.field_id.choices = [SelectChoice(0, _l("— Chọn lĩnh vực —"))] + (
            fields if fields is not None else field_choices())


class PreparedAnswerForm(VersionedForm, FlaskForm):
    """The advising agency's prepared answer (nội dung trả lời dự kiến), from the version of
    the petition it started from (a stale save is 409 with both texts)."""

    prepared_answer = TextAreaField(
        _l("Nội dung trả lời dự kiến"),
        validators=[DataRequired(_l("Vui lòng nhập nội dung trả lời.")), _too_long(20000)])


class AnswerPlanForm(VersionedForm, FlaskForm):
    """The office's mark on an advance petition: how it will be answered (hướng trả lời)."""

    answer_plan = SelectField(_l("Hướng trả lời"), **BAD_CHOICE, choices=[
        SelectChoice("", _l("— Chưa đánh dấu —")),
        SelectChoice(AnswerPlan.AT_MEETING.value, _l("Trả lời tại buổi đối thoại")),
        SelectChoice(AnswerPlan.BEFORE_MEETING.value,
                     _l("Đã trả lời bằng văn bản trước buổi đối thoại")),
        SelectChoice(AnswerPlan.TO_ASSIGN.value, _l("Phân công cơ quan trả lời bằng văn bản")),
    ])


class ImportForm(OnceForm, FlaskForm):
    """A batch to import; its client key makes a resent upload import once."""

    file = FileField(_l("Tệp CSV hoặc Excel (.xlsx)"),
                     validators=[FileRequired(_l("Vui lòng chọn tệp để nhập."))])


class FilterForm(FlaskForm):
    """The search and filters of petition lists (a GET form: no CSRF)."""

    class Meta:
        csrf = False

    q = StringField(_l("Tìm kiếm"), validators=[_too_long(200)])
    date_from = VNDateField(_l("Từ ngày"), name="from")
    date_to = VNDateField(_l("Đến ngày"), name="to")

    def validate_date_to(self, field):
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("Ngày kết thúc phải từ ngày bắt đầu trở đi."))
