"""support: support requests from check-ins tracked to resolution (requests, the weeks that
asked for them, comments)

Revision ID: 0004_support
Revises: 0003_pulse
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = "0004_support"
down_revision = "0004_cliviews"
branch_labels = None
depends_on = None

_PERSON = "people.id"


def upgrade() -> None:
    op.create_table(
        "support_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("requester_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("department", sa.String(length=64), nullable=True),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("last_week", sa.String(length=10), nullable=False),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by_id", sa.Integer(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_by_id", sa.Integer(), nullable=True),
        sa.Column("resolution", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["requester_id"], [_PERSON], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["acknowledged_by_id"], [_PERSON], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["resolved_by_id"], [_PERSON], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("support_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_requests_requester_id"), ["requester_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_support_requests_status"), ["status"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_support_requests_opened_at"), ["opened_at"],
                              unique=False)
    op.create_table(
        "support_weeks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=10), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["support_requests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["round_id"], ["checkin_rounds.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("round_id"),
    )
    with op.batch_alter_table("support_weeks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_weeks_request_id"), ["request_id"],
                              unique=False)
    op.create_table(
        "support_comments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["request_id"], ["support_requests.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], [_PERSON], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("support_comments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_support_comments_request_id"), ["request_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_support_comments_author_id"), ["author_id"],
                              unique=False)


def downgrade() -> None:
    op.drop_table("support_comments")
    op.drop_table("support_weeks")
    op.drop_table("support_requests")
