"""The one path of every change (Indico's RH.process, as a declaration).

A state-changing view is declared with `change(...)`; the view body only calls the
capability's command. The pipeline runs, in order:

1. check the policy (`portal.access.POLICY`): a role that may never do it gets 403;
2. load the object (404 when it is not there, or outside an officer's agency);
3. build and validate the form (422, the same block re-rendered with what was typed);
   a form carrying the `version` it started from is refused with 409 once the row has
   moved on, showing the current values beside the typed ones;
4. claim the request's client key, if the form has one: a key already used answers
   what was already applied (a retry after a lost answer, a double click), never twice;
5. run the command; a `DomainError` re-renders the form with the message at its field
   (or above it) and the error's status; nothing is half-saved;
6. commit once: a row changed meanwhile (`StaleDataError`) is a 409 as in 3;
7. run the side effects queued with `after_commit` (mail, pushes), then answer through
   `portal.htmx`: the component, `HX-Redirect`, or Post/Redirect/Get.

A database that does not answer raises through to the app's 503 page.
"""
from __future__ import annotations

import inspect
import uuid
from dataclasses import dataclass
from datetime import time
from functools import wraps
from typing import Any, Callable

from flask import abort, current_app, flash, g, request
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from portal import access
from portal.errors import STALE, DomainError
from portal.extensions import db
from portal.htmx import is_fragment_request, redirect_to

KEY_FIELD = "client_key"


def new_client_key() -> str:
    """A fresh key for a creating form (templates call it through `client_key_input()`).
    While a shared render is made (the runner's, `portal.runner.views`), a mark that each
    answer replaces with a fresh key."""
    return g.get("client_key_mark") or uuid.uuid4().hex


# --------------------------------------------------------------------------- answers

def saved(message: str | None = None, *, redirect: str | None = None,
          fragment: Callable[[], Any] | None = None, category: str = "success"):
    """The answer to a change that went through: for htmx, the re-rendered `fragment`
    (with the message beside it, as the fragment shows it) or HX-Redirect to `redirect`;
    otherwise a flash and Post/Redirect/Get."""
    if fragment is not None and is_fragment_request():
        return fragment()
    if message:
        flash(message, category)
    if redirect is None:
        redirect = request.referrer or request.path
    return redirect_to(redirect)


def after_commit(callback: Callable[[], Any]) -> None:
    """Queue a side effect (mail, a push) to run once the change is committed."""
    g.setdefault("_after_commit", []).append(callback)


def _run_after_commit() -> None:
    for callback in g.pop("_after_commit", []):
        try:
            callback()
        except Exception:  # noqa: BLE001 - the change is saved; a side effect may fail
            current_app.logger.exception("after-commit side effect failed")


# --------------------------------------------------------------------------- stale writes

@dataclass(frozen=True)
class Difference:
    """One field that someone else changed: its label, the value now saved, the typed one."""

    label: str
    current: str
    typed: str


def _shown(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "value") and not isinstance(value, (str, int)):
        value = value.value
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if hasattr(value, "strftime"):
        return value.strftime("%d/%m/%Y")
    return str(value)


def differences(form, obj) -> list[Difference]:
    """The form's fields whose saved value (`obj`'s attribute of the same name) differs from
    what was typed: shown beside the form on a 409."""
    found = []
    if form is None or obj is None:
        return found
    for field in form:
        if field.name in ("csrf_token", "version", KEY_FIELD) or field.type in (
                "HiddenField", "SubmitField", "FileField", "MultipleFileField", "CSRFTokenField"):
            continue
        attr = field.short_name
        if not hasattr(obj, attr):
            continue
        current, typed = _shown(getattr(obj, attr)), _shown(field.data)
        if current.strip() != typed.strip():
            labels = _choice_labels(field)
            found.append(Difference(str(field.label.text), labels.get(current, current),
                                    labels.get(typed, typed)))
    return found


def _choice_labels(field) -> dict[str, str]:
    """A select's values → the labels the user saw ("3" → "Sở Xây dựng")."""
    choices = getattr(field, "choices", None)
    if not choices:
        return {}
    labels = {}
    for choice in choices:
        value, label = (choice[0], choice[1]) if isinstance(choice, (tuple, list)) \
            else (getattr(choice, "value", choice), getattr(choice, "label", choice))
        labels[_shown(value)] = str(label)
    return labels


class Stale(DomainError):
    """The row changed since the form was opened; `current` lists what differs."""

    def __init__(self, current: list[Difference]):
        super().__init__(STALE, 409)
        self.current = current


def version_of(form) -> int | None:
    field = getattr(form, "version", None)
    if field is None or field.data in (None, ""):
        return None
    try:
        return int(field.data)
    except (TypeError, ValueError):
        return -1  # tampered: never matches


def check_version(form, entity) -> None:
    """Refuse (409) a form that started from an older version of `entity` than the saved one.
    The form then carries the current version, so a second save, made having seen the
    current text, goes through."""
    started = version_of(form)
    if started is None or entity is None:
        return
    if started != entity.version:
        stale = Stale(differences(form, entity))
        form.version.data = entity.version
        raise stale


# --------------------------------------------------------------------------- client keys

