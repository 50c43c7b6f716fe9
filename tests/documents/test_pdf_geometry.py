"""Decree 30 geometry read back from the PDF (pdfplumber): the first-line indent of every
paragraph and «- » item, the summary rule 1/3–1/2 of its longest printed line, the faces."""
from __future__ import annotations

import io

import pytest

pdfplumber = pytest.importorskip("pdfplumber")

CM = 72 / 2.54
LONG_SUMMARY = ("Kết luận của Phó Chủ tịch UBND tỉnh Phan Thế Tuấn tại buổi đối thoại kết hợp "
                "tiếp công dân định kỳ tháng 3 năm 2024 về đất đai, môi trường và giao thông")
BULLET = "Thời gian: 08 giờ 00, thứ Sáu, ngày 15/3/2024, tại Trụ sở Tiếp công dân tỉnh."
PARAGRAPH = "Ủy ban nhân dân tỉnh trân trọng kính mời các đại biểu tới dự buổi đối thoại."


def _pdf(app, summary=LONG_SUMMARY):
    from portal.documents.layout import AdminDocument, Bullet, Paragraph, render_pdf

    doc = AdminDocument(
        body_parent="UBND TỈNH BẮC GIANG", body="VĂN PHÒNG", number="Số: 01/TB-VP",
        place_date="Bắc Giang, ngày 05 tháng 3 năm 2024", doc_type="THÔNG BÁO",
        summary=summary, blocks=[Paragraph(PARAGRAPH), Bullet(BULLET)],
        signer_title="PHÓ CHÁNH VĂN PHÒNG", signer_name="Nguyễn Văn Ký",
        recipients=["- Như trên;", "- Lưu: VT, KTTH."])
    return pdfplumber.open(io.BytesIO(render_pdf(doc, tuple(app.config["PDF_FONT_DIRS"]))))


def _lines_of(page):
    """The text lines of a page: (top, x0, x1, text, fonts)."""
    rows: dict[int, list] = {}
    for ch in page.chars:
        rows.setdefault(round(ch["top"]), []).append(ch)
    result = []
    for top in sorted(rows):
        chars = sorted(rows[top], key=lambda c: c["x0"])
        result.append((top, chars[0]["x0"], chars[-1]["x1"], "".join(c["text"] for c in chars),
                       {c["fontname"].split("+")[-1] for c in chars if c["text"].strip()}))
    return result


def _line(lines, start):
    found = [line for line in lines if line[3].strip().startswith(start)]
    assert found, (start, [line[3] for line in lines])
    return found[0]


def test_every_paragraph_and_item_has_a_first_line_indent(app):
    from portal.documents.layout import MARGIN_LEFT

    with _pdf(app) as pdf:
        lines = _lines_of(pdf.pages[0])
    for start in ("Ủy ban nhân dân tỉnh trân trọng", "- Thời gian:"):
        indent = _line(lines, start)[1] - MARGIN_LEFT
        assert 1 * CM - 0.5 <= indent <= 1.27 * CM + 0.5, (start, indent / CM)


@pytest.mark.parametrize("summary", [LONG_SUMMARY, "Dự buổi đối thoại"])
def test_the_summary_rule_is_a_third_to_a_half_of_its_longest_printed_line(app, summary):
    with _pdf(app, summary) as pdf:
        page = pdf.pages[0]
        lines = _lines_of(page)
        summary_lines = [line for line in lines
                         if any("Bold" in f for f in line[4]) and line[3].strip()
                         and line[3].strip() in summary]
        assert summary_lines, [line[3] for line in lines]
        if summary == LONG_SUMMARY:
            assert len(summary_lines) >= 2  # it wraps: the rule follows the printed lines
        widest = max(line[2] - line[1] for line in summary_lines)
        below = max(line[0] for line in summary_lines)
        rules = sorted((r for r in page.lines if r["top"] > below), key=lambda r: r["top"])
        rule = rules[0]
        ratio = (rule["x1"] - rule["x0"]) / widest
    assert 1 / 3 <= ratio <= 1 / 2, ratio


def test_the_faces_parent_body_upright_body_and_titles_bold(app):
    with _pdf(app) as pdf:
        lines = _lines_of(pdf.pages[0])
    # The parent line shares its row with the national name: read its own characters.
    with _pdf(app) as pdf:
        page = pdf.pages[0]
        from portal.documents.layout import MARGIN_LEFT, MARGIN_RIGHT
        left_column = MARGIN_LEFT + (page.width - MARGIN_LEFT - MARGIN_RIGHT) * 0.4
        chars = [c for c in page.chars if c["x1"] <= left_column and c["text"].strip()]
        rows: dict[int, set] = {}
        text: dict[int, str] = {}
        for c in sorted(chars, key=lambda c: (round(c["top"]), c["x0"])):
            rows.setdefault(round(c["top"]), set()).add(c["fontname"].split("+")[-1])
            text[round(c["top"])] = text.get(round(c["top"]), "") + c["text"]
    parent_row = [top for top, t in text.items() if t.startswith("UBNDTỈNH")]
    body_row = [top for top, t in text.items() if t.startswith("VĂNPHÒNG")]
    assert parent_row and body_row, text
    assert not any("Bold" in f or "Italic" in f for f in rows[parent_row[0]])
    assert all("Bold" in f for f in rows[body_row[0]])
    assert all("Bold" in f for f in _line(lines, "THÔNG BÁO")[4])
    assert all("Bold" not in f for f in _line(lines, "Ủy ban nhân dân tỉnh trân trọng")[4])
