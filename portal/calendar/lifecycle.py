"""The life of a dialogue session (buổi đối thoại): one table of the moves it allows.

    tentative ──confirm──▶ scheduled ──open──▶ in progress ──close──▶ concluded (locked)
        │                      │
        └──────cancel──────────┴──▶ cancelled ──restore──▶ the status it had before

Beside the moves between states: `edit` (what, who, when, where) and `reschedule` (when
and where) keep the status; both are refused once the record is locked. `open` and `close`
are the meeting day's moves: the runner (portal.runner.stages) calls them and keeps its own
stages beside them.

MOVES is the one table of which move is allowed from which status; every command checks it
and raises `portal.errors.DomainError` (409 not now, 422 bad data) when it refuses.
Predicates other capabilities ask: `before_meeting` (petitions are registered and edited
until the meeting opens) and `is_open_for_preparation` (a session is prepared until it is
closed or cancelled).

Plain functions: no Flask request, no commit (the web pipeline or the CLI commits).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from flask_babel import lazy_gettext as _l

from portal.admin import localities
from portal.calendar import conflicts as conflict_rules
from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
from portal.errors import LOCKED, N_, DomainError
from portal.extensions import db
from portal.timefmt import local_to_utc
from portal.types import utcnow

S = SessionStatus
BEFORE = (S.TENTATIVE, S.SCHEDULED)  # not yet held: may be cancelled, moved, opened
ALL = tuple(SessionStatus)

WRONG_STATE = N_("Thao tác không phù hợp với trạng thái hiện tại của buổi đối thoại.")
CANCELLED = N_("Buổi đối thoại đã bị hủy.")
ALREADY_OPEN = N_("Buổi đối thoại đã được khai mạc.")
NOT_OPEN = N_("Buổi đối thoại chưa khai mạc.")
NOT_CANCELLED = N_("Buổi đối thoại không ở trạng thái đã hủy.")
NOT_TENTATIVE = N_("Buổi đối thoại đã được chốt ngày giờ.")
REASON_REQUIRED = N_("Vui lòng nêu lý do hủy buổi đối thoại.")
END_BEFORE_START = N_("Giờ kết thúc phải sau giờ bắt đầu.")


@dataclass(frozen=True)
class Move:
    """One move of the table: from which statuses, to which one (None: it stays)."""

    name: str
    sources: tuple[SessionStatus, ...]
    target: SessionStatus | None
    label: object  # what a button or the history says


RESTORE_TARGETS = BEFORE  # restore gives back the status before the cancel, one of these

MOVES: dict[str, Move] = {
    m.name: m
    for m in (
        Move("confirm", (S.TENTATIVE,), S.SCHEDULED, _l("Xác nhận ngày giờ")),
        Move("edit", (S.TENTATIVE, S.SCHEDULED, S.IN_PROGRESS, S.CANCELLED), None, _l("Sửa")),
        Move("reschedule", BEFORE, None, _l("Dời lịch")),
        Move("cancel", BEFORE, S.CANCELLED, _l("Hủy buổi")),
        # target: the status it had before the cancel (`restore` reads it)
        Move("restore", (S.CANCELLED,), None, _l("Khôi phục buổi")),
        # the meeting day (portal.runner.stages)
        Move("open", BEFORE, S.IN_PROGRESS, _l("Khai mạc")),
        Move("close", (S.IN_PROGRESS,), S.CONCLUDED, _l("Bế mạc buổi đối thoại")),
    )
}


# --------------------------------------------------------------------------- the table asked

def refusal(session: DialogueSession, name: str) -> DomainError | None:
    """Why move `name` is not allowed on `session` now (a DomainError), or None if it is.
    Pure: reads only the session's status, stage and lock."""
    move = MOVES[name]
    if session.is_locked:
        return DomainError(LOCKED, 409)
    if name == "open" and session.stage is not None:
        return DomainError(ALREADY_OPEN, 409)
    status = session.status
    if status in move.sources:
        return None
    if name == "open" and status == S.CANCELLED:
        return DomainError(CANCELLED, 409)
    if name == "open" and status == S.IN_PROGRESS:
        return DomainError(ALREADY_OPEN, 409)
    if name == "close" and status in BEFORE:
        return DomainError(NOT_OPEN, 409)
    if name in ("reschedule", "cancel") and status == S.CANCELLED:
        return DomainError(CANCELLED, 409)
    if name == "restore":
        return DomainError(NOT_CANCELLED, 409)
    if name == "confirm" and status == S.SCHEDULED:
        return DomainError(NOT_TENTATIVE, 409)
    return DomainError(WRONG_STATE, 409)


