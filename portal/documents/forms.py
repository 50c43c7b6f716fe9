"""Forms of the document layer: editing a draft, issuing it, filtering the register."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Form, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields import FieldList, FormField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, \
    ValidationError

from portal.documents.models import DocumentStatus, DocumentType
from portal.formfields import OnceForm, VersionedForm, VNDateField
from portal.timefmt import local_today

# The most blocks one document may have: a long minutes runs to a few hundred.
MAX_BLOCKS = 400

TYPE_LABELS = {
    DocumentType.KH: _l("Kế hoạch"),
    DocumentType.TB: _l("Thông báo"),
    DocumentType.BB: _l("Biên bản"),
    DocumentType.GM: _l("Giấy mời"),
    DocumentType.BC: _l("Báo cáo"),
    DocumentType.CV: _l("Công văn"),
    DocumentType.CTR: _l("Chương trình buổi đối thoại"),
    DocumentType.KB: _l("Kịch bản điều hành"),
}
STATUS_LABELS = {
    DocumentStatus.DRAFT: _l("Dự thảo"),
    DocumentStatus.ISSUED: _l("Đã ban hành"),
}
BLOCK_LABELS = {
    "heading": _l("Tiêu đề mục"),
    "paragraph": _l("Đoạn văn"),
    "bullet": _l("Gạch đầu dòng"),
}


def _too_long(limit: int) -> Length:
    return Length(max=limit, message=_l("Không được dài quá %(max)d ký tự.", max=limit))


class BlockForm(Form):
    """One block of the body: its kind and its text."""

    kind = SelectField(
        _l("Loại đoạn"), choices=[SelectChoice(k, v) for k, v in BLOCK_LABELS.items()],
        validate_choice=False,
        validators=[AnyOf(list(BLOCK_LABELS), message=_l("Loại đoạn không hợp lệ."))])
    text = TextAreaField(_l("Nội dung đoạn"), validators=[
        DataRequired(_l("Vui lòng nhập nội dung của đoạn hoặc xóa đoạn này.")),
        _too_long(20000)])


class DocumentForm(FlaskForm):
    """A draft's summary, body, recipients and signer, with the version it started from."""

    version = HiddenField(validators=[InputRequired(_l("Thiếu phiên bản của văn bản."))])
    summary = TextAreaField(_l("Trích yếu"), validators=[
        DataRequired(_l("Vui lòng nhập trích yếu của văn bản.")), _too_long(500)])
    blocks = FieldList(FormField(BlockForm))
    recipients = TextAreaField(_l("Nơi nhận (mỗi dòng một nơi)"), validators=[
        DataRequired(_l("Vui lòng nhập nơi nhận.")), _too_long(5000)])
    signer_authority = TextAreaField(_l("Thẩm quyền ký (TM., TL., KT.; mỗi dòng một cấp)"),
                                     validators=[Optional(), _too_long(200)])
    signer_title = StringField(_l("Chức vụ người ký"), validators=[
        DataRequired(_l("Vui lòng nhập chức vụ người ký.")), _too_long(120)])
    signer_name = StringField(_l("Họ và tên người ký"), validators=[Optional(), _too_long(120)])

    def validate_version(self, field):
        if not str(field.data or "").isdigit():
            raise ValidationError(_l("Phiên bản không hợp lệ."))

    def validate_blocks(self, field):
        if not field.entries:
            raise ValidationError(_l("Văn bản cần có ít nhất một đoạn nội dung."))
        if len(field.entries) > MAX_BLOCKS:
            raise ValidationError(_l("Văn bản có quá nhiều đoạn (tối đa %(n)d).", n=MAX_BLOCKS))

    @property
    def version_number(self) -> int:
        return int(self.version.data)

    def block_data(self) -> list[dict]:
        """The blocks as typed, in order, as the stored JSON list."""
        return [{"kind": entry.kind.data or "paragraph", "text": (entry.text.data or "")}
                for entry in self.blocks.entries]


