"""people.left_at: when the org sync took someone out of the org file

Someone taken out of the file is kept (active false, their history stays), but nothing
said since when: `/summary bruno` read "no longer in the org file" with no date. The
org sync (a reload, a start, `teampulse apply-org`) now stores the moment it takes a
person out, and clears it when the file has them back.

People already taken out get NULL: nothing stored dates their leaving (a 1:1's end or
its notice may as well be a switch-off or another manager), so none is invented; the
views say they are no longer in the org file, without a date.

Revision ID: 0024_leftat
Revises: 0023_pairends
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0024_leftat'
down_revision = "0023_pairends"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('left_at', sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('left_at')
