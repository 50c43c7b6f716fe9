"""The words the reports use for an assignment's state, on screen and in plain language.

Documents (PDF, Excel) are built under `force_locale("vi")`, so they are in Vietnamese
whatever language the user reads the intranet in.
"""
from flask_babel import lazy_gettext as _l

from portal.tracker.models import AssignmentStatus as S

STATUS_LABELS = {
    S.ASSIGNED: _l("Đã giao"),
    S.IN_PROGRESS: _l("Đang xử lý"),
    S.ANSWERED: _l("Đã trả lời"),
    S.RETURNED: _l("Trả lại"),
    S.DONE: _l("Đã hoàn thành"),
    S.BEYOND_AUTHORITY: _l("Vượt thẩm quyền"),
    S.REPORTED_UPWARD: _l("Đã báo cáo cấp có thẩm quyền"),
    S.UPPER_ANSWERED: _l("Cấp trên đã trả lời"),
}

# For the public page: what became of a petition, said plainly.
PUBLIC_STATUS = {
    None: _l("Đang tổng hợp, chưa phân công"),
    S.ASSIGNED: _l("Đang giải quyết"),
    S.IN_PROGRESS: _l("Đang giải quyết"),
    S.RETURNED: _l("Đang giải quyết"),
    S.ANSWERED: _l("Cơ quan đã trả lời, đang được xem xét"),
    S.DONE: _l("Đã giải quyết xong"),
    S.BEYOND_AUTHORITY: _l("Vượt thẩm quyền của tỉnh, sẽ báo cáo cấp có thẩm quyền"),
    S.REPORTED_UPWARD: _l("Đã báo cáo cấp có thẩm quyền, đang chờ trả lời"),
    S.UPPER_ANSWERED: _l("Cấp có thẩm quyền đã trả lời"),
}


def status_label(status) -> str:
    return str(STATUS_LABELS.get(status, status))
