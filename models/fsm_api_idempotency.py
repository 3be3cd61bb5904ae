# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from datetime import timedelta

from odoo import api, fields, models

from .res_users_apikeys import ensure_apikey_foreign_key

TTL_PARAM = "fieldservice_jobs.api_idempotency_ttl_hours"


class FsmApiIdempotency(models.Model):
    """The first answer to a POST sent with an Idempotency-Key, replayed to retries of the same
    request with the same API key. Written in the request's own transaction: stored if and only if the
    write happened; looked up only after the key, its scope and the model were checked."""

    _name = "fsm.api.idempotency"
    _description = "Field Service REST API Idempotency Key"
    _log_access = False

    user_id = fields.Many2one("res.users", required=True, index=True, ondelete="cascade")
    apikey_id = fields.Many2one("res.users.apikeys", string="API Key", index=True, ondelete="cascade")
    key = fields.Char(required=True)
    request_hash = fields.Char(required=True)
    status = fields.Integer(required=True)
    response = fields.Text(required=True)
    headers = fields.Text()
    date = fields.Datetime(required=True, index=True, default=fields.Datetime.now)

    _sql_constraints = [
        ("apikey_key_uniq", "unique(apikey_id, key)", "An idempotency key is used once per API key."),
    ]

    def init(self):
        ensure_apikey_foreign_key(self.env.cr, self._table)

    @api.model
    def _ttl(self):
        return timedelta(hours=int(self.env["ir.config_parameter"].sudo().get_param(TTL_PARAM, 24) or 24))

    @api.model
    def _gc_idempotency(self):
        self.sudo().search([("date", "<", fields.Datetime.now() - self._ttl())]).unlink()
