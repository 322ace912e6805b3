"""conversations.version: a dialog's changes are counted, so a stale one is not written

Two replicas handling one person's two quick messages could both read the dialog at the
same question. The first stored its answer and moved on; the second, having read the
round's answers after that, took its message for a new answer to the question already
answered and overwrote it: one of the person's answers was lost and nobody was told.
The dialog now carries a version the ORM checks on every write (version_id_col); the
second replica's write then matches no row, and it handles its message again on the
dialog as it is now. Existing rows start at 1.

Revision ID: 0012_convver
Revises: 0011_roundmgr
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0012_convver'
down_revision = "0011_roundmgr"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('version', sa.Integer(), nullable=False,
                                      server_default='1'))


def downgrade() -> None:
    with op.batch_alter_table('conversations', schema=None) as batch_op:
        batch_op.drop_column('version')
