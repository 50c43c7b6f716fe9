"""Issue 11: the route × role × output table of personal data, generated from the URL map.

A closed meeting carries a citizen's petition with a phone, an ID number and an address in
its fields and in its free text (the content, the directive, the conclusion, the timeline),
a speaker and a citizen present; its conclusion notice is issued (official and masked
renditions frozen) and its minutes are a live draft. Every GET route that can be filled
from that record is read by every role, as a page, as an htmx fragment and as whatever file
it answers (PDF, Excel, CSV, iCal), and the table asserts what `portal.petitions.privacy`
says: the planted phone and ID numbers reach only FULL readers, the planted names only
NAMES readers and above.
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
from datetime import date, time, timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

NAME = "Lương Thị Khánh Vy"  # the submitter and speaker
PRESENT = "Đinh Công Tráng"  # a citizen present
CONTACT = "0912 345 678, số 12 đường Lê Lợi"
ID_NUMBER = "024188009999"
PHONE = "0987.654.321"
CCCD = "036099001234"
CONTENT = f"Đất bị lấn chiếm, đề nghị giải quyết. SĐT {PHONE}, CCCD {CCCD}."
# What must never be seen, digits only (a PDF may break a number across a line).
NUMBERS = ("0912345678", "024188009999", "0987654321", "036099001234")

ROLES = ("office", "chair", "officer", "other_officer", "observer", "admin")
# Who reads what, per kind of output (privacy.RULES): FULL sees the numbers, NAMES the names.
FULL_PAGE = {"office", "officer"}  # the officer's agency is assigned the petition
NAMES_PAGE = FULL_PAGE | {"chair"}
FULL_DOCUMENT = {"office", "chair", "officer"}  # documents: per document (privacy docstring)

# Routes whose parameters this record cannot fill, or that carry nothing of a petition.
NOT_OF_A_PETITION = {"static", "health.healthz", "auth.login", "auth.index", "calendar.feed",
                     "runner.kiosk_screen", "tracker.attachment",
                     "preparation.invitation_pdf", "plans.detail", "plans.plan_pdf",
                     "plans.edit_plan_form", "plans.new_program_form",
                     "plans.edit_program_form", "petitions.import_template"}
# Query strings that make a list show the record.
EXTRA = {
    "petitions.index": ["?session={session}", "?q=Khanh+Vy"],
    "petitions.export_list": ["?session={session}&format=xlsx",
                              "?session={session}&format=csv"],
    "petitions.export_session": ["?format=xlsx", "?format=csv"],
    "reports.period": ["?from={first}&to={last}"],
    "reports.period_xlsx": ["?from={first}&to={last}"],
    "reports.period_pdf": ["?from={first}&to={last}"],
    "tracker.index": ["?status=open"],
}


def _plant(app, data) -> dict:
    from portal.calendar.models import DialogueSession, SessionStatus
    from portal.documents import services
    from portal.documents.conclusion import draft_conclusion_notice
    from portal.documents.minutes import draft_minutes
    from portal.documents.models import DocumentType, SigningPosition
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.preparation.models import InviteeKind
    from portal.runner.models import Attendance, Speaker, SpeakerStatus, TimelineEntry
    from portal.timefmt import local_to_utc, local_today
    from portal.tracker.models import AnswerMode, Assignment
    from portal.types import utcnow

    with app.app_context():
        today = local_today()
        meeting = db.session.get(DialogueSession, data["session"])
        meeting.starts_at = local_to_utc(today - timedelta(days=1), time(8, 0))
        meeting.status = SessionStatus.CONCLUDED
        meeting.stage = "conclusion"
        meeting.conclusion = f"Giao Sở Tài nguyên và Môi trường làm việc với bà {NAME} " \
                             f"({PHONE}) trong tháng."
        meeting.closed_at = utcnow()
        petition = Petition(
            session_id=meeting.id, submitter_kind=SubmitterKind.CITIZEN, submitter_name=NAME,
            submitter_contact=CONTACT, submitter_id_number=ID_NUMBER, locality="xã Tân Sỏi",
            field_id=data["fields"][0], content=CONTENT, channel=Channel.AT_DIALOGUE,
            raised_at_meeting=True, advising_agency_id=data["agency"],
            directive=f"Trả lời bà {NAME} qua số {PHONE}.")
        db.session.add(petition)
        db.session.flush()
        assignment = Assignment(petition_id=petition.id, agency_id=data["agency"],
                                mode=AnswerMode.IN_WRITING, deadline=today + timedelta(days=20))
        start = utcnow() - timedelta(hours=2)
        db.session.add_all([
            assignment,
            Speaker(session_id=meeting.id, name=NAME, kind=SubmitterKind.CITIZEN,
                    status=SpeakerStatus.DONE, started_at=start,
                    ended_at=start + timedelta(minutes=3)),
            Attendance(session_id=meeting.id, kind=InviteeKind.CITIZEN, name=PRESENT),
            TimelineEntry(session_id=meeting.id, action="petition", stage="discussion",
                          detail=f"{NAME}: {CONTENT}", petition_id=petition.id),
            SigningPosition(title="PHÓ CHÁNH VĂN PHÒNG", name="Nguyễn Văn Ký",
                            authority="TL. CHỦ TỊCH", effective_from=date(2000, 1, 1),
                            active=True),
        ])
        db.session.flush()
        notice = draft_conclusion_notice(meeting, None, app.config)
        minutes = draft_minutes(meeting, None, app.config)
        db.session.flush()
        position = db.session.query(SigningPosition).one()
        services.issue(notice, user_id=None, today=today, position=position, config=app.config)
        assert notice.doc_type == DocumentType.TB and minutes.doc_type == DocumentType.BB
        db.session.commit()
        return {"session": meeting.id, "petition": petition.id, "assignment": assignment.id,
                "documents": [notice.id, minutes.id],
                "first": f"01/01/{today.year}", "last": today.strftime("%d/%m/%Y")}


def _urls(app, ids) -> list[tuple[str, str]]:
    """(endpoint, url) for every GET route the record fills."""
    fill = {"session_id": [ids["session"]], "petition_id": [ids["petition"]],
            "assignment_id": [ids["assignment"]], "document_id": ids["documents"]}
    found = []
    for rule in app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.endpoint in NOT_OF_A_PETITION:
            continue
        if rule.endpoint.startswith(("admin.", "audit.")) and rule.endpoint != "admin.agencies":
            continue  # no petition there (the audit viewer masks by itself: its own tests)
        params = sorted(rule.arguments)
        if any(p not in fill for p in params):
            continue
        variants = [{}]
        for param in params:
            variants = [{**v, param: value} for v in variants for value in fill[param]]
        for values in variants:
            path = rule.rule
            for param, value in values.items():
                path = re.sub(rf"<(?:[^:>]+:)?{param}>", str(value), path)
            for extra in EXTRA.get(rule.endpoint, [""]):
                found.append((rule.endpoint, path + extra.format(**ids)))
    return found


def _text(response) -> tuple[str, str]:
    """(kind of output, its text, NFC, with no whitespace) of a response."""
    kind = response.headers.get("Content-Type", "")
    if "event-stream" in kind:  # a live stream never ends: its first frame, then hang up
        chunks = response.iter_encoded()
        body = next((chunk for chunk in chunks if chunk.strip()), b"")
        response.close()
        return "html", re.sub(r"\s+", "", unicodedata.normalize("NFC", body.decode()))
    body = response.data
    if "pdf" in kind:
        reader = PdfReader(io.BytesIO(body))
        text, out = "".join(page.extract_text() for page in reader.pages), "pdf"
    elif "spreadsheet" in kind:
        book = load_workbook(io.BytesIO(body))
        text = " ".join(str(cell.value) for sheet in book for row in sheet.iter_rows()
                        for cell in row if cell.value is not None)
        out = "xlsx"
    elif "csv" in kind:
        text = " ".join(" ".join(row) for row in csv.reader(io.StringIO(body.decode("utf-8-sig"))))
        out = "csv"
    else:
        text, out = body.decode("utf-8", "replace"), "calendar" if "calendar" in kind else "html"
    return out, re.sub(r"\s+", "", unicodedata.normalize("NFC", text))


def _digits(text: str) -> str:
    return re.sub(r"[.\-]", "", text)


def test_no_personal_data_reaches_a_reader_not_allowed_it(app, login, data):
    """The table: every filled route × every role × page, fragment and file. The names and
    numbers planted in the record appear exactly where the policy allows them."""
    ids = _plant(app, data)
    clients = {role: login(role) for role in ROLES}
    urls = _urls(app, ids)
    seen, leaks, checked = {"number": set(), "name": set()}, [], 0
    name, present = NAME.replace(" ", ""), PRESENT.replace(" ", "")
    for endpoint, url in urls:
        for role, client in clients.items():
            for htmx in (False, True):
                response = client.get(url, htmx=htmx)
                if response.status_code != 200:
                    continue
                out, text = _text(response)
                if htmx and out != "html":
                    continue  # a file is the same file for htmx
                checked += 1
                document = out == "pdf" or endpoint.startswith("documents.")
                full = role in (FULL_DOCUMENT if document else FULL_PAGE)
                names = full or (not document and role in NAMES_PAGE)
                if out in ("xlsx", "csv"):  # exports: masked for everyone unless ticked
                    full = names = False
                numbers = [n for n in NUMBERS if n in _digits(text)]
                people = [n for n in (name, present) if n in text]
                if numbers:
                    seen["number"].add((endpoint, role))
                    if not full:
                        leaks.append((url, role, out, htmx, "numbers", numbers))
                if people:
                    seen["name"].add((endpoint, role))
                    if not names:
                        leaks.append((url, role, out, htmx, "names", people))
                if numbers or people:  # never kept by a cache, page or file
                    assert "no-store" in response.headers["Cache-Control"], url
    assert leaks == [], "\n".join(map(str, sorted({str(x) for x in leaks})))
    # The plant is visible where it should be, so the table tests something.
    for endpoint in ("runner.console", "runner.chair", "documents.document_pdf",
                     "documents.minutes_pdf", "documents.detail", "petitions.detail"):
        assert (endpoint, "office") in seen["name"], endpoint
    for endpoint in ("petitions.detail", "documents.document_pdf", "documents.minutes_pdf"):
        assert (endpoint, "office") in seen["number"], endpoint
    assert ("runner.chair", "chair") in seen["name"]
    assert ("tracker.detail", "officer") in seen["number"]
    assert checked > 300, checked


def test_issued_notice_keeps_a_frozen_masked_rendition(app, login, data):
    """The issued conclusion notice: official bytes for the office, the chair and the
    agency concerned; its masked rendition, also frozen at issue, for observers and admins."""
    from portal.documents.models import DocumentFile
    from portal.extensions import db

    ids = _plant(app, data)
    notice = ids["documents"][0]
    with app.app_context():
        stored = db.session.get(DocumentFile, notice)
        official, masked = bytes(stored.content), bytes(stored.masked_content)
        assert stored.masked_sha256 and masked != official
    url = f"/documents/{notice}.pdf"
    for role in ("office", "chair", "officer"):
        assert login(role).get(url).data == official, role
    for role in ("observer", "admin"):
        response = login(role).get(url)
        assert response.data == masked, role
        assert response.headers["Cache-Control"] == "private, no-store"
    _, text = _text(login("observer").get(url))
    assert "LươngT.K.V." in text and NAME.replace(" ", "") not in text
    assert login("other_officer").get(url).status_code == 404


@pytest.mark.parametrize("role,shown", [("office", NAME), ("chair", NAME),
                                        ("observer", "Lương T. K. V."),
                                        ("admin", "Lương T. K. V.")])
def test_runner_pages_name_the_citizen_as_the_policy_says(app, login, data, role, shown):
    ids = _plant(app, data)
    for url in (f"/runner/{ids['session']}", f"/runner/{ids['session']}/chair"):
        body = login(role).get(url).get_data(as_text=True)
        assert shown in body, (url, role)
        if shown != NAME:
            assert NAME not in body and PRESENT not in body


def test_messages_to_a_coordinating_agency_mask_the_petition(app, data):
    """E-mail and notifications through the same table: the lead agency reads the text as
    written, a coordinating agency with the numbers and the name masked."""
    from portal.extensions import db
    from portal.petitions import privacy
    from portal.petitions.models import Petition
    from portal.tracker import notify
    from portal.tracker.models import Assignment

    ids = _plant(app, data)
    with app.app_context():
        assignment = db.session.get(Assignment, ids["assignment"])
        petition = db.session.get(Petition, ids["petition"])
        assert privacy.for_agency(petition, data["agency"], CONTENT) == CONTENT
        helper = privacy.for_agency(petition, data["other_agency"], f"{NAME}: {CONTENT}")
        assert PHONE not in helper and CCCD not in helper and NAME not in helper
        assignment.coordinators.append(db.session.get(type(assignment.agency),
                                                      data["other_agency"]))
        notes = notify.assigned(assignment)
        db.session.flush()
        by_agency = {n.agency_id: n.text for n in notes}
        assert CCCD in by_agency[data["agency"]]
        assert CCCD not in by_agency[data["other_agency"]]
        assert "***" in by_agency[data["other_agency"]]
        db.session.rollback()
