"""The use form on a model page: read from the query string, checked, turned into an engine `Use`."""

from __future__ import annotations

from dataclasses import dataclass, field

from werkzeug.datastructures import MultiDict

from api.domain.verdicts import Use
from api.web import engine

MAX_USERS = 10**12


@dataclass
class UseForm:
    submitted: bool = False
    commercial: bool = False
    users: str = ""
    redistribute: bool = False
    outputs: bool = False
    strict: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def users_count(self) -> int | None:
        return int(self.users) if self.users and "users" not in self.errors else None

    def use(self) -> Use:
        """A ticked box asks the question; an empty box leaves it out (not asked)."""
        return engine.use(
            commercial=True if self.commercial else None,
            monthly_active_users=self.users_count,
            redistribute_weights=True if self.redistribute else None,
            train_other_models_on_outputs=True if self.outputs else None,
            strict=self.strict,
        )


def read_use_form(args: MultiDict) -> UseForm:
    form = UseForm(
        submitted="evaluate" in args,
        commercial="commercial" in args,
        users=args.get("users", "").strip().replace(",", "").replace("_", ""),
        redistribute="redistribute" in args,
        outputs="outputs" in args,
        strict=args.get("training_data") == engine.STRICT,
    )
    if form.users:
        if not form.users.isdigit() or not form.users.isascii():
            form.errors["users"] = "Enter a whole number of monthly active users (digits only), or leave it empty."
        elif int(form.users) > MAX_USERS:
            form.errors["users"] = f"Enter at most {MAX_USERS:,} monthly active users."
    if args.get("training_data") not in (None, "", engine.STRICT):
        form.errors["training_data"] = "training_data can only be 'strict' (or left out)."
    return form
