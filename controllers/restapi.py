# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""HTTP only: parse the request, call the service, render JSON. See README.rst, "API reference"."""

import json
import logging
import time

import psycopg2.errors

from odoo import http
from odoo.exceptions import AccessDenied, AccessError, MissingError, UserError, ValidationError
from odoo.http import request
from odoo.service.model import PG_CONCURRENCY_EXCEPTIONS_TO_RETRY

from ..models.ir_http import api_error_response, api_request_id
from ..restapi import openapi, parsing, service

_logger = logging.getLogger(__name__)

BASE = "/restapi/1.0"
MAX_BODY_BYTES = 1024 * 1024


class RestApiController(http.Controller):
    # ---------------------------------------------------------------- routes
    @http.route(
        [f"{BASE}/object/<string:model>", f"{BASE}/object/<string:model>/<string:rec_id>"],
        type="http",
        auth="api_key",
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
        auth="api_key",
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

    @http.route(f"{BASE}/fsm/dashboard", type="http", auth="api_key", csrf=False, save_session=False)
    def dashboard(self, date=None, **params):
        def run():
            return 200, service.dashboard(request.env, self._exposed(), date)

        return self._respond(run, allowed=("GET",))

    @http.route(f"{BASE}/openapi.json", type="http", auth="api_key", csrf=False, save_session=False)
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
        offset = parsing.parse_int("offset", params.get("offset"), 0, 0)
        order = parsing.parse_order(params.get("order"))
        start_after = parsing.parse_int("start_after_id", params.get("start_after_id"), None, 0)
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
        return self._one(api, api.browse(rec_id), params)

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
        return request.env["res.config.settings"]._fsm_jobs_api_models()

    def _body(self, allow_empty=False):
        raw = request.httprequest.get_data(cache=True)
        if allow_empty and not raw.strip():
            return {}
        return parsing.parse_json_body(raw, MAX_BODY_BYTES)

    def _run(self, handlers, method, model, rec_id, params):
        def run():
            api = service.ModelApi(request.env, model, self._exposed())
            return handlers[method](api, rec_id, params)

        return self._respond(run, allowed=tuple(handlers))

    def _respond(self, run, allowed):
        """Run a handler as one transaction and render its answer or its error as JSON."""
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
        try:
            answer = run()
            request.env.flush_all()  # constraint errors surface here, inside our error handling
        except PG_CONCURRENCY_EXCEPTIONS_TO_RETRY:
            raise  # Odoo retries the whole request
        except Exception as exc:  # noqa: BLE001 - every error becomes a JSON answer
            request.env.cr.rollback()  # an error writes nothing
            return self._error(exc)
        status, payload, *rest = answer
        headers = [("X-Request-Id", api_request_id()), *(rest[0] if rest else [])]
        _logger.debug("REST %s %s -> %s in %.3fs", method, request.httprequest.path, status, time.monotonic() - started)
        return request.make_json_response(payload, status=status, headers=headers)

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
        if isinstance(exc, parsing.ApiError):
            return api_error_response(exc.status, exc.code, exc.message, exc.details)
        if isinstance(exc, AccessDenied | AccessError):
            return api_error_response(403, "access_denied", str(exc.args[0] if exc.args else exc))
        if isinstance(exc, MissingError):
            return api_error_response(404, "not_found", str(exc.args[0] if exc.args else exc))
        if isinstance(exc, ValidationError):
            return api_error_response(422, "validation_error", str(exc.args[0] if exc.args else exc))
        if isinstance(exc, UserError):
            return api_error_response(409, "workflow_conflict", str(exc.args[0] if exc.args else exc))
        if isinstance(exc, psycopg2.errors.NotNullViolation):
            column = getattr(exc.diag, "column_name", None)
            return api_error_response(422, "missing_field", f"Field '{column}' is required.", {"field": column})
        if isinstance(exc, psycopg2.IntegrityError):
            return api_error_response(
                422,
                "constraint_violation",
                "The values break a database constraint.",
                {"constraint": getattr(exc.diag, "constraint_name", None)},
            )
        if isinstance(exc, ValueError):
            # the ORM's word on a domain or an order it cannot use (e.g. a bad field path)
            return api_error_response(400, "invalid_request", str(exc))
        rid = api_request_id()
        _logger.exception("REST API: unexpected error (request %s)", rid)
        return api_error_response(
            500, "internal_error", f"Unexpected server error; quote request id {rid}.", {"request_id": rid}
        )
