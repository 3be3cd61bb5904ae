# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

import json
from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL
from odoo.tools.json import json_default

from odoo.addons.fieldservice_jobs.restapi import service, sqlrender

from .common import JobsCase
from .factories import JobFactory, PartnerFactory

TODAY_FIELDS = ["name", "partner_id", "scheduled_date_start", "stage_id", "person_id", "location_id", "type"]
# texts whose JSON escapes must be json.dumps' own: quotes, backslashes, control characters, non-ASCII,
# the line separators JSON allows raw, white space at the ends
AWKWARD = [
    'Quote " and back\\slash / slash',
    "".join(chr(i) for i in range(1, 32)) + "\x7f",
    "Été 漢字 😀 \u2028\u2029\ufeff",
    " \u00a0padded\u3000 ",
    "",
]


@tagged("post_install", "-at_install")
class TestSqlRender(JobsCase):
    """A list's page rendered whole by PostgreSQL (restapi/sqlrender.py) is the same bytes as the page
    rendered in Python (ModelApi.render, then json.dumps), or is rendered in Python."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = PartnerFactory(env=cls.env, name="SQL Corp", is_company=True)
        cls.contact = PartnerFactory(env=cls.env, name="Sal Contact", parent_id=company)
        # customers named in SQL: quotes, control characters inside (a line break is Python's), non-ASCII
        controls = "".join(chr(i) for i in range(1, 32) if chr(i) != "\n")
        cls.customers = company | cls.contact | cls.customer
        for name in (AWKWARD[0], f"{controls} inside\x7f", AWKWARD[2].strip()):
            cls.customers |= PartnerFactory(env=cls.env, name=f"SQL {name}")
        cls.jobs = cls.Order.browse()
        for index, text in enumerate(AWKWARD * 3):
            cls.jobs |= JobFactory(
                env=cls.env,
                name=f"SQL job {index} {text}",
                partner_id=cls.customers[index % len(cls.customers)].id,
                person_id=(cls.technician.id, cls.technician_without_user.id, False)[index % 3],
                location_directions=text or False,
                priority=("0", "1", "2", "3")[index % 4],
                color=index % 3,
                scheduled_date_start=f"2032-03-{1 + index:02d} 08:{index:02d}:30",
                request_early=False if index % 2 else f"2032-02-{1 + index:02d} 07:00:00",
            )
        cls.exposed = cls.env["res.config.settings"]._fsm_jobs_api_models()
        cls.domain = [("name", "=like", "SQL job %")]

    def api(self, env=None):
        return service.ModelApi(env or self.env, "fsm.order", self.exposed)

    def both_ways(self, names, env=None, domain=None, limit=100, offset=0, order=None):
        """(the page as JSON text the SQL way, or None when it went the Python way; the same page as
        JSON text the Python way), both as the controller encodes them."""
        domain = domain or self.domain
        order = order or [("scheduled_date_start", "asc"), ("id", "asc")]
        (env or self.env).invalidate_all()
        rows, total, _next = self.api(env).search(domain, names, limit, offset, order, as_json=True)
        in_sql = sqlrender.dumps({"fsm.order": rows, "total": total}, default=json_default)
        (env or self.env).invalidate_all()
        rows_py, total_py, _next = self.api(env).search(domain, names, limit, offset, order)
        in_py = json.dumps({"fsm.order": rows_py, "total": total_py}, ensure_ascii=False, default=json_default)
        return (in_sql if isinstance(rows, sqlrender.RawJson) else None), in_py

    def supported_fields(self):
        """Every field of the API's fsm.order that the SQL way renders (their stored columns)."""
        fields = self.api().fields
        model = self.env["fsm.order"]
        return [
            name
            for name, (orm, desc) in fields.items()
            if orm in model._fields
            and model._fields[orm].store
            and model._fields[orm].column_type
            and not model._fields[orm].inherited
            and desc.get("type") in ("char", "text", "selection", "integer", "boolean", "date", "datetime", "many2one")
            and orm != "id"
            and (desc["type"] != "many2one" or sqlrender._name_json_sql(model, orm, SQL("1")) is not None)
        ]

    def test_pages_are_the_same_bytes_both_ways(self):
        for names in (TODAY_FIELDS, ["name", "location_directions", "priority", "color"], self.supported_fields()):
            with self.subTest(names=names):
                in_sql, in_py = self.both_ways(names)
                self.assertIsNotNone(in_sql, "went the Python way")
                self.assertEqual(in_sql, in_py)
                json.loads(in_sql)  # and it is JSON

    def test_pages_and_totals_the_same_both_ways(self):
        """Pages of a few (the total counted), the last page, past the end, and an empty search."""
        for limit, offset in ((4, 0), (4, 4), (5, 10), (4, 100)):
            with self.subTest(limit=limit, offset=offset):
                in_sql, in_py = self.both_ways(TODAY_FIELDS, limit=limit, offset=offset)
                self.assertEqual(in_sql, in_py)
        in_sql, in_py = self.both_ways(TODAY_FIELDS, domain=[("id", "in", [])])
        self.assertEqual(in_sql, in_py)
        self.assertEqual(json.loads(in_sql), {"fsm.order": [], "total": 0})

    def test_a_name_made_in_python_sends_the_page_the_python_way(self):
        """A partner whose complete name Odoo's label changes (white space at its ends, a line break),
        or a nameless one, is named the Python way: its page goes that way, with the same answer."""
        nameless = PartnerFactory(env=self.env, name=False, parent_id=self.contact.parent_id, type="invoice")
        padded = PartnerFactory(env=self.env, name=AWKWARD[3])
        two_lines = PartnerFactory(env=self.env, name="SQL two \n lines")
        for partner in (padded, two_lines, nameless):
            with self.subTest(partner=partner.display_name):
                job = JobFactory(env=self.env, name="SQL job odd", partner_id=partner.id)
                in_sql, in_py = self.both_ways(TODAY_FIELDS)
                if partner != padded:  # Odoo may store that one's complete name stripped: then it's SQL's
                    self.assertIsNone(in_sql)
                self.assertEqual(in_sql or in_py, in_py)
                self.assertIn(json.dumps(job.partner_id.display_name, ensure_ascii=False), in_py)
                job.unlink()

    def test_supported_fields_include_most_of_a_job(self):
        names = self.supported_fields()
        for name in ("name", "priority", "color", "request_early", "partner_id", "stage_id", "location_id", "type"):
            self.assertIn(name, names)

    def test_fields_it_does_not_render_go_the_python_way(self):
        """A float, an x2many, a related read, a pseudo-field, a key's own ids: the Python way."""
        for names in (["name", "duration"], ["name", "time_log_ids"], ["name", "actions"]):
            with self.subTest(names=names):
                in_sql, _in_py = self.both_ways(names)
                self.assertIsNone(in_sql)
        rows, _total, _next = self.api().search(self.domain, {"partner_id": {"fields": {"email": {}}}}, 5, 0, [],
                                                as_json=True)  # fmt: skip
        self.assertIsInstance(rows, list)

    def test_a_model_that_fetches_its_own_values_goes_the_python_way(self):
        """An addon whose ``_fetch_query`` changes the values a page fetches, or whose field class
        converts values its own way: the page goes the Python way, which takes them from there."""
        Order = type(self.env["fsm.order"])
        fetch = Order._fetch_query

        def fetch_query(model, query, fields):
            return fetch(model, query, fields)

        with patch.object(Order, "_fetch_query", fetch_query, create=True):
            in_sql, _in_py = self.both_ways(["name", "color"])
        self.assertIsNone(in_sql)

        class Shouting(fields.Char):  # Odoo's Char class is no longer the one rendered in SQL
            pass

        with patch.dict(sqlrender.FIELD_CLASSES, {"char": Shouting}):
            self.env.registry.clear_cache()  # the rows' SQL kept for these fields
            in_sql, _in_py = self.both_ways(["name", "color"])
        self.assertIsNone(in_sql)
        self.env.registry.clear_cache()
        in_sql, _in_py = self.both_ways(["name", "color"])
        self.assertIsNotNone(in_sql)

    def test_a_model_that_names_its_records_its_own_way(self):
        """An addon that overrides how a model's names are made (``_fsj_api_names_from_columns``) and
        not ``_fsj_api_name_json_sql``: that model's names are not made in SQL."""
        Stage = type(self.env["fsm.stage"])

        def names_from_columns(model, rows):
            return {id_: f"Stage {name}" for id_, name in rows}

        with patch.object(Stage, "_fsj_api_names_from_columns", names_from_columns):
            self.assertIsNone(self.env["fsm.stage"]._fsj_api_name_json_sql("x", None))
            in_sql, in_py = self.both_ways(["name", "stage_id"])
        self.assertIsNone(in_sql)
        self.assertIn('"Stage New"', in_py)

    def test_names_and_values_follow_pending_changes(self):
        """Renamed in the same transaction, nothing flushed: the page shows the new values."""
        job = self.jobs[0]
        self.env.flush_all()
        job.partner_id.name = "SQL Corp Renamed"
        job.name = "SQL job renamed"
        job.color = 7
        self.technician.name = "SQL Renamed Technician"
        self.assertTrue(self.env.cache.get_dirty_records(job, job._fields["name"]))  # not flushed
        domain = [("id", "=", job.id)]
        rows, _total, _next = self.api().search(domain, [*TODAY_FIELDS, "color"], 5, 0, [], as_json=True)
        self.assertIsInstance(rows, sqlrender.RawJson)
        for text in ('"SQL job renamed"', '"SQL Corp Renamed"', '"SQL Renamed Technician"', '"color": 7'):
            self.assertIn(text, rows)
        in_sql, in_py = self.both_ways([*TODAY_FIELDS, "color"], domain=domain)
        self.assertEqual(in_sql, in_py)

    def test_translated_names_in_the_request_language(self):
        """A stage's name in the request's language (French here), English where it has none."""
        self.env["res.lang"]._activate_lang("fr_FR")
        self.stage_new.with_context(lang="fr_FR").name = "Nouveau SQL"
        env = self.env(context=dict(self.env.context, lang="fr_FR"))
        domain = [("id", "in", (self.jobs - self.jobs[3::5]).ids)]
        in_sql, in_py = self.both_ways(["name", "stage_id"], env=env, domain=domain)
        self.assertEqual(in_sql, in_py)
        self.assertIn('"Nouveau SQL"', in_sql)

    def test_rules_and_field_rights_hold(self):
        """As the technician (fieldservice's record rules: his own jobs), the page is his jobs only,
        the same both ways; a field his groups may not read is refused before any SQL."""
        env = self.env(user=self.tech_user)
        mine = self.jobs.filtered(lambda job: job.person_id == self.technician)
        visible = self.env["fsm.order"].with_user(self.tech_user).search([("id", "in", mine.ids)])
        in_sql, in_py = self.both_ways(TODAY_FIELDS, env=env, domain=[("id", "in", self.jobs.ids)])
        self.assertEqual(in_sql or in_py, in_py)
        answered = {row["id"] for row in json.loads(in_py)["fsm.order"]}
        self.assertTrue(answered <= set(self.env["fsm.order"].with_user(self.tech_user).search([]).ids))
        self.assertTrue(set(visible.ids) <= answered or not visible)
        Order = type(self.env["fsm.order"])
        api = self.api()
        checked = []
        check = Order.check_field_access_rights

        def spy(model, operation, field_names):
            checked.append((operation, list(field_names)))
            return check(model, operation, field_names)

        with patch.object(Order, "check_field_access_rights", spy):
            rows, _total, _next = api.search(self.domain, TODAY_FIELDS, 5, 0, [], as_json=True)
        self.assertIsInstance(rows, sqlrender.RawJson)
        self.assertIn(("read", [api.orm_name(name) for name in TODAY_FIELDS]), checked)

    def test_one_query_and_a_count(self):
        """The page and its names in one query, the total in another."""
        named = self.domain
        api = self.api()
        api.search(named, TODAY_FIELDS, 5, 0, [], as_json=True)  # field maps and rules cached
        self.env.invalidate_all()
        with self.assertQueryCount(2):
            rows, total, _next = api.search(named, TODAY_FIELDS, 5, 0, [], as_json=True)
        self.assertIsInstance(rows, sqlrender.RawJson)
        self.assertEqual(len(json.loads(rows)), 5)
        self.assertGreater(total, 5)

    def test_keyset_pages_the_same_both_ways(self):
        named = self.domain
        first = min(self.jobs.ids)
        api = self.api()
        rows, total, next_id = api.search(named, TODAY_FIELDS, 4, 0, [], start_after_id=first, as_json=True)
        rows_py, total_py, next_py = api.search(named, TODAY_FIELDS, 4, 0, [], start_after_id=first)
        self.assertIsInstance(rows, sqlrender.RawJson)
        self.assertEqual((json.loads(rows), total, next_id), (rows_py, total_py, next_py))
        self.assertEqual(rows, json.dumps(rows_py, ensure_ascii=False))

    def test_row_sql_is_built_once_and_forgotten_with_odoos_caches(self):
        """The rows' SQL is kept per worker, model, user, context and fields (not per page: it names
        no row), and built anew once Odoo clears its caches (fields, modules, rights changed)."""
        api = self.api()
        built = []
        build = sqlrender.row_json_sql

        def counting(*args):
            built.append(args[2])
            return build(*args)

        with patch.object(sqlrender, "row_json_sql", counting):
            for limit in (3, 5):
                rows, _total, _next = api.search(self.domain, TODAY_FIELDS, limit, 0, [], as_json=True)
                self.assertEqual(len(json.loads(rows)), limit)
            self.assertEqual(len(built), 1)
            self.api(self.env(context=dict(self.env.context, lang="en_US", tz="Europe/Paris"))).search(
                self.domain, TODAY_FIELDS, 3, 0, [], as_json=True
            )
            self.assertEqual(len(built), 2)  # another context: its own
            self.env.registry.clear_cache()
            api.search(self.domain, TODAY_FIELDS, 3, 0, [], as_json=True)
            self.assertEqual(len(built), 3)

    def test_row_sql_that_joins_the_page_is_not_kept(self):
        """A field whose SQL joins the page's query (an addon's ``_field_to_sql``) makes row SQL that
        holds for that query only: built for every page."""
        api = self.api()
        build = sqlrender.row_json_sql
        built = []

        def joining(model, query, columns):
            built.append(1)
            query.add_join("LEFT JOIN", "fsj_extra", "res_partner", SQL("fsj_extra.id = fsm_order.partner_id"))
            return build(model, query, columns)

        with patch.object(sqlrender, "row_json_sql", joining):
            for _i in range(2):
                rows, _total, _next = api.search(self.domain, ["name", "color"], 3, 0, [], as_json=True)
                self.assertIsInstance(rows, sqlrender.RawJson)
        self.assertEqual(len(built), 2)
