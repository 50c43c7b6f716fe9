"""background export and import jobs with progress; the office's answer plan of a petition

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-01 23:10:00

"""
from alembic import op
import sqlalchemy as sa
import portal.types


# revision identifiers, used by Alembic.
revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'background_job',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='jobstatus',
                                    native_enum=False, length=20, create_constraint=False),
                  nullable=False),
        sa.Column('percent', sa.Integer(), nullable=False),
        sa.Column('message', sa.Text(), nullable=False),
        sa.Column('session_id', sa.Integer(), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('claimed_by', sa.String(length=120), nullable=False),
        sa.Column('created_at', portal.types.UTCDateTime(), nullable=False),
        sa.Column('started_at', portal.types.UTCDateTime(), nullable=True),
        sa.Column('heartbeat_at', portal.types.UTCDateTime(), nullable=True),
        sa.Column('finished_at', portal.types.UTCDateTime(), nullable=True),
        sa.Column('result', sa.LargeBinary(), nullable=True),
        sa.Column('result_name', sa.String(length=200), nullable=False),
        sa.Column('result_mime', sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(['session_id'], ['dialogue_session.id'],
                                name=op.f('fk_background_job_session_id_dialogue_session')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_background_job_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_background_job')),
    )
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_background_job_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_background_job_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_background_job_session_id'), ['session_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_background_job_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.add_column(sa.Column(
            'answer_plan', sa.Enum('at_meeting', 'before_meeting', 'to_assign',
                                   name='answerplan', native_enum=False, length=20,
                                   create_constraint=False), nullable=True))


def downgrade():
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.drop_column('answer_plan')
    with op.batch_alter_table('background_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_background_job_user_id'))
        batch_op.drop_index(batch_op.f('ix_background_job_session_id'))
        batch_op.drop_index(batch_op.f('ix_background_job_status'))
        batch_op.drop_index(batch_op.f('ix_background_job_kind'))
    op.drop_table('background_job')
