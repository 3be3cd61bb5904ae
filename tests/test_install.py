# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_module_installed_at_its_version(self):
        mod = self.env["ir.module.module"].search([("name", "=", "fieldservice_jobs")])
        self.assertEqual(mod.state, "installed")
        self.assertEqual(mod.latest_version, mod.installed_version)
        self.assertTrue(mod.latest_version.startswith("18.0."), mod.latest_version)

    def test_depends_on_oca(self):
        mod = self.env["ir.module.module"].search([("name", "=", "fieldservice_jobs")])
        self.assertEqual(set(mod.dependencies_id.mapped("name")), {"fieldservice", "fieldservice_sale"})

    def test_job_fields_of_the_addon(self):
        fields = self.env["fsm.order"]._fields
        for name, ftype, stored in (
            ("sale_id", "many2one", True),  # fieldservice_sale's
            ("sale_order_id", "many2one", False),  # seed 000's name for it
            ("effective_duration", "float", True),
            ("fsm_type", "char", True),  # the job type code, searchable in SQL
        ):
            with self.subTest(field=name):
                self.assertIn(name, fields)
                self.assertEqual((fields[name].type, bool(fields[name].store)), (ftype, stored))
