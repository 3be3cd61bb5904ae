# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo.tests import HttpCase, tagged


@tagged("post_install", "-at_install")
class TestJobTour(HttpCase):
    def test_start_complete_tour(self):
        customer = self.env["res.partner"].create({"name": "Tour Customer", "city": "Tourville"})
        job = self.env["fsm.order"].create({"partner_id": customer.id})
        self.assertEqual(job.stage_id.code, "new")
        self.start_tour(
            f"/odoo/action-fieldservice.action_fsm_operation_order/{job.id}",
            "fieldservice_jobs_start_complete",
            login="admin",
        )
        job.invalidate_recordset()
        self.assertEqual(job.stage_id.code, "completed")
        self.assertTrue(job.date_start and job.date_end)

    def test_webhook_tour(self):
        self.env["ir.config_parameter"].set_param("fieldservice_jobs.webhook_allow_private", "1")
        self.start_tour("/odoo/action-fieldservice_jobs.action_fsm_webhook", "fieldservice_jobs_webhook", login="admin")
        hook = self.env["fsm.webhook"].search([("name", "=", "Tour receiver")])
        self.assertEqual(hook.url, "http://127.0.0.1:9/tour-hook")
        self.assertTrue(hook.sudo().secret.startswith("whsec_"))
        self.assertEqual(hook.delivery_ids.mapped("event_type"), ["webhook.test"])
