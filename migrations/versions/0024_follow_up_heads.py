"""agency heads for escalation; masked renditions of issued documents

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-01 23:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import portal.types  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0024'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade():
    # The agency head's contact, to whom escalations are written (issue 12).
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('head_name', sa.String(length=120), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('head_title', sa.String(length=120), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('head_email', sa.String(length=254), server_default='',
                                      nullable=False))
    # The masked rendition of an issued document, frozen beside the official one (issue 11).
    with op.batch_alter_table('document_file', schema=None) as batch_op:
        batch_op.add_column(sa.Column('masked_content', sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column('masked_sha256', sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table('document_file', schema=None) as batch_op:
        batch_op.drop_column('masked_sha256')
        batch_op.drop_column('masked_content')
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('head_email')
        batch_op.drop_column('head_title')
        batch_op.drop_column('head_name')
