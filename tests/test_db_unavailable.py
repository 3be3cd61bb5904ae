# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""While PostgreSQL is unreachable, API routes answer a JSON 503 ``database_unavailable`` with
Retry-After (faults.py), and every other route keeps Odoo's behaviour. The outage is simulated where
Odoo meets it: the list of databases (no database: Odoo's nodb 404), the registry's cursor (Odoo's
RegistryError), and a connection that breaks during the request (Odoo's HTML 500)."""

from unittest.mock import patch

import psycopg2
import psycopg2.errors
import requests
from psycopg2.pool import PoolError

from odoo import http
from odoo.service import db as db_service
from odoo.tests import tagged

from .. import faults
from .test_restapi import API, RestApiCase

LOGGER = "odoo.addons.fieldservice_jobs.faults"


def _refused():
    return psycopg2.OperationalError(
        'connection to server at "127.0.0.1", port 5432 failed: Connection refused\n'
        "\tIs the server running on that host and accepting TCP/IP connections?\n"
    )


@tagged("post_install", "-at_install")
class TestDbUnavailable(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.job = cls.env["fsm.order"].create({"partner_id": cls.customer.id})

    def setUp(self):
        super().setUp()
        faults._last_warning[0] = 0.0  # each test sees its warning (one per worker every few seconds)

    def assertUnavailable(self, resp):
        self.assertEqual(resp.status_code, 503, resp.text)
        self.assertTrue(resp.headers["Content-Type"].startswith("application/json"), resp.headers)
        self.assertEqual(resp.headers["Retry-After"], str(faults.RETRY_AFTER))
        self.assertTrue(resp.headers["X-Request-Id"])
        err = self.assertError(resp, 503, "database_unavailable")
        self.assertEqual(err["details"], {"retry_after": faults.RETRY_AFTER})

    def test_predicate(self):
        unavailable = [
            _refused(),
            psycopg2.OperationalError("server closed the connection unexpectedly"),
            psycopg2.errors.AdminShutdown("terminating connection due to administrator command"),
            psycopg2.errors.CannotConnectNow("the database system is starting up"),
            psycopg2.errors.TooManyConnections("sorry, too many clients already"),
            psycopg2.InterfaceError("connection already closed"),
            PoolError("The Connection Pool Is Full"),
        ]
        for exc in unavailable:
            with self.subTest(exc=exc):
                self.assertTrue(faults.is_db_unavailable(exc))
        try:
            try:
                raise _refused()
            except psycopg2.OperationalError as exc:
                raise http.RegistryError("Cannot get registry") from exc
        except http.RegistryError as chained:
            self.assertTrue(faults.is_db_unavailable(chained))
        available = [
            psycopg2.errors.SerializationFailure("could not serialize access"),
            psycopg2.errors.LockNotAvailable("could not obtain lock"),
            psycopg2.errors.QueryCanceled("canceling statement due to statement timeout"),
            psycopg2.errors.UniqueViolation("duplicate key"),
            psycopg2.InterfaceError("something else"),
            ValueError("x"),
            http.RegistryError("Cannot get registry"),
        ]
        for exc in available:
            with self.subTest(exc=exc):
                self.assertFalse(faults.is_db_unavailable(exc))
        self.assertTrue(faults.is_api_path("/restapi/1.0/object/fsm.order/1"))
        self.assertTrue(faults.is_api_path("/restapi"))
        self.assertFalse(faults.is_api_path("/restapix/1.0"))
        self.assertFalse(faults.is_api_path("/web/login"))

    def test_no_database_listed(self):
        """PostgreSQL refuses the connection that lists the databases (an API client has no session
        cookie, so Odoo lists them on every request): Odoo would serve the request without a database,
        an HTML 404 for an existing job; the API answers 503, for reads and writes alike."""
        path = f"/object/fsm.order/{self.job.id}"
        url = self.base_url() + API + path
        headers = {"X-API-Key": self.key, "Content-Type": "application/json"}
        before = self.env["fsm.order"].search_count([])
        with (
            patch.object(db_service, "list_dbs", side_effect=_refused()),
            self.assertLogs(LOGGER, "WARNING") as logs,
        ):
            self.assertUnavailable(requests.get(url, headers=headers, timeout=30))
            self.assertUnavailable(
                requests.post(self.base_url() + API + "/object/fsm.order", json={}, headers=headers, timeout=30)
            )
            self.assertUnavailable(requests.get(self.base_url() + "/restapi/1.0/no/such/route", timeout=30))
            # other routes keep Odoo's answer (here: the database selector)
            other = requests.get(self.base_url() + "/web/login", allow_redirects=False, timeout=30)
            self.assertNotEqual(other.status_code, 503)
            self.assertNotIn("database_unavailable", other.text)
        self.assertIn("database unavailable", logs.output[0])
        self.assertEqual(self.env["fsm.order"].search_count([]), before)
        # once PostgreSQL answers again, so does the API
        self.assertEqual(requests.get(url, headers=headers, timeout=30).status_code, 200)

    def test_registry_cursor_refused(self):
        """The database is known (a session's, or listed a moment ago) but its registry cannot get a
        cursor: Odoo logs a RegistryError and serves the request without a database (HTML 404)."""

        def refuse(request):
            try:
                raise _refused()
            except psycopg2.OperationalError as exc:
                raise http.RegistryError(f"Cannot get registry {request.db}") from exc

        with patch.object(http.Request, "_open_registry", refuse):
            with self.assertLogs(LOGGER, "WARNING"):
                self.assertUnavailable(self.call("GET", f"/object/fsm.order/{self.job.id}"))
            # Odoo's own fallback stays for other routes: the health check answers without a database
            with self.assertLogs("odoo.http", "WARNING") as logs:
                self.assertEqual(self.url_open("/web/health").status_code, 200)
            self.assertIn("Database or registry unusable, trying without", logs.output[0])

    def test_connection_lost_during_the_request(self):
        """The connection breaks while the request runs (here: when the key is checked): Odoo's
        answer would be an HTML 403 (ir.http._authenticate_explicit turns any error into AccessDenied;
        later in the request, an HTML 500)."""
        apikeys = type(self.env["res.users.apikeys"])
        lost = psycopg2.OperationalError("server closed the connection unexpectedly")
        with patch.object(apikeys, "_fsj_check_key", side_effect=lost), self.assertLogs(LOGGER, "WARNING"):
            self.assertUnavailable(self.call("GET", f"/object/fsm.order/{self.job.id}"))
        # an error of the database that is not an outage is not turned into a 503 (Odoo's own answer
        # stays: an exception while authenticating is its 403)
        timeout = psycopg2.errors.QueryCanceled("canceling statement due to statement timeout")
        with patch.object(apikeys, "_fsj_check_key", side_effect=timeout), self.assertLogs("odoo.http", "WARNING"):
            resp = self.call("GET", f"/object/fsm.order/{self.job.id}")
        self.assertNotEqual(resp.status_code, 503)
        self.assertNotIn("database_unavailable", resp.text)
        self.assertEqual(self.call("GET", f"/object/fsm.order/{self.job.id}").status_code, 200)
