# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""The JDX stage numbering of an API key (seed 000's New 1, Scheduled 2, In Progress 3, Completed 4,
Cancelled 5): a key with it and a plain key of the same user, on the same jobs. The plain key keeps
Odoo's ids everywhere."""

import json
import time
from unittest.mock import MagicMock, patch

from odoo.exceptions import ValidationError
from odoo.tests import tagged

from .test_restapi import RestApiCase

CODES = ("new", "scheduled", "in_progress", "completed", "cancelled")
NAMES = ["New", "Scheduled", "In Progress", "Completed", "Cancelled"]


@tagged("post_install", "-at_install")
class TestRestApiJdx(RestApiCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.admin = cls.env.ref("base.user_admin")
        cls.Keys = cls.env["res.users.apikeys"]
        # the same user as cls.key (the plain key, Odoo's ids)
        cls.jdx = cls.Keys.with_user(cls.admin)._generate_restapi_key("jdx test", stage_numbering="jdx")
        cls.number = {cls.stage[code].id: n for n, code in enumerate(CODES, start=1)}  # ORM id -> JDX number
        cls.orm_id = {n: orm_id for orm_id, n in cls.number.items()}

    # -- helpers -----------------------------------------------------------------------------------
    def ok(self, resp, status=200):
        self.assertEqual(resp.status_code, status, resp.text)
        return resp.json()

    def stages(self, key, **params):
        params.setdefault("fields", "['name','sequence','is_closed','code']")
        params.setdefault("order", "sequence")
        return self.ok(self.call("GET", "/object/fsm.stage", params=params, key=key))["fsm.stage"]

    def jobs(self, key, domain, fields="['name','stage_id']"):
        params = {"domain": json.dumps(domain), "fields": fields, "limit": 1000}
        return self.ok(self.call("GET", "/object/fsm.order", params=params, key=key))["fsm.order"]

    def read_job(self, job_id, key):
        return self.ok(self.call("GET", f"/object/fsm.order/{job_id}", key=key))["fsm.order"]

    def put(self, job_id, body, key=None):
        return self.call("PUT", f"/object/fsm.order/{job_id}", body, key=key or self.jdx)

    def job_in(self, code, **values):
        """A job of the test's customer moved to the stage ``code`` through the ORM."""
        job = self.env["fsm.order"].create({"partner_id": self.customer.id, **values})
        if code != "new":
            job.action_set_stage(self.stage[code])
        self.assertEqual(job.stage_id.code, code)
        return job

    def extra_stage(self):
        """An order stage that is none of the five job stages (no code)."""
        return self.env["fsm.stage"].create({"name": "JDX Extra", "stage_type": "order", "sequence": 55})

    def feed_to_end(self, model, key, cursor=None):
        """(changes, last cursor) of the feed read until has_more is false."""
        changes = []
        for _i in range(100):
            params = {"limit": 1000, **({"cursor": cursor} if cursor else {})}
            body = self.ok(self.call("GET", f"/changes/{model}", params=params, key=key))
            changes += body["changes"]
            cursor = body["cursor"]
            if not body["has_more"]:
                return changes, cursor
        self.fail("the feed never ends")

    # -- fsm.stage ---------------------------------------------------------------------------------
    def test_stage_list_speaks_seed_numbers(self):
        extra = self.extra_stage()
        resp = self.call(
            "GET",
            "/object/fsm.stage",
            params={"fields": "['name','sequence','is_closed']", "order": "sequence"},
            key=self.jdx,
        )
        rows = self.ok(resp)["fsm.stage"]
        self.assertEqual([r["id"] for r in rows], [1, 2, 3, 4, 5])
        self.assertEqual([r["name"] for r in rows], NAMES)
        self.assertEqual([r["is_closed"] for r in rows], [False, False, False, True, True])
        self.assertEqual(resp.headers["X-Total-Count"], "5")
        # the plain key: Odoo's ids, every stage (other stage types and the extra order stage too)
        plain = self.stages(True)
        by_code = {r["code"]: r["id"] for r in plain if r["code"]}
        self.assertEqual(by_code, {code: self.env["fsm.stage"]._get_job_stage(code).id for code in CODES})
        self.assertNotEqual([by_code[c] for c in CODES], [1, 2, 3, 4, 5], "this database's ids differ")
        self.assertIn(extra.id, [r["id"] for r in plain])
        self.assertEqual(len(plain), self.env["fsm.stage"].search_count([]))
        self.assertNotIn("JDX Extra", [r["name"] for r in self.stages(self.jdx)])

    def test_stage_by_number(self):
        row = self.ok(self.call("GET", "/object/fsm.stage/3", key=self.jdx))["fsm.stage"]
        self.assertEqual((row["id"], row["name"]), (3, "In Progress"))
        self.assertError(self.call("GET", "/object/fsm.stage/9", key=self.jdx), 404, "not_found")
        self.assertError(self.call("GET", "/object/fsm.stage/0", key=self.jdx), 404, "not_found")
        # the database id of In Progress is not a number of this key (unless it happens to be 1..5)
        in_progress = self.stage["in_progress"].id
        if in_progress not in self.orm_id:
            self.assertError(self.call("GET", f"/object/fsm.stage/{in_progress}", key=self.jdx), 404, "not_found")
        row = self.ok(self.call("GET", f"/object/fsm.stage/{in_progress}"))["fsm.stage"]
        self.assertEqual((row["id"], row["name"]), (in_progress, "In Progress"))

    def test_stage_domains_on_ids(self):
        rows = self.stages(self.jdx, domain="[('id','in',[1,2])]")
        self.assertEqual([(r["id"], r["name"]) for r in rows], [(1, "New"), (2, "Scheduled")])
        rows = self.stages(self.jdx, domain="[('id','=',4)]")
        self.assertEqual([(r["id"], r["code"]) for r in rows], [(4, "completed")])
        rows = self.stages(self.jdx, domain="[('id','not in',[1,2,3])]")
        self.assertEqual([r["id"] for r in rows], [4, 5])
        rows = self.stages(self.jdx, domain="[('id','!=',1)]")
        self.assertEqual([r["id"] for r in rows], [2, 3, 4, 5])
        resp = self.call("GET", "/object/fsm.stage", params={"domain": "[('id','in',[9])]"}, key=self.jdx)
        self.assertError(resp, 400, "invalid_domain")

    # -- fsm.order: answers and bodies ----------------------------------------------------------------
    def test_put_stage_numbers_start_and_complete(self):
        job = self.new_job(description="jdx put")
        record = self.env["fsm.order"].browse(job["id"])
        self.assertEqual(self.read_job(job["id"], self.jdx)["stage_id"], [1, "New"])
        answer = self.ok(self.put(job["id"], {"stage_id": 3, "date_start": "2025-12-13 09:15:00"}))["fsm.order"]
        self.assertEqual(answer["stage_id"], [3, "In Progress"])
        self.assertEqual(answer["date_start"], "2025-12-13 09:15:00")
        record.invalidate_recordset()
        self.assertEqual(record.stage_id.code, "in_progress")
        self.assertEqual(str(record.date_start), "2025-12-13 09:15:00")
        # the plain key reads the same job with Odoo's ids
        self.assertEqual(self.read_job(job["id"], True)["stage_id"], [self.stage["in_progress"].id, "In Progress"])
        answer = self.ok(self.put(job["id"], {"stage_id": 4, "date_end": "2025-12-13 11:30:00"}))["fsm.order"]
        self.assertEqual(answer["stage_id"], [4, "Completed"])
        record.invalidate_recordset()
        self.assertEqual(record.stage_id.code, "completed")
        self.assertEqual(str(record.date_end), "2025-12-13 11:30:00")
        self.assertEqual(self.read_job(job["id"], self.jdx)["stage_id"], [4, "Completed"])
        self.assertEqual(self.read_job(job["id"], True)["stage_id"], [self.stage["completed"].id, "Completed"])

    def test_unknown_numbers_are_refused_never_database_ids(self):
        job = self.new_job(description="jdx refused")
        record = self.env["fsm.order"].browse(job["id"])
        stamp = record.write_date
        bad = [9, 0, -1, True, 2**40]
        # Odoo's ids of stages that are not In Progress are refused too when they are not 1..5
        bad += [i for i in (self.stage["completed"].id, self.extra_stage().id) if i not in self.orm_id]
        for value in bad:
            with self.subTest(stage_id=value):
                err = self.assertError(self.put(job["id"], {"stage_id": value}), 422, "invalid_value")
                self.assertEqual(err["details"]["field"], "stage_id")
        err = self.assertError(self.put(job["id"], {"stage_id": 9}), 422, "invalid_value")
        self.assertEqual(err["details"]["allowed"], [1, 2, 3, 4, 5])
        record.invalidate_recordset()
        self.assertEqual(record.stage_id.code, "new")
        self.assertEqual(record.write_date, stamp)

    def test_stage_codes_keep_working_in_bodies(self):
        job = self.new_job(description="jdx code")
        answer = self.ok(self.put(job["id"], {"stage_id": "in_progress"}))["fsm.order"]
        self.assertEqual(answer["stage_id"], [3, "In Progress"])
        self.assertEqual(self.env["fsm.order"].browse(job["id"]).stage_id.code, "in_progress")
        # a string is a stage code, never a number: "4" is no code
        err = self.assertError(self.put(job["id"], {"stage_id": "4"}), 422, "invalid_value")
        self.assertIn("unknown stage code", err["message"])
        self.assertEqual(self.env["fsm.order"].browse(job["id"]).stage_id.code, "in_progress")

    def test_create_with_stage_numbers(self):
        created = self.ok(
            self.call("POST", "/object/fsm.order", {"partner_id": self.customer.id, "stage_id": 1}, key=self.jdx),
            201,
        )["fsm.order"]
        self.assertEqual(created["stage_id"], [1, "New"])
        self.assertEqual(self.env["fsm.order"].browse(created["id"]).stage_id, self.stage["new"])
        # a batch with an unknown number in its second record: 422 naming it, nothing written
        count = self.env["fsm.order"].search_count([])
        batch = [
            {"partner_id": self.customer.id, "stage_id": 1, "description": "first"},
            {"partner_id": self.customer.id, "stage_id": 9, "description": "second"},
        ]
        err = self.assertError(self.call("POST", "/object/fsm.order", batch, key=self.jdx), 422, "invalid_value")
        self.assertEqual(err["details"]["index"], 1)
        self.assertEqual(err["details"]["field"], "stage_id")
        self.assertEqual(self.env["fsm.order"].search_count([]), count)
        # the batch without the bad record goes through, answered with numbers
        rows = self.ok(self.call("POST", "/object/fsm.order", batch[:1], key=self.jdx), 201)["fsm.order"]
        self.assertEqual([r["stage_id"] for r in rows], [[1, "New"]])

    # -- fsm.order: domains ---------------------------------------------------------------------------
    def test_job_domains_on_stage_numbers(self):
        jobs = {code: self.job_in(code, description=f"jdx domain {code}") for code in CODES}
        mine = [("partner_id", "=", self.customer.id)]

        def found(domain, key=None):
            return {r["id"] for r in self.jobs(key or self.jdx, [*mine, *domain])}

        ids = {code: job.id for code, job in jobs.items()}
        # seed 000's "active jobs": not Completed (4), not Cancelled (5)
        self.assertEqual(found([("stage_id", "not in", [4, 5])]), {ids["new"], ids["scheduled"], ids["in_progress"]})
        self.assertEqual(found([("stage_id", "=", 3)]), {ids["in_progress"]})
        self.assertEqual(found([("stage_id", "in", [1, 2])]), {ids["new"], ids["scheduled"]})
        self.assertEqual(found([("stage_id", "!=", 1)]), set(ids.values()) - {ids["new"]})
        self.assertEqual(found([("stage_id", "=", False)]), set())
        # a dotted path ending in the stage's id speaks numbers too
        self.assertEqual(found([("stage_id.id", "=", 4)]), {ids["completed"]})
        self.assertEqual(found([("stage_id", "any", [("id", "in", [3, 5])])]), {ids["in_progress"], ids["cancelled"]})
        self.assertEqual(found([("stage_id.code", "=", "scheduled")]), {ids["scheduled"]})
        rows = self.jobs(self.jdx, [*mine, ("stage_id", "=", 3)])
        self.assertEqual([r["stage_id"] for r in rows], [[3, "In Progress"]])
        for domain in ([("stage_id", "in", [9])], [("stage_id", "=", 9)], [("stage_id.id", "in", [1, 9])]):
            with self.subTest(domain=domain):
                params = {"domain": json.dumps(domain)}
                resp = self.call("GET", "/object/fsm.order", params=params, key=self.jdx)
                self.assertError(resp, 400, "invalid_domain")
        # the plain key: Odoo's ids in the same domains
        closed = [self.stage["completed"].id, self.stage["cancelled"].id]
        self.assertEqual(
            found([("stage_id", "not in", closed)], key=True), {ids["new"], ids["scheduled"], ids["in_progress"]}
        )
        rows = self.jobs(True, [*mine, ("stage_id", "=", self.stage["in_progress"].id)])
        self.assertEqual([r["stage_id"] for r in rows], [[self.stage["in_progress"].id, "In Progress"]])

    def test_stage_codes_keep_working_in_domains(self):
        job = self.job_in("in_progress", description="jdx code domain")
        for key in (True, self.jdx):
            for domain in ([("stage_id", "=", "in_progress")], [("stage_id", "in", ["in_progress", "scheduled"])]):
                params = {"domain": json.dumps([("partner_id", "=", self.customer.id), *domain])}
                resp = self.call("GET", "/object/fsm.order", params=params, key=key)
                self.assertEqual(resp.status_code, 200, f"{'plain' if key is True else 'jdx'} {domain}: {resp.text}")
                self.assertEqual([r["id"] for r in resp.json()["fsm.order"]], [job.id])

    def test_stage_numbers_in_x2many_answers(self):
        extra = self.extra_stage()
        stages = self.stage["new"] | self.stage["in_progress"] | extra
        team = self.env["fsm.team"].create({"name": "JDX Team", "stage_ids": [(6, 0, stages.ids)]})
        params = {"fields": "stage_ids"}
        row = self.ok(self.call("GET", f"/object/fsm.team/{team.id}", params=params, key=self.jdx))["fsm.team"]
        self.assertEqual(sorted(row["stage_ids"]), [1, 3], "numbers, and only the five stages")
        row = self.ok(self.call("GET", f"/object/fsm.team/{team.id}", params=params))["fsm.team"]
        self.assertEqual(sorted(row["stage_ids"]), sorted(stages.ids))

    def test_stage_numbers_in_x2many_bodies(self):
        team = self.env["fsm.team"].create({"name": "JDX Team", "stage_ids": [(6, 0, self.stage["new"].ids)]})
        # [4, 5] is Completed and Cancelled, never the database's stages 4 and 5
        resp = self.call("PUT", f"/object/fsm.team/{team.id}", {"stage_ids": [4, 5]}, key=self.jdx)
        team.invalidate_recordset()
        if resp.status_code == 200:
            self.assertEqual(sorted(team.stage_ids.mapped("code")), ["cancelled", "completed"])
        else:  # or refused, nothing written
            self.assertEqual((resp.status_code, team.stage_ids), (422, self.stage["new"]), resp.text)
        resp = self.call("PUT", f"/object/fsm.team/{team.id}", {"stage_ids": [[4, 2]]}, key=self.jdx)
        team.invalidate_recordset()
        if resp.status_code == 200:
            self.assertIn(self.stage["scheduled"], team.stage_ids)

    def test_stage_numbers_in_x2many_domains(self):
        team = self.env["fsm.team"].create({"name": "JDX Team", "stage_ids": [(6, 0, self.stage["scheduled"].ids)]})
        params = {"domain": json.dumps([("id", "=", team.id), ("stage_ids", "in", [2])]), "fields": "name"}
        resp = self.call("GET", "/object/fsm.team", params=params, key=self.jdx)
        self.assertEqual(resp.status_code, 200, resp.text)
        self.assertEqual([r["id"] for r in resp.json()["fsm.team"]], [team.id])

    def test_other_operators_on_stage_numbers(self):
        jobs = {code: self.job_in(code, description=f"jdx operator {code}") for code in CODES}
        mine = [("partner_id", "=", self.customer.id)]
        for domain, expected in (
            ([("stage_id", "<=", 2)], {jobs["new"].id, jobs["scheduled"].id}),
            ([("stage_id", "=?", 3)], {jobs["in_progress"].id}),
        ):
            resp = self.call("GET", "/object/fsm.order", params={"domain": json.dumps([*mine, *domain])}, key=self.jdx)
            if resp.status_code == 400:
                self.assertEqual(resp.json()["error"]["code"], "invalid_domain")
            else:
                self.assertEqual(resp.status_code, 200, resp.text)
                self.assertEqual({r["id"] for r in resp.json()["fsm.order"]}, expected, domain)

    def test_create_stage_with_jdx_key(self):
        body = {"name": "JDX Made", "stage_type": "order", "sequence": 66}
        resp = self.call("POST", "/object/fsm.stage", body, key=self.jdx)
        if resp.status_code == 201:
            self.assertIsNotNone(resp.json()["fsm.stage"]["id"], resp.text)
        else:
            self.assertIn(resp.status_code, (403, 422), resp.text)
            self.assertFalse(self.env["fsm.stage"].search([("name", "=", "JDX Made")]))

    # -- dashboard, change feed, OpenAPI ----------------------------------------------------------------
    def test_dashboard_stage_numbers(self):
        self.extra_stage()
        day = "2031-06-06"
        job = self.new_job(scheduled_date_start=f"{day} 10:00:00", description="jdx dashboard")
        self.ok(self.put(job["id"], {"stage_id": 3}))
        dash = self.ok(self.call("GET", "/fsm/dashboard", params={"date": day}, key=self.jdx))
        self.assertEqual([s["id"] for s in dash["stages"]], [1, 2, 3, 4, 5])
        self.assertEqual([s["name"] for s in dash["stages"]], NAMES)
        self.assertEqual([s["code"] for s in dash["stages"]], list(CODES))
        mine = [j for j in dash["jobs"] if j["id"] == job["id"]]
        self.assertEqual([j["stage_id"] for j in mine], [[3, "In Progress"]])
        plain = self.ok(self.call("GET", "/fsm/dashboard", params={"date": day}))
        by_code = {s["code"]: s["id"] for s in plain["stages"] if s["code"]}
        self.assertEqual(by_code, {code: self.stage[code].id for code in CODES})
        self.assertIn("JDX Extra", [s["name"] for s in plain["stages"]])
        self.assertEqual(
            [s["count"] for s in dash["stages"]],
            [next(p["count"] for p in plain["stages"] if p["code"] == c) for c in CODES],
        )
        mine = [j for j in plain["jobs"] if j["id"] == job["id"]]
        self.assertEqual([j["stage_id"] for j in mine], [[self.stage["in_progress"].id, "In Progress"]])

    def test_change_feed_speaks_numbers(self):
        job = self.new_job(description="jdx feed")
        changes, cursor = self.feed_to_end("fsm.order", self.jdx)
        mine = [c for c in changes if c["id"] == job["id"]]
        self.assertTrue(mine)
        self.assertEqual({c["op"] for c in mine}, {"upsert"})
        self.assertEqual(mine[-1]["record"]["stage_id"], [1, "New"])
        plain_changes, plain_cursor = self.feed_to_end("fsm.order", True)
        mine = [c for c in plain_changes if c["id"] == job["id"]]
        self.assertEqual(mine[-1]["record"]["stage_id"], [self.stage["new"].id, "New"])
        # a change after the cursor: the job's upsert with its number
        self.ok(self.put(job["id"], {"stage_id": 3}))
        changes, _cursor = self.feed_to_end("fsm.order", self.jdx, cursor)
        mine = [c for c in changes if c["id"] == job["id"]]
        self.assertEqual([(c["op"], c["record"]["stage_id"]) for c in mine], [("upsert", [3, "In Progress"])])
        changes, _cursor = self.feed_to_end("fsm.order", True, plain_cursor)
        mine = [c for c in changes if c["id"] == job["id"]]
        self.assertEqual(mine[-1]["record"]["stage_id"], [self.stage["in_progress"].id, "In Progress"])

    def test_change_feed_of_stages(self):
        extra = self.extra_stage()
        changes, cursor = self.feed_to_end("fsm.stage", self.jdx)
        self.assertEqual({c["op"] for c in changes}, {"upsert"})
        self.assertEqual(sorted(c["id"] for c in changes), [1, 2, 3, 4, 5])
        self.assertEqual({c["record"]["id"] for c in changes}, {1, 2, 3, 4, 5})
        self.assertEqual({c["id"]: c["record"]["name"] for c in changes}, dict(enumerate(NAMES, start=1)))
        plain, plain_cursor = self.feed_to_end("fsm.stage", True)
        self.assertIn(extra.id, [c["id"] for c in plain])
        self.assertEqual(len({c["id"] for c in plain}), self.env["fsm.stage"].search_count([]))
        # later changes: In Progress renamed shows as 3; the extra stage changed and deleted is not shown
        self.ok(self.call("PUT", "/object/fsm.stage/3", {"name": "Working"}, key=self.jdx))
        self.assertEqual(self.stage["in_progress"].name, "Working")
        extra.write({"name": "JDX Extra 2"})
        self.ok(self.call("DELETE", f"/object/fsm.stage/{extra.id}"))
        changes, _cursor = self.feed_to_end("fsm.stage", self.jdx, cursor)
        self.assertEqual([(c["op"], c["id"], c["record"]["name"]) for c in changes], [("upsert", 3, "Working")])
        changes, _cursor = self.feed_to_end("fsm.stage", True, plain_cursor)
        ops = {(c["op"], c["id"]) for c in changes}
        self.assertIn(("upsert", self.stage["in_progress"].id), ops)
        self.assertIn(("delete", extra.id), ops)

    def test_openapi_mentions_the_numbering(self):
        spec = self.ok(self.call("GET", "/openapi.json", key=self.jdx))
        self.assertIn("JDX", spec["info"]["description"])
        self.assertIn("3 In Progress", spec["info"]["description"])
        plain = self.ok(self.call("GET", "/openapi.json"))
        self.assertNotIn("JDX", plain["info"]["description"])

    # -- making keys ------------------------------------------------------------------------------------
    def test_wizard_makes_a_jdx_key(self):
        wizard = (
            self.env["res.users.apikeys.description"]
            .with_user(self.admin)
            .create({"name": "jdx wizard", "fsj_restapi": True, "fsj_stage_numbering": "jdx"})
        )
        # make_key is @check_identity: a request whose session checked the password a moment ago
        checked = MagicMock(session={"identity-check-last": time.time()})
        with patch("odoo.addons.base.models.res_users.request", checked):
            action = wizard.make_key()
        self.assertEqual(action["res_model"], "res.users.apikeys.show")
        key = action["context"]["default_key"]
        made = self.Keys.search([("name", "=", "jdx wizard")])
        self.assertEqual(made.scope, "fieldservice_jobs.restapi")
        scope = self.env["fsm.api.key.scope"].search([("apikey_id", "=", made.id)])
        self.assertEqual(scope.stage_numbering, "jdx")
        self.assertEqual([r["id"] for r in self.stages(key)], [1, 2, 3, 4, 5])
        # the wizard's default: Odoo's ids, no scope needed
        wizard = (
            self.env["res.users.apikeys.description"]
            .with_user(self.admin)
            .create({"name": "odoo wizard", "fsj_restapi": True})
        )
        with patch("odoo.addons.base.models.res_users.request", checked):
            key = wizard.make_key()["context"]["default_key"]
        made = self.Keys.search([("name", "=", "odoo wizard")])
        self.assertFalse(self.env["fsm.api.key.scope"].search([("apikey_id", "=", made.id)]))
        self.assertIn(self.stage["in_progress"].id, [r["id"] for r in self.stages(key)])

    def test_scope_record_gives_the_numbering(self):
        key = self.Keys.with_user(self.admin)._generate(None, "jdx later", None)
        apikey = self.Keys.search([("name", "=", "jdx later")])
        self.assertIn(self.stage["in_progress"].id, [r["id"] for r in self.stages(key)])
        scope = self.env["fsm.api.key.scope"].create({"apikey_id": apikey.id, "stage_numbering": "jdx"})
        self.assertEqual([r["id"] for r in self.stages(key)], [1, 2, 3, 4, 5])
        scope.stage_numbering = "odoo"
        self.assertIn(self.stage["in_progress"].id, [r["id"] for r in self.stages(key)])

    def test_unknown_numbering_refused(self):
        with self.assertRaises(ValidationError):
            self.Keys.with_user(self.admin)._generate_restapi_key("bad numbering", stage_numbering="other")
        self.assertFalse(self.Keys.search([("name", "=", "bad numbering")]))

    # -- keys without the numbering ---------------------------------------------------------------------
    def test_plain_key_answers_are_the_orm_s(self):
        job = self.job_in("scheduled", description="plain", person_id=self.person.id)
        stages = self.stages(True, fields="['name']")
        orm = self.env["fsm.stage"].search([])
        self.assertEqual(sorted((r["id"], r["name"]) for r in stages), sorted((s.id, s.name) for s in orm))
        self.assertEqual([r["id"] for r in stages], self.env["fsm.stage"].search([], order="sequence").ids)
        row = self.read_job(job.id, True)
        self.assertEqual(row["stage_id"], [job.stage_id.id, job.stage_id.name])
        for code in CODES:
            with self.subTest(code=code):
                stage = self.stage[code]
                row = self.ok(self.call("GET", f"/object/fsm.stage/{stage.id}"))["fsm.stage"]
                self.assertEqual((row["id"], row["name"]), (stage.id, stage.name))
        # a plain key writes Odoo's ids, as before
        answer = self.ok(self.put(job.id, {"stage_id": self.stage["in_progress"].id}, key=True))["fsm.order"]
        self.assertEqual(answer["stage_id"], [self.stage["in_progress"].id, "In Progress"])
        # and a scoped key without the numbering (read only, some models) too
        scoped = self.Keys.with_user(self.admin)._generate_restapi_key("scoped plain", models=["fsm.stage"])
        self.assertEqual(sorted(r["id"] for r in self.stages(scoped, fields="['name']")), sorted(orm.ids))
