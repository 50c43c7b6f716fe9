"""The chair's dossier (issue 13): built in the background from the record, one PDF with
the program, the script, every advance petition with its prepared answer, the previous
results and the attendance expected; personal data masked as the role of the user who
asked requires; the build's progress polled, left and picked up again; nobody else's."""
import io
import unicodedata
from datetime import time, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import select

pytest_plugins = ["tests.petitions.petition_fixtures"]

PHONE = "0987 654 321"
PREPARED = "Sở đã rà soát hồ sơ đất của hộ ông An, sẽ cấp giấy trong tháng"
BEFORE = "Đã trả lời bằng Công văn số 45/STNMT, tuyến đường đã được sửa"


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(unicodedata.normalize(
        "NFC", "\n".join(p.extract_text() for p in reader.pages)).split())


@pytest.fixture
def record(app, data, make_petition):
    """A session with invitations and replies (a stand-in, a refusal), three advance
    petitions (one answered before the meeting, one of another agency) and a previous
    related meeting with an answered petition."""
    from portal.calendar.models import DialogueSession, SessionKind, SessionStatus
    from portal.extensions import db
    from portal.petitions import answers
    from portal.petitions.models import AnswerPlan, Channel, Petition, SubmitterKind
    from portal.preparation.models import Invitee, InviteeKind, Reply
    from portal.timefmt import local_to_utc, local_today
    from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus
    from portal.auth.models import User
    from portal.types import utcnow

    ids = {
        "land": make_petition(content=f"Đề nghị cấp giấy đất, liên hệ SĐT {PHONE}",
                              advising_agency_id=data["agency"],
                              advising_deadline=local_today(), prepared_answer=PREPARED,
                              prepared_at=utcnow(), answer_plan=AnswerPlan.AT_MEETING),
        "road": make_petition(submitter_name="Trần Thị Bích", content="Đề nghị sửa đường liên thôn",
                              field_id=data["fields"][2], advising_agency_id=data["agency"],
                              advising_deadline=local_today(), prepared_answer=BEFORE,
                              prepared_at=utcnow()),
        "build": make_petition(submitter_name="Công ty TNHH Minh Phát",
                               submitter_kind=SubmitterKind.BUSINESS,
                               content="Đề nghị rút ngắn thời gian cấp phép xây dựng",
                               field_id=data["fields"][2], advising_agency_id=data["other_agency"],
                               answer_plan=AnswerPlan.TO_ASSIGN),
    }
    with app.app_context():
        office = db.session.get(User, data["users"]["office"])
        answers.mark(db.session.get(Petition, ids["road"]), AnswerPlan.BEFORE_MEETING, office)
        db.session.add_all([
            Invitee(session_id=data["session"], kind=InviteeKind.AGENCY, agency_id=data["agency"],
                    name="Giám đốc Sở Tài nguyên và Môi trường", organisation="Sở TN&MT",
                    reply=Reply.DELEGATED, delegate_name="Phạm Văn Cường"),
            Invitee(session_id=data["session"], kind=InviteeKind.DELEGATE, name="Đỗ Thị Hạnh",
                    position="Đại biểu HĐND tỉnh", reply=Reply.CONFIRMED),
            Invitee(session_id=data["session"], kind=InviteeKind.AGENCY,
                    agency_id=data["other_agency"], name="Sở Xây dựng", reply=Reply.DECLINED),
            Invitee(session_id=data["session"], kind=InviteeKind.CITIZEN, name="Lương Văn Tâm",
                    organisation="thôn Đồng Tâm", contact="0912 000 111",
                    reply=Reply.CONFIRMED),
        ])
        earlier = DialogueSession(
            kind=SessionKind.CITIZEN_RECEPTION, title="Đối thoại tháng 11 về đất đai",
            starts_at=local_to_utc(data["day"] - timedelta(days=30), time(8, 0)),
            venue="Trụ sở Tiếp công dân tỉnh", host="Phan Thế Tuấn",
            status=SessionStatus.CONCLUDED)
        db.session.add(earlier)
        db.session.flush()
        old = Petition(session_id=earlier.id, submitter_kind=SubmitterKind.CITIZEN,
                       submitter_name="Vũ Văn Khải", field_id=data["fields"][0],
                       content="Đề nghị bồi thường đất nông nghiệp", channel=Channel.WRITING)
        db.session.add(old)
        db.session.flush()
        other_old = Petition(session_id=earlier.id, submitter_kind=SubmitterKind.CITIZEN,
                             submitter_name="Mai Văn Sơn", field_id=data["fields"][2],
                             content="Đề nghị cấp phép sửa nhà", channel=Channel.WRITING)
        db.session.add(other_old)
        db.session.flush()
        db.session.add_all([
            Assignment(petition_id=old.id, agency_id=data["agency"],
                       mode=AnswerMode.IN_WRITING, deadline=local_today(),
                       status=AssignmentStatus.DONE, answer="Đã chi trả bồi thường",
                       answered_at=utcnow()),
            Assignment(petition_id=other_old.id, agency_id=data["other_agency"],
                       mode=AnswerMode.IN_WRITING, deadline=local_today() + timedelta(days=9),
                       status=AssignmentStatus.ASSIGNED)])
        db.session.commit()
    return ids


