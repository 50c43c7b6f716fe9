"""Demo data: the 2024 plan of the seed, its sessions, agencies, fields and accounts, the
locality tree of one province as it is since 01/07/2025 (two levels: the province and its
communes and wards, no districts), and the office's issuing settings and signing position,
so that documents can be issued out of the box."""
from __future__ import annotations

import random
from datetime import date, timedelta

from sqlalchemy import func, insert, select

from portal.admin import localities
from portal.admin.models import Agency, AgencyKind, Field, Locality
from portal.auth.models import Role, User
from portal.calendar.models import (
    DayShift,
    DialogueSession,
    Plan,
    Program,
    SessionKind,
    TimingRule,
)
from portal.documents.models import IssuingProfile, SigningPosition
from portal.extensions import db
from portal.petitions.models import Channel, Petition, SubmitterKind
from portal.petitions.privacy import masked_content
from portal.plans.generation import generate_sessions
from portal.text import fold
from portal.preparation.services import build_checklist, ensure_default_templates, invite_agencies
from portal.timefmt import local_today, to_local
from portal.tracker.models import AnswerMode, Assignment, AssignmentStatus
from portal.types import utcnow

DEMO_PASSWORD = "demo12345"
LEADER = "Phan Thế Tuấn"
HOST = "Phan Thế Tuấn"

AGENCIES = [
    ("Sở Tài nguyên và Môi trường", "STNMT", AgencyKind.DEPARTMENT),
    ("Sở Xây dựng", "SXD", AgencyKind.DEPARTMENT),
    ("Sở Giao thông vận tải", "SGTVT", AgencyKind.DEPARTMENT),
    ("Sở Lao động - Thương binh và Xã hội", "SLDTBXH", AgencyKind.DEPARTMENT),
    ("Sở Nông nghiệp và Phát triển nông thôn", "SNNPTNT", AgencyKind.DEPARTMENT),
    ("Sở Kế hoạch và Đầu tư", "SKHDT", AgencyKind.DEPARTMENT),
    ("Sở Tài chính", "STC", AgencyKind.DEPARTMENT),
    ("Sở Y tế", "SYT", AgencyKind.DEPARTMENT),
    ("Sở Giáo dục và Đào tạo", "SGDDT", AgencyKind.DEPARTMENT),
    ("Công an tỉnh", "CAT", AgencyKind.DEPARTMENT),
    ("Cục Thuế tỉnh", "CT", AgencyKind.DEPARTMENT),
    ("Thanh tra tỉnh", "TTT", AgencyKind.DEPARTMENT),
    ("Liên minh Hợp tác xã tỉnh", "LMHTX", AgencyKind.DEPARTMENT),
    # The commune-level committees (UBND xã, phường): since 01/07/2025 there is no district.
    ("UBND phường Bắc Giang", "PBG", AgencyKind.LOCALITY),
    ("UBND phường Đa Mai", "PDM", AgencyKind.LOCALITY),
    ("UBND phường Chũ", "PC", AgencyKind.LOCALITY),
    ("UBND phường Phượng Sơn", "PPS", AgencyKind.LOCALITY),
    ("UBND phường Yên Dũng", "PYD", AgencyKind.LOCALITY),
    ("UBND phường Việt Yên", "PVY", AgencyKind.LOCALITY),
    ("UBND phường Nếnh", "PN", AgencyKind.LOCALITY),
    ("Văn phòng UBND tỉnh", "VP", AgencyKind.OFFICE),
]

# The province and a dozen of its wards since 01/07/2025 (Bắc Giang merged into Bắc Ninh;
# codes of Decision 19/2025/QĐ-TTg), as the office would import them (admin → Địa bàn).
PROVINCE = ("24", "Tỉnh Bắc Ninh")
WARDS = [
    ("07210", "Phường Bắc Giang"), ("07228", "Phường Đa Mai"), ("07525", "Phường Chũ"),
    ("07612", "Phường Phượng Sơn"), ("07681", "Phường Yên Dũng"), ("07682", "Phường Tân An"),
    ("07696", "Phường Tiền Phong"), ("07699", "Phường Tân Tiến"), ("07738", "Phường Cảnh Thụy"),
    ("07774", "Phường Tự Lạn"), ("07777", "Phường Việt Yên"), ("07795", "Phường Nếnh"),
]
TWO_LEVELS_FROM = date(2025, 7, 1)

