# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Webhooks: the change log (models/fsm_api_change.py, models/base.py), the subscriptions
(models/fsm_webhook.py), the deliveries and their retries (models/fsm_webhook_delivery.py) and the
worker (restapi/worker.py), through the ORM and through the REST API.

No real HTTP: ``restapi.webhooks.post`` is replaced by a fake receiver that records each call and
answers from a script. Change rows are written by a precommit hook: ``self.env.cr.flush()`` stands
for the end of a transaction."""

import datetime
import json
import threading
import time
from unittest.mock import patch

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.fieldservice_jobs.exceptions import FsjApiError
from odoo.addons.fieldservice_jobs.models.fsm_webhook import (
    ALLOW_PRIVATE_PARAM,
    DISABLE_PARAM,
    generate_secret,
)
from odoo.addons.fieldservice_jobs.models.fsm_webhook_delivery import (
    JITTER,
    RETRY_SCHEDULE,
    SCHEDULE_PARAM,
    is_final,
    parse_schedule,
    retry_delay,
)
from odoo.addons.fieldservice_jobs.restapi.service import ModelApi

from .common import JobsCase
from .factories import ApiKeyFactory, CompanyFactory, UserFactory
from .test_restapi import RestApiCase

POST = "odoo.addons.fieldservice_jobs.restapi.webhooks.post"
URL = "http://127.0.0.1:9/hook"
TIMESTAMP_RE = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$"


class FakeReceiver:
    """Stands in for ``restapi.webhooks.post(url, headers, body, timeout)``: records every call and
    answers from a script. An answer is an HTTP status, None (no answer: a timeout) or a full
    ``(status, error, seconds, text)`` tuple; ``per_record`` scripts the answers by the event's
    ``data.id`` (the worker posts in threads, so the order of calls to different records is not
    fixed)."""

    def __init__(self, *answers, default=200, per_record=None):
        self.lock = threading.Lock()
        self.calls = []
        self.answers = list(answers)
        self.per_record = {key: list(value) for key, value in (per_record or {}).items()}
        self.default = default

    def __call__(self, url, headers, body, timeout):
        with self.lock:
            self.calls.append({"url": url, "headers": dict(headers), "body": body, "timeout": timeout})
            res_id = json.loads(body)["data"]["id"]
            script = self.per_record.get(res_id, self.answers)
            answer = script.pop(0) if script else self.default
        if isinstance(answer, tuple):
            return answer
        if answer is None:
            return None, "No answer within 10 s.", 10.0, None
        return answer, None if 200 <= answer < 300 else f"HTTP {answer}", 0.01, "ok"

    def ids(self):
        return [call["headers"]["webhook-id"] for call in self.calls]

    def bodies(self):
        return [json.loads(call["body"]) for call in self.calls]


class WebhookMixin:
    """Shared helpers: subscriptions, the change log of a record, one run of the worker."""

    def new_hook(self, **vals):
        vals.setdefault("name", "Test hook")
        vals.setdefault("url", URL)
        vals.setdefault("user_id", self.owner.id)
        return self.env["fsm.webhook"].create(vals)

    def log(self, record_or_id, model="fsm.order"):
        """The change rows of a record, oldest first."""
        res_id = record_or_id if isinstance(record_or_id, int) else record_or_id.id
        return self.env["fsm.api.change"].search([("model", "=", model), ("res_id", "=", res_id)], order="id")

    def deliveries(self, hook, record=None):
        domain = [("webhook_id", "=", hook.id)]
        if record is not None:
            domain.append(("res_id", "=", record.id))
        return self.env["fsm.webhook.delivery"].search(domain, order="id")

    def run_worker(self, fake, budget=1):
        """One run of the cron's worker with ``fake`` as the receiver. The budget is kept below the
        first retry's wait (5 s - 10 %) so that a retry is never waited for in the same run, unless a
        test means it to be."""
        with patch(POST, fake):
            self.env["fsm.webhook.worker"]._cron_deliver(auto_commit=False, time_budget=budget)
        self.env.invalidate_all()
        return fake

    def make_due(self, deliveries):
        """A retry's time has come (rather than sleeping until then)."""
        deliveries.sudo().write({"next_attempt": fields.Datetime.now() - datetime.timedelta(seconds=1)})

    def assertRetryIn(self, delivery, seconds):
        """The next attempt is ``seconds`` (+- the jitter) after the last attempt; datetimes are
        stored to the second, hence the extra second below."""
        last = delivery.attempt_ids.sorted("id")[-1]
        wait = (delivery.next_attempt - last.date).total_seconds()
        self.assertGreaterEqual(wait, seconds * (1 - JITTER) - 1, delivery.last_error)
        self.assertLessEqual(wait, seconds * (1 + JITTER) + 1, delivery.last_error)


