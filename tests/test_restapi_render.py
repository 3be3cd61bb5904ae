# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from unittest.mock import patch

import factory

from odoo.tests import tagged

from odoo.addons.fieldservice_jobs.restapi import prefetch, service

from ..models.res_partner import NAME_CONTEXT_KEYS
from .common import JobsCase
from .factories import JobFactory, PartnerFactory

M2O_FIELDS = ["partner_id", "location_id", "person_id", "stage_id", "type", "team_id"]


@tagged("post_install", "-at_install")
class TestRenderDisplayNames(JobsCase):
    """The API names many2one values in one batch per field after a narrow prefetch
    (restapi/prefetch.py): the names must be exactly Odoo's own, for what Odoo shows in them (a contact
    of a company is "Company, Contact"; a location has its own name)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        company = PartnerFactory(env=cls.env, name="Render Corp", is_company=True)
        contact = PartnerFactory(env=cls.env, name="Rita Render", parent_id=company)
        invoice = PartnerFactory(env=cls.env, name=False, parent_id=company, type="invoice")  # nameless
        cls.jobs = JobFactory.create_batch(
            4,
            env=cls.env,
            partner_id=factory.Iterator([company, contact, invoice, cls.customer]),
            person_id=cls.technician,
        ) | JobFactory(env=cls.env, partner_id=contact, person_id=cls.technician_without_user)
        cls.api = service.ModelApi(cls.env, "fsm.order", cls.env["res.config.settings"]._fsm_jobs_api_models())

    def test_names_are_odoos(self):
        self.env.invalidate_all()
        rendered = {row["id"]: row for row in self.api.render(self.jobs, ["partner_id", "location_id", "person_id"])}
        self.env.invalidate_all()
        expected = {row["id"]: row for row in self.jobs.read(["partner_id", "location_id", "person_id"])}
        self.assertEqual(set(rendered), set(self.jobs.ids))
        for job_id, row in rendered.items():
            for fname in ("partner_id", "location_id", "person_id"):
                want = expected[job_id][fname]
                got = row[fname]
                self.assertEqual(tuple(got) if got else False, want or False, fname)
        names = {row["partner_id"][1] for row in rendered.values()}
        self.assertIn("Render Corp, Rita Render", names)

    def test_display_names_match_read_for_every_many2one(self):
        jobs = self.Order.search([], limit=200)
        self.env.invalidate_all()
        names = prefetch.display_names(jobs, M2O_FIELDS)
        self.env.invalidate_all()
        for row in jobs.read(M2O_FIELDS):
            for fname in M2O_FIELDS:
                if row[fname]:
                    self.assertEqual(names[fname][row[fname][0]], row[fname][1], fname)

    def test_names_read_only_their_columns(self):
        """The customers' display names come from their name columns only (a named partner: its name
        and stored complete name), in one query for all the customers, not the whole partner row."""
        self.env.invalidate_all()
        self.jobs.fetch(["partner_id"])  # as a page: its links fetched with it
        columns = 'SELECT "res_partner"."id", "res_partner"."name", "res_partner"."complete_name" FROM "res_partner"'
        with self.assertQueriesContain([columns]):
            prefetch.display_names(self.jobs, ["partner_id"])

    def test_text_name_columns_of_all_fields_are_read_in_one_query(self):
        """The name columns of every many2one field whose columns are text (customers, locations and
        technicians through their partners, stages, types, teams) come in one query (a UNION ALL)."""
        self.env.invalidate_all()
        self.jobs.fetch(M2O_FIELDS)  # as a page: its links fetched with it
        with self.assertQueryCount(1):
            names = prefetch.display_names(self.jobs, M2O_FIELDS)
        self.assertEqual(names["partner_id"][self.jobs[1].partner_id.id], "Render Corp, Rita Render")
        self._assert_names_are_reads(self.jobs, M2O_FIELDS)

    def test_name_columns_of_other_types_keep_their_values(self):
        """A model whose names come from a column that is not text (an addon's hook: here the stage's
        sequence) is read in a query of its own, its values as the column's type, not as text."""
        Stage = type(self.env["fsm.stage"])
        seen = []

        def names_from_columns(model, rows):
            seen.extend(rows)
            return {id_: f"Stage #{sequence}" for id_, sequence in rows}

        self.env.invalidate_all()
        self.jobs.fetch(["partner_id", "stage_id"])
        with (
            patch.object(Stage, "_fsj_api_name_columns", lambda model: ["sequence"]),
            patch.object(Stage, "_fsj_api_names_from_columns", names_from_columns),
            self.assertQueryCount(2),
        ):
            names = prefetch.display_names(self.jobs, ["partner_id", "stage_id"])
        self.assertTrue(seen and all(isinstance(sequence, int) for _id, sequence in seen), seen)
        stage = self.jobs[0].stage_id
        self.assertEqual(names["stage_id"][stage.id], f"Stage #{stage.sequence}")
        self.assertEqual(names["partner_id"][self.jobs[0].partner_id.id], "Render Corp")

    def test_models_without_name_columns_are_named_by_the_orm(self):
        """A model whose names are not a column (a custom compute) says so (_fsj_api_name_columns:
        None) and is named through the ORM, as before, after a narrow prefetch."""
        self.assertEqual(self.env["res.partner"]._fsj_api_name_columns(), ["name", "complete_name"])
        self.assertEqual(self.env["fsm.location"]._fsj_api_name_columns(), ["name"])  # its partner's (_inherits)
        self.assertIsNone(self.env["res.partner"].with_context(show_email=True)._fsj_api_name_columns())
        self.assertIsNone(self.env["res.partner.category"]._fsj_api_name_columns())  # own _compute_display_name
        self._assert_names_are_reads(self.jobs, M2O_FIELDS)

    def test_names_of_records_the_user_cannot_read(self):
        """As Odoo: a many2one's name follows the job's visibility, not the target's (computed as
        superuser), so a technician sees the stage and customer names of the jobs he may read."""
        job = self.jobs[0].with_user(self.tech_user)
        names = prefetch.display_names(job, ["partner_id", "stage_id"])
        self.assertEqual(names["partner_id"][self.jobs[0].partner_id.id], "Render Corp")
        self.assertEqual(names["stage_id"][self.jobs[0].stage_id.id], self.jobs[0].stage_id.name)

    def _assert_names_are_reads(self, jobs, fnames):
        self.env.invalidate_all()
        names = prefetch.display_names(jobs, fnames)
        self.env.invalidate_all()
        for row in jobs.read(fnames):
            for fname in fnames:
                if row[fname]:
                    self.assertEqual(names[fname][row[fname][0]], row[fname][1], fname)

    def test_names_under_context_keys_are_odoos(self):
        """A context key that adds to a partner's name (show_email, show_address...) gives Odoo's
        compute its say: the stored complete name is not the name then."""
        self.jobs.partner_id.email = "render@example.com"
        for key in NAME_CONTEXT_KEYS:
            jobs = self.jobs.with_context(**{key: True})
            self._assert_names_are_reads(jobs, ["partner_id", "location_id", "person_id"])
        names = prefetch.display_names(self.jobs.with_context(show_email=True), ["partner_id"])["partner_id"]
        self.assertIn("Render Corp <render@example.com>", names.values())

    def test_names_follow_pending_changes(self):
        """Renamed in the same transaction (the stored complete names still to recompute, nothing
        flushed): the names are the new ones, the company's contacts' and the locations' too."""
        self.jobs[0].partner_id.name = "Render Corp Renamed"
        self.technician.name = "Renamed Technician"
        names = prefetch.display_names(self.jobs, ["partner_id", "location_id", "person_id"])
        self.assertIn("Render Corp Renamed, Rita Render", names["partner_id"].values())
        for location in self.jobs.location_id:  # a location's name is its partner's (fsm.location inherits it)
            self.assertEqual(names["location_id"][location.id], location.partner_id.name)
        self.assertIn("Render Corp Renamed", names["location_id"].values())
        self.assertEqual(names["person_id"][self.technician.id], "Renamed Technician")
        self._assert_names_are_reads(self.jobs, M2O_FIELDS)

    def test_names_of_unnamed_and_multiline_partners(self):
        """A partner without a name (named by its type, in the request's language, by Odoo's compute)
        and one whose name holds line breaks and spaces: as Odoo's read."""
        company = self.jobs[0].partner_id
        odd = PartnerFactory(env=self.env, name="  Odd \n Name  ", parent_id=company)
        other = PartnerFactory(env=self.env, name=False, parent_id=company, type="delivery")
        jobs = self.jobs | JobFactory.create_batch(2, env=self.env, partner_id=factory.Iterator([odd, other]))
        self._assert_names_are_reads(jobs, ["partner_id", "location_id"])
        self._assert_names_are_reads(jobs.with_context(lang="en_US"), ["partner_id", "location_id"])


