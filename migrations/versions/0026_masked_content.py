"""the masked copy of each petition's content, kept beside it for reports and exports

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-02 06:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade():
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.add_column(sa.Column('content_masked', sa.Text(), server_default='',
                                      nullable=False))
    # Every existing petition's masked copy, as the model writes it from now on. (A later
    # change to the masking rules needs a migration that runs this again.)
    from portal.petitions.privacy import masked_content

    bind = op.get_bind()
    petition = sa.table('petition', sa.column('id', sa.Integer), sa.column('content', sa.Text),
                        sa.column('submitter_name', sa.String),
                        sa.column('submitter_kind', sa.String),
                        sa.column('content_masked', sa.Text))
    last = 0
    while True:
        rows = bind.execute(sa.select(petition.c.id, petition.c.content,
                                      petition.c.submitter_name, petition.c.submitter_kind)
                            .where(petition.c.id > last).order_by(petition.c.id)
                            .limit(BATCH)).all()
        if not rows:
            break
        bind.execute(petition.update().where(petition.c.id == sa.bindparam('pid'))
                     .values(content_masked=sa.bindparam('masked')),
                     [{'pid': r.id, 'masked': masked_content(r.content, r.submitter_name,
                                                             r.submitter_kind)}
                      for r in rows])
        last = rows[-1].id


def downgrade():
    with op.batch_alter_table('petition', schema=None) as batch_op:
        batch_op.drop_column('content_masked')
