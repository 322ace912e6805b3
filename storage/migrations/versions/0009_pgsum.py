"""PostgreSQL: the summaries' covering index on checkin_rounds carries the round's id

`ix_checkin_rounds_summary` was meant to answer the summaries' reads of a window of weeks
without touching the rows (kilobytes of JSON each). On SQLite every index holds the rowid,
the round's id, so it does; on PostgreSQL it did not, and every read that needs a round's
id (all of them) went to the table: at 10,000 directors 150 MB of rows, more than the
server's default shared_buffers, so the GM's view read them from the operating system
each time. On PostgreSQL the index is made again with `INCLUDE (id)`; SQLite is left as
it is (nothing to change).

Revision ID: 0009_pgsum
Revises: 0008_roundtz
Create Date: 2026-11-30
"""

from alembic import op


revision = '0009_pgsum'
down_revision = "0008_roundtz"
branch_labels = None
depends_on = None

_SUMMARY = ['week', 'person_id', 'status', 'team', 'prompted_at', 'submitted_at',
            'snapshot_key', 'role', 'timezone']  # (as 0008_roundtz left it)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return  # (SQLite's index holds the rowid, which is the id)
    op.drop_index('ix_checkin_rounds_summary', table_name='checkin_rounds')
    op.create_index('ix_checkin_rounds_summary', 'checkin_rounds', _SUMMARY, unique=False,
                    postgresql_include=['id'])


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.drop_index('ix_checkin_rounds_summary', table_name='checkin_rounds')
    op.create_index('ix_checkin_rounds_summary', 'checkin_rounds', _SUMMARY, unique=False)
