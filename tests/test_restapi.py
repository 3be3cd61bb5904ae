# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, tagged

from .factories import ApiKeyFactory, CustomerFactory, PartnerFactory, TechnicianFactory, UserFactory

API = "/restapi/1.0"


class RestApiCase(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = ApiKeyFactory(env=cls.env, name="rest test")
        cls.customer = CustomerFactory(
            env=cls.env, name="REST Customer", street="5 Api Road", city="Resttown", zip="55555"
        )
        cls.stage = {
            code: cls.env["fsm.stage"]._get_job_stage(code)
            for code in ("new", "scheduled", "in_progress", "completed", "cancelled")
        }
        cls.person = TechnicianFactory(env=cls.env, name="REST Technician")

    def call(self, method, path, body=None, params=None, key=True, headers=None, raw=None):
        hdrs = {"Content-Type": "application/json"}
        if key:
            hdrs["X-API-Key"] = self.key if key is True else key
        hdrs.update(headers or {})
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        return self.opener.request(
            method, self.base_url() + API + path, params=params, data=data, headers=hdrs, timeout=60
        )

    def assertError(self, resp, status, code):
        self.assertEqual(resp.status_code, status, resp.text)
        err = resp.json()["error"]
        self.assertEqual((err["status"], err["code"]), (status, code), err)
        self.assertTrue(err["message"])
        self.assertIn("details", err)
        return err

    def new_job(self, **body):
        body.setdefault("partner_id", self.customer.id)
        resp = self.call("POST", "/object/fsm.order", body)
        self.assertEqual(resp.status_code, 201, resp.text)
        return resp.json()["fsm.order"]

    def ids(self, resp):
        self.assertEqual(resp.status_code, 200, resp.text)
        return [row["id"] for row in resp.json()["fsm.order"]]


@tagged("post_install", "-at_install")
class TestRestApi(RestApiCase):
    # -- authentication ------------------------------------------------------------------------
    def test_missing_and_bad_key(self):
        for key, code in ((False, "missing_api_key"), ("nope" * 10, "invalid_api_key")):
            with self.subTest(code=code):
                self.assertError(self.call("GET", "/object/fsm.order", key=key), 401, code)

    def test_bearer_header_accepted(self):
        resp = self.call("GET", "/object/fsm.stage", key=False, headers={"Authorization": f"Bearer {self.key}"})
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertTrue(resp.json()["fsm.stage"])

    def test_permissions_come_from_the_key_user(self):
        user = UserFactory(env=self.env, groups=("base.group_user",))
        key = ApiKeyFactory(env=self.env, user=user)
        self.assertError(self.call("GET", "/object/fsm.order", key=key), 403, "access_denied")

    # -- models ----------------------------------------------------------------------------------
    def test_unknown_and_unexposed_models_are_404(self):
        for path, code in (
            ("/object/no.such.model", "unknown_model"),
            ("/object/res.users", "unknown_model"),
            ("/object/fsm.order/999999", "not_found"),
            ("/object/fsm.order/abc", "not_found"),
            ("/nowhere", "not_found"),
        ):
            with self.subTest(path=path):
                self.assertError(self.call("GET", path), 404, code)

    def test_allowlist_is_a_setting(self):
        self.env["ir.config_parameter"].set_param("fieldservice_jobs.api_models", "fsm.order")
        self.assertError(self.call("GET", "/object/fsm.stage"), 404, "unknown_model")
        self.assertEqual(self.call("GET", "/object/fsm.order").status_code, 200)

    # -- reading ---------------------------------------------------------------------------------
    def test_stages_list(self):
        resp = self.call(
            "GET", "/object/fsm.stage", params={"fields": "['name','sequence','is_closed','code']", "order": "sequence"}
        )
        self.assertEqual(resp.status_code, 200, resp.text)
        stages = [s for s in resp.json()["fsm.stage"] if s["code"]]
        self.assertEqual([s["code"] for s in stages], ["new", "scheduled", "in_progress", "completed", "cancelled"])
        self.assertEqual(set(stages[0]), {"id", "name", "sequence", "is_closed", "code"})
        self.assertEqual([s["is_closed"] for s in stages], [False, False, False, True, True])
        self.assertEqual(int(resp.headers["X-Total-Count"]), self.env["fsm.stage"].search_count([]))
        self.assertTrue(resp.headers.get("X-Request-Id"))

    def test_create_answers_the_job(self):
        job = self.new_job(
            scheduled_date_start="2025-12-15 09:00:00",
            scheduled_date_end="2025-12-15 12:00:00",
            description="Install motorized blinds",
            type="install",
        )
        self.assertRegex(job["name"], r"^FSM\d{5}$")
        self.assertEqual(job["partner_id"], [self.customer.id, "REST Customer"])
        self.assertEqual(job["type"], "install")
        self.assertEqual(job["duration"], 3.0)
        self.assertEqual(job["scheduled_date_start"], "2025-12-15 09:00:00")
        self.assertIsNone(job["date_start"])
        self.assertEqual(job["stage_id"][0], self.stage["new"].id)

    def test_read_job_with_fields(self):
        job = self.new_job()
        names = ["name", "partner_id", "location_id", "street", "city", "zip", "state_id", "duration"]
        resp = self.call("GET", f"/object/fsm.order/{job['id']}", params={"fields": str(names)})
        self.assertEqual(resp.status_code, 200, resp.text)
        detail = resp.json()["fsm.order"]
        self.assertEqual(set(detail), {"id", *names})
        self.assertEqual((detail["street"], detail["city"], detail["zip"]), ("5 Api Road", "Resttown", "55555"))
        self.assertIsNone(detail["state_id"])
        self.assertEqual(detail["location_id"][0], self.env["fsm.order"].browse(job["id"]).location_id.id)

    def test_search_a_day_in_order(self):
        a = self.new_job(person_id=self.person.id, scheduled_date_start="2025-12-13 08:00:00")
        b = self.new_job(scheduled_date_start="2025-12-13 10:00:00")
        self.new_job(scheduled_date_start="2025-12-14 08:00:00")
        domain = [
            ("scheduled_date_start", ">=", "2025-12-13 00:00:00"),
            ("scheduled_date_start", "<=", "2025-12-13 23:59:59"),
            ("partner_id", "=", self.customer.id),
        ]
        params = {"domain": str(domain), "fields": "['name','person_id']", "order": "scheduled_date_start"}
        rows = self.call("GET", "/object/fsm.order", params=params).json()["fsm.order"]
        self.assertEqual([r["id"] for r in rows], [a["id"], b["id"]])
        self.assertEqual(rows[0]["person_id"], [self.person.id, "REST Technician"])
        self.assertIsNone(rows[1]["person_id"])

    def test_search_by_codes_and_empty_values(self):
        a = self.new_job(type="install", person_id=self.person.id, scheduled_date_start="2025-12-13 08:00:00")
        b = self.new_job(type="service")
        for domain, found, not_found in (
            ("[('type','=','install')]", a, b),
            ("[('type','=','service')]", b, a),
            ('[["stage_id", "=", "scheduled"]]', a, b),
            ("[('stage_id','=','new')]", b, a),
            ("[('person_id','=',False)]", b, a),
        ):
            with self.subTest(domain=domain):
                ids = self.ids(self.call("GET", "/object/fsm.order", params={"domain": domain, "limit": 1000}))
                self.assertIn(found["id"], ids)
                self.assertNotIn(not_found["id"], ids)

    def test_paging_with_total(self):
        a, b = self.new_job(), self.new_job()
        page = self.call(
            "GET",
            "/object/fsm.order",
            params={"domain": "[('partner_id','=',%d)]" % self.customer.id, "limit": 1, "offset": 1, "order": "id"},
        )
        self.assertEqual(self.ids(page), [b["id"]])
        self.assertEqual(page.headers["X-Total-Count"], "2")
        self.assertLess(a["id"], b["id"])

    # -- workflow through PUT and methods --------------------------------------------------------
    def test_put_stage_runs_workflow(self):
        job = self.new_job()
        path = f"/object/fsm.order/{job['id']}"
        started = self.call(
            "PUT", path, {"stage_id": self.stage["in_progress"].id, "date_start": "2025-12-13 09:15:00"}
        )
        self.assertEqual(started.status_code, 200, started.text)
        self.assertEqual(started.json()["fsm.order"]["stage_id"][0], self.stage["in_progress"].id)
        done = self.call("PUT", path, {"stage_id": self.stage["completed"].id, "date_end": "2025-12-13 11:30:00"})
        self.assertEqual(done.status_code, 200, done.text)
        body = done.json()["fsm.order"]
        self.assertEqual(body["stage_id"][0], self.stage["completed"].id)
        self.assertEqual(body["effective_duration"], 2.25)

    def test_put_stage_conflict_writes_nothing(self):
        job = self.new_job()
        record = self.env["fsm.order"].browse(job["id"])
        record.action_complete()
        err = self.assertError(
            self.call("PUT", f"/object/fsm.order/{job['id']}", {"stage_id": "in_progress", "description": "<p>x</p>"}),
            409,
            "workflow_conflict",
        )
        self.assertIn("cannot be started", err["message"])
        record.invalidate_recordset()
        self.assertNotIn("<p>x</p>", record.description or "")
        self.assertEqual(record.stage_id, self.stage["completed"])

    def test_method_start_takes_an_offset_date(self):
        job = self.new_job()
        resp = self.call(
            "POST", f"/object/fsm.order/{job['id']}/action_start", {"date_start": "2025-12-13T10:15:00+01:00"}
        )
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json()["fsm.order"]["date_start"], "2025-12-13 09:15:00")
        self.assertEqual(resp.json()["fsm.order"]["stage_id"][0], self.stage["in_progress"].id)

    def test_method_complete_without_body(self):
        job = self.new_job()
        resp = self.call("POST", f"/object/fsm.order/{job['id']}/action_complete")
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json()["fsm.order"]["stage_id"][0], self.stage["completed"].id)
        self.assertTrue(resp.json()["fsm.order"]["date_end"])

    def test_method_refusals(self):
        job = self.new_job()
        cancelled = self.new_job()
        self.assertEqual(self.call("POST", f"/object/fsm.order/{cancelled['id']}/action_cancel").status_code, 200)
        for path, body, status, code in (
            (f"{job['id']}/unlink", None, 404, "unknown_method"),
            (f"{job['id']}/action_start", {"when": 1}, 400, "unknown_argument"),
            (f"{cancelled['id']}/action_complete", None, 409, "workflow_conflict"),
        ):
            with self.subTest(path=path):
                self.assertError(self.call("POST", f"/object/fsm.order/{path}", body), status, code)
        self.assertEqual(self.env["fsm.order"].browse(job["id"]).stage_id, self.stage["new"])

    def test_delete_new_job(self):
        job = self.new_job()
        resp = self.call("DELETE", f"/object/fsm.order/{job['id']}")
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json()["fsm.order"], {"id": job["id"], "deleted": True})
        self.assertFalse(self.env["fsm.order"].browse(job["id"]).exists())

    def test_delete_started_job_refused(self):
        started = self.new_job()
        self.env["fsm.order"].browse(started["id"]).action_start()
        self.assertError(self.call("DELETE", f"/object/fsm.order/{started['id']}"), 409, "workflow_conflict")
        self.assertTrue(self.env["fsm.order"].browse(started["id"]).exists())

    # -- values ----------------------------------------------------------------------------------
    def test_write_tag_commands(self):
        tags = self.env["fsm.tag"].create([{"name": "T1"}, {"name": "T2"}])
        job = self.new_job(tag_ids=[[6, 0, tags.ids]])
        self.assertEqual(sorted(job["tag_ids"]), sorted(tags.ids))
        resp = self.call(
            "PUT", f"/object/fsm.order/{job['id']}", {"tag_ids": [[3, tags[0].id, 0], [0, 0, {"name": "T3"}]]}
        )
        record = self.env["fsm.order"].browse(job["id"])
        self.assertEqual(sorted(resp.json()["fsm.order"]["tag_ids"]), sorted(record.tag_ids.ids))
        self.assertEqual(sorted(record.tag_ids.mapped("name")), ["T2", "T3"])

    def test_write_datetime_with_offset(self):
        job = self.new_job(scheduled_date_start="2025-12-15T10:00:00+01:00")
        self.assertEqual(job["scheduled_date_start"], "2025-12-15 09:00:00")

    def test_write_selection_and_clear_many2one(self):
        job = self.new_job(person_id=self.person.id)
        body = self.call("PUT", f"/object/fsm.order/{job['id']}", {"priority": "2"}).json()["fsm.order"]
        self.assertEqual(body["priority"], "2")
        cleared = self.call("PUT", f"/object/fsm.order/{job['id']}", {"person_id": None}).json()["fsm.order"]
        self.assertIsNone(cleared["person_id"])
        self.assertFalse(self.env["fsm.order"].browse(job["id"]).person_id)

    # -- errors ----------------------------------------------------------------------------------
    def client_errors(self):
        """(method, query parameters, body, raw body, status, code) of requests that must be refused."""
        customer = self.customer.id
        return [
            ("GET", {"domain": "[('a',"}, None, None, 400, "invalid_domain"),
            ("GET", {"domain": "__import__('os').system('id')"}, None, None, 400, "invalid_domain"),
            ("GET", {"domain": "[('nope','=',1)]"}, None, None, 400, "unknown_field"),
            ("GET", {"fields": "['nope']"}, None, None, 400, "unknown_field"),
            ("GET", {"order": "name sideways"}, None, None, 400, "invalid_order"),
            ("GET", {"limit": "ten"}, None, None, 400, "invalid_limit"),
            ("GET", {"offset": "-1"}, None, None, 400, "invalid_offset"),
            ("POST", None, None, "{not json", 400, "invalid_json"),
            ("PATCH", None, None, None, 400, "invalid_json"),  # a bulk update needs its body
            ("POST", None, {"description": "x"}, None, 422, "missing_field"),
            ("POST", None, {"partner_id": "abc"}, None, 422, "invalid_value"),
            ("POST", None, {"partner_id": 99999999}, None, 422, "invalid_value"),
            ("POST", None, {"partner_id": customer, "type": "nope"}, None, 422, "invalid_value"),
            ("POST", None, {"partner_id": customer, "bogus": 1}, None, 400, "unknown_field"),
            ("POST", None, {"partner_id": customer, "effective_duration": 9}, None, 400, "readonly_field"),
            ("POST", None, {"partner_id": customer, "description": "x" * (1024 * 1024 + 10)}, None, 413,
             "payload_too_large"),
        ]  # fmt: skip

    def test_client_errors(self):
        count = self.env["fsm.order"].search_count([])
        for method, params, body, raw, status, code in self.client_errors():
            with self.subTest(method=method, params=params, body=str(body)[:60], raw=raw):
                self.assertError(self.call(method, "/object/fsm.order", body, params=params, raw=raw), status, code)
        self.assertEqual(self.env["fsm.order"].search_count([]), count, "no error wrote anything")

    # -- dashboard -------------------------------------------------------------------------------
    def test_dashboard(self):
        job = self.new_job(scheduled_date_start="2031-03-04 10:00:00")
        resp = self.call("GET", "/fsm/dashboard", params={"date": "2031-03-04"})
        self.assertEqual(resp.status_code, 200, resp.text)
        data = resp.json()
        self.assertEqual(data["date"], "2031-03-04")
        self.assertIn(job["id"], [j["id"] for j in data["jobs"]])
        by_code = {s["code"]: s for s in data["stages"] if s["code"]}
        self.assertEqual(by_code["new"]["count"], self.env["fsm.order"].search_count([("stage_id.code", "=", "new")]))

    def test_dashboard_bad_date(self):
        self.assertError(self.call("GET", "/fsm/dashboard", params={"date": "03/04/2031"}), 400, "invalid_date")
        self.assertError(self.call("GET", "/fsm/dashboard", params={"date": "9999-12-31"}), 400, "invalid_date")

    def test_dashboard_early_years(self):
        # a year before 1000 is written with its four digits (schemathesis found '40-01-31' refused by PostgreSQL)
        resp = self.call("GET", "/fsm/dashboard", params={"date": "0040-01-31"})
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json()["today_count"], 0)


