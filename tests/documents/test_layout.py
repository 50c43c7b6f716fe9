"""The Decree 30/2020 document renderer: text round trip, escaping, page geometry, fonts."""
from __future__ import annotations

import io
import re
import shutil
import threading
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pypdf
import pytest
import reportlab
from pypdf.generic import ContentStream
from reportlab.lib.units import mm
from reportlab.pdfbase.ttfonts import TTFont

from portal.documents.layout import (
    AdminDocument,
    Bullet,
    FontNotFound,
    Heading,
    Paragraph,
    render_pdf,
)

# The directories the app searches by default (portal.config.Config.PDF_FONT_DIRS).
FONT_DIRS = (
    "/usr/share/fonts/truetype/liberation",
    "/usr/share/fonts/truetype/liberation2",
    "/usr/share/fonts/truetype/croscore",
    "/usr/share/fonts/truetype/dejavu",
)
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")
DEJAVU_FILES = ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
                "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf")
VERA = Path(reportlab.__file__).parent / "fonts"  # bundled with reportlab; no Vietnamese

A4_WIDTH, A4_HEIGHT = 595.27, 841.89
MARGIN_TOP, MARGIN_BOTTOM, MARGIN_LEFT, MARGIN_RIGHT = 20 * mm, 20 * mm, 30 * mm, 15 * mm
TEXT_CENTRE = MARGIN_LEFT + (A4_WIDTH - MARGIN_LEFT - MARGIN_RIGHT) / 2

PETITION = ("Nguyễn Thị Hằng phản ánh việc cấp giấy chứng nhận quyền sử dụng đất chậm; "
            "Đường ĐT.398 xuống cấp")
HOSTILE = "<script>&amp; <b>"


def make_doc(**changes) -> AdminDocument:
    """A short minutes document; `changes` replace its fields."""
    fields = dict(
        body_parent="ỦY BAN NHÂN DÂN",
        body="TỈNH BẮC GIANG",
        number="Số: 05/BB-UBND",
        place_date="Bắc Giang, ngày 05 tháng 3 năm 2024",
        doc_type="BIÊN BẢN",
        summary="Buổi đối thoại của Chủ tịch UBND tỉnh\nvới công dân huyện Lục Nam",
        blocks=[
            Paragraph("Vào hồi 08 giờ 00 phút ngày 05/3/2024, tại Hội trường UBND tỉnh, "
                      "đồng chí Phó Chủ tịch UBND tỉnh chủ trì buổi đối thoại."),
            Heading("I. THÀNH PHẦN THAM DỰ"),
            Bullet("Đại diện Sở Tài nguyên và Môi trường;"),
            Heading("II. Ý KIẾN, KIẾN NGHỊ"),
            Paragraph(f"1. Bà {PETITION}."),
            Paragraph("Biên bản được lập thành 02 bản.", italic=True),
        ],
        signer_title="PHÓ CHỦ TỊCH",
        signer_name="Nguyễn Văn Minh",
        signer_authority=["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH"],
        recipients=["- Thường trực Tỉnh ủy (b/c);", "- Ban Dân vận Tỉnh ủy (b/c);",
                    "- Lưu: VT, KTTH."],
        title_for_metadata="Biên bản buổi đối thoại",
    )
    fields.update(changes)
    return AdminDocument(**fields)


def long_blocks(count: int = 40) -> list:
    """Enough body paragraphs to fill more than one page."""
    return [Paragraph(f"Đoạn {n}: Sở Tài nguyên và Môi trường chủ trì, phối hợp với UBND huyện "
                      f"rà soát hồ sơ, giải quyết dứt điểm kiến nghị của công dân.")
            for n in range(1, count + 1)]


def render(doc: AdminDocument, font_dirs=FONT_DIRS) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(render_pdf(doc, font_dirs)))


def words(text: str) -> str:
    """Text with line breaks and runs of spaces folded into single spaces."""
    return " ".join(text.split())


def all_text(reader: pypdf.PdfReader) -> str:
    return words(" ".join(page.extract_text() for page in reader.pages))


