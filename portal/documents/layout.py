"""Vietnamese administrative documents (văn bản hành chính) as PDF, Decree 30/2020/NĐ-CP format.

The caller describes a document with `AdminDocument` and plain text; `render_pdf` lays it out
with reportlab's platypus on A4 and returns the PDF bytes. Every piece of caller text is
escaped before it reaches reportlab's paragraph mini-markup, so it prints literally.
"""
from __future__ import annotations

import io
import os
import threading
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm, mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    HRFlowable,
    KeepTogether,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import Paragraph as RLParagraph
from reportlab.platypus.flowables import Flowable

__all__ = [
    "AdminDocument",
    "Bullet",
    "FontNotFound",
    "Heading",
    "Paragraph",
    "render_pdf",
]

AUTHOR = "Văn phòng UBND tỉnh"
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
NATIONAL_MOTTO = "Độc lập - Tự do - Hạnh phúc"
RECIPIENTS_LABEL = "Nơi nhận:"

PAGE_SIZE = A4
MARGIN_TOP = 20 * mm
MARGIN_BOTTOM = 20 * mm
MARGIN_LEFT = 30 * mm
MARGIN_RIGHT = 15 * mm
FIRST_LINE_INDENT = 1.27 * cm
SIGNATURE_SPACE = 25 * mm
RULE_THICKNESS = 0.6

# Point sizes of each part (Decree 30/2020, appendix I).
SIZE_BODY_HEADER = 13
SIZE_NUMBER = 13
SIZE_NATIONAL_NAME = 12
SIZE_MOTTO = 13
SIZE_PLACE_DATE = 14
SIZE_TITLE = 14
SIZE_TEXT = 14
SIZE_SIGNER = 14
SIZE_RECIPIENTS_LABEL = 12
SIZE_RECIPIENTS = 11
SIZE_PAGE_NUMBER = 13


# --------------------------------------------------------------------------- document model


@dataclass
class Heading:
    """A bold section heading inside the body, e.g. "I. THÀNH PHẦN THAM DỰ"."""

    text: str


@dataclass
class Paragraph:
    """Body text: justified, first line indented 1.27 cm."""

    text: str
    italic: bool = False


@dataclass
class Bullet:
    """A "- text" line with a hanging indent; the dash is added unless the text starts with one."""

    text: str


@dataclass
class AdminDocument:
    """An administrative document (văn bản hành chính) ready to be laid out."""

    body_parent: str
    body: str
    number: str
    place_date: str
    doc_type: str
    summary: str
    blocks: list
    signer_title: str
    signer_name: str
    signer_authority: list[str] = field(default_factory=list)
    recipients: list[str] = field(default_factory=list)
    title_for_metadata: str = ""


class FontNotFound(RuntimeError):
    """No serif font family with full Vietnamese coverage and all four faces was found."""


# --------------------------------------------------------------------------- fonts


@dataclass(frozen=True)
class _FontFamily:
    """The reportlab names of a registered serif family's four faces."""

    regular: str
    bold: str
    italic: str
    bold_italic: str


# Families in order of preference: the face files of each (regular, bold, italic, bold italic).
_CANDIDATES: tuple[tuple[str, tuple[str, str, str, str]], ...] = (
    ("LiberationSerif", ("LiberationSerif-Regular.ttf", "LiberationSerif-Bold.ttf",
                         "LiberationSerif-Italic.ttf", "LiberationSerif-BoldItalic.ttf")),
    ("Tinos", ("Tinos-Regular.ttf", "Tinos-Bold.ttf", "Tinos-Italic.ttf", "Tinos-BoldItalic.ttf")),
    ("DejaVuSerif", ("DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf",
                     "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf")),
)


def _vietnamese_letters() -> frozenset[int]:
    """Code points of every precomposed Vietnamese letter, both cases (NFC)."""
    tones = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
    letters = {unicodedata.normalize("NFC", vowel + tone)
               for vowel in "aăâeêioôơuưy" for tone in tones} | {"đ"}
    return frozenset(ord(ch) for letter in letters for ch in (letter, letter.upper()))


_VIETNAMESE = _vietnamese_letters()

# Keyed by the real path of the family's regular face; guarded by `_lock`.
_registered: dict[str, _FontFamily] = {}
_lacking: set[str] = set()
_lock = threading.Lock()
_build_lock = threading.Lock()


