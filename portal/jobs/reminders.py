"""The reminders that run on schedule (đôn đốc tự động).

`run(now, config)` does all the due work once: it reminds the lead agency of every open
assignment before its deadline, on the day and while late (a step in each item's timeline,
one in-app notification per agency), writes to the agency's head once an item is long late,
copying the office (escalation: a timeline step, the office's notification, and, with mail,
one letter per head with the office in copy), reminds the owners of preparation steps due soon or overdue, and e-mails each
officer one digest a day. A row in `reminder_sent` per reminder makes it idempotent; on
PostgreSQL an advisory lock makes a second host running it at the same moment skip.
Plain functions, no Flask request.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select, text
from sqlalchemy.orm import joinedload

from portal.auth.models import Role, User
from portal.calendar.rules import working_calendar
from portal.extensions import db
from portal.jobs.models import ReminderSent
from portal.petitions import privacy
from portal.jobs.schedule import Due, Offsets, escalation_due, reminder_due
from portal.preparation.models import ChecklistItem
from portal.timefmt import to_local
from portal.tracker import services as tracker_services
from portal.tracker.lifecycle import OPEN
from portal.tracker.mail import MailSettings, message
from portal.tracker.models import Assignment, AssignmentStep, Notification
from portal.tracker.reminders import _EMAIL, agency_addresses

LOCK_KEY = 815_2024  # pg_advisory lock id of the reminder job
WORDS = {"before": "còn {n} ngày làm việc đến hạn", "due": "đến hạn hôm nay",
         "late": "quá hạn {n} ngày làm việc", "escalate": "quá hạn {n} ngày làm việc"}


@dataclass
class Report:
    skipped: bool = False  # another host holds the lock
    reminded: int = 0
    escalated: int = 0
    checklist: int = 0
    mails: list = field(default_factory=list)

    def summary(self) -> str:
        if self.skipped:
            return "Một máy khác đang chạy việc định kỳ; lần này bỏ qua."
        return (f"Đã nhắc {self.reminded} nhiệm vụ, báo lãnh đạo {self.escalated} nhiệm vụ "
                f"quá hạn lâu, nhắc {self.checklist} việc chuẩn bị; {len(self.mails)} thư.")


def offsets_from(config) -> Offsets:
    return Offsets.parse(config.get("REMINDER_BEFORE_DAYS", "3,1"),
                         config.get("REMINDER_LATE_DAYS", "1,5,10"),
                         config.get("REMINDER_ESCALATE_AFTER_DAYS", 10))


def _locked() -> bool:
    """Hold the job's lock until this transaction ends (PostgreSQL); SQLite has one host."""
    if db.session.get_bind().dialect.name != "postgresql":
        return True
    return bool(db.session.execute(text("SELECT pg_try_advisory_xact_lock(:k)"),
                                   {"k": LOCK_KEY}).scalar())


def _new_keys(keys: list[str]) -> set[str]:
    """The keys not sent yet (one query per 500)."""
    sent = set()
    for start in range(0, len(keys), 500):
        sent |= set(db.session.scalars(select(ReminderSent.key).where(
            ReminderSent.key.in_(keys[start:start + 500]))))
    return set(keys) - sent


def _words(due: Due) -> str:
    return WORDS[due.kind].format(n=due.offset)


def _content(assignment: Assignment, agency_id: int | None = None) -> str:
    """The petition's content, shortened, as the agency writing or written to may read it
    (`privacy.for_agency`: masked for a coordinating agency)."""
    petition = assignment.petition
    content = " ".join(privacy.for_agency(
        petition, assignment.agency_id if agency_id is None else agency_id,
        petition.content).split())
    return content if len(content) <= 80 else content[:77] + "..."


def head_of(agency) -> str:
    """The agency head as a letter names them ("Giám đốc Nguyễn Văn Hùng"), or ""."""
    return " ".join(part for part in (agency.head_title, agency.head_name) if part)


def _escalation_step(agency, due: Due) -> str:
    head = head_of(agency)
    to = f"{head}, đồng gửi Văn phòng" if head else \
        "chưa có thông tin thủ trưởng, đã báo Văn phòng"
    return f"Báo lãnh đạo cơ quan ({to}): {_words(due)}"


