# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
import json
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.tests import HttpCase, tagged

API = "/restapi/1.0"


class RestApiCase(HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        admin = cls.env.ref("base.user_admin")
        cls.key = cls.env["res.users.apikeys"].with_user(admin)._generate(None, "rest test", None)
        cls.customer = cls.env["res.partner"].create(
            {"name": "REST Customer", "street": "5 Api Road", "city": "Resttown", "zip": "55555"}
        )
        cls.stage = {
            code: cls.env["fsm.stage"]._get_job_stage(code)
            for code in ("new", "scheduled", "in_progress", "completed", "cancelled")
        }
        cls.person = cls.env["fsm.person"].create({"name": "REST Technician"})

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


@tagged("post_install", "-at_install")
class TestRestApi(RestApiCase):
    # -- authentication ------------------------------------------------------------------------
    def test_missing_and_bad_key(self):
        self.assertError(self.call("GET", "/object/fsm.order", key=False), 401, "missing_api_key")
        self.assertError(self.call("GET", "/object/fsm.order", key="nope" * 10), 401, "invalid_api_key")

    def test_bearer_header_accepted(self):
        resp = self.call("GET", "/object/fsm.stage", key=False, headers={"Authorization": f"Bearer {self.key}"})
        self.assertEqual(resp.status_code, 200, resp.text)

    def test_permissions_come_from_the_key_user(self):
        user = self.env["res.users"].create(
            {"name": "No FSM", "login": "rest_no_fsm", "groups_id": [(6, 0, [self.env.ref("base.group_user").id])]}
        )
        # a non-administrator's key must expire within the user's groups' API key duration (1 day)
        expiry = fields.Datetime.now() + timedelta(hours=12)
        key = self.env["res.users.apikeys"].with_user(user)._generate(None, "no fsm", expiry)
        self.assertError(self.call("GET", "/object/fsm.order", key=key), 403, "access_denied")

    # -- models ----------------------------------------------------------------------------------
    def test_unknown_and_unexposed_models_are_404(self):
        self.assertError(self.call("GET", "/object/no.such.model"), 404, "unknown_model")
        self.assertError(self.call("GET", "/object/res.users"), 404, "unknown_model")
        self.assertError(self.call("GET", "/object/fsm.order/999999"), 404, "not_found")
        self.assertError(self.call("GET", "/object/fsm.order/abc"), 404, "not_found")
        self.assertError(self.call("GET", "/nowhere"), 404, "not_found")

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
        self.assertIs(stages[3]["is_closed"], True)
        self.assertTrue(int(resp.headers["X-Total-Count"]) >= 5)
        self.assertTrue(resp.headers.get("X-Request-Id"))

    def test_create_and_read_job(self):
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
        resp = self.call(
            "GET",
            f"/object/fsm.order/{job['id']}",
            params={"fields": "['name','partner_id','location_id','street','city','zip','state_id','duration']"},
        )
        detail = resp.json()["fsm.order"]
        self.assertEqual(detail["street"], "5 Api Road")
        self.assertEqual(detail["city"], "Resttown")
        self.assertIsNone(detail["state_id"])
        self.assertEqual(detail["location_id"][0], self.env["fsm.order"].browse(job["id"]).location_id.id)
        self.assertEqual(
            set(detail), {"id", "name", "partner_id", "location_id", "street", "city", "zip", "state_id", "duration"}
        )

    def test_search_filters_paging(self):
        a = self.new_job(type="install", person_id=self.person.id, scheduled_date_start="2025-12-13 08:00:00")
        b = self.new_job(type="service", scheduled_date_start="2025-12-13 10:00:00")
        params = {
            "domain": str(
                [
                    ("scheduled_date_start", ">=", "2025-12-13 00:00:00"),
                    ("scheduled_date_start", "<=", "2025-12-13 23:59:59"),
                    ("partner_id", "=", self.customer.id),
                ]
            ),
            "fields": "['name','partner_id','scheduled_date_start','stage_id','person_id']",
            "order": "scheduled_date_start",
        }
        rows = self.call("GET", "/object/fsm.order", params=params).json()["fsm.order"]
        self.assertEqual([r["id"] for r in rows], [a["id"], b["id"]])
        self.assertEqual(rows[0]["person_id"][0], self.person.id)
        self.assertIsNone(rows[1]["person_id"])
        # job type by code, stage by code or id, JSON domain, paging
        install = self.call("GET", "/object/fsm.order", params={"domain": "[('type','=','install')]", "fields": "id"})
        self.assertIn(a["id"], [r["id"] for r in install.json()["fsm.order"]])
        self.assertNotIn(b["id"], [r["id"] for r in install.json()["fsm.order"]])
        sched = self.call("GET", "/object/fsm.order", params={"domain": '[["stage_id", "=", "scheduled"]]'})
        self.assertIn(a["id"], [r["id"] for r in sched.json()["fsm.order"]])
        unassigned = self.call("GET", "/object/fsm.order", params={"domain": "[('person_id','=',False)]"})
        self.assertIn(b["id"], [r["id"] for r in unassigned.json()["fsm.order"]])
        page = self.call(
            "GET",
            "/object/fsm.order",
            params={"domain": "[('partner_id','=',%d)]" % self.customer.id, "limit": 1, "offset": 1, "order": "id"},
        )
        self.assertEqual([r["id"] for r in page.json()["fsm.order"]], [b["id"]])
        self.assertEqual(page.headers["X-Total-Count"], "2")

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
        # starting a completed job is a conflict, and writes nothing
        err = self.assertError(
            self.call("PUT", path, {"stage_id": "in_progress", "description": "<p>changed</p>"}),
            409,
            "workflow_conflict",
        )
        self.assertIn("cannot be started", err["message"])
        record = self.env["fsm.order"].browse(job["id"])
        record.invalidate_recordset()
        self.assertNotIn("changed", record.description or "")
        self.assertEqual(record.stage_id, self.stage["completed"])

    def test_method_endpoints(self):
        job = self.new_job()
        resp = self.call(
            "POST", f"/object/fsm.order/{job['id']}/action_start", {"date_start": "2025-12-13T10:15:00+01:00"}
        )
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json()["fsm.order"]["date_start"], "2025-12-13 09:15:00")
        resp = self.call("POST", f"/object/fsm.order/{job['id']}/action_complete")
        self.assertEqual(resp.json()["fsm.order"]["stage_id"][0], self.stage["completed"].id)
        self.assertError(self.call("POST", f"/object/fsm.order/{job['id']}/unlink"), 404, "unknown_method")
        self.assertError(
            self.call("POST", f"/object/fsm.order/{job['id']}/action_start", {"when": 1}), 400, "unknown_argument"
        )
        cancelled = self.new_job()
        self.call("POST", f"/object/fsm.order/{cancelled['id']}/action_cancel")
        self.assertError(
            self.call("POST", f"/object/fsm.order/{cancelled['id']}/action_complete"), 409, "workflow_conflict"
        )

    def test_delete(self):
        job = self.new_job()
        resp = self.call("DELETE", f"/object/fsm.order/{job['id']}")
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertFalse(self.env["fsm.order"].browse(job["id"]).exists())
        started = self.new_job()
        self.call("POST", f"/object/fsm.order/{started['id']}/action_start")
        self.assertError(self.call("DELETE", f"/object/fsm.order/{started['id']}"), 409, "workflow_conflict")
        self.assertTrue(self.env["fsm.order"].browse(started["id"]).exists())

    # -- values ----------------------------------------------------------------------------------
    def test_write_value_formats(self):
        tags = self.env["fsm.tag"].create([{"name": "T1"}, {"name": "T2"}])
        job = self.new_job(tag_ids=[[6, 0, tags.ids]], scheduled_date_start="2025-12-15T10:00:00+01:00")
        self.assertEqual(sorted(job["tag_ids"]), sorted(tags.ids))
        self.assertEqual(job["scheduled_date_start"], "2025-12-15 09:00:00")
        resp = self.call(
            "PUT",
            f"/object/fsm.order/{job['id']}",
            {"tag_ids": [[3, tags[0].id, 0], [0, 0, {"name": "T3"}]], "person_id": self.person.id, "priority": "2"},
        )
        body = resp.json()["fsm.order"]
        self.assertEqual(len(body["tag_ids"]), 2)
        self.assertNotIn(tags[0].id, body["tag_ids"])
        self.assertEqual(body["priority"], "2")
        cleared = self.call("PUT", f"/object/fsm.order/{job['id']}", {"person_id": None}).json()["fsm.order"]
        self.assertIsNone(cleared["person_id"])

    # -- errors ----------------------------------------------------------------------------------
    def test_client_errors(self):
        count = self.env["fsm.order"].search_count([])
        self.assertError(self.call("GET", "/object/fsm.order", params={"domain": "[('a',"}), 400, "invalid_domain")
        self.assertError(
            self.call("GET", "/object/fsm.order", params={"domain": "__import__('os').system('id')"}),
            400,
            "invalid_domain",
        )
        self.assertError(
            self.call("GET", "/object/fsm.order", params={"domain": "[('nope','=',1)]"}), 400, "unknown_field"
        )
        self.assertError(self.call("GET", "/object/fsm.order", params={"fields": "['nope']"}), 400, "unknown_field")
        self.assertError(self.call("GET", "/object/fsm.order", params={"order": "name sideways"}), 400, "invalid_order")
        self.assertError(self.call("GET", "/object/fsm.order", params={"limit": "ten"}), 400, "invalid_limit")
        self.assertError(self.call("GET", "/object/fsm.order", params={"offset": "-1"}), 400, "invalid_offset")
        self.assertError(self.call("POST", "/object/fsm.order", raw="{not json"), 400, "invalid_json")
        self.assertError(self.call("PATCH", "/object/fsm.order"), 405, "method_not_allowed")
        self.assertError(self.call("POST", "/object/fsm.order", {"description": "x"}), 422, "missing_field")
        self.assertError(self.call("POST", "/object/fsm.order", {"partner_id": "abc"}), 422, "invalid_value")
        self.assertError(self.call("POST", "/object/fsm.order", {"partner_id": 99999999}), 422, "invalid_value")
        self.assertError(
            self.call("POST", "/object/fsm.order", {"partner_id": self.customer.id, "type": "nope"}),
            422,
            "invalid_value",
        )
        self.assertError(
            self.call("POST", "/object/fsm.order", {"partner_id": self.customer.id, "bogus": 1}), 400, "unknown_field"
        )
        self.assertError(
            self.call("POST", "/object/fsm.order", {"partner_id": self.customer.id, "effective_duration": 9}),
            400,
            "readonly_field",
        )
        big = {"partner_id": self.customer.id, "description": "x" * (1024 * 1024 + 10)}
        self.assertError(self.call("POST", "/object/fsm.order", big), 413, "payload_too_large")
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
        self.assertError(self.call("GET", "/fsm/dashboard", params={"date": "03/04/2031"}), 400, "invalid_date")