def _load_faces(family: str, paths: tuple[str, ...]) -> list[TTFont] | None:
    """The four faces as reportlab fonts, or None if one is unreadable or lacks Vietnamese.

    Debian 12's fonts-liberation (1.07) is such a case: it has no Vietnamese letters.
    """
    suffixes = ("", "-Bold", "-Italic", "-BoldItalic")
    # The same family may be found in two directories (say liberation and liberation2):
    # each registration gets its own names so one never replaces the other.
    serial = len(_registered)
    prefix = f"Doc{family}" + (f"{serial}" if serial else "")
    fonts = []
    for suffix, path in zip(suffixes, paths):
        try:
            font = TTFont(prefix + suffix, path)
        except (TTFError, OSError):
            return None
        if not _VIETNAMESE <= font.face.charToGlyph.keys():
            return None
        fonts.append(font)
    return fonts


def _font_family(font_dirs: tuple[str, ...]) -> _FontFamily:
    """The first preferred serif family in `font_dirs`, registered with reportlab once."""
    with _lock:
        for family, files in _CANDIDATES:
            for directory in font_dirs:
                paths = tuple(os.path.join(directory, name) for name in files)
                if not all(os.path.isfile(path) for path in paths):
                    continue
                key = os.path.realpath(paths[0])
                if key in _registered:
                    return _registered[key]
                if key in _lacking:
                    continue
                fonts = _load_faces(family, paths)
                if fonts is None:
                    _lacking.add(key)
                    continue
                for font in fonts:
                    pdfmetrics.registerFont(font)
                names = _FontFamily(*(font.fontName for font in fonts))
                pdfmetrics.registerFontFamily(
                    names.regular, normal=names.regular, bold=names.bold,
                    italic=names.italic, boldItalic=names.bold_italic,
                )
                _registered[key] = names
                return names
    raise FontNotFound(
        f"No serif font with Vietnamese letters and regular, bold, italic and bold-italic "
        f"faces in {list(font_dirs)!r}; looked for Liberation Serif, Tinos and DejaVu Serif "
        f"({', '.join(files[0] for _, files in _CANDIDATES)} and siblings). Install the "
        f"Debian package fonts-liberation2 (fonts-liberation before version 2 has no "
        f"Vietnamese), fonts-croscore or fonts-dejavu-extra, or set PDF_FONT_DIRS."
    )


# --------------------------------------------------------------------------- text


