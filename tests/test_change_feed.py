# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The change feed, GET /restapi/1.0/changes/<model> (restapi/feed.py), and its log
(models/fsm_api_change.py).

TestChangeFeed works over HTTP inside the test's transaction: each request ends with the precommit
hook that writes its change rows, and the feed shows its reader's own transaction's rows.
TestChangeFeedConcurrency needs transactions that really commit, in an order of its choosing: it opens
cursors of its own, commits them, and removes what it committed afterwards."""

import base64
import contextlib
import json
import time
from datetime import timedelta

from odoo import SUPERUSER_ID, api, fields
from odoo.tests import TransactionCase, tagged

from odoo.addons.fieldservice_jobs.models.fsm_api_change import CHANGES_KEY, PURGED_PARAM, RETENTION_PARAM
from odoo.addons.fieldservice_jobs.restapi import feed

from .factories import ApiKeyFactory, CompanyFactory, UserFactory
from .test_restapi import RestApiCase


def decode(cursor):
    """The position a feed cursor holds: urlsafe base64 (unpadded) of a JSON object."""
    return json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))


def encode(position):
    raw = position if isinstance(position, bytes) else json.dumps(position).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def ops(changes):
    return [(change["op"], change["id"]) for change in changes]


@tagged("post_install", "-at_install")
class TestChangeFeed(RestApiCase):
    # -- helpers -----------------------------------------------------------------------------------
    def feed(self, cursor=None, limit=None, fields=None, key=True, model="fsm.order", headers=None):
        given = (("cursor", cursor), ("limit", limit), ("fields", fields))
        params = {name: value for name, value in given if value is not None}
        return self.call("GET", f"/changes/{model}", params=params, key=key, headers=headers)

    def page(self, cursor=None, limit=None, **kwargs):
        resp = self.feed(cursor, limit, **kwargs)
        self.assertEqual(resp.status_code, 200, resp.text)
        body = resp.json()
        self.assertEqual(set(body), {"changes", "cursor", "has_more"})
        return body

    def read_to_end(self, cursor=None, limit=100, **kwargs):
        """(pages, last cursor) of a read until has_more is false."""
        pages = []
        for _i in range(1000):
            body = self.page(cursor, limit, **kwargs)
            pages.append(body)
            cursor = body["cursor"]
            if not body["has_more"]:
                return pages, cursor
        self.fail("the feed never ends")

    def detail(self, job_id):
        resp = self.call("GET", f"/object/fsm.order/{job_id}")
        self.assertEqual(resp.status_code, 200, resp.text)
        return resp.json()["fsm.order"]

    def patch(self, job_id, body, key=True):
        resp = self.call("PATCH", f"/object/fsm.order/{job_id}", body, key=key)
        self.assertEqual(resp.status_code, 200, resp.text)

    def delete(self, job_id, key=True):
        resp = self.call("DELETE", f"/object/fsm.order/{job_id}", key=key)
        self.assertEqual(resp.status_code, 200, resp.text)

    def counts(self):
        """What a refused request must leave as it was: change rows, jobs, audit rows. The test's own
        pending changes are written first (each request of the test's opener writes them, too)."""
        self.env.flush_all()
        self.env.cr.flush()
        self.env.cr.execute(
            "SELECT (SELECT count(*) FROM fsm_api_change), (SELECT count(*) FROM fsm_order),"
            " (SELECT count(*) FROM fsm_api_audit)"
        )
        return self.env.cr.fetchone()

    def own_txid(self):
        self.env.cr.execute("SELECT txid_current()")
        return self.env.cr.fetchone()[0]

    # -- reading from the start ---------------------------------------------------------------------
    def test_first_read_lists_every_visible_job_then_the_log(self):
        jobs = [self.new_job(description=f"feed job {i}")["id"] for i in range(5)]
        admin = self.env.ref("base.user_admin")
        visible = (
            self.env["fsm.order"]
            .with_user(admin)
            .with_context(allowed_company_ids=admin.company_ids.ids, active_test=False)
            .search([], order="id")
            .ids
        )
        self.assertLessEqual(set(jobs), set(visible))
        pages, final = self.read_to_end(limit=2)
        self.assertTrue(all(len(p["changes"]) <= 2 for p in pages), [len(p["changes"]) for p in pages])
        self.assertEqual([p["has_more"] for p in pages], [True] * (len(pages) - 1) + [False])
        entries = [change for p in pages for change in p["changes"]]

        # first every visible job once, in id order, as GET shows it
        snapshot, log = entries[: len(visible)], entries[len(visible) :]
        self.assertEqual(ops(snapshot), [("upsert", job_id) for job_id in visible])
        for change in snapshot:
            if change["id"] in jobs:
                self.assertEqual(change["record"], self.detail(change["id"]))
        # its pages hold {"s": last id, "h": horizon}, the same horizon each time; then log cursors
        consumed, horizons = 0, set()
        for p in pages:
            consumed += len(p["changes"])
            position = decode(p["cursor"])
            self.assertEqual(position["v"], 1)
            if consumed < len(visible):
                self.assertEqual(set(position), {"s", "h", "v"})
                self.assertEqual(position["s"], p["changes"][-1]["id"])
                horizons.add(position["h"])
            else:
                self.assertEqual(set(position), {"t", "i", "v"})
                if horizons:
                    self.assertGreaterEqual(position["t"], min(horizons))
        self.assertLessEqual(len(horizons), 1)

        # then the log: this transaction created the five jobs, so each comes once more, as it is now
        self.assertTrue(all(change["op"] == "upsert" for change in log), log)
        logged = [change for change in log if change["id"] in jobs]
        self.assertEqual(sorted(change["id"] for change in logged), jobs)
        for change in logged:
            self.assertEqual(change["record"], self.detail(change["id"]))

        # the last cursor again: nothing new, nothing more, the same cursor
        again = self.page(final, 2)
        self.assertEqual((again["changes"], again["has_more"], again["cursor"]), ([], False, final))

    def test_fields_narrow_the_records(self):
        job = self.new_job(description="narrow")["id"]
        pages, _cursor = self.read_to_end(fields="name,stage_id")
        rows = [c["record"] for p in pages for c in p["changes"] if c["id"] == job]
        self.assertTrue(rows)
        for row in rows:
            self.assertEqual(set(row), {"id", "name", "stage_id"})
            self.assertEqual(row["stage_id"][0], self.stage["new"].id)

    # -- reading on ---------------------------------------------------------------------------------
    def test_next_page_has_upserts_and_tombstones_in_order(self):
        x = self.new_job(description="x0")["id"]
        z = self.new_job(description="z0")["id"]
        _pages, cursor = self.read_to_end()
        for i in (1, 2, 3):  # changed three times between two reads: once in the page
            self.patch(x, {"description": f"x{i}"})
        y = self.new_job(description="y0")["id"]
        self.delete(z)

        body = self.page(cursor)
        self.assertEqual(ops(body["changes"]), [("upsert", x), ("upsert", y), ("delete", z)])
        upsert_x, upsert_y, tombstone = body["changes"]
        self.assertEqual(upsert_x["record"], self.detail(x), "the record as it is now")
        self.assertIn("x3", upsert_x["record"]["description"])
        self.assertEqual(upsert_y["record"], self.detail(y))
        self.assertEqual(tombstone, {"op": "delete", "id": z})
        self.assertFalse(body["has_more"])
        cursor = body["cursor"]
        self.assertEqual(self.page(cursor)["changes"], [])

        # a record comes where its last change is: y changed, then x, then y again
        self.patch(y, {"description": "y1"})
        self.patch(x, {"description": "x4"})
        self.patch(y, {"description": "y2"})
        body = self.page(cursor)
        self.assertEqual(ops(body["changes"]), [("upsert", x), ("upsert", y)])
        self.assertIn("y2", body["changes"][1]["record"]["description"])

    def test_many_records_of_one_transaction_page_without_gaps(self):
        _pages, cursor = self.read_to_end()
        resp = self.call(
            "POST",
            "/object/fsm.order",
            [{"partner_id": self.customer.id, "description": f"batch {i}"} for i in range(7)],
            params={"fields": "id"},
        )
        self.assertEqual(resp.status_code, 201, resp.text)
        created = [row["id"] for row in resp.json()["fsm.order"]]
        self.assertEqual(len(created), 7)
        self.env.cr.execute(
            "SELECT DISTINCT txid FROM fsm_api_change WHERE model = 'fsm.order' AND res_id = ANY(%s)", [created]
        )
        txids = [row[0] for row in self.env.cr.fetchall()]
        self.assertEqual(len(txids), 1, "one transaction: one txid for all seven rows")

        pages, last = self.read_to_end(cursor, limit=3)
        self.assertEqual([len(p["changes"]) for p in pages], [3, 3, 1])
        self.assertEqual([p["has_more"] for p in pages], [True, True, False])
        self.assertEqual([c["id"] for p in pages for c in p["changes"]], created, "each once, none skipped")
        self.assertTrue(all(c["op"] == "upsert" for p in pages for c in p["changes"]))
        positions = [decode(p["cursor"]) for p in pages]
        self.assertEqual({position["t"] for position in positions}, set(txids))
        self.assertEqual([position["i"] for position in positions], sorted({position["i"] for position in positions}))
        self.assertEqual(self.page(last, 3)["changes"], [])

    # -- who may read what ------------------------------------------------------------------------
    def test_unknown_and_unexposed_models_are_404(self):
        self.new_job()
        before = self.counts()
        for model in ("res.users", "ir.config_parameter", "fsm.api.change", "res.users.apikeys", "no.such.model"):
            with self.subTest(model=model):
                self.assertError(self.feed(model=model), 404, "unknown_model")
        self.assertEqual(self.counts(), before)

    def test_key_scoped_to_other_models(self):
        self.new_job()
        _pages, cursor = self.read_to_end()
        stages_only = ApiKeyFactory(env=self.env, name="feed stages only", restapi=True, scope_models=["fsm.stage"])
        before = self.counts()
        self.assertError(self.feed(key=stages_only), 404, "unknown_model")
        self.assertError(self.feed(cursor, key=stages_only), 404, "unknown_model")
        self.assertEqual(self.feed(model="fsm.stage", key=stages_only).status_code, 200)
        reader = ApiKeyFactory(env=self.env, name="feed reader", restapi=True, read_only=True)
        self.assertEqual(self.feed(cursor, key=reader).status_code, 200, "reading is what a read-only key does")
        self.assertEqual(self.counts(), before)

    def test_user_without_field_service_access_is_403(self):
        user = UserFactory(env=self.env, groups=("base.group_user",))
        key = ApiKeyFactory(env=self.env, user=user, name="no field service")
        self.new_job()
        before = self.counts()
        self.assertError(self.feed(key=key), 403, "access_denied")
        self.assertError(self.feed(limit=1, key=key), 403, "access_denied")
        self.assertEqual(self.counts(), before)

    def test_other_company_user_sees_neither_jobs_nor_tombstones(self):
        company_a = self.env.ref("base.main_company")
        company_b = CompanyFactory(env=self.env, name="FSJ Feed Company B")
        groups = ("fieldservice.group_fsm_dispatcher",)
        user_b = UserFactory(env=self.env, login="fsj_feed_user_b", companies=company_b, groups=groups)
        user_ab = UserFactory(env=self.env, login="fsj_feed_user_ab", companies=company_a | company_b, groups=groups)
        key_b = ApiKeyFactory(env=self.env, user=user_b, name="feed company B")
        key_ab = ApiKeyFactory(env=self.env, user=user_ab, name="feed companies A and B")
        # the customer's service location, made beforehand (as tests/test_multi_company.py does)
        self.env["fsm.order"]._get_customer_location(self.customer)

        def post(company, description):
            resp = self.call(
                "POST",
                "/object/fsm.order",
                {"partner_id": self.customer.id, "description": description},
                key=key_ab,
                headers={"X-Company-Id": str(company.id)},
            )
            self.assertEqual(resp.status_code, 201, resp.text)
            return resp.json()["fsm.order"]["id"]

        a_kept, a_gone, b_job = post(company_a, "a kept"), post(company_a, "a gone"), post(company_b, "b job")
        self.assertEqual(self.env["fsm.order"].browse([a_kept, b_job]).company_id, company_a | company_b)

        pages, cursor_b = self.read_to_end(key=key_b)
        seen_b = {c["id"] for p in pages for c in p["changes"]}
        self.assertIn(b_job, seen_b)
        self.assertFalse({a_kept, a_gone} & seen_b, "company A's jobs stay out of B's feed")
        _pages, cursor_ab = self.read_to_end(key=key_ab)
        _pages, cursor_ab_as_b = self.read_to_end(key=key_ab, headers={"X-Company-Id": str(company_b.id)})

        self.patch(a_kept, {"description": "a changed"}, key=key_ab)
        self.delete(a_gone, key=key_ab)
        self.patch(b_job, {"description": "b changed"}, key=key_ab)

        before = self.counts()
        body = self.page(cursor_b, key=key_b)
        self.assertEqual(ops(body["changes"]), [("upsert", b_job)], "no upsert nor tombstone of company A")
        body = self.page(cursor_ab_as_b, key=key_ab, headers={"X-Company-Id": str(company_b.id)})
        self.assertEqual(ops(body["changes"]), [("upsert", b_job)], "narrowed to B by the header")
        pages, _cursor = self.read_to_end(key=key_b)  # from the start again
        self.assertFalse({a_kept, a_gone} & {c["id"] for p in pages for c in p["changes"]})
        self.assertEqual(self.counts(), before)
        # the user of both companies gets them all
        body = self.page(cursor_ab, key=key_ab)
        self.assertEqual(ops(body["changes"]), [("upsert", a_kept), ("delete", a_gone), ("upsert", b_job)])

    # -- refused requests ---------------------------------------------------------------------------
    def test_only_get(self):
        before = self.counts()
        for method in ("POST", "PATCH", "PUT", "DELETE"):
            with self.subTest(method=method):
                resp = self.call(method, "/changes/fsm.order", {"cursor": "x"})
                self.assertError(resp, 405, "method_not_allowed")
                self.assertEqual(resp.headers.get("Allow"), "GET")
        self.assertEqual(self.counts(), before)

    def test_bad_cursors_are_400(self):
        self.new_job()
        _pages, good = self.read_to_end()
        position = decode(good)
        bad = {
            "not base64 json": "abc",
            "not ascii": "é",
            "symbols": "!!!",
            "base64 of junk": encode(b"\xff\xfe\x00junk"),
            "base64 of text": encode(b"hello"),
            "a list": encode([1, 2]),
            "a number": encode(7),
            "no version": encode({"t": position["t"], "i": position["i"]}),
            "another version": encode({"t": position["t"], "i": position["i"], "v": 2}),
            "negative txid": encode({"t": -1, "i": 0, "v": 1}),
            "negative id": encode({"t": position["t"], "i": -5, "v": 1}),
            "negative snapshot id": encode({"s": -1, "h": position["t"], "v": 1}),
            "negative horizon": encode({"s": 0, "h": -1, "v": 1}),
            "text numbers": encode({"t": str(position["t"]), "i": "0", "v": 1}),
            "float": encode({"t": 1.5, "i": 0, "v": 1}),
            "boolean": encode({"t": True, "i": False, "v": 1}),
            "null": encode({"t": None, "i": 0, "v": 1}),
            "too big": encode({"t": 2**63, "i": 0, "v": 1}),
            "missing id": encode({"t": position["t"], "v": 1}),
            "half a snapshot": encode({"s": 1, "v": 1}),
        }
        before = self.counts()
        for name, cursor in bad.items():
            with self.subTest(cursor=name):
                self.assertError(self.feed(cursor), 400, "invalid_cursor")
        self.assertEqual(self.counts(), before)
        # a cursor written by hand is no worse than the feed's own
        self.assertEqual(self.page(encode({"t": position["t"], "i": position["i"], "v": 1}))["changes"], [])

    def test_bad_limits_and_fields_are_400(self):
        self.new_job()
        _pages, end = self.read_to_end()
        before = self.counts()
        for limit in ("0", "5000", "1001", "-1", "ten", "1.5"):
            with self.subTest(limit=limit):
                self.assertError(self.feed(limit=limit), 400, "invalid_limit")
                self.assertError(self.feed(end, limit=limit), 400, "invalid_limit")
        for fields_, code in (
            ("nope", "unknown_field"),
            ("name,nope", "unknown_field"),
            ("name;drop", "invalid_fields"),
        ):
            with self.subTest(fields=fields_):
                self.assertError(self.feed(fields=fields_), 400, code)
        # a dotted name is no field name: refused before any hop (res.users is not exposed)
        for fields_ in ("partner_id.user_ids", "partner_id.user_ids.login", "['partner_id.user_ids']"):
            with self.subTest(fields=fields_):
                self.assertError(self.feed(fields=fields_), 400, "invalid_fields")
        self.assertEqual(self.counts(), before)
        self.assertEqual(self.feed(limit="1000").status_code, 200)
        self.assertEqual(self.feed(limit="1").status_code, 200)

    def test_unknown_fields_are_400_on_an_empty_page_too(self):
        """The answer to a wrong field does not depend on whether the page has changes."""
        self.new_job()
        _pages, end = self.read_to_end()
        self.assertError(self.feed(end, fields="nope"), 400, "unknown_field")

    # -- retention ----------------------------------------------------------------------------------
    def test_cursor_at_or_before_the_purge_is_410(self):
        self.new_job()
        self.new_job()  # two jobs at least: a page of one ends in the snapshot
        _pages, cursor = self.read_to_end()
        position = decode(cursor)
        self.assertEqual(set(position), {"t", "i", "v"})
        self.assertEqual(position["v"], 1)
        snapshot_cursor = self.page(limit=1)["cursor"]
        horizon = decode(snapshot_cursor)["h"]
        params = self.env["ir.config_parameter"].sudo()

        params.set_param(PURGED_PARAM, str(position["t"] - 1))
        self.assertEqual(self.feed(cursor).status_code, 200, "purged before the cursor: still good")
        for purged in (position["t"], position["t"] + 10):
            with self.subTest(purged=purged):
                params.set_param(PURGED_PARAM, str(purged))
                err = self.assertError(self.feed(cursor), 410, "cursor_expired")
                self.assertIn("without a cursor", err["message"])
        # a reader still in the snapshot expires when it reaches a purged log
        params.set_param(PURGED_PARAM, str(horizon))
        self.assertError(self.feed(snapshot_cursor, limit=1000), 410, "cursor_expired")

    def test_autovacuum_purges_old_changes_and_expires_cursors(self):
        old = self.new_job(description="old")["id"]
        recent = self.new_job(description="recent")["id"]
        waiting = self.new_job(description="waiting for its webhook")["id"]
        self.patch(old, {"description": "old again"})
        _pages, cursor = self.read_to_end()
        self.assertEqual(self.page(cursor)["changes"], [])

        Change = self.env["fsm.api.change"].sudo()

        def rows_of(job_id):
            return Change.search([("model", "=", "fsm.order"), ("res_id", "=", job_id)])

        old_rows, recent_rows, waiting_rows = rows_of(old), rows_of(recent), rows_of(waiting)
        self.assertEqual((len(old_rows), len(recent_rows), len(waiting_rows)), (2, 1, 1))
        params = self.env["ir.config_parameter"].sudo()
        params.set_param(RETENTION_PARAM, "1")
        two_days_ago = fields.Datetime.now() - timedelta(days=2)
        (old_rows | waiting_rows).write({"date": two_days_ago})
        waiting_rows.write({"pending": True})  # not delivered yet: kept whatever its age
        self.env.flush_all()
        txid = self.own_txid()

        Change._gc_changes()
        self.assertFalse(old_rows.exists())
        self.assertEqual(recent_rows.exists(), recent_rows)
        self.assertEqual(waiting_rows.exists(), waiting_rows)
        self.assertEqual(params.get_param(PURGED_PARAM), str(txid))
        self.assertError(self.feed(cursor), 410, "cursor_expired")
        # the purge position never goes back
        params.set_param(PURGED_PARAM, str(txid + 1000))
        recent_rows.write({"date": two_days_ago})
        self.env.flush_all()
        Change._gc_changes()
        self.assertFalse(recent_rows.exists())
        self.assertEqual(params.get_param(PURGED_PARAM), str(txid + 1000))


@tagged("post_install", "-at_install")
class TestChangeFeedConcurrency(TransactionCase):
    """The feed's promise, with transactions that really commit: a cursor never moves past a change a
    still-running transaction may commit, although that transaction's write_date is older than those
    of transactions committed meanwhile (the trap of a write_date cursor)."""

    WAIT = 120  # seconds a reader waits for transactions of other databases of the cluster to end

    def setUp(self):
        super().setUp()
        self.cursors = []
        self.txids = set()  # the transactions this test committed: their change rows go at the end
        self.job_ids = []
        self.location = None
        self.addCleanup(self.clean_up)
        self.assertIsNone(self.registry.test_cr, "registry.cursor() must give real cursors")
        self.env.cr.execute("SELECT txid_current_if_assigned()")
        self.assertIsNone(
            self.env.cr.fetchone()[0], "the test's own transaction holds an id: it would hold every reader back"
        )

    # -- helpers -----------------------------------------------------------------------------------
    def open(self):
        cr = self.registry.cursor()
        self.cursors.append(cr)
        context = {"tracking_disable": True, "mail_create_nolog": True, "mail_notrack": True}
        return cr, api.Environment(cr, SUPERUSER_ID, context)

    def commit(self, cr):
        cr.execute("SELECT txid_current()")
        self.txids.add(cr.fetchone()[0])
        cr.commit()  # pylint: disable=invalid-commit

    def clean_up(self):
        for cr in self.cursors:
            if not cr.closed:
                cr.rollback()
                cr.close()
        if self.job_ids or self.location:
            with self.registry.cursor() as cr:
                env = api.Environment(cr, SUPERUSER_ID, {"tracking_disable": True})
                env["fsm.order"].browse(self.job_ids).exists().unlink()
                if self.location:
                    partner = self.location.with_env(env).partner_id
                    self.location.with_env(env).exists().unlink()
                    partner.exists().unlink()
                env.flush_all()
                cr.execute("SELECT txid_current()")
                self.txids.add(cr.fetchone()[0])
        if self.txids:
            with self.registry.cursor() as cr:
                cr.execute("DELETE FROM fsm_api_change WHERE txid = ANY(%s)", [sorted(self.txids)])

    def make_jobs(self, *descriptions):
        """Jobs created and committed by a transaction of their own."""
        cr, env = self.open()
        try:
            location = env["fsm.location"].search([], limit=1)
            if not location:
                owner = env["res.partner"].create({"name": "Feed concurrency owner"})
                location = env["fsm.location"].create({"name": "Feed concurrency site", "owner_id": owner.id})
                self.location = location
            jobs = env["fsm.order"].create(
                [{"location_id": location.id, "description": description} for description in descriptions]
            )
            self.job_ids += jobs.ids
            self.commit(cr)
            return jobs.ids
        finally:
            cr.close()

    def read_page(self, cursor, limit=100):
        """One page, read as a client would: a transaction of its own, committed after."""
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            env = env(context={"allowed_company_ids": env["res.company"].search([]).ids})
            exposed = env["res.config.settings"]._fsm_jobs_api_models()
            return feed.changes(env, exposed, "fsm.order", cursor, limit, None)

    def read_to_end(self, cursor=None):
        changes = []
        for _i in range(1000):
            page = self.read_page(cursor)
            changes += page["changes"]
            cursor = page["cursor"]
            if not page["has_more"]:
                return changes, cursor
        self.fail("the feed never ends")

    def read_until(self, cursor, wanted):
        """Changes read until every id of ``wanted`` came (a transaction of another database of the
        cluster may hold the feed back a while: every running transaction does)."""
        changes, deadline = [], time.monotonic() + self.WAIT
        while True:
            page = self.read_page(cursor)
            changes += page["changes"]
            cursor = page["cursor"]
            if not page["has_more"] and wanted <= {c["id"] for c in changes}:
                return changes, cursor
            if time.monotonic() > deadline:
                with self.registry.cursor() as cr:
                    cr.execute(
                        "SELECT datname, pid, backend_xid::text, xact_start FROM pg_stat_activity"
                        " WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()"
                    )
                    running = cr.fetchall()
                if any(row[0] != self.env.cr.dbname for row in running):
                    self.skipTest(f"transactions of other databases hold the feed back: {running}")
                self.fail(f"the feed never gave {wanted - {c['id'] for c in changes}}; running: {running}")
            if not page["has_more"]:
                time.sleep(0.2)

    def txid_of(self, cr):
        cr.execute("SELECT txid_current_if_assigned()")
        return cr.fetchone()[0]

    # -- tests ---------------------------------------------------------------------------------------
    def test_a_slow_transaction_is_not_skipped(self):
        a, b = self.make_jobs("<p>A</p>", "<p>B</p>")
        _changes, cursor = self.read_to_end()

        # T_slow: changes A, holds its row lock and its transaction id, and does not commit yet
        cr_slow, env_slow = self.open()
        job_a = env_slow["fsm.order"].browse(a)
        job_a.write({"description": "<p>A by the slow transaction</p>"})
        env_slow.flush_all()
        txid_slow = self.txid_of(cr_slow)
        self.assertTrue(txid_slow)
        stamp_a = job_a.write_date
        time.sleep(0.05)

        # T_fast: starts after T_slow, changes B, commits first
        cr_fast, env_fast = self.open()
        job_b = env_fast["fsm.order"].browse(b)
        job_b.write({"description": "<p>B by the fast transaction</p>"})
        env_fast.flush_all()
        stamp_b = job_b.write_date
        self.assertGreater(self.txid_of(cr_fast), txid_slow)
        self.commit(cr_fast)
        cr_fast.close()
        # the trap: B's change is stamped after A's, and committed before it. A reader moving a
        # write_date cursor to B's stamp now would never see A's change.
        self.assertGreater(stamp_b, stamp_a)

        # the reader does not move past T_slow: nothing, or only changes of older transactions
        for _i in range(3):
            page = self.read_page(cursor)
            self.assertNotIn(b, [c["id"] for c in page["changes"]], "B now would skip A")
            for change in page["changes"]:
                self.assertNotIn("slow transaction", change.get("record", {}).get("description") or "")
            position = decode(page["cursor"])
            self.assertEqual(set(position), {"t", "i", "v"})
            # (t, 0) is still before any row of transaction t (a fresh read's horizon may be T_slow's own id)
            self.assertTrue(
                position["t"] < txid_slow or (position["t"], position["i"]) == (txid_slow, 0),
                f"the cursor {position} would skip the change of transaction {txid_slow}",
            )
            cursor = page["cursor"]

        # T_slow commits: the reader goes on from its cursor and gets both, A first (older)
        self.commit(cr_slow)
        cr_slow.close()
        changes, cursor = self.read_until(cursor, {a, b})
        mine = [c for c in changes if c["id"] in (a, b)]
        self.assertEqual(ops(mine), [("upsert", a), ("upsert", b)])
        self.assertIn("A by the slow transaction", mine[0]["record"]["description"])
        self.assertIn("B by the fast transaction", mine[1]["record"]["description"])
        self.assertEqual(self.read_page(cursor)["changes"], [], "nothing twice")

    def test_rolled_back_changes_leave_no_row(self):
        (a,) = self.make_jobs("<p>A</p>")
        cr, env = self.open()
        env["fsm.order"].browse(a).write({"description": "<p>never</p>"})
        env.flush_all()
        self.assertTrue(cr.precommit.data.get(CHANGES_KEY), "the change waits for the commit")
        cr.execute("SELECT txid_current()")
        rolled_back = cr.fetchone()[0]
        cr.rollback()
        # the same cursor commits afterwards: nothing of the rolled back change is left
        cr.commit()  # pylint: disable=invalid-commit
        # in one transaction: a committed change keeps its row, a savepoint's rolled-back creations have none
        env["fsm.order"].browse(a).write({"description": "<p>kept</p>"})
        created = []
        for flush in (True, False):
            with contextlib.suppress(RuntimeError), cr.savepoint(flush=flush):
                location = env["fsm.order"].browse(a).location_id
                created.append(env["fsm.order"].create({"location_id": location.id}).id)
                env.flush_all()
                raise RuntimeError("rolled back")
            env.invalidate_all()
        env.flush_all()
        kept = self.txid_of(cr)
        self.commit(cr)
        cr.close()

        with self.registry.cursor() as check:
            check.execute("SELECT count(*) FROM fsm_api_change WHERE txid = %s", [rolled_back])
            self.assertEqual(check.fetchone()[0], 0)
            check.execute(
                "SELECT res_id, operation FROM fsm_api_change WHERE model = 'fsm.order' AND txid = %s", [kept]
            )
            self.assertEqual(check.fetchall(), [(a, "write")])
            check.execute(
                "SELECT count(*) FROM fsm_api_change WHERE model = 'fsm.order' AND res_id = ANY(%s)", [created]
            )
            self.assertEqual(check.fetchone()[0], 0)
            check.execute("SELECT description FROM fsm_order WHERE id = %s", [a])
            self.assertIn("kept", check.fetchone()[0])
