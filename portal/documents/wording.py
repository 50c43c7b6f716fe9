"""How a document names people and dates: «Ông/Bà» before a person's name, a kind never
said twice ("Đại diện cử tri Đại diện cử tri xã…", "Công dân Ông…"), dates one way."""
from __future__ import annotations

import unicodedata
from datetime import date

__all__ = ["SALUTATIONS", "person", "text_date", "with_kind"]

# Words that already say who a name is: no «Ông/Bà» in front of them.
SALUTATIONS = ("ông/bà", "ông", "bà", "đồng chí", "anh", "chị", "đại diện", "tập thể",
               "các hộ", "hộ")


def text_date(day: date) -> str:
    """`05/3/2024`, as the seed writes dates in its text: the day padded, the month padded
    only for January and February."""
    month = f"{day.month:02d}" if day.month <= 2 else str(day.month)
    return f"{day.day:02d}/{month}/{day.year}"


def _starts_with_words(text: str, words: str) -> bool:
    """Whether `text` starts with the whole words `words` (case-insensitive, accents kept:
    «Bà» is a salutation, «Ba» a name)."""
    folded = unicodedata.normalize("NFC", text).lower()
    prefix = unicodedata.normalize("NFC", words).lower()
    return folded == prefix or folded.startswith(prefix + " ")


def has_salutation(name: str) -> bool:
    return any(_starts_with_words(name.strip(), word) for word in SALUTATIONS)


def person(name: str) -> str:
    """A person's name as a document writes it: `Ông/Bà Nguyễn Văn A` (the salutation the
    name already has is kept, never doubled)."""
    name = " ".join((name or "").split())
    if not name or has_salutation(name):
        return name
    return f"Ông/Bà {name}"


def with_kind(kind: str, name: str) -> str:
    """`Công dân Nguyễn Văn A`, but `Đại diện cử tri xã X` for a name that already starts
    with its kind, and `Ông Nguyễn Văn A` for a name that has its salutation."""
    name = " ".join((name or "").split())
    kind = " ".join((kind or "").split())
    if not kind:
        return name
    if not name:
        return kind
    if _starts_with_words(name, kind) or has_salutation(name):
        return name
    return f"{kind} {name}"