# Control, invisible format (BOM, zero-width space) and lone surrogate characters: never
# printable, and a font has no glyph for them.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def _clean(text: str) -> str:
    """NFC text with unified newlines and no unprintable characters other than newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n").replace("\t", " ")
    text = "".join(ch for ch in text
                   if ch == "\n" or unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    return unicodedata.normalize("NFC", text)


def _markup(text: str, *, keep_spaces: bool = False) -> str:
    """Caller text as safe paragraph markup: escaped, newlines as <br/>.

    With `keep_spaces`, runs of spaces survive (reportlab collapses them), so a number
    left blank for the register, like "Số:      /BB-UBND", keeps its gap.
    """
    markup = escape(_clean(text))
    if keep_spaces:
        markup = markup.replace("  ", "\u00a0 ").replace("  ", " \u00a0")
    return markup.replace("\n", "<br/>")


def _lines(text: str) -> list[str]:
    """The lines of caller text, as printed."""
    return _clean(text).split("\n")


# --------------------------------------------------------------------------- layout


class _Styles:
    """The paragraph styles of one document, in the chosen font family."""

    def __init__(self, fonts: _FontFamily) -> None:
        def style(name: str, font: str, size: float, align: int = TA_CENTER,
                  **extra: object) -> ParagraphStyle:
            extra.setdefault("leading", size * 1.2)
            return ParagraphStyle(name, fontName=font, fontSize=size, alignment=align,
                                  textColor=colors.black, **extra)

        self.fonts = fonts
        self.body_header = style("BodyHeader", fonts.bold, SIZE_BODY_HEADER)
        # The parent body's line (UBND TỈNH … above VĂN PHÒNG) is upright and not bold.
        self.body_parent = style("BodyParent", fonts.regular, SIZE_BODY_HEADER)
        self.number = style("Number", fonts.regular, SIZE_NUMBER)
        self.national_name = style("NationalName", fonts.bold, SIZE_NATIONAL_NAME)
        self.motto = style("Motto", fonts.bold, SIZE_MOTTO)
        self.place_date = style("PlaceDate", fonts.italic, SIZE_PLACE_DATE)
        self.doc_type = style("DocType", fonts.bold, SIZE_TITLE, spaceBefore=18)
        self.summary = style("Summary", fonts.bold, SIZE_TITLE)
        text = dict(leading=SIZE_TEXT * 1.25, spaceAfter=6, allowWidows=0)
        self.paragraph = style("Text", fonts.regular, SIZE_TEXT, TA_JUSTIFY,
                               firstLineIndent=FIRST_LINE_INDENT, **text)
        self.paragraph_italic = style("TextItalic", fonts.italic, SIZE_TEXT, TA_JUSTIFY,
                                      firstLineIndent=FIRST_LINE_INDENT, **text)
        self.heading = style("Heading", fonts.bold, SIZE_TEXT, TA_JUSTIFY,
                             firstLineIndent=FIRST_LINE_INDENT, keepWithNext=1,
                             spaceBefore=6, **text)
        # A «- » item is a paragraph like any other: its first line indented 1.27 cm.
        self.bullet = style("Bullet", fonts.regular, SIZE_TEXT, TA_JUSTIFY,
                            firstLineIndent=FIRST_LINE_INDENT, **text)
        self.signer = style("Signer", fonts.bold, SIZE_SIGNER)
        self.recipients_label = style("RecipientsLabel", fonts.regular, SIZE_RECIPIENTS_LABEL,
                                      TA_LEFT)
        self.recipient = style("Recipient", fonts.regular, SIZE_RECIPIENTS, TA_LEFT,
                               leftIndent=0)


def _rule(length: float, space_before: float = 3, space_after: float = 3) -> HRFlowable:
    """A thin, solid, centred horizontal rule."""
    return HRFlowable(width=length, thickness=RULE_THICKNESS, lineCap="butt",
                      color=colors.black, spaceBefore=space_before, spaceAfter=space_after,
                      hAlign="CENTER")


# The rule under the heading and the summary: 0.4 of the longest printed line, inside the
# decree's 1/3–1/2.
SHORT_RULE_RATIO = 0.4


def _printed_width(paragraphs: list[RLParagraph], width: float) -> float:
    """The widest line of `paragraphs` as printed: each wrapped in `width`, every line
    measured (not the unwrapped text, which may be wider than the column)."""
    widest = 0.0
    for paragraph in paragraphs:
        paragraph.wrap(width, 10_000)
        widest = max([widest, *paragraph.getActualLineWidths0()])
    return widest


def _short_rule_length(paragraphs: list[RLParagraph], width: float) -> float:
    """A third to a half of the longest printed line, as the decree asks."""
    return _printed_width(paragraphs, width) * SHORT_RULE_RATIO


def _table_style(font: str, *commands: tuple) -> TableStyle:
    """A borderless, unpadded, top-aligned table style in the document's font.

    The font matters even though every cell holds flowables: reportlab's default
    (Helvetica) would otherwise be set, and so referenced, in the PDF.
    """
    return TableStyle([
        ("FONTNAME", (0, 0), (-1, -1), font),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
        *commands,
    ])


def _header(doc: AdminDocument, st: _Styles, width: float) -> Table:
    """Issuing body and number on the left; national name, motto and date on the right."""
    fonts = st.fonts
    motto_width = pdfmetrics.stringWidth(NATIONAL_MOTTO, fonts.bold, SIZE_MOTTO)
    national_width = pdfmetrics.stringWidth(NATIONAL_NAME, fonts.bold, SIZE_NATIONAL_NAME)
    right_width = max(width * 0.6, national_width + 8)  # leave a gutter between columns
    left_width = width - right_width

    left: list[Flowable] = []
    if doc.body_parent.strip():
        left.append(RLParagraph(_markup(doc.body_parent.upper()), st.body_parent))
    own = [RLParagraph(_markup(doc.body.upper()), st.body_header)] if doc.body.strip() else []
    left.extend(own)
    # The short rule goes under the body's own (bold) line, a third to a half of it.
    rule_of = own or left
    left.append(_rule(_short_rule_length(rule_of, left_width) if rule_of else 1.5 * cm))
    right: list[Flowable] = [
        RLParagraph(escape(NATIONAL_NAME), st.national_name),
        RLParagraph(escape(NATIONAL_MOTTO), st.motto),
        _rule(motto_width),
    ]
    table = Table(
        [[left, right],
         [RLParagraph(_markup(doc.number, keep_spaces=True), st.number),
          RLParagraph(_markup(doc.place_date), st.place_date)]],
        colWidths=[left_width, right_width],
        hAlign="CENTER",
    )
    table.setStyle(_table_style(fonts.regular, ("ALIGN", (0, 0), (-1, -1), "CENTER"),
                                ("TOPPADDING", (0, 1), (-1, 1), 2)))
    return table


def _title(doc: AdminDocument, st: _Styles, width: float) -> list[Flowable]:
    """Document type and summary (trích yếu), centred, with a short rule under them sized
    from the summary's longest line as printed (wrapped in the text width)."""
    flowables: list[Flowable] = []
    type_line = [RLParagraph(_markup(doc.doc_type.upper()), st.doc_type)] \
        if doc.doc_type.strip() else []
    flowables.extend(type_line)
    summary = [RLParagraph(_markup(doc.summary), st.summary)] if doc.summary.strip() else []
    flowables.extend(summary)
    measured = summary or type_line
    length = _short_rule_length(measured, width) if measured else 1.5 * cm
    flowables.append(_rule(length, space_before=3, space_after=14))
    return flowables


