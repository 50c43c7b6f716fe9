"""Digital signatures of issued documents (chữ ký số): PAdES with pyHanko.

The office's certificate comes from a PKCS#12 file (`SIGNING_P12`, `SIGNING_P12_PASSWORD`)
or from a PKCS#11 token, such as the USB tokens government signers use
(`SIGNING_PKCS11_MODULE`, `SIGNING_PKCS11_TOKEN`, `SIGNING_PKCS11_PIN`, `SIGNING_KEY_LABEL`).
Each setting is read from the app's configuration, the environment's value by default.
When one is configured, issuing signs the issued PDF by default (`signing_configured`).

The visible signature follows Decree 30/2020, Appendix I:
- the signer's signature image at the signature position, between the title and the name;
- the body's seal image, in red and at its real size (`SIGNING_SEAL_SIZE_MM`), overlapping
  about a third of the signature image on the left;
- the signing time in Việt Nam time, ISO 8601 (the same instant as the CMS signing time).
Images: `SIGNING_SIGNATURE_IMAGE` and `SIGNING_SEAL_IMAGE` (PNG, transparent background; a seal
scanned on white is made transparent and red); without them a generated seal and flourish.

The signature is an incremental update (pyHanko's writer): the unsigned PDF is a prefix of the
signed one, and its page content is untouched, so the number and the text read back the same.
`verify_pdf` reports whether a PDF's signature holds: intact, cryptographically valid, and
nothing changed after it (pyHanko's difference analysis); trust in the certificate chain is
reported apart, against `SIGNING_TRUST_ROOTS` (PEM or DER files, separated by os.pathsep).
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.extensions import db
from portal.timefmt import LOCAL_TZ
from portal.types import UTCDateTime

__all__ = [
    "DocumentSignature",
    "SignatureStatus",
    "SignedPdf",
    "SignerSettings",
    "SigningError",
    "iso_local",
    "register_statuses",
    "signer_settings",
    "sign_issued",
    "sign_pdf",
    "signature_box",
    "signing_configured",
    "verify_pdf",
]

log = logging.getLogger(__name__)

FIELD_NAME = "ChuKySo"
SEAL_RED = (0.86, 0.05, 0.05)
SIGNATURE_BLUE = (0.05, 0.2, 0.7)
MM = 72 / 25.4
DEFAULT_SEAL_MM = 36.0  # a provincial body's round seal; the office sets its real size
SIGNATURE_MAX_W = 48 * MM
SIGNATURE_MAX_H = 18 * MM
TIME_SIZE = 7.5


class SigningError(RuntimeError):
    """Signing could not be done: a missing certificate, a wrong PIN, an unreadable image."""


# --------------------------------------------------------------------------- the register


class DocumentSignature(db.Model):
    """The digital signature of an issued document, as recorded when it was signed.

    The signed PDF is the document's stored PDF; its hash before signing is kept, so the
    unsigned rendering can be proven (it is the signed file's prefix)."""

    __tablename__ = "document_signature"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), unique=True)
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    signer: Mapped[str] = mapped_column(String(300))  # the certificate's subject common name
    issuer: Mapped[str] = mapped_column(String(300))
    serial: Mapped[str] = mapped_column(String(80))  # hex
    certificate_sha256: Mapped[str] = mapped_column(String(64))
    source: Mapped[str] = mapped_column(String(10))  # "pkcs12" | "pkcs11"
    unsigned_sha256: Mapped[str] = mapped_column(String(64))
    signed_sha256: Mapped[str] = mapped_column(String(64))
    unsigned_length: Mapped[int] = mapped_column()

    document = relationship("Document")


# --------------------------------------------------------------------------- settings


def _setting(config: Mapping, key: str, default: str = "") -> str:
    value = config.get(key)
    if value is None:
        value = os.environ.get(key, default)
    return str(value or "")


