# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Bulk updates (PATCH /object/<model>) and deletes (DELETE /object/<model>): all or nothing, the
failing item named, If-Match per item, and every item checked as a single request is."""

import gc
import json
from unittest.mock import patch

from odoo.tests import tagged

from ..restapi import gcpause
from .test_restapi_trust import TrustCase


@tagged("post_install", "-at_install")
class TestRestApiBulk(TrustCase):
    def ok(self, resp, status=200):
        self.assertEqual(resp.status_code, status, resp.text)
        return resp.json()

    def jobs(self, n, **body):
        return [self.new_job(description=f"bulk {i}", **body) for i in range(n)]

    def descriptions(self, jobs):
        records = self.env["fsm.order"].browse([job["id"] for job in jobs])
        records.invalidate_recordset()
        return [str(record.description) for record in records]

    def etag(self, job_id):
        return self.call("GET", f"/object/fsm.order/{job_id}").headers["ETag"]

    # -- PATCH ------------------------------------------------------------------------------------
    def test_bulk_update(self):
        jobs = self.jobs(3)
        body = [
            {"id": jobs[0]["id"], "description": "new 0", "etag": self.etag(jobs[0]["id"])},
            {"id": jobs[1]["id"], "description": "new 1", "stage_id": "scheduled"},
            {"id": jobs[2]["id"], "person_id": self.person.id},
        ]
        rows = self.ok(self.call("PATCH", "/object/fsm.order", body, params={"fields": "description,stage_id"}))[
            "fsm.order"
        ]
        self.assertEqual([r["id"] for r in rows], [j["id"] for j in jobs])
        self.assertEqual(rows[0]["description"], "<p>new 0</p>")
        self.assertEqual(rows[1]["stage_id"][0], self.stage["scheduled"].id)
        self.assertEqual(self.env["fsm.order"].browse(jobs[2]["id"]).person_id, self.person)

    def test_bulk_update_refusals_write_nothing(self):
        jobs = self.jobs(2)
        stale = self.etag(jobs[1]["id"])
        self.env["fsm.order"].browse(jobs[1]["id"]).write({"priority": "1"})
        other = self.env["res.company"].create({"name": "Bulk B"})
        partner_b = self.env["res.partner"].create({"name": "Bulk B cust", "company_id": other.id})
        location_b = self.env["fsm.location"].create(
            {"name": "Bulk B place", "owner_id": partner_b.id, "company_id": other.id}
        )
        job_b = self.env["fsm.order"].create({"location_id": location_b.id, "company_id": other.id})
        user = self.fsm_user("bulk_a_user", manager=True)
        key = self.user_key(user)
        first = {"id": jobs[0]["id"], "description": "changed"}
        cases = (
            ([first, {"id": jobs[1]["id"], "description": "x", "etag": stale}], 412, "precondition_failed", True),
            ([first, {"id": 999999999, "description": "x"}], 404, "not_found", True),
            ([first, {"id": jobs[1]["id"], "nope": 1}], 400, "unknown_field", True),
            ([first, {"id": jobs[1]["id"], "stage_id": "nope"}], 422, "invalid_value", True),
            ([first, {"description": "no id"}], 400, "invalid_body", True),
            ([first, {"ref": ["not", "a", "string"], "description": "x"}], 400, "invalid_body", True),
            ([first, {"ref": {"x": 1}}], 400, "invalid_body", True),
            ([first, {"id": jobs[0]["id"], "description": "twice"}], 422, "duplicate_item", True),
            ([first, {"id": jobs[1]["id"], "partner_id": partner_b.id}], 422, "invalid_value", True),
            # a record of another company is not there for this user
            ([first, {"id": job_b.id, "description": "x"}], 404, "not_found", key),
            ([first, {"id": jobs[1]["id"], "scheduled_date_start": "garbage"}], 422, "invalid_value", True),
        )
        for body, status, code, use_key in cases:
            with self.subTest(code=code, status=status):
                err = self.assertError(self.call("PATCH", "/object/fsm.order", body, key=use_key), status, code)
                self.assertEqual(err["details"]["index"], 1, err)
        self.assertEqual(self.descriptions(jobs), ["<p>bulk 0</p>", "<p>bulk 1</p>"])
        self.assertEqual(str(job_b.description or ""), "")
        self.assertError(self.call("PATCH", "/object/fsm.order", []), 400, "invalid_body")
        self.assertError(self.call("PATCH", "/object/fsm.order", {"id": 1}), 400, "invalid_body")
        read_only = self.restapi_key("bulk read only", read_only=True)
        self.assertError(self.call("PATCH", "/object/fsm.order", [first], key=read_only), 403, "read_only_key")
        scoped = self.restapi_key("bulk stages only", models=["fsm.stage"])
        self.assertError(self.call("PATCH", "/object/fsm.order", [first], key=scoped), 404, "unknown_model")
        self.assertEqual(self.descriptions(jobs), ["<p>bulk 0</p>", "<p>bulk 1</p>"])

    def test_bulk_update_nested_commands_are_checked(self):
        jobs = self.jobs(1)
        scoped = self.restapi_key("bulk no time logs", models=["fsm.order", "fsm.stage", "res.partner"])
        body = [{"id": jobs[0]["id"], "person_ids": [[6, 0, [self.person.id]]]}]
        self.assertError(self.call("PATCH", "/object/fsm.order", body, key=scoped), 403, "not_exposed")
        self.assertFalse(self.env["fsm.order"].browse(jobs[0]["id"]).person_ids)

    # -- DELETE -----------------------------------------------------------------------------------
    def test_bulk_delete_by_ids_and_by_body(self):
        jobs = self.jobs(4)
        ids = [jobs[0]["id"], jobs[1]["id"]]
        rows = self.ok(self.call("DELETE", "/object/fsm.order", params={"ids": json.dumps(ids)}))["fsm.order"]
        self.assertEqual(rows, [{"id": i, "deleted": True} for i in ids])
        self.assertFalse(self.env["fsm.order"].browse(ids).exists())
        body = [{"id": jobs[2]["id"], "etag": self.etag(jobs[2]["id"])}, {"id": jobs[3]["id"]}]
        self.ok(self.call("DELETE", "/object/fsm.order", body))
        self.assertFalse(self.env["fsm.order"].browse([jobs[2]["id"], jobs[3]["id"]]).exists())

    def test_bulk_delete_refusals_delete_nothing(self):
        jobs = self.jobs(2)
        started = self.env["fsm.order"].browse(jobs[1]["id"])
        started.action_set_stage(self.stage["cancelled"])
        fresh = self.jobs(1)[0]
        stale = self.etag(fresh["id"])
        self.env["fsm.order"].browse(fresh["id"]).write({"priority": "1"})
        ids = [jobs[0]["id"], jobs[1]["id"]]
        err = self.assertError(
            self.call("DELETE", "/object/fsm.order", params={"ids": json.dumps(ids)}), 409, "workflow_conflict"
        )
        self.assertEqual(err["details"]["index"], 1)
        err = self.assertError(
            self.call("DELETE", "/object/fsm.order", [{"id": jobs[0]["id"]}, {"id": fresh["id"], "etag": stale}]),
            412,
            "precondition_failed",
        )
        self.assertEqual(err["details"]["index"], 1)
        for params, body, code in (
            ({"ids": "[1, 'x']"}, None, "invalid_ids"),
            ({"ids": "abc"}, None, "invalid_ids"),
            ({"ids": json.dumps(ids)}, [{"id": jobs[0]["id"]}], "invalid_body"),
            (None, [{"id": jobs[0]["id"], "description": "x"}], "invalid_body"),
            (None, None, "invalid_body"),
        ):
            with self.subTest(params=params, body=body):
                self.assertError(self.call("DELETE", "/object/fsm.order", body, params=params), 400, code)
        self.assertEqual(len(self.env["fsm.order"].browse([*ids, fresh["id"]]).exists()), 3)
        read_only = self.restapi_key("bulk delete read only", read_only=True)
        resp = self.call("DELETE", "/object/fsm.order", params={"ids": json.dumps([jobs[0]["id"]])}, key=read_only)
        self.assertError(resp, 403, "read_only_key")
        self.assertTrue(self.env["fsm.order"].browse(jobs[0]["id"]).exists())

    def test_bulk_delete_by_ref(self):
        job = self.new_job(external_ref="DEL-1")
        self.ok(self.call("DELETE", "/object/fsm.order", [{"ref": "DEL-1"}]))
        self.assertFalse(self.env["fsm.order"].browse(job["id"]).exists())
        self.assertError(self.call("DELETE", "/object/fsm.order", [{"ref": "DEL-1"}]), 404, "not_found")

    # -- the collector paused while a batch is written (restapi/gcpause.py) -------------------------
    def test_batches_are_written_with_the_collector_paused(self):
        """Each batch route writes a batch of MIN_BATCH records or more with Python's automatic
        collections paused (a full collection walks the whole worker: several per batch of 1,000), and
        resumes them after, a refused batch too; a small batch runs as it is."""
        size = gcpause.MIN_BATCH
        customer = self.customer.id
        with patch.object(gc, "disable", wraps=gc.disable) as disable, patch.object(gc, "enable", wraps=gc.enable):
            created = self.ok(
                self.call("POST", "/object/fsm.order", [{"partner_id": customer} for _i in range(size)]), 201
            )["fsm.order"]
            self.assertEqual(disable.call_count, 1)
            self.assertTrue(gc.isenabled())
            ids = [row["id"] for row in created]
            self.ok(self.call("PATCH", "/object/fsm.order", [{"id": i, "description": "paused"} for i in ids]))
            self.assertEqual(disable.call_count, 2)
            upserts = [{"external_ref": f"GC-{i}", "partner_id": customer} for i in range(size)]
            self.ok(self.call("PUT", "/object/fsm.order", upserts))
            self.assertEqual(disable.call_count, 3)
            updates = [dict(item, description="upserted") for item in upserts]  # the same references: updates
            rows = self.ok(self.call("PUT", "/object/fsm.order", updates))["fsm.order"]
            self.assertEqual({row["result"] for row in rows}, {"updated"})
            self.assertEqual(disable.call_count, 4)
            self.ok(self.call("DELETE", "/object/fsm.order", params={"ids": json.dumps(ids)}))
            self.assertEqual(disable.call_count, 5)
            self.assertFalse(self.env["fsm.order"].browse(ids).exists())
            # the last item refused (its values are converted inside the pause): nothing written, resumed
            before = self.env["fsm.order"].search_count([])
            bad = [{"partner_id": customer} for _i in range(size - 1)] + [{"partner_id": customer, "priority": "9"}]
            err = self.assertError(self.call("POST", "/object/fsm.order", bad), 422, "invalid_value")
            self.assertEqual(err["details"]["index"], size - 1)
            self.assertEqual(disable.call_count, 6)
            self.assertTrue(gc.isenabled())
            self.assertEqual(self.env["fsm.order"].search_count([]), before)
            calls = disable.call_count
            self.ok(self.call("POST", "/object/fsm.order", [{"partner_id": customer}] * 2), 201)
            self.assertEqual(disable.call_count, calls, "a small batch paused the collector")
        self.assertEqual(gcpause._state["holders"], 0)
