"""Who sees personal data (dữ liệu cá nhân, Decree 13/2023/NĐ-CP): the one output policy.

Personal data of a petition is the submitter's name when the submitter is a person
(a citizen or a voter representative; a speaker in the hall likewise), the contact (phone,
address) and the ID number, whoever the submitter is, and whatever of these is written into
free text (the content, an answer, the conclusion, the timeline: `redact`). Names of
businesses, cooperatives and delegates are public.

For each role and each kind of output, `RULES` says what is shown (`Level`):

===========  =======  ==================  ========  =========  ==========  ========
output       office   officer             chair     observer   admin       public
===========  =======  ==================  ========  =========  ==========  ========
page         FULL     FULL if concerned   NAMES     MASKED     MASKED      —
fragment     as the page (an htmx fragment is a piece of the page)
pdf (draft)  FULL     (403)               FULL      MASKED     MASKED      —
pdf issued   official official if conc.   official  masked     masked      —
export       FULL if ticked, else MASKED; every other role MASKED
email        FULL     FULL if concerned   NAMES     MASKED     MASKED      —
public       MASKED, and only what the office reviewed and published
===========  =======  ==================  ========  =========  ==========  ========

E-mails and in-app notifications to an agency (`for_agency`) are judged for that agency:
the lead and the advising agency read a petition's text as written, a coordinating agency
masked; the agency head's escalation and the office's copy as written. The hall screen
names the people called to speak (they are called aloud in the room) and shows the
petition being answered with its numbers and addresses redacted.

* FULL: names, contact, ID number and free text as written.
* NAMES: the chair calls people to speak: names in full, contact and ID number `***`, free
  text redacted.
* MASKED: names as initials ("Nguyễn V. A."), contact and ID number `***`, free text
  redacted and the names of the meeting's people masked in it too.
* "concerned": an agency officer sees a petition in full when their agency advises on it
  (tham mưu) or is assigned to answer it; other agencies' petitions are never shown to them
  at all (404), and a meeting-wide page shows them masked.

Documents (thông báo kết luận, biên bản) are judged per document, not per petition: a
document is the office's and the chair's act, so the office (who drafts and issues it) and the
chair (who signs it) read it as written; observers and administrators read it masked. A
draft is rendered on request, masked for them (`mask_document`). An issued document is
frozen: at issue, `portal.documents.services.issue` stores the official PDF and, beside it, a
masked rendition (`DocumentFile.masked_content`), frozen too and never re-rendered; the
official one goes to the roles `official_document` allows (the office, the chair, an
agency officer to whom the notice is addressed or assigned: its recipients by Decree 30),
the masked one to everyone else. A document issued before masked renditions were stored is
masked from its frozen text when asked.

Lists never show contact or ID number: those are on a petition's full record, and every
view of a full record that shows them is written to the audit trail (`view_personal_data`).
Exported and printed lists are masked for everyone, unless an Office user ticks
"Gồm thông tin cá nhân"; such an export is audited (`export_personal_data`).

Every page that may carry personal data answers `Cache-Control: no-store` (the app sets it
on every non-static response).
"""
from __future__ import annotations

import dataclasses
import enum
import re
from typing import Iterable

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
    # (a dot next to the digits is a group of an amount, "100.000.000", unless it ends the
    # sentence: "CCCD 036099001234.")
    re.compile(r"(?<!\d)(?<!\d\.)\d(?: ?\d){11}(?!\d|\.\d)"),
    re.compile(r"(?<!\d)(?<!\d\.)\d(?: ?\d){8}(?!\d|\.\d)"),
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


class Output(enum.StrEnum):
    """The kinds of output the policy judges."""

    PAGE = "page"  # an HTML page, or its htmx fragment
    PDF = "pdf"  # a document rendered on request (a draft, the live minutes)
    EXPORT = "export"  # a spreadsheet, a CSV, a calendar file
    EMAIL = "email"  # a notification, a reminder, a digest
    PUBLIC = "public"  # the public page, the hall screen: no account


class Level(enum.IntEnum):
    """How much personal data an output shows (see the module docstring)."""

    MASKED = 0
    NAMES = 1
    FULL = 2


CONCERNED = "concerned"  # FULL for an agency officer whose agency the petition concerns

OFFICE, CHAIR, OFFICER, OBSERVER, ADMIN = (Role.OFFICE, Role.CHAIR, Role.OFFICER,
                                           Role.OBSERVER, Role.ADMIN)

