"""checkin_rounds.role: the person's role when the round was made

A director made a member (or a member made a director) in the org file changed the GM's
summary of the weeks before: the summary took each person's role from today's org file.
Each round now records the role it was made for, as it records the team. Existing rows
are back-filled with the person's role today, the best there is to know; the summaries'
covering index gains the column.

Revision ID: 0007_roundrole
Revises: 0006_sumspeed
Create Date: 2026-11-30
"""

from alembic import op
import sqlalchemy as sa


revision = '0007_roundrole'
down_revision = "0006_sumspeed"
branch_labels = None
depends_on = None

_SUMMARY = ['week', 'person_id', 'status', 'team', 'prompted_at', 'submitted_at',
            'snapshot_key']


def upgrade() -> None:
    with op.batch_alter_table('checkin_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('role', sa.String(length=16), nullable=True))
    op.execute("UPDATE checkin_rounds SET role = (SELECT people.role FROM people "
               "WHERE people.id = checkin_rounds.person_id)")
    with op.batch_alter_table('checkin_rounds', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_rounds_summary')
        batch_op.create_index('ix_checkin_rounds_summary', [*_SUMMARY, 'role'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('checkin_rounds', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_rounds_summary')
        batch_op.create_index('ix_checkin_rounds_summary', _SUMMARY, unique=False)
        batch_op.drop_column('role')
