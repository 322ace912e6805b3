"""check-in rounds remember the person's team at the time

Revision ID: 0002_summary
Revises: 0001
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = '0002_summary'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: rounds made before this revision fall back to the person's current team.
    op.add_column('checkin_rounds', sa.Column('team', sa.String(length=100), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('checkin_rounds') as batch:
        batch.drop_column('team')
