"""kudos.giver_team, kudos.recipient_team: kudos keep the teams of when they were given

Kudos stored no team, so every view counted them under each person's team today: when Sam
moved from East to Europe in December (an org file edit), `/honours 2026-11` named him
under Europe and made Europe the team of the month, unlike the roll posted on 1 December;
past team boards and the GM summary's kudos per team moved with him. Each kudos now
stores both people's teams when it is given, and every view reads those.

Kudos given before this upgrade are filled in with the people's teams at the upgrade: the
best that is known (a move made before it cannot be told from the database).

Revision ID: 0015_kudosteam
Revises: 0014_outboxttl
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0015_kudosteam'
down_revision = "0014_outboxttl"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kudos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('giver_team', sa.String(length=100), nullable=True))
        batch_op.add_column(sa.Column('recipient_team', sa.String(length=100), nullable=True))
    # One statement each database runs as is; people.team is the team today.
    op.execute(
        "UPDATE kudos SET "
        "giver_team = (SELECT team FROM people WHERE people.id = kudos.giver_id), "
        "recipient_team = (SELECT team FROM people WHERE people.id = kudos.recipient_id)")


def downgrade() -> None:
    with op.batch_alter_table('kudos', schema=None) as batch_op:
        batch_op.drop_column('recipient_team')
        batch_op.drop_column('giver_team')