@tagged("post_install", "-at_install")
class TestRestApiVisibility(HttpCase):
    """Field groups, secrets, record rules and unexpected errors."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.user = cls.env["res.users"].create(
            {
                "name": "FSM API User",
                "login": "rest_fsm_user",
                "groups_id": [(6, 0, [cls.env.ref("fieldservice.group_fsm_user").id])],
            }
        )
        expiry = fields.Datetime.now() + timedelta(hours=12)
        cls.key = cls.env["res.users.apikeys"].with_user(cls.user)._generate(None, "fsm user", expiry)
        admin = cls.env.ref("base.user_admin")
        cls.admin_key = cls.env["res.users.apikeys"].with_user(admin)._generate(None, "admin", None)
        cls.partner = cls.env["res.partner"].create({"name": "Visible Partner"})

    def get(self, path, key, params=None):
        return self.opener.get(self.base_url() + API + path, params=params, headers={"X-API-Key": key}, timeout=60)

    def test_field_groups_hide_fields(self):
        self.assertFalse(self.user.has_group("account.group_account_invoice"))
        resp = self.get(f"/object/res.partner/{self.partner.id}", self.key, {"fields": "['name','credit']"})
        self.assertEqual(resp.status_code, 400, resp.text)
        self.assertEqual(resp.json()["error"]["code"], "unknown_field")
        default = self.get(f"/object/res.partner/{self.partner.id}", self.key).json()["res.partner"]
        self.assertIn("name", default)
        self.assertNotIn("credit", default)
        # the same field is there for a user in the field's groups
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

    def test_etag_and_if_match(self):
        job = self.new_job()
        path = f"/object/fsm.order/{job['id']}"
        first = self.call("GET", path)
        etag = first.headers["ETag"]
        self.assertTrue(etag.startswith('"'))
        self.assertEqual(self.call("GET", path).headers["ETag"], etag, "stable while the record is unchanged")
        ok = self.call("PUT", path, {"description": "<p>one</p>"}, headers={"If-Match": etag})
        self.assertEqual(ok.status_code, 200, ok.text)
        self.assertNotEqual(ok.headers["ETag"], etag, "a write changes the ETag")
        stale = self.call("PUT", path, {"description": "<p>two</p>"}, headers={"If-Match": etag})
        err = self.assertError(stale, 412, "precondition_failed")
        self.assertEqual(err["details"]["etag"], ok.headers["ETag"])
        record = self.env["fsm.order"].browse(job["id"])
        record.invalidate_recordset()
        self.assertIn("one", record.description)
        self.assertNotIn("two", record.description)
        self.assertError(self.call("DELETE", path, headers={"If-Match": etag}), 412, "precondition_failed")
        self.assertTrue(record.exists())
        gone = self.call("DELETE", path, headers={"If-Match": ok.headers["ETag"]})
        self.assertEqual(gone.status_code, 200, gone.text)

    def test_atomic_batch(self):
        count = self.env["fsm.order"].search_count([])
        batch = [{"partner_id": self.customer.id, "description": f"batch {i}"} for i in range(5)]
        resp = self.call("POST", "/object/fsm.order", batch, params={"fields": "name,description"})
        self.assertEqual(resp.status_code, 201, resp.text)
        rows = resp.json()["fsm.order"]
        self.assertEqual([r["description"] for r in rows], [f"<p>batch {i}</p>" for i in range(5)])
        self.assertEqual(self.env["fsm.order"].search_count([]), count + 5)
        # one bad record: nothing written, the index named
        bad = [*batch[:3], {"partner_id": self.customer.id, "type": "nope"}, batch[4]]
        err = self.assertError(self.call("POST", "/object/fsm.order", bad), 422, "invalid_value")
        self.assertEqual(err["details"]["index"], 3)
        missing = [batch[0], {"description": "no customer"}]
        self.assertEqual(
            self.assertError(self.call("POST", "/object/fsm.order", missing), 422, "missing_field")["details"]["index"],
            1,
        )
        self.assertEqual(self.env["fsm.order"].search_count([]), count + 5)
        self.assertError(self.call("POST", "/object/fsm.order", []), 400, "invalid_body")

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
        job = spec["components"]["schemas"]["fsm_order"]["properties"]
        self.assertEqual(job["duration"]["type"], "number")  # seed 000's planned hours
        self.assertEqual(job["type"]["type"], "string")  # the job type code
        self.assertIn("effective_duration", job)
        self.assertNotIn("scheduled_duration", job)
        self.assertIn("partner_id", spec["components"]["schemas"]["fsm_order_write"]["properties"])
        self.assertIn("/object/fsm.order/{id}/action_start", spec["paths"])
        self.assertIn("412", spec["paths"]["/object/fsm.order/{id}"]["put"]["responses"])
        self.assertEqual(spec["components"]["schemas"]["Error"]["required"], ["error"])


@tagged("post_install", "-at_install")
class TestRestApiState(RestApiCase):
    """Idempotency keys, throttling, audit log and scoped keys (all kept in PostgreSQL)."""

    def test_idempotency_key(self):
        count = self.env["fsm.order"].search_count([])
        body = {"partner_id": self.customer.id, "description": "once"}
        first = self.call("POST", "/object/fsm.order", body, headers={"Idempotency-Key": "abc-1"})
        self.assertEqual(first.status_code, 201, first.text)
        again = self.call("POST", "/object/fsm.order", body, headers={"Idempotency-Key": "abc-1"})
        self.assertEqual(again.status_code, 201, again.text)
        self.assertEqual(again.json(), first.json())
        self.assertEqual(again.headers.get("Idempotency-Replayed"), "true")
        self.assertEqual(self.env["fsm.order"].search_count([]), count + 1, "the retry wrote nothing")
        other = self.call(
            "POST", "/object/fsm.order", {**body, "description": "other"}, headers={"Idempotency-Key": "abc-1"}
        )
        self.assertError(other, 422, "idempotency_key_reused")
        # a failed request stores nothing: the key can be used once the request is fixed
        bad = self.call("POST", "/object/fsm.order", {"description": "x"}, headers={"Idempotency-Key": "abc-2"})
        self.assertError(bad, 422, "missing_field")
        fixed = self.call("POST", "/object/fsm.order", body, headers={"Idempotency-Key": "abc-2"})
        self.assertEqual(fixed.status_code, 201, fixed.text)
        self.assertEqual(self.env["fsm.order"].search_count([]), count + 2)
        # expired keys are cleaned by the cron
        stored = self.env["fsm.api.idempotency"].search([("key", "in", ["abc-1", "abc-2"])])
        self.assertEqual(len(stored), 2)
        stored.write({"date": fields.Datetime.now() - timedelta(hours=25)})
        self.env["fsm.api.idempotency"]._gc_idempotency()
        self.assertFalse(stored.exists())

    def test_audit_log(self):
        job = self.new_job(description="audited")
        self.call("PUT", f"/object/fsm.order/{job['id']}", {"person_id": self.person.id})
        self.call("POST", f"/object/fsm.order/{job['id']}/action_cancel")
        self.call("POST", f"/object/fsm.order/{job['id']}/action_start")  # refused: 409
        self.call("GET", f"/object/fsm.order/{job['id']}")  # reads are not audited
        rows = self.env["fsm.api.audit"].search([("record_ids", "=", str(job["id"]))], order="id")
        self.assertEqual([r.method for r in rows], ["POST", "PUT", "POST", "POST"])
        self.assertEqual([r.status for r in rows], [201, 200, 200, 409])
        self.assertEqual(rows[-1].error_code, "workflow_conflict")
        self.assertEqual(rows[0].user_id, self.env.ref("base.user_admin"))
        self.assertEqual(rows[0].key_name, "rest test")
        self.assertTrue(all(r.request_id and r.duration_ms >= 0 for r in rows))
        self.assertEqual(rows[0].model, "fsm.order")
        # managers read it; retention
        manager = self.env["res.users"].create(
            {
                "name": "FSM Manager",
                "login": "rest_fsm_manager",
                "groups_id": [(6, 0, [self.env.ref("fieldservice.group_fsm_manager").id])],
            }
        )
        self.assertEqual(len(rows.with_user(manager).read(["status"])), 4)
        rows.write({"date": fields.Datetime.now() - timedelta(days=91)})
        self.env["fsm.api.audit"]._gc_audit()
        self.assertFalse(rows.exists())

    def test_scoped_keys(self):
        admin = self.env.ref("base.user_admin")
        key = self.env["res.users.apikeys"].with_user(admin)._generate(None, "scoped", None)
        apikey = self.env["res.users.apikeys"].search([("name", "=", "scoped")])
        self.env["fsm.api.key.scope"].create(
            {"apikey_id": apikey.id, "model_names": "fsm.order, fsm.stage", "read_only": True}
        )
        self.assertEqual(self.call("GET", "/object/fsm.order", key=key).status_code, 200)
        self.assertError(self.call("GET", "/object/res.partner", key=key), 404, "unknown_model")
        count = self.env["fsm.order"].search_count([])
        self.assertError(
            self.call("POST", "/object/fsm.order", {"partner_id": self.customer.id}, key=key), 403, "read_only_key"
        )
        self.assertEqual(self.env["fsm.order"].search_count([]), count)
        # the unscoped key of the same user still writes
        self.new_job()
        # revoking the key (Odoo's own) removes its scope
        apikey.sudo().unlink()
        self.assertFalse(self.env["fsm.api.key.scope"].search([("apikey_id", "=", apikey.id)]))
        self.assertError(self.call("GET", "/object/fsm.order", key=key), 401, "invalid_api_key")
