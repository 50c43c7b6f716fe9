"""Forms of the follow-up tracker; every message is Vietnamese and sits at its field.

Every form of the assignment page is an `ActionForm`: it carries the version of the
assignment the page showed (a move made from a stale page is refused with 409) and a
one-time client key (each action writes a step: sent twice, it is applied once).
"""
from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from portal.formfields import OnceForm, VersionedForm, VNDateField
from portal.tracker import uploads

DEFAULT_MAX_ATTACHMENT_MB = 10


def _too_long(n: int):
    return Length(max=n, message=_l("Không được dài quá %(max)d ký tự.", max=n))


def max_attachment_bytes() -> int:
    """MAX_ATTACHMENT_MB of the app config (default 10 MB), in bytes."""
    mb = float(current_app.config.get("MAX_ATTACHMENT_MB") or DEFAULT_MAX_ATTACHMENT_MB)
    return int(mb * 1024 * 1024)


class ConfirmForm(FlaskForm):
    """A button with nothing to type (mark notifications read): the CSRF token only."""


class JumpForm(FlaskForm):
    """The list's jump (GET): the first page whose items are due on or after a day."""

    class Meta:
        csrf = False

    due_from = VNDateField(_l("Từ hạn ngày"), name="from", validators=[Optional()])


class ActionForm(VersionedForm, OnceForm, FlaskForm):
    """An action on one assignment: the version it started from and a client key."""


class StepForm(ActionForm):
    """An action with nothing to type (start, accept)."""


class AnswerForm(ActionForm):
    answer = TextAreaField(_l("Nội dung trả lời"), validators=[
        DataRequired(_l("Vui lòng nhập nội dung trả lời.")), _too_long(50000)])
    files = MultipleFileField(_l("Tệp đính kèm (PDF, Word, ảnh JPG/PNG)"),
                              render_kw={"accept": uploads.ACCEPT})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.checked: list[uploads.CheckedFile] = []

    def validate_files(self, field):
        """Every file is checked (kind by content, size); all problems are reported."""
        given = [f for f in (field.data or []) if f is not None and getattr(f, "filename", "")]
        if len(given) > uploads.MAX_FILES:
            field.errors.append(_l("Tối đa %(n)s tệp cho một lần trả lời.", n=uploads.MAX_FILES))
            return
        limit = max_attachment_bytes()
        for storage in given:
            try:
                self.checked.append(uploads.check(storage.stream, storage.filename, limit))
            except uploads.UploadError as err:
                field.errors.append(err.message)


class ReturnForm(ActionForm):
    reason = TextAreaField(_l("Lý do trả lại"), validators=[
        DataRequired(_l("Vui lòng nêu lý do trả lại.")), _too_long(10000)])


class ExtensionRequestForm(ActionForm):
    new_deadline = VNDateField(_l("Đề nghị gia hạn đến ngày"), validators=[
        InputRequired(_l("Vui lòng nhập hạn đề nghị."))])
    reason = TextAreaField(_l("Lý do xin gia hạn"), validators=[
        DataRequired(_l("Vui lòng nêu lý do xin gia hạn.")), _too_long(10000)])


class ExtensionDecisionForm(ActionForm):
    note = TextAreaField(_l("Ý kiến của Văn phòng"), validators=[Optional(), _too_long(10000)])


