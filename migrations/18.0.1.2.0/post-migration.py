# Copyright 2026 fieldservice_jobs authors
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
"""18.0.1.2.0: webhooks join the REST API's default allowlist. A database still on the previous default
gets them; an allowlist someone chose is left as it is (add fsm.webhook by hand to manage webhooks
through the API)."""

from odoo import SUPERUSER_ID, api

PREVIOUS_DEFAULT = "fsm.order,fsm.stage,fsm.location,fsm.person,fsm.order.type,fsm.team,fsm.tag,sale.order,res.partner"


def migrate(cr, version):
    env = api.Environment(cr, SUPERUSER_ID, {})
    params = env["ir.config_parameter"]
    current = params.get_param("fieldservice_jobs.api_models")
    if current and current.replace(" ", "") == PREVIOUS_DEFAULT:
        params.set_param("fieldservice_jobs.api_models", f"{PREVIOUS_DEFAULT},fsm.webhook")
