# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from unittest.mock import patch

import factory

from odoo import sql_db
from odoo.tests import TransactionCase, tagged, warmup
from odoo.tools import SQL

from odoo.addons.fieldservice_jobs.restapi import parsing, service

from .factories import CustomerFactory, JobFactory, TechnicianFactory

# SQL queries of a REST list of jobs with seed 000's "today's jobs" fields, warm caches: search (with its
# columns), count, and the display names' name columns (restapi/prefetch.py: the customers', stages',
# technicians' and locations' partners', types', in one UNION ALL). A regression (a query per record,
# an unindexed filter, a per-request metadata query) changes it: look before raising it.
LIST_QUERY_BUDGET = 3
TODAY_FIELDS = ["name", "partner_id", "scheduled_date_start", "stage_id", "person_id", "location_id", "type"]
# related reads (restapi/related.py), as the administrator (record rules apply): one search per relation
# field for all the jobs, the x2many's order one more; ``actions`` a few for all the jobs
RELATED_QUERY_BUDGETS = {
    "name,partner_id.email,stage_id.code": 5,
    '{"name": {}, "partner_id": {"fields": {"email": {}}}, "stage_id": {"fields": {"code": {}}}, '
    '"time_log_ids": {"fields": {"check_in": {}, "user_id": {}}, "limit": 2, "order": "id desc"}}': 9,
    "name,stage_id.code,actions": 7,
}


