"""Vietnamese text helpers."""
from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower-case text without diacritics, for search: "Đất đai" -> "dat dai"."""
    decomposed = unicodedata.normalize("NFD", text or "")
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return stripped.replace("đ", "d").replace("Đ", "D").lower()
