"""checkin_rounds.edited_at: when a submitted week's answers were changed after it ended

A director's answer changed with /edit after the week had ended (or days after submitting)
replaced the old one without a trace: the GM's view of that week read the new figure as
if it had always been there. The round now records the last such change (set by /edit in
the same transaction), and the GM's view says the week was edited after the fact; the
summaries' covering index gains the column (they read it).

Rounds edited before this upgrade carry no mark: when their answers changed is not known
per round (answers.updated_at is also set when a question is first answered late).

Revision ID: 0021_roundedit
Revises: 0020_roundreply
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0021_roundedit'
down_revision = "0020_roundreply"
branch_labels = None
depends_on = None

_SUMMARY = ['week', 'person_id', 'status', 'team', 'prompted_at', 'submitted_at',
            'snapshot_key', 'role', 'timezone', 'manager_key']  # (as 0011_roundmgr left it)


def _summary_index(columns: list[str]) -> None:
    op.drop_index('ix_checkin_rounds_summary', table_name='checkin_rounds')
    # (postgresql_include: see 0009_pgsum; SQLite's index holds the rowid, the id.)
    op.create_index('ix_checkin_rounds_summary', 'checkin_rounds', columns, unique=False,
                    postgresql_include=['id'])


def upgrade() -> None:
    with op.batch_alter_table('checkin_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True))
    _summary_index([*_SUMMARY, 'edited_at'])


def downgrade() -> None:
    _summary_index(_SUMMARY)
    with op.batch_alter_table('checkin_rounds', schema=None) as batch_op:
        batch_op.drop_column('edited_at')
