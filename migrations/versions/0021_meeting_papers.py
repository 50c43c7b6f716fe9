"""the meeting's papers: program, script, prepared answers, stage durations

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 23:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import portal.types  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