def _start(c, data, key="k-1"):
    return c.post(f"/dossier/sessions/{data['session']}", data={"client_key": key})


def _job_id(response) -> int:
    return int(response.headers["Location"].rstrip("/").split("/")[-1])


def _run(app, job_id):
    from portal.jobs import background

    with app.app_context():
        assert background.run(job_id)


def _built(app, c, data, role_key):
    started = _start(c, data, role_key)
    assert started.status_code == 303, started.get_data(as_text=True)[:300]
    job_id = _job_id(started)
    _run(app, job_id)
    file = c.get(f"/jobs/{job_id}/file")
    assert file.status_code == 200 and file.headers["Content-Type"] == "application/pdf"
    return _text(file.data)


def test_office_dossier_holds_everything_in_clear(app, login, data, record):
    text = _built(app, login("office"), data, "o1")
    # the program and the script, stage by stage (as `portal.papers` writes them once it
    # is installed, else the dossier's own drafts: the words below are in both)
    for words in ("CHƯƠNG TRÌNH", "KỊCH BẢN", "Trụ sở Tiếp công dân tỉnh"):
        assert words in text, words
    for stage in ("Khai mạc", "Chủ trì thông báo", "Thảo luận, đối thoại", "Phân công trả lời",
                  "Kết luận"):
        assert stage.casefold() in text.casefold(), stage
    # every petition, with its prepared answer and mark; the office sees the phone
    for words in ("Nguyễn Văn An", f"SĐT {PHONE}", PREPARED, "Trần Thị Bích", BEFORE,
                  "Công ty TNHH Minh Phát", "Đề nghị rút ngắn thời gian cấp phép xây dựng",
                  "Hướng trả lời: Đã trả lời bằng văn bản trước buổi đối thoại",
                  "Hướng trả lời: Phân công cơ quan trả lời bằng văn bản",
                  "1 ý kiến đã được trả lời bằng văn bản trước buổi đối thoại"):
        assert words in text, words
    # the previous results and the attendance expected, stand-ins included
    for words in ("Đối thoại tháng 11 về đất đai", "Vũ Văn Khải", "Đã chi trả bồi thường",
                  "Phạm Văn Cường dự thay", "Đỗ Thị Hạnh", "Sở Xây dựng — không tham dự",
                  "Lương Văn Tâm, thôn Đồng Tâm — xác nhận tham dự", "Mai Văn Sơn"):
        assert words in text, words
    assert "0912 000 111" not in text  # an invitee's contact is never printed


