"""away periods instead of one away-until date

Revision ID: 0002_away
Revises: 0001
Create Date: 2026-11-29

`people.away_until` said only when someone would be back, so every earlier week
looked away too. It becomes a table of periods (from, until, when recorded, when
cut short). The old column never said when the absence began, so an existing
`away_until` still ahead becomes a period starting on the day of the upgrade (UTC)
and recorded at the upgrade: it keeps prompts off from then on, and claims nothing
about weeks whose check-in had already passed. Dates already over are dropped.
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0002_away"
down_revision = "0002_delivery"
branch_labels = None
depends_on = None


def upgrade() -> None:
    away = op.create_table(
        "away_periods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["people.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("away_periods", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_away_periods_person_id"), ["person_id"],
                              unique=False)
    now = datetime.now(UTC)
    people = sa.table("people", sa.column("id", sa.Integer()),
                      sa.column("away_until", sa.Date()))
    rows = op.get_bind().execute(sa.select(people.c.id, people.c.away_until).where(
        people.c.away_until.is_not(None), people.c.away_until >= now.date())).all()
    if rows:
        op.bulk_insert(away, [{"person_id": pid, "starts_on": now.date(), "ends_on": until,
                               "created_at": now, "ended_at": None} for pid, until in rows])
    # Not a batch operation: on SQLite that copies and drops `people`, and with foreign
    # keys on, dropping it would cascade into every check-in. Both databases (SQLite
    # since 3.35) drop a plain column in place.
    op.execute("ALTER TABLE people DROP COLUMN away_until")


def downgrade() -> None:
    op.execute("ALTER TABLE people ADD COLUMN away_until DATE")
    # The latest open period's last day is the closest the old column can say.
    op.execute(
        "UPDATE people SET away_until = (SELECT MAX(a.ends_on) FROM away_periods a "
        "WHERE a.person_id = people.id AND a.ended_at IS NULL)")
    with op.batch_alter_table("away_periods", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_away_periods_person_id"))
    op.drop_table("away_periods")