# The table: output -> role -> level. A role missing from a row gets MASKED.
RULES: dict[Output, dict[Role, Level | str]] = {
    Output.PAGE: {OFFICE: Level.FULL, OFFICER: CONCERNED, CHAIR: Level.NAMES},
    Output.PDF: {OFFICE: Level.FULL, CHAIR: Level.FULL, OFFICER: CONCERNED},
    Output.EXPORT: {},  # FULL only when the office ticks it: `may_export_personal_data`
    Output.EMAIL: {OFFICE: Level.FULL, OFFICER: CONCERNED, CHAIR: Level.NAMES},
    Output.PUBLIC: {},
}

# Who reads an issued document's official PDF (the others get its masked rendition).
OFFICIAL_DOCUMENT_READERS = frozenset({OFFICE, CHAIR, OFFICER})


def _agency_concerned(user, petition: Petition) -> bool:
    if user.role != Role.OFFICER or user.agency_id is None:
        return False
    if petition.advising_agency_id == user.agency_id:
        return True
    assignment = petition.assignment
    return assignment is not None and assignment.agency_id == user.agency_id


def level(user, output: Output = Output.PAGE, petition: Petition | None = None) -> Level:
    """What `user` may see in `output`, of `petition` (None: of a meeting-wide output, where
    an officer's "concerned" cannot be judged per row and is MASKED)."""
    role = getattr(user, "role", None) if getattr(user, "is_authenticated", True) else None
    rule = RULES[output].get(role, Level.MASKED)
    if rule == CONCERNED:
        return Level.FULL if petition is not None and _agency_concerned(user, petition) \
            else Level.MASKED
    return rule


def mask_names(text: str | None, names: Iterable[str]) -> str:
    """`text` with each of `names` (people's names known to be in it) reduced to initials;
    longest first, so "Nguyễn Văn An" is masked before "Văn An"."""
    result = text or ""
    for name in sorted({n.strip() for n in names if n and n.strip()}, key=len, reverse=True):
        if len(name) > 2:
            result = result.replace(name, mask_name(name))
    return result


def masked_text(text: str | None, names: Iterable[str] = ()) -> str:
    """Free text as a MASKED reader gets it: numbers, addresses and the known names masked."""
    return mask_names(redact(text), names)


def masked_content(content: str | None, submitter_name: str, submitter_kind) -> str:
    """A petition's content as a MASKED reader gets it (reports, exports): numbers and
    addresses masked, and the submitter's own name when a person's. Kept on the petition
    (`Petition.content_masked`, written with every change of the three): a change to the
    masking rules needs a migration that writes it again (as 0026 does)."""
    # a StrEnum: the raw value a migration reads ("citizen") is found in the set too
    personal = submitter_kind in PERSONAL_KINDS
    return masked_text(content, [submitter_name] if personal else [])


def personal_names(meeting_id: int | None) -> list[str]:
    """The names of the people (citizens, voter representatives) of a meeting: its petitions'
    submitters, its speakers and the citizens present. Free text of the meeting masks them
    for MASKED readers."""
    if meeting_id is None:
        return []
    from sqlalchemy import select

    from portal.extensions import db
    from portal.preparation.models import InviteeKind
    from portal.runner.models import Attendance, Speaker

    names = db.session.scalars(select(Petition.submitter_name).where(
        Petition.session_id == meeting_id, Petition.submitter_kind.in_(PERSONAL_KINDS)))
    spoke = db.session.scalars(select(Speaker.name).where(
        Speaker.session_id == meeting_id, Speaker.kind.in_(PERSONAL_KINDS)))
    present = db.session.scalars(select(Attendance.name).where(
        Attendance.session_id == meeting_id, Attendance.kind == InviteeKind.CITIZEN))
    return [*names, *spoke, *present]


def meeting_viewer(user, meeting_id: int | None, output: Output = Output.PAGE) -> "Viewer":
    """The viewer of a meeting's pages (the runner, its documents): with the meeting's
    people's names to mask in free text when `user` reads below NAMES (two queries, then
    none per row)."""
    names = personal_names(meeting_id) if level(user, output) < Level.NAMES else []
    return Viewer(user, output, names)


