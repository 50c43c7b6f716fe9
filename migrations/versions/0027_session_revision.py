"""the reports' figures counted session by session: a token per session, and each
assignment's session beside it

* `session_revision`: per session, a token that triggers change in every transaction that
  changes the session, one of its petitions or their assignments (a holiday override
  changes every session's); the dashboard and the period reports keep each session's part
  of their figures against it, so after a change only the sessions it touched are counted
  again (portal.revision, portal.reports.summary). Existing sessions start at token 0.
* `assignment.session_id`: the petition's session, copied by triggers on every insert and
  every move, with an index that holds what the reports read (PostgreSQL: INCLUDE), and
  `petition (session_id, field_id, id)`: one session is counted from the indexes.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-02 19:40:00

"""
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
CREATE OR REPLACE FUNCTION bump_session_revision(sid integer) RETURNS void AS $$
DECLARE
    tx text := txid_current()::text;
    bumped text := current_setting('portal.sessions_bumped', true);
BEGIN
    PERFORM bump_data_revision_once();
    IF sid IS NULL THEN
        RETURN;
    END IF;
    IF bumped IS NULL OR split_part(bumped, ':', 1) <> tx THEN
        bumped := tx || ':,';
    END IF;
    IF strpos(bumped, ',' || sid || ',') > 0 THEN
        RETURN;
    END IF;
    PERFORM set_config('portal.sessions_bumped', bumped || sid || ',', true);
    INSERT INTO session_revision (session_id, token)
    VALUES (sid, floor(random() * 9007199254740991)::bigint)
    ON CONFLICT (session_id) DO UPDATE SET token = EXCLUDED.token;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION bump_own_session() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM bump_session_revision(OLD.id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM bump_session_revision(NEW.id);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION bump_petition_session() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM bump_session_revision(OLD.session_id);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM bump_session_revision(NEW.session_id);
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
""",
    """
CREATE OR REPLACE FUNCTION bump_assignment_session() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM bump_session_revision((SELECT session_id FROM petition WHERE id = OLD.petition_id));
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM bump_session_revision((SELECT session_id FROM petition WHERE id = NEW.petition_id));
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
        UPDATE session_revision SET token = floor(random() * 9007199254740991)::bigint;
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
# What the reports read of an assignment, held in the index (an index-only scan).
FIGURES_COLUMNS = ["id", "agency_id", "status", "deadline", "answered_at", "beyond_authority",
                   "citizen_verdict", "round", "created_at", "petition_id"]


def _sqlite_session_statements(table: str, row: str) -> str:
    """SQLite: the statements that change the tokens of the sessions of `row` (OLD, NEW)."""
    upsert = ("INSERT INTO session_revision (session_id, token) {} "
              "ON CONFLICT (session_id) DO UPDATE SET token = excluded.token;")
    if table == "dialogue_session":
        return upsert.format(f"VALUES ({row}.id, random())")
    if table == "petition":
        return upsert.format(f"VALUES ({row}.session_id, random())")
    if table == "assignment":
        return upsert.format(f"SELECT session_id, random() FROM petition "
                             f"WHERE id = {row}.petition_id")
    return "UPDATE session_revision SET token = random();"


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
                "bump_petition_session()",
                "bump_session_revision(integer)", "bump_data_revision_once()")]
    return [f"DROP TRIGGER IF EXISTS trg_session_revision_{table}_{verb}"
            for table in SESSION_TRIGGERS for verb in ("insert", "update", "delete")] + [
        "DROP TRIGGER IF EXISTS trg_assignment_session_insert",
        "DROP TRIGGER IF EXISTS trg_assignment_session_update",
        "DROP TRIGGER IF EXISTS trg_petition_moves_assignment"]


# revision identifiers, used by Alembic.
revision = '0027'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        # an earlier migration's updates in this transaction (0026's backfill) queued the
        # deferred triggers of 0025: run them now, or no index could be made after them
        op.execute("SET CONSTRAINTS ALL IMMEDIATE")
        op.execute("SET CONSTRAINTS ALL DEFERRED")
    op.add_column('assignment', sa.Column('session_id', sa.Integer(), nullable=True))
    op.create_index('ix_assignment_session_figures', 'assignment', ['session_id'],
                    postgresql_include=FIGURES_COLUMNS)
    op.create_index('ix_petition_session_field', 'petition', ['session_id', 'field_id', 'id'])
    op.create_table(
        'session_revision',
        sa.Column('session_id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('token', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('session_id', name=op.f('pk_session_revision')),
    )
    op.execute("INSERT INTO session_revision (session_id, token) "
               "SELECT id, 0 FROM dialogue_session")
    for statement in session_trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    # last: on PostgreSQL the update queues the deferred triggers until the commit
    op.execute("UPDATE assignment SET session_id = (SELECT session_id FROM petition "
               "WHERE petition.id = assignment.petition_id)")


def downgrade():
    for statement in drop_session_trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('session_revision')
    op.drop_index('ix_petition_session_field', table_name='petition')
    op.drop_index('ix_assignment_session_figures', table_name='assignment')
    with op.batch_alter_table('assignment') as batch_op:
        batch_op.drop_column('session_id')