@dataclass
class Run:
    """A piece of text on a page and where its baseline starts."""

    text: str
    x: float
    y: float


def runs(page) -> list[Run]:
    found: list[Run] = []

    def visit(text, cm, tm, _font, _size):
        if text.strip():
            found.append(Run(text.strip(), tm[4] * cm[0] + tm[5] * cm[2] + cm[4],
                             tm[4] * cm[1] + tm[5] * cm[3] + cm[5]))

    page.extract_text(visitor_text=visit)
    return found


def run_of(page, text: str) -> Run:
    matches = [run for run in runs(page) if run.text == text]
    assert len(matches) == 1, (text, [run.text for run in runs(page)])
    return matches[0]


@dataclass
class Rule:
    """A stroked horizontal line, in page coordinates."""

    x1: float
    x2: float
    y: float


def rules(page, reader: pypdf.PdfReader) -> list[Rule]:
    """Horizontal lines stroked on the page (enough of a content interpreter for reportlab)."""
    ctm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    stack, path, found = [], [], []

    def apply(x, y):
        a, b, c, d, e, f = ctm
        return a * x + c * y + e, b * x + d * y + f

    for operands, operator in ContentStream(page.get_contents(), reader).operations:
        if operator == b"q":
            stack.append(ctm)
        elif operator == b"Q":
            ctm = stack.pop()
        elif operator == b"cm":
            a, b, c, d, e, f = (float(v) for v in operands)
            A, B, C, D, E, F = ctm
            ctm = (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
                   e * A + f * C + E, e * B + f * D + F)
        elif operator in (b"m", b"l"):
            path.append(apply(float(operands[0]), float(operands[1])))
        elif operator == b"S":
            for (x1, y1), (x2, y2) in zip(path, path[1:]):
                if abs(y1 - y2) < 0.01 and abs(x1 - x2) > 1:
                    found.append(Rule(min(x1, x2), max(x1, x2), y1))
            path = []
        elif operator == b"n":
            path = []
    return found


def text_width(text: str, face_file: str, size: float) -> float:
    return TTFont(f"Measure-{face_file}", str(DEJAVU / face_file)).stringWidth(text, size)


def base_fonts(reader: pypdf.PdfReader) -> dict[str, pypdf.generic.DictionaryObject]:
    """Every font the pages use, by BaseFont name without the subset tag."""
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[re.sub(r"^[A-Z]{6}\+", "", font["/BaseFont"][1:])] = font
    return fonts


def copy_fonts(source: Path, names: tuple[str, ...], target: Path, rename=None) -> Path:
    target.mkdir()
    for index, name in enumerate(names):
        shutil.copy(source / name, target / (rename[index] if rename else name))
    return target


# ----------------------------------------------------------------------------- text


def test_vietnamese_text_round_trips_exactly():
    text = all_text(render(make_doc()))

    for expected in [
        "ỦY BAN NHÂN DÂN", "TỈNH BẮC GIANG", "Số: 05/BB-UBND",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "Bắc Giang, ngày 05 tháng 3 năm 2024", "BIÊN BẢN",
        "Buổi đối thoại của Chủ tịch UBND tỉnh với công dân huyện Lục Nam",
        "I. THÀNH PHẦN THAM DỰ", "- Đại diện Sở Tài nguyên và Môi trường;",
        PETITION, "Biên bản được lập thành 02 bản.",
        "Nơi nhận:", "- Thường trực Tỉnh ủy (b/c);", "- Lưu: VT, KTTH.",
        "TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn Minh",
    ]:
        assert expected in text
    assert unicodedata.is_normalized("NFC", text)


def test_decomposed_input_is_printed_precomposed():
    typed = unicodedata.normalize("NFD", PETITION)
    assert typed != PETITION

    text = all_text(render(make_doc(blocks=[Paragraph(typed)])))

    assert PETITION in text


