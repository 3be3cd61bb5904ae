# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The webhook worker: an entry point, like the HTTP controller, run by the cron "Field Service:
deliver webhooks" (data/ir_cron.xml), which ``fsm.api.change`` triggers when a transaction with events
commits. It is an abstract model so that the cron can call it and another addon can ``_inherit`` it;
it lives here, above models/, because it renders records with the generic service (ModelApi), as a GET
answers them. Odoo runs one instance of a cron at a time across workers and servers (the cron's row
is locked), so deliveries are never sent twice at once; each delivery is committed as soon as its
attempt is known."""

import logging
import time
from concurrent.futures import ThreadPoolExecutor

from odoo import api, fields, models
from odoo.exceptions import AccessError

from . import webhooks
from .parsing import ApiError
from .service import ModelApi

_logger = logging.getLogger(__name__)

FAN_OUT_BATCH = 500  # changes turned into deliveries per transaction
SEND_BATCH = 50  # deliveries attempted at once (each to its own record)
SENDERS = 8  # parallel HTTP attempts
TIME_BUDGET = 50  # seconds one run works before handing over to the next trigger
SHORT_WAIT = 10  # a retry due within this many seconds is waited for in the same run
POLL = 0.2  # seconds between looks for new events while waiting for a retry
TIMEOUT_PARAM = "fieldservice_jobs.webhook_timeout"


class FsmWebhookWorker(models.AbstractModel):
    _name = "fsm.webhook.worker"
    _description = "Field Service Webhook Worker"

    @api.model
    def _cron_deliver(self, auto_commit=True, time_budget=TIME_BUDGET):
        started = time.monotonic()
        commit = self.env.cr.commit if auto_commit else (lambda: None)
        while self._fan_out():
            commit()
        deliveries = self.env["fsm.webhook.delivery"]
        while time.monotonic() - started < time_budget:
            due = deliveries._due(SEND_BATCH)
            if not due:
                next_due = deliveries._next_due()
                wait = (next_due - fields.Datetime.now()).total_seconds() if next_due else None
                if wait is None or wait > SHORT_WAIT or time.monotonic() - started + wait > time_budget:
                    break
                # wait for the retry, but take the events that commit meanwhile at once
                until = time.monotonic() + max(wait, 0) + 0.05
                while time.monotonic() < until:
                    commit()  # a new transaction sees what committed since
                    if self._fan_out():
                        break
                    time.sleep(POLL)
                continue
            self._send(due, commit)
            self._fan_out()  # events committed meanwhile go out in this run too
            commit()
        next_due = deliveries._next_due()
        if next_due:
            self.env.ref("fieldservice_jobs.ir_cron_webhook_deliver")._trigger(max(next_due, fields.Datetime.now()))
        commit()

    # -- changes -> deliveries ----------------------------------------------------------------------
    @api.model
    def _fan_out(self):
        """Turn pending changes into deliveries, one per matching active subscription, with the
        record rendered as the subscription's owner sees it. Returns whether it did any."""
        changes = self.env["fsm.api.change"].sudo().search([("pending", "=", True)], order="id", limit=FAN_OUT_BATCH)
        if not changes:
            return False
        vals_list = []
        for hook in self.env["fsm.webhook"].sudo().search([("active", "=", True)], order="id"):
            mine = changes.filtered(
                lambda c, hook=hook: c.model == hook.model and (not hook.events or c.event_type in hook.events)
            )
            if mine:
                vals_list += self._deliveries(hook, mine)
        self.env["fsm.webhook.delivery"].sudo().create(vals_list)
        changes.write({"pending": False})
        return True

    @api.model
    def _deliveries(self, hook, changes):
        owner = hook.user_id
        context = dict(self.env.context, allowed_company_ids=owner.company_ids.ids)
        if numbering := self.env["fsm.api.key.scope"]._fsj_id_maps_of(hook.stage_numbering):
            context["fsj_id_maps"] = numbering  # ids as the key that subscribed speaks them (JDX)
        env = self.env(user=owner, su=False, context=context)
        exposed = env["res.config.settings"]._fsm_jobs_api_models()
        try:
            api_ = ModelApi(env, hook.model, exposed)
            wanted = {c.res_id for c in changes if c.operation != "unlink"}
            visible = api_.model.with_context(active_test=False).search([("id", "in", list(wanted))])
            rows = {row["id"]: row for row in api_.render(visible, hook.model_fields or None)}
        except (AccessError, ApiError) as exc:
            _logger.warning(
                "Webhook %s: its owner %s cannot read %s (%s); nothing sent", hook.id, owner.login, hook.model, exc
            )
            return []
        hidden = wanted - set(rows)
        gone = hidden - set(self.env[hook.model].sudo().browse(list(hidden)).exists().ids)
        vals_list = []
        for change in changes:
            if change.company_id and change.company_id not in owner.company_ids:
                continue  # of a company the owner is not in (a record deleted since is checked so too)
            if change.operation == "unlink":
                record = None
            elif change.res_id in rows:
                record = rows[change.res_id]
            elif change.res_id in gone:
                record = None  # deleted since: its job.deleted event follows
            else:
                continue  # the owner may not see it
            body = webhooks.event_body(
                change.event_type,
                change.date.isoformat(timespec="seconds") + "Z",
                change.model,
                change.res_id,
                record,
                api_.previous_values(webhooks.previous_values(change.previous, api_.fields)),
                change.details or None,
            )
            vals_list.append(
                {
                    "webhook_id": hook.id,
                    "change_id": change.id,
                    "event_type": change.event_type,
                    "model": change.model,
                    "res_id": change.res_id,
                    "body": body,
                }
            )
        return vals_list

    # -- deliveries -> HTTP ---------------------------------------------------------------------------
    @api.model
    def _send(self, deliveries, commit):
        timeout = float(self.env["ir.config_parameter"].sudo().get_param(TIMEOUT_PARAM) or 10)
        refused = {hook: hook._private_target() for hook in deliveries.webhook_id}
        attempts = []
        for delivery in deliveries:
            hook = delivery.webhook_id
            if refused[hook]:
                delivery._record_attempt(
                    None, f"Refused: {hook.url} leads to the private address {refused[hook]}.", 0, None, refused=True
                )
                continue
            body = delivery.body.encode()
            stamp = int(time.time())
            attempts.append(
                (delivery, hook.url, webhooks.headers(hook._signing_secrets(), delivery.msg_id, stamp, body), body)
            )
        if not attempts:
            return
        with ThreadPoolExecutor(max_workers=min(SENDERS, len(attempts))) as pool:
            results = list(pool.map(lambda a: webhooks.post(a[1], a[2], a[3], timeout), attempts))
        for (delivery, *_rest), (status, error, duration, text) in zip(attempts, results, strict=True):
            delivery._record_attempt(status, error, duration, text)
        commit()