class InputRequestForm(ActionForm):
    coordinator_id = SelectField(_l("Cơ quan phối hợp"), coerce=int, validate_choice=True,
                            invalid_choice_message=_l("Lựa chọn không hợp lệ."),
                            validators=[DataRequired(_l("Vui lòng chọn cơ quan phối hợp."))])
    text = TextAreaField(_l("Nội dung đề nghị phối hợp"), validators=[
        DataRequired(_l("Vui lòng nêu nội dung đề nghị phối hợp.")), _too_long(10000)])

    def __init__(self, *args, agencies=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.coordinator_id.choices = [SelectChoice(0, _l("— Chọn cơ quan —"))] + [
            SelectChoice(value, text) for value, text in agencies]


class InputForm(ActionForm):
    text = TextAreaField(_l("Ý kiến phối hợp"), validators=[
        DataRequired(_l("Vui lòng nhập ý kiến phối hợp.")), _too_long(50000)])


class BeyondAuthorityForm(ActionForm):
    note = TextAreaField(_l("Ghi chú (căn cứ xác định vượt thẩm quyền)"),
                         validators=[Optional(), _too_long(10000)])


class ReportUpwardForm(ActionForm):
    upper_body = StringField(_l("Cơ quan có thẩm quyền"), validators=[
        DataRequired(_l("Vui lòng nhập cơ quan có thẩm quyền.")), _too_long(300)])
    report_number = StringField(_l("Số văn bản báo cáo"), validators=[
        DataRequired(_l("Vui lòng nhập số văn bản báo cáo.")), _too_long(60)],
        render_kw={"placeholder": "123/UBND-KTTH"})
    report_date = VNDateField(_l("Ngày văn bản"), validators=[
        InputRequired(_l("Vui lòng nhập ngày văn bản báo cáo."))])
    note = TextAreaField(_l("Ghi chú"), validators=[Optional(), _too_long(10000)])


class UpperAnswerForm(ActionForm):
    answered_on = VNDateField(_l("Ngày trả lời"), validators=[
        InputRequired(_l("Vui lòng nhập ngày trả lời."))])
    text = TextAreaField(_l("Nội dung trả lời của cấp có thẩm quyền"), validators=[
        DataRequired(_l("Vui lòng nhập nội dung trả lời của cấp có thẩm quyền.")),
        _too_long(50000)])


class VerdictForm(ActionForm):
    """How the citizen received the accepted answer; not satisfied needs a note and the new
    round's deadline (the command checks them, at their fields)."""

    verdict = SelectField(_l("Ý kiến của người dân"), choices=[
        SelectChoice("satisfied", _l("Hài lòng")),
        SelectChoice("not_satisfied", _l("Chưa hài lòng")),
        SelectChoice("not_reached", _l("Chưa liên hệ được"))], validators=[
        DataRequired(_l("Vui lòng chọn ý kiến của người dân."))])
    channel = SelectField(_l("Ghi nhận qua"), choices=[
        SelectChoice("call", _l("Điện thoại")), SelectChoice("letter", _l("Văn bản")),
        SelectChoice("next_session", _l("Buổi đối thoại sau"))], validators=[
        DataRequired(_l("Vui lòng chọn cách ghi nhận ý kiến."))])
    note = TextAreaField(_l("Ghi chú (bắt buộc khi chưa hài lòng)"), validators=[
        _too_long(10000)])
    deadline = VNDateField(_l("Hạn trả lời vòng mới (khi chưa hài lòng)"),
                           validators=[Optional()])


class RemindForm(OnceForm, FlaskForm):
    """Bulk reminders: the ticked items, or every late / due-soon item under the filters;
    sent twice (its client key), the agencies are reminded once."""

    ids = SelectMultipleField(_l("Chọn"), coerce=int, validate_choice=False)
    scope = SelectField(_l("Phạm vi"), choices=[
        SelectChoice("selected", _l("Các mục đã chọn")),
        SelectChoice("filter", _l("Tất cả mục quá hạn, sắp đến hạn theo bộ lọc"))],
                        invalid_choice_message=_l("Lựa chọn không hợp lệ."))
    note = StringField(_l("Lời nhắn kèm theo"), validators=[Optional(), _too_long(1000)])

    def validate_ids(self, field):
        if self.scope.data == "selected" and not field.data:
            field.errors.append(_l("Vui lòng chọn ít nhất một mục để đôn đốc."))


class ReplyTemplateForm(VersionedForm, OnceForm, FlaskForm):
    """A reply template: its kind, the field it serves (or every field), a title, the text."""

    kind = SelectField(_l("Dùng cho"), choices=[
        SelectChoice("answer", _l("Trả lời của cơ quan")),
        SelectChoice("return", _l("Lý do trả lại")),
        SelectChoice("extension", _l("Lý do xin gia hạn")),
        SelectChoice("refuse_extension", _l("Lý do không đồng ý gia hạn"))],
        validators=[DataRequired(_l("Vui lòng chọn loại mẫu."))])
    field_id = SelectField(_l("Lĩnh vực"), coerce=int, default=0)
    title = StringField(_l("Tên mẫu"), validators=[
        DataRequired(_l("Vui lòng nhập tên mẫu.")), _too_long(200)])
    body = TextAreaField(_l("Nội dung mẫu"), validators=[
        DataRequired(_l("Vui lòng nhập nội dung mẫu.")), _too_long(20000)])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from portal.petitions.forms import field_choices

        self.field_id.choices = [SelectChoice(0, _l("— Mọi lĩnh vực —"))] + field_choices()