def test_chair_dossier_masks_what_the_chair_may_not_see(app, login, data, record):
    text = _built(app, login("chair"), data, "c1")
    assert "Nguyễn Văn An" in text and "Trần Thị Bích" in text  # the chair calls names
    assert PHONE not in text and "SĐT ***" in text
    assert PREPARED in text and BEFORE in text and "Công ty TNHH Minh Phát" in text
    assert "KỊCH BẢN" in text and "Vũ Văn Khải" in text
    assert "Lương Văn Tâm" in text  # the chair introduces the citizens' representatives


def test_observer_dossier_masks_names_too(app, login, data, record):
    text = _built(app, login("observer"), data, "b1")
    assert "Nguyễn V. A." in text and "Nguyễn Văn An" not in text and PHONE not in text
    assert "Công ty TNHH Minh Phát" in text  # a business's name is public
    assert "Lương Văn Tâm" not in text and "Lương V. T." in text


def test_officer_gets_only_their_agency_petitions(app, login, data, record):
    text = _built(app, login("officer"), data, "f1")
    assert "Nguyễn Văn An" in text and PHONE in text  # their agency advises: in clear
    assert "Công ty TNHH Minh Phát" not in text  # another agency's petition
    assert "Vũ Văn Khải" in text and "Mai Văn Sơn" not in text  # previous: their own only
    assert "Lương Văn Tâm" not in text


def test_progress_is_polled_left_and_picked_up(app, login, data, record):
    from portal.extensions import db
    from portal.jobs import background
    from portal.jobs.models import BackgroundJob

    c = login("chair")
    job_id = _job_id(_start(c, data, "p1"))
    again = _start(c, data, "p1")  # a resent click: the same build
    assert _job_id(again) == job_id
    page = c.get(f"/jobs/{job_id}", htmx=True).get_data(as_text=True)
    assert page.lstrip().startswith(f'<section class="card job" id="job-{job_id}"')
    assert 'hx-trigger="every 1s"' in page and 'value="0"' in page and "Đang chờ" in page
    # Left and found again on the session's dossier list.
    listed = c.get(f"/dossier/sessions/{data['session']}", htmx=True).get_data(as_text=True)
    assert listed.lstrip().startswith('<section id="dossier"')
    assert f'id="dossier-job-{job_id}"' in listed and f"/jobs/{job_id}\"" in listed
    assert 'hx-get="/dossier/sessions/%d"' % data["session"] in \
        c.get(f"/calendar/sessions/{data['session']}").get_data(as_text=True)
    # Running: the progress the job reports is what the page shows.
    seen = []
    with app.app_context():
        claimed = background.claim(job_id, "host-a")
        assert claimed == job_id and background.claim(job_id, "host-b") is None
        context = background.JobContext(job_id, "dossier", {}, None, None,
                                        background._report(job_id))
        context.progress(42, "Đang tổng hợp dữ liệu")
        seen.append(c.get(f"/jobs/{job_id}", htmx=True).get_data(as_text=True))
    assert 'value="42"' in seen[0] and "42%" in seen[0] and "Đang thực hiện" in seen[0]
    assert c.get(f"/jobs/{job_id}/file").status_code == 404  # not done yet
    # The host died: once silent past JOB_STALE_MINUTES another run takes it over.
    with app.app_context():
        assert background.run_pending("host-b") == 0  # still alive
        job = db.session.get(BackgroundJob, job_id)
        job.heartbeat_at = job.heartbeat_at - timedelta(minutes=30)
        db.session.commit()
        assert background.run_pending("host-b") == 1
        job = db.session.get(BackgroundJob, job_id)
        assert job.status.value == "done" and job.percent == 100
        assert job.claimed_by == "host-b"
    done = c.get(f"/jobs/{job_id}", htmx=True).get_data(as_text=True)
    assert "hx-trigger" not in done and f"/jobs/{job_id}/file" in done
    assert "Tải về" in done


