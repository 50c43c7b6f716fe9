"""what the office published on the public page, in its reviewed wording

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-01 22:00:00

"""
from alembic import op
import sqlalchemy as sa
import portal.types


# revision identifiers, used by Alembic.
revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'published_session',
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('conclusion', sa.Text(), nullable=False),
        sa.Column('published_at', portal.types.UTCDateTime(), nullable=False),
        sa.Column('published_by_id', sa.Integer(), nullable=True),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['published_by_id'], ['user_account.id'],
                                name=op.f('fk_published_session_published_by_id_user_account')),
        sa.ForeignKeyConstraint(['session_id'], ['dialogue_session.id'],
                                name=op.f('fk_published_session_session_id_dialogue_session')),
        sa.PrimaryKeyConstraint('session_id', name=op.f('pk_published_session')),
    )
    op.create_table(
        'published_petition',
        sa.Column('petition_id', sa.Integer(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(['petition_id'], ['petition.id'],
                                name=op.f('fk_published_petition_petition_id_petition')),
        sa.ForeignKeyConstraint(['session_id'], ['published_session.session_id'],
                                name=op.f('fk_published_petition_session_id_published_session')),
        sa.PrimaryKeyConstraint('petition_id', name=op.f('pk_published_petition')),
    )
    with op.batch_alter_table('published_petition', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_published_petition_session_id'), ['session_id'],
                              unique=False)


def downgrade():
    with op.batch_alter_table('published_petition', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_published_petition_session_id'))
    op.drop_table('published_petition')
    op.drop_table('published_session')
