"""Signing an issued document in the register: the stored PDF (rendered at issue) becomes the
signed PDF, its hash on the register follows, the unsigned hash is kept, and the register's
verdict turns invalid when the stored bytes are altered. Both databases."""
from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from pypdf import PdfReader

from documents_helpers import signer
from tests.documents import signing_fixtures as fx

TODAY = date(2026, 3, 5)


@pytest.fixture(scope="module")
def credentials(tmp_path_factory):
    return fx.make_credentials(tmp_path_factory.mktemp("signing-ca-register"))


def _config(app, credentials) -> dict:
    return {**app.config, "SIGNING_P12": str(credentials.p12),
            "SIGNING_P12_PASSWORD": fx.P12_PASSWORD,
            "SIGNING_TRUST_ROOTS": str(credentials.ca_pem)}


def _issued(app, config):
    from portal.documents import services
    from portal.documents.models import Document, DocumentType
    from portal.extensions import db

    doc = Document(doc_type=DocumentType.TB, body_code="UBND", summary="Kết luận buổi đối thoại",
                   blocks=[{"kind": "paragraph", "text": "Giải quyết dứt điểm trong tháng."}])
    db.session.add(doc)
    db.session.flush()
    services.issue(doc, position=signer(), user_id=None, today=TODAY, config=config)
    return doc


def test_issuing_signs_by_default_and_the_stored_pdf_becomes_the_signed_one(
        app, data, credentials):
    from sqlalchemy import select

    from portal.documents import services, signing
    from portal.documents.models import DocumentFile
    from portal.extensions import db

    with app.app_context():
        config = _config(app, credentials)
        doc = _issued(app, config)
        db.session.commit()
        record = db.session.scalar(select(signing.DocumentSignature)
                                   .where(signing.DocumentSignature.document_id == doc.id))
        assert record is not None
        stored = bytes(db.session.get(DocumentFile, doc.id).content)
        assert doc.pdf_sha256 == hashlib.sha256(stored).hexdigest() == record.signed_sha256
        # The unsigned rendering is the signed file's prefix, its hash kept on the record.
        unsigned = stored[:record.unsigned_length]
        assert hashlib.sha256(unsigned).hexdigest() == record.unsigned_sha256
        assert record.signer == fx.SIGNER_CN and record.source == "pkcs12"
        # Every later download is the signed bytes; the number and the text are unchanged.
        assert services.document_pdf(doc, config) == stored
        texts = [p.extract_text() for p in PdfReader(io.BytesIO(stored)).pages]
        assert texts == [p.extract_text() for p in PdfReader(io.BytesIO(unsigned)).pages]
        assert "Số: 01/TB-UBND" in texts[0]
        status = signing.register_statuses([doc], config)[doc.id]
        assert status.valid and status.trusted and status.signer == fx.SIGNER_CN
        # Signing twice is refused.
        with pytest.raises(services.DocumentError):
            signing.sign_issued(doc, config)


def test_without_a_certificate_issuing_does_not_sign(app, data, monkeypatch):
    from portal.documents import signing
    from portal.documents.models import DocumentFile
    from portal.extensions import db

    monkeypatch.delenv("SIGNING_P12", raising=False)
    monkeypatch.delenv("SIGNING_PKCS11_MODULE", raising=False)
    with app.app_context():
        doc = _issued(app, {**app.config})
        db.session.flush()
        assert signing.register_statuses([doc], app.config) == {}
        stored = bytes(db.session.get(DocumentFile, doc.id).content)
        assert not signing.verify_pdf(stored).signed


def test_an_altered_stored_pdf_shows_as_invalid_on_the_register(app, data, credentials):
    from portal.documents import signing
    from portal.documents.models import DocumentFile
    from portal.extensions import db

    with app.app_context():
        config = _config(app, credentials)
        doc = _issued(app, config)  # signed on issue
        db.session.flush()
        stored = db.session.get(DocumentFile, doc.id)
        content = bytes(stored.content)
        at = content.index(b"/Subject (")
        stored.content = content[:at + 12] + bytes([content[at + 12] ^ 1]) + content[at + 13:]
        db.session.flush()
        status = signing.register_statuses([doc], config)[doc.id]
        assert status.signed and not status.valid
        # A stored file replaced by an unsigned rendering is not signed any more.
        stored.content = fx.document_pdf()
        db.session.flush()
        status = signing.register_statuses([doc], config)[doc.id]
        assert status.signed and not status.valid


