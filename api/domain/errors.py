"""What the records cannot do, in the domain's words; `api.http.errors` maps each to problem+json in one table.

The store, the catalogue loader and the CLIs raise and catch these, never HTTP errors.
"""

from __future__ import annotations

from typing import Any

# How to get a model that is not recorded (the Hub off, or it could not be asked).
MODEL_HINT = (". To get it, enable the Hub (PEDIGREE_HUB=on-demand) so that any public Hugging Face model is "
              "fetched on first read, or import its model card (POST /v1/import/model-cards).")


class DomainError(Exception):
    """A request the records cannot satisfy; `detail` says why, `extensions` carry structured details."""

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class NotFound(DomainError):
    """No record by that id (or no such edge)."""

    @classmethod
    def record(cls, what: str, identifier: str) -> NotFound:
        return cls(f"{what} '{identifier}' does not exist" + (MODEL_HINT if what == "model" else ""))


class AlreadyExists(DomainError):
    """The id (or the edge, or the alias) is already recorded."""


class Clash(DomainError):
    """A name that is already taken by another record in a shared namespace (a licence alias)."""


class InUse(DomainError):
    """Other records still name this one; remove those first."""


class Cycle(DomainError):
    """The parent edge would close a cycle; `cycle` lists it."""


class InvalidReferences(DomainError):
    """The record names records that do not exist; `errors` maps fields to messages."""


class InvalidValue(DomainError):
    """A value that is well-formed but not acceptable (an unknown licence id, a wrong history)."""
