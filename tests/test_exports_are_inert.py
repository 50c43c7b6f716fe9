"""Formula payloads typed into any text field stay inert text in every export: the period
report's workbook, the petition lists (.xlsx and .csv). Read back with openpyxl, no cell is a
formula."""
from __future__ import annotations

import csv
import io
from datetime import date, time

from openpyxl import load_workbook

PAYLOADS = ['=HYPERLINK("http://evil.example/x","click")', "=1+1", "+SUM(A1:A2)",
            "-2+3", "@SUM(1)", "\tcmd", "\r=1"]


def _seed(app, data):
    """A closed session whose title and venue, and petitions whose submitter and content,
    are formula payloads; each petition assigned and still open."""
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind
    from portal.timefmt import local_to_utc
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus

    with app.app_context():
        meeting = DialogueSession(kind=SessionKind.BUSINESS, title=PAYLOADS[1],
                                  starts_at=local_to_utc(date(2024, 5, 10), time(8)),
                                  venue=PAYLOADS[4], host="Phó Chủ tịch",
                                  status=SessionStatus.CONCLUDED, conclusion="Kết luận.")
        db.session.add(meeting)
        db.session.flush()
        for i, payload in enumerate(PAYLOADS):
            petition = Petition(session_id=meeting.id, submitter_kind=SubmitterKind.BUSINESS,
                                submitter_name=payload, field_id=data["fields"][0],
                                content=payload, locality=payload,
                                channel=Channel.AT_DIALOGUE, raised_at_meeting=True)
            petition.refresh_search_text()
            db.session.add(petition)
            db.session.flush()
            db.session.add(Assignment(petition_id=petition.id, agency_id=data["agency"],
                                      mode=AnswerMode.IN_WRITING, deadline=date(2024, 6, i + 1),
                                      original_deadline=date(2024, 6, i + 1),
                                      status=AssignmentStatus.ASSIGNED))
        db.session.commit()
        return meeting.id


def _no_formula(workbook_bytes: bytes) -> list[str]:
    book = load_workbook(io.BytesIO(workbook_bytes))
    texts = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    texts.append(cell.value)
    return texts


def test_the_period_report_workbook_has_no_formula(app, login, data):
    _seed(app, data)
    response = login("office").get("/reports/period.xlsx?from=01/01/2024&to=31/12/2024")
    assert response.status_code == 200
    texts = _no_formula(response.data)
    assert PAYLOADS[0] in " ".join(texts) or any(PAYLOADS[0] in t for t in texts)
    assert any(t == "=1+1" or t.endswith("=1+1") for t in texts)


def test_the_petition_exports_have_no_formula(app, login, data):
    session_id = _seed(app, data)
    office = login("office")
    xlsx = office.get(f"/petitions/sessions/{session_id}/export?format=xlsx")
    assert xlsx.status_code == 200
    texts = _no_formula(xlsx.data)
    assert PAYLOADS[0] in texts
    raw = office.get(f"/petitions/sessions/{session_id}/export?format=csv")
    assert raw.status_code == 200
    rows = list(csv.reader(io.StringIO(raw.data.decode("utf-8-sig"))))
    cells = [c for row in rows[1:] for c in row]
    for payload in PAYLOADS:
        assert "'" + payload in cells or "'" + payload.strip() in cells, payload
    assert not any(c.startswith(("=", "+", "@", "\t", "\r")) for c in cells)


def test_the_helper():
    from portal.exports import csv_value, from_csv

    for payload in PAYLOADS:
        assert csv_value(payload).startswith("'")
        assert from_csv(csv_value(payload)) == payload
    assert csv_value("Đất đai") == "Đất đai" and csv_value(date(2024, 3, 5)) == "05/03/2024"
