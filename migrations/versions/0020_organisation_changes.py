"""organisation changes: agency names over time, merges, deactivation; the locality tree

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-01 23:10:00

"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import portal.types  # noqa: F401


# revision identifiers, used by Alembic.
revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None


LEVEL = sa.Enum('province', 'commune', 'ward', 'special_zone', name='localitylevel',
                native_enum=False, length=20)


def upgrade():
    op.create_table('agency_name',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('short_name', sa.String(length=40), nullable=False),
    sa.Column('until', sa.Date(), nullable=False),
    sa.Column('reason', sa.String(length=300), server_default='', nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_agency_name_agency_id_agency'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agency_name'))
    )
    with op.batch_alter_table('agency_name', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_agency_name_agency_id'), ['agency_id'], unique=False)

    op.create_table('locality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('level', LEVEL, nullable=False),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('ended_on', sa.Date(), nullable=True),
    sa.Column('successor_id', sa.Integer(), nullable=True),
    sa.Column('version', sa.Integer(), server_default='1', nullable=False),
    sa.ForeignKeyConstraint(['parent_id'], ['locality.id'], name=op.f('fk_locality_parent_id_locality')),
    sa.ForeignKeyConstraint(['successor_id'], ['locality.id'], name=op.f('fk_locality_successor_id_locality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_locality')),
    sa.UniqueConstraint('code', name=op.f('uq_locality_code'))
    )
    with op.batch_alter_table('locality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_locality_parent_id'), ['parent_id'], unique=False)

    # A deactivated agency ended the day this runs (the flag becomes a date).
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ended_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('successor_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_agency_successor_id_agency'), 'agency', ['successor_id'], ['id'])
    agency = sa.table('agency', sa.column('is_active', sa.Boolean()), sa.column('ended_on', sa.Date()))
    op.execute(agency.update().where(agency.c.is_active == sa.false())
               .values(ended_on=sa.func.current_date()))
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('is_active')

    for table in ('petition', 'dialogue_session', 'speaker'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('locality_id', sa.Integer(), nullable=True))
            batch_op.create_foreign_key(batch_op.f(f'fk_{table}_locality_id_locality'), 'locality', ['locality_id'], ['id'])


def downgrade():
    for table in ('speaker', 'dialogue_session', 'petition'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f(f'fk_{table}_locality_id_locality'), type_='foreignkey')
            batch_op.drop_column('locality_id')

    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('is_active', sa.Boolean(), nullable=False, server_default=sa.true()))
    agency = sa.table('agency', sa.column('is_active', sa.Boolean()), sa.column('ended_on', sa.Date()))
    op.execute(agency.update().where(agency.c.ended_on.isnot(None)).values(is_active=sa.false()))
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agency_successor_id_agency'), type_='foreignkey')
        batch_op.drop_column('successor_id')
        batch_op.drop_column('ended_on')

    with op.batch_alter_table('locality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_locality_parent_id'))
    op.drop_table('locality')
    with op.batch_alter_table('agency_name', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_agency_name_agency_id'))
    op.drop_table('agency_name')
