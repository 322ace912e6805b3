"""kudos.value_labels: kudos keep the labels their company values had when given

Kudos stored only the keys of the values they were tagged with; every view read the label
from the org file at that moment, so renaming a value there ("Customer first" to "Customer
obsession") rewrote every past kudos (`/kudos me`, the honour rolls, the monthly review),
and taking one out showed its key. Each kudos now stores its values' labels, in every
language the org file gave, when it is given.

Kudos given before this upgrade are left empty here (the org file is not the database's):
the bot's next start fills them in with the labels of the org file of then, the best that
is known (a rename made before it cannot be told from the database).

Revision ID: 0018_kudoslabel
Revises: 0017_reviewanon
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = '0018_kudoslabel'
down_revision = "0017_reviewanon"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('kudos', schema=None) as batch_op:
        batch_op.add_column(sa.Column('value_labels', sa.JSON(none_as_null=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('kudos', schema=None) as batch_op:
        batch_op.drop_column('value_labels')
