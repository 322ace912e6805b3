"""answers.number_at_week_end, changed_after_week_at: the figure a week ended with

0021_roundedit marked a week whose answers were changed after it ended, but the old
figure was gone: the GM who read 52,000 on Monday read 60,000 on Wednesday, marked
edited, and not what it had been. An answer changed (/edit) after its week ended now
keeps, at the first such change only, when it was made and the figure it replaced (None:
the answer had no figure: skipped, a text, or not given); a later change keeps the first.
Only figures are kept, never a text answer's old words (nothing more of a person's words
is stored than before).

Answers changed before this upgrade keep nothing: what they were is not known.

Revision ID: 0022_answerwas
Revises: 0021_roundedit
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0022_answerwas'
down_revision = "0021_roundedit"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('number_at_week_end', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('changed_after_week_at', sa.DateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('answers', schema=None) as batch_op:
        batch_op.drop_column('changed_after_week_at')
        batch_op.drop_column('number_at_week_end')
