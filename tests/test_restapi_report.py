# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A record's PDF report through the REST API (restapi/reports.py): GET /object/<model>/<id>/report
and GET /report/<report_name>/<id>; the job's report with its signature and photos
(report/fsm_order_report.xml)."""

import base64
import shutil
import subprocess
import tempfile
from datetime import datetime
from unittest.mock import patch

from lxml import html as lxml_html

from odoo.exceptions import UserError
from odoo.http import content_disposition
from odoo.tests import tagged

from .factories import ApiKeyFactory, UserFactory
from .test_restapi import RestApiCase
from .test_restapi_signature import make_image

OCA_REPORT = "fieldservice.report_fsm_order"
UNEXPOSED_REPORT = "account.report_invoice"  # account.move: not in the API's default allowlist


@tagged("post_install", "-at_install")
class TestRestApiReport(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # wkhtmltopdf asks the server for the report's CSS; here the server runs inside the test's
        # transaction, busy with the very request that waits for wkhtmltopdf: point it at a closed
        # port instead (the PDF is rendered without the styles, the text is the same)
        cls.env["ir.config_parameter"].set_param("report.url", "http://127.0.0.1:9")
        cls.Report = cls.env["ir.actions.report"]
        cls.oca_report = cls.env.ref("fieldservice.action_report_fsm_order")

    def setUp(self):
        super().setUp()
        self.job = self.env["fsm.order"].browse(self.new_job(description="Install the blinds")["id"])

    # -- helpers ---------------------------------------------------------------------------------
    def skip_without_pdf(self):
        if self.Report.get_wkhtmltopdf_state() in ("install", "broken") or not shutil.which("pdftotext"):
            self.skipTest("SKIPPED: pdftotext/wkhtmltopdf missing")

    def pdf_text(self, content):
        done = subprocess.run(["pdftotext", "-", "-"], input=content, capture_output=True, check=True, timeout=60)
        return done.stdout.decode()

    def assertPdf(self, resp, filename):
        self.assertEqual(resp.status_code, 200, resp.text[:500])
        self.assertEqual(resp.headers["Content-Type"], "application/pdf")
        self.assertTrue(resp.content.startswith(b"%PDF"))
        self.assertEqual(int(resp.headers["Content-Length"]), len(resp.content))
        self.assertEqual(resp.headers["Content-Disposition"], content_disposition(filename, "inline"))
        self.assertIn(filename, resp.headers["Content-Disposition"])
        self.assertTrue(resp.headers.get("X-Request-Id"))
        return self.pdf_text(resp.content)

    def photo(self, job, name="site-photo.png", data=None):
        return self.env["ir.attachment"].create(
            {
                "name": name,
                "res_model": "fsm.order",
                "res_id": job.id,
                "datas": base64.b64encode(data or make_image("PNG", size=(300, 200), color="blue")),
            }
        )

    # -- the PDF ---------------------------------------------------------------------------------
    def test_model_report_is_ocas_service_order(self):
        self.skip_without_pdf()
        text = self.assertPdf(self.call("GET", f"/object/fsm.order/{self.job.id}/report"), f"{self.job.name}.pdf")
        self.assertIn(self.job.name, text)
        self.assertIn("REST Customer", text)
        self.assertIn("Install the blinds", text)

    def test_report_by_name_gives_the_same(self):
        self.skip_without_pdf()
        by_model = self.assertPdf(self.call("GET", f"/object/fsm.order/{self.job.id}/report"), f"{self.job.name}.pdf")
        by_name = self.assertPdf(self.call("GET", f"/report/{OCA_REPORT}/{self.job.id}"), f"{self.job.name}.pdf")
        self.assertEqual(by_name, by_model)
        self.assertIn(self.job.name, by_name)
        self.assertIn("REST Customer", by_name)

    def test_signature_and_photos_in_the_report(self):
        signed_on = datetime(2025, 12, 15, 9, 0, 0)
        self.job._fsj_api_sign(base64.b64encode(make_image("PNG")), "Jane Customer", signed_on)
        self.photo(self.job)
        self.photo(self.job, "notes.txt", b"not an image")
        # OCA's Sign wizard also posts the signature in the chatter: it is no photo
        wizard = self.env["fsm.order.sign.wizard"].create(
            {"order_id": self.job.id, "signed_by": "Jane Customer", "signature": base64.b64encode(make_image("PNG"))}
        )
        wizard.action_sign()
        attachments = self.env["ir.attachment"].search([("res_id", "=", self.job.id), ("res_model", "=", "fsm.order")])
        self.assertIn("sign", attachments.mapped("name"))

        page = lxml_html.fromstring(self.Report._render_qweb_html(OCA_REPORT, self.job.ids)[0])
        photos = page.xpath("//div[@id='fsj_photos']//img")
        self.assertEqual(len(photos), 1)
        self.assertTrue(photos[0].get("src").startswith("data:image/png;base64,"))
        signature = page.xpath("//div[@id='fsj_signature']//img")
        self.assertEqual(len(signature), 1)
        self.assertTrue(signature[0].get("src").startswith("data:image/png;base64,"))

        self.skip_without_pdf()
        resp = self.call("GET", f"/object/fsm.order/{self.job.id}/report")
        text = self.assertPdf(resp, f"{self.job.name}.pdf")
        for words in ("Customer Signature", "Jane Customer", "Signed on", "Photos", "site-photo.png"):
            self.assertIn(words, text)
        self.assertNotIn("notes.txt", text)
        if shutil.which("pdfimages"):  # the images themselves are in the PDF
            with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
                pdf.write(resp.content)
                pdf.flush()
                out = subprocess.run(["pdfimages", "-list", pdf.name], capture_output=True, check=True, timeout=60)
            sizes = {tuple(line.split()[3:5]) for line in out.stdout.decode().splitlines()[2:]}
            self.assertIn(("300", "200"), sizes)  # the photo
            self.assertIn(("120", "40"), sizes)  # the signature

    def test_report_without_signature_nor_photos(self):
        page = lxml_html.fromstring(self.Report._render_qweb_html(OCA_REPORT, self.job.ids)[0])
        self.assertFalse(page.xpath("//div[@id='fsj_photos' or @id='fsj_signature']"))

    # -- which reports, for whom -----------------------------------------------------------------
    def test_unknown_and_unexposed_reports(self):
        for name in ("no.such_report", UNEXPOSED_REPORT, "base.report_irmodulereference", "x" * 300):
            with self.subTest(name=name[:40]):
                self.assertError(self.call("GET", f"/report/{name}/{self.job.id}"), 404, "unknown_report")
        # the id is one of the report's model
        self.assertError(self.call("GET", "/report/sale.report_saleorder/999999"), 404, "not_found")
        self.assertError(self.call("GET", "/report/fieldservice.report_fsm_order/999999"), 404, "not_found")
        self.assertError(self.call("GET", f"/object/fsm.stage/{self.stage['new'].id}/report"), 404, "no_report")
        self.assertError(self.call("GET", "/object/account.move/1/report"), 404, "unknown_model")
        self.assertError(self.call("POST", f"/object/fsm.order/{self.job.id}/report", {}), 405, "method_not_allowed")

    def test_report_of_groups_the_user_is_not_in(self):
        group = self.env["res.groups"].create({"name": "Service Order printers"})
        self.oca_report.groups_id = group
        self.assertError(self.call("GET", f"/report/{OCA_REPORT}/{self.job.id}"), 404, "unknown_report")
        self.assertError(self.call("GET", f"/object/fsm.order/{self.job.id}/report"), 404, "no_report")

    def test_other_company_job(self):
        company_b = self.env["res.company"].create({"name": "Report Company B"})
        user_b = UserFactory(
            env=self.env, login="fsj_report_user_b", companies=[company_b], groups=("fieldservice.group_fsm_manager",)
        )
        key_b = ApiKeyFactory(env=self.env, user=user_b, name="company B")
        self.assertError(self.call("GET", f"/object/fsm.order/{self.job.id}/report", key=key_b), 404, "not_found")
        self.assertError(self.call("GET", f"/report/{OCA_REPORT}/{self.job.id}", key=key_b), 404, "not_found")

    def test_key_scoped_to_stages(self):
        stages_only = ApiKeyFactory(env=self.env, name="stages", restapi=True, scope_models=["fsm.stage"])
        resp = self.call("GET", f"/object/fsm.order/{self.job.id}/report", key=stages_only)
        self.assertError(resp, 404, "unknown_model")
        resp = self.call("GET", f"/report/{OCA_REPORT}/{self.job.id}", key=stages_only)
        self.assertError(resp, 404, "unknown_report")

    def test_read_only_key_reads_the_report(self):
        self.skip_without_pdf()
        reader = ApiKeyFactory(env=self.env, name="reader", restapi=True, read_only=True)
        resp = self.call("GET", f"/report/{OCA_REPORT}/{self.job.id}", key=reader)
        self.assertIn(self.job.name, self.assertPdf(resp, f"{self.job.name}.pdf"))

    # -- without wkhtmltopdf ---------------------------------------------------------------------
    def test_pdf_unavailable(self):
        Report = type(self.Report)
        path = f"/object/fsm.order/{self.job.id}/report"
        with patch.object(Report, "get_wkhtmltopdf_state", lambda self: "install"):
            err = self.assertError(self.call("GET", path), 503, "pdf_unavailable")
        self.assertIn("wkhtmltopdf", err["message"])
        # Odoo's HTML fallback is no PDF
        with (
            patch.object(Report, "get_wkhtmltopdf_state", lambda self: "ok"),
            patch.object(Report, "_render_qweb_pdf", lambda self, *a, **k: (b"<html/>", "html")),
        ):
            self.assertError(self.call("GET", path), 503, "pdf_unavailable")

        def failing(self, *args, **kwargs):
            raise UserError(self.env._("Wkhtmltopdf failed (error code: -6). Message: boom"))

        with (
            patch.object(Report, "get_wkhtmltopdf_state", lambda self: "ok"),
            patch.object(Report, "_render_qweb_pdf", failing),
        ):
            self.assertError(self.call("GET", path), 503, "pdf_unavailable")
