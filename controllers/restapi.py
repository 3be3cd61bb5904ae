# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""HTTP only: parse the request, call the service, render JSON. See README.rst, "API reference"."""

import hashlib
import json
import logging
import time

import psycopg2.errors
from werkzeug.wrappers import Response as WerkzeugResponse

from odoo import http
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from .. import faults
from ..restapi import (
    bulk,
    errors,
    feed,
    files,
    imports,
    messages,
    openapi,
    parsing,
    reports,
    service,
    signature,
    sqlrender,
)

_logger = logging.getLogger(__name__)

BASE = "/restapi/1.0"
MAX_BODY_BYTES = 1024 * 1024
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
REPLAYED_HEADERS = ("ETag", "X-Total-Count", "Location")
IMPORT_RUN_MODEL = "fsm.api.import.run"  # audited under this name


def read_only_method(controller):
    """``readonly=`` of routes that also write: a GET (or HEAD) runs on a read-only cursor, which is
    a replica's when Odoo has one (--db_replica_host); other methods run on the primary. See README,
    "Deployment: several servers, one primary, replicas"."""
    return request.httprequest.method in ("GET", "HEAD")


class RestApiController(http.Controller):
    # ---------------------------------------------------------------- routes
    @http.route(
        [f"{BASE}/object/<string:model>", f"{BASE}/object/<string:model>/<string:rec_id>"],
        type="http",
        auth="fsj_api_key",
        csrf=False,
        readonly=read_only_method,
        save_session=False,
    )
    def object(self, model, rec_id=None, **params):
        method = request.httprequest.method
        if rec_id is None:
            handlers = {
                "GET": self._search,
                "POST": self._create,
                "PUT": self._upsert_many,
                "PATCH": self._write_many,
                "DELETE": self._unlink_many,
            }
        else:
            handlers = {
                "GET": self._read,
                "PUT": self._upsert if bulk.ref_of(rec_id) is not None else self._write,
                "PATCH": self._write,
                "DELETE": self._unlink,
            }
        return self._run(handlers, method, model, rec_id, params)

    @http.route(
        f"{BASE}/object/<string:model>/<string:rec_id>/<string:method_name>",
        type="http",
        auth="fsj_api_key",
        csrf=False,
        readonly=False,
        save_session=False,
    )
    def object_method(self, model, rec_id, method_name, **params):
        def call(api, rec_id, params):
            record = api.browse(rec_id)
            api.check_if_match(record, request.httprequest.headers.get("If-Match"))
            api.call_method(record, method_name, self._body(allow_empty=True))
            return self._one(api, record, params)

        return self._run({"POST": call}, request.httprequest.method, model, rec_id, params)

    # -- a record's files, signature and report (restapi/files.py, signature.py, reports.py) --------
    @http.route(
        [
            f"{BASE}/object/<string:model>/<string:rec_id>/attachments",
            f"{BASE}/object/<string:model>/<string:rec_id>/attachments/<string:att_id>",
        ],
        type="http",
        auth="fsj_api_key",
        csrf=False,
        readonly=read_only_method,
        save_session=False,
    )
    def attachments(self, model, rec_id, att_id=None, **params):
        httprequest = request.httprequest
        if att_id is None:
            handlers = {
                "GET": lambda api, rec_id, params: files.list_files(api, api.browse(rec_id)),
                "POST": lambda api, rec_id, params: files.upload(api, api.browse(rec_id), httprequest),
            }
        else:
            handlers = {
                "GET": lambda api, rec_id, params: files.download(api, api.browse(rec_id), att_id),
                "DELETE": lambda api, rec_id, params: files.delete(api, api.browse(rec_id), att_id),
            }
        limit = files.max_request_bytes(request.env)
        return self._run(handlers, httprequest.method, model, rec_id, params, max_body=limit)

    @http.route(
        f"{BASE}/object/<string:model>/<string:rec_id>/signature",
        type="http",
        auth="fsj_api_key",
        csrf=False,
        readonly=read_only_method,
        save_session=False,
    )
    def signature(self, model, rec_id, **params):
        httprequest = request.httprequest
        handlers = {
            "GET": lambda api, rec_id, params: signature.read(api, api.browse(rec_id)),
            "POST": lambda api, rec_id, params: signature.write(api, api.browse(rec_id), httprequest),
        }
        return self._run(handlers, httprequest.method, model, rec_id, params, max_body=signature.MAX_BODY_BYTES)

    @http.route(
        [f"{BASE}/object/<string:model>/<string:rec_id>/report", f"{BASE}/report/<string:report_name>/<string:rec_id>"],
        type="http",
        auth="fsj_api_key",
        csrf=False,
        readonly=False,  # a GET that writes: rendering may store the PDF (attachment_use) and asset bundles
        save_session=False,
    )
    def report(self, rec_id, model=None, report_name=None, **params):
        if model is None:
            try:
                model = reports.report_model(request.env, report_name)
            except parsing.ApiError as exc:
                return self._error_response(exc.status, exc.code, exc.message, exc.details)
        handlers = {"GET": lambda api, rec_id, params: reports.render(api, api.browse(rec_id), report_name)}
        return self._run(handlers, request.httprequest.method, model, rec_id, params)

    @http.route(
        f"{BASE}/object/<string:model>/<string:rec_id>/messages",
        type="http",
        auth="fsj_api_key",
        csrf=False,
        readonly=False,
        save_session=False,
    )
    def messages(self, model, rec_id, **params):
        def post(api, rec_id, params):
            return 201, {"message": messages.post(api, api.browse(rec_id), self._body())}

        return self._run({"POST": post}, request.httprequest.method, model, rec_id, params)

    # -- import runs (restapi/imports.py; the journal is written by the models) ---------------------
    @http.route(
        [f"{BASE}/import-runs", f"{BASE}/import-runs/<string:run>"],
        type="http",
        auth="fsj_api_key",
        csrf=False,
        readonly=False,  # GETs too: a GET that must see its own write (an importer reads its run's counts)
        save_session=False,
    )
    def import_runs(self, run=None, **params):
        env = request.env
        if run is None:
            handlers = {
                "GET": lambda: (200, {"import_runs": imports.recent(env)}),
                "POST": lambda: (201, {"import_run": imports.start(env, self._body())}),
            }
        else:
            handlers = {
                "GET": lambda: (200, {"import_run": imports.read(env, run)}),
                "PATCH": lambda: (200, {"import_run": imports.close(env, run, self._body())}),
            }
        method = request.httprequest.method
        return self._respond(handlers.get(method), allowed=tuple(handlers), model=IMPORT_RUN_MODEL, rec_id=run)

    @http.route(
        f"{BASE}/import-runs/<string:run>/rollback",
        type="http",
        auth="fsj_api_key",
        csrf=False,
        readonly=False,
        save_session=False,
    )
    def import_run_rollback(self, run, **params):
        def rollback():
            finished, data = imports.rollback(request.env, run)
            return (200 if finished else 202), {"import_run": data}

        return self._respond(rollback, allowed=("POST",), model=IMPORT_RUN_MODEL, rec_id=run)

    @http.route(
        f"{BASE}/fsm/dashboard",
        type="http",
        auth="fsj_api_key",
        csrf=False,
        readonly=read_only_method,
        save_session=False,
    )
    def dashboard(self, date=None, **params):
        def run():
            return 200, service.dashboard(request.env, self._access()[0], date)

        return self._respond(run, allowed=("GET",))

    @http.route(
        f"{BASE}/changes/<string:model>",
        type="http",
        auth="fsj_api_key",
        csrf=False,
        readonly=read_only_method,  # commit-safe on a hot standby too: see README, "Deployment"
        save_session=False,
    )
    def changes(self, model, cursor=None, limit=None, fields=None, **params):
        def run():
            size = parsing.parse_int("limit", limit, feed.DEFAULT_LIMIT, 1, feed.MAX_LIMIT)
            return 200, feed.changes(request.env, self._access()[0], model, cursor, size, parsing.parse_fields(fields))

        return self._respond(run, allowed=("GET",))

    @http.route(
        f"{BASE}/openapi.json",
        type="http",
        auth="fsj_api_key",
        csrf=False,
        readonly=read_only_method,
        save_session=False,
    )
    def openapi_document(self, **params):
        def run():
            return 200, openapi.build(request.env, self._access()[0], request.httprequest.host_url)

        return self._respond(run, allowed=("GET",))

    @http.route([f"{BASE}", f"{BASE}/<path:rest>"], type="http", auth="none", csrf=False, save_session=False)
    def not_found(self, rest=None, **params):
        return self._error_response(404, "not_found", f"No such API route: {request.httprequest.path}")

    # ---------------------------------------------------------------- handlers
    def _search(self, api, rec_id, params):
        domain = parsing.parse_domain(params.get("domain"))
        fields = parsing.parse_fields(params.get("fields"))
        limit = parsing.parse_int("limit", params.get("limit"), service.DEFAULT_LIMIT, 1, service.MAX_LIMIT)
        offset = parsing.parse_int("offset", params.get("offset"), 0, 0, parsing.MAX_ID)
        order = parsing.parse_order(params.get("order"))
        start_after = parsing.parse_int("start_after_id", params.get("start_after_id"), None, 0, parsing.MAX_ID)
        rows, total, next_id = api.search(domain, fields, limit, offset, order, start_after, as_json=True)
        headers = [("X-Total-Count", str(total))]
        if next_id:
            headers.append(("X-Next-Start-After-Id", str(next_id)))
        return 200, {api.name: rows}, headers

    def _one(self, api, record, params, status=200):
        """A single record's answer, with its ETag."""
        render = api.render_created if status == 201 else api.render
        body = {api.name: render(record, parsing.parse_fields(params.get("fields")))[0]}
        return status, body, [("ETag", api.etag(record))]

    def _read(self, api, rec_id, params):
        return self._one(api, api.browse(rec_id, parsing.parse_fields(params.get("fields"))), params)

    def _create(self, api, rec_id, params):
        body = self._body()
        if isinstance(body, list):
            records = api.create_records(body)
            return 201, {api.name: api.render_created(records, parsing.parse_fields(params.get("fields")))}
        return self._one(api, api.create_record(body), params, status=201)

    def _write(self, api, rec_id, params):
        record = api.browse(rec_id)
        api.check_if_match(record, request.httprequest.headers.get("If-Match"))
        return self._one(api, api.write_record(record, self._body()), params)

    def _upsert(self, api, rec_id, params):
        status, record = bulk.upsert_one(
            api, bulk.ref_of(rec_id), self._body(), request.httprequest.headers.get("If-Match")
        )
        return self._one(api, record, params, status=status)

    def _upsert_many(self, api, rec_id, params):
        return 200, {api.name: bulk.upsert_many(api, self._body(), parsing.parse_fields(params.get("fields")))}

    def _write_many(self, api, rec_id, params):
        records = bulk.write_many(api, self._body())
        return 200, {api.name: api.render(records, parsing.parse_fields(params.get("fields")))}

    def _unlink_many(self, api, rec_id, params):
        items = bulk.parse_ids(params.get("ids"))
        if items is None:
            if not request.httprequest.get_data(cache=True).strip():
                raise parsing.ApiError(
                    400, "invalid_body", 'Name the records to delete: ids=[1,2,3] or a body [{"id": 1}, …].'
                )
            items = self._body()
        elif request.httprequest.get_data(cache=True).strip():
            raise parsing.ApiError(400, "invalid_body", "Give the records to delete as ids=[…] or as a body, not both.")
        return 200, {api.name: bulk.unlink_many(api, items)}

    def _unlink(self, api, rec_id, params):
        record = api.browse(rec_id)
        api.check_if_match(record, request.httprequest.headers.get("If-Match"))
        api.unlink_record(record)
        return 200, {api.name: {"id": api.api_id(api.name, record.id), "deleted": True}}

    # ---------------------------------------------------------------- plumbing
    def _access(self):
        """(models this request may use, read-only): the allowlist, narrowed by the key's scope;
        asked once per request."""
        environ = request.httprequest.environ
        if "fsj.access" not in environ:
            environ["fsj.access"] = request.env["fsm.api.key.scope"]._fsj_api_access()
        return environ["fsj.access"]

    def _body(self, allow_empty=False):
        raw = request.httprequest.get_data(cache=True)
        if allow_empty and not raw.strip():
            return {}
        return parsing.parse_json_body(raw, MAX_BODY_BYTES)

    def _json_response(self, status, body, headers=None):
        if isinstance(body, dict) and any(isinstance(value, sqlrender.RawJson) for value in body.values()):
            # a page rendered by PostgreSQL: its JSON text goes in as it is
            return request.env["ir.http"]._fsj_json_text_response(status, sqlrender.dumps(body), headers)
        return request.env["ir.http"]._fsj_json_response(status, body, headers)

    def _error_response(self, status, code, message, details=None, headers=None):
        return request.env["ir.http"]._fsj_error_response(status, code, message, details, headers)

    def _run(self, handlers, method, model, rec_id, params, max_body=MAX_BODY_BYTES):
        apis = []

        def check():  # the model is exposed to this key and readable by its user
            apis.append(service.ModelApi(request.env, model, self._access()[0]))

        def run():
            return handlers[method](apis[-1], rec_id, params)

        return self._respond(run, allowed=tuple(handlers), model=model, rec_id=rec_id, check=check, max_body=max_body)

    def _respond(self, run, allowed, model=None, rec_id=None, check=None, max_body=MAX_BODY_BYTES):
        """Run a handler as one transaction and render its answer or its error as JSON. Writes are
        audited; POSTs with an Idempotency-Key are answered once and replayed after."""
        started = time.monotonic()
        method = request.httprequest.method
        if method not in allowed:
            return self._error_response(
                405,
                "method_not_allowed",
                f"{method} is not allowed here; use {', '.join(allowed)}.",
                headers=[("Allow", ", ".join(allowed))],
            )
        length = request.httprequest.content_length
        if length and length > max_body:  # answered before the body is read
            return self._error_response(413, "payload_too_large", f"The body exceeds {max_body} bytes.")
        writing = method in WRITE_METHODS
        idem_key = request.httprequest.headers.get("Idempotency-Key") if method == "POST" else None
        response = payload = None
        for attempt in range(2):
            try:
                response, payload = self._attempt(run, check, writing, idem_key)
            except (*PG_CONCURRENCY_EXCEPTIONS_TO_RETRY, psycopg2.errors.ReadOnlySqlTransaction):
                raise  # Odoo retries the whole request (a write on a read-only cursor: on the primary)
            except Exception as exc:  # every error becomes a JSON answer
                if faults.is_db_unavailable(exc):
                    raise  # the database went away: a JSON 503 with Retry-After (faults.py), not a 500
                request.env.cr.rollback()  # an error writes nothing
                if not attempt and errors.is_external_ref_race(exc):
                    # another request created a record with this external_ref since this one began
                    # (an upsert of the same reference): once more, in a new snapshot that sees it
                    request.env.reset()
                    continue
                response = self._error(exc, model)
            break
        if writing and model:
            self._audit(model, rec_id, payload, response, time.monotonic() - started)
        return response

    def _attempt(self, run, check, writing, idem_key):
        if writing and self._access()[1]:
            raise parsing.ApiError(403, "read_only_key", "This API key may only read.")
        if check:
            check()  # before any replay: a stored answer only reaches who may ask again
        response = payload = None
        if idem_key:
            response = self._idempotent_replay(idem_key)
        if response is None:
            answer = run()
            request.env.flush_all()  # constraint errors surface here, inside our error handling
            if isinstance(answer, WerkzeugResponse):  # a file: streamed as it is
                response = answer
                for name, value in request.env["ir.http"]._fsj_api_headers():
                    response.headers.setdefault(name, value)
            else:
                status, payload, *rest = answer
                response = self._json_response(status, payload, rest[0] if rest else None)
            if idem_key:
                response = self._idempotent_store(idem_key, response)
        return response, payload

    # -- idempotency, audit, errors ----------------------------------------------------------------
    def _request_hash(self):
        """The request's fingerprint, once per request (the handler may read the files meanwhile)."""
        environ = request.httprequest.environ
        if "fsj.request_hash" not in environ:
            environ["fsj.request_hash"] = self._compute_request_hash()
        return environ["fsj.request_hash"]

    def _compute_request_hash(self):
        httprequest = request.httprequest
        digest = hashlib.sha256()
        for part in (httprequest.method, httprequest.full_path):
            digest.update(part.encode() + b"\0")
        digest.update(httprequest.get_data(cache=True))
        # a multipart body is parsed by Odoo before the route runs (get_data is then empty): its files
        for field in sorted(httprequest.files):
            for storage in httprequest.files.getlist(field):
                digest.update(f"{field}\0{storage.filename}\0".encode())
                storage.stream.seek(0)
                for chunk in iter(lambda storage=storage: storage.stream.read(1 << 20), b""):
                    digest.update(chunk)
                storage.stream.seek(0)
        return digest.hexdigest()

    def _idempotent_replay(self, idem_key):
        if len(idem_key) > 255:
            raise parsing.ApiError(400, "invalid_idempotency_key", "Idempotency-Key is at most 255 characters.")
        found = request.env["fsm.api.idempotency"]._lookup(idem_key)
        if not found:
            return None
        if found.request_hash != self._request_hash():
            raise parsing.ApiError(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for another request; use a new key.",
            )
        return self._replay(found)

    def _replay(self, stored):
        headers = [h for h in stored._replay_headers() if h[0] in REPLAYED_HEADERS]
        response = request.make_response(stored.response, status=stored.status)
        response.headers["Content-Type"] = "application/json"
        for name, value in [*request.env["ir.http"]._fsj_api_headers(), *headers, ("Idempotency-Replayed", "true")]:
            response.headers[name] = value
        return response

    def _idempotent_store(self, idem_key, response):
        headers = [(k, v) for k, v in response.headers.items() if k in REPLAYED_HEADERS]
        winner = request.env["fsm.api.idempotency"]._store(
            idem_key, self._request_hash(), response.status_code, response.get_data(as_text=True), headers
        )
        return self._replay(winner) if winner else response

    def _audit(self, model, rec_id, payload, response, duration):
        error_code = None
        if response.status_code >= 400:
            try:
                error_code = json.loads(response.get_data())["error"]["code"]
            except (ValueError, KeyError, TypeError):
                error_code = None
        httprequest = request.httprequest
        audit = request.env["fsm.api.audit"]
        audit._log_call(
            audit._prepare_log_call_values(
                method=httprequest.method,
                path=httprequest.path,
                model=model,
                record_ids=service.payload_ids(model, payload, rec_id),
                status=response.status_code,
                error_code=error_code,
                duration=duration,
                request_id=request.env["ir.http"]._fsj_request_id(),
                remote_addr=httprequest.remote_addr,
                import_run=httprequest.environ.get("fsj.import_run"),
            )
        )

    def _error(self, exc, model=None):
        table = request.env[model]._table if model and model in request.env else None
        request_id = request.env["ir.http"]._fsj_request_id()
        found = errors.error_status_body(exc, table, request_id)
        if found is None:
            _logger.exception("REST API: unexpected error (request %s)", request_id)
            return self._error_response(
                500,
                "internal_error",
                f"Unexpected server error; quote request id {request_id}.",
                {"request_id": request_id},
            )
        status, body = found
        return self._json_response(status, body)