# The issuing body and place over time: the seed's Bắc Giang, then the merged Bắc Ninh.
ISSUING_PROFILES = [
    (date(2024, 1, 1), "ỦY BAN NHÂN DÂN", "TỈNH BẮC GIANG", "UBND", "Bắc Giang"),
    (TWO_LEVELS_FROM, "ỦY BAN NHÂN DÂN", "TỈNH BẮC NINH", "UBND", "Bắc Ninh"),
]
# The leader of the plan signs on behalf of the committee (KT. CHỦ TỊCH / PHÓ CHỦ TỊCH).
SIGNING_POSITION = ("TM. ỦY BAN NHÂN DÂN\nKT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", LEADER, date(2024, 1, 1))


def locality_csv() -> bytes:
    """The demo's locality tree as the CSV file the admin import takes."""
    lines = ["Mã,Tên,Cấp,Mã cấp trên", f"{PROVINCE[0]},{PROVINCE[1]},Tỉnh,"]
    lines += [f"{code},{name},{name.split()[0]},{PROVINCE[0]}" for code, name in WARDS]
    return ("\n".join(lines) + "\n").encode("utf-8")


FIELDS = ["Đất đai", "Môi trường", "Xây dựng", "Giao thông", "Nông nghiệp",
          "Lao động - việc làm", "Chính sách xã hội", "Y tế", "Giáo dục",
          "Đầu tư - doanh nghiệp", "Thuế", "An ninh trật tự", "Khác"]

ACCOUNTS = [
    ("vanphong", "Nguyễn Văn Phong", Role.OFFICE, None),
    ("chutri", "Phan Thế Tuấn", Role.CHAIR, None),
    ("so-tnmt", "Trần Thị Mai", Role.OFFICER, "STNMT"),
    ("so-xd", "Lê Văn Dũng", Role.OFFICER, "SXD"),
    ("theodoi", "Hoàng Thị Thu", Role.OBSERVER, None),
    ("admin", "Quản trị hệ thống", Role.ADMIN, None),
]

# The titles the minutes' signature blocks print (THƯ KÝ, CHỦ TỌA).
POSITIONS = {"vanphong": "Chuyên viên Văn phòng UBND tỉnh", "chutri": "Phó Chủ tịch UBND tỉnh"}

# The plan's four programs (section II of the seed) with their timing rules:
# (kind, title, timing text, participants, content, rule parameters).
PROGRAMS = [
    (SessionKind.CITIZEN_RECEPTION,
     "Đối thoại thông qua các chương trình đối thoại trực tiếp hoặc kết hợp với các phiên "
     "tiếp công dân định kỳ hằng tháng",
     "Định kỳ vào ngày 15 hằng tháng.",
     "Các công dân trên địa bàn tỉnh; đại diện các sở, ngành, địa phương có liên quan.",
     "Đối thoại, lắng nghe, tiếp thu, giải quyết các ý kiến, kiến nghị của người dân, doanh "
     "nghiệp theo các chuyên đề tiếp công dân định kỳ hằng tháng.",
     dict(rule=TimingRule.MONTHLY, day_of_month=15, shift=DayShift.NEXT,
          default_venue="Trụ sở Tiếp công dân tỉnh")),
    (SessionKind.VOTER_CONTACT,
     "Đối thoại thông qua các chương trình đối thoại trực tiếp hoặc kết hợp với tiếp xúc cử tri "
     "của đại biểu HĐND tỉnh",
     "Dự kiến vào tháng 6/{year} và tháng 11/{year}.",
     "Đại diện cử tri, nhân dân tại địa bàn các xã, phường, thị trấn; đại diện các sở, ngành, "
     "địa phương có liên quan.",
     "Báo cáo kết quả giải quyết các kiến nghị của cử tri, người dân, doanh nghiệp; báo cáo kết "
     "quả thực hiện nhiệm vụ phát triển kinh tế - xã hội, đảm bảo quốc phòng, an ninh của địa "
     "phương; tổng hợp kiến nghị, nguyện vọng của cử tri, người dân, doanh nghiệp; kiến nghị của "
     "cử tri, người dân, doanh nghiệp với cấp có thẩm quyền.",
     dict(rule=TimingRule.MONTHS, months="6,11",
          default_venue="Hội trường UBND huyện Lục Nam")),
    (SessionKind.BUSINESS,
     "Đối thoại với cộng đồng doanh nghiệp tỉnh về giải quyết những khó khăn, vướng mắc trong "
     "hoạt động sản xuất, kinh doanh",
     "Căn cứ vào thực tiễn phát triển kinh tế - xã hội năm {year} của tỉnh để quyết định.",
     "Đại diện các doanh nghiệp; Hiệp hội doanh nghiệp tỉnh; đại diện các cơ quan, đơn vị có "
     "liên quan.",
     "Thảo luận, đánh giá những kết quả đạt được, khó khăn vướng mắc trong hoạt động sản xuất, "
     "kinh doanh của các doanh nghiệp trên địa bàn tỉnh và đề xuất giải pháp giải quyết, tháo gỡ "
     "nhằm thúc đẩy phát triển kinh tế - xã hội của tỉnh năm {year} và trong thời gian tới.",
     dict(rule=TimingRule.UNDATED, default_venue="Hội trường UBND tỉnh")),
    (SessionKind.COOPERATIVE,
     "Đối thoại với các hợp tác xã về tiếp tục đẩy mạnh phát triển kinh tế tập thể, hợp tác xã "
     "trên địa bàn tỉnh",
     "Quý IV/{year}.",
     "Đại diện các hợp tác xã trên địa bàn tỉnh; đại diện các cơ quan, đơn vị, địa phương có "
     "liên quan.",
     "Thảo luận, đánh giá những kết quả đạt được, khó khăn vướng mắc trong quá trình phát triển "
     "kinh tế tập thể, hợp tác xã trên địa bàn tỉnh năm {year} và đề xuất giải pháp giải quyết, "
     "tháo gỡ nhằm tiếp tục đẩy mạnh phát triển kinh tế tập thể, hợp tác xã trên địa bàn tỉnh "
     "trong thời gian tới.",
     dict(rule=TimingRule.QUARTER, quarter=4,
          default_venue="Hội trường Liên minh Hợp tác xã tỉnh")),
]

