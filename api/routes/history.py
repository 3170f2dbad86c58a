"""GET …/{id}/history: the audit log of one record, oldest first. Append-only: no route writes to it."""

from __future__ import annotations

from collections.abc import Callable

from flask.views import MethodView

from api.http.paging import page_body
from api.store import audit
from api.store.db import get_session
from schemas.history import HistoryArgsSchema, HistoryPageSchema


def history_route(blp, rule: str, resource_type: str, id_arg: str, get_record: Callable) -> None:
    """Register GET `rule` on the blueprint, listing the record's audit events (paginated)."""

    class History(MethodView):
        @blp.arguments(HistoryArgsSchema, location="query")
        @blp.response(200, HistoryPageSchema)
        @blp.requires("read")
        def get(self, args, **view_args):
            record_id = view_args[id_arg]
            session = get_session()
            after = args.get("cursor")
            page = audit.history(session, resource_type, record_id, limit=args["limit"], after=after)
            if page.total == 0:
                get_record(session, record_id)  # 404 for a record that never existed
            return page_body(page)

    History.get.__doc__ = (f"Every change to this {resource_type}: who (token name), when, the action, "
                           "and the record before and after. Oldest first.")
    History.__name__ = f"{resource_type.title()}History"
    blp.route(rule, endpoint=f"{resource_type}_history")(History)



