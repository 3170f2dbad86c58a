"""hub records: the commit and fetch time of models read from the Hugging Face Hub

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 13:00:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None

_ID = sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table(
        'hub_records',
        sa.Column('model_id', _ID, nullable=False),
        sa.Column('sha', sa.String(length=64), nullable=True),
        sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('gated', sa.String(length=16), nullable=True),
        sa.Column('reason', sa.String(length=1000), nullable=True),
        sa.Column('url', sa.String(length=2000), nullable=True),
        sa.ForeignKeyConstraint(['model_id'], ['language_models.id'],
                                name=op.f('fk_hub_records_model_id_language_models'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('model_id', name=op.f('pk_hub_records')),
    )
    op.create_index(op.f('ix_hub_records_fetched_at'), 'hub_records', ['fetched_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_hub_records_fetched_at'), table_name='hub_records')
    op.drop_table('hub_records')
