"""people.added_at: when the org sync first found someone in the org file

Nothing recorded when a person joined: a director added in W46 was listed in the GM's
W44 as "no check-in sent", which reads "not asked" of someone not yet in the org. The
org sync now stores the moment it inserts a person (or finds a removed one back), and
the summaries leave a past week out for whoever joined after it ended without a round.

People already in the database get NULL: when they joined is not known, so they read
as always there (as every view read everyone before this upgrade).

Revision ID: 0016_joined
Revises: 0015_kudosteam
Create Date: 2026-12-02
"""

from alembic import op
import sqlalchemy as sa


revision = '0016_joined'
down_revision = "0015_kudosteam"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('added_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('added_at')
