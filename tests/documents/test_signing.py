"""Digital signatures (PAdES, pyHanko) of issued documents: from a PKCS#12 file and from a
PKCS#11 token (SoftHSM2), verified by pyHanko and by poppler's pdfsig; an altered document
fails; the number and the text are unchanged; the visible signature follows Decree 30."""
from __future__ import annotations

import hashlib
import io
import re
import shutil
from datetime import datetime, timedelta, timezone

import pytest
from pypdf import PdfReader

from tests.documents import signing_fixtures as fx

pytestmark = pytest.mark.skipif(shutil.which("pdfsig") is None,
                                reason="pdfsig is not installed (make test installs "
                                       "poppler-utils)")


@pytest.fixture(scope="module")
def credentials(tmp_path_factory):
    return fx.make_credentials(tmp_path_factory.mktemp("signing-ca"))


@pytest.fixture(scope="module")
def token(credentials, tmp_path_factory):
    reason = fx.softhsm_missing()
    if reason:
        pytest.skip(reason)
    return fx.make_token(credentials, tmp_path_factory.mktemp("softhsm"))


@pytest.fixture(scope="module")
def unsigned():
    return fx.document_pdf()


def p12_settings(credentials, **more):
    from portal.documents.signing import SignerSettings

    return SignerSettings(p12=str(credentials.p12), p12_password=fx.P12_PASSWORD,
                          font_dirs=fx.FONT_DIRS, **more)


def token_settings(module, **more):
    from portal.documents.signing import SignerSettings

    return SignerSettings(pkcs11_module=module, pkcs11_token=fx.TOKEN_LABEL,
                          pkcs11_pin=fx.TOKEN_PIN, key_label=fx.KEY_LABEL,
                          font_dirs=fx.FONT_DIRS, **more)


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def assert_verifies(pdf: bytes, credentials, tmp_path):
    from portal.documents.signing import verify_pdf

    status = verify_pdf(pdf, (str(credentials.ca_pem),))
    assert status.signed and status.intact and status.valid and status.unchanged_after
    assert status.trusted
    assert status.signer == fx.SIGNER_CN
    report = fx.pdfsig(pdf, tmp_path)
    assert "Signature Validation: Signature is Valid." in report, report
    assert "Total document signed" in report, report
    assert fx.SIGNER_CN in report, report
    return status


# --------------------------------------------------------------------------- the two sources


def test_a_pdf_signed_from_a_pkcs12_file_verifies_with_pyhanko_and_pdfsig(
        credentials, unsigned, tmp_path):
    from portal.documents.signing import sign_pdf

    signed = sign_pdf(unsigned, p12_settings(credentials), signer_title="Chủ tịch",
                      signer_name="Nguyễn Văn An", body="UBND tỉnh Bắc Ninh")
    assert signed.source == "pkcs12"
    assert signed.signer == fx.SIGNER_CN
    assert signed.certificate_sha256 == hashlib.sha256(
        credentials.signer_cert.public_bytes(fx.serialization.Encoding.DER)).hexdigest()
    status = assert_verifies(signed.pdf, credentials, tmp_path)
    assert status.signed_at == signed.signed_at


def test_a_pdf_signed_on_a_softhsm2_token_verifies_with_pyhanko_and_pdfsig(
        credentials, token, unsigned, tmp_path):
    from portal.documents.signing import sign_pdf

    signed = sign_pdf(unsigned, token_settings(token), signer_title="Chủ tịch",
                      signer_name="Nguyễn Văn An")
    assert signed.source == "pkcs11"
    assert signed.signer == fx.SIGNER_CN
    assert_verifies(signed.pdf, credentials, tmp_path)


def test_a_wrong_pin_or_password_is_a_signing_error_not_a_signature(credentials, token,
                                                                      unsigned):
    from portal.documents.signing import SignerSettings, SigningError, sign_pdf

    with pytest.raises(SigningError):
        sign_pdf(unsigned, SignerSettings(pkcs11_module=token, pkcs11_token=fx.TOKEN_LABEL,
                                          pkcs11_pin="000000", key_label=fx.KEY_LABEL))
    with pytest.raises(SigningError):
        sign_pdf(unsigned, SignerSettings(p12=str(credentials.p12), p12_password="sai"))
    with pytest.raises(SigningError):
        sign_pdf(unsigned, SignerSettings())


