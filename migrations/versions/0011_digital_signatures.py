"""digital signatures of issued documents

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 20:45:00

"""
from alembic import op
import sqlalchemy as sa
import portal.types


# revision identifiers, used by Alembic.
revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('document_signature',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('signed_at', portal.types.UTCDateTime(), nullable=False),
    sa.Column('signer', sa.String(length=300), nullable=False),
    sa.Column('issuer', sa.String(length=300), nullable=False),
    sa.Column('serial', sa.String(length=80), nullable=False),
    sa.Column('certificate_sha256', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=10), nullable=False),
    sa.Column('unsigned_sha256', sa.String(length=64), nullable=False),
    sa.Column('signed_sha256', sa.String(length=64), nullable=False),
    sa.Column('unsigned_length', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_document_signature_document_id_document')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_signature')),
    sa.UniqueConstraint('document_id', name=op.f('uq_document_signature_document_id'))
    )


def downgrade():
    op.drop_table('document_signature')
