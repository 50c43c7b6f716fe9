"""Vietnamese labels of the domain's enumerations (translated through Flask-Babel)."""
from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice

from portal.admin.models import AgencyKind, LocalityLevel
from portal.auth.models import Role
from portal.calendar.models import DayShift, SessionKind, SessionStatus, TimingRule
from portal.jobs.models import JobStatus
from portal.petitions.models import AnswerPlan, Channel, SubmitterKind
from portal.preparation.models import InviteeKind, Reply
from portal.runner.models import SpeakerStatus
from portal.tracker.models import (AnswerMode, AssignmentStatus, CitizenVerdict,
                                   ExtensionStatus)

LABELS = [
    (Role.OFFICE, _l("Văn phòng UBND tỉnh")),
    (Role.CHAIR, _l("Người chủ trì")),
    (Role.OFFICER, _l("Cán bộ cơ quan")),
    (Role.OBSERVER, _l("Theo dõi (chỉ xem)")),
    (Role.ADMIN, _l("Quản trị")),
    (AgencyKind.DEPARTMENT, _l("Sở, ban, ngành")),
    (AgencyKind.LOCALITY, _l("Địa phương")),
    (AgencyKind.OFFICE, _l("Văn phòng")),
    (AgencyKind.UPPER, _l("Cấp có thẩm quyền")),
    (LocalityLevel.PROVINCE, _l("Tỉnh")),
    (LocalityLevel.COMMUNE, _l("Xã")),
    (LocalityLevel.WARD, _l("Phường")),
    (LocalityLevel.SPECIAL_ZONE, _l("Đặc khu")),
    (SessionKind.CITIZEN_RECEPTION, _l("Đối thoại kết hợp tiếp công dân định kỳ")),
    (SessionKind.VOTER_CONTACT, _l("Đối thoại kết hợp tiếp xúc cử tri")),
    (SessionKind.BUSINESS, _l("Đối thoại với cộng đồng doanh nghiệp")),
    (SessionKind.COOPERATIVE, _l("Đối thoại với các hợp tác xã")),
    (SessionStatus.TENTATIVE, _l("Dự kiến")),
    (SessionStatus.SCHEDULED, _l("Đã lên lịch")),
    (SessionStatus.IN_PROGRESS, _l("Đang diễn ra")),
    (SessionStatus.CONCLUDED, _l("Đã kết thúc")),
    (SessionStatus.CANCELLED, _l("Đã hủy")),
    (SubmitterKind.CITIZEN, _l("Công dân")),
    (SubmitterKind.BUSINESS, _l("Doanh nghiệp")),
    (SubmitterKind.COOPERATIVE, _l("Hợp tác xã")),
    (SubmitterKind.VOTER, _l("Đại diện cử tri")),
    (SubmitterKind.DELEGATE, _l("Đại biểu")),
    (Channel.AT_DIALOGUE, _l("Tại buổi đối thoại")),
    (Channel.RECEPTION, _l("Tại phiên tiếp công dân")),
    (Channel.WRITING, _l("Bằng văn bản")),
    (Channel.VOTER_CONTACT, _l("Qua tiếp xúc cử tri")),
    (Channel.BUSINESS_ASSOCIATION, _l("Qua Hiệp hội doanh nghiệp")),
    (AnswerMode.ON_THE_SPOT, _l("Trả lời trực tiếp tại buổi đối thoại")),
    (AnswerMode.IN_WRITING, _l("Trả lời bằng văn bản")),
    (AssignmentStatus.ASSIGNED, _l("Đã giao")),
    (AssignmentStatus.IN_PROGRESS, _l("Đang xử lý")),
    (AssignmentStatus.ANSWERED, _l("Đã trả lời")),
    (AssignmentStatus.RETURNED, _l("Trả lại")),
    (AssignmentStatus.DONE, _l("Đã hoàn thành")),
    (AssignmentStatus.BEYOND_AUTHORITY, _l("Vượt thẩm quyền")),
    (AssignmentStatus.REPORTED_UPWARD, _l("Đã báo cáo cấp có thẩm quyền")),
    (AssignmentStatus.UPPER_ANSWERED, _l("Cấp trên đã trả lời")),
    (CitizenVerdict.SATISFIED, _l("Hài lòng")),
    (CitizenVerdict.NOT_SATISFIED, _l("Chưa hài lòng")),
    (CitizenVerdict.NOT_REACHED, _l("Chưa liên hệ được")),
    (ExtensionStatus.REQUESTED, _l("Xin gia hạn")),
    (ExtensionStatus.GRANTED, _l("Đã gia hạn")),
    (ExtensionStatus.REFUSED, _l("Không đồng ý gia hạn")),
    (TimingRule.MONTHLY, _l("Định kỳ hằng tháng vào một ngày cố định")),
    (TimingRule.MONTHS, _l("Dự kiến vào các tháng")),
    (TimingRule.QUARTER, _l("Trong một quý")),
    (TimingRule.UNDATED, _l("Căn cứ tình hình thực tế để quyết định")),
    (DayShift.NEXT, _l("Chuyển sang ngày làm việc kế tiếp")),
    (DayShift.PREVIOUS, _l("Chuyển về ngày làm việc liền trước")),
    (DayShift.KEEP, _l("Giữ nguyên ngày")),
    (InviteeKind.AGENCY, _l("Cơ quan, đơn vị, địa phương")),
    (InviteeKind.DELEGATE, _l("Đại biểu")),
    (InviteeKind.CITIZEN, _l("Đại diện công dân, cử tri")),
    (InviteeKind.BUSINESS, _l("Đại diện doanh nghiệp, hợp tác xã")),
    (Reply.PENDING, _l("Chờ phản hồi")),
    (Reply.CONFIRMED, _l("Xác nhận tham dự")),
    (Reply.DELEGATED, _l("Cử người dự thay")),
    (Reply.DECLINED, _l("Không tham dự")),
    (SpeakerStatus.QUEUED, _l("Chờ phát biểu")),
    (SpeakerStatus.SPEAKING, _l("Đang phát biểu")),
    (SpeakerStatus.DONE, _l("Đã phát biểu")),
    (SpeakerStatus.SKIPPED, _l("Không phát biểu")),
    (AnswerPlan.AT_MEETING, _l("Trả lời tại buổi đối thoại")),
    (AnswerPlan.BEFORE_MEETING, _l("Đã trả lời bằng văn bản trước buổi đối thoại")),
    (AnswerPlan.TO_ASSIGN, _l("Phân công cơ quan trả lời bằng văn bản")),
    (JobStatus.QUEUED, _l("Đang chờ")),
    (JobStatus.RUNNING, _l("Đang thực hiện")),
    (JobStatus.DONE, _l("Hoàn thành")),
    (JobStatus.FAILED, _l("Lỗi")),
]


# The five stages' UI labels (DOMAIN.md); documents use portal.runner.stages.STAGE_LABELS.
STAGE_LABELS = {
    "opening": _l("Khai mạc"),
    "briefing": _l("Chủ trì thông báo"),
    "discussion": _l("Thảo luận, đối thoại"),
    "assignment": _l("Phân công trả lời"),
    "conclusion": _l("Kết luận"),
}


# StrEnum members of different enums can be equal ("business" is a session kind and a
# submitter kind), so labels are looked up by (enum class, member), never by value alone.
_BY_TYPE = {(type(member), member): text for member, text in LABELS}


def label(value) -> str:
    """The Vietnamese (or English) label of an enum member; the value itself otherwise."""
    found = _BY_TYPE.get((type(value), value))
    return str(found) if found is not None else str(value)


def choices(enum_cls) -> list[tuple[str, str]]:
    """WTForms choices for an enum, labels translated at render time."""
    return [SelectChoice(member.value, _BY_TYPE[(enum_cls, member)]) for member in enum_cls]
