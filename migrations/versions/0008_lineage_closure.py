"""lineage closure and descendant counts, kept on write

Revision ID: 0008_closure
Revises: 0007_spelling
Create Date: 2026-12-03 20:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0008_closure'
down_revision = '0007_spelling'
branch_labels = None
depends_on = None


def _id(length: int):
    return sa.String(length=length).with_variant(sa.String(length=length, collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table('lineage_closure',
    sa.Column('ancestor_id', _id(200), nullable=False),
    sa.Column('descendant_id', _id(200), nullable=False),
    sa.Column('depth', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('ancestor_id', 'descendant_id', name=op.f('pk_lineage_closure'))
    )
    with op.batch_alter_table('lineage_closure', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_lineage_closure_descendant_id'), ['descendant_id'], unique=False)
    op.create_table('descendant_counts',
    sa.Column('model_id', _id(200), nullable=False),
    sa.Column('descendants', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('model_id', name=op.f('pk_descendant_counts'))
    )
    # Existing records: compute the closure once (later writes keep it current).
    from sqlalchemy.orm import Session

    from api.store.closure import rebuild_all

    session = Session(bind=op.get_bind())
    rebuild_all(session)
    session.flush()


def downgrade() -> None:
    op.drop_table('descendant_counts')
    with op.batch_alter_table('lineage_closure', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_lineage_closure_descendant_id'))
    op.drop_table('lineage_closure')
