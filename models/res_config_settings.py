# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).

from odoo import api, fields, models

API_MODELS_PARAM = "fieldservice_jobs.api_models"
DEFAULT_API_MODELS = "fsm.order,fsm.stage,fsm.location,fsm.person,fsm.order.type,fsm.team,sale.order,res.partner"


class ResConfigSettings(models.TransientModel):
    _inherit = "res.config.settings"

    fsm_jobs_api_models = fields.Char(
        string="REST API Models",
        config_parameter=API_MODELS_PARAM,
        default=DEFAULT_API_MODELS,
        help="Technical names of the models the REST API exposes, separated by commas. "
        "Any other model answers 404, like an unknown one.",
    )

    @api.model
    def _fsm_jobs_api_models(self):
        value = self.env["ir.config_parameter"].sudo().get_param(API_MODELS_PARAM, DEFAULT_API_MODELS)
        return {name.strip() for name in (value or "").split(",") if name.strip()}
