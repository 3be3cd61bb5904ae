# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A record's files through the REST API (restapi/files.py): upload (multipart or the raw body), list,
download (Odoo's streaming: ETag, Range, If-None-Match), delete; the size and type settings; the
webhook event; and the refusals, each writing nothing."""

import hashlib
import io
import re

from PIL import Image

from odoo.tests import tagged

from .factories import ApiKeyFactory, CompanyFactory, UserFactory
from .test_restapi import API, RestApiCase

MIB = 1024 * 1024
STAMP = re.compile(r"\A\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\Z")


def png_bytes(size=(8, 6), color=(200, 30, 30)):
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


@tagged("post_install", "-at_install")
class TestRestApiFiles(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.png = png_bytes()
        cls.job = cls.env["fsm.order"].create({"partner_id": cls.customer.id})
        cls.other_job = cls.env["fsm.order"].create({"partner_id": cls.customer.id})

    # -- helpers -----------------------------------------------------------------------------------
    def path(self, record=None, att_id=None):
        record = record or self.job
        path = f"/object/{record._name}/{record.id}/attachments"
        return f"{path}/{att_id}" if att_id is not None else path

    def upload(self, files, record=None, key=True, path=None, headers=None, params=None):
        """A multipart upload: ``files`` as requests takes them ([(field, (name, bytes, type))])."""
        hdrs = {"X-API-Key": self.key if key is True else key, **(headers or {})}
        url = self.base_url() + API + (path or self.path(record))
        return self.opener.post(url, files=files, headers=hdrs, params=params, timeout=60)

    def raw(self, data, filename=None, record=None, content_type="application/octet-stream", key=True, headers=None):
        params = {"filename": filename} if filename is not None else None
        return self.call(
            "POST",
            self.path(record),
            raw=data,
            params=params,
            key=key,
            headers={"Content-Type": content_type, **(headers or {})},
        )

    def count(self, record=None):
        record = record or self.job
        return (
            self.env["ir.attachment"]
            .sudo()
            .search_count([("res_model", "=", record._name), ("res_id", "=", record.id)])
        )

    def attach(self, record, name="kept.txt", data=b"kept"):
        return self.env["ir.attachment"].create(
            {"name": name, "raw": data, "res_model": record._name, "res_id": record.id}
        )

    def restapi_key(self, name, user=None, models=None, read_only=False):
        return ApiKeyFactory(
            env=self.env, user=user or self.admin, name=name, restapi=True, scope_models=models, read_only=read_only
        )

    # -- upload, list, download, delete -------------------------------------------------------------
    def test_multipart_upload_list_download_delete(self):
        text = b"Meter reading: 1234\n"
        resp = self.upload(
            [
                ("photo", ("site.png", self.png, "text/plain")),  # the client's type is not believed
                ("notes", ("notes.txt", text, "application/pdf")),
            ]
        )
        self.assertEqual(resp.status_code, 201, resp.text)
        rows = resp.json()["attachments"]
        self.assertEqual([r["name"] for r in rows], ["site.png", "notes.txt"])
        photo, notes = rows
        self.assertEqual((photo["mimetype"], notes["mimetype"]), ("image/png", "text/plain"))
        self.assertEqual((photo["size"], notes["size"]), (len(self.png), len(text)))
        self.assertEqual(photo["checksum"], hashlib.sha1(self.png).hexdigest())
        self.assertRegex(photo["create_date"], STAMP)
        self.assertEqual(photo["uploader"], [self.admin.id, self.admin.name])
        self.assertEqual(set(photo), {"id", "name", "mimetype", "size", "checksum", "create_date", "uploader"})
        # stored on the job, in the filestore, once; in the chatter as a note with them
        attachments = self.env["ir.attachment"].browse([photo["id"], notes["id"]])
        self.assertEqual(set(attachments.mapped("res_model")), {"fsm.order"})
        self.assertEqual(set(attachments.mapped("res_id")), {self.job.id})
        self.assertTrue(all(attachments.mapped("store_fname")))
        self.assertEqual(attachments[0].raw, self.png)
        self.assertEqual(self.count(), 2)
        message = self.job.message_ids.filtered("attachment_ids")
        self.assertEqual(len(message), 1)
        self.assertEqual(message.attachment_ids, attachments)
        self.assertEqual(message.subtype_id, self.env.ref("mail.mt_note"))
        self.assertIn("site.png", message.body)
        # listed, oldest first, the same shape
        listing = self.call("GET", self.path())
        self.assertEqual(listing.status_code, 200, listing.text)
        self.assertEqual(listing.json()["attachments"], rows)
        # downloaded byte for byte, with Odoo's headers
        got = self.call("GET", self.path(att_id=photo["id"]))
        self.assertEqual(got.status_code, 200, got.text)
        self.assertEqual(got.content, self.png)
        self.assertEqual(got.headers["Content-Type"], "image/png")
        self.assertEqual(got.headers["Content-Length"], str(len(self.png)))
        self.assertIn("attachment", got.headers["Content-Disposition"])
        self.assertIn("site.png", got.headers["Content-Disposition"])
        self.assertEqual(got.headers["X-Content-Type-Options"], "nosniff")
        self.assertTrue(got.headers.get("X-Request-Id"))
        etag = got.headers["ETag"]
        self.assertIn(photo["checksum"], etag)
        # a range: 206 and the first ten bytes
        part = self.call("GET", self.path(att_id=photo["id"]), headers={"Range": "bytes=0-9"})
        self.assertEqual(part.status_code, 206, part.text)
        self.assertEqual(part.content, self.png[:10])
        self.assertEqual(part.headers["Content-Range"], f"bytes 0-9/{len(self.png)}")
        # not changed since: 304, no body
        same = self.call("GET", self.path(att_id=photo["id"]), headers={"If-None-Match": etag})
        self.assertEqual(same.status_code, 304, same.text)
        self.assertFalse(same.content)
        # deleted
        resp = self.call("DELETE", self.path(att_id=notes["id"]))
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual(resp.json(), {"attachment": {"id": notes["id"], "deleted": True}})
        self.assertFalse(self.env["ir.attachment"].browse(notes["id"]).exists())
        self.assertError(self.call("GET", self.path(att_id=notes["id"])), 404, "not_found")
        self.assertEqual([r["id"] for r in self.call("GET", self.path()).json()["attachments"]], [photo["id"]])

    def test_technician_uploads_as_himself(self):
        user = UserFactory(env=self.env, login="fsj_files_tech", groups=("fieldservice.group_fsm_user",))
        key = ApiKeyFactory(env=self.env, user=user, name="technician files")
        page = b"<html><body><script>alert(1)</script></body></html>"
        resp = self.upload(
            [("f", ("after.png", self.png, "image/png")), ("g", ("page.html", page, "text/html"))], key=key
        )
        self.assertEqual(resp.status_code, 201, resp.text)
        photo, html = resp.json()["attachments"]
        self.assertEqual(photo["uploader"], [user.id, user.name])
        # Odoo stores HTML-like content as plain text for users who may not edit views
        self.assertEqual(html["mimetype"], "text/plain")
        attachments = self.env["ir.attachment"].browse([photo["id"], html["id"]])
        self.assertEqual(attachments.create_uid, user)
        message = self.job.message_ids.filtered("attachment_ids")
        self.assertEqual((message.author_id, message.attachment_ids), (user.partner_id, attachments))
        got = self.call("GET", self.path(att_id=html["id"]), key=key)
        self.assertEqual(got.content, page)
        self.assertTrue(got.headers["Content-Type"].startswith("text/plain"))
        self.assertIn("attachment", got.headers["Content-Disposition"])
        resp = self.call("DELETE", self.path(att_id=html["id"]), key=key)
        self.assertEqual(resp.status_code, 200, resp.text)

    def test_raw_body_upload(self):
        resp = self.raw(self.png, "C:\\fakepath\\van/door.png", content_type="image/jpeg")
        self.assertEqual(resp.status_code, 201, resp.text)
        [row] = resp.json()["attachments"]
        self.assertEqual((row["name"], row["mimetype"], row["size"]), ("door.png", "image/png", len(self.png)))
        self.assertEqual(self.call("GET", self.path(att_id=row["id"])).content, self.png)
        # content that shows no type: the name's type is stored
        resp = self.raw(b"\x00\x01\x02\x03\xff" * 20, "clip.mp4")
        self.assertEqual(resp.status_code, 201, resp.text)
        self.assertEqual(resp.json()["attachments"][0]["mimetype"], "video/mp4")
        self.assertEqual(self.count(), 2)

    def test_raw_body_mistakes_write_nothing(self):
        before = self.count()
        self.assertError(self.raw(self.png), 400, "missing_filename")
        self.assertError(self.raw(self.png, "  "), 400, "missing_filename")
        self.assertError(self.raw(b"", "empty.txt"), 400, "empty_file")
        self.assertError(self.upload([("f", ("empty.txt", b"", "text/plain"))]), 400, "empty_file")
        # a multipart body with fields but no file
        self.assertError(self.upload([("note", (None, b"no file here"))]), 400, "missing_file")
        resp = self.raw(b"a=1", "form.txt", content_type="application/x-www-form-urlencoded")
        self.assertError(resp, 415, "unsupported_media_type")
        # a chunked body has no Content-Length: its size could not be checked before reading it
        resp = self.opener.post(
            self.base_url() + API + self.path(),
            data=iter([self.png]),
            params={"filename": "chunked.png"},
            headers={"X-API-Key": self.key, "Content-Type": "image/png"},
            timeout=60,
        )
        self.assertError(resp, 411, "length_required")
        self.assertEqual(self.count(), before)

    def test_idempotent_raw_upload(self):
        headers = {"Idempotency-Key": "files-raw-1"}
        first = self.raw(self.png, "once.png", headers=headers)
        self.assertEqual(first.status_code, 201, first.text)
        again = self.raw(self.png, "once.png", headers=headers)
        self.assertEqual(again.headers.get("Idempotency-Replayed"), "true")
        self.assertEqual(again.json(), first.json())
        self.assertEqual(self.count(), 1)
        # the same key with another file is another request
        self.assertError(
            self.raw(png_bytes(color=(1, 2, 3)), "once.png", headers=headers), 422, "idempotency_key_reused"
        )
        self.assertEqual(self.count(), 1)

    def test_idempotent_multipart_upload_hashes_the_files(self):
        headers = {"Idempotency-Key": "files-multipart-1"}
        first = self.upload([("photo", ("a.png", self.png, "image/png"))], headers=headers)
        self.assertEqual(first.status_code, 201, first.text)
        again = self.upload([("photo", ("a.png", self.png, "image/png"))], headers=headers)
        self.assertEqual(again.headers.get("Idempotency-Replayed"), "true")
        # Odoo parses a multipart body before the route: the files themselves are in the request's hash
        other = self.upload([("photo", ("a.png", png_bytes(color=(9, 9, 9)), "image/png"))], headers=headers)
        self.assertError(other, 422, "idempotency_key_reused")
        self.assertEqual(self.count(), 1)

    def test_multipart_body_too_large_is_refused_before_parsing(self):
        self.env["ir.config_parameter"].set_param("fieldservice_jobs.api_max_upload_mb", "1")
        before = self.count()
        chunks = [(f"f{n}", (f"{n}.bin", b"z" * (MIB // 2 + 1024), "application/octet-stream")) for n in range(21)]
        resp = self.upload(chunks)  # 21 half-MiB files: over ten files of 1 MiB, refused as JSON
        self.assertError(resp, 413, "payload_too_large")
        self.assertEqual(self.count(), before)

    def test_only_the_records_own_files(self):
        kept = self.attach(self.job)
        field_storage = (
            self.env["ir.attachment"]
            .sudo()
            .create(
                {
                    "name": "field",
                    "raw": b"binary field value",
                    "res_model": "fsm.order",
                    "res_id": self.job.id,
                    "res_field": "description",
                }
            )
        )
        link = self.env["ir.attachment"].create(
            {
                "name": "link",
                "type": "url",
                "url": "https://example.com/x",
                "res_model": "fsm.order",
                "res_id": self.job.id,
            }
        )
        rows = self.call("GET", self.path()).json()["attachments"]
        self.assertEqual([r["id"] for r in rows], [kept.id])
        for att in (field_storage, link):
            self.assertError(self.call("GET", self.path(att_id=att.id)), 404, "not_found")
            self.assertError(self.call("DELETE", self.path(att_id=att.id)), 404, "not_found")
        self.assertTrue((field_storage | link).exists())

    # -- settings ------------------------------------------------------------------------------------
    def test_size_limit(self):
        self.env["ir.config_parameter"].set_param("fieldservice_jobs.api_max_upload_mb", "1")
        before = self.count()
        big = b"x" * (2 * MIB)
        err = self.assertError(
            self.upload([("a", ("small.png", self.png, "image/png")), ("b", ("big.bin", big, "image/png"))]),
            413,
            "payload_too_large",
        )
        self.assertEqual(err["details"], {"file": "big.bin", "max_bytes": MIB})
        self.assertError(self.raw(big, "big.bin"), 413, "payload_too_large")
        self.assertEqual(self.count(), before)
        # the whole body's limit, checked before reading it: ten files of the largest size
        self.assertError(self.raw(b"x" * (10 * MIB + 65 * 1024), "huge.bin"), 413, "payload_too_large")
        # exactly the limit is fine
        resp = self.raw(b"y" * MIB, "limit.bin")
        self.assertEqual(resp.status_code, 201, resp.text)
        self.assertEqual(self.count(), before + 1)

    def test_allowed_types(self):
        self.env["ir.config_parameter"].set_param("fieldservice_jobs.api_upload_mimetypes", "image/*, application/pdf")
        before = self.count()
        resp = self.upload([("a", ("ok.png", self.png, "image/png")), ("b", ("no.txt", b"plain text", "image/png"))])
        err = self.assertError(resp, 415, "unsupported_media_type")
        self.assertEqual(err["details"]["mimetype"], "text/plain")
        self.assertEqual(err["details"]["allowed"], ["image/*", "application/pdf"])
        # a name cannot get unknown content past the setting
        self.assertError(self.raw(b"\x00\x01\x02\x03" * 10, "fake.png"), 415, "unsupported_media_type")
        self.assertEqual(self.count(), before)
        for data, name in ((self.png, "ok.png"), (b"%PDF-1.4\n%fake\n", "report.pdf")):
            resp = self.raw(data, name)
            self.assertEqual(resp.status_code, 201, resp.text)
        self.assertEqual(self.count(), before + 2)

    def test_too_many_files(self):
        before = self.count()
        files = [("f", (f"p{i}.png", self.png, "image/png")) for i in range(11)]
        err = self.assertError(self.upload(files), 400, "too_many_files")
        self.assertEqual(err["details"], {"max_files": 10, "files": 11})
        self.assertEqual(self.count(), before)
        resp = self.upload(files[:10])
        self.assertEqual(resp.status_code, 201, resp.text)
        self.assertEqual(len(resp.json()["attachments"]), 10)
        self.assertEqual(self.count(), before + 10)

    def test_webhook_event(self):
        self.env["ir.config_parameter"].set_param("fieldservice_jobs.webhook_allow_private", "1")
        self.env["fsm.webhook"].create({"name": "t", "url": "http://127.0.0.1:9/h"})
        resp = self.upload([("f", ("event.png", self.png, "image/png"))])
        self.assertEqual(resp.status_code, 201, resp.text)
        [row] = resp.json()["attachments"]
        change = self.env["fsm.api.change"].search(
            [("model", "=", "fsm.order"), ("res_id", "=", self.job.id), ("event_type", "=", "job.attachment_added")]
        )
        self.assertEqual(len(change), 1)
        self.assertTrue(change.pending)
        self.assertEqual(
            change.details,
            {"attachments": [{"id": row["id"], "name": "event.png", "mimetype": "image/png", "size": len(self.png)}]},
        )

    # -- refusals: each writes nothing ----------------------------------------------------------------
    def test_read_only_key(self):
        kept = self.attach(self.job)
        key = self.restapi_key("files reader", read_only=True)
        before = self.count()
        self.assertError(self.upload([("f", ("x.png", self.png, "image/png"))], key=key), 403, "read_only_key")
        self.assertError(self.raw(self.png, "x.png", key=key), 403, "read_only_key")
        self.assertError(self.call("DELETE", self.path(att_id=kept.id), key=key), 403, "read_only_key")
        self.assertEqual(self.count(), before)
        # reading is fine
        self.assertEqual(self.call("GET", self.path(), key=key).json()["attachments"][0]["id"], kept.id)
        self.assertEqual(self.call("GET", self.path(att_id=kept.id), key=key).content, b"kept")

    def test_key_scoped_to_another_model(self):
        kept = self.attach(self.job)
        key = self.restapi_key("stages only", models=["fsm.stage"])
        before = self.count()
        self.assertError(self.upload([("f", ("x.png", self.png, "image/png"))], key=key), 404, "unknown_model")
        self.assertError(self.call("DELETE", self.path(att_id=kept.id), key=key), 404, "unknown_model")
        self.assertError(self.call("GET", self.path(att_id=kept.id), key=key), 404, "unknown_model")
        self.assertEqual(self.count(), before)

    def test_other_company_user(self):
        kept = self.attach(self.job)
        company_b = CompanyFactory(env=self.env, name="Files Company B")
        user_b = UserFactory(
            env=self.env, login="fsj_files_user_b", companies=company_b, groups=("fieldservice.group_fsm_manager",)
        )
        key = ApiKeyFactory(env=self.env, user=user_b, name="company B files")
        before = self.count()
        self.assertError(self.upload([("f", ("x.png", self.png, "image/png"))], key=key), 404, "not_found")
        self.assertError(self.call("GET", self.path(), key=key), 404, "not_found")
        self.assertError(self.call("GET", self.path(att_id=kept.id), key=key), 404, "not_found")
        self.assertError(self.call("DELETE", self.path(att_id=kept.id), key=key), 404, "not_found")
        self.assertEqual(self.count(), before)
        self.assertTrue(kept.exists())
        # a user of both companies adds files to a job of B with the job's company, not his default one
        job_b = self.env["fsm.order"].with_company(company_b).create({"partner_id": self.customer.id})
        user_ab = UserFactory(
            env=self.env,
            login="fsj_files_user_ab",
            companies=self.env.company | company_b,
            groups=("fieldservice.group_fsm_user",),
        )
        key_ab = ApiKeyFactory(env=self.env, user=user_ab, name="companies A and B files")
        resp = self.upload([("f", ("b.png", self.png, "image/png"))], record=job_b, key=key_ab)
        self.assertEqual(resp.status_code, 201, resp.text)
        [row] = resp.json()["attachments"]
        self.assertEqual(self.env["ir.attachment"].browse(row["id"]).company_id, company_b)
        self.assertEqual(self.call("GET", self.path(job_b, row["id"]), key=key).content, self.png)  # B's user

    def test_attachment_of_another_record(self):
        theirs = self.attach(self.other_job, "theirs.txt")
        partner_file = self.attach(self.customer, "partner.txt")
        for att_id in (theirs.id, partner_file.id, "abc", 0, -1, 2**40):
            with self.subTest(att_id=att_id):
                self.assertError(self.call("GET", self.path(att_id=att_id)), 404, "not_found")
                self.assertError(self.call("DELETE", self.path(att_id=att_id)), 404, "not_found")
        self.assertTrue((theirs | partner_file).exists())
        self.assertEqual(self.call("GET", self.path(self.other_job, theirs.id)).content, b"kept")

    def test_unexposed_model(self):
        before = self.count(self.admin)
        resp = self.upload([("f", ("x.png", self.png, "image/png"))], path=self.path(self.admin))
        self.assertError(resp, 404, "unknown_model")
        self.assertError(self.call("GET", self.path(self.admin)), 404, "unknown_model")
        self.assertEqual(self.count(self.admin), before)

    def test_user_who_may_read_but_not_write_the_record(self):
        # FSM users read stages and may not change them; no FSM group reads jobs without writing them
        stage = self.stage["new"]
        kept = self.attach(stage, "stage.txt")
        user = UserFactory(env=self.env, login="fsj_files_reader", groups=("fieldservice.group_fsm_user",))
        key = ApiKeyFactory(env=self.env, user=user, name="reads stages")
        before = self.count(stage)
        resp = self.upload([("f", ("x.png", self.png, "image/png"))], record=stage, key=key)
        self.assertError(resp, 403, "access_denied")
        self.assertError(self.raw(self.png, "x.png", record=stage, key=key), 403, "access_denied")
        self.assertError(self.call("DELETE", self.path(stage, kept.id), key=key), 403, "access_denied")
        self.assertEqual(self.count(stage), before)
        self.assertTrue(kept.exists())
        # reading the stage's files is fine
        rows = self.call("GET", self.path(stage), key=key).json()["attachments"]
        self.assertEqual([r["id"] for r in rows], [kept.id])
        self.assertEqual(self.call("GET", self.path(stage, kept.id), key=key).content, b"kept")
