"""What to ship with a model: the notice bundle, the CycloneDX ML-BOM and the SPDX 3.0.1 document."""

from flask import Response
from flask.views import MethodView

from api.domain.verdicts import Use
from api.http.openapi import PedigreeBlueprint as Blueprint
from api.store import terms
from api.store.db import get_session
from api.store.shipping import licence_records
from schemas.shipping import BomArgsSchema, NoticeArgsSchema

blp = Blueprint("shipping", __name__, url_prefix="/v1",
                description="The files that discharge a model's obligations, and its SPDX 3.0.1 AI BOM.")

USE_FIELDS = ("commercial", "monthly_active_users", "redistribute_weights", "train_other_models_on_outputs",
              "research_only")


@blp.route("/models/<repo_id:model_id>/notice")
class Notice(MethodView):
    @blp.arguments(NoticeArgsSchema, location="query")
    @blp.response(200, description="obligations.json (JSON), the NOTICE (text/plain), NOTICE.md (text/markdown) "
                                   "or the whole bundle (application/zip).")
    @blp.doc(responses={200: {"content": {
        "application/json": {"schema": {"type": "object"}},
        "text/plain": {"schema": {"type": "string"}},
        "text/markdown": {"schema": {"type": "string"}},
        "application/zip": {"schema": {"type": "string", "format": "binary"}},
    }}})
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.requires("read")
    def get(self, args, model_id):
        """What a product that ships or serves the model must carry: notices, name prefixes, use policies,
        licence texts, with the ancestor or dataset requiring each. Without use parameters: shipping the weights."""
        from api.documents import notice_bundle

        session = get_session()
        output = args.pop("format")
        effective = terms.effective(session, model_id, as_of=args.pop("as_of", None),
                                      include_training_data=args.pop("include_training_data"),
                                      training_data=args.pop("training_data"))
        use = Use(**{key: args[key] for key in USE_FIELDS if key in args}) if any(k in args for k in USE_FIELDS) \
            else None
        notice = notice_bundle.notice_for(effective, use,
                                          licence_records(session, notice_bundle.licence_ids(effective)))
        if output == "zip":
            name = model_id.replace("/", "__") + "-notice.zip"
            return Response(notice_bundle.bundle_zip(notice_bundle.bundle_files(notice)),
                            mimetype=notice_bundle.ZIP_MEDIA_TYPE,
                            headers={"Content-Disposition": f'attachment; filename="{name}"'})
        rendered, mimetype = notice_bundle.RENDERINGS[output]
        return Response(rendered(notice), mimetype=mimetype)


@blp.route("/models/<repo_id:model_id>/spdx")
class SpdxDocument(MethodView):
    @blp.response(200, description="SPDX 3.0.1 JSON-LD (application/spdx+json) with the AI and Dataset profiles.")
    @blp.doc(responses={200: {"content": {"application/spdx+json": {"schema": {"type": "object"}}}}})
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.requires("read")
    def get(self, model_id):
        """SPDX 3.0.1: an ai_AIPackage per model, a dataset_DatasetPackage per dataset, lineage, training and
        licence relationships; hasConcludedLicense is the model's effective licence expression."""
        from api.documents.spdx3 import MEDIA_TYPE, spdx_json

        snapshot = terms.snapshot(get_session(), model_id)
        return Response(spdx_json(snapshot, snapshot.root), content_type=MEDIA_TYPE)


@blp.route("/models/<repo_id:model_id>/bom")
class BillOfMaterials(MethodView):
    @blp.arguments(BomArgsSchema, location="query")
    @blp.response(200, description="CycloneDX 1.6 or 1.7 JSON (application/vnd.cyclonedx+json; version=…).")
    @blp.doc(responses={200: {"content": {"application/vnd.cyclonedx+json": {"schema": {"type": "object"}}}}})
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.requires("read")
    def get(self, args, model_id):
        """CycloneDX ML-BOM: the model, its ancestors in `pedigree.ancestors` (recursively), its training data."""
        from api.documents.bom import bom_json, media_type

        snapshot = terms.snapshot(get_session(), model_id)
        return Response(bom_json(snapshot, snapshot.root, args["spec_version"]),
                        content_type=media_type(args["spec_version"]))