@tagged("post_install", "-at_install")
class TestFsmWebhook(WebhookMixin, JobsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(ALLOW_PRIVATE_PARAM, "1")
        cls.Hook = cls.env["fsm.webhook"]
        cls.Delivery = cls.env["fsm.webhook.delivery"]
        cls.company_a = cls.env.ref("base.main_company")
        cls.owner = UserFactory(
            env=cls.env, name="Webhook Owner", login="fsj_wh_owner", groups=("fieldservice.group_fsm_manager",)
        )
        # the customer's service location, made once (it writes the partner)
        cls.Order._get_customer_location(cls.customer)

    def setUp(self):
        super().setUp()
        self.env.cr.flush()  # the changes of setUpClass end their "transaction" before any hook exists

    # -- 1. the change log ------------------------------------------------------------------------
    def test_change_log_without_webhook(self):
        self.assertFalse(self.Hook.search([]))
        self.assertNotIn("fsm.order", self.env["fsm.api.change"]._webhook_models())
        job = self.new_job(description="one")
        self.env.cr.flush()
        rows = self.log(job)
        self.assertEqual(rows.mapped("operation"), ["create"])
        self.assertEqual(rows.company_id, job.company_id)
        self.assertEqual((rows.pending, rows.event_type, rows.previous), (False, False, False))

        job.description = "two"
        job.write({"description": "three", "priority": "1"})
        self.env.cr.flush()
        rows = self.log(job)
        self.assertEqual(rows.mapped("operation"), ["create", "write"], "one row per record and transaction")
        self.assertEqual((rows[1].pending, rows[1].event_type, rows[1].previous), (False, False, False))

        company = job.company_id
        job.unlink()
        self.env.cr.flush()
        rows = self.log(job.id)
        self.assertEqual(rows.mapped("operation"), ["create", "write", "unlink"])
        self.assertEqual(rows[2].company_id, company)
        self.assertEqual((rows[2].pending, rows[2].event_type, rows[2].previous), (False, False, False))
        # rows are read in commit-safe order with their transaction id
        self.env.cr.execute("SELECT txid FROM fsm_api_change WHERE id = ANY(%s)", [rows.ids])
        self.assertTrue(all(txid for (txid,) in self.env.cr.fetchall()))

    def test_change_log_events_and_previous_values(self):
        self.new_hook()
        self.assertIn("fsm.order", self.env["fsm.api.change"]._webhook_models())
        self.env.cr.flush()
        job = self.new_job(description="Before")
        self.env.cr.flush()
        created = self.log(job)
        self.assertEqual(created.mapped("operation"), ["create"])
        self.assertEqual((created.event_type, created.pending), ("job.created", True))

        # a write: job.updated, with the old values of the fields that changed, and only those
        priority = job.priority
        job.write({"description": "After", "priority": priority})
        job.write({"description": "After again"})  # the value before the transaction's first write
        self.env.cr.flush()
        updated = self.log(job) - created
        self.assertEqual(len(updated), 1)
        self.assertEqual((updated.operation, updated.event_type, updated.pending), ("write", "job.updated", True))
        self.assertEqual(updated.previous, {"description": "<p>Before</p>"})  # an Html field

        # a stage change by the workflow: job.stage_changed, the old stage as [id, name]
        old_stage = job.stage_id
        self.assertEqual(old_stage, self.stage_new)
        job.action_start()
        self.env.cr.flush()
        started = self.log(job) - created - updated
        self.assertEqual(len(started), 1)
        self.assertEqual((started.operation, started.event_type), ("write", "job.stage_changed"))
        self.assertEqual(started.previous["stage_id"], [old_stage.id, old_stage.name])
        self.assertIn("date_start", started.previous)  # set by entering In Progress, in the same transaction
        self.assertFalse(started.previous["date_start"])
        self.assertNotIn("description", started.previous)

        # a stage written directly
        other = self.new_job()
        self.env.cr.flush()
        other.write({"stage_id": self.stage_scheduled.id})
        self.env.cr.flush()
        moved = self.log(other)[-1]
        self.assertEqual((moved.operation, moved.event_type), ("write", "job.stage_changed"))
        self.assertEqual(moved.previous, {"stage_id": [self.stage_new.id, self.stage_new.name]})

        # a deletion: job.deleted, with what the event keeps of the record
        doomed = self.new_job(description="doomed")
        self.env.cr.flush()
        name, company, doomed_id = doomed.name, doomed.company_id, doomed.id
        doomed.unlink()
        self.env.cr.flush()
        deleted = self.log(doomed_id)[-1]
        self.assertEqual((deleted.operation, deleted.event_type, deleted.pending), ("unlink", "job.deleted", True))
        self.assertEqual(deleted.company_id, company)
        self.assertEqual(deleted.previous["name"], name)
        self.assertEqual(deleted.previous["stage_id"], [self.stage_new.id, self.stage_new.name])

    def test_change_log_created_and_deleted_in_one_transaction(self):
        self.new_hook()
        self.env.cr.flush()
        job = self.new_job(description="ephemeral")
        job.description = "still ephemeral"
        job_id = job.id
        job.unlink()
        self.env.cr.flush()
        self.assertFalse(self.log(job_id))

    def test_change_log_of_a_creation_rolled_back_by_a_savepoint(self):
        self.new_hook()
        self.env.cr.flush()
        kept = self.new_job(description="kept")
        ghost_id = None
        with self.assertRaises(RuntimeError), self.env.cr.savepoint():
            ghost = self.new_job(description="ghost")
            ghost.write({"description": "ghost, written"})
            ghost_id = ghost.id
            raise RuntimeError("roll the savepoint back")
        self.env.cr.flush()
        self.assertTrue(ghost_id)
        self.assertFalse(self.log(ghost_id))
        self.assertEqual(self.log(kept).mapped("event_type"), ["job.created"])

        # a savepoint that does not run the precommit hooks: the creation's entry is still there at
        # the end of the transaction, and must be recognised as gone
        with self.assertRaises(RuntimeError), self.env.cr.savepoint(flush=False):
            ghost = self.new_job(description="ghost 2")
            ghost.write({"description": "ghost 2, written"})
            ghost_id = ghost.id
            self.env.flush_all()
            raise RuntimeError("roll the savepoint back")
        self.env.invalidate_all()
        self.env.cr.flush()
        self.assertFalse(self.log(ghost_id))

    def test_change_log_of_a_creation_has_no_previous_values(self):
        """A created record has no old values, even when it is written again in the transaction that
        created it."""
        self.new_hook()
        self.env.cr.flush()
        job = self.new_job(description="first")
        job.write({"description": "second"})
        self.env.cr.flush()
        created = self.log(job)
        self.assertEqual(created.mapped("event_type"), ["job.created"])
        self.assertFalse(created.previous)

    # -- 2. the worker: fan-out, body, signature ---------------------------------------------------
    def test_fan_out_honours_events_and_renders_as_get(self):
        every = self.new_hook(name="every event")
        stages = self.new_hook(name="stages only", events=["job.stage_changed"], url="http://127.0.0.1:9/stages")
        slim = self.new_hook(name="two fields", model_fields=["name", "stage_id"], url="http://127.0.0.1:9/slim")
        self.env.cr.flush()
        job = self.new_job(description="Fan out")
        self.env.cr.flush()
        job.action_start()
        self.env.cr.flush()
        self.assertFalse(self.env["fsm.api.change"].search([("pending", "=", True), ("model", "!=", "fsm.order")]))

        fake = self.run_worker(FakeReceiver())
        self.assertFalse(self.env["fsm.api.change"].search([("pending", "=", True)]), "all changes fanned out")
        self.assertEqual(self.deliveries(every).mapped("event_type"), ["job.created", "job.stage_changed"])
        self.assertEqual(self.deliveries(stages).mapped("event_type"), ["job.stage_changed"])
        self.assertEqual(self.deliveries(slim).mapped("event_type"), ["job.created", "job.stage_changed"])
        all_deliveries = self.deliveries(every) | self.deliveries(stages) | self.deliveries(slim)
        self.assertEqual(set(all_deliveries.mapped("state")), {"delivered"})
        self.assertEqual(set(all_deliveries.mapped("res_id")), {job.id})
        self.assertEqual(len(fake.calls), 5)
        self.assertEqual(sorted(fake.ids()), sorted(all_deliveries.mapped("msg_id")))
        for call in fake.calls:
            delivery = all_deliveries.filtered(lambda d, call=call: d.msg_id == call["headers"]["webhook-id"])
            self.assertEqual(call["url"], delivery.webhook_id.url)
            self.assertEqual(call["body"], delivery.body.encode())

        # the body, as Standard Webhooks has it
        moved = self.deliveries(every)[1]
        body = json.loads(moved.body)
        self.assertEqual(set(body), {"type", "timestamp", "data"})
        self.assertEqual(body["type"], "job.stage_changed")
        self.assertRegex(body["timestamp"], TIMESTAMP_RE)
        data = body["data"]
        self.assertEqual((data["id"], data["model"]), (job.id, "fsm.order"))
        record = data["record"]
        self.assertEqual(record["name"], job.name)
        self.assertEqual(record["stage_id"], [self.stage_in_progress.id, self.stage_in_progress.name])
        # the record as a GET by the owner answers it
        owner_env = self.env(user=self.owner, su=False)
        exposed = owner_env["res.config.settings"]._fsm_jobs_api_models()
        self.assertEqual(record, ModelApi(owner_env, "fsm.order", exposed).render(job.with_env(owner_env), None)[0])
        # the old values under the API's names
        self.assertEqual(data["previous"]["stage_id"], [self.stage_new.id, self.stage_new.name])
        self.assertIsNone(data["previous"]["date_start"])
        created_body = json.loads(self.deliveries(every)[0].body)
        self.assertEqual(created_body["type"], "job.created")
        self.assertEqual(created_body["data"]["previous"], {})

        # model_fields: those fields and the id
        slim_body = json.loads(self.deliveries(slim)[1].body)
        self.assertEqual(set(slim_body["data"]["record"]), {"id", "name", "stage_id"})
        self.assertEqual(slim_body["data"]["record"]["stage_id"][0], self.stage_in_progress.id)

    def test_deleted_job_event(self):
        hook = self.new_hook()
        job = self.new_job(description="to delete")
        self.env.cr.flush()
        name = job.name
        job.unlink()
        self.env.cr.flush()
        fake = self.run_worker(FakeReceiver())
        deliveries = self.deliveries(hook)
        self.assertEqual(deliveries.mapped("event_type"), ["job.created", "job.deleted"])
        self.assertEqual(deliveries.mapped("state"), ["delivered", "delivered"])
        self.assertEqual([b["type"] for b in fake.bodies()], ["job.created", "job.deleted"])
        for body in fake.bodies():
            # the job is gone by the time the worker renders it: no record, in both events
            self.assertIsNone(body["data"]["record"])
        self.assertEqual(fake.bodies()[1]["data"]["previous"]["name"], name)

    def test_signature_verifies_with_the_standard_library(self):
        hook = self.new_hook()
        secret = hook.sudo().secret
        self.assertRegex(secret, r"^whsec_[A-Za-z0-9+/]+=*$")
        hook.invalidate_recordset()
        self.assertFalse(hook.new_secret, "the secret is never read back")
        self.new_job()
        self.env.cr.flush()
        fake = self.run_worker(FakeReceiver())
        self.assertEqual(len(fake.calls), 1)
        call = fake.calls[0]
        delivery = self.deliveries(hook)
        headers = call["headers"]
        self.assertEqual(headers["webhook-id"], delivery.msg_id)
        self.assertLessEqual(abs(int(headers["webhook-timestamp"]) - time.time()), 60)
        self.assertEqual(len(headers["webhook-signature"].split(" ")), 1)
        self.assertEqual(headers["Content-Type"], "application/json")
        self.assertEqual(Webhook(secret).verify(call["body"], headers)["type"], "job.created")
        with self.assertRaises(WebhookVerificationError):
            Webhook(generate_secret()).verify(call["body"], headers)
        with self.assertRaises(WebhookVerificationError):
            Webhook(secret).verify(call["body"] + b" ", headers)

    def test_rotation_signs_with_both_secrets_during_the_grace(self):
        hook = self.new_hook()
        old = hook.sudo().secret
        action = hook.action_rotate_secret()
        new = hook.sudo().secret
        self.assertNotEqual(new, old)
        self.assertEqual(action["params"]["message"], new)
        self.assertEqual(hook.sudo().previous_secret, old)
        grace = hook.previous_secret_until - fields.Datetime.now()
        self.assertGreater(grace, datetime.timedelta(hours=23))
        self.assertLessEqual(grace, datetime.timedelta(hours=24))

        job = self.new_job()
        self.env.cr.flush()
        fake = self.run_worker(FakeReceiver())
        headers, body = fake.calls[0]["headers"], fake.calls[0]["body"]
        self.assertEqual(len(headers["webhook-signature"].split(" ")), 2)
        Webhook(old).verify(body, headers)
        Webhook(new).verify(body, headers)

        # after the grace, only the new secret signs
        hook.sudo().write({"previous_secret_until": fields.Datetime.now() - datetime.timedelta(minutes=1)})
        job.description = "after the grace"
        self.env.cr.flush()
        fake = self.run_worker(FakeReceiver())
        headers, body = fake.calls[0]["headers"], fake.calls[0]["body"]
        self.assertEqual(len(headers["webhook-signature"].split(" ")), 1)
        Webhook(new).verify(body, headers)
        with self.assertRaises(WebhookVerificationError):
            Webhook(old).verify(body, headers)

    # -- 3. ordering and retries -------------------------------------------------------------------
    def test_deliveries_of_a_record_go_in_order_and_retry_unchanged(self):
        hook = self.new_hook()
        job = self.new_job(description="first")
        self.env.cr.flush()
        job.description = "second"
        self.env.cr.flush()

        fake = self.run_worker(FakeReceiver(500))
        first, second = self.deliveries(hook)
        self.assertEqual((first.event_type, second.event_type), ("job.created", "job.updated"))
        self.assertEqual(fake.ids(), [first.msg_id], "the second waits while the first is pending")
        self.assertEqual((first.state, first.attempt_count, first.last_status), ("pending", 1, 500))
        self.assertEqual(first.last_error, "HTTP 500")
        self.assertEqual((second.state, second.attempt_count), ("pending", 0))
        self.assertRetryIn(first, 5)
        self.assertEqual(first.attempt_ids.status_code, 500)
        msg_id, body = first.msg_id, first.body

        # not due yet: nothing sent
        fake = self.run_worker(FakeReceiver())
        self.assertFalse(fake.calls)

        # due: the retry, then the next one, in order
        self.make_due(first)
        fake = self.run_worker(FakeReceiver())
        self.assertEqual(fake.ids(), [first.msg_id, second.msg_id])
        self.assertEqual(fake.calls[0]["body"], body.encode(), "a retry sends the same bytes")
        self.assertEqual((first.msg_id, first.body), (msg_id, body))
        self.assertEqual((first.state, first.attempt_count, first.last_status), ("delivered", 2, 200))
        self.assertTrue(first.delivered_date)
        self.assertEqual(sorted(first.attempt_ids.mapped("status_code")), [200, 500])
        self.assertEqual((second.state, second.attempt_count), ("delivered", 1))
        self.assertEqual([b["type"] for b in fake.bodies()], ["job.created", "job.updated"])

    def test_next_due_ignores_deliveries_waiting_behind_a_retry(self):
        hook = self.new_hook()
        job = self.new_job(description="first")
        self.env.cr.flush()
        job.description = "second"
        self.env.cr.flush()
        started = time.monotonic()
        self.run_worker(FakeReceiver(500), budget=3)
        spent = time.monotonic() - started
        first, _second = self.deliveries(hook)
        self.assertEqual(first.state, "pending")
        next_due = self.Delivery._next_due()
        self.assertEqual(next_due, first.next_attempt, "the blocked delivery is not due before the one it waits for")
        self.assertLess(spent, 2, "the run does not poll while nothing can be sent")

    def test_retryable_answers(self):
        hook = self.new_hook()
        statuses = (500, 502, 503, 429, 408, None)
        jobs = {status: self.new_job(description=f"answered {status}") for status in statuses}
        self.env.cr.flush()
        fake = self.run_worker(FakeReceiver(per_record={job.id: [status] for status, job in jobs.items()}))
        self.assertEqual(len(fake.calls), len(statuses))
        for status, job in jobs.items():
            with self.subTest(status=status):
                delivery = self.deliveries(hook, job)
                self.assertEqual((delivery.state, delivery.attempt_count), ("pending", 1))
                self.assertEqual(delivery.last_status, status or 0)
                self.assertTrue(delivery.last_error)
                self.assertRetryIn(delivery, RETRY_SCHEDULE[0])
        # a timeout is recorded as status 0 with its error
        timed_out = self.deliveries(hook, jobs[None])
        self.assertEqual(timed_out.attempt_ids.status_code, 0)
        self.assertIn("No answer", timed_out.attempt_ids.error)

    def test_final_answers_fail_and_unblock_the_next_delivery(self):
        hook = self.new_hook()
        for status in (400, 404, 410):
            with self.subTest(status=status):
                job = self.new_job(description=f"refused {status}")
                self.env.cr.flush()
                job.description = "next"
                self.env.cr.flush()
                fake = self.run_worker(FakeReceiver(status))
                first, second = self.deliveries(hook, job)
                self.assertEqual(fake.ids(), [first.msg_id, second.msg_id])
                self.assertEqual((first.state, first.attempt_count, first.last_status), ("failed", 1, status))
                self.assertFalse(first.delivered_date)
                self.assertEqual(second.state, "delivered")

    def test_no_retry_left_fails_the_delivery(self):
        hook = self.new_hook()
        self.new_job()
        self.env.cr.flush()
        fake = FakeReceiver(default=503)
        self.run_worker(fake)
        delivery = self.deliveries(hook)
        for attempt, wait in enumerate(RETRY_SCHEDULE, start=1):
            self.assertEqual((delivery.state, delivery.attempt_count), ("pending", attempt))
            self.assertRetryIn(delivery, wait)
            self.make_due(delivery)
            self.run_worker(fake)
        self.assertEqual(len(fake.calls), len(RETRY_SCHEDULE) + 1)
        self.assertEqual(set(fake.ids()), {delivery.msg_id})
        self.assertEqual((delivery.state, delivery.attempt_count), ("failed", len(RETRY_SCHEDULE) + 1))
        self.assertEqual(len(delivery.attempt_ids), len(RETRY_SCHEDULE) + 1)
        self.assertTrue(delivery.last_error)

    def test_retry_schedule_setting_and_short_waits(self):
        """A retry due within the run's budget (and SHORT_WAIT) is waited for; the schedule is a
        setting."""
        self.env["ir.config_parameter"].set_param(SCHEDULE_PARAM, "0.5")
        hook = self.new_hook()
        self.new_job()
        self.env.cr.flush()
        fake = self.run_worker(FakeReceiver(500, 500), budget=5)
        delivery = self.deliveries(hook)
        # 500, retried 0.5 s later: 500 again, and no retry left in a one-wait schedule
        self.assertEqual(len(fake.calls), 2)
        self.assertEqual((delivery.state, delivery.attempt_count), ("failed", 2))

    def test_retry_delay_and_is_final(self):
        self.assertIsNone(retry_delay(0))
        self.assertEqual(retry_delay(1, rand=lambda: 0.5), 5)
        self.assertAlmostEqual(retry_delay(1, rand=lambda: 0.0), 4.5)
        self.assertAlmostEqual(retry_delay(1, rand=lambda: 1.0), 5.5)
        self.assertAlmostEqual(retry_delay(2, rand=lambda: 0.5), 300)
        for attempt, base in enumerate(RETRY_SCHEDULE, start=1):
            delay = retry_delay(attempt)
            self.assertGreaterEqual(delay, base * 0.9)
            self.assertLessEqual(delay, base * 1.1)
        self.assertIsNone(retry_delay(len(RETRY_SCHEDULE) + 1))
        self.assertEqual(RETRY_SCHEDULE[0], 5)
        self.assertEqual(retry_delay(2, schedule=(1, 2), rand=lambda: 0.5), 2)
        self.assertIsNone(retry_delay(3, schedule=(1, 2)))

        for status in (200, 201, 204, 299, 400, 401, 403, 404, 410, 413, 422):
            self.assertTrue(is_final(status), status)
        for status in (None, 301, 302, 408, 429, 500, 502, 503, 504):
            self.assertFalse(is_final(status), status)

        self.assertEqual(parse_schedule("5, 60,600"), (5.0, 60.0, 600.0))
        for wrong in ("", None, "a,b", "0", "-5", "10,1000000"):
            self.assertEqual(parse_schedule(wrong), RETRY_SCHEDULE, wrong)

    # -- 4. security ---------------------------------------------------------------------------------
    def company_b_setup(self):
        company_b = CompanyFactory(env=self.env, name="FSJ Webhook Company B")
        owner_b = UserFactory(
            env=self.env, login="fsj_wh_owner_b", companies=company_b, groups=("fieldservice.group_fsm_manager",)
        )
        hook_a = self.new_hook(name="A")
        hook_b = self.new_hook(name="B", user_id=owner_b.id, url="http://127.0.0.1:9/b")
        self.assertEqual(hook_b.user_id, owner_b, "an administrator may choose the owner")
        self.env.cr.flush()
        return company_b, hook_a, hook_b

    def test_owner_sees_only_the_jobs_of_their_companies(self):
        company_b, hook_a, hook_b = self.company_b_setup()
        Order = self.env["fsm.order"]
        job_a = Order.with_company(self.company_a).create({"partner_id": self.customer.id})
        job_b = Order.with_company(company_b).create({"partner_id": self.customer.id})
        self.assertEqual((job_a.company_id, job_b.company_id), (self.company_a, company_b))
        self.env.cr.flush()
        job_a.description = "A's secret plans"
        self.env.cr.flush()
        fake = self.run_worker(FakeReceiver())
        self.assertEqual([(d.res_id, d.event_type) for d in self.deliveries(hook_b)], [(job_b.id, "job.created")])
        self.assertEqual(
            [(d.res_id, d.event_type) for d in self.deliveries(hook_a)],
            [(job_a.id, "job.created"), (job_a.id, "job.updated")],
        )
        self.assertEqual(len(fake.calls), 3)
        for call in fake.calls:
            if call["url"] == hook_b.url:
                self.assertEqual(json.loads(call["body"])["data"]["id"], job_b.id)
        self.assertFalse(self.env["fsm.api.change"].search([("pending", "=", True)]))

        # a deletion in A: told to A's owner only
        job_a.unlink()
        self.env.cr.flush()
        fake = self.run_worker(FakeReceiver())
        self.assertEqual([c["url"] for c in fake.calls], [hook_a.url])
        self.assertEqual(self.deliveries(hook_a)[-1].event_type, "job.deleted")
        self.assertEqual(len(self.deliveries(hook_b)), 1)

    def test_owner_is_not_told_of_another_companys_job_deleted_before_fan_out(self):
        _company_b, hook_a, hook_b = self.company_b_setup()
        job_a = (
            self.env["fsm.order"]
            .with_company(self.company_a)
            .create({"partner_id": self.customer.id, "description": "A's secret plans"})
        )
        self.env.cr.flush()
        job_a.description = "A's next secret plans"
        self.env.cr.flush()
        job_a.unlink()  # before the worker runs
        self.env.cr.flush()
        fake = self.run_worker(FakeReceiver())
        self.assertEqual(self.deliveries(hook_a).mapped("event_type"), ["job.created", "job.updated", "job.deleted"])
        self.assertFalse(self.deliveries(hook_b))
        self.assertEqual({c["url"] for c in fake.calls}, {hook_a.url})

    def test_owner_is_the_creating_user_unless_administrator(self):
        manager = UserFactory(env=self.env, login="fsj_wh_manager", groups=("fieldservice.group_fsm_manager",))
        hook = self.Hook.with_user(manager).create({"name": "mine", "url": URL, "user_id": self.owner.id})
        self.assertEqual(hook.user_id, manager)
        self.assertTrue(hook.sudo().secret.startswith("whsec_"))
        # a manager may not read the secret itself
        with self.assertRaises(AccessError), mute_logger("odoo.models"):
            hook.with_user(manager).secret  # noqa: B018
        # an fsm user may not make one
        user = UserFactory(env=self.env, login="fsj_wh_user")
        with self.assertRaises(AccessError), mute_logger("odoo.models", "odoo.addons.base.models.ir_model"):
            self.Hook.with_user(user).create({"name": "not mine", "url": URL})

    def test_a_subscription_made_by_a_jdx_key_speaks_seed_000_stage_numbers(self):
        """A subscription made with a JDX key (its context carries the key's numbering) writes stage
        ids as that key reads them, in the record and in previous; others keep Odoo's ids."""
        jdx = self.env["fsm.api.key.scope"]._fsj_id_maps_of("jdx")
        numbered = self.Hook.with_context(fsj_id_maps=jdx).create({"name": "jdx", "url": URL, "user_id": self.owner.id})
        plain = self.new_hook(name="plain")
        self.assertEqual((numbered.stage_numbering, plain.stage_numbering), ("jdx", "odoo"))
        job = self.new_job()
        self.env.cr.flush()
        job.action_start()
        self.env.cr.flush()
        fake = self.run_worker(FakeReceiver())
        started = [
            (call["url"], json.loads(call["body"]))
            for call in fake.calls
            if json.loads(call["body"])["type"] == "job.stage_changed"
            and json.loads(call["body"])["data"]["id"] == job.id
        ]
        self.assertEqual(len(started), 2)
        by_hook = {
            hook: body
            for hook in (numbered, plain)
            for body in [d.body for d in self.deliveries(hook, job) if d.event_type == "job.stage_changed"]
        }
        jdx_body, plain_body = json.loads(by_hook[numbered])["data"], json.loads(by_hook[plain])["data"]
        self.assertEqual(jdx_body["record"]["stage_id"], [3, "In Progress"])
        self.assertEqual(jdx_body["previous"]["stage_id"], [1, "New"])
        self.assertEqual(plain_body["record"]["stage_id"], [self.stage_in_progress.id, "In Progress"])
        self.assertEqual(plain_body["previous"]["stage_id"], [self.stage_new.id, "New"])

    def test_a_manager_changes_only_the_subscriptions_he_owns(self):
        """Redirecting another owner's subscription would send that owner's records elsewhere."""
        groups = ("fieldservice.group_fsm_manager",)
        owner = UserFactory(env=self.env, login="fsj_wh_owner_rule", groups=groups)
        other = UserFactory(env=self.env, login="fsj_wh_other_rule", groups=groups)
        hook = self.Hook.with_user(owner).create({"name": "owned", "url": URL})
        theirs = hook.with_user(other)
        self.assertEqual(theirs.read(["url"])[0]["url"], URL)  # managers see every subscription
        for action in (
            lambda: theirs.write({"url": "http://127.0.0.1:9/elsewhere"}),
            theirs.unlink,
            theirs.action_send_test,
        ):
            with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
                action()
        hook.with_user(owner).write({"url": "http://127.0.0.1:9/moved"})
        hook.with_user(self.env.ref("base.user_admin")).write({"name": "renamed by the administrator"})

    def test_owner_cannot_be_changed_by_a_non_administrator(self):
        """Records are sent as the owner sees them: a manager who could make the administrator the
        owner of his subscription would receive every company's jobs."""
        manager = UserFactory(env=self.env, login="fsj_wh_manager2", groups=("fieldservice.group_fsm_manager",))
        hook = self.Hook.with_user(manager).create({"name": "mine", "url": URL})
        admin = self.env.ref("base.user_admin")
        with self.assertRaises(UserError) as refused, self.env.cr.savepoint(), mute_logger("odoo.models"):
            hook.with_user(manager).write({"user_id": admin.id})
        self.assertEqual(refused.exception.status, 403)
        hook.invalidate_recordset()
        self.assertEqual(hook.user_id, manager)
        # the administrator may
        hook.with_user(admin).write({"user_id": admin.id})
        self.assertEqual(hook.user_id, admin)

    def test_url_events_and_fields_are_checked(self):
        hook = self.new_hook()
        for url in ("ftp://127.0.0.1/hook", "127.0.0.1/hook", "http:///nohost", "javascript:alert(1)"):
            with self.subTest(url=url), self.assertRaises(FsjApiError) as err:
                self.new_hook(url=url)
            self.assertEqual((err.exception.status, err.exception.details["field"]), (422, "url"))
        with self.assertRaises(FsjApiError) as err:
            self.new_hook(events=["job.created", "job.exploded"])
        self.assertEqual((err.exception.status, err.exception.details["field"]), (422, "events"))
        with self.assertRaises(FsjApiError):
            self.new_hook(events="job.created")
        with self.assertRaises(FsjApiError) as err:
            self.new_hook(model_fields=["name", "no_such_field"])
        self.assertEqual(err.exception.details["fields"], ["no_such_field"])
        with self.assertRaises(FsjApiError):
            hook.new_secret = "whsec_tooshort"
        with self.assertRaises(FsjApiError):
            hook.new_secret = "not a secret"

        # without the setting, private and loopback addresses are refused
        self.env["ir.config_parameter"].set_param(ALLOW_PRIVATE_PARAM, False)
        for url in (
            "http://127.0.0.1/hook",
            "http://localhost:8069/hook",
            "https://10.1.2.3/hook",
            "http://192.168.0.10/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/hook",
        ):
            with self.subTest(url=url), self.assertRaises(FsjApiError) as err:
                self.new_hook(url=url)
            self.assertEqual((err.exception.status, err.exception.details["field"]), (422, "url"))
        with self.assertRaises(FsjApiError):
            hook.url = "http://10.0.0.1/moved"
        # a public address is accepted (an address literal: no DNS needed)
        public = self.new_hook(url="https://93.184.215.14/hook")
        self.assertEqual(public.url, "https://93.184.215.14/hook")

    # -- 5. health and redelivery --------------------------------------------------------------------
    def test_failing_hook_is_disabled_and_its_owner_told(self):
        hook = self.new_hook()
        now = fields.Datetime.now()
        hook._record_outcome(False)
        self.assertTrue(hook.failing_since)
        self.assertLessEqual(abs((hook.failing_since - now).total_seconds()), 5)
        first = hook.failing_since
        hook._record_outcome(False)
        self.assertEqual(hook.failing_since, first, "the streak's start is kept")
        hook._record_outcome(True)
        self.assertFalse(hook.failing_since)

        # younger than the setting (default 5 days): still active
        hook._record_outcome(False)
        hook.sudo().failing_since = now - datetime.timedelta(days=4)
        hook._record_outcome(False)
        self.assertTrue(hook.active)
        self.assertFalse(hook.disabled_reason)

        # older: disabled, the owner told
        hook.sudo().failing_since = now - datetime.timedelta(days=5, minutes=1)
        hook._record_outcome(False)
        self.assertFalse(hook.active)
        self.assertTrue(hook.disabled_reason)
        messages = self.env["mail.message"].search(
            [("model", "=", "fsm.webhook"), ("res_id", "=", hook.id), ("partner_ids", "in", self.owner.partner_id.id)]
        )
        self.assertEqual(len(messages), 1)
        self.assertIn("disabled", messages.body)
        self.assertNotIn("fsm.order", self.env["fsm.api.change"]._webhook_models())

        # active again: the streak forgotten
        hook.active = True
        self.assertFalse(hook.failing_since)
        self.assertFalse(hook.disabled_reason)

    def test_disable_setting(self):
        hook = self.new_hook()
        now = fields.Datetime.now()
        self.env["ir.config_parameter"].set_param(DISABLE_PARAM, "0")  # never
        hook.sudo().failing_since = now - datetime.timedelta(days=100)
        hook._record_outcome(False)
        self.assertTrue(hook.active)
        self.env["ir.config_parameter"].set_param(DISABLE_PARAM, "1")
        hook.sudo().failing_since = now - datetime.timedelta(days=1, minutes=1)
        hook._record_outcome(False)
        self.assertFalse(hook.active)

    def test_worker_disables_a_failing_hook_and_stops_sending(self):
        hook = self.new_hook()
        hook.sudo().failing_since = fields.Datetime.now() - datetime.timedelta(days=6)
        job = self.new_job()
        self.env.cr.flush()
        job.description = "queued behind"
        self.env.cr.flush()
        fake = self.run_worker(FakeReceiver(default=500))
        self.assertEqual(len(fake.calls), 1)
        self.assertFalse(hook.active)
        self.assertTrue(
            self.env["mail.message"].search_count([("model", "=", "fsm.webhook"), ("res_id", "=", hook.id)])
        )
        # a disabled hook's deliveries are not due, its model's changes no longer pending
        self.make_due(self.deliveries(hook))
        fake = self.run_worker(FakeReceiver())
        self.assertFalse(fake.calls)
        job.description = "after the hook was disabled"
        self.env.cr.flush()
        self.assertFalse(self.log(job)[-1].pending)

    def test_redeliver_a_failed_delivery(self):
        hook = self.new_hook()
        self.new_job()
        self.env.cr.flush()
        self.run_worker(FakeReceiver(410))
        delivery = self.deliveries(hook)
        self.assertEqual(delivery.state, "failed")
        msg_id, body = delivery.msg_id, delivery.body
        delivery.with_user(self.owner).action_redeliver()
        self.assertEqual((delivery.state, delivery.attempt_count, delivery.msg_id), ("pending", 0, msg_id))
        self.assertLessEqual(delivery.next_attempt, fields.Datetime.now())
        fake = self.run_worker(FakeReceiver())
        self.assertEqual(fake.ids(), [msg_id])
        self.assertEqual(fake.calls[0]["body"], body.encode())
        Webhook(hook.sudo().secret).verify(fake.calls[0]["body"], fake.calls[0]["headers"])
        self.assertEqual((delivery.state, delivery.attempt_count), ("delivered", 1))
        self.assertEqual(len(delivery.attempt_ids), 2)

    def test_send_test_event(self):
        hook = self.new_hook()
        hook.with_user(self.owner).action_send_test()
        delivery = self.deliveries(hook)
        self.assertEqual(
            (delivery.event_type, delivery.state, delivery.model), ("webhook.test", "pending", "fsm.webhook")
        )
        fake = self.run_worker(FakeReceiver())
        body = Webhook(hook.sudo().secret).verify(fake.calls[0]["body"], fake.calls[0]["headers"])
        self.assertEqual(body["type"], "webhook.test")
        self.assertRegex(body["timestamp"], TIMESTAMP_RE)
        self.assertEqual(body["data"]["id"], hook.id)
        self.assertEqual(delivery.state, "delivered")

    # -- 6. the address is checked again at delivery time --------------------------------------------
    def test_private_address_refused_at_delivery(self):
        hook = self.new_hook()
        self.new_job()
        self.env.cr.flush()
        self.env["ir.config_parameter"].set_param(ALLOW_PRIVATE_PARAM, False)
        fake = self.run_worker(FakeReceiver())
        self.assertFalse(fake.calls)
        delivery = self.deliveries(hook)
        self.assertEqual((delivery.state, delivery.attempt_count, delivery.last_status), ("failed", 1, 0))
        self.assertIn("Refused", delivery.last_error)
        self.assertIn("127.0.0.1", delivery.last_error)
        self.assertEqual(len(delivery.attempt_ids), 1)
        self.assertTrue(hook.failing_since)


@tagged("post_install", "-at_install")
class TestFsmWebhookApi(WebhookMixin, RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["ir.config_parameter"].set_param(ALLOW_PRIVATE_PARAM, "1")
        cls.fsm_user = UserFactory(env=cls.env, name="Webhook FSM User", login="fsj_wh_api_user")
        cls.manager = UserFactory(
            env=cls.env,
            name="Webhook Manager",
            login="fsj_wh_api_manager",
            groups=("fieldservice.group_fsm_manager",),
        )
        cls.owner = cls.manager
        cls.user_key = ApiKeyFactory(env=cls.env, user=cls.fsm_user, name="webhook fsm user")
        cls.manager_key = ApiKeyFactory(env=cls.env, user=cls.manager, name="webhook manager")

    def setUp(self):
        super().setUp()
        self.env.cr.flush()

    def create_hook(self, **body):
        body.setdefault("name", "API hook")
        body.setdefault("url", URL)
        return self.call("POST", "/object/fsm.webhook", body, key=self.manager_key)

    def hooks(self):
        return self.env["fsm.webhook"].with_context(active_test=False).search([])

    def test_fsm_user_cannot_read_or_create_webhooks(self):
        before = self.hooks()
        resp = self.call("POST", "/object/fsm.webhook", {"name": "mine", "url": URL}, key=self.user_key)
        self.assertError(resp, 403, "access_denied")
        self.env.invalidate_all()
        self.assertEqual(self.hooks(), before)
        self.assertError(self.call("GET", "/object/fsm.webhook", key=self.user_key), 403, "access_denied")
        hook = self.new_hook()
        self.assertError(self.call("GET", f"/object/fsm.webhook/{hook.id}", key=self.user_key), 403, "access_denied")
        resp = self.call("POST", f"/object/fsm.webhook/{hook.id}/action_send_test", {}, key=self.user_key)
        self.assertIn(resp.status_code, (403, 404), resp.text)
        self.env.invalidate_all()
        self.assertFalse(self.deliveries(hook))

    def test_manager_creates_a_webhook_and_sees_its_secret_once(self):
        resp = self.create_hook(events=["job.created", "job.stage_changed"], model_fields=["name", "stage_id"])
        self.assertEqual(resp.status_code, 201, resp.text)
        row = resp.json()["fsm.webhook"]
        self.env.invalidate_all()
        hook = self.env["fsm.webhook"].browse(row["id"])
        self.assertTrue(row["secret"].startswith("whsec_"))
        self.assertEqual(row["secret"], hook.sudo().secret)
        self.assertEqual(row["user_id"][0], self.manager.id)
        self.assertEqual(hook.user_id, self.manager)
        self.assertEqual(row["events"], ["job.created", "job.stage_changed"])
        for name in ("previous_secret", "previous_secret_until", "delivery_ids"):
            self.assertNotIn(name, row)

        # never again
        resp = self.call("GET", f"/object/fsm.webhook/{hook.id}", key=self.manager_key)
        self.assertEqual(resp.status_code, 200, resp.text)
        detail = resp.json()["fsm.webhook"]
        self.assertEqual(detail["name"], "API hook")
        self.assertFalse([name for name in detail if "secret" in name])
        resp = self.call("GET", f"/object/fsm.webhook/{hook.id}", params={"fields": "['secret']"}, key=self.manager_key)
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json()["fsm.webhook"], {"id": hook.id, "secret": None})
        resp = self.call("GET", "/object/fsm.webhook", params={"fields": "['secret','name']"}, key=self.manager_key)
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual({row["secret"] for row in resp.json()["fsm.webhook"]}, {None})

    def test_owner_cannot_be_chosen_through_the_api(self):
        before = self.hooks()
        resp = self.create_hook(user_id=self.fsm_user.id)
        err = self.assertError(resp, 400, "readonly_field")
        self.assertEqual(err["details"]["field"], "user_id")
        self.env.invalidate_all()
        self.assertEqual(self.hooks(), before)
        # the owner is the key's user, even for the administrator's key
        resp = self.call("POST", "/object/fsm.webhook", {"name": "admin's", "url": URL})
        self.assertEqual(resp.status_code, 201, resp.text)
        self.assertEqual(resp.json()["fsm.webhook"]["user_id"][0], self.env.ref("base.user_admin").id)

    def test_secret_given_and_rotated_through_the_api(self):
        chosen = generate_secret()
        resp = self.create_hook(secret=chosen)
        self.assertEqual(resp.status_code, 201, resp.text)
        hook_id = resp.json()["fsm.webhook"]["id"]
        self.assertEqual(resp.json()["fsm.webhook"]["secret"], chosen)
        self.env.invalidate_all()
        hook = self.env["fsm.webhook"].browse(hook_id)
        self.assertEqual(hook.sudo().secret, chosen)
        self.assertFalse(hook.sudo().previous_secret)

        rotated = generate_secret()
        resp = self.call("PATCH", f"/object/fsm.webhook/{hook_id}", {"secret": rotated}, key=self.manager_key)
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertIsNone(resp.json()["fsm.webhook"].get("secret"))
        self.env.invalidate_all()
        self.assertEqual((hook.sudo().secret, hook.sudo().previous_secret), (rotated, chosen))
        self.assertGreater(hook.previous_secret_until, fields.Datetime.now() + datetime.timedelta(hours=23))

        for wrong in ("whsec_" + "A" * 8, "secret", "whsec_not base64!", 42):
            with self.subTest(secret=wrong):
                resp = self.call("PATCH", f"/object/fsm.webhook/{hook_id}", {"secret": wrong}, key=self.manager_key)
                if isinstance(wrong, str):
                    self.assertError(resp, 422, "invalid_value")
                else:
                    self.assertIn(resp.status_code, (400, 422), resp.text)
                self.env.invalidate_all()
                self.assertEqual(hook.sudo().secret, rotated)

    def test_urls_refused_through_the_api(self):
        before = self.hooks()
        err = self.assertError(self.create_hook(url="ftp://127.0.0.1/hook"), 422, "invalid_value")
        self.assertEqual(err["details"]["field"], "url")
        self.env["ir.config_parameter"].set_param(ALLOW_PRIVATE_PARAM, False)
        for url in ("http://127.0.0.1:9/hook", "http://10.0.0.8/hook"):
            with self.subTest(url=url):
                err = self.assertError(self.create_hook(url=url), 422, "invalid_value")
                self.assertEqual(err["details"]["field"], "url")
        err = self.assertError(
            self.create_hook(url="https://93.184.215.14/x", events=["job.nope"]), 422, "invalid_value"
        )
        self.assertEqual(err["details"]["field"], "events")
        self.env.invalidate_all()
        self.assertEqual(self.hooks(), before)

    def test_send_test_through_the_api(self):
        resp = self.create_hook()
        self.assertEqual(resp.status_code, 201, resp.text)
        hook_id, secret = resp.json()["fsm.webhook"]["id"], resp.json()["fsm.webhook"]["secret"]
        resp = self.call("POST", f"/object/fsm.webhook/{hook_id}/action_send_test", {}, key=self.manager_key)
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json()["fsm.webhook"]["id"], hook_id)
        self.env.invalidate_all()
        hook = self.env["fsm.webhook"].browse(hook_id)
        delivery = self.deliveries(hook)
        self.assertEqual((delivery.event_type, delivery.state), ("webhook.test", "pending"))
        fake = self.run_worker(FakeReceiver())
        self.assertEqual(fake.ids(), [delivery.msg_id])
        body = Webhook(secret).verify(fake.calls[0]["body"], fake.calls[0]["headers"])
        self.assertEqual(body["type"], "webhook.test")
        self.assertEqual(delivery.state, "delivered")

    def test_job_made_through_the_api_is_delivered(self):
        hook = self.new_hook(events=["job.created"])
        job = self.new_job(description="through the API")  # RestApiCase.new_job: a POST
        fake = self.run_worker(FakeReceiver())
        self.assertEqual(self.deliveries(hook).mapped("event_type"), ["job.created"])
        body = Webhook(hook.sudo().secret).verify(fake.calls[0]["body"], fake.calls[0]["headers"])
        self.assertEqual(body["data"]["id"], job["id"])
        self.assertEqual(body["data"]["record"]["name"], job["name"])
