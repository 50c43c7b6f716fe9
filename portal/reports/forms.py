"""Forms of the reports: the period (a GET form) and the public page switch."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, ValidationError

from portal.formfields import OnceForm, VersionedForm, VNDateField
from portal.reports.figures import MAX_PERIOD_YEARS, period_too_long


class PeriodForm(FlaskForm):
    """The report's period, read from the query string (dd/mm/yyyy, both days included)."""

    class Meta:
        csrf = False

    start = VNDateField(_l("Từ ngày"), name="from",
                        validators=[InputRequired(_l("Vui lòng nhập ngày bắt đầu."))])
    end = VNDateField(_l("Đến ngày"), name="to",
                      validators=[InputRequired(_l("Vui lòng nhập ngày kết thúc."))])

    def validate_end(self, field):
        if field.data is None or self.start.data is None:
            return
        if field.data < self.start.data:
            raise ValidationError(_l("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))
        if period_too_long(self.start.data, field.data):
            raise ValidationError(_l("Kỳ báo cáo không được dài quá %(n)s năm.",
                                     n=MAX_PERIOD_YEARS))


class PublicPageForm(VersionedForm, FlaskForm):
    """Switch the public page on or off: the CSRF token, the wanted state and the version of
    the setting the page was shown with (a switch from a stale page is refused)."""

    enabled = HiddenField(validators=[AnyOf(("1", "0"),
                                            message=_l("Lựa chọn không hợp lệ."))])


class DashboardFilterForm(FlaskForm):
    """The dashboard's filters (GET): the sessions' period, kind of dialogue, leader."""

    class Meta:
        csrf = False

    start = VNDateField(_l("Từ ngày"), name="from")
    end = VNDateField(_l("Đến ngày"), name="to")
    kind = SelectField(_l("Hình thức"), default="", validate_choice=False)
    leader = SelectField(_l("Người chủ trì"), default="", validate_choice=False)

    def validate_end(self, field):
        if field.data and self.start.data and field.data < self.start.data:
            raise ValidationError(_l("Ngày kết thúc phải sau hoặc bằng ngày bắt đầu."))


class PublishForm(VersionedForm, FlaskForm):
    """Publishing a session: the conclusion as the public reads it (each petition's text and
    tick are read beside it, `p-<id>-text` / `p-<id>-on`)."""

    conclusion = TextAreaField(_l("Kết luận công khai"), validators=[Length(max=20000)])


class ExportJobForm(OnceForm, FlaskForm):
    """Start the period's workbook as a background job (CSRF and a client key: a double
    click starts one job)."""
