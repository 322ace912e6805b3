"""crm_imports.rows_digest: a digest of the rows each imported file brought

A CRM export saved again under another name (Excel re-saving it with CRLF, other quoting,
`12500` for `12,500.00`, its columns in another order) was imported as a new file, and its
every figure counted twice: files were compared by their bytes only. Each import now
records a digest of its rows (person, metric, day or week, value, as a multiset), and a
file with the same rows as another is not imported again. Existing imports are
back-filled from the rows they stored.

Revision ID: 0010_crmtwin
Revises: 0009_pgsum
Create Date: 2026-11-30
"""

import hashlib
import json
from datetime import date

from alembic import op
import sqlalchemy as sa


revision = '0010_crmtwin'
down_revision = "0009_pgsum"
branch_labels = None
depends_on = None


def _digest(rows: list[tuple[str, str, date | str | None, str, float]]) -> str:
    # storage.goals.rows_digest as of this revision, kept here as it was: a migration
    # must compute what the code of its day computed.
    keys = []
    for person_key, metric, day, week, value in rows:
        if isinstance(day, str):  # (SQLite through a plain Core query)
            day = date.fromisoformat(day[:10])
        v = round(float(value), 6) + 0.0
        keys.append((person_key, metric, day.isoformat() if day else "", week, f"{v:.6f}"))
    keys.sort()
    return hashlib.sha256(json.dumps(keys, ensure_ascii=False).encode()).hexdigest()


def upgrade() -> None:
    with op.batch_alter_table('crm_imports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rows_digest', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_crm_imports_rows_digest', ['rows_digest'], unique=False)
    bind = op.get_bind()
    actuals = sa.table('crm_actuals', sa.column('import_id', sa.Integer),
                       sa.column('person_key', sa.String), sa.column('metric', sa.String),
                       sa.column('day', sa.Date), sa.column('week', sa.String),
                       sa.column('value', sa.Float))
    imports = sa.table('crm_imports', sa.column('id', sa.Integer),
                       sa.column('rows_digest', sa.String))
    for (import_id,) in bind.execute(sa.select(imports.c.id)).all():
        # One file's rows at a time: years of imports need not fit in memory at once.
        rows = bind.execute(sa.select(
            actuals.c.person_key, actuals.c.metric, actuals.c.day, actuals.c.week,
            actuals.c.value).where(actuals.c.import_id == import_id)).all()
        bind.execute(imports.update().where(imports.c.id == import_id)
                     .values(rows_digest=_digest([tuple(r) for r in rows])))


def downgrade() -> None:
    with op.batch_alter_table('crm_imports', schema=None) as batch_op:
        batch_op.drop_index('ix_crm_imports_rows_digest')
        batch_op.drop_column('rows_digest')
