# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The REST API's per-model hooks (models/base.py, models/fsm_order.py), without HTTP."""

from odoo.exceptions import UserError
from odoo.tests import tagged

from odoo.addons.fieldservice_jobs.exceptions import FsjApiError

from .common import JobsCase


@tagged("post_install", "-at_install")
class TestFsmOrderApiHooks(JobsCase):
    def field_map(self, model):
        return self.env["ir.model"]._fsj_api_fields(model)

    def test_base_defaults(self):
        partner_fields = self.field_map("res.partner")
        self.assertEqual(partner_fields["name"][0], "name")
        self.assertFalse([name for name in partner_fields if "password" in name or "token" in name])
        Partner = self.env["res.partner"]
        self.assertEqual(Partner._fsj_api_field_aliases(), {})
        self.assertEqual(Partner._fsj_api_methods(), {})
        self.assertEqual(Partner._fsj_api_value_converters(), {})
        self.assertEqual(Partner._fsj_api_domain_leaf("name", "name", "x"), ("name", "x"))
        defaults = Partner._fsj_api_default_fields(partner_fields)
        self.assertIn("name", defaults)
        self.assertNotIn("image_1920", defaults)
        self.assertNotIn("child_ids", defaults)

    def test_job_aliases_and_default_fields(self):
        fields = self.field_map("fsm.order")
        self.assertEqual(fields["duration"][0], "scheduled_duration")
        self.assertEqual(fields["type"][0], "fsm_type")
        self.assertEqual((fields["type"][1]["type"], fields["type"][1]["readonly"]), ("char", False))
        self.assertNotIn("scheduled_duration", fields)
        self.assertIn("sale_order_id", self.Order._fsj_api_default_fields(fields))

    def test_job_domain_leaves(self):
        leaf = self.Order._fsj_api_domain_leaf
        self.assertEqual(leaf("stage_id", "stage_id", "new"), ("stage_id.code", "new"))
        self.assertEqual(leaf("stage_id", "stage_id", ["new", "scheduled"]), ("stage_id.code", ["new", "scheduled"]))
        self.assertEqual(leaf("stage_id", "stage_id", 3), ("stage_id", 3))
        self.assertEqual(leaf("type", "fsm_type", self.type_install.id), ("type", self.type_install.id))
        self.assertEqual(leaf("type", "fsm_type", "install"), ("fsm_type", "install"))

    def test_job_value_converters(self):
        converters = self.Order._fsj_api_value_converters()
        cache = {}
        self.assertEqual(converters["type"]("install", cache), ("type", self.type_install.id))
        self.assertEqual(converters["type"](self.type_service.id, cache), ("type", self.type_service.id))
        self.assertEqual(converters["type"](None, cache), ("type", False))
        with self.assertRaises(FsjApiError) as err:
            converters["type"]("nope", cache)
        self.assertEqual((err.exception.status, err.exception.code), (422, "invalid_value"))
        self.assertIn("install", err.exception.details["allowed"])
        self.assertEqual(converters["stage_id"]("in_progress", cache), ("stage_id", self.stage_in_progress.id))
        self.assertIsNone(converters["stage_id"](self.stage_new.id, cache), "ids are converted as any many2one")
        with self.assertRaises(FsjApiError):
            converters["stage_id"]("nowhere", cache)

    def test_job_checks_writes_and_deletes(self):
        with self.assertRaises(FsjApiError) as err:
            self.Order._fsj_api_check_vals({"description": "x"}, creating=True)
        self.assertEqual(err.exception.code, "missing_field")
        self.Order._fsj_api_check_vals({"description": "x"}, creating=False)  # an update needs none
        job = self.new_job()
        job._fsj_api_write({"stage_id": self.stage_in_progress.id})
        self.assertEqual(job.stage_id, self.stage_in_progress)
        self.assertTrue(job.date_start, "a stage write runs the workflow (start)")
        with self.assertRaises(FsjApiError) as err:
            job._fsj_api_unlink()
        self.assertEqual((err.exception.status, err.exception.code), (409, "workflow_conflict"))
        self.assertTrue(job.exists())
        new = self.new_job()
        new._fsj_api_unlink()
        self.assertFalse(new.exists())

    def test_job_methods_run_under_the_workflow_guards(self):
        self.assertEqual(
            set(self.Order._fsj_api_methods()),
            {
                "action_start",
                "action_complete",
                "action_cancel",
                "action_check_in",
                "action_check_out",
                "check_in",
                "check_out",
            },
        )
        job = self.new_job()
        job._fsj_api_call("action_cancel", {})
        self.assertEqual(job.stage_id, self.stage_cancelled)
        # through the API a cancelled job cannot be completed (OCA's own callers may)
        with self.assertRaises(UserError):
            job._fsj_api_call("action_complete", {})
        self.assertEqual(job.stage_id, self.stage_cancelled)
