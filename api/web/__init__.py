"""The web view for people: search, model pages with the lineage drawn, licence pages, a use form.

Server-rendered Jinja templates and one stylesheet; no JavaScript, nothing fetched from elsewhere.
"""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import quote, urlsplit

from flask import Blueprint, Flask, Response, render_template, request
from markupsafe import Markup

from api.domain.errors import DomainError
from api.http.errors import Problem, problem_of, problem_response
from api.web import words

blp = Blueprint("web", __name__, template_folder="templates", static_folder="static",
                static_url_path="/web-static")

# Pages draw only on this origin's stylesheet; no script runs, no frame embeds them.
CONTENT_SECURITY_POLICY = ("default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
                           "frame-ancestors 'none'; base-uri 'none'")


def model_url(model_id: str, **query: str) -> str:
    url = "/models/" + quote(model_id, safe="/")
    return url + ("?" + "&".join(f"{quote(k)}={quote(str(v))}" for k, v in query.items()) if query else "")


def licence_url(licence_id: str) -> str:
    return "/licenses/" + quote(licence_id, safe="")


def safe_href(url: str | None) -> str | None:
    """Only http(s) URLs become links: a stored `javascript:` URL is shown as text, never followed."""
    if not url or urlsplit(url).scheme.lower() not in ("http", "https"):
        return None
    return url


def wants_html() -> bool:
    best = request.accept_mimetypes.best_match(["text/html", "application/json", "application/problem+json"])
    return best == "text/html"


def error_page(status: int, detail: str) -> Response:
    body = render_template("error.html", status=status, detail=detail)
    return Response(body, status=status, mimetype="text/html")


@blp.app_template_global()
@lru_cache(maxsize=64)
def verdict_badge_data(verdict: str) -> dict[str, str]:
    return {"css": verdict.replace("_", "-"), "word": words.verdict_words(verdict),
            "symbol": words.verdict_symbol(verdict)}


@blp.app_template_global()
@lru_cache(maxsize=256)
def badge(verdict: str, prefix: str = "") -> Markup:
    """A verdict badge: colour, a symbol and a word (built in Python: drawn up to a hundred times a page)."""
    data = verdict_badge_data(verdict)
    return Markup('<span class="badge verdict-{}"><span aria-hidden="true">{}</span> {}{}</span>').format(
        data["css"], data["symbol"], prefix, data["word"])


@blp.app_template_global()
@lru_cache(maxsize=8192)
def model_link(model_id: str) -> Markup:
    return Markup('<a href="{}">{}</a>').format(model_url(model_id), model_id)


@blp.errorhandler(DomainError)
@blp.errorhandler(Problem)
def _problem(error: Problem | DomainError):
    """People get a page, programs the usual problem+json."""
    if isinstance(error, DomainError):
        error = problem_of(error)
    if wants_html():
        return error_page(error.status, error.detail)
    response = problem_response(error.status, error.detail, kind=error.kind, title=error.title, **error.extensions)
    response.headers.update(error.headers)
    return response


@blp.after_request
def _headers(response: Response) -> Response:
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
    return response


def init_app(app: Flask) -> None:
    from api.web import pages  # noqa: F401  (registers the routes on the blueprint)

    app.jinja_env.globals.update(model_url=model_url, licence_url=licence_url, safe_href=safe_href,
                                 term_label=words.term_label, value_words=words.value_words,
                                 verdict_words=words.verdict_words, role_words=words.ROLE_WORDS,
                                 binds_words=words.binds_words, ordered_terms=words.ordered_terms)
    app.register_blueprint(blp)