def test_a_failing_job_says_so(app, login, data, record, monkeypatch):
    from portal.dossier import build

    c = login("office")
    job_id = _job_id(_start(c, data, "x1"))

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(build, "render_pdf", broken)
    from portal.jobs import background

    with app.app_context():
        assert background.run(job_id) is False
    page = c.get(f"/jobs/{job_id}").get_data(as_text=True)
    assert "Lỗi" in page and "Không hoàn thành được" in page
    assert c.get(f"/jobs/{job_id}/file").status_code == 404


def test_nobody_gets_another_users_job_nor_another_agency_session(
        app, login, data, record, make_session):
    c = login("office")
    job_id = _job_id(_start(c, data, "o2"))
    _run(app, job_id)
    for role in ("chair", "officer", "other_officer", "observer"):
        other = login(role)
        assert other.get(f"/jobs/{job_id}").status_code == 404, role
        assert other.get(f"/jobs/{job_id}/file").status_code == 404, role
    # An officer: only sessions their agency is invited to or advises on.
    elsewhere = make_session(5)
    officer = login("officer")
    assert officer.get(f"/dossier/sessions/{elsewhere}").status_code == 404
    assert _start(officer, {"session": elsewhere}, "e1").status_code == 404
    assert officer.get(f"/dossier/sessions/{data['session']}").status_code == 200
    assert login("chair").get(f"/dossier/sessions/{elsewhere}").status_code == 200


def test_download_is_audited(app, login, data, record):
    from portal.audit.models import AuditEvent
    from portal.extensions import db

    c = login("office")
    _built(app, c, data, "a1")
    with app.app_context():
        events = db.session.scalars(select(AuditEvent.action).where(
            AuditEvent.entity == "BackgroundJob")).all()
    assert "download_job_file" in events and "create" in events


@pytest.mark.real_commit
def test_the_build_runs_in_a_thread_after_the_commit(app, login, data, record):
    """With BACKGROUND_JOBS="thread" the request returns at once and a thread builds it."""
    import time as clock

    from portal.extensions import db
    from portal.jobs.models import BackgroundJob

    app.config["BACKGROUND_JOBS"] = "thread"
    try:
        c = login("chair")
        job_id = _job_id(_start(c, data, "t1"))
        status = None
        for _ in range(200):  # waits for the thread, not a timing assertion
            with app.app_context():
                status = db.session.get(BackgroundJob, job_id).status.value
                db.session.remove()
            if status in ("done", "failed"):
                break
            clock.sleep(0.1)
        assert status == "done"
        assert "KỊCH BẢN" in _text(c.get(f"/jobs/{job_id}/file").data)
    finally:
        app.config["BACKGROUND_JOBS"] = "queue"


def test_flask_jobs_run_builds_the_waiting_dossiers(app, login, data, record):
    from portal.extensions import db
    from portal.jobs.models import BackgroundJob

    c = login("office")
    first, second = _job_id(_start(c, data, "q1")), _job_id(_start(c, data, "q2"))
    result = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert "Việc nền đã chạy: 2" in result.output
    with app.app_context():
        assert [db.session.get(BackgroundJob, i).status.value for i in (first, second)] == \
            ["done", "done"]
    again = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert "Việc nền đã chạy: 0" in again.output


@pytest.mark.real_commit
def test_a_job_another_host_is_claiming_is_skipped_not_waited_for(app, db_name, login, data):
    """On PostgreSQL a host claiming a job holds its row FOR UPDATE; another host's claim at
    that moment skips it (SKIP LOCKED) instead of waiting or running it twice."""
    if db_name != "postgresql":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises writers")
    from sqlalchemy import text

    from portal.extensions import db
    from portal.jobs import background

    c = login("office")
    job_id = _job_id(_start(c, data, "l1"))
    with app.app_context():
        other_host = db.engine.connect()
        held = other_host.begin()
        other_host.execute(text("SELECT id FROM background_job WHERE id = :i FOR UPDATE"),
                           {"i": job_id})
        try:
            assert background.claim(job_id, "host-b") is None
            assert background.claim(None, "host-b") is None
        finally:
            held.rollback()
            other_host.close()
        assert background.claim(job_id, "host-b") == job_id
        db.session.remove()


