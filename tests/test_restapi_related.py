# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Related reads (issue 14): ``fields`` with dotted names or Odoo's web_read specification, answered
nested, with every hop checked as a top-level read is (restapi/related.py)."""

import json

from odoo import Command
from odoo.tests import tagged

from .factories import CompanyFactory
from .test_restapi_trust import TrustCase


@tagged("post_install", "-at_install")
class TestRelatedReads(TrustCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.customer.write({"email": "rest@example.com", "phone": "+46 70 000 00 00"})
        cls.job = cls.env["fsm.order"].create(
            {"partner_id": cls.customer.id, "person_id": cls.person.id, "description": "related"}
        )
        job = cls.job.with_user(cls.admin)
        job.action_check_in()
        job.action_check_out()
        job.action_check_in()

    def get(self, path, fields, key=True, headers=None, **params):
        return self.call("GET", path, params=dict(params, fields=fields), key=key, headers=headers)

    def job_row(self, fields, key=True, headers=None):
        resp = self.get(f"/object/fsm.order/{self.job.id}", fields, key=key, headers=headers)
        self.assertEqual(resp.status_code, 200, resp.text)
        return resp.json()["fsm.order"]

    # -- shapes ------------------------------------------------------------------------------------
    def test_dotted_names_are_answered_nested(self):
        row = self.job_row("name,partner_id.email,partner_id.name,stage_id.code,location_id.partner_id.city,person_id")
        self.assertEqual(
            row,
            {
                "id": self.job.id,
                "name": self.job.name,
                "partner_id": {"id": self.customer.id, "email": "rest@example.com", "name": "REST Customer"},
                "stage_id": {"id": self.stage["in_progress"].id, "code": "in_progress"},
                "location_id": {
                    "id": self.job.location_id.id,
                    "partner_id": {"id": self.job.location_id.partner_id.id, "city": "Resttown"},
                },
                # a many2one without sub-fields keeps its [id, display name]
                "person_id": [self.person.id, "REST Technician"],
            },
        )

    def test_web_read_specification(self):
        spec = {
            "name": {},
            "partner_id": {"fields": {"name": {}, "phone": {}}},
            "time_log_ids": {"fields": {"check_in": {}, "check_out": {}, "user_id": {}}, "limit": 1, "order": "id"},
            "sale_order_id": {"fields": {"name": {}}},
        }
        row = self.job_row(json.dumps(spec))
        first = self.job.time_log_ids.sorted("id")[0]
        self.assertEqual(
            row["partner_id"], {"id": self.customer.id, "name": "REST Customer", "phone": "+46 70 000 00 00"}
        )
        self.assertEqual(len(row["time_log_ids"]), 1)
        self.assertEqual(row["time_log_ids"][0]["id"], first.id)
        self.assertEqual(row["time_log_ids"][0]["user_id"], [self.admin.id, self.admin.name])
        self.assertTrue(row["time_log_ids"][0]["check_out"])
        self.assertIsNone(row["sale_order_id"])  # an empty many2one asked with fields: null
        # descending, every visit; {"fields": {}}: the ids only, as web_read
        spec = {"time_log_ids": {"fields": {}, "order": "id desc"}, "stage_id": {"fields": {}}}
        row = self.job_row(json.dumps(spec))
        self.assertEqual(row["time_log_ids"], [{"id": i} for i in sorted(self.job.time_log_ids.ids, reverse=True)])
        self.assertEqual(row["stage_id"], {"id": self.stage["in_progress"].id})

    def test_lists_and_answers_of_writes_nest_too(self):
        resp = self.get("/object/fsm.order", "name,partner_id.email", domain=json.dumps([["id", "=", self.job.id]]))
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(
            resp.json()["fsm.order"][0]["partner_id"], {"id": self.customer.id, "email": "rest@example.com"}
        )
        resp = self.call(
            "POST",
            "/object/fsm.order",
            {"partner_id": self.customer.id},
            params={"fields": "name,partner_id.email,stage_id.code"},
        )
        self.assertEqual(resp.status_code, 201, resp.text)
        row = resp.json()["fsm.order"]
        self.assertEqual(row["partner_id"], {"id": self.customer.id, "email": "rest@example.com"})
        self.assertEqual(row["stage_id"]["code"], "new")

    # -- refusals ----------------------------------------------------------------------------------
    def test_every_hop_is_checked(self):
        path = f"/object/fsm.order/{self.job.id}"
        for fields, status, code in (
            ("partner_id.user_ids.login", 403, "not_exposed"),  # res.users is not exposed
            ('{"partner_id": {"fields": {"user_ids": {"fields": {"login": {}}}}}}', 403, "not_exposed"),
            ("partner_id.no_such_field", 400, "unknown_field"),
            ("name.foo", 400, "unknown_field"),
            ("partner_id.image_128", 400, "binary_in_list"),
            ("location_id.partner_id.parent_id.country_id.code", 400, "invalid_fields"),  # 4 hops
            ('{"partner_id": {"fields": {"name": {}}, "limit": 2}}', 400, "invalid_fields"),
            ('{"partner_id": {"fields": {"name": {}}, "context": {"active_test": false}}}', 400, "invalid_fields"),
            ('{"partner_id": {"fields": ["name"]}}', 400, "invalid_fields"),
            ('{"time_log_ids": {"fields": {}, "order": "nope desc"}}', 400, "invalid_order"),
            ('{"partner_id": {"fields": {"name": {}}}', 400, "invalid_fields"),  # not JSON
        ):
            with self.subTest(fields=fields):
                err = self.assertError(self.get(path, fields), status, code)
                self.assertNotIn("admin", json.dumps(err))  # nothing of the unreachable model
        # three hops are allowed
        row = self.job_row("location_id.partner_id.commercial_partner_id.email")
        commercial = self.job.location_id.partner_id.commercial_partner_id
        self.assertEqual(
            row["location_id"]["partner_id"]["commercial_partner_id"],
            {"id": commercial.id, "email": commercial.email or None},
        )

    def test_the_key_s_models_narrow_the_hops(self):
        jobs_only = self.restapi_key("jobs only", models=["fsm.order"])
        self.assertError(
            self.get(f"/object/fsm.order/{self.job.id}", "stage_id.code", key=jobs_only), 403, "not_exposed"
        )
        self.assertError(self.get("/object/fsm.order", "partner_id.name", key=jobs_only), 403, "not_exposed")
        # the plain many2one stays readable, as before
        row = self.get(f"/object/fsm.order/{self.job.id}", "stage_id", key=jobs_only).json()["fsm.order"]
        self.assertEqual(row["stage_id"][0], self.stage["in_progress"].id)

    def test_secret_and_group_protected_fields_on_a_hop(self):
        self.env["ir.config_parameter"].set_param(
            "fieldservice_jobs.api_models", "fsm.order,fsm.location,res.partner,res.users"
        )
        path = f"/object/fsm.order/{self.job.id}"
        self.assertError(self.get(path, "partner_id.user_ids.password"), 400, "unknown_field")
        self.assertError(self.get(path, "partner_id.user_ids.api_key_ids"), 400, "unknown_field")
        user = self.fsm_user("related_hop_user")
        key = self.user_key(user)
        # res.partner's credit is for accountants only
        self.assertError(self.get(path, "partner_id.credit", key=key), 400, "unknown_field")
        self.assertEqual(self.get(path, "partner_id.credit").status_code, 200)  # the administrator's key

    def test_the_change_feed_refuses_related_fields(self):
        resp = self.call("GET", "/changes/fsm.order", params={"fields": "partner_id.email"})
        self.assertError(resp, 400, "invalid_fields")
        resp = self.call("GET", "/changes/fsm.order", params={"fields": '{"partner_id": {"fields": {"email": {}}}}'})
        self.assertError(resp, 400, "invalid_fields")

    # -- what the user may not read ----------------------------------------------------------------
    def test_records_of_another_company_show_their_id_only(self):
        company_b = CompanyFactory(env=self.env, name="Related Company B")
        main = self.env.ref("base.main_company")
        job = self.env["fsm.order"].create({"partner_id": self.customer.id, "description": "cross company"})
        secret = self.env["res.partner"].create(
            {"name": "Secret B Customer", "email": "secret@b.example.com", "company_id": company_b.id}
        )
        job.write({"partner_id": secret.id})
        user_a = self.fsm_user("related_user_a", companies=main)
        user_ab = self.fsm_user("related_user_ab", companies=main | company_b)
        path = f"/object/fsm.order/{job.id}"
        fields = "partner_id.email,partner_id.name"
        for key, headers in ((self.user_key(user_a), None), (self.user_key(user_ab), {"X-Company-Id": str(main.id)})):
            with self.subTest(headers=headers):
                resp = self.get(path, fields, key=key, headers=headers)
                self.assertEqual(resp.status_code, 200, resp.text)
                self.assertEqual(resp.json()["fsm.order"]["partner_id"], {"id": secret.id})
                self.assertNotIn("secret@b.example.com", resp.text)
                # its display name, as the plain many2one shows it (Odoo's rule), when asked
                row = self.get(path, "partner_id.display_name,partner_id.email", key=key, headers=headers).json()
                self.assertEqual(row["fsm.order"]["partner_id"], {"id": secret.id, "display_name": "Secret B Customer"})
        # in both companies, the user reads it
        resp = self.get(path, fields, key=self.user_key(user_ab, "ab both"))
        self.assertEqual(resp.json()["fsm.order"]["partner_id"]["email"], "secret@b.example.com")

    def test_x2many_leaves_out_what_the_user_may_not_read(self):
        self.env["ir.config_parameter"].set_param(
            "fieldservice_jobs.api_models", "fsm.order,fsm.location,res.partner,fsm.tag"
        )
        company_b = CompanyFactory(env=self.env, name="Related Tags B")
        main = self.env.ref("base.main_company")
        tags = self.env["fsm.tag"].create([{"name": "Tag A"}, {"name": "Tag B", "company_id": company_b.id}])
        self.job.write({"tag_ids": [Command.set(tags.ids)]})
        user = self.fsm_user("related_tags_user", companies=main)
        resp = self.get(f"/object/fsm.order/{self.job.id}", "tag_ids.name", key=self.user_key(user))
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json()["fsm.order"]["tag_ids"], [{"id": tags[0].id, "name": "Tag A"}])
        both = self.fsm_user("related_tags_both", companies=main | company_b)
        resp = self.get(f"/object/fsm.order/{self.job.id}", "tag_ids.name", key=self.user_key(both))
        self.assertEqual([t["name"] for t in resp.json()["fsm.order"]["tag_ids"]], ["Tag A", "Tag B"])

    def test_jdx_numbers_apply_to_nested_ids(self):
        jdx = self.Keys.with_user(self.admin)._generate_restapi_key("related jdx", stage_numbering="jdx")
        row = self.job_row("stage_id.code,stage_id.name", key=jdx)
        self.assertEqual(row["stage_id"], {"id": 3, "code": "in_progress", "name": "In Progress"})
        # a stage the key has no number for is none of its business
        extra = self.env["fsm.stage"].create({"name": "Related Extra", "stage_type": "order", "sequence": 40})
        self.job.stage_id = extra
        self.assertIsNone(self.job_row("stage_id.code", key=jdx)["stage_id"])
        # three hops down: the visits' job's stage
        row = self.job_row("time_log_ids.order_id.stage_id.code", key=jdx)
        self.assertEqual(
            row["time_log_ids"][0],
            {"id": row["time_log_ids"][0]["id"], "order_id": {"id": self.job.id, "stage_id": None}},
        )
        self.job.stage_id = self.stage["scheduled"]
        row = self.job_row("time_log_ids.order_id.stage_id.code", key=jdx)
        self.assertEqual(row["time_log_ids"][0]["order_id"]["stage_id"], {"id": 2, "code": "scheduled"})
