"""license spelling: the kept conflicts (JSON) name `license` and `declared_license`, as the API now does

Revision ID: 0007_spelling
Revises: 0006
Create Date: 2026-12-03 16:30:00
"""
import sqlalchemy as sa
from alembic import op

revision = '0007_spelling'
down_revision = '0006'
branch_labels = None
depends_on = None

_CONFLICTS = sa.table('model_conflicts', sa.column('model_id', sa.String), sa.column('conflicts', sa.JSON))
_NEW = {'licence': 'license', 'declared_licence': 'declared_license', 'licences': 'licenses'}


def _respelt(value, names):
    if isinstance(value, dict):
        return {names.get(key, key): _respelt(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [_respelt(item, names) for item in value]
    return value


def _rewrite(names) -> None:
    connection = op.get_bind()
    for model_id, conflicts in connection.execute(sa.select(_CONFLICTS.c.model_id, _CONFLICTS.c.conflicts)).all():
        connection.execute(_CONFLICTS.update().where(_CONFLICTS.c.model_id == model_id)
                           .values(conflicts=_respelt(conflicts, names)))


def upgrade() -> None:
    _rewrite(_NEW)


def downgrade() -> None:
    _rewrite({new: old for old, new in _NEW.items()})
