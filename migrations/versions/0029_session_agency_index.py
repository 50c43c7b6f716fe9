"""the reports' counts of one session and agency from its own rows: the figures' index keyed
by (session, agency)

After an agency answers, the reports count again that agency's items of that session
(0028). Keyed by the session alone, the index walked every item of the session and kept the
agency's: about 3,000 rows read for 150 at 100,000 petitions. Keyed by both, a pair reads
its own rows, and a whole session's count still reads the index by its first column.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-03 08:10:00

"""
from alembic import op

# As portal.tracker.models has them, frozen here (0027's list, agency_id now in the key).
FIGURES_INCLUDE = ["id", "status", "deadline", "answered_at", "beyond_authority",
                   "citizen_verdict", "round", "created_at", "petition_id"]
FIGURES_COLUMNS_0027 = ["id", "agency_id", "status", "deadline", "answered_at",
                        "beyond_authority", "citizen_verdict", "round", "created_at",
                        "petition_id"]

revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade():
    op.create_index('ix_assignment_session_agency_figures', 'assignment',
                    ['session_id', 'agency_id'], postgresql_include=FIGURES_INCLUDE)
    op.drop_index('ix_assignment_session_figures', table_name='assignment')


def downgrade():
    op.create_index('ix_assignment_session_figures', 'assignment', ['session_id'],
                    postgresql_include=FIGURES_COLUMNS_0027)
    op.drop_index('ix_assignment_session_agency_figures', table_name='assignment')
