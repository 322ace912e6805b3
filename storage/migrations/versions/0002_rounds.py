"""round requests: 'send a check-in round now' from the CLI or a chat command

Revision ID: 0002_rounds
Revises: 0001
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_rounds"
down_revision = "0002_checkin"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "round_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=True),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("reply_platform", sa.String(length=16), nullable=True),
        sa.Column("reply_user", sa.String(length=128), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("round_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_round_requests_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("round_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_round_requests_status"))
    op.drop_table("round_requests")
