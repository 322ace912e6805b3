"""cliviews: scheduled 360° reviews (one claim per director and period)

Revision ID: 0004_cliviews
Revises: 0003_pulse
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = '0004_cliviews'
down_revision = "0004_digest"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('review_schedule_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('period', sa.String(length=32), nullable=False),
    sa.Column('subject_key', sa.String(length=64), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=True),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closes_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['round_id'], ['review_rounds.id'], ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('period', 'subject_key')
    )
    op.create_index(op.f('ix_review_schedule_runs_closes_at'), 'review_schedule_runs',
                    ['closes_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_review_schedule_runs_closes_at'), table_name='review_schedule_runs')
    op.drop_table('review_schedule_runs')
