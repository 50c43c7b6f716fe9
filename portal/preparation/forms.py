"""Forms of the preparation: default steps, checklist items, invitees and their replies."""
from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, IntegerField, SelectField, SelectMultipleField, StringField
from wtforms import TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange
from wtforms.validators import ValidationError

from portal.text import vn_order
from portal.admin.models import Agency
from portal.errors import DomainError
from portal.extensions import db
from portal.formfields import OnceForm, VersionedForm, VNDateField
from portal.labels import choices
from portal.preparation import services
from portal.preparation.models import InviteeKind, Reply

REQUIRED = _l("Trường này là bắt buộc.")
BAD_CHOICE = _l("Lựa chọn không hợp lệ.")
OFFICE_OWNER = 0  # the owner select's value for the Office itself


def _too_long(n: int):
    return Length(max=n, message=_l("Không được dài quá %(max)d ký tự.", max=n))


def person_kind_choices() -> list[SelectChoice]:
    """The kinds of invitee entered by hand (agencies are picked from the list)."""
    return [c for c in choices(InviteeKind) if c.value != InviteeKind.AGENCY.value]


def agency_choices() -> list[SelectChoice]:
    """Active agencies by name, one query."""
    rows = db.session.execute(
        select(Agency.id, Agency.name).where(Agency.is_active)
        .order_by(vn_order(Agency.name), Agency.id))
    return [SelectChoice(row.id, row.name) for row in rows]


def owner_choices(agencies: list[SelectChoice]) -> list[SelectChoice]:
    return [SelectChoice(OFFICE_OWNER, _l("Văn phòng UBND tỉnh")), *agencies]


class TemplateItemForm(FlaskForm):
    """A default step of one kind of session (the fields of adding and of editing one)."""

    title = StringField(_l("Tên bước"), validators=[DataRequired(REQUIRED), _too_long(300)])
    days_before = IntegerField(
        _l("Số ngày làm việc trước buổi đối thoại"),
        invalid_value_message=_l("Hãy nhập số ngày là một số nguyên."),
        validators=[InputRequired(_l("Vui lòng nhập số ngày.")),
                    NumberRange(min=0, max=120, message=_l("Số ngày phải từ 0 đến 120."))],
    )
    owner = SelectField(
        _l("Phụ trách"),
        choices=[SelectChoice("office", _l("Văn phòng UBND tỉnh")),
                 SelectChoice("agency", _l("Cơ quan được giao (sở, ngành, địa phương)"))],
        invalid_choice_message=BAD_CHOICE,
        validators=[DataRequired(REQUIRED)],
    )


class NewTemplateItemForm(OnceForm, TemplateItemForm):
    """Add a default step: its client key adds it once, however often it is sent."""


class TemplateItemEditForm(VersionedForm, TemplateItemForm):
    """Edit a default step from the version it was shown at (409 once someone saved it)."""


class NewItemForm(OnceForm, FlaskForm):
    """A step of a session's checklist, as the Office adds it."""

    title = StringField(_l("Nội dung công việc"),
                        validators=[DataRequired(REQUIRED), _too_long(300)])
    owner_agency_id = SelectField(_l("Phụ trách"), coerce=int,
                                  invalid_value_message=BAD_CHOICE,
                                  invalid_choice_message=BAD_CHOICE)
    due_date = VNDateField(_l("Hạn hoàn thành"),
                           validators=[InputRequired(_l("Vui lòng nhập hạn hoàn thành."))])
    note = TextAreaField(_l("Ghi chú"), validators=[_too_long(2000)])

    def __init__(self, *args, meeting_day: date, agencies: list[SelectChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.meeting_day = meeting_day
        self.owner_agency_id.choices = owner_choices(agencies)

    def validate_due_date(self, field):
        # The command checks it too; here it shows beside the form's other errors.
        try:
            services.check_due_date(field.data, self.meeting_day)
        except DomainError as err:
            raise ValidationError(err.message) from err


class ItemForm(VersionedForm, NewItemForm):
    """A step of a session's checklist, edited by the Office from the version it was shown
    at (409 once someone saved it meanwhile)."""

    client_key = None  # an edit, not a creation


class ItemNoteForm(VersionedForm, FlaskForm):
    """What an agency officer may change on their agency's step: the note (versioned)."""

    note = TextAreaField(_l("Ghi chú"), validators=[_too_long(2000)])


class DoneForm(FlaskForm):
    """Tick (done=1) or untick (done=0) a step."""

    done = HiddenField(validators=[AnyOf(["0", "1"], message=BAD_CHOICE)])
    view = HiddenField()  # "my": answer with the officer's own list


class EmptyForm(FlaskForm):
    """A button that only needs the CSRF check (create the checklist, remove a row)."""


class AddAgenciesForm(OnceForm, FlaskForm):
    """Invite one or several agencies (its client key invites them once)."""

    agency_ids = SelectMultipleField(
        _l("Cơ quan, đơn vị, địa phương"), coerce=int,
        invalid_value_message=BAD_CHOICE,
        invalid_choice_message=_l("Cơ quan không hợp lệ: %(value)s."),
        validators=[DataRequired(_l("Vui lòng chọn ít nhất một cơ quan."))],
    )

    def __init__(self, *args, agencies: list[SelectChoice], **kwargs):
        super().__init__(*args, **kwargs)
        self.agency_ids.choices = agencies


class AddPersonForm(OnceForm, FlaskForm):
    """Invite a delegate, or a representative of citizens, businesses or cooperatives (its
    client key adds them once)."""

    kind = SelectField(_l("Thành phần"), choices=person_kind_choices(),
                       invalid_choice_message=BAD_CHOICE, validators=[DataRequired(REQUIRED)])
    name = StringField(_l("Họ tên"), validators=[DataRequired(REQUIRED), _too_long(200)])
    position = StringField(_l("Chức vụ"), validators=[_too_long(200)])
    organisation = StringField(_l("Cơ quan, tổ chức, địa phương"), validators=[_too_long(200)])
    contact = StringField(_l("Liên hệ (điện thoại, email)"), validators=[_too_long(200)])


class ReplyForm(VersionedForm, FlaskForm):
    """An invitee's attendance reply, from the version of the invitation it was shown at."""

    reply = SelectField(_l("Phản hồi"), choices=choices(Reply),
                        invalid_choice_message=BAD_CHOICE, validators=[DataRequired(REQUIRED)])
    delegate_name = StringField(_l("Người dự thay"), validators=[_too_long(200)])
    view = HiddenField()  # "my": answer with the officer's own list

    def validate_delegate_name(self, field):
        if self.reply.data == Reply.DELEGATED.value and not (field.data or "").strip():
            raise ValidationError(_l(services.DELEGATE_REQUIRED))
