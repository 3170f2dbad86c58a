"""model conflicts kept on write

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03 12:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def _id(length: int):
    return sa.String(length=length).with_variant(sa.String(length=length, collation='C'), 'postgresql')


def upgrade() -> None:
    op.create_table('model_conflicts',
    sa.Column('model_id', _id(200), nullable=False),
    sa.Column('declared_licence', sa.String(length=1000), nullable=True),
    sa.Column('conflicts', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['language_models.id'], name=op.f('fk_model_conflicts_model_id_language_models'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('model_id', name=op.f('pk_model_conflicts'))
    )
    op.create_table('model_conflict_licences',
    sa.Column('model_id', _id(200), nullable=False),
    sa.Column('licence_id', _id(128), nullable=False),
    sa.ForeignKeyConstraint(['model_id'], ['model_conflicts.model_id'], name=op.f('fk_model_conflict_licences_model_id_model_conflicts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('model_id', 'licence_id', name=op.f('pk_model_conflict_licences'))
    )
    with op.batch_alter_table('model_conflict_licences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_model_conflict_licences_licence_id'), ['licence_id'], unique=False)
    # Existing records: compute every model's conflicts once (later writes keep the table current).
    from sqlalchemy.orm import Session

    from api.store.conflict_index import rebuild_all

    session = Session(bind=op.get_bind())
    rebuild_all(session, with_bindings=False)
    session.flush()


def downgrade() -> None:
    with op.batch_alter_table('model_conflict_licences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_model_conflict_licences_licence_id'))
    op.drop_table('model_conflict_licences')
    op.drop_table('model_conflicts')
