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
    # Files already on a host's disk (instance/uploads) are moved in afterwards by
    # `flask storage import-files`, which knows the installation's upload folder.
    op.create_table(
        'stored_file',
        sa.Column('key', sa.String(length=80), nullable=False),
        sa.Column('content', sa.LargeBinary(), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('content_type', sa.String(length=100), nullable=False),
        sa.Column('created_at', portal.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_stored_file')),
    )


def downgrade():
    op.drop_table('stored_file')