LEGAL_BASIS = (
    "Thực hiện Quyết định số 1158-QĐ/TU ngày 09/7/2015 của Ban Thường vụ Tỉnh ủy ban hành Quy chế "
    "tiếp xúc, đối thoại trực tiếp của người đứng đầu cấp ủy đảng, chính quyền các cấp với nhân "
    "dân, Quy định số 307-QĐ/TU ngày 19/7/2017 của Ban Thường vụ Tỉnh ủy quy định chế độ tiếp "
    "xúc, đối thoại của các đồng chí Tỉnh ủy viên với nhân dân, Kết luận số 116-KL/TU ngày "
    "09/7/2021 của Ban Thường vụ Tỉnh ủy về nâng cao chất lượng, hiệu quả việc tiếp xúc, đối "
    "thoại trực tiếp và lắng nghe, giải quyết ý kiến, kiến nghị của nhân dân."
)
PURPOSE = (
    "Tiếp tục thực hiện có hiệu quả Kết luận số 116-KL/TU ngày 09/7/2021 của Ban Thường vụ Tỉnh "
    "ủy và các văn bản lãnh đạo, chỉ đạo (Quyết định số 1158-QĐ/TU ngày 09/7/2015; Quy định số "
    "307-QĐ/TU ngày 19/7/2017; Công văn số 1386-CV/TU ngày 21/9/2018) về nâng cao chất lượng, "
    "hiệu quả việc tiếp xúc, đối thoại trực tiếp và lắng nghe, giải quyết ý kiến, kiến nghị của "
    "nhân dân.\n"
    "Kịp thời nắm bắt những vấn đề khó khăn, vướng mắc, bất cập trong thực tiễn ở cơ sở, địa "
    "phương để chỉ đạo giải quyết, tạo đồng thuận trong nhân dân, doanh nghiệp, góp phần thúc "
    "đẩy phát triển kinh tế - xã hội của địa phương."
)
REQUIREMENTS = (
    "Quá trình thực hiện tiếp xúc, đối thoại đảm bảo công khai, dân chủ, khách quan, đúng quy "
    "định.\n"
    "Nội dung đối thoại được chuẩn bị chu đáo, đảm bảo chất lượng; kết thúc đối thoại có văn bản "
    "chỉ đạo, kết luận theo quy định.\n"
    "Báo cáo, đề xuất với cơ quan có thẩm quyền kịp thời xem xét sửa đổi, bổ sung những cơ chế, "
    "chính sách phù hợp với thực tiễn."
)


