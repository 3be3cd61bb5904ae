# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""HTTP only: parse the request, call the service, render JSON. See README.rst, "API reference"."""

import hashlib
import json
import logging
import time

import psycopg2.errors

from odoo import fields, http
from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..models.ir_http import api_error_response, api_headers, api_request_id
from ..restapi import openapi, parsing, service

_logger = logging.getLogger(__name__)

BASE = "/restapi/1.0"
MAX_BODY_BYTES = 1024 * 1024
WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")


class RestApiController(http.Controller):
    # ---------------------------------------------------------------- routes
    @http.route(
        [f"{BASE}/object/<string:model>", f"{BASE}/object/<string:model>/<string:rec_id>"],
        type="http",
        auth="fsj_api_key",
        csrf=False,
        readonly=False,
        save_session=False,
    )
    def object(self, model, rec_id=None, **params):
        method = request.httprequest.method
        if rec_id is None:
            handlers = {"GET": self._search, "POST": self._create}
        else:
            handlers = {
                "GET": self._read,
                "PUT": self._write,
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

    @http.route(f"{BASE}/fsm/dashboard", type="http", auth="fsj_api_key", csrf=False, save_session=False)
    def dashboard(self, date=None, **params):
        def run():
            return 200, service.dashboard(request.env, self._exposed(), date)

        return self._respond(run, allowed=("GET",))

    @http.route(f"{BASE}/openapi.json", type="http", auth="fsj_api_key", csrf=False, save_session=False)
    def openapi_document(self, **params):
        def run():
            return 200, openapi.build(request.env, self._exposed(), request.httprequest.host_url)

        return self._respond(run, allowed=("GET",))

    @http.route([f"{BASE}", f"{BASE}/<path:rest>"], type="http", auth="none", csrf=False, save_session=False)
    def not_found(self, rest=None, **params):
        return api_error_response(404, "not_found", f"No such API route: {request.httprequest.path}")

    # ---------------------------------------------------------------- handlers
    def _search(self, api, rec_id, params):
        domain = parsing.parse_domain(params.get("domain"))
        fields = parsing.parse_fields(params.get("fields"))
        limit = parsing.parse_int("limit", params.get("limit"), service.DEFAULT_LIMIT, 1, service.MAX_LIMIT)
        offset = parsing.parse_int("offset", params.get("offset"), 0, 0, parsing.MAX_ID)
        order = parsing.parse_order(params.get("order"))
        start_after = parsing.parse_int("start_after_id", params.get("start_after_id"), None, 0, parsing.MAX_ID)
        rows, total, next_id = api.search(domain, fields, limit, offset, order, start_after)
        headers = [("X-Total-Count", str(total))]
        if next_id:
            headers.append(("X-Next-Start-After-Id", str(next_id)))
        return 200, {api.name: rows}, headers

    def _one(self, api, record, params, status=200):
        """A single record's answer, with its ETag."""
        body = {api.name: api.render(record, parsing.parse_fields(params.get("fields")))[0]}
        return status, body, [("ETag", api.etag(record))]

    def _read(self, api, rec_id, params):
        return self._one(api, api.browse(rec_id, parsing.parse_fields(params.get("fields"))), params)

    def _create(self, api, rec_id, params):
        body = self._body()
        if isinstance(body, list):
            records = api.create_records(body)
            return 201, {api.name: api.render(records, parsing.parse_fields(params.get("fields")))}
        return self._one(api, api.create_record(body), params, status=201)

    def _write(self, api, rec_id, params):
        record = api.browse(rec_id)
        api.check_if_match(record, request.httprequest.headers.get("If-Match"))
        return self._one(api, api.write_record(record, self._body()), params)

    def _unlink(self, api, rec_id, params):
        record = api.browse(rec_id)
        api.check_if_match(record, request.httprequest.headers.get("If-Match"))
        api.unlink_record(record)
        return 200, {api.name: {"id": int(rec_id), "deleted": True}}

    # ---------------------------------------------------------------- plumbing
    def _exposed(self):
        """The models this request may use: the allowlist, narrowed by the key's scope if any."""
        exposed = request.env["res.config.settings"]._fsm_jobs_api_models()
        scope = self._key_scope()
        if scope and scope[0]:
            exposed &= scope[0]
        return exposed

    def _body(self, allow_empty=False):
        raw = request.httprequest.get_data(cache=True)
        if allow_empty and not raw.strip():
            return {}
        return parsing.parse_json_body(raw, MAX_BODY_BYTES)

    def _run(self, handlers, method, model, rec_id, params):
        apis = []

        def check():  # the model is exposed to this key and readable by its user
            apis.append(service.ModelApi(request.env, model, self._exposed()))

        def run():
            return handlers[method](apis[0], rec_id, params)

        return self._respond(run, allowed=tuple(handlers), model=model, rec_id=rec_id, check=check)

    def _respond(self, run, allowed, model=None, rec_id=None, check=None):
        """Run a handler as one transaction and render its answer or its error as JSON. Writes are
        audited; POSTs with an Idempotency-Key are answered once and replayed after."""
        started = time.monotonic()
        method = request.httprequest.method
        if method not in allowed:
            return api_error_response(
                405,
                "method_not_allowed",
                f"{method} is not allowed here; use {', '.join(allowed)}.",
                headers=[("Allow", ", ".join(allowed))],
            )
        length = request.httprequest.content_length
        if length and length > MAX_BODY_BYTES:
            return api_error_response(413, "payload_too_large", f"The body exceeds {MAX_BODY_BYTES} bytes.")
        writing = method in WRITE_METHODS
        idem_key = request.httprequest.headers.get("Idempotency-Key") if method == "POST" else None
        response = payload = None
        try:
            self._check_key_scope(writing)
            if check:
                check()  # before any replay: a stored answer only reaches who may ask again
            if idem_key:
                response = self._idempotent_replay(idem_key)
            if response is None:
                answer = run()
                request.env.flush_all()  # constraint errors surface here, inside our error handling
                status, payload, *rest = answer
                headers = [*api_headers(), *(rest[0] if rest else [])]
                response = request.make_json_response(payload, status=status, headers=headers)
                if idem_key:
                    response = self._idempotent_store(idem_key, response)
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise  # Odoo retries the whole request
        except Exception as exc:  # noqa: BLE001 - every error becomes a JSON answer
            request.env.cr.rollback()  # an error writes nothing
            response = self._error(exc)
        if writing and model:
            self._audit(model, rec_id, payload, response, time.monotonic() - started)
        return response

    # -- scoped keys, idempotency, audit ---------------------------------------------------------
    def _api_key(self):
        return request.httprequest.environ.get("fsj.api_key") or (None, None)

    def _key_scope(self):
        """(allowed models, read-only) of the request's key, or None when the key has no scope."""
        key_id, _name = self._api_key()
        return request.env["fsm.api.key.scope"]._scope_of(key_id) if key_id else None

    def _check_key_scope(self, writing):
        scope = self._key_scope()
        if writing and scope and scope[1]:
            raise parsing.ApiError(403, "read_only_key", "This API key may only read.")

    def _request_hash(self):
        httprequest = request.httprequest
        digest = hashlib.sha256()
        for part in (httprequest.method, httprequest.full_path):
            digest.update(part.encode() + b"\0")
        digest.update(httprequest.get_data(cache=True))
        return digest.hexdigest()

    def _idempotent_replay(self, idem_key):
        if len(idem_key) > 255:
            raise parsing.ApiError(400, "invalid_idempotency_key", "Idempotency-Key is at most 255 characters.")
        store = request.env["fsm.api.idempotency"].sudo()
        key_id, _name = self._api_key()
        found = store.search([("apikey_id", "=", key_id), ("key", "=", idem_key)], limit=1)
        if found and found.date < fields.Datetime.now() - store._ttl():
            found.unlink()  # expired: the key may be used afresh
            return None
        if not found:
            return None
        if found.request_hash != self._request_hash():
            raise parsing.ApiError(
                422,
                "idempotency_key_reused",
                "This Idempotency-Key was used for another request; use a new key.",
            )
        headers = [tuple(h) for h in json.loads(found.headers or "[]")]
        headers = [h for h in headers if h[0] not in ("X-Request-Id", "RateLimit", "RateLimit-Policy")]
        headers = [*api_headers(), *headers, ("Idempotency-Replayed", "true")]
        return request.make_response(
            found.response, headers=[("Content-Type", "application/json"), *headers], status=found.status
        )

    def _idempotent_store(self, idem_key, response):
        """In the request's transaction: stored if and only if the write is committed. A concurrent
        request with the same key waits on the unique index until the first one commits; it then
        drops its own work and replays the first answer."""
        headers = [[k, v] for k, v in response.headers.items() if k in ("ETag", "X-Total-Count", "Location")]
        try:
            with request.env.cr.savepoint(flush=True):
                request.env["fsm.api.idempotency"].sudo().create(
                    {
                        "user_id": request.env.uid,
                        "apikey_id": self._api_key()[0],
                        "key": idem_key,
                        "request_hash": self._request_hash(),
                        "status": response.status_code,
                        "response": response.get_data(as_text=True),
                        "headers": json.dumps(headers),
                    }
                )
        except psycopg2.errors.UniqueViolation:
            request.env.cr.rollback()  # the same key was just committed by a concurrent request
            replay = self._idempotent_replay(idem_key)
            if replay is None:
                raise
            return replay
        return response

    def _audit(self, model, rec_id, payload, response, duration):
        ids = []
        body = (payload or {}).get(model) if isinstance(payload, dict) else None
        if isinstance(body, dict) and body.get("id"):
            ids = [body["id"]]
        elif isinstance(body, list):
            ids = [row.get("id") for row in body if isinstance(row, dict)]
        elif rec_id:
            ids = [rec_id]
        error_code = None
        if response.status_code >= 400:
            try:
                error_code = json.loads(response.get_data())["error"]["code"]
            except (ValueError, KeyError, TypeError):
                error_code = None
        _key_id, key_name = self._api_key()
        httprequest = request.httprequest
        request.env["fsm.api.audit"].sudo().create(
            {
                "user_id": request.env.uid,
                "key_name": key_name,
                "method": httprequest.method,
                "path": httprequest.path[:512],
                "model": model,
                "record_ids": ",".join(str(i) for i in ids)[:2000],
                "status": response.status_code,
                "error_code": error_code,
                "duration_ms": round(duration * 1000, 1),
                "request_id": api_request_id(),
                "remote_addr": httprequest.remote_addr,
            }
        )

    def _error(self, exc):
        response = self._error_response(exc)
        index = getattr(exc, "fsj_index", None)
        if index is not None:  # a batch: name the record that failed
            body = json.loads(response.get_data())
            body["error"]["details"]["index"] = index
            body["error"]["message"] = f"Record {index}: {body['error']['message']}"
            response.set_data(json.dumps(body))
        return response

    def _error_response(self, exc):
        """The JSON error of an exception. The ORM's own words are kept only where they are meant for
        users (constraints, workflow): access errors and low-level errors would name other models,
        records, groups or columns, so their answer says what happened in the API's terms."""
        if isinstance(exc, parsing.ApiError):
            return api_error_response(exc.status, exc.code, exc.message, exc.details)
        if isinstance(exc, AccessDenied | AccessError):
            return api_error_response(
                403,
                "access_denied",
                "The API key's user may not do this (access rights, record rules or companies).",
            )
        if isinstance(exc, MissingError):
            return api_error_response(404, "not_found", "A record of this request does not exist (any more).")
        if isinstance(exc, ValidationError):
            return api_error_response(422, "validation_error", str(exc.args[0] if exc.args else exc))
        if isinstance(exc, UserError):
            return api_error_response(409, "workflow_conflict", str(exc.args[0] if exc.args else exc))
        if isinstance(exc, psycopg2.errors.NotNullViolation):
            column = getattr(exc.diag, "column_name", None)
            if getattr(exc.diag, "table_name", None) != self._table_of_request():
                return api_error_response(422, "missing_field", "A related record misses a required value.")
            return api_error_response(422, "missing_field", f"Field '{column}' is required.", {"field": column})
        if isinstance(exc, psycopg2.IntegrityError):
            constraint = getattr(exc.diag, "constraint_name", None)
            own = getattr(exc.diag, "table_name", None) == self._table_of_request()
            return api_error_response(
                422,
                "constraint_violation",
                "The values break a database constraint.",
                {"constraint": constraint} if own else {},
            )
        if isinstance(exc, psycopg2.DataError):
            # a value PostgreSQL cannot take (e.g. an integer out of range in a domain)
            return api_error_response(400, "invalid_value", "A value is out of range or malformed for its field.")
        if isinstance(exc, ValueError):
            # the ORM's word on a domain or an order it cannot use: its text names ORM internals
            _logger.info("REST API: ORM refused the request (request %s): %s", api_request_id(), exc)
            return api_error_response(
                400, "invalid_request", "The ORM cannot run this request: check its fields, domain and values."
            )
        rid = api_request_id()
        _logger.exception("REST API: unexpected error (request %s)", rid)
        return api_error_response(
            500, "internal_error", f"Unexpected server error; quote request id {rid}.", {"request_id": rid}
        )

    def _table_of_request(self):
        """The database table of the request's model (None outside object routes)."""
        model = (request.httprequest.path.split("/object/", 1)[1:] or [""])[0].split("/")[0]
        return request.env[model]._table if model and model in request.env else None
