from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install")
class TestInstall(TransactionCase):
    def test_module_installed(self):
        mod = self.env["ir.module.module"].search([("name", "=", "fieldservice_jobs")])
        self.assertEqual(mod.state, "installed")

    def test_depends_on_oca(self):
        mod = self.env["ir.module.module"].search([("name", "=", "fieldservice_jobs")])
        self.assertEqual(set(mod.dependencies_id.mapped("name")), {"fieldservice", "fieldservice_sale"})

    def test_fsm_order_model_present(self):
        self.assertIn("sale_id", self.env["fsm.order"]._fields)