def _plan(year: int) -> Plan:
    """The seed's plan for `year`, with its four programs and their timing rules."""
    plan = Plan(
        year=year, leader_name=LEADER, leader_title="Phó Chủ tịch UBND tỉnh",
        title=f"Kế hoạch tiếp xúc, đối thoại với nhân dân của Phó Chủ tịch UBND tỉnh "
              f"{LEADER} năm {year}",
        legal_basis=LEGAL_BASIS, purpose=PURPOSE, requirements=REQUIREMENTS,
    )
    for position, (kind, title, timing, participants, content, rule) in enumerate(PROGRAMS):
        plan.programs.append(Program(
            kind=kind, position=position, title=title, timing=timing.format(year=year),
            participants=participants, content=content.format(year=year),
            duration_minutes=210, **rule))  # from 08:00 (the default) to 11:30
    return plan


def seed_demo() -> bool:
    """Load the demo data once; False if it is already there.

    The plans of 2024 (the seed's) and of the current year get their sessions from the
    programs' timing rules, as the office would generate them.
    """
    if db.session.scalar(select(User.id).where(User.username == "vanphong")):
        return False
    agencies = {short: Agency(name=name, short_name=short, kind=kind)
                for name, short, kind in AGENCIES}
    db.session.add_all(agencies.values())
    db.session.add_all(Field(name=name, position=i) for i, name in enumerate(FIELDS))
    for username, full_name, role, agency in ACCOUNTS:
        user = User(username=username, full_name=full_name, role=role,
                    agency=agencies[agency] if agency else None,
                    position=POSITIONS.get(username, ""))
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    years = sorted({2024, local_today().year})
    for year in years:
        plan = _plan(year)
        db.session.add(plan)
        db.session.flush()
        generate_sessions(plan)
    ensure_default_templates()
    localities.import_csv(locality_csv(), None)
    for effective_from, parent, body, code, place in ISSUING_PROFILES:
        db.session.add(IssuingProfile(effective_from=effective_from, body_parent=parent,
                                      body=body, body_code=code, place=place))
    authority, title, name, effective_from = SIGNING_POSITION
    db.session.add(SigningPosition(authority=authority, title=title, name=name,
                                   effective_from=effective_from, active=True))
    db.session.flush()
    _prepare_next_session(agencies)
    db.session.commit()
    return True


def _prepare_next_session(agencies: dict[str, Agency]) -> None:
    """Give the next scheduled monthly session a checklist, invitations and a few petitions
    registered beforehand, so every page of the preparation has something to show."""
    upcoming = db.session.scalar(
        select(DialogueSession)
        .where(DialogueSession.starts_at >= utcnow(),
               DialogueSession.kind == SessionKind.CITIZEN_RECEPTION)
        .order_by(DialogueSession.starts_at).limit(1))
    if upcoming is None:
        return
    build_checklist(upcoming)
    invite_agencies(upcoming, [agencies["STNMT"].id, agencies["SXD"].id, agencies["PBG"].id])
    upcoming.is_customized = True
    fields = {f.name: f.id for f in db.session.scalars(select(Field))}
    wards = {loc.name: loc for loc in db.session.scalars(select(Locality))}
    meeting_day = to_local(upcoming.starts_at).date()
    for name, kind, locality, field, content, agency in (
        ("Nguyễn Văn Hùng", SubmitterKind.CITIZEN, "Phường Chũ", "Đất đai",
         "Đề nghị cấp giấy chứng nhận quyền sử dụng đất cho 12 hộ dân tổ dân phố Đồng Kỳ.",
         "STNMT"),
        ("Công ty TNHH Minh Phát", SubmitterKind.BUSINESS, "Phường Bắc Giang", "Xây dựng",
         "Thủ tục cấp phép xây dựng nhà xưởng kéo dài quá thời hạn quy định.", "SXD"),
        ("Đại diện cử tri phường Việt Yên", SubmitterKind.VOTER, "Phường Việt Yên", "Môi trường",
         "Ô nhiễm nước thải từ cơ sở chế biến gỗ ảnh hưởng ruộng lúa.", "STNMT"),
    ):
        petition = Petition(session_id=upcoming.id, submitter_kind=kind, submitter_name=name,
                            locality=locality, locality_id=wards[locality].id,
                            field_id=fields[field], content=content,
                            channel=Channel.WRITING, advising_agency_id=agencies[agency].id,
                            advising_deadline=meeting_day - timedelta(days=3))
        petition.refresh_search_text()
        db.session.add(petition)


