# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Jobs in a second company (readme/CONFIGURE.md, Multi-company): through the ORM, and through the
REST API with the X-Company-Id header."""

from odoo.exceptions import AccessError, ValidationError
from odoo.tests import tagged
from odoo.tools import mute_logger

from .common import JobsCase
from .factories import ApiKeyFactory, CompanyFactory, UserFactory
from .test_restapi import RestApiCase

CODES = ("new", "scheduled", "in_progress", "completed", "cancelled")


def _user(env, login, companies, groups=("fieldservice.group_fsm_dispatcher",)):
    return UserFactory(env=env, name=login, login=login, companies=companies, groups=groups)


@tagged("post_install", "-at_install")
class TestMultiCompany(JobsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.ref("base.main_company")
        cls.company_b = CompanyFactory(env=cls.env, name="FSJ Company B")
        cls.user_a = _user(cls.env, "fsj_mc_user_a", cls.company_a)
        cls.user_b = _user(cls.env, "fsj_mc_user_b", cls.company_b)
        cls.user_ab = _user(cls.env, "fsj_mc_user_ab", cls.company_a | cls.company_b)
        cls.tech_b_user = _user(cls.env, "fsj_mc_tech_b", cls.company_b)
        cls.tech_b = cls.env["fsm.person"].create({"partner_id": cls.tech_b_user.partner_id.id})
        # the customer's service location (made from the customer, it writes the partner: contact rights)
        cls.Order._get_customer_location(cls.customer)

    def team_of(self, company):
        return self.env["fsm.team"].search([("company_id", "=", company.id)])

    def test_a_new_company_gets_a_default_team(self):
        team = self.team_of(self.company_b)
        self.assertEqual(len(team), 1)
        self.assertIn("FSJ Company B", team.name)
        # team names are unique: a company whose team name is taken gets its own all the same
        taken = self.env["fsm.team"].create({"name": "Default Team (FSJ Company C)", "company_id": self.company_a.id})
        company_c = self.env["res.company"].create({"name": "FSJ Company C"})
        self.assertEqual(len(self.team_of(company_c)), 1)
        self.assertNotEqual(self.team_of(company_c), taken)

    def test_job_stages_are_shared(self):
        stages = self.Stage.search([("stage_type", "=", "order"), ("code", "in", CODES)])
        self.assertEqual(sorted(stages.mapped("code")), sorted(CODES))
        self.assertFalse(stages.company_id)
        with self.assertRaisesRegex(ValidationError, "shared by all companies"):
            self.stage_scheduled.company_id = self.company_b
        # a stage of the company's own (no job code) keeps OCA's company default
        own = self.Stage.with_user(self.user_b).sudo().create({"name": "B review", "sequence": 45})
        self.assertEqual(own.company_id, self.company_b)

    def test_setup_at_install_covers_existing_companies(self):
        """What the install (or an update) does for companies made before it: a team for each that
        has none, and job stages put back in common."""
        older = self.env["res.company"].create({"name": "FSJ Older Company"})
        self.team_of(older).unlink()
        self.env.cr.execute(  # as left by OCA: its stages in the company it was installed in
            "UPDATE fsm_stage SET company_id = %s WHERE id = %s", [self.company_a.id, self.stage_completed.id]
        )
        self.stage_completed.invalidate_recordset()
        teams_before = self.env["fsm.team"].with_context(active_test=False).search_count([])
        self.env["res.company"]._fsm_jobs_setup_companies()
        self.assertEqual(len(self.team_of(older)), 1)
        self.assertFalse(self.stage_completed.company_id)
        # idempotent: nothing more the second time
        self.env["res.company"]._fsm_jobs_setup_companies()
        self.assertEqual(self.env["fsm.team"].with_context(active_test=False).search_count([]), teams_before + 1)
        # a company whose teams were all archived is left as it is
        self.team_of(older).active = False
        self.env["res.company"]._fsm_jobs_setup_companies()
        self.assertFalse(self.team_of(older))

    def test_company_b_user_runs_a_job_through_the_five_stages(self):
        Order = self.env["fsm.order"].with_user(self.user_b)
        self.assertEqual(Order.env.company, self.company_b)
        job = Order.create({"partner_id": self.customer.id})
        self.assertEqual(job.company_id, self.company_b)
        self.assertEqual(job.team_id, self.team_of(self.company_b))
        self.assertEqual(job.stage_id, self.stage_new)
        self.assertRegex(job.name, r"^FSM\d{5}$")
        job.write({"person_id": self.tech_b.id, "scheduled_date_start": "2031-05-06 09:00:00"})
        self.assertEqual(job.stage_id, self.stage_scheduled)
        self.assertEqual(job.activity_ids.user_id, self.tech_b_user)
        job.with_context(fsm_jobs_workflow=True).action_start()
        self.assertEqual(job.stage_id, self.stage_in_progress)
        self.assertTrue(job.date_start)
        job.with_context(fsm_jobs_workflow=True).action_complete()
        self.assertEqual(job.stage_id, self.stage_completed)
        self.assertTrue(job.date_end)
        self.assertFalse(job.activity_ids)
        other = Order.create({"partner_id": self.customer.id})
        other.action_cancel()
        self.assertEqual(other.stage_id, self.stage_cancelled)

        # a company-A user does not see B's jobs
        as_a = self.env["fsm.order"].with_user(self.user_a)
        self.assertFalse(as_a.search([("id", "in", (job | other).ids)]))
        with self.assertRaises(AccessError), mute_logger("odoo.addons.base.models.ir_rule"):
            as_a.browse(job.id).name  # noqa: B018
        # a user of both sees it when B is among the companies of the session, not otherwise
        as_ab = self.env["fsm.order"].with_user(self.user_ab)
        self.assertEqual(
            as_ab.with_context(allowed_company_ids=[self.company_a.id]).search([("id", "=", job.id)]).ids, []
        )
        both = [self.company_a.id, self.company_b.id]
        self.assertEqual(as_ab.with_context(allowed_company_ids=both).search([("id", "=", job.id)]), job)

    def test_the_default_team_is_the_jobs_company(self):
        both = [self.company_a.id, self.company_b.id]
        Order = self.env["fsm.order"].with_user(self.user_ab).with_context(allowed_company_ids=both)
        self.assertEqual(Order.env.company, self.company_a)
        # created in B from A: B's team, not the current company's
        job = Order.create({"partner_id": self.customer.id, "company_id": self.company_b.id})
        self.assertEqual(job.team_id, self.team_of(self.company_b))
        # a location's team of another company is passed over; one of the job's company is kept
        team_a = self.env["fsm.team"].create({"name": "FSJ A site team", "company_id": self.company_a.id})
        site = self.env["fsm.location"].create({"name": "FSJ shared site", "owner_id": self.customer.id})
        site.team_id = team_a
        in_b = Order.create({"location_id": site.id, "company_id": self.company_b.id})
        self.assertEqual(in_b.team_id, self.team_of(self.company_b))
        in_a = Order.create({"location_id": site.id})
        self.assertEqual(in_a.team_id, team_a)
        # moved to the other company, the job follows with its team
        in_a.company_id = self.company_b
        self.assertEqual(in_a.team_id, self.team_of(self.company_b))


@tagged("post_install", "-at_install")
class TestMultiCompanyRestApi(RestApiCase):
    """Companies A and B through the API: every company of the key's user, or those of X-Company-Id."""

    DAY = "2032-07-08"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.company_a = cls.env.ref("base.main_company")
        cls.company_b = CompanyFactory(env=cls.env, name="FSJ REST Company B")
        cls.user_ab = _user(cls.env, "fsj_mc_rest_ab", cls.company_a | cls.company_b)
        cls.user_a = _user(cls.env, "fsj_mc_rest_a", cls.company_a)
        cls.user_b = _user(cls.env, "fsj_mc_rest_b", cls.company_b)
        cls.key_ab = ApiKeyFactory(env=cls.env, user=cls.user_ab, name="companies A and B")
        cls.key_a = ApiKeyFactory(env=cls.env, user=cls.user_a, name="company A")
        cls.key_b = ApiKeyFactory(env=cls.env, user=cls.user_b, name="company B")
        Order = cls.env["fsm.order"]
        when = f"{cls.DAY} 10:00:00"
        cls.job_a = Order.with_company(cls.company_a).create(
            {"partner_id": cls.customer.id, "scheduled_date_start": when}
        )
        cls.job_b = Order.with_company(cls.company_b).create(
            {"partner_id": cls.customer.id, "scheduled_date_start": when}
        )
        cls.job_b2 = Order.with_company(cls.company_b).create({"partner_id": cls.customer.id})
        cls.job_b2.action_cancel()
        assert (cls.job_a.company_id, cls.job_b.company_id) == (cls.company_a, cls.company_b)

    def header(self, *companies):
        return {"X-Company-Id": ",".join(str(c.id) for c in companies)} if companies else None

    def expected(self, user, companies):
        """The jobs, as the ORM shows them to ``user`` in ``companies``."""
        return self.env["fsm.order"].with_user(user).with_context(allowed_company_ids=companies.ids)

    def assertAgree(self, key, user, companies, header_companies=(), see=(), hide=()):
        """List, count, detail and dashboard show the jobs of ``companies``, and the same as the ORM."""
        headers = self.header(*header_companies)
        mine = [("partner_id", "=", self.customer.id)]
        orm = self.expected(user, companies)
        want = orm.search(mine, order="id")
        self.assertEqual(set(want.ids) & {j.id for j in see + hide}, {j.id for j in see})
        # list and its total
        resp = self.call(
            "GET",
            "/object/fsm.order",
            params={"domain": str(mine), "fields": "['company_id']", "order": "id"},
            key=key,
            headers=headers,
        )
        self.assertEqual(resp.status_code, 200, resp.text)
        rows = resp.json()["fsm.order"]
        self.assertEqual([r["id"] for r in rows], want.ids)
        self.assertEqual(resp.headers["X-Total-Count"], str(len(want)))
        self.assertEqual({r["company_id"][0] for r in rows}, set(want.company_id.ids))
        # the count of a page (counted, not the last page's length)
        page = self.call(
            "GET",
            "/object/fsm.order",
            params={"domain": str(mine), "limit": 1, "fields": "id"},
            key=key,
            headers=headers,
        )
        self.assertEqual(page.status_code, 200, page.text)
        self.assertEqual(page.headers["X-Total-Count"], str(len(want)))
        all_jobs = self.call("GET", "/object/fsm.order", params={"limit": 1, "fields": "id"}, key=key, headers=headers)
        self.assertEqual(all_jobs.headers["X-Total-Count"], str(orm.search_count([])))
        # detail
        for job in see:
            resp = self.call(
                "GET",
                f"/object/fsm.order/{job.id}",
                params={"fields": "['name','company_id']"},
                key=key,
                headers=headers,
            )
            self.assertEqual(resp.status_code, 200, resp.text)
            self.assertEqual(resp.json()["fsm.order"]["company_id"][0], job.company_id.id)
        for job in hide:
            self.assertError(
                self.call("GET", f"/object/fsm.order/{job.id}", key=key, headers=headers), 404, "not_found"
            )
        # dashboard: counts by stage, the day's jobs
        resp = self.call("GET", "/fsm/dashboard", params={"date": self.DAY}, key=key, headers=headers)
        self.assertEqual(resp.status_code, 200, resp.text)
        data = resp.json()
        counts = {s["code"]: s["count"] for s in data["stages"] if s["code"]}
        self.assertEqual(set(counts), set(CODES))
        for code in CODES:
            self.assertEqual(counts[code], orm.search_count([("stage_id.code", "=", code)]), code)
        day = orm.search(
            [
                ("scheduled_date_start", ">=", f"{self.DAY} 00:00:00"),
                ("scheduled_date_start", "<=", f"{self.DAY} 23:59:59"),
            ]
        )
        self.assertEqual(data["today_count"], len(day))
        self.assertEqual({j["id"] for j in data["jobs"]}, set(day.ids))
        self.assertLessEqual({j.id for j in see if j.scheduled_date_start}, set(day.ids))
        self.assertFalse({j.id for j in hide} & {j["id"] for j in data["jobs"]})
        # the OpenAPI document answers under the same companies
        resp = self.call("GET", "/openapi.json", key=key, headers=headers)
        self.assertEqual(resp.status_code, 200, resp.text)
        parameters = resp.json()["components"]["parameters"].values()
        self.assertIn(("X-Company-Id", "header"), [(p["name"], p["in"]) for p in parameters])
        return data

    # -- reading -------------------------------------------------------------------------------
    def test_user_of_both_companies_sees_both_without_header(self):
        both = self.company_a | self.company_b
        self.assertAgree(self.key_ab, self.user_ab, both, see=(self.job_a, self.job_b, self.job_b2))
        self.assertAgree(
            self.key_ab,
            self.user_ab,
            both,
            header_companies=(self.company_b, self.company_a),
            see=(self.job_a, self.job_b, self.job_b2),
        )

    def test_header_narrows_to_one_company(self):
        self.assertAgree(
            self.key_ab,
            self.user_ab,
            self.company_a,
            header_companies=(self.company_a,),
            see=(self.job_a,),
            hide=(self.job_b, self.job_b2),
        )
        self.assertAgree(
            self.key_ab,
            self.user_ab,
            self.company_b,
            header_companies=(self.company_b,),
            see=(self.job_b, self.job_b2),
            hide=(self.job_a,),
        )

    def test_company_b_user_sees_only_b(self):
        self.assertAgree(self.key_b, self.user_b, self.company_b, see=(self.job_b, self.job_b2), hide=(self.job_a,))
        self.assertAgree(self.key_a, self.user_a, self.company_a, see=(self.job_a,), hide=(self.job_b, self.job_b2))

    def test_header_errors(self):
        for path in ("/object/fsm.order", "/fsm/dashboard", "/openapi.json", f"/object/fsm.order/{self.job_a.id}"):
            with self.subTest(path=path, header="another company"):
                self.assertError(
                    self.call("GET", path, key=self.key_a, headers=self.header(self.company_b)),
                    403,
                    "company_not_allowed",
                )
            with self.subTest(path=path, header="own and another company"):
                self.assertError(
                    self.call("GET", path, key=self.key_a, headers=self.header(self.company_a, self.company_b)),
                    403,
                    "company_not_allowed",
                )
            for bad in ("abc", "", ",", "1;2", "1.5"):
                with self.subTest(path=path, header=bad):
                    self.assertError(
                        self.call("GET", path, key=self.key_ab, headers={"X-Company-Id": bad}), 400, "invalid_company"
                    )

    # -- writing -------------------------------------------------------------------------------
    def test_post_with_header_creates_in_that_company(self):
        resp = self.call(
            "POST",
            "/object/fsm.order",
            {"partner_id": self.customer.id},
            key=self.key_ab,
            headers=self.header(self.company_b),
        )
        self.assertEqual(resp.status_code, 201, resp.text)
        job = self.env["fsm.order"].browse(resp.json()["fsm.order"]["id"])
        self.assertEqual(job.company_id, self.company_b)
        self.assertEqual(job.team_id.company_id, self.company_b)
        self.assertEqual(job.stage_id.code, "new")
        # and it runs through the workflow there
        path = f"/object/fsm.order/{job.id}"
        for method, stage in (("action_start", "in_progress"), ("action_complete", "completed")):
            resp = self.call("POST", f"{path}/{method}", key=self.key_b)
            self.assertEqual(resp.status_code, 200, resp.text)
            self.assertEqual(resp.json()["fsm.order"]["stage_id"][0], self.stage[stage].id)
        # without header, the user's own company (A) is the default
        resp = self.call("POST", "/object/fsm.order", {"partner_id": self.customer.id}, key=self.key_ab)
        self.assertEqual(resp.status_code, 201, resp.text)
        self.assertEqual(self.env["fsm.order"].browse(resp.json()["fsm.order"]["id"]).company_id, self.company_a)
        # or the company given, one of the user's
        resp = self.call(
            "POST",
            "/object/fsm.order",
            {"partner_id": self.customer.id, "company_id": self.company_b.id},
            key=self.key_ab,
        )
        self.assertEqual(resp.status_code, 201, resp.text)
        job = self.env["fsm.order"].browse(resp.json()["fsm.order"]["id"])
        self.assertEqual((job.company_id, job.team_id.company_id), (self.company_b, self.company_b))

    def test_company_a_key_cannot_write_company_b(self):
        Order = self.env["fsm.order"]
        before = Order.search_count([])
        resp = self.call(
            "POST",
            "/object/fsm.order",
            {"partner_id": self.customer.id, "company_id": self.company_b.id},
            key=self.key_a,
        )
        self.assertError(resp, 422, "invalid_value")
        self.assertEqual(Order.search_count([]), before, "nothing created")
        resp = self.call(
            "PUT",
            f"/object/fsm.order/{self.job_a.id}",
            {"company_id": self.company_b.id, "description": "<p>moved</p>"},
            key=self.key_a,
        )
        self.assertError(resp, 422, "invalid_value")
        self.job_a.invalidate_recordset()
        self.assertEqual(self.job_a.company_id, self.company_a)
        self.assertNotIn("moved", self.job_a.description or "")
        # narrowed to A by the header, a user of both companies may not write B either
        resp = self.call(
            "PUT",
            f"/object/fsm.order/{self.job_a.id}",
            {"company_id": self.company_b.id},
            key=self.key_ab,
            headers=self.header(self.company_a),
        )
        self.assertError(resp, 422, "invalid_value")
        self.job_a.invalidate_recordset()
        self.assertEqual(self.job_a.company_id, self.company_a)