@dataclass(frozen=True)
class SignerSettings:
    """Where the certificate and the images come from (read from the configuration)."""

    p12: str = ""
    p12_password: str = ""
    pkcs11_module: str = ""
    pkcs11_token: str = ""
    pkcs11_pin: str = ""
    key_label: str = ""
    signature_image: str = ""
    seal_image: str = ""
    seal_size_mm: float = DEFAULT_SEAL_MM
    trust_roots: tuple[str, ...] = ()
    font_dirs: tuple[str, ...] = ()

    @property
    def source(self) -> str | None:
        if self.pkcs11_module:
            return "pkcs11"
        if self.p12:
            return "pkcs12"
        return None


def signer_settings(config: Mapping | None = None) -> SignerSettings:
    """The signing settings of `config` (default: the current app's), each defaulting to the
    environment variable of the same name."""
    if config is None:
        from flask import current_app
        config = current_app.config
    roots = _setting(config, "SIGNING_TRUST_ROOTS")
    try:
        seal_mm = float(_setting(config, "SIGNING_SEAL_SIZE_MM", str(DEFAULT_SEAL_MM)))
    except ValueError:
        seal_mm = DEFAULT_SEAL_MM
    return SignerSettings(
        p12=_setting(config, "SIGNING_P12"),
        p12_password=_setting(config, "SIGNING_P12_PASSWORD"),
        pkcs11_module=_setting(config, "SIGNING_PKCS11_MODULE"),
        pkcs11_token=_setting(config, "SIGNING_PKCS11_TOKEN"),
        pkcs11_pin=_setting(config, "SIGNING_PKCS11_PIN"),
        key_label=_setting(config, "SIGNING_KEY_LABEL"),
        signature_image=_setting(config, "SIGNING_SIGNATURE_IMAGE"),
        seal_image=_setting(config, "SIGNING_SEAL_IMAGE"),
        seal_size_mm=seal_mm,
        trust_roots=tuple(p for p in roots.split(os.pathsep) if p),
        font_dirs=tuple(config.get("PDF_FONT_DIRS") or ()),
    )


def signing_configured(config: Mapping | None = None) -> bool:
    """True when a PKCS#12 file or a PKCS#11 module is configured: issuing then signs."""
    return signer_settings(config).source is not None


@contextmanager
def open_signer(settings: SignerSettings) -> Iterator:
    """A pyHanko signer for the configured certificate (a PKCS#11 session is closed after)."""
    from pyhanko.sign import signers

    if settings.source == "pkcs11":
        from pyhanko.config.pkcs11 import TokenCriteria
        from pyhanko.sign.pkcs11 import PKCS11Signer, open_pkcs11_session

        try:
            session = open_pkcs11_session(
                settings.pkcs11_module,
                token_criteria=TokenCriteria(label=settings.pkcs11_token or None),
                user_pin=settings.pkcs11_pin or None)
        except Exception as exc:  # the module, the token or the PIN
            raise SigningError(f"cannot open the PKCS#11 token: {exc}") from exc
        try:
            label = settings.key_label or None
            yield PKCS11Signer(session, key_label=label, cert_label=label)
        finally:
            session.close()
        return
    if settings.source == "pkcs12":
        password = settings.p12_password.encode() if settings.p12_password else None
        try:
            signer = signers.SimpleSigner.load_pkcs12(settings.p12, passphrase=password)
        except Exception as exc:
            raise SigningError(f"cannot read the PKCS#12 file: {exc}") from exc
        if signer is None:
            raise SigningError("cannot read the PKCS#12 file (wrong password?)")
        yield signer
        return
    raise SigningError("no signing certificate is configured")


# --------------------------------------------------------------------------- the position


@dataclass(frozen=True)
class Box:
    """The signature position on a page: the space between the title and the name."""

    page: int
    centre_x: float
    top: float  # just under the signer's title
    bottom: float  # just above the signer's name

    @property
    def centre_y(self) -> float:
        return (self.top + self.bottom) / 2


def _norm(text: str) -> str:
    return " ".join((text or "").split())


