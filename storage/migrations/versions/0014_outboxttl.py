"""outbox.expires_at: a time-bound message is dropped, not sent, once it is no longer true

A "starts soon: 10:00" 1:1 reminder held up by an hour-long Slack outage arrived at 10:40,
after the meeting; so did poll questions after the poll closed and check-in reminders for
a week already over. Such messages now carry the moment they stop being true; the outbox
marks one still waiting then 'expired' instead of sending it. Existing rows (and every
message that is not time-bound) have none, and are delivered as before.

Revision ID: 0014_outboxttl
Revises: 0013_langpref
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0014_outboxttl'
down_revision = "0013_langpref"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # A nullable column and no index: the outbox reads it only for rows it has already
    # chosen by status (ix_outbox_status_priority), and ALTER TABLE ADD COLUMN of a
    # nullable column rewrites nothing on either database.
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_column('expires_at')
