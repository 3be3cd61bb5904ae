# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""sanitize_memo.py: inside a ``create`` each distinct HTML value is sanitized once (Odoo 18 runs
``html_sanitize`` up to three times per value, and once per record for a batch's equal values), with
the very results Odoo's function gives; outside a create nothing is remembered."""

from unittest.mock import patch

from odoo import fields
from odoo.tests import tagged
from odoo.tools import mail

from .. import sanitize_memo
from .common import JobsCase

SOURCES = [
    "plain text",
    "<p>a <b>bold</b> line</p>",
    '<p onclick="alert(1)">click</p><script>alert(2)</script>',
    '<a href="javascript:alert(3)">link</a><img src="x" onerror="alert(4)">',
    "<style>p {color: red}</style><p style='color: red'>styled</p>",
    "",
]
OPTIONS = [{}, {"sanitize_style": True}, {"sanitize_tags": False, "sanitize_attributes": False}]


@tagged("post_install", "-at_install")
class TestSanitizeMemo(JobsCase):
    def _counting(self):
        """Count the calls that reach Odoo's own html_sanitize, by source."""
        calls = []
        odoo_sanitize = sanitize_memo._memo_sanitize.odoo_sanitize

        def counting(src, *args, **options):
            calls.append(src)
            return odoo_sanitize(src, *args, **options)

        return calls, patch.object(sanitize_memo._memo_sanitize, "odoo_sanitize", counting)

    def test_installed_as_odoo_fields_sanitizer(self):
        self.assertIs(fields.html_sanitize, sanitize_memo._memo_sanitize)
        self.assertIs(sanitize_memo._memo_sanitize.odoo_sanitize, mail.html_sanitize)

    def test_same_results_as_odoo(self):
        """Remembered or not, every result is the one Odoo's html_sanitize gives, the second call too."""
        for options in OPTIONS:
            for src in SOURCES:
                want = mail.html_sanitize(src, **options)
                with sanitize_memo.sanitize_memo():
                    first = fields.html_sanitize(src, **options)
                    second = fields.html_sanitize(src, **options)
                self.assertEqual(first, want, (src, options))
                self.assertEqual(second, want, (src, options))
                self.assertEqual(type(second), type(want))
                self.assertEqual(fields.html_sanitize(src, **options), want)

    def test_options_are_part_of_the_key(self):
        src = "<p style='color: red'>x</p>"
        with sanitize_memo.sanitize_memo():
            kept = fields.html_sanitize(src, sanitize_style=False)
            stripped = fields.html_sanitize(src, sanitize_style=True, strip_style=True)
        self.assertEqual(kept, mail.html_sanitize(src, sanitize_style=False))
        self.assertEqual(stripped, mail.html_sanitize(src, sanitize_style=True, strip_style=True))
        self.assertNotEqual(kept, stripped)

    def test_nothing_remembered_outside_a_create(self):
        calls, patched = self._counting()
        with patched:
            fields.html_sanitize("<p>twice</p>")
            fields.html_sanitize("<p>twice</p>")
        self.assertEqual(calls, ["<p>twice</p>", "<p>twice</p>"])
        self.assertIsNone(getattr(sanitize_memo._state, "memo", None))

    def test_a_batch_sanitizes_each_value_once(self):
        """A batch of jobs: each description sanitized once (not once for the new record of the
        precomputed fields, once for the INSERT and once for the cache), the creation messages' one
        body once for all; the stored values are Odoo's."""
        env = self.env(context=dict(self.env.context, mail_create_nolog=False))
        descriptions = [f"<p>job {i} <script>x()</script></p>" for i in range(4)]
        calls, patched = self._counting()
        with patched:
            orders = env["fsm.order"].create([{"partner_id": self.customer.id, "description": d} for d in descriptions])
            env.flush_all()
        for description in descriptions:
            self.assertEqual(calls.count(description), 1, description)
        bodies = [str(order.message_ids[-1:].body) for order in orders]
        self.assertEqual(len(set(bodies)), 1)
        self.assertIsNone(getattr(sanitize_memo._state, "memo", None), "the memo ends with the create")
        env.invalidate_all()
        self.assertEqual(orders.mapped(lambda o: str(o.description)), [mail.html_sanitize(d) for d in descriptions])

    def test_memo_is_bounded(self):
        calls, patched = self._counting()
        with patched, patch.object(sanitize_memo, "MEMO_SIZE", 2), sanitize_memo.sanitize_memo():
            for src in ("<p>1</p>", "<p>2</p>", "<p>3</p>", "<p>1</p>", "<p>3</p>"):
                fields.html_sanitize(src)
            self.assertEqual(len(sanitize_memo._state.memo), 2)
        self.assertEqual(calls, ["<p>1</p>", "<p>2</p>", "<p>3</p>", "<p>3</p>"])

    def test_nested_creates_share_the_outer_memo(self):
        with sanitize_memo.sanitize_memo():
            outer = sanitize_memo._state.memo
            with sanitize_memo.sanitize_memo():
                self.assertIs(sanitize_memo._state.memo, outer)
            self.assertIs(sanitize_memo._state.memo, outer)
        self.assertIsNone(sanitize_memo._state.memo)
