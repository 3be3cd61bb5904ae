# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo import fields, models


class FSMLocation(models.Model):
    """Service locations get an external reference of their own (models/fsj_external_ref_mixin.py),
    apart from their partner's (fsm.location inherits res.partner by delegation)."""

    _name = "fsm.location"
    _inherit = ["fsm.location", "fsj.external.ref.mixin"]
    _fsj_external_ref_company_field = "external_ref_company_id"

    # a location's company is its partner's: stored here for the reference's unique index
    external_ref_company_id = fields.Many2one(
        "res.company",
        string="Company of the External Reference",
        related="partner_id.company_id",
        store=True,
    )
