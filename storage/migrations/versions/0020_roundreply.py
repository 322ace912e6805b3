"""round_requests.reply_chat, reply_thread: the group where `/checkin send` was typed

`/checkin send` typed in a group or channel says its report comes to the sender's DM. A
report DM the platform refused for good (a Telegram user who blocked the bot or never
pressed Start) was lost without a word. The request now keeps the group (and thread) it
was typed in, so the report's DM carries a fallback there: a note without names in the
group, or, where the platform has them (Slack), the report itself in a note only the
sender sees.

Requests queued before this upgrade have neither (as one typed in a DM or the CLI's):
their report goes to the DM as before, without a fallback.

Revision ID: 0020_roundreply
Revises: 0019_pulseshown
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = '0020_roundreply'
down_revision = "0019_pulseshown"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('round_requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('reply_chat', sa.String(length=128), nullable=True))
        batch_op.add_column(sa.Column('reply_thread', sa.String(length=128), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('round_requests', schema=None) as batch_op:
        batch_op.drop_column('reply_thread')
        batch_op.drop_column('reply_chat')