def run(now: datetime, config, *, link=lambda a: "", list_link: str = "") -> Report:
    """Do the due work of `now` (it does not commit: the caller commits, then sends
    `report.mails`)."""
    report = Report()
    if not _locked():
        report.skipped = True
        return report
    today = to_local(now).date()
    offsets = offsets_from(config)
    horizon = today + timedelta(days=2 * max(offsets.before or (1,)) + 14)
    cal = working_calendar(today - timedelta(days=400), horizon)

    items = db.session.scalars(
        select(Assignment).options(joinedload(Assignment.agency), joinedload(Assignment.petition))
        .where(Assignment.status.in_(OPEN), Assignment.deadline <= horizon)
        .order_by(Assignment.deadline, Assignment.id)).all()
    wanted: dict[str, tuple[Assignment, Due]] = {}
    for item in items:
        for due in (reminder_due(item.deadline, today, cal, offsets),
                    escalation_due(item.deadline, today, cal, offsets)):
            if due is not None:
                wanted[due.key(f"a{item.id}", item.deadline)] = (item, due)
    steps = db.session.scalars(select(ChecklistItem).options(joinedload(ChecklistItem.session))
                               .where(ChecklistItem.done_at.is_(None),
                                      ChecklistItem.due_date <= horizon)
                               .order_by(ChecklistItem.due_date, ChecklistItem.id)).all()
    checklist: dict[str, tuple[ChecklistItem, Due]] = {}
    for step in steps:
        due = reminder_due(step.due_date, today, cal, offsets)
        if due is not None:
            checklist[due.key(f"c{step.id}", step.due_date)] = (step, due)

    fresh = _new_keys(list(wanted) + list(checklist))
    by_agency: dict[int, list[tuple[Assignment, Due]]] = defaultdict(list)
    escalated: dict[int, list[tuple[Assignment, Due]]] = defaultdict(list)
    for key in sorted(fresh):
        db.session.add(ReminderSent(key=key, at=now))
        if key in wanted:
            item, due = wanted[key]
            if due.kind == "escalate":
                report.escalated += 1
                escalated[item.agency_id].append((item, due))
                head = head_of(item.agency)
                tracker_services.notify_office(  # the office's copy
                    f"{item.agency.short_name}: quá hạn {due.offset} ngày làm việc, đề nghị "
                    f"lãnh đạo chỉ đạo" + (f" (đã báo {head})" if head else "")
                    + f" — «{_content(item)}»", link(item))
            else:
                report.reminded += 1
                by_agency[item.agency_id].append((item, due))
            db.session.add(AssignmentStep(
                assignment_id=item.id, action="auto_remind", from_status=item.status.value,
                to_status=item.status.value, actor_id=None, at=now,
                text=_escalation_step(item.agency, due) if due.kind == "escalate"
                else "Tự động nhắc: " + _words(due)))
        else:
            step, due = checklist[key]
            report.checklist += 1
            text_ = (f"Việc chuẩn bị «{step.title}» của buổi {step.session.title} "
                     f"{_words(due)} (hạn {step.due_date:%d/%m/%Y}).")
            if step.owner_agency_id:
                db.session.add(Notification(agency_id=step.owner_agency_id, text=text_,
                                            created_at=now))
            else:
                tracker_services.notify_office(text_)
    for agency_id, reminded in by_agency.items():
        db.session.add(Notification(
            agency_id=agency_id, created_at=now, link=list_link,
            text=f"Nhắc hạn trả lời {len(reminded)} ý kiến, kiến nghị: " + "; ".join(
                f"«{_content(a)}» ({_words(d)})" for a, d in reminded[:5])
            + (" …" if len(reminded) > 5 else "")))
    settings = MailSettings.from_config(config)
    if settings is not None:
        report.mails = _digests(by_agency, today, now, settings, link)
        report.mails += _assignment_notices(now, settings, link)
        report.mails += _escalations(escalated, settings, link)
    db.session.flush()
    return report


def office_addresses() -> list[str]:
    """E-mail addresses of the active office accounts (the copy of an escalation)."""
    found = []
    for user in db.session.scalars(select(User).where(User.role == Role.OFFICE,
                                                      User.is_active_account).order_by(User.id)):
        address = (user.email or user.username or "").strip()
        if _EMAIL.match(address):
            found.append(address)
    return found


