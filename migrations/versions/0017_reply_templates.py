"""reply templates for answers and the office's reasons

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-01 21:50:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'reply_template',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('answer', 'return', 'extension', 'refuse_extension',
                                  name='templatekind', native_enum=False, length=20,
                                  create_constraint=False), nullable=False),
        sa.Column('field_id', sa.Integer(), nullable=True),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('is_active', sa.Boolean(), nullable=False),
        sa.Column('version', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['field_id'], ['field.id'],
                                name=op.f('fk_reply_template_field_id_field')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_reply_template')),
    )
    with op.batch_alter_table('reply_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reply_template_kind'), ['kind'], unique=False)


def downgrade():
    with op.batch_alter_table('reply_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reply_template_kind'))
    op.drop_table('reply_template')
