"""digest: weekly digests queued per recipient and week

Revision ID: 0004_digest
Revises: 0003_pulse
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = "0004_digest"
down_revision = "0003_pulse"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "digests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=True),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("via", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "week"),
    )


def downgrade() -> None:
    op.drop_table("digests")
