"""goals: CRM actuals imported from report exports; monthly review answers; 360° reviews

Revision ID: 0003_goals
Revises: 0002_kudos
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = '0003_goals'
down_revision = "0003_oneonone"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('crm_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=300), nullable=False),
    sa.Column('content_hash', sa.String(length=64), nullable=False),
    sa.Column('format', sa.String(length=64), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source')
    )
    op.create_table('crm_actuals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('import_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Integer(), nullable=False),
    sa.Column('person_key', sa.String(length=64), nullable=False),
    sa.Column('metric', sa.String(length=64), nullable=False),
    sa.Column('day', sa.Date(), nullable=True),
    sa.Column('week', sa.String(length=10), nullable=False),
    sa.Column('value', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['import_id'], ['crm_imports.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('crm_actuals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_crm_actuals_import_id'), ['import_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_crm_actuals_person_key'), ['person_key'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_crm_actuals_week'), ['week'], unique=False)
    op.create_table('monthly_review_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('month', sa.String(length=7), nullable=False),
    sa.Column('question', sa.String(length=16), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('person_id', 'month', 'question')
    )
    op.create_table('review_rounds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject_key', sa.String(length=64), nullable=False),
    sa.Column('started_by', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('review_rounds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_rounds_subject_key'), ['subject_key'],
                              unique=False)
    op.create_table('review_invites',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('rater_group', sa.String(length=16), nullable=False),
    sa.Column('answered', sa.Integer(), nullable=False),
    sa.Column('done', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['people.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['round_id'], ['review_rounds.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('round_id', 'person_id')
    )
    op.create_table('review_answers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('rater_group', sa.String(length=16), nullable=False),
    sa.Column('rater_key', sa.String(length=64), nullable=True),
    sa.Column('criterion', sa.String(length=32), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['round_id'], ['review_rounds.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('review_answers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_answers_round_id'), ['round_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('review_answers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_answers_round_id'))
    op.drop_table('review_answers')
    op.drop_table('review_invites')
    with op.batch_alter_table('review_rounds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_rounds_subject_key'))
    op.drop_table('review_rounds')
    op.drop_table('monthly_review_answers')
    with op.batch_alter_table('crm_actuals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_crm_actuals_week'))
        batch_op.drop_index(batch_op.f('ix_crm_actuals_person_key'))
        batch_op.drop_index(batch_op.f('ix_crm_actuals_import_id'))
    op.drop_table('crm_actuals')
    op.drop_table('crm_imports')
