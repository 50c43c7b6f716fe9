"""Each petition keeps the masked copy of its content (`Petition.content_masked`) that the
reports and exports read: written with the petition, and again with every change of its
content, its submitter's name or kind; the period workbook shows it."""
import io


def _citizen(data, name: str, content: str):
    from portal.extensions import db
    from portal.petitions.models import Channel, Petition, SubmitterKind

    petition = Petition(session_id=data["session"], submitter_kind=SubmitterKind.CITIZEN,
                        submitter_name=name, field_id=data["fields"][0], content=content,
                        channel=Channel.AT_DIALOGUE)
    db.session.add(petition)
    db.session.flush()
    return petition


def test_the_masked_copy_follows_every_write(app, data):
    from portal.extensions import db
    from portal.petitions.models import SubmitterKind

    with app.app_context():
        p = _citizen(data, "Trần Thị Bích", "Bà Trần Thị Bích (0912 345 678) đề nghị cấp sổ")
        db.session.commit()
        assert p.content_masked == "Bà Trần T. B. (***) đề nghị cấp sổ"
        p.content = "Bà Trần Thị Bích, CCCD 001188009999, hỏi về đền bù"
        db.session.commit()
        assert p.content_masked == "Bà Trần T. B., CCCD ***, hỏi về đền bù"
        p.submitter_kind = SubmitterKind.BUSINESS  # an organisation's name is not masked
        db.session.commit()
        assert p.content_masked == "Bà Trần Thị Bích, CCCD ***, hỏi về đền bù"
        p.submitter_name = "Công ty An Phát"
        p.submitter_kind = SubmitterKind.VOTER
        db.session.commit()
        assert p.content_masked == "Bà Trần Thị Bích, CCCD ***, hỏi về đền bù"


def test_the_workbook_reads_the_masked_copy(app, login, data):
    from openpyxl import load_workbook

    from portal.extensions import db
    from portal.reports import excel
    from portal.tracker.models import AnswerMode, Assignment

    with app.app_context():
        p = _citizen(data, "Lê Văn Cường",
                     "Ông Lê Văn Cường, nhà số 12 Trần Phú, SĐT 0987654321")
        db.session.add(Assignment(petition_id=p.id, agency_id=data["agency"],
                                  mode=AnswerMode.IN_WRITING, deadline=data["day"]))
        db.session.commit()
        kept = p.content_masked
    year = data["day"].year
    response = login("office").get(f"/reports/period.xlsx?from=01/01/{year}&to=31/12/{year}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data), read_only=True)[excel.SHEET_OUTSTANDING]
    contents = [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert kept in contents and "0987654321" not in kept and "Cường" not in kept
