# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo import fields, models


class FsmWebhookAttempt(models.Model):
    """One HTTP attempt of a webhook delivery, as the receiver answered it."""

    _name = "fsm.webhook.attempt"
    _description = "Field Service Webhook Delivery Attempt"
    _order = "id desc"
    _log_access = False

    delivery_id = fields.Many2one("fsm.webhook.delivery", required=True, index=True, ondelete="cascade")
    webhook_id = fields.Many2one(related="delivery_id.webhook_id")
    date = fields.Datetime(required=True, readonly=True)
    status_code = fields.Integer(string="HTTP Status", readonly=True, help="0: no answer (timeout, refused).")
    duration_ms = fields.Float(string="Duration (ms)", readonly=True)
    error = fields.Char(readonly=True)
    response = fields.Text(readonly=True, help="The start of the receiver's answer.")
