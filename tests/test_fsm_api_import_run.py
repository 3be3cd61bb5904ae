# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Import runs: the journal of the writes sent with X-Import-Run, and the rollback that leaves the
database as it was before the run (compared record by record)."""

from unittest.mock import patch

from odoo.tests import tagged

from ..models import fsm_api_import_run as import_run_module
from .factories import UserFactory
from .test_restapi_trust import TrustCase

SNAPSHOT_FIELDS = {
    "fsm.order": ["name", "partner_id", "location_id", "stage_id", "description", "person_id", "external_ref"],
    "res.partner": ["name", "email", "external_ref", "phone", "active"],
    "fsm.location": ["name", "owner_id", "external_ref"],
    "mail.message": ["model", "res_id", "body"],
    "ir.attachment": ["res_model", "res_id", "name"],
}


@tagged("post_install", "-at_install")
class TestImportRun(TrustCase):
    def ok(self, resp, status=200):
        self.assertEqual(resp.status_code, status, resp.text)
        return resp.json()

    def start(self, key=True, **body):
        return self.ok(self.call("POST", "/import-runs", {"source": "csv", **body}, key=key), 201)["import_run"]

    def under(self, run, method, path, body=None, key=True, **kw):
        headers = dict(kw.pop("headers", {}), **{"X-Import-Run": run["id"]})
        return self.call(method, path, body, key=key, headers=headers, **kw)

    def snapshot(self):
        self.env.flush_all()
        self.env.cr.precommit.run()  # e.g. the tracking messages of the test's own writes
        snap = {}
        for model, fnames in SNAPSHOT_FIELDS.items():
            records = self.env[model].with_context(active_test=False).search([])
            records.invalidate_recordset()
            snap[model] = {row["id"]: row for row in records.read(fnames)}
        return snap

    def assertSameDatabase(self, before, after):
        for model in SNAPSHOT_FIELDS:
            extra = [after[model][i] for i in set(after[model]) - set(before[model])]
            self.assertEqual(sorted(after[model]), sorted(before[model]), f"{model}: other records {extra}")
            for rec_id, row in before[model].items():
                self.assertEqual(after[model][rec_id], row, f"{model} {rec_id} changed")

    def test_run_journal_and_rollback_leave_the_database_as_before(self):
        existing_job = self.new_job(external_ref="IMP-OLD", description="before")
        self.customer.write({"external_ref": "IMP-CUST", "phone": "111"})
        before = self.snapshot()
        run = self.start(name="first")
        self.assertEqual(run["state"], "running")
        # customers: one updated, one created; a job created with a customer object; one updated
        rows = self.ok(
            self.under(
                run,
                "PUT",
                "/object/res.partner",
                [
                    {"external_ref": "IMP-CUST", "phone": "222"},
                    {"external_ref": "IMP-NEW", "name": "Imported Customer", "email": "imp@example.com"},
                ],
            )
        )["res.partner"]
        self.assertEqual([r["result"] for r in rows], ["updated", "created"])
        rows = self.ok(
            self.under(
                run,
                "PUT",
                "/object/fsm.order",
                [
                    {"external_ref": "IMP-OLD", "description": "after", "person_id": self.person.id},
                    {
                        "external_ref": "IMP-1",
                        "partner_id": {"ref": "IMP-NEW"},
                        "source_create_date": "2019-05-01 10:00:00",
                    },
                    {"external_ref": "IMP-2", "customer": {"first_name": "Inline", "email": "inline@example.com"}},
                ],
            )
        )["fsm.order"]
        self.assertEqual([r["result"] for r in rows], ["updated", "created", "created"])
        job = self.env["fsm.order"].browse(rows[1]["id"])
        self.assertEqual(str(job.source_create_date), "2019-05-01 10:00:00")
        # a job the run created and then completed is rolled back all the same
        self.ok(
            self.under(
                run,
                "PATCH",
                f"/object/fsm.order/{job.id}",
                {"stage_id": "completed", "date_end": "2019-05-02 10:00:00"},
            )
        )
        self.assertEqual(job.stage_id.code, "completed")
        # a note with its original date and author, and a file
        note = self.ok(
            self.under(
                run,
                "POST",
                f"/object/fsm.order/{existing_job['id']}/messages",
                {
                    "body": "Old note\nline 2",
                    "date": "2018-01-02 03:04:05",
                    "author_name": "Old Tech",
                    "author_email": "old.tech@example.com",
                },
            ),
            201,
        )["message"]
        message = self.env["mail.message"].browse(note["id"])
        self.assertEqual(str(message.date), "2018-01-02 03:04:05")
        self.assertIn("Old Tech", message.email_from)
        self.assertIn("line 2", str(message.body))
        # the run's counts come from its journal; audit rows name the run
        data = self.ok(self.call("GET", f"/import-runs/{run['id']}"))["import_run"]
        self.assertEqual(data["counts"]["fsm.order"], {"created": 2, "updated": 1})
        self.assertGreaterEqual(data["counts"]["res.partner"]["created"], 2)
        audits = self.env["fsm.api.audit"].search([("import_run", "=", run["id"])])
        self.assertGreaterEqual(len(audits), 4)
        closed = self.ok(self.call("PATCH", f"/import-runs/{run['id']}", {"state": "done", "report": {"ok": 1}}))
        self.assertEqual((closed["import_run"]["state"], closed["import_run"]["report"]), ("done", {"ok": 1}))
        # roll back: every record as before
        result = self.ok(self.call("POST", f"/import-runs/{run['id']}/rollback"))["import_run"]
        self.assertEqual(result["state"], "rolled_back")
        self.assertGreaterEqual(result["rolled_back"]["deleted"], 4)
        self.assertSameDatabase(before, self.snapshot())
        # a run rolled back takes no more writes, nor a second rollback
        resp = self.under(run, "POST", "/object/fsm.order", {"partner_id": self.customer.id})
        self.assertError(resp, 409, "run_rolled_back")
        self.assertError(self.call("POST", f"/import-runs/{run['id']}/rollback"), 409, "run_rolled_back")

    def test_runs_are_their_users(self):
        run = self.start()
        other = UserFactory(env=self.env, login="import_other", groups=("fieldservice.group_fsm_dispatcher",))
        key = self.user_key(other)
        before = self.env["fsm.order"].search_count([])
        self.assertError(self.call("GET", f"/import-runs/{run['id']}", key=key), 404, "unknown_run")
        self.assertError(self.call("POST", f"/import-runs/{run['id']}/rollback", key=key), 404, "unknown_run")
        resp = self.under(run, "POST", "/object/fsm.order", {"partner_id": self.customer.id}, key=key)
        self.assertError(resp, 404, "unknown_run")
        resp = self.call(
            "POST", "/object/fsm.order", {"partner_id": self.customer.id}, headers={"X-Import-Run": "nope"}
        )
        self.assertError(resp, 404, "unknown_run")
        self.assertEqual(self.env["fsm.order"].search_count([]), before)
        read_only = self.restapi_key("import read only", read_only=True)
        self.assertError(self.call("POST", "/import-runs", {"source": "csv"}, key=read_only), 403, "read_only_key")
        self.assertError(self.call("POST", f"/import-runs/{run['id']}/rollback", key=read_only), 403, "read_only_key")

    def test_bad_run_bodies(self):
        run = self.start()
        for body, status, code in (
            ({"source": 5}, 422, "invalid_value"),
            ({"nope": 1}, 400, "unknown_field"),
            ([], 400, "invalid_body"),
        ):
            with self.subTest(body=body):
                self.assertError(self.call("POST", "/import-runs", body), status, code)
        for body, status, code in (
            ({"state": "rolled_back"}, 422, "invalid_value"),
            ({"report": "text"}, 422, "invalid_value"),
            ({"name": {"a": 1}}, 422, "invalid_value"),
            ({"x": 1}, 400, "unknown_field"),
        ):
            with self.subTest(body=body):
                self.assertError(self.call("PATCH", f"/import-runs/{run['id']}", body), status, code)
        self.assertError(self.call("DELETE", f"/import-runs/{run['id']}"), 405, "method_not_allowed")

    def test_messages_route_checks(self):
        job = self.new_job()
        path = f"/object/fsm.order/{job['id']}/messages"
        count = self.env["mail.message"].search_count([])
        for body, status, code in (
            ({}, 422, "invalid_value"),
            ({"body": ""}, 422, "invalid_value"),
            ({"body": "x", "date": "yesterday"}, 422, "invalid_value"),
            ({"body": "x", "x": 1}, 400, "unknown_field"),
            ({"body": "x", "author_email": 5}, 422, "invalid_value"),
        ):
            with self.subTest(body=body):
                self.assertError(self.call("POST", path, body), status, code)
        self.assertError(self.call("POST", "/object/fsm.stage/1/messages", {"body": "x"}), 404, "no_chatter")
        scoped = self.restapi_key("messages stages only", models=["fsm.stage"])
        self.assertError(self.call("POST", path, {"body": "x"}, key=scoped), 404, "unknown_model")
        self.assertEqual(self.env["mail.message"].search_count([]), count)
        # an author known by email is the message's author
        self.customer.email = "known.author@example.com"
        body = {"body": "<b>hi</b>", "html": True, "author_email": "Known.Author@example.com"}
        note = self.ok(self.call("POST", path, body), 201)["message"]
        message = self.env["mail.message"].browse(note["id"])
        self.assertEqual(message.author_id, self.customer)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
        self.assertIn("<b>hi</b>", str(message.body))

    def test_big_rollback_goes_in_steps(self):
        """A rollback too big for one step: the run is rolling_back (no writes under it) until the
        steps (the cron's, or the next calls) have undone everything."""
        before = self.snapshot()
        run = self.start()
        bodies = [{"external_ref": f"STEP-{i}", "partner_id": self.customer.id} for i in range(5)]
        self.ok(self.under(run, "PUT", "/object/fsm.order", bodies))
        self.ok(self.under(run, "PUT", "/object/res.partner", [{"external_ref": "STEP-C", "name": "Step"}]))
        record = self.env["fsm.api.import.run"].search([("uuid", "=", run["id"])])
        with patch.object(import_run_module, "ROLLBACK_CHUNK", 2):
            self.assertFalse(record.action_rollback(budget=0))
            self.assertEqual(record.state, "rolling_back")
            data = self.ok(self.call("GET", f"/import-runs/{run['id']}"))["import_run"]
            self.assertGreater(data["rolled_back"]["remaining"], 0)
            resp = self.under(run, "POST", "/object/fsm.order", {"partner_id": self.customer.id})
            self.assertError(resp, 409, "run_rolled_back")
            steps = 1
            while not record._fsj_rollback_step(0):
                steps += 1
                self.assertLess(steps, 100)
        self.assertGreater(steps, 2)
        self.assertEqual(record.state, "rolled_back")
        self.assertSameDatabase(before, self.snapshot())
        # the API answers 202 while steps remain
        run = self.start()
        self.ok(self.under(run, "PUT", "/object/fsm.order", bodies))
        with (
            patch.object(import_run_module, "ROLLBACK_BUDGET", 0),
            patch.object(import_run_module, "ROLLBACK_CHUNK", 1),
        ):
            resp = self.call("POST", f"/import-runs/{run['id']}/rollback")
        self.assertEqual(resp.status_code, 202, resp.text)
        self.assertEqual(resp.json()["import_run"]["state"], "rolling_back")
        # the cron goes on, a step per call (Odoo's cron calls again while work remains)
        record = self.env["fsm.api.import.run"].search([("uuid", "=", run["id"])])
        for _step in range(50):
            self.env["fsm.api.import.run"]._cron_rollback()
            if record.state == "rolled_back":
                break
        self.assertEqual(record.state, "rolled_back")
        self.assertSameDatabase(before, self.snapshot())
