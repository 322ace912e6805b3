"""pulse_polls.shown: the slices of a closed poll's results that may be shown, kept

Which teams of a closed poll's results are shown was decided again at each read, by the
readers of that day (the GM and summary viewers, who know their own answers): a viewer
added after the close moved the shown teams, and two reads together gave away a team too
small to be shown. It is now decided once, when the poll closes, and kept here; a later
read shows those slices or fewer.

Polls closed before this upgrade are left empty here: their slices are decided at the
first start after it (TeamPulse.sync_org, with the readers the database held before that
start's org file is synced: the best that is known) and kept from there.

Revision ID: 0019_pulseshown
Revises: 0018_kudoslabel
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = '0019_pulseshown'
down_revision = "0018_kudoslabel"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pulse_polls', schema=None) as batch_op:
        batch_op.add_column(sa.Column('shown', sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pulse_polls', schema=None) as batch_op:
        batch_op.drop_column('shown')
