# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import logging
import re
import uuid
import zoneinfo

import babel.core
import pytz
import werkzeug.datastructures
import werkzeug.exceptions

from odoo import models
from odoo.http import request

from ..exceptions import FsjApiError
from .fsm_api_auth_failure import ApiKeyThrottled
from .fsm_api_rate_limit import RateLimited

_logger = logging.getLogger(__name__)

BEARER_RE = re.compile(r"^bearer\s+(.+)$", re.IGNORECASE)
# an API key as a client may send it: visible ASCII, no spaces (Odoo's keys are 40 hex digits)
KEY_RE = re.compile(r"\A[\x21-\x7e]{1,256}\Z", re.ASCII)
COMPANY_HEADER = "X-Company-Id"
IMPORT_RUN_HEADER = "X-Import-Run"
TZ_HEADER = "X-Timezone"
TZ_PARAM = "tz"
TZ_NAMES = {name.lower(): name for name in pytz.all_timezones}  # IANA names, as Odoo's tz selection
CORS_PARAM = "fieldservice_jobs.api_cors_origins"
CORS_ALLOW_HEADERS = (
    "X-API-Key, Authorization, Content-Type, If-Match, Idempotency-Key, X-Company-Id, Range, If-None-Match, "
    "Accept-Language, X-Timezone, X-Import-Run"
)
CORS_EXPOSE_HEADERS = (
    "ETag, X-Total-Count, X-Next-Start-After-Id, Retry-After, X-Request-Id, Idempotency-Replayed, "
    "RateLimit, RateLimit-Policy, Content-Disposition, Content-Range, Accept-Ranges, Content-Language"
)
# the largest multipart body (files: restapi/files.py takes up to 10 files of the largest size set,
# plus their framing); refused here, before Odoo reads and parses it for the route's parameters
UPLOAD_MAX_FILES = 10
UPLOAD_OVERHEAD = 64 * 1024
UPLOAD_MIB_PARAM = "fieldservice_jobs.api_max_upload_mb"
CORS_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
CORS_MAX_AGE = "600"


# -- languages and time zones (Accept-Language, tz / X-Timezone) ------------------------------------
LANGUAGE_RANGE_RE = re.compile(r"\A(?:\*|[A-Za-z]{1,8}(?:[-_][A-Za-z0-9]{1,8})*)\Z", re.ASCII)
QVALUE_RE = re.compile(r"\A(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)\Z", re.ASCII)


def parse_accept_language(header: str | None, installed, aliases=None) -> str | None:
    """The code among ``installed`` (Odoo's codes, e.g. ['en_US', 'fr_FR', 'fr_BE']) that an
    Accept-Language header prefers (RFC 9110: quality values, then the header's order). A range
    matches its code exactly (``fr-BE``: fr_BE, case and ``-``/``_`` aside), else by its language:
    the language's usual code (``aliases``, e.g. babel's {'fr': 'fr_FR'}), then its own country
    (``de``: de_DE), then the first installed code of that language (``fr-CH``: fr_FR or fr_BE).
    ``*`` and no acceptable language give None (the caller's default)."""
    if not header:
        return None
    ranges = []
    for index, part in enumerate(str(header).split(",")):
        tag, _sep, params = part.partition(";")
        tag = tag.strip()
        if not LANGUAGE_RANGE_RE.match(tag):
            continue
        quality = 1.0
        for param in params.split(";") if params else ():
            key, _eq, raw = param.strip().partition("=")
            if key.strip().lower() == "q":
                quality = float(raw.strip()) if QVALUE_RE.match(raw.strip()) else -1.0
        if quality > 0:
            ranges.append((-quality, index, tag))
    codes = {code.lower().replace("-", "_"): code for code in installed}
    for _quality, _index, tag in sorted(ranges):
        if tag == "*":
            return None
        wanted = tag.lower().replace("-", "_")
        if wanted in codes:
            return codes[wanted]
        language = wanted.split("_")[0]
        same = [code for key, code in codes.items() if key.split("@")[0].split("_")[0] == language]
        if not same:
            continue
        for preferred in ((aliases or {}).get(language), f"{language}_{language.upper()}"):
            if preferred and preferred.lower() in codes:
                return codes[preferred.lower()]
        return same[0]
    return None


