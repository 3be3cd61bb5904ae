# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo import fields, models

from odoo.addons.base.models.res_users import check_identity


class ResUsersApikeysDescription(models.TransientModel):
    """Odoo's "New API Key" wizard (Preferences > Account Security) can make a key for the REST API
    only, limited to some models and/or to reading (res.users.apikeys._generate_restapi_key)."""

    _inherit = "res.users.apikeys.description"

    fsj_restapi = fields.Boolean(
        string="Field Service REST API only",
        help="The key serves the Field Service REST API only: Odoo's XML-RPC and JSON-RPC refuse it.",
    )
    fsj_model_names = fields.Char(
        string="REST API Models",
        help="Technical names of the models the key may use, separated by commas; empty: every exposed model.",
    )
    fsj_read_only = fields.Boolean(string="Read Only", help="The key may only read.")
    fsj_stage_numbering = fields.Selection(
        [("odoo", "Odoo's ids"), ("jdx", "Seed 000 (JDX): 1-5")],
        string="Stage Numbering",
        default="odoo",
        help="JDX: the key speaks seed 000's stage numbers (New 1, Scheduled 2, In Progress 3, Completed 4, "
        "Cancelled 5), for integrations that hard-code them.",
    )

    @check_identity  # as Odoo's own make_key: the identity check asserts the method carries it
    def make_key(self):
        if not self.fsj_restapi:
            return super().make_key()
        models = [name.strip() for name in (self.fsj_model_names or "").split(",") if name.strip()]
        restapi = {
            "models": models,
            "read_only": self.fsj_read_only,
            "stage_numbering": self.fsj_stage_numbering or "odoo",
        }
        return super(ResUsersApikeysDescription, self.with_context(fsj_restapi_key=restapi)).make_key()
