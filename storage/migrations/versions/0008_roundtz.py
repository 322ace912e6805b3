"""checkin_rounds.timezone: the person's timezone when the round was made

A director who moved to another timezone in the org file had their past weeks re-judged:
whether a check-in was late was decided by the end of the week's Sunday in the person's
timezone today. Each round now records the timezone it was made in, as it records the team
and the role. Existing rows are back-filled with the person's timezone today, the best
there is to know; the summaries' covering index gains the column (they read it).

Revision ID: 0008_roundtz
Revises: 0007_roundrole
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


revision = '0008_roundtz'
down_revision = "0007_roundrole"
branch_labels = None
depends_on = None

_SUMMARY = ['week', 'person_id', 'status', 'team', 'prompted_at', 'submitted_at',
            'snapshot_key', 'role']


def upgrade() -> None:
    with op.batch_alter_table('checkin_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('timezone', sa.String(length=64), nullable=True))
    op.execute("UPDATE checkin_rounds SET timezone = (SELECT people.timezone FROM people "
               "WHERE people.id = checkin_rounds.person_id)")
    with op.batch_alter_table('checkin_rounds', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_rounds_summary')
        batch_op.create_index('ix_checkin_rounds_summary', [*_SUMMARY, 'timezone'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('checkin_rounds', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_rounds_summary')
        batch_op.create_index('ix_checkin_rounds_summary', _SUMMARY, unique=False)
        batch_op.drop_column('timezone')
