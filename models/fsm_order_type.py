# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo import fields, models


class FSMOrderType(models.Model):
    _inherit = "fsm.order.type"
    # ('type', '=', 'install') on fsm.order resolves the string through the type's display name
    # search: searching the code too makes seed 000's domains work in every client (ORM, RPC, REST).
    _rec_names_search = ["name", "code"]

    code = fields.Char(
        index=True,
        copy=False,
        help="Stable identifier of the job type for integrations, e.g. 'install' or 'service'.",
    )

    _sql_constraints = [
        ("code_uniq", "unique(code)", "A job type code must be unique."),
    ]