def _posted_key(form) -> str | None:
    raw = request.form.get(KEY_FIELD) or (getattr(form, KEY_FIELD).data
                                          if form is not None and hasattr(form, KEY_FIELD)
                                          else None)
    raw = (raw or "").strip()[:64]
    return raw or None


def _applied(key: str):
    from portal.audit.models import ClientKey

    return db.session.get(ClientKey, key)


def _result_of(record):
    """What the first request with this key created, loaded again (or None)."""
    if record is None or not record.entity or record.entity_id is None:
        return None
    mapper = next((m for m in db.Model.registry.mappers
                   if m.class_.__name__ == record.entity), None)
    return db.session.get(mapper.class_, record.entity_id) if mapper is not None else None


def _claim(key: str) -> bool:
    """Claim the key inside this transaction; False when another request already applied it.
    On PostgreSQL a parallel request with the same key waits here until the first commits."""
    from portal.audit.models import ClientKey

    if _applied(key) is not None:
        return False
    db.session.add(ClientKey(key=key, user_id=current_user.id))
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        return False
    return True


def _remember_result(key: str, result) -> None:
    from portal.audit.models import ClientKey

    state = getattr(result, "_sa_instance_state", None)
    if state is None:
        return
    record = db.session.get(ClientKey, key)
    if record is not None:
        db.session.flush()  # the new row gets its id
        record.entity, record.entity_id = type(result).__name__, getattr(result, "id", None)


# --------------------------------------------------------------------------- the pipeline

def _place(form, err: DomainError) -> int:
    """Put the message at its field when the form has it; the status to answer."""
    target = getattr(form, err.field, None) if (form is not None and err.field) else None
    if target is not None and hasattr(target, "errors"):
        target.errors = list(target.errors) + [err.message]
        err.placed = True
    return err.status


def change(*, allow: str, done: Callable, invalid: Callable | None = None,
           load: Callable | None = None, form: Callable | None = None,
           versioned: Callable | None = None, once: bool = False):
    """Declare a state-changing view.

    allow      the policy action (`portal.access.POLICY`) the user needs (403);
    load       (**view_args) -> the object or None (404); the view receives it first;
    form       (obj) -> the form, built from the request (validated: 422);
    versioned  (obj) -> the row whose `version` the form's `version` field must match (409);
    once       the form carries a client key: a retried submit is applied once;
    invalid    (obj, form, status, error) -> the re-rendered form or component;
    done       (obj, result) -> the answer once committed (`result` is what the view
               returned, or what the first request created when a key was replayed).
    The view is `view(obj, form, **view_args)` and calls the command; it does not commit.
    """

    def decorator(view):
        consumed = set(inspect.signature(load).parameters) if load is not None else set()

        @wraps(view)
        @login_required
        def wrapped(**view_args):
            if current_user.role not in access.POLICY[allow]:
                abort(403)  # the role can never do this, whatever the object: nothing leaks
            obj = load(**{k: v for k, v in view_args.items() if k in consumed}) \
                if load is not None else None
            if load is not None and obj is None:
                abort(404)
            if obj is not None and not access.in_scope(current_user, obj):
                abort(404)  # another agency's item does not exist for an officer
            the_form = form(obj) if form is not None else None

            def refuse(status: int, error: DomainError | None):
                db.session.rollback()
                g.pop("_after_commit", None)
                if invalid is None:
                    abort(status)
                return invalid(obj, the_form, status, error)

            key = _posted_key(the_form) if once else None
            if key is not None and _applied(key) is not None:
                # A resend of a change already applied (CSRF was checked before the view):
                # answer it before validating, since the first send changed what is valid.
                record = _applied(key)
                db.session.rollback()
                return done(obj, _result_of(record))
            if the_form is not None and not the_form.validate_on_submit():
                if not the_form.is_submitted():
                    abort(400)
                if "csrf_token" in the_form.errors:
                    abort(400)
                return refuse(422, None)
            try:
                if versioned is not None:
                    check_version(the_form, versioned(obj))
                if key is not None and not _claim(key):
                    db.session.rollback()
                    return done(obj, _result_of(_applied(key)))
                rest = {k: v for k, v in view_args.items() if k not in consumed}
                result = view(obj, the_form, **rest) if load is not None \
                    else view(the_form, **rest)
                if key is not None:
                    _remember_result(key, result)
                db.session.commit()
            except DomainError as err:
                return refuse(_place(the_form, err), err)
            except StaleDataError:
                db.session.rollback()
                entity = versioned(obj) if versioned is not None else obj
                stale = Stale(differences(the_form, entity))
                if the_form is not None and hasattr(the_form, "version") and entity is not None:
                    the_form.version.data = entity.version
                return refuse(409, stale)
            except IntegrityError:
                db.session.rollback()
                if key is not None and _applied(key) is not None:
                    return done(obj, _result_of(_applied(key)))
                return refuse(409, DomainError(_("Dữ liệu vừa được người khác thay đổi; "
                                                 "vui lòng tải lại trang và thử lại.")))
            except DBAPIError:
                db.session.rollback()
                raise
            _run_after_commit()
            return done(obj, result)

        wrapped.policy_action = allow  # the route × role tests read it
        wrapped.is_change = True
        return wrapped

    return decorator


def commit_read() -> None:
    """Commit what a page view wrote beside the reading: the audit event of a reveal of
    personal data, the notifications it marks read. Never a change of the record."""
    db.session.commit()
