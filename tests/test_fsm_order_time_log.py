# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Check-in / check-out (issue 13): visits of a job (fsm.order.time.log), through the ORM and through
the REST API (POST /object/fsm.order/<id>/check_in and check_out, or action_check_in / action_check_out).

Change rows are written by a precommit hook: ``self.env.cr.flush()`` stands for the end of a
transaction in the ORM tests; each HTTP request ends its own."""

from datetime import timedelta

import psycopg2

from odoo import fields
from odoo.exceptions import AccessError
from odoo.tests import tagged
from odoo.tools import mute_logger

from odoo.addons.fieldservice_jobs.exceptions import FsjApiError
from odoo.addons.fieldservice_jobs.models.fsm_order_time_log import haversine, parse_location

from .common import JobsCase
from .factories import ApiKeyFactory, CompanyFactory, UserFactory
from .test_restapi import RestApiCase

SITE = (48.8566, 2.3522)
NEAR = {"lat": 48.8575, "lng": 2.3522, "accuracy": 12}  # ~100 m north of the site
FAR = {"lat": 48.8656, "lng": 2.3522, "accuracy": 30}  # ~1 km north of the site
BAD_LOCATIONS = (
    [48.8, 2.3],
    "48.8,2.3",
    {"lat": 91, "lng": 0},
    {"lat": -90.5, "lng": 0},
    {"lat": 0, "lng": 180.01},
    {"lat": "48.8", "lng": 2.3},
    {"lat": True, "lng": 2.3},
    {"lat": 48.8},
    {"lng": 2.3},
    {"lat": 48.8, "lng": 2.3, "accuracy": -1},
    {"lat": 48.8, "lng": 2.3, "accuracy": "5"},
    {"lat": 48.8, "lng": 2.3, "altitude": 30},
    {"lat": float("nan"), "lng": 2.3},
)
WEBHOOK_URL = "http://127.0.0.1:9/h"


def ago(**delta):
    return fields.Datetime.now().replace(microsecond=0) - timedelta(**delta)


@tagged("post_install", "-at_install")
class TestFsmOrderTimeLog(JobsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.Log = cls.env["fsm.order.time.log"]
        cls.tech2_user = UserFactory(env=cls.env, name="Second Tech", login="fsj_visit_tech2")
        cls.manager = UserFactory(
            env=cls.env, name="Visits Manager", login="fsj_visit_manager", groups=("fieldservice.group_fsm_manager",)
        )
        cls.env["ir.config_parameter"].set_param("fieldservice_jobs.checkin_max_distance", "500")

    def scheduled_job(self):
        job = self.new_job(person_id=self.technician.id, scheduled_date_start=ago(hours=3))
        self.assertEqual(job.stage_id, self.stage_scheduled)
        return job

    def as_user(self, job, user):
        return job.with_user(user)

    def locate_site(self, job, lat=SITE[0], lng=SITE[1]):
        job.location_id.partner_id.write({"partner_latitude": lat, "partner_longitude": lng})

    def assertNothingWritten(self, job, logs, stage):
        job.invalidate_recordset()
        self.assertEqual(self.Log.search([("order_id", "=", job.id)]), logs)
        self.assertEqual(job.stage_id, stage)

    # -- the workflow -------------------------------------------------------------------------------
    def test_first_check_in_starts_the_job_at_its_time(self):
        job = self.scheduled_job()
        at = ago(hours=2)
        self.as_user(job, self.tech_user).action_check_in(location=NEAR, at=at)
        self.assertEqual(job.stage_id, self.stage_in_progress)
        self.assertEqual(job.date_start, at)
        log = job.time_log_ids
        self.assertEqual((log.user_id, log.check_in, log.check_out), (self.tech_user, at, False))
        self.assertTrue(log.check_in_located)
        self.assertEqual((log.check_in_latitude, log.check_in_longitude, log.check_in_accuracy), (48.8575, 2.3522, 12))
        self.assertEqual(log.company_id, job.company_id)
        # a second technician joins: the job keeps its start
        self.as_user(job, self.tech2_user).check_in(at=ago(hours=1))
        self.assertEqual(len(job.time_log_ids), 2)
        self.assertEqual(job.date_start, at)
        self.assertFalse(job.time_log_ids.filtered(lambda log: log.user_id == self.tech2_user).check_in_located)

    def test_check_in_on_a_started_job_keeps_its_start(self):
        job = self.new_job()
        start = ago(hours=5)
        job.action_start(date_start=start)
        self.as_user(job, self.tech_user).action_check_in()
        self.assertEqual(job.date_start, start)
        self.assertAlmostEqual((job.time_log_ids.check_in - fields.Datetime.now()).total_seconds(), 0, delta=5)

    def test_two_technicians_then_check_out_completes(self):
        job = self.scheduled_job()
        t0 = ago(hours=3)
        self.as_user(job, self.tech_user).action_check_in(location=NEAR, at=t0)
        self.as_user(job, self.tech2_user).action_check_in(at=t0 + timedelta(minutes=30))
        # completing while the other technician is on site is refused, and writes nothing
        logs = job.time_log_ids
        with self.assertRaises(FsjApiError) as err:
            self.as_user(job, self.tech_user).action_check_out(at=t0 + timedelta(hours=1), complete=True)
        self.assertEqual((err.exception.status, err.exception.code), (409, "workflow_conflict"))
        self.assertNothingWritten(job, logs, self.stage_in_progress)
        self.assertFalse(any(logs.mapped("check_out")))
        # 0.5 h + 1.5 h
        self.as_user(job, self.tech2_user).action_check_out(at=t0 + timedelta(hours=1))
        self.assertEqual(job.effective_duration, 0.5, "the closed visits only")
        self.as_user(job, self.tech_user).check_out(
            location=NEAR, at=t0 + timedelta(hours=1, minutes=30), complete=True
        )
        self.assertEqual(job.stage_id, self.stage_completed)
        self.assertEqual(job.date_end, t0 + timedelta(hours=1, minutes=30))
        self.assertEqual(sorted(job.time_log_ids.mapped("duration")), [0.5, 1.5])
        self.assertEqual(job.effective_duration, 2.0)
        # no visit: from the actual start and end, as before
        other = self.new_job()
        other.action_start(date_start=t0 - timedelta(hours=1))
        other.action_complete(date_end=t0 + timedelta(hours=2))
        self.assertEqual(other.effective_duration, 3.0)

    def test_distance_and_flag(self):
        job = self.scheduled_job()
        self.locate_site(job)
        self.assertAlmostEqual(haversine(*SITE, FAR["lat"], FAR["lng"]), 1000.8, delta=1)
        self.as_user(job, self.tech_user).action_check_in(location=FAR, at=ago(hours=2))
        far = job.time_log_ids
        self.assertTrue(far.site_located)
        self.assertAlmostEqual(far.check_in_distance, 1000.8, delta=1)
        self.assertTrue(far.far_from_site)
        self.as_user(job, self.tech2_user).action_check_in(location=NEAR, at=ago(hours=2))
        near = job.time_log_ids - far
        self.assertAlmostEqual(near.check_in_distance, 100.1, delta=1)
        self.assertFalse(near.far_from_site)
        # checking out far away flags the visit too
        self.as_user(job, self.tech2_user).action_check_out(location=FAR, at=ago(hours=1))
        self.assertAlmostEqual(near.check_out_distance, 1000.8, delta=1)
        self.assertTrue(near.far_from_site)
        # a larger setting: 1 km is near enough; 0 flags nothing
        self.env["ir.config_parameter"].set_param("fieldservice_jobs.checkin_max_distance", "2000")
        self.as_user(job, self.tech_user).action_check_out(location=FAR, at=ago(hours=1))
        self.assertFalse(far.far_from_site)
        # a job whose site has no coordinates: no distance, no flag
        unknown = self.scheduled_job()
        unknown.location_id.partner_id.write({"partner_latitude": 0, "partner_longitude": 0})
        self.as_user(unknown, self.tech_user).action_check_in(location=FAR)
        log = unknown.time_log_ids
        self.assertEqual((log.site_located, log.check_in_distance, log.far_from_site), (False, 0.0, False))

    def test_refusals_write_nothing(self):
        job = self.scheduled_job()
        tech_job = self.as_user(job, self.tech_user)
        for location in BAD_LOCATIONS:
            with self.subTest(location=location), self.assertRaises(FsjApiError) as err:
                tech_job.action_check_in(location=location)
            self.assertEqual((err.exception.status, err.exception.code), (422, "invalid_value"))
            self.assertEqual(err.exception.details["field"], "location")
        with self.assertRaises(FsjApiError) as err:
            tech_job.action_check_in(at=fields.Datetime.now() + timedelta(minutes=10))
        self.assertEqual((err.exception.status, err.exception.details["field"]), (422, "at"))
        with self.assertRaises(FsjApiError) as err:
            tech_job.action_check_out()
        self.assertEqual((err.exception.status, err.exception.code), (409, "not_checked_in"))
        self.assertNothingWritten(job, self.Log, self.stage_scheduled)
        # a clock a little ahead is accepted
        tech_job.action_check_in(at=fields.Datetime.now() + timedelta(minutes=2))
        logs = job.time_log_ids
        with self.assertRaises(FsjApiError) as err:
            tech_job.action_check_in()
        self.assertEqual((err.exception.status, err.exception.code), (409, "already_checked_in"))
        with self.assertRaises(FsjApiError) as err:
            tech_job.action_check_out(at=ago(hours=1))
        self.assertEqual((err.exception.status, err.exception.details["field"]), (422, "at"))
        self.assertNothingWritten(job, logs, self.stage_in_progress)
        self.assertFalse(logs.check_out)
        # a closed job: nobody checks in
        done = self.new_job()
        done.action_complete()
        with self.assertRaises(FsjApiError) as err:
            self.as_user(done, self.tech_user).action_check_in()
        self.assertEqual((err.exception.status, err.exception.code), (409, "workflow_conflict"))
        self.assertNothingWritten(done, self.Log, self.stage_completed)

    def test_parse_location(self):
        self.assertIsNone(parse_location(self.env, None))
        self.assertEqual(
            parse_location(self.env, {"lat": -90, "lng": 180}), {"lat": -90.0, "lng": 180.0, "accuracy": None}
        )
        self.assertEqual(parse_location(self.env, {"lat": 1, "lng": 2, "accuracy": 0})["accuracy"], 0.0)

    # -- who writes visits ----------------------------------------------------------------------------
    def test_visits_are_written_through_the_job_only(self):
        job = self.scheduled_job()
        self.as_user(job, self.tech_user).action_check_in(at=ago(hours=1))
        log = job.time_log_ids
        Log = self.Log.with_user(self.tech_user)
        with self.assertRaises(AccessError):
            log.with_user(self.tech_user).write({"check_in": ago(hours=8)})
        with self.assertRaises(AccessError):  # the workflow's context cannot be forged
            log.with_user(self.tech_user).with_context(fsm_jobs_visit=True).write({"check_in": ago(hours=8)})
        with self.assertRaises(AccessError):
            Log.create({"order_id": job.id, "check_in": ago(hours=8), "check_out": ago(hours=7)})
        # technicians read every visit of the jobs they see
        self.as_user(job, self.tech2_user).action_check_in(at=ago(minutes=30))
        self.assertEqual(len(Log.search([("order_id", "=", job.id)])), 2)
        # a manager corrects a visit
        log.with_user(self.manager).write({"check_out": log.check_in + timedelta(minutes=45)})
        self.assertEqual(log.duration, 0.75)
        self.assertEqual(job.effective_duration, 0.75)

    def test_one_open_visit_per_technician_in_the_database(self):
        job = self.scheduled_job()
        self.as_user(job, self.tech_user).action_check_in(at=ago(hours=1))
        with mute_logger("odoo.sql_db"), self.assertRaises(psycopg2.IntegrityError), self.env.cr.savepoint():
            self.Log.create({"order_id": job.id, "user_id": self.tech_user.id, "check_in": ago(minutes=5)})

    def test_events_are_sent(self):
        self.env["ir.config_parameter"].set_param("fieldservice_jobs.webhook_allow_private", "1")
        self.env["fsm.webhook"].create({"name": "Visits hook", "url": WEBHOOK_URL, "user_id": self.manager.id})
        job = self.scheduled_job()
        self.locate_site(job)
        self.env.cr.flush()
        at = ago(hours=2)
        self.as_user(job, self.tech_user).action_check_in(location=FAR, at=at)
        self.as_user(job, self.tech_user).action_check_out(location=NEAR, at=at + timedelta(hours=1), complete=True)
        self.env.cr.flush()
        rows = self.env["fsm.api.change"].search(
            [
                ("model", "=", "fsm.order"),
                ("res_id", "=", job.id),
                ("event_type", "in", ("job.checked_in", "job.checked_out")),
            ],
            order="id",
        )
        self.assertEqual(rows.mapped("event_type"), ["job.checked_in", "job.checked_out"])
        self.assertTrue(all(rows.mapped("pending")))
        checked_in, checked_out = rows.mapped("details")
        log = job.time_log_ids
        self.assertEqual(checked_in["id"], log.id)
        self.assertEqual(checked_in["check_in"], fields.Datetime.to_string(at))
        self.assertEqual(checked_in["location"], {"lat": FAR["lat"], "lng": FAR["lng"], "accuracy": 30.0})
        self.assertAlmostEqual(checked_in["distance"], 1000.8, delta=1)
        self.assertTrue(checked_in["far_from_site"])
        self.assertEqual(checked_out["check_out"], fields.Datetime.to_string(at + timedelta(hours=1)))
        self.assertEqual((checked_out["duration"], checked_out["completed"]), (1.0, True))
        self.assertAlmostEqual(checked_out["distance"], 100.1, delta=1)


@tagged("post_install", "-at_install")
class TestFsmOrderTimeLogApi(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tech_a = UserFactory(env=cls.env, name="API Tech A", login="fsj_visit_api_a")
        cls.tech_b = UserFactory(env=cls.env, name="API Tech B", login="fsj_visit_api_b")
        cls.key_a = ApiKeyFactory(env=cls.env, user=cls.tech_a, name="tech a")
        cls.key_b = ApiKeyFactory(env=cls.env, user=cls.tech_b, name="tech b")
        cls.admin = cls.env.ref("base.user_admin")
        cls.env["ir.config_parameter"].set_param("fieldservice_jobs.checkin_max_distance", "500")

    def job(self, **body):
        job = self.new_job(**body)
        record = self.env["fsm.order"].browse(job["id"])
        record.location_id.partner_id.write({"partner_latitude": SITE[0], "partner_longitude": SITE[1]})
        return record

    def logs(self, job):
        return self.env["fsm.order.time.log"].search([("order_id", "=", job.id)])

    def post(self, job, method, body=None, key=True, **kwargs):
        return self.call("POST", f"/object/fsm.order/{job.id}/{method}", body, key=key, **kwargs)

    def assertNothingWritten(self, job, logs, stage_code):
        self.env.invalidate_all()
        self.assertEqual(self.logs(job), logs)
        self.assertEqual(job.stage_id.code, stage_code)

    def test_check_in_and_out_then_list_the_visits(self):
        job = self.job()
        resp = self.post(job, "check_in", {"location": FAR, "at": "2025-12-13T10:15:00+01:00"}, key=self.key_a)
        self.assertEqual(resp.status_code, 200, resp.text)
        body = resp.json()["fsm.order"]
        self.assertEqual(body["stage_id"][0], self.stage["in_progress"].id)
        self.assertEqual(body["date_start"], "2025-12-13 09:15:00")
        # a second technician, the other spelling, the location as a JSON string
        resp = self.post(
            job,
            "action_check_in",
            {"location": '{"lat": 48.8575, "lng": 2.3522}', "at": "2025-12-13 09:45:00"},
            key=self.key_b,
        )
        self.assertEqual(resp.status_code, 200, resp.text)
        resp = self.post(job, "action_check_out", {"at": "2025-12-13 10:15:00"}, key=self.key_b)
        self.assertEqual(resp.status_code, 200, resp.text)
        resp = self.post(
            job, "check_out", {"location": NEAR, "at": "2025-12-13 10:45:00", "complete": True}, key=self.key_a
        )
        self.assertEqual(resp.status_code, 200, resp.text)
        body = resp.json()["fsm.order"]
        self.assertEqual(body["stage_id"][0], self.stage["completed"].id)
        self.assertEqual(body["date_end"], "2025-12-13 10:45:00")
        self.assertEqual(body["effective_duration"], 2.0)  # 1.5 h + 0.5 h
        # the visits of the job, as a list of their own
        resp = self.call(
            "GET",
            "/object/fsm.order.time.log",
            params={"domain": str([("order_id", "=", job.id)]), "order": "check_in"},
        )
        self.assertEqual(resp.status_code, 200, resp.text)
        rows = resp.json()["fsm.order.time.log"]
        self.assertEqual([r["user_id"][0] for r in rows], [self.tech_a.id, self.tech_b.id])
        first, second = rows
        self.assertEqual((first["check_in"], first["check_out"]), ("2025-12-13 09:15:00", "2025-12-13 10:45:00"))
        self.assertEqual((first["duration"], second["duration"]), (1.5, 0.5))
        self.assertTrue(first["far_from_site"])
        self.assertAlmostEqual(first["check_in_distance"], 1000.8, delta=1)
        self.assertAlmostEqual(first["check_out_distance"], 100.1, delta=1)
        self.assertFalse(second["far_from_site"])
        self.assertFalse(second["check_out_located"])
        # and in the job, when asked
        resp = self.call("GET", f"/object/fsm.order/{job.id}", params={"fields": "['time_log_ids']"})
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(sorted(resp.json()["fsm.order"]["time_log_ids"]), sorted(r["id"] for r in rows))
        # the OpenAPI document has both spellings
        spec = self.call("GET", "/openapi.json").json()
        for method in ("check_in", "check_out", "action_check_in", "action_check_out"):
            self.assertIn(f"/object/fsm.order/{{id}}/{method}", spec["paths"])

    def test_refusals_write_nothing(self):
        job = self.job()
        for location in (*BAD_LOCATIONS[:-1], "x", 5):  # NaN is not JSON
            with self.subTest(location=location):
                err = self.assertError(self.post(job, "check_in", {"location": location}), 422, "invalid_value")
                self.assertEqual(err["details"]["field"], "location")
        future = fields.Datetime.to_string(fields.Datetime.now() + timedelta(hours=1))
        err = self.assertError(self.post(job, "check_in", {"at": future}), 422, "invalid_value")
        self.assertEqual(err["details"]["field"], "at")
        self.assertError(self.post(job, "check_in", {"at": "yesterday"}), 422, "invalid_value")
        self.assertError(self.post(job, "check_out"), 409, "not_checked_in")
        self.assertError(self.post(job, "check_in", {"lat": 1}), 400, "unknown_argument")
        self.assertNothingWritten(job, self.env["fsm.order.time.log"], "new")
        self.assertEqual(self.post(job, "check_in").status_code, 200)
        logs = self.logs(job)
        self.assertError(self.post(job, "check_in"), 409, "already_checked_in")
        self.assertError(self.post(job, "check_out", {"at": "2020-01-01 00:00:00"}), 422, "invalid_value")
        self.assertNothingWritten(job, logs, "in_progress")
        self.assertFalse(logs.check_out)
        # a completed job
        done = self.job()
        done.action_complete()
        self.assertError(self.post(done, "check_in", {"location": NEAR}), 409, "workflow_conflict")
        self.assertNothingWritten(done, self.env["fsm.order.time.log"], "completed")

    def test_visits_are_written_through_the_job_only(self):
        job = self.job()
        self.assertEqual(self.post(job, "check_in", key=self.key_a).status_code, 200)
        log = self.logs(job)
        # no visit made without checking in, not even by an administrator
        body = {"order_id": job.id, "check_in": "2025-12-13 08:00:00"}
        self.assertError(self.call("POST", "/object/fsm.order.time.log", body), 409, "workflow_conflict")
        self.assertError(
            self.call("PUT", f"/object/fsm.order/{job.id}", {"time_log_ids": [[0, 0, body]]}), 400, "readonly_field"
        )
        # a technician cannot change a visit, not even their own; a manager corrects it
        path = f"/object/fsm.order.time.log/{log.id}"
        self.assertError(
            self.call("PUT", path, {"check_in": "2020-01-01 08:00:00"}, key=self.key_a), 403, "access_denied"
        )
        self.assertError(self.call("DELETE", path, key=self.key_a), 403, "access_denied")
        self.assertNothingWritten(job, log, "in_progress")
        self.assertNotEqual(log.check_in, fields.Datetime.to_datetime("2020-01-01 08:00:00"))
        resp = self.call("PUT", path, {"check_out": fields.Datetime.to_string(log.check_in + timedelta(hours=1))})
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json()["fsm.order.time.log"]["duration"], 1.0)

    def test_attackers_write_nothing(self):
        job = self.job()
        reader = ApiKeyFactory(env=self.env, name="reader", restapi=True, read_only=True)
        stages_only = ApiKeyFactory(env=self.env, name="stages", restapi=True, scope_models=["fsm.stage"])
        company_b = CompanyFactory(env=self.env, name="FSJ Visits Company B")
        user_b = UserFactory(env=self.env, name="Tech of B", login="fsj_visit_api_tech_b", companies=company_b)
        key_other_company = ApiKeyFactory(env=self.env, user=user_b, name="company b")
        for method in ("check_in", "action_check_in", "check_out"):
            with self.subTest(method=method):
                self.assertError(self.post(job, method, {"location": NEAR}, key=reader), 403, "read_only_key")
                self.assertError(self.post(job, method, key=stages_only), 404, "unknown_model")
                self.assertError(self.post(job, method, key=key_other_company), 404, "not_found")
        self.assertError(self.call("GET", "/object/fsm.order.time.log", key=stages_only), 404, "unknown_model")
        # the visits' relations lead nowhere the key cannot reach
        for domain in ([("user_id.password", "=", "x")], [("user_id.login", "=", "admin")]):
            with self.subTest(domain=domain):
                resp = self.call("GET", "/object/fsm.order.time.log", params={"domain": str(domain)})
                self.assertIn(resp.status_code, (400, 403), resp.text)
        self.assertNothingWritten(job, self.env["fsm.order.time.log"], "new")
        # the other company's technician does not see the visits of company A
        self.assertEqual(self.post(job, "check_in").status_code, 200)
        resp = self.call("GET", "/object/fsm.order.time.log", params={"domain": str([("order_id", "=", job.id)])})
        self.assertEqual(len(resp.json()["fsm.order.time.log"]), 1)
        resp = self.call(
            "GET",
            "/object/fsm.order.time.log",
            params={"domain": str([("order_id", "=", job.id)])},
            key=key_other_company,
        )
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json()["fsm.order.time.log"], [])

    def test_webhook_events(self):
        self.env["ir.config_parameter"].set_param("fieldservice_jobs.webhook_allow_private", "1")
        self.env["fsm.webhook"].create({"name": "Visits API hook", "url": WEBHOOK_URL, "user_id": self.admin.id})
        job = self.job()
        self.assertEqual(self.post(job, "check_in", {"location": NEAR}, key=self.key_a).status_code, 200)
        self.assertEqual(self.post(job, "check_out", {"complete": True}, key=self.key_a).status_code, 200)
        rows = self.env["fsm.api.change"].search(
            [("model", "=", "fsm.order"), ("res_id", "=", job.id), ("event_type", "like", "job.checked_%")], order="id"
        )
        self.assertEqual(rows.mapped("event_type"), ["job.checked_in", "job.checked_out"])
        log = self.logs(job)
        self.assertEqual([row.details["id"] for row in rows], [log.id, log.id])
        self.assertEqual(rows[0].details["location"], {"lat": NEAR["lat"], "lng": NEAR["lng"], "accuracy": 12.0})
        self.assertFalse(rows[0].details["far_from_site"])
        self.assertIsNone(rows[1].details["location"])
        self.assertTrue(rows[1].details["completed"])
        # a refused request sends nothing
        self.assertError(self.post(job, "check_out", key=self.key_a), 409, "not_checked_in")
        self.assertEqual(
            self.env["fsm.api.change"].search_count(
                [("model", "=", "fsm.order"), ("res_id", "=", job.id), ("event_type", "like", "job.checked_%")]
            ),
            2,
        )