class IssueForm(FlaskForm):
    """Issue a draft: today, or a chosen date of the current year, signed by one of the
    office's signing positions (`signer`, its id; choices filled by the view)."""

    issued_on = VNDateField(_l("Ngày ban hành (để trống: hôm nay)"), validators=[Optional()])
    signer = SelectField(_l("Người ký"), validate_choice=False,
                         validators=[DataRequired(_l("Vui lòng chọn người ký trong danh sách "
                                                     "chức danh ký."))])

    def signer_id(self) -> int | None:
        raw = str(self.signer.data or "")
        return int(raw) if raw.isdigit() else None

    def validate_issued_on(self, field):
        """The rule of services.check_issue_date, with the message at the field."""
        if field.data is None:
            return
        today = local_today()
        if field.data.year != today.year:
            raise ValidationError(_l("Ngày ban hành phải thuộc năm %(year)d.", year=today.year))
        if field.data > today:
            raise ValidationError(_l("Ngày ban hành không được sau ngày hôm nay."))


class RegisterFilter(Form):
    """The register's filters, read from the query string (no CSRF: a GET)."""

    year = SelectField(_l("Năm"), validate_choice=False)
    doc_type = SelectField(_l("Loại văn bản"), validate_choice=False)
    status = SelectField(_l("Trạng thái"), validate_choice=False)


class PositionForm(OnceForm, FlaskForm):
    """A new signing position: authority lines, title, name, in effect from a date."""

    authority = TextAreaField(_l("Thẩm quyền ký (TM., TL., KT.; mỗi dòng một cấp)"),
                              validators=[Optional(), _too_long(200)])
    title = StringField(_l("Chức vụ"), validators=[
        DataRequired(_l("Vui lòng nhập chức vụ người ký.")), _too_long(120)])
    name = StringField(_l("Họ và tên"), validators=[
        DataRequired(_l("Vui lòng nhập họ và tên người ký.")), _too_long(120)])
    effective_from = VNDateField(_l("Áp dụng từ ngày"), validators=[
        InputRequired(_l("Vui lòng nhập ngày áp dụng."))])


class PositionSwitchForm(VersionedForm, FlaskForm):
    """Deactivate or reactivate a signing position (its version: 409 if it changed)."""

    active = HiddenField(validators=[AnyOf(["0", "1"], message=_l("Giá trị không hợp lệ."))])


class ProfileForm(OnceForm, FlaskForm):
    """The issuing body, its code and the place, in effect from a date."""

    body_parent = StringField(_l("Cơ quan chủ quản (dòng trên, có thể để trống)"),
                              validators=[Optional(), _too_long(200)])
    body = StringField(_l("Cơ quan ban hành"), validators=[
        DataRequired(_l("Vui lòng nhập tên cơ quan ban hành.")), _too_long(200)])
    body_code = StringField(_l("Ký hiệu cơ quan (trong số văn bản)"), validators=[
        DataRequired(_l("Vui lòng nhập ký hiệu cơ quan.")), _too_long(20)])
    place = StringField(_l("Địa danh (dòng ngày tháng)"), validators=[
        DataRequired(_l("Vui lòng nhập địa danh.")), _too_long(100)])
    effective_from = VNDateField(_l("Áp dụng từ ngày"), validators=[
        InputRequired(_l("Vui lòng nhập ngày áp dụng."))])


class LetterForm(OnceForm, FlaskForm):
    """A new letter (công văn): its summary and the drafting unit's code."""

    summary = StringField(_l("Trích yếu công văn"), validators=[
        DataRequired(_l("Vui lòng nhập trích yếu của văn bản.")), _too_long(400)])
    unit = StringField(_l("Ký hiệu đơn vị soạn thảo"), default="KTTH", validators=[
        DataRequired(_l("Vui lòng nhập ký hiệu đơn vị soạn thảo.")), _too_long(12)])


class ReportDraftForm(OnceForm, FlaskForm):
    """Put the period report into the register as a draft BC."""

    start = VNDateField(_l("Từ ngày"), validators=[InputRequired(_l("Vui lòng nhập ngày."))])
    end = VNDateField(_l("Đến ngày"), validators=[InputRequired(_l("Vui lòng nhập ngày."))])

    def validate_end(self, field):
        if self.start.data and field.data and field.data < self.start.data:
            raise ValidationError(_l("Ngày kết thúc không được trước ngày bắt đầu."))
