# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import re
import uuid

import werkzeug.exceptions

from odoo import models
from odoo.http import request

_logger = logging.getLogger(__name__)

BEARER_RE = re.compile(r"^bearer\s+(.+)$", re.IGNORECASE)


def api_request_id():
    """One id per API request, in the X-Request-Id header and in server log lines about it."""
    environ = request.httprequest.environ
    if "fsj.request_id" not in environ:
        environ["fsj.request_id"] = uuid.uuid4().hex[:16]
    return environ["fsj.request_id"]


def api_error_response(status, code, message, details=None, headers=None):
    body = {"error": {"status": status, "code": code, "message": message, "details": details or {}}}
    return request.make_json_response(
        body, status=status, headers=[("X-Request-Id", api_request_id()), *(headers or [])]
    )


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    @classmethod
    def _auth_method_api_key(cls):
        """``auth='api_key'``: the request runs as the user of the Odoo API key given in the
        ``X-API-Key`` header (or ``Authorization: Bearer``). Keys are Odoo's own
        (res.users.apikeys: hashed, expiring, per user); a key of any scope compatible with RPC is
        accepted. No key, or a key Odoo refuses, is a 401 JSON error."""
        headers = request.httprequest.headers
        remote_addr = request.httprequest.remote_addr or "unknown"
        key = headers.get("X-API-Key")
        if not key and (match := BEARER_RE.match(headers.get("Authorization", ""))):
            key = match.group(1)
        if not key:
            raise werkzeug.exceptions.Unauthorized(
                response=api_error_response(401, "missing_api_key", "Send your Odoo API key in the X-API-Key header.")
            )
        found = request.env["res.users.apikeys"]._fsj_check_key(key.strip(), lambda: cls._fsj_throttle(remote_addr))
        if not found:
            _logger.info("REST API: refused API key from %s (request %s)", remote_addr, api_request_id())
            cls._fsj_record_auth_failure(remote_addr)
            raise werkzeug.exceptions.Unauthorized(
                response=api_error_response(401, "invalid_api_key", "The API key is invalid, expired or revoked.")
            )
        uid, key_id, key_name = found
        request.update_env(user=uid)
        request.httprequest.environ["fsj.api_key"] = (key_id, key_name)

    @classmethod
    def _fsj_throttle(cls, remote_addr):
        """Before a key is verified (not for keys already verified on this worker): 429 for an address
        over the limit of refused keys."""
        retry_after = request.env["fsm.api.auth.failure"]._retry_after(remote_addr)
        if retry_after:
            raise werkzeug.exceptions.TooManyRequests(
                response=api_error_response(
                    429,
                    "too_many_failures",
                    "Too many refused API keys from this address; retry later.",
                    {"retry_after": retry_after},
                    headers=[("Retry-After", str(retry_after))],
                )
            )

    @classmethod
    def _fsj_record_auth_failure(cls, remote_addr):
        # its own transaction: the request's is rolled back with the 401, the count must stay
        with request.env.registry.cursor() as cr:
            cr.execute("INSERT INTO fsm_api_auth_failure (remote_addr, date) VALUES (%s, now() at time zone 'utc')",
                       [remote_addr])  # fmt: skip
