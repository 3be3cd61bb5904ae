# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from datetime import timedelta

from odoo import api, fields, models

RETENTION_PARAM = "fieldservice_jobs.api_audit_retention_days"
RETENTION_DEFAULT = 90  # days


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
    import_run = fields.Char(
        readonly=True, index="btree_not_null", help="The import run the request wrote under (X-Import-Run)."
    )

    @api.model
    def _prepare_log_call_values(
        self, method, path, model, record_ids, status, error_code, duration, request_id, remote_addr, import_run=None
    ):
        """Override to record more: the values of one audit row, for the request's user and key
        (context ``fsj_api_key_name``)."""
        return {
            "user_id": self.env.uid,
            "key_name": self.env.context.get("fsj_api_key_name"),
            "method": method,
            "path": (path or "")[:512],
            "model": model,
            "record_ids": ",".join(str(i) for i in record_ids)[:2000],
            "status": status,
            "error_code": error_code,
            "duration_ms": round(duration * 1000, 1),
            "request_id": request_id,
            "remote_addr": remote_addr,
            "import_run": import_run,
        }

    @api.model
    def _log_call(self, values):
        """Write one audit row (in the request's transaction, after an error's rollback)."""
        return self.sudo().create(values)

    @api.autovacuum
    def _gc_audit(self):
        days = int(
            self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM, RETENTION_DEFAULT) or RETENTION_DEFAULT
        )
        limit = fields.Datetime.now() - timedelta(days=days)
        self.sudo().search([("date", "<", limit)]).unlink()