@pytest.mark.parametrize("hostile", [
    HOSTILE,
    "a & b < c > d; </para> <font size=40>to</font> <br/> &nbsp; &#65; <i>",
    "<b>chưa đóng thẻ",
])
def test_markup_typed_by_users_prints_literally(hostile):
    doc = make_doc(
        summary=hostile,
        blocks=[Paragraph(hostile), Heading(hostile), Bullet(hostile), Paragraph(hostile, True)],
        signer_name=hostile,
        recipients=[hostile],
        title_for_metadata=hostile,
    )

    reader = render(doc)

    assert all_text(reader).count(words(hostile)) == 7
    assert reader.metadata.title == hostile


def test_newlines_become_line_breaks():
    doc = make_doc(blocks=[Paragraph("Dòng thứ nhất\nDòng thứ hai")])

    page_text = render(doc).pages[0].extract_text()

    assert re.search(r"Dòng thứ nhất *\n *Dòng thứ hai", page_text)
    assert re.search(r"Buổi đối thoại của Chủ tịch UBND tỉnh *\n *với công dân", page_text)


def test_blank_number_keeps_its_gap():
    page_text = render(make_doc(number="Số:      /BB-UBND")).pages[0].extract_text()

    assert re.search(r"Số: {2,}/BB-UBND", page_text)


def test_unprintable_characters_are_dropped():
    typed = "Ý\x00 kiến\ufeff của\u200b \ud800công\x1b dân\r\nđã ghi\tnhận"

    page_text = render(make_doc(blocks=[Paragraph(typed)])).pages[0].extract_text()

    assert re.search(r"Ý kiến của công dân *\n *đã ghi nhận", page_text)
    assert "\x00" not in page_text


@pytest.mark.parametrize("typed", ["Đại diện Sở Y tế;", "- Đại diện Sở Y tế;"])
def test_bullet_has_one_dash(typed):
    text = all_text(render(make_doc(blocks=[Bullet(typed)])))

    assert "- Đại diện Sở Y tế;" in text
    assert "- - Đại" not in text


def test_unknown_block_is_refused():
    with pytest.raises(TypeError):
        render_pdf(make_doc(blocks=["plain string"]), FONT_DIRS)


def test_metadata():
    reader = render(make_doc())
    assert reader.metadata.title == "Biên bản buổi đối thoại"
    assert reader.metadata.author == "Văn phòng UBND tỉnh"

    untitled = render(make_doc(title_for_metadata=""))
    assert untitled.metadata.title == (
        "BIÊN BẢN Buổi đối thoại của Chủ tịch UBND tỉnh với công dân huyện Lục Nam")


# ----------------------------------------------------------------------------- page geometry


def test_pages_are_a4_portrait():
    reader = render(make_doc(blocks=long_blocks()))

    assert len(reader.pages) >= 2
    for page in reader.pages:
        assert float(page.mediabox.width) == pytest.approx(A4_WIDTH, abs=1)
        assert float(page.mediabox.height) == pytest.approx(A4_HEIGHT, abs=1)


def test_text_stays_inside_the_margins():
    doc = make_doc(blocks=[Bullet("Đại diện Sở Tài nguyên và Môi trường;"), *long_blocks()])

    for page in render(doc).pages:
        page_runs = runs(page)
        lefts = [run.x for run in page_runs if run.y < A4_HEIGHT - MARGIN_TOP]
        assert min(lefts) == pytest.approx(MARGIN_LEFT, abs=0.5)
        assert min(run.y for run in page_runs) >= MARGIN_BOTTOM


def test_page_numbers_from_page_two_centred_at_the_top():
    reader = render(make_doc(blocks=long_blocks()))
    assert len(reader.pages) >= 2

    first = runs(reader.pages[0])
    assert max(run.y for run in first) < A4_HEIGHT - MARGIN_TOP
    assert reader.pages[0].extract_text().lstrip().startswith("ỦY BAN NHÂN DÂN")

    for number, page in enumerate(reader.pages[1:], start=2):
        in_top_margin = [run for run in runs(page) if run.y > A4_HEIGHT - MARGIN_TOP]
        assert [run.text for run in in_top_margin] == [str(number)]
        assert in_top_margin[0].x == pytest.approx(TEXT_CENTRE, abs=8)
        assert page.extract_text().lstrip().startswith(str(number))


