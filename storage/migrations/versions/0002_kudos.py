"""kudos: recognition between people of the org

Revision ID: 0002_kudos
Revises: 0001
Create Date: 2026-11-29
"""

from alembic import op
import sqlalchemy as sa


revision = '0002_kudos'
down_revision = "0002_away"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kudos',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('values', sa.JSON(), nullable=False),
    sa.Column('platform', sa.String(length=16), nullable=False),
    sa.Column('chat_id', sa.String(length=128), nullable=True),
    sa.Column('message_id', sa.String(length=128), nullable=True),
    sa.Column('source_key', sa.String(length=300), nullable=True),
    sa.Column('given_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['giver_id'], ['people.id'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recipient_id'], ['people.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('source_key', 'recipient_id')
    )
    with op.batch_alter_table('kudos', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_kudos_giver_id'), ['giver_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_kudos_recipient_id'), ['recipient_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_kudos_given_at'), ['given_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('kudos', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_kudos_given_at'))
        batch_op.drop_index(batch_op.f('ix_kudos_recipient_id'))
        batch_op.drop_index(batch_op.f('ix_kudos_giver_id'))
    op.drop_table('kudos')