def _block(block: Heading | Paragraph | Bullet, st: _Styles) -> Flowable:
    """One body block as a reportlab paragraph."""
    if isinstance(block, Heading):
        return RLParagraph(_markup(block.text), st.heading)
    if isinstance(block, Paragraph):
        return RLParagraph(_markup(block.text),
                           st.paragraph_italic if block.italic else st.paragraph)
    if isinstance(block, Bullet):
        text = _clean(block.text).lstrip()
        if not text.startswith("-"):
            text = f"- {text}"
        return RLParagraph(_markup(text), st.bullet)
    raise TypeError(f"not a document block: {block!r}")


def _closing(doc: AdminDocument, st: _Styles, width: float) -> Table:
    """Recipients (nơi nhận) on the left and the signature block on the right, side by side."""
    left: list[Flowable] = []
    if doc.recipients:
        left.append(RLParagraph(f"<b><i>{escape(RECIPIENTS_LABEL)}</i></b>",
                                st.recipients_label))
        left.extend(RLParagraph(_markup(line), st.recipient) for line in doc.recipients)
    right: list[Flowable] = [
        RLParagraph(_markup(line.upper()), st.signer)
        for line in [*doc.signer_authority, doc.signer_title] if line.strip()
    ]
    right.append(Spacer(1, SIGNATURE_SPACE))
    right.append(RLParagraph(_markup(doc.signer_name), st.signer))
    table = Table([[left or "", right]], colWidths=[width * 0.45, width * 0.55])
    table.setStyle(_table_style(st.fonts.regular, ("ALIGN", (1, 0), (1, 0), "CENTER")))
    return table


def _draw_page_number(font: str) -> Callable[[Canvas, BaseDocTemplate], None]:
    """An onPage callback printing the page number centred in the top margin."""
    def draw(canvas: Canvas, template: BaseDocTemplate) -> None:
        page_height = template.pagesize[1]
        canvas.saveState()
        canvas.setFont(font, SIZE_PAGE_NUMBER)
        canvas.setFillColor(colors.black)
        canvas.drawCentredString(template.leftMargin + template.width / 2,
                                 page_height - MARGIN_TOP / 2 - SIZE_PAGE_NUMBER / 3,
                                 str(canvas.getPageNumber()))
        canvas.restoreState()
    return draw


def _doc_template(buffer: io.BytesIO, doc: AdminDocument, fonts: _FontFamily) -> BaseDocTemplate:
    """A4 with the decree's margins: an unnumbered first page, then numbered pages."""
    title = doc.title_for_metadata or " ".join(
        part for part in (doc.doc_type, *_lines(doc.summary)) if part.strip())
    template = BaseDocTemplate(
        buffer,
        pagesize=PAGE_SIZE,
        topMargin=MARGIN_TOP,
        bottomMargin=MARGIN_BOTTOM,
        leftMargin=MARGIN_LEFT,
        rightMargin=MARGIN_RIGHT,
        title=" ".join(_clean(title).split()),
        author=AUTHOR,
        subject=" ".join(_clean(doc.number).split()),
        creator=AUTHOR,
        lang="vi",
        invariant=1,
        initialFontName=fonts.regular,
    )

    def frame() -> Frame:
        # No frame padding: the text area is exactly the page minus the margins.
        return Frame(template.leftMargin, template.bottomMargin, template.width,
                     template.height, leftPadding=0, rightPadding=0, topPadding=0,
                     bottomPadding=0, id="text")

    template.addPageTemplates([
        PageTemplate(id="first", frames=[frame()], autoNextPageTemplate="later"),
        PageTemplate(id="later", frames=[frame()], onPage=_draw_page_number(fonts.regular)),
    ])
    return template


