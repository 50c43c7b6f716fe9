"""Vietnamese words of the tracker's states (DOMAIN.md), for its pages.

TRACKER_LABELS is meant to join portal.labels.LABELS (the `label` filter); until it does,
`status_label` looks here first so the tracker's pages name every state.
"""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from portal.labels import label
from portal.tracker.models import AssignmentStatus, ExtensionStatus

S = AssignmentStatus

TRACKER_LABELS = [
    (S.BEYOND_AUTHORITY, _l("Vượt thẩm quyền")),
    (S.REPORTED_UPWARD, _l("Đã báo cáo cấp có thẩm quyền")),
    (S.UPPER_ANSWERED, _l("Cấp trên đã trả lời")),
    (ExtensionStatus.REQUESTED, _l("Xin gia hạn")),
    (ExtensionStatus.GRANTED, _l("Đã gia hạn")),
    (ExtensionStatus.REFUSED, _l("Không đồng ý gia hạn")),
]
_OWN = {(type(m), m): text for m, text in TRACKER_LABELS}

LATENESS_LABELS = {"late": _l("Quá hạn"), "due_soon": _l("Sắp đến hạn")}
TAB_LABELS = {
    "open": _l("Đang phải trả lời"),
    "due_soon": _l("Sắp đến hạn"),
    "late": _l("Quá hạn"),
    "all": _l("Tất cả"),
    "coordination": _l("Phối hợp"),
}


def status_label(value) -> str:
    """The label of an assignment or extension state (a member or its stored value)."""
    if isinstance(value, str) and not isinstance(value, (AssignmentStatus, ExtensionStatus)):
        if value in AssignmentStatus._value2member_map_:
            value = AssignmentStatus(value)
    found = _OWN.get((type(value), value))
    return str(found) if found is not None else label(value)