def signature_box(pdf_bytes: bytes, signer_title: str, signer_name: str) -> Box | None:
    """Where the signer signs: the space between the (upper-case) title line and the name line
    of the signature block, found on the last page that prints them. None when not found."""
    from pypdf import PdfReader

    from portal.documents.layout import MARGIN_LEFT, MARGIN_RIGHT, SIZE_SIGNER

    reader = PdfReader(io.BytesIO(pdf_bytes))
    title = _norm(signer_title).upper()
    name = _norm(signer_name)
    for index in range(len(reader.pages) - 1, -1, -1):
        page = reader.pages[index]
        lines: list[tuple[str, float]] = []

        def visit(text, cm, tm, _font, _size):
            if text.strip():
                lines.append((_norm(text), cm[5] + tm[5] * cm[3]))

        page.extract_text(visitor_text=visit)
        name_ys = [y for text, y in lines if name and text == name]
        title_ys = [y for text, y in lines if title and text == title]
        if not name_ys and not title_ys:
            continue
        width = float(page.mediabox.width)
        text_width = width - MARGIN_LEFT - MARGIN_RIGHT
        # The signature block is the right 55 % of the text width (layout._closing).
        centre_x = MARGIN_LEFT + text_width * 0.45 + text_width * 0.55 / 2
        if name_ys:
            name_y = min(name_ys)
            above = [y for y in title_ys if y > name_y]
            title_y = min(above) if above else name_y + SIZE_SIGNER + 25 * MM
        else:
            title_y = min(title_ys)
            name_y = title_y - SIZE_SIGNER - 25 * MM
        return Box(index, centre_x, top=title_y - SIZE_SIGNER * 0.3,
                   bottom=name_y + SIZE_SIGNER * 0.8)
    return None


# --------------------------------------------------------------------------- the images


def _red_seal(path: str, size_px: int = 600):
    """The seal image as a transparent red PNG (PIL): a seal scanned on white, or of another
    colour, keeps its shape (darkness and alpha) and is printed in red."""
    from PIL import Image, ImageChops, ImageOps

    try:
        with Image.open(path) as source:
            image = source.convert("RGBA")
    except (OSError, ValueError) as exc:
        raise SigningError(f"cannot read the seal image {path}: {exc}") from exc
    image.thumbnail((size_px, size_px))
    r, g, b, _a = image.split()
    # Ink is whatever is not paper: 255 - min(R, G, B) (white -> transparent, red or black
    # strokes -> opaque).
    ink = ImageOps.invert(ImageChops.darker(r, ImageChops.darker(g, b)))
    mask = ImageChops.multiply(ink, image.getchannel("A"))
    red = Image.new("RGBA", image.size, tuple(int(c * 255) for c in SEAL_RED) + (0,))
    red.putalpha(mask)
    return red


def _image_reader(path: str):
    from reportlab.lib.utils import ImageReader

    try:
        return ImageReader(path)
    except Exception as exc:  # reportlab raises various errors for a bad file
        raise SigningError(f"cannot read the signature image {path}: {exc}") from exc


def _draw_default_seal(canvas, cx: float, cy: float, diameter: float, body: str,
                       font: str) -> None:
    """A generated round seal, in red: two rings, a star, the body's name across."""
    canvas.saveState()
    canvas.setStrokeColorRGB(*SEAL_RED)
    canvas.setFillColorRGB(*SEAL_RED)
    r = diameter / 2
    canvas.setLineWidth(diameter * 0.03)
    canvas.circle(cx, cy, r * 0.96, stroke=1, fill=0)
    canvas.setLineWidth(diameter * 0.012)
    canvas.circle(cx, cy, r * 0.80, stroke=1, fill=0)
    import math
    points = []
    for k in range(10):
        radius = r * 0.22 if k % 2 == 0 else r * 0.09
        angle = math.pi / 2 + k * math.pi / 5
        points.append((cx + radius * math.cos(angle), cy + r * 0.25 + radius * math.sin(angle)))
    path = canvas.beginPath()
    path.moveTo(*points[0])
    for point in points[1:]:
        path.lineTo(*point)
    path.close()
    canvas.drawPath(path, stroke=0, fill=1)
    words = _norm(body).upper() or "ỦY BAN NHÂN DÂN"
    size = diameter * 0.085
    from reportlab.pdfbase.pdfmetrics import stringWidth
    while size > 3 and stringWidth(words, font, size) > r * 1.45:
        size -= 0.25
    canvas.setFont(font, size)
    canvas.drawCentredString(cx, cy - r * 0.25, words)
    canvas.restoreState()


