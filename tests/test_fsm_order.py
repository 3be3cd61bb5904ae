# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from datetime import datetime

from freezegun import freeze_time
from psycopg2 import IntegrityError

from odoo.exceptions import UserError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import JobsCase


@tagged("post_install", "-at_install")
class TestJobFields(JobsCase):
    def test_customer_only_gets_new_location_from_address(self):
        job = self.new_job()
        location = job.location_id
        self.assertTrue(location)
        self.assertEqual(location.partner_id, self.customer)
        self.assertEqual(job.partner_id, self.customer)
        self.assertEqual(location.street, "1 Test Street")
        # seed 000's location query finds it
        self.assertEqual(self.env["fsm.location"].search([("partner_id", "=", self.customer.id)]), location)

    def test_second_job_reuses_the_customer_location(self):
        first = self.new_job()
        self.assertEqual(self.new_job().location_id, first.location_id)

    def test_customer_service_location_is_used(self):
        site_partner = self.env["res.partner"].create({"name": "Site B", "city": "Siteville"})
        site = self.env["fsm.location"].create({"partner_id": site_partner.id, "owner_id": self.customer.id})
        self.customer.service_location_id = site
        job = self.new_job()
        self.assertEqual(job.location_id, site)
        self.assertEqual(job.partner_id, self.customer)

    def test_location_only_gets_customer(self):
        site_partner = self.env["res.partner"].create({"name": "Site C"})
        site = self.env["fsm.location"].create({"partner_id": site_partner.id, "owner_id": self.customer.id})
        job = self.Order.create({"location_id": site.id})
        self.assertEqual(job.partner_id, self.customer)

    def test_reference_sequence(self):
        job = self.new_job()
        self.assertRegex(job.name, r"^FSM\d{5}$")
        other = self.new_job()
        self.assertGreater(int(other.name[3:]), int(job.name[3:]))

    def test_given_reference_is_kept(self):
        self.assertEqual(self.new_job(name="LEGACY-42").name, "LEGACY-42")

    def test_durations(self):
        job = self.new_job(
            scheduled_date_start="2025-12-13 09:00:00",
            scheduled_date_end="2025-12-13 12:00:00",
            date_start="2025-12-13 09:15:00",
            date_end="2025-12-13 11:30:00",
        )
        self.assertAlmostEqual(job.effective_duration, 2.25)
        self.assertAlmostEqual(job.scheduled_duration, 3.0)
        # stored: searchable in SQL
        self.assertIn(job, self.Order.search([("effective_duration", "=", 2.25)]))

    def test_job_type_code(self):
        self.assertEqual(self.new_job(type=self.type_install.id).fsm_type, "install")
        self.assertEqual(self.new_job(type=self.type_service.id).fsm_type, "service")

    def test_search_job_type_by_code(self):
        install = self.new_job(type=self.type_install.id)
        service = self.new_job(type=self.type_service.id)
        for domain, found, other in (
            ([("type", "=", "install")], install, service),
            ([("type", "in", ["service"])], service, install),
            ([("fsm_type", "=", "install")], install, service),
        ):
            with self.subTest(domain=domain):
                jobs = self.Order.search(domain)
                self.assertIn(found, jobs)
                self.assertNotIn(other, jobs)

    def test_job_type_codes_are_unique(self):
        with self.assertRaises(IntegrityError), mute_logger("odoo.sql_db"), self.cr.savepoint():
            self.env["fsm.order.type"].create({"name": "Duplicate", "code": "install"})

    def test_sale_order_alias(self):
        sale = self.env["sale.order"].create({"partner_id": self.customer.id})
        job = self.new_job(sale_order_id=sale.id)
        self.assertEqual(job.sale_id, sale)
        self.assertEqual(job.sale_order_id, sale)
        self.assertEqual(self.Order.search([("sale_order_id", "=", sale.id)]), job)

    def test_address_from_location(self):
        job = self.new_job()
        self.assertEqual(job.street, "1 Test Street")
        self.assertEqual(job.city, "Testville")
        self.assertEqual(job.zip, "12345")
        self.assertEqual(job.state_id, self.env.ref("base.state_us_34"))


