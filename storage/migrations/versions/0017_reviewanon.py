"""review_answers: random keys and, on SQLite, no rowid — an answer's id no longer says when

A 360° review's answers had sequential ids (and, on SQLite, rowids) in the order they
were stored: a peer's or a report's anonymous answer could be paired with its rater by
matching that order with the order of the raters' next questions in the outbox (a
database copy, a backup). Answers now have random keys, as pulse votes do (0003_pulse),
and the SQLite table is WITHOUT ROWID.

Answers stored before this upgrade are copied into the new table in random order, each
with a new random key, so no trace of the old order stays (on PostgreSQL, nor their
places in the table, nor the transactions that wrote them: one statement writes all).
Ratings, comments, groups and criteria are kept as they were: every report reads the same.

Revision ID: 0017_reviewanon
Revises: 0016_joined
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = '0017_reviewanon'
down_revision = "0016_joined"
branch_labels = None
depends_on = None

_COLUMNS = "round_id, rater_group, rater_key, criterion, rating, comment"


def _table(name: str, key: sa.types.TypeEngine, **options: object) -> None:
    op.create_table(name,
    sa.Column('id', key, nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('rater_group', sa.String(length=16), nullable=False),
    sa.Column('rater_key', sa.String(length=64), nullable=True),
    sa.Column('criterion', sa.String(length=32), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['review_rounds.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    **options
    )


def _swap(copy: str) -> None:
    """Fill review_answers_new by `copy`, then put it in review_answers' place."""
    op.execute(copy)
    with op.batch_alter_table('review_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_answers_round_id'))
    op.drop_table('review_answers')
    op.rename_table('review_answers_new', 'review_answers')
    if op.get_bind().dialect.name == "postgresql":
        # The constraints keep the names they were created with: as the models name them.
        op.execute("ALTER TABLE review_answers RENAME CONSTRAINT review_answers_new_pkey "
                   "TO review_answers_pkey")
        op.execute("ALTER TABLE review_answers RENAME CONSTRAINT "
                   "review_answers_new_round_id_fkey TO review_answers_round_id_fkey")
    with op.batch_alter_table('review_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_answers_round_id'), ['round_id'],
                              unique=False)


def upgrade() -> None:
    _table('review_answers_new', sa.String(length=32), sqlite_with_rowid=False)
    # A random key each (32 hex digits, as the models' secrets.token_hex(16)), written in
    # random order.
    token = ("replace(gen_random_uuid()::text, '-', '')"
             if op.get_bind().dialect.name == "postgresql" else "lower(hex(randomblob(16)))")
    _swap(f"INSERT INTO review_answers_new (id, {_COLUMNS}) "
          f"SELECT {token}, {_COLUMNS} FROM review_answers ORDER BY random()")


def downgrade() -> None:
    _table('review_answers_new', sa.Integer())
    _swap(f"INSERT INTO review_answers_new (id, {_COLUMNS}) "
          f"SELECT ROW_NUMBER() OVER (ORDER BY id), {_COLUMNS} FROM review_answers")
    if op.get_bind().dialect.name == "postgresql":
        # Rows went in with their ids: the next one handed out follows them.
        op.execute("SELECT setval(pg_get_serial_sequence('review_answers', 'id'), "
                   "COALESCE(MAX(id), 0) + 1, false) FROM review_answers")
