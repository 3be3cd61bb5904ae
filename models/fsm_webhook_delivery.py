# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

import datetime
import json
import random
import uuid

from odoo import _, api, fields, models
from odoo.tools import SQL

from .fsm_api_change import RETENTION_DEFAULT, RETENTION_PARAM

# seconds to wait after each failed attempt (the Standard Webhooks reference schedule): the last
# attempt is about 27.6 hours after the first; each wait is moved by up to 10 % either way (jitter)
RETRY_SCHEDULE = (5, 300, 1800, 7200, 18000, 36000, 36000)
SCHEDULE_PARAM = "fieldservice_jobs.webhook_retry_schedule"  # e.g. "5,300,1800": seconds, comma-separated
JITTER = 0.1


def retry_delay(attempt, schedule=RETRY_SCHEDULE, rand=random.random):
    """Seconds before attempt ``attempt + 1`` (``attempt`` failed attempts so far), or None when
    none is left."""
    if attempt < 1 or attempt > len(schedule):
        return None
    base = schedule[attempt - 1]
    return base * (1 - JITTER + 2 * JITTER * rand())


def parse_schedule(value):
    """The retry schedule a system parameter gives, or the default one if it is empty or wrong."""
    try:
        schedule = tuple(float(part) for part in (value or "").split(",") if part.strip())
    except ValueError:
        return RETRY_SCHEDULE
    return schedule if schedule and all(0 < s <= 7 * 86400 for s in schedule) else RETRY_SCHEDULE


def is_final(status_code):
    """True if an answer ends the delivery: 2xx (delivered) or a 4xx other than 408/429 (refused)."""
    if status_code is None:
        return False
    return 200 <= status_code < 300 or (400 <= status_code < 500 and status_code not in (408, 429))


