"""data generation: one number every committed write moves, for per-process read caches

Revision ID: 0009_generation
Revises: 0008_closure
Create Date: 2026-12-03 20:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0009_generation'
down_revision = '0008_closure'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('data_generation',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('generation', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_generation'))
    )
    op.bulk_insert(table, [{'id': 1, 'generation': 1}])


def downgrade() -> None:
    op.drop_table('data_generation')