def _draw_default_signature(canvas, x: float, y: float, w: float, h: float) -> None:
    """A generated flourish, in blue, standing for the signer's handwritten signature."""
    canvas.saveState()
    canvas.setStrokeColorRGB(*SIGNATURE_BLUE)
    canvas.setLineWidth(1.4)
    path = canvas.beginPath()
    path.moveTo(x + w * 0.05, y + h * 0.35)
    path.curveTo(x + w * 0.2, y + h * 1.0, x + w * 0.3, y + h * 0.0, x + w * 0.42, y + h * 0.6)
    path.curveTo(x + w * 0.5, y + h * 0.95, x + w * 0.6, y + h * 0.1, x + w * 0.72, y + h * 0.5)
    path.curveTo(x + w * 0.8, y + h * 0.8, x + w * 0.9, y + h * 0.3, x + w * 0.97, y + h * 0.45)
    canvas.drawPath(path, stroke=1, fill=0)
    canvas.restoreState()


@dataclass
class _Appearance:
    rect: tuple[float, float, float, float]  # on the page
    pdf: bytes  # a one-page PDF the size of `rect`


def _fonts(font_dirs: tuple[str, ...]) -> str:
    """The regular Vietnamese serif of the documents (Helvetica when none is found)."""
    from portal.documents.layout import FontNotFound, _font_family

    try:
        return _font_family(tuple(font_dirs)).regular
    except FontNotFound:
        return "Helvetica"


def iso_local(moment: datetime) -> str:
    """`2026-12-02T09:30:05+07:00`: a moment in Việt Nam time, ISO 8601, to the second."""
    return moment.astimezone(LOCAL_TZ).replace(microsecond=0).isoformat()


def _appearance(box: Box, settings: SignerSettings, signed_at: datetime,
                body: str) -> _Appearance:
    """The visible signature: the signature image centred in the space, the seal over its
    left third, the signing time under it; drawn with reportlab into its own page."""
    from reportlab.pdfgen.canvas import Canvas

    seal_d = settings.seal_size_mm * MM
    sig_w, sig_h = SIGNATURE_MAX_W, SIGNATURE_MAX_H
    signature = None
    if settings.signature_image:
        signature = _image_reader(settings.signature_image)
        iw, ih = signature.getSize()
        scale = min(SIGNATURE_MAX_W / iw, SIGNATURE_MAX_H / ih)
        sig_w, sig_h = iw * scale, ih * scale
    time_gap = TIME_SIZE + 2
    sig_x = box.centre_x - sig_w / 2
    sig_y = box.centre_y - sig_h / 2 + time_gap / 2
    # The seal's right edge covers a third of the signature image, from the left.
    seal_x = sig_x + sig_w / 3 - seal_d
    seal_y = sig_y + sig_h / 2 - seal_d / 2
    time_y = sig_y - time_gap
    left = min(seal_x, sig_x) - 1
    right = max(seal_x + seal_d, sig_x + sig_w) + 1
    bottom = min(seal_y, time_y - 2) - 1
    top = max(seal_y + seal_d, sig_y + sig_h) + 1
    width, height = right - left, top - bottom

    font = _fonts(settings.font_dirs)
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(width, height), invariant=1)
    ox, oy = -left, -bottom
    if signature is not None:
        canvas.drawImage(signature, sig_x + ox, sig_y + oy, sig_w, sig_h, mask="auto")
    else:
        _draw_default_signature(canvas, sig_x + ox, sig_y + oy, sig_w, sig_h)
    if settings.seal_image:
        from reportlab.lib.utils import ImageReader
        seal = _red_seal(settings.seal_image)
        canvas.drawImage(ImageReader(seal), seal_x + ox, seal_y + oy, seal_d, seal_d,
                         mask="auto")
    else:
        _draw_default_seal(canvas, seal_x + seal_d / 2 + ox, seal_y + seal_d / 2 + oy, seal_d,
                           body, font)
    canvas.setFont(font, TIME_SIZE)
    canvas.setFillColorRGB(0, 0, 0)
    # Under the two thirds of the signature the seal leaves free.
    canvas.drawCentredString(sig_x + sig_w * 2 / 3 + ox, time_y + oy, iso_local(signed_at))
    canvas.showPage()
    canvas.save()
    return _Appearance((left, bottom, right, top), buffer.getvalue())


