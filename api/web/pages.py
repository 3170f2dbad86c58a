"""The web view's routes (thin: read the request, ask the store and engine, render a template)."""

from __future__ import annotations

from flask import redirect, render_template, request
from sqlalchemy import func, select

from api.http.errors import Problem
from api.store import licences as licence_store
from api.store.common import resolve_model_id, resolve_one_licence
from api.store.db import get_session
from api.store.pages import matching_licence_ids, models_under_licence, search_models
from api.store.snapshots import load_snapshot
from api.store.tables import LanguageModel, Licence
from api.web import blp, engine, licence_url, model_page, model_url
from api.web.forms import read_use_form

RESULTS_PER_PAGE = 20
LICENCE_MODELS_PAGE = 50
MAX_PAGE = 10_000


def _page_number(raw: str | None) -> int:
    if raw in (None, ""):
        return 1
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= MAX_PAGE:
        raise Problem(400, f"'page' must be a whole number from 1 to {MAX_PAGE}.", kind="malformed-request")
    return int(raw)


@blp.get("/")
def index():
    """Search by id, name, organisation or licence."""
    session = get_session()
    q = request.args.get("q", "").strip()
    page = _page_number(request.args.get("page"))
    hits, total, licences, verdicts = [], 0, [], {}
    if q:
        licences = matching_licence_ids(session, q)
        hits, total = search_models(session, q, limit=RESULTS_PER_PAGE, offset=(page - 1) * RESULTS_PER_PAGE,
                                    licences=licences)
        licences = licences[:12]
        if hits:
            snapshot = load_snapshot(session, [hit.id for hit in hits], kept_closure=True)
            verdicts = engine.commercial_verdicts(snapshot, [hit.id for hit in hits])
    counts = {"models": session.scalar(select(func.count()).select_from(LanguageModel)),
              "licences": session.scalar(select(func.count()).select_from(Licence))}
    pages = max(1, -(-total // RESULTS_PER_PAGE))
    return render_template("index.html", q=q, hits=hits, total=total, page=page, pages=pages, licences=licences,
                           verdicts=verdicts, counts=counts, per_page=RESULTS_PER_PAGE)


@blp.get("/models/<repo_id:model_id>")
def model(model_id: str):
    """A model: its record, its lineage drawn, its effective terms, and the use form."""
    session = get_session()
    stored = resolve_model_id(session, model_id)  # any case, or a former id: redirected to the current id
    if stored is None:
        raise Problem(404, f"model '{model_id}' does not exist", kind="not-found")
    if stored != model_id:
        query = request.query_string.decode()
        return redirect(model_url(stored) + (f"?{query}" if query else ""), 301)
    form = read_use_form(request.args)
    after = request.args.get("children_after") or None
    data = model_page.build(session, model_id, form, after)
    status = 422 if form.submitted and not form.valid else 200
    return render_template("model.html", page=data, model_id=model_id), status


@blp.get("/models/<path:anything>")
def not_a_model(anything: str):
    raise Problem(404, f"'{anything}' is not a model id: ids are a Hugging Face repo id such as "
                       "meta-llama/Llama-2-7b-hf, or a legacy name such as gpt2.", kind="not-found")


@blp.get("/licenses/<licence_id:licence_id>")
def licence(licence_id: str):
    """A licence: its terms in words, aliases, source, and the models declared under it (paged)."""
    session = get_session()
    canonical = resolve_one_licence(session, licence_id)
    if canonical and canonical != licence_id:
        return redirect(licence_url(canonical), 301)
    record = licence_store.get_licence(session, licence_id)
    after = request.args.get("after") or None
    models = models_under_licence(session, licence_id, limit=LICENCE_MODELS_PAGE, after=after)
    return render_template("licence.html", licence=record, models=models.items, total=models.total,
                           next_after=models.next_after, after=after)


@blp.get("/licences/<licence_id:licence_id>")
def licence_british(licence_id: str):
    query = request.query_string.decode()
    return redirect(licence_url(licence_id) + (f"?{query}" if query else ""), 301)
