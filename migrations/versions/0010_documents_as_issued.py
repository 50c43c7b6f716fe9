"""documents as issued: frozen content and PDF, registers for every type, signing positions

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 20:45:00

"""
from alembic import op
import sqlalchemy as sa
import portal.types


# revision identifiers, used by Alembic.
revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('signing_position',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('authority', sa.String(length=200), nullable=False),
    sa.Column('title', sa.String(length=120), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', portal.types.UTCDateTime(), nullable=False),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_position'))
    )
    op.create_table('issuing_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('effective_from', sa.Date(), nullable=False),
    sa.Column('body_parent', sa.String(length=200), nullable=False),
    sa.Column('body', sa.String(length=200), nullable=False),
    sa.Column('body_code', sa.String(length=20), nullable=False),
    sa.Column('place', sa.String(length=100), nullable=False),
    sa.Column('created_at', portal.types.UTCDateTime(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_issuing_profile_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_issuing_profile')),
    sa.UniqueConstraint('effective_from', name=op.f('uq_issuing_profile_effective_from'))
    )
    op.create_table('document_file',
    sa.Column('document_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('content', sa.LargeBinary(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('created_at', portal.types.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_file_document_id_document')),
    sa.PrimaryKeyConstraint('document_id', name=op.f('pk_document_file'))
    )
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('plan_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('source', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('body_parent', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('body_name', sa.String(length=200), server_default='', nullable=False))
        batch_op.add_column(sa.Column('place', sa.String(length=100), server_default='', nullable=False))
        batch_op.add_column(sa.Column('signing_position_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('pdf_sha256', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_document_plan_id'), ['plan_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_document_plan_id_plan'), 'plan', ['plan_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_document_signing_position_id_signing_position'), 'signing_position', ['signing_position_id'], ['id'])


def downgrade():
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_document_signing_position_id_signing_position'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_document_plan_id_plan'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_document_plan_id'))
        batch_op.drop_column('pdf_sha256')
        batch_op.drop_column('signing_position_id')
        batch_op.drop_column('place')
        batch_op.drop_column('body_name')
        batch_op.drop_column('body_parent')
        batch_op.drop_column('source')
        batch_op.drop_column('plan_id')
    op.drop_table('document_file')
    op.drop_table('issuing_profile')
    op.drop_table('signing_position')
