"""the reports' figures counted again agency by agency: a token per session and agency

* `session_agency_revision`: per session and agency, a token that triggers change with that
  agency's assignments of the session's petitions; `session_revision.petitions_token`, one
  that changes with the session's own row and its petitions only. After an agency answers,
  the reports count again that agency's items of that session, not the whole session
  (portal.revision, portal.reports.summary).
* The triggers of 0027 are made again to write them: an assignment's change moves its
  session's token and its (session, agency) token; a petition's or a session's, the
  session's two tokens; a holiday override, every session's.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 22:40:00

"""
import importlib.util
from pathlib import Path

from alembic import op
import sqlalchemy as sa

# As portal.revision writes them for create_all, frozen here.
_PG_SESSION_FUNCTIONS = [
    """
CREATE OR REPLACE FUNCTION bump_data_revision_once() RETURNS void AS $$
BEGIN
    IF current_setting('portal.data_revision_bumped', true) IS DISTINCT FROM
            txid_current()::text THEN
        PERFORM set_config('portal.data_revision_bumped', txid_current()::text, true);
        UPDATE data_revision SET token = floor(random() * 9007199254740991)::bigint
        WHERE id = 1;
    END IF;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION first_in_transaction(setting text, mark text)
RETURNS boolean AS $$
DECLARE
    tx text := txid_current()::text;
    marks text := current_setting(setting, true);
BEGIN
    IF marks IS NULL OR split_part(marks, ':', 1) <> tx THEN
        marks := tx || ':,';
    END IF;
    IF strpos(marks, ',' || mark || ',') > 0 THEN
        RETURN false;
    END IF;
    PERFORM set_config(setting, marks || mark || ',', true);
    RETURN true;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION bump_session_revision(sid integer, petitions boolean)
RETURNS void AS $$
DECLARE
    fresh bigint := floor(random() * 9007199254740991)::bigint;
BEGIN
    PERFORM bump_data_revision_once();
    IF sid IS NULL THEN
        RETURN;
    END IF;
    IF NOT first_in_transaction('portal.sessions_bumped',
                                CASE WHEN petitions THEN 'p' ELSE 'a' END || sid) THEN
        RETURN;
    END IF;
    IF petitions THEN
        INSERT INTO session_revision (session_id, token, petitions_token)
        VALUES (sid, fresh, fresh)
        ON CONFLICT (session_id) DO UPDATE
        SET token = EXCLUDED.token, petitions_token = EXCLUDED.petitions_token;
    ELSE
        INSERT INTO session_revision (session_id, token, petitions_token)
        VALUES (sid, fresh, 0)
        ON CONFLICT (session_id) DO UPDATE SET token = EXCLUDED.token;
    END IF;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION bump_session_agency_revision(sid integer, agency integer)
RETURNS void AS $$
BEGIN
    PERFORM bump_session_revision(sid, false);
    IF sid IS NULL OR agency IS NULL THEN
        RETURN;
    END IF;
    IF NOT first_in_transaction('portal.pairs_bumped', sid || '/' || agency) THEN
        RETURN;
    END IF;
    INSERT INTO session_agency_revision (session_id, agency_id, token)
    VALUES (sid, agency, floor(random() * 9007199254740991)::bigint)
    ON CONFLICT (session_id, agency_id) DO UPDATE SET token = EXCLUDED.token;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION bump_own_session() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM bump_session_revision(OLD.id, true);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM bump_session_revision(NEW.id, true);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION bump_petition_session() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM bump_session_revision(OLD.session_id, true);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM bump_session_revision(NEW.session_id, true);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION bump_assignment_session() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM bump_session_agency_revision(COALESCE(OLD.session_id, (SELECT session_id FROM petition WHERE id = OLD.petition_id)), OLD.agency_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM bump_session_agency_revision(COALESCE(NEW.session_id, (SELECT session_id FROM petition WHERE id = NEW.petition_id)), NEW.agency_id);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION bump_every_session() RETURNS trigger AS $$
BEGIN
    PERFORM bump_data_revision_once();
    IF current_setting('portal.every_session_bumped', true) IS DISTINCT FROM
            txid_current()::text THEN
        PERFORM set_config('portal.every_session_bumped', txid_current()::text, true);
        UPDATE session_revision SET token = floor(random() * 9007199254740991)::bigint,
            petitions_token = floor(random() * 9007199254740991)::bigint;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
]

SESSION_TRIGGERS = {
    'dialogue_session': 'bump_own_session',
    'petition': 'bump_petition_session',
    'assignment': 'bump_assignment_session',
    'holiday_override': 'bump_every_session',
}
_PG_COPY = [
    """
CREATE OR REPLACE FUNCTION assignment_session_of_petition() RETURNS trigger AS $$
BEGIN
    NEW.session_id := (SELECT session_id FROM petition WHERE id = NEW.petition_id);
    RETURN NEW;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION petition_moves_its_assignment() RETURNS trigger AS $$
BEGIN
    UPDATE assignment SET session_id = NEW.session_id WHERE petition_id = NEW.id;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    'CREATE TRIGGER trg_assignment_session BEFORE INSERT OR UPDATE OF petition_id, session_id ON assignment FOR EACH ROW EXECUTE FUNCTION assignment_session_of_petition()',
    'CREATE TRIGGER trg_petition_moves_assignment AFTER UPDATE OF session_id ON petition FOR EACH ROW WHEN (OLD.session_id IS DISTINCT FROM NEW.session_id) EXECUTE FUNCTION petition_moves_its_assignment()',
]
_SQLITE_COPY = [
    'CREATE TRIGGER trg_assignment_session_insert AFTER INSERT ON assignment BEGIN UPDATE assignment SET session_id = (SELECT session_id FROM petition WHERE id = NEW.petition_id) WHERE id = NEW.id; END',
    'CREATE TRIGGER trg_assignment_session_update AFTER UPDATE OF petition_id ON assignment BEGIN UPDATE assignment SET session_id = (SELECT session_id FROM petition WHERE id = NEW.petition_id) WHERE id = NEW.id; END',
    'CREATE TRIGGER trg_petition_moves_assignment AFTER UPDATE OF session_id ON petition WHEN OLD.session_id IS NOT NEW.session_id BEGIN UPDATE assignment SET session_id = NEW.session_id WHERE petition_id = NEW.id; END',
]
_ASSIGNMENT_SESSION = ("COALESCE({row}.session_id, "
                       "(SELECT session_id FROM petition WHERE id = {row}.petition_id))")


