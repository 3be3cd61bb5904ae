# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo import api, models


class Base(models.AbstractModel):
    """Per-model hooks of the REST API (restapi/service.py stays generic): a model, or another addon
    through ``_inherit``, says here how the API's names and values map onto its ORM."""

    _inherit = "base"

    @api.model
    def _restapi_domain_leaf(self, api_name, orm_name, value):
        """(ORM field, value) of a top-level domain condition on the API field ``api_name``, whose ORM
        field is ``orm_name``: e.g. a job's stage given by its code."""
        return orm_name, value
