"""the citizen's verdict on an answer, and the rounds it reopens

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01 21:40:00

"""
from alembic import op
import sqlalchemy as sa
import portal.types


# revision identifiers, used by Alembic.
revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        batch_op.add_column(sa.Column('citizen_verdict', sa.Enum(
            'satisfied', 'not_satisfied', 'not_reached', name='citizenverdict',
            native_enum=False, length=20, create_constraint=False), nullable=True))
        batch_op.add_column(sa.Column('verdict_channel', sa.Enum(
            'call', 'letter', 'next_session', name='verdictchannel', native_enum=False,
            length=20, create_constraint=False), nullable=True))
        batch_op.add_column(sa.Column('verdict_note', sa.Text(), server_default='',
                                      nullable=False))
        batch_op.add_column(sa.Column('verdict_at', portal.types.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column('round', sa.Integer(), server_default='1', nullable=False))


def downgrade():
    with op.batch_alter_table('assignment', schema=None) as batch_op:
        for name in ('round', 'verdict_at', 'verdict_note', 'verdict_channel',
                     'citizen_verdict'):
            batch_op.drop_column(name)
