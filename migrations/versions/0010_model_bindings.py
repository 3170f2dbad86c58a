"""model bindings: the lineage walk's result per model, kept on write with the conflicts

Revision ID: 0010_bindings
Revises: 0009_generation
Create Date: 2026-12-06 11:10:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0010_bindings'
down_revision = '0009_generation'
branch_labels = None
depends_on = None


def _id(length: int):
    return sa.String(length=length).with_variant(sa.String(length=length, collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table('model_bindings',
    sa.Column('model_id', _id(200), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['language_models.id'], name=op.f('fk_model_bindings_model_id_language_models'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('model_id', name=op.f('pk_model_bindings'))
    )
    # Existing records: every model's bindings once (the conflicts are current already); later writes keep them.
    from sqlalchemy.orm import Session

    from api.store.conflict_index import rebuild_all

    session = Session(bind=op.get_bind())
    rebuild_all(session, with_conflicts=False)
    session.flush()


def downgrade() -> None:
    op.drop_table('model_bindings')
