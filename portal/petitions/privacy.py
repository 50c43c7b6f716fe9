"""Who sees a petition's personal data (dữ liệu cá nhân, Decree 13/2023/NĐ-CP).

Personal data of a petition is the submitter's name when the submitter is a person
(a citizen or a voter representative), the contact (phone, address) and the ID number,
whoever the submitter is. Names of businesses, cooperatives and delegates are public.

The rule, on screen:

* the Office (Role.OFFICE) sees everything;
* an agency officer sees everything of a petition their agency advises on (tham mưu)
  or is assigned to answer (other agencies' petitions are never shown to them at all);
* the chair sees names (they call people to speak) but not contact or ID number;
* observers, administrators and anyone else see masked names ("Nguyễn V. A.") and
  "***" for contact and ID number.

Lists never show contact or ID number: those are on a petition's full record, and every
view of a full record that shows them is written to the audit trail (`view_personal_data`).

Exported and printed lists are masked for everyone, unless an Office user ticks
"Gồm thông tin cá nhân"; such an export is audited (`export_personal_data`).
"""
from __future__ import annotations

import re

from portal.auth.models import Role
from portal.petitions.models import Petition, SubmitterKind

MASK = "***"

# Personal data written into free text ("SĐT 0987 654 321, CCCD 024188009999"): what DOMAIN.md
# lists, in the forms people type them. Digits may be grouped by spaces (and phones by dots or
# dashes); amounts of money ("100.000.000 đồng") are grouped by dots and left alone.
_SEP = r"[ .\-]?"
_PATTERNS = [
    # e-mail addresses
    re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE),
    # mobiles: 10 digits from 0, or +84 / 84 and 9 digits
    re.compile(r"(?<![\w+])(?:\+84|\(\+84\)|0)" + _SEP + r"\d(?:" + _SEP + r"\d){8}(?!\d)"),
    # CCCD (12 digits) and CMND (9 digits), plain or grouped by spaces
    re.compile(r"(?<![\d.])\d(?: ?\d){11}(?![\d.])"),
    re.compile(r"(?<![\d.])\d(?: ?\d){8}(?![\d.])"),
    # house numbers with a street: "số 45 Trần Phú", "12/3 đường Lê Lợi", "ngõ 5 phố Huế"
    re.compile(r"\b(?:[Ss]ố nhà|[Ss]ố)\s+\d+[a-zA-Z]?(?:/\d+[a-zA-Z]?)*(?:\s+(?:đường|phố|"
               r"ngõ|ngách|hẻm|kiệt))?(?:\s+[A-ZĐÀ-Ỹ][\wÀ-ỹ]*){1,4}", re.UNICODE),
    re.compile(r"(?i)\b\d+[a-z]?(?:/\d+[a-z]?)*\s+(?:đường|phố|ngõ|ngách|hẻm|kiệt)\s+"
               r"[\wÀ-ỹ]+(?:\s+[A-ZĐ\d][\wÀ-ỹ]*){0,3}", re.UNICODE),
    re.compile(r"(?i)\b(?:ngõ|ngách|hẻm|kiệt)\s+\d+[a-z]?(?:/\d+)*", re.UNICODE),
]


def redact(text: str | None) -> str:
    """Free text with phones, ID numbers, e-mail addresses and house addresses masked."""
    result = text or ""
    for pattern in _PATTERNS:
        result = pattern.sub(MASK, result)
    return result
PERSONAL_KINDS = frozenset({SubmitterKind.CITIZEN, SubmitterKind.VOTER})


def mask_name(name: str) -> str:
    """"Nguyễn Văn An" -> "Nguyễn V. A."; one word -> its first letter and a dot."""
    words = (name or "").split()
    if not words:
        return ""
    if len(words) == 1:
        return words[0][0] + "."
    return " ".join([words[0], *(w[0] + "." for w in words[1:])])


def mask_value(value: str) -> str:
    return MASK if (value or "").strip() else ""


def is_personal_name(petition: Petition) -> bool:
    return petition.submitter_kind in PERSONAL_KINDS


def _agency_concerned(user, petition: Petition) -> bool:
    if user.role != Role.OFFICER or user.agency_id is None:
        return False
    if petition.advising_agency_id == user.agency_id:
        return True
    assignment = petition.assignment
    return assignment is not None and assignment.agency_id == user.agency_id


class Viewer:
    """What one user may see of petitions; templates call `name`, `contact`, `id_number`.

    Needs each petition's `assignment` loaded (eagerly, for lists) to judge an officer.
    """

    def __init__(self, user):
        self.user = user

    def sees_all(self, petition: Petition) -> bool:
        """Name, contact and ID number in clear."""
        return self.user.role == Role.OFFICE or _agency_concerned(self.user, petition)

    def sees_name(self, petition: Petition) -> bool:
        return (not is_personal_name(petition) or self.user.role == Role.CHAIR
                or self.sees_all(petition))

    def name(self, petition: Petition) -> str:
        if self.sees_name(petition):
            return petition.submitter_name
        return mask_name(petition.submitter_name)

    def contact(self, petition: Petition) -> str:
        return petition.submitter_contact if self.sees_all(petition) else mask_value(
            petition.submitter_contact)

    def id_number(self, petition: Petition) -> str:
        return petition.submitter_id_number if self.sees_all(petition) else mask_value(
            petition.submitter_id_number)

    def assignment_text(self, assignment, value: str | None) -> str:
        """`text` for a row of the tracker: judged from the assignment itself (no query)."""
        user = self.user
        full = user.role == Role.OFFICE or (
            user.role == Role.OFFICER and user.agency_id is not None
            and user.agency_id in (assignment.agency_id,
                                   assignment.petition.advising_agency_id))
        return value or "" if full else redact(value)

    def text(self, petition: Petition, value: str | None) -> str:
        """A free text of the petition (its content, an answer): as written for those who see
        everything, with personal data masked for everyone else."""
        return value or "" if self.sees_all(petition) else redact(value)

    def reveals_personal_data(self, petition: Petition) -> bool:
        """True when a full record shown to this user discloses a contact or an ID number."""
        private = (petition.submitter_contact or "") + (petition.submitter_id_number or "")
        return self.sees_all(petition) and bool(private.strip())


def may_export_personal_data(user) -> bool:
    """Only the Office may export lists with personal data in clear."""
    return user.role == Role.OFFICE


def export_name(petition: Petition, personal: bool) -> str:
    if personal or not is_personal_name(petition):
        return petition.submitter_name
    return mask_name(petition.submitter_name)


def export_private(value: str, personal: bool) -> str:
    return value if personal else mask_value(value)