def test_finished_jobs_are_deleted_after_the_days_kept(app, login, data, record):
    from portal.extensions import db
    from portal.jobs import background
    from portal.jobs.models import BackgroundJob

    c = login("office")
    old, new = _job_id(_start(c, data, "d1")), _job_id(_start(c, data, "d2"))
    _run(app, old)
    _run(app, new)
    waiting = _job_id(_start(c, data, "d3"))
    with app.app_context():
        job = db.session.get(BackgroundJob, old)
        job.finished_at = job.finished_at - timedelta(days=8)
        db.session.commit()
        assert background.purge(app.config) == 1
        assert db.session.get(BackgroundJob, old) is None
        assert db.session.get(BackgroundJob, new) is not None
        assert db.session.get(BackgroundJob, waiting) is not None
    assert c.get(f"/jobs/{old}").status_code == 404
    page = c.get(f"/jobs/{new}").get_data(as_text=True)
    assert f'href="/dossier/sessions/{data["session"]}"' in page


def test_the_dossier_list_does_not_query_per_job(app, login, data, record):
    from support import count_queries

    c = login("chair")
    url = f"/dossier/sessions/{data['session']}"
    _run(app, _job_id(_start(c, data, "n1")))
    one = count_queries(app, c, url)
    for n in range(4):
        _start(c, data, f"n{n + 2}")
    assert count_queries(app, c, url) == one
    job_id = _job_id(_start(c, data, "n9"))
    assert count_queries(app, c, f"/jobs/{job_id}", htmx=True) <= 4


def test_with_the_papers_package_its_program_and_script_come_first(
        app, login, data, record, monkeypatch):
    """Once `portal.papers` is installed, the dossier starts with its program and its script
    PDFs (as the register has them; the script as the user may read it), then the rest."""
    import sys
    import types

    from portal.documents.layout import AdminDocument, Paragraph, render_pdf

    def pdf(title, text):
        doc = AdminDocument(body_parent="", body="VĂN PHÒNG", number="", place_date="",
                            doc_type=title, summary="thử", blocks=[Paragraph(text)],
                            signer_title="", signer_name="")
        return render_pdf(doc, app.config["PDF_FONT_DIRS"])

    readers = []
    program = types.ModuleType("portal.papers.program")
    program.render_program_pdf = lambda meeting, config: pdf("CHƯƠNG TRÌNH", "Chương trình từ sổ")
    script = types.ModuleType("portal.papers.script")

    def render_script_pdf(meeting, config, viewer=None):
        readers.append(viewer.username)
        return pdf("KỊCH BẢN", "Kịch bản từ sổ")

    script.render_script_pdf = render_script_pdf
    monkeypatch.setitem(sys.modules, "portal.papers", types.ModuleType("portal.papers"))
    monkeypatch.setitem(sys.modules, "portal.papers.program", program)
    monkeypatch.setitem(sys.modules, "portal.papers.script", script)
    text = _built(app, login("chair"), data, "m1")
    assert readers == ["chair"]
    assert text.index("Chương trình từ sổ") < text.index("Kịch bản từ sổ") \
        < text.index("I. Ý KIẾN, KIẾN NGHỊ VÀ NỘI DUNG TRẢ LỜI DỰ KIẾN")
    assert "KỊCH BẢN ĐIỀU HÀNH" not in text  # the stand-in is not printed twice
    assert PREPARED in text and "Phạm Văn Cường dự thay" in text
    officer = _built(app, login("officer"), data, "m2")
    assert readers == ["chair"]  # an officer's dossier has the program, not the script
    assert "Chương trình từ sổ" in officer and "Kịch bản từ sổ" not in officer
