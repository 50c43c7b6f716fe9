"""the meeting's papers: program, script, prepared answers, stage durations

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-01 23:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import portal.types  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade():
    # The program's planned minutes per stage and kind of dialogue (the settings page).
    # The program (CTr) and the script (KB) are rows of `document`, whose type column is a
    # plain string: no change there.
    op.create_table(
        'stage_duration',
        sa.Column('kind', sa.Enum('citizen_reception', 'voter_contact', 'business',
                                  'cooperative', name='sessionkind', native_enum=False,
                                  length=30, create_constraint=False), nullable=False),
        sa.Column('stage', sa.String(length=20), nullable=False),
        sa.Column('minutes', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='1', nullable=False),
        sa.PrimaryKeyConstraint('kind', 'stage', name=op.f('pk_stage_duration')),
    )


def downgrade():
    op.drop_table('stage_duration')