def test_settings_come_from_the_configuration_then_the_environment(monkeypatch, credentials):
    from portal.documents.signing import signer_settings, signing_configured

    monkeypatch.delenv("SIGNING_P12", raising=False)
    monkeypatch.delenv("SIGNING_PKCS11_MODULE", raising=False)
    assert not signing_configured({})
    monkeypatch.setenv("SIGNING_P12", str(credentials.p12))
    monkeypatch.setenv("SIGNING_P12_PASSWORD", fx.P12_PASSWORD)
    assert signing_configured({})
    assert signer_settings({}).source == "pkcs12"
    assert signer_settings({}).p12_password == fx.P12_PASSWORD
    settings = signer_settings({"SIGNING_PKCS11_MODULE": "/x/lib.so",
                                "SIGNING_PKCS11_TOKEN": "t", "SIGNING_KEY_LABEL": "k"})
    assert settings.source == "pkcs11"  # a token wins over a file
    assert (settings.pkcs11_token, settings.key_label) == ("t", "k")


# --------------------------------------------------------------------------- never the text


def test_signing_changes_neither_the_number_nor_the_text(credentials, unsigned):
    from portal.documents.signing import sign_pdf

    signed = sign_pdf(unsigned, p12_settings(credentials), signer_title="Chủ tịch",
                      signer_name="Nguyễn Văn An").pdf
    # An incremental update: the unsigned bytes are the signed file's prefix.
    assert signed[:len(unsigned)] == unsigned and len(signed) > len(unsigned)
    before, after = page_texts(unsigned), page_texts(signed)
    assert after == before
    assert "Số: 05/TB-UBND" in after[0]
    assert "Nguyễn Văn An" in after[-1]
    # The signing time is shown in the signature's appearance, not in the page text.
    assert "+07:00" not in "".join(after)


# --------------------------------------------------------------------------- altered after


def test_bytes_changed_inside_the_signed_range_fail_to_verify(credentials, unsigned,
                                                              tmp_path):
    from portal.documents.signing import sign_pdf, verify_pdf

    signed = sign_pdf(unsigned, p12_settings(credentials), signer_title="Chủ tịch",
                      signer_name="Nguyễn Văn An").pdf
    # The document's subject (its number, "Số: 05/…" in UTF-16 with octal escapes) in the
    # info dictionary, changed by one digit: 05 becomes 06.
    at = signed.index(b"\\0000\\0005", signed.index(b"/Subject ("))
    altered = signed[:at] + b"\\0000\\0006" + signed[at + 10:]
    assert len(altered) == len(signed)
    status = verify_pdf(altered, (str(credentials.ca_pem),))
    assert status.signed and not status.valid and not status.intact
    assert status.problem
    report = fx.pdfsig(altered, tmp_path)
    assert "Signature Validation: Signature is Valid." not in report, report
    assert "Signature is Invalid" in report or "Digest Mismatch" in report, report


def test_text_added_after_signing_fails_to_verify(credentials, unsigned):
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    from portal.documents.signing import sign_pdf, verify_pdf

    signed = sign_pdf(unsigned, p12_settings(credentials), signer_title="Chủ tịch",
                      signer_name="Nguyễn Văn An").pdf
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    font = generic.DictionaryObject({
        generic.NameObject("/Type"): generic.NameObject("/Font"),
        generic.NameObject("/Subtype"): generic.NameObject("/Type1"),
        generic.NameObject("/BaseFont"): generic.NameObject("/Helvetica")})
    stream = generic.StreamObject(stream_data=b"BT /FX 14 Tf 100 100 Td (SO 99) Tj ET")
    writer.add_stream_to_page(0, writer.add_object(stream), resources=generic.DictionaryObject({
        generic.NameObject("/Font"): generic.DictionaryObject({
            generic.NameObject("/FX"): writer.add_object(font)})}))
    out = io.BytesIO()
    writer.write(out)
    altered = out.getvalue()
    assert "SO 99" in page_texts(altered)[0]
    status = verify_pdf(altered, (str(credentials.ca_pem),))
    # The signed revision itself is intact; what came after it is not allowed.
    assert status.signed and status.intact and not status.unchanged_after
    assert not status.valid
    assert "changed after signing" in status.problem


