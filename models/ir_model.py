# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo import api, models, tools

from .base import FIELD_ATTRIBUTES


class IrModel(models.Model):
    _inherit = "ir.model"

    @api.model
    @tools.ormcache("self.env.uid", "self.env.lang", "model_name")
    def _fsj_api_fields(self, model_name):
        """The REST API's fields of a model as the user sees them (fields_get: field groups apply),
        {API name: (ORM name, description)} from the model's ``_fsj_api_field_map`` hook, computed once
        per worker, user and language; Odoo clears it with the registry caches (e.g. when the user's
        groups change). Callers must not modify the result."""
        model = self.env[model_name]
        return model._fsj_api_field_map(model.fields_get(attributes=FIELD_ATTRIBUTES))

    @api.model
    @tools.ormcache("model_name")
    def _fsj_api_sql_cache(self, model_name):
        """A dict in which the REST API keeps SQL it built for a model (restapi/sqlrender.py: how a
        list renders its rows), per worker: a new one whenever Odoo clears its caches (modules, fields,
        access rights or record rules change), as that SQL names the registry's fields and hooks."""
        return {}