# --------------------------------------------------------------------------- signing


def _off_the_event_loop(call):
    """Run `call()` here, or in a worker thread when this thread already runs an asyncio loop
    (pyHanko's synchronous API calls asyncio.run, which refuses to nest)."""
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call()
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call).result()


def _signer_class():
    """pyHanko's PdfSigner, with the signing time chosen by the caller: the appearance shows
    the same instant as the signature's signing-time attribute."""
    from pyhanko.sign import signers

    class _TimedSigner(signers.PdfSigner):
        def __init__(self, *args, signing_time: datetime, **kwargs):
            super().__init__(*args, **kwargs)
            self._signing_time = signing_time

        def init_signing_session(self, pdf_out, existing_fields_only=False):
            session = super().init_signing_session(pdf_out, existing_fields_only)
            session.system_time = self._signing_time
            return session

    return _TimedSigner


def _pdf_page_content(data: bytes):
    """A pyHanko content item drawing page 1 of the PDF `data` (the appearance)."""
    import binascii
    import uuid

    from pyhanko.pdf_utils.content import PdfContent
    from pyhanko.pdf_utils.layout import BoxConstraints
    from pyhanko.pdf_utils.reader import PdfFileReader

    class _Page(PdfContent):
        def render(self) -> bytes:
            writer = self._ensure_writer
            xobj = writer.import_page_as_xobject(PdfFileReader(io.BytesIO(data)), page_ix=0)
            name = b"/Import" + binascii.hexlify(uuid.uuid4().bytes)
            self.resources.xobject[name.decode("ascii")] = xobj
            x1, y1, x2, y2 = xobj.get_object()["/BBox"]
            self.box = BoxConstraints(width=abs(x1 - x2), height=abs(y1 - y2))
            return name + b" Do"

    return _Page()


@dataclass(frozen=True)
class SignedPdf:
    pdf: bytes
    signed_at: datetime
    signer: str
    issuer: str
    serial: str
    certificate_sha256: str
    source: str