def can(session: DialogueSession, name: str) -> bool:
    """May move `name` be made on the session now? (Who may make it is the policy's.)"""
    return refusal(session, name) is None


def allowed_moves(session: DialogueSession) -> list[str]:
    """The moves the session allows now, in the table's order: they drive the buttons."""
    return [name for name in MOVES if can(session, name)]


def require(session: DialogueSession, name: str) -> Move:
    """The move, or the DomainError that refuses it."""
    found = refusal(session, name)
    if found is not None:
        raise found
    return MOVES[name]


def target_of(name: str, status: SessionStatus,
              previous: SessionStatus | None = None) -> SessionStatus:
    """The status after move `name` from `status` (`previous`: the status before the cancel,
    for a restore; SCHEDULED when unknown)."""
    move = MOVES[name]
    if name == "restore":
        return previous if previous in RESTORE_TARGETS else S.SCHEDULED
    return move.target if move.target is not None else status


# --------------------------------------------------------------------------- predicates

def before_meeting(session: DialogueSession) -> bool:
    """Petitions are registered, edited and imported only before the meeting opens."""
    return can(session, "open")


def is_open_for_preparation(session: DialogueSession) -> bool:
    """A session is prepared (checklist, invitations) until it is closed or cancelled."""
    return not session.is_locked and session.status != S.CANCELLED


# --------------------------------------------------------------------------- the values

@dataclass(frozen=True)
class When:
    """When and where a session is held: a local day, local times, a venue."""

    day: date
    start: time
    end: time | None
    venue: str

    def instants(self) -> tuple[datetime, datetime | None]:
        """The UTC start and end (no end when none is given)."""
        if self.end is not None and self.end <= self.start:
            raise DomainError(END_BEFORE_START, 422, "end_time")
        starts_at = local_to_utc(self.day, self.start)
        return starts_at, local_to_utc(self.day, self.end) if self.end else None


@dataclass(frozen=True)
class SessionValues:
    """What a session form describes: the kind, the title, the leader, the content, when."""

    kind: SessionKind
    title: str
    host: str
    content: str
    when: When
    locality: str = ""  # where a voter-contact session is held (its related sessions)
    locality_id: int | None = None  # the commune or ward of the tree, if one was chosen


class Conflicts(DomainError):
    """The session would clash with another one or fall on a day off: saved only once the
    user ticks "save anyway" (`ignore_conflicts`). `conflicts` lists them."""

    def __init__(self, conflicts: list):
        super().__init__(N_("Lịch bị trùng: xem cảnh báo bên dưới. Đổi ngày giờ, địa điểm, "
                            "hoặc đánh dấu «Vẫn lưu dù trùng lịch» rồi lưu lại."), 422)
        self.conflicts = list(conflicts)


def conflicts_of(when: When, host: str, session: DialogueSession | None = None) -> list:
    """The conflicts of holding a session `when` chaired by `host` (none for a cancelled one;
    the session itself is left out)."""
    if session is not None and session.status == S.CANCELLED:
        return []
    starts_at, ends_at = when.instants()
    return conflict_rules.find_conflicts(
        starts_at=starts_at, ends_at=ends_at, venue=when.venue.strip(), host=(host or "").strip(),
        exclude_id=session.id if session is not None else None)


def _check_conflicts(when: When, host: str, session: DialogueSession | None,
                     ignore_conflicts: bool) -> None:
    if ignore_conflicts:
        return
    found = conflicts_of(when, host, session)
    if found:
        raise Conflicts(found)


