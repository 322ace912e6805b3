"""oneonone_pair_ends: when the org file ended a pair's regular 1:1

A pair switched off (`enabled: false`) and later back on left nothing the summary reads:
only the outbox's notice of the end ("oo:ended:…"), which it never read (and which
`teampulse erase` deletes with the messages to the person erased). A slot the pair missed before the switch-off was then called overdue
again once the pair was back on. Each end the bot reads from the org file (switched off,
another manager, one side taken out) is now kept here, told or not.

Backfill: the ends the bot told while the notices are still in the outbox, one per pair
and notice (its first copy's time). Nothing else is known: an end nobody was told of (no
meeting to come) or whose notice an erase deleted is not invented.

Revision ID: 0023_pairends
Revises: 0022_answerwas
Create Date: 2026-12-07
"""

import sqlalchemy as sa
from alembic import op

revision = '0023_pairends'
down_revision = "0022_answerwas"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'oneonone_pair_ends',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('manager_id', sa.Integer(), nullable=False),
        sa.Column('report_id', sa.Integer(), nullable=False),
        sa.Column('ended_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['manager_id'], ['people.id'], ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['report_id'], ['people.id'], ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('oneonone_pair_ends', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_oneonone_pair_ends_report_id'), ['report_id'],
                              unique=False)
    conn = op.get_bind()
    people = {row[0] for row in conn.execute(sa.text("SELECT id FROM people"))}
    # oo:ended:<manager id>:<report id>:<new manager id, 0: none>:<occurrence>:<person id>:
    # one notice per pair and change, sent to each side (the first copy's time is when).
    first: dict[str, tuple[int, int, object]] = {}
    for key, at in conn.execute(sa.text(
            "SELECT dedupe_key, created_at FROM outbox WHERE dedupe_key LIKE 'oo:ended:%' "
            "AND created_at IS NOT NULL ORDER BY created_at")):
        parts = key.split(":")
        if len(parts) != 7 or not (parts[2].isdigit() and parts[3].isdigit()):
            continue
        manager, report = int(parts[2]), int(parts[3])
        notice = ":".join(parts[:6])
        if manager in people and report in people and notice not in first:
            first[notice] = (manager, report, at)
    # (The time as the outbox holds it: a string on SQLite, a timestamp on PostgreSQL.)
    for manager, report, at in first.values():
        conn.execute(sa.text("INSERT INTO oneonone_pair_ends (manager_id, report_id, "
                             "ended_at) VALUES (:m, :r, :at)"),
                     {"m": manager, "r": report, "at": at})


def downgrade() -> None:
    with op.batch_alter_table('oneonone_pair_ends', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_oneonone_pair_ends_report_id'))
    op.drop_table('oneonone_pair_ends')