def _escalations(escalated, settings, link) -> list:
    """One letter per agency head about the agency's items escalated in this run, the office
    in copy (Cc); to the office alone when the head has no e-mail address."""
    mails = []
    office = office_addresses()
    for items in escalated.values():
        agency = items[0][0].agency
        head = head_of(agency)
        to = [agency.head_email] if agency.head_email else office
        if not to:
            continue
        lines = [f"Kính gửi: {head + ', ' if head else 'Thủ trưởng '}{agency.name}", "",
                 "Văn phòng UBND tỉnh báo các ý kiến, kiến nghị giao cơ quan trả lời đã quá hạn "
                 "lâu, đề nghị đồng chí chỉ đạo giải quyết:", ""]
        if not agency.head_email:
            lines[:0] = ["(Cơ quan chưa có thư điện tử của thủ trưởng; thư này gửi Văn phòng.)",
                         ""]
        for n, (item, due) in enumerate(items, 1):
            lines.append(f"{n}. {_content(item)} — hạn {item.deadline:%d/%m/%Y}, {_words(due)}")
            lines.append(f"   {link(item)}")
        lines += ["", "Văn phòng UBND tỉnh"]
        mail = message(settings, to, f"Đề nghị chỉ đạo: {len(items)} nội dung quá hạn — "
                                     f"{agency.short_name}", "\n".join(lines))
        cc = [a for a in office if a not in to] if agency.head_email else []
        if cc:
            mail["Cc"] = ", ".join(cc)
        mails.append(mail)
    return mails


NOTICE_WINDOW = timedelta(days=3)  # an assignment made while mail was down is still told


def _assignment_notices(now, settings, link) -> list:
    """E-mail the lead agency and the coordinating agencies of each new assignment (the
    in-app notification was written with it), once."""
    from portal.tracker.models import AnswerMode

    rows = db.session.execute(
        select(Assignment, AssignmentStep.at).join(AssignmentStep,
                                                   AssignmentStep.assignment_id == Assignment.id)
        .options(joinedload(Assignment.petition), joinedload(Assignment.agency),
                 joinedload(Assignment.coordinators))
        .where(AssignmentStep.action == "assign", AssignmentStep.at >= now - NOTICE_WINDOW,
               Assignment.mode == AnswerMode.IN_WRITING)
        .order_by(Assignment.id)).unique().all()
    wanted = {f"a{item.id}:assigned": item for item, _at in rows}
    fresh = _new_keys(list(wanted))
    mails = []
    agencies = {a.agency_id for a in wanted.values()} | {
        c.id for a in wanted.values() for c in a.coordinators}
    addresses = agency_addresses(sorted(agencies))
    for key in sorted(fresh):
        item = wanted[key]
        db.session.add(ReminderSent(key=key, at=now))
        for agency, role in [(item.agency, "chủ trì trả lời")] + [
                (c, f"phối hợp với {item.agency.short_name}") for c in item.coordinators]:
            to = addresses.get(agency.id)
            if not to:
                continue
            body = "\n".join([
                f"Kính gửi: {agency.name}", "",
                f"Cơ quan được giao {role} ý kiến, kiến nghị sau, hạn "
                f"{item.deadline:%d/%m/%Y}:", "", _content(item, agency.id), "", link(item), "",
                "Văn phòng UBND tỉnh"])
            mails.append(message(settings, to, "Được giao trả lời ý kiến, kiến nghị", body))
    return mails


def _digests(by_agency, today, now, settings, link) -> list:
    """One e-mail a day per officer of the agencies reminded."""
    mails = []
    addresses = agency_addresses(list(by_agency))
    officers = db.session.scalars(select(User).where(
        User.agency_id.in_(list(by_agency) or [-1]), User.role == Role.OFFICER,
        User.is_active_account).order_by(User.id)).all()
    digest_keys = {f"digest:{u.id}:{today.isoformat()}": u for u in officers}
    new_digests = _new_keys(list(digest_keys))
    for key in sorted(new_digests):
        user = digest_keys[key]
        to = [a for a in addresses.get(user.agency_id, []) if a in (user.email, user.username)]
        if not to:
            continue
        db.session.add(ReminderSent(key=key, at=now))
        lines = [f"Kính gửi: {user.full_name}", "",
                 "Văn phòng UBND tỉnh nhắc hạn trả lời các ý kiến, kiến nghị sau:", ""]
        for n, (item, due) in enumerate(by_agency[user.agency_id], 1):
            lines.append(f"{n}. {_content(item)} — hạn {item.deadline:%d/%m/%Y}, {_words(due)}")
            lines.append(f"   {link(item)}")
        lines += ["", "Văn phòng UBND tỉnh"]
        mails.append(message(settings, to, f"Nhắc hạn trả lời ({len(by_agency[user.agency_id])} "
                                           "nội dung)", "\n".join(lines)))
    return mails
