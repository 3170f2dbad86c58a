"""rights holder, model aliases, the derivatives term

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 12:40:00
"""
import json

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

_ID = sa.String(length=200).with_variant(sa.String(length=200, collation='C'), 'postgresql')
_ND_SOURCE = "https://creativecommons.org/licenses/"


def _derivatives_fact(licence_id: str) -> dict:
    """The new term for a licence recorded before it existed: settled for the CC NoDerivatives family only."""
    if "-ND-" in licence_id.upper() + "-" or licence_id.upper().endswith("-ND"):
        return {"value": "forbidden", "source": _ND_SOURCE,
                "note": "NoDerivatives: adapted material may not be shared."}
    return {"value": "unknown", "source": None,
            "note": "Recorded before the derivatives term existed; reload the catalogue or set it."}


def upgrade() -> None:
    op.add_column('language_models', sa.Column('rights_holder', sa.String(length=200), nullable=True))
    op.create_index('ix_language_models_lower_id', 'language_models', [sa.text('lower(id)')], unique=False)
    op.create_table(
        'model_aliases',
        sa.Column('alias_key', _ID, nullable=False),
        sa.Column('alias', sa.String(length=200), nullable=False),
        sa.Column('model_id', _ID, nullable=False),
        sa.ForeignKeyConstraint(['model_id'], ['language_models.id'],
                                name=op.f('fk_model_aliases_model_id_language_models'), ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('alias_key', name=op.f('pk_model_aliases')),
    )
    op.create_index(op.f('ix_model_aliases_model_id'), 'model_aliases', ['model_id'], unique=False)
    licences = sa.table('licences', sa.column('id', sa.String), sa.column('terms', sa.JSON))
    connection = op.get_bind()
    for licence_id, terms in connection.execute(sa.select(licences.c.id, licences.c.terms)).all():
        terms = json.loads(terms) if isinstance(terms, str) else dict(terms or {})
        if "derivatives" in terms:
            continue
        terms["derivatives"] = _derivatives_fact(licence_id)
        connection.execute(licences.update().where(licences.c.id == licence_id).values(terms=terms))


def downgrade() -> None:
    op.drop_index(op.f('ix_model_aliases_model_id'), table_name='model_aliases')
    op.drop_table('model_aliases')
    op.drop_index('ix_language_models_lower_id', table_name='language_models')
    with op.batch_alter_table('language_models') as batch:
        batch.drop_column('rights_holder')
