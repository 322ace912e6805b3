"""checkin_rounds.manager_key: the person's manager when the round was made

The GM's view of a past week named each director's one-on-one with their manager in
today's org file: after the org file gave a director another manager, their past weeks
read "One-on-one with <the new manager>: last never", the meetings held with the old one
gone. Each round now records the manager it was made under, as it records the team, the
role and the timezone. Existing rows are back-filled with the person's manager today, the
best there is to know; the summaries' covering index gains the column (they read it).

Revision ID: 0011_roundmgr
Revises: 0010_crmtwin
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


revision = '0011_roundmgr'
down_revision = "0010_crmtwin"
branch_labels = None
depends_on = None

_SUMMARY = ['week', 'person_id', 'status', 'team', 'prompted_at', 'submitted_at',
            'snapshot_key', 'role', 'timezone']  # (as 0009_pgsum left it)


def _summary_index(columns: list[str]) -> None:
    op.drop_index('ix_checkin_rounds_summary', table_name='checkin_rounds')
    # (postgresql_include: see 0009_pgsum; SQLite's index holds the rowid, the id.)
    op.create_index('ix_checkin_rounds_summary', 'checkin_rounds', columns, unique=False,
                    postgresql_include=['id'])


def upgrade() -> None:
    with op.batch_alter_table('checkin_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('manager_key', sa.String(length=64), nullable=True))
    op.execute("UPDATE checkin_rounds SET manager_key = (SELECT people.manager_key "
               "FROM people WHERE people.id = checkin_rounds.person_id)")
    _summary_index([*_SUMMARY, 'manager_key'])


def downgrade() -> None:
    _summary_index(_SUMMARY)
    with op.batch_alter_table('checkin_rounds', schema=None) as batch_op:
        batch_op.drop_column('manager_key')
