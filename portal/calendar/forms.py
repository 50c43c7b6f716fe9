"""Forms of the schedule calendar: a session, its rescheduling and cancellation, the filters."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.calendar.lifecycle import SessionValues, When
from portal.calendar.models import SessionKind, SessionStatus
from portal.admin.localities import locality_field, offer
from portal.formfields import OnceForm, VersionedForm, VNDateField, VNTimeField
from portal.labels import choices

REQUIRED = _l("Trường này là bắt buộc.")


def _too_long(n: int):
    return Length(max=n, message=_l("Không được dài quá %(max)d ký tự.", max=n))


class _WhenMixin:
    """Date, times and venue: what a reschedule changes, and what conflicts are checked on."""

    day = VNDateField(_l("Ngày"), validators=[InputRequired(_l("Vui lòng nhập ngày họp."))])
    start_time = VNTimeField(_l("Giờ bắt đầu"),
                             validators=[InputRequired(_l("Vui lòng nhập giờ bắt đầu."))])
    end_time = VNTimeField(_l("Giờ kết thúc"), validators=[Optional()])
    venue = StringField(_l("Địa điểm"), validators=[DataRequired(REQUIRED), _too_long(300)])
    # Shown for a tentative (dự kiến) session: ticking it confirms the date and time.
    confirm_date = BooleanField(_l("Xác nhận ngày giờ"))
    # Shown once conflicts are found: ticking it saves anyway.
    ignore_conflicts = BooleanField(_l("Vẫn lưu dù trùng lịch"))

    def validate_end_time(self, field):
        if field.data and self.start_time.data and field.data <= self.start_time.data:
            raise ValidationError(_l("Giờ kết thúc phải sau giờ bắt đầu."))

    def when(self) -> When:
        """What a validated form says about when and where (portal.calendar.lifecycle)."""
        return When(self.day.data, self.start_time.data, self.end_time.data,
                    (self.venue.data or "").strip())


class _SessionFields(_WhenMixin, FlaskForm):
    kind = SelectField(_l("Loại đối thoại"), choices=choices(SessionKind),
                       validators=[DataRequired(REQUIRED)])
    title = StringField(_l("Tiêu đề"), validators=[DataRequired(REQUIRED), _too_long(300)])
    host = StringField(_l("Người chủ trì"), validators=[DataRequired(REQUIRED), _too_long(200)])
    content = TextAreaField(_l("Nội dung"), validators=[_too_long(10000)])
    locality_id = locality_field(_l("Xã, phường, đặc khu nơi tổ chức"))
    locality = StringField(_l("Địa bàn tổ chức (xã, phường; buổi tiếp xúc cử tri)"),
                           validators=[_too_long(200)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        offer(self)

    def values(self) -> SessionValues:
        return SessionValues(SessionKind(self.kind.data), self.title.data.strip(),
                             self.host.data.strip(), (self.content.data or "").strip(),
                             self.when(), (self.locality.data or "").strip(),
                             self.locality_id.data or None)


class SessionForm(VersionedForm, _SessionFields):
    """Edit a dialogue session; it carries the version it started from (409 if stale)."""


class NewSessionForm(OnceForm, _SessionFields):
    """Create a dialogue session; its client key makes a resubmit create one session."""


class RescheduleForm(VersionedForm, _WhenMixin, FlaskForm):
    """Move a session to another date, time or venue (dời lịch)."""


class CancelForm(VersionedForm, FlaskForm):
    """Cancel a session: the reason is required and kept (DialogueSession.cancel_reason)."""

    reason = TextAreaField(_l("Lý do hủy"), validators=[
        DataRequired(_l("Vui lòng nêu lý do hủy buổi đối thoại.")), _too_long(2000)])


class RestoreForm(VersionedForm, FlaskForm):
    """Restore a cancelled session (only the CSRF token and the version)."""


class FeedForm(FlaskForm):
    """Create or renew a secret feed address (only the CSRF token)."""


ANY = ""


class CalendarFilterForm(FlaskForm):
    """The calendar's filters, read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False

    kind = SelectField(_l("Loại đối thoại"), validators=[Optional()])
    host = SelectField(_l("Lãnh đạo chủ trì"), validators=[Optional()])
    status = SelectField(_l("Trạng thái"), validators=[Optional()])
    agency = SelectField(_l("Cơ quan tham gia"), validators=[Optional()])

    def __init__(self, *args, hosts: list[str], agencies: list[tuple[int, str]], **kwargs):
        super().__init__(*args, **kwargs)
        everything = SelectChoice(ANY, _l("Tất cả"))
        self.kind.choices = [everything, *choices(SessionKind)]
        self.status.choices = [everything, *choices(SessionStatus)]
        self.host.choices = [everything, *(SelectChoice(h, h) for h in hosts)]
        self.agency.choices = [everything, *(SelectChoice(str(i), n) for i, n in agencies)]

    def value(self, name: str) -> str:
        """The chosen value of a filter if it is one of its choices, else "" (any)."""
        field = self[name]
        allowed = {c[0] if isinstance(c, tuple) else c.value for c in field.choices}
        return field.data if field.data in allowed else ANY


class ListRangeForm(FlaskForm):
    """The date range of the list view (GET, no CSRF); dates dd/mm/yyyy."""

    class Meta:
        csrf = False

    start = VNDateField(_l("Từ ngày"), name="from", validators=[Optional()])
    end = VNDateField(_l("Đến ngày"), name="to", validators=[Optional()])

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("Ngày cuối phải sau hoặc bằng ngày đầu."))
