# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""Fake models (odoo-test-helper's FakeModelLoader) with every field type the REST API converts.

Imported only inside a test's setUpClass, after ``FakeModelLoader.backup_registry()``: importing this
module defines the classes, and a class defined at import time of the test package would join the
addon's models for good."""

from odoo import fields, models


class FakeContainer(models.Model):
    """The target of the many2one, and the holder of the properties' definition."""

    _name = "fsj.fake.container"
    _description = "REST API fake: container"

    name = fields.Char(required=True)
    props_definition = fields.PropertiesDefinition("Properties definition")


class FakeTag(models.Model):
    _name = "fsj.fake.tag"
    _description = "REST API fake: tag"

    name = fields.Char(required=True)


class FakeLine(models.Model):
    _name = "fsj.fake.line"
    _description = "REST API fake: line"

    name = fields.Char(required=True)
    qty = fields.Integer()
    record_id = fields.Many2one("fsj.fake.record", ondelete="cascade")


class FakeRecord(models.Model):
    """One field of each type the API converts (restapi/parsing.py TO_ORM)."""

    _name = "fsj.fake.record"
    _description = "REST API fake: every field type"

    name = fields.Char(required=True)
    note = fields.Text()
    body = fields.Html()
    count = fields.Integer()
    ratio = fields.Float()
    amount = fields.Monetary(currency_field="currency_id")
    currency_id = fields.Many2one("res.currency")
    active_flag = fields.Boolean()
    day = fields.Date()
    moment = fields.Datetime()
    priority = fields.Selection([("0", "Normal"), ("1", "Low"), ("2", "High"), ("3", "Urgent")])
    # Odoo 18 refuses integer keys in a selection list; a selection method may still return them
    level = fields.Selection(selection="_level_selection")
    container_id = fields.Many2one("fsj.fake.container")
    line_ids = fields.One2many("fsj.fake.line", "record_id")
    tag_ids = fields.Many2many("fsj.fake.tag")
    ref = fields.Reference(selection=[("res.partner", "Contact"), ("fsj.fake.tag", "Tag")])
    res_model = fields.Char()
    res_id = fields.Many2oneReference(model_field="res_model")
    data = fields.Json()
    props = fields.Properties(definition="container_id.props_definition")
    blob = fields.Binary(attachment=False)

    def _level_selection(self):
        return [(1, "One"), (2, "Two"), (3, "Three")]
