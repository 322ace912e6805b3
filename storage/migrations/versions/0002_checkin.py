"""check-in: a number waiting for the person's confirmation

Revision ID: 0002_checkin
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_checkin"
down_revision = "0002_summary"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The reading(s) of a typed number the person must confirm before it is stored.
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending_numbers", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("conversations", schema=None) as batch_op:
        batch_op.drop_column("pending_numbers")