# ----------------------------------------------------------------------------- layout


def test_header_columns_and_rules():
    page = render(make_doc(), font_dirs=(str(DEJAVU),)).pages[0]
    body, parent = run_of(page, "TỈNH BẮC GIANG"), run_of(page, "ỦY BAN NHÂN DÂN")
    national = run_of(page, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    motto = run_of(page, "Độc lập - Tự do - Hạnh phúc")
    number = run_of(page, "Số: 05/BB-UBND")
    date = run_of(page, "Bắc Giang, ngày 05 tháng 3 năm 2024")
    page_rules = rules(page, page.pdf)

    # Issuing body on the left, national name on the right, on the same first line.
    assert parent.x + text_width(parent.text, "DejaVuSerif-Bold.ttf", 13) < national.x
    assert national.x + text_width(national.text, "DejaVuSerif-Bold.ttf", 12) <= (
        A4_WIDTH - MARGIN_RIGHT + 0.5)
    assert parent.y == pytest.approx(national.y, abs=2)
    assert body.y < parent.y and number.y < body.y
    # Number and place-date share a line, under the rules.
    assert number.y == pytest.approx(date.y, abs=2)

    motto_width = text_width(motto.text, "DejaVuSerif-Bold.ttf", 13)
    under_motto = [r for r in page_rules if 0 < motto.y - r.y < 10 and r.x1 >= national.x]
    assert len(under_motto) == 1
    assert under_motto[0].x1 == pytest.approx(motto.x, abs=0.5)
    assert under_motto[0].x2 - under_motto[0].x1 == pytest.approx(motto_width, abs=0.5)

    body_width = text_width(body.text, "DejaVuSerif-Bold.ttf", 13)
    under_body = [r for r in page_rules if 0 < body.y - r.y < 10 and r.x2 < TEXT_CENTRE]
    assert len(under_body) == 1
    assert body_width / 3 <= under_body[0].x2 - under_body[0].x1 <= body_width / 2
    assert (under_body[0].x1 + under_body[0].x2) / 2 == pytest.approx(
        body.x + body_width / 2, abs=0.5)


def test_title_and_summary_centred_with_a_rule_under():
    page = render(make_doc(summary="Về việc giải quyết kiến nghị"),
                  font_dirs=(str(DEJAVU),)).pages[0]
    title, summary = run_of(page, "BIÊN BẢN"), run_of(page, "Về việc giải quyết kiến nghị")

    for run in (title, summary):
        width = text_width(run.text, "DejaVuSerif-Bold.ttf", 14)
        assert run.x + width / 2 == pytest.approx(TEXT_CENTRE, abs=0.5)
    under = [r for r in rules(page, page.pdf) if 0 < summary.y - r.y < 12]
    assert len(under) == 1
    assert (under[0].x1 + under[0].x2) / 2 == pytest.approx(TEXT_CENTRE, abs=0.5)


def test_first_line_indent_of_paragraphs():
    page = render(make_doc(blocks=long_blocks(3)), font_dirs=(str(DEJAVU),)).pages[0]
    starts = [run for run in runs(page) if run.text.startswith("Đoạn 1:")]

    assert starts[0].x == pytest.approx(MARGIN_LEFT + 1.27 / 2.54 * 72, abs=0.5)


@pytest.mark.parametrize("paragraphs", range(6, 26))
def test_signature_block_stays_together_with_the_last_paragraph(paragraphs):
    reader = render(make_doc(blocks=long_blocks(paragraphs)))
    last = f"Đoạn {paragraphs}:"
    pages = [words(page.extract_text()) for page in reader.pages]

    on = [i for i, text in enumerate(pages) if "Nơi nhận:" in text]
    assert on == [len(pages) - 1]
    final = pages[-1]
    for part in (last, "TM. ỦY BAN NHÂN DÂN", "PHÓ CHỦ TỊCH", "Nguyễn Văn Minh",
                 "- Lưu: VT, KTTH."):
        assert part in final


def test_recipients_left_and_signature_right_side_by_side():
    page = render(make_doc()).pages[-1]
    label = run_of(page, "Nơi nhận:")
    authority = run_of(page, "TM. ỦY BAN NHÂN DÂN")
    title, name = run_of(page, "PHÓ CHỦ TỊCH"), run_of(page, "Nguyễn Văn Minh")

    assert label.x == pytest.approx(MARGIN_LEFT, abs=0.5)
    assert authority.x > TEXT_CENTRE and name.x > TEXT_CENTRE
    assert label.y == pytest.approx(authority.y, abs=4)
    assert authority.y > title.y > name.y
    assert title.y - name.y > 20 * mm  # room for the signature


# ----------------------------------------------------------------------------- fonts


def test_embeds_a_vietnamese_serif_family_with_real_faces():
    fonts = base_fonts(render(make_doc()))

    families = {name.split("-")[0] for name in fonts}
    assert len(families) == 1
    family = families.pop()
    assert family in {"LiberationSerif", "Tinos", "DejaVuSerif"}
    assert {family, f"{family}-Bold", f"{family}-Italic", f"{family}-BoldItalic"} <= set(fonts)
    for font in fonts.values():
        descriptor = font["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor  # embedded TrueType
        assert "/ToUnicode" in font  # extractable text


def test_skips_a_family_without_vietnamese(tmp_path):
    vera = ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf", "VeraBI.ttf")
    liberation_names = ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf",
                        "LiberationSerif-Italic.ttf", "LiberationSerif-BoldItalic.ttf")
    fake = copy_fonts(VERA, vera, tmp_path / "fake-liberation", rename=liberation_names)
    dejavu = copy_fonts(DEJAVU, DEJAVU_FILES, tmp_path / "dejavu")

    reader = render(make_doc(), font_dirs=(str(fake), str(dejavu)))

    assert "DejaVuSerif-Bold" in base_fonts(reader)
    assert PETITION in all_text(reader)
    with pytest.raises(FontNotFound):
        render_pdf(make_doc(), (str(fake),))


def test_family_preference_beats_directory_order(tmp_path):
    condensed = tuple(name.replace("DejaVuSerif", "DejaVuSerifCondensed") for name in DEJAVU_FILES)
    tinos = copy_fonts(DEJAVU, condensed, tmp_path / "tinos",
                       rename=("Tinos-Regular.ttf", "Tinos-Bold.ttf",
                               "Tinos-Italic.ttf", "Tinos-BoldItalic.ttf"))

    reader = render(make_doc(), font_dirs=(str(DEJAVU), str(tinos)))

    assert "DejaVuSerifCondensed-Bold" in base_fonts(reader)


def test_incomplete_family_is_not_used(tmp_path):
    partial = copy_fonts(DEJAVU, DEJAVU_FILES[:3], tmp_path / "partial")

    with pytest.raises(FontNotFound):
        render_pdf(make_doc(), (str(partial),))


@pytest.mark.parametrize("dirs", [(), ("/nonexistent/fonts",), "empty"])
def test_font_not_found(dirs, tmp_path):
    font_dirs = (str(tmp_path),) if dirs == "empty" else dirs

    with pytest.raises(FontNotFound, match="fonts-liberation"):
        render_pdf(make_doc(), font_dirs)


def test_concurrent_first_use_registers_once_and_output_is_deterministic(tmp_path):
    dejavu = copy_fonts(DEJAVU, DEJAVU_FILES, tmp_path / "dejavu")
    start = threading.Barrier(6)
    results: list[bytes] = []
    errors: list[BaseException] = []

    def work():
        start.wait()
        try:
            results.append(render_pdf(make_doc(), (str(dejavu),)))
        except BaseException as error:  # collected and re-raised in the test thread
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    assert len(set(results)) == 1
    assert render_pdf(make_doc(), (str(dejavu),)) == results[0]
    assert PETITION in all_text(pypdf.PdfReader(io.BytesIO(results[0])))