def render_pdf(doc: AdminDocument, font_dirs: tuple[str, ...]) -> bytes:
    """Lay `doc` out on A4 in the Decree 30/2020 format and return the PDF bytes.

    Raises `FontNotFound` when no serif family covering Vietnamese is in `font_dirs`.
    """
    fonts = _font_family(tuple(font_dirs))
    st = _Styles(fonts)
    buffer = io.BytesIO()
    template = _doc_template(buffer, doc, fonts)
    width = template.width
    story: list[Flowable] = [_header(doc, st, width), *_title(doc, st, width)]
    body = [_block(block, st) for block in doc.blocks]
    # The last body block travels with the signature, so no page holds only the signature.
    story.extend(body[:-1])
    story.append(KeepTogether([*body[-1:], Spacer(1, 6 * mm), _closing(doc, st, width)]))
    # A registered TTFont keeps per-document subsetting state that reportlab does not guard:
    # two threads building at once can corrupt it (seen as a KeyError). Builds take
    # milliseconds, so one at a time per process costs nothing noticeable.
    with _build_lock:
        template.build(story)
    return buffer.getvalue()


# --------------------------------------------------------------------------- two signers
# Minutes (biên bản) are signed by two people: THƯ KÝ at the bottom left and CHỦ TỌA at the
# bottom right, each block with the role, the title and the name; the recipients come below.


@dataclass
class TwoSignerDocument(AdminDocument):
    """A document signed by two: `left_*` (the secretary) beside the usual signer (the chair,
    `signer_authority`/`signer_title`/`signer_name`)."""

    left_role: str = "THƯ KÝ"
    left_title: str = ""
    left_name: str = ""
    right_role: str = "CHỦ TỌA"


def _signer_block(role: str, title: str, name: str, st: _Styles) -> list[Flowable]:
    block: list[Flowable] = [RLParagraph(_markup(role.upper()), st.signer)]
    if title.strip():
        block.append(RLParagraph(_markup(title.upper()), st.signer))
    block.append(Spacer(1, SIGNATURE_SPACE))
    block.append(RLParagraph(_markup(name), st.signer))
    return block


def _two_signer_closing(doc: TwoSignerDocument, st: _Styles, width: float) -> list[Flowable]:
    """THƯ KÝ (left) and CHỦ TỌA (right) side by side, then the recipients."""
    right_title = "\n".join(line for line in [*doc.signer_authority, doc.signer_title]
                            if line.strip())
    table = Table([[_signer_block(doc.left_role, doc.left_title, doc.left_name, st),
                    _signer_block(doc.right_role, right_title, doc.signer_name, st)]],
                  colWidths=[width * 0.5, width * 0.5])
    table.setStyle(_table_style(st.fonts.regular, ("ALIGN", (0, 0), (-1, -1), "CENTER")))
    closing: list[Flowable] = [table]
    if doc.recipients:
        closing.append(Spacer(1, 6 * mm))
        closing.append(RLParagraph(f"<b><i>{escape(RECIPIENTS_LABEL)}</i></b>",
                                   st.recipients_label))
        closing.extend(RLParagraph(_markup(line), st.recipient) for line in doc.recipients)
    return closing


def render_two_signer_pdf(doc: TwoSignerDocument, font_dirs: tuple[str, ...]) -> bytes:
    """`render_pdf` for a document with two signers (minutes). Raises `FontNotFound`."""
    fonts = _font_family(tuple(font_dirs))
    st = _Styles(fonts)
    buffer = io.BytesIO()
    template = _doc_template(buffer, doc, fonts)
    width = template.width
    story: list[Flowable] = [_header(doc, st, width), *_title(doc, st, width)]
    body = [_block(block, st) for block in doc.blocks]
    story.extend(body[:-1])
    story.append(KeepTogether([*body[-1:], Spacer(1, 6 * mm),
                               *_two_signer_closing(doc, st, width)]))
    with _build_lock:
        template.build(story)
    return buffer.getvalue()
