# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from datetime import timedelta

from odoo import api, fields, models

LIMIT_PARAM = "fieldservice_jobs.api_auth_failure_limit"
WINDOW_PARAM = "fieldservice_jobs.api_auth_failure_window"


class FsmApiAuthFailure(models.Model):
    """Refused API keys by client address, to throttle key guessing (429 past the limit). In
    PostgreSQL, so the count is shared by every worker and server."""

    _name = "fsm.api.auth.failure"
    _description = "Field Service REST API Authentication Failure"
    _log_access = False

    remote_addr = fields.Char(required=True, index=True)
    date = fields.Datetime(required=True, index=True, default=fields.Datetime.now)

    @api.model
    def _settings(self):
        params = self.env["ir.config_parameter"].sudo()
        limit = int(params.get_param(LIMIT_PARAM, 20) or 20)
        window = int(params.get_param(WINDOW_PARAM, 60) or 60)
        return limit, window

    @api.model
    def _retry_after(self, remote_addr):
        """Seconds until this address may try again, or 0 when it is not throttled."""
        limit, window = self._settings()
        since = fields.Datetime.now() - timedelta(seconds=window)
        failures = self.sudo().search(
            [("remote_addr", "=", remote_addr), ("date", ">=", since)], order="date desc", limit=limit
        )
        if len(failures) < limit:
            return 0
        oldest = failures[-1].date
        return max(1, int((oldest + timedelta(seconds=window) - fields.Datetime.now()).total_seconds()) + 1)

    @api.model
    def _gc_auth_failures(self):
        _limit, window = self._settings()
        self.sudo().search([("date", "<", fields.Datetime.now() - timedelta(seconds=window * 2))]).unlink()