def _apply_when(session: DialogueSession, when: When) -> None:
    session.starts_at, session.ends_at = when.instants()
    session.venue = when.venue.strip()


def _apply_values(session: DialogueSession, values: SessionValues) -> None:
    session.kind = values.kind
    session.title = values.title.strip()
    session.host = values.host.strip()
    session.content = (values.content or "").strip()
    localities.chosen(session, values.locality_id, values.locality)
    _apply_when(session, values.when)


# --------------------------------------------------------------------------- the commands

def create(user, values: SessionValues, *, ignore_conflicts: bool = False) -> DialogueSession:
    """A new scheduled session (conflicts refused until `ignore_conflicts`)."""
    _check_conflicts(values.when, values.host, None, ignore_conflicts)
    session = DialogueSession(status=S.SCHEDULED)
    _apply_values(session, values)
    db.session.add(session)
    return session


def _confirm_if(session: DialogueSession, confirm_date: bool) -> None:
    if confirm_date and session.status == S.TENTATIVE:
        session.status = target_of("confirm", session.status)


def save(session: DialogueSession, user, values: SessionValues, *, confirm_date: bool = False,
         ignore_conflicts: bool = False) -> DialogueSession:
    """Save an edited session (not once locked); ticking `confirm_date` confirms a tentative
    one. Marks it customized, so that regenerating the plan leaves it be."""
    require(session, "edit")
    _check_conflicts(values.when, values.host, session, ignore_conflicts)
    _apply_values(session, values)
    _confirm_if(session, confirm_date)
    session.is_customized = True
    return session


def reschedule(session: DialogueSession, user, when: When, *, confirm_date: bool = False,
               ignore_conflicts: bool = False) -> DialogueSession:
    """Move a session that has not been held to another day, time or venue (dời lịch)."""
    require(session, "reschedule")
    _check_conflicts(when, session.host, session, ignore_conflicts)
    _apply_when(session, when)
    _confirm_if(session, confirm_date)
    session.is_customized = True
    return session


def confirm(session: DialogueSession, user) -> DialogueSession:
    """Confirm the date and time of a tentative session."""
    require(session, "confirm")
    session.status = target_of("confirm", session.status)
    session.is_customized = True
    return session


def cancel(session: DialogueSession, user, reason: str) -> DialogueSession:
    """Cancel a session that has not been held; the reason is required and kept."""
    require(session, "cancel")
    reason = (reason or "").strip()
    if not reason:
        raise DomainError(REASON_REQUIRED, 422, "reason")
    session.status = target_of("cancel", session.status)
    session.cancel_reason = reason
    session.is_customized = True
    return session


def restore(session: DialogueSession, user,
            previous: SessionStatus | None = None) -> DialogueSession:
    """Give a cancelled session back the status it had before (read from the audit trail
    unless `previous` is given)."""
    require(session, "restore")
    if previous is None:
        from portal.calendar.services import status_before_cancel

        previous = status_before_cancel(session.id)
    session.status = target_of("restore", session.status, previous)
    session.cancel_reason = ""
    session.is_customized = True
    return session


def open_meeting(session: DialogueSession, user=None) -> DialogueSession:
    """The meeting opens (khai mạc): in progress. The runner sets its first stage beside."""
    require(session, "open")
    session.status = target_of("open", session.status)
    return session


def close_meeting(session: DialogueSession, user=None) -> DialogueSession:
    """The meeting closes (bế mạc): concluded, its record locked. The runner checks its
    own conditions (the conclusion stage, the chair's conclusion) first."""
    require(session, "close")
    session.status = target_of("close", session.status)
    session.closed_at = utcnow()
    return session


def apply(session: DialogueSession, name: str, user=None, **data) -> DialogueSession:
    """Make move `name` by its name (the commands above, for callers that hold a name)."""
    commands = {"confirm": confirm, "cancel": cancel, "restore": restore,
                "open": open_meeting, "close": close_meeting}
    if name not in commands:
        raise KeyError(name)
    return commands[name](session, user, **data)
