"""The register shows each issued document's digital signature and whether it verifies: the
office opens «Sổ văn bản» and reads the signer, the time and «Hợp lệ» on the signed notice."""
from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.steps import login
from tests.documents import signing_fixtures as fx

pytestmark = pytest.mark.browser


def test_the_office_sees_a_signed_document_verified_on_the_register(
        live_app, live_server, page, tmp_path_factory, monkeypatch):
    from portal.documents import services
    from portal.documents.models import Document, DocumentType, SigningPosition
    from portal.extensions import db

    credentials = fx.make_credentials(tmp_path_factory.mktemp("browser-signing"))
    monkeypatch.setitem(live_app.config, "SIGNING_TRUST_ROOTS", str(credentials.ca_pem))
    config = {**live_app.config, "SIGNING_P12": str(credentials.p12),
              "SIGNING_P12_PASSWORD": fx.P12_PASSWORD}
    with live_app.app_context():
        position = SigningPosition(title="CHỦ TỊCH", name="Nguyễn Văn Ký",
                                   authority="TM. ỦY BAN NHÂN DÂN",
                                   effective_from=date(2000, 1, 1), active=True)
        doc = Document(doc_type=DocumentType.CV, body_code="UBND",
                       summary="Về việc ký số thử nghiệm trên sổ văn bản",
                       blocks=[{"kind": "paragraph", "text": "Nội dung đã ký số."}])
        db.session.add_all([position, doc])
        db.session.flush()
        from portal.timefmt import local_today
        services.issue(doc, position=position, user_id=None, today=local_today(),
                       config=config)
        db.session.commit()
        summary = doc.summary

    login(page, live_server, "vanphong")
    page.get_by_role("link", name="Sổ văn bản").click()
    row = page.get_by_role("row").filter(has_text=summary)
    expect(row).to_contain_text("Hợp lệ")
    expect(row).to_contain_text(fx.SIGNER_CN)
    expect(row).not_to_contain_text("Không hợp lệ")
