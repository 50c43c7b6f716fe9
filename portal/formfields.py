"""Form fields that read what Vietnamese users type: dates dd/mm/yyyy, times HH:MM."""
from __future__ import annotations

import uuid
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l
from wtforms import Field, HiddenField
from wtforms.widgets import TextInput


class _TextParsedField(Field):
    """A text input whose value is parsed; a value that does not parse is kept and reported."""

    widget = TextInput()
    placeholder = ""
    invalid_message = _l("Giá trị không hợp lệ.")

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.setdefault("render_kw", {}).setdefault("placeholder", self.placeholder)
        super().__init__(label, validators, **kwargs)
        self.raw = ""

    def _value(self) -> str:
        if self.raw_data:
            return self.raw_data[0]
        return self.format(self.data) if self.data else ""

    def process_formdata(self, valuelist):
        self.raw = (valuelist[0] if valuelist else "").strip()
        if not self.raw:
            self.data = None
            return
        try:
            self.data = self.parse(self.raw)
        except ValueError as exc:
            self.data = None
            raise ValueError(str(self.invalid_message)) from exc

    def parse(self, text: str):  # pragma: no cover - overridden
        raise NotImplementedError

    def format(self, value) -> str:  # pragma: no cover - overridden
        raise NotImplementedError


# Dates the portal accepts anywhere (a typed year 0001 or 9999 is a typing error).
FIRST_YEAR, LAST_YEAR = 1900, 2100
# The largest id or count a form or a query string may carry (PostgreSQL's integer).
MAX_INT = 2**31 - 1


def bounded_int(raw, *, minimum: int = 0, maximum: int = MAX_INT) -> int | None:
    """An integer read from a query string or a form, or None when it is not one or is out
    of range: odd input is ignored before it reaches the database."""
    text = str(raw or "").strip()
    if not text or len(text) > 12 or not text.lstrip("-").isdigit():
        return None
    value = int(text)
    return value if minimum <= value <= maximum else None


class VNDateField(_TextParsedField):
    """A date typed as dd/mm/yyyy (also d/m/yyyy or dd-mm-yyyy)."""

    placeholder = "dd/mm/yyyy"
    invalid_message = _l("Ngày không hợp lệ, hãy nhập theo dạng dd/mm/yyyy.")

    def parse(self, text: str) -> date:
        day = datetime.strptime(text.replace("-", "/").replace(".", "/"), "%d/%m/%Y").date()
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise ValueError("year out of range")
        return day

    def format(self, value: date) -> str:
        return value.strftime("%d/%m/%Y")


class VNTimeField(_TextParsedField):
    """A 24-hour time typed as HH:MM (also H:MM or HHhMM)."""

    placeholder = "HH:MM"
    invalid_message = _l("Giờ không hợp lệ, hãy nhập theo dạng HH:MM (24 giờ).")

    def parse(self, text: str) -> time:
        return datetime.strptime(text.lower().replace("h", ":").replace(".", ":"), "%H:%M").time()

    def format(self, value: time) -> str:
        return value.strftime("%H:%M")


# --------------------------------------------------------------------------- the change path
# Mixins for the forms of `portal.web.change`: `form.hidden_tag()` renders both.

class VersionedForm:
    """An edit form carries the version of the row it started from; a save from an older
    version is refused with 409 (see `portal.web.check_version`). Fill it with
    `form.version.data = row.version` when the form is first shown."""

    version = HiddenField()


class OnceForm:
    """A creating form carries a one-time client key: submitting it twice (a double click,
    a resend after a lost answer) creates one record (see `portal.web.change(once=True)`)."""

    client_key = HiddenField(default=lambda: uuid.uuid4().hex)