def test_an_unsigned_or_unreadable_pdf_is_reported_not_raised(unsigned):
    from portal.documents.signing import verify_pdf

    assert not verify_pdf(unsigned).signed
    broken = verify_pdf(b"%PDF-1.4 not a pdf")
    assert not broken.signed and not broken.valid


def test_without_the_root_the_signature_holds_but_is_not_trusted(credentials, unsigned):
    from portal.documents.signing import sign_pdf, verify_pdf

    signed = sign_pdf(unsigned, p12_settings(credentials)).pdf
    status = verify_pdf(signed)
    assert status.valid and not status.trusted


# --------------------------------------------------------------------------- Decree 30's look


def _widget(pdf: bytes):
    reader = PdfReader(io.BytesIO(pdf))
    for index, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/FT") == "/Sig" or annot.get("/Parent", {}).get("/FT") == "/Sig" \
                    or annot.get("/Subtype") == "/Widget":
                return index, [float(v) for v in annot["/Rect"]], annot
    raise AssertionError("no signature widget")


def _line_y(pdf: bytes, page_ix: int, wanted: str) -> float:
    found = []

    def visit(text, cm, tm, _font, _size):
        if text.strip() == wanted:
            found.append(cm[5] + tm[5] * cm[3])

    PdfReader(io.BytesIO(pdf)).pages[page_ix].extract_text(visitor_text=visit)
    assert found, wanted
    return min(found)


def _appearance_stream(annot) -> bytes:
    """The widget's normal appearance with every form it draws, decoded."""
    from pypdf.generic import IndirectObject

    out = []

    def walk(xobject, depth=0):
        xobject = xobject.get_object()
        out.append(xobject.get_data())
        resources = xobject.get("/Resources")
        if resources and depth < 5:
            for child in (resources.get_object().get("/XObject") or {}).values():
                child = child.get_object() if isinstance(child, IndirectObject) else child
                if child.get("/Subtype") == "/Form":
                    walk(child, depth + 1)

    walk(annot["/AP"]["/N"])
    return b"\n".join(out)


def test_the_visible_signature_is_between_the_title_and_the_name_with_a_red_seal_and_the_time(
        credentials, unsigned):
    from portal.documents.signing import _appearance, sign_pdf, signature_box, verify_pdf

    moment = datetime(2026, 12, 1, 2, 30, 5, tzinfo=timezone.utc)
    signed = sign_pdf(unsigned, p12_settings(credentials), signer_title="Chủ tịch",
                      signer_name="Nguyễn Văn An", body="UBND tỉnh Bắc Ninh", signed_at=moment)
    page_ix, (x1, y1, x2, y2), annot = _widget(signed.pdf)
    pages = len(PdfReader(io.BytesIO(unsigned)).pages)
    assert page_ix == pages - 1
    title_y = _line_y(signed.pdf, page_ix, "CHỦ TỊCH")
    name_y = _line_y(signed.pdf, page_ix, "Nguyễn Văn An")
    # The box straddles the space between the title and the name, in the signer's column.
    middle = (y1 + y2) / 2
    assert name_y < middle < title_y
    page_width = float(PdfReader(io.BytesIO(signed.pdf)).pages[page_ix].mediabox.width)
    assert x1 > page_width * 0.4 and x2 <= page_width
    # The seal at its real size: 36 mm across by default, so the box is at least that.
    assert (y2 - y1) >= 36 * 72 / 25.4
    stream = _appearance_stream(annot)
    # Red ink (the seal), blue ink (the default flourish standing for the signature).
    assert re.search(rb"0?\.86 0?\.05 0?\.05 (rg|RG)", stream), stream[:400]
    assert re.search(rb"0?\.05 0?\.2 0?\.7 (RG|rg)", stream)
    # The signing time in Việt Nam time, ISO 8601, the same instant as the signature's.
    assert signed.signed_at == moment
    assert verify_pdf(signed.pdf).signed_at == moment
    box = signature_box(unsigned, "Chủ tịch", "Nguyễn Văn An")
    look = _appearance(box, p12_settings(credentials), moment, "UBND tỉnh Bắc Ninh")
    assert [round(v, 2) for v in look.rect] == [round(v, 2) for v in (x1, y1, x2, y2)]
    shown = PdfReader(io.BytesIO(look.pdf)).pages[0].extract_text()
    assert "2026-12-01T09:30:05+07:00" in shown
    assert "UBND TỈNH BẮC NINH" in shown  # the generated default seal names the body


