"""indexes and summary rows that keep pages fast at any size

* `data_revision`: one row whose token triggers change in every transaction that changes a
  petition, an assignment or its coordinators, a session, a field, an agency or a holiday
  override; the dashboard, the period reports and the lists' counts are kept per token
  (portal.revision). The tracker's keyset pages use the deadline indexes of 0002.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-01 23:10:00

"""
from alembic import op
import sqlalchemy as sa
import portal.types  # noqa: F401

# As portal.revision writes them for create_all, frozen here.
COUNTED_TABLES = ("petition", "assignment", "assignment_coordinator", "dialogue_session",
                  "field", "agency", "holiday_override")

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION bump_data_revision() RETURNS trigger AS $$
BEGIN
    IF current_setting('portal.data_revision_bumped', true) IS DISTINCT FROM
            txid_current()::text THEN
        PERFORM set_config('portal.data_revision_bumped', txid_current()::text, true);
        UPDATE data_revision SET token = floor(random() * 9007199254740991)::bigint
        WHERE id = 1;
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def trigger_ddl(dialect):
    if dialect == "postgresql":
        return [PG_FUNCTION] + [
            f"CREATE CONSTRAINT TRIGGER trg_data_revision_{table} "
            f"AFTER INSERT OR UPDATE OR DELETE ON {table} "
            f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW "
            f"EXECUTE FUNCTION bump_data_revision()" for table in COUNTED_TABLES]
    return [f"CREATE TRIGGER trg_data_revision_{table}_{verb.lower()} AFTER {verb} "
            f"ON {table} BEGIN UPDATE data_revision SET token = random() WHERE id = 1; "
            f"END" for table in COUNTED_TABLES for verb in ("INSERT", "UPDATE", "DELETE")]


def drop_trigger_ddl(dialect):
    if dialect == "postgresql":
        return [f"DROP TRIGGER IF EXISTS trg_data_revision_{table} ON {table}"
                for table in COUNTED_TABLES] + ["DROP FUNCTION IF EXISTS bump_data_revision()"]
    return [f"DROP TRIGGER IF EXISTS trg_data_revision_{table}_{verb}"
            for table in COUNTED_TABLES for verb in ("insert", "update", "delete")]


# revision identifiers, used by Alembic.
revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'data_revision',
        sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('token', sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_data_revision')),
    )
    op.execute("INSERT INTO data_revision (id, token) VALUES (1, 0)")
    for statement in trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)


def downgrade():
    for statement in drop_trigger_ddl(op.get_bind().dialect.name):
        op.execute(statement)
    op.drop_table('data_revision')
