"""organisation changes: agency names over time, merges, deactivation; the locality tree

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 23:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import portal.types  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
