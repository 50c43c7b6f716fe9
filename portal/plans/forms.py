"""Forms of the yearly plan: the plan, its programs and their timing rules, holiday overrides."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from portal.calendar.models import DayShift, SessionKind, TimingRule
from portal.formfields import OnceForm, VersionedForm, VNDateField, VNTimeField
from portal.labels import choices
from portal.plans.services import PlanValues, ProgramValues

REQUIRED = _l("Trường này là bắt buộc.")
MIN_YEAR, MAX_YEAR = 2000, 2100
YEAR_RANGE = _l("Năm phải từ %(min)d đến %(max)d.", min=MIN_YEAR, max=MAX_YEAR)

RULE_LABELS = {
    TimingRule.MONTHLY: _l("Hằng tháng vào một ngày cố định"),
    TimingRule.MONTHS: _l("Dự kiến vào một số tháng"),
    TimingRule.QUARTER: _l("Dự kiến trong một quý"),
    TimingRule.UNDATED: _l("Chưa định ngày (Văn phòng đặt ngày sau)"),
}
SHIFT_LABELS = {
    DayShift.NEXT: _l("Dời sang ngày làm việc kế tiếp"),
    DayShift.PREVIOUS: _l("Chuyển lên ngày làm việc liền trước"),
    DayShift.KEEP: _l("Giữ nguyên ngày"),
}
QUARTER_LABELS = {1: _l("Quý I"), 2: _l("Quý II"), 3: _l("Quý III"), 4: _l("Quý IV")}


def _too_long(n: int):
    return Length(max=n, message=_l("Không được dài quá %(max)d ký tự.", max=n))


class WholeNumberField(IntegerField):
    """An integer typed in a text box, with a Vietnamese message when it is not one."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError as exc:
            self.data = None
            raise ValueError(str(_l("Vui lòng nhập một số nguyên."))) from exc


class ChoiceField(SelectField):
    """A select whose "not one of the choices" message is Vietnamese."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("invalid_choice_message", _l("Lựa chọn không hợp lệ."))
        super().__init__(*args, **kwargs)


def parse_months(text: str) -> list[int]:
    """"6, 11" → [6, 11]; ValueError unless every item is a month 1–12."""
    items = [item for item in re.split(r"[,;\s]+", text.strip()) if item]
    if not items:
        raise ValueError("no month")
    months = []
    for item in items:
        if not item.isdigit() or not 1 <= int(item) <= 12:
            raise ValueError(item)
        months.append(int(item))
    return sorted(set(months))


class _PlanFields(FlaskForm):
    """A leader's yearly plan: who, which year, its legal basis, purpose and requirements.
    One plan per leader and year is the command's rule (portal.plans.services)."""

    year = WholeNumberField(_l("Năm"), validators=[
        InputRequired(_l("Vui lòng nhập năm của kế hoạch.")),
        NumberRange(MIN_YEAR, MAX_YEAR, message=YEAR_RANGE)])
    leader_name = StringField(_l("Họ và tên lãnh đạo"),
                              validators=[DataRequired(REQUIRED), _too_long(120)])
    leader_title = StringField(_l("Chức vụ của lãnh đạo"),
                               validators=[DataRequired(REQUIRED), _too_long(120)],
                               default="Phó Chủ tịch UBND tỉnh")
    title = StringField(_l("Tên kế hoạch"), validators=[Optional(), _too_long(300)],
                        description=_l("Để trống để đặt theo mẫu: Kế hoạch tiếp xúc, đối thoại "
                                       "với nhân dân của … năm …"))
    legal_basis = TextAreaField(_l("Căn cứ (đoạn mở đầu)"), validators=[_too_long(10000)],
                                description=_l("Ví dụ: Thực hiện Quyết định số … của Ban Thường vụ "
                                               "Tỉnh ủy …"))
    purpose = TextAreaField(_l("Mục đích (mỗi ý một dòng)"), validators=[_too_long(10000)])
    requirements = TextAreaField(_l("Yêu cầu (mỗi ý một dòng)"), validators=[_too_long(10000)])

    def values(self) -> PlanValues:
        return PlanValues(
            year=self.year.data, leader_name=self.leader_name.data,
            leader_title=self.leader_title.data, title=self.title.data or "",
            legal_basis=self.legal_basis.data or "", purpose=self.purpose.data or "",
            requirements=self.requirements.data or "")


class PlanForm(VersionedForm, _PlanFields):
    """Edit a plan; it carries the version it started from (409 if stale)."""


class NewPlanForm(OnceForm, _PlanFields):
    """Create a plan; its client key makes a resubmit create one plan."""