@tagged("post_install", "-at_install")
class TestJobWorkflow(JobsCase):
    def test_stages(self):
        stages = self.Stage.search([("stage_type", "=", "order"), ("code", "!=", False)])
        by_code = {s.code: s for s in stages}
        self.assertEqual(
            [(c, by_code[c].sequence) for c in ("new", "scheduled", "in_progress", "completed", "cancelled")],
            [("new", 10), ("scheduled", 20), ("in_progress", 30), ("completed", 80), ("cancelled", 100)],
        )
        self.assertTrue(by_code["completed"].is_closed)
        self.assertTrue(by_code["cancelled"].is_closed and by_code["cancelled"].fold)
        self.assertFalse(by_code["in_progress"].is_closed)
        self.assertEqual(self.Stage._get_job_stage("in_progress"), self.stage_in_progress)

    def test_new_job_with_technician_and_date_is_scheduled(self):
        job = self.new_job(person_id=self.technician.id, scheduled_date_start="2030-01-02 09:00:00")
        self.assertEqual(job.stage_id, self.stage_scheduled)
        job2 = self.new_job()
        self.assertEqual(job2.stage_id, self.stage_new)
        job2.person_id = self.technician
        self.assertEqual(job2.stage_id, self.stage_new, "a technician alone does not schedule")
        job2.scheduled_date_start = "2030-01-02 10:00:00"
        self.assertEqual(job2.stage_id, self.stage_scheduled)

    @freeze_time("2025-12-13 09:15:00")
    def test_start_sets_date_start_now(self):
        job = self.new_job()
        job.action_start()
        self.assertEqual(job.stage_id, self.stage_in_progress)
        self.assertEqual(job.date_start, datetime(2025, 12, 13, 9, 15))

    def test_start_keeps_given_date(self):
        job = self.new_job(person_id=self.technician.id, scheduled_date_start="2030-01-02 09:00:00")
        job.action_start(date_start="2030-01-02 09:05:00")
        self.assertEqual(job.date_start, datetime(2030, 1, 2, 9, 5))

    def test_start_refused_when_closed(self):
        for close, stage in (("action_complete", self.stage_completed), ("action_cancel", self.stage_cancelled)):
            with self.subTest(closed_by=close):
                job = self.new_job()
                getattr(job, close)()
                with self.assertRaisesRegex(UserError, "cannot be started"):
                    job.action_start()
                self.assertEqual(job.stage_id, stage)

    def test_start_refused_when_in_progress(self):
        job = self.new_job()
        job.action_start()
        with self.assertRaisesRegex(UserError, "already in progress"):
            job.action_start()

    @freeze_time("2025-12-13 11:30:00")
    def test_complete(self):
        job = self.new_job(date_start="2025-12-13 09:15:00")
        job.action_start()
        job.action_complete()
        self.assertEqual(job.stage_id, self.stage_completed)
        self.assertEqual(job.date_end, datetime(2025, 12, 13, 11, 30))
        self.assertAlmostEqual(job.effective_duration, 2.25)
        # OCA's Sign button stays available: the Completed stage asks for a signature, not blocking
        self.assertTrue(job.require_signature)

    def test_complete_refused_when_cancelled(self):
        job = self.new_job()
        job.action_cancel()
        with self.assertRaisesRegex(UserError, "cancelled and cannot be completed"):
            job.with_context(fsm_jobs_workflow=True).action_complete()
        self.assertEqual(job.stage_id, self.stage_cancelled)

    def test_plain_write_of_completed_still_refused(self):
        # OCA's guard stays: dragging to Completed must go through the Complete action
        job = self.new_job()
        with self.assertRaisesRegex(UserError, "Cannot move to completed"):
            job.stage_id = self.stage_completed

    def test_set_stage_runs_workflow(self):
        job = self.new_job()
        job.action_set_stage(self.stage_in_progress, {"date_start": "2025-12-13 09:15:00"})
        self.assertEqual(job.stage_id, self.stage_in_progress)
        self.assertEqual(job.date_start, datetime(2025, 12, 13, 9, 15))
        job.action_set_stage(self.stage_completed, {"date_end": "2025-12-13 11:30:00"})
        self.assertEqual(job.stage_id, self.stage_completed)
        self.assertAlmostEqual(job.effective_duration, 2.25)

    def test_set_stage_refusals(self):
        done = self.new_job()
        done.action_complete()
        cancelled = self.new_job()
        cancelled.action_set_stage(self.stage_cancelled)
        for job, stage, message in (
            (done, self.stage_in_progress, "cannot be started"),
            (done, self.stage_scheduled, "cannot be moved back"),
            (cancelled, self.stage_completed, "cannot be completed"),
        ):
            with self.subTest(from_stage=job.stage_id.name, to=stage.name):
                before = job.stage_id
                with self.assertRaisesRegex(UserError, message):
                    job.action_set_stage(stage)
                self.assertEqual(job.stage_id, before)

    def test_set_same_stage_only_writes_values(self):
        job = self.new_job()
        job.action_start()
        job.action_set_stage(self.stage_in_progress, {"description": "<p>note</p>"})
        self.assertEqual(job.stage_id, self.stage_in_progress)
        self.assertIn("note", job.description)

    def test_buttons_on_several_jobs(self):
        jobs = self.new_job() | self.new_job() | self.new_job()
        jobs.action_start()
        self.assertEqual(set(jobs.mapped("stage_id.code")), {"in_progress"})
        self.assertTrue(all(jobs.mapped("date_start")))
        jobs.action_complete()
        self.assertEqual(set(jobs.mapped("stage_id.code")), {"completed"})
        self.assertTrue(all(jobs.mapped("date_end")))


