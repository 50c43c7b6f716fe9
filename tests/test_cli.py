"""`flask seed-demo` and `flask create-user`."""
from sqlalchemy import func, select


def test_seed_demo_loads_the_2024_plan_accounts_and_petitions(app):
    from portal.auth.models import User
    from portal.calendar.models import DialogueSession, Plan, SessionKind
    from portal.extensions import db
    from portal.petitions.models import Petition
    from portal.timefmt import to_local

    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--petitions", "40"])
    assert result.exit_code == 0, result.output
    assert "demo12345" in result.output and "vanphong" in result.output
    with app.app_context():
        names = set(db.session.scalars(select(User.username)))
        assert {"vanphong", "chutri", "so-tnmt", "so-xd", "admin"} <= names
        assert db.session.get(User, db.session.scalar(
            select(User.id).where(User.username == "so-tnmt"))).agency.short_name == "STNMT"
        plan = db.session.scalar(select(Plan).where(Plan.year == 2024))
        assert [p.kind for p in plan.programs] == list(SessionKind)
        monthly = db.session.scalars(select(DialogueSession).where(
            DialogueSession.plan_id == plan.id,
            DialogueSession.kind == SessionKind.CITIZEN_RECEPTION)).all()
        days = sorted(to_local(s.starts_at).date() for s in monthly)
        assert len(days) == 12
        # 15/09/2024 is a Sunday: the session moves to Monday 16/09.
        assert [d.day for d in days if d.month == 9] == [16]
        assert all(d.weekday() < 5 for d in days)
        # 3 petitions registered before the next meeting, plus the 40 generated
        assert db.session.scalar(select(func.count(Petition.id))) == 43
    # Running it again adds no duplicate data, and more petitions get fresh ids.
    again = runner.invoke(args=["seed-demo", "--petitions", "5"])
    assert again.exit_code == 0, again.output
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(User.username == "vanphong")) == 1
        assert db.session.scalar(select(func.count(Petition.id))) == 48


def test_seed_demo_if_empty_does_nothing_on_a_used_database(app, data):
    from portal.auth.models import User
    from portal.extensions import db

    result = app.test_cli_runner().invoke(args=["seed-demo", "--if-empty"])
    assert result.exit_code == 0
    with app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == "vanphong")) is None


def test_create_user(app, data):
    from portal.auth.models import Role, User
    from portal.extensions import db

    result = app.test_cli_runner().invoke(args=[
        "create-user", "nguoi-moi", "--role", "officer", "--full-name", "Người Mới",
        "--agency", "SXD", "--password", "mot-mat-khau-manh"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == "nguoi-moi"))
        assert user.role == Role.OFFICER and user.agency_id == data["other_agency"]
        assert user.check_password("mot-mat-khau-manh")
    bad = app.test_cli_runner().invoke(args=[
        "create-user", "x", "--role", "officer", "--full-name", "X", "--password", "p"])
    assert bad.exit_code != 0 and "agency" in bad.output
