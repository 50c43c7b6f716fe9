"""trigram indexes for the folded search on PostgreSQL

The petitions' search matches folded words anywhere in the text (LIKE '%dat dai%'): a GIN
trigram index (pg_trgm) answers it without reading every row. SQLite keeps the plain scan.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-01 22:10:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX IF NOT EXISTS ix_trgm_petition_search_text ON petition "
               "USING gin (search_text gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_trgm_petition_search_text")
