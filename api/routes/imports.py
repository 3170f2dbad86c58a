"""/v1/import: Hugging Face model cards."""

from dataclasses import asdict
from pathlib import PurePosixPath

from flask import request
from flask.views import MethodView
from marshmallow import ValidationError

from api.http.errors import Problem
from api.http.openapi import PedigreeBlueprint as Blueprint
from api.http.watchdog import watchdog
from api.store.db import get_session
from api.store.imports import CardInput, import_cards
from schemas.imports import MAX_CARD_BYTES, MAX_CARDS, ImportRequestSchema, ImportResponseSchema

MAX_ATOMIC_CARDS = 20
DEADLINE_MARGIN = 2.0  # stop starting cards this long before the request deadline, to answer in time

blp = Blueprint("imports", __name__, url_prefix="/v1/import", description="Bring models in from their model cards.")

_MULTIPART_DOC = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/ImportRequest"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["cards"],
                    "properties": {
                        "cards": {"type": "array", "items": {"type": "string", "format": "binary"},
                                  "description": "README.md files named `org__name.md` (or `name.md` for a "
                                  "legacy id); the file name gives the repo id."},
                        "atomic": {"type": "boolean"},
                    },
                }
            },
        },
    }
}


def card_id_from_filename(filename: str) -> str:
    """`NousResearch__Nous-Hermes-Llama2-13b.md` → `NousResearch/Nous-Hermes-Llama2-13b`."""
    stem = PurePosixPath(filename.replace("\\", "/")).name
    if stem.lower().endswith(".md"):
        stem = stem[:-3]
    return stem.replace("__", "/", 1)


def _cards_from_request() -> tuple[list[CardInput], bool]:
    if request.mimetype == "multipart/form-data":
        files = request.files.getlist("cards")
        if not files:
            raise Problem(422, "Send the cards as files in the multipart field 'cards'.", kind="validation-error",
                          errors={"cards": ["Missing data for required field."]})
        if len(files) > MAX_CARDS:
            raise Problem(422, f"At most {MAX_CARDS} cards per request.", kind="validation-error",
                          errors={"cards": [f"Longer than maximum length {MAX_CARDS}."]})
        cards = []
        for upload in files:
            raw = upload.read(MAX_CARD_BYTES + 1)
            if len(raw) > MAX_CARD_BYTES:
                raise Problem(413, f"Card '{upload.filename}' is larger than {MAX_CARD_BYTES // 1024} KiB.",
                              kind="too-large")
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                text = "\x00not utf-8"
            cards.append(CardInput(id=card_id_from_filename(upload.filename or ""), content=text))
        raw = request.form.get("atomic", "false")
        if raw not in ("true", "false"):
            raise Problem(422, "'atomic' must be true or false.", kind="validation-error",
                          errors={"atomic": ["Not a valid boolean."]})
        return cards, raw == "true"
    body = request.get_json(silent=True)
    if body is None:
        raise Problem(400, "Send JSON ({\"cards\": [...]}) or multipart/form-data with files in 'cards'.",
                      kind="malformed-request")
    try:
        data = ImportRequestSchema().load(body)
    except ValidationError as error:
        raise Problem(422, "The import request is not valid.", kind="validation-error", errors=error.messages) from None
    return [CardInput(**card) for card in data["cards"]], data["atomic"]


@blp.route("/model-cards")
class ModelCards(MethodView):
    @blp.doc(**_MULTIPART_DOC)
    @blp.response(200, ImportResponseSchema)
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY",
                      description="The request is malformed, or `atomic` and a card failed (nothing written).")
    @blp.requires("write")
    def post(self):
        """Create or update models from Hugging Face model cards (YAML front matter).

        Reads `license` (`other` with `license_name`/`license_link`), `base_model`, `base_model_relation`
        (inferred as the Hub does when absent: several bases → merge), `datasets` and `model_name`.
        Unknown base models and datasets become placeholder records, reported per card. A card that
        cannot be read is reported with its reason; the others still import unless `atomic` is true.
        """
        cards, atomic = _cards_from_request()
        if atomic and len(cards) > MAX_ATOMIC_CARDS:
            raise Problem(422, f"An atomic import holds the write lock throughout: at most {MAX_ATOMIC_CARDS} cards "
                          "(send more without 'atomic'; they are committed in short batches).",
                          kind="validation-error", errors={"cards": [f"Longer than {MAX_ATOMIC_CARDS} with atomic."]})
        deadline = watchdog.deadline()
        session = get_session()
        try:
            results, failed = import_cards(session, cards, atomic=atomic,
                                           deadline=deadline - DEADLINE_MARGIN if deadline and not atomic else None)
            if atomic and failed:
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
        body = {
            "atomic": atomic,
            "summary": {
                "created": sum(r.status == "created" for r in results),
                "updated": sum(r.status == "updated" for r in results),
                "failed": sum(r.status == "error" for r in results),
                "placeholder_models": sum(len(r.placeholders["models"]) for r in results),
                "placeholder_datasets": sum(len(r.placeholders["datasets"]) for r in results),
            },
            "results": [asdict(r) for r in results],
        }
        if atomic and failed:
            reasons = "; ".join(f"{r.id}: {r.reason}" for r in results if r.status == "error")
            raise Problem(422, f"Nothing imported (atomic): {reasons}", kind="import-failed",
                          results=body["results"])
        return body
