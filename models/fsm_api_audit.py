# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from datetime import timedelta

from odoo import api, fields, models

RETENTION_PARAM = "fieldservice_jobs.api_audit_retention_days"


class FsmApiAudit(models.Model):
    """One row per write through the REST API (create, update, delete, method call, batch), whatever
    its outcome. Kept in PostgreSQL so it holds across workers and servers."""

    _name = "fsm.api.audit"
    _description = "Field Service REST API Audit Log"
    _order = "id desc"
    _log_access = False

    date = fields.Datetime(required=True, index=True, default=fields.Datetime.now, readonly=True)
    user_id = fields.Many2one("res.users", readonly=True, index=True, ondelete="set null")
    key_name = fields.Char(string="API Key", readonly=True)
    method = fields.Char(string="HTTP Method", readonly=True)
    path = fields.Char(readonly=True)
    model = fields.Char(readonly=True, index=True)
    record_ids = fields.Char(string="Record IDs", readonly=True)
    status = fields.Integer(readonly=True, index=True)
    error_code = fields.Char(readonly=True)
    duration_ms = fields.Float(string="Duration (ms)", readonly=True)
    request_id = fields.Char(readonly=True, index=True)
    remote_addr = fields.Char(string="Client Address", readonly=True)

    @api.model
    def _gc_audit(self):
        days = int(self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM, 90) or 90)
        limit = fields.Datetime.now() - timedelta(days=days)
        self.sudo().search([("date", "<", limit)]).unlink()