class _ProgramFields(FlaskForm):
    """One kind of dialogue in the plan (section II): who, what, and when (text and rule)."""

    kind = ChoiceField(_l("Loại đối thoại"), choices=choices(SessionKind),
                       validators=[DataRequired(REQUIRED)])
    title = StringField(_l("Tên chương trình"), validators=[DataRequired(REQUIRED), _too_long(400)])
    timing = StringField(_l("Thời gian (ghi trong kế hoạch)"),
                         validators=[DataRequired(REQUIRED), _too_long(300)],
                         description=_l("Ví dụ: Định kỳ vào ngày 15 hằng tháng."))
    participants = TextAreaField(_l("Đối tượng"), validators=[_too_long(5000)])
    content = TextAreaField(_l("Nội dung"), validators=[_too_long(10000)])
    rule = ChoiceField(_l("Quy tắc xếp lịch"),
                       choices=[SelectChoice(r.value, RULE_LABELS[r]) for r in TimingRule],
                       validators=[DataRequired(REQUIRED)])
    day_of_month = WholeNumberField(_l("Ngày trong tháng"), validators=[
        Optional(),
        NumberRange(1, 28, message=_l("Ngày trong tháng phải từ 1 đến 28 (tháng nào cũng có)."))])
    shift = ChoiceField(_l("Khi trùng ngày nghỉ"),
                        choices=[SelectChoice(s.value, SHIFT_LABELS[s]) for s in DayShift],
                        validators=[DataRequired(REQUIRED)])
    months = StringField(_l("Các tháng dự kiến"), validators=[_too_long(40)],
                         description=_l("Các số tháng cách nhau bởi dấu phẩy, ví dụ: 6,11"))
    quarter = SelectField(_l("Quý"), choices=[SelectChoice("", "—")] + [
        SelectChoice(str(q), text) for q, text in QUARTER_LABELS.items()], validate_choice=False)
    default_time = VNTimeField(_l("Giờ bắt đầu"), validators=[Optional()])
    duration_minutes = WholeNumberField(_l("Thời lượng (phút)"), default=180, validators=[
        InputRequired(_l("Vui lòng nhập thời lượng.")),
        NumberRange(15, 720, message=_l("Thời lượng phải từ 15 đến 720 phút."))])
    default_venue = StringField(_l("Địa điểm mặc định"), validators=[_too_long(300)])

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Optional() ends the field's own chain when it is empty, so the rule's needs go here.
        field = self.day_of_month
        if self.rule.data == TimingRule.MONTHLY.value and field.data is None and not field.errors:
            field.errors = [*field.errors, _l("Vui lòng nhập ngày trong tháng.")]
            valid = False
        return valid

    def validate_months(self, field):
        text = (field.data or "").strip()
        if not text:
            if self.rule.data == TimingRule.MONTHS.value:
                raise ValidationError(_l("Vui lòng nhập các tháng dự kiến, ví dụ: 6,11."))
            return
        try:
            parse_months(text)
        except ValueError as exc:
            raise ValidationError(_l("Các tháng phải là số từ 1 đến 12, cách nhau bởi dấu phẩy.")) \
                from exc

    def validate_quarter(self, field):
        if field.data and field.data not in {"1", "2", "3", "4"}:
            raise ValidationError(_l("Quý phải từ I đến IV."))
        if self.rule.data == TimingRule.QUARTER.value and not field.data:
            raise ValidationError(_l("Vui lòng chọn quý."))


    def values(self) -> ProgramValues:
        rule = TimingRule(self.rule.data)
        return ProgramValues(
            kind=SessionKind(self.kind.data), title=self.title.data,
            timing=self.timing.data, participants=self.participants.data or "",
            content=self.content.data or "", rule=rule, day_of_month=self.day_of_month.data,
            shift=DayShift(self.shift.data),
            months=tuple(parse_months(self.months.data)) if rule == TimingRule.MONTHS else (),
            quarter=int(self.quarter.data) if self.quarter.data else None,
            default_time=self.default_time.data, duration_minutes=self.duration_minutes.data,
            default_venue=self.default_venue.data or "")


class ProgramForm(VersionedForm, _ProgramFields):
    """Edit a program; it carries the version it started from (409 if stale)."""


class NewProgramForm(OnceForm, _ProgramFields):
    """Add a program; its client key makes a resubmit add one program."""


class AddSessionForm(OnceForm, FlaskForm):
    """"Thêm buổi": a session of a program on a date the office chooses (a client key: a
    resubmit adds one session)."""

    day = VNDateField(_l("Ngày họp"), validators=[InputRequired(_l("Vui lòng nhập ngày họp."))])
    start_time = VNTimeField(_l("Giờ bắt đầu"), validators=[Optional()])
    venue = StringField(_l("Địa điểm"), validators=[_too_long(300)])

    def __init__(self, *args, year: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year

    def validate_day(self, field):
        if field.data and self.year and field.data.year != self.year:
            raise ValidationError(_l("Ngày họp phải thuộc năm %(year)d của kế hoạch.",
                                     year=self.year))


class HolidayOverrideForm(OnceForm, FlaskForm):
    """The Office's decision for one day: an extra day off, or a working day (làm bù).
    One override per day is the command's rule (portal.plans.services)."""

    day = VNDateField(_l("Ngày"), validators=[InputRequired(_l("Vui lòng nhập ngày."))])
    is_day_off = ChoiceField(_l("Điều chỉnh"), choices=[
        SelectChoice("1", _l("Ngày nghỉ")), SelectChoice("0", _l("Ngày làm việc (làm bù)"))],
        validators=[DataRequired(REQUIRED)])
    name = StringField(_l("Lý do, tên ngày"), validators=[DataRequired(REQUIRED), _too_long(200)],
                       description=_l("Ví dụ: Nghỉ Tết Nguyên đán theo Thông báo của Chính phủ"))

    def validate_day(self, field):
        if field.data is not None and not MIN_YEAR <= field.data.year <= MAX_YEAR:
            raise ValidationError(YEAR_RANGE)
