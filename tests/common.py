# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo.tests import TransactionCase

from .factories import CustomerFactory, TechnicianFactory, UserFactory


class JobsCase(TransactionCase):
    """Customers, a location, technicians and job types shared by the job tests."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=False, mail_create_nolog=True))
        cls.Order = cls.env["fsm.order"]
        cls.Stage = cls.env["fsm.stage"]
        cls.stage_new = cls.env.ref("fieldservice.fsm_stage_new")
        cls.stage_scheduled = cls.env.ref("fieldservice_jobs.fsm_stage_scheduled")
        cls.stage_in_progress = cls.env.ref("fieldservice_jobs.fsm_stage_in_progress")
        cls.stage_completed = cls.env.ref("fieldservice.fsm_stage_completed")
        cls.stage_cancelled = cls.env.ref("fieldservice.fsm_stage_cancelled")
        cls.type_install = cls.env.ref("fieldservice_jobs.fsm_order_type_install")
        cls.type_service = cls.env.ref("fieldservice_jobs.fsm_order_type_service")
        cls.customer = CustomerFactory(
            env=cls.env, name="Jobs Test Customer", street="1 Test Street", city="Testville", us_address=True
        )
        cls.tech_user = UserFactory(env=cls.env, name="Tech User", login="jobs_tech_user")
        cls.technician = TechnicianFactory(env=cls.env, user=cls.tech_user)
        cls.technician_without_user = TechnicianFactory(env=cls.env, name="Tech Without User")

    def new_job(self, **vals):
        vals.setdefault("partner_id", self.customer.id)
        return self.Order.create(vals)
