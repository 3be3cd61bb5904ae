# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The REST API's answer while PostgreSQL is unreachable (a restart, a failover, a full connection
pool): a JSON 503 ``database_unavailable`` with Retry-After, never Odoo's no-database HTML 404 or an
HTML 500. A sync client reads a 404 as "deleted"; a 503 says "try again later".

Where Odoo 18 turns an unreachable database into those answers (odoo/http.py):

1. ``Request._get_session_and_dbname`` -> ``db_list(force=True)`` (an API client sends no session
   cookie, so this runs on every request): with ``--db-filter``, ``odoo.service.db.list_dbs`` connects
   to the ``postgres`` database, ``psycopg2.OperationalError`` (or its own ``except Exception``) makes
   ``db_list`` return ``[]``; the request has no database and ``Application.__call__`` serves it with
   ``Request._serve_nodb``, whose routing map holds only the server-wide modules' ``auth='none'``
   routes: ``/restapi/...`` is a werkzeug ``NotFound``, an HTML 404 (with ``-d`` alone, list_dbs
   does not connect and case 2 applies).
2. ``Request._serve_db`` -> ``_open_registry``: the registry or its first cursor fails
   (``OperationalError``), ``RegistryError`` reaches ``Application.__call__``, which logs "Database
   or registry unusable, trying without" and serves the request with ``_serve_nodb``: the same 404.
3. ``Request._transactioning``: ``registry.cursor()`` fails before its ``try`` (an HTML 500 from
   ``HttpDispatcher.handle_error``); the connection breaks while the API key is checked (the
   request's first query: ``ir.http._authenticate_explicit`` turns any error into ``AccessDenied``,
   an HTML 403, which a client may read as "key revoked"); or it breaks later in the request (the
   controller's rollback raises again, ``ir.http._handle_error`` answers ``InternalServerError``: an
   HTML 500). The original ``OperationalError`` stays in the chain (``__cause__``/``__context__``).

No Odoo extension point runs in cases 1 and 2 (there is no registry, hence no ``ir.http``; a
``nodb`` route would need the addon in ``server_wide_modules``, i.e. every deployment's
configuration), so the hook is a wrapper of those two ``Request`` methods (case 3 alone could be an
``ir.http._handle_error`` override, but not a cursor that fails before Odoo calls it: the wrapper of
``_serve_db`` answers all three the same way), installed once when the
addon is imported (which every worker serving the database does when it loads the registry), and
limited to ``/restapi`` paths: every other path keeps Odoo's behaviour exactly. With ``-d`` Odoo
loads the registry in the master before it forks the workers, so every worker (one respawned after a
crash too) has the wrapper; with ``--db-filter`` alone a worker imports the addon at its first request
to the database, and one that never reached it answers Odoo's 404 during an outage. A 503 to a write
means it was not acknowledged: retry it with the same Idempotency-Key.
"""

import logging
import time
import uuid

import psycopg2
import psycopg2.errors
from psycopg2.pool import PoolError

from odoo import http

_logger = logging.getLogger(__name__)

API_PREFIX = "/restapi"
RETRY_AFTER = 5  # seconds: a PostgreSQL restart takes a few; clients back off from there
LOG_EVERY = 10  # seconds between two warnings of a worker about the outage (not one per request)
# Errors of a server that is going away or not there yet (class 08: connection exception; 57P01-57P03:
# admin/crash shutdown, cannot connect now; 53300: too many connections). Others (serialization
# failures, lock or statement timeouts...) are not an outage: Odoo or the API answers them.
UNAVAILABLE_SQLSTATES = (
    "08000",
    "08001",
    "08003",
    "08004",
    "08006",
    "08007",
    "08P01",
    "57P01",
    "57P02",
    "57P03",
    "53300",
)
UNAVAILABLE_ERRORS = tuple(psycopg2.errors.lookup(code) for code in UNAVAILABLE_SQLSTATES)
CHAIN_DEPTH = 10

_last_warning = [0.0]


def is_db_unavailable(exc):
    """Whether ``exc`` (or an exception it was raised from or during) says PostgreSQL cannot be
    reached: a connection that fails or breaks (no SQLSTATE, or class 08), a server shutting down or
    starting up, no connection slot left (PostgreSQL's or Odoo's pool), or a closed connection used."""
    seen = 0
    while exc is not None and seen < CHAIN_DEPTH:
        if isinstance(exc, PoolError):
            return True
        if (type(exc) is psycopg2.OperationalError and exc.pgcode is None) or isinstance(exc, UNAVAILABLE_ERRORS):
            return True  # libpq's own error (no connection, or it broke: no SQLSTATE), or the server's
        if isinstance(exc, psycopg2.InterfaceError) and "closed" in str(exc):
            return True  # "connection already closed": the connection broke earlier in the request
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def is_api_path(path):
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def unavailable_response(req, reason):
    """The JSON 503 (no database access: no ir.http, CORS or rate-limit headers)."""
    environ = req.httprequest.environ
    request_id = environ.setdefault("fsj.request_id", uuid.uuid4().hex[:16])  # as ir.http's api_request_id
    now = time.monotonic()
    if now - _last_warning[0] > LOG_EVERY:
        _last_warning[0] = now
        _logger.warning(
            "REST API: database unavailable, answering 503 (request %s, %s %s): %s",
            request_id,
            req.httprequest.method,
            req.httprequest.path,
            reason,
        )
    body = {
        "error": {
            "status": 503,
            "code": "database_unavailable",
            "message": f"The database is unavailable for a moment; retry in {RETRY_AFTER} seconds.",
            "details": {"retry_after": RETRY_AFTER},
        }
    }
    headers = [("Retry-After", str(RETRY_AFTER)), ("Cache-Control", "no-store"), ("X-Request-Id", request_id)]
    return req.make_json_response(body, headers=headers, status=503)


def _serve_nodb(self):
    """Case 1 and 2: an API request Odoo would serve without a database (a 404: no API route is a
    nodb route) is answered 503: the database is unreachable, or none is selected for this host."""
    if is_api_path(self.httprequest.path):
        return unavailable_response(self, "no database (PostgreSQL unreachable or no database selected)")
    return _serve_nodb.odoo(self)


def _serve_db(self):
    """Case 2 and 3: the registry, a cursor or the request's connection fails for want of PostgreSQL."""
    try:
        return _serve_db.odoo(self)
    except Exception as exc:
        if is_api_path(self.httprequest.path) and is_db_unavailable(exc):
            return unavailable_response(self, f"{type(exc).__name__}: {str(exc).strip()[:200]}")
        raise


def install():
    """Wrap the two methods once per process (the module may be imported again by a test loader)."""
    request_class = http.Request
    if getattr(request_class._serve_db, "fsj_wrapper", False):
        return
    for wrapper in (_serve_nodb, _serve_db):
        wrapper.odoo = getattr(request_class, wrapper.__name__)
        wrapper.fsj_wrapper = True
        setattr(request_class, wrapper.__name__, wrapper)


install()
