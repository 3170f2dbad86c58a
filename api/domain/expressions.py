"""SPDX licence expressions: parse, validate against known licences, normalise, and walk.

Pure functions over `license-expression`; the caller supplies how licence names resolve.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Union

from license_expression import AND, OR, ExpressionError, LicenseSymbol, LicenseWithExceptionSymbol, Licensing

from api.domain.vocabulary import LICENCE_ID_RE

_PARSER = Licensing()

# A parsed expression as plain data: a licence id, or ("AND" | "OR", [sub-expressions]).
ExpressionTree = Union[str, tuple[str, list["ExpressionTree"]]]


class InvalidExpression(ValueError):
    """The text is not a well-formed licence expression."""


@dataclass(frozen=True)
class UnknownLicences(ValueError):
    """The expression names licences the resolver does not know."""

    names: tuple[str, ...]

    def __str__(self) -> str:
        return "unknown licence id(s): " + ", ".join(self.names)


def licence_names(text: str) -> list[str]:
    """The licence names an expression mentions, in order of first appearance."""
    if not isinstance(text, str) or not text.strip():
        raise InvalidExpression("a licence expression must be a non-empty string")
    return list(_licence_names(text))


# Parsing is the slow part of a lineage walk (the same few expressions recur on every node), and a
# pure function of the text: remember recent answers. Errors are not cached; they are raised again.
@lru_cache(maxsize=4096)
def _licence_names(text: str) -> tuple[str, ...]:
    try:
        parsed = _PARSER.parse(text, strict=True)
    except ExpressionError as error:
        raise InvalidExpression(str(error)) from None
    except Exception as error:  # the parser raises bare ParseError for some inputs
        raise InvalidExpression(f"not a licence expression: {error}") from None
    symbols = _PARSER.license_symbols(parsed, unique=True, decompose=False)
    names: list[str] = []
    for symbol in symbols:
        if isinstance(symbol, LicenseWithExceptionSymbol):
            raise InvalidExpression("WITH exceptions are not supported; name the licence alone")
        if not LICENCE_ID_RE.fullmatch(symbol.key):
            raise InvalidExpression(f"'{symbol.key}' is not a licence id (letters, digits, '.', '-', '+')")
        names.append(symbol.key)
    return tuple(names)


def normalise(text: str, resolve: Callable[[Iterable[str]], dict[str, str]]) -> tuple[str, list[str]]:
    """Return the expression with canonical licence ids, and those ids.

    `resolve` maps each lower-cased name it knows (licence id or alias) to the canonical id.
    Raises InvalidExpression for bad syntax and UnknownLicences naming every unknown name.
    """
    names = licence_names(text)
    known = resolve([name.lower() for name in names])
    unknown = tuple(name for name in names if name.lower() not in known)
    if unknown:
        raise UnknownLicences(unknown)
    canonical = {name.lower(): known[name.lower()] for name in names}
    by_id: dict[str, set[str]] = {}
    for name in names:
        by_id.setdefault(canonical[name.lower()], set()).add(name)
    symbols = [
        LicenseSymbol(key=licence_id, aliases=tuple(sorted(spellings - {licence_id})))
        for licence_id, spellings in by_id.items()
    ]
    licensing = Licensing(symbols)
    parsed = licensing.parse(text, strict=True)
    rendered = parsed.render("{symbol.key}")
    ids = list(dict.fromkeys(canonical[name.lower()] for name in names))
    return rendered, ids


def tree(text: str) -> ExpressionTree:
    """Parse a (normalised) expression into nested plain data."""
    licence_names(text)
    return _tree(text)


@lru_cache(maxsize=4096)
def _tree(text: str) -> ExpressionTree:
    return _to_tree(_PARSER.parse(text, strict=True))


def _to_tree(node) -> ExpressionTree:
    if isinstance(node, LicenseSymbol):
        return node.key
    if isinstance(node, AND):
        return ("AND", [_to_tree(arg) for arg in node.args])
    if isinstance(node, OR):
        return ("OR", [_to_tree(arg) for arg in node.args])
    raise InvalidExpression(f"unsupported expression node {node!r}")


MAX_ALTERNATIVES = 64


def alternatives(text: str) -> list[list[str]]:
    """The expression as a choice of licence sets (disjunctive normal form): OR offers a choice, AND needs all.

    `A AND (B OR C)` → [[A, B], [A, C]]. Raises InvalidExpression past MAX_ALTERNATIVES choices.
    """
    return _dnf(tree(text))


def _dnf(node: ExpressionTree) -> list[list[str]]:
    if isinstance(node, str):
        return [[node]]
    operator, parts = node
    if operator == "OR":
        result = [choice for part in parts for choice in _dnf(part)]
    else:
        result = [[]]
        for part in parts:
            result = [sorted(set(left + right)) for left in result for right in _dnf(part)]
            if len(result) > MAX_ALTERNATIVES:
                break
    if len(result) > MAX_ALTERNATIVES:
        raise InvalidExpression(f"expression offers more than {MAX_ALTERNATIVES} alternatives")
    unique: list[list[str]] = []
    for choice in result:
        choice = sorted(set(choice))
        if choice not in unique:
            unique.append(choice)
    return unique
