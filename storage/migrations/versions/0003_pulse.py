"""pulse: anonymous pulse polls (polls, votes, comments, participants)

Revision ID: 0003_pulse
Revises: 0002_kudos
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_pulse'
down_revision = "0003_goals"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('pulse_polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=10), nullable=False),
    sa.Column('questions', sa.JSON(), nullable=False),
    sa.Column('threshold', sa.Integer(), nullable=False),
    sa.Column('teams', sa.JSON(), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    # Votes, comments and participants: random or composite keys and, on SQLite, no rowid,
    # so the order rows were written in (which would pair a vote with a participant) is
    # nowhere to be read.
    op.create_table('pulse_votes',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('question_key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.Integer(), nullable=False),
    sa.Column('team', sa.String(length=100), nullable=True),
    sa.ForeignKeyConstraint(['poll_id'], ['pulse_polls.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False
    )
    op.create_index('ix_pulse_votes_poll_id', 'pulse_votes', ['poll_id'], unique=False)
    op.create_table('pulse_comments',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('team', sa.String(length=100), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['poll_id'], ['pulse_polls.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sqlite_with_rowid=False
    )
    op.create_index('ix_pulse_comments_poll_id', 'pulse_comments', ['poll_id'], unique=False)
    op.create_table('pulse_participants',
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('team', sa.String(length=100), nullable=True),
    sa.Column('step', sa.Integer(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.Column('reminded', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['pulse_polls.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('poll_id', 'person_id'),
    sqlite_with_rowid=False
    )


def downgrade() -> None:
    op.drop_table('pulse_participants')
    op.drop_index('ix_pulse_comments_poll_id', table_name='pulse_comments')
    op.drop_table('pulse_comments')
    op.drop_index('ix_pulse_votes_poll_id', table_name='pulse_votes')
    op.drop_table('pulse_votes')
    op.drop_table('pulse_polls')
