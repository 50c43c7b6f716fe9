"""the reminders the scheduled jobs have sent

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 21:30:00

"""
from alembic import op
import sqlalchemy as sa
import portal.types


# revision identifiers, used by Alembic.
revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reminder_sent',
        sa.Column('key', sa.String(length=120), nullable=False),
        sa.Column('at', portal.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint('key', name=op.f('pk_reminder_sent')),
    )
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminder_sent_at'), ['at'], unique=False)


def downgrade():
    with op.batch_alter_table('reminder_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminder_sent_at'))
    op.drop_table('reminder_sent')
