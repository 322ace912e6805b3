"""support_requests.week: the earliest week that asked, whatever the answering order

A request's `week` is the week of the check-in that first asked for it. A director who
answered 2026-W48's check-in before W47's (answered late) left the request reading "first
asked in W48" though W47 had asked too: the week linked later was counted as a repeat
only. The bot now keeps the earliest week; requests stored before are set to the
earliest of their weeks here (nothing else changes: their weeks, details and dates stay).

Revision ID: 0025_supportfirst
Revises: 0024_leftat
Create Date: 2026-12-07
"""

from alembic import op

revision = '0025_supportfirst'
down_revision = "0024_leftat"
branch_labels = None
depends_on = None

_EARLIEST = ("(SELECT MIN(support_weeks.week) FROM support_weeks "
             "WHERE support_weeks.request_id = support_requests.id)")


def upgrade() -> None:
    op.execute(f"UPDATE support_requests SET week = {_EARLIEST} "
               f"WHERE {_EARLIEST} < support_requests.week")


def downgrade() -> None:
    pass  # the earlier week is the true one: nothing to undo
