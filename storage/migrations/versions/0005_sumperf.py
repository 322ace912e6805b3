"""answers: a covering index for the summaries' status counts and KPI figures

Revision ID: 0005_sumperf
Revises: 0004_fanout
Create Date: 2026-11-29
"""

from alembic import op


revision = '0005_sumperf'
down_revision = "0004_fanout"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.create_index('ix_answers_round_figures',
                              ['round_id', 'question_key', 'skipped', 'number_value'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_index('ix_answers_round_figures')
