"""the hall screen: kiosk links

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 20:45:00

"""
from alembic import op
import sqlalchemy as sa
import portal.types


# revision identifiers, used by Alembic.
revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'kiosk_link',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('label', sa.String(length=120), server_default='', nullable=False),
        sa.Column('language', sa.String(length=5), server_default='vi', nullable=False),
        sa.Column('created_at', portal.types.UTCDateTime(), nullable=False),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('revoked_at', portal.types.UTCDateTime(), nullable=True),
        sa.Column('revoked_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'],
                                name=op.f('fk_kiosk_link_created_by_id_user_account')),
        sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'],
                                name=op.f('fk_kiosk_link_revoked_by_id_user_account')),
        sa.ForeignKeyConstraint(['session_id'], ['dialogue_session.id'],
                                name=op.f('fk_kiosk_link_session_id_dialogue_session')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_kiosk_link')),
        sa.UniqueConstraint('token', name=op.f('uq_kiosk_link_token')),
    )
    with op.batch_alter_table('kiosk_link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kiosk_link_session_id'), ['session_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('kiosk_link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kiosk_link_session_id'))
    op.drop_table('kiosk_link')
