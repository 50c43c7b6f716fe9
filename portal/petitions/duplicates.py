"""Petitions that repeat an earlier one (trùng, lặp lại), so the office answers consistently.

A petition repeats an earlier one (in its own session, registered before it, or in a
session that started earlier) when

* the submitter is the same: the same folded name (`Petition.submitter_key`, non-empty);
  an earlier petition of that submitter in the same field is preferred; or
* the content is very similar, in the same field: the folded word sets overlap with a
  Jaccard index of at least 0.6, or difflib's ratio of the folded texts is at least 0.8.

Content is compared against a bounded candidate set fetched in one query: the latest
`CANDIDATES` earlier petitions of the field that share at least one long word.
"""
from __future__ import annotations

import re
from difflib import SequenceMatcher

from sqlalchemy import and_, case, or_, select, true

from portal.calendar.models import DialogueSession
from portal.extensions import db
from portal.petitions.models import Petition
from portal.text import fold

JACCARD_MIN = 0.6
RATIO_MIN = 0.8
CANDIDATES = 500
LONG_WORD = 4  # letters; "dat", "dai" are too common to find candidates by
PROBE_WORDS = 6  # the longest words used to fetch candidates
RATIO_CHARS = 1500  # difflib is quadratic: compare at most this much text

# Syllables so common in petitions that they say nothing about the subject.
STOPWORDS = frozenset(
    "va cua cac cho de nghi voi la co duoc trong tai the nhung mot nay ve tren theo khong "
    "da dang se thi ma nhu tu den boi phai can viec nguoi dan kien".split()
)

_WORD = re.compile(r"[a-z0-9]+")


def words(text: str) -> set[str]:
    """The folded words of a text, without the commonest syllables."""
    return {w for w in _WORD.findall(fold(text)) if w not in STOPWORDS}


def normalized(text: str) -> str:
    return " ".join(_WORD.findall(fold(text)))


def jaccard(a: set[str], b: set[str]) -> float:
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


def similarity(a: str, b: str) -> float:
    """How alike two contents are, 0..1: the better of word-set Jaccard and difflib ratio,
    each scaled so that its own threshold maps to the same value."""
    score_j = jaccard(words(a), words(b)) / JACCARD_MIN
    na, nb = normalized(a)[:RATIO_CHARS], normalized(b)[:RATIO_CHARS]
    score_r = 0.0
    if na and nb:
        matcher = SequenceMatcher(None, na, nb, autojunk=False)
        # Cheap upper bounds first: most candidates are far apart.
        if matcher.real_quick_ratio() >= RATIO_MIN and matcher.quick_ratio() >= RATIO_MIN:
            score_r = matcher.ratio() / RATIO_MIN
    return max(score_j, score_r)


def is_similar(a: str, b: str) -> bool:
    """Jaccard of the folded word sets ≥ 0.6, or difflib ratio of the folded texts ≥ 0.8."""
    return similarity(a, b) >= 1.0


def probe_words(text: str) -> list[str]:
    """The longest distinct words of a text, used to fetch candidates with LIKE."""
    long_words = sorted((w for w in words(text) if len(w) >= LONG_WORD and not w.isdigit()),
                        key=lambda w: (-len(w), w))
    return long_words[:PROBE_WORDS]


def _like(word: str):
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return Petition.search_text.like(f"%{escaped}%", escape="\\")


def _earlier(petition: Petition):
    """Petitions registered before `petition`: earlier in its session, or in an earlier session."""
    starts = (select(DialogueSession.starts_at)
              .where(DialogueSession.id == petition.session_id).scalar_subquery())
    same_session = and_(
        Petition.session_id == petition.session_id,
        Petition.id < petition.id if petition.id is not None else true(),
    )
    return or_(same_session, DialogueSession.starts_at < starts)


def same_submitter(petition: Petition) -> int | None:
    """The latest earlier petition of the same submitter (same field first), one query."""
    key = (petition.submitter_key or "").strip()
    if not key:
        return None
    query = (
        select(Petition.id)
        .join(DialogueSession, DialogueSession.id == Petition.session_id)
        .where(Petition.submitter_key == key, _earlier(petition))
        .order_by(case((Petition.field_id == petition.field_id, 0), else_=1), Petition.id.desc())
        .limit(1)
    )
    if petition.id is not None:
        query = query.where(Petition.id != petition.id)
    return db.session.scalar(query)


def similar_content(petition: Petition) -> int | None:
    """The earlier petition of the same field whose content is most alike, if alike enough."""
    probes = probe_words(petition.content)
    if not probes or petition.field_id is None:
        return None
    query = (
        select(Petition.id, Petition.content)
        .join(DialogueSession, DialogueSession.id == Petition.session_id)
        .where(Petition.field_id == petition.field_id, _earlier(petition),
               or_(*(_like(w) for w in probes)))
        .order_by(Petition.id.desc())
        .limit(CANDIDATES)
    )
    if petition.id is not None:
        query = query.where(Petition.id != petition.id)
    best_id, best = None, 1.0
    for row in db.session.execute(query):
        score = similarity(petition.content, row.content)
        if score > best or (best_id is None and score >= best):
            best_id, best = row.id, score
    return best_id


def find_duplicate(petition: Petition) -> int | None:
    """The id of an earlier petition `petition` repeats, or None (at most two queries)."""
    return same_submitter(petition) or similar_content(petition)


def link_duplicate(petition: Petition) -> None:
    """Set `duplicate_of_id` from `find_duplicate` (needs session_id, field_id, search text)."""
    with db.session.no_autoflush:
        petition.duplicate_of_id = find_duplicate(petition)