class Viewer:
    """What one user may see of petitions in one output; templates call `name`, `contact`,
    `id_number`, `text` (a petition's free text), `free` (a meeting's free text: the timeline,
    the conclusion) and `speaker` (a name in the speakers' queue).

    Needs each petition's `assignment` loaded (eagerly, for lists) to judge an officer.
    `names` are the personal names that may appear in a meeting's free text
    (`personal_names`): `free` masks them for a reader below NAMES.
    """

    def __init__(self, user, output: Output = Output.PAGE, names: Iterable[str] = ()):
        # current_user resolved once: every row reads the user, and each read through the
        # proxy looks the user up again (a fifth of a 50-row list's time)
        resolve = getattr(user, "_get_current_object", None)
        self.user = resolve() if resolve is not None else user
        self.output = output
        self.names = list(names)

    def level(self, petition: Petition | None = None) -> Level:
        return level(self.user, self.output, petition)

    def sees_all(self, petition: Petition) -> bool:
        """Name, contact and ID number in clear."""
        return self.level(petition) == Level.FULL

    def sees_name(self, petition: Petition) -> bool:
        return not is_personal_name(petition) or self.level(petition) >= Level.NAMES

    def name(self, petition: Petition) -> str:
        if self.sees_name(petition):
            return petition.submitter_name
        return mask_name(petition.submitter_name)

    def speaker(self, speaker) -> str:
        """A speaker's (or anyone's with a `kind`: a person present, an invitee) name."""
        if speaker.kind not in PERSONAL_KINDS or self.level() >= Level.NAMES:
            return speaker.name
        return mask_name(speaker.name)

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
        current = self.level(petition)
        if current == Level.FULL:
            return value or ""
        if current == Level.NAMES:
            return redact(value)
        own = [petition.submitter_name] if is_personal_name(petition) else []
        return masked_text(value, [*self.names, *own])

    def free(self, value: str | None) -> str:
        """A meeting's free text (not one petition's): as written for FULL, redacted for
        NAMES, redacted with the meeting's people's names masked for MASKED."""
        current = self.level()
        if current == Level.FULL:
            return value or ""
        return redact(value) if current == Level.NAMES else masked_text(value, self.names)

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


def export_text(petition: Petition, value: str | None, personal: bool) -> str:
    """A petition's free text in an export: as written only when `personal` was ticked."""
    if personal:
        return value or ""
    return masked_text(value, [petition.submitter_name] if is_personal_name(petition) else [])


def for_agency(petition: Petition, agency_id: int | None, value: str | None,
               output: Output = Output.EMAIL) -> str:
    """A petition's free text in a message to an agency's officers (an e-mail, an in-app
    notification): as the table says for an officer, judged for that agency. The lead and
    the advising agency read it as written; any other (a coordinating agency) masked."""
    assignment = petition.assignment
    concerned = agency_id is not None and agency_id in (
        petition.advising_agency_id, assignment.agency_id if assignment is not None else None)
    rule = RULES[output].get(OFFICER, Level.MASKED)
    if rule == Level.FULL or (rule == CONCERNED and concerned):
        return value or ""
    return masked_text(value, [petition.submitter_name] if is_personal_name(petition) else [])


def official_document(user, concerned: bool = True) -> bool:
    """Whether `user` gets an issued document's official PDF (else its masked rendition);
    an officer only for a document addressed or assigned to their agency (`concerned`)."""
    role = getattr(user, "role", None)
    if role == Role.OFFICER:
        return concerned
    return role in OFFICIAL_DOCUMENT_READERS


def reads_documents_in_full(user) -> bool:
    """Whether `user` reads documents (drafts, pages, live PDFs) as written."""
    return level(user, Output.PDF) == Level.FULL and getattr(user, "role", None) != Role.OFFICER


def mask_document(laid_out, names: Iterable[str]):
    """A laid-out document (`portal.documents.layout.AdminDocument` or its two-signer kind)
    with personal data masked in its body: the rendition MASKED readers get."""
    names = list(names)
    blocks = [dataclasses.replace(b, text=masked_text(b.text, names)) if hasattr(b, "text")
              else b for b in laid_out.blocks]
    return dataclasses.replace(laid_out, blocks=blocks)


def mask_blocks(blocks: Iterable[dict], names: Iterable[str]) -> list[dict]:
    """A stored document's blocks ([{"kind", "text"}]) masked, for a page."""
    names = list(names)
    return [{**b, "text": masked_text(b.get("text", ""), names)} for b in blocks or ()]