def test_a_failing_certificate_refuses_the_issue_with_a_message(app, data, credentials):
    from portal.documents import services

    with app.app_context():
        config = {**_config(app, credentials), "SIGNING_P12_PASSWORD": "sai"}
        with pytest.raises(services.DocumentError) as refused:
            _issued(app, config)
        assert refused.value.status == 503
        assert "ký số" in refused.value.message


def test_the_register_page_shows_each_signature_and_whether_it_verifies(
        app, data, login, credentials, monkeypatch):
    from portal.documents import signing
    from portal.documents.models import DocumentFile
    from portal.extensions import db

    with app.app_context():
        config = _config(app, credentials)
        signed = _issued(app, config)
        unsigned = _issued(app, {**app.config})
        db.session.commit()
        signed_id, unsigned_id = signed.id, unsigned.id
    monkeypatch.setitem(app.config, "SIGNING_TRUST_ROOTS", str(credentials.ca_pem))
    page = login("office").get("/documents/?year=all").get_data(as_text=True)
    rows = {part.split("</tr>")[0] for part in page.split("<tr>")}
    signed_row = next(r for r in rows if f"/documents/{signed_id}\"" in r)
    unsigned_row = next(r for r in rows if f"/documents/{unsigned_id}\"" in r)
    assert "Hợp lệ" in signed_row and fx.SIGNER_CN in signed_row
    assert "Không hợp lệ" not in signed_row
    assert "Hợp lệ" not in unsigned_row
    with app.app_context():
        stored = db.session.get(DocumentFile, signed_id)
        content = bytes(stored.content)
        at = content.index(b"/Subject (")
        stored.content = content[:at + 12] + bytes([content[at + 12] ^ 1]) + content[at + 13:]
        db.session.commit()
    page = login("office").get("/documents/?year=all").get_data(as_text=True)
    rows = {part.split("</tr>")[0] for part in page.split("<tr>")}
    signed_row = next(r for r in rows if f"/documents/{signed_id}\"" in r)
    assert "Không hợp lệ" in signed_row


def _draft(app) -> int:
    from portal.documents.models import Document, DocumentType
    from portal.extensions import db

    with app.app_context():
        doc = Document(doc_type=DocumentType.CV, summary="Về việc ký số qua trang ban hành",
                       blocks=[{"kind": "paragraph", "text": "Nội dung"}])
        db.session.add(doc)
        db.session.commit()
        return doc.id


def test_issuing_through_the_page_signs_and_a_failing_token_refuses_with_nothing_saved(
        app, data, login, credentials, monkeypatch):
    from sqlalchemy import func, select

    from documents_helpers import signer_data
    from portal.documents.models import Document, DocumentStatus
    from portal.documents.signing import DocumentSignature, verify_pdf
    from portal.extensions import db

    monkeypatch.setitem(app.config, "SIGNING_P12", str(credentials.p12))
    monkeypatch.setitem(app.config, "SIGNING_P12_PASSWORD", "sai")
    c = login("office")
    doc_id = _draft(app)
    refused = c.post(f"/documents/{doc_id}/issue", data=signer_data(app))
    assert refused.status_code == 503
    assert "Không ký số được văn bản" in refused.get_data(as_text=True)
    with app.app_context():
        doc = db.session.get(Document, doc_id)
        assert doc.status == DocumentStatus.DRAFT and doc.number is None
        assert db.session.scalar(select(func.count()).select_from(DocumentSignature)) == 0

    monkeypatch.setitem(app.config, "SIGNING_P12_PASSWORD", fx.P12_PASSWORD)
    assert c.post(f"/documents/{doc_id}/issue", data=signer_data(app)).status_code == 303
    pdf = c.get(f"/documents/{doc_id}.pdf").get_data()
    status = verify_pdf(pdf, (str(credentials.ca_pem),))
    assert status.valid and status.signer == fx.SIGNER_CN