SCRIPTS = {"latin": "Latn", "cyrillic": "Cyrl"}  # Odoo's @variants as ISO 15924 scripts


def content_language(code: str) -> str:
    """An Odoo language code as a BCP 47 tag for Content-Language: fr_FR -> fr-FR, sr@latin -> sr-Latn."""
    code, _at, script = code.partition("@")
    tag = code.replace("_", "-")
    return f"{tag}-{SCRIPTS.get(script, script)}" if script else tag


def api_request_id():
    """One id per API request, in the X-Request-Id header and in server log lines about it."""
    environ = request.httprequest.environ
    if "fsj.request_id" not in environ:
        environ["fsj.request_id"] = uuid.uuid4().hex[:16]
    return environ["fsj.request_id"]


def cors_headers(preflight=False):
    """CORS headers for the request's Origin when Settings allow it (none are allowed by default)."""
    origin = request.httprequest.headers.get("Origin")
    if not origin:
        return []
    value = request.env["ir.config_parameter"].sudo().get_param(CORS_PARAM) or ""
    allowed = {o.strip().rstrip("/") for o in re.split(r"[\s,]+", value) if o.strip()}
    if origin.rstrip("/") not in allowed and "*" not in allowed:
        return [("Vary", "Origin")]
    headers = [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    if preflight:
        headers += [
            ("Access-Control-Allow-Methods", CORS_METHODS),
            ("Access-Control-Allow-Headers", CORS_ALLOW_HEADERS),
            ("Access-Control-Max-Age", CORS_MAX_AGE),
        ]
    else:
        headers.append(("Access-Control-Expose-Headers", CORS_EXPOSE_HEADERS))
    return headers


def api_headers():
    """Headers of every API answer: its request id, CORS (when the origin is allowed), the key's
    rate limit (when one applies) and the language of the answer (once the key is known)."""
    environ = request.httprequest.environ
    language = [("Content-Language", environ["fsj.language"])] if environ.get("fsj.language") else []
    return [
        ("X-Request-Id", api_request_id()),
        *cors_headers(),
        *environ.get("fsj.rate_limit", ()),
        *language,
    ]


def api_error_response(status, code, message, details=None, headers=None):
    body = {"error": {"status": status, "code": code, "message": message, "details": details or {}}}
    return request.make_json_response(body, status=status, headers=[*api_headers(), *(headers or [])])


def _abort(status, code, message, details=None, headers=None):
    response = api_error_response(status, code, message, details, headers)
    raise werkzeug.exceptions.HTTPException(response=response)


class IrHttp(models.AbstractModel):
    _inherit = "ir.http"

    # -- answers of the REST API (the controller reaches them through request.env["ir.http"]) -----
    @classmethod
    def _fsj_request_id(cls):
        return api_request_id()

    @classmethod
    def _fsj_api_headers(cls):
        return api_headers()

    @classmethod
    def _fsj_json_response(cls, status, body, headers=None):
        """A JSON answer of the API, with its request id, CORS and rate-limit headers."""
        return request.make_json_response(body, status=status, headers=[*api_headers(), *(headers or [])])

    @classmethod
    def _fsj_json_text_response(cls, status, text, headers=None):
        """As ``_fsj_json_response``, for a body encoded as JSON text already."""
        headers = werkzeug.datastructures.Headers([*api_headers(), *(headers or [])])
        if "Content-Type" not in headers:
            headers["Content-Type"] = "application/json; charset=utf-8"
        return request.make_response(text, headers.to_wsgi_list(), status=status)

    @classmethod
    def _fsj_error_response(cls, status, code, message, details=None, headers=None):
        return api_error_response(status, code, message, details, headers)

    @classmethod
    def _fsj_check_multipart_size(cls, httprequest):
        """A multipart body larger than any upload may be is refused (JSON 413) before Odoo parses it
        into files (which it does before the route runs), and before Odoo's own limit answers HTML."""
        length = httprequest.content_length
        if not length or httprequest.mimetype != "multipart/form-data":
            return
        try:
            mib = int(request.env["ir.config_parameter"].sudo().get_param(UPLOAD_MIB_PARAM) or 25)
        except ValueError:
            mib = 25
        limit = max(mib, 1) * 1024 * 1024 * UPLOAD_MAX_FILES + UPLOAD_OVERHEAD
        if httprequest.max_content_length:
            limit = min(limit, httprequest.max_content_length)
        if length > limit:
            _abort(413, "payload_too_large", f"The body exceeds {limit} bytes.")

    @classmethod
    def _auth_method_fsj_api_key(cls):
        """``auth='fsj_api_key'``: the request runs as the user of the Odoo API key given in the
        ``X-API-Key`` header (or ``Authorization: Bearer``). Keys are Odoo's own (res.users.apikeys:
        hashed, expiring, per user): unscoped ones (which Odoo's RPC accepts too) and the REST API's
        own scope (keys made by ``_generate_restapi_key``, which Odoo's RPC refuses). No key, or a key
        Odoo refuses, is a 401 JSON error; a CORS preflight is answered before any key is asked for.
        (Not named ``api_key``: that is OCA auth_api_key's method, and both addons may be installed.)"""
        httprequest = request.httprequest
        if httprequest.method == "OPTIONS":
            raise werkzeug.exceptions.HTTPException(
                response=request.make_response("", status=204, headers=cors_headers(preflight=True))
            )
        cls._fsj_check_multipart_size(httprequest)
        headers = httprequest.headers
        remote_addr = httprequest.remote_addr or "unknown"
        key = headers.get("X-API-Key")
        if key is None and (match := BEARER_RE.match(headers.get("Authorization", ""))):
            key = match.group(1)
        key = (key or "").strip()
        if not key:
            _abort(401, "missing_api_key", "Send your Odoo API key in the X-API-Key header.")
        found = None
        if KEY_RE.match(key):
            try:
                found = request.env["res.users.apikeys"]._fsj_check_key(key, remote_addr)
            except ApiKeyThrottled as exc:
                _abort(
                    429,
                    "too_many_failures",
                    "Too many refused API keys from this address; retry later.",
                    {"retry_after": exc.retry_after},
                    headers=[("Retry-After", str(exc.retry_after))],
                )
        if not found:
            _logger.info("REST API: refused API key from %s (request %s)", remote_addr, api_request_id())
            _abort(401, "invalid_api_key", "The API key is invalid, expired or revoked.")
        uid, key_id, key_name = found
        # the key travels in the context: scope, idempotency and audit read it from there
        request.update_env(
            user=uid, context=dict(request.env.context, fsj_api_key_id=key_id, fsj_api_key_name=key_name)
        )
        if id_maps := request.env["fsm.api.key.scope"]._fsj_api_id_maps(key_id):
            request.update_context(fsj_id_maps=id_maps)  # e.g. the JDX stage numbering
        cls._fsj_select_companies(headers.get(COMPANY_HEADER))
        cls._fsj_select_language(headers.get("Accept-Language"))
        cls._fsj_select_tz(httprequest.args.get(TZ_PARAM), headers.get(TZ_HEADER))
        cls._fsj_select_import_run(headers.get(IMPORT_RUN_HEADER))
        try:
            httprequest.environ["fsj.rate_limit"] = request.env["fsm.api.rate.limit"]._hit(key_id)
        except RateLimited as exc:
            httprequest.environ["fsj.rate_limit"] = exc.headers()
            _abort(
                429,
                "rate_limited",
                f"This API key is limited to {exc.limit} requests per {exc.window} seconds; retry later.",
                {"retry_after": exc.retry_after, "limit": exc.limit, "window": exc.window},
                headers=[("Retry-After", str(exc.retry_after))],
            )

    @classmethod
    def _fsj_select_import_run(cls, header):
        """X-Import-Run: the writes of this request are journaled under that import run of the key's
        user (models/fsm_api_import_run.py), and its audit rows name it."""
        if header is None:
            return
        try:
            run = request.env["fsm.api.import.run"]._fsj_find(header.strip(), writing=True)
        except FsjApiError as exc:
            _abort(exc.status, exc.code, str(exc.args[0]), exc.details)
        request.update_context(fsj_import_run=run.id)
        request.httprequest.environ["fsj.import_run"] = run.uuid

    @classmethod
    def _fsj_select_companies(cls, header):
        """The companies the request works in: every company the key's user is allowed (Odoo's own
        default), or those named by the X-Company-Id header (ids, comma-separated; the first is the
        current company, the default of new records), which must all be allowed to the user."""
        if header is None:
            return
        allowed = request.env.user.company_ids.ids
        try:
            wanted = [int(part) for part in header.split(",") if part.strip()]
        except ValueError:
            wanted = None
        if not wanted:
            _abort(400, "invalid_company", f"{COMPANY_HEADER} must be company ids separated by commas.")
        refused = [cid for cid in wanted if cid not in allowed]
        if refused:
            _abort(
                403,
                "company_not_allowed",
                f"The key's user may not work in company {', '.join(map(str, refused))}.",
                {"companies": refused, "allowed": allowed},
            )
        request.update_context(allowed_company_ids=list(dict.fromkeys(wanted)))

    @classmethod
    def _fsj_select_language(cls, header):
        """The language of the request (names, selection labels, the errors Odoo translates): the
        installed language the Accept-Language header prefers, else the key's user's language (as
        Odoo's web client speaks to them; for a user without one, Odoo's choice: the company's language,
        else English or the first installed). Answered in the
        Content-Language header. The field maps are cached per language (ir.model._fsj_api_fields)."""
        env = request.env
        lang = None
        if header:
            installed = [code for code, _name in env["res.lang"].get_installed()]
            lang = parse_accept_language(header, installed, babel.core.LOCALE_ALIASES)
        if not lang:
            # Odoo's own per-user context, cached (res.users.context_get: an installed language, the
            # user's when set): reading env.user.lang would fetch the user's and its partner's whole
            # rows on every request (2 queries, about 2 ms of a 15 ms list: bench/run_bench.py, floor)
            lang = env["res.users"].context_get()["lang"]
        request.update_context(lang=lang)
        request.httprequest.environ["fsj.language"] = content_language(lang)

    @classmethod
    def _fsj_select_tz(cls, param, header):
        """The request's time zone, from the ``tz`` query parameter (first) or the X-Timezone header:
        an IANA name (e.g. Europe/Stockholm; case aside), else 400 ``invalid_tz``. It is the context's
        tz, and a date alone in a domain on a date-and-time field is that day there (UTC otherwise)."""
        given = param if param is not None else header
        if given is None:
            return
        name = TZ_NAMES.get(given.strip().lower())
        if name:
            try:
                zoneinfo.ZoneInfo(name)  # what the API converts dates with (restapi/parsing.py)
            except (ValueError, zoneinfo.ZoneInfoNotFoundError):
                name = None
        if not name:
            _abort(
                400,
                "invalid_tz",
                f"{given[:64]!r} is not an IANA time zone name (e.g. Europe/Stockholm, America/New_York, UTC).",
                {"tz": given[:64]},
            )
        request.update_context(tz=name, fsj_tz=name)
