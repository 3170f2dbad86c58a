"""Derived tables kept current on write: what each flush touched is gathered on the session, and just before
the transaction commits the derived rows are recomputed from it, in the same transaction."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

_INSTALLED: set[str] = set()


def installed(info_key: str) -> bool:
    """Whether the derived table named by `info_key` is kept current by this process's sessions."""
    return info_key in _INSTALLED


def keep_current(info_key: str, new_seeds: Callable[[], Any], collect: Callable[[Session, Any], None],
                 apply: Callable[[Session, Any], None]) -> None:
    """For every ORM session in the process: `collect(session, seeds)` on each flush, `apply(session, seeds)`
    before commit (again while applying flushes more), nothing kept after a rollback. Installed once per key."""
    if info_key in _INSTALLED:
        return
    _INSTALLED.add(info_key)

    def on_flush(session: Session, _flush_context, _instances) -> None:
        collect(session, session.info.setdefault(info_key, new_seeds()))

    def before_commit(session: Session) -> None:
        while True:
            session.flush()
            seeds = session.info.pop(info_key, None)
            if not seeds:
                return
            apply(session, seeds)

    def forget(session: Session, _previous_transaction) -> None:
        if not session.in_transaction():
            session.info.pop(info_key, None)

    event.listen(Session, "before_flush", on_flush)
    event.listen(Session, "before_commit", before_commit)
    event.listen(Session, "after_soft_rollback", forget)