@tagged("post_install", "-at_install")
class TestRenderRows(JobsCase):
    """A page's rows are taken from the cache a column at a time (BaseModel._fsj_api_read_rows): the
    same rows as Odoo's _read_format(load=None), whatever the field's type, and Odoo's own way when a
    value is missing from the cache or still to be computed."""

    FIELDS = [
        "name", "partner_id", "scheduled_date_start", "stage_id", "person_id", "location_id", "description",
        "priority", "scheduled_duration", "sequence", "color", "tag_ids", "request_early", "todo", "company_id",
    ]  # fmt: skip

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.jobs = JobFactory.create_batch(3, env=cls.env, person_id=cls.technician, description="<p>d</p>")

    def test_rows_are_read_formats(self):
        for fnames in (self.FIELDS, ["name", "priority"], ["partner_id"], []):
            self.env.invalidate_all()
            jobs = self.Order.search_fetch([("id", "in", self.jobs.ids)], fnames, order="id")
            rows = jobs._fsj_api_read_rows(fnames)
            self.env.invalidate_all()
            self.assertEqual(rows, jobs._read_format(fnames, load=None), fnames)

    def test_rows_of_values_not_in_cache_or_to_compute(self):
        self.env.invalidate_all()
        jobs = self.Order.browse(self.jobs.ids)  # nothing in cache: read as _read_format reads
        fnames = ["name", "stage_id"]
        self.assertEqual(jobs._fsj_api_read_rows(fnames), jobs._read_format(fnames, load=None))
        # a stored computed field still to compute: computed first, as record[field] does
        field = self.Order._fields["location_directions"]
        self.assertTrue(field.store and field.compute)
        self.jobs[0].location_id.direction = "Second door on the left"
        self.env.add_to_compute(field, self.jobs[0])
        rows = self.jobs._fsj_api_read_rows(["location_directions"])
        self.assertEqual(rows[0]["location_directions"], self.jobs[0].location_id.complete_direction)
        self.assertIn("Second door on the left", rows[0]["location_directions"])

    def test_total_counts_every_match_whatever_is_fetched(self):
        """The page and its X-Total-Count come from one _search: the total is a count of every match,
        also when the page fetches no column (its ids are then memoized in the query)."""
        api = service.ModelApi(self.env, "fsm.order", self.env["res.config.settings"]._fsm_jobs_api_models())
        domain = [("id", "in", self.jobs.ids)]
        for names in (["id"], ["name"], None):
            rows, total, _next = api.search(domain, names, 1, 0, [])
            self.assertEqual((len(rows), total), (1, 3), names)
            rows, total, _next = api.search(domain, names, 2, 2, [])
            self.assertEqual((len(rows), total), (1, 3), names)
        self.assertEqual(api.search([("id", "=", 0)], ["id"], 5, 0, [])[:2], ([], 0))