def _sqlite_session_statements(table: str, row: str) -> str:
    """SQLite: the statements that change the tokens of the sessions of `row` (OLD, NEW)."""
    own = ("INSERT INTO session_revision (session_id, token, petitions_token) "
           "VALUES ({}, random(), random()) ON CONFLICT (session_id) DO UPDATE "
           "SET token = excluded.token, petitions_token = excluded.petitions_token;")
    if table == "dialogue_session":
        return own.format(f"{row}.id")
    if table == "petition":
        return own.format(f"{row}.session_id")
    if table == "assignment":
        pair = (f"SELECT {_ASSIGNMENT_SESSION.format(row=row)} AS sid, {row}.agency_id AS aid")
        return (f"INSERT INTO session_revision (session_id, token, petitions_token) "
                f"SELECT sid, random(), 0 FROM ({pair}) WHERE sid IS NOT NULL "
                f"ON CONFLICT (session_id) DO UPDATE SET token = excluded.token; "
                f"INSERT INTO session_agency_revision (session_id, agency_id, token) "
                f"SELECT sid, aid, random() FROM ({pair}) WHERE sid IS NOT NULL "
                f"ON CONFLICT (session_id, agency_id) DO UPDATE SET token = excluded.token;")
    return "UPDATE session_revision SET token = random(), petitions_token = random();"


def session_trigger_ddl(dialect: str) -> list[str]:
    """The statements that create the per-session tokens' triggers on `dialect`, and those
    that copy each petition's session on its assignment."""
    if dialect == "postgresql":
        return _PG_SESSION_FUNCTIONS + [
            f"CREATE CONSTRAINT TRIGGER trg_session_revision_{table} "
            f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {function}()"
            for table, function in SESSION_TRIGGERS.items()] + _PG_COPY
    statements = list(_SQLITE_COPY)
    for table in SESSION_TRIGGERS:
        for verb, rows in (("INSERT", ["NEW"]), ("UPDATE", ["OLD", "NEW"]),
                           ("DELETE", ["OLD"])):
            body = " ".join(dict.fromkeys(_sqlite_session_statements(table, row)
                                          for row in rows))
            statements.append(f"CREATE TRIGGER trg_session_revision_{table}_{verb.lower()} "
                              f"AFTER {verb} ON {table} BEGIN {body} END")
    return statements


def drop_session_trigger_ddl(dialect: str) -> list[str]:
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS trg_session_revision_{table} ON {table}"
                for table in SESSION_TRIGGERS] + [
            "DROP TRIGGER IF EXISTS trg_assignment_session ON assignment",
            "DROP TRIGGER IF EXISTS trg_petition_moves_assignment ON petition",
            "DROP FUNCTION IF EXISTS assignment_session_of_petition()",
            "DROP FUNCTION IF EXISTS petition_moves_its_assignment()"] + [
            f"DROP FUNCTION IF EXISTS {name}" for name in (
                "bump_every_session()", "bump_assignment_session()", "bump_own_session()",
                "bump_petition_session()", "bump_session_agency_revision(integer, integer)",
                "bump_session_revision(integer, boolean)",
                "first_in_transaction(text, text)", "bump_data_revision_once()")]
    return [f"DROP TRIGGER IF EXISTS trg_session_revision_{table}_{verb}"
            for table in SESSION_TRIGGERS for verb in ("insert", "update", "delete")] + [
        "DROP TRIGGER IF EXISTS trg_assignment_session_insert",
        "DROP TRIGGER IF EXISTS trg_assignment_session_update",
        "DROP TRIGGER IF EXISTS trg_petition_moves_assignment"]


def _previous():
    """0027, whose triggers a downgrade makes again."""
    path = Path(__file__).with_name("0027_session_revision.py")
    spec = importlib.util.spec_from_file_location("migration_0027", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# revision identifiers, used by Alembic.
revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade():
    dialect = op.get_bind().dialect.name
    for statement in _previous().drop_session_trigger_ddl(dialect):
        op.execute(statement)
    with op.batch_alter_table('session_revision') as batch_op:
        batch_op.add_column(sa.Column('petitions_token', sa.BigInteger(), server_default='0',
                                      nullable=False))
    op.create_table(
        'session_agency_revision',
        sa.Column('session_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('agency_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('token', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('session_id', 'agency_id',
                                name=op.f('pk_session_agency_revision')),
    )
    for statement in session_trigger_ddl(dialect):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    for statement in drop_session_trigger_ddl(dialect):
        op.execute(statement)
    op.drop_table('session_agency_revision')
    with op.batch_alter_table('session_revision') as batch_op:
        batch_op.drop_column('petitions_token')
    for statement in _previous().session_trigger_ddl(dialect):
        op.execute(statement)