CONTENTS = [
    "Đề nghị sớm cấp giấy chứng nhận quyền sử dụng đất cho các hộ dân thôn {n}",
    "Phản ánh ô nhiễm môi trường do cơ sở sản xuất gần khu dân cư số {n}",
    "Kiến nghị sửa chữa tuyến đường liên xã bị xuống cấp, đoạn km {n}",
    "Đề nghị giải quyết chế độ chính sách cho người có công, hồ sơ số {n}",
    "Doanh nghiệp đề nghị tháo gỡ vướng mắc thủ tục đầu tư dự án {n}",
    "Hợp tác xã kiến nghị hỗ trợ vốn vay phát triển sản xuất, phương án {n}",
    "Đề nghị bồi thường, hỗ trợ tái định cư thỏa đáng cho dự án {n}",
    "Phản ánh tình trạng khai thác cát trái phép trên sông Cầu, điểm {n}",
]
NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Đức",
         "Công ty TNHH Đồng Tâm", "HTX Nông nghiệp Tân Yên", "Vũ Thị Hằng", "Đặng Văn Khoa"]
LOCALITIES = [name for _code, name in WARDS[:6]]


def seed_petitions(count: int, rng: random.Random, batch: int = 5000) -> None:
    """Generate `count` petitions over the sessions, fields and agencies; most are assigned."""
    session_ids = db.session.scalars(select(DialogueSession.id)).all()
    field_ids = db.session.scalars(select(Field.id)).all()
    agency_ids = db.session.scalars(select(Agency.id).where(Agency.kind != AgencyKind.OFFICE)).all()
    if not (session_ids and field_ids and agency_ids):
        raise RuntimeError("seed the demo data first")
    start = (db.session.scalar(select(func.max(Petition.id))) or 0) + 1
    ward_ids = dict(db.session.execute(select(Locality.name, Locality.id)).all())
    statuses = list(AssignmentStatus)
    now = utcnow()
    for offset in range(0, count, batch):
        petitions, assignments = [], []
        for i in range(offset, min(offset + batch, count)):
            pid = start + i
            content = rng.choice(CONTENTS).format(n=pid)
            name = rng.choice(NAMES)
            locality = rng.choice(LOCALITIES)
            petitions.append({
                "id": pid, "session_id": rng.choice(session_ids),
                "submitter_kind": rng.choice(list(SubmitterKind)),
                "submitter_name": name, "submitter_contact": "", "locality": locality,
                "locality_id": ward_ids.get(locality),
                "field_id": rng.choice(field_ids), "content": content,
                "channel": rng.choice(list(Channel)), "raised_at_meeting": True,
                "search_text": fold(f"{content} {name} {locality}"), "created_at": now,
                "version": 1,
            })
            petitions[-1]["content_masked"] = masked_content(
                content, name, petitions[-1]["submitter_kind"])
            if rng.random() < 0.9:
                deadline = local_today() + timedelta(days=rng.randint(-60, 60))
                status = rng.choice(statuses)
                answered = status in (AssignmentStatus.ANSWERED, AssignmentStatus.DONE)
                assignments.append({
                    "petition_id": pid, "agency_id": rng.choice(agency_ids),
                    "mode": AnswerMode.IN_WRITING, "deadline": deadline,
                    "original_deadline": deadline, "status": status,
                    "answer": "Đã xem xét và trả lời." if answered else "",
                    "answered_at": now - timedelta(days=rng.randint(0, 90)) if answered else None,
                    "beyond_authority": status in (AssignmentStatus.BEYOND_AUTHORITY,
                                                   AssignmentStatus.REPORTED_UPWARD,
                                                   AssignmentStatus.UPPER_ANSWERED),
                    "review_note": "", "created_at": now, "version": 1,
                })
        db.session.execute(insert(Petition), petitions)
        if assignments:
            db.session.execute(insert(Assignment), assignments)
        db.session.commit()
    if db.engine.dialect.name == "postgresql":
        db.session.execute(select(func.setval("petition_id_seq", start + count)))  # keep ids in step
        db.session.commit()
