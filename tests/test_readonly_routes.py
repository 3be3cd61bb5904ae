# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""GETs run on a read-only cursor (a replica's when Odoo has one: --db_replica_host), other methods on
the primary; the API's own state (rate-limit counts, refused keys, the verified key and its scope) is
written to and read from the primary, and no GET writes on its read-only cursor (which would cost a
second run of the request on the primary). Odoo's test mode stands in for the replica: a read-only
request's test cursor is SET TRANSACTION READ ONLY (registry.test_readonly_enabled).
bench/replica.py proves the same with a real streaming replica."""

import base64
from types import SimpleNamespace
from unittest.mock import patch

from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.fieldservice_jobs.controllers import restapi as restapi_controller
from odoo.addons.fieldservice_jobs.restapi import service

from .test_restapi_trust import TrustCase

API = "/restapi/1.0"
# the routes whose GETs run on a read-only cursor; every other route of the API runs on the primary
# (README, "Deployment: several servers, one primary, replicas"), among them two with GETs:
# a report (rendering may store the PDF) and import runs (an importer reads its run after its writes)
READ_ROUTES = {
    f"{API}/object/<string:model>",
    f"{API}/object/<string:model>/<string:rec_id>",
    f"{API}/object/<string:model>/<string:rec_id>/attachments",
    f"{API}/object/<string:model>/<string:rec_id>/attachments/<string:att_id>",
    f"{API}/object/<string:model>/<string:rec_id>/signature",
    f"{API}/fsm/dashboard",
    f"{API}/changes/<string:model>",
    f"{API}/openapi.json",
}
GET_ON_PRIMARY = {
    f"{API}/object/<string:model>/<string:rec_id>/report",
    f"{API}/report/<string:report_name>/<string:rec_id>",
    f"{API}/import-runs",
    f"{API}/import-runs/<string:run>",
}
RETRY_WARNING = "retrying with a read/write cursor"


def recording(cls, name, seen):
    """Patch ``cls.name`` to note whether each call ran on a read-only cursor."""
    original = getattr(cls, name)

    def wrapper(self, *args, **kwargs):
        seen.append(self.env.cr.readonly)
        return original(self, *args, **kwargs)

    return patch.object(cls, name, wrapper)


@tagged("post_install", "-at_install")
class TestReadonlyRoutes(TrustCase):
    def setUp(self):
        super().setUp()
        self.assertTrue(self.registry.test_readonly_enabled, "read-only test cursors stand in for the replica")
        self.job = self.new_job(name="Read-only routes job")
        self.env["ir.attachment"].create(
            {
                "name": "note.txt",
                "raw": b"hello",
                "res_model": "fsm.order",
                "res_id": self.job["id"],
                "mimetype": "text/plain",
            }
        )

    def api_rules(self):
        for rule in self.env["ir.http"].routing_map().iter_rules():
            if rule.rule.startswith(API):
                yield rule

    def readonly_of(self, rule, method):
        readonly = rule.endpoint.routing["readonly"]
        if not callable(readonly):
            return readonly
        fake = SimpleNamespace(httprequest=SimpleNamespace(method=method))
        with patch.object(restapi_controller, "request", fake):
            return readonly(rule.endpoint.func.__self__)

    def test_gets_read_only_other_methods_on_the_primary(self):
        checked = set()
        for rule in self.api_rules():
            if rule.endpoint.routing["auth"] == "none":  # the catch-all 404 and the docs: nothing written
                self.assertTrue(self.readonly_of(rule, "GET"), rule.rule)
                continue
            checked.add(rule.rule)
            with self.subTest(route=rule.rule):
                self.assertEqual(self.readonly_of(rule, "GET"), rule.rule in READ_ROUTES)
                self.assertEqual(self.readonly_of(rule, "HEAD"), rule.rule in READ_ROUTES)
                for method in ("POST", "PUT", "PATCH", "DELETE"):
                    self.assertFalse(self.readonly_of(rule, method), method)
        self.assertLessEqual(READ_ROUTES | GET_ON_PRIMARY, checked)

    def test_handlers_run_on_the_cursor_of_their_method(self):
        seen = []
        with recording(service.ModelApi, "search", seen), recording(service.ModelApi, "create_record", seen):
            self.assertEqual(self.call("GET", "/object/fsm.order", params={"limit": 1}).status_code, 200)
            self.new_job(name="written on the primary")
        self.assertEqual(seen, [True, False])

    def test_no_get_writes_on_its_read_only_cursor(self):
        """Every read route, with a rate-limited key: each answers 200 on its read-only cursor (no
        second run on the primary), and each request's count lands (on the primary)."""
        key = self.restapi_key("read-only routes", rate_limit=1000)
        key_id = self.Keys._fsj_key_id(self.admin.id, key)
        job = self.job["id"]
        att = self.env["ir.attachment"].search([("res_model", "=", "fsm.order"), ("res_id", "=", job)]).id
        first_page = self.call("GET", "/changes/fsm.order", params={"limit": 1}, key=key)
        self.assertEqual(first_page.status_code, 200, first_page.text)
        gets = [
            ("/object/fsm.order", {"limit": 5}),
            ("/object/fsm.order", {"domain": '[["id", "=", %d]]' % job, "fields": "name,stage_id"}),
            (f"/object/fsm.order/{job}", None),
            (f"/object/fsm.order/{job}/attachments", None),
            (f"/object/fsm.order/{job}/attachments/{att}", None),
            (f"/object/fsm.order/{job}/signature", None),
            ("/fsm/dashboard", None),
            ("/changes/fsm.order", {"limit": 50}),
            ("/changes/fsm.order", {"cursor": first_page.json()["cursor"]}),
            ("/openapi.json", None),
        ]
        with self.assertNoLogs("odoo.http", "WARNING"):
            for path, params in gets:
                resp = self.call("GET", path, params=params, key=key)
                self.assertEqual(resp.status_code, 200, f"{path}: {resp.text[:300]}")
        counters = self.env["fsm.api.rate.limit"].search([("apikey_id", "=", key_id)])
        self.assertEqual(sum(counters.mapped("count")), len(gets) + 1, "every GET counted, on the primary")

    def test_rate_limited_gets_are_counted_and_refused(self):
        key = self.restapi_key("tight", rate_limit=3)
        key_id = self.Keys._fsj_key_id(self.admin.id, key)
        with self.assertNoLogs("odoo.http", "WARNING"):
            statuses = [self.call("GET", "/object/fsm.stage", key=key).status_code for _i in range(5)]
        self.assertEqual(statuses, [200, 200, 200, 429, 429])
        counters = self.env["fsm.api.rate.limit"].search([("apikey_id", "=", key_id)])
        self.assertEqual(sum(counters.mapped("count")), 5)

    def test_refused_key_on_a_get_is_counted(self):
        self.env["fsm.api.auth.failure"].search([]).unlink()
        target = self.Keys.with_user(self.admin)._generate(None, "target", None)
        with self.assertNoLogs("odoo.http", "WARNING"):
            resp = self.call("GET", "/object/fsm.stage", key=target[:8] + "0" * 32)
        self.assertError(resp, 401, "invalid_api_key")
        failures = self.env["fsm.api.auth.failure"].search([("key_prefix", "=", target[:8])])
        self.assertEqual(len(failures), 1, "written apart from the read-only request, which is rolled back")

    def test_a_new_key_and_its_scope_are_read_from_the_primary(self):
        """A worker caches a verified key and its scope: on a GET both are read on the primary, never
        from a replica that may not show the scope yet (an unscoped key could read every model)."""
        key = self.restapi_key("scoped", models=["fsm.stage"], read_only=True)
        self.env.registry.clear_cache()
        Scope = type(self.env["fsm.api.key.scope"])
        Keys = type(self.Keys)
        verified, scopes = [], []
        with recording(Keys, "_fsj_verify_key", verified), recording(Scope, "_scope_of", scopes):
            self.assertEqual(self.call("GET", "/object/fsm.stage", key=key).status_code, 200)
            self.assertError(self.call("GET", "/object/fsm.order", key=key), 404, "unknown_model")
        self.assertEqual(verified, [False], "verified once, on the primary")
        self.assertFalse(scopes[0], "the scope is first read (and cached) on the primary")

    def test_a_get_that_writes_is_run_again_on_the_primary(self):
        """Should a GET write (none does), Odoo runs it again on the primary: the error is not
        turned into a JSON 500 by the API."""
        dashboard = service.dashboard

        def writing_dashboard(env, exposed, day):
            env["ir.config_parameter"].sudo().set_param("fieldservice_jobs.test_readonly_write", "done")
            return dashboard(env, exposed, day)

        with (
            patch.object(service, "dashboard", writing_dashboard),
            mute_logger("odoo.sql_db"),  # the refused INSERT
            self.assertLogs("odoo.http", "WARNING") as logs,
        ):
            resp = self.call("GET", "/fsm/dashboard")
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertIn(RETRY_WARNING, "\n".join(logs.output))
        self.assertEqual(self.env["ir.config_parameter"].get_param("fieldservice_jobs.test_readonly_write"), "done")

    def test_attachment_download_on_the_read_only_cursor(self):
        att = self.env["ir.attachment"].search([("res_model", "=", "fsm.order"), ("res_id", "=", self.job["id"])])
        with self.assertNoLogs("odoo.http", "WARNING"):
            resp = self.call("GET", f"/object/fsm.order/{self.job['id']}/attachments/{att.id}")
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.content, base64.b64decode(att.datas))
