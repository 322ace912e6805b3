"""checkin_rounds.snapshot_key: a round names its question snapshot by a hash; an index
covering the summaries' reads of rounds

Rounds asked the same questions share a key, so the summary reads one snapshot per key
instead of thousands of identical JSON texts. Existing rows are back-filled with the same
function new rows use (storage/snapshot_keys.py), on SQLite and PostgreSQL alike: the
JSON is parsed and hashed in Python (PostgreSQL's `json` type has no equality, and a hash
of its text would not match the canonical form of rows written later).

Revision ID: 0006_sumspeed
Revises: 0005_sumperf
Create Date: 2026-11-29
"""

import json

from alembic import op
import sqlalchemy as sa

from storage.snapshot_keys import KEY_LENGTH, snapshot_key


revision = '0006_sumspeed'
down_revision = "0005_sumperf"
branch_labels = None
depends_on = None

BATCH = 2000


def upgrade() -> None:
    with op.batch_alter_table('checkin_rounds', schema=None) as batch_op:
        batch_op.add_column(sa.Column('snapshot_key', sa.String(length=KEY_LENGTH),
                                      nullable=True))
    conn = op.get_bind()
    rounds = sa.table('checkin_rounds', sa.column('id', sa.Integer),
                      sa.column('questions', sa.Text), sa.column('snapshot_key', sa.String))
    keys: dict[str, str] = {}  # stored text -> key: identical texts are hashed once
    last = 0
    while True:
        rows = conn.execute(sa.select(rounds.c.id, sa.cast(rounds.c.questions, sa.Text))
                            .where(rounds.c.id > last).order_by(rounds.c.id)
                            .limit(BATCH)).all()
        if not rows:
            break
        updates = []
        for rid, text in rows:
            key = keys.get(text)
            if key is None:
                key = keys[text] = snapshot_key(json.loads(text) if text else [])
            updates.append({"rid": rid, "key": key})
        conn.execute(sa.update(rounds).where(rounds.c.id == sa.bindparam("rid"))
                     .values(snapshot_key=sa.bindparam("key")), updates)
        last = rows[-1][0]
    with op.batch_alter_table('checkin_rounds', schema=None) as batch_op:
        batch_op.alter_column('snapshot_key', existing_type=sa.String(length=KEY_LENGTH),
                              nullable=False)
        batch_op.create_index(batch_op.f('ix_checkin_rounds_snapshot_key'), ['snapshot_key'],
                              unique=False)
        # Covering for the summaries' reads of a window of weeks (the rows are kilobytes
        # of JSON each; the index holds the few columns they need).
        batch_op.create_index('ix_checkin_rounds_summary',
                              ['week', 'person_id', 'status', 'team', 'prompted_at',
                               'submitted_at', 'snapshot_key'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('checkin_rounds', schema=None) as batch_op:
        batch_op.drop_index('ix_checkin_rounds_summary')
        batch_op.drop_index(batch_op.f('ix_checkin_rounds_snapshot_key'))
        batch_op.drop_column('snapshot_key')
