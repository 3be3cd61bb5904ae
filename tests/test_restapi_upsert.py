# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""External references and upserts: /object/<model>/ref:<external_ref>, batch PUT, {"ref": ...} links
and fsm.order's customer object (seed 004). Each refusal writes nothing."""

import json

from odoo.tests import tagged

from .factories import UserFactory
from .test_restapi_trust import TrustCase


@tagged("post_install", "-at_install")
class TestRestApiUpsert(TrustCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.external_ref = "CUST-1"
        cls.company_b = cls.env["res.company"].create({"name": "Upsert Company B"})

    def ok(self, resp, status=200):
        self.assertEqual(resp.status_code, status, resp.text)
        return resp.json()

    def counts(self):
        return (
            self.env["fsm.order"].search_count([]),
            self.env["res.partner"].with_context(active_test=False).search_count([]),
        )

    def post_job(self, body):
        resp = self.call("POST", "/object/fsm.order", body)
        self.assertEqual(resp.status_code, 201, resp.text)
        return resp.json()["fsm.order"]

    def job_by_ref(self, ref):
        return self.env["fsm.order"].search([("external_ref", "=", ref)])

    # -- one record by reference -----------------------------------------------------------------
    def test_put_by_ref_creates_then_updates(self):
        resp = self.call("PUT", "/object/fsm.order/ref:WO-1", {"partner_id": self.customer.id, "description": "a"})
        row = self.ok(resp, 201)["fsm.order"]
        self.assertEqual(row["external_ref"], "WO-1")
        self.assertTrue(resp.headers["ETag"])
        job = self.job_by_ref("WO-1")
        self.assertEqual(job.id, row["id"])
        resp = self.call("PUT", "/object/fsm.order/ref:WO-1", {"description": "b"})
        row = self.ok(resp)["fsm.order"]
        self.assertEqual((row["id"], row["description"]), (job.id, "<p>b</p>"))
        self.assertEqual(len(self.job_by_ref("WO-1")), 1)
        # the other verbs address it by reference too
        self.assertEqual(self.ok(self.call("GET", "/object/fsm.order/ref:WO-1"))["fsm.order"]["id"], job.id)
        self.ok(self.call("PATCH", "/object/fsm.order/ref:WO-1", {"description": "c"}))
        self.ok(self.call("POST", "/object/fsm.order/ref:WO-1/action_cancel"))
        self.assertEqual(job.stage_id.code, "cancelled")
        self.assertError(self.call("GET", "/object/fsm.order/ref:NOPE"), 404, "not_found")
        self.assertError(self.call("PATCH", "/object/fsm.order/ref:NOPE", {"description": "x"}), 404, "not_found")

    def test_put_by_ref_if_match_and_mismatched_ref(self):
        self.ok(self.call("PUT", "/object/fsm.order/ref:WO-2", {"partner_id": self.customer.id}), 201)
        before = self.counts()
        resp = self.call("PUT", "/object/fsm.order/ref:WO-2", {"description": "x"}, headers={"If-Match": '"stale"'})
        self.assertError(resp, 412, "precondition_failed")
        resp = self.call("PUT", "/object/fsm.order/ref:WO-2", {"external_ref": "WO-3", "description": "x"})
        self.assertError(resp, 422, "invalid_value")
        self.assertError(self.call("PUT", "/object/fsm.stage/ref:X", {"name": "x"}), 400, "no_external_ref")
        self.assertEqual(self.counts(), before)
        self.assertFalse(self.job_by_ref("WO-2").description)

    def test_duplicate_ref_is_409_per_company(self):
        self.new_job(external_ref="WO-DUP")
        before = self.counts()
        resp = self.call("POST", "/object/fsm.order", {"partner_id": self.customer.id, "external_ref": "WO-DUP"})
        self.assertError(resp, 409, "duplicate_external_ref")
        self.assertEqual(self.counts(), before)
        # another company may use the same reference: the upsert of this company does not see it
        other = self.env["fsm.order"].search([("external_ref", "=", "WO-DUP")])
        other.external_ref = False
        partner_b = self.env["res.partner"].create({"name": "B customer", "company_id": self.company_b.id})
        location_b = self.env["fsm.location"].create(
            {"name": "B place", "owner_id": partner_b.id, "company_id": self.company_b.id}
        )
        job_b = (
            self.env["fsm.order"]
            .with_company(self.company_b)
            .create({"location_id": location_b.id, "external_ref": "WO-B", "company_id": self.company_b.id})
        )
        row = self.ok(self.call("PUT", "/object/fsm.order/ref:WO-B", {"partner_id": self.customer.id}), 201)
        self.assertNotEqual(row["fsm.order"]["id"], job_b.id)
        self.assertEqual(job_b.partner_id, partner_b)

    # -- references in bodies ---------------------------------------------------------------------
    def test_many2one_by_ref(self):
        job = self.new_job(partner_id={"ref": "CUST-1"})
        self.assertEqual(job["partner_id"][0], self.customer.id)
        self.env["res.partner"].create({"name": "B only", "company_id": self.company_b.id, "external_ref": "CUST-B"})
        before = self.counts()
        for body, code in (
            ({"partner_id": {"ref": "NOPE"}}, "invalid_value"),
            ({"partner_id": {"ref": ""}}, "invalid_value"),
            ({"partner_id": {"id": 1}}, "invalid_value"),
            ({"partner_id": {"ref": "CUST-1", "x": 1}}, "invalid_value"),
        ):
            with self.subTest(body=body):
                self.assertError(self.call("POST", "/object/fsm.order", body), 422, code)
        # a partner of another company is not one the key's user may use here
        self.assertError(
            self.call("POST", "/object/fsm.order", {"partner_id": {"ref": "CUST-B"}}), 422, "invalid_value"
        )
        self.assertEqual(self.counts(), before)

    # -- the customer object (seed 004) ------------------------------------------------------------
    def test_customer_object_creates_then_finds(self):
        customer = {
            "ref": "SITOO-9",
            "first_name": "Erica",
            "last_name": "Swansson",
            "email": "erica@example.com",
            "mobile": "+46701112233",
            "country_code": "se",
        }
        job = self.post_job({"customer": customer})
        partner = self.env["res.partner"].browse(job["partner_id"][0])
        self.assertEqual(
            (partner.name, partner.email, partner.mobile, partner.external_ref, partner.country_id.code),
            ("Erica Swansson", "erica@example.com", "+46701112233", "SITOO-9", "SE"),
        )
        # by reference, then by email (case aside): the same partner, not changed
        again = self.post_job({"customer": {"ref": "SITOO-9", "first_name": "Someone Else"}})
        self.assertEqual(again["partner_id"][0], partner.id)
        by_mail = self.post_job({"customer": {"first_name": "E", "email": "ERICA@example.com"}})
        self.assertEqual(by_mail["partner_id"][0], partner.id)
        self.assertEqual(partner.name, "Erica Swansson")
        # a batch of jobs of one new customer creates it once
        resp = self.call(
            "POST",
            "/object/fsm.order",
            [{"customer": {"first_name": "Batch", "email": "batch@example.com"}} for _i in range(3)],
        )
        rows = self.ok(resp, 201)["fsm.order"]
        self.assertEqual(len({row["partner_id"][0] for row in rows}), 1)
        self.assertEqual(self.env["res.partner"].search_count([("email", "=", "batch@example.com")]), 1)

    def test_customer_object_refusals_write_nothing(self):
        before = self.counts()
        for body, status, code in (
            ({"customer": {"first_name": "A", "shoe_size": 9}}, 400, "unknown_field"),
            ({"customer": "Erica"}, 422, "invalid_value"),
            ({"customer": {"first_name": 5}}, 422, "invalid_value"),
            ({"customer": {"email": "nobody@example.com"}}, 422, "missing_field"),
            ({"customer": {"first_name": "A", "country_code": "XX"}}, 422, "invalid_value"),
            ({"customer": {"first_name": "A"}, "partner_id": self.customer.id}, 400, "conflicting_fields"),
        ):
            with self.subTest(body=body):
                self.assertError(self.call("POST", "/object/fsm.order", body), status, code)
        # a batch whose third job's customer is wrong: nothing of the first two stays
        bodies = [{"customer": {"first_name": f"Batch {i}"}} for i in range(2)] + [{"customer": {"bad": 1}}]
        err = self.assertError(self.call("POST", "/object/fsm.order", bodies), 400, "unknown_field")
        self.assertEqual(err["details"]["index"], 2)
        self.assertEqual(self.counts(), before)

    def test_customer_object_needs_partners_in_scope(self):
        key = self.restapi_key("jobs only", models=["fsm.order", "fsm.stage"])
        before = self.counts()
        resp = self.call("POST", "/object/fsm.order", {"customer": {"first_name": "Scoped"}}, key=key)
        self.assertError(resp, 403, "not_exposed")
        read_only = self.restapi_key("read only", read_only=True)
        resp = self.call("PUT", "/object/fsm.order/ref:RO", {"customer": {"first_name": "RO"}}, key=read_only)
        self.assertError(resp, 403, "read_only_key")
        self.assertEqual(self.counts(), before)

    # -- batch upsert ---------------------------------------------------------------------------
    def test_batch_upsert_created_updated_unchanged(self):
        existing = self.new_job(external_ref="B-1", description="one")
        same = self.new_job(external_ref="B-2", description="two")
        bodies = [
            {"external_ref": "B-1", "description": "<p>ONE</p>", "priority": "1"},
            {"external_ref": "B-2", "description": "<p>two</p>"},
            {"external_ref": "B-3", "partner_id": {"ref": "CUST-1"}},
        ]
        rows = self.ok(self.call("PUT", "/object/fsm.order", bodies, params={"fields": "external_ref,description"}))[
            "fsm.order"
        ]
        self.assertEqual([r["result"] for r in rows], ["updated", "unchanged", "created"])
        self.assertEqual([r["external_ref"] for r in rows], ["B-1", "B-2", "B-3"])
        self.assertEqual(rows[0]["id"], existing["id"])
        self.assertEqual(rows[1]["id"], same["id"])
        self.assertEqual(rows[0]["previous"], {"description": "<p>one</p>", "priority": "0"})
        self.assertNotIn("previous", rows[1])
        self.assertEqual(self.job_by_ref("B-3").partner_id, self.customer)
        # the same batch again: nothing changes
        rows = self.ok(self.call("PUT", "/object/fsm.order", bodies))["fsm.order"]
        self.assertEqual([r["result"] for r in rows], ["unchanged"] * 3)
        # an item's etag is its If-Match: a stale one refuses the batch
        stale = self.call("GET", f"/object/fsm.order/{existing['id']}").headers["ETag"]
        self.env["fsm.order"].browse(existing["id"]).write({"priority": "2"})
        bodies = [
            {"external_ref": "B-1", "description": "<p>again</p>", "etag": stale},
            {"external_ref": "B-9", "partner_id": self.customer.id, "etag": "ignored: nothing to match yet"},
        ]
        err = self.assertError(self.call("PUT", "/object/fsm.order", bodies), 412, "precondition_failed")
        self.assertEqual(err["details"]["index"], 0)
        self.assertFalse(self.job_by_ref("B-9"))
        bodies[0]["etag"] = self.call("GET", f"/object/fsm.order/{existing['id']}").headers["ETag"]
        rows = self.ok(self.call("PUT", "/object/fsm.order", bodies))["fsm.order"]
        self.assertEqual([r["result"] for r in rows], ["updated", "created"])

    def test_batch_upsert_refusals_write_nothing(self):
        self.new_job(external_ref="R-1", description="keep")
        before = self.counts()
        cases = (
            ([{"external_ref": "R-1", "description": "x"}, {"external_ref": "R-1"}], 422, "duplicate_external_ref", 1),
            ([{"external_ref": "R-1", "description": "x"}, {"description": "no ref"}], 400, "invalid_external_ref", 1),
            (
                [{"external_ref": "R-9", "partner_id": self.customer.id}, {"external_ref": "R-1", "nope": 1}],
                400,
                "unknown_field",
                1,
            ),
            (
                [{"external_ref": "R-8", "partner_id": self.customer.id}, {"external_ref": "R-7"}],
                422,
                "missing_field",
                1,
            ),
            ([{"external_ref": "R-1", "description": "x"}, "junk"], 400, "invalid_body", 1),
        )
        for bodies, status, code, index in cases:
            with self.subTest(code=code):
                err = self.assertError(self.call("PUT", "/object/fsm.order", bodies), status, code)
                self.assertEqual(err["details"]["index"], index)
        self.assertError(self.call("PUT", "/object/fsm.order", []), 400, "invalid_body")
        self.assertError(self.call("PUT", "/object/fsm.order", {"external_ref": "x"}), 400, "invalid_body")
        too_many = [{"external_ref": f"M-{i}"} for i in range(1001)]
        self.assertError(self.call("PUT", "/object/fsm.order", too_many), 413, "batch_too_large")
        self.assertError(self.call("PUT", "/object/fsm.stage", [{"external_ref": "S"}]), 400, "no_external_ref")
        self.assertEqual(self.counts(), before)
        self.assertEqual(str(self.job_by_ref("R-1").description), "<p>keep</p>")

    def test_batch_upsert_of_customers_and_locations(self):
        rows = self.ok(
            self.call(
                "PUT",
                "/object/res.partner",
                [{"external_ref": "C-1", "name": "Cust one"}, {"external_ref": "CUST-1", "name": "REST Customer"}],
            )
        )["res.partner"]
        self.assertEqual([r["result"] for r in rows], ["created", "unchanged"])
        rows = self.ok(
            self.call(
                "PUT",
                "/object/fsm.location",
                [{"external_ref": "L-1", "name": "Site one", "owner_id": {"ref": "C-1"}}],
            )
        )["fsm.location"]
        self.assertEqual(rows[0]["result"], "created")
        location = self.env["fsm.location"].browse(rows[0]["id"])
        self.assertEqual((location.external_ref, location.owner_id.external_ref), ("L-1", "C-1"))
        # a location's reference is its own, not its partner's
        self.assertFalse(location.partner_id.external_ref)
        job = self.post_job({"location_id": {"ref": "L-1"}})
        self.assertEqual(job["location_id"][0], location.id)

    def test_upsert_by_other_company_user_cannot_reach_ours(self):
        """A user of company B upserting our reference creates a record of B: ours is untouched."""
        user_b = UserFactory(
            env=self.env, login="upsert_b", companies=self.company_b, groups=("fieldservice.group_fsm_dispatcher",)
        )
        key_b = self.user_key(user_b)
        ours = self.new_job(external_ref="SHARED-REF", description="ours")
        partner_b = self.env["res.partner"].create({"name": "B cust", "company_id": self.company_b.id})
        location_b = self.env["fsm.location"].create(
            {"name": "B site", "owner_id": partner_b.id, "company_id": self.company_b.id}
        )
        body = {"partner_id": partner_b.id, "location_id": location_b.id}
        resp = self.call("PUT", "/object/fsm.order/ref:SHARED-REF", body, key=key_b)
        row = self.ok(resp, 201)["fsm.order"]
        self.assertNotEqual(row["id"], ours["id"])
        self.assertEqual(str(self.env["fsm.order"].browse(ours["id"]).description), "<p>ours</p>")
        resp = self.call("PATCH", "/object/fsm.order", [{"ref": "SHARED-REF", "description": "x"}], key=key_b)
        self.assertEqual(self.ok(resp)["fsm.order"][0]["id"], row["id"])
        self.assertEqual(str(self.env["fsm.order"].browse(ours["id"]).description), "<p>ours</p>")
        # and B's user cannot link a customer of ours by reference (a shared one, yes)
        self.env["res.partner"].create({"name": "A only", "company_id": self.env.company.id, "external_ref": "CUST-A"})
        resp = self.call("POST", "/object/fsm.order", {"partner_id": {"ref": "CUST-A"}}, key=key_b)
        self.assertError(resp, 422, "invalid_value")

    def test_fields_param_in_bulk_answers(self):
        rows = self.ok(
            self.call(
                "PUT",
                "/object/fsm.order",
                [{"external_ref": "F-1", "partner_id": self.customer.id}],
                params={"fields": json.dumps(["external_ref"])},
            )
        )["fsm.order"]
        self.assertEqual(set(rows[0]), {"id", "external_ref", "result"})