def test_uploaded_images_are_used_and_a_scanned_seal_turns_red(credentials, unsigned,
                                                               tmp_path):
    from PIL import Image, ImageDraw

    from portal.documents.signing import _red_seal, sign_pdf

    seal = tmp_path / "seal.png"
    image = Image.new("RGB", (300, 300), "white")  # a black seal scanned on white paper
    ImageDraw.Draw(image).ellipse((10, 10, 290, 290), outline="black", width=18)
    image.save(seal)
    signature = tmp_path / "signature.png"
    ink = Image.new("RGBA", (400, 120), (0, 0, 0, 0))
    ImageDraw.Draw(ink).line((10, 100, 390, 20), fill=(20, 40, 180, 255), width=8)
    ink.save(signature)

    red = _red_seal(str(seal))
    assert red.getpixel((150, 150))[3] == 0  # paper: transparent
    r, g, b, a = red.getpixel((150, 14))  # the ring: opaque red
    assert a > 200 and r > 200 and g < 30 and b < 30

    signed = sign_pdf(unsigned, p12_settings(credentials, seal_image=str(seal),
                                             signature_image=str(signature)),
                      signer_title="Chủ tịch", signer_name="Nguyễn Văn An")
    _page, _rect, annot = _widget(signed.pdf)
    assert _appearance_stream(annot).count(b" Do") >= 3  # the page, two images
    from portal.documents.signing import verify_pdf
    assert verify_pdf(signed.pdf).valid


def test_without_a_signature_position_the_signature_is_invisible_but_valid(credentials):
    from portal.documents.signing import sign_pdf, verify_pdf

    pdf = fx.document_pdf(signer_title="Chủ tịch", signer_name="Nguyễn Văn An")
    signed = sign_pdf(pdf, p12_settings(credentials), signer_title="Không có",
                      signer_name="Không ai").pdf
    assert verify_pdf(signed).valid
    reader = PdfReader(io.BytesIO(signed))
    rects = [[float(v) for v in a.get_object()["/Rect"]]
             for page in reader.pages for a in page.get("/Annots") or []]
    assert rects and all(r[2] - r[0] == 0 for r in rects)


def test_the_signature_goes_to_the_last_page_on_a_long_document(credentials, tmp_path):
    from portal.documents.signing import signature_box

    pdf = fx.document_pdf(paragraphs=14)
    pages = len(PdfReader(io.BytesIO(pdf)).pages)
    assert pages >= 2
    box = signature_box(pdf, "Chủ tịch", "Nguyễn Văn An")
    assert box is not None and box.page == pages - 1
    assert box.bottom < box.top


def test_times_are_iso_8601_in_viet_nam_time():
    from portal.documents.signing import iso_local

    assert iso_local(datetime(2026, 12, 31, 20, 0, 1, 999, tzinfo=timezone.utc)) \
        == "2027-01-01T03:00:01+07:00"
    assert iso_local(datetime(2026, 1, 1, 0, 0, tzinfo=timezone(timedelta(hours=7)))) \
        == "2026-01-01T00:00:00+07:00"
