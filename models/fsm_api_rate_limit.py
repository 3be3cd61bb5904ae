# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

import time
from datetime import datetime, timedelta, timezone

from odoo import api, fields, models

from .res_users_apikeys import ensure_apikey_foreign_key, primary_cursor

LIMIT_PARAM = "fieldservice_jobs.api_rate_limit"
LIMIT_DEFAULT = 0  # requests per key and window: off
WINDOW_PARAM = "fieldservice_jobs.api_rate_limit_window"
WINDOW_DEFAULT = 60  # seconds
POLICY = "per-key"


class RateLimited(Exception):
    """A key over its request rate: retry after some seconds."""

    def __init__(self, limit, window, remaining, retry_after):
        super().__init__(limit, window, retry_after)
        self.limit, self.window, self.remaining, self.retry_after = limit, window, remaining, retry_after

    def headers(self):
        return rate_limit_headers(self.limit, self.window, self.remaining, self.retry_after)


def rate_limit_headers(limit, window, remaining, reset):
    """The IETF RateLimit-Policy / RateLimit fields (draft-ietf-httpapi-ratelimit-headers)."""
    return [
        ("RateLimit-Policy", f'"{POLICY}";q={limit};w={window}'),
        ("RateLimit", f'"{POLICY}";r={max(remaining, 0)};t={max(reset, 0)}'),
    ]


class FsmApiRateLimit(models.Model):
    """Requests per API key in fixed windows, counted in PostgreSQL so that every worker and server
    shares the count. Off by default: with no limit set (Settings, or the key's scope) nothing is
    counted and no query is made."""

    _name = "fsm.api.rate.limit"
    _description = "Field Service REST API Request Counter"
    _log_access = False

    apikey_id = fields.Many2one("res.users.apikeys", string="API Key", required=True, ondelete="cascade")
    window_start = fields.Datetime(required=True, index=True)
    count = fields.Integer(required=True, default=0)

    _sql_constraints = [("key_window_uniq", "unique(apikey_id, window_start)", "One counter per key and window.")]

    def init(self):
        ensure_apikey_foreign_key(self.env.cr, self._table)

    @api.model
    def _limit_of(self, key_id):
        """(requests, window seconds) for this key, or None when it is not limited."""
        params = self.env["ir.config_parameter"].sudo()
        limit = int(params.get_param(LIMIT_PARAM, LIMIT_DEFAULT) or LIMIT_DEFAULT)
        scope = self.env["fsm.api.key.scope"]._scope_of(key_id) if key_id else None
        if scope and scope[2]:
            limit = scope[2]
        if limit <= 0:
            return None
        window = int(params.get_param(WINDOW_PARAM, WINDOW_DEFAULT) or WINDOW_DEFAULT)
        return limit, max(window, 1)

    @api.model
    def _hit(self, key_id):
        """Count one request of this key: its RateLimit headers (none when the key is not limited).
        Raises RateLimited over the limit."""
        limit = self._limit_of(key_id)
        if not limit:
            return []
        limit, window = limit
        now = time.time()
        start = int(now // window * window)
        reset = int(start + window - now) + 1
        # an atomic increment shared by every worker and server, in a transaction of its own on the
        # primary (a refused or failed request counts too); the ORM has no upsert, hence SQL
        with primary_cursor(self.env) as cr:
            if not self.pool.in_test_mode():  # (a test cursor is inside the test's transaction)
                # concurrent hits of one key wait for each other's increment: under Odoo's REPEATABLE
                # READ the second upsert of a row would fail (could not serialize access)
                cr.execute("SET TRANSACTION ISOLATION LEVEL READ COMMITTED")
            cr.execute(
                """INSERT INTO fsm_api_rate_limit (apikey_id, window_start, count) VALUES (%s, %s, 1)
                   ON CONFLICT (apikey_id, window_start) DO UPDATE SET count = fsm_api_rate_limit.count + 1
                   RETURNING count""",
                [key_id, datetime.fromtimestamp(start, timezone.utc).replace(tzinfo=None)],
            )
            count = cr.fetchone()[0]
        remaining = limit - count
        if remaining < 0:
            raise RateLimited(limit, window, remaining, reset)
        return rate_limit_headers(limit, window, remaining, reset)

    @api.autovacuum
    def _gc_counters(self):
        self.sudo().search([("window_start", "<", fields.Datetime.now() - timedelta(days=1))]).unlink()
