"""oneonone: one-on-ones — moved/skipped occurrences, meetings, agenda, notes, action
items, feedback and the after-meeting dialog

Revision ID: 0003_oneonone
Revises: 0002_kudos
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = "0003_oneonone"
down_revision = "0002_kudos"
branch_labels = None
depends_on = None

_PERSON = "people.id"


def upgrade() -> None:
    op.create_table(
        "oneonone_overrides",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.String(length=10), nullable=False),
        sa.Column("moved_to", sa.DateTime(timezone=True), nullable=True),
        sa.Column("skipped", sa.Boolean(), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["manager_id"], [_PERSON], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["report_id"], [_PERSON], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["by_id"], [_PERSON], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("manager_id", "report_id", "occurrence"),
    )
    op.create_table(
        "oneonone_meetings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("occurrence", sa.String(length=10), nullable=False),
        sa.Column("scheduled_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["manager_id"], [_PERSON], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["report_id"], [_PERSON], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("manager_id", "report_id", "occurrence"),
    )
    with op.batch_alter_table("oneonone_meetings", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oneonone_meetings_manager_id"), ["manager_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_oneonone_meetings_report_id"), ["report_id"],
                              unique=False)
    op.create_table(
        "oneonone_agenda",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("source_ref", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["manager_id"], [_PERSON], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["report_id"], [_PERSON], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], [_PERSON], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["meeting_id"], ["oneonone_meetings.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("oneonone_agenda", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oneonone_agenda_manager_id"), ["manager_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_oneonone_agenda_report_id"), ["report_id"],
                              unique=False)
    op.create_table(
        "oneonone_notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["oneonone_meetings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["author_id"], [_PERSON], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("oneonone_notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oneonone_notes_meeting_id"), ["meeting_id"],
                              unique=False)
    op.create_table(
        "oneonone_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("due", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["manager_id"], [_PERSON], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["report_id"], [_PERSON], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["meeting_id"], ["oneonone_meetings.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["owner_id"], [_PERSON], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("oneonone_actions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oneonone_actions_manager_id"), ["manager_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_oneonone_actions_report_id"), ["report_id"],
                              unique=False)
    op.create_table(
        "oneonone_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("from_id", sa.Integer(), nullable=False),
        sa.Column("to_id", sa.Integer(), nullable=False),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("improve", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["meeting_id"], ["oneonone_meetings.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["from_id"], [_PERSON], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["to_id"], [_PERSON], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("meeting_id", "from_id"),
    )
    with op.batch_alter_table("oneonone_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_oneonone_feedback_meeting_id"), ["meeting_id"],
                              unique=False)
    op.create_table(
        "oneonone_dialogs",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("meeting_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=16), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], [_PERSON], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["meeting_id"], ["oneonone_meetings.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )


def downgrade() -> None:
    for table in ("oneonone_dialogs", "oneonone_feedback", "oneonone_actions",
                  "oneonone_notes", "oneonone_agenda", "oneonone_meetings",
                  "oneonone_overrides"):
        op.drop_table(table)
