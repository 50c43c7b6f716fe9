"""The register: numbers without gaps or duplicates, per year, body and type, even when
several people issue at once; a rolled-back issue gives its number back."""
import threading
from datetime import date

import pytest

from documents_helpers import signer
from sqlalchemy import select

TODAY = date(2024, 3, 5)


def _drafts(app, n: int, doc_type="TB", body_code="UBND") -> list[int]:
    from portal.documents.models import Document, DocumentType
    from portal.extensions import db

    with app.app_context():
        docs = [Document(doc_type=DocumentType(doc_type), body_code=body_code,
                         summary=f"Văn bản {i}", blocks=[{"kind": "paragraph", "text": "x"}],
                         signer_title="CHỦ TỌA", signer_name="Phan Thế Tuấn")
                for i in range(n)]
        db.session.add_all(docs)
        db.session.commit()
        return [d.id for d in docs]


def _issue(doc_id: int, today=TODAY, on=None):
    from portal.documents import services
    from portal.documents.models import Document
    from portal.extensions import db

    doc = db.session.get(Document, doc_id)
    services.issue(doc, position=signer(), user_id=None, today=today, on=on)
    db.session.commit()
    return doc


def test_sequential_numbers_and_text(app, data):
    from portal.documents.models import DocumentCounter, DocumentStatus
    from portal.extensions import db

    first, second = _drafts(app, 2)
    with app.app_context():
        doc = _issue(first)
        assert doc.number_text == "Số: 01/TB-UBND"
        assert (doc.year, doc.issued_on, doc.status) == (2024, TODAY, DocumentStatus.ISSUED)
        assert doc.issued_at is not None
        assert _issue(second).number_text == "Số: 02/TB-UBND"
        counter = db.session.get(DocumentCounter, (2024, "UBND", "TB"))
        assert counter.last_number == 2


def test_registers_are_separate_per_type_body_and_year(app, data):
    tb = _drafts(app, 2, "TB")
    bb = _drafts(app, 1, "BB")
    vp = _drafts(app, 1, "TB", body_code="VP")
    with app.app_context():
        assert _issue(tb[0]).number == 1
        assert _issue(bb[0]).number == 1
        assert _issue(vp[0]).number_text == "Số: 01/TB-VP"
        # A new year starts again at 1 (the issue date's year decides the register).
        doc = _issue(tb[1], today=date(2025, 1, 2))
        assert (doc.year, doc.number) == (2025, 1)


def test_rolled_back_issue_gives_the_number_back(app, data):
    from portal.documents import services
    from portal.documents.models import Document, DocumentStatus, DocumentType
    from portal.extensions import db

    first, second = _drafts(app, 2)
    with app.app_context():
        doc = db.session.get(Document, first)
        services.issue(doc, position=signer(), user_id=None, today=TODAY)
        assert doc.number == 1
        db.session.rollback()  # e.g. the request failed after taking the number
        doc = db.session.get(Document, first)
        assert doc.status == DocumentStatus.DRAFT and doc.number is None
        assert services.take_number(2024, "UBND", DocumentType.TB) == 1
        db.session.rollback()
        assert _issue(second).number == 1
        assert _issue(first).number == 2


def test_issued_document_is_not_issued_again(app, data):
    from portal.documents import services
    from portal.documents.models import Document
    from portal.extensions import db

    (doc_id,) = _drafts(app, 1)
    with app.app_context():
        _issue(doc_id)
        doc = db.session.get(Document, doc_id)
        with pytest.raises(services.DocumentError):
            services.issue(doc, position=signer(), user_id=None, today=TODAY)
        db.session.rollback()
        assert db.session.get(Document, doc_id).number == 1


@pytest.mark.parametrize("on, ok", [
    (date(2024, 1, 1), True), (TODAY, True), (date(2024, 3, 6), False),
    (date(2023, 12, 31), False),
])
def test_issue_date_in_the_current_year_up_to_today(app, data, on, ok):
    from portal.documents import services
    from portal.documents.models import Document, DocumentCounter
    from portal.extensions import db

    (doc_id,) = _drafts(app, 1)
    with app.app_context():
        doc = db.session.get(Document, doc_id)
        if ok:
            services.issue(doc, position=signer(), user_id=None, today=TODAY, on=on)
            assert doc.issued_on == on
        else:
            with pytest.raises(services.DocumentError):
                services.issue(doc, position=signer(), user_id=None, today=TODAY, on=on)
            assert db.session.scalar(select(DocumentCounter)) is None
        db.session.rollback()


@pytest.mark.real_commit
def test_stale_document_fails_and_returns_the_number(app, data):
    """Two people issue the same draft: the second, working from the old version, fails at
    the version check and its number goes back to the register."""
    from sqlalchemy.orm.exc import StaleDataError

    from portal.documents import services
    from portal.documents.models import Document
    from portal.extensions import db

    doc_id, other = _drafts(app, 2)
    with app.app_context():
        stale = db.session.get(Document, doc_id)  # read before the other person issued it
        with app.app_context():  # the other person: another session and connection
            assert _issue(doc_id).number == 1
            db.session.remove()
        with pytest.raises(StaleDataError):
            services.issue(stale, position=signer(), user_id=None, today=TODAY)
        db.session.rollback()
        assert _issue(other).number == 2


def _issue_concurrently(app, doc_ids: list[int], threads: int) -> list[BaseException]:
    """Issue `doc_ids` from `threads` threads at once, each with its own session and
    database connection."""
    from portal.extensions import db

    barrier = threading.Barrier(threads)
    errors: list[BaseException] = []
    chunks = [doc_ids[i::threads] for i in range(threads)]

    def work(chunk):
        try:
            with app.app_context():
                barrier.wait(timeout=30)
                for doc_id in chunk:
                    _issue(doc_id)
                db.session.remove()
        except BaseException as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)

    workers = [threading.Thread(target=work, args=(chunk,)) for chunk in chunks]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return errors


@pytest.mark.real_commit
def test_concurrent_issuing_numbers_exactly_one_to_n(app, data, db_name):
    """~20 documents issued from 10 threads with separate connections at once: the numbers
    are 1..20, none twice, none missing. On PostgreSQL the threads really overlap; on
    SQLite the database serialises writers, which must give the same result."""
    from portal.documents.models import Document, DocumentCounter
    from portal.extensions import db

    doc_ids = _drafts(app, 20)
    errors = _issue_concurrently(app, doc_ids, threads=10)
    assert not errors, errors
    with app.app_context():
        numbers = db.session.scalars(select(Document.number).where(Document.id.in_(doc_ids))
                                     ).all()
        assert sorted(numbers) == list(range(1, 21))
        assert db.session.get(DocumentCounter, (2024, "UBND", "TB")).last_number == 20


@pytest.mark.real_commit
def test_concurrent_first_numbers_race_on_the_register_row(app, data, db_name):
    """Several issuers take the first number of a new register at the same instant: one
    inserts the row, the others hit the primary key and increment it instead."""
    from portal.documents.models import Document
    from portal.extensions import db

    if db_name != "postgresql":
        pytest.skip("SQLite serialises writers: the insert race cannot happen there")
    for _round in range(3):
        doc_ids = _drafts(app, 8, "BC", body_code=f"R{_round}")
        errors = _issue_concurrently(app, doc_ids, threads=8)
        assert not errors, errors
        with app.app_context():
            numbers = db.session.scalars(select(Document.number)
                                         .where(Document.id.in_(doc_ids))).all()
            assert sorted(numbers) == list(range(1, 9))
