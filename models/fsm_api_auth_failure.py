# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from datetime import timedelta

from odoo import api, fields, models

from .res_users_apikeys import primary_cursor

LIMIT_PARAM = "fieldservice_jobs.api_auth_failure_limit"
LIMIT_DEFAULT = 20  # refused keys per client and key prefix...
WINDOW_PARAM = "fieldservice_jobs.api_auth_failure_window"
WINDOW_DEFAULT = 60  # ...in this many seconds


class ApiKeyThrottled(Exception):
    """Too many refused keys from one client against one key prefix: retry after some seconds."""

    def __init__(self, retry_after):
        super().__init__(retry_after)
        self.retry_after = retry_after


class FsmApiAuthFailure(models.Model):
    """Refused API keys whose first 8 characters (Odoo's public key index) match a stored key, by
    client address and prefix, to throttle guessing a key (429 past the limit). A key whose prefix
    matches no stored key is refused without hashing and is not counted: a flood of random keys
    costs little and locks nobody out. Kept in PostgreSQL, so every worker and server shares it."""

    _name = "fsm.api.auth.failure"
    _description = "Field Service REST API Authentication Failure"
    _log_access = False

    remote_addr = fields.Char(required=True, index=True)
    key_prefix = fields.Char(help="The first characters of the refused key (Odoo's public key index).")
    date = fields.Datetime(required=True, index=True, default=fields.Datetime.now)

    @api.model
    def _settings(self):
        params = self.env["ir.config_parameter"].sudo()
        limit = int(params.get_param(LIMIT_PARAM, LIMIT_DEFAULT) or LIMIT_DEFAULT)
        window = int(params.get_param(WINDOW_PARAM, WINDOW_DEFAULT) or WINDOW_DEFAULT)
        return limit, window

    @api.model
    def _retry_after(self, remote_addr, key_prefix):
        """Seconds until this client may try keys with this prefix again, or 0 when not throttled."""
        limit, window = self._settings()
        since = fields.Datetime.now() - timedelta(seconds=window)
        failures = self.sudo().search(
            [("remote_addr", "=", remote_addr), ("key_prefix", "=", key_prefix), ("date", ">=", since)],
            order="date desc",
            limit=limit,
        )
        if len(failures) < limit:
            return 0
        oldest = failures[-1].date
        return max(1, int((oldest + timedelta(seconds=window) - fields.Datetime.now()).total_seconds()) + 1)

    @api.model
    def _check_throttle(self, remote_addr, key_prefix):
        retry_after = self._retry_after(remote_addr, key_prefix)
        if retry_after:
            raise ApiKeyThrottled(retry_after)

    @api.model
    def _record(self, remote_addr, key_prefix):
        """Count one refused key, in a transaction of its own on the primary: the request's is rolled
        back with the 401 (and may be a replica's, which cannot write)."""
        with primary_cursor(self.env) as cr:
            self.with_env(self.env(cr=cr)).sudo().create({"remote_addr": remote_addr, "key_prefix": key_prefix})

    @api.autovacuum
    def _gc_auth_failures(self):
        _limit, window = self._settings()
        self.sudo().search([("date", "<", fields.Datetime.now() - timedelta(seconds=window * 2))]).unlink()
