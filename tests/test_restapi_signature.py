# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A job's signature through the REST API (restapi/signature.py): GET and POST
/object/<model>/<id>/signature, as a raw PNG/JPEG body or as JSON with base64; who may sign; the
signature_blocking setting; the job.signed event."""

import base64
import io
from datetime import datetime, timedelta

from PIL import Image

from odoo import fields
from odoo.tests import tagged

from ..models.fsm_order import SIGNATURE_BLOCKING_PARAM
from ..models.fsm_webhook import ALLOW_PRIVATE_PARAM
from .factories import ApiKeyFactory, UserFactory
from .test_restapi import RestApiCase


def make_image(fmt, size=(120, 40), color="white"):
    """An image file in ``fmt`` (PNG, JPEG, GIF), with a stroke on it."""
    image = Image.new("RGB", size, color)
    for x in range(10, size[0] - 10):
        image.putpixel((x, size[1] // 2), (0, 0, 0))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


@tagged("post_install", "-at_install")
class TestRestApiSignature(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.png = make_image("PNG")
        cls.jpeg = make_image("JPEG")
        cls.gif = make_image("GIF")
        cls.admin = cls.env.ref("base.user_admin")

    def setUp(self):
        super().setUp()
        self.job = self.env["fsm.order"].browse(self.new_job(description="Sign here")["id"])
        self.path = f"/object/fsm.order/{self.job.id}/signature"

    # -- helpers ---------------------------------------------------------------------------------
    def sign_raw(self, data, content_type="image/png", key=True, path=None, **params):
        return self.call(
            "POST", path or self.path, raw=data, params=params or None, key=key, headers={"Content-Type": content_type}
        )

    def sign_json(self, body, key=True, path=None):
        return self.call("POST", path or self.path, body, key=key)

    def assertSigned(self, resp, data, mimetype, signed_by):
        self.assertEqual(resp.status_code, 200, resp.text)
        sig = resp.json()["signature"]
        self.assertEqual(set(sig), {"signed", "signed_by", "signed_on", "mimetype", "size", "image"})
        self.assertTrue(sig["signed"])
        self.assertEqual((sig["signed_by"], sig["mimetype"], sig["size"]), (signed_by, mimetype, len(data)))
        self.assertEqual(base64.b64decode(sig["image"]), data)
        self.job.invalidate_recordset()
        self.assertEqual(base64.b64decode(self.job.signature), data)
        self.assertEqual(self.job.signed_by, signed_by)
        self.assertEqual(fields.Datetime.to_string(self.job.signed_on), sig["signed_on"])
        return sig

    def assertUnsigned(self, job=None):
        job = job or self.job
        job.invalidate_recordset()
        self.assertEqual((job.signature, job.signed_by, job.signed_on), (False, False, False))

    # -- signing ---------------------------------------------------------------------------------
    def test_raw_png_with_query_parameters(self):
        resp = self.sign_raw(self.png, signed_by="Jane Customer", signed_on="2025-12-15T10:00:00+01:00")
        sig = self.assertSigned(resp, self.png, "image/png", "Jane Customer")
        self.assertEqual(sig["signed_on"], "2025-12-15 09:00:00")  # UTC
        # the call is audited as any write
        audit = self.env["fsm.api.audit"].sudo().search([("path", "=", f"/restapi/1.0{self.path}")])
        self.assertEqual(audit.mapped("status"), [200])

    def test_raw_jpeg_signed_now(self):
        before = fields.Datetime.now().replace(microsecond=0)
        resp = self.sign_raw(self.jpeg, "image/jpeg", signed_by="  John Doe ")
        sig = self.assertSigned(resp, self.jpeg, "image/jpeg", "John Doe")
        signed_on = fields.Datetime.to_datetime(sig["signed_on"])
        self.assertTrue(before - timedelta(seconds=1) <= signed_on <= datetime.now() + timedelta(seconds=1))

    def test_json_base64_then_get(self):
        body = {"image": base64.b64encode(self.png).decode(), "signed_by": "Jane", "signed_on": "2025-12-15 08:30:00"}
        sig = self.assertSigned(self.sign_json(body), self.png, "image/png", "Jane")
        self.assertEqual(sig["signed_on"], "2025-12-15 08:30:00")
        resp = self.call("GET", self.path)
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json(), {"signature": sig})
        # signing again replaces it; a data URI is taken too
        body = {"image": "data:image/jpeg;base64," + base64.b64encode(self.jpeg).decode(), "signed_by": "Bob"}
        self.assertSigned(self.sign_json(body), self.jpeg, "image/jpeg", "Bob")

    def test_get_unsigned(self):
        resp = self.call("GET", self.path)
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(
            resp.json(),
            {
                "signature": {
                    "signed": False,
                    "signed_by": None,
                    "signed_on": None,
                    "mimetype": None,
                    "size": None,
                    "image": None,
                }
            },
        )

    def test_large_signature_is_scaled_down_as_oca_does(self):
        big = make_image("PNG", size=(2048, 512))
        resp = self.sign_raw(big, signed_by="Big Hand")
        self.assertEqual(resp.status_code, 200, resp.text)
        sig = resp.json()["signature"]
        self.assertEqual(sig["mimetype"], "image/png")
        with Image.open(io.BytesIO(base64.b64decode(sig["image"]))) as stored:
            self.assertEqual(stored.size, (1024, 256))  # OCA's field: at most 1024x1024
        self.assertEqual(sig["size"], len(base64.b64decode(sig["image"])))

    # -- refused values ----------------------------------------------------------------------------
    def test_bad_values(self):
        b64 = base64.b64encode(self.png).decode()
        cases = [
            ({"image": "not base64 at all!", "signed_by": "X"}, 422, "invalid_value"),
            ({"image": b64[:-3], "signed_by": "X"}, 422, "invalid_value"),
            ({"image": 12, "signed_by": "X"}, 422, "invalid_value"),
            ({"signed_by": "X"}, 422, "missing_field"),
            ({"image": b64}, 422, "missing_field"),
            ({"image": b64, "signed_by": "  "}, 422, "missing_field"),
            ({"image": b64, "signed_by": 7}, 422, "invalid_value"),
            ({"image": b64, "signed_by": "X" * 300}, 422, "invalid_value"),
            ({"image": b64, "signed_by": "X", "signed_on": "15/12/2025"}, 422, "invalid_value"),
            ({"image": b64, "signed_by": "X", "signature": "?"}, 400, "unknown_field"),
            ([b64], 400, "invalid_body"),
        ]
        for body, status, code in cases:
            with self.subTest(body=str(body)[:60]):
                self.assertError(self.sign_json(body), status, code)
        self.assertError(self.sign_raw(self.png), 422, "missing_field")  # no signed_by
        self.assertError(self.sign_raw(self.png, signed_by="X", signed_on="yesterday"), 422, "invalid_value")
        self.assertError(self.sign_raw(b"", signed_by="X"), 422, "invalid_value")
        self.assertError(self.sign_raw(self.png[:40], signed_by="X"), 422, "invalid_value")  # truncated
        self.assertUnsigned()

    def test_only_png_and_jpeg(self):
        text = b"I agree. -- J. Customer\n"
        for label, resp in [
            ("gif as image/gif", self.sign_raw(self.gif, "image/gif", signed_by="X")),
            ("gif as image/png", self.sign_raw(self.gif, "image/png", signed_by="X")),
            ("text as image/png", self.sign_raw(text, "image/png", signed_by="X")),
            ("text/plain", self.sign_raw(text, "text/plain", signed_by="X")),
            ("no content type", self.sign_raw(self.png, "", signed_by="X")),
            ("gif in JSON", self.sign_json({"image": base64.b64encode(self.gif).decode(), "signed_by": "X"})),
            ("text in JSON", self.sign_json({"image": base64.b64encode(text).decode(), "signed_by": "X"})),
        ]:
            with self.subTest(label):
                self.assertError(resp, 415, "unsupported_media_type")
        self.assertUnsigned()

    def test_body_limit(self):
        resp = self.sign_raw(b"\x89PNG\r\n\x1a\n" + b"\0" * (4 * 1024 * 1024), signed_by="X")
        self.assertError(resp, 413, "payload_too_large")
        self.assertUnsigned()

    # -- who may sign what ---------------------------------------------------------------------------
    def test_read_only_key_cannot_sign(self):
        reader = ApiKeyFactory(env=self.env, name="reader", restapi=True, read_only=True)
        self.assertError(self.sign_raw(self.png, key=reader, signed_by="X"), 403, "read_only_key")
        self.assertUnsigned()
        resp = self.call("GET", self.path, key=reader)  # reading is fine
        self.assertEqual(resp.status_code, 200, resp.text)

    def test_no_write_access_is_403(self):
        # a global rule: the job may be read but not written, by anyone but the superuser
        self.env["ir.rule"].create(
            {
                "name": "no writes on the signed job",
                "model_id": self.env["ir.model"]._get_id("fsm.order"),
                "domain_force": f"[('id', '!=', {self.job.id})]",
                "perm_read": False,
                "perm_create": False,
                "perm_unlink": False,
                "perm_write": True,
            }
        )
        self.assertError(self.sign_raw(self.png, signed_by="X"), 403, "access_denied")
        self.assertUnsigned()

    def test_key_scoped_to_stages(self):
        stages_only = ApiKeyFactory(env=self.env, name="stages", restapi=True, scope_models=["fsm.stage"])
        self.assertError(self.call("GET", self.path, key=stages_only), 404, "unknown_model")
        self.assertError(self.sign_raw(self.png, key=stages_only, signed_by="X"), 404, "unknown_model")
        self.assertUnsigned()

    def test_other_company_user_sees_no_job(self):
        company_b = self.env["res.company"].create({"name": "Signature Company B"})
        user_b = UserFactory(
            env=self.env, login="fsj_sign_user_b", companies=[company_b], groups=("fieldservice.group_fsm_manager",)
        )
        key_b = ApiKeyFactory(env=self.env, user=user_b, name="company B")
        self.assertError(self.call("GET", self.path, key=key_b), 404, "not_found")
        self.assertError(self.sign_raw(self.png, key=key_b, signed_by="X"), 404, "not_found")
        self.assertUnsigned()

    def test_models_without_signature(self):
        self.assertError(self.call("GET", f"/object/res.users/{self.admin.id}/signature"), 404, "unknown_model")
        path = f"/object/res.users/{self.admin.id}/signature"
        self.assertError(self.sign_raw(self.png, path=path, signed_by="X"), 404, "unknown_model")
        stage = self.stage["new"]
        path = f"/object/fsm.stage/{stage.id}/signature"
        err = self.assertError(self.call("GET", path), 404, "no_signature")
        self.assertIn("fsm.stage", err["message"])
        self.assertError(self.sign_raw(self.png, path=path, signed_by="X"), 404, "no_signature")
        self.assertError(self.call("GET", "/object/fsm.order/999999/signature"), 404, "not_found")
        self.assertError(self.call("PUT", self.path, {}), 405, "method_not_allowed")

    def test_closed_job_cannot_be_signed(self):
        for code in ("completed", "cancelled"):
            with self.subTest(code):
                job = self.env["fsm.order"].browse(self.new_job()["id"])
                action = "action_complete" if code == "completed" else "action_cancel"
                self.assertEqual(self.call("POST", f"/object/fsm.order/{job.id}/{action}", {}).status_code, 200)
                path = f"/object/fsm.order/{job.id}/signature"
                self.assertError(self.sign_raw(self.png, path=path, signed_by="X"), 409, "workflow_conflict")
                self.assertUnsigned(job)

    # -- the blocking setting -----------------------------------------------------------------------
    def complete(self, job):
        return self.call("POST", f"/object/fsm.order/{job.id}/action_complete", {})

    def test_signature_blocking_setting(self):
        self.stage["completed"].require_signature = True
        # off (the default): OCA's behaviour, a job completes without a signature
        resp = self.complete(self.job)
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json()["fsm.order"]["stage_id"][0], self.stage["completed"].id)

        self.env["ir.config_parameter"].set_param(SIGNATURE_BLOCKING_PARAM, "1")
        job = self.env["fsm.order"].browse(self.new_job()["id"])
        err = self.assertError(self.complete(job), 409, "signature_required")
        self.assertIn(job.name, err["message"])
        job.invalidate_recordset()
        self.assertEqual(job.stage_id, self.stage["new"])
        self.assertFalse(job.date_end)
        path = f"/object/fsm.order/{job.id}/signature"
        self.assertEqual(self.sign_raw(self.png, path=path, signed_by="Jane").status_code, 200)
        resp = self.complete(job)
        self.assertEqual(resp.status_code, 200, resp.text)
        job.invalidate_recordset()
        self.assertEqual(job.stage_id, self.stage["completed"])

        # the setting on, but a Completed stage that does not require a signature: no block
        self.stage["completed"].require_signature = False
        other = self.env["fsm.order"].browse(self.new_job()["id"])
        self.assertEqual(self.complete(other).status_code, 200)

    # -- the job.signed event ---------------------------------------------------------------------
    def test_signed_event_for_webhooks(self):
        self.env["ir.config_parameter"].set_param(ALLOW_PRIVATE_PARAM, "1")
        manager = UserFactory(env=self.env, login="fsj_sign_hook_owner", groups=("fieldservice.group_fsm_manager",))
        self.env["fsm.webhook"].create({"name": "Signatures", "url": "http://127.0.0.1:9/h", "user_id": manager.id})
        self.env.cr.flush()
        resp = self.sign_raw(self.png, signed_by="Jane Customer", signed_on="2025-12-15 09:00:00")
        self.assertEqual(resp.status_code, 200, resp.text)
        signed = [("model", "=", "fsm.order"), ("res_id", "=", self.job.id), ("event_type", "=", "job.signed")]
        rows = self.env["fsm.api.change"].sudo().search(signed)
        self.assertEqual(len(rows), 1)
        self.assertTrue(rows.pending)
        self.assertEqual(rows.details, {"signed_by": "Jane Customer", "signed_on": "2025-12-15 09:00:00"})
        # a refused signature sends nothing
        self.assertError(self.sign_raw(self.gif, "image/gif", signed_by="X"), 415, "unsupported_media_type")
        self.assertEqual(self.env["fsm.api.change"].sudo().search_count(signed), 1)