@tagged("post_install", "-at_install")
class TestJobActivitiesAndTracking(JobsCase):
    def test_scheduling_creates_activity_for_technician(self):
        job = self.new_job(person_id=self.technician.id, scheduled_date_start="2030-01-02 09:00:00")
        activity = job.activity_ids
        self.assertEqual(len(activity), 1)
        self.assertEqual(activity.user_id, self.tech_user)
        self.assertIn(job.name, activity.summary)
        job.action_start()
        job.action_complete()
        self.assertFalse(job.activity_ids, "completing the job closes its activities")
        done = self.env["mail.message"].search(
            [("model", "=", "fsm.order"), ("res_id", "=", job.id), ("mail_activity_type_id", "!=", False)]
        )
        self.assertTrue(done, "the closed activity is logged as done")

    def test_scheduling_without_user_makes_no_activity(self):
        job = self.new_job(person_id=self.technician_without_user.id, scheduled_date_start="2030-01-02 09:00:00")
        self.assertEqual(job.stage_id, self.stage_scheduled)
        self.assertFalse(job.activity_ids)

    def test_cancel_closes_activities(self):
        job = self.new_job(person_id=self.technician.id, scheduled_date_start="2030-01-02 09:00:00")
        self.assertTrue(job.activity_ids)
        job.action_cancel()
        self.assertFalse(job.activity_ids)

    def test_stage_changes_are_tracked(self):
        job = self.new_job()
        self.env.cr.precommit.run()  # tracking is written at precommit, not for a record just created
        job.action_start()
        self.env.cr.precommit.run()
        job.action_complete()
        self.env.cr.precommit.run()
        values = job.message_ids.tracking_value_ids.filtered(lambda v: v.field_id.name == "stage_id")
        moves = {(v.old_value_char, v.new_value_char) for v in values}
        self.assertIn(("New", "In Progress"), moves)
        self.assertIn(("In Progress", "Completed"), moves)


@tagged("post_install", "-at_install")
class TestServerActions(JobsCase):
    def test_start_and_complete_server_actions_on_several_jobs(self):
        jobs = self.new_job() | self.new_job()
        start = self.env.ref("fieldservice_jobs.action_server_fsm_order_start")
        complete = self.env.ref("fieldservice_jobs.action_server_fsm_order_complete")
        self.assertEqual(start.binding_model_id.model, "fsm.order")
        ctx = {"active_model": "fsm.order", "active_ids": jobs.ids}
        start.with_context(**ctx).run()
        self.assertEqual(set(jobs.mapped("stage_id.code")), {"in_progress"})
        complete.with_context(**ctx).run()
        self.assertEqual(set(jobs.mapped("stage_id.code")), {"completed"})

    def test_server_action_refuses_completing_cancelled(self):
        job = self.new_job()
        job.action_cancel()
        complete = self.env.ref("fieldservice_jobs.action_server_fsm_order_complete")
        with self.assertRaisesRegex(UserError, "cancelled and cannot be completed"):
            complete.with_context(active_model="fsm.order", active_ids=job.ids).run()

    def test_server_action_refusal(self):
        job = self.new_job()
        job.action_cancel()
        start = self.env.ref("fieldservice_jobs.action_server_fsm_order_start")
        with self.assertRaisesRegex(UserError, "cannot be started"):
            start.with_context(active_model="fsm.order", active_ids=job.ids).run()
