# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo.tests import tagged

from .common import JobsCase


@tagged("post_install", "-at_install")
class TestFsmOrderMail(JobsCase):
    def test_the_customer_is_no_default_recipient(self):
        """OCA's mails without recipients (e.g. fieldservice_sale's "created from" note, a mass mail)
        must not go to the job's customer, a field this addon adds."""
        job = self.new_job()
        self.assertEqual(job._message_get_default_recipients()[job.id]["partner_ids"], [])
        sale = self.env["sale.order"].create({"partner_id": self.customer.id})
        mails = self.env["mail.mail"].search([])
        job.message_mail_with_source(
            "mail.message_origin_link",
            render_values={"self": job, "origin": sale},
            subtype_id=self.env.ref("mail.mt_note").id,
        )
        sent = self.env["mail.mail"].search([]) - mails
        self.assertFalse(sent.filtered(lambda m: self.customer in m.recipient_ids))
