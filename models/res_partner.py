# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo import models


class ResPartner(models.Model):
    """Customers get an external reference (models/fsj_external_ref_mixin.py). Technicians
    (fsm.person) share their partner's; locations have their own."""

    _name = "res.partner"
    _inherit = ["res.partner", "fsj.external.ref.mixin"]
