"""people.chosen_locale: the language someone chose in chat wins over the org file's

A director whose org file entry says `locale: en` (or says nothing) could not get the bot
in Chinese without asking whoever runs it to edit the file. `/language 中文` now records
the choice here; the org file sync keeps it over the file's `locale` until the person
chooses the file's again (`/language default`). Existing rows have chosen nothing.

Revision ID: 0013_langpref
Revises: 0012_convver
Create Date: 2026-12-01
"""

from alembic import op
import sqlalchemy as sa


revision = '0013_langpref'
down_revision = "0012_convver"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.add_column(sa.Column('chosen_locale', sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('people', schema=None) as batch_op:
        batch_op.drop_column('chosen_locale')
