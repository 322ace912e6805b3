"""outbox: a priority per message, so replies to people overtake bulk round traffic

Revision ID: 0004_fanout
Revises: 0003_pulse
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_fanout'
down_revision = "0004_support"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.add_column(sa.Column('priority', sa.Integer(), server_default=sa.text('0'),
                                      nullable=False))
        batch_op.create_index('ix_outbox_status_priority', ['status', 'priority'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('outbox', schema=None) as batch_op:
        batch_op.drop_index('ix_outbox_status_priority')
        batch_op.drop_column('priority')