@tagged("post_install", "-at_install")
class TestListQueryBudget(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        customers = CustomerFactory.create_batch(
            30, env=cls.env, name=factory.Sequence(lambda n: f"Query Customer {n}")
        )
        persons = TechnicianFactory.create_batch(10, env=cls.env)
        JobFactory.create_batch(
            520,
            env=cls.env,
            partner_id=factory.Iterator(customers),
            person_id=factory.Iterator(persons),
            type=cls.env.ref("fieldservice_jobs.fsm_order_type_install"),
            scheduled_date_start=factory.Sequence(lambda n: f"2031-01-{1 + n % 28:02d} 09:00:00"),
        )
        cls.exposed = cls.env["res.config.settings"]._fsm_jobs_api_models()

    def list_jobs(self, limit):
        domain = [("scheduled_date_start", ">=", "2031-01-01 00:00:00"), ("stage_id", "!=", "cancelled")]
        api = service.ModelApi(self.env, "fsm.order", self.exposed)
        return api.search(domain, TODAY_FIELDS, limit, 0, [("scheduled_date_start", "asc")])

    @warmup
    def test_list_queries_do_not_grow_with_page_size(self):
        """The same queries for a page of 50 and of 500 (registry caches warm, as in a worker that
        has answered before; record caches cold, as at every request)."""
        for limit in (50, 500):
            with self.subTest(limit=limit):
                self.env.invalidate_all()
                with self.assertQueryCount(LIST_QUERY_BUDGET):
                    rows, total, _next = self.list_jobs(limit)
                self.assertEqual(len(rows), limit)
                self.assertGreaterEqual(total, 520)

    def test_list_names_the_customers(self):
        rows, _total, _next = self.list_jobs(50)
        self.assertTrue(all(row["partner_id"][1].startswith("Query Customer") for row in rows))

    def test_list_total_can_be_counted_from_the_index(self):
        """X-Total-Count of the open jobs from a day on, under the multi-company record rule, only needs
        columns of the (scheduled_date_start, stage_id, company_id) index, so PostgreSQL counts it with
        an index-only scan on a vacuumed table (bench/: 18.6 -> 4.4 ms at 100,000 jobs). A fresh test
        table has no visibility map, so the plan itself is checked by the bench, not here."""
        user = self.env.ref("base.user_admin")
        closed = self.env.ref("fieldservice.fsm_stage_completed") | self.env.ref("fieldservice.fsm_stage_cancelled")
        domain = [("scheduled_date_start", ">=", "2031-01-01 00:00:00"), ("stage_id", "not in", closed.ids)]
        where = str(self.env["fsm.order"].with_user(user)._search(domain).where_clause)
        used = {col for col in ("scheduled_date_start", "stage_id", "company_id") if f'"{col}"' in where}
        self.assertEqual(used, {"scheduled_date_start", "stage_id", "company_id"}, where)
        self.env.cr.execute(
            SQL("SELECT indexdef FROM pg_indexes WHERE tablename = 'fsm_order' AND indexname = %s",
                "fsm_order_schedule_stage_company_index")
        )  # fmt: skip
        (indexdef,) = self.env.cr.fetchone() or ("",)
        self.assertIn("(scheduled_date_start, stage_id, company_id)", indexdef)

    @warmup
    def test_related_reads_do_not_grow_with_page_size(self):
        """Related reads (dotted names, a web_read specification with an x2many) and the allowed
        actions: the same queries for 50 and 500 jobs."""
        admin = self.env.ref("base.user_admin")
        jobs = self.env["fsm.order"].search([("scheduled_date_start", ">=", "2031-01-01 00:00:00")])
        self.env["fsm.order.time.log"].create(
            [{"order_id": job.id, "user_id": admin.id, "check_in": "2031-01-01 08:00:00"} for job in jobs[::2]]
        )
        env = self.env(user=admin)
        domain = [("scheduled_date_start", ">=", "2031-01-01")]
        for fields, budget in RELATED_QUERY_BUDGETS.items():
            for limit in (50, 500):
                with self.subTest(fields=fields, limit=limit):
                    api = service.ModelApi(env, "fsm.order", self.exposed)
                    spec = parsing.parse_fields(fields)
                    env.invalidate_all()
                    with self.assertQueryCount(budget):
                        rows, _total, _next = api.search(domain, spec, limit, 0, [("scheduled_date_start", "asc")])
                    self.assertEqual(len(rows), limit)
                    self.assertTrue(all(isinstance(row["stage_id"], dict) for row in rows))
                    if "time_log_ids" in spec:
                        self.assertTrue(any(row["time_log_ids"] for row in rows))

    def test_target_check_fetches_the_companies_parent_path_alone(self):
        """A many2one target under a ``parent_of`` company rule (res.partner's; fsm.location's through
        its partner) is checked with the request's companies' ``parent_path`` fetched alone, where the
        rule would load every column of res.company (about 0.5 ms of a create); the check still refuses
        a partner of another company, and a model without such a rule costs no company query."""
        self.assertTrue(service._parent_of_companies([("company_id", "parent_of", [1])]))
        nested = ["|", ("a", "=", 1), ("partner_id", "any", [("company_id", "child_of", [1])])]
        self.assertTrue(service._parent_of_companies(nested))
        self.assertFalse(service._parent_of_companies([("company_id", "in", [1]), ("parent_id", "child_of", [1])]))
        self.assertFalse(service._parent_of_companies(None))
        main = self.env.ref("base.main_company")
        other = self.env["res.company"].create({"name": "Query Other Co"})
        stranger = self.env["res.partner"].create({"name": "Query Stranger", "company_id": other.id})
        customer = self.env["res.partner"].search([("name", "=like", "Query Customer %")], limit=1)
        self.assertTrue(customer)
        env = self.env(user=self.env.ref("base.user_admin"), context={"allowed_company_ids": [main.id]})
        queries = []
        execute = sql_db.Cursor.execute

        def spy(cr, query, params=None, log_exceptions=True):
            queries.append(str(getattr(query, "code", query)))
            return execute(cr, query, params, log_exceptions)

        stage = self.env.ref("fieldservice.fsm_stage_new")
        # a create's customer (res.partner: a parent_of company rule); an update's stage (no company rule)
        for body, expected, creating in (({"partner_id": customer.id}, 1, True), ({"stage_id": stage.id}, 0, False)):
            with self.subTest(body=body):
                service.ModelApi(env, "fsm.order", self.exposed).orm_values(body, creating)  # registry caches
                api = service.ModelApi(env, "fsm.order", self.exposed)
                env.invalidate_all()  # the record cache of a new request
                queries.clear()
                with patch.object(sql_db.Cursor, "execute", spy):
                    values = api.orm_values(body, creating)
                self.assertEqual(values, body)
                company_reads = [q for q in queries if q.startswith('SELECT "res_company".')]
                self.assertEqual(len(company_reads), expected, queries)
                for query in company_reads:
                    self.assertIn('"res_company"."parent_path"', query)
                    self.assertNotIn("report_header", query)
        with self.assertRaises(parsing.ApiError) as refused:
            service.ModelApi(env, "fsm.order", self.exposed).orm_values({"partner_id": stranger.id}, creating=True)
        self.assertEqual((refused.exception.status, refused.exception.code), (422, "invalid_value"))
