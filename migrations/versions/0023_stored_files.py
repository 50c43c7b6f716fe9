"""file contents stored in the database, shared by every host

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-01 23:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import portal.types  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
