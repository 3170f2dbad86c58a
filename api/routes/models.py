"""/v1/models, with parent and training-data edges as sub-resources."""

from flask.views import MethodView

from api.http.conditional import not_modified, require_if_match, with_etag
from api.http.openapi import PedigreeBlueprint as Blueprint
from api.http.paging import page_body, whole_list
from api.routes.history import history_route
from api.store import models as store
from api.store.common import transaction
from api.store.db import get_session
from api.store.model_reads import read_model
from schemas.common import partial_update
from schemas.models import (
    LanguageModelListArgsSchema,
    LanguageModelPageSchema,
    LanguageModelSchema,
    LanguageModelUpdateSchema,
    ParentRefPageSchema,
    ParentRefSchema,
    TrainingRefPageSchema,
    TrainingRefSchema,
)

blp = Blueprint("models", __name__, url_prefix="/v1/models",
                description="Language models keyed by Hub repo id, with typed parent and training-data edges.")


@blp.route("")
class Models(MethodView):
    @blp.arguments(LanguageModelListArgsSchema, location="query")
    @blp.response(200, LanguageModelPageSchema)
    @blp.requires("read")
    def get(self, args):
        """List models in id order; filter by licence, organisation, direct base model or text."""
        return page_body(store.list_models(get_session(), **args))

    @blp.arguments(LanguageModelSchema)
    @blp.response(201, LanguageModelSchema)
    @blp.alt_response(409, response="CONFLICT", description="The id is taken.")
    @blp.requires("write")
    def post(self, data):
        """Create a model with its parents and datasets in one all-or-nothing write."""
        session = get_session()
        with transaction(session):
            model = store.create_model(session, data)
        return with_etag(model, 201, Location=f"/v1/models/{model.id}")


@blp.route("/<repo_id:model_id>")
class ModelById(MethodView):
    @blp.response(200, LanguageModelSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(304, description="Not modified (If-None-Match).")
    @blp.requires("read")
    def get(self, model_id):
        """Read one model with its parents, datasets and declared licence (ETag; If-None-Match answers 304)."""
        model = read_model(get_session(), model_id)
        return not_modified(model) or with_etag(model)

    @blp.arguments(partial_update(LanguageModelUpdateSchema))
    @blp.response(200, LanguageModelSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="A new parent would close a cycle.")
    @blp.precondition
    @blp.requires("write")
    def patch(self, data, model_id):
        """Change fields of a model (If-Match required); `parents` or `datasets`, when given, replace the set."""
        session = get_session()
        with transaction(session):
            require_if_match(session, lambda: store.get_model(session, model_id))
            model = store.update_model(session, model_id, data)
        return with_etag(model)

    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="Other models derive from it or it generated a dataset.")
    @blp.precondition
    @blp.requires("write")
    def delete(self, model_id):
        """Delete a model and its own edges (If-Match required); refused while other records depend on it."""
        session = get_session()
        with transaction(session):
            require_if_match(session, lambda: store.get_model(session, model_id))
            store.delete_model(session, model_id)
        return None


@blp.route("/<repo_id:model_id>/parents")
class Parents(MethodView):
    @blp.response(200, ParentRefPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.requires("read")
    def get(self, model_id):
        """The models this model derives from directly."""
        return whole_list(store.get_model(get_session(), model_id).parents)

    @blp.arguments(ParentRefSchema)
    @blp.response(201, ParentRefSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="The edge exists, or it would close a cycle.")
    @blp.requires("write")
    def post(self, data, model_id):
        """Add a parent edge."""
        return _add_edge(store.add_parent, model_id, data, "parents")


@blp.route("/<repo_id:model_id>/parents/<repo_id:parent_id>")
class ParentById(MethodView):
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.precondition
    @blp.requires("write")
    def delete(self, model_id, parent_id):
        """Remove a parent edge (If-Match with the model's ETag required)."""
        return _remove_edge(store.remove_parent, model_id, parent_id)


@blp.route("/<repo_id:model_id>/datasets")
class TrainingData(MethodView):
    @blp.response(200, TrainingRefPageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.requires("read")
    def get(self, model_id):
        """The datasets this model was trained on, with the stage."""
        return whole_list(store.get_model(get_session(), model_id).datasets)

    @blp.arguments(TrainingRefSchema)
    @blp.response(201, TrainingRefSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="The link exists.")
    @blp.requires("write")
    def post(self, data, model_id):
        """Link a training dataset."""
        return _add_edge(store.add_dataset, model_id, data, "datasets")


@blp.route("/<repo_id:model_id>/datasets/<repo_id:dataset_id>")
class TrainingDataById(MethodView):
    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.precondition
    @blp.requires("write")
    def delete(self, model_id, dataset_id):
        """Unlink a training dataset (If-Match with the model's ETag required)."""
        return _remove_edge(store.remove_dataset, model_id, dataset_id)


def _add_edge(add, model_id: str, data: dict, sub_resource: str):
    """201 with the edge `add` wrote (as the model lists it) and where it lives under `sub_resource`."""
    session = get_session()
    with transaction(session):
        ref = add(session, model_id, data).ref
    return ref, 201, {"Location": f"/v1/models/{model_id}/{sub_resource}/{ref['id']}"}


def _remove_edge(remove, model_id: str, end_id: str):
    """Remove an edge of the model, If-Match naming the model's current ETag."""
    session = get_session()
    with transaction(session):
        require_if_match(session, lambda: store.get_model(session, model_id))
        remove(session, model_id, end_id)
    return None


history_route(blp, "/<repo_id:model_id>/history", "model", "model_id", store.get_model)