@tagged("post_install", "-at_install")
class TestRestApiVisibility(HttpCase):
    """Field groups, secrets, record rules and unexpected errors."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = UserFactory(env=cls.env)  # an FSM user: not in the accounting groups
        cls.key = ApiKeyFactory(env=cls.env, user=cls.user)
        cls.admin_key = ApiKeyFactory(env=cls.env)
        cls.partner = PartnerFactory(env=cls.env)

    def get(self, path, key, params=None):
        return self.opener.get(self.base_url() + API + path, params=params, headers={"X-API-Key": key}, timeout=60)

    def test_field_groups_hide_fields_from_the_user(self):
        self.assertFalse(self.user.has_group("account.group_account_invoice"))
        resp = self.get(f"/object/res.partner/{self.partner.id}", self.key, {"fields": "['name','credit']"})
        self.assertEqual(resp.status_code, 400, resp.text)
        self.assertEqual(resp.json()["error"]["code"], "unknown_field")
        default = self.get(f"/object/res.partner/{self.partner.id}", self.key).json()["res.partner"]
        self.assertIn("name", default)
        self.assertNotIn("credit", default)

    def test_field_groups_show_fields_to_their_members(self):
        resp = self.get(f"/object/res.partner/{self.partner.id}", self.admin_key, {"fields": "['name','credit']"})
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertIn("credit", resp.json()["res.partner"])

    def test_secret_fields_never_appear(self):
        self.env["ir.config_parameter"].set_param("fieldservice_jobs.api_models", "fsm.order,res.users")
        admin = self.env.ref("base.user_admin")
        row = self.get(f"/object/res.users/{admin.id}", self.admin_key).json()["res.users"]
        self.assertEqual(row["login"], admin.login)
        self.assertFalse([name for name in row if "password" in name or "api_key" in name], row)
        for field in ("password", "new_password", "api_key_ids"):
            with self.subTest(field=field):
                resp = self.get(f"/object/res.users/{admin.id}", self.admin_key, {"fields": f"['{field}']"})
                self.assertEqual(resp.status_code, 400, resp.text)
                self.assertEqual(resp.json()["error"]["code"], "unknown_field")

    def test_unexpected_error_is_500_with_request_id(self):
        from odoo.addons.fieldservice_jobs.restapi import service

        def boom(*args, **kwargs):
            raise RuntimeError("simulated bug")

        with (
            patch.object(service.ModelApi, "render", boom),
            self.assertLogs("odoo.addons.fieldservice_jobs.controllers.restapi", "ERROR") as logs,
        ):
            resp = self.get("/object/fsm.stage", self.admin_key)
        self.assertEqual(resp.status_code, 500)
        err = resp.json()["error"]
        self.assertEqual(err["code"], "internal_error")
        self.assertNotIn("simulated bug", resp.text, "no traceback or internals for the client")
        rid = err["details"]["request_id"]
        self.assertEqual(resp.headers["X-Request-Id"], rid)
        self.assertIn(rid, "\n".join(logs.output))


@tagged("post_install", "-at_install")
class TestRestApiHardening(RestApiCase):
    """ETag / If-Match, atomic batches, keyset pagination and the OpenAPI document."""

    def test_etag_is_stable_until_a_write(self):
        job = self.new_job()
        path = f"/object/fsm.order/{job['id']}"
        etag = self.call("GET", path).headers["ETag"]
        self.assertTrue(etag.startswith('"'))
        self.assertEqual(self.call("GET", path).headers["ETag"], etag, "stable while the record is unchanged")
        ok = self.call("PUT", path, {"description": "<p>one</p>"}, headers={"If-Match": etag})
        self.assertEqual(ok.status_code, 200, ok.text)
        self.assertNotEqual(ok.headers["ETag"], etag, "a write changes the ETag")
        self.assertEqual(self.call("GET", path).headers["ETag"], ok.headers["ETag"])

    def test_stale_if_match_writes_nothing(self):
        job = self.new_job()
        path = f"/object/fsm.order/{job['id']}"
        stale = self.call("GET", path).headers["ETag"]
        current = self.call("PUT", path, {"description": "<p>one</p>"}).headers["ETag"]
        err = self.assertError(
            self.call("PUT", path, {"description": "<p>two</p>"}, headers={"If-Match": stale}),
            412,
            "precondition_failed",
        )
        self.assertEqual(err["details"]["etag"], current)
        record = self.env["fsm.order"].browse(job["id"])
        record.invalidate_recordset()
        self.assertIn("one", record.description)
        self.assertNotIn("two", record.description)

    def test_delete_with_if_match(self):
        job = self.new_job()
        path = f"/object/fsm.order/{job['id']}"
        stale = self.call("GET", path).headers["ETag"]
        current = self.call("PUT", path, {"description": "<p>one</p>"}).headers["ETag"]
        self.assertError(self.call("DELETE", path, headers={"If-Match": stale}), 412, "precondition_failed")
        self.assertTrue(self.env["fsm.order"].browse(job["id"]).exists())
        gone = self.call("DELETE", path, headers={"If-Match": current})
        self.assertEqual(gone.status_code, 200, gone.text)
        self.assertFalse(self.env["fsm.order"].browse(job["id"]).exists())

    def batch(self, size=5):
        return [{"partner_id": self.customer.id, "description": f"batch {i}"} for i in range(size)]

    def test_batch_creates_every_record(self):
        count = self.env["fsm.order"].search_count([])
        resp = self.call("POST", "/object/fsm.order", self.batch(), params={"fields": "name,description"})
        self.assertEqual(resp.status_code, 201, resp.text)
        rows = resp.json()["fsm.order"]
        self.assertEqual([r["description"] for r in rows], [f"<p>batch {i}</p>" for i in range(5)])
        self.assertEqual(self.env["fsm.order"].search_count([]), count + 5)

    def test_batch_refusals_name_the_record_and_write_nothing(self):
        batch = self.batch()
        count = self.env["fsm.order"].search_count([])
        for bad, index, status, code in (
            ([*batch[:3], {"partner_id": self.customer.id, "type": "nope"}, batch[4]], 3, 422, "invalid_value"),
            ([batch[0], {"description": "no customer"}], 1, 422, "missing_field"),
        ):
            with self.subTest(code=code):
                err = self.assertError(self.call("POST", "/object/fsm.order", bad), status, code)
                self.assertEqual(err["details"]["index"], index)
        self.assertError(self.call("POST", "/object/fsm.order", []), 400, "invalid_body")
        self.assertEqual(self.env["fsm.order"].search_count([]), count)

    def test_keyset_pagination(self):
        jobs = [self.new_job() for _i in range(5)]
        domain = str([("partner_id", "=", self.customer.id)])
        seen, after = [], 0
        while True:
            resp = self.call(
                "GET",
                "/object/fsm.order",
                params={"domain": domain, "fields": "id", "limit": 2, "start_after_id": after},
            )
            self.assertEqual(resp.headers["X-Total-Count"], "5")
            rows = resp.json()["fsm.order"]
            seen += [r["id"] for r in rows]
            if "X-Next-Start-After-Id" not in resp.headers:
                break
            after = int(resp.headers["X-Next-Start-After-Id"])
        self.assertEqual(seen, sorted(j["id"] for j in jobs))

    def test_keyset_pagination_orders_by_id_only(self):
        self.assertError(
            self.call("GET", "/object/fsm.order", params={"start_after_id": 1, "order": "name"}), 400, "invalid_order"
        )

    def test_openapi_document(self):
        from openapi_spec_validator import validate

        resp = self.call("GET", "/openapi.json")
        self.assertEqual(resp.status_code, 200, resp.text)
        spec = resp.json()
        validate(spec)
        self.assertEqual(spec["components"]["securitySchemes"]["ApiKey"]["name"], "X-API-Key")
        self.assertEqual(spec["components"]["schemas"]["Error"]["required"], ["error"])

    def test_openapi_job_schema(self):
        spec = self.call("GET", "/openapi.json").json()
        job = spec["components"]["schemas"]["fsm_order"]["properties"]
        self.assertEqual(job["duration"]["type"], "number")  # seed 000's planned hours
        self.assertEqual(job["type"]["type"], "string")  # the job type code
        self.assertIn("effective_duration", job)
        self.assertNotIn("scheduled_duration", job)
        self.assertIn("partner_id", spec["components"]["schemas"]["fsm_order_write"]["properties"])
        self.assertIn("/object/fsm.order/{id}/action_start", spec["paths"])
        self.assertIn("412", spec["paths"]["/object/fsm.order/{id}"]["put"]["responses"])

    def test_openapi_fits_client_generators(self):
        """What openapi-python-client needs (pytests/external/test_openapi_tools_live.py runs it): every
        array has items (OpenAPI 3.0), string enums name their members uniquely (the time zones GMT0,
        GMT+0 and GMT-0 were one name), every operation has its own id."""
        spec = self.call("GET", "/openapi.json").json()
        problems = []

        def walk(node, where):
            if isinstance(node, dict):
                if node.get("type") == "array" and "items" not in node:
                    problems.append(f"{where}: an array without items")
                if node.get("type") == "string" and "enum" in node:
                    names = node.get("x-enum-varnames") or []
                    if len(names) != len(node["enum"]) or len(set(names)) != len(names):
                        problems.append(f"{where}: enum member names missing or not unique")
                for key, value in node.items():
                    walk(value, f"{where}/{key}")
            elif isinstance(node, list):
                for index, value in enumerate(node):
                    walk(value, f"{where}/{index}")

        walk(spec, "#")
        self.assertEqual(problems, [])
        tz = spec["components"]["schemas"]["selection_tz"]
        names = dict(zip(tz["enum"], tz["x-enum-varnames"], strict=True))
        self.assertEqual((names["GMT0"], names["GMT+0"], names["GMT-0"]), ("GMT0", "GMT_PLUS_0", "GMT_MINUS_0"))
        self.assertEqual(names["Etc/GMT-14"], "ETC_GMT_MINUS_14")
        ids = [op["operationId"] for ops in spec["paths"].values() for op in ops.values()]
        self.assertEqual(len(ids), len(set(ids)))

    def test_openapi_documents_refs_bulk_and_related_reads(self):
        spec = self.call("GET", "/openapi.json").json()
        paths, schemas = spec["paths"], spec["components"]["schemas"]
        # external references: by-ref routes, upserts, {"ref": ...} in bodies, the job's customer object
        by_ref = paths["/object/fsm.order/ref:{external_ref}"]
        self.assertEqual(sorted(by_ref), ["delete", "get", "patch", "put"])
        self.assertEqual(sorted(s for s in by_ref["put"]["responses"] if s < "300"), ["200", "201"])
        self.assertIn("/object/fsm.order/ref:{external_ref}/action_start", paths)
        self.assertIn("/object/res.partner/ref:{external_ref}", paths)
        self.assertEqual(sorted(paths["/object/fsm.order"]), ["delete", "get", "patch", "post", "put"])
        self.assertEqual(sorted(paths["/object/fsm.stage"]), ["delete", "get", "patch", "post"])  # no refs
        self.assertEqual(schemas["fsm_order_upsert_item"]["required"], ["external_ref"])
        upserted = schemas["fsm_order_upserted"]["allOf"][1]["properties"]
        self.assertEqual(upserted["result"]["enum"], ["created", "updated", "unchanged"])
        write = schemas["fsm_order_write"]["properties"]
        self.assertIn("external_ref", write)
        self.assertIn({"$ref": "#/components/schemas/RecordRef"}, write["partner_id"]["oneOf"])
        self.assertEqual(write["customer"], {"$ref": "#/components/schemas/fsm_order_customer"})
        self.assertTrue({"ref", "first_name", "email"} <= set(schemas["fsm_order_customer"]["properties"]))
        self.assertTrue({"id", "ref", "etag"} <= set(schemas["fsm_order_bulk_item"]["properties"]))
        # related reads and the actions pseudo-field
        read = schemas["fsm_order"]["properties"]
        self.assertIn({"$ref": "#/components/schemas/Related"}, read["partner_id"]["oneOf"])
        self.assertEqual(read["actions"]["items"], {"type": "string"})
        self.assertIn("web_read", spec["components"]["parameters"]["fields"]["description"])
        # language and time zone
        search = paths["/object/fsm.order"]["get"]
        refs = [p.get("$ref") for p in search["parameters"]]
        for name in ("tz", "timezone", "accept_language", "company"):
            self.assertIn(f"#/components/parameters/{name}", refs)
        self.assertIn("Content-Language", search["responses"]["200"]["headers"])

    def test_openapi_examples(self):
        spec = self.call("GET", "/openapi.json").json()
        components = spec["components"]
        create = spec["paths"]["/object/fsm.order"]["post"]["requestBody"]["content"]["application/json"]
        # seed 000's create body, as the seed writes it
        self.assertEqual(
            create["examples"]["seed_000"]["value"]["description"], "Install motorized blinds - living room and bedroom"
        )
        self.assertEqual(create["examples"]["customer_inline"]["value"]["customer"]["first_name"], "Erica")
        domain = next(p for p in spec["paths"]["/object/fsm.order"]["get"]["parameters"] if p.get("name") == "domain")
        self.assertEqual(domain["examples"]["scheduled"]["value"], "[('stage_id','=',2)]")

        def error_examples(operation, status):
            response = operation["responses"][status]
            response = components["responses"][response["$ref"].rsplit("/", 1)[1]]
            examples = response["content"]["application/json"]["examples"]
            return {
                components["examples"][e["$ref"].rsplit("/", 1)[1]]["value"]["error"]["code"]: response
                for e in examples.values()
            }

        paths = spec["paths"]
        search = paths["/object/fsm.order"]["get"]
        self.assertIn("invalid_domain", error_examples(search, "400"))
        self.assertIn("not_exposed", error_examples(search, "403"))
        self.assertIn("missing_api_key", error_examples(search, "401"))
        put = paths["/object/fsm.order/{id}"]["put"]
        self.assertIn("read_only_key", error_examples(put, "403"))
        self.assertIn("not_found", error_examples(put, "404"))
        self.assertIn("workflow_conflict", error_examples(put, "409"))
        self.assertIn("precondition_failed", error_examples(put, "412"))
        self.assertIn("payload_too_large", error_examples(put, "413"))
        self.assertIn("invalid_value", error_examples(put, "422"))
        limited = error_examples(put, "429")
        self.assertIn("Retry-After", limited["rate_limited"]["headers"])
        self.assertIn("cursor_expired", error_examples(paths["/changes/fsm.order"]["get"], "410"))
        self.assertNotIn("410", put["responses"])  # each route lists its own errors
        # an example is the error as the server answers it
        example = components["examples"]["error_precondition_failed"]["value"]["error"]
        self.assertEqual(sorted(example), ["code", "details", "message", "status"])
        self.assertEqual(example["status"], 412)


@tagged("post_install", "-at_install")
class TestRestApiState(RestApiCase):
    """Idempotency keys, throttling, audit log and scoped keys (all kept in PostgreSQL)."""

    def post_once(self, body, idem_key):
        return self.call("POST", "/object/fsm.order", body, headers={"Idempotency-Key": idem_key})

    def test_idempotency_key_replays_the_answer(self):
        count = self.env["fsm.order"].search_count([])
        body = {"partner_id": self.customer.id, "description": "once"}
        first = self.post_once(body, "abc-1")
        self.assertEqual(first.status_code, 201, first.text)
        again = self.post_once(body, "abc-1")
        self.assertEqual(again.status_code, 201, again.text)
        self.assertEqual(again.json(), first.json())
        self.assertEqual(again.headers.get("Idempotency-Replayed"), "true")
        self.assertEqual(self.env["fsm.order"].search_count([]), count + 1, "the retry wrote nothing")

    def test_idempotency_key_reused_for_another_body(self):
        body = {"partner_id": self.customer.id, "description": "once"}
        self.assertEqual(self.post_once(body, "abc-1").status_code, 201)
        count = self.env["fsm.order"].search_count([])
        self.assertError(self.post_once({**body, "description": "other"}, "abc-1"), 422, "idempotency_key_reused")
        self.assertEqual(self.env["fsm.order"].search_count([]), count)

    def test_failed_request_stores_no_idempotency_key(self):
        self.assertError(self.post_once({"description": "x"}, "abc-2"), 422, "missing_field")
        fixed = self.post_once({"partner_id": self.customer.id}, "abc-2")
        self.assertEqual(fixed.status_code, 201, fixed.text)
        self.assertNotIn("Idempotency-Replayed", fixed.headers)

    def test_expired_idempotency_keys_are_cleaned(self):
        self.assertEqual(self.post_once({"partner_id": self.customer.id}, "abc-3").status_code, 201)
        stored = self.env["fsm.api.idempotency"].search([("key", "=", "abc-3")])
        self.assertEqual(len(stored), 1)
        stored.write({"date": fields.Datetime.now() - timedelta(hours=25)})
        self.env["fsm.api.idempotency"]._gc_idempotency()
        self.assertFalse(stored.exists())

    def audited(self):
        job = self.new_job(description="audited")
        self.call("PUT", f"/object/fsm.order/{job['id']}", {"person_id": self.person.id})
        self.call("POST", f"/object/fsm.order/{job['id']}/action_cancel")
        self.call("POST", f"/object/fsm.order/{job['id']}/action_start")  # refused: 409
        self.call("GET", f"/object/fsm.order/{job['id']}")  # reads are not audited
        return self.env["fsm.api.audit"].search([("record_ids", "=", str(job["id"]))], order="id")

    def test_audit_log_rows(self):
        rows = self.audited()
        self.assertEqual([r.method for r in rows], ["POST", "PUT", "POST", "POST"])
        self.assertEqual([r.status for r in rows], [201, 200, 200, 409])
        self.assertEqual(rows[-1].error_code, "workflow_conflict")
        self.assertEqual(rows[0].user_id, self.env.ref("base.user_admin"))
        self.assertEqual(rows[0].key_name, "rest test")
        self.assertTrue(all(r.request_id and r.duration_ms >= 0 for r in rows))
        self.assertEqual(set(rows.mapped("model")), {"fsm.order"})

    def test_audit_log_is_for_managers(self):
        rows = self.audited()
        manager = UserFactory(env=self.env, groups=("fieldservice.group_fsm_manager",))
        self.assertEqual(len(rows.with_user(manager).read(["status"])), 4)

    def test_audit_log_retention(self):
        rows = self.audited()
        rows.write({"date": fields.Datetime.now() - timedelta(days=91)})
        self.env["fsm.api.audit"]._gc_audit()
        self.assertFalse(rows.exists())

    def scoped_key(self):
        key = ApiKeyFactory(env=self.env, name="scoped")
        apikey = self.env["res.users.apikeys"].search([("name", "=", "scoped")])
        self.env["fsm.api.key.scope"].create(
            {"apikey_id": apikey.id, "model_names": "fsm.order, fsm.stage", "read_only": True}
        )
        return key, apikey

    def test_scoped_key_reads_its_models_only(self):
        key, _apikey = self.scoped_key()
        self.assertEqual(self.call("GET", "/object/fsm.order", key=key).status_code, 200)
        self.assertError(self.call("GET", "/object/res.partner", key=key), 404, "unknown_model")

    def test_read_only_key_writes_nothing(self):
        key, _apikey = self.scoped_key()
        count = self.env["fsm.order"].search_count([])
        self.assertError(
            self.call("POST", "/object/fsm.order", {"partner_id": self.customer.id}, key=key), 403, "read_only_key"
        )
        self.assertEqual(self.env["fsm.order"].search_count([]), count)
        self.new_job()  # the unscoped key of the same user still writes
        self.assertEqual(self.env["fsm.order"].search_count([]), count + 1)

    def test_revoked_key_loses_its_scope(self):
        key, apikey = self.scoped_key()
        apikey.sudo().unlink()  # Odoo's own revocation
        self.assertFalse(self.env["fsm.api.key.scope"].search([("apikey_id", "=", apikey.id)]))
        self.assertError(self.call("GET", "/object/fsm.order", key=key), 401, "invalid_api_key")
