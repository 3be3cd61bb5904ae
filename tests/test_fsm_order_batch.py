# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""A batch create (one ``create`` call for many jobs: the REST API's batches, imports) does per batch
what one create per job does per job: names drawn from the sequence at once, defaults computed once per
set of given fields, customer locations found in one query. These tests prove that the jobs, their
messages, followers and activities are the ones a create per job gives, and that the batch's queries do
not grow with its size."""

import re
from unittest.mock import patch

from odoo import fields, sql_db
from odoo.tests import tagged

from .common import JobsCase
from .factories import CustomerFactory

# fields whose values differ between two creates by nature: identity, names (checked apart), dates of now
VOLATILE = {"id", "name", "display_name", "create_date", "write_date", "request_early", "current_date"}
# now or nothing: OCA's latest request date (now + hours when a priority is given), the actual start and
# end (now when the job enters In Progress or Completed: the values of these tests give none)
NOW_OR_NOTHING = {"request_late", "date_start", "date_end"}


@tagged("post_install", "-at_install")
class TestBatchCreate(JobsCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # as the REST API creates: with the creation message and tracking
        cls.env = cls.env(context=dict(cls.env.context, mail_create_nolog=False, tracking_disable=False))
        cls.Order = cls.env["fsm.order"]
        cls.sequence = cls.env["ir.sequence"].search([("code", "=", "fsm.order")], limit=1)
        # a customer with a service location, one with a location of its own, one with none yet
        cls.with_site = CustomerFactory(env=cls.env, name="Batch Site Customer", city="Siteville")
        site_partner = cls.env["res.partner"].create({"name": "Batch Site", "city": "Siteville"})
        cls.site = cls.env["fsm.location"].create({"partner_id": site_partner.id, "owner_id": cls.with_site.id})
        cls.with_site.service_location_id = cls.site
        cls.with_location = CustomerFactory(env=cls.env, name="Batch Located Customer", city="Locville")
        cls.own_location = cls.env["fsm.location"].create(
            {"partner_id": cls.with_location.id, "owner_id": cls.with_location.id}
        )

    def _vals_list(self, fresh):
        """Jobs of every kind: customers with and without a location (``fresh``: none yet), a name given,
        a technician and a schedule (auto-scheduled, an activity for the technician), a stage given, a
        priority (OCA's latest request date), a description."""
        start = fields.Datetime.to_datetime("2031-03-04 09:00:00")
        return [
            {"partner_id": self.with_site.id, "description": "<p>first</p>"},
            {"partner_id": self.with_location.id},
            {"partner_id": fresh.id, "type": self.type_install.id},
            {"partner_id": fresh.id, "name": "LEGACY-1"},
            {"partner_id": self.customer.id, "person_id": self.technician.id, "scheduled_date_start": start},
            {"partner_id": self.with_location.id, "priority": "2", "scheduled_duration": 2.0},
            {"location_id": self.site.id, "stage_id": self.stage_in_progress.id},
            {"partner_id": self.with_site.id, "person_id": self.technician_without_user.id},
        ]

    def _snapshot(self, orders, fresh):
        """What a job is, with the batch's own records (names, the fresh customer) named generically."""
        self.env.flush_all()
        names = {order.name: f"<job {i}>" for i, order in enumerate(orders)}
        stored = [
            name
            for name, field in orders._fields.items()
            if field.store and name not in VOLATILE and field.type not in ("one2many", "many2many", "binary")
        ]
        out = []
        for order, row in zip(orders, orders.read(stored, load=None), strict=True):
            row = {k: bool(v) if k in NOW_OR_NOTHING else v for k, v in row.items() if k not in VOLATILE}
            if row["partner_id"] == fresh.id:
                row["partner_id"] = "<fresh>"
            if order.location_id.partner_id == fresh:
                location = order.location_id
                self.assertEqual(location.owner_id, fresh.commercial_partner_id)
                row["location_id"] = "<fresh location>"
            for key in ("description", "todo"):
                if row.get(key):
                    row[key] = str(row[key])
            messages = [
                (
                    m.message_type,
                    m.subtype_id.id,
                    m.author_id.id,
                    _named(str(m.body), names),
                    m.is_internal,
                    [(t.field_id.name, t.old_value_char, t.new_value_char) for t in m.tracking_value_ids],
                )
                for m in order.message_ids.sorted("id")
            ]
            followers = sorted((f.partner_id.id, tuple(sorted(f.subtype_ids.ids))) for f in order.message_follower_ids)
            activities = [
                (a.activity_type_id.id, _named(a.summary or "", names), a.user_id.id, a.date_deadline)
                for a in order.activity_ids.sorted("id")
            ]
            out.append(dict(row, messages=messages, followers=followers, activities=activities, tags=order.tag_ids.ids))
        return out

    def _compare(self, make_vals=None):
        fresh_one, fresh_batch = (
            CustomerFactory(env=self.env, name=f"Batch Fresh {i}", street=f"{i} Fresh Road", city="Freshville")
            for i in range(2)
        )
        make_vals = make_vals or self._vals_list
        one_by_one = self.Order.browse()
        for vals in make_vals(fresh_one):
            one_by_one |= self.Order.create(vals)
        batch = self.Order.create(make_vals(fresh_batch))
        self.assertEqual(len(batch), len(one_by_one))
        expected = self._snapshot(one_by_one, fresh_one)
        got = self._snapshot(batch, fresh_batch)
        for i, (want, have) in enumerate(zip(expected, got, strict=True)):
            self.assertEqual(have, want, f"job {i} of the batch differs from its one-by-one twin")
        # one location made for the fresh customer, as for one create per job
        for fresh in (fresh_one, fresh_batch):
            self.assertEqual(len(self.env["fsm.location"].search([("partner_id", "=", fresh.id)])), 1)
        return batch

    def test_batch_equals_one_by_one(self):
        batch = self._compare()
        self.assertEqual(batch[3].name, "LEGACY-1")
        self.assertTrue(batch[4].activity_ids, "the scheduled job's technician has an activity")
        self.assertEqual(batch[4].stage_id, self.stage_scheduled)
        self.assertFalse(batch[0].request_late, "OCA sets no latest request date without a priority")
        self.assertTrue(batch[5].request_late)

    def test_batch_names_are_the_next_sequence_numbers(self):
        """The names a batch draws are those as many ``next_by_code`` calls would give, in the order
        of the values; the sequence goes on after them."""
        before = self.env["ir.sequence"].next_by_code("fsm.order")
        batch = self.Order.create([{"partner_id": self.customer.id} for _i in range(5)])
        after = self.env["ir.sequence"].next_by_code("fsm.order")
        prefix, number = re.match(r"^(\D*)(\d+)$", before).groups()
        width = len(number)
        self.assertEqual(
            batch.mapped("name"), [f"{prefix}{int(number) + i:0{width}d}" for i in range(1, 6)], "consecutive"
        )
        self.assertEqual(after, f"{prefix}{int(number) + 6:0{width}d}")

    def test_batch_with_a_sequence_without_gaps(self):
        """A 'no gap' sequence (or one with date ranges) is drawn one number per job, as OCA does."""
        self.sequence.write({"implementation": "no_gap", "prefix": "NG/%(year)s/", "padding": 4})
        start = self.sequence.number_next_actual
        batch = self.Order.create([{"partner_id": self.customer.id} for _i in range(3)])
        year = fields.Date.today().year
        self.assertEqual(batch.mapped("name"), [f"NG/{year}/{start + i:04d}" for i in range(3)])
        self._compare()

    def test_batch_with_prefix_and_company_sequence(self):
        """The prefix, suffix and padding are the sequence's own; a company's own sequence wins."""
        self.env["ir.sequence"].create(
            {
                "name": "Jobs of this company",
                "code": "fsm.order",
                "company_id": self.env.company.id,
                "prefix": "J-%(y)s-",
                "suffix": "/X",
                "padding": 3,
                "number_next": 7,
            }
        )
        batch = self.Order.create([{"partner_id": self.customer.id} for _i in range(2)])
        year = fields.Date.today().strftime("%y")
        self.assertEqual(batch.mapped("name"), [f"J-{year}-007/X", f"J-{year}-008/X"])

    def test_defaults_from_settings_and_context(self):
        """User defaults (ir.default) and context defaults reach every job of a batch as they reach one."""
        self.env["ir.default"].set("fsm.order", "priority", "3")
        self.env["ir.default"].set("fsm.order", "color", 4)
        self.Order = self.Order.with_context(default_tag_ids=[self.env["fsm.tag"].create({"name": "Batch"}).id])
        batch = self._compare()
        self.assertEqual(set(batch.mapped("priority")), {"3", "2"})
        self.assertEqual(set(batch.mapped("color")), {4})
        self.assertTrue(all(order.tag_ids for order in batch))
        self.assertTrue(batch[0].tag_ids != batch[1].tag_ids or len(batch[0].tag_ids) == 1)

    def _territory(self, name):
        region = self.env["res.region"].create({"name": f"{name} Region"})
        district = self.env["res.district"].create({"name": f"{name} District", "region_id": region.id})
        branch = self.env["res.branch"].create({"name": f"{name} Branch", "district_id": district.id})
        return self.env["res.territory"].create({"name": name, "branch_id": branch.id})

    def test_location_hierarchy_type_code_and_duration_without_an_update(self):
        """A batch gives the INSERT the values of OCA's location hierarchy and the type code (stored
        related fields) and the effective duration: the same as one create per job, and no UPDATE of
        the new jobs at the flush."""
        territory = self._territory("Batch")
        self.site.territory_id = territory
        self.own_location.territory_id = territory
        batch = self._compare()
        self.assertEqual(batch[0].territory_id, territory)
        for order in batch:
            for fname in ("territory_id", "branch_id", "district_id", "region_id"):
                self.assertEqual(order[fname], order.location_id[fname], fname)
        self.assertEqual(batch[2].fsm_type, self.type_install.code)
        self.assertEqual(batch[1].fsm_type, batch[1].type.code or False)

        statements = []
        execute = sql_db.Cursor.execute

        def spy(cursor, query, params=None, log_exceptions=True):
            statements.append(str(getattr(query, "code", query)))
            return execute(cursor, query, params, log_exceptions)

        vals_list = [
            {"partner_id": self.with_site.id, "type": self.type_install.id},
            {"partner_id": self.with_location.id},
            {"location_id": self.site.id, "description": "<p>x</p>"},
        ]
        with patch.object(sql_db.Cursor, "execute", spy):
            orders = self.Order.create(vals_list)
            self.env.flush_all()
        self.assertFalse([q for q in statements if q.lstrip().startswith('UPDATE "fsm_order"')], statements)
        self.assertEqual(orders.territory_id, territory)
        self.assertEqual(orders[0].fsm_type, self.type_install.code)

    def test_prefilled_values_are_recomputed(self):
        """What the batch gives the INSERT is only a head start: Odoo recomputes those fields after it,
        so a value that differs from the related one (here given wrong by the caller) is corrected."""
        territory, other = self._territory("Right"), self._territory("Wrong")
        self.site.territory_id = territory
        orders = self.Order.create(
            [
                {"location_id": self.site.id, "territory_id": other.id, "fsm_type": "bogus"},
                {"location_id": self.site.id, "effective_duration": 7.0},
            ]
        )
        self.env.flush_all()
        self.env.invalidate_all()
        self.assertEqual(orders.territory_id, territory)
        self.assertEqual(orders.branch_id, self.site.branch_id)
        self.assertEqual(orders.mapped("fsm_type"), [order.type.code or False for order in orders])
        self.assertNotIn("bogus", orders.mapped("fsm_type"))
        self.assertEqual(orders.mapped("effective_duration"), [0.0, 0.0])

    def test_prefill_leaves_values_that_are_not_ids_to_odoo(self):
        """A location or type of a wrong form fails as Odoo makes it fail, not in the prefill (an
        unhashable value there would be a TypeError)."""
        for vals in ({"location_id": [self.site.id]}, {"location_id": self.site.id, "type": [1]}):
            with self.subTest(vals=vals), self.assertRaises(Exception) as caught, self.env.cr.savepoint():
                self.Order.create([vals, {"location_id": self.site.id}])
            self.assertNotIsInstance(caught.exception, TypeError)

    def test_batch_queries_do_not_grow_with_its_size(self):
        """The SQL of a batch create is the same for 10 and for 40 jobs: nothing per job."""

        def queries(count):
            vals_list = [
                {"partner_id": customer.id, "description": f"job {i}"}
                for i in range(count)
                for customer in (self.with_site, self.with_location, self.customer)
            ][:count]
            self.Order.create(vals_list)  # the first makes the customer's location
            self.env.flush_all()
            self.env.invalidate_all()
            before = self.env.cr.sql_log_count
            self.Order.create(vals_list)
            self.env.flush_all()
            return self.env.cr.sql_log_count - before

        self.assertEqual(queries(40), queries(10))


def _named(text, names):
    for name, placeholder in names.items():
        text = text.replace(name, placeholder)
    return text
