"""/v1/datasets"""

from flask.views import MethodView

from api.db import get_session
from api.routes.paging import page_body
from api.store import datasets as store
from api.store.common import transaction
from api.openapi import PedigreeBlueprint as Blueprint
from schemas.datasets import DatasetListArgsSchema, DatasetPageSchema, DatasetSchema, DatasetUpdateSchema

blp = Blueprint("datasets", __name__, url_prefix="/v1/datasets",
                description="Training datasets with their licence and, for synthetic data, the generating model.")


@blp.route("")
class Datasets(MethodView):
    @blp.arguments(DatasetListArgsSchema, location="query")
    @blp.response(200, DatasetPageSchema)
    def get(self, args):
        """List datasets in id order; filter by licence, generating model or text."""
        return page_body(store.list_datasets(get_session(), **args))

    @blp.arguments(DatasetSchema)
    @blp.response(201, DatasetSchema)
    @blp.alt_response(409, response="CONFLICT", description="The id is taken.")
    def post(self, data):
        """Create a dataset."""
        session = get_session()
        with transaction(session):
            dataset = store.create_dataset(session, data)
        return dataset, 201, {"Location": f"/v1/datasets/{dataset.id}"}


@blp.route("/<repo_id:dataset_id>")
class DatasetById(MethodView):
    @blp.response(200, DatasetSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, dataset_id):
        """Read one dataset."""
        return store.get_dataset(get_session(), dataset_id)

    @blp.arguments(DatasetUpdateSchema(partial=True))
    @blp.response(200, DatasetSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def patch(self, data, dataset_id):
        """Change fields of a dataset."""
        session = get_session()
        with transaction(session):
            return store.update_dataset(session, dataset_id, data)

    @blp.response(204)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(409, response="CONFLICT", description="Models are still linked to the dataset.")
    def delete(self, dataset_id):
        """Delete a dataset no model is linked to."""
        session = get_session()
        with transaction(session):
            store.delete_dataset(session, dataset_id)
        return None
