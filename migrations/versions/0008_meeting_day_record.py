"""the meeting day: dispositions, the session's locality, the signers' titles

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 20:45:00

"""
from alembic import op
import sqlalchemy as sa
import portal.types  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('closed_reason', sa.Text(), server_default='',
                                      nullable=False))

    with op.batch_alter_table('dialogue_session', schema=None) as batch_op:
        batch_op.add_column(sa.Column('locality', sa.String(length=200), server_default='',
                                      nullable=False))

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('position', sa.String(length=200), server_default='',
                                      nullable=False))


def downgrade():
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('position')

    with op.batch_alter_table('dialogue_session', schema=None) as batch_op:
        batch_op.drop_column('locality')

    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.drop_column('closed_reason')
