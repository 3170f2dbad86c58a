"""/v1/datasets"""

from flask.views import MethodView

from api.http.conditional import not_modified, require_if_match, with_etag
from api.http.openapi import PedigreeBlueprint as Blueprint
from api.http.paging import page_body
from api.routes.history import history_route
from api.store import datasets as store
from api.store.common import transaction
from api.store.db import get_session
from schemas.common import partial_update
from schemas.datasets import DatasetListArgsSchema, DatasetPageSchema, DatasetSchema, DatasetUpdateSchema

blp = Blueprint("datasets", __name__, url_prefix="/v1/datasets",
                description="Training datasets with their licence and, for synthetic data, the generating model.")


@blp.route("")
class Datasets(MethodView):
    @blp.arguments(DatasetListArgsSchema, location="query")
    @blp.response(200, DatasetPageSchema)
    @blp.requires("read")
    def get(self, args):
        """List datasets in id order; filter by licence, generating model or text."""
        return page_body(store.list_datasets(get_session(), **args))

    @blp.arguments(DatasetSchema)
    @blp.response(201, DatasetSchema)
    @blp.alt_response(409, response="CONFLICT", description="The id is taken.")
    @blp.requires("write")
    def post(self, data):
        """Create a dataset."""
        session = get_session()
        with transaction(session):
            dataset = store.create_dataset(session, data)
        return with_etag(dataset, 201, Location=f"/v1/datasets/{dataset.id}")


@blp.route("/<repo_id:dataset_id>")
class DatasetById(MethodView):
    @blp.response(200, DatasetSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(304, description="Not modified (If-None-Match).")
    @blp.requires("read")
    def get(self, dataset_id):
        """Read one dataset (with an ETag; If-None-Match answers 304)."""
        dataset = store.get_dataset(get_session(), dataset_id)
        return not_modified(dataset) or with_etag(dataset)

    @blp.arguments(partial_update(DatasetUpdateSchema))
    @blp.response(200, DatasetSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.precondition
    @blp.requires("write")
    def patch(self, data, dataset_id):
        """Change fields of a dataset (If-Match required)."""
        session = get_session()
        with transaction(session):
            require_if_match(session, lambda: store.get_dataset(session, dataset_id))
            dataset = store.update_dataset(session, dataset_id, data)
        return with_etag(dataset)

    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="Models are still linked to the dataset.")
    @blp.precondition
    @blp.requires("write")
    def delete(self, dataset_id):
        """Delete a dataset no model is linked to (If-Match required)."""
        session = get_session()
        with transaction(session):
            require_if_match(session, lambda: store.get_dataset(session, dataset_id))
            store.delete_dataset(session, dataset_id)
        return None


history_route(blp, "/<repo_id:dataset_id>/history", "dataset", "dataset_id", store.get_dataset)
