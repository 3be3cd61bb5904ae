# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The trust boundary (issue 10): every request below worked before and must be refused, with nothing
written. Each test also checks that the legitimate request next to it still works."""

import http.client
import json
import xmlrpc.client
from datetime import timedelta
from unittest.mock import patch

from odoo import fields
from odoo.exceptions import ValidationError
from odoo.tests import tagged

from odoo.addons.base.models import res_users as base_res_users

from .factories import ApiKeyFactory, UserFactory
from .test_restapi import RestApiCase


class TrustCase(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.Keys = cls.env["res.users.apikeys"]

    def restapi_key(self, name, user=None, models=None, read_only=False, rate_limit=0):
        return ApiKeyFactory(
            env=self.env,
            user=user or self.admin,
            name=name,
            restapi=True,
            scope_models=models,
            read_only=read_only,
            rate_limit=rate_limit,
        )

    def fsm_user(self, login, companies=None, manager=False):
        group = "fieldservice.group_fsm_manager" if manager else "fieldservice.group_fsm_user"
        extra = {"companies": companies} if companies else {}
        return UserFactory(env=self.env, name=login, login=login, groups=(group,), **extra)

    def user_key(self, user, name="user key"):
        # a non-administrator's key expires within its groups' API key duration (one day)
        return ApiKeyFactory(env=self.env, user=user, name=name)


@tagged("post_install", "-at_install")
class TestScopedKeys(TrustCase):
    def test_scoped_key_is_refused_by_odoo_rpc(self):
        key = self.restapi_key("read jobs", models=["fsm.order"], read_only=True)
        partner = self.env["res.partner"].create({"name": "Untouched"})
        # the REST API serves it, within its scope
        self.assertEqual(self.call("GET", "/object/fsm.order", key=key).status_code, 200)
        self.assertError(self.call("GET", "/object/res.partner", key=key), 404, "unknown_model")
        # XML-RPC and JSON-RPC refuse it (the key has the REST API's own scope)
        with self.assertRaises(xmlrpc.client.Fault):
            self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, self.admin.id, key, "res.partner", "write", [[partner.id], {"name": "Hacked"}]
            )
        resp = self.opener.post(
            self.base_url() + "/jsonrpc",
            json={
                "jsonrpc": "2.0",
                "method": "call",
                "params": {
                    "service": "object",
                    "method": "execute_kw",
                    "args": [self.env.cr.dbname, self.admin.id, key, "res.partner", "write", [[partner.id]], {}],
                },
            },
            timeout=60,
        )
        self.assertIn("error", resp.json())
        partner.invalidate_recordset()
        self.assertEqual(partner.name, "Untouched")
        # an unscoped Odoo key keeps working over XML-RPC (and here)
        self.assertTrue(
            self.xmlrpc_object.execute_kw(
                self.env.cr.dbname, self.admin.id, self.key, "res.partner", "read", [[partner.id], ["name"]]
            )
        )

    def test_a_scope_given_later_takes_the_key_off_rpc(self):
        key = self.Keys.with_user(self.admin)._generate(None, "later scoped", None)
        apikey = self.Keys.search([("name", "=", "later scoped")])
        self.assertFalse(apikey.scope)
        self.env["fsm.api.key.scope"].create({"apikey_id": apikey.id, "model_names": "fsm.stage"})
        self.assertEqual(apikey.scope, "fieldservice_jobs.restapi")
        with self.assertRaises(xmlrpc.client.Fault):
            self.xmlrpc_object.execute_kw(self.env.cr.dbname, self.admin.id, key, "res.partner", "search", [[]])
        self.assertEqual(self.call("GET", "/object/fsm.stage", key=key).status_code, 200)

    def test_generate_restapi_key_entry_point(self):
        key = self.restapi_key("full")  # no limits: every exposed model, reading and writing
        self.assertEqual(self.call("GET", "/object/res.partner", key=key).status_code, 200)
        self.assertEqual(self.Keys.search([("name", "=", "full")]).scope, "fieldservice_jobs.restapi")
        with self.assertRaises(ValidationError):
            self.restapi_key("bad", models=["no.such.model"])
        # the backend's "New API Key" wizard makes the same keys (its context asks for one)
        wizard_key = (
            self.Keys.with_user(self.admin)
            .with_context(fsj_restapi_key={"models": ["fsm.stage"], "read_only": True})
            ._generate(None, "from wizard", None)
        )
        made = self.Keys.search([("name", "=", "from wizard")])
        self.assertEqual(made.scope, "fieldservice_jobs.restapi")
        scope = self.env["fsm.api.key.scope"].search([("apikey_id", "=", made.id)])
        self.assertEqual((scope.model_names, scope.read_only), ("fsm.stage", True))
        self.assertError(self.call("GET", "/object/fsm.order", key=wizard_key), 404, "unknown_model")

    def test_idempotent_replay_only_after_checks_and_per_key(self):
        body = {"partner_id": self.customer.id, "description": "replayed?"}
        first = self.call("POST", "/object/fsm.order", body, headers={"Idempotency-Key": "trust-1"})
        self.assertEqual(first.status_code, 201, first.text)
        count = self.env["fsm.order"].search_count([])
        # other keys of the same user, scoped elsewhere, never get the stored answer
        stages_only = self.restapi_key("stages only", models=["fsm.stage"])
        resp = self.call("POST", "/object/fsm.order", body, key=stages_only, headers={"Idempotency-Key": "trust-1"})
        self.assertError(resp, 404, "unknown_model")
        reader = self.restapi_key("reader", read_only=True)
        resp = self.call("POST", "/object/fsm.order", body, key=reader, headers={"Idempotency-Key": "trust-1"})
        self.assertError(resp, 403, "read_only_key")
        self.assertEqual(self.env["fsm.order"].search_count([]), count)
        # a key allowed to write gets its own answer (a new job), not the other key's
        writer = self.restapi_key("writer", models=["fsm.order"])
        resp = self.call("POST", "/object/fsm.order", body, key=writer, headers={"Idempotency-Key": "trust-1"})
        self.assertEqual(resp.status_code, 201, resp.text)
        self.assertNotIn("Idempotency-Replayed", resp.headers)
        self.assertNotEqual(resp.json()["fsm.order"]["id"], first.json()["fsm.order"]["id"])
        # ...and the same key its replay
        again = self.call("POST", "/object/fsm.order", body, headers={"Idempotency-Key": "trust-1"})
        self.assertEqual(again.headers.get("Idempotency-Replayed"), "true")
        self.assertEqual(again.json(), first.json())
        self.assertEqual(self.env["fsm.order"].search_count([]), count + 1)


@tagged("post_install", "-at_install")
class TestKeyChecking(TrustCase):
    def setUp(self):
        super().setUp()
        self.env["ir.config_parameter"].set_param("fieldservice_jobs.api_auth_failure_limit", "3")
        self.failures = self.env["fsm.api.auth.failure"]
        self.failures.search([]).unlink()

    def count_hashing(self):
        context = base_res_users.KEY_CRYPT_CONTEXT
        return patch.object(type(context), "verify", autospec=True, side_effect=type(context).verify)

    def test_flood_of_unknown_keys_costs_no_hashing_and_locks_nobody_out(self):
        fresh = self.Keys.with_user(self.admin)._generate(None, "never verified", None)
        with self.count_hashing() as verify:
            for i in range(10):
                self.assertError(
                    self.call("GET", "/object/fsm.stage", key=f"zz{i:06d}" + "0" * 32), 401, "invalid_api_key"
                )
        self.assertFalse(verify.called, "no stored key has these prefixes: nothing to hash")
        self.assertFalse(self.failures.search([]), "keys matching no stored prefix are not counted")
        self.assertEqual(self.call("GET", "/object/fsm.stage", key=fresh).status_code, 200)

    def test_guesses_at_one_prefix_are_throttled_per_client_and_prefix(self):
        target = self.Keys.with_user(self.admin)._generate(None, "target", None)
        other = self.Keys.with_user(self.admin)._generate(None, "other", None)
        guess = target[:8] + "0" * 32
        # X-Forwarded-For is not trusted outside proxy mode: a failure counts against the peer. (Odoo
        # tests run every cursor in one transaction, so the row that a real server commits apart from
        # the rolled-back request is checked through the call here, and made by hand below.)
        with patch.object(type(self.failures), "_record", autospec=True) as record:
            resp = self.call("GET", "/object/fsm.stage", key=guess, headers={"X-Forwarded-For": "203.0.113.7"})
            self.assertError(resp, 401, "invalid_api_key")
        self.assertEqual(record.call_args.args[1:], ("127.0.0.1", target[:8]))
        self.failures.create([{"remote_addr": "127.0.0.1", "key_prefix": target[:8]} for _i in range(3)])
        resp = self.call("GET", "/object/fsm.stage", key=guess, headers={"X-Forwarded-For": "203.0.113.8"})
        err = self.assertError(resp, 429, "too_many_failures")
        self.assertTrue(1 <= int(resp.headers["Retry-After"]) <= 61)
        self.assertEqual(err["details"]["retry_after"], int(resp.headers["Retry-After"]))
        with self.count_hashing() as verify:
            self.assertError(self.call("GET", "/object/fsm.stage", key=guess), 429, "too_many_failures")
        self.assertFalse(verify.called, "a throttled guess is refused before hashing")
        # a valid key of another prefix, never verified by the server, is not locked out
        self.assertEqual(self.call("GET", "/object/fsm.stage", key=other).status_code, 200)
        # failures from another client do not throttle this one
        self.failures.search([]).write({"remote_addr": "10.9.9.9"})
        self.assertEqual(self.call("GET", "/object/fsm.stage", key=target).status_code, 200)
        # old failures are cleaned
        self.failures.search([]).write({"date": fields.Datetime.now() - timedelta(minutes=5)})
        self.failures._gc_auth_failures()
        self.assertFalse(self.failures.search([]))

    def raw_get(self, headers):
        """A request with header values that requests refuses to send (e.g. a lone non-breaking space)."""
        conn = http.client.HTTPConnection("127.0.0.1", self.http_port(), timeout=60)
        try:
            conn.putrequest("GET", "/restapi/1.0/object/fsm.stage")
            for name, value in headers.items():
                conn.putheader(name, value.encode("latin-1"))
            conn.endheaders()
            resp = conn.getresponse()
            return resp.status, resp.getheader("Content-Type"), resp.read()
        finally:
            conn.close()

    def test_malformed_key_headers_answer_json_401(self):
        for header in ("\xa0", " \xa0 ", "abc def", "k\xe9y" * 10, "\t"):
            for headers in ({"X-API-Key": header}, {"Authorization": f"Bearer {header}"}):
                with self.subTest(headers=headers):
                    status, content_type, body = self.raw_get(headers)
                    self.assertEqual(status, 401, body)
                    self.assertTrue(content_type.startswith("application/json"), content_type)
                    self.assertIn(json.loads(body)["error"]["code"], ("missing_api_key", "invalid_api_key"))

    def test_expired_key_refused_without_clearing_caches(self):
        key = self.Keys.with_user(self.admin)._generate(None, "expiring", fields.Datetime.now() + timedelta(hours=1))
        self.assertEqual(self.call("GET", "/object/fsm.stage", key=key).status_code, 200)  # verified and cached
        later = fields.Datetime.now() + timedelta(hours=2)
        with (
            patch.object(type(self.registry), "clear_cache", autospec=True) as clear,
            patch.object(fields.Datetime, "now", return_value=later),
        ):
            self.assertError(self.call("GET", "/object/fsm.stage", key=key), 401, "invalid_api_key")
        self.assertFalse(clear.called, "an expired key clears no cache")

    def test_auth_method_is_not_auth_api_key_s(self):
        # OCA auth_api_key's method is ``api_key``: both addons must work side by side
        routing = self.env["ir.http"].routing_map()
        adapter = routing.bind("localhost")
        endpoint, _args = adapter.match("/restapi/1.0/object/fsm.order", method="GET")
        self.assertEqual(endpoint.routing["auth"], "fsj_api_key")
        self.assertTrue(hasattr(type(self.env["ir.http"]), "_auth_method_fsj_api_key"))


@tagged("post_install", "-at_install")
class TestEveryHop(TrustCase):
    def get_jobs(self, domain, key=True):
        return self.call("GET", "/object/fsm.order", params={"domain": json.dumps(domain), "fields": "name"}, key=key)

    def test_dotted_paths_are_checked_at_every_hop(self):
        self.assertError(self.get_jobs([["partner_id.user_ids.login", "=", "admin"]]), 403, "not_exposed")
        self.assertError(
            self.get_jobs([["partner_id", "any", [["user_ids", "any", [["login", "=", "admin"]]]]]]), 403, "not_exposed"
        )
        self.assertError(
            self.get_jobs([["partner_id", "not any", [["user_ids.login", "=", "admin"]]]]), 403, "not_exposed"
        )
        self.assertError(self.get_jobs([["partner_id.no_such_field", "=", 1]]), 400, "unknown_field")
        self.assertError(self.get_jobs([["name.foo", "=", 1]]), 400, "unknown_field")
        # exposed hops work
        for domain in (
            [["location_id.partner_id.name", "ilike", "x"]],
            [["partner_id", "any", [["name", "ilike", "x"]]]],
            [["stage_id", "=", "new"]],
        ):
            with self.subTest(domain=domain):
                self.assertEqual(self.get_jobs(domain).status_code, 200)
        # a key's models narrow the hops too; the API's own stage-code filter stays allowed
        jobs_only = self.restapi_key("jobs only", models=["fsm.order"])
        self.assertError(self.get_jobs([["stage_id.code", "=", "new"]], key=jobs_only), 403, "not_exposed")
        self.assertError(
            self.get_jobs([["stage_id", "any", [["code", "=", "new"]]]], key=jobs_only), 403, "not_exposed"
        )
        self.assertEqual(self.get_jobs([["stage_id", "=", "new"]], key=jobs_only).status_code, 200)

    def test_hops_respect_field_groups_and_secrets(self):
        self.env["ir.config_parameter"].set_param(
            "fieldservice_jobs.api_models", "fsm.order,fsm.location,res.partner,res.users"
        )
        self.assertError(self.get_jobs([["partner_id.user_ids.password", "=", "x"]]), 400, "unknown_field")
        user = self.fsm_user("hop_user")
        key = self.user_key(user)
        # res.partner's credit is for accountants only: not a hop for this user
        self.assertError(self.get_jobs([["partner_id.credit", ">", 0]], key=key), 400, "unknown_field")

    def test_x2many_commands_need_the_relation_exposed(self):
        person = self.env["fsm.person"].create({"name": "Phone Owner", "phone": "111"})
        job = self.new_job()
        jobs_only = self.restapi_key("jobs only", models=["fsm.order"])
        resp = self.call(
            "PUT", f"/object/fsm.order/{job['id']}", {"person_ids": [[1, person.id, {"phone": "999"}]]}, key=jobs_only
        )
        self.assertError(resp, 403, "not_exposed")
        resp = self.call("PUT", f"/object/fsm.order/{job['id']}", {"person_ids": [[4, person.id, 0]]}, key=jobs_only)
        self.assertError(resp, 403, "not_exposed")
        person.invalidate_recordset()
        self.assertEqual(person.phone, "111")
        self.assertFalse(self.env["fsm.order"].browse(job["id"]).person_ids)
        # res.partner's user_ids would create users: res.users is not exposed
        users = self.env["res.users"].search_count([])
        resp = self.call(
            "POST", "/object/res.partner", {"name": "P", "user_ids": [[0, 0, {"name": "U", "login": "u"}]]}
        )
        self.assertError(resp, 403, "not_exposed")
        self.assertEqual(self.env["res.users"].search_count([]), users)
        self.assertFalse(self.env["res.partner"].search([("name", "=", "P")]))

    def test_nested_values_follow_the_relation_s_rules(self):
        partner = self.env["res.partner"].create({"name": "Parent Co", "is_company": True})
        # read-only fields of the relation are refused in nested creates, as at the top
        resp = self.call(
            "PUT",
            f"/object/res.partner/{partner.id}",
            {"child_ids": [[0, 0, {"name": "Child", "commercial_partner_id": partner.id}]]},
        )
        self.assertError(resp, 400, "readonly_field")
        self.assertFalse(partner.child_ids)
        # a nested create within the rules works
        resp = self.call("PUT", f"/object/res.partner/{partner.id}", {"child_ids": [[0, 0, {"name": "Child"}]]})
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(partner.child_ids.name, "Child")

    def test_commands_only_on_records_the_user_sees(self):
        company_b = self.env["res.company"].create({"name": "Hop Company B"})
        hidden = self.env["fsm.location"].create(
            {"name": "B location", "owner_id": self.customer.id, "company_id": company_b.id}
        )
        user = self.fsm_user("hop_a_user", manager=True)
        key = self.user_key(user)
        partner = self.env["res.partner"].create({"name": "Some Co"})
        before = partner.service_location_id
        resp = self.call("PUT", f"/object/res.partner/{partner.id}", {"service_location_id": hidden.id}, key=key)
        self.assertError(resp, 422, "invalid_value")
        partner.invalidate_recordset()
        self.assertEqual(partner.service_location_id, before)


@tagged("post_install", "-at_install")
class TestRelationTargetsAndCompanies(TrustCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.ref("base.main_company")
        cls.company_b = cls.env["res.company"].create({"name": "Trust Company B"})
        cls.template_b = cls.env["fsm.template"].create(
            {"name": "B secret template", "instructions": "B's secret instructions", "company_id": cls.company_b.id}
        )
        cls.template_a = cls.env["fsm.template"].create(
            {"name": "A template", "instructions": "A's instructions", "company_id": cls.company_a.id}
        )

    def setUp(self):
        super().setUp()
        self.user_a = self.fsm_user("trust_a_user", [self.company_a], manager=True)
        self.key_a = self.user_key(self.user_a)

    def test_relation_targets_are_checked_as_the_user(self):
        count = self.env["fsm.order"].search_count([])
        body = {"partner_id": self.customer.id, "template_id": self.template_b.id}
        self.assertError(self.call("POST", "/object/fsm.order", body, key=self.key_a), 422, "invalid_value")
        self.assertEqual(self.env["fsm.order"].search_count([]), count)
        job = self.new_job()
        resp = self.call("PUT", f"/object/fsm.order/{job['id']}", {"template_id": self.template_b.id}, key=self.key_a)
        self.assertError(resp, 422, "invalid_value")
        self.assertFalse(self.env["fsm.order"].browse(job["id"]).template_id)
        # the same user's own company's template is fine
        resp = self.call("PUT", f"/object/fsm.order/{job['id']}", {"template_id": self.template_a.id}, key=self.key_a)
        self.assertEqual(resp.status_code, 200, resp.text)

    def test_company_fields_only_to_allowed_companies(self):
        job = self.new_job()
        resp = self.call("PUT", f"/object/fsm.order/{job['id']}", {"company_id": self.company_b.id}, key=self.key_a)
        self.assertError(resp, 422, "invalid_value")
        self.assertEqual(self.env["fsm.order"].browse(job["id"]).company_id, self.company_a)
        body = {"partner_id": self.customer.id, "company_id": self.company_b.id}
        self.assertError(self.call("POST", "/object/fsm.order", body, key=self.key_a), 422, "invalid_value")

    def test_company_header_narrows_and_is_checked(self):
        resp = self.call("GET", "/object/fsm.order", key=self.key_a, headers={"X-Company-Id": str(self.company_b.id)})
        err = self.assertError(resp, 403, "company_not_allowed")
        self.assertEqual(err["details"]["companies"], [self.company_b.id])
        self.assertError(
            self.call("GET", "/object/fsm.order", key=self.key_a, headers={"X-Company-Id": "one"}),
            400,
            "invalid_company",
        )
        resp = self.call("GET", "/object/fsm.order", key=self.key_a, headers={"X-Company-Id": str(self.company_a.id)})
        self.assertEqual(resp.status_code, 200, resp.text)

    def test_errors_do_not_echo_orm_internals(self):
        user = self.fsm_user("trust_plain_user")
        key = self.user_key(user)
        stage = self.stage["new"]
        resp = self.call("DELETE", f"/object/fsm.stage/{stage.id}", key=key)
        err = self.assertError(resp, 403, "access_denied")
        for internal in ("fsm.stage", "group", "trust_plain_user", "(id="):
            self.assertNotIn(internal, err["message"])
        self.assertTrue(stage.exists())


@tagged("post_install", "-at_install")
class TestBrowsersAndLimits(TrustCase):
    ORIGIN = "https://app.example.com"

    def preflight(self, origin, path="/object/fsm.order"):
        return self.opener.options(
            self.base_url() + "/restapi/1.0" + path,
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "PUT",
                "Access-Control-Request-Headers": "x-api-key",
            },
            timeout=60,
        )

    def test_cors_is_off_by_default(self):
        resp = self.preflight(self.ORIGIN)
        self.assertIn(resp.status_code, (200, 204))
        self.assertNotIn("Access-Control-Allow-Origin", resp.headers)
        resp = self.call("GET", "/object/fsm.stage", headers={"Origin": self.ORIGIN})
        self.assertNotIn("Access-Control-Allow-Origin", resp.headers)

    def test_cors_for_allowed_origins(self):
        self.env["ir.config_parameter"].set_param("fieldservice_jobs.api_cors_origins", self.ORIGIN)
        resp = self.preflight(self.ORIGIN)
        self.assertEqual(resp.status_code, 204, resp.text)
        self.assertEqual(resp.headers["Access-Control-Allow-Origin"], self.ORIGIN)
        allowed = {h.strip().lower() for h in resp.headers["Access-Control-Allow-Headers"].split(",")}
        self.assertLessEqual({"x-api-key", "authorization", "content-type", "if-match", "idempotency-key"}, allowed)
        methods = {m.strip() for m in resp.headers["Access-Control-Allow-Methods"].split(",")}
        self.assertLessEqual({"GET", "POST", "PUT", "PATCH", "DELETE"}, methods)
        resp = self.call("GET", "/object/fsm.stage", headers={"Origin": self.ORIGIN})
        self.assertEqual(resp.headers["Access-Control-Allow-Origin"], self.ORIGIN)
        exposed = {h.strip() for h in resp.headers["Access-Control-Expose-Headers"].split(",")}
        self.assertLessEqual({"ETag", "X-Total-Count", "X-Next-Start-After-Id", "Retry-After", "X-Request-Id"}, exposed)
        # errors are readable by the page too
        resp = self.call("GET", "/object/fsm.stage", key=False, headers={"Origin": self.ORIGIN})
        self.assertEqual(resp.status_code, 401)
        self.assertEqual(resp.headers["Access-Control-Allow-Origin"], self.ORIGIN)
        # another origin gets no CORS header
        self.assertNotIn("Access-Control-Allow-Origin", self.preflight("https://evil.example").headers)
        resp = self.call("GET", "/object/fsm.stage", headers={"Origin": "https://evil.example"})
        self.assertNotIn("Access-Control-Allow-Origin", resp.headers)

    def test_domain_size_cap(self):
        domain = [["name", "=", f"x{i}"] for i in range(65)]
        resp = self.call("GET", "/object/fsm.order", params={"domain": json.dumps(domain)})
        self.assertError(resp, 400, "domain_too_large")
        domain = [["id", "in", list(range(1, 1002))]]
        resp = self.call("GET", "/object/fsm.order", params={"domain": json.dumps(domain)})
        self.assertError(resp, 400, "domain_too_large")

    def test_dashboard_cap(self):
        from odoo.addons.fieldservice_jobs.restapi import service

        day = "2031-05-05"
        for _i in range(3):
            self.new_job(scheduled_date_start=f"{day} 10:00:00")
        with patch.object(service, "MAX_DASHBOARD_JOBS", 2):
            err = self.assertError(self.call("GET", "/fsm/dashboard", params={"date": day}), 422, "too_many_jobs")
        self.assertEqual(err["details"]["count"], 3)
        self.assertEqual(self.call("GET", "/fsm/dashboard", params={"date": day}).status_code, 200)

    def test_binary_fields_one_record_at_a_time(self):
        partner = self.env["res.partner"].create({"name": "With Image"})
        resp = self.call("GET", "/object/res.partner", params={"fields": "name,image_128"})
        self.assertError(resp, 400, "binary_in_list")
        resp = self.call("GET", "/object/res.partner", params={"fields": "name,image_128", "limit": 1})
        self.assertEqual(resp.status_code, 200, resp.text)
        resp = self.call("GET", f"/object/res.partner/{partner.id}", params={"fields": "name,image_128"})
        self.assertEqual(resp.status_code, 200, resp.text)

    def test_failed_batch_is_not_recreated_record_by_record(self):
        Order = type(self.env["fsm.order"])
        original = Order.create
        calls = []

        def create(model, vals_list):
            vals_list = vals_list if isinstance(vals_list, list) else [vals_list]
            calls.append(len(vals_list))
            if any("boom" in (vals.get("description") or "") for vals in vals_list):
                raise ValidationError(model.env._("boom"))
            return original(model, vals_list)

        count = self.env["fsm.order"].search_count([])
        batch = [{"partner_id": self.customer.id, "description": d} for d in ("one", "boom", "three")]
        with patch.object(Order, "create", create):
            resp = self.call("POST", "/object/fsm.order", batch)
        self.assertError(resp, 422, "validation_error")
        self.assertEqual(calls, [3], "one create for the batch, none replayed")
        self.assertEqual(self.env["fsm.order"].search_count([]), count)

    def test_rate_limit_off_by_default(self):
        resp = self.call("GET", "/object/fsm.stage")
        self.assertNotIn("RateLimit", resp.headers)
        self.assertFalse(self.env["fsm.api.rate.limit"].search([]))

    def test_rate_limit_per_key(self):
        self.env["ir.config_parameter"].set_param("fieldservice_jobs.api_rate_limit", "3")
        key = self.Keys.with_user(self.admin)._generate(None, "limited", None)
        statuses = []
        for _i in range(4):
            resp = self.call("GET", "/object/fsm.stage", key=key)
            statuses.append(resp.status_code)
        self.assertEqual(statuses, [200, 200, 200, 429])
        err = resp.json()["error"]
        self.assertEqual(err["code"], "rate_limited")
        self.assertTrue(1 <= int(resp.headers["Retry-After"]) <= 61)
        self.assertEqual(resp.headers["RateLimit-Policy"], '"per-key";q=3;w=60')
        self.assertTrue(resp.headers["RateLimit"].startswith('"per-key";r=0;t='))
        # another key has its own count; a key's scope may set its own limit
        other = self.restapi_key("generous", rate_limit=10)
        resp = self.call("GET", "/object/fsm.stage", key=other)
        self.assertEqual(resp.status_code, 200)
        self.assertEqual(resp.headers["RateLimit-Policy"], '"per-key";q=10;w=60')
        self.assertTrue(resp.headers["RateLimit"].startswith('"per-key";r=9;t='))

    def test_openapi_documents_companies_and_limits(self):
        from openapi_spec_validator import validate

        spec = self.call("GET", "/openapi.json").json()
        validate(spec)
        for path, operations in spec["paths"].items():
            for verb, operation in operations.items():
                refs = [p.get("$ref") for p in operation.get("parameters", [])]
                with self.subTest(path=path, verb=verb):
                    self.assertEqual(refs.count("#/components/parameters/company"), 1)
                    self.assertIn("429", operation["responses"])
        self.assertEqual(spec["components"]["parameters"]["company"]["name"], "X-Company-Id")


@tagged("post_install", "-at_install")
class TestEveryRoute(TrustCase):
    """Each route, from keys that must not reach it: nothing answered but the error, nothing written."""

    def setUp(self):
        super().setUp()
        self.job = self.new_job(description="target")
        self.record = self.env["fsm.order"].browse(self.job["id"])
        self.stamp = self.record.write_date

    def routes(self, job_id):
        body = {"description": "changed"}
        create = {"partner_id": self.customer.id, "description": "new"}
        return [
            ("GET", "/object/fsm.order", None),
            ("GET", f"/object/fsm.order/{job_id}", None),
            ("POST", "/object/fsm.order", create),
            ("POST", "/object/fsm.order", [create, create]),
            ("PUT", f"/object/fsm.order/{job_id}", body),
            ("PATCH", f"/object/fsm.order/{job_id}", body),
            ("POST", f"/object/fsm.order/{job_id}/action_cancel", {}),
            ("DELETE", f"/object/fsm.order/{job_id}", None),
            ("GET", "/fsm/dashboard", None),
            ("GET", "/changes/fsm.order", None),
            ("GET", f"/object/fsm.order/{job_id}/attachments", None),
            ("POST", f"/object/fsm.order/{job_id}/attachments?filename=x.txt", {"a": 1}),
            ("GET", f"/object/fsm.order/{job_id}/signature", None),
            ("POST", f"/object/fsm.order/{job_id}/signature", {"image": "iVBORw0KGgo=", "signed_by": "x"}),
            ("POST", f"/object/fsm.order/{job_id}/check_in", {}),
            ("GET", f"/object/fsm.order/{job_id}/report", None),
        ]

    def assertNothingWritten(self, count):
        self.assertEqual(self.env["fsm.order"].search_count([]), count)
        self.record.invalidate_recordset()
        self.assertTrue(self.record.exists())
        self.assertEqual(self.record.write_date, self.stamp)
        self.assertEqual(self.record.stage_id, self.stage["new"])

    def test_narrower_scope_and_read_only_keys(self):
        stages_only = self.restapi_key("stages only", models=["fsm.stage"])
        reader = self.restapi_key("reader", read_only=True)
        count = self.env["fsm.order"].search_count([])
        for method, path, body in self.routes(self.job["id"]):
            with self.subTest(key="stages only", method=method, path=path):
                self.assertError(self.call(method, path, body, key=stages_only), 404, "unknown_model")
            if method != "GET":
                with self.subTest(key="reader", method=method, path=path):
                    self.assertError(self.call(method, path, body, key=reader), 403, "read_only_key")
        self.assertNothingWritten(count)
        # and the openapi document of the narrower key shows only its models
        spec = self.call("GET", "/openapi.json", key=stages_only).json()
        self.assertEqual(
            sorted(spec["paths"]),
            [
                "/changes/fsm.stage",
                "/fsm/dashboard",
                "/object/fsm.stage",
                "/object/fsm.stage/{id}",
                "/object/fsm.stage/{id}/attachments",
                "/object/fsm.stage/{id}/attachments/{att_id}",
                "/openapi.json",
            ],
        )

    def test_unexposed_model_on_every_object_route(self):
        admin_id = self.admin.id
        for method, path, body in [
            ("GET", "/object/res.users", None),
            ("GET", f"/object/res.users/{admin_id}", None),
            ("POST", "/object/res.users", {"name": "x", "login": "x"}),
            ("PUT", f"/object/res.users/{admin_id}", {"name": "x"}),
            ("DELETE", f"/object/res.users/{admin_id}", None),
            ("POST", f"/object/res.users/{admin_id}/action_reset_password", {}),
        ]:
            with self.subTest(method=method, path=path):
                self.assertError(self.call(method, path, body), 404, "unknown_model")
        self.assertEqual(self.admin.name, self.env.ref("base.user_admin").name)

    def test_other_company_user_sees_nothing(self):
        company_b = self.env["res.company"].create({"name": "Route Company B"})
        user_b = self.fsm_user("route_b_user", [company_b], manager=True)
        key_b = self.user_key(user_b)
        count = self.env["fsm.order"].search_count([])
        for method, path, body in self.routes(self.job["id"])[1:]:
            if path.startswith(("/fsm/dashboard", "/changes/")) or (method == "POST" and path == "/object/fsm.order"):
                continue
            with self.subTest(method=method, path=path):
                self.assertError(self.call(method, path, body, key=key_b), 404, "not_found")
        rows = self.call("GET", "/object/fsm.order", params={"fields": "id", "limit": 1000}, key=key_b).json()
        self.assertNotIn(self.job["id"], [r["id"] for r in rows["fsm.order"]])
        dash = self.call("GET", "/fsm/dashboard", key=key_b).json()
        self.assertNotIn(self.job["id"], [j["id"] for j in dash["jobs"]])
        feed = self.call("GET", "/changes/fsm.order", params={"limit": 1000}, key=key_b).json()
        self.assertNotIn(self.job["id"], [c["id"] for c in feed["changes"]])
        self.assertNothingWritten(count)