class FsmWebhookDelivery(models.Model):
    """One event for one subscription: the body is rendered once, so every attempt sends the same
    bytes under the same ``webhook-id``. Attempted in order per record and subscription (a delivery
    waits while an earlier one of the same record is still pending)."""

    _name = "fsm.webhook.delivery"
    _description = "Field Service Webhook Delivery"
    _order = "id desc"
    _rec_name = "msg_id"

    webhook_id = fields.Many2one("fsm.webhook", required=True, readonly=True, index=True, ondelete="cascade")
    change_id = fields.Many2one("fsm.api.change", readonly=True, ondelete="set null")
    msg_id = fields.Char(
        string="Message ID", required=True, readonly=True, default=lambda self: f"msg_{uuid.uuid4().hex}"
    )
    event_type = fields.Char(required=True, readonly=True)
    model = fields.Char(readonly=True)
    res_id = fields.Integer(string="Record ID", readonly=True)
    body = fields.Text(required=True, readonly=True)
    state = fields.Selection(
        [("pending", "Pending"), ("delivered", "Delivered"), ("failed", "Failed")],
        required=True,
        default="pending",
        readonly=True,
        index=True,
    )
    attempt_count = fields.Integer(readonly=True)
    next_attempt = fields.Datetime(readonly=True, default=fields.Datetime.now)
    delivered_date = fields.Datetime(readonly=True)
    last_status = fields.Integer(string="Last HTTP Status", readonly=True)
    last_error = fields.Char(readonly=True)
    attempt_ids = fields.One2many("fsm.webhook.attempt", "delivery_id", string="Attempts", readonly=True)

    _sql_constraints = [("msg_id_uniq", "unique(msg_id)", "A message id is used once.")]

    def init(self):
        # the worker's question: the oldest pending delivery of each record and subscription
        self.env.cr.execute(
            "CREATE INDEX IF NOT EXISTS fsm_webhook_delivery_pending_index ON fsm_webhook_delivery "
            "(webhook_id, model, res_id, id) WHERE state = 'pending'"
        )

    # -- queueing ---------------------------------------------------------------------------------
    @api.model
    def _queue(self, vals_list):
        """Create deliveries and wake the worker."""
        deliveries = self.sudo().create(vals_list)
        if deliveries:
            self.env.ref("fieldservice_jobs.ir_cron_webhook_deliver")._trigger()
        return deliveries

    @api.model
    def _create_test(self, hooks):
        now = fields.Datetime.now()
        return self._queue(
            [
                {
                    "webhook_id": hook.id,
                    "event_type": "webhook.test",
                    "model": "fsm.webhook",
                    "res_id": hook.id,
                    "body": json.dumps(
                        {
                            "type": "webhook.test",
                            "timestamp": now.isoformat() + "Z",
                            "data": {
                                "id": hook.id,
                                "model": "fsm.webhook",
                                "record": {"id": hook.id, "name": hook.name},
                            },
                        }
                    ),
                }
                for hook in hooks
            ]
        )

    def action_redeliver(self):
        """Send again (same webhook-id and body), at once, with a fresh retry schedule."""
        self.check_access("write")
        self.sudo().write(
            {"state": "pending", "next_attempt": fields.Datetime.now(), "attempt_count": 0, "delivered_date": False}
        )
        self.env.ref("fieldservice_jobs.ir_cron_webhook_deliver")._trigger()
        return True

    # -- the worker's side (restapi/worker.py) ------------------------------------------------------
    @api.model
    def _due(self, limit):
        """Deliveries to attempt now: the oldest pending one of each record and subscription, if it
        is due and its subscription active."""
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                SELECT h.id FROM (
                    SELECT DISTINCT ON (d.webhook_id, d.model, d.res_id) d.id, d.next_attempt
                      FROM fsm_webhook_delivery d
                     WHERE d.state = 'pending'
                  ORDER BY d.webhook_id, d.model, d.res_id, d.id
                ) h
                JOIN fsm_webhook_delivery d ON d.id = h.id
                JOIN fsm_webhook w ON w.id = d.webhook_id AND w.active
                WHERE h.next_attempt <= %s
                ORDER BY h.id
                LIMIT %s
                """,
                fields.Datetime.now(),
                limit,
            )
        )
        return self.sudo().browse([row[0] for row in self.env.cr.fetchall()])

    @api.model
    def _next_due(self):
        """When the next delivery ``_due`` hands out is due (only the oldest pending one of each
        record and subscription counts: the others wait behind it), or None."""
        self.env.flush_all()
        self.env.cr.execute(
            """
            SELECT min(h.next_attempt) FROM (
                SELECT DISTINCT ON (d.webhook_id, d.model, d.res_id) d.webhook_id, d.next_attempt
                  FROM fsm_webhook_delivery d
                 WHERE d.state = 'pending'
              ORDER BY d.webhook_id, d.model, d.res_id, d.id
            ) h
            JOIN fsm_webhook w ON w.id = h.webhook_id AND w.active
            """
        )
        return self.env.cr.fetchone()[0]

    def _record_attempt(self, status_code, error, duration, response_text, refused=False):
        """Store one attempt's outcome: delivered (2xx), failed for good (4xx other than 408/429, a
        refused address, or no retry left), or retried later with backoff."""
        self.ensure_one()
        now = fields.Datetime.now()
        attempts = self.attempt_count + 1
        self.env["fsm.webhook.attempt"].sudo().create(
            {
                "delivery_id": self.id,
                "date": now,
                "status_code": status_code or 0,
                "duration_ms": round(duration * 1000, 1),
                "error": (error or "")[:500] or False,
                "response": (response_text or "")[:1000] or False,
            }
        )
        vals = {"attempt_count": attempts, "last_status": status_code or 0, "last_error": (error or "")[:500] or False}
        delivered = status_code is not None and 200 <= status_code < 300
        if delivered:
            vals.update(state="delivered", delivered_date=now)
        elif refused or is_final(status_code):
            vals["state"] = "failed"
        else:
            schedule = parse_schedule(self.env["ir.config_parameter"].sudo().get_param(SCHEDULE_PARAM))
            delay = retry_delay(attempts, schedule)
            if delay is None:
                vals.update(state="failed", last_error=vals["last_error"] or _("No retry left."))
            else:
                vals["next_attempt"] = now + datetime.timedelta(seconds=delay)
        self.sudo().write(vals)
        self.webhook_id._record_outcome(delivered)

    @api.autovacuum
    def _gc_deliveries(self):
        days = int(
            self.env["ir.config_parameter"].sudo().get_param(RETENTION_PARAM, RETENTION_DEFAULT) or RETENTION_DEFAULT
        )
        limit = fields.Datetime.now() - datetime.timedelta(days=days)
        self.sudo().search([("state", "!=", "pending"), ("create_date", "<", limit)]).unlink()
