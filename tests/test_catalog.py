"""The English catalog covers every message of the code and the templates: the English UI
never shows a Vietnamese refusal."""
from __future__ import annotations

import pathlib

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo

ROOT = pathlib.Path(__file__).resolve().parents[1]
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "N_": None,
            "lazy_gettext": None}


def _source_messages() -> set[str]:
    found = set()
    for folder, pattern in (("portal", "**.py"), ("templates", "**.html")):
        method = "python" if pattern.endswith(".py") else "jinja2"
        for _file, _line, message, _comments, _context in extract_from_dir(
                ROOT / folder, method_map=[(pattern, method)], keywords=KEYWORDS,
                options_map={pattern: {"extensions": "jinja2.ext.do"}} if method == "jinja2"
                else None):
            found.add(message if isinstance(message, str) else message[0])
    return found


def test_every_message_has_an_english_translation():
    mo = ROOT / "portal/translations/en/LC_MESSAGES/messages.mo"
    po = ROOT / "portal/translations/en/LC_MESSAGES/messages.po"
    from babel.messages.pofile import read_po

    with open(po, "rb") as fh:
        catalog = read_po(fh)
    translated = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog
                  if m.id and (m.string if isinstance(m.string, str) else all(m.string))}
    source = _source_messages()
    assert len(source) > 500  # the extraction really read the code and the templates
    missing = sorted(m for m in source if m and m not in translated)
    assert missing == [], "run `make translations-extract` and translate:\n" + "\n".join(missing)
    assert mo.exists()
    with open(mo, "rb") as fh:
        assert len(read_mo(fh)) > 100