def sign_pdf(pdf_bytes: bytes, settings: SignerSettings, *, signer_title: str = "",
             signer_name: str = "", body: str = "", reason: str = "",
             location: str = "", signed_at: datetime | None = None) -> SignedPdf:
    """Sign `pdf_bytes` as PAdES (baseline B) with the configured certificate, the visible
    signature at the signer's position (between `signer_title` and `signer_name`), or an
    invisible one when that position is not found. Raises SigningError."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.stamp import StaticStampStyle

    moment = (signed_at or datetime.now(timezone.utc)).astimezone(LOCAL_TZ)
    moment = moment.replace(microsecond=0)
    box = signature_box(pdf_bytes, signer_title, signer_name)
    spec = None
    style = None
    if box is not None:
        look = _appearance(box, settings, moment, body)
        spec = fields.SigFieldSpec(sig_field_name=FIELD_NAME, on_page=box.page,
                                   box=tuple(round(v, 2) for v in look.rect))
        style = StaticStampStyle(background=_pdf_page_content(look.pdf), border_width=0,
                                 background_opacity=1.0)
    else:
        spec = fields.SigFieldSpec(sig_field_name=FIELD_NAME)
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME, md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES, reason=reason or None,
        location=location or None)
    with open_signer(settings) as signer:
        cert = signer.signing_cert
        if cert is None:
            raise SigningError("the token holds no certificate for the key")
        pdf_signer = _signer_class()(meta, signer=signer, stamp_style=style,
                                     new_field_spec=spec, signing_time=moment)
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
        try:
            out = _off_the_event_loop(lambda: pdf_signer.sign_pdf(writer))
        except SigningError:
            raise
        except Exception as exc:  # a token refusing, a broken PDF
            raise SigningError(f"signing failed: {exc}") from exc
        subject = cert.subject.native
        return SignedPdf(
            pdf=out.getvalue(),
            signed_at=moment,
            signer=str(subject.get("common_name") or cert.subject.human_friendly),
            issuer=cert.issuer.human_friendly[:300],
            serial=format(cert.serial_number, "x"),
            certificate_sha256=hashlib.sha256(cert.dump()).hexdigest(),
            source=settings.source or "",
        )


def sign_issued(doc, config: Mapping | None = None) -> DocumentSignature:
    """Sign an issued document's stored PDF (the bytes rendered at issue) and store the signed
    bytes in its place (`services.store_issued_pdf`), recording the signature with the hash
    of the unsigned bytes. Signing adds an incremental update: the number and the text stay
    those of the stored PDF. Raises DocumentError (503) when signing fails, so the caller's
    transaction (the issue) is refused whole."""
    from portal.documents import services
    from portal.errors import N_

    unsigned = services.issued_pdf(doc)
    if unsigned is None:
        raise services.DocumentError(N_("Văn bản chưa có tệp PDF đã ban hành để ký số."))
    if db.session.scalar(select(DocumentSignature.id)
                         .where(DocumentSignature.document_id == doc.id)) is not None:
        raise services.DocumentError(N_("Văn bản đã được ký số."))
    settings = signer_settings(config)
    body = getattr(doc, "body_name", "") or (config or {}).get("ISSUING_BODY", "")
    try:
        signed = sign_pdf(unsigned, settings, signer_title=doc.signer_title or "",
                          signer_name=doc.signer_name or "", body=body,
                          reason=doc.number_text)
    except SigningError as exc:
        log.warning("signing document %s failed: %s", doc.id, exc)
        raise services.DocumentError(
            N_("Không ký số được văn bản: kiểm tra chứng thư số, thiết bị ký (token) và mã "
               "PIN trong cấu hình ký số."), 503) from exc
    services.store_issued_pdf(doc, signed.pdf)
    record = DocumentSignature(
        document_id=doc.id, signed_at=signed.signed_at.astimezone(timezone.utc),
        signer=signed.signer[:300], issuer=signed.issuer, serial=signed.serial[:80],
        certificate_sha256=signed.certificate_sha256, source=signed.source,
        unsigned_sha256=hashlib.sha256(unsigned).hexdigest(),
        signed_sha256=hashlib.sha256(signed.pdf).hexdigest(),
        unsigned_length=len(unsigned))
    db.session.add(record)
    db.session.flush()
    return record


# --------------------------------------------------------------------------- verifying


@dataclass(frozen=True)
class SignatureStatus:
    """What a PDF's signature says: `valid` means intact, cryptographically sound and nothing
    changed after signing; `trusted` that the certificate chains to a configured root."""

    signed: bool
    valid: bool = False
    intact: bool = False
    trusted: bool = False
    unchanged_after: bool = False
    signer: str = ""
    signed_at: datetime | None = None
    problem: str = ""
    details: dict = field(default_factory=dict)


def _trust_roots(paths: tuple[str, ...]) -> list:
    from asn1crypto import pem, x509

    roots = []
    for path in paths:
        try:
            with open(path, "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        if pem.detect(data):
            for _kind, _headers, der in pem.unarmor(data, multiple=True):
                roots.append(x509.Certificate.load(der))
        else:
            roots.append(x509.Certificate.load(data))
    return roots


def verify_pdf(pdf_bytes: bytes, trust_roots: tuple[str, ...] | list = ()) -> SignatureStatus:
    """Verify the last signature of `pdf_bytes` (paths or asn1crypto certificates as roots).

    Never raises for a bad document: an unreadable or altered one is `valid=False` with the
    reason in `problem`."""
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.diff_analysis import ModificationLevel
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko_certvalidator import ValidationContext

    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:
        return SignatureStatus(signed=False, problem=f"unreadable PDF: {exc}")
    if not signatures:
        return SignatureStatus(signed=False)
    embedded = signatures[-1]
    roots = [r for r in trust_roots if not isinstance(r, str)]
    roots += _trust_roots(tuple(r for r in trust_roots if isinstance(r, str)))
    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    signer = ""
    try:
        cert = embedded.signer_cert
        signer = str(cert.subject.native.get("common_name") or cert.subject.human_friendly)
    except Exception:  # noqa: BLE001 - a mangled CMS has no readable certificate
        pass
    try:
        status = _off_the_event_loop(
            lambda: validate_pdf_signature(embedded, signer_validation_context=context))
    except Exception as exc:  # noqa: BLE001 - a mangled signature, reported as invalid
        return SignatureStatus(signed=True, signer=signer, problem=f"{type(exc).__name__}: {exc}")
    level = status.modification_level
    unchanged = (status.coverage == SignatureCoverageLevel.ENTIRE_FILE
                 or (status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
                     and level is not None and level <= ModificationLevel.LTA_UPDATES
                     and status.docmdp_ok is not False))
    problems = []
    if not status.intact:
        problems.append("the signed bytes changed")
    elif not status.valid:
        problems.append("the signature does not match")
    if not unchanged:
        problems.append("the document was changed after signing")
    signed_at = status.signer_reported_dt
    return SignatureStatus(
        signed=True, valid=bool(status.intact and status.valid and unchanged),
        intact=bool(status.intact), trusted=bool(status.trusted), unchanged_after=unchanged,
        signer=signer, signed_at=signed_at, problem="; ".join(problems),
        details={"coverage": status.coverage.name if status.coverage else None,
                 "modification_level": level.name if level is not None else None})


# --------------------------------------------------------------------------- the register page

_verdicts: dict[tuple[int, str, tuple[str, ...]], SignatureStatus] = {}
_verdicts_lock = threading.Lock()
_VERDICTS_KEPT = 2000


def register_statuses(documents, config: Mapping | None = None) -> dict[int, SignatureStatus]:
    """The signature status of each signed document among `documents`, by id: the stored
    PDF verified as it is now (a verdict is kept per process for the same bytes, by their
    SHA-256, so a register page does not re-verify unchanged files)."""
    from portal.documents.models import DocumentFile

    # Only an issued document with a stored PDF can carry a signature: a page of drafts asks
    # nothing more; otherwise one query for the page, the records with their files.
    ids = [doc.id for doc in documents if getattr(doc, "pdf_sha256", None)]
    if not ids:
        return {}
    roots = signer_settings(config).trust_roots
    statuses: dict[int, SignatureStatus] = {}
    for document_id, content in db.session.execute(
            select(DocumentSignature.document_id, DocumentFile.content)
            .outerjoin(DocumentFile, DocumentFile.document_id == DocumentSignature.document_id)
            .where(DocumentSignature.document_id.in_(ids))
            .order_by(DocumentSignature.document_id)):
        if content is None:  # recorded as signed, its file is gone
            statuses[document_id] = SignatureStatus(signed=True, problem="no stored PDF")
            continue
        content = bytes(content)
        key = (document_id, hashlib.sha256(content).hexdigest(), roots)
        with _verdicts_lock:
            verdict = _verdicts.get(key)
        if verdict is None:
            verdict = verify_pdf(content, roots)
            if not verdict.signed:  # recorded as signed, the stored file carries none
                verdict = SignatureStatus(signed=True, problem="the stored PDF has no signature")
            with _verdicts_lock:
                if len(_verdicts) >= _VERDICTS_KEPT:
                    _verdicts.clear()
                _verdicts[key] = verdict
        statuses[document_id] = verdict
    return statuses
