"""Terms, values and verdicts in words for people (the web view never shows a bare code or a colour alone)."""

from __future__ import annotations

from typing import Any

TERM_LABELS = {
    "commercial_use": "Commercial use",
    "research_only": "Research use only",
    "max_monthly_active_users": "Monthly active users cap",
    "redistribution": "Redistributing the weights",
    "outputs_train_other_models": "Training other models on outputs",
    "share_alike": "Derivatives must keep the licence (share-alike)",
    "attribution": "Notices to show",
    "derivative_name_prefix": "Derivative names must begin with",
    "use_restrictions": "Use policies to comply with and pass on",
    "include_license_text": "Include the licence text",
    "derivatives": "Sharing adapted versions (derivatives)",
}

VERDICT_WORDS = {
    "permitted": "Permitted",
    "permitted_with_obligations": "Permitted with obligations",
    "forbidden": "Forbidden",
    "unknown": "Unknown",
}
# A symbol beside the word, so that the verdict reads without colour (and in a monochrome print).
VERDICT_SYMBOLS = {
    "permitted": "✓",
    "permitted_with_obligations": "!",
    "forbidden": "✗",
    "unknown": "?",
}

ROLE_WORDS = {
    "declared": "declared licence",
    "ancestor": "ancestor",
    "training_data": "training data",
    "generator": "generator of training data",
}


def ordered_terms(terms: dict | None) -> list[tuple[str, Any]]:
    """A licence's terms in the usual reading order, any term this module does not know last."""
    terms = terms or {}
    known = [(t, terms[t]) for t in TERM_LABELS if t in terms]
    return known + sorted((t, v) for t, v in terms.items() if t not in TERM_LABELS)


def term_label(term: str) -> str:
    return TERM_LABELS.get(term, term.replace("_", " ").capitalize())


def value_words(term: str, value: Any) -> str:
    """One term's value as a phrase: 'forbidden', 'no cap', 'yes', 'none', 'not known'."""
    if value == "unknown":
        return "not known"
    if term == "max_monthly_active_users":
        return "no cap" if value is None else f"{value:,}"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return "; ".join(value) if value else "none"
    if value is None:
        return "none"
    return str(value)


def verdict_words(verdict: str) -> str:
    return VERDICT_WORDS.get(verdict, verdict)


def verdict_symbol(verdict: str) -> str:
    return VERDICT_SYMBOLS.get(verdict, "?")


def binds_words(binds: dict | None) -> str:
    value = (binds or {}).get("value", "unknown")
    if value is True:
        return "yes: its terms flow to models derived from it"
    if value is False:
        return "no: it passes on only its notice and licence-text duties"
    return "not known"
